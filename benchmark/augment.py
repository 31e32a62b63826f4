"""The train-only guard: which utterances of a fold may be augmented, and the features of
their augmented copies.

:func:`augment_training` augments only a fold's training utterances and raises
:class:`LeakageError` for any validation/test utterance; :func:`leaky_pool` augments every
utterance on purpose and exists only for the ``leaky_augment_then_split`` protocol. The
policies themselves (and ``AUGMENTATIONS``) live in :mod:`benchmark.transforms`, below feature
extraction; this module sits above it and calls :func:`benchmark.features.compute_features`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from benchmark.cache import FeatureCache
from benchmark.features.compute import FeatureTable, compute_features
from benchmark.splits import LeakageError  # re-exported: augment raises the splits' error
from benchmark.transforms import AUGMENTATIONS, Policy, get_policy, spec_augment

__all__ = ["AUGMENTATIONS", "LeakageError", "augment_training", "augment_training_folds",
           "get_policy", "leaky_pool",
           "oversample_draws", "pool_sources", "spec_augment"]


# ---------------------------------------------------------------------- train-only augmenting


def augment_training(fold: Any, manifest: pd.DataFrame, feature: str, policy: str, *, seed: int,
                     cache: FeatureCache | None, jobs: int = 1, utt_ids: Sequence[str] | None = None,
                     progress: bool = True) -> FeatureTable:
    """Features of the augmented copies of a fold's *training* utterances.

    ``utt_ids`` (default: all of ``fold.train``) must all be training utterances: any id in
    ``fold.val`` or ``fold.test`` raises :class:`LeakageError`, as does a fold whose train set
    overlaps its own val/test set; ids outside the fold raise ``ValueError``. Only the
    manifest rows of the checked ids are ever read, so held-out audio cannot be augmented
    through this function.
    """
    requested = _training_ids(fold, utt_ids)
    return _augment(_rows(manifest, requested), feature, policy, seed=seed, cache=cache, jobs=jobs,
                    progress=progress)


def augment_training_folds(folds: Sequence[Any], manifest: pd.DataFrame, feature: str, policy: str,
                           *, seed: int, cache: FeatureCache | None, jobs: int = 1,
                           progress: bool = True) -> FeatureTable:
    """The copies of every utterance that is a training utterance of at least one of ``folds``
    (each checked by the guard against its own fold), extracted in one pass: what every fold's
    :func:`augment_training` then reads from the cache. Holds copies only (no over-sampled
    duplicates: those are drawn per fold from its training labels, and cost nothing)."""
    ids = list(dict.fromkeys(u for fold in folds for u in _training_ids(fold, None)))
    return compute_features(_rows(manifest, ids), feature, cache=cache, jobs=jobs,
                            augmentation=policy, aug_seed=seed, progress=progress)


def _training_ids(fold: Any, utt_ids: Sequence[str] | None) -> tuple[str, ...]:
    """``utt_ids`` (default: the fold's training set) once they pass the guard."""
    train = tuple(str(u) for u in fold.train)
    held_out = {str(u) for u in fold.val} | {str(u) for u in fold.test}
    overlap = sorted(set(train) & held_out)
    if overlap:
        raise LeakageError(f"fold {getattr(fold, 'index', '?')}: {len(overlap)} utterance(s) are in "
                           f"train and val/test (e.g. {overlap[:3]}); refusing to augment")
    requested = train if utt_ids is None else tuple(str(u) for u in utt_ids)
    leaked = [u for u in requested if u in held_out]
    if leaked:
        raise LeakageError(f"refusing to augment {len(leaked)} validation/test utterance(s) of fold "
                           f"{getattr(fold, 'index', '?')} (e.g. {leaked[:3]}): augment training data only")
    train_set = set(train)
    outside = [u for u in requested if u not in train_set]
    if outside:
        raise ValueError(f"{len(outside)} utterance(s) are not in the fold's training set (e.g. {outside[:3]})")
    return requested


def leaky_pool(manifest: pd.DataFrame, feature: str, policy: str, seed: int = 0,
               cache: FeatureCache | None = None, jobs: int = 1, progress: bool = True) -> FeatureTable:
    """Augmented copies of EVERY utterance, before any split: the papers' mistake on purpose.

    Used only by the ``leaky_augment_then_split`` protocol, which splits this pool so copies
    of one utterance land in both train and test. Never use it for an honest protocol.
    """
    return _augment(_rows(manifest, tuple(manifest["utt_id"].astype(str))), feature, policy,
                    seed=seed, cache=cache, jobs=jobs, progress=progress)


def _rows(manifest: pd.DataFrame, ids: Sequence[str]) -> pd.DataFrame:
    by_id = manifest.assign(utt_id=manifest["utt_id"].astype(str))
    dup = by_id["utt_id"][by_id["utt_id"].duplicated()].tolist()
    if dup:
        raise ValueError(f"manifest has duplicate utt_id(s), e.g. {dup[:3]}")
    by_id = by_id.set_index("utt_id", drop=False)
    missing = [u for u in ids if u not in by_id.index]
    if missing:
        raise ValueError(f"{len(missing)} utterance id(s) not in the manifest (e.g. {missing[:3]})")
    return by_id.loc[list(dict.fromkeys(ids))].reset_index(drop=True)


def _augment(rows: pd.DataFrame, feature: str, policy: str, *, seed: int, cache: FeatureCache | None,
             jobs: int, progress: bool) -> FeatureTable:
    pol = get_policy(policy)
    table = compute_features(rows, feature, cache=cache, jobs=jobs, augmentation=policy,
                             aug_seed=seed, progress=progress)
    if pol.oversample and pol.n_variants:
        originals = compute_features(rows, feature, cache=cache, jobs=jobs, progress=progress)
        _add_oversampled(table, originals, rows, pol, seed)
    return table


def oversample_draws(rows: pd.DataFrame, pol: Policy, seed: int) -> list[tuple[str, str]]:
    """``(item id, source utt)`` of the duplicates that top every class up to the largest one,
    drawn at random with replacement from the class's utterances (the j-th draw of ``u`` is
    ``u~policy~os{j}``; its copies append ``.k``). Depends on labels and the seed only."""
    if "label" not in rows.columns:
        raise ValueError(f"{pol.name} over-samples minority classes and needs a 'label' column")
    label_of = dict(zip(rows["utt_id"].astype(str), rows["label"].astype(str), strict=True))
    by_class: dict[str, list[str]] = {}
    for u in sorted(label_of):
        by_class.setdefault(label_of[u], []).append(u)
    if not by_class:
        return []
    target = max(len(v) for v in by_class.values())
    key = f"{pol.name}|oversample|{int(seed)}|" + ",".join(sorted(label_of))
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode()).digest()[:16], "little"))
    draws = []
    for label in sorted(by_class):
        members = by_class[label]
        times: dict[str, int] = {}
        for u in rng.choice(members, size=target - len(members), replace=True):
            j = times[str(u)] = times.get(str(u), -1) + 1
            draws.append((f"{u}~{pol.name}~os{j}", str(u)))
    return draws


