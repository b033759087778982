"""The search file (SEARCH.yaml): what to search, read and checked once; every problem names the file and
the key.

    base: ../default.yaml                # trsim config every run starts from (relative to this file)
    trace: ../../traces/bundled/resnet_fashion_mnist.h5   # optional: replaces the base config's trace
    set: {array.rows: 32}                # optional: --set overrides for every run (dotted keys)
    objective: cycles                    # cycles | energy (energy_total_pj) | on_chip_energy (energy_on_chip_pj)
    tolerance: 0.5                       # accuracy points the result may lose against the reference
    reference: int8                      # the candidate whose accuracy is the reference (default: the first)
    candidates:                          # per-layer settings: name -> per_layer keys and values
      int8: {operands.weights.budget: none, operands.data.budget: none}
      16x3: {operands.weights.budget: 16, operands.data.budget: 3}
    max_evaluations: 300                 # optional: accuracy evaluations the search may spend
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List

TOP_KEYS = ("base", "trace", "set", "objective", "tolerance", "reference", "candidates", "max_evaluations")
# The keys a layer may set apart (sim/config/PerLayer.cpp perLayerKeys(); tests/e2e compares the two).
PER_LAYER_KEYS = tuple(f"operands.{op}.{k}" for op in ("weights", "data")
                       for k in ("encoding", "group_size", "budget", "quantize_bits"))
# objective -> trsim's per-layer statistic
OBJECTIVES = {"cycles": "cycles", "energy": "energy_total_pj", "on_chip_energy": "energy_on_chip_pj"}


class SearchError(Exception):
    """A bad search file or a failed step: one line naming the file (and key), exit status 1 (4: a run)."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


@dataclass
class SearchSpec:
    path: str
    text: str
    base: str                        # absolute
    trace: str                       # absolute, or "" for the base config's
    overrides: Dict[str, object]
    objective: str
    tolerance: float                 # accuracy points
    reference: str
    candidates: Dict[str, Dict[str, object]] = field(default_factory=dict)
    max_evaluations: int = 300

    @property
    def names(self) -> List[str]:
        return list(self.candidates)


def load_spec(path: str) -> SearchSpec:
    def bad(key: str, what: str):
        raise SearchError(f"{path}: {key}: {what}" if key else f"{path}: {what}")

    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise SearchError(f"{path}: cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise SearchError(f"{path}: not UTF-8 text (byte {exc.start}): not a search file") from None
    if "\0" in text:
        raise SearchError(f"{path}: holds NUL bytes: not a search file")
    import yaml  # python3-yaml: only the search reads YAML in analysis/

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SearchError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(doc, dict):
        bad("", f"top level must be a map (allowed keys: {', '.join(TOP_KEYS)})")
    for k in doc:
        if k not in TOP_KEYS:
            bad(str(k), f"unknown key (allowed: {', '.join(TOP_KEYS)})")
    here = os.path.dirname(os.path.abspath(path))

    def file_key(key: str, required: bool) -> str:
        v = doc.get(key)
        if v is None:
            if required:
                bad(key, "missing (a file, relative to the search file)")
            return ""
        if not isinstance(v, str) or not v:
            bad(key, "must name a file")
        p = os.path.normpath(os.path.join(here, v))
        if not os.path.isfile(p):
            bad(key, f"'{p}': no such file")
        return p

    base, trace = file_key("base", True), file_key("trace", False)
    overrides = doc.get("set") or {}
    if not isinstance(overrides, dict):
        bad("set", "must be a map of dotted config keys to values")
    for k in overrides:
        if k in ("trace", "per_layer") or str(k).startswith("per_layer"):
            bad(f"set.{k}", "not here: the trace is the search file's 'trace' key, per_layer is what the search sets")
    objective = doc.get("objective", "cycles")
    if objective not in OBJECTIVES:
        bad("objective", f"'{objective}' is not allowed (allowed: {', '.join(OBJECTIVES)})")
    tolerance = doc.get("tolerance", 0.5)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance <= 100:
        bad("tolerance", f"{tolerance!r} is not allowed (allowed: accuracy points 0..100)")
    cands = doc.get("candidates")
    if not isinstance(cands, dict) or len(cands) < 2:
        bad("candidates", "must map at least two names to {per-layer key: value} settings")
    candidates: Dict[str, Dict[str, object]] = {}
    for name, keys in cands.items():
        where = f"candidates.{name}"
        if not isinstance(name, str) or not name or any(ch in name for ch in "|=,;\t\n"):
            bad(where, "a name must be a non-empty word without | = , ;")
        if keys is None:
            keys = {}
        if not isinstance(keys, dict):
            bad(where, f"must be a map of per-layer keys to values (keys: {', '.join(PER_LAYER_KEYS)})")
        for k in keys:
            if k not in PER_LAYER_KEYS:
                bad(f"{where}.{k}", f"cannot differ per layer (keys that can: {', '.join(PER_LAYER_KEYS)})")
        candidates[name] = dict(keys)
    reference = doc.get("reference", next(iter(candidates)))
    if reference not in candidates:
        bad("reference", f"'{reference}' is not a candidate (candidates: {', '.join(candidates)})")
    max_eval = doc.get("max_evaluations", 300)
    if isinstance(max_eval, bool) or not isinstance(max_eval, int) or max_eval < 1:
        bad("max_evaluations", f"{max_eval!r} is not allowed (allowed: an integer >= 1)")
    return SearchSpec(path=os.path.abspath(path), text=text, base=base, trace=trace, overrides=dict(overrides),
                      objective=objective, tolerance=float(tolerance), reference=reference, candidates=candidates,
                      max_evaluations=max_eval)
