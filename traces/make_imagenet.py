#!/usr/bin/python3
"""Synthetic traces of ImageNet networks: the exact layer shapes (imagenet.py), integer weights and
activations drawn from distributions fitted to the models trained here (the bundled traces).

Run:  /usr/bin/python3 traces/make_imagenet.py resnet18 [more...] | --all   (writes traces/generated/)

How the values are made (also stored in each trace's description and /model group):

* Fit (``fit_statistics``), on the bundled trained traces, in the integer domain the simulator sees:
  - weights: a generalized Gaussian (GG) with shape beta (beta = 1 Laplace, 2 Gaussian) per trained layer,
    beta from the moment ratio mean|q| / rms(q); the synthetic networks use the mean beta over the layers;
  - post-ReLU activations (the inputs of the hidden layers of the MLP and the CNN): the zero fraction and its
    spread over channels (a Beta distribution by moments), the spread of the per-channel scale (std of the log
    of each channel's rms, lognormal), and the nonzero values as a half-GG with shape beta and rms ``rms_q``
    (integer units, max calibration);
  - signed activations: the decoder input h_t of the trained LSTM (a symmetric GG, beta and rms in int8
    units): a proxy for the signed linear-bottleneck inputs of MobileNet-v2 / EfficientNet-b0, which no model
    trained here has.
* Draw (``draw_weights``, ``draw_inputs``), per layer, seeded by (seed, network, layer index):
  - weights: GG(beta) float samples of the layer's exact shape, symmetric per-layer max quantization
    ``q = round(w / max|w| * 127)`` (the generators' method), so outliers grow with the layer size as they do
    in trained layers;
  - inputs by ``input_kind``: ``image``: uint8 pixels of a smooth random field with ImageNet's channel means
    and standard deviations ((0.485, 0.456, 0.406) and (0.229, 0.224, 0.225) x 255) and correlated channels
    (mean normalization folded into the first conv, x_scale = 1/255); ``relu``: per channel a zero fraction
    and a scale, nonzeros half-GG in 1..255; ``signed``: symmetric GG in -127..127 with per-channel scales;
    ``swish``: SiLU of a unit Gaussian pre-activation whose negative fraction is the channel's zero fraction,
    symmetric int8 (max of the tensor); ``pooled_*``: the mean of that many ``relu`` / ``swish`` draws per
    channel as the global average pool gives, max-quantized (unsigned if non-negative).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
import zlib
from typing import Dict, List, Optional

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imagenet  # noqa: E402
from tr_accuracy import Progress  # noqa: E402
from trsim_trace import Layer, Trace, read_trace, write_trace  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLED = os.path.join(HERE, "bundled")
GENERATED = os.path.join(HERE, "generated")
FIT_SOURCES = ("mlp_fashion_mnist.h5", "cnn_fashion_mnist.h5", "lstm_kjv.h5")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


# --------------------------------------------------------------------------- generalized Gaussian

def gg_ratio(beta: float) -> float:
    """E|x| / sqrt(E x^2) of a generalized Gaussian with shape beta."""
    lg = math.lgamma
    return math.exp(lg(2 / beta) - 0.5 * (lg(1 / beta) + lg(3 / beta)))


def fit_gg_beta(values: np.ndarray) -> float:
    """Shape beta whose moment ratio matches mean|v| / rms(v) (bisection on log beta in [0.1, 10])."""
    v = np.abs(np.asarray(values, dtype=np.float64))
    target = v.mean() / math.sqrt((v * v).mean())
    lo, hi = math.log(0.1), math.log(10.0)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if gg_ratio(math.exp(mid)) < target:
            lo = mid
        else:
            hi = mid
    return math.exp(0.5 * (lo + hi))


def gg_abs(rng: np.random.Generator, beta: float, size, dtype=np.float64) -> np.ndarray:
    """|x| for x ~ GG(beta) with unit rms."""
    g = rng.standard_gamma(1.0 / beta, size=size, dtype=dtype) if dtype in (np.float32, np.float64) \
        else rng.standard_gamma(1.0 / beta, size=size)
    unit = math.sqrt(math.exp(math.lgamma(3 / beta) - math.lgamma(1 / beta)))
    out = np.power(g, 1.0 / beta, dtype=g.dtype)
    out /= unit
    return out


# --------------------------------------------------------------------------- fit

def _channels(layer) -> np.ndarray:
    """Recorded inputs as [samples, channels] (fc/lstm: columns; conv: channel C)."""
    x = layer.inputs.astype(np.float64)
    if x.ndim == 4:
        return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])
    return x


def fit_statistics(bundled_dir: str = BUNDLED) -> Dict:
    traces = {}
    for name in FIT_SOURCES:
        path = os.path.join(bundled_dir, name)
        if os.path.exists(path):
            traces[name] = read_trace(path)
    if "mlp_fashion_mnist.h5" not in traces or "cnn_fashion_mnist.h5" not in traces:
        raise SystemExit(f"fitting needs the bundled trained traces in {bundled_dir} "
                         f"(make them with traces/make_traces.py trained)")
    w_layers, relu_layers = [], []
    for tname, t in traces.items():
        for i, la in enumerate(t.layers):
            q = la.weights.astype(np.float64).ravel()
            w_layers.append(dict(layer=f"{t.network}/{la.name}", n=int(q.size), beta=fit_gg_beta(q),
                                 max_over_rms=float(np.abs(q).max() / math.sqrt((q * q).mean()))))
            if t.source == "trained" and i > 0 and la.inputs.min() >= 0:  # post-ReLU hidden inputs
                x = _channels(la)
                nz = x[x > 0]
                p0_c = (x == 0).mean(axis=0)
                rms_c = np.array([math.sqrt((col[col > 0] ** 2).mean()) for col in x.T if (col > 0).sum() >= 4])
                relu_layers.append(dict(layer=f"{t.network}/{la.name}", n=int(x.size), p0=float((x == 0).mean()),
                                        p0_channel_std=float(p0_c.std()), beta=fit_gg_beta(nz),
                                        rms_q=float(math.sqrt((nz ** 2).mean())),
                                        log_scale_std=float(np.log(rms_c).std()) if len(rms_c) > 1 else 0.0))
    mean = lambda rows, k: float(np.mean([r[k] for r in rows]))  # noqa: E731
    fit = dict(
        weights=dict(beta=mean(w_layers, "beta"), layers=w_layers),
        relu=dict(p0=mean(relu_layers, "p0"), p0_channel_std=mean(relu_layers, "p0_channel_std"),
                  beta=mean(relu_layers, "beta"), rms_q=mean(relu_layers, "rms_q"),
                  log_scale_std=mean(relu_layers, "log_scale_std"), layers=relu_layers),
    )
    if "lstm_kjv.h5" in traces:
        h = traces["lstm_kjv.h5"].layers[1].inputs.astype(np.float64).ravel()
        fit["signed"] = dict(beta=fit_gg_beta(h), rms_q=float(math.sqrt((h * h).mean())),
                             source="lstm_kjv/decoder inputs h_t")
    else:  # published fallback: Laplace, the relu rms
        fit["signed"] = dict(beta=1.0, rms_q=fit["relu"]["rms_q"], source="fallback: Laplace (lstm_kjv.h5 missing)")
    return fit


def describe_fit(fit: Dict) -> str:
    w, r, s = fit["weights"], fit["relu"], fit["signed"]
    wl = ", ".join(f"{x['layer']} {x['beta']:.2f}" for x in w["layers"])
    rl = ", ".join(f"{x['layer']} p0 {x['p0']:.2f} beta {x['beta']:.2f} rms {x['rms_q']:.1f}" for x in r["layers"])
    return (f"Fit on the bundled trained traces: weights GG beta {w['beta']:.3f} (mean over layers: {wl}); "
            f"post-ReLU inputs zero fraction {r['p0']:.3f} (channel std {r['p0_channel_std']:.3f}), nonzero "
            f"half-GG beta {r['beta']:.3f}, rms {r['rms_q']:.2f} of 255, per-channel log-scale std "
            f"{r['log_scale_std']:.3f} (mean over: {rl}); signed inputs GG beta {s['beta']:.3f}, rms "
            f"{s['rms_q']:.2f} of 127 ({s['source']}).")


# --------------------------------------------------------------------------- draw

def _rng(seed: int, network: str, index: int, what: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(network.encode()), index, zlib.crc32(what.encode())])


def draw_weights(spec: imagenet.LayerSpec, fit: Dict, rng: np.random.Generator, qmax: int = 127):
    """GG(beta) weights of the layer's shape, max-quantized to -qmax..qmax (127: int8; 255: 8 magnitude bits)."""
    beta = fit["weights"]["beta"]
    n = spec.weight_count
    w = gg_abs(rng, beta, n, dtype=np.float32)
    w *= np.where(rng.random(n, dtype=np.float32) < 0.5, -1, 1).astype(np.float32)
    m = float(np.abs(w).max())
    q = np.clip(np.rint(w * (qmax / m)), -qmax, qmax).astype(np.int8 if qmax <= 127 else np.int16)
    return q.reshape(spec.weight_shape), m / qmax


