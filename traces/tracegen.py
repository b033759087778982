"""Shared code of the trace generators (make_fashion_mlp.py, make_fashion_cnn.py).

numpy only: Fashion-MNIST IDX loading, a tiny neural-network toolkit (fc, conv, ReLU, dropout, flatten,
softmax cross entropy, Adam), post-training 8-bit quantization, an integer inference simulation that
records the quantized inputs of every fc/conv layer, and conversion to a trsim trace.
"""

from __future__ import annotations

import gzip
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trsim_trace import Layer, Trace, write_trace  # noqa: E402
from trsim_trace.tr import conv_patches  # noqa: E402

DATA_DIR = "/usr/share/datasets/fashion-mnist"
FILES = {
    "train_x": "train-images-idx3-ubyte.gz",
    "train_y": "train-labels-idx1-ubyte.gz",
    "test_x": "t10k-images-idx3-ubyte.gz",
    "test_y": "t10k-labels-idx1-ubyte.gz",
}
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot")

W_QMAX = 127  # symmetric weights: int in [-127, 127]
X_QMAX = 255  # unsigned activations: int in [0, 255]


# --------------------------------------------------------------------------- data

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def import_torch(threads):
    """PyTorch (Debian's python3-torch) limited to `threads` threads, or exit saying how to install it."""
    try:
        import torch
    except ImportError:
        raise SystemExit("PyTorch is missing: `apt-get install -y python3-torch libopenblas0-pthread`")
    torch.set_num_threads(threads)
    return torch


