"""analysis isoaccuracy on synthetic sweeps with hand-computed choices and ratios: the cheapest QT / TR /
MAC settings within the tolerance of the 8-bit model, per network and array, and the figures."""
import csv
import math

import h5py
import numpy as np
import pytest

from analysis import isoaccuracy, load
from analysis.cli import main

from . import synth


def _sweep(path, points, metric="accuracy"):
    """points: (network, overrides, accuracy, cycles, energy_pj, dram_pj). One layer per point."""
    keys = sorted({k for _, o, *_ in points for k in o})
    rows = []
    with h5py.File(path, "w", track_order=True) as f:
        synth._write_sweep_root(f, keys, len(points), "sweep: synthetic\n", "/x/configs/default.yaml")
        pg = f.create_group("points", track_order=True)
        for i, (net, over, acc, cyc, energy, dram) in enumerate(points):
            text = synth.to_yaml(synth.config_with(over)) + "\n"
            chash = synth.config_hash(text + net + str(i))
            g = synth._point_group(pg, i, chash, over, "ok", "")
            stats = {"cycles": cyc, "compute_cycles": cyc, "stall_cycles": 0.0, "ideal_cycles": cyc,
                     "utilization": 0.5, "term_pairs": 1.0, "macs": 1.0, "dense_macs": 1.0,
                     "energy_total_pj": energy, "energy_dram_pj": dram, "error_rel_l2": 0.0}
            synth.write_run_group(g, network=net, config_yaml=text, layers=[{"name": "l0", "stats": stats}],
                                  accuracy=acc, chash=chash)
            if acc is not None:
                g["run/accuracy"].attrs["unit"] = metric
            rows.append({"point": i, "config_hash": chash, "network": net, "layer": "l0",
                         "stats": dict(stats, accuracy=np.nan if acc is None else acc),
                         "params": {k: over.get(k, "") for k in keys}})
        synth._write_sweep_summary(f, rows, keys)
    return path


TR = {"pe.kind": "tr"}
NOB = {"operands.weights.budget": "none", "operands.data.budget": "none"}


def qt(b):
    return dict(TR, **NOB, **({} if b is None else {"operands.weights.quantize_bits": b,
                                                      "operands.data.quantize_bits": b}))


def trb(wk, dk):
    return dict(TR, **{"operands.weights.budget": wk, "operands.data.budget": dk})


def mac(b):
    return dict({"pe.kind": "mac"}, **({} if b is None else {"operands.weights.quantize_bits": b,
                                                               "operands.data.quantize_bits": b}))


def points_mlp():
    n = "mlp_fashion_mnist"
    return [(n, qt(None), 0.880, 6400, 640e6, 100e6),   # the 8-bit reference
            (n, qt(6), 0.877, 3600, 360e6, 80e6),        # within 0.5 points: the cheapest QT
            (n, qt(4), 0.860, 1600, 160e6, 60e6),        # too inaccurate
            (n, trb(12, 3), 0.878, 900, 120e6, 50e6),    # qualifies
            (n, trb(8, 2), 0.8751, 600, 100e6, 40e6),    # qualifies (0.49 points below): the cheapest TR
            (n, trb(4, 1), 0.80, 200, 50e6, 30e6),       # too inaccurate
            (n, mac(None), 0.880, 1000, 300e6, 90e6),
            (n, mac(5), 0.876, 700, 200e6, 70e6),        # qualifying MAC
            (n, trb(16, 3), None, 1200, 130e6, 50e6)]    # not scored: left out


def test_cheapest_settings_and_ratios_by_hand(tmp_path):
    res = load([_sweep(str(tmp_path / "s.h5"), points_mlp())])
    [nr] = isoaccuracy.analyse(res)
    assert nr.metric == "accuracy" and nr.reference == 0.88 and nr.tolerance == 0.5
    assert nr.noise == pytest.approx(math.sqrt(0.88 * 0.12 / 10000))
    arr = "4x6"
    assert nr.chosen[(arr, "qt")].label == "INT6"
    assert nr.chosen[(arr, "tr")].label == "w k8/g8 d k2"
    assert nr.chosen[(arr, "mac")].label == "INT5 MAC"
    rows = isoaccuracy.comparisons([nr])
    q = [r for r in rows if r["baseline"].startswith("QT")][0]
    assert q["latency_ratio"] == pytest.approx(3600 / 600)
    assert q["energy_ratio"] == pytest.approx(360 / 100)
    assert q["on_chip_energy_ratio"] == pytest.approx((360 - 80) / (100 - 40))
    assert q["term_pair_ratio"] == pytest.approx(36 / (8 / 8 * 2))
    assert (q["paper_latency_ratio"], q["paper_energy_ratio"]) == (6.2, 4.1)
    assert q["note"] == "1 TR point(s) without accuracy: score them with traces/score.py sweep SWEEP.yaml"
    m = [r for r in rows if r["baseline"].startswith("INT-b")][0]
    assert m["latency_ratio"] == pytest.approx(700 / 600) and math.isnan(m["paper_latency_ratio"])