def _channel_params(c: int, fit: Dict, rng: np.random.Generator):
    r = fit["relu"]
    m, sd = r["p0"], r["p0_channel_std"]
    var = min(sd * sd, m * (1 - m) * 0.999)
    if var > 0:
        k = m * (1 - m) / var - 1
        p0 = rng.beta(m * k, (1 - m) * k, size=c)
    else:
        p0 = np.full(c, m)
    s = r["log_scale_std"]
    scale = np.exp(s * rng.standard_normal(c) - s * s / 2)
    return p0, scale


def _relu_values(shape_bchw, fit, rng, p0, scale):
    """Integer-domain post-ReLU values [B, C, H, W] in 0..255."""
    b, c, h, w = shape_bchw
    r = fit["relu"]
    mag = gg_abs(rng, r["beta"], (b, h, w, c)) * r["rms_q"] * scale
    q = np.clip(np.maximum(np.rint(mag), 1), 1, 255)
    q[rng.random((b, h, w, c)) < p0] = 0
    return q.transpose(0, 3, 1, 2)


def _swish_values(shape_bchw, rng, p0):
    b, c, h, w = shape_bchw
    mu = np.array([statistics.NormalDist().inv_cdf(min(max(1 - p, 1e-6), 1 - 1e-6)) for p in p0])
    z = rng.standard_normal((b, h, w, c)) + mu
    return (z / (1 + np.exp(-z))).transpose(0, 3, 1, 2)


