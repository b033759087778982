"""Issue 24, C++ side: every input kept from `-o` and the other outputs (area table, score cache,
--report-csv, outputs.vcd) with all outputs checked before simulating; an INT4 QT design declared
consistently runs; sweeps are bounded with a named error, report their expansion and clear what a
killed merge left; one-line errors naming the option or key for the remaining misleading cases."""
import os
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import TRSIM, digest, leftovers, trsim


def _sweep(inputs, name, body):
    path = inputs.dir / name
    path.write_text(f"base: {inputs.config}\nsweep:\n{body}")
    return path


# --- outputs: never an input, all checked before simulating ---

def test_output_equal_to_the_area_table_is_refused(inputs):
    before = inputs.fingerprint()
    r = trsim("run", inputs.config, "-o", inputs.area)
    assert r.returncode == 4, r.stderr
    assert "is the area table" in r.stderr, r.stderr
    assert inputs.fingerprint() == before


def test_output_equal_to_the_score_cache_is_refused(inputs):
    cache = inputs.dir / "mlp.h5.scores.tsv"
    cache.write_text("# trace_bytes\t1\n")
    before = digest(cache)
    r = trsim("run", inputs.config, "-o", cache)
    assert r.returncode == 4, r.stderr
    assert "is the trace's score cache" in r.stderr, r.stderr
    assert digest(cache) == before


def test_sweep_output_equal_to_a_points_area_table_is_refused(inputs):
    s = _sweep(inputs, "s.yaml", "  product:\n    array.rows: [8, 16]\n")
    before = inputs.fingerprint()
    r = trsim("sweep", s, "-o", inputs.area)
    assert r.returncode == 4 and "area" in r.stderr, r.stderr
    assert inputs.fingerprint() == before


@pytest.mark.parametrize("case", ["file", "input inside", "unwritable parent"])
def test_bad_report_csv_fails_before_simulating(inputs, case):
    out = inputs.dir / "out.h5"
    assert trsim("run", inputs.config, "-o", out).returncode == 0
    earlier = digest(out)
    if case == "file":
        report = inputs.dir / "c.yaml"  # an existing file, not a directory
        expected = "is not a directory"
    elif case == "input inside":
        report = inputs.dir / "rep"
        report.mkdir()
        os.symlink(inputs.config, report / "COMPUTE_REPORT.csv")
        expected = "is the config"
    else:
        if os.geteuid() == 0:
            report = "/proc/trsim_reports"  # not even root can make a directory there
        else:
            ro = inputs.dir / "ro"
            ro.mkdir()
            ro.chmod(0o500)
            report = ro / "rep"
        expected = "--report-csv"
    start = time.monotonic()
    r = trsim("run", inputs.config, "-o", out, "--report-csv", report)
    assert r.returncode == 4, r.stderr
    assert "--report-csv" in r.stderr and expected in r.stderr, r.stderr
    assert "layers" not in r.stdout  # no summary table: nothing was simulated
    assert digest(out) == earlier
    assert inputs.fingerprint()[str(inputs.config)] == digest(inputs.config)
    assert leftovers(inputs.dir) == []
    assert time.monotonic() - start < 30


def test_vcd_in_an_unwritable_place_is_named_as_outputs_vcd(inputs):
    r = trsim("run", inputs.config, "-o", inputs.dir / "o.h5", "--set", "outputs.vcd=/proc/trsim_wave")
    assert r.returncode == 4, r.stderr
    assert "outputs.vcd" in r.stderr and "/proc/trsim_wave" in r.stderr, r.stderr
    assert "mlp.h5" not in r.stderr, r.stderr  # not reported against the trace
    assert not (inputs.dir / "o.h5").exists()


def test_vcd_equal_to_the_output_is_refused(inputs):
    r = trsim("run", inputs.config, "-o", inputs.dir / "w.vcd", "--set", f"outputs.vcd={inputs.dir / 'w.vcd'}")
    assert r.returncode == 4 and "outputs.vcd and -o name the same file" in r.stderr, r.stderr


# --- validation: INT4, sizes, options ---

def test_int4_declared_consistently_runs(inputs):
    r = trsim("run", inputs.config, "-o", inputs.dir / "o.h5",
              "--set", "operands.weights.bits=4", "--set", "operands.weights.quantize_bits=4",
              "--set", "operands.data.bits=4", "--set", "operands.data.quantize_bits=4",
              "--set", "operands.weights.budget=none", "--set", "operands.data.budget=none")
    assert r.returncode == 0, r.stderr
    assert (inputs.dir / "o.h5").exists()


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_empty_layers_option_is_an_error(inputs, command):
    target = inputs.config if command == "run" else _sweep(inputs, "s.yaml", "  product:\n    array.rows: [8]\n")
    r = trsim(command, target, "-o", inputs.dir / "o.h5", "--layers", "")
    assert r.returncode == 2, r.stderr
    assert "'--layers' must not be empty" in r.stderr, r.stderr
    assert not (inputs.dir / "o.h5").exists()


