"""`--layers` on run and sweep, the terminal table's time and accuracy columns, and VCD time that
follows clock_mhz."""
import re
import subprocess

import h5py
import pytest

from e2e_paths import TRSIM, DEFAULT
CNN = "trace=../traces/bundled/cnn_fashion_mnist.h5"


def trsim(*args, check=True):
    r = subprocess.run([TRSIM, *map(str, args)], capture_output=True, text=True, timeout=600)
    if check and r.returncode != 0:
        raise AssertionError(f"trsim {' '.join(map(str, args))} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def layer_cycles(path):
    with h5py.File(path) as f:
        return {name: float(f["layers"][name]["cycles"][()]) for name in f["layers"]}


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("full") / "all.h5"
    r = trsim("run", DEFAULT, "-o", out, "--set", "simulation.progress=false")
    return r, out


@pytest.mark.parametrize("spec, kept", [("fc1,fc3", ["fc1", "fc3"]), ("fc3,fc1", ["fc1", "fc3"]),
                                        ("1:", ["fc2", "fc3"]), (":1", ["fc1"]), ("1:2", ["fc2"])])
def test_layers_subset_gives_the_full_runs_numbers(tmp_path, full_run, spec, kept):
    out = tmp_path / "sub.h5"
    trsim("run", DEFAULT, "-o", out, "--layers", spec, "--set", "simulation.progress=false")
    full = layer_cycles(full_run[1])
    sub = layer_cycles(out)
    assert list(sub) == kept
    for name in kept:  # every layer starts from an idle array, so a subset changes no layer's count
        assert sub[name] == full[name], name
    with h5py.File(out) as f:
        assert f["run"]["cycles"][()] == sum(sub.values())
        assert "layers:" in f.attrs["config_yaml"]


def test_layers_errors_name_the_trace_and_its_layers(tmp_path):
    r = trsim("run", DEFAULT, "-o", tmp_path / "x.h5", "--layers", "fc1,conv9", check=False)
    assert r.returncode == 1
    assert "simulation.layers = 'fc1,conv9': no layer named 'conv9' (the trace's layers: fc1, fc2, fc3)" in r.stderr
    r = trsim("run", DEFAULT, "-o", tmp_path / "x.h5", "--layers", "5:", check=False)
    assert r.returncode == 1 and "range selects no layer" in r.stderr
    assert not (tmp_path / "x.h5").exists()


def test_sweep_layers_applies_to_every_point(tmp_path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"base: {DEFAULT}\nset:\n  simulation.progress: false\nsweep:\n  zip:\n"
                     "    operands.weights.budget: [4, 8]\n")
    out = tmp_path / "s.h5"
    trsim("sweep", sweep, "-o", out, "-j", "2", "--layers", "fc3")
    with h5py.File(out) as f:
        assert f["summary"]["layer"].asstr()[...].tolist() == ["fc3", "fc3"]
        for p in f["points"]:
            assert list(f["points"][p]["layers"]) == ["fc3"]


def test_table_has_time_wall_time_and_accuracy(full_run):
    r, out = full_run
    lines = r.stdout.splitlines()
    assert lines[0].split()[-4:] == ["time", "us", "wall", "s"]
    with h5py.File(out) as f:
        for line in lines[1:4]:
            cells = line.split()
            g = f["layers"][cells[0]]
            assert float(cells[-2]) == pytest.approx(g["time_us"][()], abs=0.05)
            assert float(cells[-1]) == pytest.approx(g["wall_seconds"][()], abs=0.005)
        acc = f["run"]["accuracy"][()]
    assert f"accuracy: {acc:.4f}" in r.stdout


def vcd_times(path):
    text = path.read_text()
    unit = " ".join(re.search(r"\$timescale\s+(.+?)\s+\$end", text, flags=re.S).group(1).split())
    return unit, [int(t) for t in re.findall(r"^#(\d+)$", text, flags=re.M)]


def test_vcd_time_follows_the_clock(tmp_path):
    stamps = {}
    # DRAM bandwidth scaled with the clock keeps the bytes per cycle, so the cycles are the same.
    for mhz, period_ps, gbps in [(200, 5000, 12.8), (125, 8000, 8.0)]:
        vcd = tmp_path / f"w{mhz}.vcd"
        trsim("run", DEFAULT, "-o", tmp_path / f"o{mhz}.h5", "--set", CNN, "--set", f"clock_mhz={mhz}",
              "--set", f"dram.bandwidth_gb_per_s={gbps}",
              "--set", f"outputs.vcd={vcd}", "--set", "simulation.progress=false")
        unit, times = vcd_times(vcd)
        assert unit == "1 ps"
        assert times and all(t % period_ps == 0 for t in times)
        stamps[mhz] = [t // period_ps for t in times]
        with h5py.File(tmp_path / f"o{mhz}.h5") as f:
            assert max(stamps[mhz]) <= f["run"]["cycles"][()]
    assert stamps[200] == stamps[125]  # the same cycles, at each clock's period
