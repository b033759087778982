"""Accuracy (perplexity) of the trained models when weights and data go through Term Revealing.

The integer inference of a trace is re-run from the trace alone (integer weights, scales, the float biases
in the optional ``bias`` datasets, and for the LSTM the ``/model`` group) with the functional TR rules of
``trsim_trace.tr`` (the rules of trsim's C++ functional model) on every array operand:

* weights: every weight row ([N, K] fc/lstm, lowered conv rows ordered (kh, kw, c)) revealed once, groups
  of ``w_group_size`` consecutive values along K keep ``w_budget`` terms;
* data: every input row the array receives ([M, K] fc/lstm rows, conv im2col rows) revealed at run time,
  groups of ``d_group_size`` values keep ``d_budget`` terms.

Everything else (scales, float bias, ReLU / LSTM gate non-linearities, re-quantization of the next layer's
input, softmax) is exactly the int8 inference that produced the trace's ``int8_metric``: with no budget
the result equals ``int8_metric`` exactly (tested).

Architectures (root group ``/model``, attribute ``architecture``):

* ``feedforward_relu``: the layers in order, ReLU after every layer but the last, an fc after a conv reads the
  flattened (C, H, W) output; inputs unsigned, ``q = clip(rint(a / x_scale), 0, 255)``; metric accuracy.
* ``lstm_lm_tied``: word-level LSTM language model: embedding = the fc decoder's dequantized int8 weights
  (tied), one ``lstm`` layer (rows [x_t ; h_(t-1)], gates i, f, g, o), the fc ``decoder`` on h_t; inputs
  signed, ``q = clip(rint(a / x_scale), -127, 127)``; metric perplexity on the token ids ``/model/test_tokens``
  evaluated as ``eval_batch`` parallel streams (hidden state carried through each stream).
"""

from __future__ import annotations

import math
import os
import sys
import time
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trsim_trace import TrAccuracy, TrPoint, Trace  # noqa: E402
from trsim_trace.graph import parse_graph, run_graph  # noqa: E402
from trsim_trace.setting import EXACT, Operand, Setting, qt_apply, qt_shift  # noqa: E402
from trsim_trace.tr import Coding, conv_tr, gemm_tr, reveal_layer_weights  # noqa: E402

X_QMAX_UNSIGNED = 255
X_QMAX_SIGNED = 127

# The two settings the README reports ("TR-A": trsim's default config, the paper's 12 x 3 term pairs;
# "TR-B": a tighter budget), and the grid stored in every trained trace.
TR_A = ("hese", 8, 12, "hese", 1, 3)
TR_B = ("hese", 8, 8, "hese", 1, 2)


def default_grid() -> List[Tuple]:
    pts = []
    for dk in (None, 3, 2, 1):
        for wk in (None, 16, 12, 10, 8, 6, 4, 2):
            pts.append(("hese", 8, wk, "hese", 1, dk))
    for enc in ("binary", "naf", "booth4"):
        pts.append((enc, 8, 12, enc, 1, 3))
        pts.append((enc, 8, 8, enc, 1, 2))
    pts.append(("hese", 8, 12, "hese", 8, 24))   # data TR over groups of 8 values too
    return pts


def codings(point) -> Tuple[Coding, Coding]:
    we, wg, wk, de, dg, dk = point
    return Coding(we, wg, wk), Coding(de, dg, dk)


def describe_point(point) -> str:
    we, wg, wk, de, dg, dk = point
    f = lambda k: "none" if k is None else k  # noqa: E731
    return f"w {we} g{wg} k{f(wk)} / d {de} g{dg} k{f(dk)}"


def as_setting(point=None, w_coding: Optional[Coding] = None, d_coding: Optional[Coding] = None) -> Setting:
    """A Setting from a Setting, a (w_enc, w_g, w_k, d_enc, d_g, d_k) tuple, or a pair of codings."""
    if isinstance(point, Setting):
        return point
    if point is not None:
        return Setting.from_tr_point(point)
    op = lambda c: Operand() if c is None else Operand(c.encoding, c.group_size, c.budget)  # noqa: E731
    return Setting(op(w_coding), op(d_coding))


