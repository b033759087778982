"""QT at b bits end to end (issue 10): re-quantized outputs equal an independent numpy computation of
contract 1's rule, energy and traffic follow the stored widths as documented, and compute cycles at
4, 6 and 8 bits equal the hand-derived rule of each PE kind."""
import subprocess
import sys

import h5py
import numpy as np
import pytest

from e2e_paths import ROOT, TRSIM, DEFAULT, requires_trsim
sys.path.insert(0, str(ROOT / "traces"))
import trsim_trace as tt  # noqa: E402

MLP = str(ROOT / "traces" / "bundled" / "mlp_fashion_mnist.h5")
pytestmark = requires_trsim


def run(out, *sets):
    args = [TRSIM, "run", DEFAULT, "-o", str(out), "--set", "simulation.progress=false"]
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def requantize(q, b):
    """Contract 1, computed in floating point: shift from the largest magnitude's bit length,
    round half away from zero, clamp to b magnitude bits."""
    m = int(np.abs(q).max())
    s = max(0, m.bit_length() - b)
    scaled = np.floor(np.abs(q).astype(np.float64) / 2.0 ** s + 0.5)
    return (np.sign(q) * np.minimum(scaled, 2.0 ** b - 1)).astype(np.int64), s


def mac_pj(wb, db):
    """configs/energy/horowitz_45nm.yaml: 0.2 pJ * a*b/64 + 0.1 pJ * (a + b + 16)/32."""
    return 0.2 * wb * db / 64 + 0.1 * (wb + db + 16) / 32


@pytest.mark.parametrize("bits", [4, 6])
def test_requantized_mac_outputs_equal_numpy(tmp_path, bits):
    out = tmp_path / "qt.h5"
    run(out, "pe.kind=mac", f"operands.weights.quantize_bits={bits}", f"operands.data.quantize_bits={bits}",
        "outputs.save_layer_outputs=true")
    trace = tt.read_trace(MLP)
    with h5py.File(out) as f:
        # QT accuracy comes from the bundled score cache beside the trace (traces/score.py).
        assert f["run/accuracy"][()] == pytest.approx({4: 0.8726, 6: 0.8747}[bits])
        for layer in trace.layers:
            g = f["layers"][layer.name]
            w, sw = requantize(layer.weights.astype(np.int64), bits)
            x, sd = requantize(layer.inputs.astype(np.int64), bits)
            assert g["weight_quantize_shift"][()] == sw and g["data_quantize_shift"][()] == sd
            y = x @ w.T
            np.testing.assert_array_equal(g["output"][()], y)
            exact = layer.inputs.astype(np.int64) @ layer.weights.astype(np.int64).T
            err = np.linalg.norm((y * 2 ** (sw + sd) - exact).astype(np.float64)) / np.linalg.norm(exact.astype(np.float64))
            assert g["error_rel_l2"][()] == pytest.approx(err, rel=1e-9)
            assert err > 0
            # Energy by width: MACs at the layer's magnitude widths; storage packed with a sign bit for weights.
            wb, db = int(np.abs(w).max()).bit_length(), int(np.abs(x).max()).bit_length()
            assert (g["weight_magnitude_bits"][()], g["data_magnitude_bits"][()]) == (wb, db) == (bits, bits)
            assert g["weight_stored_bits"][()] == wb + 1  # signed weights
            assert g["data_stored_bits"][()] == db + (1 if (x < 0).any() else 0)
            assert g["energy_pe_compute_pj"][()] == pytest.approx(g["macs"][()] * mac_pj(wb, db), rel=1e-12)
            dram = (g["dram_read_bytes"][()] + g["dram_write_bytes"][()]) * 8 * 20
            assert g["energy_dram_pj"][()] == pytest.approx(dram, rel=1e-12)
            assert g["energy_on_chip_pj"][()] == pytest.approx(g["energy_total_pj"][()] - g["energy_dram_pj"][()], rel=1e-12)


def test_traffic_and_energy_fall_with_precision(tmp_path):
    totals = {}
    for bits in (None, 6, 4):
        out = tmp_path / f"{bits}.h5"
        sets = ["pe.kind=mac"] + ([f"operands.weights.quantize_bits={bits}", f"operands.data.quantize_bits={bits}"]
                                  if bits else [])
        run(out, *sets)
        with h5py.File(out) as f:
            totals[bits] = {k: f["run"][k][()] for k in ("dram_read_bytes", "energy_on_chip_pj", "energy_total_pj",
                                                         "energy_pe_compute_pj", "cycles", "macs")}
            totals[bits]["fc1_weight_bits"] = f["layers"]["fc1"]["weight_stored_bits"][()]
    assert totals[None]["fc1_weight_bits"] == 8  # int8 weights: 7 magnitude bits + sign
    for hi, lo in ((None, 6), (6, 4)):
        for k in ("dram_read_bytes", "energy_on_chip_pj", "energy_total_pj", "energy_pe_compute_pj"):
            assert totals[lo][k] < totals[hi][k], (k, hi, lo)
        assert totals[lo]["macs"] == totals[hi]["macs"]  # a b-bit MAC still does one MAC per value pair
    # Weights are 784x512 + 512x512 + 512x10 values read once: 8 -> 5 bits saves 3/8 of those bytes.
    weights = 784 * 512 + 512 * 512 + 512 * 10
    saved = totals[None]["dram_read_bytes"] - totals[4]["dram_read_bytes"]
    assert saved >= weights * 3 / 8 - 64


