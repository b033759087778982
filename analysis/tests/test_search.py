"""analysis search: the method on small synthetic problems whose optimum brute force finds, the Pareto front
against its definition, the search file's errors, and end to end with trsim and the scorer on a small
trained trace (best.yaml reproduces its row under `trsim run`; a rerun continues from DIR)."""
import csv
import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

from analysis.cli import main
from analysis.search import method
from analysis.search.spec import PER_LAYER_KEYS, SearchError, load_spec

ROOT = Path(__file__).resolve().parents[2]
TRSIM = os.environ.get("TRSIM_BIN", str(ROOT / "build" / "trsim"))
FASHION = Path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").exists()


class Additive(method.Oracle):
    """accuracy = 0.9 - sum of the layers' losses; counts what it is asked."""

    def __init__(self, loss):
        self.loss, self.asked, self.move_calls = loss, [], 0

    def evaluate(self, assignments):
        self.asked += list(assignments)
        return [0.9 - sum(self.loss[i][c] for i, c in enumerate(a)) for a in assignments]

    def moves(self, base, moves):
        self.move_calls += 1
        return super().moves(base, moves)


def brute_force(problem, accuracy):
    best = None
    for a in itertools.product(range(len(problem.candidates)), repeat=len(problem.layers)):
        if accuracy(a) >= 0.9 - problem.tolerance - 1e-12:
            key = (method.total(problem, a), a)
            best = key if best is None or key < best else best
    return best[1]


def problem(cost, tolerance, **kw):
    return method.Problem(layers=[f"l{i}" for i in range(len(cost))], candidates=[f"c{k}" for k in range(len(cost[0]))],
                          reference=0, cost=cost, tolerance=tolerance, **kw)


# Four layers, four candidates (0: the reference, every term; 3: the cheapest). Layer 0 is the sensitive
# stem: anything below candidate 1 costs it a lot; layer 2 is cheap to cut.
COST = [[40, 20, 12, 6], [100, 50, 30, 15], [100, 50, 30, 15], [60, 30, 18, 9]]
LOSS = [[0, 0.001, 0.03, 0.2], [0, 0.001, 0.002, 0.01], [0, 0.0, 0.001, 0.002], [0, 0.002, 0.004, 0.02]]


@pytest.mark.parametrize("tolerance", [0.001, 0.003, 0.005, 0.008, 0.02, 0.3])
def test_the_search_finds_the_brute_force_optimum(tolerance):
    p = problem(COST, tolerance)
    oracle = Additive(LOSS)
    s = method.Search(p, oracle)
    rows = s.run()
    want = brute_force(p, lambda a: 0.9 - sum(LOSS[i][c] for i, c in enumerate(a)))
    got = s.best().assignment
    assert method.total(p, got) == method.total(p, want)  # the optimum (ties in cost may differ in layout)
    assert 0.9 - sum(LOSS[i][c] for i, c in enumerate(got)) >= 0.9 - tolerance - 1e-12
    # every uniform setting and every single-layer change of the reference was evaluated, each once
    seen = [r.assignment for r in rows]
    assert len(seen) == len(set(seen)) == s.calls
    for k in range(4):
        assert (k,) * 4 in seen
    for i, k in itertools.product(range(4), range(1, 4)):
        assert tuple(k if j == i else 0 for j in range(4)) in seen
    assert oracle.move_calls >= 1  # the sensitivity step asks for moves (the scorer shares their walk)


def test_random_additive_problems_reach_the_optimum_or_close():
    rng = np.random.default_rng(7)
    exact = 0
    for trial in range(30):
        cost = np.sort(rng.integers(1, 100, size=(5, 4)), axis=1)[:, ::-1].astype(float).tolist()
        loss = np.sort(rng.uniform(0, 0.01, size=(5, 4)), axis=1)
        loss[:, 0] = 0
        p = problem(cost, float(rng.uniform(0.002, 0.02)))
        s = method.Search(p, Additive(loss.tolist()))
        s.run()
        want = brute_force(p, lambda a: 0.9 - sum(loss[i][c] for i, c in enumerate(a)))
        got = s.best().assignment
        assert 0.9 - sum(loss[i][c] for i, c in enumerate(got)) >= 0.9 - p.tolerance - 1e-9
        assert method.total(p, got) <= 1.25 * method.total(p, want)
        exact += method.total(p, got) == method.total(p, want)
    assert exact >= 20  # a greedy method: optimal on most, within 25 % on every one