def test_perplexity_tolerance_is_relative_and_lower_is_better(tmp_path):
    n = "lstm_kjv"
    pts = [(n, qt(None), 30.0, 100, 10e6, 1e6), (n, qt(6), 30.29, 60, 6e6, 1e6), (n, qt(5), 30.4, 40, 4e6, 1e6),
           (n, trb(8, 2), 30.31, 30, 3e6, 1e6), (n, trb(12, 3), 30.1, 50, 5e6, 1e6)]
    res = load([_sweep(str(tmp_path / "s.h5"), pts, metric="perplexity")])
    [nr] = isoaccuracy.analyse(res)
    assert nr.metric == "perplexity" and nr.threshold == pytest.approx(30.3)
    assert nr.chosen[("4x6", "qt")].label == "INT6" and nr.chosen[("4x6", "tr")].label == "w k12/g8 d k3"
    [nr2] = isoaccuracy.analyse(res, tolerance=2.0)  # 30.6 allowed
    assert nr2.chosen[("4x6", "qt")].label == "INT5" and nr2.chosen[("4x6", "tr")].label == "w k8/g8 d k2"
    assert math.isnan(nr.noise)


def test_equal_area_points_are_compared_within_their_area(tmp_path):
    n = "resnet_fashion_mnist"
    area = {"array.area_mm2": "1.0"}
    pts = [(n, qt(None), 0.90, 1000, 100e6, 10e6), (n, trb(12, 3), 0.899, 400, 60e6, 10e6),
           (n, dict(mac(None), **area), 0.90, 300, 50e6, 10e6), (n, dict(trb(12, 3), **area), 0.899, 150, 40e6, 10e6)]
    res = load([_sweep(str(tmp_path / "s.h5"), pts)])
    rows = isoaccuracy.comparisons(isoaccuracy.analyse(res))
    byarr = {(r["array"], r["baseline"][:2]): r for r in rows}
    assert byarr[("area 1 mm2", "IN")]["latency_ratio"] == pytest.approx(2.0)
    assert byarr[("4x6", "QT")]["latency_ratio"] == pytest.approx(2.5)
    # The area has no QT point and 4x6 no MAC point: no row for either (nothing was asked), not empty ones.
    assert set(byarr) == {("area 1 mm2", "IN"), ("4x6", "QT")}
    # A QT point in the area that misses the tolerance gives a row that says so.
    pts.append((n, dict(qt(4), **area), 0.85, 100, 10e6, 1e6))
    res = load([_sweep(str(tmp_path / "s2.h5"), pts)])
    byarr = {(r["array"], r["baseline"][:2]): r for r in isoaccuracy.comparisons(isoaccuracy.analyse(res))}
    assert byarr[("area 1 mm2", "QT")]["note"] == "no QT point within tolerance"
    assert math.isnan(byarr[("area 1 mm2", "QT")]["latency_ratio"])


