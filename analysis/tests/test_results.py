"""Reading run and sweep files into the analysis model, and the errors for bad inputs."""
import h5py
import numpy as np
import pytest

from analysis.results import AnalysisError, budget_value, load, parse_config_scalars, parse_overrides

from . import synth
from .conftest import D_BUDGETS, W_BUDGETS

TRSIM_CONFIG = """\
trace: /work/main/traces/bundled/cnn_fashion_mnist.h5
array:
  rows: 32
  cols: 32   # a comment
  dataflow: weight_stationary
pe:
  kind: tr
operands:
  weights:
    bits: 8
    encoding: hese
    group_size: 8
    budget: 12
  data:
    encoding: "hese"
    budget: none
dram:
  bandwidth_gb_per_s: 12.800000000000001
energy:
  coefficient_flush: {pj: 0.5, source: derived from Horowitz ISSCC 2014 32b add 0.1 pJ}
  dram_bit: {pj: 20, source: "Horowitz ISSCC 2014: DRAM about 1.3-2.6 nJ per 64 bits, rounded to 20 pJ/bit"}
outputs:
  vcd: ""
simulation:
  mode: fast
"""


def test_config_scalars_as_written():
    c = parse_config_scalars(TRSIM_CONFIG)
    assert c["array.rows"] == "32" and c["array.cols"] == "32"
    assert c["pe.kind"] == "tr"
    assert c["operands.weights.budget"] == "12"
    assert c["operands.data.budget"] == "none"
    assert c["operands.data.encoding"] == "hese"
    assert c["operands.weights.group_size"] == "8"
    assert c["outputs.vcd"] == ""
    assert c["simulation.mode"] == "fast"
    assert c["dram.bandwidth_gb_per_s"] == "12.800000000000001"
    assert c["energy.dram_bit"].startswith("{pj: 20")


def test_budget_and_overrides_parsing():
    assert budget_value("12") == 12 and budget_value("none") is None and budget_value("null") is None
    assert parse_overrides("pe.kind=mac\noperands.data.budget=none\n") == {
        "pe.kind": "mac", "operands.data.budget": "none"}


def test_sweep_points_params_and_table(sweep_file):
    res = load(sweep_file)
    assert res.kind == "sweep"
    assert res.swept_keys == ["trace", "pe.kind", "operands.weights.budget", "operands.data.budget"]
    assert len(res.points) == 15 and len(res.ok_points()) == 14
    failed = res.failed_points()
    assert [p.index for p in failed] == [14] and "too narrow" in failed[0].error
    assert failed[0].get("operands.weights.budget") == "2"  # from the overrides attr
    assert res.networks() == ["netA", "netB"]
    p0 = res.points[0]
    assert p0.network == "netA" and p0.get("operands.weights.budget") == "4" and p0.pe_kind == "tr"
    assert p0.get("operands.weights.group_size") == "8"  # not swept: from config_yaml
    assert res.points[6].is_baseline
    assert res.n_rows == 14 * 3
    assert list(res.table["layer"][:3]) == ["fc1", "fc2", "fc3"]
    assert list(res.params["operands.data.budget"][:3]) == ["2", "2", "2"]


def test_totals_follow_the_synthetic_formulas(sweep_file):
    res = load(sweep_file)
    tot = res.totals()
    at = {int(p): i for i, p in enumerate(tot["point"])}
    for p in res.ok_points():
        i = at[p.index]
        if p.is_baseline:
            assert tot["cycles"][i] == 630  # sum over m=1..3 of 100 m + 10
            assert tot["error"][i] == 0
            assert tot["energy_total_uj"][i] == pytest.approx(21 * 6 * 0.5)
        else:
            w = 16 if p.get("operands.weights.budget") == "none" else int(p.get("operands.weights.budget"))
            d = int(p.get("operands.data.budget"))
            assert tot["cycles"][i] == 120 * w * d + 30
            assert tot["term_pairs"][i] == 60 * w * d
            assert tot["error"][i] == pytest.approx(0.2 / (w * d))
            assert tot["error_rel_l2_max"][i] == pytest.approx(0.3 / (w * d))
            assert tot["error_rel_l2_last"][i] == pytest.approx(0.3 / (w * d))
            assert tot["energy_total_uj"][i] == pytest.approx(126 * w * d / 36)
        if p.network == "netA":
            assert np.isfinite(tot["accuracy"][i])
        else:
            assert np.isnan(tot["accuracy"][i])
    # cycle-weighted utilization = useful work / PE-cycles of the whole point
    rows = res.rows_of(res.points[0])
    useful = res.table["term_pairs"][rows].sum()
    pe_cycles = (res.table["cycles"][rows] * 24).sum()
    assert tot["utilization"][0] == pytest.approx(useful / pe_cycles)


