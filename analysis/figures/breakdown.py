"""Per-layer stacked bars of one point: energy by component and cycles (`breakdown`)."""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import EngFormatter

from ..results import AnalysisError, Point, Results
from .common import describe_keys
from .style import (ENERGY_COLORS, ENERGY_COMPONENTS, OPTIONAL_ENERGY_COMPONENTS, Figure, energy_component,
                    new_figure, pct, suptitle)


def plot_breakdown(res: Results, point: Point = None) -> Figure:
    """For one point (one run): stacked bars per layer of the energy components (uJ) and of the cycles
    (compute split into ideal work and lock-step sync loss when the file has sync_loss_cycles, and
    memory stalls)."""
    point = point or res.point()
    t = res.layer_table(point)
    where = f"{point.file}: {point.group.rstrip('/')}/summary"
    missing = [c for c, _ in ENERGY_COMPONENTS if c not in t and c not in OPTIONAL_ENERGY_COMPONENTS] + \
              [c for c in ("cycles", "compute_cycles", "stall_cycles") if c not in t]
    if missing:
        raise AnalysisError(f"{where} lacks {', '.join(missing)} (needed for the per-layer breakdown)")
    layers = list(t["layer"])
    n = len(layers)
    x = np.arange(n)
    rot = 45 if n > 12 or max(len(s) for s in layers) > 8 else 0
    fig = new_figure(max(9.0, 5.5 + 0.4 * n), 7.6 + (0.5 if rot else 0.0))
    ax_e, ax_c = fig.subplots(2, 1, sharex=True)
    width = 0.7
    bottom = np.zeros(n)
    total_all = float(np.sum([np.sum(energy_component(t, c)) for c, _ in ENERGY_COMPONENTS]))
    data = {"layers": layers, "energy_uj": {}, "cycles": {}, "point": point.index}
    for (col, name), color in zip(ENERGY_COMPONENTS, ENERGY_COLORS):
        v = np.asarray(energy_component(t, col), dtype=float) / 1e6
        share = 100.0 * float(np.sum(v)) * 1e6 / total_all if total_all > 0 else 0.0
        ax_e.bar(x, v, width, bottom=bottom, color=color, label=f"{name} ({pct(share)})", edgecolor="white",
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
        ax_c.bar(x, v, width, bottom=bottom, color=color, label=f"{name} ({pct(share)})", edgecolor="white",
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
    desc = point.describe(describe_keys(res))
    where = f"point {point.index}, " if res.kind != "run" else ""
    suptitle(fig, f"Per-layer breakdown: {point.network} ({where}{desc})")
    name = "breakdown" if res.kind == "run" else f"breakdown_p{point.index}"
    return Figure(name, fig, data)
