"""trsim layer-trace format, version 2 (reads 1 and 2): writer, reader and validator.

Version 2 adds the ``graph`` architecture (``/model`` attribute ``graph``: the network graph, JSON, see
``trsim_trace.graph``) and the optional layer attribute ``role``; a version-1 file is a valid version-2 file.

File layout (HDF5)::

    /                      root attrs: network, source, format_version, description
                           optional:   metric, float_metric, int8_metric
    /layers/               group (track_order=True)
    /layers/<name>/        one group per layer (track_order=True)
        attrs:  index, type, w_scale, x_scale, w_bits, x_bits
                conv: stride, padding, groups      lstm: hidden_size
        weights            integer dataset  fc/lstm [N, K]   conv [N, C/groups, KH, KW]
        inputs             integer dataset  fc/lstm [M, K]   conv [B, C, H, W]
        bias               optional float dataset [N] (not used by trsim; re-evaluates the metric)
    /model/                optional group: what else re-evaluating the metric needs (architecture, ...)
    /tr_accuracy/          optional group: the metric under Term Revealing, one row per setting
    /published_accuracy/   optional group: values published by a model's authors, one row per setting of
                           theirs (attrs metric, source, description; columns key, setting, value; key is
                           trsim's canonical setting key, "" where trsim cannot express the setting).
                           trsim answers a trace's accuracy from these rows alone when present.

Attribute HDF5 types written by :func:`write_trace` (and required by the validator):

* string attrs: scalar, variable-length string, UTF-8 (h5py's default for ``str``)
* int attrs:    scalar integer (written as 64-bit signed little endian, H5T_STD_I64LE)
* float attrs:  scalar floating point (written as H5T_IEEE_F64LE)

Integer values are sign-magnitude quantities: a value ``v`` with ``bits`` magnitude bits obeys
``|v| <= 2**bits - 1``. The real value is ``v * scale``.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import h5py
import numpy as np

FORMAT_VERSION = 2            # what write_trace writes by default
READ_VERSIONS = (1, 2)        # what the validator and trsim accept
# optional layer attr ``role`` (version 2): what the layer is in its network, for the authors' accounting
# (which leaves out the first conv, depthwise convs and the classifier) and for reports
LAYER_ROLES = ("first", "conv", "pointwise", "depthwise", "projection", "se", "classifier", "lstm")
LAYER_TYPES = ("fc", "conv", "lstm")
SOURCES = ("trained", "synthetic")
MAX_BITS = 16

# Dataset dtypes a trace may use (little endian). The writer picks the smallest that fits, see smallest_dtype.
ALLOWED_DTYPES = (np.dtype("int8"), np.dtype("uint8"), np.dtype("int16"),
                  np.dtype("uint16"), np.dtype("int32"))

ROOT_STR_ATTRS = ("network", "source", "description")
ROOT_OPTIONAL_FLOAT_ATTRS = ("float_metric", "int8_metric")
LAYER_INT_ATTRS = ("index", "w_bits", "x_bits")
LAYER_FLOAT_ATTRS = ("w_scale", "x_scale")
TYPE_INT_ATTRS = {"fc": (), "conv": ("stride", "padding", "groups"), "lstm": ("hidden_size",)}
DATASET_RANKS = {"fc": 2, "lstm": 2, "conv": 4}
ENCODINGS = ("binary", "hese", "naf", "booth4")
TR_STR_COLUMNS = ("w_encoding", "d_encoding")
TR_INT_COLUMNS = ("w_group_size", "w_budget", "d_group_size", "d_budget")  # budget -1 = none
TR_COLUMNS = ("w_encoding", "w_group_size", "w_budget", "d_encoding", "d_group_size", "d_budget", "value")
PUBLISHED_COLUMNS = ("key", "setting", "value")
DATASET_LAYOUT = {
    "fc": {"weights": "[N, K]", "inputs": "[M, K]"},
    "lstm": {"weights": "[N, K]", "inputs": "[M, K]"},
    "conv": {"weights": "[N, C/groups, KH, KW]", "inputs": "[B, C, H, W]"},
}


class TraceError(ValueError):
    """A trace file (or an in-memory trace about to be written) is malformed.

    ``problems`` holds one message per problem found.
    """

    def __init__(self, problems: List[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class Layer:
    """One layer of a trace. ``weights`` and ``inputs`` are integer numpy arrays."""

    name: str
    type: str
    weights: np.ndarray
    inputs: np.ndarray
    w_scale: float
    x_scale: float
    w_bits: int = 8
    x_bits: int = 8
    stride: Optional[int] = None       # conv only
    padding: Optional[int] = None      # conv only
    groups: Optional[int] = None       # conv only
    hidden_size: Optional[int] = None  # lstm only
    bias: Optional[np.ndarray] = None  # optional float [N], added after the GEMM (not used by trsim)
    extra_attrs: Dict[str, object] = field(default_factory=dict)


@dataclass
class TrPoint:
    """The model's metric with TR on both operands (budget None = every term kept)."""

    w_encoding: str
    w_group_size: int
    w_budget: Optional[int]
    d_encoding: str
    d_group_size: int
    d_budget: Optional[int]
    value: float