def _smooth(field: np.ndarray, radius: int) -> np.ndarray:
    """Separable box blur (edge padded) along the last two axes."""
    for axis in (-2, -1):
        pad = [(0, 0)] * field.ndim
        pad[axis] = (radius, radius)
        p = np.pad(field, pad, mode="edge")
        cs = np.cumsum(p, axis=axis)
        cs = np.concatenate([np.zeros_like(np.take(cs, [0], axis=axis)), cs], axis=axis)
        n = field.shape[axis]
        field = (np.take(cs, np.arange(2 * radius + 1, 2 * radius + 1 + n), axis=axis)
                 - np.take(cs, np.arange(0, n), axis=axis)) / (2 * radius + 1)
    return field


def _image(shape_bchw, rng):
    b, c, h, w = shape_bchw
    lum = np.zeros((b, h, w))
    for radius, weight in ((1, 0.25), (4, 0.5), (16, 1.0)):
        f = _smooth(rng.standard_normal((b, h, w)), radius)
        lum += weight * f / (f.std() + 1e-12)
    lum /= lum.std() + 1e-12
    out = np.empty((b, c, h, w))
    for ch in range(c):
        own = _smooth(rng.standard_normal((b, h, w)), 2)
        own /= own.std() + 1e-12
        v = 0.9 * lum + math.sqrt(1 - 0.81) * own
        out[:, ch] = IMAGENET_MEAN[ch % 3] * 255 + IMAGENET_STD[ch % 3] * 255 * v
    return np.clip(np.rint(out), 0, 255)


