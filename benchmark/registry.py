"""One generic registry for corpora, features, models, protocols, augmentations and suites.

Entries are lazy: a target is either an object or a ``"module:attr"`` string that is imported
only when the entry is first resolved, so listing names never imports torch or xgboost.
Each entry carries free-form metadata (kind, dimension, family, ...) that listing can show
without loading the target.

A registry may also have a *resolver* for names that are not registered (plugins: entry points
and ``package.module:attr`` import paths, see :mod:`benchmark.plugins`). Resolved entries are
memoised per process and never join the registered rows: listing and iteration show the
built-in rows only, and every process resolves the same string by itself.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class RegistryError(KeyError):
    """Unknown or duplicate registry name; the message names close matches."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


@dataclass
class Entry(Generic[T]):
    name: str
    target: Any
    meta: dict[str, Any] = field(default_factory=dict)
    _loaded: Any = None

    def load(self) -> T:
        if self._loaded is None:
            self._loaded = _resolve(self.target) if isinstance(self.target, str) else self.target
        return self._loaded


def _resolve(spec: str) -> Any:
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"lazy registry target must look like 'module:attr', got {spec!r}")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


class Registry(Generic[T]):
    """A named table of lazily loaded objects of one kind (``what`` names the kind).

    ``resolver(name) -> Entry`` (optional) is asked for names that are not registered; it raises
    :class:`RegistryError` (or a subclass) with a one-line reason when it cannot resolve one.
    """

    def __init__(self, what: str, resolver: Callable[[str], Entry[T]] | None = None) -> None:
        self.what = what
        self._entries: dict[str, Entry[T]] = {}
        self._resolver = resolver
        self._resolved: dict[str, Entry[T]] = {}
        self._errors: dict[str, str] = {}

    def register(self, name: str, target: Any, **meta: Any) -> None:
        if name in self._entries:
            raise RegistryError(f"duplicate {self.what} name {name!r}")
        self._entries[name] = Entry(name, target, dict(meta))

    def add(self, name: str, **meta: Any):
        """Decorator form of :meth:`register`."""

        def deco(obj: T) -> T:
            self.register(name, obj, **meta)
            return obj

        return deco

    def entry(self, name: str) -> Entry[T]:
        found = self._entries.get(name) or self._resolved.get(name)
        if found is not None:
            return found
        if self._resolver is None:
            raise RegistryError(self.unknown_message(name))
        try:
            found = self._resolver(name)
        except RegistryError as exc:
            why = str(exc)
            if getattr(exc, "prefix_unknown", False):  # not a plugin either: hint at built-ins
                why = f"{self.unknown_message(name)}; {why}"
            self._errors[name] = why
            raise type(exc)(why) from None
        self._resolved[name] = found
        return found

    def is_builtin(self, name: str) -> bool:
        """Whether ``name`` is a registered row (not a resolved plugin)."""
        return name in self._entries

    def get(self, name: str) -> T:
        return self.entry(name).load()

    def meta(self, name: str) -> Mapping[str, Any]:
        return self.entry(name).meta

    def unknown_message(self, name: str) -> str:
        if name in self._errors:  # the resolver's own reason (bad import path, not a classifier)
            return self._errors[name]
        close = difflib.get_close_matches(name, list(self._entries), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        return f"unknown {self.what} {name!r}{hint} (known: {', '.join(sorted(self._entries))})"

    def names(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        if name in self._entries or name in self._resolved:
            return True
        if self._resolver is None or not isinstance(name, str):
            return False
        try:
            self.entry(name)
        except RegistryError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
