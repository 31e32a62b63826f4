"""Named evaluation protocols: a manifest becomes folds of (train, val, test) utterance ids.

This module owns the :data:`PROTOCOLS` registry and :func:`make_folds`, which checks every fold
it returns with :mod:`benchmark.leakage`; the :class:`~benchmark.folds.Fold` record and its files
are :mod:`benchmark.folds` (:mod:`benchmark.splits` re-exports all three).

Rules every clean protocol keeps:
- the validation set is carved from the training side only;
- speaker-independent protocols keep train, val and test speakers pairwise disjoint
  (speakers are keyed by ``(corpus, speaker)``, so equal ids in two corpora are two people);
- folds depend only on the set of rows and the seed (the manifest is sorted by ``utt_id``
  first), so the same seed gives the same folds;
- k-fold and leave-one-out protocols put every utterance in exactly one test fold.

``leaky_augment_then_split`` breaks these rules on purpose: it reproduces the papers' procedure
(augment the whole corpus, then split rows at random) so the report can show the inflation.
It is the only protocol that accepts a manifest holding augmented copies.
"""


from __future__ import annotations

import inspect
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from benchmark.folds import SOURCE_COLUMN, Fold, ProtocolError
from benchmark.leakage import ManifestLookup, check_coverage, check_fold_with
from benchmark.leakage import manifest_column as _col
from benchmark.registry import Registry

N_SPLITS = 5
# Share of the training side moved to validation: random protocols carve ~10 % stratified;
# speaker-based ones carve whole speakers until ~15 % of the training utterances.
VAL_FRACTION_RANDOM = 0.10
VAL_FRACTION_SPEAKERS = 0.15
_UNKNOWN = "?"  # bucket for unknown gender while balancing


# --------------------------------------------------------------------------------------------
# Manifest access (pandas "string" columns -> plain Python values, NA -> None)


def _require(m: pd.DataFrame, column: str, protocol: str, why: str) -> list[str]:
    """The column as strings; a clear error if it is absent or has NA values."""
    if column not in m.columns:
        raise ProtocolError(f"{protocol}: manifest has no {column!r} column ({why})")
    values = _col(m, column)
    n_missing = sum(v is None for v in values)
    if n_missing:
        raise ProtocolError(
            f"{protocol}: {n_missing} of {len(values)} rows have no {column} ({why}); "
            f"this corpus cannot be used with {protocol}"
        )
    return values


def _genders(m: pd.DataFrame, speakers: Sequence[str]) -> dict[str, str | None]:
    """Gender per speaker where the manifest knows it (first non-NA value)."""
    out: dict[str, str | None] = {s: None for s in speakers}
    if "gender" in m.columns:
        for s, g in zip(speakers, _col(m, "gender"), strict=True):
            if out[s] is None and g is not None:
                out[s] = g
    return out


def _rng(seed: int, *salt: int) -> np.random.Generator:
    return np.random.default_rng([seed, *salt])


def _rows_of(ids: Sequence[str], keys: Sequence[Any], wanted: Iterable[Any]) -> list[str]:
    wanted = set(wanted)
    return [i for i, k in zip(ids, keys, strict=True) if k in wanted]


# --------------------------------------------------------------------------------------------
# Building blocks: stratified sampling, gender-aware speaker picking, greedy group balancing


