#!/usr/bin/python3
"""A synthetic trace from a SCALE-Sim v2 topology CSV (the conv format: Layer name, IFMAP Height, IFMAP Width,
Filter Height, Filter Width, Channels, Num Filter, Strides), with the value distributions fitted to the models
trained here (make_imagenet.py: the same fit and the same draws as the synthetic ImageNet traces).

Run:  /usr/bin/python3 traces/from_topology.py TOPO.csv -o OUT.h5 [--seed N]   (or: trsim trace from-topology)

Shapes follow SCALE-Sim exactly, so trsim and SCALE-Sim lower every layer to the same GEMM: SCALE-Sim pads
nothing and lets the last window run past the edge, OH = ceil((H - R + stride) / stride) (its
topology_utils.py), so the trace stores the ifmap extended by zeros at the bottom and right to
(OH - 1) * stride + R rows (the same for width) and padding 0; the layer's ``scalesim_ifmap`` attr keeps the
topology's H x W. Values: weights are GG samples max-quantized to int8 (draw_weights); the first layer's
input, when it has 3 channels, is an image (uint8 pixels), every other input post-ReLU activations (uint8);
each layer's input is drawn on its own (values do not chain), as in the ImageNet traces.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import types
from typing import List

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_imagenet as mi  # noqa: E402
from trsim_trace import Layer, Trace, write_trace  # noqa: E402
from trsim_trace import tool  # noqa: E402

COLUMNS = ("Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels",
           "Num Filter", "Strides")


# The largest dataset a layer may have (values of its weights or of its zero-extended ifmap): 2^28 values
# (2 GiB as the int64 arrays drawn here; the largest ImageNet layer, VGG-16's fc6 weights, has 1.0e8).
MAX_VALUES = 1 << 28


class TopologyError(ValueError):
    pass


def _read_text(path: str) -> str:
    """The topology's text: UTF-8 (a byte-order mark is skipped, as spreadsheet programs write one), any line
    endings; a binary file is an error naming it."""
    with open(path, "rb") as f:
        data = f.read(64 << 20)
        if f.read(1):
            raise TopologyError(f"{path}: larger than 64 MiB: not a topology CSV")
    if b"\0" in data:
        raise TopologyError(f"{path}: holds NUL bytes: a binary file, not a topology CSV")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TopologyError(f"{path}: not UTF-8 text (byte {exc.start}): not a topology CSV") from None


def read_topology(path: str) -> List[dict]:
    """The layers of a SCALE-Sim conv topology CSV; errors name the file, the line and the column."""
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(_read_text(path), newline=""))]
    rows = [r[:-1] if r and r[-1] == "" else r for r in rows if any(c for c in r)]  # trailing commas
    if not rows:
        raise TopologyError(f"{path}: empty topology")
    header = rows[0]
    if len(header) < len(COLUMNS) or [h.lower() for h in header[:len(COLUMNS)]] != [c.lower() for c in COLUMNS]:
        raise TopologyError(f"{path}:1: expected the SCALE-Sim conv header '{', '.join(COLUMNS)}' "
                            f"(the GEMM M,N,K format is not supported), got '{', '.join(header)}'")
    layers, names = [], set()
    for line, r in enumerate(rows[1:], start=2):
        if len(r) < len(COLUMNS):
            raise TopologyError(f"{path}:{line}: {len(r)} columns, expected {len(COLUMNS)} ({', '.join(COLUMNS)})")
        name = r[0]
        if not name or "/" in name or name in names:
            raise TopologyError(f"{path}:{line}: layer name '{name}' must be non-empty, unique and without '/'")
        names.add(name)
        values = {}
        for col, text in zip(COLUMNS[1:], r[1:len(COLUMNS)]):
            try:
                v = int(text)
            except ValueError:
                raise TopologyError(f"{path}:{line}: {col} '{text}' is not an integer") from None
            if v < 1:
                raise TopologyError(f"{path}:{line}: {col} {v} must be at least 1")
            if v > MAX_VALUES:
                raise TopologyError(f"{path}:{line}: {col} {v} is larger than {MAX_VALUES} (2^28)")
            values[col] = v
        h, w, r_, s_, stride = (values["IFMAP Height"], values["IFMAP Width"], values["Filter Height"],
                                values["Filter Width"], values["Strides"])
        if r_ > h or s_ > w:
            raise TopologyError(f"{path}:{line}: layer '{name}': filter {r_}x{s_} larger than the ifmap {h}x{w}")
        oh, ow = scalesim_ofmap(h, r_, stride), scalesim_ofmap(w, s_, stride)
        sizes = (("weights", "Num Filter x Channels x Filter Height x Filter Width",
                  values["Num Filter"] * values["Channels"] * r_ * s_),
                 ("ifmap", "Channels x extended IFMAP Height x Width",
                  values["Channels"] * ((oh - 1) * stride + r_) * ((ow - 1) * stride + s_)))
        for what, product, n in sizes:
            if n > MAX_VALUES:
                raise TopologyError(f"{path}:{line}: layer '{name}': {what} of {n} values ({product}) exceeds the "
                                    f"bound of {MAX_VALUES} (2^28) values per dataset")
        layers.append(dict(name=name, h=h, w=w, r=r_, s=s_, c=values["Channels"], n=values["Num Filter"],
                           stride=stride))
    if not layers:
        raise TopologyError(f"{path}: no layers after the header")
    return layers


def scalesim_ofmap(size: int, filt: int, stride: int) -> int:
    return -(-(size - filt + stride) // stride)


def make_layer(spec: dict, index: int, network: str, fit: dict, seed: int) -> Layer:
    oh, ow = (scalesim_ofmap(spec["h"], spec["r"], spec["stride"]), scalesim_ofmap(spec["w"], spec["s"], spec["stride"]))
    h_ext, w_ext = (oh - 1) * spec["stride"] + spec["r"], (ow - 1) * spec["stride"] + spec["s"]
    shape = types.SimpleNamespace(weight_count=spec["n"] * spec["c"] * spec["r"] * spec["s"],
                                  weight_shape=(spec["n"], spec["c"], spec["r"], spec["s"]))
    wq, w_scale = mi.draw_weights(shape, fit, mi._rng(seed, network, index, "weights"))
    rng = mi._rng(seed, network, index, "inputs")
    bchw = (1, spec["c"], spec["h"], spec["w"])
    if index == 0 and spec["c"] == 3:
        kind, x, x_scale = "image", mi._image(bchw, rng), 1.0 / 255
    else:
        p0, scale = mi._channel_params(spec["c"], fit, rng)
        kind, x, x_scale = "relu", mi._relu_values(bchw, fit, rng, p0, scale), 1.0 / fit["relu"]["rms_q"]
    inputs = np.zeros((1, spec["c"], h_ext, w_ext), dtype=np.int64)
    inputs[:, :, :spec["h"], :spec["w"]] = x  # windows past the edge read zeros, as in SCALE-Sim
    return Layer(name=spec["name"], type="conv", weights=wq, inputs=inputs, w_scale=w_scale, x_scale=x_scale,
                 stride=spec["stride"], padding=0, groups=1,
                 extra_attrs=dict(input_kind=kind, scalesim_ifmap=f"{spec['h']}x{spec['w']}",
                                  note=f"SCALE-Sim ofmap {oh}x{ow}; ifmap extended by zeros to {h_ext}x{w_ext}"))


def make_trace(topology: str, seed: int = 1) -> Trace:
    specs = read_topology(topology)
    network = os.path.splitext(os.path.basename(topology))[0]
    fit = mi.fit_statistics()
    layers = [make_layer(s, i, network, fit, seed) for i, s in enumerate(specs)]
    macs = sum(int(np.prod(la.weights.shape)) * scalesim_ofmap(s["h"], s["r"], s["stride"]) *
               scalesim_ofmap(s["w"], s["s"], s["stride"]) for la, s in zip(layers, specs))
    description = (
        f"SYNTHETIC trace from the SCALE-Sim topology {os.path.basename(topology)}: {len(layers)} conv layers, "
        f"{macs} MACs, shapes as SCALE-Sim lowers them (no padding, the last window may run past the edge: the "
        "ifmap is extended by zeros). Values are NOT from a trained network: drawn by traces/from_topology.py "
        "with traces/make_imagenet.py's fit and draws (weights GG, int8; first-layer RGB input an image, uint8; "
        "other inputs post-ReLU, uint8; drawn per layer, not chained). " + mi.describe_fit(fit) + f" Seed {seed}.")
    model = dict(architecture="synthetic", topology=os.path.abspath(topology), seed=seed, macs=int(macs),
                 fit_weight_beta=fit["weights"]["beta"], fit_relu_p0=fit["relu"]["p0"],
                 fit_relu_beta=fit["relu"]["beta"], fit_relu_rms_q=fit["relu"]["rms_q"])
    return Trace(network=network, source="synthetic", description=description, layers=layers, model=model)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("topology", help="SCALE-Sim v2 conv topology CSV")
    ap.add_argument("-o", "--output", required=True, help="trace file to write")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    def body():
        tool.check_outputs([args.output], [args.topology])
        try:
            trace = make_trace(args.topology, args.seed)
        except OSError as e:  # the topology cannot be read: invalid input
            raise tool.ToolError(tool.describe_os_error(e)) from None
        try:
            write_trace(args.output, trace, compression_level=4)
        except OSError as e:
            raise tool.ToolError(f"{args.output}: cannot be written: {e.strerror or e}", tool.FAILED) from None
        print(f"wrote {args.output}: {trace.network}, {len(trace.layers)} layers, {trace.model['macs']} MACs, "
              "synthetic")
    return tool.run("trsim trace from-topology", body, invalid=(TopologyError,))


if __name__ == "__main__":
    sys.exit(main())