def parse_idx(raw: bytes) -> np.ndarray:
    """Decode an (uncompressed) IDX file: 2 zero bytes, dtype code, rank, big-endian u32 dims, data."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError("not an IDX file (bad magic)")
    code, rank = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"IDX: unknown dtype code 0x{code:02x}")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=rank, offset=4))
    dtype = np.dtype(_IDX_DTYPES[code])
    offset = 4 + 4 * rank
    count = int(np.prod(dims)) if dims else 1
    if len(raw) - offset != count * dtype.itemsize:
        raise ValueError(f"IDX: expected {count * dtype.itemsize} data bytes for dims {dims}, "
                         f"got {len(raw) - offset}")
    return np.frombuffer(raw, dtype=dtype, offset=offset).reshape(dims).astype(dtype.newbyteorder("="))


def load_fashion_mnist(data_dir: str = DATA_DIR):
    """Return dict train_x [60000,28,28] uint8, train_y [60000] uint8, test_x [10000,28,28], test_y."""
    out = {}
    for key, fname in FILES.items():
        path = os.path.join(data_dir, fname)
        if not os.path.exists(path):
            raise SystemExit(f"missing {path}: install it with `apt-get install -y dataset-fashion-mnist`")
        with gzip.open(path, "rb") as f:
            out[key] = parse_idx(f.read())
    return out


# --------------------------------------------------------------------------- threaded matmul
#
# Debian's reference BLAS is single threaded; splitting the rows of the left operand over two threads
# (numpy releases the GIL inside matmul) nearly doubles throughput on 2 cores. Every output element is
# computed by one thread with the same code, so results do not depend on the split.

THREADS = max(1, min(2, os.cpu_count() or 1))
_POOL = ThreadPoolExecutor(THREADS) if THREADS > 1 else None


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    m = a.shape[0]
    if _POOL is None or m < 128:
        return a @ b
    out = np.empty((m, b.shape[1]), dtype=np.result_type(a, b))
    bounds = np.linspace(0, m, THREADS + 1).astype(int)

    def work(i):
        s = slice(bounds[i], bounds[i + 1])
        np.matmul(a[s], b, out=out[s])

    list(_POOL.map(work, range(THREADS)))
    return out


# --------------------------------------------------------------------------- layers

def im2col(x: np.ndarray, k: int, stride: int, pad: int):
    """x [B,C,H,W] -> columns [B*OH*OW, C*k*k] ordered (C, kh, kw), plus (OH, OW)."""
    b, c = x.shape[:2]
    cols, (oh, ow) = conv_patches(x, k, k, stride, pad)  # [B, OH, OW, kh, kw, C]
    return cols.transpose(0, 1, 2, 5, 3, 4).reshape(b * oh * ow, c * k * k), (oh, ow)


def col2im(dcols: np.ndarray, x_shape, k: int, stride: int, pad: int) -> np.ndarray:
    """Adjoint of im2col: scatter-add column gradients back to [B,C,H,W]."""
    b, c, h, w = x_shape
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    d = dcols.reshape(b, oh, ow, c, k, k)
    dxp = np.zeros((b, c, h + 2 * pad, w + 2 * pad), dtype=dcols.dtype)
    for i in range(k):
        for j in range(k):
            dxp[:, :, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride] += \
                d[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return dxp[:, :, pad:pad + h, pad:pad + w] if pad else dxp


class Dense:
    """Fully connected layer, weights W [N, K] (trace layout), y = x W^T + b."""

    kind = "fc"

    def __init__(self, name: str, n_in: int, n_out: int, rng):
        self.name = name
        self.W = (rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)).astype(np.float32)
        self.b = np.zeros(n_out, dtype=np.float32)
        self.params = [self.W, self.b]

    def linear(self, x, W):
        return matmul(x, W.T)

    def forward(self, x, train=False):
        self.x = x if train else None
        return self.linear(x, self.W) + self.b

    def backward(self, dy, need_dx=True):
        self.grads = [matmul(self.x.T, dy).T, dy.sum(axis=0)]
        return matmul(dy, self.W) if need_dx else None

    def describe(self):
        return f"fc {self.W.shape[1]}->{self.W.shape[0]}"


class Conv2d:
    """2-D convolution (groups=1), weights W [N, C, k, k] (trace layout), symmetric zero padding."""

    kind = "conv"

    def __init__(self, name: str, c_in: int, c_out: int, k: int, stride: int, pad: int, rng):
        self.name, self.k, self.stride, self.pad = name, k, stride, pad
        fan_in = c_in * k * k
        self.W = (rng.standard_normal((c_out, c_in, k, k)) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        self.b = np.zeros(c_out, dtype=np.float32)
        self.params = [self.W, self.b]

    def linear(self, x, W):
        cols, (oh, ow) = im2col(x, self.k, self.stride, self.pad)
        n = W.shape[0]
        y = matmul(cols, W.reshape(n, -1).T)
        return y.reshape(x.shape[0], oh, ow, n).transpose(0, 3, 1, 2)

    def forward(self, x, train=False):
        if train:
            self.x_shape = x.shape
            self.cols, (oh, ow) = im2col(x, self.k, self.stride, self.pad)
            n = self.W.shape[0]
            y = matmul(self.cols, self.W.reshape(n, -1).T)
            y = y.reshape(x.shape[0], oh, ow, n).transpose(0, 3, 1, 2)
        else:
            y = self.linear(x, self.W)
        return y + self.b[None, :, None, None]

    def backward(self, dy, need_dx=True):
        n = self.W.shape[0]
        dyc = np.ascontiguousarray(dy.transpose(0, 2, 3, 1)).reshape(-1, n)
        self.grads = [matmul(self.cols.T, dyc).T.reshape(self.W.shape), dyc.sum(axis=0)]
        if not need_dx:
            return None
        return col2im(matmul(dyc, self.W.reshape(n, -1)), self.x_shape, self.k, self.stride, self.pad)

    def describe(self):
        n, c, k, _ = self.W.shape
        return f"conv {c}->{n} {k}x{k} stride {self.stride} pad {self.pad}"


class ReLU:
    params = []

    def forward(self, x, train=False):
        self.mask = x > 0 if train else None
        return np.maximum(x, 0)

    def backward(self, dy, need_dx=True):
        return dy * self.mask

    def describe(self):
        return "ReLU"


class Dropout:
    params = []

    def __init__(self, p: float, rng):
        self.p, self.rng = p, rng

    def forward(self, x, train=False):
        if not train or self.p == 0:
            return x
        self.mask = (self.rng.random(x.shape) >= self.p).astype(x.dtype) / (1.0 - self.p)
        return x * self.mask

    def backward(self, dy, need_dx=True):
        return dy * self.mask

    def describe(self):
        return f"dropout {self.p} (training only)"


class Flatten:
    params = []

    def forward(self, x, train=False):
        self.shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy, need_dx=True):
        return dy.reshape(self.shape)

    def describe(self):
        return "flatten (C,H,W order)"


class Sequential:
    def __init__(self, layers):
        self.layers = layers

    @property
    def compute_layers(self):
        return [layer for layer in self.layers if hasattr(layer, "linear")]

    def forward(self, x, train=False):
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def backward(self, dy):
        for i in range(len(self.layers) - 1, -1, -1):
            dy = self.layers[i].backward(dy, need_dx=i > 0)

    def params_and_grads(self):
        for layer in self.layers:
            for p, g in zip(layer.params, getattr(layer, "grads", [])):
                yield p, g

    def describe(self):
        return ", ".join(layer.describe() for layer in self.layers)


def softmax_cross_entropy(logits, labels):
    """Mean loss and its gradient w.r.t. logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    n = logits.shape[0]
    loss = -np.log(p[np.arange(n), labels] + 1e-12).mean()
    p[np.arange(n), labels] -= 1.0
    return float(loss), (p / n).astype(logits.dtype)


