"""trsim's functional model (QT and TR on operands) for the accuracy scorer: the C ABI of the simulator's own
C++ code (modules/functional/capi/trsim_functional_c.h), loaded with ctypes, so scoring applies exactly the
rules the simulator applies; ``trsim_trace.tr`` and ``trsim_trace.setting`` stay the independent numpy
oracle the tests compare both against.

The library is ``libtrsim_functional_c.so`` of a trsim build: ``$TRSIM_FUNCTIONAL_LIB`` (trsim sets it for
the tools it runs), else ``build/libtrsim_functional_c.so`` of this repository. Without a build the numpy
oracle serves (``backend()`` says which), so the Python tools work from a checkout that was never built.

    qt_shift(values, bits) -> int                 QT shift of a whole tensor (contract 1)
    qt_apply(values, bits, shift) -> int64 array  QT values
    reveal_rows(values, coding) -> int64 array    TR along the last axis (groups restart on every row)
    truncation_table(coding) -> int64 [2^bits]    magnitude m after TR of group size 1 (budget not None)
"""

from __future__ import annotations

import ctypes
import os
from functools import lru_cache
from typing import Optional

import numpy as np

from . import setting as _setting
from . import tr as _tr
from .tr import Coding

ABI_VERSION = 1
LIBRARY_NAME = "libtrsim_functional_c.so"
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class FunctionalError(ValueError):
    """The C functional model refused its arguments (its one-line message)."""


def library_path() -> str:
    return os.environ.get("TRSIM_FUNCTIONAL_LIB") or os.path.join(_REPO, "build", LIBRARY_NAME)


@lru_cache(maxsize=None)
def _lib() -> Optional[ctypes.CDLL]:
    path = library_path()
    if os.environ.get("TRSIM_FUNCTIONAL_BACKEND") == "numpy" or not os.path.exists(path):
        return None
    lib = ctypes.CDLL(path)
    if lib.trsim_fc_abi_version() != ABI_VERSION:
        raise FunctionalError(f"{path}: C ABI version {lib.trsim_fc_abi_version()}, this scorer needs "
                              f"{ABI_VERSION} (rebuild trsim)")
    p64, c_int, c_i64 = ctypes.POINTER(ctypes.c_int64), ctypes.c_int, ctypes.c_int64
    lib.trsim_fc_error.restype = ctypes.c_char_p
    lib.trsim_fc_qt_shift.argtypes = [p64, c_i64, c_int, ctypes.POINTER(c_int)]
    lib.trsim_fc_qt_apply.argtypes = [p64, c_i64, c_int, c_int, p64]
    lib.trsim_fc_reveal_rows.argtypes = [p64, c_i64, c_i64, ctypes.c_char_p, c_int, c_int, c_int, p64]
    lib.trsim_fc_truncation_table.argtypes = [ctypes.c_char_p, c_int, c_int, p64]
    return lib


def backend() -> str:
    """``c`` (the simulator's functional model) or ``numpy`` (the oracle: no trsim build found)."""
    return "c" if _lib() is not None else "numpy"


def _check(lib, rc: int) -> None:
    if rc != 0:
        raise FunctionalError(lib.trsim_fc_error().decode())


def _int64(values) -> np.ndarray:
    v = np.asarray(values)
    if v.dtype.kind not in "iu":
        raise TypeError(f"integer values needed, got dtype {v.dtype}")
    return np.ascontiguousarray(v, dtype=np.int64)


def _ptr(a: np.ndarray):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_int64))


def qt_shift(values, bits: int) -> int:
    lib = _lib()
    if lib is None:
        return _setting.qt_shift(values, bits)
    v = _int64(values)
    out = ctypes.c_int(0)
    _check(lib, lib.trsim_fc_qt_shift(_ptr(v), v.size, bits, ctypes.byref(out)))
    return out.value


def qt_apply(values, bits: int, shift: int) -> np.ndarray:
    lib = _lib()
    if lib is None:
        return _setting.qt_apply(values, bits, shift)
    v = _int64(values)
    out = np.empty_like(v)
    _check(lib, lib.trsim_fc_qt_apply(_ptr(v), v.size, bits, shift, _ptr(out)))
    return out


def reveal_rows(values, coding: Coding) -> np.ndarray:
    """TR along the last axis of an integer array (same shape, int64); budget None keeps every term."""
    lib = _lib()
    if lib is None:
        return _tr.reveal(values, coding)
    v = _int64(values)
    k = v.shape[-1] if v.ndim else 1
    rows = v.size // k if k else 0
    out = np.empty_like(v)
    budget = -1 if coding.budget is None else coding.budget
    _check(lib, lib.trsim_fc_reveal_rows(_ptr(v), rows, k, coding.encoding.encode(), coding.bits,
                                         coding.group_size, budget, _ptr(out)))
    return out


@lru_cache(maxsize=None)
def truncation_table(coding: Coding) -> np.ndarray:
    """int64 [2^bits]: magnitude m after keeping its ``coding.budget`` largest terms (read-only)."""
    if coding.budget is None:
        raise ValueError("truncation_table needs a budget")
    lib = _lib()
    if lib is None:
        t = np.array(_tr.truncated_table(coding.encoding, coding.bits, coding.budget))
    else:
        t = np.empty(1 << coding.bits, dtype=np.int64)
        _check(lib, lib.trsim_fc_truncation_table(coding.encoding.encode(), coding.bits, coding.budget, _ptr(t)))
    t.setflags(write=False)
    return t
