#!/usr/bin/python3
"""Score a trained trace's accuracy (perplexity) under any TR / QT setting, once: the result goes to the
trace's score cache (``<trace>.scores.tsv``, traces/score_cache.py) where ``trsim run`` and ``trsim sweep``
find it.

    /usr/bin/python3 traces/score.py setting TRACE KEY [KEY ...]   # score settings (canonical keys)
    /usr/bin/python3 traces/score.py sweep SWEEP.yaml [--trsim build/trsim]  # every point of a sweep
    /usr/bin/python3 traces/score.py show TRACE                    # what is known for a trace

A key is ``w=<operand>;d=<operand>``, operand ``exact:q<b>`` or ``<enc>:g<g>:k<k>:q<b>`` with ``b`` the
``quantize_bits`` or ``none`` (trsim_trace/setting.py), or a per-layer key ``<setting>|<layer>=<setting>...``
(trsim's per_layer: the default setting, then the layers set apart); ``trsim run`` prints the key of a configuration it
has no score for (and, with accuracy.score: auto, runs this itself). Scoring re-runs the trace's integer
model on its whole test set with exactly trsim's operand rules (traces/trsim_trace/intmodel.py, through the
simulator's own functional model; traces/tr_accuracy.py is the reference it equals); settings the trace
already knows (the int8 model: no budget and no QT; rows of its /tr_accuracy table) are not re-scored.
``setting`` options: --threads N (batches at once, default every core), --values (stdout: only
KEY<TAB>VALUE per key, what trsim reads; the rest on stderr), --quiet (errors only). Errors are one line
on stderr naming the file (traces/trsim_trace/tool.py), exit status 1 (a bad trace, key or score cache:
CRLF endings are fine, a setting on two lines or a value outside its metric's range is named with its
line), 4 an unexpected failure; TRSIM_DEBUG=1 adds the traceback. A cache that cannot be written (a
read-only directory) leaves the score printed and "not cached". ``sweep`` reads the points with ``trsim sweep
--list`` and the base config and ``set`` block of the sweep file (PyYAML), and scores each missing setting
with a progress bar and its time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from typing import Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import tr_accuracy as tra  # noqa: E402
from score_cache import ScoreCache  # noqa: E402
from trsim_trace import intmodel as im  # noqa: E402
from trsim_trace import tool  # noqa: E402
from trsim_trace import Trace, TraceError, read_trace  # noqa: E402
from trsim_trace.setting import Operand, Setting, check_key, describe_settings, parse_key, settings_key  # noqa: E402

EXACT_KINDS = ("mac", "stripes", "pragmatic", "laconic")  # PE kinds whose products are exact


def known_value(trace: Trace, setting: Setting) -> Tuple[Optional[float], str]:
    """A value the trace itself holds for ``setting``, and where it comes from."""
    w, d = setting.weights, setting.data
    if trace.int8_metric is not None and w.key() == d.key() == "exact:qnone":
        return trace.int8_metric, "the trace's int8_metric"
    if trace.tr_accuracy is not None and w.quantize_bits is None and d.quantize_bits is None:
        for p in trace.tr_accuracy.points:
            s = Setting(Operand(p.w_encoding, p.w_group_size, p.w_budget),
                        Operand(p.d_encoding, p.d_group_size, p.d_budget))
            if s.key() == setting.key():
                return p.value, "the trace's /tr_accuracy table"
    return None, ""


def why_unscorable(trace: Trace) -> Optional[str]:
    if trace.source != "trained" or trace.metric is None:
        return f"{trace.network} is a {trace.source} trace without a metric: there is no accuracy to score"
    try:
        arch = im.architecture(trace)
    except ValueError as exc:
        return str(exc)
    if arch != "lstm_lm_tied" and not im.has_test_set(trace) and not trace.network.endswith(im.FASHION_MNIST):
        return (f"{trace.network} stores no test set (/model datasets test_inputs, test_labels; "
                f"`trsim trace from-torch` writes them): no data to score it on")
    return None


def score(trace_path: str, keys: List[str], data=None, out=sys.stdout, threads: Optional[int] = None,
          values_to=None, progress: bool = True) -> Dict[str, float]:
    """Score every key not yet known for the trace; returns key -> value. ``values_to`` (a stream) gets one
    ``KEY<TAB>VALUE`` line per requested key, as given (what trsim reads back)."""
    trace = read_trace(trace_path)
    problem = why_unscorable(trace)
    if problem:
        raise ScoreError(f"{trace_path}: {problem}")
    cache = ScoreCache(trace_path, trace.metric)
    if cache.stale:
        print(f"{cache.path}: scores of another version of the trace, discarded", file=out)
    values = {}
    todo = []
    asked = {}
    for key in keys:
        parsed = parse_key(key, trace)  # a Setting, or {layer: Setting} for a per-layer key
        canonical = settings_key(parsed, trace)
        setting = parse_key(canonical, trace)
        if isinstance(setting, Setting):
            setting = setting.for_trace(trace)
        asked[key] = canonical
        v, where = known_value(trace, setting) if isinstance(setting, Setting) else (None, "")
        if v is None:
            v = cache.get(canonical)
            where = "cached"
        if v is None:
            if canonical not in [k for k, _ in todo]:
                todo.append((canonical, setting))
        else:
            values[canonical] = v
            print(f"{trace.network}  {canonical}  {trace.metric} {v:.6g}  ({where})", file=out)
    if todo and data is None and im.architecture(trace) != "lstm_lm_tied":
        data = im.eval_data(trace)
    scorer = None
    for i, (key, setting) in enumerate(todo):
        t0 = time.time()
        label = f"scoring [{i + 1}/{len(todo)}] {trace.network} {describe_settings(setting)}"
        if scorer is None:
            scorer = im.Scorer(trace, setting, threads=threads)
        else:
            scorer.set_settings(setting)
        v = scorer.evaluate(data, progress=tra.Progress(label) if progress else None)
        dt = time.time() - t0
        values[key] = v
        try:
            cache.put(key, v, dt)
            note = f"scored in {dt:.1f} s"
        except (OSError, ValueError) as exc:
            note = f"scored in {dt:.1f} s, not cached: {tool.message_of(exc)}"
        print(f"{trace.network}  {key}  {trace.metric} {v:.6g}  ({note})", file=out, flush=True)
    if values_to is not None:
        for key, canonical in asked.items():
            values_to.write(f"{key}\t{values[canonical]!r}\n")
        values_to.flush()
    return values


class ScoreError(Exception):
    """A trace or setting that cannot be scored: one line, exit status 1."""


# --------------------------------------------------------------------------- settings of a sweep's points

def _lookup(tree, dotted: str):
    node = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _budget(v) -> Optional[int]:
    return None if v is None or str(v).lower() in ("none", "null", "~") else int(v)


def _bits(v) -> Optional[int]:
    return None if v is None or str(v).lower() in ("none", "null", "~") else int(v)


def point_setting(get) -> Optional[Setting]:
    """The scoring setting of a resolved config (``get(dotted key)``); None for PE kinds not scored and for
    points with per_layer entries (their layer selections are resolved by trsim, whose sweep scores them:
    accuracy.score auto)."""
    kind = str(get("pe.kind") or "tr")
    if kind not in EXACT_KINDS + ("tr",) or get("per_layer"):
        return None

    def operand(which, group_default):
        qb = _bits(get(f"operands.{which}.quantize_bits"))
        if kind != "tr":
            return Operand(quantize_bits=qb)
        return Operand(str(get(f"operands.{which}.encoding") or "hese"),
                       int(get(f"operands.{which}.group_size") or group_default),
                       _budget(get(f"operands.{which}.budget")), qb)
    return Setting(operand("weights", 8), operand("data", 1))


def sweep_points(sweep_path: str, trsim: str):
    """[(point index, trace path, Setting or None)] of every point of a sweep file."""
    import yaml

    def load(path, what):
        try:
            with open(path, encoding="utf-8") as f:
                return yaml.safe_load(f)
        except OSError as exc:
            raise ScoreError(f"{path}: the {what} cannot be read: {exc.strerror}") from None
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ScoreError(f"{path}: the {what} is not valid YAML: {tool.one_line(exc)}") from None
    spec = load(sweep_path, "sweep file")
    if not isinstance(spec, dict) or not isinstance(spec.get("base"), str):
        raise ScoreError(f"{sweep_path}: base: missing (the sweep file names its base config)")
    base_path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(sweep_path)), spec["base"]))
    base = load(base_path, "base config")
    fixed = {k: v for k, v in (spec.get("set") or {}).items()}
    listing = subprocess.run([trsim, "sweep", sweep_path, "--list"], capture_output=True, text=True)
    if listing.returncode:  # trsim named the problem on one line: pass it on
        raise ScoreError(f"{sweep_path}: trsim sweep --list failed: {tool.one_line(listing.stderr)}")
    # The swept keys: of one block (a map) or of every block of a list (sweep blocks, docs/user-guide/sweeps.md).
    blocks = spec.get("sweep") or {}
    blocks = blocks if isinstance(blocks, list) else [blocks]
    keys = list(dict.fromkeys(k for b in blocks for kind in ("product", "zip") for k in ((b or {}).get(kind) or {})))
    out = []
    for line in listing.stdout.splitlines():
        parts = line.split(" ")
        swept, key = {}, None
        for token in parts[2:]:  # a value may hold spaces (a swept per_layer list): tokens up to the next key
            start = next((k for k in keys if token.startswith(k + "=")), None)
            if start is not None:
                key = start
                swept[key] = token[len(key) + 1:]
            elif key is not None:
                swept[key] += " " + token
        swept = {k: yaml.safe_load(v) for k, v in swept.items()}

        def get(key, swept=swept):
            for layer in (swept, fixed):
                if key in layer:
                    return layer[key]
            return _lookup(base, key)
        trace = get("trace")
        trace = os.path.normpath(os.path.join(os.path.dirname(base_path), str(trace)))
        out.append((int(parts[0]), trace, point_setting(get)))
    return out


def score_sweep(sweep_path: str, trsim: str) -> int:
    points = sweep_points(sweep_path, trsim)
    by_trace: Dict[str, List[str]] = {}
    for _, trace, setting in points:
        if setting is not None:
            by_trace.setdefault(trace, [])
            if setting.key() not in by_trace[trace]:
                by_trace[trace].append(setting.key())
    t0 = time.time()
    print(f"{sweep_path}: {len(points)} points, {sum(map(len, by_trace.values()))} settings over "
          f"{len(by_trace)} traces", flush=True)
    for trace, keys in by_trace.items():
        t = read_trace(trace)
        problem = why_unscorable(t)
        if problem:
            print(f"{trace}: not scored: {problem}")
            continue
        score(trace, keys)
    print(f"done in {time.time() - t0:.0f} s")
    return 0


def show(trace_path: str) -> int:
    trace = read_trace(trace_path)
    problem = why_unscorable(trace)
    if problem:
        print(f"{trace_path}: {problem}")
        return 0
    cache = ScoreCache(trace_path, trace.metric)
    print(f"{trace_path}: {trace.metric}, int8 {trace.int8_metric}; cache {cache.path}"
          f"{' (stale)' if cache.stale else ''}: {len(cache.entries)} settings")
    for k, (v, s) in sorted(cache.entries.items()):
        print(f"  {k:45s} {v:.6g}  ({s:.1f} s)")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("setting", help="score settings of one trace")
    p.add_argument("trace")
    p.add_argument("keys", nargs="+")
    p.add_argument("--threads", type=int, default=None, help="batches scored at once (default: every core)")
    p.add_argument("--values", action="store_true",
                   help="stdout: only KEY<TAB>VALUE per key (what trsim reads); the rest goes to stderr")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no lines but errors")
    p = sub.add_parser("sweep", help="score every point of a sweep file")
    p.add_argument("sweep")
    p.add_argument("--trsim", default=os.path.join(os.path.dirname(HERE), "build", "trsim"))
    p = sub.add_parser("show", help="the cached scores of a trace")
    p.add_argument("trace")
    a = ap.parse_args(argv)
    if a.cmd == "setting":
        for k in a.keys:
            try:
                check_key(k)  # per-layer keys' layer names are checked against the trace
            except ValueError as exc:
                ap.error(str(exc))

    def body():
        if a.cmd == "setting":
            out = open(os.devnull, "w") if a.quiet else (sys.stderr if a.values else sys.stdout)
            score(a.trace, a.keys, out=out, threads=a.threads, values_to=sys.stdout if a.values else None,
                  progress=not a.quiet)
            return 0
        if a.cmd == "sweep":
            return score_sweep(a.sweep, a.trsim)
        return show(a.trace)
    # Errors are one line naming the file (traces/trsim_trace/tool.py): a trace, cache or key that cannot be
    # scored is invalid input (1); TRSIM_DEBUG=1 adds the traceback.
    return tool.run("score.py", body, invalid=(ScoreError, TraceError, ValueError))


if __name__ == "__main__":
    sys.exit(main())
