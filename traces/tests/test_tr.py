"""The numpy TR rules (trsim_trace.tr): encoders exact over every 8-bit value, vectorized TR equal to the
scalar greedy rule, conv lowering order, and term-by-term agreement with the C++ model (`trsim encode`)."""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from trsim_trace import tr

ROOT = Path(__file__).resolve().parents[2]
TRSIM = os.environ.get("TRSIM_BIN", str(ROOT / "build" / "trsim"))
needs_trsim = pytest.mark.skipif(not os.access(TRSIM, os.X_OK),
                                 reason=f"trsim binary not built ({TRSIM}); set TRSIM_BIN")

ALL_8BIT = list(range(-255, 256))


def value_of(terms):
    return sum(s * 2 ** e for s, e in terms)


def test_spec_examples():
    assert tr.format_terms(tr.encode(27, "hese")) == "+2^5 -2^3 +2^2 -2^0"
    assert tr.format_terms(tr.encode(6, "hese")) == "+2^3 -2^1"
    assert tr.format_terms(tr.encode(255, "hese")) == "+2^8 -2^0"
    assert tr.format_terms(tr.encode(-27, "hese")) == "-2^5 +2^3 -2^2 +2^0"
    assert tr.format_terms(tr.encode(27, "binary")) == "+2^4 +2^3 +2^1 +2^0"
    assert tr.encode(0, "naf") == []


@pytest.mark.parametrize("encoding", tr.ENCODINGS)
def test_encoders_exact_over_all_8bit_values(encoding):
    for v in ALL_8BIT:
        terms = tr.encode(v, encoding, 8)
        assert value_of(terms) == v, (encoding, v, terms)
        exps = [e for _, e in terms]
        assert exps == sorted(exps, reverse=True) and len(set(exps)) == len(exps)   # largest first, distinct
        assert all(0 <= e <= tr.max_exponent(encoding, 8) for e in exps)
        assert all(s == (1 if v > 0 else -1) for s, _ in terms[:1])                # leading term has v's sign
        if encoding == "binary":
            assert exps == [i for i in range(7, -1, -1) if (abs(v) >> i) & 1]
        if encoding == "naf":
            assert all(a - b >= 2 for a, b in zip(exps, exps[1:]))                  # non-adjacent
        if encoding == "hese":
            assert len(terms) <= len(tr.encode(v, "binary", 8))                     # never more than binary
    with pytest.raises(ValueError):
        tr.encode(256, encoding, 8)


def test_mean_term_counts():
    mean = {e: float(tr.term_count_table(e, 8).mean()) for e in tr.ENCODINGS}
    assert mean["binary"] == 4.0 and mean["hese"] == 3.25                         # SPEC section 2
    assert round(mean["naf"], 2) == 3.11


@pytest.mark.parametrize("encoding", tr.ENCODINGS)
@pytest.mark.parametrize("bits", [4, 8, 12])
def test_vectorized_reveal_equals_scalar_greedy(encoding, bits):
    rng = np.random.default_rng(bits)
    hi = 2 ** bits - 1
    for g, k in [(1, 0), (1, 2), (2, 1), (3, 4), (8, 12), (8, 6), (5, 40), (16, 7)]:
        coding = tr.Coding(encoding, g, k, bits)
        v = rng.integers(-hi, hi + 1, size=(5, 29))
        v[0, :8] = hi // 3          # equal values: ties between values
        v[1, :] = 0
        got = tr.reveal(v, coding)
        counts = tr.kept_term_counts(v, coding)
        for row, grow, crow in zip(v, got, counts):
            kept = tr.reveal_terms(row, coding)
            assert [value_of(t) for t in kept] == grow.tolist(), (encoding, bits, g, k, row)
            assert [len(t) for t in kept] == crow.tolist()
            for start in range(0, len(row), g):
                n = sum(len(t) for t in kept[start:start + g])
                total = sum(len(tr.encode(x, encoding, bits)) for x in row[start:start + g])
                assert n == min(k, total)


def test_no_budget_is_identity_and_range_checked():
    v = np.array([[-255, 3, 0, 200]])
    np.testing.assert_array_equal(tr.reveal(v, tr.Coding("hese", 4, None)), v)
    with pytest.raises(ValueError, match="does not fit"):
        tr.reveal(np.array([256]), tr.Coding("hese", 1, 3))
    with pytest.raises(ValueError, match="unknown encoding"):
        tr.Coding("csd", 1, 1)


def test_tie_goes_to_lower_index():
    # three 64s (one term 2^6 each), budget 2: the first two keep theirs
    kept = tr.reveal_terms([64, 64, 64], tr.Coding("binary", 3, 2))
    assert kept == [[(1, 6)], [(1, 6)], []]
    np.testing.assert_array_equal(tr.reveal(np.array([64, 64, 64]), tr.Coding("binary", 3, 2)), [64, 64, 0])
    # larger exponent first even at a higher index
    assert tr.reveal(np.array([3, 8]), tr.Coding("binary", 2, 1)).tolist() == [0, 8]


