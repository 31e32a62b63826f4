"""Speaker-wise feature normalisation, the standard trick of the SER literature.

Each speaker's functionals are z-normalised with that speaker's own mean and standard
deviation. The statistics of a training speaker come from its training items only; a
validation or test speaker is normalised with statistics of its own *unlabelled* features
(transductive: it needs the speaker's other utterances at test time, never their labels), so
nothing of the test set reaches the fitted model. Augmented copies are normalised with the
statistics of the speaker of their source utterance. Enabled per job with the run parameter
``speaker_norm = true`` (it is not passed to the model).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

EPS = 1e-8


def speaker_stats(values: Mapping[str, np.ndarray], ids: Sequence[str],
                  speaker_of: Mapping[str, str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-speaker (mean, std) over the given item ids (one row per item)."""
    rows: dict[str, list[np.ndarray]] = defaultdict(list)
    for i in ids:
        rows[speaker_of[i]].append(np.asarray(values[i], dtype=np.float64).reshape(-1))
    stats = {}
    for spk, vecs in rows.items():
        m = np.stack(vecs)
        stats[spk] = (m.mean(axis=0), m.std(axis=0) + EPS)
    return stats


def normalise(values: Mapping[str, np.ndarray], groups: Sequence[Sequence[str]],
              speaker_of: Mapping[str, str]) -> dict[str, np.ndarray]:
    """Return new functionals where each id group (train, val, test) is normalised with
    per-speaker statistics computed inside that group only."""
    out: dict[str, np.ndarray] = dict(values)
    for ids in groups:
        stats = speaker_stats(values, ids, speaker_of)
        for i in ids:
            mean, std = stats[speaker_of[i]]
            out[i] = ((np.asarray(values[i], dtype=np.float64) - mean) / std).astype(np.float32)
    return out
