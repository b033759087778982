"""Per-layer costs: one trsim run per candidate, every layer with that candidate. A layer's cycles and energy
depend only on its own setting (trsim simulates each layer on the trace's recorded inputs, every GEMM
starts with an empty array and its own DRAM loads; no stat of one layer reads another's), so an
assignment's cost is the sum of its layers' costs under their candidates; best.yaml's trsim run checks it.
Runs are kept in DIR/costs/ and reused while their config hash is unchanged."""
from __future__ import annotations

import os
import subprocess
import time
from typing import Callable, Dict, List, Sequence

import h5py
import numpy as np

from .spec import SearchError

STATS = ("cycles", "energy_total_pj", "energy_on_chip_pj")
QUIET = ["--set", "accuracy.score=off", "--set", "simulation.progress=false"]


def config_hash(trsim: str, config: str) -> str:
    r = subprocess.run([trsim, "validate", config], capture_output=True, text=True)
    if r.returncode != 0:
        raise SearchError(r.stderr.strip().splitlines()[0] if r.stderr.strip() else f"{config}: invalid", 1)
    return r.stdout.strip().rsplit("hash ", 1)[-1].rstrip(")")


def _stored_hash(path: str) -> str:
    try:
        with h5py.File(path, "r") as f:
            return str(f.attrs.get("config_hash", ""))
    except OSError:
        return ""


def read_costs(path: str) -> Dict[str, Dict[str, float]]:
    """{stat: {layer: value}} from a run file's /summary."""
    with h5py.File(path, "r") as f:
        s = f["summary"]
        layers = [x.decode() if isinstance(x, bytes) else str(x) for x in s["layer"][()]]
        return {stat: dict(zip(layers, np.asarray(s[stat][()], dtype=float))) for stat in STATS}


def run_all(trsim: str, configs: Sequence[str], outputs: Sequence[str], jobs: int,
            log: Callable[[str], None]) -> List[Dict[str, Dict[str, float]]]:
    """Runs each config to its output unless the output holds a run of the same config; `jobs` at a time."""
    todo = []
    for cfg, out in zip(configs, outputs):
        h = config_hash(trsim, cfg)
        if os.path.exists(out) and _stored_hash(out) == h:
            continue
        todo.append((cfg, out))
    log(f"costs: {len(todo)} trsim run(s), {len(configs) - len(todo)} kept from an earlier search")
    t0, running, done = time.time(), [], 0
    pending = list(todo)
    while pending or running:
        while pending and len(running) < max(1, jobs):
            cfg, out = pending.pop(0)
            err = open(out + ".log", "w")
            running.append((subprocess.Popen([trsim, "run", cfg, "-o", out] + QUIET, stdout=subprocess.DEVNULL,
                                             stderr=err), cfg, out, err))
        proc, cfg, out, err = running.pop(0)
        code = proc.wait()
        err.close()
        done += 1
        if code != 0:
            for p, *_ in running:
                p.kill()
            with open(out + ".log", encoding="utf-8") as f:
                why = f.read().strip().splitlines()
            raise SearchError(f"{cfg}: trsim run failed (exit status {code}): {why[-1] if why else ''}", 4)
        os.remove(out + ".log")
        log(f"costs: {done}/{len(todo)} runs done, {time.time() - t0:.1f} s")
    return [read_costs(out) for out in outputs]
