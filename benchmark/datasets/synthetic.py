"""The embedded synthetic corpus ``synthetic``: real eSpeak NG speech, rule-based emotions.

Seven emotions (neutral, happiness, sadness, anger, fear, disgust, surprise) at two
intensities (normal, strong) are rendered by per-emotion prosody rules (``synth.prosody``)
for many speakers, each with its own voice, baseline prosody and recording channel
(``synth.channel``), so that, as on real corpora, a random split can exploit speaker identity
and a speaker-independent split cannot.

Manifest: ``utt_id`` = ``s07_anger_strong_t03`` (speaker, emotion, intensity, text);
``raw_label`` = the emotion word (intensity stays only in ``utt_id`` and in the cached
``manifest.csv``'s extra ``intensity`` column), ``speaker`` = ``s07``, ``gender`` =
male/female, ``text_id`` = ``t03``, ``session`` NA.

The corpus is built on first use into ``<cache>/synthetic/<version>-<size>-seed<seed>/``
(``<cache>`` = :func:`benchmark.paths.default_cache_root`) as 16 kHz mono 16-bit wav files
(``wav/``), ``build_info.json`` and ``manifest.csv`` (paths relative to the folder, plus the
extra columns ``intensity`` and ``voice``), and reused afterwards. It is written into a
temporary folder renamed only when complete, so an interrupted build is never read back. Every utterance is
seeded from ``(seed, speaker, emotion, intensity, text)`` only, so the same seed and version
give byte-identical files whatever ``jobs`` is (on one platform with the same library
versions; bump :data:`VERSION` whenever the rendering changes). Utterances do not depend on
``size`` either: ``tiny`` is a subset of ``default``.

Sizes: ``tiny`` 4 speakers x 7 emotions x strong x 2 texts = 56 utterances (tests);
``small`` 10 x 7 x 2 x 4 = 560; ``default`` 24 x 7 x 2 x 6 = 2016 (speaker k reads texts
k..k+5 of the 8 carrier sentences, so each sentence is read by 18 speakers).
"""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing as mp
import os
import shutil
import signal
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from benchmark.datasets.base import Corpus, CorpusError, build_corpus
from benchmark.datasets.synth.channel import apply_channel, channel_ir, voice_quality
from benchmark.datasets.synth.espeak import synthesize
from benchmark.datasets.synth.prosody import (
    EMOTIONS,
    INTENSITIES,
    TEXTS,
    Speaker,
    Strength,
    make_speakers,
    render,
)
from benchmark.paths import default_cache_root

NAME = "synthetic"
VERSION = "v1"  # bump whenever rendering changes: it names the cache folder
SR = 16_000
REF_DBFS = -33.0  # eSpeak output is normalised to this RMS before emotional loudness
LIMIT = 0.8  # soft-knee limiter threshold: loud (angry) takes are compressed, not clipped
MANIFEST = "manifest.csv"


@dataclass(frozen=True)
class Size:
    """Corpus dimensions: speakers x emotions x intensities x texts per speaker."""

    n_speakers: int
    intensities: tuple[str, ...]
    texts_per_speaker: int


SIZES: dict[str, Size] = {
    "tiny": Size(4, ("strong",), 2),  # 56 utterances, for unit tests
    "small": Size(10, ("normal", "strong"), 4),  # 560, for quick experiments and CI
    "default": Size(24, ("normal", "strong"), 6),  # 2016
}


@dataclass(frozen=True)
class Item:
    """One utterance to render (picklable, sent to worker processes)."""

    utt_id: str
    speaker: Speaker
    emotion: str
    intensity: str
    text_id: str
    seed: tuple[int, ...]
    strength: Strength


