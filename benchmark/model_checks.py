"""serbench's common checks on any model spec (built-in name, entry point or import path).

The model is built exactly as a run builds it (:func:`benchmark.models.make_model`, so a plugin
goes through its adapter) and run on a tiny seeded synthetic corpus: three emotion classes as
Gaussian blobs (functionals) or as short frame sequences with class-dependent means (frames),
spoken by six speakers, who are the training ``groups``. Each check is one line, PASS or FAIL
with the reason; ``python -m benchmark check-model`` prints them and the tests run them over
every built-in classical model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

LABELS = np.array(["angry", "happy", "neutral"])
"""The synthetic corpus's classes (strings, as a real corpus's labels are)."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    reason: str = ""

    def line(self) -> str:
        return f"PASS  {self.name}" if self.ok else f"FAIL  {self.name}: {self.reason}"


@dataclass(frozen=True)
class Split:
    X: Any
    y: np.ndarray
    groups: np.ndarray


def synthetic_corpus(kind: str, seed: int = 0, n_speakers: int = 6, per_speaker: int = 9,
                     sep: float = 4.0) -> dict[str, Split]:
    """Train (4 speakers) and test (2 other speakers) sides of balanced blobs or frames."""
    rng = np.random.default_rng(seed)
    n = n_speakers * per_speaker
    yi = np.arange(n) % len(LABELS)
    speakers = np.repeat([f"spk{k}" for k in range(n_speakers)], per_speaker)
    if kind == "frames":
        centres = np.eye(3, 4) * sep
        X: Any = [(rng.normal(size=(int(rng.integers(8, 16)), 4)) + centres[k]).astype(np.float32)
                  for k in yi]
    else:
        X = (rng.normal(size=(n, 6)) + np.eye(3, 6)[yi] * sep).astype(np.float32)
    train = speakers != speakers[-1]
    train &= speakers != speakers[-per_speaker - 1]

    def side(mask: np.ndarray) -> Split:
        idx = np.flatnonzero(mask)
        xs = [X[i] for i in idx] if kind == "frames" else X[idx]
        return Split(xs, LABELS[yi[idx]], speakers[idx])

    return {"train": side(train), "test": side(~train)}


def _state(obj: Any) -> Any:
    """What an estimator's constructor set: ``get_params(deep=False)``, else its public
    attributes that are not learned (no trailing underscore)."""
    getter = getattr(obj, "get_params", None)
    if callable(getter):
        return getter(deep=False)
    return {k: v for k, v in vars(obj).items() if not k.startswith("_") and not k.endswith("_")}


def _same(a: Any, b: Any) -> bool:
    import joblib

    return joblib.hash(a) == joblib.hash(b)


def run_checks(spec: str, *, seed: int = 0, params: Mapping[str, Any] | None = None,
               profile: str = "ci") -> list[CheckResult]:
    """Every check on ``spec``; raises the registry's one-line error when it does not resolve."""
    from benchmark.models import MODELS, make_model

    meta = MODELS.meta(spec)
    kind = str(meta.get("input", "functionals"))
    data = synthetic_corpus(kind, seed)
    options = {"profile": profile, "threads": 1}
    run_opts = {k: options[k] for k in meta.get("run_options", ()) if k in options}

    def build() -> Any:
        return make_model(spec, seed=seed, **dict(params or {}), **run_opts)

    train, test = data["train"], data["test"]
    results: list[CheckResult] = []

    def check(name: str, fn: Callable[[], str | None]) -> bool:
        try:
            why = fn()
        except Exception as exc:  # a check that raises fails with the error, the others go on
            why = f"{type(exc).__name__}: {exc}"
        results.append(CheckResult(name, why is None, why or ""))
        return why is None

    model = build()
    before = _state(model)
    fitted: list[Any] = []

    def fit() -> str | None:
        out = model.fit(train.X, train.y, groups=train.groups)
        fitted.append(model)
        return None if out is model else f"fit returned {type(out).__name__}, not the estimator itself"

    if not check("fit(X, y, groups) returns the estimator", fit):
        return results + [CheckResult(n, False, "not run: fit failed") for n in _AFTER_FIT]
    check("classes_ are the training labels, sorted", lambda: _classes(model, train.y))
    check("predict gives one training label per item", lambda: _predict(model, test.X))
    check("predict_proba has shape (n_items, n_classes)", lambda: _proba_shape(model, test.X))
    check("predict_proba rows are probabilities summing to 1", lambda: _proba_sum(model, test.X))
    check("deterministic under a fixed seed", lambda: _deterministic(model, build, train, test))
    check("fit leaves the constructor parameters unchanged", lambda: _params_kept(model, before))
    check("fit_info_ is JSON (records hold it)", lambda: _fit_info_json(model))
    return results


