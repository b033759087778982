"""A bar per design point: cycles, energy by component, utilization, quality (`compare`)."""
from __future__ import annotations

import matplotlib.patches
import numpy as np
from matplotlib.ticker import EngFormatter

from ..results import AnalysisError, Point, Results, array_config, kind_label
from .common import (DATA_BUDGET, ERROR_LABEL, NETWORK_KEYS, WEIGHT_BUDGET, applies, array_text, budget_text,
                     merge_array_keys, metric_for, need_points, unique, value_of)
from .style import (ENERGY_COLORS, ENERGY_COMPONENTS, KIND_MARKERS, OPTIONAL_ENERGY_COMPONENTS, Figure,
                    energy_component, fmt_value, new_figure, safe_name, suptitle)


MAX_COMPARE = 40
# Keys a MAC baseline of the same design may differ in: budgets, encodings and group sizes do not apply
# to it, and QT widths are what an INT-b MAC array is.
NOT_DESIGN = (".budget", ".encoding", ".group_size", ".quantize_bits")


def _array_label(p: Point) -> str:
    """'16x16'; an array sized to an area: '0.641 mm2 (20x20)', the array the point got."""
    config = array_config(p)
    if not config.startswith("area "):
        return config
    return config[5:] + (f" ({p.ran_on[0]}x{p.ran_on[1]})" if p.ran_on else "")


def _design_label(p: Point, varying, tr_budgets) -> str:
    """Bar label of a design point: its kind, the budgets that vary among the TR points (TR), the other
    varying swept values that apply to its kind, and the array when that varies."""
    keys = [k for k in varying if applies(p.pe_kind, k) and k not in (WEIGHT_BUDGET, DATA_BUDGET, "array")]
    if p.is_tr:
        text = "TR " + budget_text(p, tr_budgets + keys)
    else:
        extra = []
        for k in keys:
            v = fmt_value(value_of(p, k))
            if not extra or extra[-1] != v:
                extra.append(v)
        text = p.kind_label + (f" {'/'.join(extra)}" if extra else "")
    return text + (f" {_array_label(p)}" if "array" in varying else "")


def _mac_of(p: Point, macs, keys):
    """The INT8 MAC point of p's design: same values of `keys` (the design keys), INT8 preferred."""
    same = [m for m in macs if all(str(value_of(m, k)) == str(value_of(p, k)) for k in keys)]
    int8 = [m for m in same if all(str(m.get(k)).lower() in ("none", "null", "8", "")
                                   for k in ("operands.weights.quantize_bits", "operands.data.quantize_bits"))]
    return (int8 or same or [None])[0]


def too_many(res: Results, network: str, pts) -> str:
    """Why a comparison of `pts` is refused, with the keys to split it by."""
    keys = [k for k in merge_array_keys(res.swept_keys) if k not in NETWORK_KEYS]
    counts = [(k, len(unique(str(value_of(p, k)) for p in pts))) for k in keys]
    split = ", ".join(f"{k} ({n} values)" for k, n in counts if n > 1)
    return (f"{res.name}: {len(pts)} points of {network} are too many bars for a comparison (at most "
            f"{MAX_COMPARE}): split them with --facet KEY (keys that vary: {split}) or choose points with "
            f"--where KEY=VALUE")


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
        raise AnalysisError(too_many(res, network, pts))
    tot = res.totals(error_agg)
    at = {int(p): i for i, p in enumerate(tot["point"])}
    m = metric_for(pts, tot, at, metric)
    varying = [k for k in merge_array_keys(res.swept_keys) if k != "pe.kind" and k not in NETWORK_KEYS
               and len(unique(str(value_of(p, k)) for p in pts)) > 1]
    tr = [p for p in pts if p.is_tr]
    tr_budgets = [k for k in (WEIGHT_BUDGET, DATA_BUDGET) if len(unique(str(p.get(k)) for p in tr)) > 1] \
        or [WEIGHT_BUDGET, DATA_BUDGET]
    names = [_design_label(p, varying, tr_budgets) for p in pts]
    if len(set(names)) < len(names):  # still ambiguous: add the point index
        names = [f"{n} [p{p.index}]" for n, p in zip(names, pts)]
    n = len(pts)
    x = np.arange(n)
    g = lambda col: np.array([tot[col][at[p.index]] for p in pts], dtype=float)  # noqa: E731
    cycles, compute, ideal, stall = g("cycles"), g("compute_cycles"), g("ideal_cycles"), g("stall_cycles")
    sync = np.clip(compute - ideal, 0, None)
    # Each bar against the INT8 MAC point of its own design (same array and other design keys).
    macs = [p for p in pts if p.is_baseline]
    design = [k for k in varying if not k.endswith(NOT_DESIGN)]
    base = {p.index: _mac_of(p, macs, design) for p in pts}
    ref = np.array([cycles[pts.index(base[p.index])] if base[p.index] else np.nan for p in pts])
    has_ref = bool(np.isfinite(ref).any())

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
    if has_ref:
        data["cycles_vs_int8"] = cycles / ref
        for xi, c, r in zip(x, cycles, ref):
            if np.isfinite(r):
                ax_c.annotate(f"{c / r:.2f}\u00d7", (xi, c), xytext=(0, 2), textcoords="offset points",
                              ha="center", va="bottom", fontsize=8)
    ax_c.set_ylabel("cycles")
    ax_c.yaxis.set_major_formatter(EngFormatter(sep=""))
    ax_c.set_title("Cycles" + ((" (above bars: relative to the INT8 MAC" + (" of the same design" if design else "")
                                + ")") if has_ref else ""))
    h, lab = ax_c.get_legend_handles_labels()
    ax_c.legend(h[::-1], lab[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    # energy by component, from each point's own per-layer table
    comps = {name: np.zeros(n) for _, name in ENERGY_COMPONENTS}
    have_components = True
    for i, p in enumerate(pts):
        t = res.layer_table(p)
        if not all(c in t or c in OPTIONAL_ENERGY_COMPONENTS for c, _ in ENERGY_COMPONENTS):
            have_components = False
            break
        for c, name in ENERGY_COMPONENTS:
            comps[name][i] = np.nansum(energy_component(t, c)) / 1e6
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
