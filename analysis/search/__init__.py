"""analysis search: the cheapest per-layer TR settings of a network at equal accuracy.

    /usr/bin/python3 -m analysis search SEARCH.yaml -o DIR [--trsim build/trsim] [--threads N] [--jobs N]

For a base trsim config, a trained trace, candidate per-layer settings, a tolerance and an objective
(cycles, energy, on-chip energy; spec.py), the search finds per-layer assignments on the accuracy-cost
Pareto front (method.py) with trsim's per-layer costs (costs.py: one run per candidate) and the exact
scorer's accuracy on the trace's test set (accuracy.py: prefix reuse, cached). It writes

    DIR/search.csv      one row per evaluated assignment: setting, uniform, cycles, energy_total_pj,
                        accuracy, energy_on_chip_pj, objective, within_tolerance, pareto, phase, key
    DIR/best.yaml       the cheapest assignment within the tolerance as a trsim config (per_layer entries);
                        `trsim run DIR/best.yaml` gives exactly its row's cycles and accuracy (checked here)
    DIR/pareto.png/pdf  accuracy against cycles and energy, uniform settings named, front and choice marked
    DIR/search.yaml, configs/, costs/, scores.tsv, best.h5   its state: a rerun continues where it stopped

and prints the chosen assignment against every uniform setting. The accuracies of the uniform settings
and of the Pareto front's assignments go into the trace's score cache, where trsim run finds them.
Progress goes to stderr. Exit status 0 done, 1 bad input (the message names the file and key), 4 a run
failed or best.yaml did not reproduce its row.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

from trsim_trace import tool

from .spec import SearchError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def add_parser(sub):
    p = sub.add_parser("search", help="cheapest per-layer settings within an accuracy tolerance (analysis/search)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", metavar="SEARCH.yaml", help="the search file (analysis/search/spec.py)")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="where results and state go (created)")
    p.add_argument("--trsim", default=os.path.join(ROOT, "build", "trsim"), help="the trsim binary")
    p.add_argument("--threads", type=int, default=None, help="scorer threads (default: every core)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="trsim runs at once (default: cores)")
    return p


def _log(msg: str):
    print(f"analysis search: {msg}", file=sys.stderr, flush=True)


def _check_state(spec, out: str):
    """DIR holds this search (or nothing): a rerun continues; another search's DIR is refused."""
    kept = os.path.join(out, "search.yaml")
    if os.path.exists(kept):
        with open(kept, encoding="utf-8") as f:
            if f.read() != spec.text:
                raise SearchError(f"{out}: holds another search (its search.yaml differs from {spec.path}); "
                                  f"give another -o DIR or remove it")
        return True
    os.makedirs(out, exist_ok=True)
    shutil.copyfile(spec.path, kept + ".tmp")
    os.replace(kept + ".tmp", kept)
    return False


def run(args) -> int:
    t0, cpu0 = time.time(), time.process_time()

    def body():
        try:
            # -o is a directory the search creates or continues in: never the search file, never a file
            tool.check_outputs([], [args.spec], directory_outputs=[args.out])
            return _run(args, t0, cpu0)
        except SearchError as exc:
            raise tool.ToolError(str(exc), exc.status) from None
    return tool.run("analysis search: error", body)


def _settings(spec, base: dict):
    """Each candidate's scoring setting (traces/score.py's rule on its uniform config)."""
    from . import configs
    sys.path.insert(0, os.path.join(ROOT, "traces"))
    import score  # noqa: E402  (traces/score.py)

    out = []
    for name in spec.names:
        cfg = configs.uniform_config(base, spec.candidates[name])
        s = score.point_setting(lambda key, cfg=cfg: configs._get(cfg, key.split(".")))
        if s is None:
            raise SearchError(f"{spec.path}: candidates.{name}: pe.kind {configs._get(cfg, ['pe', 'kind'])} is not "
                              f"scored (allowed: tr, mac, stripes, pragmatic, laconic)")
        out.append(s)
    return out


