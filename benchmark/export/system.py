"""Which system of a run to export: parse ``MODEL/FEATURES[/VARIANT[/AUGMENTATION]]``, pick its
records (corpus, protocol, seed) and summarise the cross-validated UA the run measured for it.

The UA and its interval are the report's own numbers: :func:`reports.aggregate.summarise_metric`
over the system's ok records of one corpus and protocol (every seed), with the run's fold files,
so ``model.json`` states exactly what the report's table shows for that row.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmark.export import ExportError

FIELDS = ("model", "features", "variant", "augmentation")


@dataclass(frozen=True)
class Selection:
    """One system of a run, on one corpus and protocol, and the records behind its row."""

    model: str
    features: str
    variant: str
    augmentation: str
    corpus: str
    protocol: str
    seed: int
    records: tuple[dict[str, Any], ...]
    """The system's ok records of ``corpus`` and ``protocol`` (every seed)."""

    @property
    def name(self) -> str:
        return "/".join((self.model, self.features, self.variant, self.augmentation))


def system_name(rec: Mapping[str, Any]) -> str:
    return "/".join(str(rec.get(f)) for f in FIELDS)


def _choose(what: str, values: Sequence[Any], given: Any, flag: str, system: str) -> Any:
    values = sorted(set(values), key=str)
    if given is not None:
        if given not in values:
            raise ExportError(f"{system}: no ok record with {what} {given!r}; the run has "
                              f"{', '.join(map(str, values))}")
        return given
    if len(values) == 1:
        return values[0]
    raise ExportError(f"{system} ran with several {what}s ({', '.join(map(str, values))}); "
                      f"choose one with {flag}")


def select(records: Sequence[Mapping[str, Any]], system: str, *, corpus: str | None = None,
           protocol: str | None = None, seed: int | None = None) -> Selection:
    """The records of ``system`` in a run; unknown names fail with "did you mean" and the list."""
    ok = [dict(r) for r in records if r.get("status") == "ok"]
    known = sorted({system_name(r) for r in ok})
    parts = system.split("/")
    if not 2 <= len(parts) <= 4 or not all(parts):
        raise ExportError(f"--system {system!r}: expected MODEL/FEATURES[/VARIANT[/AUGMENTATION]]; "
                          f"this run holds: {', '.join(known) or 'no ok record'}")
    wanted = dict(zip(FIELDS, parts, strict=False))
    mine = [r for r in ok if all(str(r.get(k)) == v for k, v in wanted.items())]
    if not mine:
        close = difflib.get_close_matches(system, known, n=3, cutoff=0.4)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ExportError(f"--system {system}: not a system of this run with an ok record; {hint}"
                          f"the run holds: {', '.join(known) or 'none'}")
    for field in FIELDS[len(parts):]:  # an omitted variant or augmentation must be unambiguous
        values = sorted({str(r.get(field)) for r in mine})
        if len(values) > 1:
            raise ExportError(f"--system {system}: the run holds several {field}s for it; name one: "
                              + ", ".join(sorted({system_name(r) for r in mine})))
    name = system_name(mine[0])
    chosen_corpus = _choose("corpus", [r["corpus"] for r in mine], corpus, "--corpus", name)
    mine = [r for r in mine if r["corpus"] == chosen_corpus]
    chosen_protocol = protocol if protocol is not None else _honest_protocol(mine)
    chosen_protocol = _choose("protocol", [r["protocol"] for r in mine], chosen_protocol,
                              "--protocol", name)
    mine = [r for r in mine if r["protocol"] == chosen_protocol]
    if _flags(mine[0]).get("leaky"):
        raise ExportError(f"{name}: protocol {chosen_protocol} is the leaky one (its UA is inflated "
                          "by copies of test utterances in training); export from an honest protocol")
    chosen_seed = seed if seed is not None else min(int(r["seed"]) for r in mine)
    _choose("seed", [int(r["seed"]) for r in mine], chosen_seed, "--seed", name)
    first = mine[0]
    return Selection(str(first["model"]), str(first["features"]), str(first["variant"]),
                     str(first["augmentation"]), str(chosen_corpus), str(chosen_protocol),
                     int(chosen_seed), tuple(mine))


def _flags(rec: Mapping[str, Any]) -> dict[str, Any]:
    info = rec.get("protocol_info")
    return dict(info) if isinstance(info, Mapping) else {}


def _honest_protocol(records: Sequence[Mapping[str, Any]]) -> str | None:
    """The one speaker-independent, non-leaky protocol among several (its UA is the estimate a
    new speaker can expect); None when there is no single such protocol."""
    protocols = {r["protocol"] for r in records}
    if len(protocols) == 1:
        return None
    honest = sorted({r["protocol"] for r in records
                     if _flags(r).get("speaker_independent") and not _flags(r).get("leaky")})
    if len(honest) != 1:
        return None
    print(f"export: protocol {honest[0]} (the run's only speaker-independent one; "
          "--protocol chooses another)", file=sys.stderr)
    return honest[0]


def cross_validated_ua(run: Any, selection: Selection) -> dict[str, Any]:
    """The report's UA for this row: mean and 95 % corrected resampled t interval over test sets
    (:class:`reports.stats.Interval`), in percent, with what it was computed from."""
    from reports.aggregate import METRICS, summarise_metric
    from reports.stats import ALPHA

    summary = summarise_metric(selection.records, "ua", run.fold_of)
    interval = summary.interval
    if interval is None:
        raise ExportError(f"{selection.name}: its records hold no UA")
    ratio, ratio_source = summary.ratio
    scale = METRICS["ua"].scale
    flags = _flags(selection.records[0])
    return {
        "metric": "ua",
        "unit": "percent" if scale == 100 else f"x{scale}",
        "mean": interval.mean,
        "ci95_half_width": interval.half_width,
        "ci95": (None if interval.half_width is None else
                 [interval.mean - interval.half_width, interval.mean + interval.half_width]),
        "interval": (f"{100 * (1 - ALPHA):.0f} % corrected resampled t over {interval.n} test "
                     f"set(s) (n_test/n_train = {ratio if ratio is None else round(ratio, 4)} "
                     f"from {ratio_source}), as in the run's report"),
        "n_test_sets": interval.n,
        "n_records": interval.n_records,
        "seeds": summary.seeds,
        "corpus": selection.corpus,
        "protocol": selection.protocol,
        "speaker_independent": bool(flags.get("speaker_independent")),
        "run_ids": sorted(summary.run_ids.values()),
    }
