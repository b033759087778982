"""Several sweep and run files analysed together, and the CSV export that carries every statistic
of every point and layer plus every config key."""
import csv
import io
import os

import pytest

from analysis.cli import main
from analysis.results import load

from . import synth


def sweep_on_array(path, rows):
    """A 3-point sweep over the weight budget on a rows x 6 array."""
    pts = [{"network": "netA", "accuracy": 0.8 + 0.01 * i,
            "overrides": {"pe.kind": "tr", "array.rows": rows, "operands.weights.budget": str(w)}}
           for i, w in enumerate((4, 8, 12))]
    return str(synth.write_sweep(path, pts, ["operands.weights.budget"]))


@pytest.fixture
def two_sweeps(tmp_path):
    return sweep_on_array(tmp_path / "a4.h5", 4), sweep_on_array(tmp_path / "a8.h5", 8)


def test_two_sweeps_become_one_set_of_points_labelled_by_what_differs(two_sweeps, run_file):
    res = load([*two_sweeps, run_file])
    assert res.kind == "runs" and [p.index for p in res.points] == list(range(7))
    assert [p.file for p in res.points] == [two_sweeps[0]] * 3 + [two_sweeps[1]] * 3 + [run_file]
    assert res.swept_keys == ["array.rows", "operands.weights.budget"]
    assert [p.get("array.rows") for p in res.points] == ["4"] * 3 + ["8"] * 3 + ["4"]
    assert [p.get("operands.weights.budget") for p in res.points[:3]] == ["4", "8", "12"]
    assert res.points[1].describe(["array.rows", "operands.weights.budget"]) == "rows=4, weight budget=8"
    # each point's rows are its own run results: 3 layers each
    assert len(res.table["layer"]) == 7 * 3
    assert list(res.table["point"][:3]) == [0, 0, 0]


def test_combined_figures_run(two_sweeps, tmp_path, capsys):
    assert main(["tradeoff", *two_sweeps, "-o", str(tmp_path)]) == 0
    assert main(["compare", *two_sweeps, "-o", str(tmp_path)]) == 0
    written = [os.path.basename(w) for w in capsys.readouterr().out.split()]
    # the sweeps ran on a 4 x 6 and an 8 x 6 array: a figure per array
    for stem in ("tradeoff", "compare"):
        assert {f"{stem}_array-4x6.png", f"{stem}_array-8x6.png"} <= set(written), stem
    assert main(["tradeoff", *two_sweeps, "--facet", "none", "-o", str(tmp_path)]) == 0
    assert "tradeoff.png" in [os.path.basename(w) for w in capsys.readouterr().out.split()]


def test_csv_carries_every_stat_and_every_config_key(two_sweeps, capsys):
    assert main(["csv", two_sweeps[0]]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    header, body = rows[0], rows[1:]
    # every config key of the resolved configs, unswept ones too
    for key in ("clock_mhz", "pe.schedule", "operands.data.encoding", "outputs.save_layer_outputs", "energy.term_pair"):
        assert key in header, key
    # stats the sweep's /summary lacks but each point's run results hold
    for stat in synth.ENERGY + ("sync_loss_cycles", "time_us", "error_max_abs"):
        assert stat in header, stat
    by = [dict(zip(header, r)) for r in body]
    assert len(by) == 9
    assert all(r["clock_mhz"] == "150" for r in by)
    layers = synth.synth_layers("tr", 8, 3, rows=4, cols=6)
    point1 = [r for r in by if r["point"] == "1"]
    for row, layer in zip(point1, layers):
        for stat in synth.ENERGY:
            assert float(row[stat]) == pytest.approx(layer["stats"][stat]), (layer["name"], stat)


def test_csv_points_of_combined_inputs(two_sweeps, capsys):
    assert main(["csv", "--points", *two_sweeps]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    header, body = rows[0], rows[1:]
    assert len(body) == 6 and "clock_mhz" in header and "array.rows" in header
    assert [dict(zip(header, r))["array.rows"] for r in body] == ["4"] * 3 + ["8"] * 3