def _run(args, t0: float, cpu0: float) -> int:
    # Loaded here, not when analysis starts: PyYAML, the scorer and trsim matter to this command only.
    from . import configs, costs, method, report
    from .spec import OBJECTIVES, load_spec

    spec = load_spec(args.spec)
    out = os.path.abspath(args.out)
    resumed = _check_state(spec, out)
    _log(f"{spec.path} -> {out}" + (" (continuing the search there)" if resumed else ""))
    base = configs.base_config(spec)
    trace = configs.trace_path(base)
    for d in ("configs", "costs"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    cfg_paths, run_paths = [], []
    for i, name in enumerate(spec.names):
        p = os.path.join(out, "configs", f"{i:02d}-{name}.yaml")
        configs.write_config(p, configs.uniform_config(base, spec.candidates[name]),
                             [f"analysis search {os.path.relpath(spec.path)}: candidate {name} on every layer"])
        cfg_paths.append(p)
        run_paths.append(os.path.join(out, "costs", f"{i:02d}-{name}.h5"))
    cost = costs.run_all(args.trsim, cfg_paths, run_paths, args.jobs, _log)

    from .accuracy import ScorerOracle  # the scorer needs numpy, PyTorch, the trace modules: load them here
    oracle = ScorerOracle(trace, _settings(spec, base), os.path.join(out, "scores.tsv"), args.threads, _log)
    oracle.describe = lambda a: report.describe(oracle.layers, spec.names, a)
    if oracle.memo.resumed:
        _log(f"{oracle.memo.resumed} accuracies kept from the earlier search")
    layers = oracle.layers
    stat = OBJECTIVES[spec.objective]
    problem = method.Problem(layers=layers, candidates=spec.names, reference=spec.names.index(spec.reference),
                             cost=[[cost[c][stat][layer] for c in range(len(spec.names))] for layer in layers],
                             tolerance=spec.tolerance / 100.0, max_evaluations=spec.max_evaluations)
    search = method.Search(problem, oracle, _log)
    evaluated = search.run()
    best = search.best()
    rows = report.build_rows(problem, evaluated, cost, stat, search.target, oracle.key)
    best_row = next(r for r in rows if r.assignment == best.assignment)
    report.write_csv(os.path.join(out, "search.csv"), rows)
    network = oracle.trace.network
    report.plot(rows, best_row, search.reference_accuracy, search.target, spec.objective,
                f"{network}: per-layer search ({spec.objective}, tolerance {spec.tolerance:g} points)", out)
    oracle.publish([r.key for r in rows if r.uniform or r.pareto or r is best_row])

    best_yaml = os.path.join(out, "best.yaml")
    configs.write_config(best_yaml, configs.assignment_config(base, spec, layers, best.assignment), [
        f"analysis search {os.path.relpath(spec.path)}: the cheapest assignment within {spec.tolerance:g} points "
        f"of {spec.reference} by {spec.objective}",
        f"{best_row.setting}",
        f"accuracy {best_row.accuracy!r}, cycles {best_row.cycles:.0f}, energy_total_pj {best_row.energy_total_pj!r}",
        f"accuracy key {best_row.key}"])
    _verify(args.trsim, best_yaml, os.path.join(out, "best.h5"), best_row)
    _summary(spec, rows, best_row, search, oracle, t0, cpu0)
    print("chosen, layer by layer: " + ", ".join(
        f"{layer} {spec.names[c]} ({cost[c]['cycles'][layer]:.0f} cycles)" for layer, c in zip(layers, best.assignment)))
    return 0


def _verify(trsim: str, config: str, output: str, row) -> None:
    """trsim run on best.yaml must give the row's cycles and accuracy exactly (its own per-layer run, the
    accuracy from the trace's score cache under trsim's key)."""
    r = subprocess.run([trsim, "run", config, "-o", output, "--set", "accuracy.score=cached", "--set",
                        "simulation.progress=false"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SearchError(f"{config}: trsim run failed (exit status {r.returncode}): "
                          f"{(r.stderr.strip().splitlines() or [''])[-1]}", 4)
    import h5py
    with h5py.File(output, "r") as f:
        cycles = float(f["run/cycles"][()])
        accuracy = float(f["run/accuracy"][()])
    if cycles != row.cycles or accuracy != row.accuracy:
        raise SearchError(f"{config}: trsim run gives cycles {cycles:.0f} and accuracy {accuracy!r}, the search's row "
                          f"{row.cycles:.0f} and {row.accuracy!r}", 4)
    _log(f"best.yaml reproduces its row: trsim run gives cycles {cycles:.0f}, accuracy {accuracy!r}")


def _summary(spec, rows, best, search, oracle, t0: float, cpu0: float) -> None:
    uni = [r for r in rows if r.uniform]
    ok = [r for r in uni if r.feasible]
    best_uniform = min(ok, key=lambda r: (r.objective, -r.accuracy)) if ok else None
    print(f"{oracle.trace.network}: reference {spec.reference} accuracy {100 * search.reference_accuracy:.2f}, "
          f"target >= {100 * search.reference_accuracy - spec.tolerance:.2f} ({spec.objective})")
    print(f"{'setting':<48} {'accuracy':>8} {'cycles':>12} {'energy uJ':>10} {'on-chip uJ':>10}")
    for r in sorted(uni, key=lambda r: r.objective) + [best]:
        label = f"uniform {r.uniform}" if r.uniform else f"per-layer: {r.setting}"
        mark = " <- best uniform" if r is best_uniform else (" <- chosen" if r is best else "")
        print(f"{label[:48]:<48} {100 * r.accuracy:8.2f} {r.cycles:12.0f} {r.energy_total_pj / 1e6:10.3f} "
              f"{r.energy_on_chip_pj / 1e6:10.3f}{mark}")
    if best_uniform is not None:
        print(f"chosen against the best uniform ({best_uniform.uniform}): cycles {best_uniform.cycles / best.cycles:.3f}x "
              f"fewer, energy {best_uniform.energy_total_pj / best.energy_total_pj:.3f}x, on-chip "
              f"{best_uniform.energy_on_chip_pj / best.energy_on_chip_pj:.3f}x, accuracy "
              f"{100 * (best.accuracy - best_uniform.accuracy):+.2f} points")
    print(f"{len(rows)} assignments evaluated ({oracle.computed} scored now in {oracle.seconds:.0f} s, the rest "
          f"cached); {time.time() - t0:.0f} s wall, {time.process_time() - cpu0:.0f} s CPU of this process")
