"""The accuracy score cache of a trace: ``<trace>.scores.tsv`` beside it (the trace itself is never modified).

Text, one setting per line, read by trsim (sim/io/ScoreCache.cpp) and by traces/score.py::

    # trsim accuracy scores                       (comment lines start with '#')
    # trace_bytes<TAB>657767                      size of the trace the scores belong to (trsim checks it)
    # trace_sha256<TAB>ab12...                    its SHA-256 (score.py checks it)
    # metric<TAB>accuracy                         the trace's metric (accuracy: fraction; perplexity)
    w=hese:g8:k12:qnone;d=hese:g1:k3:qnone<TAB>0.8762<TAB>12.3      key, value, seconds it took

Keys are canonical setting keys (``trsim_trace.setting.Setting.key``), sorted. Writes hold an exclusive lock
(``<cache>.lock``), re-read the file, merge and replace it atomically (temp file + rename), so concurrent
scorers of the same trace lose nothing and a reader never sees half a file.
"""

from __future__ import annotations

import fcntl
import hashlib
import math
import os
import tempfile
from contextlib import contextmanager
from typing import Dict, Optional, Tuple

SUFFIX = ".scores.tsv"


def cache_path(trace_path: str) -> str:
    return trace_path + SUFFIX


def out_of_range(value: float, metric: Optional[str]) -> Optional[str]:
    """Why ``value`` cannot be a score of ``metric`` (None when it can): accuracy is a fraction in [0, 1],
    perplexity a finite number >= 1, any other metric a finite number."""
    if not math.isfinite(value):
        return "is not finite"
    if metric == "accuracy" and not 0.0 <= value <= 1.0:
        return "is outside the allowed range [0, 1]"
    if metric == "perplexity" and value < 1.0:
        return "is outside the allowed range [1, inf)"
    return None


def trace_identity(trace_path: str) -> Tuple[int, str]:
    h = hashlib.sha256()
    with open(trace_path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return os.path.getsize(trace_path), h.hexdigest()


class ScoreCache:
    """Scores of one trace: ``entries[key] = (value, seconds)``; ``stale`` when they belong to other bytes."""

    def __init__(self, trace_path: str, metric: Optional[str] = None):
        self.trace_path, self.path = trace_path, cache_path(trace_path)
        self.metric = metric
        self.entries: Dict[str, Tuple[float, float]] = {}
        self.size, self.sha = trace_identity(trace_path)
        self.stale = False
        self._read()

    def _read(self):
        if not os.path.lexists(self.path):
            return
        if os.path.isdir(self.path):
            raise ValueError(f"{self.path}: is a directory, not a score cache (remove it: scores are written there)")
        header, entries, lines = {}, {}, {}
        with open(self.path, "rb") as f:
            data = f.read()
        if b"\0" in data:
            raise ValueError(f"{self.path}: holds NUL bytes: not a score cache")
        try:
            text = data.decode("utf-8")  # splitlines below: any line endings (CRLF from an editor) are valid
        except UnicodeDecodeError as exc:
            raise ValueError(f"{self.path}: not UTF-8 text (byte {exc.start}): not a score cache") from None
        for n, line in enumerate(text.splitlines(), 1):
            if line.startswith("#"):
                parts = line[1:].strip().split("\t")
                if len(parts) == 2:
                    header[parts[0]] = parts[1]
                continue
            if not line.strip():
                continue
            cols = line.split("\t")
            if len(cols) != 3:
                raise ValueError(f"{self.path}:{n}: expected 'key<TAB>value<TAB>seconds', got {line!r}")
            if cols[0] in lines:
                raise ValueError(f"{self.path}:{n}: setting {cols[0]} is also on line {lines[cols[0]]}")
            try:
                value, seconds = float(cols[1]), float(cols[2])
            except ValueError:
                raise ValueError(f"{self.path}:{n}: value '{cols[1]}' or seconds '{cols[2]}' is not a number") from None
            lines[cols[0]] = n
            entries[cols[0]] = (value, seconds)
        if header.get("trace_sha256") != self.sha:
            self.stale = True  # scores of another version of the trace: start afresh
            return
        self.metric = header.get("metric", self.metric)
        for key, (value, _) in entries.items():
            problem = out_of_range(value, self.metric)
            if problem:
                raise ValueError(f"{self.path}:{lines[key]}: {key}: {self.metric} {value!r} {problem}")
        self.entries = entries

    def get(self, key: str) -> Optional[float]:
        e = self.entries.get(key)
        return None if e is None else e[0]

    @contextmanager
    def _lock(self):
        with open(self.path + ".lock", "a") as lk:
            fcntl.flock(lk, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lk, fcntl.LOCK_UN)

    def put(self, key: str, value: float, seconds: float) -> None:
        """Add one score and write the file (merged with what other scorers wrote meanwhile). A value its metric
        cannot have (NaN, an accuracy above 1) is refused with ValueError: the cache holds only readable rows."""
        problem = out_of_range(float(value), self.metric)
        if problem:
            raise ValueError(f"{self.metric} {value!r} {problem}")
        with self._lock():
            mine = dict(self.entries)
            self.entries = {}
            self._read()
            self.entries.update(mine)
            self.entries[key] = (float(value), float(seconds))
            self._write()

    def _write(self):
        lines = ["# trsim accuracy scores: canonical setting key, metric value, seconds to score "
                 "(traces/score.py; traces/score_cache.py)",
                 f"# trace_bytes\t{self.size}", f"# trace_sha256\t{self.sha}", f"# metric\t{self.metric}"]
        lines += [f"{k}\t{v!r}\t{s:.1f}" for k, (v, s) in sorted(self.entries.items())]
        fd, tmp = tempfile.mkstemp(suffix=".tmp", dir=os.path.dirname(os.path.abspath(self.path)))
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
