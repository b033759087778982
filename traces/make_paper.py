#!/usr/bin/python3
"""Traces of the TR paper's six networks at their scale, carrying the authors' published accuracies.

    /usr/bin/python3 traces/make_traces.py paper [resnet18 vgg16_bn mobilenet_v2 efficientnet_b0 mlp_mnist
                                                   lstm_wikitext2]       # -> traces/generated/<name>_paper.h5

Layer shapes are exact (ResNet-18, VGG-16-bn, MobileNet-v2, EfficientNet-b0: torchvision's definitions at
224 x 224, traces/imagenet.py, checked against torchvision's modules by traces/tests/test_paper_traces.py; the
MLP 784-512-512-10; the LSTM: two layers of 650 and a 33,278-word decoder). Values are SYNTHETIC, drawn as the
synthetic ImageNet traces draw them (traces/make_imagenet.py: fitted to the models trained here), with
weights at 8 magnitude bits (-255..255: the authors' wb = 9, "8-bit QT") and 8-bit data. M per layer is what
the authors' profile_model.py counted (traces/paper.py): batch 1 for the CNNs and the MLP, 35 steps x 10
sequences = 350 rows for each LSTM layer and the decoder (the embedding lookup is a table read, not array work).

Each trace's ``/published_accuracy`` group holds every setting of the authors' results files with their value
(traces/paper.py: the numbers, the source files and commit, and how each setting maps onto trsim's config);
trsim reports those values as the accuracy of the matching configurations, NaN with the reason otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imagenet  # noqa: E402
import make_imagenet as mi  # noqa: E402
import paper  # noqa: E402
from tr_accuracy import Progress  # noqa: E402
from trsim_trace import Layer, PublishedAccuracy, PublishedRow, Trace, gemm_shape, write_trace  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATED = os.path.join(HERE, "generated")
W_QMAX = 255          # weights at 8 magnitude bits: the authors' wb = 9
IMAGENET_TABLE = {"resnet18": "resnet18", "vgg16_bn": "vgg16", "mobilenet_v2": "mobilenet_v2",
                  "efficientnet_b0": "efficientnet_b0"}


def output_path(name: str, out_dir: str = GENERATED) -> str:
    return os.path.join(out_dir, f"{name}_paper.h5")


def _fc_layer(name, spec, fit, seed, net, index, rows, layer_type="fc", hidden=None, note=""):
    wq, w_scale = mi.draw_weights(spec, fit, mi._rng(seed, net, index, "weights"), W_QMAX)
    xq, x_scale = mi.draw_inputs(spec, fit, mi._rng(seed, net, index, "inputs"), batch=rows)
    return Layer(name=name, type=layer_type, weights=wq, inputs=xq, w_scale=w_scale, x_scale=x_scale,
                 w_bits=8, x_bits=8, hidden_size=hidden,
                 extra_attrs=dict(input_kind=spec.input_kind, note=note))


def mlp_layers(fit, seed: int, width: float = 1.0) -> List[Layer]:
    out = []
    dims = [(max(1, round(k * width)) if i else k, max(1, round(n * width)) if n != 10 else n)
            for i, (k, n) in enumerate(paper.MLP_LAYERS)]
    for i, (k, n) in enumerate(dims):
        spec = imagenet.LayerSpec(f"fc{i + 1}", "fc", k, n, input_kind="relu")
        note = ("input: the 28x28 image flattened (drawn as post-ReLU values: non-negative, many zeros, like "
                "MNIST pixels)" if i == 0 else "input: ReLU output of the previous layer")
        out.append(_fc_layer(spec.name, spec, fit, seed, "mlp_mnist", i, paper.MLP_BATCH, note=note))
    return out


def lstm_layers(fit, seed: int, width: float = 1.0, steps: Optional[int] = None) -> List[Layer]:
    h = max(1, round(paper.LSTM_HIDDEN * width))
    vocab = max(10, round(paper.LSTM_VOCAB * width))
    rows = steps if steps is not None else paper.LSTM_BPTT * paper.LSTM_BATCH
    out = []
    for i in range(2):
        spec = imagenet.LayerSpec(f"lstm{i + 1}", "fc", 2 * h, 4 * h, input_kind="signed")
        note = (f"[x_t | h_(t-1)] ({'embedding' if i == 0 else 'lstm1 output'} {h} + hidden {h}) per row; "
                f"{rows} rows = {paper.LSTM_BPTT} steps x {paper.LSTM_BATCH} sequences; gates i, f, g, o")
        out.append(_fc_layer(spec.name, spec, fit, seed, "lstm_wikitext2", i, rows, layer_type="lstm", hidden=h,
                             note=note))
    spec = imagenet.LayerSpec("decoder", "fc", h, vocab, input_kind="signed")
    out.append(_fc_layer("decoder", spec, fit, seed, "lstm_wikitext2", 2, rows,
                         note=f"vocabulary logits from lstm2's h_t, {rows} rows"))
    return out


def published(net: paper.PaperNetwork, layers: List[Layer]) -> PublishedAccuracy:
    w_bits = [la.w_bits for la in layers]
    x_bits = [la.x_bits for la in layers]
    rows = [PublishedRow(s.key(w_bits, x_bits), s.label, float(s.value)) for s in net.settings]
    description = (f"The authors' published {net.metric.replace('_', ' ')} of {net.row} for every setting of "
                   f"their results files, exactly as published; key = trsim's canonical setting key of the config "
                   f"that expresses the setting (traces/paper.py: weights quantize_bits = wb - 1, data "
                   f"quantize_bits = db; QT binary without budgets; TR HESE, weights g/k, data group 1 budget s), "
                   f"empty where trsim cannot express it. NOT values of this trace's synthetic integers.")
    return PublishedAccuracy(metric=net.metric, source=paper.source_text(net), description=description, rows=rows)


def make_trace(name: str, fit, seed: int = 1, resolution: int = 224, width: float = 1.0,
               lstm_steps: Optional[int] = None) -> Trace:
    net = paper.NETWORKS[name]
    scaled = resolution != 224 or width != 1.0 or lstm_steps is not None
    if name in IMAGENET_TABLE:
        base = mi.make_trace(IMAGENET_TABLE[name], fit, seed, resolution, width, w_qmax=W_QMAX,
                             progress=Progress(f"{name:16s}"))
        layers, what = base.layers, base.description.replace(
            "symmetric per-layer max quantization to int8 (-127..127)",
            "symmetric per-layer max quantization to 8 magnitude bits (-255..255)")
    elif name == "mlp_mnist":
        layers = mlp_layers(fit, seed, width)
        what = ("SYNTHETIC trace: the authors' MLP 784-512-512-10 on MNIST (train_mlp.py), batch 1. Values are NOT "
                "from a trained network: drawn (traces/make_imagenet.py) from distributions fitted to the models "
                "trained here. " + mi.describe_fit(fit))
    else:
        layers = lstm_layers(fit, seed, width, lstm_steps)
        what = ("SYNTHETIC trace: the authors' Wikitext-2 language model (lstm_models/model.py, evaluate_lstm.sh): "
                "embedding 650 (a table lookup, not array work), two LSTM layers of 650 (each a GEMM of "
                "[x_t | h_(t-1)] against the four gates' weights), a decoder to 33,278 words; 350 rows per layer "
                "(BPTT 35 x evaluation batch 10, as their profile counted). Values are NOT from a trained network: "
                "drawn (traces/make_imagenet.py) from distributions fitted to the models trained here. "
                + mi.describe_fit(fit))
    if scaled:
        what = f"SCALED DOWN FOR TESTS (resolution {resolution}, width x{width:g}): NOT the real network. " + what
    description = (what + f" Weights at 8 magnitude bits (-255..255, the authors' wb = 9). Layer table: "
                          f"{net.layers_from}. Carries the authors' published accuracies in /published_accuracy "
                          f"({paper.source_text(net)}). Seed {seed}.")
    model = dict(architecture="synthetic", paper_network=name, paper_row=net.row, seed=seed,
                 macs=int(sum(_macs(la) for la in layers)), resolution=resolution, width=float(width))
    return Trace(network=f"{name}_paper" + ("_scaled" if scaled else ""), source="synthetic",
                 description=description, layers=layers, model=model, published_accuracy=published(net, layers))


def _macs(layer: Layer) -> int:
    m, k, n, groups = gemm_shape(layer)
    return int(m * k * n * groups)


def generate(names: List[str], out_dir: str = GENERATED, seed: int = 1, compression: int = 1) -> List[str]:
    fit = mi.fit_statistics()
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name in names:
        t0 = time.time()
        trace = make_trace(name, fit, seed)
        path = output_path(name, out_dir)
        print(f"{name}: writing {path} ...", file=sys.stderr, flush=True)
        write_trace(path, trace, compression_level=compression)
        print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB, {len(trace.layers)} layers, "
              f"{trace.model['macs'] / 1e9:.3f} GMACs, {len(trace.published_accuracy.rows)} published settings) "
              f"in {time.time() - t0:.0f} s", flush=True)
        paths.append(path)
    return paths


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("networks", nargs="*", help=f"any of {', '.join(paper.NETWORKS)} (default: all)")
    ap.add_argument("--out-dir", default=GENERATED)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    names = args.networks or list(paper.NETWORKS)
    bad = [n for n in names if n not in paper.NETWORKS]
    if bad:
        ap.error(f"unknown network(s) {bad}; known: {', '.join(paper.NETWORKS)}")
    generate(names, args.out_dir, args.seed)


if __name__ == "__main__":
    import sys

    from trsim_trace import tool  # one error line, the documented exit status
    sys.exit(tool.run("make_paper.py", main))
