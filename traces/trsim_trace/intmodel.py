"""The integer model of a trained trace under any setting, fast: what the accuracy scorer runs.

A trace's integer model (its layers' integer weights and scales, float biases, the ``/model`` graph or
architecture) is re-run on a test set with trsim's operand rules on every layer the array computes: weights
re-quantized (QT, contract 1) then revealed by TR along their lowered rows, once per setting; the layer's
input quantized as in the int8 model, re-quantized with the fixed QT shift of the trace's stored inputs
(a calibrated hardware quantizer), then revealed by TR on the rows the array receives; the integer product
rescaled by ``w_scale * x_scale * 2^(s_w + s_d)``, then the float bias, activations, pooling, residual adds,
exactly as ``tr_accuracy.py`` (the reference implementation, kept as the oracle) does.

Why it is fast, and still exact:

* QT and TR on the data are elementwise when TR's data group is one value (the usual case, and the
  paper's): one lookup table over the quantized input's few hundred integers, applied before the
  convolution (im2col only copies values and its padding is zeros, which every rule keeps at zero). A data
  group of g > 1 values along the lowered rows (kh, kw, c) lies within one pixel's channels when the
  layer's channels per group are a multiple of g: revealed pixel by pixel; otherwise the lowered rows are
  built and revealed.
* The tables and reveals are the simulator's own code (``functional.py``, the C ABI over
  modules/functional); the numpy oracle ``tr.py`` serves only when no trsim build is found.
* The integer convolutions and matrix products run as float32 (PyTorch's conv2d, BLAS): every product and
  partial sum of integers is exact while ``max|x| * max|w| * K < 2^24``; a larger reduction is cut into
  channel blocks that each stay below it, summed in float64 (exact below 2^53). Without PyTorch the
  convolutions are lowered and multiplied with numpy (slower, the same numbers).
* Everything after the integer accumulator is the reference's float64 numpy code on the same values and
  memory layout, so the logits are bit for bit those of ``tr_accuracy`` (tested).

Settings are per layer (``{layer name: Setting}``; one ``Setting`` means every layer): a layer's prepared
operands are cached by (layer, setting key), so changing one layer's setting prepares only that layer, and
``prefix`` / ``logits_from`` resume a graph at a layer from the cached activations of the unchanged layers
before it (the building blocks of a per-layer search).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Optional, Union

import numpy as np

from . import functional as F
from .format import Layer, Trace
from .graph import ACTIVATIONS, apply_op, live_tensors, parse_graph
from .setting import EXACT, Setting
from .tr import Coding, conv_patches

X_QMAX_UNSIGNED = 255
X_QMAX_SIGNED = 127
DOMAIN = 255                      # quantized layer inputs lie in [-DOMAIN, DOMAIN]
F32_EXACT = float(1 << 24)        # integers below this add and multiply exactly in float32
F64_EXACT = float(1 << 53)

Settings = Union[Setting, Mapping[str, Setting]]
Progress = Optional[Callable[[int, int], None]]


# --------------------------------------------------------------------------- PyTorch (optional)

_TORCH = None


def _torch():
    """PyTorch when installed (Debian python3-torch), else None (numpy convolutions)."""
    global _TORCH
    if _TORCH is None:
        try:
            import torch
            _TORCH = torch
        except ImportError:
            _TORCH = False
    return _TORCH or None


def set_threads(threads: Optional[int]) -> int:
    """How many batches the scorer runs at once (``threads``, default every core); PyTorch then keeps to one
    thread per batch. Batches in threads: numpy and PyTorch release the GIL in their loops, so the
    elementwise work uses every core too, not only the convolutions. Returns the worker count."""
    workers = max(1, threads or os.cpu_count() or 1)
    torch = _torch()
    if torch is not None:
        torch.set_num_threads(1)
    return workers


# --------------------------------------------------------------------------- exact integer products

def _conv_f32(x: np.ndarray, w: np.ndarray, stride: int, padding: int, groups: int) -> np.ndarray:
    """float32 convolution of integer-valued x [B, C, H, W] and w [N, C/groups, KH, KW] (the caller keeps it
    exact). PyTorch runs it channels-last (its fastest layout here): x is best a view of a [B, H, W, C] array;
    the result is [B, N, OH, OW] over [B, OH, OW, N] memory."""
    torch = _torch()
    if torch is not None:
        with torch.no_grad():
            xt = torch.from_numpy(x.astype(np.float32, copy=False)).contiguous(memory_format=torch.channels_last)
            wt = torch.from_numpy(w.astype(np.float32, copy=False)).contiguous(memory_format=torch.channels_last)
            y = torch.nn.functional.conv2d(xt, wt, None, stride, padding, 1, groups)
        return y.permute(0, 2, 3, 1).contiguous().numpy().transpose(0, 3, 1, 2)
    b = x.shape[0]
    n, cg, kh, kw = w.shape
    cols, (oh, ow) = conv_patches(x.astype(np.float32), kh, kw, stride, padding)
    ng = n // groups
    out = np.empty((b * oh * ow, n), dtype=np.float32)
    for gi in range(groups):
        xr = cols[..., gi * cg:(gi + 1) * cg].reshape(b * oh * ow, kh * kw * cg)
        wr = w[gi * ng:(gi + 1) * ng].transpose(0, 2, 3, 1).reshape(ng, kh * kw * cg).astype(np.float32)
        out[:, gi * ng:(gi + 1) * ng] = xr @ wr.T
    return out.reshape(b, oh, ow, n).transpose(0, 3, 1, 2)


def exact_conv(x: np.ndarray, w: np.ndarray, stride: int, padding: int, groups: int, x_max: int,
               w_max: int) -> np.ndarray:
    """Exact integer convolution [B, N, OH, OW] (x, w integer-valued; |x| <= x_max, |w| <= w_max): float32
    when one float32 convolution is exact, else float64 sums of exact channel blocks."""
    n, cg, kh, kw = w.shape
    per_channel = float(x_max) * float(w_max) * kh * kw
    if per_channel * cg < F32_EXACT:
        return _conv_f32(x, w, stride, padding, groups)
    if per_channel * cg >= F64_EXACT:
        raise ValueError(f"integer convolution too wide to compute exactly (|x| {x_max}, |w| {w_max}, K {cg * kh * kw})")
    step = int((F32_EXACT - 1) // per_channel) if per_channel < F32_EXACT else 0
    ng = n // groups
    parts = []
    for gi in range(groups):
        xs, ws = x[:, gi * cg:(gi + 1) * cg], w[gi * ng:(gi + 1) * ng]
        if step < 1:  # even one channel is too wide for float32: float64 products (exact below 2^53)
            parts.append(_conv_f64(xs, ws, stride, padding))
            continue
        acc = None
        for c0 in range(0, cg, step):
            y = _conv_f32(xs[:, c0:c0 + step], ws[:, c0:c0 + step], stride, padding, 1).astype(np.float64)
            acc = y if acc is None else acc + y
        parts.append(acc)
    return parts[0] if groups == 1 else np.concatenate(parts, axis=1)


def _conv_f64(x, w, stride, padding):
    torch = _torch()
    if torch is not None:
        with torch.no_grad():
            return torch.nn.functional.conv2d(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64)),
                                              torch.from_numpy(np.ascontiguousarray(w, dtype=np.float64)),
                                              None, stride, padding).numpy()
    b = x.shape[0]
    n, cg, kh, kw = w.shape
    cols, (oh, ow) = conv_patches(x.astype(np.float64), kh, kw, stride, padding)
    y = cols.reshape(b * oh * ow, -1) @ w.transpose(0, 2, 3, 1).reshape(n, -1).astype(np.float64).T
    return y.reshape(b, oh, ow, n).transpose(0, 3, 1, 2)


def exact_matmul(x: np.ndarray, w: np.ndarray, x_max: int, w_max: int) -> np.ndarray:
    """Exact integer product x [M, K] times w [N, K] transposed [M, N]: float32 when one float32 product is exact,
    else float64 sums of exact blocks along K."""
    k = x.shape[1]
    per = float(x_max) * float(w_max)
    if per * k < F32_EXACT:
        return x.astype(np.float32, copy=False) @ w.astype(np.float32, copy=False).T
    if per * k >= F64_EXACT:
        raise ValueError(f"integer product too wide to compute exactly (|x| {x_max}, |w| {w_max}, K {k})")
    step = int((F32_EXACT - 1) // per) if per < F32_EXACT else 0
    if step < 1:
        return x.astype(np.float64) @ w.astype(np.float64).T
    acc = None
    for k0 in range(0, k, step):
        y = (x[:, k0:k0 + step].astype(np.float32) @ w[:, k0:k0 + step].astype(np.float32).T).astype(np.float64)
        acc = y if acc is None else acc + y
    return acc


# --------------------------------------------------------------------------- one layer under one setting

def lowered_weight_rows(layer_type: str, w: np.ndarray) -> np.ndarray:
    """Weights as the array's rows: fc/lstm [N, K]; conv [N, KH*KW*C/groups] ordered (kh, kw, c)."""
    if layer_type == "conv":
        n = w.shape[0]
        return w.transpose(0, 2, 3, 1).reshape(n, -1)
    return w


