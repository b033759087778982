"""TR against conventional quantization (QT) at equal PE count and at equal silicon area: the figure of
configs/sweeps/qt_vs_tr.yaml. One row per network; columns: cycles, on-chip energy (PEs, data path,
SRAM), total energy (with DRAM) and output error, each design as a pair of bars (equal PE count, equal
area, with the array each got).

    /usr/bin/python3 -m analysis.qt_vs_tr results/qt_vs_tr.h5 -o results/figures
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from .figures import Figure, new_figure, save
from .results import AnalysisError, Point, Results, load
from trsim_trace import tool

AREA_KEY = "array.area_mm2"
PANELS = (
    ("cycles", "cycles", 1.0, True),
    ("energy_on_chip_pj", "on-chip energy (\u00b5J)", 1e-6, False),
    ("energy_total_pj", "total energy with DRAM (\u00b5J)", 1e-6, False),
    ("error", "output error (rel. L2, last layer)", 1.0, False),
)


def _absent(value) -> bool:
    return value is None or str(value).strip() in ("", "none", "null", "~")


def design_label(p: Point) -> str:
    """'mac QT4', 'tMAC QT8' (conventional mode) or 'TR 12x3' for a point of the sweep."""
    kind = p.pe_kind
    qw, qd = p.get("operands.weights.quantize_bits"), p.get("operands.data.quantize_bits")
    if kind == "tr" and not _absent(p.get("operands.weights.budget")):
        return f"TR {p.get('operands.weights.budget')}x{p.get('operands.data.budget')}"
    name = "tMAC" if kind == "tr" else kind
    if _absent(qw) and _absent(qd):
        return f"{name} trace ints"
    return f"{name} QT{qw}" if qw == qd else f"{name} QT{qw}/{qd}"


def plot_qt_vs_tr(res: Results) -> Figure:
    table = res.table
    for column in ("energy_on_chip_pj", "energy_dram_pj", "array_rows"):
        if column not in table:
            raise AnalysisError(f"{res.name}: /summary has no '{column}' column (a sweep from a trsim with "
                                "precision-aware energy and area, issue 10)")
    points = res.ok_points()
    if not points:
        raise AnalysisError(f"{res.name}: no successful point to draw")
    totals = res.totals("last")
    at = {int(i): k for k, i in enumerate(totals["point"])}
    networks = res.networks()
    designs = list(dict.fromkeys(design_label(p) for p in points))
    sizings = list(dict.fromkeys("equal area" if not _absent(p.get(AREA_KEY)) else "equal PE count" for p in points))
    fig = new_figure(4.2 * len(PANELS), 3.4 * len(networks) + 0.6)
    axes = fig.subplots(len(networks), len(PANELS), squeeze=False)
    data = {"designs": designs, "sizings": sizings, "networks": {}}
    width = 0.8 / len(sizings)
    colors = ("#1f77b4", "#ff7f0e", "#2ca02c")
    for row, network in enumerate(networks):
        net = {s: {c: np.full(len(designs), np.nan) for c, *_ in PANELS + (("array_rows",),)} for s in sizings}
        for p in points:
            if p.network != network:
                continue
            s = "equal area" if not _absent(p.get(AREA_KEY)) else "equal PE count"
            d = designs.index(design_label(p))
            k = at[p.index]
            for column, *_ in PANELS:
                net[s][column][d] = totals[column][k]
            net[s]["array_rows"][d] = table["array_rows"][res.rows_of(p)[0]]
        data["networks"][network] = net
        x = np.arange(len(designs))
        for col, (column, label, scale, log) in enumerate(PANELS):
            ax = axes[row][col]
            if column == "error":  # the operands, not the array size, decide it: one bar per design
                ax.bar(x, net[sizings[0]][column], 0.6, color="#7f7f7f")
            for i, s in enumerate(sizings if column != "error" else ()):
                values = net[s][column] * scale
                bars = ax.bar(x - 0.4 + width * (i + 0.5), values, width, color=colors[i % len(colors)], label=s)
                if col == 0:  # the array each design got
                    for b, n in zip(bars, net[s]["array_rows"]):
                        if np.isfinite(n):
                            ax.annotate(f"{int(n)}\u00b2", (b.get_x() + b.get_width() / 2, b.get_height()),
                                        ha="center", va="bottom", fontsize=6, rotation=90)
            if log:
                ax.set_yscale("log")
            ax.set_xticks(x, designs, rotation=60, ha="right", fontsize=7.5)
            ax.set_ylabel(label)
            if col == 0:
                ax.set_title(network, loc="left", fontsize=10)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncols=len(sizings))
    fig.suptitle("QT at b bits against TR budgets: equal PE count and equal area (bar labels: the array)")
    return Figure("qt_vs_tr", fig, data)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m analysis.qt_vs_tr", description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="+", help="the qt_vs_tr sweep file (or run files)")
    ap.add_argument("-o", "--outdir", default="figures", help="output directory [figures]")
    args = ap.parse_args(argv)

    def body():
        tool.protect(args.inputs)  # the figures never replace an input; -o checked before any work
        tool.check_outputs([], args.inputs, directory_outputs=[args.outdir])
        for path in save(plot_qt_vs_tr(load(args.inputs)), args.outdir):
            print(path)
    return tool.run("analysis.qt_vs_tr", body, invalid=(AnalysisError,))


if __name__ == "__main__":
    sys.exit(main())
