"""Golden summaries of trsim results: every bundled trace on every PE kind (tr with both schedules and in its
conventional binary mode), both dataflows and both timing modes on the small traces, on a 16x16 array.

    golden_results.py check  [--all] [--trace NAME] [--case NAME]  rerun trsim, compare with results.json exactly
    golden_results.py record [--trace NAME] [--case NAME]          rerun trsim and rewrite those cases

Per case and layer it keeps every scalar stat trsim records (cycles, stalls, ideal cycles, MACs, term pairs,
serial steps, energy by component, output error, ...), a SHA-256 of the layer's output tensor and of its
pe_utilization map; per case the run totals. `check` compares every value the golden file holds and ignores
stats added since it was recorded, so new statistics do not invalidate it; a result that changes on purpose is
re-recorded in its own commit that says which and why. The file is the proof that refactors change nothing.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
TRSIM = os.environ.get("TRSIM_BIN", str(ROOT / "build" / "trsim"))
GOLDEN = Path(__file__).resolve().parent / "results.json"
TRACES = ["mlp_fashion_mnist", "cnn_fashion_mnist", "lstm_kjv", "resnet18_first5_synthetic"]
KINDS = ["mac", "tr", "stripes", "pragmatic", "laconic", "dnateq"]
SMALL = ["mlp_fashion_mnist", "cnn_fashion_mnist"]  # both dataflows, both timing modes
TINY = "cnn_fashion_mnist"   # ... of which the quick check runs this one
LARGE = "resnet18_first5_synthetic"  # the quick check runs only its mac case
# Host-dependent run stats.
VOLATILE = {"wall_seconds", "simulated_pe_cycles_per_second"}


def cases():
    """(trace, case name, --set overrides, quick), every case on a 16x16 array. `check` runs the quick cases
    (under a minute: ctest's golden_results); `check --all` every case (a few minutes: before and after a refactor)."""
    out = []
    for trace in TRACES:
        for kind in KINDS:
            out.append((trace, kind, [f"pe.kind={kind}"], trace != LARGE or kind == "mac"))
        conventional = [f"operands.{op}.{key}={value}" for op in ("weights", "data")
                        for key, value in (("encoding", "binary"), ("budget", "none"))]
        out.append((trace, "tr_lockstep", ["pe.kind=tr", "pe.schedule=lockstep"], trace != LARGE))
        out.append((trace, "tr_conventional", ["pe.kind=tr"] + conventional, trace != LARGE))
    for trace in SMALL:
        for kind in KINDS:
            out.append((trace, f"{kind}_os", [f"pe.kind={kind}", "array.dataflow=output_stationary"], trace == TINY))
        for kind in ("tr", "stripes", "pragmatic", "laconic"):
            out.append((trace, f"{kind}_detailed", [f"pe.kind={kind}", "simulation.mode=detailed"], trace == TINY))
    out.append((TINY, "tr_lockstep_os_detailed", ["pe.kind=tr", "pe.schedule=lockstep",
                "array.dataflow=output_stationary", "simulation.mode=detailed"], True))
    return out


def scalar(v):
    v = v.item() if hasattr(v, "item") else v
    return int(v) if float(v).is_integer() and abs(v) < 2**53 else float(v)


def digest(array):
    a = np.ascontiguousarray(array)
    return hashlib.sha256(str(a.shape).encode() + str(a.dtype).encode() + a.tobytes()).hexdigest()[:16]


def summarize(h5path):
    s = {"layers": {}, "run": {}}
    with h5py.File(h5path) as f:
        for name in f["layers"]:
            g = f["layers"][name]
            layer = {}
            for key in g:
                ds = g[key]
                if isinstance(ds, h5py.Group):  # actions/<action>/{count,pj_each,energy_pj}
                    for action, a in ds.items():
                        for stat in a:
                            layer[f"{key}/{action}/{stat}"] = scalar(a[stat][()])
                    continue
                if key == "output":
                    layer["output_sha256"] = digest(ds[()])
                elif key == "pe_utilization":
                    layer["pe_utilization_sha256"] = digest(ds[()])
                elif key not in VOLATILE and ds.shape == ():
                    layer[key] = scalar(ds[()])
            s["layers"][name] = layer
        for key in f["run"]:
            if isinstance(f["run"][key], h5py.Group):
                continue  # run/actions: sums of the layers' actions
            if key not in VOLATILE and f["run"][key].shape == ():
                s["run"][key] = scalar(f["run"][key][()])
    return s


def run_case(trace, sets, tmp):
    out = Path(tmp) / "out.h5"
    args = [TRSIM, "run", str(ROOT / "configs" / "default.yaml"), "-o", str(out),
            "--set", f"trace={ROOT / 'traces' / 'bundled' / (trace + '.h5')}",
            "--set", "array.rows=16", "--set", "array.cols=16",
            "--set", "outputs.save_layer_outputs=true", "--set", "simulation.progress=false"]
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise SystemExit(f"trsim {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    summary = summarize(out)
    out.unlink()
    return summary


def differences(golden, actual, where=""):
    """Every value of `golden` that `actual` lacks or holds differently."""
    diffs = []
    for key, want in golden.items():
        path = f"{where}/{key}"
        if key not in actual:
            diffs.append(f"{path}: missing (golden {want!r})")
        elif isinstance(want, dict):
            diffs += differences(want, actual[key], path)
        elif actual[key] != want and not (want != want and actual[key] != actual[key]):  # NaN equals NaN here
            diffs.append(f"{path}: {actual[key]!r}, golden {want!r}")
    return diffs


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=["check", "record"])
    p.add_argument("--trace", choices=TRACES, help="only the cases of this trace")
    p.add_argument("--case", help="only the cases whose name (e.g. tr_conventional) starts with this")
    p.add_argument("--all", action="store_true", help="every case, not only the quick ones")
    a = p.parse_args()
    golden = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    selected = [c for c in cases() if a.trace in (None, c[0]) and (a.case is None or c[1].startswith(a.case))
                and (a.all or a.action == "record" or c[3])]
    failures = []
    with tempfile.TemporaryDirectory(prefix="trsim_golden_") as tmp:
        for trace, name, sets, _ in selected:
            key = f"{trace}/{name}"
            start = time.monotonic()
            actual = run_case(trace, sets, tmp)
            print(f"{key}: {time.monotonic() - start:.1f} s", file=sys.stderr)
            if a.action == "record":
                golden[key] = {"set": sets, **actual}
            elif key not in golden:
                failures.append(f"{key}: no golden entry (run `golden_results.py record`)")
            else:
                failures += [key + d for d in differences({k: v for k, v in golden[key].items() if k != "set"}, actual)]
    if a.action == "record":
        tmp_path = GOLDEN.with_suffix(".json.tmp")
        tmp_path.write_text(json.dumps(dict(sorted(golden.items())), indent=1, sort_keys=True) + "\n")
        tmp_path.replace(GOLDEN)
        print(f"recorded {len(selected)} cases in {GOLDEN}")
        return 0
    for f in failures:
        print(f, file=sys.stderr)
    print(f"{len(selected)} cases, {len(failures)} differences from {GOLDEN.name}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
