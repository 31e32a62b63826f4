"""``cache``: the feature cache's size report, or clearing it (or serbench's numba JIT cache)."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "cache"
HELP = "feature cache size report or clearing"
EPILOG = "examples:\n  python -m benchmark cache info\n  python -m benchmark cache clear --feature compare_2016"


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("action", choices=["info", "clear"])
    sp.add_argument("--feature", help="only this feature set (clear)")
    sp.add_argument("--numba", action="store_true",
                    help="clear serbench's numba JIT cache instead (after a native crash)")
    sp.add_argument("--cache-dir", type=Path)


def main(args: argparse.Namespace) -> int:
    from benchmark.cache import FeatureCache

    if args.numba:
        if args.action != "clear":
            from benchmark.plan import RunError

            raise RunError("--numba goes with `cache clear`")
        from benchmark.features.jit import clear_numba_cache

        folder, n = clear_numba_cache(args.cache_dir / "numba" if args.cache_dir else None)
        print(f"removed {n} compiled file(s) from {folder}; the next run recompiles librosa's JIT code")
        return 0
    cache = FeatureCache(args.cache_dir / "features") if args.cache_dir else FeatureCache()
    if args.action == "clear":
        n = cache.clear(args.feature)
        print(f"removed {n} cache entr{'y' if n == 1 else 'ies'} from {cache.root}")
        return 0
    info = cache.info()
    print(f"feature cache: {cache.root}")
    for k, v in info.items():
        if k != "per_feature":
            print(f"  {k}: {v}")
    for feat, stats in sorted((info.get("per_feature") or {}).items()):
        print(f"  {feat}: {stats}")
    return 0
