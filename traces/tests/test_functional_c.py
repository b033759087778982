"""The C ABI over trsim's functional model (modules/functional/capi, loaded by trsim_trace.functional) against
the independent numpy oracle (trsim_trace.tr, trsim_trace.setting): TR of every value of a width, random rows
with ties and zeros over encodings, group sizes and budgets, the per-value truncation table, and QT."""
import numpy as np
import pytest

from trsim_trace import functional as F
from trsim_trace import setting as S
from trsim_trace import tr
from trsim_trace.tr import Coding

pytestmark = pytest.mark.skipif(F.backend() != "c", reason=f"no trsim build ({F.library_path()} missing)")


@pytest.mark.parametrize("encoding", tr.ENCODINGS)
@pytest.mark.parametrize("bits", [4, 8])
def test_truncation_table_is_the_oracles_for_every_budget(encoding, bits):
    for budget in range(0, bits + 3):
        c = Coding(encoding, 1, budget, bits)
        np.testing.assert_array_equal(F.truncation_table(c), tr.truncated_table(encoding, bits, budget))


@pytest.mark.parametrize("encoding", tr.ENCODINGS)
@pytest.mark.parametrize("group", [1, 2, 3, 8, 16, 64])
def test_reveal_rows_equals_the_oracle(encoding, group):
    rng = np.random.default_rng(group)
    for bits in (8, 12, 16):
        top = (1 << bits) - 1
        v = rng.integers(-top, top + 1, size=(23, 77))
        v[rng.random(v.shape) < 0.3] = 0            # zeros and repeated values: ties in every group
        v[:, :5] = v[:, 5:10]
        v[0, :] = top                               # the widest value and its negative
        v[1, :] = -top
        for budget in (None, 0, 1, 2, 5, 12, 30):
            c = Coding(encoding, group, budget, bits)
            np.testing.assert_array_equal(F.reveal_rows(v, c), tr.reveal(v, c), err_msg=f"{c} {bits}")


def test_every_8_bit_value_alone_and_in_groups():
    v = np.arange(-255, 256)
    for encoding in tr.ENCODINGS:
        for budget in range(0, 7):
            for group in (1, 7):
                c = Coding(encoding, group, budget, 8)
                np.testing.assert_array_equal(F.reveal_rows(v, c), tr.reveal(v, c))


@pytest.mark.parametrize("bits", range(2, 17))
def test_qt_equals_the_oracle(bits):
    rng = np.random.default_rng(bits)
    for top in (0, 1, 127, 255, 40000):
        v = rng.integers(-top, top + 1, size=300)
        v[0] = -top
        s = F.qt_shift(v, bits)
        assert s == S.qt_shift(v, bits)
        np.testing.assert_array_equal(F.qt_apply(v, bits, s), S.qt_apply(v, bits, s))


def test_problems_are_one_line_messages():
    with pytest.raises(F.FunctionalError, match="value 300 does not fit"):
        F.reveal_rows(np.array([[300]]), Coding("hese", 1, 2, 8))
    with pytest.raises(F.FunctionalError, match="QT bits must be 2..16, got 1"):
        F.qt_shift(np.array([3]), 1)
    with pytest.raises(F.FunctionalError, match="QT shift must be 0..62"):
        F.qt_apply(np.array([3]), 4, -1)