def test_the_evaluation_budget_is_kept():
    p = problem(COST, 0.005, max_evaluations=25)
    s = method.Search(p, Additive(LOSS))
    s.run()
    # uniform (4) and sensitivity (12) always run; path and refinement stop at the budget
    assert s.calls <= 25


def test_pareto_front_matches_its_definition():
    rng = np.random.default_rng(3)
    for _ in range(20):
        rows = [(float(c), float(a)) for c, a in zip(rng.integers(0, 10, 30), rng.integers(0, 10, 30))]
        front = set(method.pareto(rows))
        for i, (c, a) in enumerate(rows):
            beaten = any((c2 <= c and a2 > a) or (c2 < c and a2 >= a) for c2, a2 in rows)
            dup_before = any(rows[j] == rows[i] for j in front if j != i)
            assert (i in front) == (not beaten and not dup_before), (i, rows[i])


# --------------------------------------------------------------------------- the search file

def _spec(tmp_path, text):
    (tmp_path / "base.yaml").write_text("trace: x.h5\n")
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return str(p)


GOOD = "base: base.yaml\ncandidates:\n  a: {operands.weights.budget: none}\n  b: {operands.weights.budget: 8}\n"


@pytest.mark.parametrize("text,message", [
    (GOOD + "objective: speed\n", "objective: 'speed' is not allowed (allowed: cycles, energy, on_chip_energy)"),
    (GOOD + "tolerance: -1\n", "tolerance: -1 is not allowed"),
    (GOOD + "reference: c\n", "reference: 'c' is not a candidate (candidates: a, b)"),
    (GOOD + "colour: red\n", "colour: unknown key"),
    (GOOD.replace("operands.weights.budget: 8", "array.rows: 8"), "candidates.b.array.rows: cannot differ per layer"),
    (GOOD.replace("base.yaml", "nope.yaml"), "base: '"),
    ("base: base.yaml\ncandidates:\n  a: {}\n", "candidates: must map at least two names"),
    (GOOD + "set: {per_layer: []}\n", "set.per_layer: not here"),
    (GOOD + "max_evaluations: 0\n", "max_evaluations: 0 is not allowed"),
])
def test_search_file_problems_name_the_file_and_key(tmp_path, text, message):
    path = _spec(tmp_path, text)
    with pytest.raises(SearchError) as e:
        load_spec(path)
    assert str(e.value).startswith(path + ": ") and message in str(e.value), str(e.value)


def test_per_layer_keys_are_trsims():
    """The search's list of per-layer keys is trsim's (docs/CONFIG.md, generated from sim/config/PerLayer.cpp)."""
    text = (ROOT / "docs" / "CONFIG.md").read_text()
    section = text[text.index("## Per-layer settings"):]
    listed = section[section.index("Keys that can differ per layer:"):section.index("(in `simulation.mode")]
    assert [k.strip(" `,") for k in listed.split(":", 1)[1].split(",")] == list(PER_LAYER_KEYS)


# --------------------------------------------------------------------------- end to end

def _small_trained_trace(path, images=300):
    """The bundled CNN with its first `images` Fashion-MNIST test images stored in the trace (so accuracy
    is measured on them), without the metrics of the whole test set."""
    sys.path.insert(0, str(ROOT / "traces"))
    from trsim_trace import intmodel as im, read_trace, write_trace
    t = read_trace(str(ROOT / "traces" / "bundled" / "cnn_fashion_mnist.h5"))
    x, y = im.eval_data(t)
    t.network = "cnn_small_test"
    t.model = dict(t.model)
    t.model["test_inputs"] = np.asarray(x[:images], dtype=np.float32)
    t.model["test_labels"] = np.asarray(y[:images], dtype=np.int64)
    t.int8_metric = None
    t.tr_accuracy = None
    write_trace(str(path), t)


