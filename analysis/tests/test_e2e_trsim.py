"""End to end with the real simulator (TRSIM_BIN, default build/trsim) on the bundled CNN trace:
`trsim run` for TR and the INT8 MAC baseline, and a tiny `trsim sweep` with a failing point, then the
analysis command on the files they wrote."""
import csv
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas
import pytest

from analysis import figures, frame
from analysis.cli import main
from analysis.results import load

ROOT = Path(__file__).resolve().parents[2]
TRSIM = os.environ.get("TRSIM_BIN", str(ROOT / "build" / "trsim"))
CONFIG = ROOT / "configs" / "default.yaml"
CNN = ROOT / "traces" / "bundled" / "cnn_fashion_mnist.h5"

pytestmark = pytest.mark.skipif(not os.access(TRSIM, os.X_OK), reason=f"no trsim binary at {TRSIM} (set TRSIM_BIN)")


def trsim(*args, ok_codes=(0,)):
    r = subprocess.run([TRSIM, *map(str, args)], capture_output=True, text=True, timeout=600)
    assert r.returncode in ok_codes, f"trsim {' '.join(map(str, args))}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


def trsim_run(out, *sets):
    args = ["run", CONFIG, "-o", out, "--set", f"trace={CNN}", "--set", "simulation.progress=false"]
    for s in sets:
        args += ["--set", s]
    trsim(*args)
    return str(out)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("trsim")
    return {
        "tr": trsim_run(d / "tr.h5"),
        "mac": trsim_run(d / "mac.h5", "pe.kind=mac"),
        "tr6": trsim_run(d / "tr6.h5", "operands.weights.budget=6"),
    }


