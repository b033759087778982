"""Command line: python3 -m analysis COMMAND INPUT... [options]. See `python3 -m analysis --help`."""
from __future__ import annotations

import argparse
import math
import os
import sys

from . import energy, export, figures, isoaccuracy, paper, search, terms
from .results import AnalysisError, Results, load
from trsim_trace import tool

DESCRIPTION = """\
Figures (PNG and PDF) and CSV from trsim results: a sweep file (trsim sweep), a run file
(trsim run), or several run files taken together as a sweep over the config keys that differ.

commands:
  all        every figure that the input allows, plus summary.csv and points.csv, into -o DIR
  budget     cycles and energy vs term budget, INT8 MAC baseline as reference lines
  tradeoff   accuracy (or output error) vs term-pair multiplications (the TR trade-off curve)
  pareto     energy vs accuracy / output error, Pareto front highlighted
  compare    a bar per design point (e.g. every PE kind): cycles, energy, utilization, error
  breakdown  per-layer stacked bars: energy by component, cycles (compute / sync loss / stall)
  heatmap    PE utilization over the array, per layer (needs the pe_utilization datasets)
  terms      term distributions: terms per value (binary vs HESE, before and after TR), term pairs
             per group, kept exponents (the term_hist_* datasets), summed over --layer or all layers
  csv        the per-layer summary (or per-point totals with --points) as CSV
  info       what an input holds: kind, points, swept keys, layers
  isoaccuracy  TR vs QT at equal accuracy per network: cheapest settings within a tolerance of the
             8-bit model, latency / energy ratios beside the paper's FPGA table; CSV + figures
  paper      the paper's table on its own settings (sweep of configs/sweeps/paper.yaml): paper_table.csv
             and paper_table.png/pdf (analysis/paper.py states the rule)
  search     SEARCH.yaml -o DIR: the cheapest per-layer settings within an accuracy tolerance
             (docs/per-layer.md); runs trsim and the accuracy scorer, takes no results file
  energy     energy per layer by component and by action, static energy apart (docs/model/energy.md)
  accelergy  ERT.yaml and ART.yaml: the energies and areas a run used, in Accelergy's format

examples (from the repository root):
  /usr/bin/python3 -m analysis all sweep.h5 -o figs/
  /usr/bin/python3 -m analysis budget sweep.h5 -o figs/
  /usr/bin/python3 -m analysis breakdown results/default.h5 -o figs/
  /usr/bin/python3 -m analysis heatmap results/default.h5 --layer fc1 -o figs/
  /usr/bin/python3 -m analysis csv sweep.h5 -o summary.csv
  /usr/bin/python3 -m analysis compare pe_kinds.h5 -o figs/
  /usr/bin/python3 -m analysis pareto tr.h5 mac.h5 -o figs/
  /usr/bin/python3 -m analysis terms results/default.h5 -o figs/
  /usr/bin/python3 -m analysis tradeoff sweepA.h5 sweepB.h5 -o figs/   (several sweep and run files together)

exit status: 0 done, 1 bad input (the message names the file and what is missing), 2 usage,
4 an output that cannot be written or is an input (checked first; outputs are written atomically).
Errors are one line; TRSIM_DEBUG=1 adds the traceback.
"""


