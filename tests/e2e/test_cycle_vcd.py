"""The cycle-level structural waveform (outputs.vcd_level: cycle, docs/model/structural.md): a tiny fc layer on a
2 x 2 array, whose first tMAC step is worked out by hand below, term pair by term pair; the run's results
with and without the waveform are the same; a MAC PE's one-cycle steps; the config errors."""
import subprocess

import h5py
import numpy as np
import pytest

from e2e_paths import DEFAULT, ROOT, TRSIM
from vcd_read import read_vcd, signed, value_at

import sys
sys.path.insert(0, str(ROOT / "traces"))
import trsim_trace as tt  # noqa: E402


def tiny_trace(path):
    """fc: data [2, 16] (post-ReLU), weights [2, 16]: PE (0, 0) holds weight group 0 of filter 0,
    PE (1, 0) group 1; data row 0 meets them in steps 0 and 1."""
    w = np.zeros((2, 16), dtype=np.int16)
    w[0, :8] = [27, 6, 0, 0, -3, 0, 0, 0]
    w[0, 8:] = [1, 0, 0, 0, 0, 0, 0, 2]
    w[1, :8] = [-5, 0, 7, 0, 0, 0, 0, 0]
    w[1, 8:] = [0, 3, 0, 0, 0, 0, 0, 0]
    x = np.zeros((2, 16), dtype=np.int16)
    x[0, :8] = [5, 3, 0, 0, 2, 0, 0, 0]
    x[0, 8:] = [1, 1, 0, 0, 0, 0, 0, 1]
    x[1, :8] = [7, 0, 9, 0, 0, 0, 0, 0]
    x[1, 8:] = [0, 4, 0, 0, 0, 0, 0, 0]
    layer = tt.Layer(name="fc", type="fc", weights=w, inputs=x, w_scale=0.01, x_scale=0.02)
    tt.write_trace(str(path), tt.Trace(network="tiny", source="synthetic", description="VCD walk-through",
                                       layers=[layer]))
    return path


# Weight group 0 of filter 0 under a budget of 6 terms (HESE, SPEC section 2; TR keeps the 6 largest of the
# group, ties to the lower index): 27 = +2^5 -2^3 +2^2 -2^0 keeps +32 -8 +4 (28), 6 = +2^3 -2^1 keeps both,
# -3 = -2^2 +2^0 keeps -4. Data (3 terms per value): 5 = +4 +1, 3 = +4 -1, 2 = +2. Each weight term of
# element k meets each data term of k, one pair per cycle, stepping coefficient counter a + b by s_w s_x.
PAIRS = [  # (element, weight term, data term, counter, counter after, running sum)
    (0, 32, 4, 7, 1, 128), (0, 32, 1, 5, 1, 160), (0, -8, 4, 5, 0, 128), (0, -8, 1, 3, -1, 120),
    (0, 4, 4, 4, 1, 136), (0, 4, 1, 2, 1, 140),
    (1, 8, 4, 5, 1, 172), (1, 8, -1, 3, -2, 164), (1, -2, 4, 3, -3, 156), (1, -2, -1, 1, 1, 158),
    (4, -4, 2, 3, -4, 150),
]  # 28*5 + 6*3 - 4*2 = 150: 11 term pairs in the 18-cycle slot (budgets 6 x 3)


def trsim(*args):
    r = subprocess.run([TRSIM, *map(str, args)], capture_output=True, text=True, timeout=300)
    return r


def run(tmp_path, name, *sets, trace=None):
    out = tmp_path / f"{name}.h5"
    trace = trace or tiny_trace(tmp_path / "tiny.h5")
    args = ["run", DEFAULT, "-o", out, "--set", f"trace={trace}",
            "--set", "simulation.mode=structural", "--set", "array.rows=2", "--set", "array.cols=2",
            "--set", "operands.weights.budget=6", "--set", "outputs.save_layer_outputs=true",
            "--set", "simulation.progress=false"]
    for s in sets:
        args += ["--set", s]
    r = trsim(*args)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vcd")
    vcd = tmp / "wave.vcd"
    out = run(tmp, "cycle", f"outputs.vcd={vcd}", "outputs.vcd_level=cycle")
    return out, read_vcd(vcd), tmp / "tiny.h5"


class Pe:
    def __init__(self, changes, widths, name):
        self.changes, self.widths, self.name = changes, widths, f"array.{name}."

    def __call__(self, signal, t):
        n = self.name + signal
        v = value_at(self.changes[n], t)
        return None if v is None else signed(v, self.widths[n])


def edges(changes):
    return [t for t, v in changes["array.clk"] if v == 1]


