"""TR against conventional quantization (QT) at equal model quality: the paper's headline as one table.

Per network of a sweep, every point with an accuracy is one of:

* **QT on the tMAC array**: ``pe.kind = tr`` without budgets (binary terms, the tMAC's conventional mode) at
  ``operands.*.quantize_bits`` b (none = the trace's 8 bits); labelled INT-b;
* **TR**: ``pe.kind = tr`` with a weight and/or data budget;
* **INT-b MAC array**: ``pe.kind = mac`` at b bits (the bit-parallel baseline).

The reference quality is the 8-bit model (a point without budgets and without QT; its accuracy is the
trace's int8 metric). A setting qualifies when its accuracy is at most ``tolerance`` points below it
(accuracy; default 0.5) or its perplexity at most ``tolerance`` percent above it (default 1). Per network
and array (points grouped by ``array.area_mm2`` when the sweep sets it, else by rows x cols), the cheapest
(fewest cycles) qualifying QT, TR and MAC settings give the ratios QT/TR and MAC/TR of latency (cycles),
total energy and on-chip energy (``energy_on_chip_pj`` when the results have it, else total minus
``energy_dram_pj``; empty when neither exists).

Which layers count (``layers``): ``all`` (default) takes the whole-network totals; ``no-depthwise``
leaves out depthwise convolutions (a conv whose groups equal its input channels: weights [N, 1, KH, KW]
with groups > 1, the test trsim's ``run/depthwise_cycle_share`` uses); ``paper`` leaves out the first
conv too, as the authors' accounting (``profile_model.py``) does. The kinds come from the point's trace
(``trace_path``: a layer's ``type``, ``groups`` and weight shape), the results' layers being named as the
trace's; cycles, energy and on-chip energy are then summed over the kept layers' per-layer results and
the cheapest setting is chosen by those cycles. Accuracy stays the whole network's (every layer runs
with the setting).

Beside them: the paper's FPGA table (TR over QT on the same 64x128 tMAC array at equal model quality) and
the authors' own cost accounting (``profile_model.py``: QT wb x db term pairs per MAC, TR k x s per group
of g weights, data per value), evaluated at the chosen settings.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .results import AnalysisError, Results, array_config, budget_value, fmt_num

# The paper's FPGA table (section 1 of the TR paper; SPEC section 6): TR over QT on the same tMAC array.
PAPER_FPGA = {  # row: (latency ratio, energy-efficiency ratio)
    "MLP": (6.2, 4.1), "VGG-16": (10.8, 7.0), "ResNet-18": (8.8, 5.9), "MobileNet-v2": (7.3, 4.6),
    "EfficientNet-b0": (8.1, 5.2), "LSTM": (3.3, 2.1),
}
# Which paper row a trsim network stands for: the family, not the size (ours are Fashion-MNIST / KJV models).
PAPER_ROW = {"mlp": "MLP", "cnn": "VGG-16", "resnet": "ResNet-18", "mbv2se": "MobileNet-v2", "lstm": "LSTM"}
TEST_SIZE = 10000  # Fashion-MNIST test images: the binomial standard error of an accuracy

QT_BITS_KEYS = ("operands.weights.quantize_bits", "operands.data.quantize_bits")
W_BUDGET, D_BUDGET = "operands.weights.budget", "operands.data.budget"
LAYER_SETS = ("all", "no-depthwise", "paper")
LAYER_SET_HELP = {"all": "every layer", "no-depthwise": "without depthwise convs",
                  "paper": "without the first conv and depthwise convs (the authors' accounting)"}


def paper_row(network: str):
    for prefix, row in PAPER_ROW.items():
        if network.startswith(prefix):
            return row
    return None


def _bits(v):
    b = budget_value(v)
    return None if b is None else int(b)


@dataclass
class Candidate:
    point: object
    family: str          # "qt" | "tr" | "mac"
    label: str           # INT6, w k12/g8 d k3, INT8 MAC
    accuracy: float
    cycles: float
    energy_pj: float
    on_chip_pj: float    # NaN when unknown
    term_pairs_per_mac: float  # the authors' accounting
    array: str           # "area 1 mm2" or "32x32": the array configuration the point asked for
    ran_on: str = ""     # "20x20": the array it ran on (an area gives each kind its own)


@dataclass
class NetworkResult:
    network: str
    metric: str          # accuracy | perplexity
    reference: float
    tolerance: float
    threshold: float
    noise: float         # binomial standard error of the reference (NaN for perplexity)
    candidates: list = field(default_factory=list)
    chosen: dict = field(default_factory=dict)   # (array, family) -> Candidate
    unscored: dict = field(default_factory=dict)  # (array, family) -> points without an accuracy
    layers: str = "all"  # which layers count: all | no-depthwise | paper
    counted: list = field(default_factory=list)   # layer names counted (every layer: all of them)
    left_out: list = field(default_factory=list)  # layer names left out of cycles and energy


def qualifies(metric: str, value: float, threshold: float) -> bool:
    return value >= threshold if metric == "accuracy" else value <= threshold


def _classify(p):
    kind = p.pe_kind
    wq, dq = (_bits(p.get(k)) for k in QT_BITS_KEYS)
    wk, dk = budget_value(p.get(W_BUDGET)), budget_value(p.get(D_BUDGET))
    qt_label = "INT8" if wq is None and dq is None else \
        (f"INT{wq}" if wq == dq else f"W{wq or 8}A{dq or 8}")
    if kind == "mac":
        return "mac", qt_label + " MAC", (wq or 8) * (dq or 8)
    if kind != "tr":
        return None, "", math.nan
    if wk is None and dk is None:
        return "qt", qt_label, (wq or 8) * (dq or 8)
    wg = int(p.get("operands.weights.group_size", 8))
    dg = int(p.get("operands.data.group_size", 1))
    w_terms = (wk / wg) if wk is not None else (wq or 8)
    d_terms = (dk / dg) if dk is not None else (dq or 8)
    label = (f"w k{wk}/g{wg}" if wk is not None else "w exact") + " " + \
        (f"d k{dk}" + (f"/g{dg}" if dg != 1 else "") if dk is not None else "d exact")
    if wq is not None or dq is not None:
        label += f" {qt_label}"
    return "tr", label, w_terms * d_terms


def _trace_file(res: Results, p) -> str:
    """The point's trace file: its trace_path as recorded, else beside the results file."""
    import os

    import h5py
    with h5py.File(p.file, "r") as f:
        g = f[p.group]
        raw = g.attrs.get("trace_path", "")
    path = raw.decode() if isinstance(raw, bytes) else str(raw)
    if not path:
        raise AnalysisError(f"{p.file}: {p.group} has no trace_path attribute (--layers needs the trace "
                            f"for the layers' kinds)")
    tries = [path] + ([] if os.path.isabs(path) else [os.path.join(os.path.dirname(os.path.abspath(p.file)), path)])
    for t in tries:
        if os.path.isfile(t):
            return t
    raise AnalysisError(f"{p.file}: point {p.index}: trace '{path}' not found (--layers reads the layers' kinds "
                        f"from it; run from where the sweep ran, or use --layers all)")


