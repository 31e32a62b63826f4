"""Corpus loader options: validated by name, converted from the strings a command line gives.

Every loader is ``load(root, **options)``; its keyword parameters *are* its documented options
(e.g. the CSV loader's ``keep_unknown_labels``, ``ignore_extra_columns``; every loader's
``label_set`` and ``probe``). :func:`check_options` refuses unknown names with a did-you-mean
and the list of accepted ones, and converts string values by the parameter's annotation:
``bool`` from true/false/yes/no/on/off/1/0, ``int`` and ``float`` by value (``none`` for an
optional one); everything else stays a string. Values that are not strings (from Python
callers or TOML) pass through unchanged.

A fusion spec's options (``label_set``, ``labels``, dotted ``member.key`` entries) are read by
:func:`benchmark.datasets.fusion.fusion_options`, which uses the checks here.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from benchmark.datasets.base import CorpusError

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def parse_option_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``["key=value", ...]`` (``--corpus-option``, repeatable) -> dict; one clear error each
    for a pair without ``=``, an empty key or a key given twice."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise CorpusError(f"corpus option {pair!r}: expected KEY=VALUE, e.g. label_set=ravdess7")
        if key in out:
            raise CorpusError(f"corpus option {key!r} given twice ({out[key]!r} and {value.strip()!r})")
        out[key] = value.strip()
    return out


def accepted_options(loader: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    """The keyword options of a loader ``load(root, **options)`` (its parameters after root)."""
    params = list(inspect.signature(loader).parameters.values())[1:]
    return {p.name: p for p in params
            if p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)}


def _kinds(annotation: Any) -> set[str]:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    return {t.strip() for t in text.split("|")}


def _convert(name: str, key: str, value: Any, param: inspect.Parameter) -> Any:
    if not isinstance(value, str):
        return value
    kinds = _kinds(param.annotation)
    low = value.strip().lower()
    if "bool" in kinds:
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise CorpusError(f"{name}: option {key} expects true/false, got {value!r}")
    for kind, cast, what in (("int", int, "an integer"), ("float", float, "a number")):
        if kind in kinds and "str" not in kinds:
            if low == "none" and "None" in kinds:
                return None
            try:
                return cast(value)
            except ValueError:
                raise CorpusError(f"{name}: option {key} expects {what}, got {value!r}") from None
    return value


def check_options(name: str, loader: Callable[..., Any], options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` validated against ``loader``'s parameters and converted (see module doc)."""
    accepted = accepted_options(loader)
    out = {}
    for key, value in options.items():
        if key not in accepted:
            close = difflib.get_close_matches(key, list(accepted), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise CorpusError(f"{name}: unknown option {key!r}{hint}; {name} accepts: "
                              f"{', '.join(sorted(accepted))}")
        out[key] = _convert(name, key, value, accepted[key])
    return out


def label_sets_of(spec: str) -> list[str]:
    """Named label sets a corpus spec accepts (sorted; [] for corpora with a single set). For a
    fusion: its fused sets plus every member's."""
    from benchmark.datasets import FUSION_PREFIX
    from benchmark.datasets.labels import FUSION_LABEL_SETS, LABEL_SETS

    if spec.startswith(FUSION_PREFIX):
        names = set(FUSION_LABEL_SETS)
        for m in spec[len(FUSION_PREFIX):].split("+"):
            names |= set(LABEL_SETS.get(m, {}))
        return sorted(names)
    return sorted(LABEL_SETS.get(spec, {}))


def label_set_applies(spec: str, label_set: str) -> bool:
    """Whether ``label_set`` is one of ``spec``'s named label sets, i.e. whether a runner should
    pass a suite's ``label_set`` to this corpus (replaces "has several label sets": a RAVDESS
    corpus must not receive IEMOCAP's iemocap4)."""
    return label_set in label_sets_of(spec)