def draw_inputs(spec: imagenet.LayerSpec, fit: Dict, rng: np.random.Generator, batch: int = 1):
    """Integer inputs of a layer and their x_scale (the real value of one integer step)."""
    kind = spec.input_kind
    c = spec.c_in
    if spec.type == "fc":
        shape = (batch, c, 1, 1)
    else:
        shape = (batch, c, spec.h_in, spec.h_in)
    p0, scale = _channel_params(c, fit, rng)
    if kind == "image":
        q, x_scale = _image(shape, rng), 1.0 / 255
    elif kind == "relu":
        q = _relu_values(shape, fit, rng, p0, scale)
        x_scale = 1.0 / fit["relu"]["rms_q"]
    elif kind == "signed":
        s = fit["signed"]
        b_, c_, h_, w_ = shape
        g = gg_abs(rng, s["beta"], (b_, h_, w_, c_)) * np.where(rng.random((b_, h_, w_, c_)) < 0.5, -1, 1)
        q = np.clip(np.rint(g * s["rms_q"] * scale), -127, 127).transpose(0, 3, 1, 2)
        x_scale = 1.0 / s["rms_q"]
    elif kind == "swish":
        a = _swish_values(shape, rng, p0)
        m = float(np.abs(a).max())
        q, x_scale = np.clip(np.rint(a * (127.0 / m)), -127, 127), m / 127.0
    elif kind in ("pooled_relu", "pooled_swish"):
        n = max(1, spec.pool_hw)
        b_, c_, _, _ = shape
        if kind == "pooled_relu":
            a = _relu_values((b_, c_, n, 1), fit, rng, p0, scale).astype(np.float64).mean(axis=(2, 3))
        else:
            a = _swish_values((b_, c_, n, 1), rng, p0).mean(axis=(2, 3))
        a = a.reshape(shape)
        m = float(np.abs(a).max()) or 1.0
        qmax = 255 if a.min() >= 0 else 127
        q, x_scale = np.clip(np.rint(a * (qmax / m)), -qmax, qmax), m / qmax
    else:
        raise ValueError(f"layer {spec.name}: unknown input_kind {kind!r}")
    q = q.astype(np.int64)
    if spec.type == "fc":
        q = q.reshape(batch, c)
    return q, x_scale


# --------------------------------------------------------------------------- traces

def make_trace(network: str, fit: Dict, seed: int = 1, resolution: int = 224, width: float = 1.0,
               first_layers: Optional[int] = None, batch: int = 1, progress=None, w_qmax: int = 127) -> Trace:
    specs = imagenet.layers(network, resolution, width)
    if first_layers is not None:
        specs = specs[:first_layers]
    layers = []
    for i, spec in enumerate(specs):
        wq, w_scale = draw_weights(spec, fit, _rng(seed, network, i, "weights"), w_qmax)
        xq, x_scale = draw_inputs(spec, fit, _rng(seed, network, i, "inputs"), batch)
        kw = dict(stride=spec.stride, padding=spec.pad, groups=spec.groups) if spec.type == "conv" else {}
        layers.append(Layer(name=spec.name, type=spec.type, weights=wq, inputs=xq, w_scale=w_scale,
                            x_scale=x_scale, w_bits=8, x_bits=8,
                            extra_attrs=dict(input_kind=spec.input_kind, note=spec.note), **kw))
        if progress is not None:
            progress(i + 1, len(specs), spec.name)
    scaled = resolution != 224 or width != 1.0
    label = network + ("" if not scaled else f"_r{resolution}_w{width:g}") + \
        ("" if first_layers is None else f"_first{first_layers}")
    macs = imagenet.total_macs(specs)
    what = (f"the exact ImageNet layer shapes of torchvision's {network} at 224x224, batch {batch}"
            if not scaled else f"{network} layer shapes scaled to a {resolution}x{resolution} input and width "
                               f"x{width:g} (NOT the real network; for tests)")
    if first_layers is not None:
        what += f", only its first {first_layers} array layers"
    description = (
        f"SYNTHETIC trace: {what}: {len(specs)} layers ({sum(s.type == 'conv' for s in specs)} conv of which "
        f"{sum(s.is_depthwise for s in specs)} depthwise with groups = C, pointwise as 1x1; fc), {macs} MACs. "
        "Every conv/fc layer that runs on the array is a layer; pooling is represented by the next layer's input "
        "size, residual adds, squeeze-excitation scaling, batch norm and activations are elementwise (not on the "
        "array; each layer's 'note' attr says where they are); EfficientNet's SE 1x1 convs are layers on the "
        "pooled [C,1,1] vector. Values are NOT from a trained network: weights and activations are drawn "
        "(traces/make_imagenet.py) from distributions fitted to the models trained here, see the 'input_kind' "
        "attr of each layer and the module docstring. " + describe_fit(fit) +
        " Weights: GG(beta) samples of each layer's shape, symmetric per-layer max quantization to int8 "
        "(-127..127). Inputs: int8/uint8 by input_kind (image: uint8 pixels of a smooth random field with "
        "ImageNet channel means/stds; relu: per-channel zero fraction and scale, half-GG nonzeros in 1..255; "
        "signed: symmetric GG in -127..127; swish: SiLU of a Gaussian pre-activation, symmetric int8; pooled: "
        "channel means of relu/swish draws). Layer inputs are drawn independently per layer (each layer's shapes "
        f"are consistent; values do not chain from the previous layer). Seed {seed}.")
    model = dict(architecture="synthetic", network_table=f"traces/imagenet.py:{network}", resolution=resolution,
                 width=float(width), seed=seed, fit_weight_beta=fit["weights"]["beta"],
                 fit_relu_p0=fit["relu"]["p0"], fit_relu_beta=fit["relu"]["beta"],
                 fit_relu_rms_q=fit["relu"]["rms_q"], fit_signed_beta=fit["signed"]["beta"],
                 fit_signed_rms_q=fit["signed"]["rms_q"], macs=int(macs))
    return Trace(network=label, source="synthetic", description=description, layers=layers, model=model)


