"""Figures for the report (PNG via matplotlib's Agg canvas, seaborn styling).

Uses ``matplotlib.figure.Figure`` directly (never pyplot), so rendering works headless and
does not touch the caller's global backend. First the headline dot plot (``compare.png``:
per system of the compare table, speaker-independent and random UA joined by a line, colour by
family), then one set of figures per corpus (and label set):
confusion matrices of the best classical and best deep system under the speaker-independent
protocol (the first whose records' protocol_info says so), UA with its corrected interval per
system and protocol, the two leaks (speaker and copy leakage), UA against cost, and the
validation-UA learning curves of the deep models (``fit_info.history``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from reports.aggregate import (
    SYSTEM_FIELDS,
    FoldOf,
    LeakPair,
    Record,
    best_by_family,
    budget_bound,
    fit_info,
    group,
    leakage_deltas,
    protocol_display,
    protocol_infos,
    protocol_row_fields,
    record_classes,
    sort_values,
    summarise_metric,
    varying,
)
from reports.compare import COMPARE_ID, CompareSplit, compare_splits, family_of
from reports.layouts import row_name
from reports.load import Run, load_predictions

DPI = 120
PALETTE = "colorblind"


@dataclass(frozen=True)
class FigureFile:
    path: Path
    title: str
    caption: str
    #: the table id whose tables the figure follows in report.md (None: the Figures section)
    table_id: str | None = None


#: height (inches) of one legend entry at fontsize 8, with matplotlib's default spacing.
LEGEND_LINE_IN = 0.2


def _colours(n: int) -> list[Any]:
    """Distinct colours: the colour-blind palette while it lasts (10), then evenly spaced hues."""
    return sns.color_palette(PALETTE if n <= 10 else "husl", n)


def _new_figure(width: float, height: float) -> tuple[Figure, Any]:
    fig = Figure(figsize=(width, height), dpi=DPI)
    with sns.axes_style("whitegrid"), sns.plotting_context("notebook", font_scale=0.9):
        ax = fig.add_subplot(1, 1, 1)
    return fig, ax


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    # no "Software" metadata so identical figures give identical bytes across versions
    fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path


def corpus_label(corpus: Any, label_set: Any) -> str:
    """'corpus' or 'corpus (label set)', as captions and summaries name a corpus."""
    return str(corpus) + (f" ({label_set})" if label_set else "")


def _stem(kind: str, corpus: Any, label_set: Any) -> str:
    parts = [kind, str(corpus)] + ([str(label_set)] if label_set else [])
    return "__".join(p.replace("/", "-").replace(" ", "-") for p in parts)


def system_label(key: Sequence[Any], fields: Sequence[str]) -> str:
    """"svm / egemaps_v02" from a system key, showing only the fields that vary."""
    shown = [str(v) for _f, v in zip(fields, key, strict=True) if v not in (None, "", "default", "none")]
    return " / ".join(shown) or "–"


# ----------------------------------------------------------------------------- confusion


def confusion_counts(run: Run, records: Sequence[Record]) -> tuple[list[str], np.ndarray, int]:
    """Summed confusion over records (rows true, cols predicted) and how many records fed it.

    Uses each record's ``confusion``; a record without one falls back to its predictions CSV.
    Records with neither are left out and counted as missing by the caller.
    """
    classes = record_classes(records)
    index = {c: i for i, c in enumerate(classes)}
    total = np.zeros((len(classes), len(classes)), dtype=float)
    used = 0
    for r in records:
        conf, cls = r.get("confusion"), r.get("classes")
        if conf and cls and len(conf) == len(cls):
            idx = [index[c] for c in cls]
            total[np.ix_(idx, idx)] += np.asarray(conf, dtype=float)
            used += 1
            continue
        rows = load_predictions(run, r["run_id"])
        if rows is None:
            continue
        for row in rows:
            for lab in (row["y_true"], row["y_pred"]):
                if lab not in index:
                    index[lab] = len(classes)
                    classes.append(lab)
                    total = np.pad(total, ((0, 1), (0, 1)))
            total[index[row["y_true"]], index[row["y_pred"]]] += 1
        used += 1
    return classes, total, used


def plot_confusion(
    classes: Sequence[str], counts: np.ndarray, title: str, path: Path
) -> Path:
    sums = counts.sum(axis=1, keepdims=True)
    norm = np.divide(counts, sums, out=np.zeros_like(counts), where=sums > 0) * 100.0
    size = 2.2 + 0.65 * len(classes)
    fig, ax = _new_figure(size + 1.2, size)
    sns.heatmap(
        norm, ax=ax, annot=True, fmt=".0f", cmap="Blues", vmin=0, vmax=100, square=True,
        xticklabels=list(classes), yticklabels=list(classes), cbar_kws={"label": "% of true class"},
        annot_kws={"fontsize": 8},
    )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    ax.tick_params(axis="x", labelrotation=45)
    ax.tick_params(axis="y", labelrotation=0)
    for lab in ax.get_xticklabels():
        lab.set_horizontalalignment("right")
    return _save(fig, path)


# --------------------------------------------------------------------------- UA per protocol


def _score_limits(series: Any, value_at: int, err_at: int) -> tuple[float, float]:
    """Axis limits around mean ± CI, never beyond 0-100 % (tiny n gives absurd t intervals)."""
    lo = min((v - e for s in series for v, e in zip(s[value_at], s[err_at], strict=True)), default=0.0)
    hi = max((v + e for s in series for v, e in zip(s[value_at], s[err_at], strict=True)), default=100.0)
    return max(0.0, lo - 2.0), min(100.0, hi + 2.0)


def _dodge(n: int, width: float = 0.7) -> np.ndarray:
    return np.zeros(1) if n == 1 else np.linspace(-width / 2, width / 2, n)


def plot_ua_by_protocol(records: Sequence[Record], title: str, path: Path, fold_of: FoldOf | None = None) -> Path:
    """Horizontal point plot: one row per system, one coloured point ± CI per protocol."""
    fields = protocol_row_fields(records)
    systems = group(records, fields)
    protocols = sort_values("protocol", (r["protocol"] for r in records))
    colours = dict(zip(protocols, _colours(len(protocols)), strict=True))
    labels = [system_label(k, fields) for k in systems]
    points: dict[Any, tuple[list[float], list[float], list[float]]] = {p: ([], [], []) for p in protocols}
    max_per_row = 1
    for i, recs in enumerate(systems.values()):
        present = [p for p in protocols if any(r["protocol"] == p for r in recs)]
        max_per_row = max(max_per_row, len(present))
        # centre the points a system has, so a single protocol sits on its label
        for p, off in zip(present, _dodge(len(present), 0.5), strict=True):
            iv = summarise_metric([r for r in recs if r["protocol"] == p], "ua", fold_of).interval
            if iv is None:
                continue
            points[p][0].append(iv.mean)
            points[p][1].append(i + off)
            points[p][2].append(iv.half_width or 0.0)
    height = 1.6 + len(systems) * (0.3 + 0.12 * max_per_row)
    width = 7.5 + 0.075 * max(len(s) for s in labels)
    fig, ax = _new_figure(width, height)
    for p in protocols:
        xs, ys, errs = points[p]
        ax.errorbar(xs, ys, xerr=errs, fmt="o", ms=5, capsize=3, color=colours[p],
                    label=protocol_display(p, records))
    ax.set_xlim(*_score_limits(points.values(), 0, 2))
    ax.set_yticks(range(len(systems)))
    ax.set_yticklabels(labels)
    ax.set_ylim(len(systems) - 0.5, -0.5)  # first system on top, as in the tables
    ax.set_xlabel("UA (%): fold mean ± 95 % corrected resampled t interval")
    ax.set_title(title, fontsize=10)
    ax.legend(title="protocol", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    return _save(fig, path)


# --------------------------------------------------------------------------------- compare

COMPARE_FILE = "compare.png"
#: vertical offset (rows) of the interval bars from the row of their means
INTERVAL_OFFSET = 0.2
FAMILY_COLOURS = {"classical": 0, "deep": 1}


def plot_compare(splits: Sequence[CompareSplit], path: Path) -> Path:
    """Dot plot of the compare table: one row per system (sorted as the table, by clean UA),
    the speaker-independent UA (filled circle) and the random UA (open diamond) joined by a
    line, ± interval as thin bars, colour by family; one panel per corpus."""
    panels = [cs for cs in splits if cs.rows]
    palette = _colours(3)
    heights = [1.0 + 0.38 * len(cs.rows) for cs in panels]
    width = 7.5 + 0.075 * max(len(row_name(r)) for cs in panels for r in cs.rows)
    fig = Figure(figsize=(width, sum(heights) + 0.4), dpi=DPI)
    with sns.axes_style("whitegrid"), sns.plotting_context("notebook", font_scale=0.85):
        grid = fig.add_gridspec(len(panels), 1, height_ratios=heights)
        axes = [fig.add_subplot(grid[i, 0]) for i in range(len(panels))]
    lo, hi = 100.0, 0.0
    for ax, cs in zip(axes, panels, strict=True):
        clean = cs.clean[0] if cs.clean else None
        random = cs.random[0] if cs.random else None
        for i, (row, c, r) in enumerate(zip(cs.rows, cs.clean_ua, cs.random_ua, strict=True)):
            colour = palette[FAMILY_COLOURS.get(family_of(row), 2)]
            ivs = [iv for iv in (c.interval if c else None, r.interval if r else None) if iv is not None]
            if len(ivs) == 2:
                ax.plot([ivs[0].mean, ivs[1].mean], [i, i], color=colour, lw=1.5, alpha=0.7, zorder=1)
            for iv, marker, face, dy in ((c.interval if c else None, "o", colour, -INTERVAL_OFFSET),
                                         (r.interval if r else None, "D", "white", INTERVAL_OFFSET)):
                if iv is None:
                    continue
                err = iv.half_width or 0.0
                lo, hi = min(lo, iv.mean - err), max(hi, iv.mean + err)
                # the interval sits just above (speaker-independent) or below (random) the row,
                # so the line joining the two means stays readable
                if err:
                    ax.errorbar([iv.mean], [i + dy], xerr=[err], fmt="none", ecolor=colour,
                                elinewidth=0.9, alpha=0.45, capsize=2, zorder=1)
                ax.plot([iv.mean], [i], marker=marker, ms=7, mfc=face, mec=colour, mew=1.5, ls="",
                        zorder=3)
        ax.set_yticks(range(len(cs.rows)))
        ax.set_yticklabels([row_name(r) for r in cs.rows], fontsize=8)
        ax.set_ylim(len(cs.rows) - 0.5, -0.5)  # highest clean UA on top, as in the table
        ax.set_title(f"{corpus_label(cs.split.get('corpus'), cs.split.get('label_set'))}: "
                     f"{clean or '–'} (circles) vs {random or '–'} (diamonds)", fontsize=9)
    for ax in axes:
        ax.set_xlim(max(0.0, lo - 2.0), min(100.0, hi + 2.0))
    axes[-1].set_xlabel("UA (%): fold mean ± 95 % corrected resampled t interval")
    handles = [
        Line2D([], [], ls="", marker="s", ms=7, color=palette[0], label="classical"),
        Line2D([], [], ls="", marker="s", ms=7, color=palette[1], label="deep"),
        Line2D([], [], ls="", marker="o", ms=6, mfc="grey", mec="grey", label="speaker-independent"),
        Line2D([], [], ls="", marker="D", ms=6, mfc="white", mec="grey", label="random"),
    ]
    axes[0].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
                   fontsize=8)
    return _save(fig, path)


def compare_figure(run: Run, out_dir: Path, fold_of: FoldOf | None = None) -> FigureFile | None:
    """figures/compare.png for the records tagged ``compare``; None when there are none."""
    recs = [r for r in run.ok if COMPARE_ID in (r.get("tables") or ())]
    splits = [cs for cs in compare_splits(recs, fold_of) if cs.rows]
    if not splits:
        return None
    path = plot_compare(splits, out_dir / COMPARE_FILE)
    where = "; ".join(
        f"{corpus_label(cs.split.get('corpus'), cs.split.get('label_set'))}: "
        f"{cs.clean[0] if cs.clean else '–'} vs {cs.random[0] if cs.random else '–'}" for cs in splits)
    return FigureFile(
        path, "Compare: speaker-independent vs random protocol per system",
        "One row per system of the compare table, in its order (fold-mean UA under the "
        "speaker-independent protocol, highest first): filled circle = speaker-independent "
        "protocol, open diamond = random protocol, joined by a line whose length is the gap; "
        "colour = family (classical, deep); thin bars just above (speaker-independent) and below "
        "(random) each row = 95 % corrected resampled t interval over the fold test sets (Nadeau & "
        f"Bengio 2003). {where}.",
        table_id=COMPARE_ID,
    )


# ------------------------------------------------------------------------------- inflation


def _pair_label(pair: LeakPair) -> str:
    aug = f" (+{pair.minuend.augmentation})" if pair.minuend.augmented else ""
    return f"{pair.kind} leakage{aug}: {pair.minuend.protocol} − {pair.subtrahend.protocol}"


def inflation_values(
    records: Sequence[Record], fold_of: FoldOf | None = None
) -> tuple[list[str], dict[str, dict[str, float]]]:
    """(Δ names, {system label: {Δ name: pts}}): speaker and copy leakage per system."""
    fields, found = leakage_deltas(records, fold_of)
    names = [_pair_label(p) for p, _ in found]
    out: dict[str, dict[str, float]] = {}
    for (_pair, deltas), name in zip(found, names, strict=True):
        for key, d in deltas.items():
            out.setdefault(system_label(key, fields), {})[name] = d
    return names, out


def plot_inflation(others: Sequence[str], deltas: dict[str, dict[str, float]], title: str, path: Path) -> Path:
    labels = list(deltas)
    colours = _colours(len(others) + 1)[1:]
    bar_h = 0.8 / len(others)
    offsets = _dodge(len(others), 0.8 - bar_h)
    height = 1.6 + len(labels) * (0.3 + 0.15 * len(others))
    width = 7.5 + 0.075 * max(len(s) for s in labels)
    fig, ax = _new_figure(width, height)
    for j, p in enumerate(others):
        ys = [i + offsets[j] for i, lab in enumerate(labels) if p in deltas[lab]]
        xs = [deltas[lab][p] for lab in labels if p in deltas[lab]]
        ax.barh(ys, xs, height=bar_h, color=colours[j], label=p)
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel("UA inflation (percentage points of fold-mean UA)")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    return _save(fig, path)


# ------------------------------------------------------------------------- learning curves


def _curve(rec: Record) -> tuple[list[float], list[float]] | None:
    """(epochs, validation UA %) from ``fit_info.history``; None without val_ua."""
    history = fit_info(rec).get("history")
    if not isinstance(history, list):
        return None
    xs, ys = [], []
    for i, row in enumerate(history, start=1):
        if isinstance(row, dict) and isinstance(row.get("val_ua"), int | float):
            xs.append(float(row.get("epoch", i)))
            ys.append(100.0 * float(row["val_ua"]))
    return (xs, ys) if xs else None


def learning_curves(records: Sequence[Record]) -> dict[str, list[tuple[Record, list[float], list[float]]]]:
    """Deep system label -> [(record, epochs, val UA)] for records with a validation curve."""
    deep = [r for r in records if r.get("family") == "deep"]
    fields = ["model"] + [f for f in varying(deep, SYSTEM_FIELDS) if f != "model"]
    out: dict[str, list[tuple[Record, list[float], list[float]]]] = {}
    for key, recs in group(deep, fields).items():
        curves = []
        for r in sorted(recs, key=lambda r: (str(r.get("seed")), str(r.get("fold")))):
            c = _curve(r)
            if c is not None:
                curves.append((r, *c))
        if curves:
            out[system_label(key, fields)] = curves
    return out


def plot_learning_curves(
    curves: dict[str, list[tuple[Record, list[float], list[float]]]], title: str, path: Path,
) -> Path:
    """One panel per deep system: validation UA per epoch, one thin line per (fold, seed); a
    dot marks the best epoch; a panel title ending in § has a budget-bound fold."""
    n = len(curves)
    ncols = min(3, n)
    nrows = (n + ncols - 1) // ncols
    fig = Figure(figsize=(3.6 * ncols, 2.6 * nrows + 0.6), dpi=DPI)
    with sns.axes_style("whitegrid"), sns.plotting_context("notebook", font_scale=0.75):
        axes = [fig.add_subplot(nrows, ncols, i + 1) for i in range(n)]
    colour = _colours(1)[0]
    for ax, (label, items) in zip(axes, curves.items(), strict=True):
        bound = any(budget_bound(r) for r, _x, _y in items)
        for r, xs, ys in items:
            ax.plot(xs, ys, lw=0.8, alpha=0.6, color=colour)
            best = fit_info(r).get("best_epoch", r.get("best_epoch"))
            if isinstance(best, int) and best in xs:
                ax.plot([best], [ys[xs.index(best)]], "o", ms=3, color="black")
        ax.set_title(label + (" §" if bound else ""), fontsize=8)
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_ylabel("validation UA (%)", fontsize=8)
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)


# ------------------------------------------------------------------------------------ cost


def plot_cost(records: Sequence[Record], cost: str, title: str, path: Path,
              fold_of: FoldOf | None = None) -> Path | None:
    """UA (± CI) against mean ``cost`` (fit_s or n_params) per system, log x; None if no cost."""
    fields = ["model"] + [f for f in varying(records, SYSTEM_FIELDS) if f != "model"]
    points = []
    for key, recs in group(records, fields).items():
        c = summarise_metric(recs, cost, fold_of).interval
        u = summarise_metric(recs, "ua", fold_of).interval
        if c is None or u is None or c.mean <= 0:
            continue
        fam = next((r.get("family") for r in recs if r.get("family")), None)
        points.append((system_label(key, fields), fam, c.mean, u.mean, u.half_width or 0.0))
    if len(points) < 2:
        return None  # one point says nothing about a trade-off
    colours = _colours(len(points))
    markers = {"classical": "s", "deep": "o"}
    # the legend holds one line per system beside the axes: the figure must be tall enough for it
    height = max(4.5, LEGEND_LINE_IN * len(points) + 1.0)
    fig, ax = _new_figure(7.5 + 0.05 * max(len(p[0]) for p in points), height)
    for (label, fam, x, y, e), col in zip(points, colours, strict=True):
        ax.errorbar([x], [y], yerr=[e], fmt=markers.get(str(fam), "D"), ms=7, capsize=3,
                    elinewidth=1.0, alpha=0.85, color=col, label=f"{label} ({fam})" if fam else label)
    ax.set_ylim(*_score_limits([([p[3] for p in points], [p[4] for p in points])], 0, 1))
    ax.set_xscale("log")
    ax.set_xlabel("mean fit time per fold (s, log scale)" if cost == "fit_s" else "parameters (log scale)")
    ax.set_ylabel("UA (%)")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    return _save(fig, path)


# ------------------------------------------------------------------------------------- all


def _clean_protocol(records: Sequence[Record]) -> Any:
    """The first protocol (display order) whose records say speaker_independent."""
    infos = protocol_infos(records)
    protocols = sort_values("protocol", (r["protocol"] for r in records))
    return next((p for p in protocols if infos.get(p) is not None and infos[p].speaker_independent), None)


def render_figures(run: Run, out_dir: Path, fold_of: FoldOf | None = None) -> list[FigureFile]:
    """Write every figure for ``run`` into ``out_dir`` (stale PNGs removed first)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for f in sorted(out_dir.glob("*.png")):
        f.unlink()
    figs: list[FigureFile] = []
    headline = compare_figure(run, out_dir, fold_of)
    if headline is not None:
        figs.append(headline)
    for (corpus, label_set), recs in group(run.ok, ("corpus", "label_set")).items():
        where = corpus_label(corpus, label_set)
        protocols = sort_values("protocol", (r["protocol"] for r in recs))
        ref = _clean_protocol(recs)
        # confusion and cost use one protocol; say which when no speaker-independent one ran
        cm_protocol = ref or protocols[0]
        note = "" if ref else " (no speaker-independent protocol in this run)"
        ref_recs = [r for r in recs if r["protocol"] == cm_protocol]
        systems = group(ref_recs, SYSTEM_FIELDS)
        for fam, (key, _summary) in best_by_family(ref_recs, fold_of).items():
            brecs = systems[key]
            classes, counts, used = confusion_counts(run, brecs)
            if used == 0 or not classes:
                continue
            name = " / ".join(str(v) for v in key if v not in (None, "none", "default"))
            path = plot_confusion(
                classes, counts, f"{name}\n{where}, {cm_protocol}{note}",
                out_dir / f"{_stem('confusion_' + fam, corpus, label_set)}.png",
            )
            figs.append(FigureFile(
                path, f"Confusion matrix, best {fam} system ({name}), {where}",
                f"Row-normalised confusion matrix (% of each true class) of the best inductive {fam} "
                f"system by fold-mean UA (chosen on test results, descriptive), {where}, "
                f"{cm_protocol}{note}; summed over {used} of {len(brecs)} (fold, seed) records.",
            ))
        path = plot_ua_by_protocol(recs, f"UA by system and protocol — {where}",
                                   out_dir / f"{_stem('ua_by_protocol', corpus, label_set)}.png", fold_of)
        figs.append(FigureFile(path, f"UA by system and protocol, {where}",
                               f"Fold-mean UA per system and protocol, {where}, ± 95 % corrected resampled t "
                               "interval over the fold test sets (Nadeau & Bengio 2003; axis limited to 0–100 %)."))
        names, deltas = inflation_values(recs, fold_of)
        if deltas:
            path = plot_inflation(names, deltas, f"Protocol leakage — {where}",
                                  out_dir / f"{_stem('inflation', corpus, label_set)}.png")
            figs.append(FigureFile(path, f"Protocol leakage, {where}",
                                   "Speaker leakage (random minus speaker-independent protocol, same "
                                   "augmentation applied to training only) and copy leakage (augment-then-split "
                                   "minus the random protocol with training-only augmentation), differences of "
                                   f"fold-mean UA in percentage points, {where}."))
        for cost in ("fit_s", "n_params"):
            path = plot_cost(ref_recs, cost, f"UA vs cost — {where}, {cm_protocol}{note}",
                             out_dir / f"{_stem('cost_' + cost, corpus, label_set)}.png", fold_of)
            if path is not None:
                figs.append(FigureFile(path, f"UA vs {cost}, {where}",
                                       f"Fold-mean UA (± 95 % corrected resampled t interval) against mean "
                                       f"{'fit time per fold' if cost == 'fit_s' else 'parameter count'} "
                                       f"(log scale), {where}, {cm_protocol}{note}; squares classical, circles deep; "
                                       "systems without that cost are not shown."))
        for protocol in protocols:
            curves = learning_curves([r for r in recs if r["protocol"] == protocol])
            if not curves:
                continue
            path = plot_learning_curves(curves, f"Validation UA per epoch — {where}, {protocol}",
                                        out_dir / f"{_stem('curves_' + str(protocol), corpus, label_set)}.png")
            figs.append(FigureFile(path, f"Learning curves, {where}, {protocol}",
                                   f"Validation UA per epoch (fit_info.history) of each deep system, {where}, "
                                   f"{protocol}: one thin line per (fold, seed), a dot at the best epoch; "
                                   "§ after a panel title: budget-bound in at least one fold (the best epoch "
                                   "was the last allowed, still improving when stopped)."))
    return figs
