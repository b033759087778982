"""A bar per design point: cycles, energy by component, utilization, quality (`compare`)."""
from __future__ import annotations

import numpy as np
import matplotlib.patches
from matplotlib.ticker import EngFormatter

from ..results import AnalysisError, Point, Results, kind_label
from .common import (DATA_BUDGET, ERROR_LABEL, NETWORK_KEYS, WEIGHT_BUDGET, array_text, budget_text, metric_for,
                     need_points, unique)
from .style import ENERGY_COLORS, ENERGY_COMPONENTS, Figure, KIND_MARKERS, new_figure, safe_name, suptitle


USES_BUDGET = {"tr"}
MAX_COMPARE = 40
USES_ENCODING = {"tr", "pragmatic", "laconic"}


def _design_label(p: Point, varying) -> str:
    """Bar label of a design point: its kind, then the varying swept values that apply to it."""
    keys = [k for k in varying
            if not (k.endswith(".budget") and p.pe_kind not in USES_BUDGET)
            and not (k.endswith(".encoding") and p.pe_kind not in USES_ENCODING)]
    if p.is_tr:
        return "TR " + budget_text(p, [k for k in (WEIGHT_BUDGET, DATA_BUDGET)] + [
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
    ok = need_points(res, "the design comparison", 2 if res.kind == "run" else 1)
    nets = unique(p.network for p in ok)
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
    m = metric_for(pts, tot, at, metric)
    varying = [k for k in res.swept_keys if k != "pe.kind" and k not in NETWORK_KEYS
               and len(unique(str(p.get(k)) for p in pts)) > 1]
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

    fig = new_figure(max(9.5, 4.5 + 0.95 * n), 11.0)
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
    colors = [KIND_MARKERS.get(p.pe_kind, ("X", "#7f7f7f"))[1] for p in pts]
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
                   "Output error (" + ERROR_LABEL[error_agg].split(", ", 1)[1].replace(" (", ", ").rstrip(")") + ")")
    data["quality"] = q
    kinds = unique(p.pe_kind for p in pts)
    ax_u.legend(handles=[matplotlib.patches.Patch(color=KIND_MARKERS.get(k, ("X", "#7f7f7f"))[1],
                                                  label=kind_label(k)) for k in kinds],
                loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, title="PE kind")
    rot = 30 if n > 4 or max(len(s) for s in names) > 10 else 0
    ax_q.set_xticks(x, names, rotation=rot, ha="right" if rot else "center")
    ax_q.set_xlabel("design point")
    for ax in (ax_c, ax_e, ax_u, ax_q):
        ax.grid(axis="x", visible=False)
        ax.margins(y=0.15)
        ax.set_ylim(bottom=0)
    arr = array_text(pts)
    suptitle(fig, f"Design comparison: {network}" + (f", {arr}" if arr else ""))
    name = "compare" if len(nets) == 1 else f"compare_{safe_name(network)}"
    return Figure(name, fig, data)
