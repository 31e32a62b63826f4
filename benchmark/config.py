"""Suites as frozen dataclasses, read from TOML with the stdlib ``tomllib``.

A suite only names things (corpora, protocols, models, features, augmentations, variants);
it holds no code. Unknown keys are errors, names are checked against the registries, and one
level of ``extends`` is allowed (the child's keys replace the parent's; ``runs`` are appended).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from deep.profiles import PROFILE_NAMES as PROFILES  # the deep side's budget names (torch-free)

SUITES_PACKAGE = "benchmark.suites"


class ConfigError(ValueError):
    """A suite file that does not validate; the message names the file and the key."""


@dataclass(frozen=True)
class RunBlock:
    """One ``[[runs]]`` table: a grid of models x features x augmentations x variants."""

    models: tuple[str, ...]
    """Registered model names."""
    features: tuple[str, ...] = ("default",)
    """Registered feature sets; ``default`` means each model's own default features."""
    augmentation: tuple[str, ...] = ("none",)
    """Registered augmentation policies, applied to training items of each fold only."""
    variants: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = (("default", ()),)
    """Named parameter overrides, e.g. ``no_dilation = {dilation = 1}`` (ablations)."""
    params: tuple[tuple[str, Any], ...] = ()
    """Parameters given to every model of the block."""
    protocols: tuple[str, ...] | None = None
    """Overrides the suite's protocols for this block."""
    tables: tuple[str, ...] = ()
    """Report tables this block feeds (e.g. ``paper000_table3``)."""
    corpora: tuple[str, ...] | None = None
    """Overrides the suite's corpora for this block."""
    extra_protocols: tuple[str, ...] = ()
    """Protocols run in addition to the block's (or the corpus's) own, e.g. ``["random_kfold5"]``
    beside whatever clean protocol a corpus is evaluated with (speaker_kfold5, EmoDB's LOSO)."""


