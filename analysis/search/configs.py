"""trsim configs the search writes: one per candidate (every layer the same, for its per-layer costs) and
best.yaml (the chosen assignment as per_layer entries). Each is the base config with the search's
overrides, whole and standalone: its paths rewritten relative to where it is written."""
from __future__ import annotations

import copy
import os
from typing import Dict, List, Sequence

import yaml

from .spec import SearchError, SearchSpec

PATH_KEYS = (("trace",), ("energy_table",), ("area_table",), ("outputs", "vcd"))


def _set(cfg: dict, dotted: str, value):
    node = cfg
    parts = dotted.split(".")
    for p in parts[:-1]:
        if not isinstance(node.get(p), dict):
            node[p] = {}
        node = node[p]
    node[parts[-1]] = value


def _get(cfg: dict, path: Sequence[str]):
    node = cfg
    for p in path:
        if not isinstance(node, dict) or p not in node:
            return None
        node = node[p]
    return node


def base_config(spec: SearchSpec) -> dict:
    """The base config with the search's set block and trace, its paths made absolute."""
    try:
        with open(spec.base, encoding="utf-8") as f:
            cfg = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as exc:
        raise SearchError(f"{spec.path}: base: {spec.base}: {str(exc).splitlines()[0]}") from None
    if not isinstance(cfg, dict):
        raise SearchError(f"{spec.path}: base: {spec.base}: not a trsim config (a map)")
    if cfg.get("per_layer"):
        raise SearchError(f"{spec.path}: base: {spec.base} has per_layer entries; the search sets per_layer itself")
    here = os.path.dirname(spec.base)
    for path in PATH_KEYS:
        v = _get(cfg, path)
        if isinstance(v, str) and v:
            _set(cfg, ".".join(path), os.path.normpath(os.path.join(here, v)))
    for k, v in spec.overrides.items():
        _set(cfg, k, v)
    if spec.trace:
        cfg["trace"] = spec.trace
    return cfg


def trace_path(cfg: dict) -> str:
    return cfg["trace"]


def uniform_config(base: dict, keys: Dict[str, object]) -> dict:
    cfg = copy.deepcopy(base)
    for k, v in keys.items():
        _set(cfg, k, v)
    return cfg


def assignment_config(base: dict, spec: SearchSpec, layers: List[str], assignment: Sequence[int]) -> dict:
    """The base with the most common candidate of the assignment in operands, and a per_layer entry per
    other candidate naming its layers (trace order)."""
    names = spec.names
    counts = {c: list(assignment).count(c) for c in assignment}
    default = max(assignment, key=lambda c: (counts[c], -list(assignment).index(c)))
    cfg = uniform_config(base, spec.candidates[names[default]])
    entries = []
    for c in dict.fromkeys(assignment):
        if c == default:
            continue
        picked = [layers[i] for i, a in enumerate(assignment) if a == c]
        keys = dict(spec.candidates[names[c]])
        # per_layer sets only what the candidate names; what it leaves to the base is set back explicitly,
        # so the layer runs exactly the candidate (not a mix with the default candidate's keys).
        for k in spec.candidates[names[default]]:
            if k not in keys:
                keys[k] = _get(base, k.split("."))
        entries.append({"layers": ",".join(picked), "set": keys})
    if entries:
        cfg["per_layer"] = entries
    return cfg


def write_config(path: str, cfg: dict, header: Sequence[str]) -> None:
    """Writes `cfg` with its paths relative to `path`'s directory (temp file + rename)."""
    out = copy.deepcopy(cfg)
    here = os.path.dirname(os.path.abspath(path))
    for p in PATH_KEYS:
        v = _get(out, p)
        if isinstance(v, str) and v and os.path.isabs(v):
            _set(out, ".".join(p), os.path.relpath(v, here))
    text = "".join(f"# {line}\n" for line in header) + yaml.safe_dump(out, sort_keys=False, default_flow_style=None)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
