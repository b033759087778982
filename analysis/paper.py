"""The TR paper's table reproduced: TR over QT at equal accuracy per network, on the authors' settings.

Input: a sweep of configs/sweeps/paper.yaml (traces from traces/make_paper.py, which carry the authors'
published accuracy of each of their settings; trsim reports it as ``run/accuracy``). Every point with an
accuracy is the authors' setting that it expresses (traces/paper.py states the mapping):

* **QT**: ``pe.kind tr`` without budgets; their weight bits ``wb = operands.weights.quantize_bits + 1``,
  data bits ``db = operands.data.quantize_bits`` (unset: the traces' 8 bits, wb 9 / db 8);
* **TR**: ``pe.kind tr`` with budgets: weights ``group_size g``, ``budget k``, data ``budget s``.

The rule, fixed in advance (docs/paper.md):

1. the reference is the authors' "8-bit QT" row: the QT setting with the most weight bits (wb 9; the MLP's
   widest is 6);
2. a setting qualifies when its accuracy is at most 0.5 points below the reference (perplexity: at most
   1 percent above it);
3. per network, the cheapest qualifying QT and the cheapest qualifying TR setting by term pairs per MAC as the
   authors count them (``profile_model.py``): QT ``wb x db``, TR ``k x s / g``; a tie goes to the more
   accurate setting, then to the fewer trsim cycles;
4. ``term_pair_ratio`` is QT's term pairs over TR's; ``latency_ratio``, ``energy_ratio`` and
   ``on_chip_energy_ratio`` are trsim's cycles, total energy and on-chip energy of the QT point over the TR
   point (higher favours TR); ``paper_*`` are the authors' FPGA table (SPEC section 1).

``layers`` (as ``analysis isoaccuracy --layers``): ``all`` counts every layer; ``no-depthwise`` and ``paper``
sum cycles and energy over the kept layers only (``paper``: without the first conv and depthwise convs, the
authors' accounting). The choice does not depend on it (it is made by term pairs and accuracy).
"""
from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass

import numpy as np

from .isoaccuracy import LAYER_SETS, PAPER_FPGA, kept, layer_kinds
from .results import AnalysisError, Results, budget_value

COLUMNS = ("network", "qt_setting", "tr_setting", "qt_accuracy", "tr_accuracy", "term_pair_ratio",
           "latency_ratio", "energy_ratio", "on_chip_energy_ratio", "paper_latency_ratio", "paper_energy_ratio")
# trace network name prefix -> the paper's row (traces/paper.py names the traces <prefix>_paper)
PAPER_ROWS = (("resnet18", "ResNet-18"), ("vgg16", "VGG-16"), ("mobilenet_v2", "MobileNet-v2"),
              ("efficientnet_b0", "EfficientNet-b0"), ("mlp", "MLP"), ("lstm", "LSTM"))
ROW_ORDER = ("MLP", "VGG-16", "ResNet-18", "MobileNet-v2", "EfficientNet-b0", "LSTM")
TOLERANCE = {"accuracy": 0.5, "perplexity": 1.0}


def paper_row(network: str):
    for prefix, row in PAPER_ROWS:
        if network.startswith(prefix):
            return row
    return None


@dataclass
class Setting:
    point: object
    family: str          # "qt" | "tr" | "mac"
    label: str           # QT wb=8 db=8 | TR 12x3/g8 | INT8 MAC
    wb: int
    db: int
    term_pairs: float    # per MAC, the authors' accounting
    accuracy: float
    cycles: float
    energy_pj: float
    on_chip_pj: float


def _int(v, default):
    b = budget_value(v)
    return default if b is None else int(b)


def classify(p):
    """(family, label, wb, db, term pairs per MAC) of a point, in the authors' terms; family None for others."""
    wb = _int(p.get("operands.weights.quantize_bits"), 8) + 1
    db = _int(p.get("operands.data.quantize_bits"), 8)
    if p.pe_kind == "mac":
        label = "INT8 MAC" if (wb - 1, db) == (7, 8) else f"MAC w{wb - 1} d{db} bits"
        return "mac", label, wb, db, math.nan
    if p.pe_kind != "tr":
        return None, "", wb, db, math.nan
    k, s = budget_value(p.get("operands.weights.budget")), budget_value(p.get("operands.data.budget"))
    if k is None and s is None:
        return "qt", f"QT wb={wb} db={db}", wb, db, float(wb * db)
    if k is None or s is None:
        return None, "", wb, db, math.nan  # one-sided TR: not a setting of the authors' tables
    g = _int(p.get("operands.weights.group_size"), 8)
    return "tr", f"TR {int(k)}x{int(s)}/g{g}", wb, db, float(k) * float(s) / g