def _stratified_take(
    ids: Sequence[str], labels: Sequence[str], frac: float, rng: np.random.Generator
) -> tuple[list[str], list[str]]:
    """Split ``ids`` into (taken, kept) with ~``frac`` taken per label.

    Quotas use largest remainders so the total is round(frac * n) (at least one item when
    n >= 2); every label keeps at least one item on the kept side, so training never loses a
    class because validation or test took its only example.
    """
    by_label: dict[str, list[str]] = defaultdict(list)
    for i, lab in zip(ids, labels, strict=True):
        by_label[lab].append(i)
    names = sorted(by_label)
    n = len(ids)
    caps = np.array([len(by_label[k]) - 1 for k in names])
    target = min(max(1, round(frac * n)) if n >= 2 else 0, int(caps.sum()))
    exact = np.array([frac * len(by_label[k]) for k in names])
    quota = np.minimum(np.floor(exact).astype(int), caps)
    # Hand out the remaining slots by largest remainder, random among ties.
    order = sorted(range(len(names)), key=lambda j: (-(exact[j] - np.floor(exact[j])), rng.random()))
    while quota.sum() < target:
        progressed = False
        for j in order:
            if quota.sum() >= target:
                break
            if quota[j] < caps[j]:
                quota[j] += 1
                progressed = True
        if not progressed:
            break
    taken: list[str] = []
    kept: list[str] = []
    for j, k in enumerate(names):
        members = [by_label[k][p] for p in rng.permutation(len(by_label[k]))]
        taken.extend(members[: quota[j]])
        kept.extend(members[quota[j]:])
    return taken, kept


def _gender_interleaved(
    candidates: Sequence[str], genders: Mapping[str, str | None], rng: np.random.Generator
) -> list[str]:
    """Candidates in a seeded random order that alternates genders (unknown gender last)."""
    buckets: dict[str, list[str]] = defaultdict(list)
    for s in sorted(candidates):
        buckets[genders.get(s) or _UNKNOWN].append(s)
    known = sorted(g for g in buckets if g != _UNKNOWN)
    known = [known[p] for p in rng.permutation(len(known))]
    keys = known + ([_UNKNOWN] if _UNKNOWN in buckets else [])
    shuffled = {g: [buckets[g][p] for p in rng.permutation(len(buckets[g]))] for g in keys}
    out: list[str] = []
    for r in range(max(len(v) for v in shuffled.values())):
        out.extend(shuffled[g][r] for g in keys if r < len(shuffled[g]))
    return out


def _pick_val_speakers(
    candidates: Sequence[str],
    counts: Mapping[str, int],
    genders: Mapping[str, str | None],
    rng: np.random.Generator,
    *,
    protocol: str,
    n_speakers: int | None = None,
    target_utts: float | None = None,
) -> list[str]:
    """Validation speakers from the training side; at least one speaker stays in training.

    Either a fixed number (``n_speakers``) or whole speakers until ``target_utts`` utterances,
    taken in gender-alternating random order so a pair is one of each gender where known.
    """
    if len(candidates) < 2:
        raise ProtocolError(
            f"{protocol}: only {len(candidates)} training speaker(s) left; a speaker-disjoint "
            "validation set needs at least 2 (one for validation, one for training)"
        )
    order = _gender_interleaved(candidates, genders, rng)
    if n_speakers is not None:
        return order[: min(n_speakers, len(order) - 1)]
    chosen: list[str] = []
    total = 0
    for s in order[:-1]:
        chosen.append(s)
        total += counts[s]
        if target_utts is None or total >= target_utts:
            break
    return chosen


def _n_loso_val(n_candidates: int) -> int:
    # Two validation speakers (a gender pair) when enough remain for training, else one.
    return 2 if n_candidates >= 4 else 1


def balanced_speaker_groups(
    counts: Mapping[str, int],
    genders: Mapping[str, str | None],
    n_groups: int,
    rng: np.random.Generator,
) -> list[list[str]]:
    """Greedy balancer: speakers into ``n_groups`` groups balanced by gender, then utterances.

    Speakers go largest first (ties in seeded random order) to the group holding the fewest
    utterances of that speaker's gender, then the fewest utterances overall. Each gender is
    thus list-scheduled on its own, which bounds the per-gender load spread by the largest
    speaker of that gender, and every group gets a speaker while any group is empty.
    """
    speakers = sorted(counts)
    tiebreak = dict(zip(speakers, rng.permutation(len(speakers)).tolist(), strict=True))
    group_rank = rng.permutation(n_groups).tolist()
    order = sorted(speakers, key=lambda s: (-counts[s], tiebreak[s]))
    load = [0] * n_groups
    gender_load: list[Counter[str]] = [Counter() for _ in range(n_groups)]
    members: list[list[str]] = [[] for _ in range(n_groups)]
    for s in order:
        g = genders.get(s) or _UNKNOWN
        j = min(range(n_groups), key=lambda k: (gender_load[k][g], load[k], len(members[k]), group_rank[k]))
        members[j].append(s)
        load[j] += counts[s]
        gender_load[j][g] += counts[s]
    return [sorted(grp) for grp in members]


