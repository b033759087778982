"""What every figure shares: the matplotlib style, the `Figure` result, saving (PNG and PDF), number
and label formatting, colours and reference-line styles, legends outside the data, point labels
that avoid each other.

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
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.transforms import Bbox
from trsim_trace import tool

from ..results import fmt_value  # noqa: F401 (the data layer's; the figures import it from here)

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
    ("energy_output_stage_pj", "output stage"),
    ("energy_sram_pj", "SRAM"),
    ("energy_dram_pj", "DRAM"),
    ("energy_static_pj", "static (leakage)"),
)
ENERGY_COLORS = ("#1f77b4", "#aec7e8", "#2ca02c", "#98df8a", "#9467bd", "#ff7f0e", "#d62728", "#7f7f7f")
# Components that results files written before the energy model had them (output stage, static energy) lack:
# read as zero there, so older files still plot; in newer files the components sum to energy_total_pj.
OPTIONAL_ENERGY_COMPONENTS = frozenset({"energy_output_stage_pj", "energy_static_pj"})


def energy_component(table, column):
    """A per-layer energy component column of `table` (pJ); zeros for an optional one the file lacks."""
    if column in table:
        return table[column]
    if column in OPTIONAL_ENERGY_COMPONENTS:
        return table["cycles"] * 0.0
    raise KeyError(column)


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
            with tool.atomic_path(p) as tmp:  # never half a figure; never over an input (tool.protect)
                figure.fig.savefig(tmp, format=ext, bbox_inches="tight", pad_inches=0.08)
            paths.append(p)
    return paths


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", str(text)).strip("_") or "x"


def new_figure(w, h) -> MplFigure:
    with style():
        return MplFigure(figsize=(w, h), layout="constrained")


def palette(n):
    cmap = matplotlib.colormaps["tab10"] if n <= 10 else matplotlib.colormaps["tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


_LABEL_SPOTS = (  # offset (points) and alignment of a point label, in order of preference
    (5, 4, "left", "bottom"), (5, -4, "left", "top"), (-5, 4, "right", "bottom"), (-5, -4, "right", "top"),
    (7, 0, "left", "center"), (-7, 0, "right", "center"), (0, 7, "center", "bottom"), (0, -7, "center", "top"),
    (12, 10, "left", "bottom"), (-12, -10, "right", "top"), (12, -10, "left", "top"), (-12, 10, "right", "bottom"),
)


def place_labels(fig, labels, obstacles, fontsize=7.5):
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


def suptitle(fig, text: str, fontsize: float = 12.0):
    """A figure title wrapped to the figure's width (so it is never cut off)."""
    width_chars = max(30, int(fig.get_figwidth() * 72 / (fontsize * 0.56)))
    lines = []
    for part in text.split("\n"):
        lines += textwrap.wrap(part, width_chars, break_on_hyphens=False) or [""]
    fig.suptitle("\n".join(lines), fontsize=fontsize)
    fig.trsim_title = (text, fontsize)  # unwrapped, for add_to_title


def add_to_title(fig, text: str):
    """Appends a line to a figure's title (e.g. the facet it shows): a new title when it has none."""
    title, fontsize = getattr(fig, "trsim_title", ("", 12.0))
    if text in title:  # the figure says it already (e.g. "32x32 array" of a single-array figure)
        return
    suptitle(fig, f"{title}\n{text}" if title else text, fontsize)


def pct(share: float) -> str:
    if share == 0:
        return "0%"
    if share < 0.1:
        return f"{share:.2g}%"
    return f"{share:.1f}%"


def maybe_log(ax, values, axis="y", ratio=30.0):
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    if len(v) and np.all(v > 0) and v.max() / v.min() > ratio:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
        return True
    return False


_REF_STYLES = (("black", (6, 3)), ("#8c564b", (2, 2)), ("#7f7f7f", (6, 2, 2, 2)), ("#9467bd", (10, 3)),
               ("#bcbd22", (4, 2)), ("#17becf", (1, 2)), ("#e377c2", (8, 2, 1, 2)))


def ref_style(i):
    return _REF_STYLES[i % len(_REF_STYLES)]


KIND_MARKERS = {"tr": ("o", "#7f7f7f"), "mac": ("s", "#1f77b4"), "stripes": ("^", "#2ca02c"),
                 "pragmatic": ("v", "#ff7f0e"), "laconic": ("D", "#9467bd"), "dnateq": ("P", "#8c564b")}


def legend_outside(ax, handles=None, **kwargs):
    """A legend to the right of the axes, outside the data (the figure grows to hold it); entries
    longer than 50 characters are wrapped."""
    kwargs.setdefault("loc", "upper left")
    kwargs.setdefault("bbox_to_anchor", (1.02, 1.0))
    kwargs.setdefault("borderaxespad", 0.0)
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    else:
        labels = [h.get_label() for h in handles]
    labels = ["\n".join(textwrap.wrap(t, 50, break_on_hyphens=False)) or t for t in labels]
    return ax.legend(handles, labels, **kwargs)
