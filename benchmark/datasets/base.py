"""The manifest contract shared by every corpus, and the helpers loaders use to honour it.

A loader turns a folder into a :class:`Corpus`: a manifest DataFrame with exactly
:data:`MANIFEST_COLUMNS` (unknown values are NA, never guessed), the corpus's native label
set, and a list of :class:`Problem` rows for files that were seen but not used (name does not
match the convention, unreadable, empty, truncated, too short or silent audio: see
:mod:`benchmark.audio` for the thresholds). Nothing is dropped silently: problems are
returned, counted and printed by the CLI, and :meth:`Corpus.skipped_records` gives them as the
rows of a run's ``skipped.csv`` (:data:`SKIPPED_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import soundfile as sf

MANIFEST_COLUMNS: tuple[str, ...] = (
    "utt_id",
    "path",
    "corpus",
    "label",
    "raw_label",
    "speaker",
    "gender",
    "session",
    "text_id",
    "duration_s",
)
STRING_COLUMNS = tuple(c for c in MANIFEST_COLUMNS if c != "duration_s")
#: Columns of a run's ``skipped.csv``: one row per file or utterance not used, and why.
SKIPPED_COLUMNS: tuple[str, ...] = ("utt_id", "path", "stage", "reason")


class CorpusError(ValueError):
    """A corpus cannot be loaded at all (missing root, no matching files, bad manifest)."""


@dataclass(frozen=True)
class Problem:
    """A file that was seen but not used, and why.

    ``utt_id`` is the utterance id the file would have had (the file stem when the name could
    not even be parsed); ``stage`` is where it was dropped ("load" for every loader problem).
    """

    path: str
    reason: str
    utt_id: str | None = None
    stage: str = "load"

    def __post_init__(self) -> None:
        if self.utt_id is None:
            object.__setattr__(self, "utt_id", Path(self.path).stem)

    def record(self) -> dict[str, str]:
        """This problem as a ``skipped.csv`` row (keys :data:`SKIPPED_COLUMNS`)."""
        return {"utt_id": str(self.utt_id), "path": self.path, "stage": self.stage, "reason": self.reason}


@dataclass
class Corpus:
    """A loaded corpus: the manifest plus what the loader knows about its labels."""

    name: str
    manifest: pd.DataFrame
    native_labels: tuple[str, ...]
    problems: list[Problem] = field(default_factory=list)
    root: Path | None = None
    label_set: str | None = None  # the named label set it was loaded with (None: the only one)

    @property
    def labels(self) -> list[str]:
        return sorted(self.manifest["label"].unique())

    @cached_property
    def dependence(self) -> Any:
        """Speaker-label dependence (:class:`benchmark.datasets.dependence.SpeakerLabelDependence`):
        Cramér's V and the share of speakers covering half the classes."""
        from benchmark.datasets.dependence import manifest_dependence

        return manifest_dependence(self.manifest)

    def summary(self) -> dict[str, Any]:
        """What a report or ``corpus info`` says about the corpus, as plain values."""
        m = self.manifest
        return {
            "corpus": self.name,
            "label_set": self.label_set,
            "n_utterances": int(len(m)),
            "n_speakers": int(m["speaker"].nunique()),
            "labels": self.labels,
            "total_duration_s": float(m["duration_s"].sum()),
            "n_skipped": len(self.problems),
            "speaker_label_dependence": self.dependence.as_dict(),
        }

    def skipped_records(self) -> list[dict[str, str]]:
        """Every problem as a ``skipped.csv`` row: utt_id, path, stage ("load"), reason."""
        return [p.record() for p in self.problems]

    def problem_summary(self, n_examples: int = 3) -> str:
        if not self.problems:
            return ""
        by_reason: dict[str, list[str]] = {}
        for p in self.problems:
            by_reason.setdefault(p.reason.split(":")[0], []).append(p.path)
        lines = [f"{len(self.problems)} file(s) of {self.name} not used:"]
        for reason, paths in sorted(by_reason.items()):
            ex = ", ".join(Path(x).name for x in paths[:n_examples])
            lines.append(f"  {len(paths)} x {reason} (e.g. {ex})")
        return "\n".join(lines)


def require_root(root: str | Path | None, corpus: str, layout: str) -> Path:
    """Return ``root`` as a Path or raise one clear error naming the expected layout."""
    if root is None:
        raise CorpusError(f"{corpus}: no --data-root given; expected layout: {layout}")
    path = Path(root).expanduser()
    if not path.is_dir():
        raise CorpusError(f"{corpus}: data root {str(path)!r} is not a folder; expected layout: {layout}")
    return path