# --------------------------------------------------------------------------------------------
# Protocols. Each receives the manifest sorted by utt_id and returns folds; make_folds checks.


def _fold_from_speakers(
    index: int,
    ids: Sequence[str],
    speakers: Sequence[str],
    texts: Sequence[str | None] | None,
    test_spk: Iterable[str],
    val_spk: Iterable[str],
    *,
    protocol: str,
    info: dict[str, Any],
    val_split: Callable[[list[str]], tuple[list[str], list[str]]] | None = None,
) -> Fold:
    test_spk, val_spk = set(test_spk), set(val_spk)
    test = _rows_of(ids, speakers, test_spk)
    val = _rows_of(ids, speakers, val_spk)
    train = [i for i, s in zip(ids, speakers, strict=True) if s not in test_spk and s not in val_spk]
    if val_split is not None:  # val from the training speakers' own utterances (opt-in)
        val, train = val_split(train)
    info = {"protocol": protocol, "test_speakers": sorted(test_spk), "val_speakers": sorted(val_spk),
            "val_speaker_disjoint": val_split is None, **info}
    sentence_independent = texts is not None
    if texts is not None:
        train, val, dropped = _drop_test_sentences(ids, texts, train, val, test, protocol, index)
        info["dropped_for_sentences"] = dropped
    return Fold(index, tuple(train), tuple(val), tuple(test), True, sentence_independent, info=info)


def _drop_test_sentences(
    ids: Sequence[str],
    texts: Sequence[str | None],
    train: list[str],
    val: list[str],
    test: list[str],
    protocol: str,
    index: int,
) -> tuple[list[str], list[str], int]:
    """Remove from train/val every utterance whose text_id is spoken in the test fold."""
    text_of = dict(zip(ids, texts, strict=True))
    test_texts = {text_of[i] for i in test}
    new_train = [i for i in train if text_of[i] not in test_texts]
    new_val = [i for i in val if text_of[i] not in test_texts]
    if not new_train or not new_val:
        side = "training" if not new_train else "validation"
        raise ProtocolError(
            f"{protocol} fold {index}: sentence_independent=True leaves the {side} side empty, "
            f"because every sentence there is also spoken in the test fold ({len(test_texts)} "
            "test sentences); this corpus has too few distinct sentences per speaker"
        )
    return new_train, new_val, len(train) + len(val) - len(new_train) - len(new_val)


def _sentence_texts(m: pd.DataFrame, protocol: str, sentence_independent: bool) -> list[str] | None:
    if not sentence_independent:
        return None
    return _require(m, "text_id", protocol, "sentence_independent=True needs the spoken sentence")


def _stratified_kfold(m: pd.DataFrame, seed: int, protocol: str, *, leaky: bool) -> list[Fold]:
    from sklearn.model_selection import StratifiedKFold  # lazy: listing protocols stays light

    ids, labels = _col(m, "utt_id"), _col(m, "label")
    counts = Counter(labels)
    if len(ids) < N_SPLITS or max(counts.values()) < N_SPLITS:
        raise ProtocolError(
            f"{protocol}: needs at least {N_SPLITS} utterances of some label for a stratified "
            f"{N_SPLITS}-fold split; label counts are {dict(sorted(counts.items()))}"
        )
    skf = StratifiedKFold(n_splits=N_SPLITS, shuffle=True, random_state=seed)
    folds = []
    for k, (tr, te) in enumerate(skf.split(np.zeros(len(ids)), labels)):
        val, train = _stratified_take(
            [ids[i] for i in tr], [labels[i] for i in tr], VAL_FRACTION_RANDOM, _rng(seed, k, 1)
        )
        info = {"protocol": protocol, "leaky": leaky}
        folds.append(Fold(k, tuple(train), tuple(val), tuple(ids[i] for i in te), False, info=info))
    return folds