@dataclass
class TrAccuracy:
    """Table ``/tr_accuracy``: the metric under TR settings. ``metric`` names it (as the root attr)."""

    metric: str
    description: str
    points: List[TrPoint]

    def find(self, w_encoding, w_group_size, w_budget, d_encoding, d_group_size, d_budget) -> Optional[float]:
        key = (w_encoding, w_group_size, w_budget, d_encoding, d_group_size, d_budget)
        for p in self.points:
            if (p.w_encoding, p.w_group_size, p.w_budget, p.d_encoding, p.d_group_size, p.d_budget) == key:
                return p.value
        return None


@dataclass
class PublishedRow:
    key: str       # canonical setting key (trsim_trace.setting), "" when trsim cannot express the setting
    setting: str   # the authors' name of the setting
    value: float


@dataclass
class PublishedAccuracy:
    """Group ``/published_accuracy``: the values a model's authors published for their settings."""

    metric: str        # unit of every value: e.g. "accuracy_percent", "perplexity"
    source: str        # file(s) and commit they come from
    description: str
    rows: List[PublishedRow]

    def find(self, key: str) -> Optional[float]:
        for r in self.rows:
            if r.key and r.key == key:
                return r.value
        return None


@dataclass
class Trace:
    network: str
    source: str
    description: str
    layers: List[Layer]
    metric: Optional[str] = None
    float_metric: Optional[float] = None
    int8_metric: Optional[float] = None
    format_version: int = FORMAT_VERSION
    extra_attrs: Dict[str, object] = field(default_factory=dict)
    # optional group /model: str/int/float values become attributes, arrays and lists of str datasets
    model: Optional[Dict[str, object]] = None
    tr_accuracy: Optional[TrAccuracy] = None
    published_accuracy: Optional[PublishedAccuracy] = None


# --------------------------------------------------------------------------- helpers

def gemm_shape(layer: Layer):
    """(M, K, N, groups) of the GEMM the layer performs (per group for grouped conv).

    fc/lstm: M rows of inputs, K reduction, N outputs.
    conv: M = B*OH*OW output pixels, K = C/groups*KH*KW, N = output channels per group.
    """
    w = layer.weights.shape
    x = layer.inputs.shape
    if layer.type in ("fc", "lstm"):
        return x[0], w[1], w[0], 1
    oh, ow = conv_output_hw(layer)
    g = layer.groups
    return x[0] * oh * ow, w[1] * w[2] * w[3], w[0] // g, g