class LayerRules:
    """One layer's array operands under a setting, as trsim computes them.

    Weights: QT at ``quantize_bits`` (shift from the whole weight tensor), then TR on the rows. Data: the
    activation is quantized to the trace's integer domain as in the int8 model, then QT with the fixed shift
    of the trace's stored input tensor for this layer (a calibrated per-layer quantizer), then TR on the rows
    the array receives. The integer product is rescaled by ``w_scale * x_scale * 2^(s_w + s_d)``.
    """

    def __init__(self, layer, setting: Setting):
        w = np.asarray(layer.weights).astype(np.int64)
        wq, dq = setting.weights.quantize_bits, setting.data.quantize_bits
        self.w_shift = qt_shift(w, wq) if wq is not None else 0
        if wq is not None:
            w = qt_apply(w, wq, self.w_shift)
        self.weights = reveal_layer_weights(layer.type, w, setting.weights.coding(max(8, layer.w_bits)))
        self.d_bits = dq
        self.d_shift = qt_shift(layer.inputs, dq) if dq is not None else 0
        self.d_coding = setting.data.coding(max(8, layer.x_bits))
        self.out_scale = layer.w_scale * layer.x_scale * float(2 ** (self.w_shift + self.d_shift))

    def data(self, q: np.ndarray) -> np.ndarray:
        return qt_apply(q, self.d_bits, self.d_shift) if self.d_bits is not None else q

    def gemm(self, q: np.ndarray) -> np.ndarray:
        return gemm_tr(self.data(q), self.weights, self.d_coding, None)

    def conv(self, q: np.ndarray, layer) -> np.ndarray:
        return conv_tr(self.data(q), self.weights, layer.stride, layer.padding, layer.groups, self.d_coding, None)


def layer_rules(trace: Trace, setting) -> List[LayerRules]:
    """Every layer's rules under one Setting, or a {layer name: Setting} mapping (per-layer settings)."""
    return [LayerRules(la, setting[la.name] if isinstance(setting, dict) else setting) for la in trace.layers]


def architecture(trace: Trace) -> str:
    if not trace.model or "architecture" not in trace.model:
        raise ValueError(f"trace {trace.network!r} has no /model architecture: cannot be re-evaluated")
    if any(layer.bias is None for layer in trace.layers):
        raise ValueError(f"trace {trace.network!r} lacks the float biases (dataset 'bias' of every layer)")
    return trace.model["architecture"]


# --------------------------------------------------------------------------- feed-forward (MLP, CNN)

def feedforward_logits(trace: Trace, x: np.ndarray, w_coding: Optional[Coding] = None,
                       d_coding: Optional[Coding] = None, batch: int = 1000, setting: Optional[Setting] = None
                       ) -> np.ndarray:
    """Logits of the integer model with TR / QT; ``x`` is the float input (pixels / 255 as float32, [B, ...])."""
    layers = trace.layers
    rules = layer_rules(trace, setting if setting is not None else as_setting(None, w_coding, d_coding))
    outs = []
    for b0 in range(0, len(x), batch):
        a = x[b0:b0 + batch].astype(np.float64)
        for i, la in enumerate(layers):
            xs = la.x_scale
            if la.type == "fc":
                a = a.reshape(a.shape[0], -1)
            elif a.ndim != 4:
                raise ValueError(f"layer {la.name}: conv needs a [B, C, H, W] input, got {a.shape}")
            q = np.clip(np.rint(a / xs), 0, X_QMAX_UNSIGNED).astype(np.int64)
            if la.type == "fc":
                acc = rules[i].gemm(q)
                bias = la.bias.astype(np.float64)
            else:
                acc = rules[i].conv(q, la)
                bias = la.bias.astype(np.float64)[None, :, None, None]
            a = acc.astype(np.float64) * rules[i].out_scale + bias
            if i < len(layers) - 1:
                a = np.maximum(a, 0)
        outs.append(a)
    return np.concatenate(outs)


def feedforward_accuracy(trace: Trace, x, y, w_coding=None, d_coding=None, setting=None) -> float:
    logits = feedforward_logits(trace, x, w_coding, d_coding, setting=setting)
    return float((logits.argmax(axis=1) == y).mean())


# --------------------------------------------------------------------------- graph networks (format 2)

