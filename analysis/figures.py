"""The figures. Each plot_* function takes loaded `Results` and returns a `Figure` result holding the
matplotlib figure and the plotted numbers (`data`), so tests and scripts can check what is drawn.
`save` writes a figure as PNG and PDF.

Figures use matplotlib's object API (no pyplot, no global figure state), so they work with any
backend and never open a window.
"""
from __future__ import annotations

import os
import re
import textwrap
from contextlib import contextmanager
from dataclasses import dataclass, field

import matplotlib
import matplotlib.patches
import numpy as np
from matplotlib.figure import Figure as MplFigure
from matplotlib.lines import Line2D
from matplotlib.ticker import EngFormatter
from matplotlib.transforms import Bbox
from matplotlib.backends.backend_agg import FigureCanvasAgg

from .results import AnalysisError, Point, Results, budget_value, kind_label, short_key

STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8.5,
    "legend.framealpha": 0.9,
    "figure.titlesize": 12,
    "axes.grid": True,
    "grid.alpha": 0.35,
    "grid.linestyle": ":",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 150,
    "pdf.fonttype": 42,  # TrueType in the PDF: text stays text
    "ps.fonttype": 42,
}

FORMATS = ("png", "pdf")

ENERGY_COMPONENTS = (
    ("energy_pe_compute_pj", "PE compute"),
    ("energy_pe_clock_pj", "PE clock"),
    ("energy_encoder_pj", "HESE encoder"),
    ("energy_comparator_pj", "term comparator"),
    ("energy_sram_pj", "SRAM"),
    ("energy_dram_pj", "DRAM"),
)
ENERGY_COLORS = ("#1f77b4", "#aec7e8", "#2ca02c", "#98df8a", "#ff7f0e", "#d62728")

WEIGHT_BUDGET = "operands.weights.budget"
NETWORK_KEYS = ("trace",)  # keys whose effect is the network, shown by its name instead
DATA_BUDGET = "operands.data.budget"


@dataclass
class Figure:
    name: str  # file stem, e.g. "budget"
    fig: MplFigure
    data: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)  # messages for the user (what was skipped, chosen)


@contextmanager
def style():
    with matplotlib.rc_context(STYLE):
        yield


def save(figure: Figure, outdir: str) -> list:
    """Writes <outdir>/<name>.png and .pdf; returns the paths."""
    os.makedirs(outdir, exist_ok=True)
    paths = []
    with style():
        for ext in FORMATS:
            p = os.path.join(outdir, f"{figure.name}.{ext}")
            figure.fig.savefig(p, bbox_inches="tight", pad_inches=0.08)
            paths.append(p)
    return paths


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", str(text)).strip("_") or "x"


# --------------------------------------------------------------------------------------------------
# Helpers


def _new_figure(w, h) -> MplFigure:
    with style():
        return MplFigure(figsize=(w, h), layout="constrained")


def _colors(n):
    cmap = matplotlib.colormaps["tab10"] if n <= 10 else matplotlib.colormaps["tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _unique(values):
    return list(dict.fromkeys(values))


def _common(points, key):
    """The value of key shared by all points, or None when they differ."""
    vals = _unique(str(p.get(key)) for p in points)
    return vals[0] if len(vals) == 1 and vals[0] != "None" else None


def _group_text(points, key, fmt):
    v = _common(points, key)
    return fmt.format(v) if v is not None else ""


def _label(parts: tuple) -> str:
    return ", ".join(f"{short_key(k)}={v}" if k != "network" else str(v) for k, v in parts)


def _numeric_positions(values):
    """Maps budget texts to x positions: numbers where they are, 'none' (no budget) one step right
    of the largest. Returns (positions dict text -> x, ticks, tick labels)."""
    nums = sorted({budget_value(v) for v in values if isinstance(budget_value(v), (int, float))})
    has_none = any(budget_value(v) is None for v in values)
    others = sorted({str(v) for v in values if not isinstance(budget_value(v), (int, float, type(None)))})
    pos = {}
    for v in values:
        b = budget_value(v)
        if isinstance(b, (int, float)):
            pos[v] = float(b)
    step = 1.0
    if len(nums) > 1:
        step = max(1.0, float(np.min(np.diff(nums))))
    nxt = (nums[-1] if nums else 0.0) + step * (1.5 if nums else 1.0)
    if has_none:
        for v in values:
            if budget_value(v) is None:
                pos[v] = nxt
        none_x = nxt
        nxt += step
    for o in others:  # categorical leftovers (should not happen for budgets)
        for v in values:
            if str(v) == o:
                pos[v] = nxt
        nxt += step
    ticks, labels = [], []
    if len(nums) <= 20:
        ticks += [float(n) for n in nums]
        labels += [str(n) for n in nums]
    if has_none:
        ticks.append(none_x)
        labels.append("none")
    for o in others:
        ticks.append(pos[next(v for v in values if str(v) == o)])
        labels.append(o)
    return pos, ticks, labels, (len(nums) > 20)


_LABEL_SPOTS = (  # offset (points) and alignment of a point label, in order of preference
    (5, 4, "left", "bottom"), (5, -4, "left", "top"), (-5, 4, "right", "bottom"), (-5, -4, "right", "top"),
    (7, 0, "left", "center"), (-7, 0, "right", "center"), (0, 7, "center", "bottom"), (0, -7, "center", "top"),
    (12, 10, "left", "bottom"), (-12, -10, "right", "top"), (12, -10, "left", "top"), (-12, 10, "right", "bottom"),
)


def _place_labels(fig, labels, obstacles, fontsize=7.5):
    """Annotates points (ax, x, y, text, color) without overlapping each other or the plotted
    markers (obstacles: (ax, x, y)) where possible: each label takes the first free spot of
    _LABEL_SPOTS around its point, else the least crowded one. Runs after the figure is complete
    (it lays the figure out once to know where things are drawn)."""
    if not labels:
        return
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    with style():
        canvas.draw()
    renderer = canvas.get_renderer()
    r = 3.5 * fig.dpi / 72.0  # marker half-size in pixels
    marks = {}
    for ax, x, y in obstacles:
        if np.isfinite(x) and np.isfinite(y):
            px, py = ax.transData.transform((x, y))
            marks.setdefault(ax, []).append(Bbox.from_extents(px - r, py - r, px + r, py + r))
    placed = {}
    for ax, x, y, text, color in labels:
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        axbox = ax.get_window_extent(renderer)
        best = None
        for dx, dy, ha, va in _LABEL_SPOTS:
            a = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                            fontsize=fontsize, color=color, zorder=6,
                            bbox=dict(boxstyle="square,pad=0.05", fc="white", ec="none", alpha=0.75))
            bb = a.get_window_extent(renderer)
            crowd = sum(bb.overlaps(b) for b in placed.get(ax, []) + marks.get(ax, []))
            outside = not (axbox.x0 <= bb.x0 and bb.x1 <= axbox.x1 and axbox.y0 <= bb.y0 and bb.y1 <= axbox.y1)
            score = crowd + (0.5 if outside else 0.0)
            if best is None or score < best[0]:
                if best is not None:
                    best[1].remove()
                best = (score, a, bb)
            else:
                a.remove()
            if score == 0:
                break
        placed.setdefault(ax, []).append(best[2])


