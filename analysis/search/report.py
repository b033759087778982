"""What a search writes: DIR/search.csv (one row per evaluated assignment), DIR/pareto.png and .pdf, and the
summary it prints (the best per-layer assignment against every uniform setting)."""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from typing import Dict, List, Sequence

from matplotlib.figure import Figure as MplFigure

from .. import figures
from . import method

CSV_COLUMNS = ("setting", "uniform", "cycles", "energy_total_pj", "accuracy", "energy_on_chip_pj", "objective",
               "within_tolerance", "pareto", "phase", "key")


@dataclass
class Row:
    assignment: method.Assignment
    setting: str        # the candidates as "<most layers' candidate>; <layer>=<candidate>, ..."
    uniform: str        # the candidate name when every layer has it, else ""
    cycles: float
    energy_total_pj: float
    energy_on_chip_pj: float
    objective: float
    accuracy: float
    feasible: bool
    phase: str
    key: str
    pareto: bool = False


def describe(layers: Sequence[str], names: Sequence[str], a: method.Assignment) -> str:
    counts = {c: list(a).count(c) for c in a}
    default = max(a, key=lambda c: (counts[c], -list(a).index(c)))
    other = [f"{layers[i]}={names[c]}" for i, c in enumerate(a) if c != default]
    return names[default] + ("; " + ", ".join(other) if other else "")


def build_rows(problem: method.Problem, evaluated: Sequence[method.Evaluated], costs: Sequence[Dict[str, Dict[str, float]]],
               objective_stat: str, target: float, key) -> List[Row]:
    layers, names = problem.layers, problem.candidates

    def summed(stat, a):
        return float(sum(costs[c][stat][layers[i]] for i, c in enumerate(a)))

    rows = []
    for e in evaluated:
        a = e.assignment
        uniform = names[a[0]] if all(c == a[0] for c in a) else ""
        rows.append(Row(a, describe(layers, names, a), uniform, summed("cycles", a), summed("energy_total_pj", a),
                        summed("energy_on_chip_pj", a), summed(objective_stat, a), e.accuracy, e.accuracy >= target,
                        e.phase, key(a)))
    for i in method.pareto([(r.objective, r.accuracy) for r in rows]):
        rows[i].pareto = True
    rows.sort(key=lambda r: (r.objective, -r.accuracy, r.setting))
    return rows


def write_csv(path: str, rows: Sequence[Row]) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for r in rows:
            w.writerow([r.setting, r.uniform, repr(r.cycles), repr(r.energy_total_pj), repr(r.accuracy),
                        repr(r.energy_on_chip_pj), repr(r.objective), int(r.feasible), int(r.pareto), r.phase, r.key])
    os.replace(tmp, path)


def plot(rows: Sequence[Row], best: Row, reference_accuracy: float, target: float, objective: str, title: str,
         outdir: str) -> List[str]:
    """Accuracy against cycles (left) and energy (right), the whole range (top) and near the tolerance
    (bottom): every evaluated assignment, the uniform settings named, each panel's Pareto front and the
    chosen assignment."""
    with figures.style():
        fig = MplFigure(figsize=(12.5, 9.0), layout="constrained")
        axes = fig.subplots(2, 2)
    near = (100 * target - 2.5, 100 * reference_accuracy + 0.6)
    for col, (stat, label, scale, log) in enumerate((("cycles", "cycles", 1.0, True),
                                                     ("energy_total_pj", "energy (uJ)", 1e-6, False))):
        x = lambda r: getattr(r, stat) * scale  # noqa: E731
        front = [rows[i] for i in method.pareto([(x(r), r.accuracy) for r in rows])]
        for row, ax in enumerate(axes[:, col]):
            other = [r for r in rows if not r.uniform]
            ax.scatter([x(r) for r in other], [100 * r.accuracy for r in other], s=12, color="#9aa7b8", alpha=0.7,
                       label="per-layer assignments evaluated", zorder=2)
            ax.plot([x(r) for r in front], [100 * r.accuracy for r in front], "-", color="#1f77b4", lw=1.3,
                    drawstyle="steps-post", label="Pareto front", zorder=3)
            uni = [r for r in rows if r.uniform]
            ax.scatter([x(r) for r in uni], [100 * r.accuracy for r in uni], marker="s", s=36, color="#ff7f0e",
                       label="uniform settings", zorder=4)
            shown = sorted((r for r in uni if row == 0 or near[0] <= 100 * r.accuracy <= near[1]), key=x)
            for k, r in enumerate(shown):  # neighbours' names alternate above and below, so close ones stay legible
                ax.annotate(r.uniform, (x(r), 100 * r.accuracy), fontsize=7.5, xytext=(3, 4 if k % 2 == 0 else -11),
                            textcoords="offset points")
            ax.scatter([x(best)], [100 * best.accuracy], marker="*", s=220, color="#d62728", zorder=5,
                       label=f"chosen (cheapest by {objective} within tolerance)")
            ax.axhline(100 * reference_accuracy, color="k", lw=0.8, ls=":", label="reference")
            ax.axhline(100 * target, color="#d62728", lw=0.8, ls="--", label="reference - tolerance")
            if log:
                ax.set_xscale("log")
            ax.set_xlabel(label)
            ax.set_ylabel("accuracy (%)" + (", near the tolerance" if row else ""))
            if row:
                ax.set_ylim(*near)
    axes[0, 0].legend(loc="lower right")
    fig.suptitle(title)
    return figures.save(figures.Figure("pareto", fig), outdir)