def _check(size: str, seed: int) -> Size:
    if size not in SIZES:
        raise CorpusError(f"synthetic: unknown size {size!r}; choose one of {sorted(SIZES)}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise CorpusError(f"synthetic: seed must be a non-negative int, got {seed!r}")
    return SIZES[size]


def plan(size: str = "default", seed: int = 0, strength: Strength | None = None) -> list[Item]:
    """All utterances of a corpus, in utt_id order. Speaker k uses texts k, k+1, ... (mod 8)
    so every carrier sentence is used and sentence-independent splits are possible."""
    dims = _check(size, seed)
    strength = strength or Strength()
    text_ids = sorted(TEXTS)
    items = []
    for k, spk in enumerate(make_speakers(seed, dims.n_speakers, strength)):
        for e, emotion in enumerate(EMOTIONS):
            for intensity in dims.intensities:
                i = list(INTENSITIES).index(intensity)
                for j in range(dims.texts_per_speaker):
                    t = (k + j) % len(text_ids)
                    items.append(Item(
                        utt_id=f"{spk.speaker_id}_{emotion}_{intensity}_{text_ids[t]}",
                        speaker=spk, emotion=emotion, intensity=intensity,
                        text_id=text_ids[t], seed=(seed, 3, k, e, i, t), strength=strength,
                    ))
    return sorted(items, key=lambda it: it.utt_id)


def render_item(item: Item) -> np.ndarray:
    """Render one utterance to float32 samples at 16 kHz (a pure function of ``item``)."""
    import soxr

    rng = np.random.default_rng(list(item.seed))
    r = render(item.speaker, TEXTS[item.text_id], item.emotion, item.intensity, item.strength, rng)
    pcm, sr_native = synthesize(r.request)
    y = soxr.resample(pcm.astype(np.float64) / 32768.0, sr_native, SR, quality="HQ")
    y *= 10 ** (REF_DBFS / 20) / max(np.sqrt(np.mean(y**2)), 1e-12)
    y = voice_quality(y, SR, breath=r.breath, rough=r.rough, tilt_db=r.tilt_db, rng=rng)
    y *= 10 ** (r.gain_db / 20)
    ch = item.speaker.channel
    y = apply_channel(y, channel_ir(ch, SR), ch, rng)
    return soft_limit(y).astype(np.float32)


def soft_limit(y: np.ndarray) -> np.ndarray:
    """Identity below ``LIMIT``; above it peaks approach 1.0 smoothly (like a recorder's
    limiter), so loud emotions are not marked by hard clipping."""
    mag = np.abs(y)
    over = mag > LIMIT
    knee = 1.0 - LIMIT
    out = y.copy()
    out[over] = np.sign(y[over]) * (LIMIT + knee * np.tanh((mag[over] - LIMIT) / knee))
    return out


def default_sigterm() -> None:
    """Pool-worker initializer: SIGTERM kills the worker quietly. A forked worker inherits the
    parent's handler (``run``'s, which raises to save the run), and the pool's terminate()
    then printed that exception's traceback from a worker that was merely shutting down."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _write_item(args: tuple[Item, str]) -> dict:
    item, folder = args
    y = render_item(item)
    rel = f"wav/{item.utt_id}.wav"
    buf = io.BytesIO()
    sf.write(buf, y, SR, subtype="PCM_16", format="WAV")
    Path(folder, rel).write_bytes(buf.getvalue())
    return {
        "utt_id": item.utt_id, "path": rel, "label": item.emotion, "raw_label": item.emotion,
        "intensity": item.intensity, "speaker": item.speaker.speaker_id,
        "gender": item.speaker.gender, "text_id": item.text_id, "voice": item.speaker.voice,
        "duration_s": round(y.size / SR, 6),
    }


def corpus_dir(size: str, seed: int, cache_dir: str | Path | None = None,
               strength: Strength | None = None) -> Path:
    """Folder a corpus is (or will be) built in. Non-default strengths get their own folder."""
    base = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_root() / NAME
    name = f"{VERSION}-{size}-seed{seed}"
    if strength is not None and strength != Strength():
        tag = hashlib.sha1(repr(sorted(asdict(strength).items())).encode()).hexdigest()[:8]
        name += f"-strength{tag}"
    return base / name


def is_complete(folder: Path) -> bool:
    return (folder / MANIFEST).is_file()


def build(
    size: str = "default",
    seed: int = 0,
    cache_dir: str | Path | None = None,
    jobs: int | None = None,
    progress: bool = True,
    *,
    strength: Strength | None = None,
) -> Path:
    """Build the corpus unless already cached; returns its folder (holding ``manifest.csv``).

    ``cache_dir`` replaces ``<cache root>/synthetic``. ``jobs`` worker processes (default:
    all CPUs); eSpeak is not thread-safe so workers are processes, never threads.
    """
    from tqdm.auto import tqdm

    items = plan(size, seed, strength)
    final = corpus_dir(size, seed, cache_dir, strength)
    if is_complete(final):
        return final
    if jobs is not None and jobs < 1:
        raise CorpusError(f"synthetic: jobs must be >= 1, got {jobs}")
    jobs = min(jobs or os.cpu_count() or 1, len(items))
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".tmp-{final.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    (tmp / "wav").mkdir(parents=True)
    try:
        work = [(it, str(tmp)) for it in items]
        bar = tqdm(total=len(items), desc=f"synthetic {size} seed {seed}", unit="utt",
                   disable=not progress)
        rows = []
        if jobs == 1:
            for w in work:
                rows.append(_write_item(w))
                bar.update()
        else:
            # fork where available (no __main__ guard needed in user scripts); eSpeak state is
            # not inherited anyway because synthesize() loads the library afresh per call
            method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
            with mp.get_context(method).Pool(jobs, initializer=default_sigterm) as pool:
                for row in pool.imap(_write_item, work, chunksize=8):
                    rows.append(row)
                    bar.update()
                pool.close()  # let the workers exit on their own before the block's terminate()
                pool.join()
        bar.close()
        manifest = pd.DataFrame(rows).sort_values("utt_id", kind="stable")
        info = {"corpus": NAME, "version": VERSION, "size": size, "seed": seed,
                "strength": asdict(strength or Strength()), "sample_rate": SR}
        (tmp / "build_info.json").write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
        # written last: its presence marks the folder complete
        manifest.to_csv(tmp / MANIFEST, index=False, lineterminator="\n", float_format="%.6f")
        try:
            os.rename(tmp, final)  # atomic: the folder appears complete or not at all
        except OSError:
            if not is_complete(final):  # lost a race to another builder: theirs is fine
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def read_folder(folder: Path) -> Corpus:
    """Read a built corpus folder into the manifest contract."""
    if not is_complete(folder):
        raise CorpusError(f"synthetic: {folder} is not a built synthetic corpus (no {MANIFEST})")
    df = pd.read_csv(folder / MANIFEST, dtype=str)
    rows = [
        {"utt_id": r.utt_id, "path": str(folder / r.path), "label": r.label,
         "raw_label": r.raw_label, "speaker": r.speaker, "gender": r.gender,
         "text_id": r.text_id}
        for r in df.itertuples(index=False)
    ]
    return build_corpus(NAME, rows, EMOTIONS, [], root=folder,
                        layout="<folder>/manifest.csv + wav/*.wav built by serbench")


def load(
    root: str | Path | None = None,
    *,
    size: str = "default",
    seed: int = 0,
    cache_dir: str | Path | None = None,
    jobs: int | None = None,
    progress: bool = True,
) -> Corpus:
    """Load the synthetic corpus, building it on first use (see :func:`build`).

    ``root`` exists only for the uniform loader signature ``load(root, **options)`` and is
    ignored: the corpus needs no data folder (runners pass their ``--data-root`` to every
    corpus). Choose where it is stored with ``cache_dir``; read a given built folder with
    :func:`read_folder`.
    """
    del root
    return read_folder(build(size, seed, cache_dir, jobs, progress))