@pytest.mark.skipif(not os.access(TRSIM, os.X_OK) or not FASHION, reason="needs trsim and dataset-fashion-mnist")
def test_search_end_to_end_and_best_yaml_reproduces_its_row(tmp_path, capsys):
    trace = tmp_path / "cnn.h5"
    _small_trained_trace(trace)
    spec = tmp_path / "search.yaml"
    spec.write_text(f"base: {ROOT / 'configs' / 'default.yaml'}\ntrace: cnn.h5\nset: {{array.rows: 16, array.cols: 16}}\n"
                    "objective: cycles\ntolerance: 1.0\nreference: int8\ncandidates:\n"
                    "  int8: {operands.weights.budget: none, operands.data.budget: none}\n"
                    "  12x3: {operands.weights.budget: 12, operands.data.budget: 3}\n"
                    "  8x2: {operands.weights.budget: 8, operands.data.budget: 2}\n"
                    "  4x1: {operands.weights.budget: 4, operands.data.budget: 1}\n")
    out = tmp_path / "out"
    assert main(["search", str(spec), "-o", str(out), "--trsim", TRSIM, "--threads", "2", "--jobs", "2"]) == 0
    printed = capsys.readouterr()
    assert "best uniform" in printed.out and "best.yaml reproduces its row" in printed.err
    with open(out / "search.csv") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:5] == ["setting", "uniform", "cycles", "energy_total_pj", "accuracy"]
    assert sorted(r["uniform"] for r in rows if r["uniform"]) == ["12x3", "4x1", "8x2", "int8"]
    assert len({r["key"] for r in rows}) == len(rows) >= 4 + 3 * 3  # uniform + sensitivity, each once
    ref = next(float(r["accuracy"]) for r in rows if r["uniform"] == "int8")
    ok = [r for r in rows if r["within_tolerance"] == "1"]
    assert all(float(r["accuracy"]) >= ref - 0.01 - 1e-9 for r in ok)
    chosen = min(ok, key=lambda r: (float(r["objective"]), -float(r["accuracy"])))
    assert (out / "pareto.png").exists() and (out / "pareto.pdf").exists()
    # best.yaml under trsim run: exactly the chosen row's cycles and accuracy, the accuracy from the trace's
    # score cache under trsim's own key (accuracy.score: cached), so C++ and Python keyed it alike.
    r = subprocess.run([TRSIM, "run", str(out / "best.yaml"), "-o", str(tmp_path / "b.h5"), "--set",
                        "accuracy.score=cached", "--set", "simulation.progress=false"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "b.h5") as f:
        assert float(f["run/cycles"][()]) == float(chosen["cycles"])
        assert float(f["run/accuracy"][()]) == float(chosen["accuracy"])
        assert float(f["run/energy_total_pj"][()]) == pytest.approx(float(chosen["energy_total_pj"]), rel=1e-12)
    best = yaml.safe_load((out / "best.yaml").read_text())
    assert best["trace"] == "../cnn.h5"  # standalone, relative to where it is
    # a rerun continues from DIR: nothing is simulated or scored again, the same answer
    before = (out / "search.csv").read_text()
    assert main(["search", str(spec), "-o", str(out), "--trsim", TRSIM]) == 0
    again = capsys.readouterr()
    assert "(0 scored now" in again.out and "costs: 0 trsim run(s), 4 kept from an earlier search" in again.err
    assert (out / "search.csv").read_text() == before
    # another search into the same DIR is refused
    spec.write_text(spec.read_text().replace("tolerance: 1.0", "tolerance: 2.0"))
    assert main(["search", str(spec), "-o", str(out), "--trsim", TRSIM]) == 1
    assert "holds another search" in capsys.readouterr().err