_KINDS_CACHE = {}


def layer_kinds(trace_path: str) -> dict:
    """Layer name -> 'first_conv' | 'depthwise' | 'conv' | type ('fc', 'lstm') of a trace: depthwise is a
    grouped conv with one input channel per group (weights [N, 1, KH, KW], groups > 1), as trsim's
    isDepthwise; the first conv is the conv with the lowest index."""
    import os

    import h5py
    key = os.path.abspath(trace_path)
    if key in _KINDS_CACHE:
        return _KINDS_CACHE[key]
    kinds, order = {}, []
    with h5py.File(trace_path, "r") as f:
        if "layers" not in f:
            raise AnalysisError(f"{trace_path}: no /layers group (not a trsim trace)")
        for name, g in f["layers"].items():
            a = g.attrs
            typ = a.get("type", "")
            typ = typ.decode() if isinstance(typ, bytes) else str(typ)
            kind = typ
            if typ == "conv":
                shape = g["weights"].shape if "weights" in g else ()
                groups = int(a.get("groups", 1))
                kind = "depthwise" if groups > 1 and len(shape) == 4 and shape[1] == 1 else "conv"
            kinds[name] = kind
            order.append((int(a.get("index", len(order))), name))
    convs = [n for _, n in sorted(order) if kinds[n] == "conv"]
    if convs:
        kinds[convs[0]] = "first_conv"
    _KINDS_CACHE[key] = kinds
    return kinds


