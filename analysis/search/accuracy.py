"""Accuracy of per-layer assignments: the fast exact scorer (traces/trsim_trace/intmodel.py) on the trace's
whole test set, each assignment's value kept in DIR/scores.tsv (a rerun reads it back) and read from the
trace's own score cache when it is there.

Single-layer changes of one assignment (the sensitivity step, refinement rounds) share one walk through
the network: per chunk of test images the graph runs once under the base assignment, and at each changed
layer only the rest of the network runs again with that layer's candidate (``Scorer.prefix``,
``advance``, ``logits_from``). Chunks only bound memory: every image's logits are the same bits whatever
its batch, so an accuracy is the scorer's own (``traces/score.py`` gives the same value for the same key).
"""
from __future__ import annotations

import os
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence

from . import method

_TRACES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "traces")
if _TRACES not in sys.path:
    sys.path.insert(0, _TRACES)

from score_cache import ScoreCache  # noqa: E402
from trsim_trace import intmodel as im  # noqa: E402
from trsim_trace import read_trace  # noqa: E402
from trsim_trace.setting import EXACT, Setting, settings_key  # noqa: E402

CHUNK = 2500  # test images per walk: bounds the activations a prefix holds


class Memo:
    """Accuracies by canonical setting key: DIR/scores.tsv (this search's), then the trace's score cache and
    int8 metric. New values are appended to DIR/scores.tsv at once (a killed search loses nothing)."""

    def __init__(self, path: str, trace_path: str, trace):
        self.path, self.values, self.seconds = path, {}, {}
        self.trace_cache = ScoreCache(trace_path, trace.metric)
        self.sha = self.trace_cache.sha
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
            if f"# trace_sha256\t{self.sha}" not in lines[:3]:
                os.replace(path, path + ".stale")  # the values of another version of the trace
                lines = []
            for line in lines:
                parts = line.split("\t")
                if len(parts) == 3 and not line.startswith("#"):
                    self.values[parts[0]] = float(parts[1])
                    self.seconds[parts[0]] = float(parts[2])
        self.resumed = len(self.values)
        self.int8 = trace.int8_metric
        self.exact_key = EXACT.key()

    def get(self, key: str) -> Optional[float]:
        if key in self.values:
            return self.values[key]
        if key == self.exact_key and self.int8 is not None:
            return self.int8
        return None if self.trace_cache.stale else self.trace_cache.get(key)

    def put(self, key: str, value: float, seconds: float):
        self.values[key] = value
        self.seconds[key] = seconds
        new = not os.path.exists(self.path)
        with open(self.path, "a", encoding="utf-8") as f:
            if new:
                f.write("# analysis search: accuracy of every evaluated assignment (key, value, seconds)\n"
                        f"# trace_sha256\t{self.sha}\n")
            f.write(f"{key}\t{value!r}\t{seconds:.2f}\n")
            f.flush()
            os.fsync(f.fileno())


class ScorerOracle(method.Oracle):
    """The search's oracle on a trained trace: candidate c of layer l is ``settings[c]``."""

    def __init__(self, trace_path: str, settings: List[Setting], memo_path: str, threads: Optional[int] = None,
                 log: Callable[[str], None] = lambda _: None, describe: Callable[[method.Assignment], str] = str):
        self.trace_path = trace_path
        self.trace = read_trace(trace_path)
        if im.architecture(self.trace) == "lstm_lm_tied":
            raise ValueError(f"{trace_path}: the search scores accuracy on a test set; the LSTM language "
                             f"model's perplexity is not supported")
        self.layers = [la.name for la in self.trace.layers]
        self.settings = settings
        self.memo = Memo(memo_path, trace_path, self.trace)
        self.log, self.describe = log, describe
        self.scorer = im.Scorer(self.trace, EXACT, threads=threads)
        self.node = {name: self.scorer.node_of(name) for name in self.layers}
        self._data = None
        self.computed = 0
        self.seconds = 0.0

    @property
    def data(self):
        if self._data is None:
            self._data = im.eval_data(self.trace)
        return self._data

    def mapping(self, a: method.Assignment) -> Dict[str, Setting]:
        return {name: self.settings[c] for name, c in zip(self.layers, a)}

    def key(self, a: method.Assignment) -> str:
        return settings_key(self.mapping(a), self.trace)

    def evaluate(self, assignments: Sequence[method.Assignment]) -> List[float]:
        out = []
        for a in assignments:
            key = self.key(a)
            v = self.memo.get(key)
            if v is None:
                t0 = time.time()
                x, y = self.data
                self.scorer.set_settings(self.mapping(a))
                v = float((self.scorer.logits(x).argmax(axis=1) == y).mean())
                self._done(key, v, time.time() - t0)
                self.log(f"  scored {self.describe(a)}: {v:.4f} ({time.time() - t0:.1f} s)")
            out.append(v)
        return out

    def moves(self, base: method.Assignment, moves: Sequence[method.Move]) -> List[float]:
        keys = [self.key(method.apply(base, m)) for m in moves]
        values = [self.memo.get(k) for k in keys]
        todo = [j for j, v in enumerate(values) if v is None and keys[j] not in keys[:j]]
        if todo:
            t0 = time.time()
            correct = self._walk(base, [moves[j] for j in todo])
            n = len(self.data[1])
            for j, c in zip(todo, correct):
                self._done(keys[j], float(c / n), (time.time() - t0) / len(todo))
        return [self.memo.get(k) for k in keys]

    def _walk(self, base: method.Assignment, moves: Sequence[method.Move]) -> List[int]:
        """Correct predictions of each move (base with one layer changed), one walk per chunk of images."""
        x, y = self.data
        base_map = self.mapping(base)
        order = sorted(range(len(moves)), key=lambda j: (self.node[self.layers[moves[j][0]]], j))
        correct = [0] * len(moves)
        for c0 in range(0, len(x), CHUNK):
            xs, ys = x[c0:c0 + CHUNK], y[c0:c0 + CHUNK]
            prefix = None
            for j in order:
                layer = self.layers[moves[j][0]]
                self.scorer.set_settings(base_map)
                if prefix is None:
                    prefix = self.scorer.prefix(xs, layer)
                elif prefix.start != self.node[layer]:
                    prefix = self.scorer.advance(prefix, layer)
                changed = dict(base_map)
                changed[layer] = self.settings[moves[j][1]]
                self.scorer.set_settings(changed)
                correct[j] += int((self.scorer.logits_from(prefix).argmax(axis=1) == ys).sum())
            self.log(f"  {min(c0 + CHUNK, len(x))}/{len(x)} test images through {len(moves)} assignments")
        return correct

    def _done(self, key: str, value: float, seconds: float):
        self.memo.put(key, value, seconds)
        self.computed += 1
        self.seconds += seconds

    def publish(self, keys: Sequence[str]):
        """Puts these keys' accuracies into the trace's own score cache, where trsim run finds them."""
        cache = ScoreCache(self.trace_path, self.trace.metric)
        for k in keys:
            if cache.get(k) is None and k in self.memo.values:
                cache.put(k, self.memo.values[k], self.memo.seconds[k])

