"""The per-layer search itself, on abstract costs and an accuracy oracle (no trsim, no scorer): what the
tests run on a small synthetic problem with a known optimum.

An assignment gives every layer one candidate (a tuple of candidate indices, layers in trace order). Its
cost is the sum of its layers' costs (trsim's per-layer results: a layer's cycles and energy depend on
its own setting only); its accuracy comes from the oracle. The search, in five steps:

1. uniform: every candidate on every layer (the baseline the per-layer result is compared with).
2. sensitivity: the reference (the most accurate candidate, e.g. int8) everywhere but one layer, for every
   layer and candidate: L x (C - 1) assignments, evaluated by walking the network once per chunk of test
   images and branching at each layer (the scorer's prefix reuse). Each (layer, candidate) gets a loss:
   reference accuracy minus this accuracy, floored at 0.
3. path: greedy descent on the additive model (an assignment's predicted loss is the sum of its layers'
   losses): from the reference, repeatedly take the single-layer move to a cheaper candidate with the most
   cost saved per predicted loss added, down to the cheapest assignment. The path is evaluated at the
   points a binary search for its last assignment within the tolerance visits, plus a few points spread
   over the rest of it (the accuracy-cost front beyond the tolerance).
4. refinement: from the cheapest evaluated assignment within the tolerance, rounds of real evaluations:
   the `batch` single-layer moves to a cheaper candidate the model ranks best (saving per predicted loss,
   skipping moves that failed before) are evaluated together (one walk, prefix reuse); the feasible one
   with the most saving per accuracy lost is taken; a move that breaks the tolerance is not tried again
   (an assignment only gets cheaper, and cheaper moves cost accuracy). Ends when no move is left or the
   evaluation budget is spent.
5. the answer: the cheapest evaluated assignment within the tolerance; the Pareto front over every
   evaluated assignment.

Cost in accuracy evaluations: C (uniform) + L x (C - 1) (sensitivity, each only the network after the
layer) + about log2(L x C) + `spread` (path) + `batch` per refinement round.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

Assignment = Tuple[int, ...]
Move = Tuple[int, int]  # (layer index, candidate index)
EPS = 1e-4  # accuracy (fraction): a move predicted to lose nothing still ranks by its saving


@dataclass
class Problem:
    layers: List[str]              # trace order
    candidates: List[str]          # names
    reference: int                 # index of the most accurate candidate (the reference accuracy's)
    cost: List[List[float]]        # cost[layer][candidate] of the objective
    tolerance: float               # accuracy (fraction) below the reference's still accepted
    max_evaluations: int = 300
    batch: int = 4                 # refinement moves evaluated together
    spread: int = 6                # path points evaluated for the front beyond the tolerance


@dataclass
class Evaluated:
    assignment: Assignment
    accuracy: float
    phase: str                     # uniform, sensitivity, path, refine


class Oracle:
    """What the search asks: ``evaluate(assignments)`` and ``moves(base, moves)`` (the base with one layer
    changed per move; the scorer shares the walk), each returning accuracies in order. Answers are cached
    by the caller; ``evaluations`` counts what was really computed."""

    def evaluate(self, assignments: Sequence[Assignment]) -> List[float]:
        raise NotImplementedError

    def moves(self, base: Assignment, moves: Sequence[Move]) -> List[float]:
        return self.evaluate([apply(base, m) for m in moves])


def apply(a: Assignment, move: Move) -> Assignment:
    out = list(a)
    out[move[0]] = move[1]
    return tuple(out)


def total(problem: Problem, a: Assignment) -> float:
    return sum(problem.cost[i][c] for i, c in enumerate(a))


def pareto(rows: Sequence[Tuple[float, float]]) -> List[int]:
    """Indices of (cost, accuracy) rows no other row beats: none at most as costly and more accurate,
    or cheaper and as accurate. Cheapest first."""
    order = sorted(range(len(rows)), key=lambda i: (rows[i][0], -rows[i][1]))
    front, best = [], -math.inf
    for i in order:
        if rows[i][1] > best:
            front.append(i)
            best = rows[i][1]
    return front


class Search:
    def __init__(self, problem: Problem, oracle: Oracle, log: Callable[[str], None] = lambda _: None):
        self.p, self.oracle, self.log = problem, oracle, log
        self.rows: Dict[Assignment, Evaluated] = {}
        self.calls = 0

    # -- evaluations, each assignment once
    def _record(self, assignments: Sequence[Assignment], values: Sequence[float], phase: str) -> List[float]:
        for a, v in zip(assignments, values):
            if a not in self.rows:
                self.rows[a] = Evaluated(a, v, phase)
        return [self.rows[a].accuracy for a in assignments]

    def evaluate(self, assignments: Sequence[Assignment], phase: str) -> List[float]:
        todo = [a for a in dict.fromkeys(assignments) if a not in self.rows]
        if todo:
            self.calls += len(todo)
            self._record(todo, self.oracle.evaluate(todo), phase)
        return [self.rows[a].accuracy for a in assignments]

    def evaluate_moves(self, base: Assignment, moves: Sequence[Move], phase: str) -> List[float]:
        todo = [m for m in dict.fromkeys(moves) if apply(base, m) not in self.rows]
        if todo:
            self.calls += len(todo)
            self._record([apply(base, m) for m in todo], self.oracle.moves(base, todo), phase)
        return [self.rows[apply(base, m)].accuracy for m in moves]

    def budget_left(self) -> int:
        return self.p.max_evaluations - self.calls

    # -- the steps
    def run(self) -> List[Evaluated]:
        p = self.p
        n, c = len(p.layers), len(p.candidates)
        ref = tuple([p.reference] * n)
        uniform = [tuple([k] * n) for k in range(c)]
        self.log(f"uniform: {c} settings")
        self.evaluate(uniform, "uniform")
        self.reference_accuracy = self.rows[ref].accuracy
        # Within the tolerance, up to float rounding of the two accuracies (fractions of the test set).
        self.target = self.reference_accuracy - p.tolerance - 1e-9
        moves = [(i, k) for i in range(n) for k in range(c) if k != p.reference]
        self.log(f"sensitivity: {len(moves)} single-layer changes of the reference")
        sens = self.evaluate_moves(ref, moves, "sensitivity")
        self.loss = [[0.0] * c for _ in range(n)]
        for (i, k), acc in zip(moves, sens):
            self.loss[i][k] = max(0.0, self.reference_accuracy - acc)
        path = self._path(ref)
        self._walk_path(path)
        self._refine()
        return list(self.rows.values())

    def _ratio(self, a: Assignment, move: Move) -> float:
        i, k = move
        saving = self.p.cost[i][a[i]] - self.p.cost[i][k]
        return saving / (max(0.0, self.loss[i][k] - self.loss[i][a[i]]) + EPS)

    def _cheaper_moves(self, a: Assignment) -> List[Move]:
        p = self.p
        return [(i, k) for i in range(len(p.layers)) for k in range(len(p.candidates))
                if p.cost[i][k] < p.cost[i][a[i]]]

    def _path(self, start: Assignment) -> List[Assignment]:
        """The additive model's greedy descent from `start` to the cheapest assignment."""
        path, a = [start], start
        while True:
            moves = self._cheaper_moves(a)
            if not moves:
                return path
            a = apply(a, max(moves, key=lambda m: (self._ratio(a, m), -m[0], -m[1])))
            path.append(a)

    def _walk_path(self, path: List[Assignment]):
        """Binary search for the path's last assignment within the tolerance (accuracy falls along it, as a
        rule), then a few points spread over the rest."""
        lo, hi = 0, len(path) - 1  # path[lo] feasible (the reference); is anything beyond?
        self.log(f"path: {len(path)} assignments from the reference to the cheapest; binary search")
        if self.evaluate([path[hi]], "path")[0] >= self.target:
            lo = hi
        while hi - lo > 1 and self.budget_left() > 0:
            mid = (lo + hi) // 2
            if self.evaluate([path[mid]], "path")[0] >= self.target:
                lo = mid
            else:
                hi = mid
        rest = path[lo + 1:]
        if rest and self.p.spread > 0:
            step = max(1, len(rest) // self.p.spread)
            self.evaluate(rest[::step][:self.p.spread], "path")

    def _refine(self):
        feasible = [r for r in self.rows.values() if r.accuracy >= self.target]
        b = min(feasible, key=lambda r: (total(self.p, r.assignment), -r.accuracy)).assignment
        rejected = set()
        rounds = 0
        while self.budget_left() > 0:
            moves = [m for m in self._cheaper_moves(b) if m not in rejected]
            if not moves:
                break
            moves.sort(key=lambda m: (-self._ratio(b, m), m))
            acc_b = self.rows[b].accuracy
            accepted: Optional[Move] = None
            for start in range(0, len(moves), self.p.batch):
                if self.budget_left() <= 0:
                    break
                chunk = moves[start:start + self.p.batch][:max(1, self.budget_left())]
                accs = self.evaluate_moves(b, chunk, "refine")
                ok = [(m, a) for m, a in zip(chunk, accs) if a >= self.target]
                rejected.update(m for m, a in zip(chunk, accs) if a < self.target)
                if ok:
                    i_cost = lambda m: self.p.cost[m[0]][b[m[0]]] - self.p.cost[m[0]][m[1]]  # noqa: E731
                    accepted = max(ok, key=lambda ma: (i_cost(ma[0]) / (max(0.0, acc_b - ma[1]) + EPS), ma[0]))[0]
                    break
            if accepted is None:
                break
            b = apply(b, accepted)
            rounds += 1
            self.log(f"refine: round {rounds}: {self.p.layers[accepted[0]]} -> {self.p.candidates[accepted[1]]}, "
                     f"cost {total(self.p, b):.6g}, accuracy {self.rows[b].accuracy:.4f}")
        self.rounds = rounds

    # -- the answer
    def best(self) -> Evaluated:
        feasible = [r for r in self.rows.values() if r.accuracy >= self.target]
        return min(feasible, key=lambda r: (total(self.p, r.assignment), -r.accuracy, r.assignment))
