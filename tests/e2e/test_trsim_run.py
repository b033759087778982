"""`trsim run` end to end, as a user runs it: the bundled traces, the HDF5 results
schema, --set overrides, waveforms, atomic output and error messages."""
import subprocess

import h5py
import numpy as np
import pytest

from e2e_paths import ROOT, TRSIM, DEFAULT
LAYER_STATS = [
    "cycles", "compute_cycles", "stall_cycles", "ideal_cycles", "sync_loss_cycles", "time_us", "pe_cycles",
    "dense_macs", "macs", "term_pairs", "utilization", "folds", "gemms", "dram_read_bytes", "dram_write_bytes",
    "sram_read_words", "sram_write_words", "energy_pe_compute_pj", "energy_pe_clock_pj", "energy_encoder_pj",
    "energy_comparator_pj", "energy_output_stage_pj", "energy_sram_pj", "energy_dram_pj", "energy_static_pj",
    "energy_total_pj", "error_rel_l2", "error_max_abs",
]


def trsim(*args, check=True):
    r = subprocess.run([TRSIM, *args], capture_output=True, text=True, timeout=600)
    if check and r.returncode != 0:
        raise AssertionError(f"trsim {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def run(tmp_path, *sets, name="out.h5"):
    out = tmp_path / name
    args = ["run", DEFAULT, "-o", str(out), "--set", "accuracy.score=cached"]  # no scoring into bundled caches
    for s in sets:
        args += ["--set", s]
    return trsim(*args), out


def test_default_run_writes_every_stat_per_layer(tmp_path):
    r, out = run(tmp_path)
    assert "total" in r.stdout and "results:" in r.stdout
    assert "output checked against the functional reference" in r.stderr
    with h5py.File(out) as f:
        assert f.attrs["format"] == "trsim-results"
        assert f.attrs["trace_network"] == "mlp_fashion_mnist"
        assert f.attrs["trace_source"] == "trained"
        assert len(f.attrs["config_hash"]) == 16
        assert "budget: 12" in f.attrs["config_yaml"]
        layers = list(f["layers"])
        assert layers == ["fc1", "fc2", "fc3"]
        for name in layers:
            g = f["layers"][name]
            for stat in LAYER_STATS:
                assert stat in g, f"{name} lacks {stat}"
                assert g[stat].attrs["unit"], stat
            assert g["cycles"][()] == g["compute_cycles"][()] + g["stall_cycles"][()]
            assert 0 < g["utilization"][()] <= 1
            assert g["term_pairs"][()] > 0 and g["macs"][()] == 0
            parts = sum(g[k][()] for k in LAYER_STATS if k.startswith("energy_") and k != "energy_total_pj")
            assert g["energy_total_pj"][()] == pytest.approx(parts)
            assert 0 < g["error_rel_l2"][()] < 0.2  # TR with budgets changes outputs, a little
            pe = g["pe_utilization"][:]
            assert pe.shape == (32, 32) and g["pe_utilization"].attrs["unit"] == "fraction"
            assert pe.mean() == pytest.approx(g["utilization"][()])
        assert f["summary/layer"].asstr()[:].tolist() == layers
        assert f["run/cycles"][()] == pytest.approx(f["summary/cycles"][:].sum())
    assert not list(tmp_path.glob("*.tmp-*"))


def test_mac_baseline_is_exact_and_faster_per_layer(tmp_path):
    _, tr = run(tmp_path, name="tr.h5")
    _, mac = run(tmp_path, "pe.kind=mac", name="mac.h5")
    with h5py.File(tr) as t, h5py.File(mac) as m:
        assert np.all(m["summary/error_rel_l2"][:] == 0)
        assert np.all(m["summary/macs"][:] == m["summary/dense_macs"][:])
        assert np.all(t["summary/dense_macs"][:] == m["summary/dense_macs"][:])
        # One 8-bit MAC per cycle beats 36-cycle term-pair slots on the same array.
        assert np.all(m["summary/compute_cycles"][:] < t["summary/compute_cycles"][:])
        assert t.attrs["config_hash"] != m.attrs["config_hash"]


def test_saved_outputs_equal_numpy_reference(tmp_path):
    _, out = run(tmp_path, "pe.kind=mac", "outputs.save_layer_outputs=true")
    trace = h5py.File(ROOT / "traces" / "bundled" / "mlp_fashion_mnist.h5")
    with h5py.File(out) as f:
        for name in ["fc1", "fc2", "fc3"]:
            x = trace["layers"][name]["inputs"][:].astype(np.int64)
            w = trace["layers"][name]["weights"][:].astype(np.int64)
            assert np.array_equal(f["layers"][name]["output"][:], x @ w.T)


def test_conv_trace_runs(tmp_path):
    _, out = run(tmp_path, "trace=../traces/bundled/cnn_fashion_mnist.h5", "outputs.save_layer_outputs=true")
    with h5py.File(out) as f:
        assert f["layers"]["conv1"]["output"].shape == (8, 8, 14, 14)
        assert f["layers"]["conv2"]["output"].shape == (8, 16, 7, 7)


def test_lower_budget_means_fewer_cycles_and_more_error(tmp_path):
    _, loose = run(tmp_path, "operands.weights.budget=16", "operands.data.budget=4", name="loose.h5")
    _, tight = run(tmp_path, "operands.weights.budget=6", "operands.data.budget=2", name="tight.h5")
    with h5py.File(loose) as a, h5py.File(tight) as b:
        assert b["run/compute_cycles"][()] < a["run/compute_cycles"][()]
        assert b["summary/error_rel_l2"][0] > a["summary/error_rel_l2"][0]


def test_vcd_waveform(tmp_path):
    vcd = tmp_path / "wave.vcd"
    run(tmp_path, f"outputs.vcd={vcd}", "simulation.mode=detailed", "trace=../traces/bundled/cnn_fashion_mnist.h5")
    text = vcd.read_text()
    for signal in ["fold", "step", "active_pes", "stall"]:
        assert f" {signal} " in text or f".{signal} " in text, signal
    assert "#1" in text  # value changes at simulated times


def test_misspelled_key_is_named(tmp_path):
    r = trsim("run", DEFAULT, "-o", str(tmp_path / "x.h5"), "--set", "operands.data.budjet=3", check=False)
    assert r.returncode == 1
    assert "operands.data.budjet: unknown key (allowed here: bits, encoding, group_size, budget, quantize_bits)" in r.stderr
    assert not (tmp_path / "x.h5").exists()


def test_failed_run_keeps_the_previous_result(tmp_path):
    _, out = run(tmp_path)
    before = out.read_bytes()
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5")
    r = trsim("run", DEFAULT, "-o", str(out), "--set", f"trace={bad}", check=False)
    assert r.returncode == 1
    assert str(bad) in r.stderr
    assert out.read_bytes() == before


def test_operand_bits_too_narrow_for_trace(tmp_path):
    r = trsim("run", DEFAULT, "-o", str(tmp_path / "x.h5"), "--set", "operands.data.bits=4", check=False)
    assert r.returncode == 1
    assert "operands.data.bits = 4" in r.stderr and "layer 'fc1'" in r.stderr


def test_validate_and_help():
    assert "valid (hash" in trsim("validate", DEFAULT).stdout
    for cmd in ["encode", "validate", "run"]:
        assert f"usage: trsim {cmd}" in trsim(cmd, "--help").stdout
    assert trsim("encode", "--encoding", "hese", "27").stdout == "27: +2^5 -2^3 +2^2 -2^0\n"


def test_every_pe_kind_runs_the_cnn(tmp_path):
    cnn = "trace=../traces/bundled/cnn_fashion_mnist.h5"
    res = {}
    for kind in ["mac", "tr", "stripes", "pragmatic", "laconic", "dnateq"]:
        _, out = run(tmp_path, cnn, f"pe.kind={kind}", name=f"{kind}.h5")
        with h5py.File(out) as f:
            res[kind] = {k: f["summary"][k][:] for k in ["compute_cycles", "ideal_cycles", "error_rel_l2",
                                                         "dense_macs", "macs", "serial_steps", "term_pairs"]}
    for kind in ["mac", "stripes", "pragmatic", "laconic"]:  # exact arithmetic
        assert np.all(res[kind]["error_rel_l2"] == 0), kind
        assert np.all(res[kind]["macs"] == res[kind]["dense_macs"]), kind
    assert np.all(res["dnateq"]["error_rel_l2"] > 0)  # exponential quantization changes values
    assert np.all(res["dnateq"]["compute_cycles"] == res["mac"]["compute_cycles"])  # one MAC per cycle
    # Stripes: every step lasts the layer's precision (8 bits for 0..255 data), so its cycles
    # are the mac cycles with every step stretched: more than the mac, at most 8x.
    assert np.all(res["stripes"]["compute_cycles"] > res["mac"]["compute_cycles"])
    assert np.all(res["stripes"]["compute_cycles"] <= 8 * res["mac"]["compute_cycles"])
    # Laconic multiplies term counts, Pragmatic only counts data terms: Laconic is never faster.
    assert np.all(res["laconic"]["compute_cycles"] >= res["pragmatic"]["compute_cycles"])
    for kind in ["pragmatic", "laconic"]:  # lock step loses cycles against each PE alone
        assert np.all(res[kind]["ideal_cycles"] <= res[kind]["compute_cycles"])
        assert np.any(res[kind]["ideal_cycles"] < res[kind]["compute_cycles"])
