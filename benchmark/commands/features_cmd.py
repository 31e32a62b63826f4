"""``features describe``: what a suite's feature set is before a long run (dimension, kind, the
encoder it loads, what the cache already holds).

It builds the feature set's extractor exactly as a run would (so a bad ``[feature_sets.NAME]``
declaration fails here, in one line) but computes nothing: an ``ssl`` set reads its folder's
JSON files and hashes its weights; no network, no model forward pass.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from benchmark.commands.common import formatter

NAME = "features"
HELP = "describe a suite's feature set (dimension, kind, model, cache) before a run"
EPILOG = ("examples:\n  python -m benchmark features describe my_suite.toml wavlm_l6\n"
          "  python -m benchmark features describe my_suite.toml wavlm_l6 --corpus emodb "
          "--data-root ../shared/data/emodb")


def add_arguments(p: argparse.ArgumentParser) -> None:
    fsub = p.add_subparsers(dest="features_command", required=True, metavar="ACTION")
    d = fsub.add_parser("describe", help="dimension, kind, layer, model and cache of a feature set",
                        formatter_class=formatter, epilog=EPILOG)
    d.add_argument("suite", help="suite name or path to its TOML")
    d.add_argument("name", help="a [feature_sets.NAME] of the suite, or a built-in feature set")
    d.add_argument("--cache-dir", type=Path, help="serbench cache root (default: $SERBENCH_CACHE)")
    d.add_argument("--corpus", help="also count this corpus's utterances already cached for the set")
    d.add_argument("--data-root", help="folder holding --corpus (real corpora)")


def main(args: argparse.Namespace) -> int:
    print(describe(args.suite, args.name, cache_dir=args.cache_dir, corpus=args.corpus,
                   data_root=args.data_root))
    return 0


def describe(suite_name: str, name: str, *, cache_dir: Path | None = None, corpus: str | None = None,
             data_root: str | None = None) -> str:
    """The text ``features describe`` prints (one ``key: value`` per line)."""
    from benchmark.cache import FeatureCache
    from benchmark.config import ConfigError, load_suite
    from benchmark.features import FEATURES, get_extractor
    from benchmark.features.declared import cache_folder, parse_key

    suite = load_suite(suite_name)
    key = suite.feature_key(name)
    declared = key != name
    if not declared and not FEATURES.is_builtin(name):
        known = ", ".join(n for n, _, _ in suite.feature_sets) or "none"
        raise ConfigError(f"{suite.source}: no feature set {name!r} (declared: {known}; built-in "
                          "sets: python -m benchmark list features)")
    extractor = get_extractor(key)
    lines = [f"feature set: {name} ({'declared in ' + str(suite.source) if declared else 'built-in'})",
             f"kind: {extractor.kind}", f"dim: {extractor.dim}"]
    if declared:
        _, family, params = parse_key(key)
        lines += [f"extractor: {family}", "parameters: " + ", ".join(f"{k}={v!r}" for k, v in params.items())]
        if family == "ssl":
            lines += _ssl_lines(params, extractor.params)
    else:
        lines.append(f"description: {FEATURES.meta(name).get('description', '')}")
    cache = FeatureCache(cache_dir / "features") if cache_dir else FeatureCache()
    folder = cache.root / cache_folder(key)
    files = list(folder.glob("*/*.npy")) if folder.is_dir() else []
    size_mb = sum(f.stat().st_size for f in files) / 2**20
    lines.append(f"cache: {len(files)} entries, {size_mb:.1f} MB in {folder} (every declaration "
                 f"named {name!r}, any corpus)")
    if corpus:
        n_cached, n_total = _coverage(suite, corpus, data_root, cache_dir, key, extractor, cache)
        lines.append(f"cached for {corpus}: {n_cached}/{n_total} utterances (this declaration, "
                     f"{suite.sr} Hz, no augmentation)")
    return "\n".join(lines)


def _ssl_lines(params: dict[str, Any], key_params: Any) -> list[str]:
    from benchmark.features.ssl import describe_model

    m = describe_model(str(params["model"]))
    layer = params.get("layer")
    versions = key_params.get("versions", {})
    return [f"model: {params['model']} -> {m['folder']}",
            f"encoder: {m['model_type']}, {m['layers']} layers, hidden size {m['hidden_size']}, "
            f"{m['frame_ms']:g} ms frames, {m['weights_mb']} MB of weights",
            f"layer: {layer}" + (" (mean of all hidden states)" if layer == "mean" else ""),
            f"normalisation: {'zero mean, unit variance' if key_params['normalize'] else 'none'} ("
            + ("preprocessor_config.json" if m["preprocessor_config"] else "library default: the "
               "folder has no preprocessor_config.json")
            + (", overridden by normalize" if "normalize" in params else "") + ")",
            f"weights sha256: {key_params['weights_sha256']}",
            "libraries: " + ", ".join(f"{k} {v}" for k, v in versions.items())]


def _coverage(suite: Any, corpus: str, data_root: str | None, cache_dir: Path | None, key: str,
              extractor: Any, cache: Any) -> tuple[int, int]:
    """(utterances of ``corpus`` with a cache entry for exactly this declaration, all of them)."""
    from benchmark.cache import entry_key, file_sha256
    from benchmark.datasets import load_corpus
    from benchmark.features.declared import cache_folder

    options: dict[str, Any] = {}
    if corpus == "synthetic":
        options.update(dict(suite.corpus_options), progress=False)
        if cache_dir is not None:
            options["cache_dir"] = cache_dir / "synthetic"
    manifest = load_corpus(corpus, data_root, **options).manifest
    n = 0
    for path in manifest["path"].astype(str):
        k = entry_key(audio_sha256=file_sha256(path), feature=key, params=extractor.params,
                      sr=suite.sr, augmentation=None)
        n += cache.path(cache_folder(key), k).is_file()
    return n, len(manifest)