def test_single_run_and_several_runs(run_file, mac_run_file):
    res = load(run_file)
    assert res.kind == "run" and res.swept_keys == [] and len(res.points) == 1
    assert res.points[0].get("operands.data.budget") == "3"
    assert res.layer_names(res.points[0]) == ["fc1", "fc2", "fc3"]
    assert res.pe_utilization(res.points[0], "fc2").shape == (4, 6)
    both = load([run_file, mac_run_file])
    assert both.kind == "runs" and both.swept_keys == ["pe.kind"]
    assert [p.pe_kind for p in both.points] == ["tr", "mac"]
    assert list(both.table["point"]) == [0, 0, 0, 1, 1, 1]


def test_point_selection(sweep_file):
    res = load(sweep_file)
    assert res.point().index == 0
    assert res.point(index=6).is_baseline
    assert res.point(config_hash=res.points[3].config_hash[:10]).index == 3
    with pytest.raises(AnalysisError, match="no point with index 99"):
        res.point(index=99)
    with pytest.raises(AnalysisError, match="point 14 failed"):
        res.point(index=14)


def test_errors_name_the_file_and_what_is_missing(tmp_path, sweep_copy, run_file):
    sweep_file = sweep_copy
    with pytest.raises(AnalysisError, match="nope.h5: no such file"):
        load(str(tmp_path / "nope.h5"))
    text = tmp_path / "text.h5"
    text.write_text("hello")
    with pytest.raises(AnalysisError, match="text.h5: not an HDF5 file"):
        load(str(text))
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f.attrs["format"] = "something-else"
    with pytest.raises(AnalysisError, match="other.h5: format 'something-else' is not trsim-results"):
        load(str(other))
    with h5py.File(other, "w") as f:
        f.create_group("x")
    with pytest.raises(AnalysisError, match="other.h5: no 'format' attribute"):
        load(str(other))
    with h5py.File(sweep_file, "a") as f:
        del f["summary/energy_total_pj"]
    with pytest.raises(AnalysisError, match=r"sweep.h5: /summary lacks energy_total_pj"):
        load(sweep_file)
    with h5py.File(run_file, "a") as f:
        del f["summary/cycles"]
    with pytest.raises(AnalysisError, match=r"run.h5: /summary lacks cycles"):
        load(run_file)
    with pytest.raises(AnalysisError, match=r"run.h5: /summary lacks cycles"):  # also among other inputs
        load([sweep_file, run_file])


def test_missing_params_column(tmp_path):
    path = synth.write_sweep(tmp_path / "s.h5", [{"overrides": {"operands.weights.budget": "4"}}],
                             ["operands.weights.budget"])
    with h5py.File(path, "a") as f:
        del f["summary/params/operands.weights.budget"]
    with pytest.raises(AnalysisError, match=r"s.h5: /summary/params/operands.weights.budget missing"):
        load(str(path))


def test_newer_format_version_is_rejected(tmp_path, run_file):
    with h5py.File(run_file, "a") as f:
        f.attrs["format_version"] = np.int32(2)
    with pytest.raises(AnalysisError, match="format_version 2 is newer"):
        load(run_file)


def test_grid_constants_used_by_fixtures():
    assert W_BUDGETS == ["4", "8", "none"] and D_BUDGETS == ["2", "3"]