class Adam:
    def __init__(self, model, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.model, self.lr, self.b1, self.b2, self.eps = model, lr, beta1, beta2, eps
        self.state = {}
        self.t = 0

    def step(self):
        self.t += 1
        c1, c2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
        for p, g in self.model.params_and_grads():
            m, v = self.state.setdefault(id(p), (np.zeros_like(p), np.zeros_like(p)))
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * g * g
            p -= (self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)).astype(p.dtype)


def predict(model, x, batch=1000):
    return np.concatenate([model.forward(x[i:i + batch]).argmax(axis=1) for i in range(0, len(x), batch)])


def accuracy(model, x, y):
    return float((predict(model, x) == y).mean())


def train(model, x, y, x_test, y_test, epochs, batch, lr, rng, lr_decay=1.0):
    """Adam with per-epoch lr decay; prints progress. Returns training seconds."""
    opt = Adam(model, lr=lr)
    n = len(x)
    t0 = time.time()
    for epoch in range(epochs):
        perm = rng.permutation(n)
        total, seen = 0.0, 0
        for bi, i in enumerate(range(0, n, batch)):
            idx = perm[i:i + batch]
            logits = model.forward(x[idx], train=True)
            loss, dlogits = softmax_cross_entropy(logits, y[idx])
            model.backward(dlogits)
            opt.step()
            total += loss * len(idx)
            seen += len(idx)
            if bi % 100 == 0:
                print(f"  epoch {epoch + 1}/{epochs} [{seen:5d}/{n}] loss {total / seen:.4f} "
                      f"({time.time() - t0:.1f} s)", flush=True)
        test_acc = accuracy(model, x_test, y_test)
        print(f"epoch {epoch + 1}/{epochs}: lr {opt.lr:.2e} train loss {total / seen:.4f} "
              f"test acc {test_acc:.4f} ({time.time() - t0:.1f} s)", flush=True)
        opt.lr *= lr_decay
    return time.time() - t0


# --------------------------------------------------------------------------- quantization

class Quantized:
    """Per compute layer: integer weights, w_scale, x_scale (activation scale of the layer's input)."""

    def __init__(self, model, w_q, w_scales, x_scales, calib_rule):
        self.model, self.w_q, self.w_scales, self.x_scales = model, w_q, w_scales, x_scales
        self.calib_rule = calib_rule


def quantize_weights(W):
    """Symmetric per-layer: scale = max|W| / 127, q = round(W / scale) in [-127, 127]."""
    scale = float(np.abs(W).max()) / W_QMAX
    q = np.clip(np.rint(W / scale), -W_QMAX, W_QMAX).astype(np.int8)
    return q, scale


def layer_inputs(model, x, batch=1000):
    """Float inputs of every compute layer over x, concatenated (eval mode)."""
    comp = model.compute_layers
    acts = [[] for _ in comp]
    for i in range(0, len(x), batch):
        a = x[i:i + batch]
        for layer in model.layers:
            if hasattr(layer, "linear"):
                acts[comp.index(layer)].append(a)
            a = layer.forward(a)
    return [np.concatenate(a) for a in acts]


def quantize_model(model, x_calib, percentile=None, first_input_scale=1.0 / 255):
    """Quantize weights; calibrate activation scales on x_calib (training images, float input).

    The first layer's input is the image (pixel/255), so its scale is fixed to 1/255 and its integers
    are the raw pixels. Other layers: scale = v / 255 where v is the max (percentile=None) or the given
    percentile of that layer's float input over the calibration images.
    """
    w_q, w_scales = zip(*(quantize_weights(layer.W) for layer in model.compute_layers))
    acts = layer_inputs(model, x_calib)
    x_scales = []
    for i, a in enumerate(acts):
        if i == 0 and first_input_scale is not None:
            x_scales.append(float(first_input_scale))
            continue
        if a.min() < 0:
            raise ValueError(f"layer {i} input is negative: unsigned activation quantization needs ReLU")
        v = float(a.max()) if percentile is None else float(np.percentile(a, percentile))
        x_scales.append(v / X_QMAX)
    rule = "max" if percentile is None else f"{percentile}th percentile"
    return Quantized(model, list(w_q), list(w_scales), x_scales, rule)


