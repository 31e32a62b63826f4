"""Corpus registry: names -> lazy loader functions, and ``load_corpus`` for corpus specs.

Every loader has the signature ``load(root, **options) -> Corpus`` (see ``base.py``). Real
corpora need a ``root`` folder the user owns; ``synthetic`` builds itself on first use.
A spec ``fusion:a+b+c`` loads several corpora and concatenates them on the harmonised labels
(paper 003 fuses RAVDESS, TESS, CREMA-D and SAVEE this way; ``label_set="core7"`` gives its
seven classes). Options are checked by name and converted from strings
(:mod:`benchmark.datasets.options`), so ``--corpus-option KEY=VALUE`` can pass them as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmark.datasets.base import MANIFEST_COLUMNS, Corpus, CorpusError, Problem
from benchmark.registry import Registry

CORPORA: Registry = Registry("corpus")
_D = "benchmark.datasets"
CORPORA.register("synthetic", f"{_D}.synthetic:load", needs_root=False,
                 description="embedded synthetic corpus (eSpeak NG + rule-based emotional prosody)")
CORPORA.register("ravdess", f"{_D}.ravdess:load", needs_root=True,
                 description="RAVDESS speech, Actor_NN/03-01-EE-II-SS-RR-AA.wav, 24 actors "
                             "(label_set ravdess8|ravdess7)")
CORPORA.register("crema_d", f"{_D}.crema_d:load", needs_root=True,
                 description="CREMA-D, AudioWAV/1001_DFA_ANG_XX.wav, 91 actors")
CORPORA.register("tess", f"{_D}.tess:load", needs_root=True,
                 description="TESS, OAF_angry/OAF_back_angry.wav, 2 speakers")
CORPORA.register("savee", f"{_D}.savee:load", needs_root=True,
                 description="SAVEE, DC_a01.wav or DC/a01.wav, 4 speakers")
CORPORA.register("emodb", f"{_D}.emodb:load", needs_root=True,
                 description="Berlin EmoDB, wav/03a01Fa.wav, 10 speakers")
CORPORA.register("iemocap", f"{_D}.iemocap:load", needs_root=True,
                 description="IEMOCAP, SessionN/dialog/EmoEvaluation + sentences/wav "
                             "(label_set iemocap10|iemocap9|iemocap7|iemocap4)")
CORPORA.register("casia", f"{_D}.casia:load", needs_root=True,
                 description="CASIA Chinese emotional speech, <speaker>/<emotion>/<nnn>.wav")
CORPORA.register("csv", f"{_D}.csv_manifest:load", needs_root=True,
                 description="any corpus described by a CSV manifest (path,label,speaker[,...])")

FUSION_PREFIX = "fusion:"


def load_corpus(
    spec: str,
    data_root: str | Path | Mapping[str, str | Path] | None = None,
    **options: Any,
) -> Corpus:
    """Load a corpus by registry name or ``fusion:a+b`` spec.

    For a fusion, ``data_root`` is either a mapping name -> folder, or one folder holding a
    sub-folder per member named as in the registry (``ravdess/``, ``tess/``, ...).
    ``options`` are the loader's keyword parameters; unknown names raise :class:`CorpusError`
    with a did-you-mean, string values are converted (see :mod:`benchmark.datasets.options`).
    """
    from benchmark.datasets.fusion import fusion_options
    from benchmark.datasets.options import check_options

    if spec.startswith(FUSION_PREFIX):
        from benchmark.datasets.fusion import load_fusion

        members = [m for m in spec[len(FUSION_PREFIX):].split("+") if m]
        corpus = load_fusion(members, data_root, **fusion_options(members, options))
    else:
        loader = CORPORA.get(spec)
        options = check_options(spec, loader, options)
        root = data_root.get(spec) if isinstance(data_root, Mapping) else data_root
        corpus = loader(root, **options)
    _warn_if_dependent(corpus)
    return corpus


def _warn_if_dependent(corpus: Corpus) -> None:
    """A SpeakerLabelDependenceWarning when most speakers carry few emotions (see
    :mod:`benchmark.datasets.dependence` for the thresholds)."""
    import warnings

    from benchmark.datasets.dependence import MIN_UTTERANCES_TO_WARN, SpeakerLabelDependenceWarning

    dep = corpus.dependence
    if dep.high and dep.n_utterances >= MIN_UTTERANCES_TO_WARN:
        warnings.warn(dep.warning(corpus.name), SpeakerLabelDependenceWarning, stacklevel=3)


def corpus_names() -> list[str]:
    return CORPORA.names()


__all__ = ["CORPORA", "Corpus", "CorpusError", "MANIFEST_COLUMNS", "Problem", "load_corpus"]