def kept(kinds: dict, name: str, layers: str) -> bool:
    k = kinds.get(name)
    if k is None:
        raise AnalysisError(f"layer '{name}' is not in the trace (layers: {', '.join(kinds)})")
    if layers == "all":
        return True
    if k == "depthwise":
        return False
    return not (layers == "paper" and k == "first_conv")


def _layer_costs(res: Results, p, layers: str):
    """(cycles, energy_pj, on_chip_pj, kept layer names, left-out layer names) over the kept layers."""
    t = res.layer_table(p)
    kinds = layer_kinds(_trace_file(res, p))
    names = [str(n) for n in t["layer"]]
    mask = np.array([kept(kinds, n, layers) for n in names], dtype=bool)
    cyc = float(np.nansum(np.asarray(t["cycles"], dtype=float)[mask]))
    energy = float(np.nansum(np.asarray(t["energy_total_pj"], dtype=float)[mask]))
    if "energy_on_chip_pj" in t:
        on_chip = float(np.nansum(np.asarray(t["energy_on_chip_pj"], dtype=float)[mask]))
    elif "energy_dram_pj" in t:
        on_chip = energy - float(np.nansum(np.asarray(t["energy_dram_pj"], dtype=float)[mask]))
    else:
        on_chip = math.nan
    return cyc, energy, on_chip, [n for n, m in zip(names, mask) if m], [n for n, m in zip(names, mask) if not m]


def _array_of(p) -> str:
    return array_config(p)


def _ran_on(p) -> str:
    """The array the point ran on: /run/array_rows x array_cols, else its configured rows x cols."""
    if p.ran_on:
        return f"{p.ran_on[0]}x{p.ran_on[1]}"
    return f"{p.get('array.rows', '?')}x{p.get('array.cols', '?')}"


def _metric_name(res: Results, p) -> str:
    import h5py
    with h5py.File(p.file, "r") as f:
        path = f"{p.group.rstrip('/')}/run/accuracy"
        if path in f:
            unit = f[path].attrs.get("unit", "")
            unit = unit.decode() if isinstance(unit, bytes) else str(unit)
            if unit in ("accuracy", "perplexity"):
                return unit
    return ""


def _on_chip(res: Results, p) -> float:
    try:
        t = res.layer_table(p)
    except AnalysisError:
        return math.nan
    if "energy_on_chip_pj" in t:
        return float(np.nansum(t["energy_on_chip_pj"]))
    if "energy_dram_pj" in t and "energy_total_pj" in t:
        return float(np.nansum(t["energy_total_pj"]) - np.nansum(t["energy_dram_pj"]))
    return math.nan


