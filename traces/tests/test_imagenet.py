"""ImageNet layer tables (exact shapes, MAC counts against torchvision's published numbers) and the synthetic
generator on a tiny scale."""

import math
import os

import numpy as np
import pytest

import imagenet
import make_imagenet as mi
import trsim_trace as tt

BUNDLED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bundled")


def by_name(specs):
    return {s.name: s for s in specs}


@pytest.mark.parametrize("net", sorted(imagenet.NETWORKS))
def test_macs_and_weights_match_published(net):
    specs = imagenet.layers(net)
    pub = imagenet.PUBLISHED[net]
    assert imagenet.total_macs(specs) / 1e9 == pytest.approx(pub["gmacs"], rel=0.015)
    # weights only; the published parameter counts add biases and batch norm
    assert imagenet.total_weights(specs) / 1e6 == pytest.approx(pub["mparams"], rel=0.015)
    assert imagenet.total_weights(specs) / 1e6 <= pub["mparams"]
    for s in specs:
        assert s.type in ("conv", "fc") and s.input_kind in imagenet.INPUT_KINDS
        if s.type == "conv":
            assert s.c_in % s.groups == 0 and s.c_out % s.groups == 0 and s.h_out >= 1
    assert specs[0].h_in == 224 and specs[0].c_in == 3 and specs[0].input_kind == "image"
    assert specs[-1].type == "fc" and specs[-1].c_out == 1000


def test_resnet18():
    specs = imagenet.layers("resnet18")
    convs = [s for s in specs if s.type == "conv"]
    assert len(convs) == 20 and len(specs) == 21   # 17 3x3/7x7 convs + 3 downsample 1x1, fc
    assert imagenet.total_macs(specs) == 1_814_073_344
    n = by_name(specs)
    assert (n["conv1"].k, n["conv1"].stride, n["conv1"].pad, n["conv1"].h_out) == (7, 2, 3, 112)
    assert n["layer1.0.conv1"].h_in == 56                      # maxpool 3x3/2 sets the size
    assert (n["layer2.0.downsample"].k, n["layer2.0.downsample"].stride, n["layer2.0.downsample"].h_in) == (1, 2, 56)
    assert n["layer4.1.conv2"].h_out == 7 and n["fc"].c_in == 512 and n["fc"].pool_hw == 49


def test_resnet50_and_vgg16():
    r50 = imagenet.layers("resnet50")
    assert sum(s.type == "conv" for s in r50) == 53
    assert imagenet.total_macs(r50) / 1e9 == pytest.approx(4.09, abs=0.01)
    n = by_name(r50)
    assert n["layer2.0.conv2"].stride == 2 and n["layer2.0.conv1"].stride == 1       # v1.5
    assert n["fc"].c_in == 2048
    vgg = imagenet.layers("vgg16")
    assert [s.type for s in vgg].count("conv") == 13 and [s.type for s in vgg].count("fc") == 3
    assert imagenet.total_macs(vgg) / 1e9 == pytest.approx(15.47, abs=0.01)
    assert by_name(vgg)["fc6"].c_in == 512 * 7 * 7 and by_name(vgg)["conv5_3"].h_in == 14


def test_mobilenet_v2_depthwise_and_pointwise():
    specs = imagenet.layers("mobilenet_v2")
    dw = [s for s in specs if s.is_depthwise]
    assert len(dw) == 17
    for s in dw:
        assert s.groups == s.c_in == s.c_out and s.k == 3 and s.weight_shape[1] == 1
    pw = [s for s in specs if s.type == "conv" and s.k == 1]
    assert len(pw) == 34 and all(s.groups == 1 for s in pw)
    assert imagenet.total_macs(specs) == pytest.approx(300.8e6, rel=0.002)
    n = by_name(specs)
    assert n["features.2.dw"].stride == 2 and n["features.2.dw"].h_in == 112 and n["features.18"].c_out == 1280
    assert n["features.2.expand"].input_kind == "signed" and n["features.2.project"].input_kind == "relu"


def test_efficientnet_b0_depthwise_and_se():
    specs = imagenet.layers("efficientnet_b0")
    dw = [s for s in specs if s.is_depthwise]
    assert len(dw) == 16 and sorted({s.k for s in dw}) == [3, 5]
    se = [s for s in specs if ".se_" in s.name]
    assert len(se) == 32 and all(s.h_in == 1 and s.k == 1 for s in se)
    n = by_name(specs)
    assert (n["features.1.0.se_reduce"].c_in, n["features.1.0.se_reduce"].c_out) == (32, 8)
    assert n["features.1.0.se_reduce"].pool_hw == 112 * 112
    assert imagenet.total_macs(specs) / 1e9 == pytest.approx(0.39, abs=0.01)


def test_gg_fit_recovers_shape():
    rng = np.random.default_rng(0)
    assert mi.gg_ratio(1.0) == pytest.approx(1 / math.sqrt(2))
    assert mi.gg_ratio(2.0) == pytest.approx(math.sqrt(2 / math.pi))
    for beta in (0.7, 1.0, 2.0):
        x = mi.gg_abs(rng, beta, 200_000)
        assert float(np.sqrt((x * x).mean())) == pytest.approx(1.0, rel=0.02)
        assert mi.fit_gg_beta(x) == pytest.approx(beta, rel=0.05)


@pytest.fixture(scope="module")
def fit():
    return mi.fit_statistics()


@pytest.mark.parametrize("net", sorted(imagenet.NETWORKS))
def test_synthetic_tiny_scale_validates(net, fit, tmp_path):
    t = mi.make_trace(net, fit, seed=3, resolution=32, width=0.125)
    assert t.source == "synthetic" and "SYNTHETIC" in t.description
    path = str(tmp_path / f"{net}.h5")
    tt.write_trace(path, t)
    assert tt.check_file(path) == []
    back = tt.read_trace(path)
    specs = imagenet.layers(net, 32, 0.125)
    assert [la.name for la in back.layers] == [s.name for s in specs]
    for la, s in zip(back.layers, specs):
        assert la.weights.shape == s.weight_shape and la.inputs.shape == s.input_shape()
        assert np.abs(la.weights.astype(int)).max() == 127 and la.weights.dtype == np.int8
        assert la.extra_attrs["input_kind"] == s.input_kind and la.extra_attrs["note"] == s.note
        x = la.inputs.astype(int)
        assert np.abs(x).max() <= 255
        if s.input_kind in ("relu", "image", "pooled_relu"):
            assert x.min() >= 0
        if s.input_kind == "relu":
            assert 0.05 < (x == 0).mean() < 0.95
        if s.input_kind == "signed":
            assert x.min() < 0 < x.max() and np.abs(x).max() <= 127
        if la.type == "conv":
            assert la.groups == s.groups and la.stride == s.stride and la.padding == s.pad
    again = mi.make_trace(net, fit, seed=3, resolution=32, width=0.125)
    assert all(np.array_equal(a.weights, b.weights) and np.array_equal(a.inputs, b.inputs)
               for a, b in zip(t.layers, again.layers))          # seeded, reproducible


def test_bundled_synthetic_trace():
    path = os.path.join(BUNDLED, "resnet18_first5_synthetic.h5")
    assert os.path.exists(path), "run traces/make_traces.py bundled-synthetic"
    assert os.path.getsize(path) < 2_000_000
    t = tt.read_trace(path)
    assert t.source == "synthetic" and "SYNTHETIC" in t.description
    specs = imagenet.layers("resnet18")[:5]
    assert [(la.name, la.weights.shape, la.inputs.shape) for la in t.layers] == \
        [(s.name, s.weight_shape, s.input_shape()) for s in specs]
