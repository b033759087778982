"""Figures and CSVs on studies larger than one panel: a file with two array sizes, arrays sized to one
area, a three-key study, 18 MAC designs, more points than `compare` draws at once. Each input first
reproduced a failure of the figures as they were (issue 23): a baseline averaged over different MAC
designs, one figure file overwriting another, labels like 0.64100000000000001, legends over the data,
compare refusing many points, CSVs without the array each point ran on."""
import csv
import os

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from analysis import figures, isoaccuracy
from analysis.cli import main
from analysis.figures import facets
from analysis.results import AnalysisError, load

from . import synth
from .conftest import accuracy


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out, err


def texts(fig):
    out = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return [t for t in out if t]


W = ("4", "8", "12")


def two_array_points(networks=("netA",)):
    """INT8 MAC and TR at weight budgets 4, 8, 12 (data budget 3) on a 16 x 16 and a 32 x 32 array; the
    16 x 16 array takes twice the cycles and energy (synth scale 2)."""
    pts = []
    for net in networks:
        for rows in (16, 32):
            scale = 32 / rows
            arr = {"array.rows": str(rows), "array.cols": str(rows)}
            pts.append({"network": net, "accuracy": 0.9, "scale": scale,
                        "overrides": dict(arr, **{"pe.kind": "mac", "operands.weights.budget": "12"})})
            for w in W:
                pts.append({"network": net, "accuracy": accuracy("tr", w, "3"), "scale": scale,
                            "overrides": dict(arr, **{"pe.kind": "tr", "operands.weights.budget": w})})
    return pts


TWO_KEYS = ["array.rows", "array.cols", "pe.kind", "operands.weights.budget"]


@pytest.fixture(scope="module")
def two_arrays(tmp_path_factory):
    return str(synth.write_sweep(tmp_path_factory.mktemp("two") / "two.h5", two_array_points(), TWO_KEYS))


def mac_cycles(scale):
    return 630.0 * scale  # synth: mac cycles of layer m = 100 m + 10, times the scale


def tr_cycles(w, scale, d=3):
    return (120 * int(w) * d + 30) * scale


def test_two_array_sizes_get_one_figure_each_with_its_own_baseline(two_arrays, tmp_path, capsys):
    res = load(two_arrays)
    parts = facets.split(res)
    assert [p.suffix for p in parts] == ["array-16x16", "array-32x32"]
    assert [p.title for p in parts] == ["16x16 array", "32x32 array"]
    for part, scale in zip(parts, (2.0, 1.0)):
        f = figures.plot_budget(part.res)
        nd = f.data["networks"]["netA"]
        assert nd["baselines"] == {"INT8 MAC baseline": {"cycles": mac_cycles(scale), "energy_uj": pytest.approx(
            63.0 * scale)}}
        np.testing.assert_allclose(nd["series"]["TR"]["cycles"], [tr_cycles(w, scale) for w in W])
    out, _ = run_cli(capsys, "all", two_arrays, "-o", tmp_path)
    names = set(os.listdir(tmp_path))
    for stem in ("budget", "tradeoff", "pareto", "compare"):
        assert {f"{stem}_array-16x16.png", f"{stem}_array-32x32.png"} <= names, stem
        assert f"{stem}.png" not in names  # one file per array, none overwritten


def test_one_figure_for_both_arrays_keeps_each_baseline(two_arrays):
    # --facet none: both arrays in one figure; each TR line meets the MAC baseline of its own array
    # (before: one "INT8 MAC baseline" at the mean of the two MAC designs, 945 cycles).
    f = figures.plot_budget(load(two_arrays))
    nd = f.data["networks"]["netA"]
    assert nd["baselines"] == {
        "INT8 MAC baseline (16x16 array)": {"cycles": 1260.0, "energy_uj": pytest.approx(126.0)},
        "INT8 MAC baseline (32x32 array)": {"cycles": 630.0, "energy_uj": pytest.approx(63.0)}}
    assert list(nd["series"]) == ["TR, 16x16 array", "TR, 32x32 array"]
    assert nd["matched"] == {"INT8 MAC baseline (16x16 array)": "TR, 16x16 array",
                             "INT8 MAC baseline (32x32 array)": "TR, 32x32 array"}
    ax = f.fig.axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    for base, series in nd["matched"].items():
        assert lines[base].get_color() == lines[series].get_color()  # the baseline in its line's colour
    # compare: every bar's ratio is to the MAC point of its own array
    c = figures.plot_compare(load(two_arrays))
    assert c.data["designs"][:4] == ["INT8 MAC 16x16", "TR w4 16x16", "TR w8 16x16", "TR w12 16x16"]
    np.testing.assert_allclose(c.data["cycles_vs_int8"][:4], [1.0] + [tr_cycles(w, 2.0) / 1260 for w in W])
    np.testing.assert_allclose(c.data["cycles_vs_int8"][4:], [1.0] + [tr_cycles(w, 1.0) / 630 for w in W])