@dataclass(frozen=True)
class Suite:
    """A named experiment grid."""

    name: str
    """Suite name (the file stem)."""
    runs: tuple[RunBlock, ...]
    """The grids to expand."""
    description: str = ""
    """One line shown by ``list suites``."""
    corpora: tuple[str, ...] = ("synthetic",)
    """Corpus names or ``fusion:a+b`` specs; the CLI's ``--corpus`` replaces them."""
    corpus_options: tuple[tuple[str, Any], ...] = ()
    """Options for the synthetic corpus loader (e.g. ``size = "tiny"``)."""
    label_set: str | None = None
    """Corpus label set where a corpus has several (IEMOCAP: iemocap10 | iemocap4)."""
    protocols: tuple[str, ...] = ("speaker_kfold5",)
    """Protocol names (see ``list protocols``)."""
    corpus_protocols: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Per-corpus protocol replacement, e.g. ``{ emodb = ["speaker_loso"] }``: corpora with
    few speakers are evaluated leave-one-speaker-out as in the literature."""
    protocol_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    """Options per protocol, e.g. ``{ cross_corpus = { train_corpus = "ravdess", test_corpus =
    "crema_d" } }`` (see ``list protocols``)."""
    seeds: tuple[int, ...] = (0,)
    """Seeds; each seed re-draws folds (random protocols), model init and augmentation."""
    profile: str = "default"
    """Deep training budget profile: ci | default | paper."""
    max_folds: int | None = None
    """Run only the first N folds of each protocol (small suites); None = all folds."""
    sr: int = 16_000
    """Sample rate features are computed at."""
    references: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    """Reference system per report table, fixed in advance, e.g. ``{ compare = { model = "svm",
    features = "egemaps_v02" } }``: significance markers test every row against it (Holm over
    the rows of a column). Keys: model, features, variant, augmentation."""
    feature_sets: tuple[tuple[str, str, tuple[tuple[str, Any], ...]], ...] = ()
    """``[feature_sets.NAME]`` tables: (NAME, extractor, parameters). ``extractor`` is a built-in
    parametrised family (``list extractors``), a ``serbench.features`` entry point or
    ``package.module:function``; runs name the set as ``features = ["NAME"]``."""
    source: str = ""
    """Where the suite was read from (for messages)."""

    def display_ranks(self) -> dict[str, dict[str, int]]:
        """Report row order of the suite's models and feature sets: built-ins in registry
        order, then plugins and declared sets in the order the suite first names them.
        Records carry their rank (``order``), since reports read records only."""
        from benchmark.features import FEATURES
        from benchmark.models import MODELS

        ranks: dict[str, dict[str, int]] = {}
        for field_name, reg, attr in (("model", MODELS, "models"), ("features", FEATURES, "features")):
            builtin = {n: k for k, n in enumerate(reg.names())}
            named = dict.fromkeys(n for run in self.runs for n in getattr(run, attr)
                                  if n not in builtin and n != "default")
            ranks[field_name] = {**builtin, **{n: len(builtin) + k for k, n in enumerate(named)}}
        return ranks

    def feature_key(self, name: str) -> str:
        """The string jobs carry for the feature set ``name``: a declared set's key (its
        declaration, resolvable in any process), else the name itself."""
        for declared, extractor, params in self.feature_sets:
            if declared == name:
                from benchmark.features.declared import feature_key

                return feature_key(name, extractor, dict(params))
        return name


_SUITE_KEYS = {
    "name", "description", "extends", "corpora", "corpus_options", "label_set", "protocols",
    "seeds", "profile", "max_folds", "sr", "runs", "corpus_protocols", "protocol_options",
    "references", "feature_sets",
}
_REFERENCE_KEYS = {"model", "features", "variant", "augmentation"}
_RUN_KEYS = {"models", "features", "augmentation", "variants", "params", "protocols", "tables", "corpora",
             "extra_protocols"}



def _tuple_of_str(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    if not value:
        raise ConfigError(f"{where}: must not be empty")
    return tuple(value)


def _frozen_items(value: Any, where: str) -> tuple[tuple[str, Any], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table, got {value!r}")
    return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))


def _freeze(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(_freeze(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    return v


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table, got {value!r}")
    return value


def _parse_run(raw: Any, where: str) -> RunBlock:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: each [[runs]] entry must be a table")
    unknown = set(raw) - _RUN_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_RUN_KEYS)}")
    if "models" not in raw:
        raise ConfigError(f"{where}: 'models' is required")
    variants_raw = raw.get("variants", {"default": {}})
    if not isinstance(variants_raw, dict) or not variants_raw:
        raise ConfigError(f"{where}.variants: expected a non-empty table of tables")
    variants = tuple(
        (str(name), _frozen_items(params, f"{where}.variants.{name}"))
        for name, params in variants_raw.items()
    )
    return RunBlock(
        models=_tuple_of_str(raw["models"], f"{where}.models"),
        features=_tuple_of_str(raw.get("features", ["default"]), f"{where}.features"),
        augmentation=_tuple_of_str(raw.get("augmentation", ["none"]), f"{where}.augmentation"),
        variants=variants,
        params=_frozen_items(raw.get("params", {}), f"{where}.params"),
        protocols=_tuple_of_str(raw["protocols"], f"{where}.protocols") if "protocols" in raw else None,
        tables=_tuple_of_str(raw["tables"], f"{where}.tables") if "tables" in raw else (),
        corpora=_tuple_of_str(raw["corpora"], f"{where}.corpora") if "corpora" in raw else None,
        extra_protocols=(_tuple_of_str(raw["extra_protocols"], f"{where}.extra_protocols")
                         if "extra_protocols" in raw else ()),
    )


def _read_toml(path_or_name: str | Path) -> tuple[dict[str, Any], str]:
    path = Path(path_or_name)
    if path.suffix == ".toml" and path.exists():
        return tomllib.loads(path.read_text(encoding="utf-8")), str(path)
    res = resources.files(SUITES_PACKAGE).joinpath(f"{path_or_name}.toml")
    if not res.is_file():
        import difflib

        known = suite_names()
        close = difflib.get_close_matches(str(path_or_name), known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ConfigError(f"unknown suite {str(path_or_name)!r}{hint} (known: {', '.join(known)})")
    return tomllib.loads(res.read_text(encoding="utf-8")), f"suites/{path_or_name}.toml"


def suite_names() -> list[str]:
    return sorted(
        p.name[: -len(".toml")]
        for p in resources.files(SUITES_PACKAGE).iterdir()
        if p.name.endswith(".toml")
    )


def load_suite(name_or_path: str | Path, *, check_names: bool = True) -> Suite:
    """Read, merge (one level of ``extends``) and validate a suite."""
    try:
        raw, source = _read_toml(name_or_path)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name_or_path}: invalid TOML: {exc}") from exc
    if "extends" in raw:
        parent, _ = _read_toml(raw["extends"])
        if "extends" in parent:
            raise ConfigError(f"{source}: only one level of 'extends' is allowed")
        merged = {**parent, **{k: v for k, v in raw.items() if k not in ("extends", "runs")}}
        merged["runs"] = list(parent.get("runs", [])) + list(raw.get("runs", []))
        raw = merged
    suite = _parse_suite(raw, source)
    if check_names:
        validate_names(suite)
    return suite


def _parse_suite(raw: dict[str, Any], source: str) -> Suite:
    unknown = set(raw) - _SUITE_KEYS
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_SUITE_KEYS)}")
    for key in ("name", "runs"):
        if key not in raw:
            raise ConfigError(f"{source}: '{key}' is required")
    runs_raw = raw["runs"]
    if not isinstance(runs_raw, list) or not runs_raw:
        raise ConfigError(f"{source}: 'runs' must be a non-empty array of tables")
    seeds = raw.get("seeds", [0])
    if not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) for s in seeds):
        raise ConfigError(f"{source}.seeds: expected a non-empty list of integers")
    profile = raw.get("profile", "default")
    if profile not in PROFILES:
        raise ConfigError(f"{source}.profile: {profile!r} is not one of {PROFILES}")
    max_folds = raw.get("max_folds")
    if max_folds is not None and (not isinstance(max_folds, int) or max_folds < 1):
        raise ConfigError(f"{source}.max_folds: expected a positive integer")
    return Suite(
        name=str(raw["name"]),
        description=str(raw.get("description", "")),
        runs=tuple(_parse_run(r, f"{source}.runs[{i}]") for i, r in enumerate(runs_raw)),
        corpora=_tuple_of_str(raw.get("corpora", ["synthetic"]), f"{source}.corpora"),
        corpus_options=_frozen_items(raw.get("corpus_options", {}), f"{source}.corpus_options"),
        label_set=raw.get("label_set"),
        protocols=_tuple_of_str(raw.get("protocols", ["speaker_kfold5"]), f"{source}.protocols"),
        corpus_protocols=tuple(
            (str(c), _tuple_of_str(v, f"{source}.corpus_protocols.{c}"))
            for c, v in sorted(_table(raw.get("corpus_protocols", {}), f"{source}.corpus_protocols").items())
        ),
        protocol_options=tuple(
            (str(p), _frozen_items(v, f"{source}.protocol_options.{p}"))
            for p, v in sorted(_table(raw.get("protocol_options", {}), f"{source}.protocol_options").items())
        ),
        seeds=tuple(seeds),
        profile=profile,
        max_folds=max_folds,
        sr=int(raw.get("sr", 16_000)),
        references=_references(raw.get("references", {}), f"{source}.references"),
        feature_sets=_feature_sets(raw.get("feature_sets", {}), f"{source}.feature_sets"),
        source=source,
    )


def _references(raw: Any, where: str) -> tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]:
    out = []
    for table, sel in sorted(_table(raw, where).items()):
        sel = _table(sel, f"{where}.{table}")
        unknown = set(sel) - _REFERENCE_KEYS
        if unknown or "model" not in sel:
            raise ConfigError(f"{where}.{table}: a reference names model (required), features, "
                              f"variant, augmentation; got {sorted(sel)}")
        out.append((str(table), _frozen_items(sel, f"{where}.{table}")))
    return tuple(out)


def _feature_sets(raw: Any, where: str) -> tuple[tuple[str, str, tuple[tuple[str, Any], ...]], ...]:
    from benchmark.features.declared import NAME_RE

    out = []
    for name, table in _table(raw, where).items():
        table = dict(_table(table, f"{where}.{name}"))
        if not NAME_RE.match(name):
            raise ConfigError(f"{where}.{name}: a feature set name uses letters, digits, '_', '.', '-'")
        extractor = table.pop("extractor", None)
        if not isinstance(extractor, str) or not extractor:
            raise ConfigError(f"{where}.{name}: 'extractor' (a string) is required: a built-in "
                              "extractor family, a serbench.features entry point or package.module:function")
        out.append((str(name), extractor, _frozen_items(table, f"{where}.{name}")))
    return tuple(out)


def _check_feature_sets(suite: Suite, problems: list[str]) -> set[str]:
    """Problems of the suite's declared feature sets; returns their names."""
    from benchmark.features import FEATURES

    for name, _, _ in suite.feature_sets:
        where = f"{suite.source}.feature_sets.{name}"
        if FEATURES.is_builtin(name):
            problems.append(f"{where}: {name!r} is a built-in feature set; built-in names are fixed "
                            "(a suite means the same everywhere), choose another name")
            continue
        key = suite.feature_key(name)
        if key not in FEATURES:
            problems.append(f"{where}: {FEATURES.unknown_message(key)}")
    return {name for name, _, _ in suite.feature_sets}