def _tolerance(text: str) -> float:
    """--tolerance: a finite number >= 0 (NaN would silently select nothing, inf everything)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(v) or v < 0:
        raise argparse.ArgumentTypeError(f"{text} is out of range (allowed: a finite number >= 0)")
    return v


def _test_size(text: str) -> int:
    """--test-size: the test set's size, >= 1 (it divides the binomial variance)."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"{v} is out of range (allowed: >= 1)")
    return v


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python3 -m analysis", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    inputs = argparse.ArgumentParser(add_help=False)
    inputs.add_argument("inputs", nargs="+", metavar="INPUT.h5",
                        help="a trsim sweep file, or one or more trsim run files")
    inputs.add_argument("--where", action="append", metavar="KEY=VALUE",
                        help="keep only the points with this value of a config key, 'network' or 'array' "
                             "(repeatable: all must hold; several values: KEY=V1,V2)")
    facet = argparse.ArgumentParser(add_help=False)
    facet.add_argument("--facet", action="append", metavar="KEY",
                       help="one figure per value of this config key, 'network' or 'array' (repeatable); points "
                            "on several array configurations get a figure per array unless KEY is 'none'")
    outdir = argparse.ArgumentParser(add_help=False)
    outdir.add_argument("-o", "--out", default="figures", metavar="DIR",
                        help="output directory for the figures (created if missing; default: figures)")
    quality = argparse.ArgumentParser(add_help=False)
    quality.add_argument("--metric", choices=("auto", "accuracy", "error"), default="auto",
                         help="y quantity: accuracy when the input has it (auto), or output error")
    quality.add_argument("--error-agg", choices=("mean", "max", "last"), default="mean",
                         help="how a point's per-layer error_rel_l2 values become one number (default: mean)")
    select = argparse.ArgumentParser(add_help=False)
    select.add_argument("--point", metavar="N|all",
                        help="sweep point index (or 'all'); default: the first successful point "
                             "(all points when several run files are given)")
    select.add_argument("--hash", metavar="HASH", help="select the sweep point by config hash (prefix)")
    budget = argparse.ArgumentParser(add_help=False)
    budget.add_argument("--x", dest="x_key", default=None, metavar="KEY",
                        help=f"config key on the x axis of the budget plot (default {figures.WEIGHT_BUDGET}, "
                             f"or {figures.DATA_BUDGET} when only that one varies)")
    heat = argparse.ArgumentParser(add_help=False)
    heat.add_argument("--layer", action="append", metavar="NAME",
                      help="layer to draw (repeatable; default: every layer in one figure)")
    heat.add_argument("--autoscale", action="store_true",
                      help="colour scale up to the largest utilization instead of 1")

    sub.add_parser("all", parents=[inputs, outdir, quality, select, budget, heat, facet],
                   help="every figure the input allows, plus CSVs")
    sub.add_parser("budget", parents=[inputs, outdir, budget, facet], help="cycles and energy vs term budget")
    sub.add_parser("tradeoff", parents=[inputs, outdir, quality, facet], help="accuracy/error vs term pairs")
    sub.add_parser("pareto", parents=[inputs, outdir, quality, facet], help="Pareto front energy vs quality")
    cmp = sub.add_parser("compare", parents=[inputs, outdir, quality, facet],
                         help="bars per design point: cycles, energy, utilization, error")
    cmp.add_argument("--network", metavar="NAME", help="network to compare (default: every network, a figure each)")
    sub.add_parser("breakdown", parents=[inputs, outdir, select], help="per-layer energy and cycles")
    sub.add_parser("heatmap", parents=[inputs, outdir, select, heat], help="PE utilization over the array")
    sub.add_parser("terms", parents=[inputs, outdir, select, heat], help="term distributions per value and group")
    c = sub.add_parser("csv", parents=[inputs], help="summary as CSV")
    c.add_argument("-o", "--out", default="-", metavar="FILE", help="CSV file (default: standard output)")
    c.add_argument("--points", action="store_true", help="one row per point (totals) instead of per layer")
    c.add_argument("--error-agg", choices=("mean", "max", "last"), default="mean",
                   help="with --points: aggregation of error_rel_l2 in the 'error' column (default mean)")
    sub.add_parser("info", parents=[inputs], help="describe the input")
    iso = sub.add_parser("isoaccuracy", parents=[inputs, outdir],
                         help="TR vs QT at equal accuracy: settings, ratios, figures, isoaccuracy.csv")
    iso.add_argument("--tolerance", type=_tolerance, default=None,
                     help="allowed loss against the 8-bit model: accuracy points (default 0.5), "
                          "perplexity percent (default 1)")
    iso.add_argument("--test-size", type=_test_size, default=isoaccuracy.TEST_SIZE,
                     help=f"test-set size for the binomial standard error (default {isoaccuracy.TEST_SIZE})")
    iso.add_argument("--layers", choices=isoaccuracy.LAYER_SETS, default="all",
                     help="which layers' cycles and energy count: all (default), no-depthwise (without depthwise "
                          "convs), paper (without the first conv and depthwise convs, as the authors' accounting); "
                          "the layers' kinds come from each point's trace (trace_path)")
    pap = sub.add_parser("paper", parents=[inputs, outdir],
                         help="the paper's table on its settings: paper_table.csv and a figure")
    pap.add_argument("--layers", choices=isoaccuracy.LAYER_SETS, default="all",
                     help="which layers' cycles and energy count (as isoaccuracy --layers; the choice of settings "
                          "does not depend on it)")
    sub.add_parser("energy", parents=[inputs, outdir], help="energy by component per layer (analysis/energy.py)")
    sub.add_parser("accelergy", parents=[inputs, outdir], help="ERT.yaml and ART.yaml: the energies and areas a run used")
    search.add_parser(sub)
    return p