def graph_logits(trace: Trace, x: np.ndarray, setting: Setting = EXACT, batch: int = 500,
                 record: int = 0, progress=None):
    """Logits of a ``graph`` trace's integer model (``trsim_trace.graph``) with TR / QT on the array operands.

    With ``record`` > 0 also returns {layer: its integer inputs for the first ``record`` images} (what the
    trace stores, before any QT / TR).
    """
    layers = {la.name: la for la in trace.layers}
    rules = {la.name: r for la, r in zip(trace.layers, layer_rules(trace, setting))}
    nodes = parse_graph(trace.model["graph"], list(layers), f"trace {trace.network!r}: /model graph")
    recorded = {}

    def layer_fn(node, a):
        la, r = layers[node["layer"]], rules[node["layer"]]
        lo, hi = (-X_QMAX_SIGNED, X_QMAX_SIGNED) if node["signed"] else (0, X_QMAX_UNSIGNED)
        if la.type == "fc":
            a = a.reshape(a.shape[0], -1)
        q = np.clip(np.rint(a / la.x_scale), lo, hi).astype(np.int64)
        if record and la.name not in recorded:
            recorded[la.name] = q[:record].copy()
        if la.type == "fc":
            return r.gemm(q).astype(np.float64) * r.out_scale + la.bias.astype(np.float64)
        return r.conv(q, la).astype(np.float64) * r.out_scale + la.bias.astype(np.float64)[None, :, None, None]

    outs = []
    for b0 in range(0, len(x), batch):
        outs.append(run_graph(nodes, x[b0:b0 + batch].astype(np.float64), layer_fn))
        if progress is not None:
            progress(min(b0 + batch, len(x)), len(x))
    logits = np.concatenate(outs)
    return (logits, recorded) if record else logits


# --------------------------------------------------------------------------- LSTM language model

def batchify(tokens: np.ndarray, streams: int) -> np.ndarray:
    """[L, streams]: the token sequence cut into ``streams`` contiguous parts (remainder dropped)."""
    n = len(tokens) // streams
    return np.asarray(tokens[:n * streams]).reshape(streams, n).T


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_lm_nll(trace: Trace, tokens: np.ndarray, streams: int, w_coding: Optional[Coding] = None,
                d_coding: Optional[Coding] = None, record: int = 0, progress=None,
                setting: Optional[Setting] = None):
    """Summed negative log likelihood (nats) and token count of next-token prediction over ``tokens``.

    With ``record`` > 0 also returns the integer inputs of both layers for the first ``record`` steps of
    stream 0 (what the trace stores): ([record, 2H] lstm rows, [record, H] decoder rows).
    """
    lstm, dec = _lstm_layers(trace)
    hidden = lstm.hidden_size
    emb = dec.weights.astype(np.float64) * dec.w_scale          # tied embedding, int8 dequantized
    r_l, r_d = layer_rules(trace, setting if setting is not None else as_setting(None, w_coding, d_coding))
    b_l = lstm.bias.astype(np.float64)
    b_d = dec.bias.astype(np.float64)
    data = batchify(tokens, streams)
    steps = data.shape[0] - 1
    h = np.zeros((streams, hidden))
    c = np.zeros((streams, hidden))
    qh_all = np.empty((steps, streams, hidden), dtype=np.int64)
    rec_rows = []
    for t in range(steps):
        row = np.concatenate([emb[data[t]], h], axis=1)
        q = np.clip(np.rint(row / lstm.x_scale), -X_QMAX_SIGNED, X_QMAX_SIGNED).astype(np.int64)
        if t < record:
            rec_rows.append(q[0].copy())
        gates = r_l.gemm(q).astype(np.float64) * r_l.out_scale + b_l
        i_g, f_g, g_g, o_g = np.split(gates, 4, axis=1)
        c = _sigmoid(f_g) * c + _sigmoid(i_g) * np.tanh(g_g)
        h = _sigmoid(o_g) * np.tanh(c)
        qh_all[t] = np.clip(np.rint(h / dec.x_scale), -X_QMAX_SIGNED, X_QMAX_SIGNED)
        if progress is not None and t % 200 == 0:
            progress(t, steps)
    # decoder over all steps at once (it does not feed back)
    targets = data[1:].reshape(-1)
    qh = qh_all.reshape(-1, hidden)
    nll = 0.0
    chunk = 4096
    for r0 in range(0, len(qh), chunk):
        logits = r_d.gemm(qh[r0:r0 + chunk]).astype(np.float64) * r_d.out_scale + b_d
        m = logits.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
        tgt = targets[r0:r0 + chunk]
        nll += float((lse - logits[np.arange(len(tgt)), tgt]).sum())
    if record:
        return nll, len(targets), (np.array(rec_rows), qh_all[:record, 0].copy())
    return nll, len(targets)


def _lstm_layers(trace: Trace):
    types = [la.type for la in trace.layers]
    if types != ["lstm", "fc"]:
        raise ValueError(f"lstm_lm_tied expects layers [lstm, fc], got {types}")
    lstm, dec = trace.layers
    if dec.weights.shape[1] != lstm.hidden_size or lstm.weights.shape[1] != 2 * lstm.hidden_size:
        raise ValueError("lstm_lm_tied expects input size = hidden size (tied embedding)")
    return lstm, dec


