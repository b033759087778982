"""The network graph of a format-2 trace (``/model`` attribute ``architecture = "graph"``): how the trace's
layers connect, with the elementwise work between them (residual adds, squeeze-and-excitation scaling,
pooling, activations) that is not array work.

``/model`` attribute ``graph`` is a JSON list of nodes in execution order; every node but ``output`` names
its result ``out`` (unique; ``input`` is the network input). Tensors are float64 ``[B, C, H, W]`` (or
``[B, F]`` after ``flatten`` / an fc layer)::

    {"op": "layer", "layer": NAME, "input": T, "signed": B, "act": A, "out": T}  a trace layer on tensor T
    {"op": "add", "inputs": [T, T], "act": A, "out": T}          elementwise sum (residual add)
    {"op": "mul", "inputs": [T, S], "out": T}                    elementwise product, broadcasting (SE: T [B, C,
                                                                 H, W] times S [B, C, 1, 1], either order)
    {"op": "avgpool", "input": T, "out": T}                      global average pool to [B, C, 1, 1]
    {"op": "act", "input": T, "act": A, "out": T}                an activation on its own
    {"op": "maxpool", "input": T, "kernel": K, "stride": S, "padding": P, "out": T}
                                                                 max over K x K windows (padding: -inf)
    {"op": "avgpool2d", "input": T, "kernel": K, "stride": S, "padding": P, "count_include_pad": B, "out": T}
                                                                 mean over K x K windows (padding: zeros,
                                                                 counted unless count_include_pad is false)
    {"op": "adaptive_avgpool", "input": T, "size": [OH, OW], "out": T}
                                                                 PyTorch's adaptive average pool: output cell
                                                                 (i, j) is the mean of rows floor(i H / OH) ..
                                                                 ceil((i + 1) H / OH) - 1 (columns alike)
    {"op": "flatten", "input": T, "out": T}                      [B, ...] -> [B, F] in (C, H, W) order
    {"op": "concat", "inputs": [T, ...], "out": T}               along the channels (axis 1)
    {"op": "output", "input": T}                                 the logits (last node)

``A`` is one of ``none relu relu6 sigmoid silu hardswish hardsigmoid tanh``; ``act`` is optional on
``layer``, ``add`` and ``mul`` (default none). A layer quantizes its float input with its ``x_scale``:
``signed`` false: ``clip(rint(a / x_scale), 0, 255)``, true: ``clip(..., -127, 127)``, adds its float
``bias`` after the GEMM and applies ``act``. An fc layer flattens its input (C, H, W order). ``K``, ``S``,
``P`` are integers (square windows, symmetric padding), ``kernel`` >= 1, ``stride`` >= 1, 0 <= ``padding``
<= kernel / 2. The ops after ``output`` in the first table (``act`` .. ``concat``) came with the PyTorch
importer (traces/trsim_trace/torch_import.py); traces written before only use the others.
"""

from __future__ import annotations

import json
from typing import Callable, Dict, List

import numpy as np


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


ACTIVATIONS: Dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "none": lambda a: a,
    "relu": lambda a: np.maximum(a, 0),
    "relu6": lambda a: np.minimum(np.maximum(a, 0), 6),
    "sigmoid": _sigmoid,
    "silu": lambda a: a * _sigmoid(a),
    "hardswish": lambda a: a * np.minimum(np.maximum(a + 3, 0), 6) / 6,
    "hardsigmoid": lambda a: np.minimum(np.maximum(a + 3, 0), 6) / 6,
    "tanh": np.tanh,
}
OPS = ("layer", "add", "mul", "avgpool", "act", "maxpool", "avgpool2d", "adaptive_avgpool", "flatten", "concat",
       "output")
MULTI_INPUT = ("add", "mul", "concat")
WINDOW_OPS = ("maxpool", "avgpool2d")