def _note(msg: str):
    print(f"analysis: {msg}", file=sys.stderr)


def _selected_points(res: Results, args) -> list:
    if getattr(args, "_selected", None) is None:  # once per command (all: breakdown and heatmap)
        args._selected = _select(res, args)
    return args._selected


def _select(res: Results, args) -> list:
    point, hsh = getattr(args, "point", None), getattr(args, "hash", None)
    if point is not None and str(point).lower() == "all":
        if hsh:
            raise AnalysisError("give --point or --hash, not both")
        pts = res.ok_points()
        if not pts:
            raise AnalysisError(f"{res.name}: no successful point")
        return pts
    if point is not None:
        try:
            point = int(point)
        except ValueError:
            raise AnalysisError(f"--point: '{point}' is not a point index or 'all'") from None
        return [res.point(index=point, config_hash=hsh)]
    if hsh:
        return [res.point(config_hash=hsh)]
    if res.kind == "runs":
        return res.ok_points()
    p = res.point()
    if res.kind == "sweep" and len(res.ok_points()) > 1:
        _note(f"using sweep point {p.index} ({p.config_hash}); choose another with --point N or --point all")
    return [p]


def _save(fig, outdir, written):
    for n in fig.notes:
        _note(n)
    if fig.fig is None:
        return
    for path in figures.save(fig, outdir):
        print(path)
        written.append(path)


def _write_table(outdir, name, write, written):
    """Writes <outdir>/<name> with write(path), prints the path and records it (as _save does figures)."""
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, name)
    write(path)
    print(path)
    written.append(path)


def _draw(plot, res, args, written, *plot_args):
    for fig in figures.facets.draw(plot, res, args.facet, *plot_args):
        _save(fig, args.out, written)


def _cmd_budget(res, args, written):
    _draw(figures.plot_budget, res, args, written, args.x_key)


def _cmd_tradeoff(res, args, written):
    _draw(figures.plot_tradeoff, res, args, written, args.metric, args.error_agg)


def _cmd_pareto(res, args, written):
    _draw(figures.plot_pareto, res, args, written, args.metric, args.error_agg)


def _cmd_compare(res, args, written):
    if getattr(args, "network", None) and args.network not in res.networks():
        raise AnalysisError(f"{res.name}: no network '{args.network}' (networks: {', '.join(res.networks())})")
    several = len(res.networks()) > 1
    for part in figures.facets.split(res, args.facet):
        nets = [args.network] if getattr(args, "network", None) else part.res.networks()
        for net in nets:
            if net not in part.res.networks():
                continue
            try:
                fig = figures.plot_compare(part.res, net, args.metric, args.error_agg)
            except AnalysisError as e:
                if not part.suffix:
                    raise
                _note(f"compare {part.title}: skipped: {e}")
                continue
            if several and fig.name == "compare":  # the name says the network whenever the input has several
                fig.name = f"compare_{figures.safe_name(net)}"
            if part.suffix:
                fig.name += f"_{part.suffix}"
                figures.add_to_title(fig.fig, part.title)
            _save(fig, args.out, written)


def _cmd_breakdown(res, args, written):
    for p in _selected_points(res, args):
        _save(figures.plot_breakdown(res, p), args.out, written)


def _cmd_heatmap(res, args, written, required=True):
    drew = False
    for p in _selected_points(res, args):
        fig = figures.plot_heatmap(res, p, args.layer, args.autoscale)
        _save(fig, args.out, written)
        drew = drew or fig.fig is not None
    if not drew:
        msg = ("no pe_utilization data in the selected layers; no heatmap written "
               "(results written before trsim stored per-PE utilization have none)")
        if required:
            raise AnalysisError(f"{res.name}: {msg}")
        _note(f"heatmap skipped: {msg}")


def _cmd_terms(res, args, written):
    for p in _selected_points(res, args):
        _save(terms.plot_terms(res, p, args.layer), args.out, written)


def _cmd_csv(res, args, written):
    header, rows = export.point_rows(res, args.error_agg) if args.points else export.layer_rows(res)
    if args.out == "-":
        sys.stdout.write(export.to_csv(header, rows))
    else:
        d = os.path.dirname(args.out)
        if d:
            os.makedirs(d, exist_ok=True)
        export.write_csv(args.out, header, rows)
        print(args.out)
        written.append(args.out)