def test_tradeoff_labels_are_unique_within_each_figure(two_arrays, tmp_path, capsys):
    run_cli(capsys, "tradeoff", two_arrays, "-o", tmp_path)
    assert sorted(n for n in os.listdir(tmp_path) if n.endswith(".png")) == [
        "tradeoff_array-16x16.png", "tradeoff_array-32x32.png"]
    for part in facets.split(load(two_arrays)):
        t = texts(figures.plot_tradeoff(part.res).fig)
        for w in W:
            assert t.count(f"w{w}") == 1, (part.suffix, w)


def test_legends_are_outside_the_data(two_arrays):
    res = load(two_arrays)
    for f in (figures.plot_tradeoff(res), figures.plot_pareto(res), figures.plot_budget(res)):
        canvas = FigureCanvasAgg(f.fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        for ax in f.fig.axes:
            legend = ax.get_legend()
            if legend is None:
                continue
            assert not legend.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer)), f.name


# --------------------------------------------------------------------------------------------------
# Arrays sized to one area: the array each point ran on, and clean numbers

AREA = "0.64100000000000001"  # as yaml-cpp writes 0.641 into a resolved config


@pytest.fixture(scope="module")
def equal_area(tmp_path_factory):
    area = {"array.rows": "null", "array.cols": "null", "array.area_mm2": AREA}
    pts = [{"accuracy": 0.9, "ran_on": (32, 32), "overrides": dict(area, **{"pe.kind": "mac"})},
           {"accuracy": 0.897, "ran_on": (20, 20), "scale": 1.5,
            "overrides": dict(area, **{"pe.kind": "tr", "operands.weights.budget": "8"})},
           {"accuracy": 0.899, "ran_on": (20, 20), "scale": 1.5,
            "overrides": dict(area, **{"pe.kind": "tr", "operands.weights.budget": "12"})},
           {"accuracy": 0.9, "overrides": {"pe.kind": "mac", "array.rows": "32", "array.cols": "32"}},
           {"accuracy": 0.897,
            "overrides": {"pe.kind": "tr", "array.rows": "32", "array.cols": "32", "operands.weights.budget": "8"}}]
    keys = ["pe.kind", "operands.weights.budget", "array.rows", "array.cols", "array.area_mm2"]
    return str(synth.write_sweep(tmp_path_factory.mktemp("area") / "area.h5", pts, keys))


def test_numbers_are_printed_clean_and_points_csv_has_the_array_each_point_ran_on(equal_area, tmp_path, capsys):
    res = load(equal_area)
    assert [p.suffix for p in facets.split(res)] == ["array-area_0.641_mm2", "array-32x32"]
    assert [p.title for p in facets.split(res)] == ["array of 0.641 mm2", "32x32 array"]
    run_cli(capsys, "all", equal_area, "-o", tmp_path)
    for f in (figures.plot_compare(res), figures.plot_budget(res), figures.plot_pareto(res)):
        assert not any("0.64100000000000001" in t for t in texts(f.fig)), f.name
        assert not any("0.641000" in t for t in texts(f.fig)), f.name
    c = figures.plot_compare(res)
    assert c.data["designs"] == ["INT8 MAC 0.641 mm2 (32x32)", "TR w8 0.641 mm2 (20x20)",
                                 "TR w12 0.641 mm2 (20x20)", "INT8 MAC 32x32", "TR w8 32x32"]
    with open(tmp_path / "points.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["array_rows"], r["array_cols"]) for r in rows] == [("32", "32"), ("20", "20"), ("20", "20"),
                                                                 ("", ""), ("", "")]
    assert rows[1]["cycles"] == str(int(tr_cycles(8, 1.5)))
    assert rows[1]["energy_total_pj"] != ""