def output_path(network: str, out_dir: str) -> str:
    return os.path.join(out_dir, f"{network}_synthetic.h5")


def generate(networks: List[str], out_dir: str = GENERATED, seed: int = 1, resolution: int = 224,
             width: float = 1.0, first_layers: Optional[int] = None, out: Optional[str] = None,
             compression: int = 6, weight_beta: Optional[float] = None) -> List[str]:
    fit = fit_statistics()
    if weight_beta is not None:  # e.g. 1.0: Laplace, as published analyses of ImageNet CNN weights find
        fit["weights"]["beta"] = float(weight_beta)
        fit["weights"]["layers"] = [dict(layer="(override)", beta=float(weight_beta))]
    print(describe_fit(fit), flush=True)
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for net in networks:
        t0 = time.time()
        trace = make_trace(net, fit, seed, resolution, width, first_layers, progress=Progress(f"{net:16s}"))
        path = out if (out and len(networks) == 1) else output_path(trace.network, out_dir)
        print(f"{net}: writing {path} ...", file=sys.stderr, flush=True)
        write_trace(path, trace, compression_level=compression)
        print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB, {len(trace.layers)} layers, "
              f"{trace.model['macs'] / 1e9:.3f} GMACs) in {time.time() - t0:.0f} s", flush=True)
        paths.append(path)
    return paths


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("networks", nargs="*", help=f"any of {', '.join(imagenet.NETWORKS)}")
    ap.add_argument("--all", action="store_true", help="every network")
    ap.add_argument("--out-dir", default=GENERATED)
    ap.add_argument("--out", help="output file (one network only)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--resolution", type=int, default=224, help="input size (224 = the real network)")
    ap.add_argument("--width", type=float, default=1.0, help="channel multiplier (1 = the real network)")
    ap.add_argument("--first-layers", type=int, help="keep only the first N layers")
    ap.add_argument("--weight-beta", type=float, help="override the fitted weight GG shape (1 = Laplace)")
    args = ap.parse_args(argv)
    nets = list(imagenet.NETWORKS) if args.all else args.networks
    if not nets:
        ap.error("name at least one network or --all")
    for n in nets:
        if n not in imagenet.NETWORKS:
            ap.error(f"unknown network {n!r}; known: {', '.join(imagenet.NETWORKS)}")
    generate(nets, args.out_dir, args.seed, args.resolution, args.width, args.first_layers, args.out,
             weight_beta=args.weight_beta)


if __name__ == "__main__":
    import sys

    from trsim_trace import tool  # one error line, the documented exit status
    sys.exit(tool.run("make_imagenet.py", main))
