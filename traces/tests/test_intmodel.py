"""The fast scorer (trsim_trace.intmodel) against the reference implementation (tr_accuracy.py, the numpy
oracle): logits bit for bit on every bundled trained trace under TR, QT and data-group settings, per-layer
settings, resuming from a cached prefix, the exact float32 products where one call would not be exact, the
numpy fallback, and the new graph ops against PyTorch's."""
import os

import numpy as np
import pytest

import tr_accuracy as tra
from trsim_trace import functional as F
from trsim_trace import intmodel as im
from trsim_trace import read_trace
from trsim_trace.setting import Setting
from trsim_trace.tr import Coding, conv_tr, gemm_tr

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLED = os.path.join(os.path.dirname(HERE), "bundled")
FASHION = os.path.exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
SETTINGS = ["w=exact:qnone;d=exact:qnone", "w=hese:g8:k8:qnone;d=hese:g1:k2:qnone", "w=exact:q5;d=exact:q4",
            "w=naf:g8:k12:q7;d=booth4:g1:k3:q6", "w=hese:g8:k12:qnone;d=hese:g8:k24:qnone"]


def _trace(name):
    return read_trace(os.path.join(BUNDLED, name + ".h5"))


def _oracle_logits(trace, x, setting):
    if trace.model["architecture"] == "graph":
        return tra.graph_logits(trace, x, setting)
    return tra.feedforward_logits(trace, x, setting=setting)


@pytest.mark.skipif(not FASHION, reason="needs dataset-fashion-mnist")
@pytest.mark.parametrize("name", ["mlp_fashion_mnist", "cnn_fashion_mnist", "resnet_fashion_mnist",
                                  "mbv2se_fashion_mnist"])
def test_logits_equal_the_reference_bit_for_bit(name):
    trace = _trace(name)
    x, _ = im.eval_data(trace)
    x = x[:40]
    scorer = im.Scorer(trace, threads=2)
    for key in SETTINGS:
        s = Setting.parse(key)
        scorer.set_settings(s)
        np.testing.assert_array_equal(scorer.logits(x, batch=16), _oracle_logits(trace, x, s), err_msg=key)


def test_lstm_likelihood_equals_the_reference():
    trace = _trace("lstm_kjv")
    tokens = np.asarray(trace.model["test_tokens"])[:500]
    for key in SETTINGS[1:4]:
        s = Setting.parse(key)
        assert im.Scorer(trace, s).lstm_nll(tokens, 4) == tra.lstm_lm_nll(trace, tokens, 4, setting=s)


@pytest.mark.skipif(not FASHION, reason="needs dataset-fashion-mnist")
def test_per_layer_settings_and_resuming_from_a_prefix():
    trace = _trace("resnet_fashion_mnist")
    x, _ = im.eval_data(trace)
    x = x[:90]
    a, b = Setting.parse(SETTINGS[1]), Setting.parse(SETTINGS[3])
    names = [la.name for la in trace.layers]
    split = names.index("b3_conv1")
    mixed = {n: (a if i < split else b) for i, n in enumerate(names)}
    scorer = im.Scorer(trace, mixed)
    want = tra.graph_logits(trace, x, mixed)
    np.testing.assert_array_equal(scorer.logits(x, batch=40), want)
    # the prefix before b3_conv1 under `a` serves every setting of the layers from there on
    scorer.set_settings({n: a for n in names})
    prefix = scorer.prefix(x, "b3_conv1", batch=40)
    assert set(prefix.batches[0]) == {"b2_add"}          # all the rest of the graph reads
    scorer.set_settings(mixed)
    np.testing.assert_array_equal(scorer.logits_from(prefix), want)
    with pytest.raises(ValueError, match="every layer"):
        im.Scorer(trace, {names[0]: a})


