#!/usr/bin/python3
"""Import a PyTorch model into a trsim trace (what `trsim trace from-torch` runs).

    /usr/bin/python3 traces/from_torch.py MODEL.py -o OUT.h5 [--samples N] [--name NAME] [--threads N]

MODEL.py defines
    model()              -> torch.nn.Module with its trained weights
    test_data()          -> (inputs, labels): the evaluation set, labels class indices (optional: without it
                            the trace has no accuracy and the layer inputs come from the calibration inputs)
    calibration_data()   -> inputs fitting the activation scales (optional: without it the first 2000 test
                            inputs)
The import (traces/trsim_trace/torch_import.py, docs/user-guide/import.md) folds batch norm, quantizes to int8, records
every layer's integer inputs for N inputs (default 4) and stores the test set and the float and int8 accuracy.
Exit status: 0 written, 1 the model cannot be imported (one line naming the fx node and op) or MODEL.py failed,
2 usage, 4 the output could not be written. Nothing is written unless the whole import succeeded.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


from trsim_trace import tool  # noqa: E402


class Failure(tool.ToolError):
    def __init__(self, status: int, message: str):
        super().__init__(message, status)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")


def load_model_file(path: str):
    if not os.path.isfile(path):
        raise Failure(1, f"{path}: no such file")
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location("trsim_user_model", path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception as exc:
        raise Failure(1, f"{path}: importing it raised {_one_line(exc)}") from None
    if not callable(getattr(mod, "model", None)):
        raise Failure(1, f"{path}: defines no model() function (it must return a torch.nn.Module)")
    return mod


def call(path: str, mod, name: str):
    try:
        return getattr(mod, name)()
    except Exception as exc:
        raise Failure(1, f"{path}: {name}() raised {_one_line(exc)}") from None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_file", metavar="MODEL.py")
    ap.add_argument("-o", "--output", required=True, metavar="OUT.h5")
    ap.add_argument("--samples", type=int, default=4, help="inputs whose layer inputs the trace stores (default 4)")
    ap.add_argument("--name", default=None, help="network name (default: MODEL.py's file name)")
    ap.add_argument("--threads", type=int, default=None, help="threads (default: every core)")
    a = ap.parse_args(argv)
    if a.samples < 1:
        ap.error(f"--samples must be >= 1, got {a.samples}")
    path = a.model_file
    return tool.run("from-torch", lambda: _import(a, path))


def _import(a, path: str) -> int:
    tool.check_outputs([a.output], [path])  # before the (long) import: exit status 4 naming the output
    if not os.path.isfile(path):  # before PyTorch loads (seconds)
        raise Failure(1, f"{path}: no such file")
    try:
        import torch
    except ImportError:
        raise Failure(1, "PyTorch is missing: apt-get install -y python3-torch libopenblas0-pthread") from None
    from trsim_trace import write_trace
    from trsim_trace.torch_import import CALIBRATION_DEFAULT, TorchImportError, import_module

    torch.set_num_threads(max(1, a.threads or os.cpu_count() or 1))
    t0 = time.time()

    def say(msg):
        print(f"from-torch: {msg}", file=sys.stderr, flush=True)
    try:
        mod = load_model_file(path)
        module = call(path, mod, "model")
        if not isinstance(module, torch.nn.Module):
            raise Failure(1, f"{path}: model() returned a {type(module).__name__}, not a torch.nn.Module")
        test = call(path, mod, "test_data") if callable(getattr(mod, "test_data", None)) else None
        if test is not None and (not isinstance(test, (tuple, list)) or len(test) != 2):
            raise Failure(1, f"{path}: test_data() must return (inputs, labels)")
        if callable(getattr(mod, "calibration_data", None)):
            calibration = call(path, mod, "calibration_data")
        elif test is not None:
            calibration = test[0][:CALIBRATION_DEFAULT]
        else:
            raise Failure(1, f"{path}: defines neither calibration_data() nor test_data(): no inputs to calibrate on")
        name = a.name or os.path.splitext(os.path.basename(path))[0]
        try:
            trace = import_module(module, calibration, test, samples=a.samples, network=name, progress=say,
                                  threads=a.threads)
        except TorchImportError as exc:
            raise Failure(1, f"{path}: {exc}") from None
        try:
            write_trace(a.output, trace)
        except OSError as exc:
            raise Failure(4, f"{a.output}: cannot be written: {exc.strerror or exc}") from None
    except (Failure, KeyboardInterrupt):
        raise
    except Exception as exc:  # a failure of the importer itself: one line, never a half-written trace
        if tool.debug():
            raise
        raise Failure(1, f"{path}: the import failed: {_one_line(exc)}") from None
    metric = (f", float accuracy {trace.float_metric:.4f}, int8 {trace.int8_metric:.4f}"
              if trace.int8_metric is not None else ", no test set: no accuracy")
    print(f"wrote {a.output}: {trace.network}, {len(trace.layers)} layers{metric} "
          f"({os.path.getsize(a.output) / 1e6:.2f} MB, {time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
