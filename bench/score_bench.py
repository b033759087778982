#!/usr/bin/python3
"""Accuracy scoring speed: one setting over a bundled trained trace's whole test set, with the reference
scorer (traces/tr_accuracy.py, what traces/score.py ran before issue 19) and the fast one
(traces/trsim_trace/intmodel.py), checking that both give the same value; and `trsim run` scoring a
setting on demand (a copy of the trace, so the bundled cache stays as it is). A benchmark, not a test.

    /usr/bin/python3 bench/score_bench.py                       # fast scorer + trsim run, every trace
    /usr/bin/python3 bench/score_bench.py --before              # also the reference scorer (minutes)
    /usr/bin/python3 bench/score_bench.py --golden              # fast scorer == every cached score
    /usr/bin/python3 bench/score_bench.py --traces resnet_fashion_mnist lstm_kjv
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/blas /usr/bin/python3 bench/score_bench.py --reference-only
                                                                # the reference on Debian's reference BLAS

Prints wall seconds, CPU seconds (user + sys of the process and its threads) and the load average, as
the machine may be shared: compare CPU seconds across machines, wall seconds on a quiet one.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "traces"))

import tr_accuracy as tra  # noqa: E402
from trsim_trace import functional, intmodel, read_trace  # noqa: E402
from trsim_trace.setting import Setting  # noqa: E402

TRACES = ["resnet_fashion_mnist", "mbv2se_fashion_mnist", "lstm_kjv", "mlp_fashion_mnist", "cnn_fashion_mnist"]
# not in any bundled cache or /tr_accuracy table: what a user's new setting costs
NEW = "w=hese:g8:k9:qnone;d=hese:g1:k3:qnone"


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def timed(f):
    w0, c0 = time.time(), cpu()
    v = f()
    return v, time.time() - w0, cpu() - c0


def load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def run_overrides(setting: Setting) -> list:
    """trsim run --set options giving ``setting`` on the TR PE (QT bits and TR coding of both operands)."""
    out = []
    for which, op in (("weights", setting.weights), ("data", setting.data)):
        q = "none" if op.quantize_bits is None else op.quantize_bits
        out += ["--set", f"operands.{which}.quantize_bits={q}",
                "--set", f"operands.{which}.budget={'none' if op.budget is None else op.budget}"]
        if op.budget is not None:
            out += ["--set", f"operands.{which}.encoding={op.encoding}",
                    "--set", f"operands.{which}.group_size={op.group_size}"]
    return out


def cached_scores(path):
    out = {}
    with open(path + ".scores.tsv", encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                k, v, _ = line.rstrip("\n").split("\t")
                out[k] = float(v)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--traces", nargs="+", default=TRACES)
    ap.add_argument("--setting", default=NEW)
    ap.add_argument("--before", action="store_true", help="also time the reference scorer")
    ap.add_argument("--reference-only", action="store_true",
                    help="only the reference scorer (e.g. under another BLAS: LD_LIBRARY_PATH, see docs/user-guide/import.md)")
    ap.add_argument("--golden", action="store_true", help="check the fast scorer against every cached score")
    ap.add_argument("--trsim", default=os.path.join(ROOT, "build", "trsim"))
    a = ap.parse_args()
    blas = sorted({"/".join(ln.split()[-1].split("/")[-2:]) for ln in open("/proc/self/maps") if "libblas" in ln})
    print(f"numpy BLAS: {', '.join(blas) or '?'}; functional backend: {functional.backend()} ({functional.library_path()}); cores {os.cpu_count()}; "
          f"load {load()}")
    setting = Setting.parse(a.setting)
    bad = 0
    for name in a.traces:
        path = os.path.join(ROOT, "traces", "bundled", name + ".h5")
        trace = read_trace(path)
        data = None if trace.model["architecture"] == "lstm_lm_tied" else intmodel.eval_data(trace)
        if a.reference_only:
            ref, wall, c = timed(lambda: tra.evaluate(trace, setting, data=data))
            print(f"{name:22s} reference {a.setting}  {trace.metric} {ref:.6g}  wall {wall:6.1f} s  CPU {c:6.1f} s  "
                  f"load {load()}", flush=True)
            continue
        scorer = intmodel.Scorer(trace, setting)
        v, wall, c = timed(lambda: scorer.evaluate(data))
        print(f"{name:22s} fast      {a.setting}  {trace.metric} {v:.6g}  wall {wall:6.1f} s  CPU {c:6.1f} s  "
              f"load {load()}", flush=True)
        if a.before:
            ref, wall, c = timed(lambda: tra.evaluate(trace, setting, data=data))
            same = "equal" if ref == v else f"DIFFERS ({ref!r} != {v!r})"
            bad += ref != v
            print(f"{name:22s} reference {a.setting}  {trace.metric} {ref:.6g}  wall {wall:6.1f} s  CPU {c:6.1f} s  "
                  f"load {load()}  {same}", flush=True)
        if os.access(a.trsim, os.X_OK) and (setting.weights.budget is not None or setting.data.budget is not None):
            with tempfile.TemporaryDirectory(prefix="score_bench_") as tmp:
                copy = os.path.join(tmp, name + ".h5")
                shutil.copy(path, copy)
                args = [a.trsim, "run", os.path.join(ROOT, "configs", "default.yaml"), "-o", os.path.join(tmp, "o.h5"),
                        "--set", f"trace={copy}", "--set", "pe.kind=tr"] + run_overrides(setting)
                r, wall, c = timed(lambda: subprocess.run(args, capture_output=True, text=True))
                line = [ln for ln in r.stdout.splitlines() if ln.startswith(trace.metric + ":")]
                took = re.search(r"scored in ([0-9.]+) s", r.stderr)
                print(f"{name:22s} trsim run  {line[0].split('(')[0].strip() if line else r.stderr[-200:]}  "
                      f"scoring {took.group(1) + ' s' if took else '?'} of wall {wall:6.1f} s (run total)  "
                      f"CPU {c:6.1f} s  load {load()}", flush=True)
        if a.golden:
            for key, want in sorted(cached_scores(path).items()):
                scorer.set_settings(Setting.parse(key))
                got, wall, _ = timed(lambda: scorer.evaluate(data))
                bad += got != want
                print(f"{name:22s} cached    {key:42s} {want!r:>20}  fast {got!r:>20}  "
                      f"{'equal' if got == want else 'DIFFERS'}  ({wall:.1f} s)", flush=True)
    print(f"load {load()}; {'every value equal' if not bad else f'{bad} values differ'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
