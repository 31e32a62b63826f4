"""``list``: the registered corpora, features, models, suites, protocols and augmentations."""

from __future__ import annotations

import argparse

from benchmark.commands.common import text_table

NAME = "list"
HELP = "list registered corpora, features, models, suites, protocols, augmentations"
EPILOG = "examples:\n  python -m benchmark list features\n  python -m benchmark list models"
WHAT = ("corpora", "features", "extractors", "models", "suites", "protocols", "augmentations")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", choices=list(WHAT))


def _corpora() -> str:
    from benchmark.datasets import CORPORA

    rows = [(n, "yes" if CORPORA.meta(n).get("needs_root") else "no", CORPORA.meta(n).get("description", ""))
            for n in CORPORA]
    return (text_table(rows, ("name", "needs --data-root", "description"))
            + "\n\nfusion: join corpora on harmonised labels, e.g. fusion:ravdess+tess+crema_d+savee")


def _features() -> str:
    from benchmark.features import FEATURES

    rows = [(n, FEATURES.meta(n).get("kind"), FEATURES.meta(n).get("dim"), FEATURES.meta(n).get("paper") or "",
             FEATURES.meta(n).get("description", "")) for n in FEATURES]
    from benchmark.features import EXTRACTORS

    families = [(n, EXTRACTORS.meta(n).get("description", ""), ", ".join(EXTRACTORS.meta(n).get("params") or {}))
                for n in EXTRACTORS]
    return (text_table(rows, ("name", "kind", "dim", "paper", "description"))
            + "\n\nextractor families for [feature_sets.NAME] tables (each parameter: list extractors):\n"
            + text_table(families, ("name", "description", "parameters")) + _plugins("feature"))


def _extractors() -> str:
    from benchmark.features import EXTRACTORS

    rows = [(n, EXTRACTORS.meta(n).get("description", ""),
             "; ".join(f"{k}: {v}" for k, v in (EXTRACTORS.meta(n).get("params") or {}).items()))
            for n in EXTRACTORS]
    return (text_table(rows, ("name", "description", "parameters"))
            + "\n\nuse in a suite: [feature_sets.NAME] with extractor = \"<family>\" and its parameters, "
              "then features = [\"NAME\"]")


def _models() -> str:
    from benchmark.models import MODELS

    rows = [(n, MODELS.meta(n).get("family"), MODELS.meta(n).get("input"), MODELS.meta(n).get("default_features"),
             MODELS.meta(n).get("description", "")) for n in MODELS]
    return text_table(rows, ("name", "family", "input", "default features", "description")) + _plugins("model")


def _plugins(role: str) -> str:
    """Entry points installed packages declare (read from metadata: nothing is imported)."""
    from benchmark.plugins import GROUPS, PluginError, entry_points

    try:
        eps = entry_points(role)
    except PluginError as exc:
        return f"\n\nplugins ({GROUPS[role]}): {exc}"
    if not eps:
        return (f"\n\nplugins ({GROUPS[role]}): none installed; any package.module:attr import "
                "path works too (README: Benchmark your own model)")
    from benchmark.features import FEATURES
    from benchmark.models import MODELS

    builtin = (MODELS if role == "model" else FEATURES).is_builtin
    rows = [(n + (" (unreachable: a built-in has this name; use the import path)" if builtin(n) else ""),
             ep.value, f"{ep.dist.name} {ep.dist.version}" if ep.dist else "?") for n, ep in sorted(eps.items())]
    return f"\n\nplugins ({GROUPS[role]}; built-in names win):\n" + text_table(rows, ("name", "import path", "distribution"))


def _protocols() -> str:
    from benchmark.splits import PROTOCOLS

    rows = [(n, "yes" if PROTOCOLS.meta(n).get("speaker_independent") else "no",
             PROTOCOLS.meta(n).get("description", "")) for n in PROTOCOLS]
    return text_table(rows, ("name", "speaker-independent", "description"))


def _augmentations() -> str:
    from benchmark.transforms import AUGMENTATIONS

    rows = [(n, AUGMENTATIONS.meta(n).get("description", "")) for n in AUGMENTATIONS]
    return text_table(rows, ("name", "description"))


def _suites() -> str:
    from benchmark.config import load_suite, suite_names

    rows = []
    for n in suite_names():
        s = load_suite(n, check_names=False)
        rows.append((n, ",".join(s.corpora), ",".join(s.protocols), s.description))
    return text_table(rows, ("name", "corpora", "protocols", "description"))


LISTERS = {"corpora": _corpora, "features": _features, "extractors": _extractors, "models": _models, "protocols": _protocols,
           "augmentations": _augmentations, "suites": _suites}


def main(args: argparse.Namespace) -> int:
    print(LISTERS[args.what]())
    return 0