def test_isoaccuracy_draws_each_array_and_writes_absolute_numbers(equal_area, tmp_path, capsys):
    out, _ = run_cli(capsys, "isoaccuracy", equal_area, "-o", tmp_path)
    assert "0.64100000000000001" not in out and "[area 0.641 mm2]" in out
    names = set(os.listdir(tmp_path))
    assert {"accuracy_cost_net_area_0.641_mm2.png", "accuracy_cost_net_32x32.png"} <= names
    assert "accuracy_cost_net.png" not in names
    with open(tmp_path / "isoaccuracy.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    area = next(r for r in rows if r["array"] == "area 0.641 mm2")
    assert area["baseline_setting"] == "INT8 MAC" and area["tr_setting"] == "w k8/g8 d k3"
    assert float(area["baseline_cycles"]) == 630 and float(area["tr_cycles"]) == tr_cycles(8, 1.5)
    assert (area["baseline_array"], area["tr_array"]) == ("32x32", "20x20")
    assert float(area["latency_ratio"]) == pytest.approx(630 / tr_cycles(8, 1.5), rel=1e-5)
    assert float(area["baseline_energy_pj"]) == pytest.approx(63e6)
    assert float(area["tr_energy_pj"]) == pytest.approx(21e6 * 6 * 24 / 36 * 1.5)
    nr = isoaccuracy.analyse(load(equal_area))[0]
    figs = [isoaccuracy.plot_accuracy_cost(nr, arr) for arr in isoaccuracy.arrays_of(nr)]
    assert [f.name for f in figs] == ["accuracy_cost_net_area_0.641_mm2", "accuracy_cost_net_32x32"]


# --------------------------------------------------------------------------------------------------
# A three-key study and 18 MAC designs

@pytest.fixture(scope="module")
def three_keys(tmp_path_factory):
    """Array size x weight budget x data budget on two networks, INT8 MAC per array."""
    pts = []
    for net in ("netA", "netB"):
        for rows in (16, 32):
            arr = {"array.rows": str(rows), "array.cols": str(rows)}
            scale = 32 / rows
            pts.append({"network": net, "accuracy": 0.9, "scale": scale,
                        "overrides": dict(arr, **{"pe.kind": "mac"})})
            for d in ("2", "3"):
                for w in W:
                    pts.append({"network": net, "accuracy": accuracy("tr", w, d), "scale": scale,
                                "overrides": dict(arr, **{"pe.kind": "tr", "operands.weights.budget": w,
                                                          "operands.data.budget": d})})
    keys = ["array.rows", "array.cols", "pe.kind", "operands.weights.budget", "operands.data.budget"]
    return str(synth.write_sweep(tmp_path_factory.mktemp("three") / "three.h5", pts, keys))


def test_three_key_study(three_keys, tmp_path, capsys):
    res = load(three_keys)
    for part, scale in zip(facets.split(res), (2.0, 1.0)):
        b = figures.plot_budget(part.res)
        for net in ("netA", "netB"):
            nd = b.data["networks"][net]
            assert list(nd["series"]) == ["TR, data budget=2", "TR, data budget=3"]
            assert nd["baselines"] == {"INT8 MAC baseline": {"cycles": mac_cycles(scale),
                                                            "energy_uj": pytest.approx(63 * scale)}}
            np.testing.assert_allclose(nd["series"]["TR, data budget=2"]["cycles"],
                                       [tr_cycles(w, scale, 2) for w in W])
    # --facet a key: a figure per value and array; --where keeps the points asked for
    d = tmp_path / "facet"
    run_cli(capsys, "budget", three_keys, "--facet", "operands.data.budget", "-o", d)
    assert sorted(n for n in os.listdir(d) if n.endswith(".png")) == [
        f"budget_data_budget-{b}_array-{a}.png" for b in ("2", "3") for a in ("16x16", "32x32")]
    w = tmp_path / "where"
    run_cli(capsys, "budget", three_keys, "--where", "array.rows=16", "--where", "network=netB", "-o", w)
    assert sorted(n for n in os.listdir(w) if n.endswith(".png")) == ["budget.png"]
    sub = facets.where(res, ["array.rows=16", "network=netB"])
    assert {p.network for p in sub.ok_points()} == {"netB"} and len(sub.ok_points()) == 7
    assert len(facets.where(res, ["operands.data.budget=2,3"]).ok_points()) == 24
    with pytest.raises(AnalysisError, match="--where array.rows=64: no point has that value.*16, 32"):
        facets.where(res, ["array.rows=64"])
    with pytest.raises(AnalysisError, match="--where array.rowz=16: no point has the key 'array.rowz'"):
        facets.where(res, ["array.rowz=16"])
    with pytest.raises(AnalysisError, match="--where rows: expected KEY=VALUE"):
        facets.where(res, ["rows"])


MAC_DESIGNS = [(df, bw, ll) for df in ("weight_stationary", "output_stationary") for bw in ("8", "16", "32")
               for ll in ("1", "2", "3")]


@pytest.fixture(scope="module")
def eighteen_macs(tmp_path_factory):
    """18 designs (dataflow x DRAM bandwidth x link latency, each its own synth scale), each as an INT8 MAC
    array and as TR at three weight budgets: 72 points on one array size."""
    pts = []
    for i, (df, bw, ll) in enumerate(MAC_DESIGNS):
        design = {"array.dataflow": df, "memory.dram_bytes_per_cycle": bw, "array.link_latency": ll}
        scale = 1.0 + 0.25 * i
        pts.append({"scale": scale, "overrides": dict(design, **{"pe.kind": "mac"})})
        for w in W:
            pts.append({"scale": scale, "overrides": dict(design, **{"pe.kind": "tr", "operands.weights.budget": w})})
    keys = ["array.dataflow", "memory.dram_bytes_per_cycle", "array.link_latency", "pe.kind",
            "operands.weights.budget"]
    return str(synth.write_sweep(tmp_path_factory.mktemp("macs") / "macs.h5", pts, keys, pe_util=False))


def test_eighteen_mac_designs_each_meet_their_own_tr_line(eighteen_macs, tmp_path, capsys):
    res = load(eighteen_macs)
    assert [p.suffix for p in facets.split(res)] == [""]  # one array: no automatic facet
    nd = figures.plot_budget(res).data["networks"]["net"]
    assert len(nd["series"]) == 18 and len(nd["baselines"]) == 18
    for i, (label, base) in enumerate(nd["baselines"].items()):
        assert base["cycles"] == mac_cycles(1.0 + 0.25 * i), label
        np.testing.assert_allclose(nd["series"][nd["matched"][label]]["cycles"],
                                   [tr_cycles(w, 1.0 + 0.25 * i) for w in W])
    # the designs change neither term pairs nor error: one trade-off curve, one exact reference line
    t = figures.plot_tradeoff(res).data["panels"]["net"]
    assert list(t["curves"]) == ["TR, 18 settings of dataflow, memory.dram_bytes_per_cycle, array.link_latency "
                                 "(equal values)"]
    assert len(t["curves"][next(iter(t["curves"]))]["points"]) == 54
    assert t["references"] == {"INT8 MAC baseline (18 designs)": 0.0}
    # compare draws at most 40 bars: 72 points are split by facets, or refused with the keys to split by
    with pytest.raises(AnalysisError, match=r"72 points of net are too many bars.*--facet KEY.*"
                                            r"array.dataflow \(2 values\)"):
        figures.plot_compare(res)
    d = tmp_path / "cmp"
    run_cli(capsys, "compare", eighteen_macs, "--facet", "array.dataflow", "--where", "memory.dram_bytes_per_cycle=8",
            "-o", d)
    pngs = sorted(n for n in os.listdir(d) if n.endswith(".png"))
    assert pngs == ["compare_dataflow-output_stationary.png", "compare_dataflow-weight_stationary.png"]
    names = [p.suffix for p in facets.split(res, ["array.dataflow", "memory.dram_bytes_per_cycle"])]
    assert len(names) == 6 and names[0] == "dataflow-weight_stationary_memory.dram_bytes_per_cycle-8"
    part = facets.split(res, ["array.dataflow", "memory.dram_bytes_per_cycle"])[0]
    c = figures.plot_compare(part.res)
    assert len(c.data["designs"]) == 12
    ratios = c.data["cycles_vs_int8"]
    assert np.count_nonzero(ratios == 1.0) == 3  # each of the 3 MAC designs against itself
    # the command says the same and exits 1 (`all` skips compare with this message)
    assert main(["compare", eighteen_macs, "-o", str(tmp_path / "refused")]) == 1
    assert "too many bars" in capsys.readouterr().err and not (tmp_path / "refused").exists()
