"""The Pareto front of energy against accuracy or output error (`pareto`)."""
from __future__ import annotations

import numpy as np

from ..results import Results, kind_label
from .common import ERROR_LABEL, budget_text, metric_for, network_panels, tr_label_keys, unique
from .style import legend_outside, Figure, KIND_MARKERS, palette, maybe_log, place_labels, suptitle


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


def plot_pareto(res: Results, metric: str = "auto", error_agg: str = "mean") -> Figure:
    """Per network panel: every point's total energy (uJ) vs its accuracy or output error, one marker
    per PE kind, the Pareto front (least energy for a given quality) highlighted and labelled
    (wK/dK = weight/data term budgets of TR points; other designs by name)."""
    ok, tot, at, nets, fig, axes = network_panels(res, "the Pareto plot", error_agg, 5.2)
    data = {"panels": {}}
    labels, obstacles = [], []
    for ax, net in zip(axes, nets):
        pts = [p for p in ok if p.network == net]
        m = metric_for(pts, tot, at, metric)
        col = "accuracy" if m == "accuracy" else "error"
        e = np.array([tot["energy_total_uj"][at[p.index]] for p in pts])
        q = np.array([tot[col][at[p.index]] for p in pts])
        front = pareto_front(e, q, maximize=(m == "accuracy"))
        kinds = np.array([p.pe_kind for p in pts])
        for j, kind in enumerate(unique(kinds)):
            marker, color = KIND_MARKERS.get(kind, ("X", palette(10)[j % 10]))
            sel = kinds == kind
            label = "TR points" if kind == "tr" else kind_label(kind) + (" baseline" if kind == "mac" else "")
            ax.scatter(e[sel], q[sel], s=30 if kind == "tr" else 46, marker=marker, color=color,
                       alpha=0.85, label=label, zorder=3)
        ax.plot(e[front], q[front], color="#d62728", lw=1.6, drawstyle="steps-post", zorder=4)
        ax.scatter(e[front], q[front], s=80, facecolor="none", edgecolor="#d62728", lw=1.8, zorder=5,
                   label=f"Pareto front ({len(front)} point{'s' if len(front) != 1 else ''})")
        label_keys = tr_label_keys(res, [p for p in pts if p.is_tr])
        obstacles += [(ax, ei, qi) for ei, qi in zip(e, q)]
        labels += [(ax, e[i], q[i], budget_text(pts[i], label_keys), "#b2182b") for i in front]
        maybe_log(ax, e, "x", 30)
        ax.set_xlabel("energy (\u00b5J, all layers)")
        ax.set_ylabel("accuracy (fraction correct)" if m == "accuracy" else ERROR_LABEL[error_agg])
        better = "up-left" if m == "accuracy" else "down-left"
        ax.set_title(f"{net}: energy vs {'accuracy' if m == 'accuracy' else 'output error'} (better: {better})")
        legend_outside(ax, title="front labels:\nwK/dK = weight/data budget", title_fontsize=7.5)
        data["panels"][net] = {
            "metric": m,
            "energy_uj": e,
            "quality": q,
            "points": [p.index for p in pts],
            "front": [pts[i].index for i in front],
        }
    for ax in axes[len(nets):]:
        ax.set_visible(False)
    suptitle(fig, "Pareto front: energy vs model quality")
    place_labels(fig, labels, obstacles, fontsize=7.5)
    return Figure("pareto", fig, data)
