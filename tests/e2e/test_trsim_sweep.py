"""`trsim sweep` end to end: schema, resume, failure isolation, MPI ranks, Slurm script."""
import os
import shutil
import subprocess

import h5py
import numpy as np
import pytest

from e2e_paths import ROOT, TRSIM
BASE = ROOT / "configs" / "default.yaml"


def sweep_file(tmp_path, zip_block, product_block="", name="sweep.yaml"):
    text = f"base: {BASE}\nset:\n  simulation.progress: false\nsweep:\n"
    if product_block:
        text += "  product:\n" + product_block
    text += "  zip:\n" + zip_block
    path = tmp_path / name
    path.write_text(text)
    return path


def trsim(*args, check=True, env=None):
    r = subprocess.run([TRSIM, *map(str, args)], capture_output=True, text=True, timeout=600, env=env)
    if check and r.returncode != 0:
        raise AssertionError(f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


FOUR_POINTS = ("    pe.kind: [mac, tr, tr, tr]\n"
               "    operands.weights.budget: [none, 4, 8, 12]\n"
               "    operands.data.budget: [none, 1, 2, 3]\n")


def test_sweep_schema_and_summary(tmp_path):
    out = tmp_path / "s.h5"
    r = trsim("sweep", sweep_file(tmp_path, FOUR_POINTS), "-o", out, "-j", "2")
    assert "4 points: 4 ok, 0 failed, 0 not run" in r.stdout
    with h5py.File(out) as f:
        assert f.attrs["format"] == "trsim-sweep" and f.attrs["n_points"] == 4
        assert f.attrs["swept_keys"].split("\n") == ["pe.kind", "operands.weights.budget", "operands.data.budget"]
        points = list(f["points"])
        assert len(points) == 4
        for i, h in enumerate(points):
            p = f["points"][h]
            assert p.attrs["index"] == i and p.attrs["status"] == "ok" and p.attrs["config_hash"] == h
            assert "layers" in p and "summary" in p and p.attrs["trace_network"] == "mlp_fashion_mnist"
        s = f["summary"]
        n = len(s["layer"])
        assert n == 4 * 3  # 4 points x 3 layers
        assert s["point"][:].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
        assert s["params/pe.kind"].asstr()[:].tolist()[:4] == ["mac", "mac", "mac", "tr"]
        budgets = s["params/operands.weights.budget"].asstr()[:]
        cycles = s["cycles"][:]
        # Per layer, a larger budget never takes fewer cycles (the fixed slot grows).
        for layer in range(3):
            tr = [cycles[3 * p + layer] for p in (1, 2, 3)]
            assert tr == sorted(tr), tr
        assert np.all(s["error_rel_l2"][:3] == 0)  # the mac baseline is exact
        assert np.all(np.isnan(s["accuracy"][:])) or s["accuracy"].shape == (n,)
        # The summary repeats each point's own numbers.
        first = f["points"][points[1]]
        assert cycles[3] == first["layers/fc1/cycles"][()]
        assert budgets[3] == "4"
    assert not (tmp_path / "s.h5.parts").exists()


def test_resume_runs_only_missing_points(tmp_path):
    sweep = sweep_file(tmp_path, FOUR_POINTS)
    out = tmp_path / "s.h5"
    trsim("sweep", sweep, "-o", out, "--shard", "0/2")  # points 0 and 2
    with h5py.File(out) as f:
        status = [f["points"][h].attrs["status"] for h in f["points"]]
    assert status == ["ok", "not_run", "ok", "not_run"]
    r = trsim("sweep", sweep, "-o", out, check=False)
    assert r.returncode == 0, r.stderr
    assert "2 to run, 2 already done" in r.stderr
    r = trsim("sweep", sweep, "-o", out)
    assert "0 to run, 4 already done" in r.stderr
    with h5py.File(out) as f:
        assert [f["points"][h].attrs["status"] for h in f["points"]] == ["ok"] * 4
        kept = f["points"][list(f["points"])[0]]  # run in the first pass, carried over twice
        assert kept.attrs["trace_network"] == "mlp_fashion_mnist" and "config_yaml" in kept.attrs
        assert kept["layers/fc1/cycles"][()] > 0
        assert f["summary/point"][:].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]