def _warn_clashes(suite: Suite) -> None:
    """Built-in names win over entry points of the same name: say so once per name."""
    import sys

    from benchmark.features import FEATURES
    from benchmark.models import MODELS
    from benchmark.plugins import builtin_clash

    seen: set[tuple[str, str]] = set()
    for run in suite.runs:
        for role, reg, names in (("model", MODELS, run.models), ("feature", FEATURES, run.features)):
            for name in names:
                if (role, name) in seen or not reg.is_builtin(name):
                    continue
                seen.add((role, name))
                why = builtin_clash(role, name)
                if why is not None:
                    print(f"warning: {why}", file=sys.stderr)


def validate_names(suite: Suite) -> None:
    """Every name in the suite must be registered; errors carry 'did you mean' hints."""
    from benchmark.datasets import CORPORA, FUSION_PREFIX
    from benchmark.features import FEATURES
    from benchmark.models import MODELS
    from benchmark.splits import PROTOCOLS
    from benchmark.transforms import AUGMENTATIONS

    problems: list[str] = []

    def check(reg: Any, names: tuple[str, ...] | None, where: str) -> None:
        for n in names or ():
            if n not in reg:
                problems.append(f"{where}: {reg.unknown_message(n)}")

    for c in suite.corpora:
        if c.startswith(FUSION_PREFIX):
            check(CORPORA, tuple(c[len(FUSION_PREFIX):].split("+")), f"{suite.source}.corpora")
        else:
            check(CORPORA, (c,), f"{suite.source}.corpora")
    check(PROTOCOLS, suite.protocols, f"{suite.source}.protocols")
    for proto, _ in suite.protocol_options:
        check(PROTOCOLS, (proto,), f"{suite.source}.protocol_options")
    for corpus, protos in suite.corpus_protocols:
        check(PROTOCOLS, protos, f"{suite.source}.corpus_protocols.{corpus}")
    declared = _check_feature_sets(suite, problems)
    _warn_clashes(suite)
    for i, run in enumerate(suite.runs):
        where = f"{suite.source}.runs[{i}]"
        check(MODELS, run.models, f"{where}.models")
        check(FEATURES, tuple(f for f in run.features if f != "default" and f not in declared),
              f"{where}.features")
        check(AUGMENTATIONS, run.augmentation, f"{where}.augmentation")
        check(PROTOCOLS, run.protocols, f"{where}.protocols")
        check(PROTOCOLS, run.extra_protocols, f"{where}.extra_protocols")
        for proto in run.protocols or suite.protocols:
            if proto in PROTOCOLS and PROTOCOLS.meta(proto).get("leaky") and "none" in run.augmentation:
                problems.append(
                    f"{where}: protocol {proto!r} augments before splitting and needs an "
                    "augmentation policy other than 'none'"
                )
        for model in run.models:
            if model not in MODELS:
                continue
            needs = MODELS.meta(model).get("input", "any")
            for feat in run.features:
                fname = MODELS.meta(model).get("default_features") if feat == "default" else feat
                fkey = suite.feature_key(str(fname))
                if fkey not in FEATURES or "kind" not in FEATURES.meta(fkey):
                    continue
                kind = FEATURES.meta(fkey).get("kind")
                deep_on_functionals = MODELS.meta(model).get("family") == "deep" and kind == "functionals"
                if needs != "any" and kind != needs and not deep_on_functionals:
                    problems.append(f"{where}: model {model!r} needs {needs} features, {fname!r} is {kind}")
    if problems:
        raise ConfigError("suite does not validate:\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class RunOptions:
    """Command-line options of ``run``; passed explicitly, never global."""

    out: Path
    jobs: int = 2
    seeds: tuple[int, ...] | None = None
    corpus: str | None = None
    data_root: str | None = None
    only: tuple[tuple[str, str], ...] = ()
    protocols: tuple[str, ...] | None = None
    resume: bool = False
    dry_run: bool = False
    profile: str | None = None
    report: bool = True
    progress: bool = True
    cache_dir: Path | None = None
    label_set: str | None = None
    """``--label-set``: replaces the suite's label set (every corpus that has it)."""
    corpus_options: tuple[tuple[str, str], ...] = ()
    """``--corpus-option KEY=VALUE`` pairs passed to every corpus loader."""
    device: str = "auto"
    """Deep training device: auto (CUDA when present) | cpu | cuda."""
    executor: str = "local"
    """Where jobs run: ``local`` (process pool) or ``dask``."""
    scheduler: str | None = None
    """Dask scheduler address (``tcp://HOST:PORT``); None starts a LocalCluster."""
    dask_workers: int | None = None
    """Worker processes of the LocalCluster (default: ``jobs``)."""
    folds: Path | None = None
    """``--folds PATH``: run every corpus on folds imported from this file (protocol ``imported``)."""