def analysis(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out, err


def test_breakdown_and_csv_of_real_runs(runs, tmp_path, capsys):
    for kind in ("tr", "mac"):
        out = tmp_path / kind
        analysis(capsys, "breakdown", runs[kind], "-o", out)
        for ext in ("png", "pdf"):
            assert (out / f"breakdown.{ext}").stat().st_size > 10_000
        f = figures.plot_breakdown(load(runs[kind]))
        csv_path = tmp_path / f"{kind}.csv"
        analysis(capsys, "csv", runs[kind], "-o", csv_path)
        with open(csv_path, newline="") as fh:
            rows = list(csv.DictReader(fh))
        with h5py.File(runs[kind]) as h:
            s = h["summary"]
            assert f.data["layers"] == list(s["layer"].asstr()[:]) == ["conv1", "conv2", "fc3"]
            np.testing.assert_allclose(f.data["energy_uj"]["DRAM"], s["energy_dram_pj"][:] / 1e6)
            np.testing.assert_allclose(sum(f.data["cycles"].values()), s["cycles"][:])  # the stack is the total
            assert [row["layer"] for row in rows] == ["conv1", "conv2", "fc3"]
            assert [float(row["cycles"]) for row in rows] == list(s["cycles"][:])
            assert [float(row["energy_total_pj"]) for row in rows] == list(s["energy_total_pj"][:])
            assert {row["pe.kind"] for row in rows} == {kind}
            assert {row["network"] for row in rows} == {"cnn_fashion_mnist"}
            assert {row["config_hash"] for row in rows} == {h.attrs["config_hash"]}


def test_runs_together_against_the_baseline(runs, tmp_path, capsys):
    res = load([runs["tr"], runs["tr6"], runs["mac"]])
    assert set(res.swept_keys) == {"pe.kind", "operands.weights.budget"}
    nd = figures.plot_budget(res).data["networks"]["cnn_fashion_mnist"]
    with h5py.File(runs["mac"]) as m, h5py.File(runs["tr"]) as t, h5py.File(runs["tr6"]) as t6:
        assert nd["baselines"]["INT8 MAC baseline"]["cycles"] == m["run/cycles"][()]
        assert list(nd["series"]["TR"]["cycles"]) == [t6["run/cycles"][()], t["run/cycles"][()]]
    assert nd["series"]["TR"]["x"] == ["6", "12"]
    out, _ = analysis(capsys, "pareto", runs["tr"], runs["tr6"], runs["mac"], "-o", tmp_path)
    assert (tmp_path / "pareto.png").stat().st_size > 10_000


def test_heatmap_of_a_real_run(runs, tmp_path, capsys):
    with h5py.File(runs["tr"]) as h:
        if "pe_utilization" not in h["layers/conv2"]:
            pytest.skip("this trsim does not write pe_utilization yet")
        expected = h["layers/conv2/pe_utilization"][()]
    analysis(capsys, "heatmap", runs["tr"], "--layer", "conv2", "-o", tmp_path)
    assert (tmp_path / "heatmap_conv2.png").stat().st_size > 10_000
    f = figures.plot_heatmap(load(runs["tr"]), layers=["conv2"])
    np.testing.assert_array_equal(f.data["maps"]["conv2"], expected)
    assert expected.shape == (32, 32) and 0 <= expected.min() and expected.max() <= 1


def test_real_sweep(tmp_path, capsys):
    """A tiny `trsim sweep`: the INT8 baseline, two TR budgets, and a point that fails at run time
    (data bits too narrow for the trace)."""
    if trsim("sweep", "--help", ok_codes=(0, 1, 2)).returncode != 0:
        pytest.skip("this trsim has no sweep command")
    spec = tmp_path / "tiny.yaml"
    spec.write_text(
        f"base: {CONFIG}\n"
        "set:\n"
        "  simulation.progress: false\n"
        f"  trace: {CNN}\n"
        "sweep:\n"
        "  zip:\n"
        "    pe.kind:                 [mac,  tr, tr, tr]\n"
        "    operands.weights.budget: [none, 4,  12, 12]\n"
        "    operands.data.budget:    [none, 1,  3,  3]\n"
        "    operands.data.bits:      [8,    8,  8,  4]\n")
    out = tmp_path / "tiny.h5"
    r = trsim("sweep", spec, "-o", out, "-j", "2", ok_codes=(5,))  # 5: some points failed
    assert "3 ok, 1 failed" in r.stdout
    res = load(str(out))
    assert res.kind == "sweep" and len(res.ok_points()) == 3 and [p.index for p in res.failed_points()] == [3]
    assert res.swept_keys == ["pe.kind", "operands.weights.budget", "operands.data.budget", "operands.data.bits"]
    figs = tmp_path / "figs"
    stdout, err = analysis(capsys, "all", out, "-o", figs)
    assert "point 3" in err and "failed and is left out" in err
    names = sorted(os.listdir(figs))
    for stem in ("budget", "tradeoff", "pareto", "compare", "breakdown_p0", "heatmap_p0"):
        assert f"{stem}.png" in names and f"{stem}.pdf" in names, stem
    with h5py.File(out) as f:
        cycles = f["summary/cycles"][:]
        points = f["summary/point"][:]
    tot = res.totals()
    np.testing.assert_allclose(tot["cycles"], [cycles[points == i].sum() for i in (0, 1, 2)])
    b = figures.plot_budget(res).data
    assert b["moves_with_x"] == ["operands.data.budget"]
    nd = b["networks"]["cnn_fashion_mnist"]
    np.testing.assert_allclose(nd["series"]["TR"]["cycles"], tot["cycles"][1:])
    assert nd["baselines"]["INT8 MAC baseline"]["cycles"] == tot["cycles"][0]
    with open(figs / "points.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["status"] for r in rows] == ["ok", "ok", "ok", "failed"]
    assert rows[3]["cycles"] == "" and rows[3]["operands.data.bits"] == "4"
    # the command itself, as a user runs it
    r = subprocess.run([sys.executable, "-m", "analysis", "info", str(out)], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0 and "points: 4 (3 ok, 1 failed)" in r.stdout
    # the same sweep as pandas frames: a row per point, a row per point and layer, every run statistic
    df = frame(str(out))
    dl = frame(str(out), level="layer")
    assert df["status"].tolist() == ["ok", "ok", "ok", "failed"]
    assert df["operands.data.bits"].tolist() == [8, 8, 8, 4] and df["pe.kind"].tolist() == ["mac", "tr", "tr", "tr"]
    assert df["operands.weights.budget"].tolist()[:3] == [pandas.NA, 4, 12]
    with h5py.File(out) as f:
        for i, h in enumerate(list(f["points"])[:3]):
            run = f["points"][h]["run"]
            for name in ("cycles", "energy_total_pj", "array_rows", "array_cols", "area_total_mm2", "accuracy"):
                np.testing.assert_equal(df.loc[i, name], run[name][()])
            layers = dl[dl["point"] == i]
            assert layers["layer"].tolist() == ["conv1", "conv2", "fc3"]
            np.testing.assert_array_equal(layers["cycles"], f["points"][h]["summary/cycles"][:])
            np.testing.assert_array_equal(layers["sram_read_words"], f["points"][h]["summary/sram_read_words"][:])
            assert df.loc[i, "sram_read_words"] == f["points"][h]["summary/sram_read_words"][:].sum()
    np.testing.assert_array_equal(dl["cycles"], cycles)  # the sweep's own summary, row for row


def test_energy_components_of_the_figures_add_up_to_the_runs_total_energy(runs):
    # The stacked energy bars of breakdown and compare must sum to energy_total (static energy and the output
    # stage included): a component left out shows a total below what `trsim run` reports.
    for key in ("tr", "mac"):
        res = load(runs[key])
        total_uj = float(res.layer_table(res.point())["energy_total_pj"].sum()) / 1e6
        f = figures.plot_breakdown(res)
        stacked = sum(float(np.sum(v)) for v in f.data["energy_uj"].values())
        assert stacked == pytest.approx(total_uj, rel=1e-9), key
        assert "static (leakage)" in f.data["energy_uj"] and "output stage" in f.data["energy_uj"]
    res = load([runs["tr"], runs["mac"]])
    f = figures.plot_compare(res)
    stacked = np.sum([np.asarray(v) for v in f.data["energy_uj"].values()], axis=0)
    totals = [float(res.layer_table(p)["energy_total_pj"].sum()) / 1e6 for p in res.points]
    np.testing.assert_allclose(sorted(stacked), sorted(totals), rtol=1e-9)
