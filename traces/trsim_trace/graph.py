"""The network graph of a format-2 trace (``/model`` attribute ``architecture = "graph"``): how the trace's
layers connect, with the elementwise work between them (residual adds, squeeze-and-excitation scaling,
pooling, activations) that is not array work.

``/model`` attribute ``graph`` is a JSON list of nodes in execution order; every node but ``output`` names
its result ``out`` (unique; ``input`` is the network input)::

    {"op": "layer", "layer": NAME, "input": T, "signed": B, "act": A, "out": T}  a trace layer on tensor T
    {"op": "add", "inputs": [T, T], "act": A, "out": T}                            elementwise sum
    {"op": "mul", "inputs": [T, S], "out": T}          T [B, C, H, W] scaled by S [B, C, 1, 1] (SE)
    {"op": "avgpool", "input": T, "out": T}             global average pool to [B, C, 1, 1]
    {"op": "output", "input": T}                        the logits (last node)

``A`` is one of ``none relu relu6 sigmoid``. A layer quantizes its float input with its ``x_scale``:
``signed`` false: ``clip(rint(a / x_scale), 0, 255)``, true: ``clip(..., -127, 127)``, adds its float
``bias`` after the GEMM and applies ``act``. An fc layer flattens its input (C, H, W order).
"""

from __future__ import annotations

import json
from typing import Callable, Dict, List

import numpy as np

ACTIVATIONS: Dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "none": lambda a: a,
    "relu": lambda a: np.maximum(a, 0),
    "relu6": lambda a: np.clip(a, 0, 6),
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)),
}
OPS = ("layer", "add", "mul", "avgpool", "output")


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
        srcs = n.get("inputs", []) if op in ("add", "mul") else [n.get("input")]
        if op in ("add", "mul") and (not isinstance(srcs, list) or len(srcs) != 2):
            problems.append(f"{w} ({op}): 'inputs' must list two tensors")
            srcs = []
        for s in srcs:
            if s not in known:
                problems.append(f"{w} ({op}): input {s!r} is not the network input or an earlier node's 'out'")
        if n.get("act", "none") not in ACTIVATIONS:
            problems.append(f"{w} ({op}): 'act' must be one of {tuple(ACTIVATIONS)}, got {n.get('act')!r}")
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


def run_graph(nodes: List[dict], x: np.ndarray, layer_fn) -> np.ndarray:
    """Evaluate the graph on input ``x``; ``layer_fn(node, a)`` computes a layer node's pre-activation."""
    env = {"input": x}
    for n in nodes:
        op = n["op"]
        if op == "output":
            return env[n["input"]]
        if op == "layer":
            y = layer_fn(n, env[n["input"]])
        elif op == "add":
            y = env[n["inputs"][0]] + env[n["inputs"][1]]
        elif op == "mul":
            y = env[n["inputs"][0]] * env[n["inputs"][1]]
        else:  # avgpool
            y = env[n["input"]].mean(axis=(2, 3), keepdims=True)
        env[n["out"]] = ACTIVATIONS[n.get("act", "none")](y)
    raise ValueError("graph has no output node")
