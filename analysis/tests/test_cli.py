"""The command line: every command on the synthetic sweep and run files, the CSV content, and the
error messages and exit codes for wrong inputs."""
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.results import PLOT_KEYS

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def nonempty(path):
    return os.path.isfile(path) and os.path.getsize(path) > 1000


def test_all_on_a_sweep(sweep_file, tmp_path, capsys):
    out_dir = tmp_path / "figs"
    code, out, err = run(capsys, "all", sweep_file, "-o", out_dir)
    assert code == 0, err
    stems = ("budget", "tradeoff", "pareto", "compare_netA", "compare_netB", "breakdown_p0", "heatmap_p0")
    expected = [f"{stem}.{ext}" for stem in stems for ext in ("png", "pdf")] + ["summary.csv", "points.csv"]
    assert out.split() == [str(out_dir / e) for e in expected]
    for e in expected:
        assert nonempty(out_dir / e) or e.endswith(".csv"), e
    assert "point 14 (" in err and "failed and is left out: operands.data.bits = 4 too narrow" in err
    assert err.count("using sweep point 0") == 1


def test_all_on_a_run_file(run_file, tmp_path, capsys):
    code, out, err = run(capsys, "all", run_file, "-o", tmp_path / "o")
    assert code == 0, err
    names = [os.path.basename(p) for p in out.split()]
    assert names == ["breakdown.png", "breakdown.pdf", "heatmap.png", "heatmap.pdf", "summary.csv", "points.csv"]
    for what in ("budget", "tradeoff", "pareto", "compare"):
        assert f"{what} skipped: needs several points" in err


def test_all_on_a_run_without_pe_utilization(run_file_no_util, tmp_path, capsys):
    code, out, err = run(capsys, "all", run_file_no_util, "-o", tmp_path / "o")
    assert code == 0
    assert "heatmap skipped: no pe_utilization data" in err
    assert not any("heatmap" in p for p in out.split())


def test_single_commands(sweep_file, run_file, mac_run_file, tmp_path, capsys):
    o = tmp_path / "single"
    assert run(capsys, "tradeoff", sweep_file, "-o", o, "--metric", "error", "--error-agg", "max")[0] == 0
    assert run(capsys, "breakdown", sweep_file, "-o", o, "--point", "6")[0] == 0
    code, out, _ = run(capsys, "breakdown", run_file, mac_run_file, "-o", o)
    assert code == 0 and [os.path.basename(p) for p in out.split()] == [
        "breakdown_p0.png", "breakdown_p0.pdf", "breakdown_p1.png", "breakdown_p1.pdf"]
    code, out, _ = run(capsys, "pareto", run_file, mac_run_file, "-o", o)
    assert code == 0
    for stem in ("tradeoff", "pareto", "breakdown_p6"):
        assert nonempty(o / f"{stem}.png") and nonempty(o / f"{stem}.pdf"), stem


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def test_csv_of_a_sweep(sweep_file, tmp_path, capsys):
    path = tmp_path / "sub" / "summary.csv"
    code, out, _ = run(capsys, "csv", sweep_file, "-o", path)
    assert code == 0 and out.strip() == str(path)
    rows = read_csv(path)
    header, body = rows[0], rows[1:]
    swept = ["trace", "pe.kind", "operands.weights.budget", "operands.data.budget"]
    rest = [k for k in PLOT_KEYS if k not in swept]
    assert header[:8] == ["point", "config_hash", "network", "layer"] + swept
    assert header[8:8 + len(rest)] == rest
    for col in ("cycles", "term_pairs", "energy_total_pj", "error_rel_l2", "accuracy"):
        assert col in header
    assert len(body) == 14 * 3
    row = dict(zip(header, body[1]))  # point 0 (w4, d2), layer fc2 (m = 2)
    assert row["point"] == "0" and row["layer"] == "fc2" and row["network"] == "netA"
    assert row["operands.weights.budget"] == "4" and row["operands.data.budget"] == "2"
    assert row["operands.weights.group_size"] == "8" and row["array.rows"] == "4"
    assert row["cycles"] == str(2 * (20 * 8) + 10)  # integers without ".0"
    assert float(row["error_rel_l2"]) == pytest.approx(0.2 / 8)
    assert float(row["accuracy"]) == pytest.approx(0.9 - 0.5 / 8)
    netb = [dict(zip(header, r)) for r in body if r[2] == "netB"]
    assert netb and all(r["accuracy"] == "" for r in netb)  # NaN -> empty cell