def test_products_too_wide_for_one_float32_call_are_split_exactly():
    rng = np.random.default_rng(5)
    x = rng.integers(-255, 256, size=(3, 64, 6, 6))
    w = rng.integers(-255, 256, size=(8, 64, 3, 3))            # 255 * 255 * 576 > 2^24
    got = im.exact_conv(x.astype(np.float32), w.astype(np.float32), 1, 1, 1, 255, 255)
    np.testing.assert_array_equal(got, conv_tr(x, w, 1, 1))
    w2 = rng.integers(-255, 256, size=(16, 32, 3, 3))
    np.testing.assert_array_equal(im.exact_conv(x.astype(np.float32), w2.astype(np.float32), 2, 1, 2, 255, 255),
                                  conv_tr(x, w2, 2, 1, 2))
    a, b = rng.integers(-4000, 4001, size=(7, 900)), rng.integers(-4000, 4001, size=(5, 900))
    np.testing.assert_array_equal(im.exact_matmul(a, b, 4000, 4000), gemm_tr(a, b))   # one column too wide: f64


def _conv_layer(rng, c, n, k, stride, padding, groups, signed):
    from trsim_trace import Layer
    return Layer(name="c", type="conv", weights=rng.integers(-127, 128, size=(n, c // groups, k, k)),
                 inputs=rng.integers(-127 if signed else 0, 128, size=(2, c, 6, 6)), w_scale=0.01, x_scale=0.02,
                 stride=stride, padding=padding, groups=groups, bias=rng.normal(size=n))


@pytest.mark.parametrize("groups,g", [(1, 4), (1, 3), (4, 2), (8, 8)])
def test_data_groups_within_and_across_kernel_positions(groups, g):
    """Data TR groups of g values along the lowered rows: revealed per pixel when a layer's channels per group
    hold whole groups (16/groups a multiple of g), else on the lowered rows; both as the oracle's LayerRules."""
    rng = np.random.default_rng(groups * 10 + g)
    la = _conv_layer(rng, 16, 8, 3, 2, 1, groups, signed=True)
    s = Setting.parse(f"w=hese:g8:k6:qnone;d=hese:g{g}:k{g + 1}:q7")
    a = rng.normal(scale=2.0, size=(3, 16, 7, 7))
    got = im.LayerOps(la, s).forward(a, True)
    want = tra.LayerRules(la, s)
    q = np.clip(np.rint(a / la.x_scale), -127, 127).astype(np.int64)
    ref = want.conv(q, la).astype(np.float64) * want.out_scale + la.bias[None, :, None, None]
    np.testing.assert_array_equal(got, ref)


@pytest.mark.skipif(not FASHION, reason="needs dataset-fashion-mnist")
def test_numpy_fallback_gives_the_same_logits(monkeypatch):
    trace = _trace("cnn_fashion_mnist")
    x, _ = im.eval_data(trace)
    x = x[:60]
    s = Setting.parse("w=hese:g8:k6:q7;d=hese:g8:k20:qnone")
    with_c = im.Scorer(trace, s).logits(x)
    monkeypatch.setattr(F, "_lib", lambda: None)
    monkeypatch.setattr(im, "_TORCH", False)
    assert F.backend() == "numpy"
    np.testing.assert_array_equal(im.Scorer(trace, s).logits(x), with_c)


def test_new_graph_ops_follow_pytorch():
    torch = pytest.importorskip("torch")
    from trsim_trace import graph
    rng = np.random.default_rng(2)
    a = rng.normal(size=(2, 3, 9, 7))
    t = torch.from_numpy(a)
    nnf = torch.nn.functional
    np.testing.assert_allclose(graph.maxpool(a, 3, 2, 1), nnf.max_pool2d(t, 3, 2, 1).numpy(), rtol=0, atol=0)
    for cip in (True, False):
        np.testing.assert_allclose(graph.avgpool2d(a, 3, 2, 1, cip),
                                   nnf.avg_pool2d(t, 3, 2, 1, count_include_pad=cip).numpy(), rtol=1e-12)
    for size in ((1, 1), (2, 3), (4, 4), (12, 10)):
        np.testing.assert_allclose(graph.adaptive_avgpool(a, size), nnf.adaptive_avg_pool2d(t, size).numpy(),
                                   rtol=1e-12)
    acts = {"silu": nnf.silu, "hardswish": nnf.hardswish, "hardsigmoid": nnf.hardsigmoid, "tanh": torch.tanh,
            "relu6": nnf.relu6, "sigmoid": torch.sigmoid}
    for name, f in acts.items():
        np.testing.assert_allclose(graph.ACTIVATIONS[name](a * 4), f(t * 4).numpy(), rtol=1e-12, atol=1e-15)