def analyse(res: Results, tolerance: float = None, test_size: int = TEST_SIZE, layers: str = "all") -> list:
    """One NetworkResult per network with an accuracy; raises AnalysisError when none has one. `layers`
    (LAYER_SETS) says which layers' cycles and energy count."""
    if layers not in LAYER_SETS:
        raise AnalysisError(f"unknown layer set '{layers}' (allowed: {', '.join(LAYER_SETS)})")
    tot = res.totals()
    at = {int(i): k for k, i in enumerate(tot["point"])}
    out = []
    for net in res.networks():
        every = [p for p in res.ok_points() if p.network == net]
        pts = [p for p in every if np.isfinite(tot["accuracy"][at[p.index]])]
        if not pts:
            continue
        unscored = {}
        for p in every:
            fam = _classify(p)[0]
            if fam is not None and p not in pts:
                unscored[(_array_of(p), fam)] = unscored.get((_array_of(p), fam), 0) + 1
        metric = _metric_name(res, pts[0]) or ("perplexity" if tot["accuracy"][at[pts[0].index]] > 1 else "accuracy")
        cands = []
        counted, left_out = None, None
        for p in pts:
            fam, label, tpm = _classify(p)
            if fam is None:
                continue
            i = at[p.index]
            if layers == "all":
                cyc, energy, on_chip = float(tot["cycles"][i]), float(tot["energy_total_pj"][i]), _on_chip(res, p)
                names = res.layer_names(p) if counted is None else counted
                out_names = []
            else:
                cyc, energy, on_chip, names, out_names = _layer_costs(res, p, layers)
            if counted is None:
                counted, left_out = names, out_names
            elif names != counted:
                raise AnalysisError(f"{res.name}: network {net}: point {p.index} has layers {names}, "
                                    f"point {pts[0].index} {counted}")
            cands.append(Candidate(p, fam, label, float(tot["accuracy"][i]), cyc, energy, on_chip, tpm,
                                   _array_of(p), _ran_on(p)))
        refs = [c for c in cands if c.family in ("qt", "mac") and c.label.startswith("INT8")]
        if not refs:
            raise AnalysisError(f"{res.name}: network {net}: no 8-bit reference point (pe.kind tr without budgets "
                                f"or mac, without quantize_bits) with an accuracy")
        ref = refs[0].accuracy
        tol = tolerance if tolerance is not None else (0.5 if metric == "accuracy" else 1.0)
        threshold = ref - tol / 100 if metric == "accuracy" else ref * (1 + tol / 100)
        noise = math.sqrt(ref * (1 - ref) / test_size) if metric == "accuracy" else math.nan
        nr = NetworkResult(net, metric, ref, tol, threshold, noise, cands, unscored=unscored, layers=layers,
                           counted=list(counted or []), left_out=list(left_out or []))
        for c in cands:
            if not qualifies(metric, c.accuracy, threshold):
                continue
            k = (c.array, c.family)
            if k not in nr.chosen or c.cycles < nr.chosen[k].cycles:
                nr.chosen[k] = c
        out.append(nr)
    if not out:
        raise AnalysisError(f"{res.name}: no point has an accuracy (score the sweep's settings first: "
                            f"/usr/bin/python3 traces/score.py sweep SWEEP.yaml)")
    return out


def _ratio(a, b):
    return a / b if (b and np.isfinite(a) and np.isfinite(b)) else math.nan


def comparisons(results: list) -> list:
    """Rows of the CSV / printout: per network and array, each baseline family against the cheapest TR."""
    rows = []
    for nr in results:
        arrays = list(dict.fromkeys(c.array for c in nr.candidates))
        for arr in arrays:
            tr = nr.chosen.get((arr, "tr"))
            for fam, view in (("qt", "QT on the same tMAC array"), ("mac", "INT-b MAC array")):
                # A sweep asks for a comparison by having points of the baseline in this array (the shipped
                # sweep sizes only MAC and TR arrays to an area); without any, there is nothing to report.
                ran = any(c.family == fam and c.array == arr for c in nr.candidates) or nr.unscored.get((arr, fam))
                if not ran:
                    continue
                base = nr.chosen.get((arr, fam))
                row = dict(network=nr.network, paper_row=paper_row(nr.network) or "", metric=nr.metric,
                           reference=nr.reference, tolerance=nr.tolerance, threshold=nr.threshold,
                           noise_se=nr.noise, layers=nr.layers, layers_counted=len(nr.counted),
                           layers_left_out=" ".join(nr.left_out), array=arr, baseline=view,
                           baseline_setting=base.label if base else "", baseline_accuracy=base.accuracy if base else math.nan,
                           tr_setting=tr.label if tr else "", tr_accuracy=tr.accuracy if tr else math.nan,
                           baseline_array=base.ran_on if base else "", tr_array=tr.ran_on if tr else "",
                           baseline_cycles=base.cycles if base else math.nan,
                           tr_cycles=tr.cycles if tr else math.nan,
                           baseline_energy_pj=base.energy_pj if base else math.nan,
                           tr_energy_pj=tr.energy_pj if tr else math.nan,
                           baseline_on_chip_pj=base.on_chip_pj if base else math.nan,
                           tr_on_chip_pj=tr.on_chip_pj if tr else math.nan,
                           latency_ratio=_ratio(base.cycles, tr.cycles) if base and tr else math.nan,
                           energy_ratio=_ratio(base.energy_pj, tr.energy_pj) if base and tr else math.nan,
                           on_chip_energy_ratio=_ratio(base.on_chip_pj, tr.on_chip_pj) if base and tr else math.nan,
                           term_pair_ratio=_ratio(base.term_pairs_per_mac, tr.term_pairs_per_mac)
                           if base and tr else math.nan)
                paper = PAPER_FPGA.get(row["paper_row"]) if fam == "qt" else None
                row["paper_latency_ratio"] = paper[0] if paper else math.nan
                row["paper_energy_ratio"] = paper[1] if paper else math.nan
                why = []
                for f, chosen in ((fam, base), ("tr", tr)):
                    n = nr.unscored.get((arr, f), 0)
                    if chosen is None:
                        why.append(f"no {f.upper()} point within tolerance")
                    if n:
                        why.append(f"{n} {f.upper()} point(s) without accuracy: score them with "
                                   f"traces/score.py sweep SWEEP.yaml")
                row["note"] = "; ".join(why)
                rows.append(row)
    return rows