@pytest.mark.parametrize("attr,value", [("padding", 2**31), ("stride", 2**31), ("padding", 2**40)])
def test_huge_conv_attribute_is_reported_as_too_large(inputs, attr, value):
    with h5py.File(inputs.cnn, "r+") as f:
        f["layers/conv1"].attrs[attr] = np.int64(value)
    r = trsim("run", inputs.config, "-o", inputs.dir / "o.h5", "--set", f"trace={inputs.cnn}")
    assert r.returncode == 1, r.stderr
    assert f"{attr}" in r.stderr and "is too large" in r.stderr and str(value) in r.stderr, r.stderr
    assert "must be >= 0" not in r.stderr and "must be >= 1" not in r.stderr, r.stderr


def test_area_budget_beyond_the_largest_array_is_an_error(inputs):
    r = trsim("validate", inputs.config, "--set", "array.area_mm2=1000000", "--set", "array.rows=null",
              "--set", "array.cols=null")
    assert r.returncode == 1, r.stderr
    assert "array.area_mm2" in r.stderr and "4096x4096" in r.stderr and "at most" in r.stderr, r.stderr


# --- sweeps ---

def test_huge_product_is_refused_with_each_blocks_size(inputs):
    values = "[" + ", ".join(str(8 + i) for i in range(100)) + "]"
    keys = "".join(f"      {k}: {values}\n" for k in ("array.rows", "array.cols", "array.link_latency",
                                                       "clock_mhz", "simulation.threads"))
    s = _sweep(inputs, "s.yaml", "  - product:\n" + keys + "  - zip:\n      array.rows: [8, 16]\n")
    start = time.monotonic()
    r = trsim("sweep", s, "--list", timeout=60)
    assert time.monotonic() - start < 30
    assert r.returncode == 1, r.stderr
    assert "10000000002 points, more than the bound of 100000" in r.stderr, r.stderr
    assert "--max-points N" in r.stderr, r.stderr
    assert "sweep[0]: 100 x 100 x 100 x 100 x 100 (product) = 10000000000 points" in r.stderr, r.stderr
    assert "sweep[1]: 2 (zip) = 2 points" in r.stderr, r.stderr


def test_max_points_overrides_the_bound(inputs):
    s = _sweep(inputs, "s.yaml", "  product:\n    array.rows: [8, 16, 32]\n    array.cols: [8, 16]\n")
    r = trsim("sweep", s, "--list", "--max-points", "5")
    assert r.returncode == 1 and "6 points, more than the bound of 5" in r.stderr, r.stderr
    r = trsim("sweep", s, "--list", "--max-points", "6")
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 6
    r = trsim("sweep", s, "--list", "--max-points", "0")
    assert r.returncode == 2 and "--max-points" in r.stderr, r.stderr


def test_key_in_both_product_and_zip_is_named(inputs):
    s = _sweep(inputs, "s.yaml", "  product:\n    array.rows: [8, 16]\n  zip:\n    array.rows: [8, 32]\n")
    r = trsim("sweep", s, "--list")
    assert r.returncode == 1, r.stderr
    assert "sweep.zip.array.rows: is also in sweep.product" in r.stderr, r.stderr


def test_killed_merge_temporary_is_removed_even_if_its_pid_lives_on(inputs):
    """A temporary of OUT.h5 left by kill -9 of the merger: removed on resume whether its pid is a
    zombie (killed, not yet reaped) or was reused by a live process: the resuming sweep holds OUT.h5's
    lock, so no one else can be writing it."""
    out = inputs.dir / "s.h5"
    zombie = subprocess.Popen(["sleep", "60"])
    os.kill(zombie.pid, signal.SIGKILL)
    time.sleep(0.2)  # not waited for: a zombie until the end of the test
    stale = [inputs.dir / f"s.h5.tmp-{zombie.pid}", inputs.dir / f"s.h5.tmp-{os.getpid()}"]
    for p in stale:
        p.write_bytes(b"half a merged file")
    try:
        r = trsim("sweep", _sweep(inputs, "a.yaml", "  product:\n    array.rows: [8, 16]\n"), "-o", out)
        assert r.returncode == 0, r.stderr
        assert [p for p in stale if p.exists()] == []
        assert leftovers(inputs.dir) == []
    finally:
        zombie.wait()


def test_huge_structural_array_is_refused_with_its_bound(inputs):
    start = time.monotonic()
    r = trsim("run", inputs.config, "-o", inputs.dir / "o.h5", "--set", "simulation.mode=structural",
              "--set", "array.rows=4096", "--set", "array.cols=4096", timeout=120)
    assert time.monotonic() - start < 60
    assert r.returncode == 1, r.stderr
    assert "array.rows x array.cols: 4096x4096 = 16777216 PEs" in r.stderr and "at most 262144" in r.stderr, r.stderr
    assert not (inputs.dir / "o.h5").exists()