def _suptitle(fig, text: str, fontsize: float = 12.0):
    """A figure title wrapped to the figure's width (so it is never cut off)."""
    width_chars = max(30, int(fig.get_figwidth() * 72 / (fontsize * 0.56)))
    lines = []
    for part in text.split("\n"):
        lines += textwrap.wrap(part, width_chars, break_on_hyphens=False) or [""]
    fig.suptitle("\n".join(lines), fontsize=fontsize)


def _pct(share: float) -> str:
    if share == 0:
        return "0%"
    if share < 0.1:
        return f"{share:.2g}%"
    return f"{share:.1f}%"


def _maybe_log(ax, values, axis="y", ratio=30.0):
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    if len(v) and np.all(v > 0) and v.max() / v.min() > ratio:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
        return True
    return False


def _array_text(points) -> str:
    """'32×32 array' when every point has the same array size, else ''."""
    r, c = _common(points, "array.rows"), _common(points, "array.cols")
    return f"{r}\u00d7{c} array" if (r and c) else ""


def _need_points(res: Results, what: str, min_points=1):
    ok = res.ok_points()
    if len(ok) < min_points:
        raise AnalysisError(f"{res.name}: {what} needs at least {min_points} successful point(s), "
                            f"found {len(ok)}" + (" (use a sweep file or several run files)" if res.kind == "run" else ""))
    return ok


# --------------------------------------------------------------------------------------------------
# Groupings shared by the figures


def _dependent_keys(points, x_key, keys):
    """The budget keys (of `keys`) that vary over `points` but are fixed by the value of x_key, as
    in a zipped sweep (weight budget 4, 8, 12 with data budget 1, 2, 3): they move along a curve
    with x instead of making curves of their own. Other keys (encodings, sizes) always make their
    own curves."""
    out = []
    for k in keys:
        if not k.endswith(".budget"):
            continue
        seen = {}
        if all(seen.setdefault(str(p.get(x_key)), str(p.get(k))) == str(p.get(k)) for p in points) \
                and len(set(seen.values())) > 1:
            out.append(k)
    return out


def _reference_groups(res: Results, points):
    """Non-TR points (mac, stripes, ...) grouped into reference designs: by kind and, for kinds other
    than mac, by the swept keys that vary among that kind's points (budgets never apply to them).
    Returns [(label, [points])], INT8 MAC first."""
    keys = [k for k in res.swept_keys if k != "pe.kind" and not k.endswith(".budget") and k not in NETWORK_KEYS]
    groups = {}
    for p in points:
        if p.is_tr:
            continue
        kpts = [q for q in points if q.pe_kind == p.pe_kind]
        varying = [] if p.is_baseline else [k for k in keys if len(_unique(str(q.get(k)) for q in kpts)) > 1]
        gk = (p.pe_kind,) + tuple((k, p.get(k)) for k in varying)
        groups.setdefault(gk, []).append(p)
    out = []
    for gk, pts in sorted(groups.items(), key=lambda kv: (kv[0][0] != "mac", kv[1][0].index)):
        label = kind_label(gk[0]) + (" baseline" if gk[0] == "mac" else "")
        if len(gk) > 1:
            label += f" ({_label(gk[1:])})"
        out.append((label, pts))
    return out


_REF_STYLES = (("black", (6, 3)), ("#8c564b", (2, 2)), ("#7f7f7f", (6, 2, 2, 2)), ("#9467bd", (10, 3)),
               ("#bcbd22", (4, 2)), ("#17becf", (1, 2)), ("#e377c2", (8, 2, 1, 2)))


def _ref_style(i):
    return _REF_STYLES[i % len(_REF_STYLES)]