class LayerOps:
    """One trace layer's array arithmetic under one setting (weights prepared once)."""

    def __init__(self, layer: Layer, setting: Setting):
        self.layer, self.setting = layer, setting
        w = np.asarray(layer.weights)
        wq, dq = setting.weights.quantize_bits, setting.data.quantize_bits
        w_coding = setting.weights.coding(max(8, layer.w_bits))
        if wq is not None or w_coding is not None:
            w = w.astype(np.int64)
        self.w_shift = F.qt_shift(w, wq) if wq is not None else 0
        if wq is not None:
            w = F.qt_apply(w, wq, self.w_shift).reshape(w.shape)
        if w_coding is not None:
            rows = F.reveal_rows(lowered_weight_rows(layer.type, w), w_coding)
            w = rows if layer.type != "conv" else rows.reshape(
                w.shape[0], w.shape[2], w.shape[3], w.shape[1]).transpose(0, 3, 1, 2)
        self.weights = np.ascontiguousarray(w)
        self.weights_f32 = self.weights.astype(np.float32)  # exact: |w| < 2^24
        self.w_max = int(np.abs(self.weights_f32).max()) if w.size else 0
        self.d_shift = F.qt_shift(layer.inputs, dq) if dq is not None else 0
        # The data rules on every integer a quantized input can hold: QT, then TR of group size 1.
        values = np.arange(-DOMAIN, DOMAIN + 1, dtype=np.int64)
        if dq is not None:
            values = F.qt_apply(values, dq, self.d_shift)
        d_coding = setting.data.coding(max(8, layer.x_bits))
        self.group_coding: Optional[Coding] = None
        if d_coding is not None and d_coding.group_size == 1:
            values = np.where(values < 0, -1, 1) * F.truncation_table(d_coding)[np.abs(values)]
        elif d_coding is not None:
            self.group_coding = d_coding
        self.table = values
        self.table_f32 = values.astype(np.float32)
        self.x_max = int(np.abs(values).max())
        self.out_scale = layer.w_scale * layer.x_scale * float(2 ** (self.w_shift + self.d_shift))
        self.bias = None if layer.bias is None else np.asarray(layer.bias).astype(np.float64)

    # -- the data operand
    def _reveal_groups(self, ints: np.ndarray) -> np.ndarray:
        """Data TR with groups of g > 1 values along the lowered rows; returns float32 values, same layout
        as the input for fc and for a conv whose channel groups hold whole TR groups, else None (the conv
        must lower its rows itself)."""
        c = self.group_coding
        la = self.layer
        if la.type != "conv":
            return F.reveal_rows(ints, c).astype(np.float32)
        cg = la.weights.shape[1]
        if cg % c.group_size:
            return None
        b, ch, h, w = ints.shape
        pix = np.ascontiguousarray(ints.transpose(0, 2, 3, 1)).reshape(-1, cg)   # one row per pixel and group
        out = F.reveal_rows(pix, c).reshape(b, h, w, ch).transpose(0, 3, 1, 2)
        return out.astype(np.float32)

    def integer_output(self, q: np.ndarray) -> np.ndarray:
        """The array's exact integer output (float32 or float64 holding integers) for the quantized input
        ``q`` (float64 holding integers in [-DOMAIN, DOMAIN]; overwritten)."""
        la = self.layer
        q += DOMAIN
        if la.type == "conv":
            q = q.transpose(0, 2, 3, 1)  # lookups in [B, H, W, C] order: the convolution's own layout
        idx = q.astype(np.int16)
        if self.group_coding is None:
            data, x_max = self.table_f32[idx], self.x_max
        else:
            ints = self.table[idx]
            if la.type == "conv":
                ints = ints.transpose(0, 3, 1, 2)
            data = self._reveal_groups(ints)
            if data is None:
                return self._lowered_conv(ints)
            x_max = int(np.abs(data).max()) if data.size else 0
        if la.type == "conv":
            if self.group_coding is None:
                data = data.transpose(0, 3, 1, 2)
            return exact_conv(data, self.weights_f32, la.stride, la.padding, la.groups, x_max, self.w_max)
        return exact_matmul(data, self.weights_f32, x_max, self.w_max)

    def _lowered_conv(self, ints: np.ndarray) -> np.ndarray:
        """Data TR groups that straddle kernel positions: reveal the im2col rows themselves."""
        la = self.layer
        n, cg, kh, kw = self.weights.shape
        b = ints.shape[0]
        cols, (oh, ow) = conv_patches(ints, kh, kw, la.stride, la.padding)
        ng = n // la.groups
        out = np.empty((b * oh * ow, n))
        for gi in range(la.groups):
            xr = F.reveal_rows(cols[..., gi * cg:(gi + 1) * cg].reshape(b * oh * ow, kh * kw * cg), self.group_coding)
            wr = lowered_weight_rows("conv", self.weights[gi * ng:(gi + 1) * ng])
            x_max = int(np.abs(xr).max()) if xr.size else 0
            out[:, gi * ng:(gi + 1) * ng] = exact_matmul(xr, wr, x_max, self.w_max)
        return out.reshape(b, oh, ow, n).transpose(0, 3, 1, 2)

    def forward(self, a: np.ndarray, signed: bool, record: Optional[dict] = None) -> np.ndarray:
        """A graph layer node on float activation ``a``: quantize, the array's integer product, rescale,
        float bias (pre-activation, float64). ``record`` gets the layer's integer input (what a trace stores)."""
        la = self.layer
        if la.type == "fc":
            a = a.reshape(a.shape[0], -1)
        q = quantize(a, la.x_scale, signed)
        if record is not None:
            record[la.name] = q.astype(np.int64)
        acc = self.integer_output(q)
        y = np.multiply(acc, self.out_scale, dtype=np.float64)
        y += self.bias if la.type != "conv" else self.bias[None, :, None, None]
        return y