def _cmd_info(res, args, written):
    print(f"input: {res.name} ({res.kind})")
    print(f"points: {len(res.points)} ({len(res.ok_points())} ok, {len(res.failed_points())} failed)")
    print(f"swept keys: {', '.join(res.swept_keys) or '(none)'}")
    print(f"networks: {', '.join(res.networks()) or '(none)'}")
    for p in res.points:
        line = f"  point {p.index} {p.config_hash} {p.status}: {p.network} ({p.describe(figures.describe_keys(res))})"
        if not p.ok:
            line += f" error: {p.error}"
        print(line)
    ok = res.ok_points()
    if ok:
        print(f"layers (point {ok[0].index}): {', '.join(res.layer_names(ok[0]))}")


def _cmd_all(res, args, written):
    multi = len(res.ok_points()) > 1
    for name, fn in (("budget", _cmd_budget), ("tradeoff", _cmd_tradeoff), ("pareto", _cmd_pareto),
                     ("compare", _cmd_compare)):
        if not multi:
            _note(f"{name} skipped: needs several points (a sweep file or several run files)")
            continue
        try:
            fn(res, args, written)
        except AnalysisError as e:
            _note(f"{name} skipped: {e}")
    _cmd_breakdown(res, args, written)
    _cmd_heatmap(res, args, written, required=False)
    for fname, points in (("summary.csv", False), ("points.csv", True)):
        header, rows = export.point_rows(res, args.error_agg) if points else export.layer_rows(res)
        _write_table(args.out, fname, lambda path: export.write_csv(path, header, rows), written)


def _cmd_isoaccuracy(res, args, written):
    results = isoaccuracy.analyse(res, args.tolerance, args.test_size, args.layers)
    rows = isoaccuracy.comparisons(results)
    print(isoaccuracy.format_table(results, rows))
    _write_table(args.out, "isoaccuracy.csv", lambda path: isoaccuracy.write_csv(rows, path), written)
    _save(isoaccuracy.plot_ratios(results, rows), args.out, written)
    for nr in results:
        for arr in isoaccuracy.arrays_of(nr):  # one figure per array configuration
            _save(isoaccuracy.plot_accuracy_cost(nr, arr), args.out, written)


def _cmd_paper(res, args, written):
    tables = paper.analyse(res, args.layers)
    rows = paper.table_rows(tables)
    print(paper.format_table(tables, rows, args.layers))
    _write_table(args.out, "paper_table.csv", lambda path: paper.write_csv(rows, path), written)
    _save(paper.plot(tables, rows), args.out, written)


COMMANDS = {
    "all": _cmd_all, "budget": _cmd_budget, "tradeoff": _cmd_tradeoff, "pareto": _cmd_pareto, "compare": _cmd_compare,
    "breakdown": _cmd_breakdown, "heatmap": _cmd_heatmap, "csv": _cmd_csv, "info": _cmd_info, "terms": _cmd_terms,
    "isoaccuracy": _cmd_isoaccuracy, "paper": _cmd_paper,
    "energy": lambda res, args, written: [print(p) or written.append(p) for p in energy.plot_energy(args.inputs, args.out)],
    "accelergy": lambda res, args, written: [print(p) or written.append(p)
                                             for p in energy.export_accelergy(args.inputs, args.out)],
}


def check_outputs(args) -> None:
    """Before anything is read or drawn: -o (a CSV file for csv, a directory otherwise) can be written and is
    none of the inputs; every file written later is checked again against them (tool.protect, atomic writes)."""
    tool.protect(args.inputs)
    out = getattr(args, "out", None)
    if out is None or (args.command == "csv" and out == "-"):
        return
    if args.command == "csv":
        d = os.path.dirname(out)
        if d and not os.path.exists(d):  # created when the CSV is written
            tool.check_outputs([], args.inputs, directory_outputs=[d])
        else:
            tool.check_outputs([out], args.inputs)
    else:
        tool.check_outputs([], args.inputs, directory_outputs=[out])


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "search":  # its input is a search file, not results
        return search.run(args)
    return tool.run("analysis: error", lambda: _main(args), invalid=(AnalysisError,))


def _main(args) -> int:
    written = []
    check_outputs(args)
    res = load(args.inputs)
    if args.where:
        res = figures.facets.where(res, args.where)
    for p in res.failed_points():
        what = "failed" if p.status == "failed" else f"has status '{p.status}'"
        _note(f"point {p.index} ({p.config_hash}) {what} and is left out" + (f": {p.error}" if p.error else ""))
    COMMANDS[args.command](res, args, written)
    return 0
