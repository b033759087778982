#!/usr/bin/python3
"""TR against uniform quantization on the same tMAC array, next to the authors' FPGA table (SPEC.md
section 1, visualize/fpga_results.py in BradMcDanel/term-quantization).

For each network trace given, trsim runs the default config twice on the authors' 64 x 128 array:
  TR:  HESE weights, groups of 8 keeping 12 terms; HESE data, 3 terms per value (the paper's 12 x 3);
  QT:  the same array in conventional mode: binary terms, no budgets (uniform 8-bit quantization),
       with the fixed schedule (every group budgeted for its worst case) and, as a second reading,
       the lock-step schedule (a step lasts as long as its busiest PE).
It prints latency and energy-efficiency ratios (QT / TR) beside the paper's.

  /usr/bin/python3 tests/validation/fpga_table.py TRACE.h5 [TRACE.h5 ...] [--trsim build/trsim]
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = ROOT / "configs" / "default.yaml"

# Latency improvement and energy-efficiency improvement of TR over QT on the authors' FPGA.
PAPER = {
    "mlp": (6.2, 4.1), "vgg16": (10.8, 7.0), "resnet18": (8.8, 5.9), "mobilenet_v2": (7.3, 4.6),
    "efficientnet_b0": (8.1, 5.2), "lstm": (3.3, 2.1),
}

ARRAY = ["array.rows=64", "array.cols=128", "simulation.progress=false"]
TR = []  # the default config is the paper's setting
QT = ["operands.weights.encoding=binary", "operands.data.encoding=binary", "operands.weights.budget=none",
      "operands.data.budget=none"]


def paper_key(network):
    n = network.lower().replace("-", "_")
    for key in sorted(PAPER, key=len, reverse=True):
        if key in n:
            return key
    return None


def run(trsim, trace, sets, out):
    args = [trsim, "run", str(DEFAULT_CONFIG), "-o", str(out), "--set", f"trace={Path(trace).resolve()}"]
    for s in ARRAY + sets:
        args += ["--set", s]
    subprocess.run(args, check=True, capture_output=True, text=True)
    with h5py.File(out) as f:
        return f["run/cycles"][()], f["run/energy_total_pj"][()], f.attrs["trace_network"]


def table(traces, trsim):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for trace in traces:
            tr_c, tr_e, network = run(trsim, trace, TR, Path(tmp) / "tr.h5")
            qt_c, qt_e, _ = run(trsim, trace, QT, Path(tmp) / "qt.h5")
            ql_c, ql_e, _ = run(trsim, trace, QT + ["pe.schedule=lockstep"], Path(tmp) / "ql.h5")
            key = paper_key(network)
            paper = PAPER.get(key, (float("nan"), float("nan")))
            rows.append({"network": network, "paper_latency": paper[0], "paper_energy": paper[1],
                         "latency_fixed": qt_c / tr_c, "energy_fixed": qt_e / tr_e,
                         "latency_lockstep": ql_c / tr_c, "energy_lockstep": ql_e / tr_e})
    return rows


def format_table(rows):
    head = (f"{'network':<22}{'paper lat':>10}{'trsim lat':>11}{'(lockstep)':>11}"
            f"{'paper E':>9}{'trsim E':>9}{'(lockstep)':>11}")
    lines = [head]
    for r in rows:
        lines.append(f"{r['network']:<22}{r['paper_latency']:>10.1f}{r['latency_fixed']:>11.2f}"
                     f"{r['latency_lockstep']:>11.2f}{r['paper_energy']:>9.1f}{r['energy_fixed']:>9.2f}"
                     f"{r['energy_lockstep']:>11.2f}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("traces", nargs="+")
    ap.add_argument("--trsim", default=os.environ.get("TRSIM_BIN", str(ROOT / "build" / "trsim")))
    args = ap.parse_args()
    print(format_table(table(args.traces, args.trsim)))


if __name__ == "__main__":
    sys.exit(main())