def random_kfold5(m: pd.DataFrame, seed: int) -> list[Fold]:
    """Stratified 5-fold on label (shuffled with seed); ~10 % of train, stratified, is val."""
    return _stratified_kfold(m, seed, "random_kfold5", leaky=False)


def random_holdout_80_10_10(m: pd.DataFrame, seed: int) -> list[Fold]:
    """One stratified 80/10/10 train/val/test split."""
    ids, labels = _col(m, "utt_id"), _col(m, "label")
    if len(ids) < 3:
        raise ProtocolError(f"random_holdout_80_10_10: needs at least 3 utterances, got {len(ids)}")
    rng = _rng(seed, 0, 2)
    test, rest = _stratified_take(ids, labels, 0.10, rng)
    label_of = dict(zip(ids, labels, strict=True))
    val, train = _stratified_take(rest, [label_of[i] for i in rest], 0.10 / 0.90, rng)
    return [Fold(0, tuple(train), tuple(val), tuple(test), False,
                 info={"protocol": "random_holdout_80_10_10", "leaky": False})]


def speaker_loso(
    m: pd.DataFrame, seed: int, *, sentence_independent: bool = False, val_by_speaker: bool = True
) -> list[Fold]:
    """Leave one speaker out; one or two other speakers (a gender pair where known) are val.

    ``val_by_speaker=False`` (opt-in, for 2-speaker corpora such as TESS) carves val as a
    stratified ~10 % of the training speakers' utterances instead: test stays speaker-disjoint,
    val does not (``fold.info["val_speaker_disjoint"]`` is False).
    """
    p = "speaker_loso"
    ids = _col(m, "utt_id")
    speakers = _require(m, "speaker", p, "speaker-independent splits need the speaker")
    texts = _sentence_texts(m, p, sentence_independent)
    spk_set = sorted(set(speakers))
    if len(spk_set) < (3 if val_by_speaker else 2):
        hint = "; pass val_by_speaker=False to carve val from the training speaker's utterances" \
            if len(spk_set) == 2 else ""
        raise ProtocolError(
            f"{p}: needs at least 3 speakers (test, validation, training), got {spk_set}{hint}"
        )
    counts = Counter(speakers)
    genders = _genders(m, speakers)
    label_of = dict(zip(ids, _col(m, "label"), strict=True))
    folds = []
    for k, test_spk in enumerate(spk_set):
        candidates = [s for s in spk_set if s != test_spk]
        rng = _rng(seed, k, 3)
        if val_by_speaker:
            val_spk = _pick_val_speakers(candidates, counts, genders, rng, protocol=p,
                                         n_speakers=_n_loso_val(len(candidates)))
            split = None
        else:
            val_spk = []

            def split(train: list[str], rng: np.random.Generator = rng) -> tuple[list[str], list[str]]:
                return _stratified_take(train, [label_of[i] for i in train], VAL_FRACTION_RANDOM, rng)

        folds.append(_fold_from_speakers(k, ids, speakers, texts, [test_spk], val_spk, protocol=p,
                                         info={}, val_split=split))
    return folds