def test_csv_points_and_stdout(sweep_file, capsys):
    code, out, _ = run(capsys, "csv", sweep_file, "--points")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["point", "config_hash", "status", "error", "network"]
    assert len(body) == 15
    by = {r[0]: dict(zip(header, r)) for r in body}
    assert by["14"]["status"] == "failed" and by["14"]["cycles"] == "" and "too narrow" in by["14"]["error"]
    assert by["6"]["pe.kind"] == "mac" and by["6"]["cycles"] == "630"
    assert by["0"]["cycles"] == str(120 * 8 + 30) and by["0"]["term_pairs"] == str(60 * 8)
    assert float(by["0"]["energy_total_uj"]) == pytest.approx(3.5 * 8)


def test_csv_of_a_run(run_file, capsys):
    code, out, _ = run(capsys, "csv", run_file)
    rows = list(csv.reader(io.StringIO(out)))
    header = rows[0]
    assert header[:4] == ["point", "config_hash", "network", "layer"] and header[4:4 + len(PLOT_KEYS)] == list(PLOT_KEYS)
    r = dict(zip(header, rows[1]))
    assert r["pe.kind"] == "tr" and r["operands.weights.budget"] == "12" and r["layer"] == "fc1"
    assert len(rows) == 4


def test_info(sweep_file, capsys):
    code, out, _ = run(capsys, "info", sweep_file)
    assert code == 0
    assert "points: 15 (14 ok, 1 failed)" in out
    assert "swept keys: trace, pe.kind, operands.weights.budget, operands.data.budget" in out
    assert "layers (point 0): fc1, fc2, fc3" in out


def test_errors_and_exit_codes(tmp_path, run_file, run_file_no_util, sweep_file, capsys):
    code, _, err = run(capsys, "breakdown", tmp_path / "nope.h5")
    assert code == 1 and f"analysis: error: {tmp_path / 'nope.h5'}: no such file" in err
    code, _, err = run(capsys, "budget", run_file)
    assert code == 1 and "needs at least 2 successful point(s), found 1" in err
    code, _, err = run(capsys, "heatmap", run_file_no_util, "-o", tmp_path)
    assert code == 1 and "no pe_utilization data" in err
    code, _, err = run(capsys, "heatmap", run_file, "--layer", "fc9", "-o", tmp_path)
    assert code == 1 and "no layer 'fc9'" in err
    code, _, err = run(capsys, "breakdown", sweep_file, "--point", "x", "-o", tmp_path)
    assert code == 1 and "--point: 'x' is not a point index" in err
    code, _, err = run(capsys, "breakdown", sweep_file, "--point", "14", "-o", tmp_path)
    assert code == 1 and "point 14 failed" in err
    code, _, err = run(capsys, "budget", sweep_file, "--x", "array.nope", "-o", tmp_path)
    assert code == 1 and "key 'array.nope' not found" in err
    with pytest.raises(SystemExit) as e:
        main(["frobnicate", run_file])
    assert e.value.code == 2


def test_module_entry_point(run_file):
    r = subprocess.run([sys.executable, "-m", "analysis", "csv", run_file], cwd=ROOT, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("point,config_hash,network,layer,pe.kind,")
    h = subprocess.run([sys.executable, "-m", "analysis", "--help"], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    assert h.returncode == 0 and "breakdown" in h.stdout and "exit status" in h.stdout


def test_the_help_lists_every_command():
    # The commands: block of --help is written by hand; every subcommand the parser knows must be in it.
    import argparse

    from analysis.cli import _parser
    p = _parser()
    names = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction)).choices
    block = p.description.split("commands:")[1] if "commands:" in (p.description or "") else p.format_help()
    block = block.split("examples")[0]
    listed = {line.split()[0] for line in block.splitlines() if line.startswith("  ") and not line.startswith("   ")}
    assert set(names) <= listed, sorted(set(names) - listed)