def parse_graph(text: str, layer_names, where: str = "graph") -> List[dict]:
    """Decode and check a graph; raise ValueError naming the node and what is wrong."""
    try:
        nodes = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: not valid JSON: {exc}") from None
    problems = check_graph(nodes, layer_names, where)
    if problems:
        raise ValueError("\n".join(problems))
    return nodes


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_params(n: dict, w: str, problems: List[str]) -> None:
    op = n["op"]
    if op in WINDOW_OPS:
        k, s, p = n.get("kernel"), n.get("stride"), n.get("padding")
        if not (_is_int(k) and k >= 1 and _is_int(s) and s >= 1 and _is_int(p) and 0 <= p <= k // 2):
            problems.append(f"{w} ({op}): 'kernel' >= 1, 'stride' >= 1 and 0 <= 'padding' <= kernel / 2 must be "
                            f"integers, got {k!r}, {s!r}, {p!r}")
        if op == "avgpool2d" and not isinstance(n.get("count_include_pad", True), bool):
            problems.append(f"{w} ({op}): 'count_include_pad' must be true or false")
    if op == "adaptive_avgpool":
        size = n.get("size")
        if not (isinstance(size, list) and len(size) == 2 and all(_is_int(v) and v >= 1 for v in size)):
            problems.append(f"{w} ({op}): 'size' must be [OH, OW], two integers >= 1, got {size!r}")
    if op == "act" and "act" not in n:
        problems.append(f"{w} (act): 'act' missing")


def check_graph(nodes, layer_names, where: str = "graph") -> List[str]:
    if not isinstance(nodes, list) or not nodes:
        return [f"{where}: must be a non-empty JSON list of nodes"]
    problems: List[str] = []
    known = {"input"}
    used_layers = []
    for i, n in enumerate(nodes):
        w = f"{where}: node {i}"
        if not isinstance(n, dict) or n.get("op") not in OPS:
            problems.append(f"{w}: 'op' must be one of {OPS}")
            continue
        op = n["op"]
        srcs = n.get("inputs", []) if op in MULTI_INPUT else [n.get("input")]
        if op in ("add", "mul") and (not isinstance(srcs, list) or len(srcs) != 2):
            problems.append(f"{w} ({op}): 'inputs' must list two tensors")
            srcs = []
        if op == "concat" and (not isinstance(srcs, list) or len(srcs) < 2):
            problems.append(f"{w} ({op}): 'inputs' must list two or more tensors")
            srcs = []
        for s in srcs:
            if not isinstance(s, str) or s not in known:
                problems.append(f"{w} ({op}): input {s!r} is not the network input or an earlier node's 'out'")
        if n.get("act", "none") not in ACTIVATIONS:
            problems.append(f"{w} ({op}): 'act' must be one of {tuple(ACTIVATIONS)}, got {n.get('act')!r}")
        _check_params(n, w, problems)
        if op == "layer":
            if n.get("layer") not in layer_names:
                problems.append(f"{w}: layer {n.get('layer')!r} is not a layer of the trace")
            used_layers.append(n.get("layer"))
            if not isinstance(n.get("signed"), bool):
                problems.append(f"{w}: 'signed' must be true or false")
        if op == "output":
            if i != len(nodes) - 1:
                problems.append(f"{w}: 'output' must be the last node")
            continue
        out = n.get("out")
        if not isinstance(out, str) or out in known:
            problems.append(f"{w} ({op}): 'out' must be a new tensor name, got {out!r}")
        known.add(out)
    if nodes and isinstance(nodes[-1], dict) and nodes[-1].get("op") != "output":
        problems.append(f"{where}: the last node must be 'output'")
    if sorted(map(str, used_layers)) != sorted(layer_names):
        problems.append(f"{where}: every trace layer must appear exactly once in a 'layer' node "
                        f"(graph uses {sorted(map(str, used_layers))}, trace has {sorted(layer_names)})")
    return problems


def node_inputs(n: dict) -> List[str]:
    """The tensors a node reads."""
    return list(n["inputs"]) if n["op"] in MULTI_INPUT else [n["input"]]


# --------------------------------------------------------------------------- the elementwise ops

def _windows(a: np.ndarray, kernel: int, stride: int, padding: int, fill: float):
    """Every (i, j) offset of the K x K windows as strided views [B, C, OH, OW] of the padded input."""
    b, c, h, w = a.shape
    oh, ow = (h + 2 * padding - kernel) // stride + 1, (w + 2 * padding - kernel) // stride + 1
    if padding:
        a = np.pad(a, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=fill)
    for i in range(kernel):
        for j in range(kernel):
            yield i, j, a[:, :, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]


def maxpool(a: np.ndarray, kernel: int, stride: int, padding: int) -> np.ndarray:
    out = None
    for _, _, v in _windows(a, kernel, stride, padding, -np.inf):
        out = v.copy() if out is None else np.maximum(out, v)
    return out


def avgpool2d(a: np.ndarray, kernel: int, stride: int, padding: int, count_include_pad: bool = True) -> np.ndarray:
    """Sum of the window's values in row-major offset order, over the count (float64)."""
    out = None
    for _, _, v in _windows(a, kernel, stride, padding, 0.0):
        out = v.copy() if out is None else out + v
    if count_include_pad or not padding:
        return out / (kernel * kernel)
    ones = np.ones((1, 1) + a.shape[2:])
    count = None
    for _, _, v in _windows(ones, kernel, stride, padding, 0.0):
        count = v.copy() if count is None else count + v
    return out / count


def adaptive_avgpool(a: np.ndarray, size) -> np.ndarray:
    oh, ow = size
    h, w = a.shape[2:]
    out = np.empty(a.shape[:2] + (oh, ow))
    for i in range(oh):
        r0, r1 = (i * h) // oh, -(-((i + 1) * h) // oh)
        for j in range(ow):
            c0, c1 = (j * w) // ow, -(-((j + 1) * w) // ow)
            out[:, :, i, j] = a[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
    return out


def apply_op(n: dict, env: Dict[str, np.ndarray]) -> np.ndarray:
    """Any node but ``layer`` and ``output`` on the tensors of ``env`` (activation included)."""
    op = n["op"]
    if op == "add":
        y = env[n["inputs"][0]] + env[n["inputs"][1]]
    elif op == "mul":
        y = env[n["inputs"][0]] * env[n["inputs"][1]]
    elif op == "concat":
        y = np.concatenate([env[t] for t in n["inputs"]], axis=1)
    else:
        a = env[n["input"]]
        if op == "avgpool":
            y = a.mean(axis=(2, 3), keepdims=True)
        elif op == "act":
            y = a
        elif op == "maxpool":
            y = maxpool(a, n["kernel"], n["stride"], n["padding"])
        elif op == "avgpool2d":
            y = avgpool2d(a, n["kernel"], n["stride"], n["padding"], n.get("count_include_pad", True))
        elif op == "adaptive_avgpool":
            y = adaptive_avgpool(a, n["size"])
        elif op == "flatten":
            y = a.reshape(a.shape[0], -1)
        else:
            raise ValueError(f"unknown graph op {op!r}")
    return ACTIVATIONS[n.get("act", "none")](y)


def run_graph(nodes: List[dict], x: np.ndarray, layer_fn) -> np.ndarray:
    """Evaluate the graph on input ``x``; ``layer_fn(node, a)`` computes a layer node's pre-activation."""
    env = {"input": x}
    for n in nodes:
        op = n["op"]
        if op == "output":
            return env[n["input"]]
        if op == "layer":
            env[n["out"]] = ACTIVATIONS[n.get("act", "none")](layer_fn(n, env[n["input"]]))
        else:
            env[n["out"]] = apply_op(n, env)
    raise ValueError("graph has no output node")


def live_tensors(nodes: List[dict], start: int) -> List[str]:
    """Tensors defined before node ``start`` (or the input) that node ``start`` or a later one reads: what
    resuming the graph at ``start`` needs."""
    defined = {"input"} | {n["out"] for n in nodes[:start] if n["op"] != "output"}
    needed = []
    for n in nodes[start:]:
        for t in node_inputs(n):
            if t in defined and t not in needed:
                needed.append(t)
    return needed

