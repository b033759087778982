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
import os
import tempfile
from contextlib import contextmanager
from typing import Dict, Optional, Tuple

SUFFIX = ".scores.tsv"


def cache_path(trace_path: str) -> str:
    return trace_path + SUFFIX


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
        if not os.path.exists(self.path):
            return
        header, entries = {}, {}
        with open(self.path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
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
                entries[cols[0]] = (float(cols[1]), float(cols[2]))
        if header.get("trace_sha256") != self.sha:
            self.stale = True  # scores of another version of the trace: start afresh
            return
        self.entries = entries
        self.metric = header.get("metric", self.metric)

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
        """Add one score and write the file (merged with what other scorers wrote meanwhile)."""
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
