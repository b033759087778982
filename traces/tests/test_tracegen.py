"""Unit tests of the generators' shared code (tracegen.py); no dataset needed."""

import struct

import numpy as np

import tracegen as tg
import trsim_trace as tt


def test_parse_idx():
    data = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    raw = bytes([0, 0, 0x08, 3]) + struct.pack(">III", 2, 3, 4) + data.tobytes()
    np.testing.assert_array_equal(tg.parse_idx(raw), data)
    labels = bytes([0, 0, 0x08, 1]) + struct.pack(">I", 3) + bytes([7, 1, 9])
    np.testing.assert_array_equal(tg.parse_idx(labels), [7, 1, 9])


def naive_conv(x, W, stride, pad):
    b, c, h, w = x.shape
    n, _, k, _ = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    y = np.zeros((b, n, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            y[:, :, i, j] = np.einsum("bchw,nchw->bn", patch, W)
    return y


def test_conv_matches_naive_and_gradient():
    rng = np.random.default_rng(0)
    conv = tg.Conv2d("c", 3, 4, 3, 2, 1, rng)
    W = rng.standard_normal(conv.W.shape)
    x = rng.standard_normal((2, 3, 7, 6))
    np.testing.assert_allclose(conv.linear(x, W), naive_conv(x, W, 2, 1), atol=1e-12)
    # im2col / col2im are adjoint: <im2col(x), c> == <x, col2im(c)>
    cols, _ = tg.im2col(x, 3, 2, 1)
    c = rng.standard_normal(cols.shape)
    assert np.isclose((cols * c).sum(), (x * tg.col2im(c, x.shape, 3, 2, 1)).sum())


def test_quantize_weights_range():
    W = np.random.default_rng(1).standard_normal((5, 9)).astype(np.float32)
    q, scale = tg.quantize_weights(W)
    assert q.dtype == np.int8 and q.min() >= -127 and q.max() <= 127
    assert np.abs(q).max() == 127
    assert np.abs(q * scale - W).max() <= scale / 2 + 1e-7


def tiny_cnn(rng):
    return tg.Sequential([
        tg.Conv2d("conv1", 1, 2, 3, 2, 1, rng), tg.ReLU(),
        tg.Flatten(),
        tg.Dense("fc2", 2 * 4 * 4, 3, rng),
    ])


def test_int_forward_records_and_matches_float(tmp_path):
    rng = np.random.default_rng(2)
    model = tiny_cnn(rng)
    x = np.floor(rng.random((20, 1, 8, 8)) * 256) / 255  # images of whole pixels
    q = tg.quantize_model(model, x)
    logits, rec = tg.int_forward(q, x, record=5)
    assert [r.shape for r in rec] == [(5, 1, 8, 8), (5, 32)]
    np.testing.assert_array_equal(rec[0], np.rint(x[:5] * 255))   # first layer input = raw pixels
    assert rec[1].min() >= 0 and rec[1].max() <= 255
    np.testing.assert_allclose(logits, model.forward(x), atol=0.1 * np.abs(model.forward(x)).max())
    trace = tg.build_trace(q, rec, "tiny", "unit test", 0.5, 0.5)
    path = str(tmp_path / "tiny.h5")
    tg.write_and_report(path, trace)
    t = tt.read_trace(path)
    assert [(layer.type, layer.weights.dtype, layer.inputs.dtype) for layer in t.layers] == \
        [("conv", np.int8, np.uint8), ("fc", np.int8, np.uint8)]
    assert (t.layers[0].stride, t.layers[0].padding, t.layers[0].groups) == (2, 1, 1)
