"""Outputs: never an input (by file identity), checked before simulating, written
atomically; faults: kill -9/INT/TERM during a run and a file-size limit never
damage an earlier result nor leave a temporary file behind."""
import os
import shutil
import signal
import subprocess
import time

import h5py
import pytest

from conftest import ROOT, TRSIM, default_signals, digest, leftovers, trsim

SLOW_TRACE = ROOT / "traces" / "bundled" / "resnet18_first5_synthetic.h5"


@pytest.mark.parametrize("which", ["config", "trace", "energy table", "hard link to the trace", "symlink to the config"])
def test_output_never_overwrites_an_input(inputs, which):
    target = {"config": inputs.config, "trace": inputs.mlp, "energy table": inputs.energy}.get(which)
    if which == "hard link to the trace":
        target = inputs.dir / "link.h5"
        os.link(inputs.mlp, target)
    elif which == "symlink to the config":
        target = inputs.dir / "link.yaml"
        target.symlink_to(inputs.config)
    before = inputs.fingerprint()
    start = time.monotonic()
    r = trsim("run", inputs.config, "-o", target)
    assert r.returncode == 4, (r.returncode, r.stderr)
    assert f"trsim run: {target}: is the " in r.stderr and "this command reads" in r.stderr, r.stderr
    assert "simulating" not in r.stderr and time.monotonic() - start < 30
    assert inputs.fingerprint() == before


def test_sweep_output_never_overwrites_its_inputs(inputs):
    sweep = inputs.dir / "s.yaml"
    sweep.write_text(f"base: {inputs.config}\nsweep:\n  zip:\n    trace: [mlp.h5, cnn.h5]\n")
    before = inputs.fingerprint()
    sweep_text = sweep.read_text()
    for target in (sweep, inputs.config, inputs.cnn, inputs.energy):
        r = trsim("sweep", sweep, "-o", target)
        assert r.returncode == 4 and "this command reads" in r.stderr, r.stderr
    assert inputs.fingerprint() == before and sweep.read_text() == sweep_text
    assert not list(inputs.dir.glob("*.parts"))


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_missing_or_read_only_output_directory_fails_before_simulating(inputs, command):
    sweep = inputs.dir / "s.yaml"
    sweep.write_text(f"base: {inputs.config}\nsweep:\n  zip:\n    array.rows: [8]\n")
    first = inputs.config if command == "run" else sweep
    r = trsim(command, first, "-o", inputs.dir / "missing" / "o.h5")
    assert r.returncode == 4 and "directory '" in r.stderr and "does not exist" in r.stderr, r.stderr
    assert not (inputs.dir / "missing").exists()  # sweep no longer creates it
    if os.geteuid() != 0:  # root writes anywhere
        ro = inputs.dir / "ro"
        ro.mkdir(mode=0o555)
        r = trsim(command, first, "-o", ro / "o.h5")
        assert r.returncode == 4 and "is not writable" in r.stderr, r.stderr


def test_vcd_is_written_beside_the_config(inputs, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("cwd")
    r = trsim("run", inputs.config, "-o", inputs.dir / "o.h5", "--set", "outputs.vcd=wave.vcd", cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    assert (inputs.dir / "wave.vcd").stat().st_size > 0 and not list(elsewhere.iterdir())
    assert leftovers(inputs.dir) == []


def _start_slow_run(inputs, out):
    shutil.copy(SLOW_TRACE, inputs.dir / "slow.h5")
    # Detailed mode (every clock cycle): seconds even on a fast machine, where the fast mode finished
    # this trace before the signal came.
    return subprocess.Popen([TRSIM, "run", str(inputs.config), "-o", str(out), "--set", "trace=slow.h5",
                             "--set", "simulation.progress=true", "--set", "simulation.mode=detailed"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=default_signals)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_signal_during_run_keeps_the_earlier_result(inputs, sig):
    out = inputs.dir / "o.h5"
    assert trsim("run", inputs.config, "-o", out).returncode == 0
    earlier = digest(out)
    proc = _start_slow_run(inputs, out)
    # Wait until it is simulating, then interrupt it.
    line = proc.stderr.readline()
    assert "trsim run:" in line, line
    time.sleep(0.5)
    proc.send_signal(sig)
    proc.communicate(timeout=120)
    assert proc.returncode == -sig
    assert digest(out) == earlier
    with h5py.File(out) as f:
        assert f.attrs["format"] == "trsim-results"
    if sig != signal.SIGKILL:
        assert leftovers(inputs.dir) == []
    # The next run clears what kill -9 left and replaces the result.
    assert trsim("run", inputs.config, "-o", out, "--set", "array.rows=16").returncode == 0
    assert leftovers(inputs.dir) == [] and digest(out) != earlier


def test_file_size_limit_is_an_output_error(inputs):
    out = inputs.dir / "o.h5"
    assert trsim("run", inputs.config, "-o", out).returncode == 0
    earlier = digest(out)
    # 32 KiB: smaller than a results file; trsim ignores SIGXFSZ and reports the failed write.
    r = subprocess.run(["bash", "-c", f"ulimit -f 32; exec '{TRSIM}' run '{inputs.config}' -o '{out}' "
                        "--set array.rows=16"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 4, (r.returncode, r.stderr)
    assert f"trsim run: {out}: write(2) of" in r.stderr and "File too large" in r.stderr, r.stderr
    assert digest(out) == earlier and leftovers(inputs.dir) == []
