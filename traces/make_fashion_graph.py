#!/usr/bin/python3
"""Train a graph network on Fashion-MNIST with PyTorch (residual CNN ``resnet`` or inverted-residual CNN with
squeeze-and-excitation ``mbv2se``, traces/fashion_graph_nets.py), quantize it to 8 bits and write a
format-2 trsim trace with its network graph (traces/bundled/<name>_fashion_mnist.h5).

Run:  /usr/bin/python3 traces/make_fashion_graph.py resnet [--epochs 3] [--out FILE]
      (needs `apt-get install -y python3-torch libopenblas0-pthread dataset-fashion-mnist`)

The trained float model is kept in traces/generated/<name>_fashion_mnist.pt (git-ignored) and reused unless
--retrain: quantizing again does not need training again.

Quantization (the rules of the int8 model the trace's int8_metric measures, re-run by traces/tr_accuracy.py
graph_logits): batch norm folded into every convolution; weights symmetric per tensor,
``w_scale = max|w| / 127``; every layer's input quantized per tensor at its maximum over 2000 training images
(``x_scale = max / 255`` for non-negative inputs, ``max / 127`` for signed ones: the linear bottleneck outputs
and residual sums of ``mbv2se``); float bias, activations, residual adds, SE scaling and pooling between
the layers.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import fashion_graph_nets as fg  # noqa: E402
import tr_accuracy as tra  # noqa: E402
import tracegen as tg  # noqa: E402
from trsim_trace import Layer, Trace, write_trace  # noqa: E402
from trsim_trace.graph import run_graph  # noqa: E402
from trsim_trace.tr import lower_conv  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCHS = {"resnet": 3, "mbv2se": 1}
BATCH, LR = 128, 3e-3
CALIBRATION_IMAGES = 2000
RECORD = 4  # test images whose layer inputs the trace stores (what trsim simulates)


def train(torch, name, data, epochs, seed):
    """Adam with a one-cycle learning rate, deterministic (seeded, deterministic algorithms, 1 thread)."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    x = torch.from_numpy((data["train_x"] / 255.0).astype(np.float32)[:, None])
    y = torch.from_numpy(data["train_y"].astype(np.int64))
    model = fg.build(torch, name)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    steps = len(x) // BATCH
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, LR, total_steps=epochs * steps)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.time()
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        for i in range(steps):
            idx = perm[i * BATCH:(i + 1) * BATCH]
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if i % 100 == 0:
                print(f"epoch {ep} step {i}/{steps} loss {float(loss):.3f} {time.time() - t0:.0f} s", flush=True)
    return model


def float_forward(layers, graph, x, record_inputs=None):
    """The folded float network (numpy); ``record_inputs[name]`` collects each layer's input max / sign."""
    def layer_fn(node, a):
        la = layers[node["layer"]]
        if la["type"] == "fc":
            a = a.reshape(a.shape[0], -1)
        if record_inputs is not None:
            mx, neg = record_inputs.get(node["layer"], (0.0, False))
            record_inputs[node["layer"]] = (max(mx, float(np.abs(a).max())), neg or bool((a < 0).any()))
        if la["type"] == "fc":
            return a @ la["w"].T + la["b"]
        parts, (oh, ow) = lower_conv(a, la["w"], la["stride"], la["padding"], la["groups"])
        y = np.concatenate([xr @ wr.T for xr, wr in parts], axis=1)
        return y.reshape(a.shape[0], oh, ow, -1).transpose(0, 3, 1, 2) + la["b"][None, :, None, None]
    return run_graph(graph, x, layer_fn)


ROLE_OF = {"stem": "first", "fc": "classifier"}


def role(name, la):
    if name in ROLE_OF:
        return ROLE_OF[name]
    if la["groups"] > 1 and la["groups"] == la["w"].shape[0]:
        return "depthwise"
    if "_se_" in name:
        return "se"
    if name.endswith("_proj"):
        return "projection"
    return "pointwise" if la["w"].shape[2:] == (1, 1) else "conv"