def test_cli_prints_the_settings_writes_csv_and_figures(tmp_path, capsys):
    path = _sweep(str(tmp_path / "s.h5"), points_mlp())
    out = tmp_path / "figs"
    assert main(["isoaccuracy", path, "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "mlp_fashion_mnist: 8-bit 88.00 %, tolerance 0.5 points, test-set SE 0.32 points" in text
    assert "INT6 (87.70) vs TR w k8/g8 d k2 (87.51): latency 6.00x" in text
    for f in ("isoaccuracy.csv", "isoaccuracy.png", "isoaccuracy.pdf", "accuracy_cost_mlp_fashion_mnist.png"):
        assert (out / f).exists(), f
    rows = list(csv.DictReader(open(out / "isoaccuracy.csv")))
    assert rows[0]["baseline_setting"] == "INT6" and float(rows[0]["latency_ratio"]) == pytest.approx(6.0)


def test_no_accuracy_anywhere_is_an_error_that_says_how_to_score(tmp_path, capsys):
    n = "mlp_fashion_mnist"
    path = _sweep(str(tmp_path / "s.h5"), [(n, qt(None), None, 10, 1e6, 1e5), (n, trb(8, 2), None, 5, 1e6, 1e5)])
    assert main(["isoaccuracy", path, "-o", str(tmp_path)]) == 1
    assert "traces/score.py sweep" in capsys.readouterr().err


# --layers: which layers' cycles and energy count. A hand-made trace and a sweep whose points have per-layer
# results: stem (first conv; one input channel, groups 1: not depthwise), dw (groups = channels: depthwise),
# grp (groups 2, two input channels per group: not depthwise), pw (1x1 conv), fc.
LAYERS = [("stem", "conv", 1, (4, 1, 3, 3)), ("dw", "conv", 4, (4, 1, 3, 3)), ("grp", "conv", 2, (8, 2, 3, 3)),
          ("pw", "conv", 1, (8, 8, 1, 1)), ("fc", "fc", None, (10, 8))]


def _trace(path):
    with h5py.File(path, "w", track_order=True) as f:
        f.attrs["network"] = "mbv2se_fashion_mnist"
        lg = f.create_group("layers", track_order=True)
        for i, (name, typ, groups, shape) in enumerate(LAYERS):
            g = lg.create_group(name)
            g.attrs["index"] = np.int32(i)
            g.attrs["type"] = typ
            if groups is not None:
                g.attrs["groups"] = np.int32(groups)
            g.create_dataset("weights", data=np.ones(shape, dtype=np.int8))
    return path


def _layered_sweep(path, trace_path, points):
    """points: (overrides, accuracy, per-layer cycles in LAYERS order). Per layer: energy 2 pJ a cycle
    + 100 pJ, of which 50 pJ DRAM."""
    net = "mbv2se_fashion_mnist"
    keys = sorted({k for o, *_ in points for k in o})
    rows = []
    with h5py.File(path, "w", track_order=True) as f:
        synth._write_sweep_root(f, keys, len(points), "sweep: synthetic\n", "/x/configs/default.yaml")
        pg = f.create_group("points", track_order=True)
        for i, (over, acc, cycles) in enumerate(points):
            text = synth.to_yaml(synth.config_with(over)) + "\n"
            chash = synth.config_hash(text + str(i))
            g = synth._point_group(pg, i, chash, over, "ok", "")
            layers = []
            for (name, *_), cyc in zip(LAYERS, cycles):
                stats = {"cycles": float(cyc), "compute_cycles": float(cyc), "stall_cycles": 0.0,
                         "ideal_cycles": float(cyc), "utilization": 0.5, "term_pairs": 1.0, "macs": 1.0,
                         "dense_macs": 1.0, "energy_total_pj": 2.0 * cyc + 100, "energy_dram_pj": 50.0,
                         "error_rel_l2": 0.0}
                layers.append({"name": name, "stats": stats})
                rows.append({"point": i, "config_hash": chash, "network": net, "layer": name,
                             "stats": dict(stats, accuracy=acc), "params": {k: over.get(k, "") for k in keys}})
            synth.write_run_group(g, network=net, config_yaml=text, layers=layers, accuracy=acc, chash=chash)
            g.attrs["trace_path"] = trace_path
            g["run/accuracy"].attrs["unit"] = "accuracy"
        synth._write_sweep_summary(f, rows, keys)
    return path


#                      stem  dw   grp  pw   fc    all  no-depthwise  paper
LAYERED = [(qt(None), 0.850, [100, 400, 50, 200, 10]),  # 760   360           260   the 8-bit reference
           (qt(6), 0.848, [60, 240, 30, 120, 6]),       # 456   216           156   the only qualifying QT
           (trb(12, 3), 0.847, [30, 300, 5, 20, 1]),    # 356    56            26   cheapest without dw
           (trb(16, "none"), 0.849, [50, 20, 10, 40, 2]),  # 122  102          52   cheapest with every layer
           (trb(8, 2), 0.80, [1, 1, 1, 1, 1])]          # too inaccurate


def test_layer_kinds_from_the_trace(tmp_path):
    kinds = isoaccuracy.layer_kinds(_trace(str(tmp_path / "t.h5")))
    assert kinds == {"stem": "first_conv", "dw": "depthwise", "grp": "conv", "pw": "conv", "fc": "fc"}


def test_layer_sets_recompute_the_ratios_from_the_kept_layers(tmp_path):
    trace = _trace(str(tmp_path / "t.h5"))
    res = load([_layered_sweep(str(tmp_path / "s.h5"), trace, LAYERED)])
    got = {}
    for layers in isoaccuracy.LAYER_SETS:
        [nr] = isoaccuracy.analyse(res, layers=layers)
        [q] = [r for r in isoaccuracy.comparisons([nr]) if r["baseline"].startswith("QT")]
        got[layers] = (nr, q)
    nr, q = got["all"]
    assert nr.left_out == [] and nr.counted == ["stem", "dw", "grp", "pw", "fc"]
    assert (q["baseline_setting"], q["tr_setting"]) == ("INT6", "w k16/g8 d exact")
    # every layer: QT 456 cycles, 2 x 456 + 5 x 100 = 1412 pJ (on chip 1412 - 250); TR 122, 744 (494)
    assert q["latency_ratio"] == pytest.approx(456 / 122)
    assert q["energy_ratio"] == pytest.approx(1412 / 744)
    assert q["on_chip_energy_ratio"] == pytest.approx(1162 / 494)
    assert (q["layers"], q["layers_counted"], q["layers_left_out"]) == ("all", 5, "")
    nr, q = got["no-depthwise"]
    assert nr.left_out == ["dw"] and q["tr_setting"] == "w k12/g8 d k3"  # 56 cycles < 102 without dw
    # QT 216 cycles, 2 x 216 + 400 = 832 pJ (on chip 632); TR 56, 512 (312)
    assert q["latency_ratio"] == pytest.approx(216 / 56)
    assert q["energy_ratio"] == pytest.approx(832 / 512)
    assert q["on_chip_energy_ratio"] == pytest.approx(632 / 312)
    assert (q["layers_counted"], q["layers_left_out"]) == (4, "dw")
    nr, q = got["paper"]
    assert nr.left_out == ["stem", "dw"] and nr.counted == ["grp", "pw", "fc"]
    # QT 156 cycles, 2 x 156 + 300 = 612 pJ (on chip 462); TR 26, 352 (202)
    assert q["latency_ratio"] == pytest.approx(156 / 26)
    assert q["energy_ratio"] == pytest.approx(612 / 352)
    assert q["on_chip_energy_ratio"] == pytest.approx(462 / 202)
    assert q["term_pair_ratio"] == pytest.approx(36 / (12 / 8 * 3))  # per MAC: the same for any layer set
    assert q["paper_latency_ratio"] == 7.3


def test_cli_layers_option_says_which_layers_counted(tmp_path, capsys):
    _trace(str(tmp_path / "t.h5"))
    # A relative trace_path is looked up beside the results file too.
    path = _layered_sweep(str(tmp_path / "s.h5"), "t.h5", LAYERED)
    out = tmp_path / "figs"
    assert main(["isoaccuracy", path, "-o", str(out), "--layers", "paper"]) == 0
    text = capsys.readouterr().out
    assert "layers counted: paper (without the first conv and depthwise convs (the authors' accounting)): " \
           "3 of 5, left out: stem, dw" in text
    assert "INT6 (84.80) vs TR w k12/g8 d k3 (84.70): latency 6.00x" in text
    rows = list(csv.DictReader(open(out / "isoaccuracy.csv")))
    assert (rows[0]["layers"], rows[0]["layers_counted"], rows[0]["layers_left_out"]) == ("paper", "3", "stem dw")
    assert float(rows[0]["latency_ratio"]) == pytest.approx(6.0)
    assert main(["isoaccuracy", path, "-o", str(out)]) == 0
    assert "layers counted: all (every layer): 5 of 5\n" in capsys.readouterr().out


def test_layers_option_without_the_trace_is_an_error_naming_it(tmp_path, capsys):
    path = _layered_sweep(str(tmp_path / "s.h5"), str(tmp_path / "gone.h5"), LAYERED)
    assert main(["isoaccuracy", path, "-o", str(tmp_path / "figs"), "--layers", "no-depthwise"]) == 1
    err = capsys.readouterr().err
    assert "gone.h5' not found" in err and "--layers all" in err
    # every layer needs no trace
    assert main(["isoaccuracy", path, "-o", str(tmp_path / "figs")]) == 0