# Hand-derived compute cycles of one fold (weight stationary): preload R cycles, then M + R + C - 2 steps.
# The tiny layer: X [M=3, K=4] all 255 (post-ReLU uint8), W [N=2, K=4] all +-127 (int8). At b bits QT
# turns every data value into 2^b - 1 (255 rounds up to 2^b and clamps) and every weight into
# +-(2^min(b,7) - 1): b binary data terms and min(b, 7) binary weight terms per value, data precision b.
M, K, N = 3, 4, 2


@pytest.fixture(scope="module")
def tiny_trace(tmp_path_factory):
    path = tmp_path_factory.mktemp("qt_trace") / "tiny.h5"
    w = np.array([[127, -127, 127, -127], [-127, 127, 127, 127]], dtype=np.int16)
    x = np.full((M, K), 255, dtype=np.int16)
    layer = tt.Layer(name="fc", type="fc", weights=w, inputs=x, w_scale=0.01, x_scale=0.02)
    tt.write_trace(str(path), tt.Trace(network="tiny", source="synthetic", description="QT cycle test", layers=[layer]))
    return path


def compute_cycles(tmp_path, trace, kind, bits, *extra):
    out = tmp_path / f"{kind}_{bits}.h5"
    run(out, f"trace={trace}", f"pe.kind={kind}", "array.rows=4", f"array.cols={N}",
        f"operands.weights.quantize_bits={bits}", f"operands.data.quantize_bits={bits}",
        "operands.weights.encoding=binary", "operands.data.encoding=binary", *extra)
    with h5py.File(out) as f:
        g = f["layers"]["fc"]
        return g["compute_cycles"][()], g["folds"][()]


STEPS = M + 4 + N - 2  # 7 steps on a 4 x 2 array


@pytest.mark.parametrize("bits", [4, 6, 8])
def test_qt_cycles_by_kind(tmp_path, tiny_trace, bits):
    wt = min(bits, 7)
    expected = {
        "mac": 4 + STEPS * 1,               # one MAC per step, whatever the width
        "stripes": 4 + STEPS * bits,        # the layer's data precision, b bits after QT
        "pragmatic": 4 + STEPS * bits,      # every active step's busiest PE: b data terms
        "laconic": 4 + STEPS * wt * bits,   # terms_w x terms_x of the busiest PE
    }
    for kind, cycles in expected.items():
        got, folds = compute_cycles(tmp_path, tiny_trace, kind, bits)
        assert folds == 1
        assert got == cycles, (kind, bits)


# The tMAC (pe.kind: tr) in conventional mode: binary terms, no budgets (TrKind.cpp's prepareLayer).
# Its fixed slot follows the operands after QT: g x wb x db term pairs per weight group (the authors' QT
# accounting, wb x db per MAC), at one pair per cycle. Here g = 8 (the default group; K = 4 fills half of
# one group, but the slot is budgeted for the whole group, one reduction slice on 4 rows), wb = min(b, 7)
# and db = b as derived above, so S = 8 x min(b, 7) x b cycles per step: 8 x 7 x 8 = 448 at b = 8,
# 8 x 6 x 6 = 288 at 6, 8 x 4 x 4 = 128 at 4. The declared operands.*.bits (8) would give 8 x 8 x 8 = 512
# every time. Each fold also waits for the row data path (default: 8 bit-parallel HESE lanes per row,
# encoder latency 2, comparator latency 1): the first group arrives ceil(8 / 8) x 1 - 1 + 2 + 1 = 3 cycles
# after the preload, and no step is shorter than ceil(8 / 8) x 1 = 1 cycle (no bind here). So the fold takes
# R + L + STEPS x S = 4 + 3 + 7 x 8 x min(b, 7) x b: 3,143 cycles at 8 bits, 2,023 at 6, 903 at 4.
@pytest.mark.parametrize("bits", [4, 6, 8])
def test_qt_cycles_tr_conventional(tmp_path, tiny_trace, bits):
    slot = 8 * min(bits, 7) * bits
    got, folds = compute_cycles(tmp_path, tiny_trace, "tr", bits, "operands.weights.budget=none",
                                "operands.data.budget=none")
    assert folds == 1
    assert got == 4 + 3 + STEPS * slot
    assert got == {4: 903, 6: 2023, 8: 3143}[bits]
