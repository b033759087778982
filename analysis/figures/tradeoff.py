"""The paper's trade-off curve: accuracy or output error against term-pair multiplications (`tradeoff`)."""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import EngFormatter

from ..results import Results, short_key
from .common import (DATA_BUDGET, ERROR_LABEL, NETWORK_KEYS, WEIGHT_BUDGET, along_key, budget_text,
                     dependent_keys, keys_label, metric_for, network_panels, reference_groups, unique)
from .style import Figure, maybe_log, palette, place_labels, ref_style, suptitle


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
        others = [k for k in res.swept_keys if k not in ("pe.kind", along) and k not in NETWORK_KEYS]
        moving = dependent_keys(tr, along, others) if along else []
        curve_keys = [k for k in others if k not in moving and len(unique(str(p.get(k)) for p in tr)) > 1]
        text_keys = [k for k in (WEIGHT_BUDGET, DATA_BUDGET) if k == along or k in moving] + \
                    [k for k in moving if k not in (WEIGHT_BUDGET, DATA_BUDGET)]
        panel = {"metric": m, "along": along, "moves_with": moving, "curves": {}, "baseline": None,
                 "references": {}}
        curves = {}
        for p in tr:
            curves.setdefault(tuple((k, p.get(k)) for k in curve_keys), []).append(p)
        colors = palette(len(curves))
        allx, ally = [], []
        for (ck, cpts), color in zip(curves.items(), colors):
            cpts = sorted(cpts, key=lambda p: (tot["term_pairs"][at[p.index]], p.index))
            x = np.array([tot["term_pairs"][at[p.index]] for p in cpts])
            y = np.array([tot[col][at[p.index]] for p in cpts])
            label = "TR" + (f", {keys_label(ck)}" if ck else "")
            ax.plot(x, y, marker="o", color=color, label=label, lw=1.6, ms=5)
            for p, xi, yi in zip(cpts, x, y):
                obstacles.append((ax, xi, yi))
                if text_keys and len(tr) <= 60:
                    labels.append((ax, xi, yi, budget_text(p, text_keys), color))
            panel["curves"][label] = {"x": x, "y": y, "points": [p.index for p in cpts]}
            allx += list(x)
            ally += list(y)
        exact = []
        for i, (rlabel, rpts) in enumerate(reference_groups(res, pts)):
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
        ax.legend(loc="best", title=title, title_fontsize=8)
        data["panels"][net] = panel
    for ax in axes[len(nets):]:
        ax.set_visible(False)
    suptitle(fig, "Quality vs computation: TR trade-off curve")
    place_labels(fig, labels, obstacles, fontsize=7)
    return Figure("tradeoff", fig, data, notes)
