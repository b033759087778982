"""`trsim run` and `trsim sweep` report a setting's accuracy from the trace's score cache
(traces/score.py writes it), and say why when there is none."""
import hashlib
import math
import os
import shutil
import subprocess
from pathlib import Path

import h5py

from e2e_paths import ROOT, TRSIM, DEFAULT
MLP = ROOT / "traces" / "bundled" / "mlp_fashion_mnist.h5"
KEY = "w=hese:g8:k5:qnone;d=hese:g1:k3:qnone"  # budget 5 is not in the trace's /tr_accuracy grid


def run(trace, out, *sets):
    args = [TRSIM, "run", DEFAULT, "-o", str(out), "--set", f"trace={trace}", "--set", "operands.weights.budget=5"]
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    with h5py.File(out) as f:
        ds = f["run/accuracy"]
        return float(ds[()]), ds.attrs["description"], r.stderr


def write_cache(trace, value, size=None):
    size = os.path.getsize(trace) if size is None else size
    sha = hashlib.sha256(Path(trace).read_bytes()).hexdigest()
    Path(str(trace) + ".scores.tsv").write_text(
        f"# trsim accuracy scores\n# trace_bytes\t{size}\n# trace_sha256\t{sha}\n# metric\taccuracy\n"
        f"{KEY}\t{value!r}\t1.0\n")


def test_run_reads_the_score_cache_and_explains_a_missing_score(tmp_path):
    trace = tmp_path / "mlp.h5"
    shutil.copy(MLP, trace)
    acc, why, err = run(trace, tmp_path / "a.h5", "simulation.progress=true")
    assert math.isnan(acc)
    assert f"traces/score.py setting '{trace}' '{KEY}'" in why and "not scored yet" in err
    write_cache(trace, 0.8123)
    acc, why, _ = run(trace, tmp_path / "b.h5")
    assert acc == 0.8123 and "score cache" in why
    write_cache(trace, 0.8123, size=1)  # scores of another version of the trace
    acc, why, _ = run(trace, tmp_path / "c.h5")
    assert math.isnan(acc) and "another version of the trace" in why
    assert Path(str(trace) + ".scores.tsv").exists() and os.path.getsize(trace) == os.path.getsize(MLP)


def test_sweep_summary_carries_cached_scores(tmp_path):
    trace = tmp_path / "mlp.h5"
    shutil.copy(MLP, trace)
    write_cache(trace, 0.8123)
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"base: {DEFAULT}\nset:\n  simulation.progress: false\n  trace: {trace}\n"
                     "sweep:\n  zip:\n    operands.weights.budget: [5, 7]  # neither in the /tr_accuracy grid\n")
    out = tmp_path / "s.h5"
    r = subprocess.run([TRSIM, "sweep", str(sweep), "-o", str(out), "-j", "1"], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    with h5py.File(out) as f:
        acc = list(f["summary/accuracy"][:])
        pts = list(f["summary/point"][:])
    by_point = {p: a for p, a in zip(pts, acc)}
    assert by_point[0] == 0.8123 and math.isnan(by_point[1])