def _metric(res: Results, p) -> str:
    import h5py
    with h5py.File(p.file, "r") as f:
        path = f"{p.group.rstrip('/')}/run/accuracy"
        unit = f[path].attrs.get("unit", "") if path in f else ""
    unit = unit.decode() if isinstance(unit, bytes) else str(unit)
    return "perplexity" if unit == "perplexity" else "accuracy"


def _costs(res: Results, p, tot, i, layers: str):
    t = res.layer_table(p)
    names = [str(n) for n in t["layer"]]
    if layers == "all":
        mask = np.ones(len(names), dtype=bool)
    else:
        from .isoaccuracy import _trace_file
        kinds = layer_kinds(_trace_file(res, p))
        mask = np.array([kept(kinds, n, layers) for n in names], dtype=bool)
    cyc = float(np.nansum(np.asarray(t["cycles"], dtype=float)[mask]))
    energy = float(np.nansum(np.asarray(t["energy_total_pj"], dtype=float)[mask]))
    if "energy_on_chip_pj" in t:
        on_chip = float(np.nansum(np.asarray(t["energy_on_chip_pj"], dtype=float)[mask]))
    elif "energy_dram_pj" in t:
        on_chip = energy - float(np.nansum(np.asarray(t["energy_dram_pj"], dtype=float)[mask]))
    else:
        on_chip = math.nan
    return cyc, energy, on_chip


def qualifies(metric: str, value: float, threshold: float) -> bool:
    return value >= threshold if metric == "accuracy" else value <= threshold


def cheapest(settings: list, metric: str, threshold: float):
    """The qualifying setting with the fewest term pairs per MAC; ties: more accurate, then fewer cycles."""
    ok = [s for s in settings if qualifies(metric, s.accuracy, threshold)]
    if not ok:
        return None
    sign = -1 if metric == "accuracy" else 1
    return min(ok, key=lambda s: (s.term_pairs, sign * s.accuracy, s.cycles))


@dataclass
class NetworkTable:
    network: str         # the trace's network name
    row: str             # the paper's row
    metric: str
    reference: Setting
    threshold: float
    settings: list
    qt: Setting = None
    tr: Setting = None
    mac: Setting = None


def analyse(res: Results, layers: str = "all") -> list:
    if layers not in LAYER_SETS:
        raise AnalysisError(f"unknown layer set '{layers}' (allowed: {', '.join(LAYER_SETS)})")
    tot = res.totals()
    at = {int(i): k for k, i in enumerate(tot["point"])}
    out = []
    for net in res.networks():
        row = paper_row(net)
        pts = [p for p in res.ok_points() if p.network == net]
        settings = []
        for p in pts:
            fam, label, wb, db, tpm = classify(p)
            acc = float(tot["accuracy"][at[p.index]])
            if fam is None or not math.isfinite(acc):
                continue
            cyc, energy, on_chip = _costs(res, p, tot, at[p.index], layers)
            settings.append(Setting(p, fam, label, wb, db, tpm, acc, cyc, energy, on_chip))
        if row is None or not settings:
            continue
        metric = _metric(res, settings[0].point)
        qts = [s for s in settings if s.family == "qt"]
        if not qts:
            raise AnalysisError(f"{res.name}: network {net}: no QT point (pe.kind tr without budgets) with an "
                                f"accuracy: the reference is the authors' widest QT setting")
        ref = max(qts, key=lambda s: (s.wb, s.db))
        tol = TOLERANCE[metric]
        threshold = ref.accuracy - tol if metric == "accuracy" else ref.accuracy * (1 + tol / 100)
        nt = NetworkTable(net, row, metric, ref, threshold, settings)
        nt.qt = cheapest(qts, metric, threshold)
        nt.tr = cheapest([s for s in settings if s.family == "tr"], metric, threshold)
        macs = [s for s in settings if s.family == "mac"]
        nt.mac = macs[0] if macs else None
        out.append(nt)
    if not out:
        raise AnalysisError(f"{res.name}: no point of a paper network has an accuracy (make the traces with "
                            f"/usr/bin/python3 traces/make_traces.py paper and sweep configs/sweeps/paper.yaml)")
    out.sort(key=lambda t: ROW_ORDER.index(t.row) if t.row in ROW_ORDER else len(ROW_ORDER))
    return out


def _ratio(a, b):
    return a / b if (b and math.isfinite(a) and math.isfinite(b)) else math.nan


