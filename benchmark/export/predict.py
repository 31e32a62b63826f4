"""Label audio with an exported model: files, folders (recursively) or a CSV manifest.

Every input becomes one row: ``path``, ``label``, one ``proba_<class>`` column per class in the
model's class order, and ``reason``, empty unless the file could not be labelled (not audio,
unreadable, truncated, too short, silent: :mod:`benchmark.audio`'s checks through the feature
code), in which case ``label`` and the probabilities are empty. Features go through
:func:`benchmark.features.compute_features` with the same cache as ``run`` (content-addressed:
a corpus file already seen by a run is a cache hit), at the model's sample rate, in batches of
``batch_size`` files. Rows keep the input order (a folder's files sorted), probabilities are
written with :data:`DECIMALS` decimals, and every step is deterministic, so the same input
gives the same bytes. (A classical model scores each file alone; a variable-length deep network
pads each batch to its longest item and its unpacked backward LSTM reads that padding, as in the
run's own evaluation, so for it ``batch_size`` is part of the input.)
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmark.export import ExportError

DECIMALS = 6
BATCH_SIZE = 256
#: Lists longer than this get a progress bar (on a terminal).
PROGRESS_MIN = 50


@dataclass(frozen=True)
class Item:
    path: str
    problem: str | None = None
    """Why the file is not even read (not an audio format, listed but absent), else None."""


def _from_manifest(csv_path: Path) -> list[Item]:
    try:
        frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise ExportError(f"{csv_path}: unreadable CSV manifest ({type(exc).__name__}: {exc})") from None
    if "path" not in frame.columns:
        raise ExportError(f"{csv_path}: a manifest needs a 'path' column; it has {list(frame.columns)}")
    items = []
    for raw in frame["path"]:
        p = Path(raw)
        p = p if p.is_absolute() else csv_path.parent / p
        items.append(Item(str(p), None if p.is_file() else "file not found"))
    return items


def collect_inputs(inputs: Sequence[str | Path]) -> list[Item]:
    """Files as given, folders' audio files (sorted, recursive), CSV manifests' ``path`` rows
    (relative to the CSV's folder). A missing argument is an error: it is a typo, not data."""
    from benchmark.datasets.base import AUDIO_SUFFIXES, find_wavs

    items: list[Item] = []
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            for f in find_wavs(p):
                readable = f.suffix.lower() in AUDIO_SUFFIXES
                items.append(Item(str(f), None if readable else
                                  f"audio format not read: {f.suffix} (libsndfile reads "
                                  f"{', '.join(AUDIO_SUFFIXES)})"))
        elif p.is_file() and p.suffix.lower() == ".csv":
            items.extend(_from_manifest(p))
        elif p.is_file():
            items.append(Item(str(p)))
        else:
            raise ExportError(f"{raw}: no such file or folder")
    if not items:
        raise ExportError(f"no audio found in {', '.join(map(str, inputs))}")
    return items


def _reason(path: str, text: str) -> str:
    """A failure reason without the exception class and path prefixes the feature code adds."""
    for prefix in ("AudioError: ", "FeatureError: "):
        text = text.removeprefix(prefix)
    return text.removeprefix(f"{path}: ").strip()


def _features(items: list[Item], feature: str, sr: int, cache: Any,
              jobs: int) -> tuple[dict[int, np.ndarray], dict[int, str]]:
    """Features of the readable items (by position) and the reason for each one that failed."""
    from benchmark.audio import AudioError, load_audio
    from benchmark.features import compute_features
    from benchmark.features.base import FeatureError

    todo = [k for k, it in enumerate(items) if it.problem is None]
    failures = {k: str(items[k].problem) for k, it in enumerate(items) if it.problem is not None}
    if not todo:
        return {}, failures
    manifest = pd.DataFrame({"utt_id": [str(k) for k in todo],
                             "path": [items[k].path for k in todo]})
    try:
        table = compute_features(manifest, feature, cache=cache, jobs=jobs, sr=sr, progress=False)
    except FeatureError:
        # every file of the batch failed (compute_features raises then): each file's own reason
        for k in todo:
            try:
                load_audio(items[k].path, sr=sr)
                failures[k] = f"{feature}: feature extraction failed"
            except AudioError as exc:
                failures[k] = _reason(items[k].path, str(exc))
        return {}, failures
    for utt, why in table.failures.items():
        failures[int(utt)] = _reason(items[int(utt)].path, why)
    return {int(u): v for u, v in table.values.items()}, failures


def predict_items(model: Any, items: list[Item], *, cache: Any, jobs: int = 1,
                  batch_size: int = BATCH_SIZE, progress: bool | None = None) -> pd.DataFrame:
    """One row per item (module docstring) from a :class:`~benchmark.export.artefacts.LoadedModel`."""
    from threadpoolctl import threadpool_limits
    from tqdm.auto import tqdm

    from benchmark.fold_data import _stack

    meta = model.meta
    feat = meta["features"]
    classes = model.classes
    show = (len(items) > PROGRESS_MIN and sys.stderr.isatty()) if progress is None else progress
    labels: list[str] = [""] * len(items)
    proba = np.full((len(items), len(classes)), np.nan)
    reasons: list[str] = [""] * len(items)
    with tqdm(total=len(items), desc="predict", unit="file", disable=not show) as bar, \
            threadpool_limits(1):  # one BLAS thread: identical sums, hence bytes, on every run
        for start in range(0, len(items), batch_size):
            chunk = items[start:start + batch_size]
            values, failures = _features(chunk, feat["key"], int(meta["sample_rate"]), cache, jobs)
            for k, why in failures.items():
                reasons[start + k] = why
            ok = sorted(values)
            if ok:
                X = _stack({str(k): values[k] for k in ok}, [str(k) for k in ok], feat["kind"],
                           feat["model_input"])
                p = np.asarray(model.estimator.predict_proba(X), dtype=float)
                for row, k in enumerate(ok):
                    proba[start + k] = p[row]
                    labels[start + k] = classes[int(np.argmax(p[row]))]
            bar.update(len(chunk))
    out = pd.DataFrame({"path": [it.path for it in items], "label": labels})
    for j, c in enumerate(classes):
        out[f"proba_{c}"] = proba[:, j]
    out["reason"] = reasons
    return out


def write_rows(rows: pd.DataFrame, out: Path | None) -> str:
    """CSV text (written to ``out`` when given): fixed decimals, ``\\n`` line ends."""
    text = rows.to_csv(index=False, float_format=f"%.{DECIMALS}f", lineterminator="\n")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return text


def summary(rows: pd.DataFrame) -> str:
    """One line: how many inputs were labelled, how many not and the commonest reasons."""
    bad = rows[rows["reason"] != ""]
    line = f"{len(rows) - len(bad)} of {len(rows)} input(s) labelled"
    if len(bad):
        kinds: Iterable[str] = (r.split(":")[0] for r in bad["reason"])
        counts = pd.Series(list(kinds)).value_counts()
        line += "; not labelled: " + ", ".join(f"{n} {k}" for k, n in counts.items())
    return line
