"""The term-distribution figure (the TR paper's figures of terms per value and per group), from the
term histograms trsim stores per layer (/layers/<layer>/term_hist_*, sim/run/TermHistograms.hpp):
element i of a histogram counts the items whose quantity is i.

Panels: terms per weight value and per data value, binary (set bits) against the configured encoding
(HESE by default) before TR and the terms TR kept; term pairs per (output, weight group), with the
budget's bound; exponents of the kept terms. Summed over the chosen layers."""
from __future__ import annotations

import numpy as np

from .figures import Figure, new_figure, safe_name, style, suptitle
from .results import AnalysisError, Point, Results

PREFIX = "term_hist_"
OPERAND_PANELS = (("weight", "weights"), ("data", "data"))


def read_histograms(res: Results, point: Point, layers=None) -> dict:
    """name (without the prefix) -> histogram summed over `layers` (default: every layer)."""
    names = res.layer_names(point)
    layers = list(layers) if layers else names
    out = {}
    with res._open_point(point) as f:
        g = f[point.group]["layers"]
        for layer in layers:
            if layer not in g:
                raise AnalysisError(f"{point.file}: no layer '{layer}' (layers: {', '.join(names)})")
            for key, ds in g[layer].items():
                if not key.startswith(PREFIX):
                    continue
                h = np.asarray(ds[()], dtype=np.float64)
                name = key[len(PREFIX):]
                acc = out.setdefault(name, np.zeros(0))
                n = max(len(acc), len(h))
                out[name] = np.pad(acc, (0, n - len(acc))) + np.pad(h, (0, n - len(h)))
    if not out:
        raise AnalysisError(f"{point.file}: point {point.index} has no term histograms "
                            f"(<layer>/{PREFIX}*; runs with outputs.term_histograms: false or before trsim stored them)")
    return out


def _mean(h) -> float:
    return float((np.arange(len(h)) * h).sum() / h.sum()) if h.sum() > 0 else float("nan")


def _share(h, n):
    h = np.pad(h, (0, max(0, n - len(h))))[:n]
    return h / h.sum() if h.sum() > 0 else h


def plot_terms(res: Results, point: Point = None, layers=None) -> Figure:
    point = point or res.point()
    h = read_histograms(res, point, layers)
    data = {"point": point.index, "layers": list(layers) if layers else res.layer_names(point), "histograms": h}
    with style():
        fig = new_figure(12.5, 7.6)
        axes = fig.subplots(2, 2)
        for ax, (op, key) in zip(axes[0], OPERAND_PANELS):
            enc = str(point.get(f"operands.{key}.encoding", "encoded"))
            budget, group = point.get(f"operands.{key}.budget"), point.get(f"operands.{key}.group_size")
            series = [(f"{op}_terms_binary", "binary (set bits)", "#7f7f7f"),
                      (f"{op}_terms_encoded", f"{enc.upper() if enc == 'hese' else enc}, before TR", "#1f77b4"),
                      (f"{op}_terms_kept", f"kept by TR ({budget} per group of {group})", "#d62728")]
            n = max(len(h.get(s, [])) for s, _, _ in series)
            x = np.arange(n)
            width = 0.8 / len(series)
            for i, (name, label, color) in enumerate(series):
                if name not in h:
                    continue
                ax.bar(x + (i - 1) * width, _share(h[name], n), width, color=color,
                       label=f"{label}: mean {_mean(h[name]):.2f}")
            ax.set_xticks(x)
            ax.set_xlabel(f"terms per {op} value")
            ax.set_ylabel("share of values")
            ax.set_title(f"{key}: terms per value")
            ax.legend(loc="upper right")
        ax = axes[1][0]
        pairs = h.get("term_pairs_per_group", np.zeros(1))
        ax.bar(np.arange(len(pairs)), _share(pairs, len(pairs)), 0.9, color="#2ca02c",
               label=f"mean {_mean(pairs):.2f} term pairs")
        wb, db = point.get("operands.weights.budget"), point.get("operands.data.budget")
        dg, wg = point.get("operands.data.group_size"), point.get("operands.weights.group_size")
        try:  # with per-value data TR a group's pairs are at most weight budget x data budget
            if str(dg) == "1":
                bound = int(wb) * int(db)
                ax.axvline(bound, color="#d62728", linestyle="--", label=f"budget bound {wb} x {db} = {bound}")
                data["pair_bound"] = bound
        except (TypeError, ValueError):
            pass
        ax.set_xlabel(f"term pairs per weight group of {wg} values (one output element)")
        ax.set_ylabel("share of groups")
        ax.set_title("term pairs per group (the tMAC's work)")
        ax.legend(loc="upper right")
        ax = axes[1][1]
        for (op, _), color, shift in zip(OPERAND_PANELS, ("#1f77b4", "#ff7f0e"), (-0.2, 0.2)):
            e = h.get(f"{op}_kept_exponents")
            if e is not None:
                ax.bar(np.arange(len(e)) + shift, _share(e, len(e)), 0.4, color=color, label=f"{op} terms kept")
        ax.set_xlabel("exponent e of a kept term (±2^e)")
        ax.set_ylabel("share of kept terms")
        ax.set_title("exponents of the kept terms")
        ax.legend(loc="upper right")
        where = f"point {point.index}, " if res.kind != "run" else ""
        which = "all layers" if not layers else ", ".join(layers)
        suptitle(fig, f"Term distributions: {point.network} ({where}{which})")
    stem = "terms" + ("" if not layers else "_" + safe_name("_".join(layers)))
    if res.kind != "run":
        stem += f"_p{point.index}"
    return Figure(stem, fig, data, [])
