"""PE utilization over the array, per layer (`heatmap`)."""
from __future__ import annotations

import numpy as np

from ..results import Point, Results
from .common import describe_keys
from .style import Figure, new_figure, safe_name, suptitle


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
    fig = new_figure(panel_w * ncols + 1.3, panel_h * nrows + (0.75 if n == 1 else 0.45))
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
    desc = point.describe(describe_keys(res))
    where = f"point {point.index}, " if res.kind != "run" else ""
    sep = "\n" if n == 1 else ": "
    suptitle(fig, f"PE utilization over the {rows}\u00d7{cols} array{sep}{point.network} ({where}{desc})")
    stem = "heatmap" if n > 1 else f"heatmap_{safe_name(next(iter(maps)))}"
    if res.kind != "run":
        stem += f"_p{point.index}"
    return Figure(stem, fig, data, notes)