def speaker_kfold5(m: pd.DataFrame, seed: int, *, sentence_independent: bool = False) -> list[Fold]:
    """Speakers in 5 groups balanced by gender and utterances; val ~15 % of train, by speaker."""
    p = "speaker_kfold5"
    ids = _col(m, "utt_id")
    speakers = _require(m, "speaker", p, "speaker-independent splits need the speaker")
    texts = _sentence_texts(m, p, sentence_independent)
    counts = Counter(speakers)
    if len(counts) < N_SPLITS:
        raise ProtocolError(
            f"{p}: needs at least {N_SPLITS} speakers, the manifest has {len(counts)} "
            f"({sorted(counts)}); use speaker_loso for corpora with few speakers"
        )
    genders = _genders(m, speakers)
    groups = balanced_speaker_groups(counts, genders, N_SPLITS, _rng(seed, 0, 4))
    folds = []
    for k, test_spk in enumerate(groups):
        candidates = sorted(s for j, grp in enumerate(groups) if j != k for s in grp)
        n_train_utts = sum(counts[s] for s in candidates)
        val_spk = _pick_val_speakers(candidates, counts, genders, _rng(seed, k, 5), protocol=p,
                                     target_utts=VAL_FRACTION_SPEAKERS * n_train_utts)
        folds.append(_fold_from_speakers(k, ids, speakers, texts, test_spk, val_spk, protocol=p, info={}))
    return folds


def session_loso(m: pd.DataFrame, seed: int) -> list[Fold]:
    """Leave one session out (IEMOCAP: train 4, test 1); val = speakers of training sessions."""
    p = "session_loso"
    ids = _col(m, "utt_id")
    sessions = _require(m, "session", p, "session_loso splits by recording session")
    speakers = _require(m, "speaker", p, "validation is carved by speaker")
    session_of: dict[str, set[str]] = defaultdict(set)
    for s, sess in zip(speakers, sessions, strict=True):
        session_of[s].add(sess)
    shared = {s: sorted(v) for s, v in session_of.items() if len(v) > 1}
    if shared:
        raise ProtocolError(f"{p}: speakers recorded in several sessions would leak: {shared}")
    sess_set = sorted(set(sessions))
    if len(sess_set) < 2:
        raise ProtocolError(f"{p}: needs at least 2 sessions, got {sess_set}")
    counts = Counter(speakers)
    genders = _genders(m, speakers)
    folds = []
    for k, test_sess in enumerate(sess_set):
        test_spk = sorted(s for s, v in session_of.items() if test_sess in v)
        candidates = sorted(s for s in counts if s not in test_spk)
        val_spk = _pick_val_speakers(candidates, counts, genders, _rng(seed, k, 6), protocol=p,
                                     n_speakers=_n_loso_val(len(candidates)))
        folds.append(_fold_from_speakers(k, ids, speakers, None, test_spk, val_spk, protocol=p,
                                         info={"test_session": test_sess}))
    return folds


