"""The paper's trade-off curve: accuracy or output error against term-pair multiplications (`tradeoff`)."""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import EngFormatter

from ..results import Results, short_key
from .common import (DATA_BUDGET, ERROR_LABEL, NETWORK_KEYS, WEIGHT_BUDGET, along_key, budget_text,
                     dependent_keys, keys_label, merge_array_keys, metric_for, network_panels,
                     reference_groups, unique, value_of)
from .style import Figure, fmt_value, legend_outside, maybe_log, palette, place_labels, ref_style, suptitle


def plot_tradeoff(res: Results, metric: str = "auto", error_agg: str = "mean") -> Figure:
    """The paper's trade-off curve, one panel per network: accuracy (when the trace has it) or output
    error vs the number of term-pair multiplications of each TR point. Points along a curve differ in
    the weight budget (and whatever moves with it in a zipped sweep), labelled e.g. w12/d3; one curve
    per setting of the other swept keys. Non-TR designs are reference lines at their accuracy or
    error (the exact ones, error 0, share one line)."""
    ok, tot, at, nets, fig, axes = network_panels(res, "the trade-off plot", error_agg, 5.0)
    data = {"panels": {}}
    notes = []
    labels, obstacles = [], []
    for ax, net in zip(axes, nets):
        pts = [p for p in ok if p.network == net]
        tr = [p for p in pts if p.is_tr]
        m = metric_for(pts, tot, at, metric)
        col = "accuracy" if m == "accuracy" else "error"
        along = along_key(tr)
        others = merge_array_keys([k for k in res.swept_keys if k not in ("pe.kind", along) and k not in NETWORK_KEYS])
        moving = dependent_keys(tr, along, others) if along else []
        curve_keys = [k for k in others if k not in moving and len(unique(str(value_of(p, k)) for p in tr)) > 1]
        text_keys = [k for k in (WEIGHT_BUDGET, DATA_BUDGET) if k == along or k in moving] + \
                    [k for k in moving if k not in (WEIGHT_BUDGET, DATA_BUDGET)]
        panel = {"metric": m, "along": along, "moves_with": moving, "curves": {}, "baseline": None,
                 "references": {}}
        curves = {}
        for p in tr:
            curves.setdefault(tuple((k, value_of(p, k)) for k in curve_keys), []).append(p)
        # Curves whose points coincide (settings that change neither term pairs nor quality, e.g. the
        # dataflow or DRAM bandwidth) are drawn once, their settings counted in the label.
        drawn = {}
        for ck, cpts in curves.items():
            cpts = sorted(cpts, key=lambda p: (tot["term_pairs"][at[p.index]], p.index))
            x = np.array([tot["term_pairs"][at[p.index]] for p in cpts])
            y = np.array([tot[col][at[p.index]] for p in cpts])
            sig = (tuple(x), tuple(np.round(y, 12)), tuple(budget_text(p, text_keys) for p in cpts))
            drawn.setdefault(sig, []).append((ck, cpts, x, y))
        colors = palette(len(drawn))
        compact = len(drawn) > 6 and len(curve_keys) > 1
        allx, ally = [], []
        for same, color in zip(drawn.values(), colors):
            ck, cpts, x, y = same[0]
            if len(same) > 1:
                varied = [k for k in curve_keys if len(unique(str(dict(c)[k]) for c, *_ in same)) > 1]
                label = f"TR, {len(same)} settings of " + ", ".join(
                    "array" if k == "array" else short_key(k) for k in varied) + " (equal values)"
            elif compact:
                label = "TR, " + ", ".join(fmt_value(v) for _, v in ck)
            else:
                label = "TR" + (f", {keys_label(ck)}" if ck else "")
            ax.plot(x, y, marker="o", color=color, label=label, lw=1.6, ms=5)
            for p, xi, yi in zip(cpts, x, y):
                obstacles.append((ax, xi, yi))
                if text_keys and len(tr) <= 60 * len(same):
                    labels.append((ax, xi, yi, budget_text(p, text_keys), color))
            panel["curves"][label] = {"x": x, "y": y, "points": [p.index for _, ps, *_ in same for p in ps]}
            allx += list(x)
            ally += list(y)
        exact = []
        # Reference designs of one kind with the same quality (e.g. INT8 MAC on two arrays) share a line.
        lines = {}
        for rlabel, rpts, parts in reference_groups(res, pts):
            vals = np.array([tot[col][at[p.index]] for p in rpts], dtype=float)
            if not np.isfinite(vals).any():
                continue
            v = float(np.nanmean(vals))
            lines.setdefault((rpts[0].pe_kind, v), []).append((rlabel, parts))
            if rpts[0].is_baseline and panel["baseline"] is None:
                panel["baseline"] = v
        for i, ((kind, v), named) in enumerate(lines.items()):
            rlabel = named[0][0] if len(named) == 1 else \
                f"{named[0][0].split(' (')[0]} ({len(named)} designs)"
            panel["references"][rlabel] = v
            if m == "error" and v == 0:
                exact.append(rlabel.replace(" baseline", ""))
                continue
            color, dashes = ref_style(i)
            ax.axhline(v, color=color, ls="--", dashes=dashes, lw=1.3, label=f"{rlabel} ({v:.4g})")
            ally.append(v)
        if exact:
            ax.axhline(0.0, color="black", ls="--", lw=1.0, label=f"{', '.join(exact)}: exact (error 0)")
        if not tr:
            notes.append(f"{net}: no TR point for the trade-off curve")
        logx = maybe_log(ax, allx, "x", 20)
        logy = m == "error" and not exact and maybe_log(ax, ally, "y", 10)
        if m == "error" and not logy:
            ax.set_ylim(bottom=min(0.0, *ally) if ally else 0.0)
        ax.xaxis.set_major_formatter(EngFormatter(sep=""))
        ax.set_xlabel("term-pair multiplications (all layers)" + (" [log]" if logx else ""))
        ax.set_ylabel(("accuracy (fraction correct)" if m == "accuracy" else ERROR_LABEL[error_agg])
                      + (" [log]" if logy else ""))
        ax.set_title(f"{net}: {'accuracy' if m == 'accuracy' else 'output error'} vs term pairs")
        title = None
        if text_keys:
            title = "point labels: " + ", ".join(
                {"operands.weights.budget": "wK = weight budget", "operands.data.budget": "dK = data budget"}
                .get(k, short_key(k)) for k in text_keys)
        if compact:
            title = (title + "\n" if title else "") + "TR curves: " + ", ".join(
                "array" if k == "array" else short_key(k) for k in curve_keys)
        legend_outside(ax, title=title, title_fontsize=8)
        data["panels"][net] = panel
    for ax in axes[len(nets):]:
        ax.set_visible(False)
    suptitle(fig, "Quality vs computation: TR trade-off curve")
    place_labels(fig, labels, obstacles, fontsize=7)
    return Figure("tradeoff", fig, data, notes)