CSV_COLUMNS = ("network", "paper_row", "metric", "reference", "tolerance", "threshold", "noise_se", "layers",
               "layers_counted", "layers_left_out", "array",
               "baseline", "baseline_setting", "baseline_accuracy", "tr_setting", "tr_accuracy",
               "baseline_array", "tr_array", "baseline_cycles", "tr_cycles", "baseline_energy_pj", "tr_energy_pj",
               "baseline_on_chip_pj", "tr_on_chip_pj", "latency_ratio",
               "energy_ratio", "on_chip_energy_ratio", "term_pair_ratio", "paper_latency_ratio",
               "paper_energy_ratio", "note")


# Absolute numbers are written in full (repr precision, integers without '.0'); ratios and accuracies to 6 digits.
EXACT_COLUMNS = ("baseline_cycles", "tr_cycles", "baseline_energy_pj", "tr_energy_pj", "baseline_on_chip_pj",
                 "tr_on_chip_pj")


def _cell(v, exact=False):
    if isinstance(v, float):
        if not np.isfinite(v):
            return ""
        return fmt_num(v) if exact else f"{v:.6g}"
    return str(v)


def write_csv(rows: list, path: str) -> None:
    import csv

    from trsim_trace import tool
    with tool.atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for r in rows:
            w.writerow([_cell(r[c], c in EXACT_COLUMNS) for c in CSV_COLUMNS])


def format_table(results: list, rows: list) -> str:
    lines = []
    for nr in results:
        unit = "points" if nr.metric == "accuracy" else "%"
        ref = f"{100 * nr.reference:.2f} %" if nr.metric == "accuracy" else f"ppl {nr.reference:.2f}"
        se = f", test-set SE {100 * nr.noise:.2f} points" if np.isfinite(nr.noise) else ""
        lines.append(f"{nr.network}: 8-bit {ref}, tolerance {nr.tolerance:g} {unit}{se}")
        n = len(nr.counted) + len(nr.left_out)
        lines.append(f"  layers counted: {nr.layers} ({LAYER_SET_HELP[nr.layers]}): {len(nr.counted)} of {n}"
                     + (f", left out: {', '.join(nr.left_out)}" if nr.left_out else ""))
        for r in (r for r in rows if r["network"] == nr.network):
            fmt = (lambda v: f"{100 * v:.2f}") if nr.metric == "accuracy" else (lambda v: f"{v:.2f}")
            acc = lambda v: fmt(v) if np.isfinite(v) else "-"  # noqa: E731
            rat = lambda v: f"{v:.2f}x" if np.isfinite(v) else "-"  # noqa: E731
            paper = f"  paper {rat(r['paper_latency_ratio'])} / {rat(r['paper_energy_ratio'])}" \
                if np.isfinite(r["paper_latency_ratio"]) else ""
            lines.append(
                f"  [{r['array']}] {r['baseline']}: {r['baseline_setting'] or '-'} ({acc(r['baseline_accuracy'])}) "
                f"vs TR {r['tr_setting'] or '-'} ({acc(r['tr_accuracy'])}): latency {rat(r['latency_ratio'])}, "
                f"energy {rat(r['energy_ratio'])}, on-chip {rat(r['on_chip_energy_ratio'])}, "
                f"term pairs {rat(r['term_pair_ratio'])}{paper}"
                + (f"  ({r['note']})" if r["note"] else ""))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Figures (a paper column: 3.5 in wide)