def _budget_text(p: Point, keys=(WEIGHT_BUDGET, DATA_BUDGET)) -> str:
    """Compact point label: the kind for non-TR points ('INT8' for the MAC baseline), else e.g.
    'w12/d3' (weight/data budgets) followed by the values of the other keys given (equal
    neighbours once, e.g. 'wnone/dnone/binary' for binary weights and data)."""
    if not p.is_tr:
        return "INT8" if p.is_baseline else p.kind_label
    parts = []
    for k in keys:
        v = p.get(k)
        if k == WEIGHT_BUDGET:
            parts.append(f"w{v}")
        elif k == DATA_BUDGET:
            parts.append(f"d{v}")
        elif not parts or parts[-1] != str(v):
            parts.append(str(v))
    return "/".join(parts)


def _along_key(points):
    """The budget that varies along a curve: the weight budget if it varies, else the data budget
    if that varies, else None."""
    for k in (WEIGHT_BUDGET, DATA_BUDGET):
        if len(_unique(str(p.get(k)) for p in points)) > 1:
            return k
    return None


def _tr_label_keys(res: Results, tr_points):
    """Keys that tell TR points apart in labels: both budgets, then the other swept keys that vary."""
    extra = [k for k in res.swept_keys if k not in ("pe.kind", WEIGHT_BUDGET, DATA_BUDGET)
             and k not in NETWORK_KEYS and len(_unique(str(p.get(k)) for p in tr_points)) > 1]
    return [WEIGHT_BUDGET, DATA_BUDGET] + extra


# --------------------------------------------------------------------------------------------------
# 1. cycles and energy vs term budget, against the INT8 baseline


def plot_budget(res: Results, x_key: str = None) -> Figure:
    """Per network one row of two panels: total cycles and total energy (uJ) of each TR point vs its
    term budget (x_key; default the weight budget, or the data budget when only that one varies).
    One line per setting of the other swept keys (e.g. the data budget in a product sweep); keys
    that move together with x (a zipped sweep) are shown under the x ticks instead. The INT8 MAC
    points, and other non-TR designs (Stripes, ...), are dashed horizontal reference lines."""
    ok = _need_points(res, "the budget plot", 2 if res.kind == "run" else 1)
    tot = res.totals()
    at = {int(p): i for i, p in enumerate(tot["point"])}
    tr_all = [p for p in ok if p.is_tr]
    if not tr_all:
        raise AnalysisError(f"{res.name}: the budget plot needs TR points (pe.kind=tr); the input has "
                            f"{', '.join(_unique(p.pe_kind for p in ok))} only")
    if x_key is None:  # the weight budget, unless only the data budget varies
        x_key = _along_key(tr_all) or WEIGHT_BUDGET
    if any(p.get(x_key) is None for p in tr_all):
        raise AnalysisError(f"{res.name}: key '{x_key}' not found in the swept params nor in config_yaml")
    candidates = [k for k in res.swept_keys if k not in (x_key, "pe.kind") and k not in NETWORK_KEYS]
    nets = _unique(p.network for p in ok)
    dependent = []
    for net in nets:
        dep = _dependent_keys([p for p in tr_all if p.network == net], x_key, candidates)
        dependent += [k for k in dep if k not in dependent]
    series_keys = [k for k in candidates if k not in dependent]
    pos, ticks, tick_labels, auto_ticks = _numeric_positions(_unique(p.get(x_key) for p in tr_all))
    if dependent and not auto_ticks:  # second tick line: what moves with x (e.g. the data budget)
        by_x = {}
        for p in tr_all:
            by_x.setdefault(pos[p.get(x_key)], _budget_text(p, dependent) if set(dependent) <= {WEIGHT_BUDGET, DATA_BUDGET}
                            else "/".join(str(p.get(k)) for k in dependent))
        tick_labels = [f"{t}\n{by_x.get(x, '')}" for x, t in zip(ticks, tick_labels)]

    fig = _new_figure(13, 4.3 * len(nets) + 0.5)
    axes = np.array(fig.subplots(len(nets), 2, squeeze=False))
    metrics = (("cycles", "cycles", "total cycles (all layers)", 1.0),
               ("energy_uj", "energy_total_pj", "energy (\u00b5J, all layers)", 1e-6))
    data = {"x_key": x_key, "moves_with_x": dependent, "networks": {}}
    notes = []
    gs = _common(tr_all, x_key.rsplit(".", 1)[0] + ".group_size")
    who = "weight" if ".weights." in x_key else "data" if ".data." in x_key else ""
    if x_key.endswith(".budget") and who:
        per = "per value" if gs == "1" else f"/ group of {gs}" if gs else "/ group"
        xlabel = f"{who} term budget (terms {per})"
    else:
        xlabel = x_key
    if dependent:
        xlabel += "\nsecond line: " + ", ".join(short_key(k) for k in dependent)
    for row, net in zip(axes, nets):
        pts = [p for p in ok if p.network == net]
        tr = [p for p in pts if p.is_tr]
        skeys = [k for k in series_keys if len(_unique(str(p.get(k)) for p in tr)) > 1]
        series = {}
        for p in tr:
            series.setdefault(tuple((k, p.get(k)) for k in skeys), []).append(p)
        colors = dict(zip(series, _colors(len(series))))
        refs = _reference_groups(res, pts)
        ndata = {"series": {}, "baselines": {}}
        handles = []
        for ax, (mname, col, ylabel, scale) in zip(row, metrics):
            allv = []
            for sk, spts in series.items():
                spts = sorted(spts, key=lambda p: pos[p.get(x_key)])
                x = np.array([pos[p.get(x_key)] for p in spts])
                y = np.array([tot[col][at[p.index]] * scale for p in spts])
                allv += list(y)
                label = "TR" + (f", {_label(sk)}" if sk else "")
                line, = ax.plot(x, y, marker="o", color=colors[sk], label=label, lw=1.8, ms=5)
                ndata["series"].setdefault(label, {})["x"] = [p.get(x_key) for p in spts]
                ndata["series"][label][mname] = y
                if mname == "cycles":
                    handles.append(line)
            for i, (label, rpts) in enumerate(refs):
                v = float(np.mean([tot[col][at[p.index]] * scale for p in rpts]))
                allv.append(v)
                color, dashes = _ref_style(i)
                line = ax.axhline(v, color=color, ls="--", dashes=dashes, lw=1.4, label=label)
                ndata["baselines"].setdefault(label, {})[mname] = v
                if mname == "cycles":
                    handles.append(line)
            log = _maybe_log(ax, allv)
            ax.set_ylabel(ylabel + (" [log]" if log else ""))
            finite = [v for v in allv if np.isfinite(v)]
            if not log and finite:
                ax.set_ylim(0, max(finite) * 1.07 or 1.0)
            if mname == "cycles":
                ax.yaxis.set_major_formatter(EngFormatter(sep=""))
            if not auto_ticks:
                ax.set_xticks(ticks, tick_labels)
            ax.set_xlabel(xlabel)
            ax.set_title(f"{net}: {'cycles' if mname == 'cycles' else 'energy'} vs term budget")
        if not any(p.is_baseline for p in pts):
            notes.append(f"{net}: no INT8 baseline (no pe.kind=mac point for this network)")
            handles.append(Line2D([], [], ls="none", label="(no INT8 MAC point)"))
        row[1].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
        data["networks"][net] = ndata
    arr = _array_text(ok)
    _suptitle(fig, "TR term budget vs INT8 baseline" + (f" ({arr})" if arr else ""))
    return Figure("budget", fig, data, notes)