_AFTER_FIT = (
    "classes_ are the training labels, sorted", "predict gives one training label per item",
    "predict_proba has shape (n_items, n_classes)", "predict_proba rows are probabilities summing to 1",
    "deterministic under a fixed seed", "fit leaves the constructor parameters unchanged",
    "fit_info_ is JSON (records hold it)",
)


def _classes(model: Any, y: np.ndarray) -> str | None:
    got = [str(c) for c in np.asarray(model.classes_)]
    want = sorted(set(y.tolist()))
    return None if got == want else f"classes_ {got}, expected {want}"


def _predict(model: Any, X: Any) -> str | None:
    pred = np.asarray(model.predict(X))
    if pred.shape != (len(X),):
        return f"shape {pred.shape}, expected ({len(X)},)"
    stray = sorted(set(map(str, pred.tolist())) - {str(c) for c in model.classes_})
    return f"labels {stray} are not in classes_" if stray else None


def _proba_shape(model: Any, X: Any) -> str | None:
    proba = np.asarray(model.predict_proba(X))
    want = (len(X), len(model.classes_))
    return None if proba.shape == want else f"shape {proba.shape}, expected {want}"


def _proba_sum(model: Any, X: Any) -> str | None:
    proba = np.asarray(model.predict_proba(X), dtype=float)
    if not np.isfinite(proba).all():
        return "holds NaN or inf"
    if (proba < 0).any():
        return f"negative values (min {proba.min():.3g})"
    sums = proba.sum(axis=1)
    worst = int(np.abs(sums - 1.0).argmax())
    return None if abs(sums[worst] - 1.0) <= 1e-6 else f"row {worst} sums to {sums[worst]:.6g}"


def _deterministic(model: Any, build: Callable[[], Any], train: Split, test: Split) -> str | None:
    other = build().fit(train.X, train.y, groups=train.groups)
    if not np.array_equal(np.asarray(model.predict(test.X)), np.asarray(other.predict(test.X))):
        return "two fits with the same seed predict different labels"
    a, b = np.asarray(model.predict_proba(test.X)), np.asarray(other.predict_proba(test.X))
    if not np.allclose(a, b, rtol=0, atol=1e-9):
        return f"two fits with the same seed differ in predict_proba by {np.abs(a - b).max():.3g}"
    return None


def _params_kept(model: Any, before: Any) -> str | None:
    if not _same(_state(model), before):
        return "the estimator's parameters changed during fit"
    inner = getattr(model, "estimator_", None)  # a plugin: its own class behind the adapter
    if inner is not None and hasattr(model, "build"):
        fresh = model.build()[0]
        changed = _changed(_state(fresh), _state(inner))
        if changed is not None:
            return f"fit changed constructor parameter(s) {changed} (store them as given; put what is learned in attributes ending in '_')"
    return None


def _changed(fresh: Any, fitted: Any) -> list[str] | None:
    if not isinstance(fresh, Mapping) or not isinstance(fitted, Mapping):
        return None if _same(fresh, fitted) else ["?"]
    keys = sorted(k for k in set(fresh) | set(fitted)
                  if k not in fresh or k not in fitted or not _same(fresh[k], fitted[k]))
    return keys or None


def _fit_info_json(model: Any) -> str | None:
    info = getattr(model, "fit_info_", None)
    if info is None:
        return None
    from benchmark.results import _clean

    json.dumps(_clean(info))
    return None