def build_trace(name, layers, graph, data, float_acc, seed):
    x_cal = (data["train_x"][:CALIBRATION_IMAGES] / 255.0)[:, None].astype(np.float64)
    stats = {}
    for b0 in range(0, len(x_cal), 500):
        float_forward(layers, graph, x_cal[b0:b0 + 500], stats)
    signed = {n: neg for n, (_, neg) in stats.items()}
    nodes = [dict(n, signed=signed[n["layer"]]) if n["op"] == "layer" else n for n in graph]
    trace_layers = []
    order = [n["layer"] for n in nodes if n["op"] == "layer"]
    for lname in order:
        la = layers[lname]
        w_scale = float(np.abs(la["w"]).max()) / 127
        qmax = tra.X_QMAX_SIGNED if signed[lname] else tra.X_QMAX_UNSIGNED
        x_scale = 1.0 / 255 if lname == order[0] else stats[lname][0] / qmax
        extra = {"role": role(lname, la)}
        common = dict(name=lname, type=la["type"], weights=np.rint(la["w"] / w_scale).astype(np.int64),
                      inputs=np.zeros((1, 1), dtype=np.int64), w_scale=w_scale, x_scale=x_scale, w_bits=8, x_bits=8,
                      bias=la["b"].astype(np.float32), extra_attrs=extra)
        if la["type"] == "conv":
            common.update(stride=la["stride"], padding=la["padding"], groups=la["groups"])
        trace_layers.append(Layer(**common))
    model = {"architecture": "graph", "graph": json.dumps(nodes, separators=(",", ":")),
             "eval_data": "Fashion-MNIST test set (10k images, dataset-fashion-mnist), pixels / 255"}
    trace = Trace(network=f"{name}_fashion_mnist", source="trained", description="", layers=trace_layers,
                  metric="accuracy", model=model)
    x_test = (data["test_x"] / 255.0)[:, None].astype(np.float32)
    y_test = data["test_y"].astype(np.int64)
    # the stored inputs are the int8 model's own (record pass), then the int8 accuracy on the full test set
    trace.layers = [Layer(**{**la.__dict__, "inputs": np.zeros((RECORD, 1), dtype=np.int64)})
                    for la in trace.layers]
    _, recorded = tra.graph_logits(trace, x_test[:RECORD], record=RECORD)
    for la in trace.layers:
        la.inputs = recorded[la.name]
    logits = tra.graph_logits(trace, x_test, progress=tra.Progress(f"int8 accuracy ({name})"))
    int8_acc = float((logits.argmax(axis=1) == y_test).mean())
    trace.float_metric, trace.int8_metric = float_acc, int8_acc
    trace.description = (
        f"{name} trained on Fashion-MNIST with PyTorch (traces/fashion_graph_nets.py, "
        f"traces/make_fashion_graph.py, seed {seed}); batch norm folded, int8 per-tensor weights, per-tensor "
        f"max-calibrated inputs (uint8 non-negative / int8 signed), graph in /model. Inputs: the int8 model's "
        f"layer inputs for the first {RECORD} test images. Float accuracy {float_acc:.4f}, int8 {int8_acc:.4f}.")
    return trace


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("network", choices=fg.NETWORKS)
    ap.add_argument("--epochs", type=int, default=None, help=f"default {EPOCHS}")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--retrain", action="store_true", help="train even if the checkpoint exists")
    ap.add_argument("--out", default=None)
    ap.add_argument("--checkpoint", default=None, help="default traces/generated/<name>_fashion_mnist.pt")
    a = ap.parse_args(argv)
    torch = tg.import_torch(a.threads)
    name = a.network
    epochs = a.epochs or EPOCHS[name]
    out = a.out or os.path.join(HERE, "bundled", f"{name}_fashion_mnist.h5")
    ckpt = a.checkpoint or os.path.join(HERE, "generated", f"{name}_fashion_mnist.pt")
    data = tg.load_fashion_mnist()
    t0 = time.time()
    if os.path.exists(ckpt) and not a.retrain:
        model = fg.build(torch, name)
        model.load_state_dict(torch.load(ckpt))
        print(f"{name}: trained model from {ckpt} (--retrain to train again)")
    else:
        model = train(torch, name, data, epochs, a.seed)
        os.makedirs(os.path.dirname(ckpt), exist_ok=True)
        torch.save(model.state_dict(), ckpt)
        print(f"{name}: trained {epochs} epochs in {time.time() - t0:.0f} s -> {ckpt}")
    model.eval()
    xt = torch.from_numpy((data["test_x"] / 255.0).astype(np.float32)[:, None])
    with torch.no_grad():
        float_acc = float((model(xt).argmax(1).numpy() == data["test_y"]).mean())
    layers, graph = fg.fold(model, name)
    trace = build_trace(name, layers, graph, data, float_acc, a.seed)
    write_trace(out, trace)
    print(f"{name}: float {float_acc:.4f}, int8 {trace.int8_metric:.4f}; wrote {out} "
          f"({os.path.getsize(out) / 1e6:.2f} MB) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    import sys

    from trsim_trace import tool  # one error line, the documented exit status
    sys.exit(tool.run("make_fashion_graph.py", main))
