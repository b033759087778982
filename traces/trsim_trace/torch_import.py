"""PyTorch models in: an ``nn.Module`` becomes a trsim trace (format 2 with a network graph) that trsim
simulates and the accuracy scorer re-runs (docs/user-guide/import.md has the whole path).

    trace = import_module(model, calibration, test=(inputs, labels), samples=4, network="mynet")
    write_trace("mynet.h5", trace)

What the import does:

1. ``torch.fx.symbolic_trace`` turns the module into a graph of calls; shapes come from one calibration batch.
2. Every call maps to a node of ``trsim_trace.graph`` (or is refused by name): ``nn.Conv2d`` (plain, grouped,
   depthwise; square stride, symmetric padding, no dilation) and ``nn.Linear`` become trace layers; a
   ``BatchNorm`` right after a conv or linear layer that only it reads is folded into that layer; activations
   (relu, relu6, sigmoid, silu, hardswish, hardsigmoid, tanh), residual adds, products (squeeze-and-
   excitation), channel concatenation, max / average / adaptive average pooling, ``mean`` over H and W,
   flatten (``torch.flatten``, ``nn.Flatten``, ``view`` / ``reshape`` to [B, -1]) become graph ops; dropout,
   ``nn.Identity`` and torchvision's stochastic depth are no-ops (eval mode). An activation that is the only
   reader of a layer or an add is merged into it.
3. Quantization (the bundled graph traces' scheme): weights symmetric per tensor, ``w_scale = max|w| / 127``,
   integers in -127..127; every layer's input per tensor at its maximum over the calibration inputs,
   ``x_scale = max / 255`` (unsigned 0..255) when no calibration value was negative, else ``max / 127``
   (signed -127..127); float biases, activations and everything between the layers stay float (the int8
   model of ``trsim_trace.graph``).
4. The trace stores each layer's integer weights, its integer inputs for ``samples`` inputs (the first test
   inputs, or calibration inputs without a test set: what trsim simulates), the float biases, the graph, and
   with a test set the test set itself (``/model`` ``test_inputs``, ``test_labels``; inputs as uint8 with
   ``test_inputs_divisor = 255`` when that gives every float32 value back exactly), the float model's
   accuracy (the module itself on the test set) and the int8 model's (``intmodel.Scorer``).

Errors are ``TorchImportError`` with one line naming the fx node, its op and what is wrong.
"""

from __future__ import annotations

import operator
import time
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from .format import Layer, Trace
from .graph import node_inputs, run_graph
from .intmodel import X_QMAX_SIGNED, X_QMAX_UNSIGNED, Scorer
from .setting import EXACT

DEFAULT_SAMPLES = 4
CALIBRATION_DEFAULT = 2000     # test inputs used to calibrate when the model file gives no calibration data


class TorchImportError(ValueError):
    """A module the importer cannot turn into trsim's integer model (one line naming node and op)."""


# --------------------------------------------------------------------------- the ops it knows

def _torch():
    import torch
    return torch


def _act_tables(torch):
    nn, F = torch.nn, torch.nn.functional
    modules = {nn.ReLU: "relu", nn.ReLU6: "relu6", nn.Sigmoid: "sigmoid", nn.SiLU: "silu",
               nn.Hardswish: "hardswish", nn.Hardsigmoid: "hardsigmoid", nn.Tanh: "tanh"}
    functions = {F.relu: "relu", torch.relu: "relu", F.relu6: "relu6", torch.sigmoid: "sigmoid",
                 F.sigmoid: "sigmoid", F.silu: "silu", F.hardswish: "hardswish", F.hardsigmoid: "hardsigmoid",
                 torch.tanh: "tanh", F.tanh: "tanh"}
    methods = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh"}
    return modules, functions, methods


SUPPORTED = ("nn.Conv2d (plain, grouped, depthwise), nn.Linear, nn.BatchNorm1d/2d after either, "
             "relu/relu6/sigmoid/silu/hardswish/hardsigmoid/tanh (modules, functions, methods), + and * of two "
             "tensors, torch.cat on channels, max_pool2d, avg_pool2d, adaptive_avg_pool2d, mean over H and W, "
             "flatten/view/reshape to [B, -1], dropout, nn.Identity, stochastic_depth")


