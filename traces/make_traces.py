#!/usr/bin/python3
"""(Re)generate trsim's traces: one command, with progress.

    /usr/bin/python3 traces/make_traces.py all                    # everything below, in order
    /usr/bin/python3 traces/make_traces.py trained [mlp cnn lstm resnet mbv2se]  # real models -> traces/bundled/
    /usr/bin/python3 traces/make_traces.py imagenet [resnet18 ...]# synthetic ImageNet-scale -> traces/generated/
    /usr/bin/python3 traces/make_traces.py paper [resnet18 ...]   # the TR paper's six networks, with the authors'
                                                                  # published accuracies -> traces/generated/
    /usr/bin/python3 traces/make_traces.py bundled-synthetic      # the small synthetic trace in traces/bundled/
    /usr/bin/python3 traces/make_traces.py tr-accuracy FILE...    # recompute the /tr_accuracy table of traces
    /usr/bin/python3 traces/make_traces.py list                   # what exists, sizes, metrics

Trained models need Debian packages dataset-fashion-mnist (MLP, CNN, ResNet-style, MobileNet-style) and
python3-torch, libopenblas0-pthread (LSTM, ResNet-style, MobileNet-style), bible-kjv (LSTM). The synthetic traces are fitted to the bundled trained traces.

The bundled MLP and CNN were trained with Debian's reference BLAS (libblas3). Installing
libopenblas0-pthread (for torch) makes OpenBLAS numpy's BLAS, whose float rounding differs; to reproduce the
bundled files byte for byte, this command runs the numpy generators with the reference BLAS first on the
library path when it is installed (/usr/lib/x86_64-linux-gnu/blas).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
REFERENCE_BLAS = "/usr/lib/x86_64-linux-gnu/blas"
BUNDLED = os.path.join(HERE, "bundled")
GENERATED = os.path.join(HERE, "generated")
TRAINED = {  # name: (script and its arguments, output in bundled/, numpy generator needing the reference BLAS)
    "mlp": (["make_fashion_mlp.py"], "mlp_fashion_mnist.h5", True),
    "cnn": (["make_fashion_cnn.py"], "cnn_fashion_mnist.h5", True),
    "lstm": (["make_kjv_lstm.py"], "lstm_kjv.h5", False),
    "resnet": (["make_fashion_graph.py", "resnet"], "resnet_fashion_mnist.h5", False),
    "mbv2se": (["make_fashion_graph.py", "mbv2se"], "mbv2se_fashion_mnist.h5", False),
}
# the small synthetic trace kept in git: the real ResNet-18 shapes, first 5 array layers (conv1 + layer1)
BUNDLED_SYNTHETIC = dict(network="resnet18", first_layers=5, file="resnet18_first5_synthetic.h5")


def run_trained(names):
    for name in names:
        (script, *script_args), out, numpy_blas = TRAINED[name]
        env = dict(os.environ)
        if numpy_blas and os.path.isdir(REFERENCE_BLAS):
            env["LD_LIBRARY_PATH"] = REFERENCE_BLAS + (":" + env["LD_LIBRARY_PATH"]
                                                       if env.get("LD_LIBRARY_PATH") else "")
        t0 = time.time()
        print(f"== {name}: {script} -> bundled/{out}", flush=True)
        r = subprocess.run([PYTHON, os.path.join(HERE, script), *script_args, "--out", os.path.join(BUNDLED, out)],
                           env=env)
        if r.returncode:
            raise SystemExit(f"{script} failed (exit {r.returncode})")
        print(f"== {name}: done in {time.time() - t0:.0f} s", flush=True)


def run_bundled_synthetic():
    import make_imagenet
    spec = BUNDLED_SYNTHETIC
    make_imagenet.generate([spec["network"]], out_dir=BUNDLED, first_layers=spec["first_layers"],
                           out=os.path.join(BUNDLED, spec["file"]), compression=9)


def run_tr_accuracy(paths):
    import tr_accuracy as tra
    from trsim_trace import read_trace, write_trace
    for path in paths:
        t = read_trace(path)
        t.tr_accuracy = tra.tr_table(t, progress=tra.Progress(f"TR accuracy ({t.network})"))
        write_trace(path, t)
        print(f"updated {path}")


def list_traces():
    from trsim_trace import read_trace
    for d in (BUNDLED, GENERATED):
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if not f.endswith(".h5"):
                continue
            path = os.path.join(d, f)
            t = read_trace(path)
            metric = "" if t.metric is None else \
                f"{t.metric}: float {t.float_metric:.4g}, int8 {t.int8_metric:.4g}"
            print(f"{os.path.relpath(path, HERE):48s} {os.path.getsize(path) / 1e6:8.2f} MB  {t.source:9s} "
                  f"{len(t.layers):3d} layers  {metric}")


def main(argv=None):
    import imagenet
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("all", help="trained + bundled-synthetic + imagenet (every network)")
    p = sub.add_parser("trained", help=f"train the real models (default: {' '.join(TRAINED)})")
    p.add_argument("models", nargs="*", help=f"any of {', '.join(TRAINED)}")
    p = sub.add_parser("imagenet", help="synthetic ImageNet-scale traces (default: every network)")
    p.add_argument("networks", nargs="*")
    p.add_argument("--out-dir", default=GENERATED)
    p.add_argument("--seed", type=int, default=1)
    p = sub.add_parser("paper", help="the TR paper's six networks at their scale, with the authors' published "
                                     "accuracies (default: all six; traces/make_paper.py)")
    p.add_argument("networks", nargs="*")
    p.add_argument("--out-dir", default=GENERATED)
    p.add_argument("--seed", type=int, default=1)
    sub.add_parser("bundled-synthetic", help="the small synthetic trace in bundled/")
    p = sub.add_parser("tr-accuracy", help="recompute the /tr_accuracy table of trained traces")
    p.add_argument("files", nargs="+")
    sub.add_parser("list", help="list bundled and generated traces")
    args = ap.parse_args(argv)

    t0 = time.time()
    if args.cmd in ("trained", "all"):
        models = getattr(args, "models", None) or list(TRAINED)
        bad = [m for m in models if m not in TRAINED]
        if bad:
            ap.error(f"unknown model(s) {bad}; known: {', '.join(TRAINED)}")
        run_trained(models)
    if args.cmd in ("bundled-synthetic", "all"):
        run_bundled_synthetic()
    if args.cmd in ("imagenet", "all"):
        import make_imagenet
        nets = getattr(args, "networks", None) or list(imagenet.NETWORKS)
        bad = [n for n in nets if n not in imagenet.NETWORKS]
        if bad:
            ap.error(f"unknown network(s) {bad}; known: {', '.join(imagenet.NETWORKS)}")
        make_imagenet.generate(nets, out_dir=getattr(args, "out_dir", GENERATED), seed=getattr(args, "seed", 1))
    if args.cmd == "paper":
        import make_paper
        import paper
        nets = args.networks or list(paper.NETWORKS)
        bad = [n for n in nets if n not in paper.NETWORKS]
        if bad:
            ap.error(f"unknown network(s) {bad}; known: {', '.join(paper.NETWORKS)}")
        make_paper.generate(nets, out_dir=args.out_dir, seed=args.seed)
    if args.cmd == "tr-accuracy":
        run_tr_accuracy(args.files)
    if args.cmd == "list":
        list_traces()
    else:
        print(f"done in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    from trsim_trace import tool
    sys.exit(tool.run("make_traces.py", main))
