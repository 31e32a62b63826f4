"""Splits, as every caller has imported them: re-exports of the three modules that do the work.

- :mod:`benchmark.folds`: the :class:`Fold` record, its hash and files, the split errors;
- :mod:`benchmark.protocols`: the named protocols (:data:`PROTOCOLS`) and :func:`make_folds`;
- :mod:`benchmark.leakage`: :func:`check_fold` and :func:`leak_report`.

The rules every clean protocol keeps, and the one protocol that breaks them on purpose
(``leaky_augment_then_split``), are in :mod:`benchmark.protocols`.
"""

from __future__ import annotations

from benchmark.folds import (
    FOLDS_SCHEMA_VERSION,
    SOURCE_COLUMN,
    Fold,
    LeakageError,
    ProtocolError,
    fold_hash,
    load_folds,
    save_folds,
)
from benchmark.leakage import check_fold, leak_report
from benchmark.protocols import (
    N_SPLITS,
    PROTOCOLS,
    VAL_FRACTION_RANDOM,
    VAL_FRACTION_SPEAKERS,
    balanced_speaker_groups,
    make_folds,
)

__all__ = [
    "FOLDS_SCHEMA_VERSION",
    "Fold",
    "LeakageError",
    "N_SPLITS",
    "PROTOCOLS",
    "ProtocolError",
    "SOURCE_COLUMN",
    "VAL_FRACTION_RANDOM",
    "VAL_FRACTION_SPEAKERS",
    "balanced_speaker_groups",
    "check_fold",
    "fold_hash",
    "leak_report",
    "load_folds",
    "make_folds",
    "save_folds",
]