def _what(node) -> str:
    if node.op == "call_module":
        return f"call_module {node.target}"
    t = node.target
    if node.op == "call_method":
        return f"call_method .{t}()"
    name = getattr(t, "__name__", str(t))
    mod = getattr(t, "__module__", None) or ""
    return f"{node.op} {mod + '.' if mod else ''}{name}"


def _pair(v, what: str, node) -> int:
    """A square kernel / stride / padding as one int."""
    if isinstance(v, (tuple, list)):
        if len(set(v)) != 1:
            raise _err(node, f"{what} {tuple(v)} is not square (trsim's layers and pools take one value)")
        v = v[0]
    if not isinstance(v, int):
        raise _err(node, f"{what} {v!r} is not an integer")
    return v


def _err(node, problem: str) -> TorchImportError:
    return TorchImportError(f"node '{node.name}' ({_what(node)}): {problem}")


# --------------------------------------------------------------------------- fx graph -> trsim graph

class _Converter:
    def __init__(self, torch, gm, shapes):
        self.torch, self.gm, self.shapes = torch, gm, shapes
        self.act_modules, self.act_functions, self.act_methods = _act_tables(torch)
        self.names: Dict[object, str] = {}       # fx node -> tensor name of the trsim graph
        self.shape_only = set()                  # fx nodes that are x.size() / x.shape: only view args
        self.nodes: List[dict] = []
        self.layers: Dict[str, dict] = {}        # layer name -> float parameters
        self.layer_of: Dict[object, str] = {}    # fx node that computes a layer -> its name
        self.folded = set()

    def src(self, node, arg) -> str:
        fx = self.torch.fx
        if not isinstance(arg, fx.Node):
            raise _err(node, f"operand {arg!r} is a constant; trsim's graph ops take tensors only")
        if arg in self.shape_only or arg not in self.names:
            raise _err(node, f"operand '{arg.name}' is not a tensor the integer model computes")
        return self.names[arg]

    def out(self, node) -> str:
        name = node.name if node.name != "input" else "input_"
        return name

    def emit(self, node, op: str, **kw) -> None:
        out = self.out(node)
        self.nodes.append({"op": op, **kw, "out": out})
        self.names[node] = out

    def alias(self, node, arg) -> None:
        self.names[node] = self.src(node, arg)

    def shape(self, node):
        meta = node.meta.get("tensor_meta")
        return tuple(meta.shape) if meta is not None and hasattr(meta, "shape") else None

    # -- layers
    def layer(self, node, kind: str, w, b, stride=1, padding=0, groups=1) -> None:
        base = str(node.target)
        name, k = base, 2
        while name in self.layers:
            name, k = f"{base}@{k}", k + 1
        self.layers[name] = dict(type=kind, w=np.asarray(w, dtype=np.float64), b=np.asarray(b, dtype=np.float64),
                                 stride=stride, padding=padding, groups=groups)
        self.layer_of[node] = name
        self.nodes.append({"op": "layer", "layer": name, "input": self.src(node, node.args[0]), "signed": False,
                           "act": "none", "out": self.out(node)})
        self.names[node] = self.out(node)

    def conv(self, node, m) -> None:
        if m.padding_mode != "zeros":
            raise _err(node, f"padding_mode {m.padding_mode!r}: only zero padding")
        if tuple(m.dilation) != (1, 1):
            raise _err(node, f"dilation {tuple(m.dilation)}: only 1")
        k = m.kernel_size
        if isinstance(m.padding, str):
            if m.padding == "valid":
                pad = 0
            elif m.padding == "same" and k[0] == k[1] and k[0] % 2 == 1 and tuple(m.stride) == (1, 1):
                pad = k[0] // 2
            else:
                raise _err(node, f"padding {m.padding!r} with kernel {k} and stride {m.stride}")
        else:
            pad = _pair(m.padding, "padding", node)
        stride = _pair(m.stride, "stride", node)
        w = m.weight.detach().double().numpy()
        b = m.bias.detach().double().numpy() if m.bias is not None else np.zeros(w.shape[0])
        self.layer(node, "conv", w, b, stride, pad, m.groups)

    def linear(self, node, m) -> None:
        shape = self.shape(node.args[0]) if hasattr(node.args[0], "meta") else None
        if shape is not None and len(shape) != 2:
            raise _err(node, f"nn.Linear on a rank-{len(shape)} input {list(shape)}: trsim's fc layer takes [B, "
                             f"features] (flatten first)")
        w = m.weight.detach().double().numpy()
        b = m.bias.detach().double().numpy() if m.bias is not None else np.zeros(w.shape[0])
        self.layer(node, "fc", w, b)

    def batch_norm(self, node, m) -> None:
        src = node.args[0]
        name = self.layer_of.get(src)
        if name is None or len(src.users) != 1 or name in self.folded:
            raise _err(node, "batch norm can only be folded into the conv or linear layer right before it, and only "
                             "when nothing else reads that layer's output")
        if m.running_mean is None or m.running_var is None:
            raise _err(node, "batch norm without running statistics (track_running_stats=False) cannot be folded")
        la = self.layers[name]
        gamma = m.weight.detach().double().numpy() if m.weight is not None else np.ones(la["w"].shape[0])
        beta = m.bias.detach().double().numpy() if m.bias is not None else np.zeros(la["w"].shape[0])
        mean, var = m.running_mean.double().numpy(), m.running_var.double().numpy()
        s = gamma / np.sqrt(var + m.eps)
        la["w"] = la["w"] * s.reshape((-1,) + (1,) * (la["w"].ndim - 1))
        la["b"] = (la["b"] - mean) * s + beta
        self.folded.add(name)
        self.names[node] = self.names[src]
        self.layer_of[node] = name

    # -- pools
    def maxpool(self, node, kernel, stride, padding, dilation=1, ceil_mode=False, return_indices=False) -> None:
        if _pair(dilation, "dilation", node) != 1 or ceil_mode or return_indices:
            raise _err(node, "max pool with dilation, ceil_mode or return_indices")
        k = _pair(kernel, "kernel", node)
        s = k if stride is None or stride == [] or stride == () else _pair(stride, "stride", node)
        p = _pair(padding, "padding", node)
        self.emit(node, "maxpool", input=self.src(node, node.args[0]), kernel=k, stride=s, padding=p)

    def avgpool(self, node, kernel, stride, padding, ceil_mode=False, count_include_pad=True,
                divisor_override=None) -> None:
        if ceil_mode or divisor_override is not None:
            raise _err(node, "average pool with ceil_mode or divisor_override")
        k = _pair(kernel, "kernel", node)
        s = k if stride is None or stride == [] or stride == () else _pair(stride, "stride", node)
        p = _pair(padding, "padding", node)
        self.emit(node, "avgpool2d", input=self.src(node, node.args[0]), kernel=k, stride=s, padding=p,
                  count_include_pad=bool(count_include_pad))

    def adaptive(self, node, size) -> None:
        shape = self.shape(node.args[0])
        if isinstance(size, int) or size is None:
            size = (size, size)
        size = [shape[2 + i] if v is None else int(v) for i, v in enumerate(size)]
        if size == [1, 1]:
            self.emit(node, "avgpool", input=self.src(node, node.args[0]))
        else:
            self.emit(node, "adaptive_avgpool", input=self.src(node, node.args[0]), size=size)

    def mean(self, node, dims, keepdim) -> None:
        shape = self.shape(node.args[0])
        if shape is None or len(shape) != 4:
            raise _err(node, "mean over a tensor that is not [B, C, H, W]")
        dims = {d % 4 for d in (dims if isinstance(dims, (tuple, list)) else [dims])}
        if dims != {2, 3}:
            raise _err(node, f"mean over dims {sorted(dims)}: only over H and W (global average pool)")
        src = self.src(node, node.args[0])
        if keepdim:
            self.emit(node, "avgpool", input=src)
        else:
            pooled = self.out(node) + "_pool"
            self.nodes.append({"op": "avgpool", "input": src, "out": pooled})
            self.nodes.append({"op": "flatten", "input": pooled, "out": self.out(node)})
            self.names[node] = self.out(node)

    def flatten(self, node, start_dim=1, end_dim=-1) -> None:
        if start_dim != 1 or end_dim != -1:
            raise _err(node, f"flatten from dim {start_dim} to {end_dim}: only [B, ...] -> [B, -1]")
        self.emit(node, "flatten", input=self.src(node, node.args[0]))

    def view(self, node) -> None:
        src_shape, shape = self.shape(node.args[0]), self.shape(node)
        if src_shape is None or shape is None or len(shape) != 2 or shape[0] != src_shape[0]:
            raise _err(node, f"view/reshape to {list(shape) if shape else '?'}: only [B, ...] -> [B, -1] (flatten)")
        if len(src_shape) == 2:
            self.alias(node, node.args[0])
        else:
            self.emit(node, "flatten", input=self.src(node, node.args[0]))

    def binary(self, node, op: str, a, b, alpha=None) -> None:
        if alpha not in (None, 1):
            raise _err(node, f"add with alpha={alpha}")
        self.emit(node, op, inputs=[self.src(node, a), self.src(node, b)])

    def no_op(self, node, training) -> None:
        if training:
            raise _err(node, "dropout in training mode (the importer puts the model in eval mode; pass "
                             "training=self.training)")
        self.alias(node, node.args[0])

    def act(self, node, act: str) -> None:
        self.emit(node, "act", input=self.src(node, node.args[0]), act=act)

    # -- dispatch
    def module(self, node) -> None:
        nn = self.torch.nn
        m = self.gm.get_submodule(node.target)
        if isinstance(m, nn.Conv2d):
            return self.conv(node, m)
        if isinstance(m, nn.Linear):
            return self.linear(node, m)
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            return self.batch_norm(node, m)
        for cls, act in self.act_modules.items():
            if type(m) is cls:
                return self.act(node, act)
        if isinstance(m, nn.MaxPool2d):
            return self.maxpool(node, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode, m.return_indices)
        if isinstance(m, nn.AvgPool2d):
            return self.avgpool(node, m.kernel_size, m.stride, m.padding, m.ceil_mode, m.count_include_pad,
                                m.divisor_override)
        if isinstance(m, nn.AdaptiveAvgPool2d):
            return self.adaptive(node, m.output_size)
        if isinstance(m, nn.Flatten):
            return self.flatten(node, m.start_dim, m.end_dim)
        if isinstance(m, (nn.Dropout, nn.Dropout2d, nn.AlphaDropout, nn.Identity)):
            return self.alias(node, node.args[0])
        if isinstance(m, (nn.LSTM, nn.GRU, nn.RNN, nn.LSTMCell, nn.GRUCell, nn.RNNCell)):
            raise _err(node, f"nn.{type(m).__name__}: recurrent layers are not imported (trsim's lstm layer comes "
                             f"only with the bundled language model, traces/make_kjv_lstm.py)")
        raise _err(node, f"nn.{type(m).__name__} is not supported by trsim's integer model (supported: {SUPPORTED})")

    def function(self, node) -> None:
        torch, F = self.torch, self.torch.nn.functional
        t, args, kw = node.target, node.args, node.kwargs
        if t in self.act_functions:
            return self.act(node, self.act_functions[t])
        if t in (operator.add, torch.add):
            return self.binary(node, "add", args[0], args[1], kw.get("alpha"))
        if t in (operator.mul, torch.mul):
            return self.binary(node, "mul", args[0], args[1])
        if t in (torch.cat, getattr(torch, "concat", torch.cat)):
            dim = args[1] if len(args) > 1 else kw.get("dim", 0)
            if dim != 1:
                raise _err(node, f"concatenation along dim {dim}: only along the channels (dim 1)")
            return self.emit(node, "concat", inputs=[self.src(node, a) for a in args[0]])
        if t is torch.flatten:
            return self.flatten(node, *(args[1:]), **kw)
        if t is F.adaptive_avg_pool2d:
            return self.adaptive(node, args[1] if len(args) > 1 else kw["output_size"])
        if t is F.max_pool2d:
            p = dict(zip(("kernel", "stride", "padding", "dilation", "ceil_mode", "return_indices"), args[1:]))
            p.update({"kernel": kw.get("kernel_size", p.get("kernel")), **{k: v for k, v in kw.items()
                                                                            if k != "kernel_size"}})
            return self.maxpool(node, p["kernel"], p.get("stride"), p.get("padding", 0), p.get("dilation", 1),
                                p.get("ceil_mode", False), p.get("return_indices", False))
        if t is F.avg_pool2d:
            p = dict(zip(("kernel", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"),
                         args[1:]))
            p.update({"kernel": kw.get("kernel_size", p.get("kernel")), **{k: v for k, v in kw.items()
                                                                            if k != "kernel_size"}})
            return self.avgpool(node, p["kernel"], p.get("stride"), p.get("padding", 0), p.get("ceil_mode", False),
                                p.get("count_include_pad", True), p.get("divisor_override"))
        if t is torch.mean:
            return self.mean(node, args[1] if len(args) > 1 else kw.get("dim"),
                             args[2] if len(args) > 2 else kw.get("keepdim", False))
        if t in (F.dropout, F.dropout2d, F.alpha_dropout):
            return self.no_op(node, kw.get("training", args[2] if len(args) > 2 else True))
        if getattr(t, "__name__", "") == "stochastic_depth":  # torchvision.ops, wrapped for fx
            return self.no_op(node, kw.get("training", args[3] if len(args) > 3 else True))
        if t is getattr and len(args) == 2 and args[1] == "shape":
            self.shape_only.add(node)
            return None
        if t is operator.getitem and args[0] in self.shape_only:
            self.shape_only.add(node)
            return None
        raise _err(node, f"not supported by trsim's integer model (supported: {SUPPORTED})")

    def method(self, node) -> None:
        t, args, kw = node.target, node.args, node.kwargs
        if t in self.act_methods:
            return self.act(node, self.act_methods[t])
        if t in ("size", "dim"):
            self.shape_only.add(node)
            return None
        if t in ("view", "reshape"):
            return self.view(node)
        if t == "flatten":
            return self.flatten(node, *(args[1:]), **kw)
        if t == "mean":
            return self.mean(node, args[1] if len(args) > 1 else kw.get("dim"),
                             args[2] if len(args) > 2 else kw.get("keepdim", False))
        if t == "add":
            return self.binary(node, "add", args[0], args[1], kw.get("alpha"))
        if t == "mul":
            return self.binary(node, "mul", args[0], args[1])
        if t in ("contiguous", "clone", "detach"):
            return self.alias(node, args[0])
        raise _err(node, f"not supported by trsim's integer model (supported: {SUPPORTED})")

    def run(self):
        seen_input = False
        for node in self.gm.graph.nodes:
            if node.op == "placeholder":
                if seen_input:
                    raise _err(node, "a second input: the integer model takes one input tensor")
                seen_input = True
                self.names[node] = "input"
            elif node.op == "get_attr":
                raise _err(node, "reads a parameter or buffer directly (use nn.Conv2d / nn.Linear modules for "
                                 "weights)")
            elif node.op == "call_module":
                self.module(node)
            elif node.op == "call_function":
                self.function(node)
            elif node.op == "call_method":
                self.method(node)
            elif node.op == "output":
                res = node.args[0]
                if isinstance(res, (tuple, list)):
                    if len(res) != 1:
                        raise _err(node, "the model returns several tensors; it must return one (the logits)")
                    res = res[0]
                self.nodes.append({"op": "output", "input": self.src(node, res)})
        if not any(n["op"] == "layer" for n in self.nodes):
            raise TorchImportError("the model has no nn.Conv2d or nn.Linear layer: nothing runs on the array")
        return _merge_activations(self.nodes), self.layers


def _merge_activations(nodes: List[dict]) -> List[dict]:
    """An act node that is the only reader of a layer's or an add's result (whose own act is none) becomes
    that node's act: the same model, fewer tensors."""
    uses: Dict[str, int] = {}
    for n in nodes:
        for t in node_inputs(n):
            uses[t] = uses.get(t, 0) + 1
    producer = {n["out"]: n for n in nodes if n["op"] != "output"}
    rename: Dict[str, str] = {}
    out: List[dict] = []
    for n in nodes:
        n = dict(n)
        for key in ("input", "inputs"):
            if key in n:
                n[key] = [rename.get(t, t) for t in n[key]] if key == "inputs" else rename.get(n[key], n[key])
        if n["op"] == "act":
            p = producer.get(n["input"])
            if p is not None and p["op"] in ("layer", "add") and p.get("act", "none") == "none" \
                    and uses.get(n["input"], 0) == 1:
                merged = next(m for m in out if m.get("out") == n["input"])
                merged["act"] = n["act"]
                rename[n["out"]] = n["input"]
                continue
        out.append(n)
    return out


# --------------------------------------------------------------------------- calibration and checks

def _batches(x, size):
    for b0 in range(0, len(x), size):
        yield x[b0:b0 + size]


def calibrate(torch, gm, layer_of: Dict[object, str], calibration, batch: int = 256):
    """{layer: (max |input|, any input < 0)} over the calibration inputs, from the module itself."""
    fx = torch.fx
    stats: Dict[str, Tuple[float, bool]] = {}
    targets = {node: name for node, name in layer_of.items() if node.op == "call_module"
               and isinstance(gm.get_submodule(node.target), (torch.nn.Conv2d, torch.nn.Linear))}

    class Recorder(fx.Interpreter):
        def run_node(self, n):
            if n in targets:
                a = self.env[n.args[0]]
                mx, neg = stats.get(targets[n], (0.0, False))
                stats[targets[n]] = (max(mx, float(a.abs().max())), neg or bool((a < 0).any()))
            return super().run_node(n)

    with torch.no_grad():
        for xb in _batches(calibration, batch):
            Recorder(gm).run(xb)
    return stats


def float_graph_logits(torch, nodes, layers, x: np.ndarray) -> np.ndarray:
    """The folded float network on ``x`` through trsim's graph semantics (no quantization): the importer's
    check that the graph it built computes what the module computes."""
    F = torch.nn.functional

    def layer_fn(node, a):
        la = layers[node["layer"]]
        if la["type"] == "fc":
            return a.reshape(a.shape[0], -1) @ la["w"].T + la["b"]
        with torch.no_grad():
            y = F.conv2d(torch.from_numpy(np.ascontiguousarray(a)), torch.from_numpy(la["w"]), None, la["stride"],
                         la["padding"], 1, la["groups"]).numpy()
        return y + la["b"][None, :, None, None]
    return run_graph(nodes, x.astype(np.float64), layer_fn)


def _roles(graph: List[dict], layers: Dict[str, dict]) -> Dict[str, str]:
    """The ``role`` attr of every layer: first, classifier (fc), depthwise, se (a 1x1 conv reading a global
    average pool, or another se layer: squeeze-and-excitation), pointwise (1x1), conv."""
    made_by = {n["out"]: n for n in graph if n["op"] != "output"}
    roles: Dict[str, str] = {}
    for n in graph:
        if n["op"] != "layer":
            continue
        name, la = n["layer"], layers[n["layer"]]
        src = made_by.get(n["input"])
        if not roles:
            roles[name] = "first"
        elif la["type"] == "fc":
            roles[name] = "classifier"
        elif la["groups"] > 1 and la["w"].shape[1] == 1:
            roles[name] = "depthwise"
        elif la["w"].shape[2:] == (1, 1) and src is not None and (
                src["op"] == "avgpool" or (src["op"] == "layer" and roles.get(src["layer"]) == "se")):
            roles[name] = "se"
        else:
            roles[name] = "pointwise" if la["w"].shape[2:] == (1, 1) else "conv"
    return roles


def _as_numpy(v, what: str) -> np.ndarray:
    if hasattr(v, "detach"):
        v = v.detach().cpu().numpy()
    a = np.asarray(v)
    if a.dtype == object or a.size == 0:
        got = f"an empty {type(v).__name__} of shape {list(a.shape)}" if a.size == 0 else type(v).__name__
        raise TorchImportError(f"{what}: expected a non-empty numeric tensor, got {got}")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        bad = int(a.size - np.count_nonzero(np.isfinite(a)))
        raise TorchImportError(f"{what}: {bad} of {a.size} values are NaN or infinite")
    return a


def _stored_inputs(x: np.ndarray) -> Dict[str, object]:
    """The test inputs as stored: uint8 over 255 when that gives every float32 value back exactly."""
    u = np.rint(x.astype(np.float64) * 255)
    if u.min() >= 0 and u.max() <= 255 and np.array_equal((u / 255.0).astype(np.float32), x):
        return {"test_inputs": u.astype(np.uint8), "test_inputs_divisor": 255}
    return {"test_inputs": x}


# --------------------------------------------------------------------------- the importer

def import_module(module, calibration, test: Optional[Tuple[object, object]] = None,
                  samples: int = DEFAULT_SAMPLES, network: str = "model", source: str = "trained",
                  description: str = "", progress: Optional[Callable[[str], None]] = None,
                  threads: Optional[int] = None) -> Trace:
    """A trace of ``module`` (an ``nn.Module``; put in eval mode here).

    ``calibration``: float inputs [N, ...] fitting the activation scales. ``test``: optional (inputs, labels),
    labels class indices; stored in the trace with the float and int8 accuracy. ``samples``: inputs whose
    layer inputs the trace stores (the first test inputs, else calibration inputs). ``source``: ``trained`` or
    ``synthetic`` (e.g. randomly initialised weights). Raises TorchImportError naming what it cannot import.
    """
    torch = _torch()
    say = progress or (lambda _msg: None)
    t0 = time.time()
    module.eval()
    cal = torch.as_tensor(_as_numpy(calibration, "calibration inputs"), dtype=torch.float32)
    if cal.ndim < 2:
        raise TorchImportError(f"calibration inputs: expected [N, ...] inputs, got shape {list(cal.shape)}")
    test_x = test_y = None
    if test is not None:
        test_x = _as_numpy(test[0], "test inputs").astype(np.float32)
        test_y = _as_numpy(test[1], "test labels")
        if test_y.ndim != 1 or len(test_y) != len(test_x) or test_y.dtype.kind not in "iu":
            raise TorchImportError(f"test labels: expected {len(test_x)} integer class indices [N], got "
                                   f"{test_y.dtype} {list(test_y.shape)}")
        test_y = test_y.astype(np.int64)
    if samples < 1:
        raise TorchImportError(f"samples must be >= 1, got {samples}")
    try:
        gm = torch.fx.symbolic_trace(module)
    except Exception as exc:  # fx raises many kinds; the first line says why
        raise TorchImportError(f"torch.fx cannot trace the model: {type(exc).__name__}: "
                               f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}") from None
    from torch.fx.passes.shape_prop import ShapeProp
    try:
        with torch.no_grad():
            ShapeProp(gm).propagate(cal[:2])
    except Exception as exc:
        raise TorchImportError(f"the model fails on calibration inputs of shape {list(cal.shape[1:])}: "
                               f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
                               ) from None
    conv = _Converter(torch, gm, None)
    nodes, layers = conv.run()
    for name, la in layers.items():  # NaN weights would quantize to garbage with no error anywhere later
        for part, values in (("weights", la["w"]), ("bias", la["b"])):
            finite = np.isfinite(values)
            if not finite.all():
                raise TorchImportError(f"layer '{name}': {values.size - int(np.count_nonzero(finite))} of "
                                       f"{values.size} {part} (batch norm folded in) are NaN or infinite")
    say(f"traced: {sum(n['op'] == 'layer' for n in nodes)} layers, {len(nodes)} graph nodes ({time.time() - t0:.1f} s)")

    # the graph computes what the module computes (folded, float)
    probe = cal[:4]
    with torch.no_grad():
        want = module(probe).double().numpy()
    got = float_graph_logits(torch, nodes, layers, probe.numpy())
    scale = max(float(np.abs(want).max()), 1e-6)
    if got.shape != want.shape or float(np.abs(got - want).max()) > 1e-3 * scale:
        raise TorchImportError(f"the imported graph's float output differs from the model's (max difference "
                               f"{float(np.abs(got - want).max()):.3g} of {scale:.3g}): an op the importer "
                               f"misread; please report it with the model")

    stats = calibrate(torch, gm, conv.layer_of, cal)
    say(f"calibrated on {len(cal)} inputs ({time.time() - t0:.1f} s)")
    order = [n["layer"] for n in nodes if n["op"] == "layer"]
    signed = {name: stats[name][1] for name in order}
    graph = [dict(n, signed=signed[n["layer"]]) if n["op"] == "layer" else n for n in nodes]
    roles = _roles(graph, layers)
    trace_layers = []
    for i, name in enumerate(order):
        la = layers[name]
        wmax = float(np.abs(la["w"]).max())
        w_scale = wmax / 127 if wmax > 0 else 1.0
        mx = stats[name][0]
        x_scale = (mx / (X_QMAX_SIGNED if signed[name] else X_QMAX_UNSIGNED)) if mx > 0 else 1.0
        kw = dict(stride=la["stride"], padding=la["padding"], groups=la["groups"]) if la["type"] == "conv" else {}
        placeholder = np.zeros((1, la["w"].shape[1] * la["groups"], 1, 1) if la["type"] == "conv"
                               else (1, la["w"].shape[1]), dtype=np.int64)
        trace_layers.append(Layer(name=name, type=la["type"], weights=np.rint(la["w"] / w_scale).astype(np.int8),
                                  inputs=placeholder, w_scale=w_scale, x_scale=x_scale, w_bits=8, x_bits=8,
                                  bias=la["b"].astype(np.float32),
                                  extra_attrs={"role": roles[name]}, **kw))
    model: Dict[str, object] = {"architecture": "graph", "graph": _dumps(graph),
                                "importer": "trsim trace from-torch (traces/trsim_trace/torch_import.py)"}
    trace = Trace(network=network, source=source, description=description or "-", layers=trace_layers, model=model)

    scorer = Scorer(trace, EXACT, threads=threads)
    rec_x = test_x[:samples] if test_x is not None else cal[:samples].numpy()
    recorded = scorer.layer_inputs(rec_x)
    for la in trace.layers:
        la.inputs = recorded[la.name]
    say(f"recorded the layer inputs of {len(rec_x)} input{'s' if len(rec_x) != 1 else ''} ({time.time() - t0:.1f} s)")
    if test_x is not None:
        if len(want.shape) != 2:
            raise TorchImportError(f"the model's output has shape {list(want.shape)}; accuracy needs logits "
                                   f"[B, classes]")
        classes = want.shape[1]
        if test_y.min() < 0 or test_y.max() >= classes:
            wrong = int(np.count_nonzero((test_y < 0) | (test_y >= classes)))
            raise TorchImportError(f"test labels: {wrong} of {len(test_y)} are outside the model's {classes} classes "
                                   f"(0..{classes - 1}; e.g. {int(test_y[(test_y < 0) | (test_y >= classes)][0])})")
        with torch.no_grad():
            float_pred = np.concatenate([module(torch.from_numpy(xb)).argmax(1).numpy()
                                         for xb in _batches(test_x, 256)])
        trace.float_metric = float((float_pred == test_y).mean())
        scorer = Scorer(trace, EXACT, threads=threads)
        trace.int8_metric = scorer.evaluate((test_x, test_y))
        trace.metric = "accuracy"
        model.update(_stored_inputs(test_x))
        model["test_labels"] = test_y
        model["eval_data"] = f"the test set stored here: /model/test_inputs, /model/test_labels ({len(test_x)} inputs)"
        say(f"accuracy on {len(test_x)} test inputs: float {trace.float_metric:.4f}, int8 {trace.int8_metric:.4f} "
            f"({time.time() - t0:.1f} s)")
    trace.description = (
        (description + " " if description else "") +
        f"Imported from PyTorch by trsim trace from-torch: batch norm folded, weights int8 per tensor "
        f"(max|w|/127), layer inputs per tensor at their maximum over {len(cal)} calibration inputs (/255 "
        f"unsigned, /127 signed), graph in /model. Inputs: the int8 model's layer inputs for "
        f"{len(rec_x)} {'test' if test_x is not None else 'calibration'} inputs." +
        (f" Float accuracy {trace.float_metric:.4f}, int8 {trace.int8_metric:.4f} on the {len(test_x)} stored test "
         f"inputs." if test_x is not None else " No test set: no accuracy."))
    return trace


def _dumps(graph) -> str:
    import json
    return json.dumps(graph, separators=(",", ":"))