_PROBE_MEMO: dict[tuple[str, int, int], tuple[float | None, str | None]] = {}


def probe_audio(path: Path) -> tuple[float | None, str | None]:
    """Duration in seconds of a usable audio file, else (None, reason).

    Unusable: empty, unreadable, truncated (WAV header declares more frames than the file
    holds), too short, silent or non-finite; thresholds in :mod:`benchmark.audio`. The samples
    are read (mono mix at the file's own rate), so the check is the one ``load_audio`` applies
    later. Results are memoised per process on (path, size, mtime_ns).
    """
    try:
        st = path.stat()
    except OSError as exc:
        return None, f"unreadable audio: {type(exc).__name__}: {exc}"
    if st.st_size == 0:
        return None, "empty file: zero bytes"
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _PROBE_MEMO:
        _PROBE_MEMO[key] = _probe(path)
    return _PROBE_MEMO[key]


def _probe(path: Path) -> tuple[float | None, str | None]:
    from benchmark.audio import signal_problem, wav_truncation

    try:
        info = sf.info(str(path))
    except Exception as exc:  # soundfile raises several types for corrupt headers
        return None, f"unreadable audio: {type(exc).__name__}: {exc}"
    if info.frames <= 0 or info.samplerate <= 0:
        return None, "empty audio: zero samples"
    truncated = wav_truncation(path)
    if truncated is not None:
        return None, truncated
    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:
        return None, f"unreadable audio: {type(exc).__name__}: {exc}"
    if data.shape[0] == 0:
        return None, "empty audio: zero samples"
    problem = signal_problem(data.mean(axis=1), sr)
    if problem is not None:
        return None, problem
    return data.shape[0] / sr, None


def build_corpus(
    name: str,
    rows: Iterable[dict],
    native_labels: Sequence[str],
    problems: list[Problem],
    *,
    root: Path | None = None,
    layout: str = "",
    probe: bool = True,
    label_set: str | None = None,
) -> Corpus:
    """Validate rows into the manifest contract; unreadable audio becomes a problem row.

    ``rows`` need at least ``utt_id, path, label, raw_label, speaker``; missing optional
    columns become NA. Raises :class:`CorpusError` when no usable utterance remains.
    """
    kept: list[dict] = []
    for row in rows:
        if probe:
            duration, reason = probe_audio(Path(row["path"]))
            if reason is not None:
                problems.append(Problem(str(row["path"]), reason, utt_id=str(row["utt_id"])))
                continue
            row = {**row, "duration_s": duration}
        kept.append(row)
    if not kept:
        detail = (
            f" ({len(problems)} file(s) rejected, e.g. {Path(problems[0].path).name}: {problems[0].reason})"
            if problems else ""
        )
        raise CorpusError(f"{name}: no usable audio files found{detail}; expected layout: {layout}")
    df = pd.DataFrame(kept)
    df["corpus"] = name
    for col in MANIFEST_COLUMNS:
        if col not in df.columns:
            df[col] = pd.NA
    df = df[list(MANIFEST_COLUMNS)]
    for col in STRING_COLUMNS:
        df[col] = df[col].astype("string")
    df["duration_s"] = pd.to_numeric(df["duration_s"], errors="coerce").astype("float64")
    if df["utt_id"].duplicated().any():
        dups = df.loc[df["utt_id"].duplicated(), "utt_id"].head(3).tolist()
        raise CorpusError(f"{name}: duplicate utt_id values, e.g. {dups}")
    df = df.sort_values("utt_id", kind="stable").reset_index(drop=True)
    return Corpus(name, df, tuple(native_labels), problems, root, label_set)


def scan(root: Path, pattern: str) -> list[Path]:
    """Sorted recursive glob, so manifests are deterministic across file systems."""
    return sorted(root.glob(pattern))


def _readable_suffixes() -> tuple[str, ...]:
    """Audio suffixes libsndfile reads here: wav, flac and ogg always; mp3 since libsndfile 1.1."""
    formats = set(sf.available_formats())
    return (".wav", ".flac", ".ogg") + ((".mp3",) if "MP3" in formats else ())


