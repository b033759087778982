"""Each figure from a small synthetic sweep or run: the file is written, and the plotted numbers are
the ones computed by hand from the synthetic formulas (synth.synth_layers)."""
import numpy as np
import pytest

from analysis import figures
from analysis.results import AnalysisError, load

from .conftest import D_BUDGETS, W_BUDGETS


def wd(w, d):
    return (16 if w == "none" else int(w)) * int(d)


def check_saved(fig, tmp_path):
    paths = figures.save(fig, str(tmp_path / "figs"))
    assert [p.rsplit(".", 1)[1] for p in paths] == ["png", "pdf"]
    png, pdf = (open(p, "rb").read() for p in paths)
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    return paths


def texts(fig):
    """Every text drawn in the figure (titles, labels, legend entries, annotations)."""
    out = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return [t for t in out if t]


def test_budget_lines_and_baseline(sweep_file, tmp_path):
    res = load(sweep_file)
    f = figures.plot_budget(res)
    check_saved(f, tmp_path)
    for net in ("netA", "netB"):
        nd = f.data["networks"][net]
        assert list(nd["series"]) == [f"TR, data budget={d}" for d in D_BUDGETS]
        for d in D_BUDGETS:
            s = nd["series"][f"TR, data budget={d}"]
            assert s["x"] == W_BUDGETS
            np.testing.assert_allclose(s["cycles"], [120 * wd(w, d) + 30 for w in W_BUDGETS])
            np.testing.assert_allclose(s["energy_uj"], [126 * wd(w, d) / 36 for w in W_BUDGETS])
        assert nd["baselines"]["INT8 MAC baseline"] == {"cycles": 630.0, "energy_uj": pytest.approx(63.0)}
    # The drawn lines carry the same numbers: first axes = netA cycles.
    ax = f.fig.axes[0]
    lines = [ln for ln in ax.get_lines() if ln.get_label() == "TR, data budget=2"]
    np.testing.assert_allclose(lines[0].get_ydata(), [120 * wd(w, "2") + 30 for w in W_BUDGETS])
    np.testing.assert_allclose(lines[0].get_xdata(), [4, 8, 14])  # 'none' one step and a half past 8
    base = [ln for ln in ax.get_lines() if ln.get_label() == "INT8 MAC baseline"]
    assert list(base[0].get_ydata()) == [630.0, 630.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["4", "8", "none"]
    assert ax.get_ylabel().startswith("total cycles")
    assert f.fig.axes[1].get_ylabel().startswith("energy (\u00b5J")
    assert "weight term budget (terms / group of 8)" in texts(f.fig)


def test_budget_without_baseline_says_so(tmp_path):
    from . import synth
    pts = [{"overrides": {"operands.weights.budget": w}} for w in ("4", "8")]
    res = load(str(synth.write_sweep(tmp_path / "s.h5", pts, ["operands.weights.budget"])))
    f = figures.plot_budget(res)
    assert f.notes == ["net: no INT8 baseline (no pe.kind=mac point for this network)"]
    assert "(no INT8 MAC point)" in texts(f.fig)
    np.testing.assert_allclose(f.data["networks"]["net"]["series"]["TR"]["cycles"], [120 * 12 + 30, 120 * 24 + 30])


def test_budget_needs_several_points(run_file):
    with pytest.raises(AnalysisError, match="needs at least 2 successful point"):
        figures.plot_budget(load(run_file))


def test_tradeoff_accuracy_and_error(sweep_file, tmp_path):
    res = load(sweep_file)
    f = figures.plot_tradeoff(res)
    check_saved(f, tmp_path)
    a, b = f.data["panels"]["netA"], f.data["panels"]["netB"]
    assert a["metric"] == "accuracy" and b["metric"] == "error"
    assert a["along"] == "operands.weights.budget"
    for d in D_BUDGETS:
        ca = a["curves"][f"TR, data budget={d}"]
        np.testing.assert_allclose(ca["x"], [60 * wd(w, d) for w in W_BUDGETS])
        np.testing.assert_allclose(ca["y"], [0.9 - 0.5 / wd(w, d) for w in W_BUDGETS])
        cb = b["curves"][f"TR, data budget={d}"]
        np.testing.assert_allclose(cb["y"], [0.2 / wd(w, d) for w in W_BUDGETS])
    assert a["baseline"] == pytest.approx(0.9) and b["baseline"] == 0.0
    t = texts(f.fig)
    assert "INT8 MAC baseline (0.9)" in t and "INT8 MAC: exact (error 0)" in t
    assert {"w4", "w8", "wnone"} <= set(t)  # points labelled with their weight budget
    axes = f.fig.axes
    assert axes[0].get_ylabel() == "accuracy (fraction correct)"
    assert axes[1].get_ylabel().startswith("output error, rel. L2 (mean over layers)")
    assert axes[0].get_xlabel().startswith("term-pair multiplications")


def test_tradeoff_error_aggregation_and_forced_metric(sweep_file):
    res = load(sweep_file)
    f = figures.plot_tradeoff(res, metric="error", error_agg="max")
    c = f.data["panels"]["netA"]["curves"]["TR, data budget=3"]
    np.testing.assert_allclose(c["y"], [0.3 / wd(w, "3") for w in W_BUDGETS])
    with pytest.raises(AnalysisError, match="no accuracy in the input"):
        figures.plot_tradeoff(load(sweep_file), metric="accuracy")


def test_pareto_front_by_hand():
    e = [1, 2, 3, 4, 2, np.nan]
    err = [5, 3, 4, 1, 3, 0]
    assert figures.pareto_front(e, err).tolist() == [0, 1, 4, 3]  # (3,4) dominated by (2,3); NaN left out
    acc = [0.5, 0.7, 0.6, 0.9, 0.7, 1.0]
    assert figures.pareto_front(e, acc, maximize=True).tolist() == [0, 1, 4, 3]
    assert figures.pareto_front([1, 1], [2, 1]).tolist() == [1]  # equal energy, lower error wins


def test_pareto_plot(sweep_file, tmp_path):
    res = load(sweep_file)
    f = figures.plot_pareto(res)
    check_saved(f, tmp_path)
    # Energies 3.5 wd uJ (TR) and 63 uJ (MAC, exact). The MAC point dominates TR points above 63 uJ
    # (wd = 24, 32, 48); wd = 8, 12, 16 are cheaper and only beaten in quality.
    # Point indices per network: d=2: w4 -> 0, w8 -> 1, none -> 2; d=3: 3, 4, 5; mac: 6 (netB: +7).
    assert f.data["panels"]["netA"]["front"] == [0, 3, 1, 6]  # wd 8 (28 uJ), 12, 16, then MAC (63 uJ)
    assert f.data["panels"]["netB"]["front"] == [7, 10, 8, 13]
    assert f.data["panels"]["netA"]["metric"] == "accuracy"
    np.testing.assert_allclose(sorted(f.data["panels"]["netA"]["energy_uj"]),
                               sorted([3.5 * wd(w, d) for d in D_BUDGETS for w in W_BUDGETS] + [63.0]))
    t = texts(f.fig)
    assert {"w4/d2", "w4/d3", "w8/d2", "INT8"} <= set(t) and "w8/d3" not in t
    assert "Pareto front (4 points)" in t
    assert f.fig.axes[0].get_xlabel() == "energy (\u00b5J, all layers)"


def test_breakdown_of_a_sweep_point(sweep_file, tmp_path):
    res = load(sweep_file)
    p = res.point(index=4)  # netA, tr, w8, d3: energy scale 24/36
    f = figures.plot_breakdown(res, p)
    assert f.name == "breakdown_p4"
    check_saved(f, tmp_path)
    assert f.data["layers"] == ["fc1", "fc2", "fc3"]
    m = np.array([1, 2, 3])
    for k, name in enumerate(["PE compute", "PE clock", "HESE encoder", "term comparator", "SRAM", "DRAM"]):
        np.testing.assert_allclose(f.data["energy_uj"][name], (k + 1) * m * 24 / 36)
    c = f.data["cycles"]
    np.testing.assert_allclose(c["compute: ideal (each PE alone)"], 12 * m * 24)
    np.testing.assert_allclose(c["compute: lock-step sync loss"], 8 * m * 24)
    np.testing.assert_allclose(c["memory stall"], 5 * m)
    # stacked bar heights = per-layer totals
    bars = f.fig.axes[0].patches
    tops = {}
    for r in bars:
        tops[round(r.get_x() + r.get_width() / 2)] = max(tops.get(round(r.get_x() + r.get_width() / 2), 0),
                                                         r.get_y() + r.get_height())
    np.testing.assert_allclose([tops[i] for i in range(3)], 21 * m * 24 / 36)
    t = texts(f.fig)
    assert "DRAM (28.6%)" in t and "memory stall (1.0%)" in t  # 6/21 of the energy; 30 of 2910 cycles
    assert f.fig.axes[0].get_ylabel() == "energy (\u00b5J)" and f.fig.axes[1].get_ylabel() == "cycles"


def test_breakdown_of_a_run_without_sync_loss(tmp_path):
    from . import synth
    layers = synth.synth_layers("tr", 12, 3)
    for layer in layers:
        del layer["stats"]["sync_loss_cycles"]
    res = load(str(synth.write_run(tmp_path / "r.h5", layers=layers)))
    f = figures.plot_breakdown(res)
    assert f.name == "breakdown"
    assert list(f.data["cycles"]) == ["compute", "memory stall"]
    np.testing.assert_allclose(f.data["cycles"]["compute"], [20 * 36 * m for m in (1, 2, 3)])


def test_heatmap(run_file, tmp_path):
    res = load(run_file)
    f = figures.plot_heatmap(res)
    assert f.name == "heatmap" and f.data["layers"] == ["fc1", "fc2", "fc3"]
    check_saved(f, tmp_path)
    from . import synth
    np.testing.assert_array_equal(f.data["maps"]["fc2"], synth.synth_pe_util(4, 6, 1))
    images = [ax.get_images()[0] for ax in f.fig.axes if ax.get_images()]
    assert len(images) == 3
    np.testing.assert_array_equal(images[0].get_array(), synth.synth_pe_util(4, 6, 0))
    assert images[0].get_clim() == (0.0, 1.0)
    one = figures.plot_heatmap(res, layers=["fc3"], autoscale=True)
    assert one.name == "heatmap_fc3" and one.data["vmax"] == pytest.approx(synth.synth_pe_util(4, 6, 2).max())
    assert "array column" in texts(one.fig) and "array row" in texts(one.fig)
    with pytest.raises(AnalysisError, match="no layer 'conv9'.*layers: fc1, fc2, fc3"):
        figures.plot_heatmap(res, layers=["conv9"])


def test_heatmap_of_a_sweep_point_and_missing_data(sweep_file, run_file_no_util):
    res = load(sweep_file)
    f = figures.plot_heatmap(res, res.point(index=2), ["fc1"])
    assert f.name == "heatmap_fc1_p2"
    none = figures.plot_heatmap(load(run_file_no_util))
    assert none.fig is None
    assert "no pe_utilization dataset in layer(s) fc1, fc2, fc3" in none.notes[0]


KINDS_SWEPT = ["pe.kind", "operands.weights.encoding", "operands.data.encoding", "operands.weights.budget",
               "operands.data.budget"]
# like configs/sweeps/pe_kinds.yaml: a zip over kinds, encodings and budgets
KINDS = [("mac", "hese", "none", "none"), ("stripes", "hese", "none", "none"), ("pragmatic", "hese", "none", "none"),
         ("dnateq", "hese", "none", "none"), ("tr", "hese", "4", "2"), ("tr", "hese", "8", "2"),
         ("tr", "binary", "none", "none")]


@pytest.fixture(scope="module")
def kinds_sweep(tmp_path_factory):
    from . import synth
    pts = [{"overrides": {"pe.kind": k, "operands.weights.encoding": e, "operands.data.encoding": e,
                          "operands.weights.budget": w, "operands.data.budget": d}} for k, e, w, d in KINDS]
    return str(synth.write_sweep(tmp_path_factory.mktemp("kinds") / "kinds.h5", pts, KINDS_SWEPT))


def test_other_pe_kinds_are_reference_designs(kinds_sweep):
    res = load(kinds_sweep)
    b = figures.plot_budget(res).data["networks"]["net"]
    assert list(b["baselines"]) == ["INT8 MAC baseline", "Stripes", "Pragmatic", "DNA-TEQ"]
    assert b["baselines"]["Stripes"]["cycles"] == 6 * 100 * 8 + 30  # compute 100 f m + stall 10, f = 8
    assert b["baselines"]["DNA-TEQ"]["cycles"] == 630
    assert set(b["series"]) == {"TR, weight enc=hese, data enc=hese", "TR, weight enc=binary, data enc=binary"}
    t = figures.plot_tradeoff(res)
    panel = t.data["panels"]["net"]
    assert panel["references"] == {"INT8 MAC baseline": 0.0, "Stripes": 0.0, "Pragmatic": 0.0,
                                   "DNA-TEQ": pytest.approx(0.04)}
    labels = texts(t.fig)
    assert "INT8 MAC, Stripes, Pragmatic: exact (error 0)" in labels and "DNA-TEQ (0.04)" in labels
    p = figures.plot_pareto(res)
    # energies (uJ): mac 63, stripes 504, pragmatic 252, dnateq 63 (error 0.04), TR w4/d2 28, w8/d2 56,
    # binary none/none 448: the front is TR w4/d2, TR w8/d2, then the exact MAC point
    assert p.data["panels"]["net"]["front"] == [4, 5, 0]
    assert {"w4/d2/hese", "w8/d2/hese", "INT8"} <= set(texts(p.fig))


def test_compare_designs(kinds_sweep, tmp_path):
    res = load(kinds_sweep)
    f = figures.plot_compare(res)
    check_saved(f, tmp_path)
    assert f.name == "compare"
    assert f.data["designs"] == ["INT8 MAC", "Stripes", "Pragmatic hese", "DNA-TEQ", "TR w4/d2/hese",
                                 "TR w8/d2/hese", "TR wnone/dnone/binary"]
    np.testing.assert_allclose(f.data["cycles_total"], [630, 4830, 2430, 630, 990, 1950, 15390])
    np.testing.assert_allclose(f.data["cycles_vs_int8"], np.array([630, 4830, 2430, 630, 990, 1950, 15390]) / 630)
    np.testing.assert_allclose(f.data["cycles"]["memory stall"], [30, 30, 30, 30, 30, 30, 30 * 1.0])
    np.testing.assert_allclose(f.data["energy_uj"]["DRAM"], np.array([0.5, 4, 2, 0.5, 8 / 36, 16 / 36, 128 / 36]) * 36)
    np.testing.assert_allclose(f.data["quality"], [0, 0, 0, 0.04, 0.025, 0.0125, 0.2 / 128])
    t = texts(f.fig)
    assert "7.67\u00d7" in t and "exact" in t and "TR wnone/dnone/binary" in t
    with pytest.raises(AnalysisError, match="no network 'x'"):
        figures.plot_compare(res, "x")


def test_zipped_budgets_move_along_one_curve(tmp_path):
    from . import synth
    zipped = [("mac", "none", "none"), ("tr", "4", "1"), ("tr", "8", "2"), ("tr", "12", "3")]
    pts = [{"overrides": {"pe.kind": k, "operands.weights.budget": w, "operands.data.budget": d}} for k, w, d in zipped]
    res = load(str(synth.write_sweep(tmp_path / "z.h5", pts, ["pe.kind", "operands.weights.budget",
                                                              "operands.data.budget"])))
    b = figures.plot_budget(res)
    assert b.data["moves_with_x"] == ["operands.data.budget"]
    s = b.data["networks"]["net"]["series"]["TR"]
    np.testing.assert_allclose(s["cycles"], [120 * 4 + 30, 120 * 16 + 30, 120 * 36 + 30])
    assert [t.get_text() for t in b.fig.axes[0].get_xticklabels()] == ["4\nd1", "8\nd2", "12\nd3"]
    t = figures.plot_tradeoff(res)
    assert list(t.data["panels"]["net"]["curves"]) == ["TR"]
    assert {"w4/d1", "w8/d2", "w12/d3"} <= set(texts(t.fig))
