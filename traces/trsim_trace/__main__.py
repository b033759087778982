"""Command line: ``python3 -m trsim_trace {validate,info} FILE [FILE ...]``."""

import argparse
import os
import sys

from . import tool
from .format import TraceError, check_file, conv_output_hw, gemm_shape, read_trace


def _cmd_validate(paths):
    status = 0
    for path in paths:
        problems = check_file(path)
        if problems:
            status = 1
            print(f"INVALID: {path} ({len(problems)} problem(s))", file=sys.stderr)
            for p in problems:
                print(f"  {p}", file=sys.stderr)
        else:
            print(f"OK: {path}")
    return status


def _fmt_float(v):
    return "-" if v is None else f"{v:.6g}"


def _cmd_info(paths):
    status = 0
    for path in paths:
        try:
            t = read_trace(path)
        except TraceError as exc:
            print(f"INVALID: {path}\n  " + "\n  ".join(exc.problems), file=sys.stderr)
            status = 1
            continue
        print(f"{path}  ({os.path.getsize(path)} bytes)")
        print(f"  network: {t.network}   source: {t.source}   format_version: {t.format_version}")
        if t.metric is not None:
            print(f"  metric: {t.metric}   float_metric: {_fmt_float(t.float_metric)}   "
                  f"int8_metric: {_fmt_float(t.int8_metric)}")
        for k, v in t.extra_attrs.items():
            print(f"  {k}: {v}")
        print(f"  description: {t.description}")
        total = 0
        print(f"  {'idx':>3} {'name':<10} {'type':<5} {'weights':<24} {'inputs':<24} "
              f"{'w_scale':>10} {'x_scale':>10} {'wb':>2} {'xb':>2}  GEMM M x K x N (groups), extra")
        for i, layer in enumerate(t.layers):
            m, k, n, g = gemm_shape(layer)
            macs = m * k * n * g
            total += macs
            extra = ""
            if layer.type == "conv":
                oh, ow = conv_output_hw(layer)
                extra = f", stride {layer.stride} pad {layer.padding} groups {layer.groups} -> out {oh}x{ow}"
            elif layer.type == "lstm":
                extra = f", hidden_size {layer.hidden_size}"
            w = f"{list(layer.weights.shape)} {layer.weights.dtype}"
            x = f"{list(layer.inputs.shape)} {layer.inputs.dtype}"
            print(f"  {i:>3} {layer.name:<10} {layer.type:<5} {w:<24} {x:<24} {layer.w_scale:>10.4g} "
                  f"{layer.x_scale:>10.4g} {layer.w_bits:>2} {layer.x_bits:>2}  "
                  f"{m} x {k} x {n} ({g}), {macs} MACs{extra}")
        print(f"  total MACs: {total}")
        if any(layer.bias is not None for layer in t.layers):
            print(f"  float biases: {', '.join(la.name for la in t.layers if la.bias is not None)}")
        if t.model:
            items = [f"{k}={v}" if not hasattr(v, "__len__") or isinstance(v, str)
                     else f"{k}=[{len(v)} values]" for k, v in t.model.items()]
            print(f"  /model: {'; '.join(items)}")
        if t.tr_accuracy is not None:
            print(f"  /tr_accuracy ({t.tr_accuracy.metric}):")
            for p in t.tr_accuracy.points:
                k = lambda b: "none" if b is None else b  # noqa: E731
                print(f"    w {p.w_encoding:6s} g{p.w_group_size:<3d} k{str(k(p.w_budget)):5s} "
                      f"d {p.d_encoding:6s} g{p.d_group_size:<3d} k{str(k(p.d_budget)):5s} {p.value:.6g}")
    return status


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m trsim_trace",
                                     description="Validate or describe trsim HDF5 layer traces.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check files; exit status 1 if any is malformed")
    p.add_argument("files", nargs="+")
    p = sub.add_parser("info", help="print attributes and layers with shapes")
    p.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    command = _cmd_validate if args.command == "validate" else _cmd_info
    return tool.run("trsim_trace", lambda: command(args.files), invalid=(TraceError,))


if __name__ == "__main__":
    sys.exit(main())