def _naive_conv(x, w, stride, pad, groups):
    b, c, h, wd = x.shape
    n, cg, kh, kw = w.shape
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    y = np.zeros((b, n, oh, ow), dtype=np.int64)
    ng = n // groups
    for o in range(n):
        gi = o // ng
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, gi * cg:(gi + 1) * cg, i * stride:i * stride + kh, j * stride:j * stride + kw]
                y[:, o, i, j] = (patch * w[o]).sum(axis=(1, 2, 3))
    return y


def test_conv_lowering_order_and_groups():
    rng = np.random.default_rng(3)
    x = rng.integers(-20, 21, size=(2, 6, 7, 5))
    w = rng.integers(-9, 10, size=(4, 3, 3, 2))
    np.testing.assert_array_equal(tr.conv_tr(x, w, 2, 1, groups=2), _naive_conv(x, w, 2, 1, 2))
    parts, (oh, ow) = tr.lower_conv(x, w, 2, 1, 2)
    xr, wr = parts[1]
    # row (b=1, oh=1, ow=0), reduction index (kh=2, kw=1, c=0) -> input channel 3 (group 1) at (y=3, x=0)
    row = (1 * oh + 1) * ow + 0
    col = (2 * 2 + 1) * 3 + 0
    assert xr[row, col] == x[1, 3, 1 * 2 - 1 + 2, 0 * 2 - 1 + 1]
    assert wr[0, col] == w[2, 0, 2, 1]
    # TR on the conv equals TR on the lowered rows
    c = tr.Coding("hese", 4, 3)
    got = tr.conv_tr(x, w, 2, 1, 2, data=c, weights=c)
    want = np.concatenate([tr.reveal(xr_, c) @ tr.reveal(wr_, c).T for xr_, wr_ in parts], axis=1)
    np.testing.assert_array_equal(got, want.reshape(2, oh, ow, 4).transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(tr.reveal_conv_weights(w, c).transpose(0, 2, 3, 1).reshape(4, -1),
                                  tr.reveal(w.transpose(0, 2, 3, 1).reshape(4, -1), c))


# --------------------------------------------------------------------------- agreement with the C++ model

def cpp_encode(values, encoding, bits=8, group_size=None, budget=None):
    args = [TRSIM, "encode", "--encoding", encoding, "--bits", str(bits)]
    if group_size is not None:
        args += ["--group-size", str(group_size)]
    if budget is not None:
        args += ["--budget", str(budget)]
    r = subprocess.run(args + ["-"], input=" ".join(str(int(v)) for v in values), capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == len(values)
    return lines


def py_lines(values, coding):
    return [f"{int(v)}:" + (" " + tr.format_terms(t) if t else "")
            for v, t in zip(values, tr.reveal_terms(values, coding))]


@needs_trsim
@pytest.mark.parametrize("encoding", tr.ENCODINGS)
def test_encoders_agree_with_cpp_over_all_8bit_values(encoding):
    assert cpp_encode(ALL_8BIT, encoding) == py_lines(ALL_8BIT, tr.Coding(encoding, 1, None))


@needs_trsim
@pytest.mark.parametrize("encoding", tr.ENCODINGS)
def test_tr_selection_agrees_with_cpp(encoding):
    rng = np.random.default_rng(11)
    for g, k in [(1, 1), (1, 3), (2, 3), (4, 5), (8, 12), (8, 8), (8, 0), (16, 20), (7, 9), (64, 30)]:
        values = rng.integers(-255, 256, size=203)            # 203: the last group is short
        values[:16] = rng.choice([0, 64, -64, 96, 127, -128, 255], size=16)   # ties and equal leading terms
        values[40:48] = 0
        coding = tr.Coding(encoding, g, k)
        cpp = cpp_encode(values, encoding, 8, g, k)
        assert cpp == py_lines(values, coding), (encoding, g, k)
        cpp_values = [sum((1 if t[0] == "+" else -1) * 2 ** int(t[3:]) for t in line.split()[1:]) for line in cpp]
        assert tr.reveal(values, coding).tolist() == cpp_values


@needs_trsim
def test_tr_agrees_with_cpp_at_16_bits():
    rng = np.random.default_rng(5)
    values = rng.integers(-(2 ** 16 - 1), 2 ** 16, size=96)
    for encoding in tr.ENCODINGS:
        coding = tr.Coding(encoding, 8, 10, bits=16)
        assert cpp_encode(values, encoding, 16, 8, 10) == py_lines(values, coding)