#: Suffixes a loader reads (any case); the regex fragment loaders put in their file-name patterns.
AUDIO_SUFFIXES: tuple[str, ...] = _readable_suffixes()
AUDIO_EXT = r"\.(?:wav|flac|ogg|mp3)"
#: Audio a data root may hold that serbench does not read: listed as not used, never ignored.
OTHER_AUDIO_SUFFIXES: tuple[str, ...] = tuple(
    s for s in (".mp3", ".m4a", ".aac", ".opus", ".wma", ".aif", ".aiff") if s not in AUDIO_SUFFIXES)


def find_wavs(root: Path, *, recursive: bool = True) -> list[Path]:
    """Sorted audio files (:data:`AUDIO_SUFFIXES` and :data:`OTHER_AUDIO_SUFFIXES`, any case)
    under ``root``; :func:`parse_files` turns the ones of another format into problem rows.

    Hidden files (names starting with ".", e.g. macOS ``._x.wav`` resource forks) are not audio
    and are skipped; every other audio file is returned so a loader can report the ones it cannot use.
    """
    pattern = "**/*" if recursive else "*"
    wanted = AUDIO_SUFFIXES + OTHER_AUDIO_SUFFIXES
    return sorted(
        p for p in root.glob(pattern)
        if p.suffix.lower() in wanted and not p.name.startswith(".") and p.is_file()
    )


def parse_files(
    paths: Iterable[Path], parse: Callable[[Path], dict | str]
) -> tuple[list[dict], list[Problem]]:
    """Apply a loader's ``parse(path)`` to each file: a dict is a row, a string a problem reason.

    A second file yielding an ``utt_id`` already seen (e.g. a corpus unpacked twice under one
    root) becomes a problem naming the first copy, instead of failing the whole load.
    """
    rows: list[dict] = []
    problems: list[Problem] = []
    first: dict[str, Path] = {}
    for path in paths:
        if path.suffix.lower() not in AUDIO_SUFFIXES:
            problems.append(Problem(str(path), f"audio format not read: {path.suffix} (libsndfile "
                                    f"{sf.__libsndfile_version__} here reads {', '.join(AUDIO_SUFFIXES)}); "
                                    "convert it to wav or flac"))
            continue
        out = parse(path)
        if isinstance(out, str):
            problems.append(Problem(str(path), out))
        elif out["utt_id"] in first:
            problems.append(Problem(str(path), f"duplicate utt_id: {out['utt_id']} also at {first[out['utt_id']]}",
                                    utt_id=str(out["utt_id"])))
        else:
            first[out["utt_id"]] = path
            rows.append(out)
    return rows, problems


def _label_set_listing() -> str:
    from benchmark.datasets.labels import FUSION_LABEL_SETS, LABEL_SETS

    parts = [f"{c}: {', '.join(sorted(sets))}" for c, sets in sorted(LABEL_SETS.items())]
    return "; ".join([*parts, f"fusion: {', '.join(sorted(FUSION_LABEL_SETS))}"])


def single_label_set(corpus: str, label_set: str | None) -> None:
    """A corpus with one label set accepts only ``label_set=None``: a label set meant for
    another corpus (e.g. IEMOCAP's iemocap4) must fail loudly rather than do nothing."""
    if label_set is not None:
        raise CorpusError(f"{corpus}: has a single label set; label_set={label_set!r} applies only to "
                          f"corpora with several ({_label_set_listing()})")


def resolve_label_set(corpus: str, label_set: str | None) -> tuple[str, dict[str, str]]:
    """(name, raw label -> harmonised label) of ``corpus``'s ``label_set`` (None: its default);
    an unknown name raises one error listing the known ones."""
    from benchmark.datasets.labels import DEFAULT_LABEL_SET, LABEL_SETS

    sets = LABEL_SETS[corpus]
    name = label_set or DEFAULT_LABEL_SET[corpus]
    if name not in sets:
        raise CorpusError(f"{corpus}: unknown label_set {name!r}; known: {', '.join(sorted(sets))}")
    return name, sets[name]


def apply_label_set(rows: list[dict], problems: list[Problem], name: str,
                    mapping: dict[str, str]) -> list[dict]:
    """Rows whose ``raw_label`` is in ``mapping``, relabelled by it; the others become problem
    rows ("label excluded from <name>: <raw>"), so they are counted, not hidden."""
    kept = []
    for row in rows:
        raw = row["raw_label"]
        if raw in mapping:
            kept.append({**row, "label": mapping[raw]})
        else:
            problems.append(Problem(str(row["path"]), f"label excluded from {name}: {raw}",
                                    utt_id=str(row["utt_id"])))
    return kept