def int_forward(q: Quantized, x, record=0):
    """Integer inference simulation over a float input batch x (pixels / 255).

    At every fc/conv layer the real-valued input a is quantized to q_x = clip(rint(a / x_scale), 0, 255),
    the layer computes the exact integer GEMM acc = q_x * q_W (in float64, exact for these sizes), and the
    output is acc * w_scale * x_scale + bias (float bias). ReLU / flatten follow in float; the next layer
    re-quantizes. Returns the logits and, for the first ``record`` samples, every layer's q_x.
    """
    a = x.astype(np.float64)
    recorded = []
    ci = 0
    for layer in q.model.layers:
        if hasattr(layer, "linear"):
            xs, ws = q.x_scales[ci], q.w_scales[ci]
            qx = np.clip(np.rint(a / xs), 0, X_QMAX)
            if record:
                recorded.append(qx[:record].astype(np.uint8))
            acc = layer.linear(qx, q.w_q[ci].astype(np.float64))
            bias = layer.b.astype(np.float64)
            a = acc * (ws * xs) + (bias[None, :, None, None] if acc.ndim == 4 else bias)
            ci += 1
        else:
            a = layer.forward(a)
    return a, recorded


def int_accuracy(q: Quantized, x, y, batch=1000):
    correct = 0
    for i in range(0, len(x), batch):
        logits, _ = int_forward(q, x[i:i + batch])
        correct += int((logits.argmax(axis=1) == y[i:i + batch]).sum())
    return correct / len(x)


def build_trace(q: Quantized, recorded, network, description, float_acc, int8_acc) -> Trace:
    layers = []
    for ci, layer in enumerate(q.model.compute_layers):
        kw = {}
        if layer.kind == "conv":
            kw = dict(stride=layer.stride, padding=layer.pad, groups=1)
        layers.append(Layer(name=layer.name, type=layer.kind, weights=q.w_q[ci], inputs=recorded[ci],
                            w_scale=q.w_scales[ci], x_scale=q.x_scales[ci], w_bits=8, x_bits=8,
                            bias=layer.b.astype(np.float32), **kw))
    return Trace(network=network, source="trained", description=description, layers=layers,
                 metric="accuracy", float_metric=float(float_acc), int8_metric=float(int8_acc),
                 model=dict(architecture="feedforward_relu"))


def add_tr_table(trace: Trace, x_test, y_test, int8_acc) -> None:
    """Accuracy under TR (traces/tr_accuracy.py) on the test set, stored as the trace's /tr_accuracy table.

    Checks first that re-running the integer inference from the trace alone gives ``int8_acc`` exactly.
    """
    import tr_accuracy as tra
    again = tra.feedforward_accuracy(trace, x_test, y_test)
    if again != int8_acc:
        raise AssertionError(f"{trace.network}: int8 accuracy from the trace {again} != {int8_acc}")
    trace.tr_accuracy = tra.tr_table(trace, data=(x_test, y_test),
                                     progress=tra.Progress(f"TR accuracy ({trace.network})"))


def quantization_text(q: Quantized) -> str:
    return (
        "Post-training 8-bit quantization: weights symmetric per layer, w_scale = max|W|/127, "
        "q_w = round(W/w_scale) in [-127,127] (int8). Activations (each layer's input) unsigned, "
        "q_x = clip(round(a/x_scale), 0, 255) (uint8), round half to even; x_scale of the first layer is "
        f"1/255 (q_x = raw pixel), of the others ({q.calib_rule} of the layer's float input over the "
        "calibration images)/255. Biases stay in float (not quantized); they are stored in each layer's "
        "optional float dataset 'bias' (trsim ignores it) so the integer inference can be re-run from the "
        "trace alone. int8 accuracy simulates integer inference: exact integer GEMM of q_x and q_w, "
        "times w_scale*x_scale, plus float bias, ReLU, re-quantization at the next layer's input. "
        "Recorded inputs are these integer q_x. w_bits=x_bits=8 are magnitude-bit bounds "
        "(sign-magnitude, |v| <= 255).")


def write_and_report(path, trace: Trace):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    write_trace(path, trace)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)", flush=True)