def _activate_in_place(act: str, y: np.ndarray) -> np.ndarray:
    """ACTIVATIONS[act](y), overwriting y where that gives the same values (y is a fresh layer output)."""
    if act == "relu":
        return np.maximum(y, 0, out=y)
    if act == "relu6":
        np.maximum(y, 0, out=y)
        return np.minimum(y, 6, out=y)
    return ACTIVATIONS[act](y)


def quantize(a: np.ndarray, x_scale: float, signed: bool) -> np.ndarray:
    """A layer's input in its integer domain (float64 holding integers): the int8 model's quantizer."""
    lo, hi = (-X_QMAX_SIGNED, X_QMAX_SIGNED) if signed else (0, X_QMAX_UNSIGNED)
    q = np.divide(a, x_scale)
    np.rint(q, out=q)
    np.maximum(q, lo, out=q)  # np.clip's values, faster
    return np.minimum(q, hi, out=q)


# --------------------------------------------------------------------------- the network

def architecture(trace: Trace) -> str:
    if not trace.model or "architecture" not in trace.model:
        raise ValueError(f"trace {trace.network!r} has no /model architecture: cannot be re-evaluated")
    if any(layer.bias is None for layer in trace.layers):
        raise ValueError(f"trace {trace.network!r} lacks the float biases (dataset 'bias' of every layer)")
    return trace.model["architecture"]


