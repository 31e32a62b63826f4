"""Fused corpora: several corpora concatenated on their harmonised labels (paper 003 fuses
RAVDESS, TESS, CREMA-D and SAVEE).

Each member loads with its own loader; ids that are only unique within a corpus are prefixed
with ``<member>:`` so they stay distinct after fusion: ``utt_id``, ``speaker``, ``session`` and
``text_id`` (EmoDB's ``a01`` and SAVEE's ``a01`` are different sentences). The ``corpus``
column keeps each member's name; the fused corpus is named ``fusion:a+b``. ``labels`` may
restrict the fused label set: ``"all"`` (default), ``"shared"`` (labels every member has) or an
explicit list; ``label_set`` names either a fused label set (``labels.FUSION_LABEL_SETS``:
``core7``, paper 003's seven classes, which drops RAVDESS's calm) or a member label set, passed
to the members that define it (e.g. ``iemocap4``). Utterances left out become problem rows,
so they are counted, not hidden.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from benchmark.datasets.base import MANIFEST_COLUMNS, STRING_COLUMNS, Corpus, CorpusError, Problem
from benchmark.datasets.labels import FUSION_LABEL_SETS, LABEL_SETS

PREFIXED = ("utt_id", "speaker", "session", "text_id")


def _member_root(name: str, data_root: str | Path | Mapping[str, str | Path] | None) -> Path:
    if data_root is None:
        raise CorpusError(f"fusion: no data root given for member {name!r}")
    if isinstance(data_root, Mapping):
        if name not in data_root:
            raise CorpusError(f"fusion: data root mapping has no entry for member {name!r}")
        return Path(data_root[name])
    return Path(data_root) / name


def _label_filter(corpora: list[Corpus], labels: str | Sequence[str]) -> set[str] | None:
    if labels == "all":
        return None
    if labels == "shared":
        return set.intersection(*(set(c.labels) for c in corpora))
    if isinstance(labels, str):
        raise CorpusError(f"fusion: labels must be 'all', 'shared' or a list, got {labels!r}")
    return set(labels)


def load_fusion(
    members: Sequence[str],
    data_root: str | Path | Mapping[str, str | Path] | None,
    *,
    labels: str | Sequence[str] = "all",
    label_set: str | None = None,
    member_options: Mapping[str, Mapping[str, Any]] | None = None,
) -> Corpus:
    """Load and concatenate ``members``; ``member_options`` holds per-member loader options.

    ``label_set``: a fused set (``core7``) or a label set of some members (see module doc).
    """
    from benchmark.datasets import CORPORA  # the registry imports this module lazily
    from benchmark.datasets.options import check_options, label_sets_of

    members = list(members)
    if len(members) < 2 or len(set(members)) != len(members):
        raise CorpusError(f"fusion: needs at least two distinct members, got {members}")
    options = dict(member_options or {})
    stray = sorted(set(options) - set(members))
    if stray:
        raise CorpusError(f"fusion: member_options for non-members {stray}")
    options = {m: check_options(m, CORPORA.get(m), opts) for m, opts in options.items()}
    fused_set = None
    if label_set is not None and label_set in FUSION_LABEL_SETS:
        if labels != "all":
            raise CorpusError(f"fusion: give either label_set={label_set!r} or labels={labels!r}, not both")
        fused_set, labels = label_set, list(FUSION_LABEL_SETS[label_set])
    elif label_set is not None:
        takers = [m for m in members if label_set in LABEL_SETS.get(m, {})]
        if not takers:
            spec = "fusion:" + "+".join(members)
            raise CorpusError(f"fusion: unknown label_set {label_set!r}: neither a fused label set nor "
                              f"a label set of a member; known for {spec}: {', '.join(label_sets_of(spec))}")
        for m in takers:
            options[m] = {"label_set": label_set, **options.get(m, {})}
    corpora = [CORPORA.get(m)(_member_root(m, data_root), **options.get(m, {})) for m in members]
    keep = _label_filter(corpora, labels)
    frames: list[pd.DataFrame] = []
    problems: list[Problem] = []
    for name, corpus in zip(members, corpora, strict=True):
        df = corpus.manifest.copy()
        for col in PREFIXED:
            df[col] = (name + ":" + df[col]).astype("string")
        df["corpus"] = name
        problems += [replace(p, utt_id=f"{name}:{p.utt_id}") for p in corpus.problems]
        if keep is not None:
            out = ~df["label"].isin(keep)
            problems += [Problem(p, f"label not in {fused_set or 'fused set'}: {lab}", utt_id=u)
                         for p, lab, u in zip(df.loc[out, "path"], df.loc[out, "label"],
                                              df.loc[out, "utt_id"], strict=True)]
            df = df[~out]
        frames.append(df)
    fused = pd.concat(frames, ignore_index=True)[list(MANIFEST_COLUMNS)]
    if fused.empty:
        raise CorpusError(f"fusion: no utterance left with labels {sorted(keep or [])}")
    for col in STRING_COLUMNS:
        fused[col] = fused[col].astype("string")
    fused = fused.sort_values("utt_id", kind="stable").reset_index(drop=True)
    native = tuple(sorted(fused["label"].unique()))
    return Corpus("fusion:" + "+".join(members), fused, native, problems, None, fused_set or label_set)


def fusion_options(members: list[str], options: Mapping[str, Any]) -> dict[str, Any]:
    """Options of a ``fusion:a+b`` spec: dotted ``member.key`` entries gathered into
    ``member_options`` (each checked against that member's loader), ``labels`` split on
    commas, the rest checked against :func:`benchmark.datasets.fusion.load_fusion`."""
    from benchmark.datasets import CORPORA
    from benchmark.datasets.options import accepted_options, check_options

    plain: dict[str, Any] = {}
    per_member: dict[str, dict[str, Any]] = {}
    for key, value in options.items():
        member, dot, sub = key.partition(".")
        if dot:
            if member not in members:
                raise CorpusError(f"fusion: option {key!r}: {member!r} is not a member of "
                                  f"fusion:{'+'.join(members)}")
            per_member.setdefault(member, {})[sub] = value
        else:
            plain[key] = value
    accepted = dict(accepted_options(load_fusion))  # after members: data_root, then options
    accepted.pop("data_root", None)
    for key in plain:
        if key not in accepted:
            close = difflib.get_close_matches(key, list(accepted), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise CorpusError(f"fusion: unknown option {key!r}{hint}; a fusion accepts: "
                              f"{', '.join(sorted(accepted))} and <member>.<option>")
    labels = plain.get("labels")
    if isinstance(labels, str) and labels not in ("all", "shared"):
        plain["labels"] = [w.strip() for w in labels.split(",") if w.strip()]
    if per_member:
        given = dict(plain.get("member_options") or {})
        for m, opts in per_member.items():
            given[m] = {**dict(given.get(m, {})), **opts}
        plain["member_options"] = given
    for m, opts in dict(plain.get("member_options") or {}).items():
        if m in members:
            check_options(m, CORPORA.get(m), opts)
    return plain