def cross_corpus(
    m: pd.DataFrame, seed: int, *, train_corpus: str | None = None, test_corpus: str | None = None
) -> list[Fold]:
    """Train on one corpus, test on another, over the labels both corpora have.

    Rows of the two corpora whose label is not shared are excluded (counted in ``fold.info``);
    rows of other corpora in a fused manifest are ignored. Val = training-corpus speakers.
    """
    p = "cross_corpus"
    if not train_corpus or not test_corpus:
        raise ProtocolError(f"{p}: options train_corpus and test_corpus are both required")
    if train_corpus == test_corpus:
        raise ProtocolError(f"{p}: train_corpus and test_corpus are both {train_corpus!r}")
    corpora = _require(m, "corpus", p, "a fused manifest names each row's corpus")
    present = sorted(set(corpora))
    for name in (train_corpus, test_corpus):
        if name not in present:
            raise ProtocolError(f"{p}: corpus {name!r} is not in the manifest (has {present})")
    ids, labels = _col(m, "utt_id"), _col(m, "label")
    speakers = _col(m, "speaker") if "speaker" in m.columns else [None] * len(ids)
    tr_labels = {lab for c, lab in zip(corpora, labels, strict=True) if c == train_corpus}
    te_labels = {lab for c, lab in zip(corpora, labels, strict=True) if c == test_corpus}
    shared = sorted(tr_labels & te_labels)
    if len(shared) < 2:
        raise ProtocolError(
            f"{p}: {train_corpus} and {test_corpus} share {shared}; need at least 2 labels "
            f"({train_corpus}: {sorted(tr_labels)}, {test_corpus}: {sorted(te_labels)})"
        )
    excluded: Counter[str] = Counter()
    train_rows: list[int] = []
    test_rows: list[int] = []
    for i, (c, lab) in enumerate(zip(corpora, labels, strict=True)):
        if c not in (train_corpus, test_corpus):
            continue
        if lab not in shared:
            excluded[f"{c}:{lab}"] += 1
        elif c == train_corpus:
            train_rows.append(i)
        else:
            test_rows.append(i)
    tr_speakers = [speakers[i] for i in train_rows]
    if any(s is None for s in tr_speakers):
        raise ProtocolError(f"{p}: {train_corpus} rows without a speaker; validation is carved by speaker")
    counts = Counter(tr_speakers)
    genders = _genders(m.iloc[train_rows], tr_speakers)
    val_spk = set(_pick_val_speakers(sorted(counts), counts, genders, _rng(seed, 0, 7), protocol=p,
                                     target_utts=VAL_FRACTION_SPEAKERS * len(train_rows)))
    val = [ids[i] for i in train_rows if speakers[i] in val_spk]
    train = [ids[i] for i in train_rows if speakers[i] not in val_spk]
    info = {
        "protocol": p,
        "train_corpus": train_corpus,
        "test_corpus": test_corpus,
        "shared_labels": shared,
        "n_excluded": sum(excluded.values()),
        "excluded": dict(sorted(excluded.items())),
        "n_ignored_other_corpora": sum(c not in (train_corpus, test_corpus) for c in corpora),
        "val_speakers": sorted(val_spk),
    }
    return [Fold(0, tuple(train), tuple(val), tuple(ids[i] for i in test_rows), True, info=info)]


def leaky_augment_then_split(m: pd.DataFrame, seed: int) -> list[Fold]:
    """The papers' flawed procedure: augmented copies are rows, split at random (stratified 5-fold).

    Speakers and sources are ignored, so copies of one recording land on both sides. Use
    :func:`leak_report` to count the damage.
    """
    p = "leaky_augment_then_split"
    ids = _col(m, "utt_id")
    sources = _require(m, SOURCE_COLUMN, p, "the manifest must hold the augmented copies as rows")
    unknown = sorted(set(sources) - set(ids))
    if unknown:
        raise ProtocolError(f"{p}: {len(unknown)} {SOURCE_COLUMN} values name no row, e.g. {unknown[:3]}")
    return _stratified_kfold(m, seed, p, leaky=True)