def graph_nodes(trace: Trace) -> List[dict]:
    """The trace's network as graph nodes: its ``/model`` graph, or the equivalent of a ``feedforward_relu``
    chain (unsigned inputs, ReLU after every layer but the last)."""
    arch = architecture(trace)
    names = [la.name for la in trace.layers]
    if arch == "graph":
        return parse_graph(trace.model["graph"], names, f"trace {trace.network!r}: /model graph")
    if arch != "feedforward_relu":
        raise ValueError(f"architecture {arch!r} is not a graph")
    nodes, t = [], "input"
    for i, name in enumerate(names):
        nodes.append({"op": "layer", "layer": name, "input": t, "signed": False,
                      "act": "relu" if i < len(names) - 1 else "none", "out": name})
        t = name
    return nodes + [{"op": "output", "input": t}]


def per_layer(trace: Trace, settings: Settings) -> Dict[str, Setting]:
    """{layer: Setting} from one Setting or a mapping (which must name every layer)."""
    if isinstance(settings, Setting):
        return {la.name: settings for la in trace.layers}
    missing = [la.name for la in trace.layers if la.name not in settings]
    extra = sorted(set(settings) - {la.name for la in trace.layers})
    if missing or extra:
        raise ValueError(f"per-layer settings must name every layer of {trace.network!r} exactly: "
                         f"missing {missing}, unknown {extra}")
    return dict(settings)


