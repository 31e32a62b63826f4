"""Plugins: a researcher's model or feature function, found by the name a suite gives it.

Resolution of a name not built into serbench, in order:

1. an entry point of the group ``serbench.models`` (models) or ``serbench.features`` (feature
   functions) that an installed distribution declares, e.g. in its ``pyproject.toml``::

       [project.entry-points."serbench.models"]
       my_ridge = "my_pkg.models:MyRidge"

   The group is read through :mod:`importlib.metadata` only when a name is not built in;
2. a literal import path ``"package.module:attr"`` (``"sklearn.naive_bayes:GaussianNB"``).

Built-in names always win: they are fixed so that a suite means the same on every machine.
Nothing is registered by side effect: every process (the parent, a local worker, a Dask worker)
resolves the same string by itself, and each records where the code came from
(:class:`PluginInfo`: import path, distribution and version, or the source file's sha256 when
the module was not installed from a distribution).

What a model class may declare (class attributes; the defaults fit a plain scikit-learn
classifier, so ``sklearn.linear_model:LogisticRegression`` needs none):

``serbench_family``
    ``"classical"`` (default): an estimator with ``fit(X, y)``, ``predict_proba(X)`` and
    ``classes_``, built as ``Class(**params)`` (plus ``random_state=seed`` when the constructor
    takes one). ``"deep"``: a ``torch.nn.Module`` class built as ``Class(config, n_features,
    n_classes)`` whose ``forward(x, lengths)`` returns logits; serbench's own trainer
    (``deep/``) trains it (see :func:`deep.spec.plugin_row` for its optional attributes).
``serbench_input``
    ``"functionals"`` (default, one vector per utterance: ``X`` is an (n, d) array) or
    ``"frames"`` (``X`` is a list of (T_i, d) arrays). Deep models read frames.
``serbench_wants_groups``
    ``False`` (default). ``True``: ``fit(X, y, groups=speakers)``, the training speakers (the
    protocol's independent unit) for the model's own grouped inner cross-validation.
``serbench_default_features``
    The feature set used when a run says ``features = ["default"]`` (default: ``egemaps_v02``
    for functionals, ``mfcc13_frames`` for frames and deep models).

A feature function is ``f(y, sr, **params) -> np.ndarray``: ``y`` mono float32 audio at the
suite's sample rate, the result a 1-D vector (functionals) or a 2-D frames x dims array
(frames). Its kind and dimension are read off one call on a fixed probe signal; an optional
``serbench_columns`` attribute names its output columns.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmark.registry import RegistryError

GROUPS = {"model": "serbench.models", "feature": "serbench.features"}
"""Entry-point group per plugin role."""


class PluginError(RegistryError):
    """A plugin name that does not resolve (one line: what was tried and why it failed)."""


class UnknownPlugin(PluginError):
    """A name that is neither an entry point nor an import path (the registry prefixes its own
    "unknown ...; did you mean" line)."""

    prefix_unknown = True


@dataclass(frozen=True)
class PluginInfo:
    """Where a plugin's code came from: what every record carries about it."""

    role: str
    """"model" or "feature"."""
    name: str
    """The name the suite used (an entry-point name or the import path itself)."""
    import_path: str
    """``package.module:attr``."""
    entry_point: str | None
    """The entry-point name when found through the group, else None."""
    distribution: str | None
    """The installed distribution the module comes from (None: not installed)."""
    version: str | None
    """That distribution's version."""
    source_sha256: str | None
    """sha256 of the module's source file when it is not from a distribution."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        origin = (f"{self.distribution} {self.version}" if self.distribution
                  else f"source sha256 {str(self.source_sha256)[:12]}")
        return f"{self.import_path} ({origin})"


@functools.cache
def entry_points(role: str) -> dict[str, metadata.EntryPoint]:
    """The entry points of ``role``'s group, by name (read once per process)."""
    found: dict[str, metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=GROUPS[role]):
        prev = found.get(ep.name)
        if prev is not None and prev.value != ep.value:
            raise PluginError(f"{role} plugin name {ep.name!r} is declared twice in "
                              f"{GROUPS[role]}: {prev.value} ({_dist_name(prev)}) and "
                              f"{ep.value} ({_dist_name(ep)}); uninstall one")
        found[ep.name] = ep
    return found