def conv_output_hw(layer: Layer):
    """Output height and width of a conv layer."""
    _, _, kh, kw = layer.weights.shape
    _, _, h, w = layer.inputs.shape
    s, p = layer.stride, layer.padding
    return (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1


def smallest_dtype(values: np.ndarray) -> np.dtype:
    """Smallest allowed integer dtype holding every value of ``values``.

    Non-negative data (e.g. post-ReLU activations) gets an unsigned type (uint8, uint16, int32), data with
    negative values a signed one (int8, int16, int32), so 0..127 activations are uint8, not int8.
    """
    values = np.asarray(values)
    if values.size == 0:
        return np.dtype("uint8")
    lo, hi = int(values.min()), int(values.max())
    order = ("uint8", "uint16", "int32") if lo >= 0 else ("int8", "int16", "int32")
    for name in order:
        info = np.iinfo(name)
        if info.min <= lo and hi <= info.max:
            return np.dtype(name)
    raise TraceError([f"values in [{lo}, {hi}] do not fit any allowed dtype "
                      f"({', '.join(str(d) for d in ALLOWED_DTYPES)})"])


def _is_int_value(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_float_value(v) -> bool:
    return isinstance(v, (float, np.floating))


# --------------------------------------------------------------------------- validation core
#
# The same checks run on an open HDF5 file and on an in-memory Trace before writing. The core works on
# "views": a dict of attribute values, a dict of attribute kinds ('str', 'int', 'float', 'other' with a
# description), and dataset-like objects with .shape, .dtype and [()] for the values.

_NOT_A_DATASET = object()  # marks a layer member named weights/inputs that is not a dataset


class _AttrView:
    def __init__(self, values: Dict[str, object], kinds: Dict[str, str]):
        self.values = values
        self.kinds = kinds


def _attr_kind_h5(attrs, name) -> str:
    """Kind of an HDF5 attribute: 'str' (scalar vlen UTF-8/ASCII string), 'int', 'float' or a description."""
    aid = attrs.get_id(name)
    shape = aid.shape
    tid = aid.get_type()
    if isinstance(tid, h5py.h5t.TypeStringID):
        kind = "str" if tid.is_variable_str() else "fixed-length string"
    elif isinstance(tid, h5py.h5t.TypeIntegerID):
        kind = "int"
    elif isinstance(tid, h5py.h5t.TypeFloatID):
        kind = "float"
    else:
        kind = f"HDF5 type class {tid.get_class()}"
    if shape != ():
        return f"{kind} array of shape {shape}"
    return kind


def _attr_kind_py(v) -> str:
    if isinstance(v, str):
        return "str"
    if _is_int_value(v):
        return "int"
    if _is_float_value(v):
        return "float"
    return f"Python {type(v).__name__}"


def _attrs_from_h5(obj) -> _AttrView:
    values, kinds = {}, {}
    for name in obj.attrs.keys():
        kinds[name] = _attr_kind_h5(obj.attrs, name)
        try:
            values[name] = obj.attrs[name]
        except Exception as exc:  # unreadable attribute type
            values[name] = None
            kinds[name] = f"unreadable ({exc})"
    return _AttrView(values, kinds)


def _attrs_from_dict(d: Dict[str, object]) -> _AttrView:
    return _AttrView(dict(d), {k: _attr_kind_py(v) for k, v in d.items()})


def _check_attr(where: str, view: _AttrView, name: str, kind: str, problems: List[str],
                required: bool = True):
    """Check presence and kind of one attribute; return its value or None."""
    if name not in view.kinds:
        if required:
            problems.append(f"{where}: missing attribute '{name}' (expected {_KIND_TEXT[kind]})")
        return None
    got = view.kinds[name]
    if got != kind:
        problems.append(f"{where}: attribute '{name}' must be {_KIND_TEXT[kind]}, got {got}")
        return None
    return view.values[name]


_KIND_TEXT = {
    "str": "a scalar variable-length UTF-8 string",
    "int": "a scalar integer",
    "float": "a scalar float",
}


def _check_root(where: str, view: _AttrView, problems: List[str]):
    for name in ROOT_STR_ATTRS:
        v = _check_attr(where, view, name, "str", problems)
        if v is not None and name in ("network", "description") and not v.strip():
            problems.append(f"{where}: attribute '{name}' must not be empty")
    src = view.values.get("source")
    if view.kinds.get("source") == "str" and src not in SOURCES:
        problems.append(f"{where}: attribute 'source' must be one of {SOURCES}, got {src!r}")
    ver = _check_attr(where, view, "format_version", "int", problems)
    if ver is not None and int(ver) not in READ_VERSIONS:
        problems.append(f"{where}: attribute 'format_version' must be one of {READ_VERSIONS}, got {int(ver)}")
    _check_attr(where, view, "metric", "str", problems, required=False)
    have_metric_value = False
    for name in ROOT_OPTIONAL_FLOAT_ATTRS:
        v = _check_attr(where, view, name, "float", problems, required=False)
        if v is not None:
            have_metric_value = True
            if not math.isfinite(float(v)):
                problems.append(f"{where}: attribute '{name}' must be finite, got {v}")
    if have_metric_value and "metric" not in view.values:
        problems.append(f"{where}: attribute 'metric' (a scalar variable-length UTF-8 string naming the "
                        f"metric, e.g. 'accuracy') is required when float_metric/int8_metric is present")


def _memory_limit_bytes() -> int:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return 1 << 40


def _check_dataset(where: str, name: str, ds, rank: int, layout: str, bits: Optional[int],
                   bits_attr: str, problems: List[str]):
    """Check dtype, rank and value range of one dataset. Return its shape or None."""
    if ds is None:
        problems.append(f"{where}: missing dataset '{name}' (expected integer array {layout})")
        return None
    if ds is _NOT_A_DATASET:
        problems.append(f"{where}: '{name}' must be a dataset (integer array {layout}), found a group")
        return None
    dt = np.dtype(ds.dtype)
    if dt not in ALLOWED_DTYPES:
        problems.append(f"{where}: dataset '{name}' has dtype {dt}, expected an integer dtype "
                        f"({', '.join(str(d) for d in ALLOWED_DTYPES)})")
        return None
    shape = tuple(int(s) for s in ds.shape)
    if len(shape) != rank:
        problems.append(f"{where}: dataset '{name}' must have rank {rank} {layout}, "
                        f"got rank {len(shape)} with shape {shape}")
        return None
    if any(s == 0 for s in shape):
        problems.append(f"{where}: dataset '{name}' {layout} has an empty dimension, shape {shape}")
        return None
    # Checked before reading, as trsim does: a declared [2^62, 8] must not reach numpy.
    elements = math.prod(shape)
    if elements * 8 > _memory_limit_bytes():
        problems.append(f"{where}: dataset '{name}' {layout} shape {shape} has {elements} elements, more than "
                        f"this machine's memory ({_memory_limit_bytes() >> 20} MiB) holds as int64")
        return None
    if bits is not None:
        values = np.asarray(ds[()]).astype(np.int64)
        bound = (1 << bits) - 1
        bad = np.abs(values) > bound
        nbad = int(bad.sum())
        if nbad:
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            problems.append(
                f"{where}: dataset '{name}' has {nbad} value(s) out of range for {bits_attr}={bits} "
                f"(sign-magnitude, expected |v| <= {bound}); min {int(values.min())}, max {int(values.max())}, "
                f"first at {first} = {int(values[first])}")
    return shape


def _check_bias(where: str, ds, w_shape, problems: List[str]):
    """Optional float dataset 'bias' [N]."""
    if ds is _NOT_A_DATASET:
        problems.append(f"{where}: 'bias' must be a dataset (float array [N]), found a group")
        return
    dt = np.dtype(ds.dtype)
    if dt.kind != "f":
        problems.append(f"{where}: dataset 'bias' has dtype {dt}, expected a float dtype (float32 or float64)")
        return
    shape = tuple(int(s) for s in ds.shape)
    if len(shape) != 1:
        problems.append(f"{where}: dataset 'bias' must have rank 1 [N], got shape {shape}")
        return
    if w_shape is not None and shape[0] != w_shape[0]:
        problems.append(f"{where}: dataset 'bias' has {shape[0]} values but weights have N={w_shape[0]} "
                        f"output rows")
    if not np.all(np.isfinite(np.asarray(ds[()]))):
        problems.append(f"{where}: dataset 'bias' has non-finite values")


def _check_tr_table(where: str, view: _AttrView, columns: Dict[str, object], problems: List[str]):
    """Optional group /tr_accuracy: attrs metric, description; equal-length 1-D columns TR_COLUMNS."""
    where = f"{where}: group '/tr_accuracy'"
    _check_attr(where, view, "metric", "str", problems)
    _check_attr(where, view, "description", "str", problems)
    lengths = {}
    for name in TR_COLUMNS:
        ds = columns.get(name)
        if ds is None or ds is _NOT_A_DATASET:
            problems.append(f"{where}: missing dataset '{name}' (a 1-D column)")
            continue
        values = np.asarray(ds[()])
        if values.ndim != 1:
            problems.append(f"{where}: dataset '{name}' must be 1-D, got shape {values.shape}")
            continue
        lengths[name] = len(values)
        if name in TR_STR_COLUMNS:
            texts = [v.decode("utf-8") if isinstance(v, bytes) else v for v in values.tolist()]
            bad = sorted({t for t in texts if t not in ENCODINGS}, key=str)
            if bad:
                problems.append(f"{where}: dataset '{name}' has unknown encodings {bad}, expected one of "
                                f"{ENCODINGS}")
        elif name in TR_INT_COLUMNS:
            if values.dtype.kind not in "iu":
                problems.append(f"{where}: dataset '{name}' must be integer, got {values.dtype}")
                continue
            lo = -1 if name.endswith("budget") else 1
            if values.size and int(values.min()) < lo:
                problems.append(f"{where}: dataset '{name}' values must be >= {lo}"
                                f"{' (-1 = no budget)' if lo < 0 else ''}, got {int(values.min())}")
        else:
            if values.dtype.kind != "f" or not np.all(np.isfinite(values)):
                problems.append(f"{where}: dataset 'value' must hold finite floats")
    if len(set(lengths.values())) > 1:
        problems.append(f"{where}: columns differ in length: {lengths}")


def _check_published(where: str, view: _AttrView, columns: Dict[str, object], problems: List[str]):
    """Optional group /published_accuracy: attrs metric, source, description (strings, metric and source not
    empty); equal-length 1-D columns key, setting (strings; keys unique where not empty), value (finite)."""
    where = f"{where}: group '/published_accuracy'"
    for name in ("metric", "source", "description"):
        _check_attr(where, view, name, "str", problems)
    for name in ("metric", "source"):
        v = view.values.get(name)
        if isinstance(v, str) and not v.strip():
            problems.append(f"{where}: attribute '{name}' must not be empty")
    lengths = {}
    for name in PUBLISHED_COLUMNS:
        ds = columns.get(name)
        if ds is None or ds is _NOT_A_DATASET:
            problems.append(f"{where}: missing dataset '{name}' (a 1-D column)")
            continue
        values = np.asarray(ds[()])
        if values.ndim != 1:
            problems.append(f"{where}: dataset '{name}' must be 1-D, got shape {values.shape}")
            continue
        lengths[name] = len(values)
        if name == "value":
            if values.dtype.kind != "f" or not np.all(np.isfinite(values)):
                problems.append(f"{where}: dataset 'value' must hold finite floats")
            continue
        texts = [v.decode("utf-8") if isinstance(v, bytes) else v for v in values.tolist()]
        if not all(isinstance(t, str) for t in texts):
            problems.append(f"{where}: dataset '{name}' must hold strings")
            continue
        if name == "key":
            keys = [t for t in texts if t]
            dup = sorted({k for k in keys if keys.count(k) > 1})
            if dup:
                problems.append(f"{where}: dataset 'key' repeats {dup}: one row per setting")
    if len(set(lengths.values())) > 1:
        problems.append(f"{where}: columns differ in length: {lengths}")


def _check_test_set(where: str, model: Dict[str, object], problems: List[str]):
    """The optional stored test set (``test_inputs`` [N, ...], ``test_labels`` [N] integer class indices;
    ``test_inputs_divisor`` when the inputs are stored as integers). ``model`` holds arrays or datasets."""
    has_x, has_y = "test_inputs" in model, "test_labels" in model
    if not has_x and not has_y:
        return
    w = f"{where}: group '/model'"
    if has_x != has_y:
        problems.append(f"{w}: 'test_inputs' and 'test_labels' come together, found only "
                        f"{'test_inputs' if has_x else 'test_labels'}")
        return
    x, y = model["test_inputs"], model["test_labels"]
    if not hasattr(x, "shape") or not hasattr(y, "shape"):
        problems.append(f"{w}: 'test_inputs' and 'test_labels' must be datasets")
        return
    if len(y.shape) != 1 or len(x.shape) < 2 or x.shape[0] != y.shape[0] or y.dtype.kind not in "iu":
        problems.append(f"{w}: 'test_labels' must be N integer class indices for 'test_inputs' [N, ...], got "
                        f"{y.dtype} {tuple(y.shape)} for {tuple(x.shape)}")
    if "test_inputs_divisor" in model and x.dtype.kind not in "iu":
        problems.append(f"{w}: 'test_inputs_divisor' needs integer 'test_inputs', got {x.dtype}")


def _check_model(where: str, model: Dict[str, object], layer_names: List[str], version, problems: List[str]):
    """The ``graph`` architecture (version 2): a valid graph over exactly the trace's layers."""
    _check_test_set(where, model, problems)
    if model.get("architecture") != "graph":
        return
    if version != 2:
        problems.append(f"{where}: group '/model': architecture 'graph' needs format_version 2, got {version}")
    if not isinstance(model.get("graph"), str):
        problems.append(f"{where}: group '/model': architecture 'graph' needs the string attribute 'graph' "
                        f"(JSON list of nodes, trsim_trace/graph.py)")
        return
    from .graph import check_graph, json
    try:
        nodes = json.loads(model["graph"])
    except json.JSONDecodeError as exc:
        problems.append(f"{where}: group '/model': attribute 'graph' is not valid JSON: {exc}")
        return
    problems.extend(check_graph(nodes, layer_names, f"{where}: group '/model': attribute 'graph'"))


def _check_layer(where: str, view: _AttrView, datasets: Dict[str, object], problems: List[str]):
    """Check one layer. Return its index (int) or None."""
    role = view.values.get("role")
    if role is not None and role not in LAYER_ROLES:
        problems.append(f"{where}: attribute 'role' must be one of {LAYER_ROLES}, got {role!r}")
    ltype = _check_attr(where, view, "type", "str", problems)
    if ltype is not None and ltype not in LAYER_TYPES:
        problems.append(f"{where}: attribute 'type' is unknown: {ltype!r}, expected one of {LAYER_TYPES}")
        ltype = None
    ints = {}
    for name in LAYER_INT_ATTRS:
        v = _check_attr(where, view, name, "int", problems)
        ints[name] = None if v is None else int(v)
    index = ints["index"]
    if index is not None and index < 0:
        problems.append(f"{where}: attribute 'index' must be >= 0, got {index}")
        index = None
    for name in ("w_bits", "x_bits"):
        b = ints[name]
        if b is not None and not 1 <= b <= MAX_BITS:
            problems.append(f"{where}: attribute '{name}' must be in 1..{MAX_BITS} (magnitude bits), got {b}")
            ints[name] = None
    for name in LAYER_FLOAT_ATTRS:
        v = _check_attr(where, view, name, "float", problems)
        if v is not None and not (math.isfinite(float(v)) and float(v) > 0):
            problems.append(f"{where}: attribute '{name}' must be a finite float > 0, got {float(v)}")
    if ltype is not None:
        for name in TYPE_INT_ATTRS[ltype]:
            v = _check_attr(where, view, name, "int", problems)
            ints[name] = None if v is None else int(v)
            if v is not None:
                lo = 0 if name == "padding" else 1
                if int(v) < lo:
                    problems.append(f"{where}: attribute '{name}' must be >= {lo}, got {int(v)}")
                    ints[name] = None

    # datasets; without a known type we cannot know the expected rank: check dtype/range only
    rank = DATASET_RANKS.get(ltype)
    shapes = {}
    for name, bits_attr in (("weights", "w_bits"), ("inputs", "x_bits")):
        ds = datasets.get(name)
        layout = DATASET_LAYOUT[ltype][name] if ltype else "(rank depends on type)"
        if rank is None:
            if ds is None or ds is _NOT_A_DATASET:
                problems.append(f"{where}: missing dataset '{name}'")
            continue
        shapes[name] = _check_dataset(where, name, ds, rank, layout, ints[bits_attr], bits_attr, problems)

    w, x = shapes.get("weights"), shapes.get("inputs")
    if "bias" in datasets:
        _check_bias(where, datasets["bias"], w, problems)
    if w is None or x is None:
        return index
    if ltype in ("fc", "lstm"):
        if w[1] != x[1]:
            problems.append(f"{where}: K mismatch: weights [N, K] = {list(w)} has K={w[1]} but "
                            f"inputs [M, K] = {list(x)} has K={x[1]}")
        if ltype == "lstm" and ints.get("hidden_size") is not None and w[0] != 4 * ints["hidden_size"]:
            problems.append(f"{where}: lstm weights [N, K] = {list(w)} must have N = 4*hidden_size = "
                            f"{4 * ints['hidden_size']} (gates i, f, g, o stacked)")
    elif ltype == "conv":
        groups, stride, pad = ints.get("groups"), ints.get("stride"), ints.get("padding")
        c = x[1]
        if groups is not None:
            if c % groups:
                problems.append(f"{where}: inputs [B, C, H, W] = {list(x)}: C={c} is not divisible by "
                                f"groups={groups}")
            elif w[1] != c // groups:
                problems.append(f"{where}: C mismatch: weights [N, C/groups, KH, KW] = {list(w)} has "
                                f"C/groups={w[1]} but inputs [B, C, H, W] = {list(x)} with groups={groups} "
                                f"needs C/groups={c // groups}")
            if w[0] % groups:
                problems.append(f"{where}: weights [N, C/groups, KH, KW] = {list(w)}: N={w[0]} is not "
                                f"divisible by groups={groups}")
        if stride is not None and pad is not None:
            for dim, size, k in (("H", x[2], w[2]), ("W", x[3], w[3])):
                if size + 2 * pad < k:
                    problems.append(f"{where}: kernel {dim}={k} larger than padded input {dim}={size}+2*{pad}")
    return index


def _check_indices(where: str, indices: Dict[str, Optional[int]], problems: List[str]):
    by_index: Dict[int, List[str]] = {}
    for name, idx in indices.items():
        if idx is not None:
            by_index.setdefault(idx, []).append(name)
    for idx, names in sorted(by_index.items()):
        if len(names) > 1:
            problems.append(f"{where}: duplicate layer index {idx} in layers "
                            f"{', '.join(repr(n) for n in names)}")
    n = len(indices)
    if all(i is not None for i in indices.values()):
        missing = [i for i in range(n) if i not in by_index]
        if missing:
            problems.append(f"{where}: layer indices must be exactly 0..{n - 1} (one per layer); missing "
                            f"{missing}, present {sorted(by_index)}")


# --------------------------------------------------------------------------- public API

def check_file(path: str) -> List[str]:
    """Return the list of problems of a trace file (empty when valid)."""
    where = str(path)
    problems: List[str] = []
    try:
        f = h5py.File(path, "r")
    except Exception as exc:
        return [f"{where}: cannot open as HDF5: {exc}"]
    with f:
        _check_root(where, _attrs_from_h5(f), problems)
        if "layers" not in f:
            problems.append(f"{where}: missing group '/layers'")
            return problems
        layers = f["layers"]
        if not isinstance(layers, h5py.Group):
            problems.append(f"{where}: '/layers' must be a group")
            return problems
        if len(layers) == 0:
            problems.append(f"{where}: group '/layers' has no layers")
        indices: Dict[str, Optional[int]] = {}
        for name in layers.keys():
            lwhere = f"{where}: layer '{name}'"
            obj = layers[name]
            if not isinstance(obj, h5py.Group):
                problems.append(f"{lwhere}: every member of '/layers' must be a group")
                continue
            datasets = {}
            for dname in ("weights", "inputs", "bias"):
                if dname in obj:
                    member = obj[dname]
                    datasets[dname] = member if isinstance(member, h5py.Dataset) else _NOT_A_DATASET
            indices[name] = _check_layer(lwhere, _attrs_from_h5(obj), datasets, problems)
        _check_indices(where, indices, problems)
        if "model" in f and not isinstance(f["model"], h5py.Group):
            problems.append(f"{where}: '/model' must be a group")
        elif "model" in f:
            entries = {k: _py(v) for k, v in f["model"].attrs.items()}
            entries.update({k: ds for k, ds in f["model"].items() if k in ("test_inputs", "test_labels")})
            _check_model(where, entries, list(layers.keys()), _py(f.attrs.get("format_version")), problems)
        if "tr_accuracy" in f:
            tr = f["tr_accuracy"]
            if not isinstance(tr, h5py.Group):
                problems.append(f"{where}: '/tr_accuracy' must be a group")
            else:
                columns = {n: (tr[n] if isinstance(tr[n], h5py.Dataset) else _NOT_A_DATASET)
                           for n in TR_COLUMNS if n in tr}
                _check_tr_table(where, _attrs_from_h5(tr), columns, problems)
        if "published_accuracy" in f:
            pub = f["published_accuracy"]
            if not isinstance(pub, h5py.Group):
                problems.append(f"{where}: '/published_accuracy' must be a group")
            else:
                columns = {n: (pub[n] if isinstance(pub[n], h5py.Dataset) else _NOT_A_DATASET)
                           for n in PUBLISHED_COLUMNS if n in pub}
                _check_published(where, _attrs_from_h5(pub), columns, problems)
    return problems


def validate_file(path: str) -> None:
    """Raise :class:`TraceError` listing every problem if the file is not a valid trace."""
    problems = check_file(path)
    if problems:
        raise TraceError(problems)


def _root_attrs(trace: Trace) -> Dict[str, object]:
    d: Dict[str, object] = {
        "network": trace.network,
        "source": trace.source,
        "format_version": trace.format_version,
        "description": trace.description,
    }
    if trace.metric is not None:
        d["metric"] = trace.metric
    for name in ROOT_OPTIONAL_FLOAT_ATTRS:
        v = getattr(trace, name)
        if v is not None:
            d[name] = _as_float(v)
    d.update(trace.extra_attrs)
    return d


def _layer_attrs(layer: Layer, index: int) -> Dict[str, object]:
    d: Dict[str, object] = {
        "index": index,
        "type": layer.type,
        "w_scale": _as_float(layer.w_scale),
        "x_scale": _as_float(layer.x_scale),
        "w_bits": layer.w_bits,
        "x_bits": layer.x_bits,
    }
    for name in ("stride", "padding", "groups", "hidden_size"):
        v = getattr(layer, name)
        if v is not None:
            d[name] = v
    d.update(layer.extra_attrs)
    return d


def check_trace(trace: Trace, where: str = "<trace>") -> List[str]:
    """Problems of an in-memory trace (same checks as :func:`check_file`)."""
    problems: List[str] = []
    _check_root(where, _attrs_from_dict(_root_attrs(trace)), problems)
    if not trace.layers:
        problems.append(f"{where}: trace has no layers")
    names = [layer.name for layer in trace.layers]
    for name in set(names):
        if names.count(name) > 1:
            problems.append(f"{where}: duplicate layer name {name!r}")
    for i, layer in enumerate(trace.layers):
        lwhere = f"{where}: layer {layer.name!r}"
        if not layer.name or "/" in layer.name or layer.name in (".", ".."):
            problems.append(f"{lwhere}: invalid layer name (must be non-empty, without '/')")
        datasets = {}
        for dname in ("weights", "inputs", "bias"):
            arr = getattr(layer, dname)
            if arr is not None:
                arr = np.asarray(arr)
                if dname != "bias" and arr.dtype.kind in "iu" and arr.dtype not in ALLOWED_DTYPES and arr.size:
                    # the writer converts to the smallest fitting dtype
                    try:
                        arr = arr.astype(smallest_dtype(arr))
                    except TraceError as exc:
                        problems.append(f"{lwhere}: dataset '{dname}': {exc}")
                        continue
                datasets[dname] = arr
        _check_layer(lwhere, _attrs_from_dict(_layer_attrs(layer, i)), datasets, problems)
    if trace.model is not None:
        for k, v in trace.model.items():
            if not (isinstance(v, (str, np.ndarray)) or _is_int_value(v) or _is_float_value(v)
                    or (isinstance(v, (list, tuple)) and all(isinstance(s, str) for s in v))):
                problems.append(f"{where}: group '/model': entry {k!r} must be a str, int, float, numpy array "
                                f"or list of str, got {type(v).__name__}")
        _check_model(where, trace.model, [la.name for la in trace.layers], trace.format_version, problems)
    if trace.tr_accuracy is not None:
        tra = trace.tr_accuracy
        _check_tr_table(where, _attrs_from_dict({"metric": tra.metric, "description": tra.description}),
                        _tr_columns(tra), problems)
    if trace.published_accuracy is not None:
        pa = trace.published_accuracy
        _check_published(where, _attrs_from_dict({"metric": pa.metric, "source": pa.source,
                                                  "description": pa.description}),
                         _published_columns(pa), problems)
    return problems


def _published_columns(pa: "PublishedAccuracy") -> Dict[str, np.ndarray]:
    return {"key": np.array([r.key for r in pa.rows], dtype=object),
            "setting": np.array([r.setting for r in pa.rows], dtype=object),
            "value": np.array([r.value for r in pa.rows], dtype=np.float64)}


def _tr_columns(tra: "TrAccuracy") -> Dict[str, np.ndarray]:
    cols: Dict[str, np.ndarray] = {}
    for name in TR_COLUMNS:
        values = [getattr(p, name) for p in tra.points]
        if name in TR_STR_COLUMNS:
            cols[name] = np.array(values, dtype=object)
        elif name in TR_INT_COLUMNS:
            cols[name] = np.array([-1 if v is None else int(v) for v in values], dtype=np.int64)
        else:
            cols[name] = np.array(values, dtype=np.float64)
    return cols


def _as_float(v):
    """Real numbers (ints included) become float; anything else is left for the checks to reject."""
    if _is_int_value(v) or _is_float_value(v):
        return float(v)
    return v


def _to_h5_attr(v):
    """Python/numpy scalar -> the HDF5 attr value written (int64, float64 or vlen UTF-8 str)."""
    if isinstance(v, str):
        return v
    if _is_int_value(v):
        return np.int64(v)
    if _is_float_value(v):
        return np.float64(v)
    raise TraceError([f"unsupported attribute value {v!r} of type {type(v).__name__}"])


# The writer creates the file and its groups with the same property lists as h5py's track_order=True
# (link and attribute creation order tracked and indexed) and additionally switches off object
# timestamps, so that writing the same trace twice gives byte-identical files.
_ORDER = h5py.h5p.CRT_ORDER_TRACKED | h5py.h5p.CRT_ORDER_INDEXED


def _create_file(path: str) -> h5py.File:
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    fcpl.set_link_creation_order(_ORDER)
    fcpl.set_attr_creation_order(_ORDER)
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_fclose_degree(h5py.h5f.CLOSE_STRONG)
    fid = h5py.h5f.create(os.fsencode(path), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
    return h5py.File(fid)


def _create_group(parent: h5py.Group, name: str) -> h5py.Group:
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    gcpl.set_link_creation_order(_ORDER)
    gcpl.set_attr_creation_order(_ORDER)
    lcpl = h5py.h5p.create(h5py.h5p.LINK_CREATE)
    lcpl.set_char_encoding(h5py.h5t.CSET_UTF8)
    return h5py.Group(h5py.h5g.create(parent.id, name.encode("utf-8"), lcpl=lcpl, gcpl=gcpl))


def write_trace(path: str, trace: Trace, compression_level: int = 9) -> None:
    """Validate ``trace`` and write it to ``path`` (atomically: temp file + rename).

    Layer ``index`` is the position in ``trace.layers``. Datasets are stored with the smallest dtype that
    holds their values (uint8/uint16/int32 for non-negative data, int8/int16/int32 otherwise), gzip
    compressed (chunked, deflate level ``compression_level``).
    """
    problems = check_trace(trace, where=str(path))
    if problems:
        raise TraceError(problems)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".h5.tmp", dir=directory)
    os.close(fd)
    try:
        with _create_file(tmp) as f:
            for k, v in _root_attrs(trace).items():
                f.attrs[k] = _to_h5_attr(v)
            layers = _create_group(f, "layers")
            for i, layer in enumerate(trace.layers):
                g = _create_group(layers, layer.name)
                for k, v in _layer_attrs(layer, i).items():
                    g.attrs[k] = _to_h5_attr(v)
                for dname in ("weights", "inputs"):
                    arr = np.asarray(getattr(layer, dname))
                    arr = np.ascontiguousarray(arr.astype(smallest_dtype(arr)))
                    g.create_dataset(dname, data=arr, compression="gzip",
                                     compression_opts=compression_level, track_times=False)
                if layer.bias is not None:
                    bias = np.asarray(layer.bias)
                    g.create_dataset("bias", data=bias.astype(bias.dtype if bias.dtype == np.float64
                                                              else np.float32),
                                     compression="gzip", compression_opts=compression_level, track_times=False)
            if trace.model is not None:
                g = _create_group(f, "model")
                for k, v in sorted(trace.model.items()):  # sorted: the bytes do not depend on dict order
                    if isinstance(v, np.ndarray) or isinstance(v, (list, tuple)):
                        _write_dataset(g, k, v, compression_level)
                    else:
                        g.attrs[k] = _to_h5_attr(v)
            if trace.tr_accuracy is not None:
                g = _create_group(f, "tr_accuracy")
                g.attrs["metric"] = trace.tr_accuracy.metric
                g.attrs["description"] = trace.tr_accuracy.description
                for k, v in _tr_columns(trace.tr_accuracy).items():
                    _write_dataset(g, k, v, 0)
            if trace.published_accuracy is not None:
                pa = trace.published_accuracy
                g = _create_group(f, "published_accuracy")
                for name in ("metric", "source", "description"):
                    g.attrs[name] = getattr(pa, name)
                for k, v in _published_columns(pa).items():
                    _write_dataset(g, k, v, 0)
        validate_file(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions of a new file
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _write_dataset(group: h5py.Group, name: str, values, compression_level: int):
    """Numeric arrays keep their dtype (gzip compressed); lists / object arrays of str are vlen UTF-8."""
    arr = np.asarray(values) if not isinstance(values, (list, tuple)) else None
    if arr is None or arr.dtype == object or arr.dtype.kind == "U":
        texts = [str(v) for v in (values if arr is None else arr.tolist())]
        group.create_dataset(name, data=np.array(texts, dtype=object), dtype=h5py.string_dtype("utf-8"),
                             track_times=False)
        return
    kw = dict(compression="gzip", compression_opts=compression_level) if compression_level and arr.size > 16 \
        else {}
    group.create_dataset(name, data=np.ascontiguousarray(arr), track_times=False, **kw)


def _read_dataset(ds: h5py.Dataset):
    if h5py.check_string_dtype(ds.dtype) is not None:
        return [v.decode("utf-8") if isinstance(v, bytes) else v for v in ds[()].tolist()]
    return ds[()]


def read_tr_accuracy(group: h5py.Group) -> TrAccuracy:
    cols = {n: _read_dataset(group[n]) for n in TR_COLUMNS}
    points = []
    for i in range(len(cols["value"])):
        row = {}
        for n in TR_COLUMNS:
            v = cols[n][i]
            if n in TR_INT_COLUMNS:
                v = int(v)
                if n.endswith("budget") and v < 0:
                    v = None
            elif n == "value":
                v = float(v)
            row[n] = v
        points.append(TrPoint(**row))
    return TrAccuracy(metric=_py(group.attrs["metric"]), description=_py(group.attrs["description"]),
                      points=points)


def read_published_accuracy(group: h5py.Group) -> PublishedAccuracy:
    cols = {n: _read_dataset(group[n]) for n in PUBLISHED_COLUMNS}
    rows = [PublishedRow(key=cols["key"][i], setting=cols["setting"][i], value=float(cols["value"][i]))
            for i in range(len(cols["value"]))]
    return PublishedAccuracy(metric=_py(group.attrs["metric"]), source=_py(group.attrs["source"]),
                             description=_py(group.attrs["description"]), rows=rows)


def _py(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def read_trace(path: str, validate: bool = True) -> Trace:
    """Read a trace; layers are sorted by their ``index`` attribute."""
    if validate:
        validate_file(path)
    known_root = set(ROOT_STR_ATTRS) | {"format_version", "metric"} | set(ROOT_OPTIONAL_FLOAT_ATTRS)
    known_layer = set(LAYER_INT_ATTRS) | set(LAYER_FLOAT_ATTRS) | {"type", "stride", "padding", "groups",
                                                                   "hidden_size"}
    with h5py.File(path, "r") as f:
        ra = {k: _py(v) for k, v in f.attrs.items()}
        layers = []
        for name, g in f["layers"].items():
            la = {k: _py(v) for k, v in g.attrs.items()}
            layers.append((la.get("index"), Layer(
                name=name, type=la.get("type"), weights=g["weights"][()], inputs=g["inputs"][()],
                w_scale=la.get("w_scale"), x_scale=la.get("x_scale"),
                w_bits=la.get("w_bits"), x_bits=la.get("x_bits"),
                stride=la.get("stride"), padding=la.get("padding"), groups=la.get("groups"),
                hidden_size=la.get("hidden_size"),
                bias=g["bias"][()] if "bias" in g else None,
                extra_attrs={k: v for k, v in la.items() if k not in known_layer})))
        model = None
        if "model" in f:
            model = {k: _py(v) for k, v in f["model"].attrs.items()}
            model.update({k: _read_dataset(ds) for k, ds in f["model"].items() if isinstance(ds, h5py.Dataset)})
        tr_accuracy = read_tr_accuracy(f["tr_accuracy"]) if "tr_accuracy" in f else None
        published = read_published_accuracy(f["published_accuracy"]) if "published_accuracy" in f else None
    layers.sort(key=lambda t: (t[0] is None, t[0] if t[0] is not None else 0))
    return Trace(network=ra.get("network"), source=ra.get("source"), description=ra.get("description"),
                 layers=[layer for _, layer in layers], metric=ra.get("metric"),
                 float_metric=ra.get("float_metric"), int8_metric=ra.get("int8_metric"),
                 format_version=ra.get("format_version"),
                 extra_attrs={k: v for k, v in ra.items() if k not in known_root},
                 model=model, tr_accuracy=tr_accuracy, published_accuracy=published)