def lstm_perplexity(trace: Trace, w_coding=None, d_coding=None, tokens=None, streams=None, setting=None) -> float:
    tokens = np.asarray(trace.model["test_tokens"]) if tokens is None else tokens
    streams = int(trace.model["eval_streams"]) if streams is None else streams
    nll, n = lstm_lm_nll(trace, tokens, streams, w_coding, d_coding, setting=setting)
    return math.exp(nll / n)


# --------------------------------------------------------------------------- dispatch and tables

def load_eval_data(trace: Trace):
    """The evaluation inputs a trace's metric is measured on (data set needed for MLP / CNN)."""
    arch = architecture(trace)
    if arch == "lstm_lm_tied":
        return None
    import tracegen as tg  # Fashion-MNIST loader
    data = tg.load_fashion_mnist()
    x = (data["test_x"] / 255.0).astype(np.float32)
    x = x[:, None] if (arch == "graph" or trace.layers[0].type == "conv") else x.reshape(len(x), -1)
    return x, data["test_y"].astype(np.int64)


def evaluate(trace: Trace, point=None, data=None, limit: Optional[int] = None, progress=None) -> float:
    """The trace's metric under ``point``: a Setting (TR and QT), a TR tuple (w_enc, w_g, w_k, d_enc, d_g,
    d_k), or None (plain int8)."""
    arch = architecture(trace)
    setting = as_setting(point)
    if arch == "lstm_lm_tied":
        tokens = np.asarray(trace.model["test_tokens"])
        if limit is not None:
            tokens = tokens[:limit]
        return lstm_perplexity(trace, tokens=tokens, setting=setting)
    if arch in ("feedforward_relu", "graph"):
        x, y = load_eval_data(trace) if data is None else data
        if limit is not None:
            x, y = x[:limit], y[:limit]
        if arch == "graph":
            return float((graph_logits(trace, x, setting, progress=progress).argmax(axis=1) == y).mean())
        return feedforward_accuracy(trace, x, y, setting=setting)
    raise ValueError(f"unknown architecture {arch!r}")


def tr_table(trace: Trace, points: Iterable = None, data=None, progress=None) -> TrAccuracy:
    """Evaluate ``points`` (default ``default_grid()``) and return the /tr_accuracy table."""
    points = list(default_grid() if points is None else points)
    arch = architecture(trace)
    if data is None and arch != "lstm_lm_tied":
        data = load_eval_data(trace)
    out = []
    for i, p in enumerate(points):
        v = evaluate(trace, p, data=data)
        out.append(TrPoint(*p, value=float(v)))
        if progress is not None:
            progress(i + 1, len(points), f"{describe_point(p)}: {v:.4f}")
    what = ("top-1 accuracy on the 10k Fashion-MNIST test images" if arch == "feedforward_relu"
            else "word-level perplexity on the test split (/model/test_tokens)")
    desc = ("Metric of the integer model when weights and data go through Term Revealing (traces/tr_accuracy.py, "
            "the functional rules of trsim's C++ model): weight rows revealed offline with (w_encoding, "
            "w_group_size, w_budget), every input row the array receives (fc/lstm rows, conv im2col rows ordered "
            "(kh, kw, c)) with (d_encoding, d_group_size, d_budget); budget -1 = no budget; 8-bit operands. "
            f"Metric: {what}. Everything else as the int8 inference of int8_metric.")
    return TrAccuracy(metric=trace.metric, description=desc, points=out)


class Progress:
    """A one-line progress bar on stderr: ``label [#####.....] 12/40 30 s, ETA 70 s  note``."""

    def __init__(self, label: str, stream=None, width: int = 30):
        self.label, self.width = label, width
        self.stream = sys.stderr if stream is None else stream
        self.t0 = time.time()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.last_tenth = -1

    def __call__(self, done: int, total: int, note: str = ""):
        tenth = int(10 * done / total) if total else 10
        if not self.tty and tenth == self.last_tenth and done < total and total > 20:
            return  # not a terminal (a log file): one line per 10 % for long runs
        self.last_tenth = tenth
        el = time.time() - self.t0
        frac = done / total if total else 1.0
        eta = el / frac - el if frac > 0 else float("nan")
        bar = "#" * int(round(frac * self.width)) + "." * (self.width - int(round(frac * self.width)))
        line = f"{self.label} [{bar}] {done}/{total} {el:.0f} s, ETA {eta:.0f} s  {note}"
        if self.tty:
            self.stream.write("\r\x1b[K" + line + ("\n" if done >= total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def summary_rows(trace: Trace) -> Sequence[Tuple[str, float]]:
    tra = trace.tr_accuracy
    if tra is None:
        return []
    return [(describe_point((p.w_encoding, p.w_group_size, p.w_budget, p.d_encoding, p.d_group_size,
                             p.d_budget)), p.value) for p in tra.points]
