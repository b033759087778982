"""Term Revealing (TR) in numpy: the functional rules of trsim's C++ model (modules/functional/).

* Encoders (on the magnitude; a negative value's terms all take its sign), terms largest first:
  ``binary`` (the set bits), ``hese`` (SPEC section 2: one MSB-to-LSB pass over the window
  (b[i+1], b[i], b[i-1]): 010 -> +2^i, 011 -> +2^(i+1), 110 -> -2^i), ``naf`` (non-adjacent form),
  ``booth4`` (radix-4 Booth digits d_i = -2 b[2i+1] + b[2i] + b[2i-1], +-1 -> +-2^(2i), +-2 -> +-2^(2i+1)).
* TR: the values of a row are cut into groups of ``group_size`` consecutive values (the last group may be
  shorter); of each group only the ``budget`` largest terms are kept, greedily: largest exponent first, ties to
  the lower value index. ``budget=None`` keeps everything.
* Rows run along the reduction dimension: fc/lstm weights [N, K] and inputs [M, K] row by row; a convolution
  is lowered per channel group to GEMM rows ordered (kh, kw, c), input channel fastest, padding included as
  zeros (``lower_conv``), exactly as ``lowerConv`` in modules/functional/Reference.cpp.

Vectorization: every encoding gives a value at most one term per exponent, so a value is a row of a "digit
table" ``D[magnitude, e]`` in {-1, 0, +1}. In a group the term at exponent ``e`` of value ``j`` is kept iff
(terms of the group with exponent > e) + (values before j with a term at e) < budget: two cumulative sums,
no sort. With group size 1 this collapses to a table of truncated values.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional, Tuple

import numpy as np

ENCODINGS = ("binary", "hese", "naf", "booth4")
MAX_TABLE_BITS = 16


# --------------------------------------------------------------------------- scalar encoders

def _bit(m: int, i: int) -> int:
    return (m >> i) & 1 if i >= 0 else 0


def encode_binary(m: int) -> List[Tuple[int, int]]:
    return [(1, i) for i in range(m.bit_length() - 1, -1, -1) if _bit(m, i)]


def encode_hese(m: int) -> List[Tuple[int, int]]:
    out = []
    for i in range(m.bit_length() - 1, -1, -1):
        window = (_bit(m, i + 1), _bit(m, i), _bit(m, i - 1))
        if window == (0, 1, 0):
            out.append((1, i))
        elif window == (0, 1, 1):
            out.append((1, i + 1))
        elif window == (1, 1, 0):
            out.append((-1, i))
    return out


def encode_naf(m: int) -> List[Tuple[int, int]]:
    digits = []
    i = 0
    while m:
        if m & 1:
            d = 2 - (m & 3)  # +1 if m = 1 mod 4, -1 if m = 3 mod 4
            digits.append((d, i))
            m -= d
        m >>= 1
        i += 1
    return digits[::-1]


def encode_booth4(m: int) -> List[Tuple[int, int]]:
    out = []
    n_digits = m.bit_length() // 2 + 1
    for i in range(n_digits - 1, -1, -1):
        d = -2 * _bit(m, 2 * i + 1) + _bit(m, 2 * i) + _bit(m, 2 * i - 1)
        if d:
            out.append((1 if d > 0 else -1, 2 * i + (1 if abs(d) == 2 else 0)))
    return out


_ENCODERS = {"binary": encode_binary, "hese": encode_hese, "naf": encode_naf, "booth4": encode_booth4}


def check_encoding(encoding: str) -> None:
    if encoding not in _ENCODERS:
        raise ValueError(f"unknown encoding {encoding!r}, expected one of {ENCODINGS}")


def encode(value: int, encoding: str = "hese", bits: int = 8) -> List[Tuple[int, int]]:
    """Terms (sign, exponent) of a sign-magnitude ``value`` with ``bits`` magnitude bits, largest first."""
    check_encoding(encoding)
    value = int(value)
    m = abs(value)
    if m >> bits:
        raise ValueError(f"value {value} does not fit in a {bits}-bit sign-magnitude number "
                         f"(|value| <= {(1 << bits) - 1})")
    sign = -1 if value < 0 else 1
    return [(s * sign, e) for s, e in _ENCODERS[encoding](m)]


def format_terms(terms) -> str:
    """'+2^5 -2^3 ...' (the format of `trsim encode`)."""
    return " ".join(f"{'+' if s > 0 else '-'}2^{e}" for s, e in terms)


def select_top_terms(group, budget: Optional[int]):
    """Reference greedy top-k over a group of term lists (scalar code, for tests)."""
    if budget is None:
        return [list(t) for t in group]
    kept = [[] for _ in group]
    nxt = [0] * len(group)
    for _ in range(budget):
        best = -1
        for j, terms in enumerate(group):
            if nxt[j] < len(terms) and (best < 0 or terms[nxt[j]][1] > group[best][nxt[best]][1]):
                best = j
        if best < 0:
            break
        kept[best].append(group[best][nxt[best]])
        nxt[best] += 1
    return kept


def max_exponent(encoding: str, bits: int) -> int:
    return bits - 1 if encoding == "binary" else bits


# --------------------------------------------------------------------------- tables

@lru_cache(maxsize=None)
def digit_table(encoding: str, bits: int) -> np.ndarray:
    """int8 [2**bits, max_exponent+1]: D[m, e] = sign of the term 2^e of magnitude m (0 if none)."""
    check_encoding(encoding)
    if not 1 <= bits <= MAX_TABLE_BITS:
        raise ValueError(f"bits must be 1..{MAX_TABLE_BITS}, got {bits}")
    table = np.zeros((1 << bits, max_exponent(encoding, bits) + 1), dtype=np.int8)
    for m in range(1 << bits):
        for s, e in _ENCODERS[encoding](m):
            if table[m, e]:
                raise AssertionError(f"{encoding}: magnitude {m} has two terms at exponent {e}")
            table[m, e] = s
    table.setflags(write=False)
    return table


@lru_cache(maxsize=None)
def term_count_table(encoding: str, bits: int) -> np.ndarray:
    t = (digit_table(encoding, bits) != 0).sum(axis=1).astype(np.int64)
    t.setflags(write=False)
    return t


@lru_cache(maxsize=None)
def truncated_table(encoding: str, bits: int, budget: int) -> np.ndarray:
    """int64 [2**bits]: magnitude after keeping its ``budget`` largest terms (TR with group size 1)."""
    d = digit_table(encoding, bits).astype(np.int64)
    present = d != 0
    # terms strictly above exponent e = reverse exclusive cumsum
    above = np.cumsum(present[:, ::-1], axis=1)[:, ::-1] - present
    keep = present & (above < budget)
    out = (d * keep * (1 << np.arange(d.shape[1], dtype=np.int64))).sum(axis=1)
    out.setflags(write=False)
    return out


# --------------------------------------------------------------------------- vectorized TR

@dataclass(frozen=True)
class Coding:
    """How one operand is represented: magnitude bits, encoding, TR group size and budget (None = all)."""

    encoding: str = "hese"
    group_size: int = 1
    budget: Optional[int] = None
    bits: int = 8

    def __post_init__(self):
        check_encoding(self.encoding)
        if self.group_size < 1:
            raise ValueError(f"group_size must be >= 1, got {self.group_size}")
        if self.budget is not None and self.budget < 0:
            raise ValueError(f"budget must be >= 0 or None, got {self.budget}")
        if not 1 <= self.bits <= MAX_TABLE_BITS:
            raise ValueError(f"bits must be 1..{MAX_TABLE_BITS}, got {self.bits}")

    def describe(self) -> str:
        k = "none" if self.budget is None else str(self.budget)
        return f"{self.encoding} g={self.group_size} k={k}"


def _magnitudes(values: np.ndarray, bits: int) -> np.ndarray:
    mag = np.abs(values)
    if mag.size and int(mag.max()) >> bits:
        bad = int(values.flat[int(np.argmax(mag))])
        raise ValueError(f"value {bad} does not fit in a {bits}-bit sign-magnitude number "
                         f"(|value| <= {(1 << bits) - 1})")
    return mag


def _grouped(values, coding: Coding):
    """int64 values, magnitudes as [rows, ng*g] (zero padded), and the shape bookkeeping."""
    v = np.asarray(values)
    if v.dtype.kind not in "iu":
        raise TypeError(f"TR needs integer values, got dtype {v.dtype}")
    v = v.astype(np.int64)
    mag = _magnitudes(v, coding.bits)
    k = v.shape[-1] if v.ndim else 1
    g = coding.group_size
    ng = -(-k // g)
    rows = mag.reshape(-1, k)
    if ng * g != k:
        rows = np.pad(rows, ((0, 0), (0, ng * g - k)))  # zeros have no terms: selection unchanged
    return v, rows, k, ng


def _kept_digits(rows: np.ndarray, ng: int, coding: Coding):
    """Digits [R, ng, g, E] of magnitude rows and the mask of the terms TR keeps."""
    table = digit_table(coding.encoding, coding.bits)
    d = table[rows].reshape(-1, ng, coding.group_size, table.shape[1])
    present = (d != 0).astype(np.int16)
    per_exp = present.sum(axis=2)                                        # [R, ng, E]
    above = np.cumsum(per_exp[..., ::-1], axis=-1)[..., ::-1] - per_exp  # terms above exponent e
    before = np.cumsum(present, axis=2) - present                        # same exponent, lower index
    keep = (present == 1) & (above[:, :, None, :] + before < coding.budget)
    return d, keep


def _chunks(rows: np.ndarray, ng: int, coding: Coding, chunk_elems: int):
    n_exp = digit_table(coding.encoding, coding.bits).shape[1]
    step = max(1, chunk_elems // (ng * coding.group_size * n_exp))
    for r0 in range(0, rows.shape[0], step):
        yield r0, r0 + step, _kept_digits(rows[r0:r0 + step], ng, coding)


def reveal(values, coding: Coding, chunk_elems: int = 1 << 22) -> np.ndarray:
    """TR along the last axis of an integer array; returns the truncated values (int64, same shape)."""
    if coding.budget is None:
        v = np.asarray(values)
        if v.dtype.kind not in "iu":
            raise TypeError(f"TR needs integer values, got dtype {v.dtype}")
        _magnitudes(v.astype(np.int64), coding.bits)
        return v.astype(np.int64)
    if coding.group_size == 1:
        v = np.asarray(values)
        if v.dtype.kind not in "iu":
            raise TypeError(f"TR needs integer values, got dtype {v.dtype}")
        v = v.astype(np.int64)
        mag = _magnitudes(v, coding.bits)
        return np.where(v < 0, -1, 1) * truncated_table(coding.encoding, coding.bits, coding.budget)[mag]
    v, rows, k, ng = _grouped(values, coding)
    pow2 = 1 << np.arange(digit_table(coding.encoding, coding.bits).shape[1], dtype=np.int64)
    out = np.empty(rows.shape, dtype=np.int64)
    for r0, r1, (d, keep) in _chunks(rows, ng, coding, chunk_elems):
        out[r0:r1] = ((d * keep) @ pow2).reshape(-1, rows.shape[1])
    return np.where(v < 0, -1, 1) * out[:, :k].reshape(v.shape)


def kept_term_counts(values, coding: Coding, chunk_elems: int = 1 << 22) -> np.ndarray:
    """Number of terms TR keeps of every value (same shape as ``values``)."""
    v, rows, k, ng = _grouped(values, coding)
    counts = term_count_table(coding.encoding, coding.bits)
    if coding.budget is None:
        return counts[np.abs(v)]
    out = np.empty(rows.shape, dtype=np.int64)
    for r0, r1, (_, keep) in _chunks(rows, ng, coding, chunk_elems):
        out[r0:r1] = keep.sum(axis=-1).reshape(-1, rows.shape[1])
    return out[:, :k].reshape(v.shape)


def reveal_terms(values, coding: Coding) -> List[List[Tuple[int, int]]]:
    """Kept terms of every value of a 1-D array (scalar code path, the layout of `trsim encode` output)."""
    v = [int(x) for x in np.asarray(values).ravel()]
    out = []
    g = coding.group_size
    for start in range(0, len(v), g):
        group = [encode(x, coding.encoding, coding.bits) for x in v[start:start + g]]
        out.extend(select_top_terms(group, coding.budget))
    return out


# --------------------------------------------------------------------------- layers with TR

def conv_patches(x: np.ndarray, kh: int, kw: int, stride: int, padding: int):
    """x [B, C, H, W] -> every window as [B, OH, OW, KH, KW, C] (zero padding), plus (OH, OW)."""
    b, c, h, wd = x.shape
    oh, ow = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding))) if padding else x
    cols = np.empty((b, oh, ow, kh, kw, c), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]
            cols[:, :, :, i, j, :] = patch.transpose(0, 2, 3, 1)
    return cols, (oh, ow)


def lower_conv(x: np.ndarray, w: np.ndarray, stride: int, padding: int, groups: int):
    """im2col as modules/functional/Reference.cpp lowerConv.

    x [B, C, H, W], w [N, C/groups, KH, KW] -> per group (x_rows [B*OH*OW, KH*KW*Cg], w_rows [Ng, KH*KW*Cg])
    with the reduction ordered (kh, kw, c), channel fastest, plus (OH, OW).
    """
    b, c = x.shape[:2]
    n, cg, kh, kw = w.shape
    if c != cg * groups or n % groups:
        raise ValueError(f"conv: input {x.shape} and weights {w.shape} do not agree with groups={groups}")
    cols, (oh, ow) = conv_patches(x, kh, kw, stride, padding)
    ng = n // groups
    parts = []
    for gi in range(groups):
        xr = cols[..., gi * cg:(gi + 1) * cg].reshape(b * oh * ow, kh * kw * cg)
        wr = w[gi * ng:(gi + 1) * ng].transpose(0, 2, 3, 1).reshape(ng, kh * kw * cg)
        parts.append((xr, wr))
    return parts, (oh, ow)


def gemm_tr(x: np.ndarray, w: np.ndarray, data: Optional[Coding] = None,
            weights: Optional[Coding] = None) -> np.ndarray:
    """Y [M, N] = X' W'^T of [M, K] data and [N, K] weights after TR (None = exact operand), exact int64."""
    xr = reveal(x, data) if data is not None else np.asarray(x, dtype=np.int64)
    wr = reveal(w, weights) if weights is not None else np.asarray(w, dtype=np.int64)
    return int_matmul(xr, wr.T)


def conv_tr(x: np.ndarray, w: np.ndarray, stride: int, padding: int, groups: int = 1,
            data: Optional[Coding] = None, weights: Optional[Coding] = None) -> np.ndarray:
    """Convolution [B, N, OH, OW] with TR on the lowered rows, exact int64 (conv2dWithTr)."""
    parts, (oh, ow) = lower_conv(x, w, stride, padding, groups)
    b = x.shape[0]
    outs = [gemm_tr(xr, wr, data, weights) for xr, wr in parts]
    y = np.concatenate(outs, axis=1)  # [B*OH*OW, N]
    return y.reshape(b, oh, ow, -1).transpose(0, 3, 1, 2)


def int_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Exact integer matrix product: float32 / float64 BLAS while |a| max * |b| max * K < 2^24 / 2^53, else int64."""
    a = np.asarray(a)
    b = np.asarray(b)
    k = a.shape[-1]
    amax = float(np.abs(a).max()) if a.size else 0.0
    bmax = float(np.abs(b).max()) if b.size else 0.0
    bound = amax * bmax * k
    if bound < 2.0 ** 24:  # every product and partial sum is an integer float32 represents exactly
        return (a.astype(np.float32) @ b.astype(np.float32)).astype(np.int64)
    if bound < 2.0 ** 53:
        return (a.astype(np.float64) @ b.astype(np.float64)).astype(np.int64)
    return a.astype(np.int64) @ b.astype(np.int64)


def reveal_conv_weights(w: np.ndarray, coding: Optional[Coding]) -> np.ndarray:
    """Conv weights [N, C/groups, KH, KW] revealed along their lowered rows (kh, kw, c), same layout back."""
    w = np.asarray(w).astype(np.int64)
    if coding is None:
        return w
    n, cg, kh, kw = w.shape
    rows = reveal(w.transpose(0, 2, 3, 1).reshape(n, kh * kw * cg), coding)
    return rows.reshape(n, kh, kw, cg).transpose(0, 3, 1, 2)


def reveal_layer_weights(layer_type: str, w: np.ndarray, coding: Optional[Coding]) -> np.ndarray:
    """Weights of an fc / lstm ([N, K] rows) or conv layer after TR, in the trace's layout."""
    if layer_type == "conv":
        return reveal_conv_weights(w, coding)
    return reveal(w, coding) if coding is not None else np.asarray(w).astype(np.int64)