def pool_sources(manifest: pd.DataFrame, policy: str, seed: int) -> dict[str, str]:
    """Item id -> source utterance of every augmented item ``policy`` makes of these rows
    (copies and, for over-sampling policies, the duplicates and their copies): what the leaky
    pool holds besides the originals, known before any feature is extracted."""
    pol = get_policy(policy)
    ids = manifest["utt_id"].astype(str).tolist()
    out = {f"{u}~{pol.name}~{k}": u for u in ids for k in range(pol.n_variants)}
    if pol.oversample and pol.n_variants:
        for base, u in oversample_draws(manifest, pol, seed):
            out[base] = u
            out.update({f"{base}.{k}": u for k in range(pol.n_variants)})
    return out


def _add_oversampled(table: FeatureTable, originals: FeatureTable, rows: pd.DataFrame, pol: Policy,
                     seed: int) -> None:
    """Top every class up to the largest one with random duplicates (original + its copies);
    a duplicate of an utterance whose features failed is left out."""
    for base, u in oversample_draws(rows, pol, seed):
        copies = [f"{u}~{pol.name}~{k}" for k in range(pol.n_variants)]
        if u not in originals.values or not all(c in table.values for c in copies):
            continue
        table.values[base] = originals.values[u]
        table.source[base] = u
        for k, c in enumerate(copies):
            table.values[f"{base}.{k}"] = table.values[c]
            table.source[f"{base}.{k}"] = u
