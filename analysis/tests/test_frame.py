"""analysis.frame: pandas DataFrames of run and sweep files, checked against the closed forms of
synth.py (point totals, per-layer rows, typed config columns, failed points, several files)."""
import numpy as np
import pandas as pd
import pytest

import analysis
from analysis.results import AnalysisError

from . import synth
from .conftest import SWEPT, accuracy


def wd(w, d):
    return (16 if w == "none" else int(w)) * int(d)


def test_point_frame_of_a_sweep(sweep_file):
    df = analysis.frame(sweep_file)
    assert len(df) == 15  # 7 + 7 ok points and the failed one
    assert list(df.columns[:6]) == ["point", "config_hash", "status", "error", "network", "file"]
    assert list(df.columns[6:10]) == SWEPT  # the swept keys first, named by the key
    assert df["point"].tolist() == list(range(15))
    tr = df[(df["network"] == "netA") & (df["pe.kind"] == "tr")]
    assert len(tr) == 6
    for _, row in tr.iterrows():
        w = row["operands.weights.budget"]
        d = row["operands.data.budget"]
        k = wd("none" if pd.isna(w) else str(w), str(d))
        # synth_layers: cycles of layer m = 20 m w d + 5 m, summed over m = 1..3; error 0.1 m / (w d)
        assert row["cycles"] == 120 * k + 30
        assert row["term_pairs"] == 60 * k
        assert row["sync_loss_cycles"] == 48 * k  # not in /run: summed over the layers
        assert row["error_rel_l2_mean"] == pytest.approx(0.2 / k)
        assert row["error_rel_l2_max"] == pytest.approx(0.3 / k)
        assert row["error_rel_l2_last"] == pytest.approx(0.3 / k)
        assert row["energy_total_pj"] == pytest.approx(21e6 * 6 * k / 36)
        assert row["accuracy"] == pytest.approx(accuracy("tr", "none" if pd.isna(w) else str(w), str(d)))
        # utilization is the cycle-weighted mean of the layers' (= term pairs over PE-cycles)
        assert row["utilization"] == pytest.approx(row["term_pairs"] / (row["cycles"] * 24))
    mac = df[(df["network"] == "netA") & (df["pe.kind"] == "mac")].iloc[0]
    assert mac["cycles"] == 6 * 100 + 30 and mac["error_rel_l2_max"] == 0
    assert df[df["network"] == "netB"]["accuracy"].isna().all()
    assert df.attrs["units"]["cycles"] == "cycles" and df.attrs["units"]["energy_dram_pj"] == "pJ"


def test_config_columns_are_typed(sweep_file):
    df = analysis.frame(sweep_file)
    assert str(df["operands.weights.budget"].dtype) == "Int64"  # none is <NA>, not the text
    assert df["operands.weights.budget"].tolist()[:3] == [4, 8, pd.NA]
    assert df["operands.data.budget"].dropna().unique().tolist() == [2, 3, 1]
    assert str(df["array.rows"].dtype) == "Int64" and set(df["array.rows"].dropna()) == {4}
    assert df["pe.kind"].tolist()[:7] == ["tr"] * 6 + ["mac"]
    # a filter reads as it would on any DataFrame
    sel = df[(df["operands.weights.budget"] == 8) & (df["operands.data.budget"] == 3)]
    assert sel["point"].tolist() == [4, 11]
    assert analysis.results.typed_value("0.641") == 0.641 and analysis.results.typed_value("true") is True
    assert analysis.results.typed_value("null") is None and analysis.results.typed_value("hese") == "hese"


def test_failed_points_have_a_row_without_statistics(sweep_file):
    df = analysis.frame(sweep_file)
    failed = df[df["status"] == "failed"]
    assert failed["point"].tolist() == [14]
    row = failed.iloc[0]
    assert "too narrow" in row["error"] and np.isnan(row["cycles"]) and np.isnan(row["accuracy"])
    assert row["operands.weights.budget"] == 2  # its overrides say what it was


def test_layer_frame_of_a_sweep(sweep_file):
    dl = analysis.frame(sweep_file, level="layer")
    assert len(dl) == 14 * 3
    assert list(dl.columns[:6]) == ["point", "config_hash", "network", "file", "layer", "layer_index"]
    one = dl[dl["point"] == 4]  # netA, w 8, d 3
    assert one["layer"].tolist() == ["fc1", "fc2", "fc3"] and one["layer_index"].tolist() == [0, 1, 2]
    k = 24
    assert one["cycles"].tolist() == [20 * m * k + 5 * m for m in (1, 2, 3)]
    assert one["error_rel_l2"].tolist() == pytest.approx([0.1 * m / k for m in (1, 2, 3)])
    assert one["accuracy"].tolist() == pytest.approx([accuracy("tr", "8", "3")] * 3)  # the point's, on each layer
    assert (one["operands.weights.budget"] == 8).all()
    # the layer rows add up to the point row
    df = analysis.frame(sweep_file)
    sums = dl.groupby("point")["cycles"].sum()
    assert sums.tolist() == df[df["status"] == "ok"]["cycles"].tolist()


def test_run_files_together(run_file, mac_run_file):
    df = analysis.frame([run_file, mac_run_file])
    assert df["point"].tolist() == [0, 1]
    assert df["file"].tolist() == [run_file, mac_run_file]
    assert df.attrs["swept_keys"] == ["pe.kind"]
    assert df["pe.kind"].tolist() == ["tr", "mac"]
    assert df["cycles"].tolist() == [120 * 36 + 30, 630]
    one = analysis.frame(run_file, level="layer")
    assert one["layer"].tolist() == ["fc1", "fc2", "fc3"] and one["pe.kind"].tolist() == ["tr"] * 3


def test_a_sweep_and_a_run_together(sweep_file, mac_run_file):
    df = analysis.frame([sweep_file, mac_run_file])
    ok = df[df["status"] == "ok"]
    assert len(df) == 16 and len(ok) == 15
    assert df.iloc[-1]["file"] == mac_run_file and df.iloc[-1]["pe.kind"] == "mac"


def test_keys_all_and_chosen(sweep_file):
    df = analysis.frame(sweep_file, keys="all")
    assert (df[df["status"] == "ok"]["clock_mhz"] == 150).all()
    assert "pe.coefficient_counters" in df.columns
    df = analysis.frame(sweep_file, keys=["array.rows"])
    assert "array.rows" in df.columns and "pe.kind" not in df.columns


def test_errors_name_the_problem(sweep_file, tmp_path):
    with pytest.raises(AnalysisError, match="unknown level 'net'.*point, layer"):
        analysis.frame(sweep_file, level="net")
    with pytest.raises(AnalysisError, match="no such file"):
        analysis.frame(str(tmp_path / "missing.h5"))


def test_mixed_value_column_stays_text(tmp_path):
    path = synth.write_sweep(tmp_path / "enc.h5", [
        {"overrides": {"operands.weights.encoding": "binary", "operands.weights.budget": "8"}},
        {"overrides": {"operands.weights.encoding": "hese", "operands.weights.budget": "8"}},
    ], ["operands.weights.encoding"])
    df = analysis.frame(str(path))
    assert df["operands.weights.encoding"].tolist() == ["binary", "hese"]
    assert df["operands.weights.encoding"].dtype == object