def table_rows(tables: list) -> list:
    rows = []
    for t in tables:
        q, r = t.qt, t.tr
        paper = PAPER_FPGA.get(t.row, (math.nan, math.nan))
        rows.append({
            "network": t.row,
            "qt_setting": q.label if q else "", "tr_setting": r.label if r else "",
            "qt_accuracy": q.accuracy if q else math.nan, "tr_accuracy": r.accuracy if r else math.nan,
            "term_pair_ratio": _ratio(q.term_pairs, r.term_pairs) if q and r else math.nan,
            "latency_ratio": _ratio(q.cycles, r.cycles) if q and r else math.nan,
            "energy_ratio": _ratio(q.energy_pj, r.energy_pj) if q and r else math.nan,
            "on_chip_energy_ratio": _ratio(q.on_chip_pj, r.on_chip_pj) if q and r else math.nan,
            "paper_latency_ratio": paper[0], "paper_energy_ratio": paper[1],
        })
    return rows


def _cell(v):
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.6g}"
    return v


def write_csv(rows: list, path: str) -> None:
    from trsim_trace import tool
    with tool.atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: _cell(r[k]) for k in COLUMNS})


def format_table(tables: list, rows: list, layers: str = "all") -> str:
    lines = [f"TR over QT at equal accuracy, the authors' settings (reference: their widest QT; tolerance 0.5 "
             f"points, perplexity 1 percent; cheapest by term pairs per MAC: QT wb x db, TR k x s / g; layers: "
             f"{layers})"]
    for t, r in zip(tables, rows):
        unit = "ppl" if t.metric == "perplexity" else "%"
        lines.append(f"{t.row:16s} ref {t.reference.label} {t.reference.accuracy:.2f}{unit}, threshold "
                     f"{t.threshold:.2f}: QT {r['qt_setting'] or '-'} ({r['qt_accuracy']:.2f}), TR "
                     f"{r['tr_setting'] or '-'} ({r['tr_accuracy']:.2f}); term pairs {r['term_pair_ratio']:.2f}, "
                     f"latency {r['latency_ratio']:.2f}, energy {r['energy_ratio']:.2f}, on-chip "
                     f"{r['on_chip_energy_ratio']:.2f}; paper {r['paper_latency_ratio']} / "
                     f"{r['paper_energy_ratio']}")
    return "\n".join(lines)


def plot(tables: list, rows: list):
    """paper_table: per network, trsim's QT/TR latency and energy ratios beside the paper's FPGA table and the
    authors' term-pair ratio."""
    from matplotlib.figure import Figure as MplFigure

    from .figures import Figure
    fig = MplFigure(figsize=(11, 3.8))
    axes = fig.subplots(1, 2)
    x = np.arange(len(rows))
    names = [r["network"] for r in rows]
    panels = (("latency (QT cycles / TR cycles)", (("term_pair_ratio", "authors' term pairs", "#bbbbbb"),
                                                   ("latency_ratio", "trsim cycles", "#1f77b4"),
                                                   ("paper_latency_ratio", "paper FPGA", "#d62728"))),
              ("energy (QT / TR)", (("energy_ratio", "trsim total", "#1f77b4"),
                                    ("on_chip_energy_ratio", "trsim on-chip", "#9ecae1"),
                                    ("paper_energy_ratio", "paper FPGA", "#d62728"))))
    for ax, (title, bars) in zip(axes, panels):
        w = 0.8 / len(bars)
        for j, (col, label, color) in enumerate(bars):
            vals = [r[col] for r in rows]
            b = ax.bar(x + (j - (len(bars) - 1) / 2) * w, vals, w, label=label, color=color)
            for rect, v in zip(b, vals):
                if math.isfinite(v):
                    ax.annotate(f"{v:.1f}", (rect.get_x() + rect.get_width() / 2, v), ha="center", va="bottom",
                                fontsize=6)
        ax.axhline(1.0, color="k", lw=0.6)
        ax.set_xticks(x)
        ax.set_xticklabels(names, fontsize=7, rotation=12)
        ax.set_title(title, fontsize=9)
        ax.set_ylabel("ratio (higher favours TR)", fontsize=8)
        ax.legend(fontsize=7)
    settings = "; ".join(f"{r['network']}: {r['qt_setting'].replace('QT ', '')} vs {r['tr_setting']}" for r in rows)
    fig.suptitle("TR over QT at equal accuracy on the 64 x 128 tMAC array: trsim beside the paper", fontsize=10)
    fig.text(0.5, 0.005, settings, ha="center", fontsize=6)
    fig.tight_layout(rect=(0, 0.03, 1, 0.95))
    return Figure("paper_table", fig, data={"rows": rows})
