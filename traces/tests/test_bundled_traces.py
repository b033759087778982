"""The bundled real traces: valid, within their declared bits, accurate enough, and internally consistent."""

import os

import numpy as np
import pytest

import trsim_trace as tt

BUNDLED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bundled")

# file -> (int8 accuracy floor, expected [(name, type, weights shape, inputs shape)])
EXPECTED = {
    "mlp_fashion_mnist.h5": (0.80, [
        ("fc1", "fc", (512, 784), (64, 784)),
        ("fc2", "fc", (512, 512), (64, 512)),
        ("fc3", "fc", (10, 512), (64, 512)),
    ]),
    "cnn_fashion_mnist.h5": (0.80, [
        ("conv1", "conv", (8, 1, 3, 3), (8, 1, 28, 28)),
        ("conv2", "conv", (16, 8, 3, 3), (8, 8, 14, 14)),
        ("fc3", "fc", (10, 784), (8, 784)),
    ]),
}
MAX_BYTES = 1_100_000


@pytest.fixture(params=sorted(EXPECTED), scope="module")
def bundled(request):
    path = os.path.join(BUNDLED, request.param)
    assert os.path.exists(path), f"{path} missing: run traces/make_fashion_*.py"
    return request.param, path, tt.read_trace(path)


def test_validates_and_metadata(bundled):
    fname, path, t = bundled
    assert tt.check_file(path) == []
    assert os.path.getsize(path) < MAX_BYTES
    assert t.format_version == 1 and t.source == "trained" and t.metric == "accuracy"
    assert t.network == fname[:-3]
    assert "bias" in t.description.lower()
    floor, layers = EXPECTED[fname]
    assert t.int8_metric > floor, f"{fname}: int8 accuracy {t.int8_metric} <= floor {floor}"
    assert t.float_metric > floor
    assert abs(t.float_metric - t.int8_metric) < 0.02
    assert [(la.name, la.type, la.weights.shape, la.inputs.shape) for la in t.layers] == layers


def test_values_within_declared_bits(bundled):
    _, _, t = bundled
    for la in t.layers:
        assert la.weights.dtype == np.int8 and la.inputs.dtype == np.uint8
        assert (la.w_bits, la.x_bits) == (8, 8)
        assert np.abs(la.weights.astype(np.int64)).max() <= 127       # symmetric int8 weights
        assert la.inputs.min() >= 0 and la.inputs.max() <= 2 ** la.x_bits - 1
        assert la.inputs.max() > 0 and np.abs(la.weights).max() == 127  # scales use the full range
        if la.type == "conv":
            assert (la.stride, la.padding, la.groups) == (2, 1, 1)


def _conv_int(x, w, stride, pad):
    """Integer convolution (groups=1) by explicit loops over the kernel window."""
    b, c, h, wd = x.shape
    n, _, kh, kw = w.shape
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    xp = np.pad(x.astype(np.int64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    y = np.zeros((b, n, oh, ow), dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]
            y += np.einsum("bchw,nc->bnhw", patch, w[:, :, i, j].astype(np.int64))
    return y


def _int_output(la):
    """Exact integer accumulators of a layer from the trace: fc [M, N], conv [B, N, OH, OW]."""
    if la.type == "fc":
        return la.inputs.astype(np.int64) @ la.weights.astype(np.int64).T
    return _conv_int(la.inputs, la.weights, la.stride, la.padding)


def test_first_layer_int_gemm(bundled):
    fname, _, t = bundled
    la = t.layers[0]
    acc = _int_output(la)
    if la.type == "fc":
        assert acc.shape == (64, 512)
        assert tt.gemm_shape(la) == (64, 784, 512, 1)
    else:
        assert acc.shape == (8, 8, 14, 14)
        assert tt.gemm_shape(la) == (8 * 14 * 14, 9, 8, 1)
    assert np.abs(acc).max() < 2 ** 31
    assert np.count_nonzero(acc) > acc.size // 2


def test_next_layer_inputs_follow_from_int_gemm(bundled):
    """next inputs = clip(rint((acc * w_scale * x_scale + bias[n]) / x_scale_next), 0, 255) with a per-output
    channel float bias that is not in the trace: estimate it from the unclipped entries and check that every
    entry of the next layer's recorded inputs is consistent with one bias per channel."""
    fname, _, t = bundled
    for la, nxt in zip(t.layers, t.layers[1:]):
        acc = _int_output(la)
        real = acc * (la.w_scale * la.x_scale)
        q = nxt.inputs.astype(np.float64).reshape(acc.shape)
        step = nxt.x_scale
        # move the output channel to the last axis, flatten the rest
        real = np.moveaxis(real, 1, -1).reshape(-1, acc.shape[1])
        q = np.moveaxis(q, 1, -1).reshape(-1, acc.shape[1])
        checked = 0
        for n in range(acc.shape[1]):
            inner = (q[:, n] > 0) & (q[:, n] < 255)
            if not inner.any():
                continue
            est = q[inner, n] * step - real[inner, n]          # = bias + rounding error in [-step/2, step/2]
            assert est.max() - est.min() <= step * (1 + 1e-6), f"{fname} {la.name}->{nxt.name} channel {n}"
            bias = (est.max() + est.min()) / 2
            pred = np.clip(np.rint((real[:, n] + bias) / step), 0, 255)
            assert np.abs(pred - q[:, n]).max() <= 1, f"{fname} {la.name}->{nxt.name} channel {n}"
            checked += 1
        assert checked >= acc.shape[1] // 2


def test_layers_chain(bundled):
    """Every layer's output shape is the next layer's input shape (flatten between conv and fc)."""
    _, _, t = bundled
    for la, nxt in zip(t.layers, t.layers[1:]):
        if la.type == "fc":
            out = (la.inputs.shape[0], la.weights.shape[0])
        else:
            oh, ow = tt.conv_output_hw(la)
            out = (la.inputs.shape[0], la.weights.shape[0], oh, ow)
        if nxt.type == "fc" and len(out) == 4:
            out = (out[0], out[1] * out[2] * out[3])
        assert nxt.inputs.shape == out
