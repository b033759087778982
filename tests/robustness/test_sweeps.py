"""Sweeps into one output: a second sweep at the same time refuses clearly; a
different sweep merges into an existing file without losing a point and analysis
reads the result; kill -9 at any moment (running points or merging) loses nothing
a re-run cannot finish; keys that change no result do not force re-runs."""
import os
import signal
import subprocess
import sys
import time

import h5py
import pytest

from conftest import ROOT, TRSIM, default_signals, digest, leftovers, trsim

sys.path.insert(0, str(ROOT))
from analysis.results import load  # noqa: E402


def _sweep(inputs, name, zip_block):
    path = inputs.dir / name
    path.write_text(f"base: {inputs.config}\nsweep:\n  zip:\n{zip_block}")
    return path


ROWS = "    array.rows: [8, 16, 32]\n"
KINDS = "    pe.kind: [mac, tr]\n    operands.weights.budget: [none, 8]\n"


def _points(out):
    with h5py.File(out) as f:
        return {h: (int(g.attrs["index"]), g.attrs["status"]) for h, g in f["points"].items()}


def test_second_sweep_on_the_same_output_refuses(inputs):
    # Detailed mode: about 2 s for the three points, so the first sweep still holds its lock when the
    # second one starts (fast mode is done in a few tenths of a second).
    a = _sweep(inputs, "a.yaml", ROWS + "    simulation.mode: [detailed, detailed, detailed]\n")
    out = inputs.dir / "s.h5"
    first = subprocess.Popen([TRSIM, "sweep", str(a), "-o", str(out), "-j", "1"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (inputs.dir / "s.h5.lock").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    r = trsim("sweep", a, "-o", out)
    assert r.returncode == 4, r.stderr
    assert f"trsim sweep: {out}: another trsim sweep (pid {first.pid}) is writing this file" in r.stderr, r.stderr
    stdout, stderr = first.communicate(timeout=600)
    assert first.returncode == 0, stderr
    assert "3 points: 3 ok, 0 failed, 0 not run" in stdout
    assert sorted(_points(out).values()) == [(0, "ok"), (1, "ok"), (2, "ok")]
    assert leftovers(inputs.dir) == []


def test_a_different_sweep_merges_without_losing_points(inputs):
    out = inputs.dir / "s.h5"
    assert trsim("sweep", _sweep(inputs, "a.yaml", ROWS), "-o", out).returncode == 0
    before = _points(out)
    r = trsim("sweep", _sweep(inputs, "b.yaml", KINDS), "-o", out)
    assert r.returncode == 0, r.stderr
    assert "2 points: 2 ok" in r.stdout and "with 3 points of earlier sweeps, kept" in r.stdout, r.stdout
    after = _points(out)
    assert set(before) <= set(after) and len(after) == 5
    assert sorted(i for i, _ in after.values()) == [0, 1, 2, 3, 4]
    assert all(status == "ok" for _, status in after.values())
    res = load(str(out))  # analysis reads the merged file
    assert len(res.ok_points()) == 5
    assert set(res.swept_keys) == {"pe.kind", "operands.weights.budget", "array.rows"}
    rows = {p.index: p.params for p in res.points}
    assert rows[0]["pe.kind"] == "mac" and rows[2]["array.rows"] == "8"
    assert rows[2]["pe.kind"] == "tr"  # from the earlier point's resolved config
    # Re-running either sweep keeps everything and runs nothing.
    for name in ("a.yaml", "b.yaml"):
        r = trsim("sweep", inputs.dir / name, "-o", out)
        assert r.returncode == 0 and "0 to run" in r.stderr, r.stderr
        assert set(_points(out)) == set(after)
    with h5py.File(out) as f:
        assert sorted(f.attrs["sweeps"].split("\n")) == sorted([str(inputs.dir / "a.yaml"), str(inputs.dir / "b.yaml")])


def test_output_that_is_not_a_sweep_file_is_refused(inputs):
    out = inputs.dir / "run.h5"
    assert trsim("run", inputs.config, "-o", out).returncode == 0
    earlier = digest(out)
    r = trsim("sweep", _sweep(inputs, "a.yaml", ROWS), "-o", out)
    assert r.returncode == 4 and "is not a trsim sweep file" in r.stderr, r.stderr
    assert digest(out) == earlier


@pytest.mark.parametrize("delay", [0.5, 1.5, 3.0])
def test_kill_9_at_any_moment_loses_nothing(inputs, delay):
    out = inputs.dir / "s.h5"
    assert trsim("sweep", _sweep(inputs, "a.yaml", ROWS), "-o", out).returncode == 0
    earlier = digest(out)
    b = _sweep(inputs, "b.yaml", KINDS)
    proc = subprocess.Popen([TRSIM, "sweep", str(b), "-o", str(out), "-j", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, wherever they are
    proc.wait(timeout=60)
    with h5py.File(out) as f:  # either the earlier file or the merged one, never a broken one
        assert f.attrs["format"] == "trsim-sweep"
    if proc.returncode == -signal.SIGKILL:
        assert digest(out) == earlier or len(_points(out)) == 5
    r = trsim("sweep", b, "-o", out)
    assert r.returncode == 0, r.stderr
    assert len(_points(out)) == 5 and all(s == "ok" for _, s in _points(out).values())
    assert leftovers(inputs.dir) == []


# Points that take seconds each even on a fast machine (detailed mode, every clock cycle, on the first
# layers of ResNet-18), where the MLP's points in fast mode were all done before a signal came.
SLOW_TRACE = ROOT / "traces" / "bundled" / "resnet18_first5_synthetic.h5"
SLOW_ROWS = ROWS + f"    trace: [{SLOW_TRACE}, {SLOW_TRACE}, {SLOW_TRACE}]\n    simulation.mode: [detailed, detailed, detailed]\n"


def test_interrupted_sweep_stops_its_workers_and_leaves_no_temporaries(inputs):
    out = inputs.dir / "s.h5"
    slow = _sweep(inputs, "slow.yaml", SLOW_ROWS)
    proc = subprocess.Popen([TRSIM, "sweep", str(slow), "-o", str(out), "-j", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, preexec_fn=default_signals)
    proc.stderr.readline()  # "N points: ... to run": workers are starting
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGTERM
    time.sleep(0.5)
    assert leftovers(inputs.dir) == [] and not out.exists()
    # Nothing the interrupted sweep left behind stands in the way of the next one.
    assert trsim("sweep", _sweep(inputs, "a.yaml", ROWS), "-o", out).returncode == 0


def test_stale_temporary_of_a_killed_merge_is_removed(inputs):
    out = inputs.dir / "s.h5"
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = inputs.dir / f"s.h5.tmp-{dead.pid}"
    stale.write_bytes(b"half a file")
    assert trsim("sweep", _sweep(inputs, "a.yaml", ROWS), "-o", out).returncode == 0
    assert not stale.exists()


def test_output_only_keys_do_not_force_re_runs(inputs):
    out = inputs.dir / "s.h5"
    a = _sweep(inputs, "a.yaml", ROWS)
    assert trsim("sweep", a, "-o", out).returncode == 0
    text = a.read_text().replace("sweep:", "set:\n  simulation.mode: detailed\n  outputs.vcd: w.vcd\n"
                                           "  simulation.progress: true\nsweep:")
    a.write_text(text)
    r = trsim("sweep", a, "-o", out)
    assert r.returncode == 0 and "0 to run, 3 already done" in r.stderr, r.stderr