def test_failing_point_is_reported_and_others_kept(tmp_path):
    # 4-bit data cannot hold the trace's 8-bit activations: the worker fails at run time.
    zip_block = "    operands.data.bits: [8, 4, 8]\n    operands.weights.budget: [4, 8, 12]\n"
    out = tmp_path / "s.h5"
    r = trsim("sweep", sweep_file(tmp_path, zip_block), "-o", out, check=False)
    assert r.returncode == 5
    assert "point 1 failed" in r.stderr
    assert "2 ok, 1 failed" in r.stdout
    with h5py.File(out) as f:
        p = [f["points"][h] for h in f["points"]]
        assert [x.attrs["status"] for x in p] == ["ok", "failed", "ok"]
        assert "operands.data.bits = 4" in p[1].attrs["error"]
        assert len(f["summary/layer"]) == 6
    logs = list((tmp_path / "s.h5.parts").glob("*.log"))
    assert len(logs) == 1  # only the failed point's log is kept


def test_invalid_sweep_names_the_point(tmp_path):
    zip_block = "    array.rows: [8, 0]\n"
    r = trsim("sweep", sweep_file(tmp_path, zip_block), "-o", tmp_path / "s.h5", check=False)
    assert r.returncode == 1
    assert "point 1 (array.rows=0)" in r.stderr and "array.rows: 0 is out of range" in r.stderr
    assert not (tmp_path / "s.h5").exists()


@pytest.mark.skipif(shutil.which("mpirun") is None, reason="openmpi-bin is installed by the test command")
def test_mpi_ranks_share_the_sweep(tmp_path):
    out = tmp_path / "s.h5"
    env = dict(os.environ)
    r = subprocess.run(["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "3", TRSIM, "sweep",
                        str(sweep_file(tmp_path, FOUR_POINTS)), "-o", str(out)],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr
    assert "shard 0/3" in r.stderr and "shard 2/3" in r.stderr
    assert r.stdout.count("4 points: 4 ok") == 1  # rank 0 alone merges
    with h5py.File(out) as f:
        assert [f["points"][h].attrs["status"] for h in f["points"]] == ["ok"] * 4


def test_slurm_script(tmp_path):
    script = tmp_path / "job.sh"
    sweep = sweep_file(tmp_path, FOUR_POINTS)
    r = trsim("sweep", sweep, "-o", tmp_path / "s.h5", "--slurm-script", script, "--slurm-tasks", "3")
    text = script.read_text()
    assert "--array=0-2" in text and "--shard \\${SLURM_ARRAY_TASK_ID}/3" in text
    assert "--dependency=afterany:${array}" in text and "--merge-only" in text
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    assert "wrote" in r.stdout


def test_two_blocks_run_their_union_once(tmp_path):
    # Block 0: INT8 MAC and TR 12x3 on 8x8 and 16x16 arrays (4 points); block 1: TR at two
    # budgets on 8x8, the first of which (12x3 on 8x8) block 0 already has: 5 points run.
    sweep = tmp_path / "blocks.yaml"
    sweep.write_text(
        f"base: {BASE}\nset:\n  simulation.progress: false\nsweep:\n"
        "  - product:\n      array.rows: [8, 16]\n      pe.kind: [mac, tr]\n"
        "    zip:\n      array.cols: [8]\n"
        "  - zip:\n      array.rows: [8, 8]\n      array.cols: [8, 8]\n      pe.kind: [tr, tr]\n"
        "      operands.weights.budget: [12, 4]\n      operands.data.budget: [3, 1]\n")
    listing = trsim("sweep", sweep, "--list")
    lines = listing.stdout.splitlines()
    assert len(lines) == 5, listing.stdout
    assert "sweep[1]: 1 of its 2 points resolve to the config of a point of an earlier block" in listing.stderr
    assert lines[0].split()[2:] == ["array.rows=8", "pe.kind=mac", "array.cols=8"]
    assert lines[4].split()[2:] == ["array.rows=8", "array.cols=8", "pe.kind=tr", "operands.weights.budget=4",
                                    "operands.data.budget=1"]
    out = tmp_path / "blocks.h5"
    r = trsim("sweep", sweep, "-o", out, "-j", "2")
    assert "5 points: 5 ok, 0 failed, 0 not run" in r.stdout
    with h5py.File(out) as f:
        keys = f.attrs["swept_keys"].split("\n")
        assert keys == ["array.rows", "pe.kind", "array.cols", "operands.weights.budget", "operands.data.budget"]
        s = f["summary"]
        rows = {int(p): i for i, p in reversed(list(enumerate(s["point"][:])))}  # first row of each point
        params = {k: s[f"params/{k}"].asstr()[:] for k in keys}
        got = [tuple(params[k][rows[p]] for k in keys) for p in range(5)]
    # Keys a block does not vary come from the point's resolved config (budgets 12 and 3 by default).
    assert got == [("8", "mac", "8", "12", "3"), ("8", "tr", "8", "12", "3"), ("16", "mac", "8", "12", "3"),
                   ("16", "tr", "8", "12", "3"), ("8", "tr", "8", "4", "1")]
