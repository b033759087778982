"""`simulation.mode: structural` (the array as wired SystemC modules) against the
fast core through `trsim run`: every per-layer statistic (cycles, stall cycles,
term pairs, MACs, energy, per-PE work maps) and every layer output must be
identical. The bundled traces run on an 8x8 array; ResNet-18's first five layers
take about two minutes structurally and run when TRSIM_STRUCTURAL_ALL=1."""
import os
import subprocess

import h5py
import numpy as np
import pytest

from e2e_paths import TRSIM, DEFAULT
QUICK = ["mlp_fashion_mnist", "cnn_fashion_mnist", "lstm_kjv"]
SLOW = ["resnet18_first5_synthetic"]


def run(tmp_path, name, *sets):
    out = tmp_path / f"{name}.h5"
    args = [TRSIM, "run", DEFAULT, "-o", str(out), "--set", "array.rows=8", "--set", "array.cols=8",
            "--set", "outputs.save_layer_outputs=true", "--set", "simulation.progress=false"]
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, f"{' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
    return out


def layer_datasets(path):
    found = {}
    with h5py.File(path, "r") as f:
        f["layers"].visititems(lambda name, obj: found.__setitem__(name, obj[()])
                               if isinstance(obj, h5py.Dataset) else None)
    return found


def assert_same_results(tmp_path, *sets):
    fast = layer_datasets(run(tmp_path, "fast", "simulation.mode=fast", *sets))
    wired = layer_datasets(run(tmp_path, "structural", "simulation.mode=structural", *sets))
    assert sorted(fast) == sorted(wired)
    assert any(name.endswith("/output") for name in fast)
    assert any(name.endswith("/pe_utilization") for name in fast)
    for name, value in fast.items():
        if name.endswith("/wall_seconds"):  # host time, the one per-layer value a mode may change
            continue
        # NaN (a per-layer setting that is not set, e.g. data_quantize_bits without QT) equals NaN
        nan_ok = np.asarray(value).dtype.kind == "f"
        assert np.array_equal(value, wired[name], equal_nan=nan_ok), f"{name}: fast {value} structural {wired[name]}"


def trace_set(name):
    return f"trace=../traces/bundled/{name}.h5"


@pytest.mark.parametrize("trace", QUICK + [pytest.param(t, marks=pytest.mark.skipif(
    os.environ.get("TRSIM_STRUCTURAL_ALL") != "1", reason="about two minutes; TRSIM_STRUCTURAL_ALL=1")) for t in SLOW])
def test_bundled_trace_equals_fast_mode(tmp_path, trace):
    assert_same_results(tmp_path, trace_set(trace))


@pytest.mark.parametrize("kind", ["mac", "stripes", "pragmatic", "laconic", "dnateq"])
def test_every_pe_kind_equals_fast_mode_on_the_cnn(tmp_path, kind):
    assert_same_results(tmp_path, trace_set("cnn_fashion_mnist"), f"pe.kind={kind}")


def test_knobs_and_other_dataflow_schedule_equal_fast_mode(tmp_path):
    # Output stationary, lock step, links of 3 cycles, bit-serial encoders, a slow DRAM.
    assert_same_results(tmp_path, trace_set("cnn_fashion_mnist"), "array.dataflow=output_stationary",
                        "pe.schedule=lockstep", "array.link_latency=3", "data_path.encoder_bits_per_cycle=1",
                        "dram.bandwidth_gb_per_s=0.5")


def test_a_slow_comparator_changes_only_structural_timing(tmp_path):
    sets = [trace_set("cnn_fashion_mnist"), "pe.schedule=lockstep", "data_path.comparator_values_per_cycle=1"]
    r = subprocess.run([TRSIM, "validate", DEFAULT, *sum((["--set", s] for s in sets), [])],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "data_path.comparator_values_per_cycle" in r.stderr
    slow = layer_datasets(run(tmp_path, "slow", "simulation.mode=structural", *sets))
    fast = layer_datasets(run(tmp_path, "fast", "simulation.mode=fast", *sets[:2]))
    layers = {name.split("/")[0] for name in fast}
    for layer in layers:
        assert np.array_equal(slow[f"{layer}/output"], fast[f"{layer}/output"])
        assert slow[f"{layer}/term_pairs"] == fast[f"{layer}/term_pairs"]
    assert sum(slow[f"{l}/cycles"] for l in layers) > sum(fast[f"{l}/cycles"] for l in layers)


def test_structural_waveform_has_per_pe_and_data_path_signals(tmp_path):
    vcd = tmp_path / "wave.vcd"
    run(tmp_path, "wave", "simulation.mode=structural", "array.rows=4", "array.cols=4", "pe.schedule=lockstep",
        trace_set("cnn_fashion_mnist"),
        f"outputs.vcd={vcd}")
    text = vcd.read_text()
    header, body = text.split("$enddefinitions", 1)
    # Time follows the clock (clock_mhz): the VCD is in picoseconds, one clock period per cycle.
    assert "1 ps" in header.split("$timescale", 1)[1].split("$end", 1)[0]
    ids, scope = {}, []
    for line in header.splitlines():
        words = line.split()
        if words[:2] == ["$scope", "module"]:
            scope.append(words[2])
        elif words[:1] == ["$upscope"]:
            scope.pop()
        elif words[:1] == ["$var"]:
            ids[".".join(scope[1:] + [words[4]])] = words[3]
    for r in range(4):
        for c in range(4):
            for signal in ("operand_in", "psum", "psum_valid", "term_pairs", "busy"):
                assert f"array.pe_{r}_{c}.{signal}" in ids
        for signal in ("encoders_took", "comparator_took", "comparator_groups_out", "slices_ready"):
            assert f"array.data_path_{r}.{signal}" in ids
    for marker in ("layer", "gemm", "fold", "step", "phase", "stall"):
        assert f"array.{marker}" in ids
    # The signals move: PE (0, 0) does term pairs, the last layer shows up, the data path hands groups on.
    def values(name):
        code = ids[name]
        return [line.split()[0][1:] for line in body.splitlines() if line.endswith(" " + code) and line[0] == "b"]
    assert any(int(v, 2) > 0 for v in values("array.pe_0_0.term_pairs"))
    assert any(int(v, 2) == 2 for v in values("array.layer"))
    assert any(int(v, 2) > 0 for v in values("array.data_path_0.comparator_groups_out"))