PROTOCOLS: Registry = Registry("protocol")
# Metadata of every protocol: ``speaker_independent`` and ``leaky`` (copied into each record as
# ``protocol_info``, so reports never keep their own protocol list) and ``unit``, the
# independent unit a paired test or interval resamples over (speaker, session, or the fold
# under a random split, where one speaker's utterances sit on both sides).
PROTOCOLS.register(
    "random_kfold5", random_kfold5, speaker_independent=False, leaky=False, n_folds="5", unit="fold",
    covers_all=True, options=(),
    description="stratified 5-fold over utterances (speakers shared across sides); val 10% of train",
)
PROTOCOLS.register(
    "random_holdout_80_10_10", random_holdout_80_10_10, speaker_independent=False, leaky=False,
    unit="fold",
    n_folds="1", covers_all=False, options=(),
    description="one stratified 80/10/10 split over utterances (speakers shared across sides)",
)
PROTOCOLS.register(
    "speaker_loso", speaker_loso, speaker_independent=True, leaky=False, n_folds="one per speaker",
    unit="speaker",
    covers_all=True, options=("sentence_independent", "val_by_speaker"),
    description="leave one speaker out; val = 1-2 other speakers (gender pair where known)",
)
PROTOCOLS.register(
    "speaker_kfold5", speaker_kfold5, speaker_independent=True, leaky=False, n_folds="5",
    unit="speaker",
    covers_all=True, options=("sentence_independent",),
    description="5 speaker groups balanced by gender and utterances; val ~15% of train, by speaker",
)
PROTOCOLS.register(
    "session_loso", session_loso, speaker_independent=True, leaky=False, n_folds="one per session",
    unit="session",
    covers_all=True, options=(), requires=("session",),
    description="leave one recording session out (IEMOCAP); val = speakers of training sessions",
)
PROTOCOLS.register(
    "cross_corpus", cross_corpus, speaker_independent=True, leaky=False, n_folds="1", unit="speaker",
    covers_all=False, options=("train_corpus", "test_corpus"), requires=("corpus",),
    description="train on one corpus, test on another, over their shared harmonised labels",
)
PROTOCOLS.register(
    "leaky_augment_then_split", leaky_augment_then_split, speaker_independent=False, leaky=True,
    unit="fold",
    n_folds="5", covers_all=True, options=(), requires=(SOURCE_COLUMN,),
    description="FLAWED on purpose (papers' procedure): augment everything, then split rows at random",
)
# Folds read from a file (run --folds PATH). Its flags here are the pessimistic defaults; the
# plan audits the imported folds and the records carry what the audit found.
PROTOCOLS.register(
    "imported", "benchmark.fold_import:imported", speaker_independent=False, leaky=False,
    unit="fold", n_folds="from the file", covers_all=False, options=("path", "format"),
    imported=True,
    description="folds read from a file (serbench JSON, CSV utt_id,fold,split, EmoBox layout); audited",
)


# --------------------------------------------------------------------------------------------
# Entry point and checks


def make_folds(protocol: str, manifest: pd.DataFrame, seed: int, **options: Any) -> list[Fold]:
    """Folds of ``protocol`` over ``manifest``; every fold is checked before it is returned."""
    entry = PROTOCOLS.entry(protocol)
    fn: Callable[..., list[Fold]] = entry.load()
    accepted = [n for n, prm in inspect.signature(fn).parameters.items() if prm.kind is prm.KEYWORD_ONLY]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ProtocolError(f"{protocol}: unknown option(s) {unknown}; accepted: {accepted or 'none'}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise ProtocolError(f"{protocol}: seed must be an int in [0, 2**32), got {seed!r}")
    m = _prepared(manifest, protocol, leaky=bool(entry.meta.get("leaky")))
    folds = fn(m, int(seed), **options)
    look = ManifestLookup.of(m)
    for fold in folds:
        check_fold_with(fold, look)
    if entry.meta.get("covers_all"):
        check_coverage(folds, _col(m, "utt_id"), protocol)
    return folds


def _prepared(manifest: pd.DataFrame, protocol: str, *, leaky: bool) -> pd.DataFrame:
    for col in ("utt_id", "label"):
        if col not in manifest.columns:
            raise ProtocolError(f"{protocol}: manifest has no {col!r} column")
    if manifest.empty:
        raise ProtocolError(f"{protocol}: manifest is empty")
    for col in ("utt_id", "label"):
        if manifest[col].isna().any():
            raise ProtocolError(f"{protocol}: {int(manifest[col].isna().sum())} rows have no {col}")
    dups = manifest["utt_id"].astype(str)[manifest["utt_id"].duplicated()]
    if len(dups):
        raise ProtocolError(f"{protocol}: duplicate utt_id values, e.g. {dups.head(3).tolist()}")
    if not leaky and SOURCE_COLUMN in manifest.columns:
        src = manifest[SOURCE_COLUMN].astype("string")
        copies = int((src.notna() & (src != manifest["utt_id"].astype("string"))).sum())
        if copies:
            raise ProtocolError(
                f"{protocol}: manifest holds {copies} augmented copies ({SOURCE_COLUMN} != utt_id); "
                "only leaky_augment_then_split splits copies; augment training folds instead"
            )
    # Sorting makes folds a function of the set of rows and the seed, not of row order.
    return manifest.sort_values("utt_id", kind="stable").reset_index(drop=True)