COLUMN_WIDTH = 3.5


def plot_ratios(results: list, rows: list):
    """Per network: trsim's QT/TR latency and energy ratios on the same tMAC array beside the paper's FPGA
    table and the authors' term-pair ratio; the tolerance and test-set noise in each tick label."""
    from .figures import Figure, new_figure
    qt_rows = [r for r in rows if r["baseline"].startswith("QT")]
    if not qt_rows:
        return Figure("isoaccuracy", None, notes=["isoaccuracy: no network has both a QT and a TR point"])
    fig = new_figure(COLUMN_WIDTH, 1.0 + 0.55 * len(qt_rows))
    ax = fig.add_subplot(1, 1, 1)
    series = [("latency_ratio", "trsim latency", "#1f77b4", ""), ("energy_ratio", "trsim energy", "#ff7f0e", ""),
              ("on_chip_energy_ratio", "trsim on-chip energy", "#ffbb78", ""),
              ("paper_latency_ratio", "paper FPGA latency", "#1f77b4", "//"),
              ("paper_energy_ratio", "paper FPGA energy eff.", "#ff7f0e", "//"),
              ("term_pair_ratio", "term pairs (authors)", "#7f7f7f", "")]
    series = [s for s in series if any(np.isfinite(r[s[0]]) for r in qt_rows)]
    h = 0.8 / max(1, len(series))
    y = np.arange(len(qt_rows))
    data = {}
    for k, (col, label, color, hatch) in enumerate(series):
        vals = np.array([r[col] for r in qt_rows], dtype=float)
        data[col] = vals
        ax.barh(y - 0.4 + h * (k + 0.5), np.nan_to_num(vals), height=h, color=color, hatch=hatch,
                edgecolor="black" if hatch else color, linewidth=0.3, label=label)
    ax.axvline(1.0, color="black", linewidth=0.6)
    ticks = []
    for r in qt_rows:
        tol = f"{r['tolerance']:g}{' pt' if r['metric'] == 'accuracy' else ' %'}"
        se = f", SE {100 * r['noise_se']:.2f}" if np.isfinite(r["noise_se"]) else ""
        ticks.append(f"{r['network'].split('_')[0]} ({r['paper_row'] or '-'})\n"
                     f"{r['baseline_setting'] or '-'} vs {r['tr_setting'] or '-'}\ntol {tol}{se}")
    ax.set_yticks(y, ticks, fontsize=5.5)
    ax.invert_yaxis()
    ax.set_xlabel("QT / TR ratio at equal accuracy (higher: TR better)", fontsize=7)
    ax.tick_params(axis="x", labelsize=6)
    ax.legend(fontsize=5.5, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    which = results[0].layers if results else "all"
    ax.set_title("TR vs QT on the same tMAC array at equal accuracy"
                 + ("" if which == "all" else f"\nlayers: {LAYER_SET_HELP[which]}"), fontsize=7.5)
    return Figure("isoaccuracy", fig, data={"rows": qt_rows, **data})


def arrays_of(nr: NetworkResult) -> list:
    """The array configurations a network's points ran on (results.array_config), in point order."""
    return list(dict.fromkeys(c.array for c in nr.candidates))


def plot_accuracy_cost(nr: NetworkResult, arr: str = None):
    """Accuracy (zoomed, error bars = test-set SE) vs cycles and vs energy on one array configuration
    (default: the first; a figure per array, `accuracy_cost_<network>_<array>`, when the network has
    several): QT bit widths as one curve (INT-b labels), TR budgets as another, INT-b MAC arrays as a
    third; the tolerance band shaded."""
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    from .figures import Figure, new_figure, safe_name
    fig = new_figure(COLUMN_WIDTH, 2.2)
    axes = [fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)]
    arrays = arrays_of(nr)
    arr = arr if arr is not None else arrays[0]
    if arr not in arrays:
        raise AnalysisError(f"{nr.network}: no point on array '{arr}' (arrays: {', '.join(arrays)})")
    scale = 100 if nr.metric == "accuracy" else 1
    data = {}
    styles = {"qt": ("QT (tMAC, INT-b)", "o", "#1f77b4"), "tr": ("TR budgets", "s", "#d62728"),
              "mac": ("INT-b MAC array", "^", "#2ca02c")}
    for ax, (col, xlabel) in zip(axes, (("cycles", "cycles"), ("energy_pj", "energy (uJ)"))):
        for fam, (label, marker, color) in styles.items():
            cs = sorted((c for c in nr.candidates if c.family == fam and c.array == arr), key=lambda c: getattr(c, col))
            if not cs:
                continue
            xs = np.array([getattr(c, col) for c in cs]) / (1e6 if col == "energy_pj" else 1)
            ys = np.array([c.accuracy for c in cs]) * scale
            err = np.full(len(cs), nr.noise * scale) if np.isfinite(nr.noise) else None
            ax.errorbar(xs, ys, yerr=err, marker=marker, color=color, markersize=3, linewidth=0.8,
                        capsize=1.5, label=label)
            for x, yv, c in zip(xs, ys, cs):
                ax.annotate(c.label.replace(" MAC", ""), (x, yv), fontsize=4.5, xytext=(2, 2),
                            textcoords="offset points")
            data[(col, fam)] = (xs, ys)
        lo, hi = sorted((nr.threshold * scale, nr.reference * scale))
        ax.axhspan(lo, hi, color="#cccccc", alpha=0.5, linewidth=0, label="tolerance")
        ax.set_xscale("log")
        # A panel spanning less than a decade gets plain labels at 1, 2, 5 x 10^n (matplotlib's default
        # labels every minor tick there, in scientific notation, at full size, on top of each other);
        # a wider one keeps the decades. Minor ticks stay unlabelled.
        lo_x, hi_x = ax.get_xlim()
        if hi_x < 10 * lo_x:
            ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(xlabel, fontsize=6.5)
        ax.tick_params(which="both", labelsize=5.5)
        ref_ys = [c.accuracy * scale for c in nr.candidates if c.array == arr]
        span = max(abs(nr.reference - nr.threshold) * scale * 6, 1e-9)
        ymin = max(min(ref_ys), nr.reference * scale - span) if nr.metric == "accuracy" else min(ref_ys)
        ymax = max(ref_ys) if nr.metric == "accuracy" else min(max(ref_ys), nr.reference * scale + span)
        pad = 0.1 * (ymax - ymin or 1)
        ax.set_ylim(ymin - pad, ymax + pad)  # zoomed: settings far below the tolerance leave the panel
    axes[0].set_ylabel("accuracy (%)" if nr.metric == "accuracy" else "perplexity", fontsize=6.5)
    # Below both panels, outside the data (the curves fill the zoomed panels): the layout keeps the
    # bottom strip of the figure free for it.
    handles, labels = axes[0].get_legend_handles_labels()
    fig.get_layout_engine().set(rect=(0, 0.09, 1, 0.91))
    fig.legend(handles, labels, fontsize=4.5, loc="lower center", ncol=4, frameon=False, borderaxespad=0.2)
    fig.suptitle(f"{nr.network} [{arr}]: quality vs cost"
                 + ("" if nr.layers == "all" else f" ({nr.layers}: {len(nr.left_out)} layers left out)"), fontsize=7)
    name = f"accuracy_cost_{safe_name(nr.network)}" + (f"_{safe_name(arr)}" if len(arrays) > 1 else "")
    return Figure(name, fig, data=data)