# --------------------------------------------------------------------------------------------------
# 2. accuracy / output error vs term-pair count (trade-off curve)


def _metric_for(points, tot, at, metric):
    """'accuracy' or 'error': auto takes accuracy only when every point has one (a trace gives the
    INT8 accuracy but not always the accuracy under TR), else the output error."""
    if metric not in ("auto", "accuracy", "error"):
        raise AnalysisError(f"unknown metric '{metric}' (allowed: auto, accuracy, error)")
    finite = [bool(np.isfinite(tot["accuracy"][at[p.index]])) for p in points]
    if metric == "accuracy" and not any(finite):
        raise AnalysisError("no accuracy in the input (the sweep's accuracy column is NaN); use --metric error")
    return "accuracy" if (metric == "accuracy" or (metric == "auto" and finite and all(finite))) else "error"


_ERROR_LABEL = {
    "mean": "output error, rel. L2 (mean over layers)",
    "max": "output error, rel. L2 (worst layer)",
    "last": "output error, rel. L2 (last layer)",
}


def _network_panels(res: Results, what: str, error_agg: str, panel_height: float):
    """Shared set-up of the per-network figures: the usable points, their totals (and the row of each
    point in them), the networks, and a figure with one panel per network, two per row."""
    ok = _need_points(res, what, 2 if res.kind == "run" else 1)
    tot = res.totals(error_agg)
    at = {int(p): i for i, p in enumerate(tot["point"])}
    nets = _unique(p.network for p in ok)
    ncols = min(len(nets), 2)
    nrows = (len(nets) + ncols - 1) // ncols
    fig = _new_figure(6.6 * ncols, panel_height * nrows + 0.4)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    return ok, tot, at, nets, fig, axes