def _dist_name(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else "unknown distribution"


def builtin_clash(role: str, name: str) -> str | None:
    """The warning for an entry point named like the built-in ``name`` (None: no clash)."""
    try:
        ep = entry_points(role).get(name)
    except PluginError:
        return None
    if ep is None:
        return None
    return (f"{role} {name!r}: the built-in wins over the entry point {name} = {ep.value} of "
            f"{_dist_name(ep)} (built-in names are fixed so a suite means the same on every "
            f"machine); name the plugin by its import path {ep.value!r} to use it")


def is_import_path(name: str) -> bool:
    module, sep, attr = name.partition(":")
    return bool(sep and module and attr)


def resolve(role: str, name: str) -> tuple[Any, PluginInfo]:
    """The object ``name`` names (entry point first, then import path) and its provenance.
    Raises :class:`PluginError` with one line naming what failed."""
    ep = entry_points(role).get(name)
    if ep is not None:
        import_path, via = ep.value.replace(" ", ""), f"entry point {name!r} of {_dist_name(ep)}"
    elif is_import_path(name):
        import_path, via = name, None
    else:
        eps = ", ".join(sorted(entry_points(role))) or "none installed"
        raise UnknownPlugin(f"not an entry point of {GROUPS[role]} ({eps}) nor a "
                            "'package.module:attr' import path")
    obj = load_object(import_path, role=role, via=via)
    return obj, _info(role, name, import_path, ep)


def load_object(import_path: str, *, role: str = "plugin", via: str | None = None) -> Any:
    """Import ``package.module:attr`` (dots in attr walk attributes); one-line errors."""
    module_name, _, attr = import_path.partition(":")
    where = f"{role} {import_path!r}" + (f" ({via})" if via else "")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or module_name
        raise PluginError(f"{where}: cannot import module {module_name!r} ({type(exc).__name__}: "
                          f"{exc}); is the distribution providing {missing!r} installed in this "
                          "environment?") from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise PluginError(f"{where}: module {module_name!r} has no attribute {attr!r}") from None
    return obj


def _info(role: str, name: str, import_path: str, ep: metadata.EntryPoint | None) -> PluginInfo:
    module_name = import_path.partition(":")[0]
    dist = getattr(ep, "dist", None) if ep is not None else None
    dist_name, version = (dist.name, dist.version) if dist is not None else _distribution_of(module_name)
    return PluginInfo(role=role, name=name, import_path=import_path,
                      entry_point=name if ep is not None else None, distribution=dist_name,
                      version=version,
                      source_sha256=None if dist_name else source_sha256(module_name))


@functools.cache
def _packages() -> dict[str, list[str]]:
    return dict(metadata.packages_distributions())


def _distribution_of(module_name: str) -> tuple[str | None, str | None]:
    """(distribution, version) that installed the top-level package of ``module_name``, or
    (None, None) when it comes from a plain folder on ``sys.path``."""
    top = module_name.split(".")[0]
    dists = _packages().get(top, [])
    if len(dists) != 1:  # none, or a namespace package shared by several: not one origin
        return None, None
    try:
        return dists[0], metadata.version(dists[0])
    except metadata.PackageNotFoundError:
        return None, None


def source_sha256(module_name: str) -> str | None:
    """sha256 of an imported module's source file (None when it has none, e.g. a builtin)."""
    module = importlib.import_module(module_name)
    path = getattr(module, "__file__", None)
    if not path or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def accepts(callable_: Any, parameter: str) -> bool:
    """Whether ``callable_`` (a class: its constructor) names the keyword ``parameter`` (a bare
    ``**kwargs`` does not count: passing it there could reach code that does not expect it)."""
    try:
        params = inspect.signature(callable_).parameters
    except (TypeError, ValueError):
        return False
    p = params.get(parameter)
    return p is not None and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
