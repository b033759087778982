"""A design point's operand setting as accuracy scoring sees it, its canonical key, and the QT rule.

``Setting``: per operand (weights, data) the TR coding (encoding, group size, budget; budget None keeps
every term) and the QT re-quantization (``quantize_bits`` 2..16, None = the trace's integers as they are).

Canonical key (shared with trsim's C++ side, sim/run/AccuracyKey.cpp; one line of the score cache)::

    w=<operand>;d=<operand>     operand = exact:q<b>             no budget (encoding, group size irrelevant)
                                        | <enc>:g<g>:k<k>:q<b>   TR with a budget
    b = quantize_bits or "none"

e.g. ``w=hese:g8:k12:qnone;d=hese:g1:k3:qnone`` (TR-A), ``w=exact:q6;d=exact:q6`` (INT6 QT).

QT rule (contract 1 of the project, identical to the C++ ``operands.*.quantize_bits``): for a tensor with
``m = max|q|`` and ``L`` = bit length of ``m``, shift ``s = max(0, L - b)``; each value becomes
``sign(q) * min((|q| + (2^(s-1) if s > 0 else 0)) >> s, 2^b - 1)`` and the scale becomes ``scale * 2^s``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .tr import ENCODINGS, Coding

QT_MIN_BITS, QT_MAX_BITS = 2, 16


def qt_shift(values, bits: int) -> int:
    """The QT shift of a whole tensor at ``bits`` magnitude bits: max(0, bit_length(max|q|) - bits)."""
    v = np.asarray(values)
    m = int(np.abs(v.astype(np.int64)).max()) if v.size else 0
    return max(0, m.bit_length() - bits)


def qt_apply(values, bits: int, shift: int) -> np.ndarray:
    """Round half away from zero by ``shift`` bits, then clamp the magnitude to 2^bits - 1 (int64)."""
    v = np.asarray(values).astype(np.int64)
    half = (1 << (shift - 1)) if shift > 0 else 0
    mag = np.minimum((np.abs(v) + half) >> shift, (1 << bits) - 1)
    return np.where(v < 0, -mag, mag)


@dataclass(frozen=True)
class Operand:
    encoding: str = "hese"
    group_size: int = 1
    budget: Optional[int] = None
    quantize_bits: Optional[int] = None

    def __post_init__(self):
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}, got {self.encoding!r}")
        if self.group_size < 1:
            raise ValueError(f"group_size must be >= 1, got {self.group_size}")
        if self.budget is not None and self.budget < 0:
            raise ValueError(f"budget must be >= 0 or none, got {self.budget}")
        if self.quantize_bits is not None and not QT_MIN_BITS <= self.quantize_bits <= QT_MAX_BITS:
            raise ValueError(f"quantize_bits must be {QT_MIN_BITS}..{QT_MAX_BITS} or none, got {self.quantize_bits}")

    def key(self) -> str:
        q = "none" if self.quantize_bits is None else str(self.quantize_bits)
        if self.budget is None:
            return f"exact:q{q}"
        return f"{self.encoding}:g{self.group_size}:k{self.budget}:q{q}"

    def coding(self, bits: int) -> Optional[Coding]:
        """The TR coding, None when every term is kept (exact arithmetic)."""
        return None if self.budget is None else Coding(self.encoding, self.group_size, self.budget, bits)

    def describe(self) -> str:
        parts = [] if self.quantize_bits is None else [f"INT{self.quantize_bits}"]
        if self.budget is not None:
            parts.append(f"{self.encoding} g{self.group_size} k{self.budget}")
        return " ".join(parts) or "int8 exact"


_OPERAND_KEY = re.compile(r"^(?:exact|(?P<enc>[a-z0-9]+):g(?P<g>\d+):k(?P<k>\d+)):q(?P<q>none|\d+)$")


def _parse_operand(text: str, where: str) -> Operand:
    m = _OPERAND_KEY.match(text)
    if not m:
        raise ValueError(f"{where}: operand key {text!r} is not 'exact:q<b>' or '<enc>:g<g>:k<k>:q<b>'")
    q = None if m["q"] == "none" else int(m["q"])
    if m["enc"] is None:
        return Operand(quantize_bits=q)
    return Operand(m["enc"], int(m["g"]), int(m["k"]), q)


@dataclass(frozen=True)
class Setting:
    weights: Operand = Operand(group_size=8)
    data: Operand = Operand()

    def key(self) -> str:
        return f"w={self.weights.key()};d={self.data.key()}"

    @staticmethod
    def parse(key: str) -> "Setting":
        parts = dict(p.split("=", 1) for p in key.split(";") if "=" in p)
        if sorted(parts) != ["d", "w"] or key.count(";") != 1:
            raise ValueError(f"setting key {key!r} must be 'w=<operand>;d=<operand>'")
        return Setting(_parse_operand(parts["w"], "weights"), _parse_operand(parts["d"], "data"))

    @staticmethod
    def from_tr_point(point) -> "Setting":
        """From the (w_enc, w_g, w_k, d_enc, d_g, d_k) tuples of tr_accuracy.py (no QT)."""
        we, wg, wk, de, dg, dk = point
        return Setting(Operand(we, wg, wk), Operand(de, dg, dk))

    def describe(self) -> str:
        return f"w {self.weights.describe()} / d {self.data.describe()}"

    def for_trace(self, trace) -> "Setting":
        """QT that covers every layer's declared bits of an operand changes no value: keyed as no QT (as
        trsim's AccuracyKey.cpp does)."""
        def norm(op: Operand, bits_attr: str) -> Operand:
            q = op.quantize_bits
            if q is None or not trace.layers or any(q < getattr(la, bits_attr) for la in trace.layers):
                return op
            return Operand(op.encoding, op.group_size, op.budget, None)
        return Setting(norm(self.weights, "w_bits"), norm(self.data, "x_bits"))