def plot_tradeoff(res: Results, metric: str = "auto", error_agg: str = "mean") -> Figure:
    """The paper's trade-off curve, one panel per network: accuracy (when the trace has it) or output
    error vs the number of term-pair multiplications of each TR point. Points along a curve differ in
    the weight budget (and whatever moves with it in a zipped sweep), labelled e.g. w12/d3; one curve
    per setting of the other swept keys. Non-TR designs are reference lines at their accuracy or
    error (the exact ones, error 0, share one line)."""
    ok, tot, at, nets, fig, axes = _network_panels(res, "the trade-off plot", error_agg, 5.0)
    data = {"panels": {}}
    notes = []
    labels, obstacles = [], []
    for ax, net in zip(axes, nets):
        pts = [p for p in ok if p.network == net]
        tr = [p for p in pts if p.is_tr]
        m = _metric_for(pts, tot, at, metric)
        col = "accuracy" if m == "accuracy" else "error"
        along = _along_key(tr)
        others = [k for k in res.swept_keys if k not in ("pe.kind", along) and k not in NETWORK_KEYS]
        moving = _dependent_keys(tr, along, others) if along else []
        curve_keys = [k for k in others if k not in moving and len(_unique(str(p.get(k)) for p in tr)) > 1]
        text_keys = [k for k in (WEIGHT_BUDGET, DATA_BUDGET) if k == along or k in moving] + \
                    [k for k in moving if k not in (WEIGHT_BUDGET, DATA_BUDGET)]
        panel = {"metric": m, "along": along, "moves_with": moving, "curves": {}, "baseline": None,
                 "references": {}}
        curves = {}
        for p in tr:
            curves.setdefault(tuple((k, p.get(k)) for k in curve_keys), []).append(p)
        colors = _colors(len(curves))
        allx, ally = [], []
        for (ck, cpts), color in zip(curves.items(), colors):
            cpts = sorted(cpts, key=lambda p: (tot["term_pairs"][at[p.index]], p.index))
            x = np.array([tot["term_pairs"][at[p.index]] for p in cpts])
            y = np.array([tot[col][at[p.index]] for p in cpts])
            label = "TR" + (f", {_label(ck)}" if ck else "")
            ax.plot(x, y, marker="o", color=color, label=label, lw=1.6, ms=5)
            for p, xi, yi in zip(cpts, x, y):
                obstacles.append((ax, xi, yi))
                if text_keys and len(tr) <= 60:
                    labels.append((ax, xi, yi, _budget_text(p, text_keys), color))
            panel["curves"][label] = {"x": x, "y": y, "points": [p.index for p in cpts]}
            allx += list(x)
            ally += list(y)
        exact = []
        for i, (rlabel, rpts) in enumerate(_reference_groups(res, pts)):
            vals = np.array([tot[col][at[p.index]] for p in rpts], dtype=float)
            if not np.isfinite(vals).any():
                continue
            v = float(np.nanmean(vals))
            panel["references"][rlabel] = v
            if rpts[0].is_baseline:
                panel["baseline"] = v
            if m == "error" and v == 0:
                exact.append(rlabel.replace(" baseline", ""))
                continue
            color, dashes = _ref_style(i)
            ax.axhline(v, color=color, ls="--", dashes=dashes, lw=1.3, label=f"{rlabel} ({v:.4g})")
            ally.append(v)
        if exact:
            ax.axhline(0.0, color="black", ls="--", lw=1.0, label=f"{', '.join(exact)}: exact (error 0)")
        if not tr:
            notes.append(f"{net}: no TR point for the trade-off curve")
        logx = _maybe_log(ax, allx, "x", 20)
        logy = m == "error" and not exact and _maybe_log(ax, ally, "y", 10)
        if m == "error" and not logy:
            ax.set_ylim(bottom=min(0.0, *ally) if ally else 0.0)
        ax.xaxis.set_major_formatter(EngFormatter(sep=""))
        ax.set_xlabel("term-pair multiplications (all layers)" + (" [log]" if logx else ""))
        ax.set_ylabel(("accuracy (fraction correct)" if m == "accuracy" else _ERROR_LABEL[error_agg])
                      + (" [log]" if logy else ""))
        ax.set_title(f"{net}: {'accuracy' if m == 'accuracy' else 'output error'} vs term pairs")
        title = None
        if text_keys:
            title = "point labels: " + ", ".join(
                {"operands.weights.budget": "wK = weight budget", "operands.data.budget": "dK = data budget"}
                .get(k, short_key(k)) for k in text_keys)
        ax.legend(loc="best", title=title, title_fontsize=8)
        data["panels"][net] = panel
    for ax in axes[len(nets):]:
        ax.set_visible(False)
    _suptitle(fig, "Quality vs computation: TR trade-off curve")
    _place_labels(fig, labels, obstacles, fontsize=7)
    return Figure("tradeoff", fig, data, notes)


# --------------------------------------------------------------------------------------------------
# 5. Pareto front energy vs error / accuracy


def pareto_front(energy, quality, maximize=False) -> np.ndarray:
    """Indices of the non-dominated points, minimizing energy and minimizing quality (error), or
    maximizing it (accuracy). A point is dominated when another is no worse in both and better in
    one; NaN points are never on the front. Returned sorted by energy, then index."""
    e = np.asarray(energy, dtype=float)
    q = np.asarray(quality, dtype=float)
    if maximize:
        q = -q
    ok = np.isfinite(e) & np.isfinite(q)
    front = []
    for i in np.nonzero(ok)[0]:
        dominated = ok & (e <= e[i]) & (q <= q[i]) & ((e < e[i]) | (q < q[i]))
        if not dominated.any():
            front.append(i)
    return np.array(sorted(front, key=lambda i: (e[i], i)), dtype=np.int64)


_KIND_MARKERS = {"tr": ("o", "#7f7f7f"), "mac": ("s", "#1f77b4"), "stripes": ("^", "#2ca02c"),
                 "pragmatic": ("v", "#ff7f0e"), "laconic": ("D", "#9467bd"), "dnateq": ("P", "#8c564b")}


def plot_pareto(res: Results, metric: str = "auto", error_agg: str = "mean") -> Figure:
    """Per network panel: every point's total energy (uJ) vs its accuracy or output error, one marker
    per PE kind, the Pareto front (least energy for a given quality) highlighted and labelled
    (wK/dK = weight/data term budgets of TR points; other designs by name)."""
    ok, tot, at, nets, fig, axes = _network_panels(res, "the Pareto plot", error_agg, 5.2)
    data = {"panels": {}}
    labels, obstacles = [], []
    for ax, net in zip(axes, nets):
        pts = [p for p in ok if p.network == net]
        m = _metric_for(pts, tot, at, metric)
        col = "accuracy" if m == "accuracy" else "error"
        e = np.array([tot["energy_total_uj"][at[p.index]] for p in pts])
        q = np.array([tot[col][at[p.index]] for p in pts])
        front = pareto_front(e, q, maximize=(m == "accuracy"))
        kinds = np.array([p.pe_kind for p in pts])
        for j, kind in enumerate(_unique(kinds)):
            marker, color = _KIND_MARKERS.get(kind, ("X", _colors(10)[j % 10]))
            sel = kinds == kind
            label = "TR points" if kind == "tr" else kind_label(kind) + (" baseline" if kind == "mac" else "")
            ax.scatter(e[sel], q[sel], s=30 if kind == "tr" else 46, marker=marker, color=color,
                       alpha=0.85, label=label, zorder=3)
        ax.plot(e[front], q[front], color="#d62728", lw=1.6, drawstyle="steps-post", zorder=4)
        ax.scatter(e[front], q[front], s=80, facecolor="none", edgecolor="#d62728", lw=1.8, zorder=5,
                   label=f"Pareto front ({len(front)} point{'s' if len(front) != 1 else ''})")
        label_keys = _tr_label_keys(res, [p for p in pts if p.is_tr])
        obstacles += [(ax, ei, qi) for ei, qi in zip(e, q)]
        labels += [(ax, e[i], q[i], _budget_text(pts[i], label_keys), "#b2182b") for i in front]
        _maybe_log(ax, e, "x", 30)
        ax.set_xlabel("energy (\u00b5J, all layers)")
        ax.set_ylabel("accuracy (fraction correct)" if m == "accuracy" else _ERROR_LABEL[error_agg])
        better = "up-left" if m == "accuracy" else "down-left"
        ax.set_title(f"{net}: energy vs {'accuracy' if m == 'accuracy' else 'output error'} (better: {better})")
        ax.legend(loc="best", title="front labels: wK/dK = weight/data budget", title_fontsize=7.5)
        data["panels"][net] = {
            "metric": m,
            "energy_uj": e,
            "quality": q,
            "points": [p.index for p in pts],
            "front": [pts[i].index for i in front],
        }
    for ax in axes[len(nets):]:
        ax.set_visible(False)
    _suptitle(fig, "Pareto front: energy vs model quality")
    _place_labels(fig, labels, obstacles, fontsize=7.5)
    return Figure("pareto", fig, data)