class _Sized:
    """A prefix batch's tensors with its image count (for progress)."""

    def __init__(self, env, n):
        self.env, self.n = env, n

    def __len__(self):
        return self.n


@dataclass
class Prefix:
    """Activations of a graph's first ``start`` nodes, per batch: the tensors the rest reads."""

    start: int
    batches: List[Dict[str, np.ndarray]]
    total: int


class Scorer:
    """A trained trace's metric under per-layer settings (``evaluate``), and its logits (``logits``)."""

    def __init__(self, trace: Trace, settings: Settings = EXACT, threads: Optional[int] = None):
        self.trace = trace
        self.arch = architecture(trace)
        self.layers = {la.name: la for la in trace.layers}
        self.nodes = graph_nodes(trace) if self.arch != "lstm_lm_tied" else []
        self._prepared: Dict[tuple, LayerOps] = {}
        self.workers = set_threads(threads)
        self.set_settings(settings)

    def set_settings(self, settings: Settings) -> None:
        """Switch settings; layers whose setting was prepared before reuse their weights."""
        self.settings = per_layer(self.trace, settings)
        self.ops = {}
        for name, s in self.settings.items():
            key = (name, s.key())
            if key not in self._prepared:
                self._prepared[key] = LayerOps(self.layers[name], s)
            self.ops[name] = self._prepared[key]

    # -- graph networks (and feed-forward chains)
    def _run(self, env: Dict[str, np.ndarray], start: int = 0, stop: Optional[int] = None,
             record: Optional[dict] = None):
        for i in range(start, len(self.nodes) if stop is None else stop):
            n = self.nodes[i]
            if n["op"] == "output":
                return env[n["input"]]
            if n["op"] == "layer":
                y = self.ops[n["layer"]].forward(env[n["input"]], n["signed"], record)
                env[n["out"]] = _activate_in_place(n.get("act", "none"), y)
            else:
                env[n["out"]] = apply_op(n, env)
        return None

    def _batches(self, work, items, progress: Progress, total: int) -> list:
        """work(item) for every item, ``self.workers`` at a time, results in order; progress in images."""
        done = 0
        if self.workers == 1 or len(items) == 1:
            outs = []
            for it in items:
                outs.append(work(it))
                done += len(outs[-1])
                if progress is not None:
                    progress(done, total)
            return outs
        with ThreadPoolExecutor(self.workers) as pool:
            futures = [pool.submit(work, it) for it in items]
            outs = []
            for f in futures:
                outs.append(f.result())
                done += len(outs[-1])
                if progress is not None:
                    progress(done, total)
        return outs

    def logits(self, x: np.ndarray, batch: int = 200, progress: Progress = None) -> np.ndarray:
        """Logits of the integer model on float inputs ``x`` ([B, ...], as the network takes them)."""
        def work(b0):
            return self._run({"input": np.asarray(x[b0:b0 + batch]).astype(np.float64)})
        return np.concatenate(self._batches(work, list(range(0, len(x), batch)), progress, len(x)))

    def layer_inputs(self, x: np.ndarray) -> Dict[str, np.ndarray]:
        """Every layer's integer input for the inputs ``x`` (int64; fc layers' flattened): what a trace stores
        and trsim simulates."""
        record: Dict[str, np.ndarray] = {}
        self._run({"input": np.asarray(x).astype(np.float64)}, record=record)
        return record

    def node_of(self, layer: str) -> int:
        for i, n in enumerate(self.nodes):
            if n["op"] == "layer" and n["layer"] == layer:
                return i
        raise KeyError(f"layer {layer!r} is not in the graph")

    def prefix(self, x: np.ndarray, layer: str, batch: int = 200) -> Prefix:
        """Runs the nodes before ``layer``'s node and keeps what the rest of the graph reads (the layers before
        it keep their settings while the prefix is used)."""
        start = self.node_of(layer)
        live = live_tensors(self.nodes, start)

        def work(b0):
            env = {"input": np.asarray(x[b0:b0 + batch]).astype(np.float64)}
            self._run(env, 0, start)
            return _Sized({t: env[t] for t in live}, min(batch, len(x) - b0))
        return Prefix(start, [b.env for b in self._batches(work, list(range(0, len(x), batch)), None, len(x))], len(x))

    def advance(self, prefix: Prefix, layer: str) -> Prefix:
        """The prefix moved on to ``layer``'s node (not before its start) under the current settings: runs the nodes
        in between on every batch and keeps what the rest of the graph reads. With ``prefix`` and ``logits_from``
        a search walks the graph once and branches at each layer."""
        stop = self.node_of(layer)
        if stop < prefix.start:
            raise ValueError(f"layer {layer!r} comes before the prefix's node {prefix.start}")
        live = live_tensors(self.nodes, stop)

        def work(env):
            env = dict(env)
            self._run(env, prefix.start, stop)
            return _Sized({t: env[t] for t in live}, len(next(iter(env.values()))))
        return Prefix(stop, [b.env for b in self._batches(work, prefix.batches, None, prefix.total)], prefix.total)

    def logits_from(self, prefix: Prefix, progress: Progress = None) -> np.ndarray:
        """The logits, resuming every batch at the prefix's node with the current settings."""
        return np.concatenate(self._batches(lambda env: self._run(dict(env), prefix.start), prefix.batches,
                                            progress, prefix.total))

    # -- the LSTM language model
    def lstm_nll(self, tokens: np.ndarray, streams: int, progress: Progress = None):
        """Summed negative log likelihood (nats) and token count, as ``tr_accuracy.lstm_lm_nll``."""
        lstm, dec = _lstm_layers(self.trace)
        r_l, r_d = self.ops[lstm.name], self.ops[dec.name]
        hidden = lstm.hidden_size
        emb = dec.weights.astype(np.float64) * dec.w_scale
        b_l, b_d = r_l.bias, r_d.bias
        data = np.asarray(tokens[:len(tokens) // streams * streams]).reshape(streams, -1).T
        steps = data.shape[0] - 1
        h = np.zeros((streams, hidden))
        c = np.zeros((streams, hidden))
        qh_all = np.empty((steps, streams, hidden), dtype=np.float64)
        for t in range(steps):
            row = np.concatenate([emb[data[t]], h], axis=1)
            q = quantize(row, lstm.x_scale, True)
            gates = np.multiply(r_l.integer_output(q), r_l.out_scale, dtype=np.float64) + b_l
            i_g, f_g, g_g, o_g = np.split(gates, 4, axis=1)
            c = _sigmoid(f_g) * c + _sigmoid(i_g) * np.tanh(g_g)
            h = _sigmoid(o_g) * np.tanh(c)
            qh_all[t] = quantize(h, dec.x_scale, True)
            if progress is not None and t % 200 == 0:
                progress(t, steps + steps // 4)
        targets = data[1:].reshape(-1)
        qh = qh_all.reshape(-1, hidden)
        nll = 0.0
        chunk = 4096
        for r0 in range(0, len(qh), chunk):
            logits = np.multiply(r_d.integer_output(qh[r0:r0 + chunk].copy()), r_d.out_scale, dtype=np.float64) + b_d
            m = logits.max(axis=1, keepdims=True)
            lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
            tgt = targets[r0:r0 + chunk]
            nll += float((lse - logits[np.arange(len(tgt)), tgt]).sum())
        if progress is not None:
            progress(steps + steps // 4, steps + steps // 4)
        return nll, len(targets)

    # -- the metric
    def evaluate(self, data=None, limit: Optional[int] = None, progress: Progress = None) -> float:
        """The trace's metric (accuracy, or perplexity for the language model) on ``data`` (default: its own
        evaluation data, ``eval_data``)."""
        if self.arch == "lstm_lm_tied":
            tokens = np.asarray(self.trace.model["test_tokens"]) if data is None else np.asarray(data)
            if limit is not None:
                tokens = tokens[:limit]
            nll, n = self.lstm_nll(tokens, int(self.trace.model["eval_streams"]), progress)
            return math.exp(nll / n)
        x, y = eval_data(self.trace) if data is None else data
        if limit is not None:
            x, y = x[:limit], y[:limit]
        return float((self.logits(x, progress=progress).argmax(axis=1) == np.asarray(y)).mean())


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _lstm_layers(trace: Trace):
    types = [la.type for la in trace.layers]
    if types != ["lstm", "fc"]:
        raise ValueError(f"lstm_lm_tied expects layers [lstm, fc], got {types}")
    lstm, dec = trace.layers
    if dec.weights.shape[1] != lstm.hidden_size or lstm.weights.shape[1] != 2 * lstm.hidden_size:
        raise ValueError("lstm_lm_tied expects input size = hidden size (tied embedding)")
    return lstm, dec


# --------------------------------------------------------------------------- evaluation data

FASHION_MNIST = "_fashion_mnist"


def has_test_set(trace: Trace) -> bool:
    return bool(trace.model) and "test_inputs" in trace.model and "test_labels" in trace.model


def eval_data(trace: Trace):
    """(inputs, labels) the trace's metric is measured on: the test set it stores (``/model`` datasets
    ``test_inputs``, ``test_labels``; attribute ``test_inputs_divisor`` when the inputs are stored as integers), else,
    for the bundled Fashion-MNIST networks, the Fashion-MNIST test set (Debian dataset-fashion-mnist)."""
    if has_test_set(trace):
        x = np.asarray(trace.model["test_inputs"])
        if "test_inputs_divisor" in trace.model:  # stored as integers: float32(x / divisor) gives them back
            x = (x / float(trace.model["test_inputs_divisor"])).astype(np.float32)
        return x, np.asarray(trace.model["test_labels"]).astype(np.int64)
    if trace.network.endswith(FASHION_MNIST):
        import tracegen  # the Fashion-MNIST loader of traces/ (on sys.path of the scorer)
        data = tracegen.load_fashion_mnist()
        x = (data["test_x"] / 255.0).astype(np.float32)
        arch = architecture(trace)
        x = x[:, None] if (arch == "graph" or trace.layers[0].type == "conv") else x.reshape(len(x), -1)
        return x, data["test_y"].astype(np.int64)
    raise ValueError(f"trace {trace.network!r} stores no test set (/model datasets test_inputs, test_labels) "
                     f"and is not a bundled network: no data to score it on")