def test_a_tmac_step_term_pair_by_term_pair(wave):
    _, (timescale, changes, widths), _ = wave
    assert timescale == "1 ps"
    pe = Pe(changes, widths, "pe_0_0")
    clock = edges(changes)
    period = clock[1] - clock[0]
    assert period == 6667  # 150 MHz
    # the first step of data row 0: the edge where PE (0, 0) takes data value 5 and starts its step
    start = next(t for t in clock if pe("data_0", t) == 5 and pe("step_cycle", t) == 0)
    assert [pe(f"weight_{k}", start) for k in range(8)] == [28, 6, 0, 0, -4, 0, 0, 0]
    assert pe("weight_0_plus", start) == 0b100100 and pe("weight_0_minus", start) == 0b1000
    assert pe("weight_4_plus", start) == 0 and pe("weight_4_minus", start) == 0b100
    assert [pe(f"data_{k}", start) for k in range(8)] == [5, 3, 0, 0, 2, 0, 0, 0]
    assert (pe("data_0_plus", start), pe("data_0_minus", start)) == (0b101, 0)
    assert (pe("data_1_plus", start), pe("data_1_minus", start)) == (0b100, 0b1)
    counters = [0] * 17
    for i, (k, w, x, c, after, total) in enumerate(PAIRS):
        t = start + i * period
        assert pe("step_cycle", t) == i
        assert (pe("pair_element", t), pe("pair_w", t), pe("pair_x", t), pe("pair_counter", t)) == (k, w, x, c), i
        counters[c] = after
        assert [pe(f"coe_{j}", t) for j in range(17)] == counters, i
        assert pe("acc", t) == total and pe("psum_in", t) == 0 and pe("psum_out", t) == total
    assert sum(v << j for j, v in enumerate(counters)) == 150  # the counters' binary sum is the product
    # then idle until the slot (18 cycles) ends; the next step starts on the following edge
    for i in range(len(PAIRS), 18):
        t = start + i * period
        assert pe("pair_element", t) == -1 and pe("pair_counter", t) == -1 and pe("psum_out", t) == 150
        assert pe("coe_3", t) == -4
    nxt = start + 18 * period
    assert pe("step_cycle", nxt) == 0 and pe("data_0", nxt) == 7
    assert [pe(f"coe_{j}", nxt) for j in range(17)] == [0] * 8 + [1] + [0] * 8  # flushed; 32 x 8 steps coe_8
    # the partial sum moves south: PE (1, 0) meets data row 0 one step later and adds group 1's
    # 1*1 + 2*1 = 3 to the 150 from above
    below = Pe(changes, widths, "pe_1_0")
    assert below("psum_in", nxt) == 150 and below("data_0", nxt) == 1
    assert below("psum_out", nxt + 2 * period) == 153


def test_the_waveform_changes_no_result(wave, tmp_path):
    out, _, trace = wave
    plain = run(tmp_path, "plain", trace=trace)
    with h5py.File(out) as a, h5py.File(plain) as b:
        for name in ("cycles", "compute_cycles", "stall_cycles", "term_pairs", "output", "pe_utilization"):
            assert np.array_equal(a["layers/fc"][name][()], b["layers/fc"][name][()]), name
        assert a["layers/fc/output"][0, 0] == 153
        assert a.attrs["config_hash"] == b.attrs["config_hash"]  # vcd and vcd_level stay out of the hash


def test_a_mac_pe_shows_one_product_per_cycle(tmp_path):
    vcd = tmp_path / "mac.vcd"
    run(tmp_path, "mac", "pe.kind=mac", f"outputs.vcd={vcd}", "outputs.vcd_level=cycle")
    _, changes, widths = read_vcd(vcd)
    pe = Pe(changes, widths, "pe_0_0")
    assert not any(n.startswith("array.pe_0_0.coe_") for n in changes)  # no coefficient counters
    clock = edges(changes)
    seen = []
    for t in clock:
        if pe("pair_element", t) == 0 and pe("data_0", t) not in (None, 0):
            seen.append((pe("weight_0", t), pe("data_0", t), pe("pair_w", t), pe("pair_x", t), pe("acc", t),
                         pe("psum_in", t), pe("psum_out", t)))
    # in the first fold PE (0, 0) holds weight 27 (element 0 of filter 0) and meets x[0][0] = 5, then
    # x[1][0] = 7, one product per one-cycle step
    assert seen[:2] == [(27, 5, 27, 5, 135, 0, 135), (27, 7, 27, 7, 189, 0, 189)]


def test_step_level_stays_the_default(tmp_path):
    vcd = tmp_path / "step.vcd"
    run(tmp_path, "step", f"outputs.vcd={vcd}")
    _, changes, _ = read_vcd(vcd)
    assert "array.pe_0_0.operand_in" in changes and "array.pe_0_0.psum" in changes
    assert "array.clk" not in changes and "array.pe_0_0.pair_w" not in changes


def test_cycle_level_errors_name_the_key(tmp_path):
    r = trsim("run", DEFAULT, "-o", tmp_path / "x.h5", "--set", "outputs.vcd_level=cycle")
    assert r.returncode == 1
    assert "outputs.vcd_level" in r.stderr and "needs simulation.mode: structural" in r.stderr
    r = trsim("run", DEFAULT, "-o", tmp_path / "x.h5", "--set", "outputs.vcd_level=cycle",
              "--set", "simulation.mode=structural", "--set", "pe.kind=stripes")
    assert r.returncode == 1
    assert "cycle is available for pe.kind mac, tr, laconic, dnateq, not stripes" in r.stderr
    r = trsim("run", DEFAULT, "-o", tmp_path / "x.h5", "--set", "outputs.vcd_level=clock")
    assert r.returncode == 1 and "outputs.vcd_level" in r.stderr and "step, cycle" in r.stderr


def test_many_folds_with_the_waveform_equal_fast_mode(tmp_path):
    # A 1 x 1 array: 2 reduction folds x 2 filter folds, each preload passing the last fold's weights on
    # (the waveform reads each step's operands while their fold's buffer holds them).
    trace = tiny_trace(tmp_path / "tiny.h5")
    wired = run(tmp_path, "wired", "array.rows=1", "array.cols=1", f"outputs.vcd={tmp_path / 'w.vcd'}",
                "outputs.vcd_level=cycle", trace=trace)
    fast = run(tmp_path, "fast", "array.rows=1", "array.cols=1", "simulation.mode=fast", trace=trace)
    with h5py.File(wired) as a, h5py.File(fast) as b:
        assert a["layers/fc/folds"][()] == 4
        for name in ("cycles", "term_pairs", "output"):
            assert np.array_equal(a["layers/fc"][name][()], b["layers/fc"][name][()]), name