def _describe_keys(res: Results):
    keys = ["pe.kind"] + [k for k in res.swept_keys if k != "pe.kind" and k not in NETWORK_KEYS]
    for k in (WEIGHT_BUDGET, DATA_BUDGET):
        if k not in keys:
            keys.append(k)
    return keys


# --------------------------------------------------------------------------------------------------
# 3. per-layer breakdown


def plot_breakdown(res: Results, point: Point = None) -> Figure:
    """For one point (one run): stacked bars per layer of the energy components (uJ) and of the cycles
    (compute split into ideal work and lock-step sync loss when the file has sync_loss_cycles, and
    memory stalls)."""
    point = point or res.point()
    t = res.layer_table(point)
    where = f"{point.file}: {point.group.rstrip('/')}/summary"
    missing = [c for c, _ in ENERGY_COMPONENTS if c not in t] + \
              [c for c in ("cycles", "compute_cycles", "stall_cycles") if c not in t]
    if missing:
        raise AnalysisError(f"{where} lacks {', '.join(missing)} (needed for the per-layer breakdown)")
    layers = list(t["layer"])
    n = len(layers)
    x = np.arange(n)
    rot = 45 if n > 12 or max(len(s) for s in layers) > 8 else 0
    fig = _new_figure(max(9.0, 5.5 + 0.4 * n), 7.6 + (0.5 if rot else 0.0))
    ax_e, ax_c = fig.subplots(2, 1, sharex=True)
    width = 0.7
    bottom = np.zeros(n)
    total_all = float(np.sum([np.sum(t[c]) for c, _ in ENERGY_COMPONENTS]))
    data = {"layers": layers, "energy_uj": {}, "cycles": {}, "point": point.index}
    for (col, name), color in zip(ENERGY_COMPONENTS, ENERGY_COLORS):
        v = t[col] / 1e6
        share = 100.0 * float(np.sum(t[col])) / total_all if total_all > 0 else 0.0
        ax_e.bar(x, v, width, bottom=bottom, color=color, label=f"{name} ({_pct(share)})", edgecolor="white",
                 lw=0.4)
        bottom += v
        data["energy_uj"][name] = v
    ax_e.set_ylabel("energy (\u00b5J)")
    ax_e.set_title("Energy per layer by component")
    h, lab = ax_e.get_legend_handles_labels()
    ax_e.legend(h[::-1], lab[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                title="component\n(share of all layers)", title_fontsize=8.5)

    comp = t["compute_cycles"]
    stall = t["stall_cycles"]
    split = ("ideal_cycles" in t and "sync_loss_cycles" in t
             and np.allclose(t["ideal_cycles"] + t["sync_loss_cycles"], comp, rtol=1e-9, atol=0.5))
    if split:
        parts = [("compute: ideal (each PE alone)", t["ideal_cycles"], "#1f77b4"),
                 ("compute: lock-step sync loss", t["sync_loss_cycles"], "#9ecae1"),
                 ("memory stall", stall, "#ff7f0e")]
    else:
        parts = [("compute", comp, "#1f77b4"), ("memory stall", stall, "#ff7f0e")]
    bottom = np.zeros(n)
    total_cycles = float(np.sum(t["cycles"]))
    for name, v, color in parts:
        share = 100.0 * float(np.sum(v)) / total_cycles if total_cycles > 0 else 0.0
        ax_c.bar(x, v, width, bottom=bottom, color=color, label=f"{name} ({_pct(share)})", edgecolor="white",
                 lw=0.4)
        bottom += v
        data["cycles"][name] = np.asarray(v, dtype=float)
    ax_c.set_ylabel("cycles")
    ax_c.set_title("Cycles per layer")
    h, lab = ax_c.get_legend_handles_labels()
    ax_c.legend(h[::-1], lab[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                title="part (share of all layers)", title_fontsize=8.5)
    ax_c.yaxis.set_major_formatter(EngFormatter(sep=""))
    ax_c.set_xticks(x, layers, rotation=rot, ha="right" if rot else "center")
    ax_c.set_xlabel("layer (execution order)")
    for ax in (ax_e, ax_c):
        ax.grid(axis="x", visible=False)
        ax.margins(x=0.5 / max(n, 1) if n > 1 else 0.3, y=0.06)
    desc = point.describe(_describe_keys(res))
    where = f"point {point.index}, " if res.kind != "run" else ""
    _suptitle(fig, f"Per-layer breakdown: {point.network} ({where}{desc})")
    name = "breakdown" if res.kind == "run" else f"breakdown_p{point.index}"
    return Figure(name, fig, data)


# --------------------------------------------------------------------------------------------------
# 4. utilization heatmap


def plot_heatmap(res: Results, point: Point = None, layers=None, autoscale: bool = False) -> Figure:
    """PE utilization over the array (fraction of the layer's cycles each PE did useful work), one
    panel per layer, colour scale 0..1 (0..largest value with autoscale). Layers without a
    pe_utilization dataset are skipped with a note; when none of the requested layers has one the
    result's fig is None."""
    point = point or res.point()
    all_layers = res.layer_names(point)
    layers = list(layers) if layers else all_layers
    maps, notes, lacking = {}, [], []
    for layer in layers:
        u = res.pe_utilization(point, layer)
        if u is None:
            lacking.append(layer)
        else:
            maps[layer] = u
    if lacking:
        where = f"{point.file}" + (f" point {point.index}" if res.kind != "run" else "")
        notes.append(f"{where}: no pe_utilization dataset in layer(s) {', '.join(lacking)} "
                     f"(<layer group>/pe_utilization); their heatmap is skipped")
    if not maps:
        return Figure("heatmap", None, {}, notes)
    n = len(maps)
    ncols = min(n, 3)
    nrows = (n + ncols - 1) // ncols
    rows, cols = next(iter(maps.values())).shape
    aspect = rows / cols
    panel_w = 4.2 if aspect <= 1 else max(2.8, 4.2 / aspect)
    panel_h = max(2.4, min(6.0, panel_w * aspect)) + 0.45
    fig = _new_figure(panel_w * ncols + 1.3, panel_h * nrows + (0.75 if n == 1 else 0.45))
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    vmax = max(float(np.nanmax(u)) for u in maps.values()) if autoscale else 1.0
    vmax = vmax if vmax > 0 else 1.0
    im = None
    data = {"layers": list(maps), "maps": maps, "point": point.index, "vmax": vmax}
    for ax, (layer, u) in zip(axes, maps.items()):
        im = ax.imshow(u, cmap="viridis", vmin=0.0, vmax=vmax, interpolation="nearest",
                       aspect="equal" if 0.25 <= u.shape[0] / u.shape[1] <= 4 else "auto",
                       extent=(-0.5, u.shape[1] - 0.5, u.shape[0] - 0.5, -0.5))
        ax.set_title(f"{layer}: mean {np.nanmean(u):.3f}, max {np.nanmax(u):.3f}")
        ax.set_xlabel("array column")
        ax.set_ylabel("array row")
        ax.grid(False)
        for s in ax.spines.values():
            s.set_visible(True)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.colorbar(im, ax=list(axes[:n]), shrink=0.9,
                 label="PE utilization (fraction of the layer's cycles)")
    desc = point.describe(_describe_keys(res))
    where = f"point {point.index}, " if res.kind != "run" else ""
    sep = "\n" if n == 1 else ": "
    _suptitle(fig, f"PE utilization over the {rows}\u00d7{cols} array{sep}{point.network} ({where}{desc})")
    stem = "heatmap" if n > 1 else f"heatmap_{safe_name(next(iter(maps)))}"
    if res.kind != "run":
        stem += f"_p{point.index}"
    return Figure(stem, fig, data, notes)


# --------------------------------------------------------------------------------------------------
# 6. design comparison (PE kinds or any set of points)

USES_BUDGET = {"tr"}
MAX_COMPARE = 40
USES_ENCODING = {"tr", "pragmatic", "laconic"}


def _design_label(p: Point, varying) -> str:
    """Bar label of a design point: its kind, then the varying swept values that apply to it."""
    keys = [k for k in varying
            if not (k.endswith(".budget") and p.pe_kind not in USES_BUDGET)
            and not (k.endswith(".encoding") and p.pe_kind not in USES_ENCODING)]
    if p.is_tr:
        return "TR " + _budget_text(p, [k for k in (WEIGHT_BUDGET, DATA_BUDGET)] + [
            k for k in keys if k not in (WEIGHT_BUDGET, DATA_BUDGET)])
    extra = []
    for k in keys:
        v = str(p.get(k))
        if not extra or extra[-1] != v:
            extra.append(v)
    return p.kind_label + (f" {'/'.join(extra)}" if extra else "")


def plot_compare(res: Results, network: str = None, metric: str = "auto", error_agg: str = "mean") -> Figure:
    """One network, one bar per design point (e.g. every PE kind of a pe_kinds sweep): total cycles
    (ideal work, lock-step sync loss, memory stalls; the ratio to the INT8 MAC point above each bar),
    energy by component (uJ), PE utilization (useful work per PE-cycle), and output error or accuracy."""
    ok = _need_points(res, "the design comparison", 2 if res.kind == "run" else 1)
    nets = _unique(p.network for p in ok)
    if network is None:
        network = nets[0]
    if network not in nets:
        raise AnalysisError(f"{res.name}: no network '{network}' (networks: {', '.join(nets)})")
    pts = [p for p in ok if p.network == network]
    if len(pts) > MAX_COMPARE:
        raise AnalysisError(f"{res.name}: {len(pts)} points of {network} are too many bars for a comparison "
                            f"(at most {MAX_COMPARE}); use the budget, tradeoff and pareto figures")
    tot = res.totals(error_agg)
    at = {int(p): i for i, p in enumerate(tot["point"])}
    m = _metric_for(pts, tot, at, metric)
    varying = [k for k in res.swept_keys if k != "pe.kind" and k not in NETWORK_KEYS
               and len(_unique(str(p.get(k)) for p in pts)) > 1]
    names = [_design_label(p, varying) for p in pts]
    if len(set(names)) < len(names):  # still ambiguous: add the point index
        names = [f"{n} [p{p.index}]" for n, p in zip(names, pts)]
    n = len(pts)
    x = np.arange(n)
    g = lambda col: np.array([tot[col][at[p.index]] for p in pts], dtype=float)  # noqa: E731
    cycles, compute, ideal, stall = g("cycles"), g("compute_cycles"), g("ideal_cycles"), g("stall_cycles")
    sync = np.clip(compute - ideal, 0, None)
    mac = [i for i, p in enumerate(pts) if p.is_baseline]
    ref = cycles[mac[0]] if mac else None

    fig = _new_figure(max(9.5, 4.5 + 0.95 * n), 11.0)
    ax_c, ax_e, ax_u, ax_q = fig.subplots(4, 1, sharex=True)
    data = {"network": network, "designs": names, "points": [p.index for p in pts], "metric": m}
    # cycles
    bottom = np.zeros(n)
    parts = [("compute: ideal (each PE alone)", ideal, "#1f77b4"), ("compute: lock-step sync loss", sync, "#9ecae1"),
             ("memory stall", stall, "#ff7f0e")]
    for name, v, color in parts:
        ax_c.bar(x, v, 0.7, bottom=bottom, color=color, label=name, edgecolor="white", lw=0.4)
        bottom += v
    data["cycles"] = {name: v for name, v, _ in parts}
    data["cycles_total"] = cycles
    if ref:
        data["cycles_vs_int8"] = cycles / ref
        for xi, c in zip(x, cycles):
            ax_c.annotate(f"{c / ref:.2f}\u00d7", (xi, c), xytext=(0, 2), textcoords="offset points", ha="center",
                          va="bottom", fontsize=8)
    ax_c.set_ylabel("cycles")
    ax_c.yaxis.set_major_formatter(EngFormatter(sep=""))
    ax_c.set_title("Cycles" + (" (above bars: relative to INT8 MAC)" if ref else ""))
    h, lab = ax_c.get_legend_handles_labels()
    ax_c.legend(h[::-1], lab[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    # energy by component, from each point's own per-layer table
    comps = {name: np.zeros(n) for _, name in ENERGY_COMPONENTS}
    have_components = True
    for i, p in enumerate(pts):
        t = res.layer_table(p)
        if not all(c in t for c, _ in ENERGY_COMPONENTS):
            have_components = False
            break
        for c, name in ENERGY_COMPONENTS:
            comps[name][i] = np.nansum(t[c]) / 1e6
    if have_components:
        bottom = np.zeros(n)
        for (_, name), color in zip(ENERGY_COMPONENTS, ENERGY_COLORS):
            ax_e.bar(x, comps[name], 0.7, bottom=bottom, color=color, label=name, edgecolor="white", lw=0.4)
            bottom += comps[name]
        data["energy_uj"] = comps
    else:
        ax_e.bar(x, g("energy_total_uj"), 0.7, color="#7f7f7f", label="total (no components in file)")
        data["energy_uj"] = {"total": g("energy_total_uj")}
    ax_e.set_ylabel("energy (\u00b5J)")
    ax_e.set_title("Energy by component (all layers)")
    h, lab = ax_e.get_legend_handles_labels()
    ax_e.legend(h[::-1], lab[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    # utilization and quality, one colour per kind
    colors = [_KIND_MARKERS.get(p.pe_kind, ("X", "#7f7f7f"))[1] for p in pts]
    util = g("utilization")
    ax_u.bar(x, util, 0.7, color=colors)
    for xi, u in zip(x, util):
        ax_u.annotate(f"{u:.3f}", (xi, u), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                      fontsize=8)
    ax_u.set_ylabel("utilization (fraction)")
    ax_u.set_title("PE utilization (useful MACs or term pairs per PE-cycle)")
    data["utilization"] = util
    q = g("accuracy" if m == "accuracy" else "error")
    ax_q.bar(x, q, 0.7, color=colors)
    for xi, v in zip(x, q):
        text = "exact" if (m == "error" and v == 0) else f"{v:.3g}"
        ax_q.annotate(text, (xi, v if np.isfinite(v) else 0), xytext=(0, 2), textcoords="offset points",
                      ha="center", va="bottom", fontsize=8)
    ax_q.set_ylabel("accuracy" if m == "accuracy" else "rel. L2 error")
    ax_q.set_title("Accuracy (fraction correct)" if m == "accuracy" else
                   "Output error (" + _ERROR_LABEL[error_agg].split(", ", 1)[1].replace(" (", ", ").rstrip(")") + ")")
    data["quality"] = q
    kinds = _unique(p.pe_kind for p in pts)
    ax_u.legend(handles=[matplotlib.patches.Patch(color=_KIND_MARKERS.get(k, ("X", "#7f7f7f"))[1],
                                                  label=kind_label(k)) for k in kinds],
                loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, title="PE kind")
    rot = 30 if n > 4 or max(len(s) for s in names) > 10 else 0
    ax_q.set_xticks(x, names, rotation=rot, ha="right" if rot else "center")
    ax_q.set_xlabel("design point")
    for ax in (ax_c, ax_e, ax_u, ax_q):
        ax.grid(axis="x", visible=False)
        ax.margins(y=0.15)
        ax.set_ylim(bottom=0)
    arr = _array_text(pts)
    _suptitle(fig, f"Design comparison: {network}" + (f", {arr}" if arr else ""))
    name = "compare" if len(nets) == 1 else f"compare_{safe_name(network)}"
    return Figure(name, fig, data)
