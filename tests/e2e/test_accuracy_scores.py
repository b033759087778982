"""`trsim run` and `trsim sweep` report a setting's accuracy from the trace's score cache
(traces/score.py writes it), score it on demand when it is missing (accuracy.score: auto, the default),
and say why when there is none."""
import hashlib
import math
import os
import shutil
import subprocess
from pathlib import Path

import h5py
import pytest

from e2e_paths import ROOT, TRSIM, DEFAULT, requires_trsim
pytestmark = requires_trsim
FASHION = Path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").exists()
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
    acc, why, err = run(trace, tmp_path / "a.h5", "simulation.progress=true", "accuracy.score=cached")
    assert math.isnan(acc)
    assert f"traces/score.py setting '{trace}' '{KEY}'" in why and "not scored yet" in err
    write_cache(trace, 0.8123)
    acc, why, _ = run(trace, tmp_path / "b.h5")
    assert acc == 0.8123 and "score cache" in why
    write_cache(trace, 0.8123, size=1)  # scores of another version of the trace
    acc, why, _ = run(trace, tmp_path / "c.h5", "accuracy.score=cached")
    assert math.isnan(acc) and "another version of the trace" in why
    assert Path(str(trace) + ".scores.tsv").exists() and os.path.getsize(trace) == os.path.getsize(MLP)


def test_sweep_summary_carries_cached_scores(tmp_path):
    trace = tmp_path / "mlp.h5"
    shutil.copy(MLP, trace)
    write_cache(trace, 0.8123)
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"base: {DEFAULT}\nset:\n  simulation.progress: false\n  trace: {trace}\n  accuracy.score: cached\n"
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


@pytest.mark.skipif(not FASHION, reason="needs dataset-fashion-mnist")
def test_run_scores_a_missing_setting_once_and_caches_it(tmp_path):
    trace = tmp_path / "mlp.h5"
    shutil.copy(MLP, trace)
    before = trace.read_bytes()
    acc, why, err = run(trace, tmp_path / "a.h5", "simulation.progress=true")
    assert 0.5 < acc < 1 and "scored now" in why and "scoring the accuracy of " + KEY in err
    cached = dict(line.split("\t")[:2] for line in Path(str(trace) + ".scores.tsv").read_text().splitlines()
                  if line and not line.startswith("#"))
    assert float(cached[KEY]) == acc
    again, why, err = run(trace, tmp_path / "b.h5", "simulation.progress=true")   # the cache answers now
    assert again == acc and "score cache" in why and "scoring" not in err
    off, why, err = run(trace, tmp_path / "c.h5", "accuracy.score=off", "simulation.progress=true")
    assert math.isnan(off) and "accuracy.score is off" in why
    assert "no accuracy" not in err and "scoring" not in err
    assert trace.read_bytes() == before


def test_a_failing_scorer_leaves_nan_with_its_reason_and_the_run_succeeds(tmp_path):
    import sys
    sys.path.insert(0, str(ROOT / "traces"))
    import trsim_trace as tt
    t = tt.read_trace(str(MLP))
    t.network = "mlp_elsewhere"   # trained, with a metric, but neither a stored test set nor a bundled network
    trace = tmp_path / "t.h5"
    tt.write_trace(str(trace), t)
    acc, why, err = run(trace, tmp_path / "a.h5", "simulation.progress=true")
    assert math.isnan(acc) and "scoring " + KEY + " failed" in why
    assert "stores no test set" in err and "Traceback" not in err
    assert not Path(str(trace) + ".scores.tsv").exists()


@pytest.mark.skipif(not FASHION, reason="needs dataset-fashion-mnist")
def test_sweep_scores_each_missing_setting_once_before_its_points(tmp_path):
    trace = tmp_path / "mlp.h5"
    shutil.copy(MLP, trace)
    sweep = tmp_path / "s.yaml"
    # four points, two settings missing from the cache (budgets 5 and 7), one known (12: /tr_accuracy)
    sweep.write_text(f"base: {DEFAULT}\nset:\n  simulation.progress: false\n  trace: {trace}\n"
                     "sweep:\n  product:\n    operands.weights.budget: [5, 7, 12]\n    array.rows: [16, 32]\n")
    out = tmp_path / "s.h5"
    r = subprocess.run([TRSIM, "sweep", str(sweep), "-o", str(out), "-j", "2"], capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stderr
    assert "scoring 2 settings missing from the score caches, 2 at once" in r.stderr
    assert r.stderr.count("trsim sweep: scored ") == 2
    cache = Path(str(trace) + ".scores.tsv").read_text()
    assert "w=hese:g8:k5:qnone" in cache and "w=hese:g8:k7:qnone" in cache and "k12" not in cache
    with h5py.File(out) as f:
        acc = f["summary/accuracy"][:]
    assert not any(math.isnan(a) for a in acc)
    r = subprocess.run([TRSIM, "sweep", str(sweep), "-o", str(tmp_path / "t.h5"), "-j", "2"], capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0 and "scoring" not in r.stderr