EXACT = Setting(Operand(), Operand())


# --------------------------------------------------------------------------- per-layer settings

# A per-layer key (trsim's per_layer, sim/run/AccuracyKey.hpp: the same rule, tested on golden strings):
#
#     <default>|<layer>=<setting>|<layer>=<setting>...
#
# <default> is the setting most layers have (a tie: the one met first in trace order), followed by every
# other layer, in trace order, with its own setting; layer names are percent-encoded outside
# [A-Za-z0-9_.-]. QT is normalised per layer (quantize_bits at or above the layer's declared bits: none).
# Per-layer settings that are one setting on every layer key as that uniform setting (``Setting.key``
# after ``for_trace``), so the keys of uniform settings never change.

_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def escape_layer_name(name: str) -> str:
    return "".join(chr(b) if chr(b) in _PLAIN else f"%{b:02X}" for b in name.encode("utf-8"))


def unescape_layer_name(text: str) -> str:
    out, i, raw = bytearray(), 0, text.encode("utf-8")
    while i < len(raw):
        if raw[i:i + 1] == b"%":
            out.append(int(raw[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return out.decode("utf-8")


def per_layer_key(names, keys) -> str:
    """The per-layer key from each layer's name and setting key, in trace order (the default: most common)."""
    counts: dict = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    default = max(keys, key=lambda k: (counts[k], -keys.index(k)))
    return default + "".join(f"|{escape_layer_name(n)}={k}" for n, k in zip(names, keys) if k != default)


def _norm_layer(op: Operand, bits: int) -> Operand:
    if op.quantize_bits is not None and op.quantize_bits >= bits:
        return Operand(op.encoding, op.group_size, op.budget, None)
    return op


def settings_key(settings, trace) -> str:
    """The canonical key of one ``Setting`` or of ``{layer name: Setting}`` (every layer of ``trace``)."""
    if isinstance(settings, Setting):
        return settings.for_trace(trace).key()
    names = [la.name for la in trace.layers]
    missing = [n for n in names if n not in settings]
    if missing or len(settings) != len(names):
        raise ValueError(f"per-layer settings must name every layer of {trace.network!r} exactly "
                         f"(missing {missing}, unknown {sorted(set(settings) - set(names))})")
    raw = [settings[n].key() for n in names]
    if all(k == raw[0] for k in raw):
        return settings[names[0]].for_trace(trace).key()
    keys = [Setting(_norm_layer(settings[la.name].weights, la.w_bits),
                    _norm_layer(settings[la.name].data, la.x_bits)).key() for la in trace.layers]
    return keys[0] if all(k == keys[0] for k in keys) else per_layer_key(names, keys)


def is_per_layer_key(key: str) -> bool:
    return "|" in key


def check_key(key: str) -> None:
    """Raises ValueError when ``key`` is neither a uniform nor a per-layer key (layer names unchecked)."""
    default, *rest = key.split("|")
    Setting.parse(default)
    for part in rest:
        name, sep, setting = part.partition("=")
        if not sep or not name:
            raise ValueError(f"per-layer key {key!r}: {part!r} is not '<layer>=<setting>'")
        Setting.parse(setting)


def parse_key(key: str, trace=None):
    """A ``Setting`` for a uniform key; ``{layer: Setting}`` for a per-layer key (needs the trace, whose
    layers it must name)."""
    if not is_per_layer_key(key):
        return Setting.parse(key)
    if trace is None:
        raise ValueError(f"per-layer key {key!r} needs its trace")
    default, *rest = key.split("|")
    base = Setting.parse(default)
    names = [la.name for la in trace.layers]
    out = {n: base for n in names}
    for part in rest:
        if "=" not in part:
            raise ValueError(f"per-layer key: {part!r} is not '<layer>=<setting>'")
        name, setting = part.split("=", 1)
        name = unescape_layer_name(name)
        if name not in out:
            raise ValueError(f"per-layer key names layer {name!r}, which {trace.network!r} does not have "
                             f"(its layers: {', '.join(names)})")
        out[name] = Setting.parse(setting)
    return out


def describe_settings(settings) -> str:
    """One line for a ``Setting`` or a per-layer mapping (the default, then the layers set apart)."""
    if isinstance(settings, Setting):
        return settings.describe()
    keys = [s.key() for s in settings.values()]
    default = max(keys, key=lambda k: (keys.count(k), -keys.index(k)))
    other = [f"{n}: {s.describe()}" for n, s in settings.items() if s.key() != default]
    return Setting.parse(default).describe() + (" except " + "; ".join(other) if other else "")
