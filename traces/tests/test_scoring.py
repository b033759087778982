"""Accuracy for any setting: the QT rule against an independent implementation, canonical keys (the same
golden strings as tests/accuracy_key_test.cpp), the score cache, and the graph interpreter of format-2
traces against a direct computation."""
import json
import os
from fractions import Fraction

import numpy as np
import pytest

import score
import tr_accuracy as tra
from score_cache import ScoreCache
from trsim_trace import Layer, Trace, check_trace, read_trace, write_trace
from trsim_trace.graph import check_graph
from types import SimpleNamespace

from trsim_trace.setting import (EXACT, Operand, Setting, check_key, escape_layer_name, parse_key, qt_apply, qt_shift,
                                 settings_key, unescape_layer_name)


def qt_reference(values, bits):
    """Contract 1 written from its text with exact rationals: round |q| / 2^s half away from zero, clamp."""
    m = max(abs(int(v)) for v in values)
    s = max(0, m.bit_length() - bits)
    out = []
    for v in values:
        x = Fraction(abs(int(v)), 2 ** s)
        r = int(x) + (1 if x - int(x) >= Fraction(1, 2) else 0)
        out.append((1 if v >= 0 else -1) * min(r, 2 ** bits - 1))
    return out, s


@pytest.mark.parametrize("bits", range(2, 17))
def test_qt_rule_matches_an_independent_implementation(bits):
    rng = np.random.default_rng(bits)
    for top in (0, 1, 3, 127, 255, 1000, 40000):
        v = rng.integers(-top, top + 1, size=200)
        v[0] = top  # the maximum is reached
        want, s = qt_reference(v, bits)
        assert qt_shift(v, bits) == s
        assert qt_apply(v, bits, s).tolist() == want


def test_qt_at_or_above_the_values_width_changes_nothing():
    v = np.arange(-255, 256)
    for b in (8, 9, 16):
        assert qt_shift(v, b) == 0
        np.testing.assert_array_equal(qt_apply(v, b, 0), v)


GOLDEN_KEYS = [  # the same strings as tests/accuracy_key_test.cpp
    (Setting(Operand("hese", 8, 12), Operand("hese", 1, 3)), "w=hese:g8:k12:qnone;d=hese:g1:k3:qnone"),
    (Setting(Operand("naf", 4, None), Operand("booth4", 2, None)), "w=exact:qnone;d=exact:qnone"),
    (Setting(Operand(quantize_bits=6), Operand(quantize_bits=4)), "w=exact:q6;d=exact:q4"),
    (Setting(Operand("binary", 16, 20, 7), Operand("hese", 1, None)), "w=binary:g16:k20:q7;d=exact:qnone"),
]


@pytest.mark.parametrize("setting,key", GOLDEN_KEYS)
def test_canonical_keys_and_their_parsing(setting, key):
    assert setting.key() == key
    assert Setting.parse(key).key() == key


def test_qt_covering_the_declared_bits_keys_as_no_qt():
    t = Trace(network="n", source="trained", description="d", layers=[
        Layer(name="a", type="fc", weights=np.ones((2, 2), np.int64), inputs=np.ones((1, 2), np.int64),
              w_scale=1.0, x_scale=1.0, w_bits=8, x_bits=8)])
    assert Setting.parse("w=exact:q8;d=hese:g1:k3:q9").for_trace(t).key() == "w=exact:qnone;d=hese:g1:k3:qnone"
    assert Setting.parse("w=exact:q7;d=exact:q8").for_trace(t).key() == "w=exact:q7;d=exact:qnone"


def test_bad_keys_are_rejected_with_the_operand_named():
    with pytest.raises(ValueError, match="weights"):
        Setting.parse("w=hese:g8;d=exact:qnone")
    with pytest.raises(ValueError, match="quantize_bits"):
        Setting.parse("w=exact:q1;d=exact:qnone")
    with pytest.raises(ValueError, match="must be"):
        Setting.parse("w=exact:qnone")


def _layered(*layers):
    """A trace of named layers with declared bits: all a key needs."""
    return SimpleNamespace(network="n", layers=[SimpleNamespace(name=n, w_bits=b, x_bits=b) for n, b in layers])


def _per_layer(trace, default, **apart):
    return {la.name: apart.get(la.name, default) for la in trace.layers}


TR82 = Setting(Operand("hese", 8, 8), Operand("hese", 1, 2))
STEM = Setting(Operand("hese", 8, None), Operand("hese", 1, 2))


def test_per_layer_keys():
    """The same golden strings as tests/accuracy_key_test.cpp (PerLayerGoldenKeysSharedWithThePythonScorer)."""
    four = _layered(("stem", 8), ("b1", 8), ("b2", 8), ("fc", 8))
    t163 = Setting(Operand("hese", 8, 16), Operand("hese", 1, 3))
    cases = [
        (four, _per_layer(four, TR82, stem=STEM),
         "w=hese:g8:k8:qnone;d=hese:g1:k2:qnone|stem=w=exact:qnone;d=hese:g1:k2:qnone"),
        (four, _per_layer(four, TR82, b1=t163, fc=t163),
         "w=hese:g8:k8:qnone;d=hese:g1:k2:qnone|b1=w=hese:g8:k16:qnone;d=hese:g1:k3:qnone|"
         "fc=w=hese:g8:k16:qnone;d=hese:g1:k3:qnone"),
        (four, _per_layer(four, TR82, stem=Setting(TR82.weights, Operand("hese", 1, 2, 6)),
                          b1=Setting(TR82.weights, Operand("hese", 1, 2, 6))),
         "w=hese:g8:k8:qnone;d=hese:g1:k2:q6|b2=w=hese:g8:k8:qnone;d=hese:g1:k2:qnone|"
         "fc=w=hese:g8:k8:qnone;d=hese:g1:k2:qnone"),
        (four, _per_layer(four, Setting(Operand("naf", 4, 8), TR82.data), stem=TR82),
         "w=naf:g4:k8:qnone;d=hese:g1:k2:qnone|stem=w=hese:g8:k8:qnone;d=hese:g1:k2:qnone"),
        (four, _per_layer(four, Setting(Operand("hese", 8, 12), Operand("hese", 1, 3))),
         "w=hese:g8:k12:qnone;d=hese:g1:k3:qnone"),
    ]
    mixed = _layered(("a", 8), ("b", 6), ("c", 8))
    q6 = Setting(Operand("hese", 8, 8, 6), TR82.data)
    cases += [
        (mixed, _per_layer(mixed, TR82, b=q6), "w=hese:g8:k8:qnone;d=hese:g1:k2:qnone"),
        (mixed, _per_layer(mixed, TR82, a=q6, b=q6), "w=hese:g8:k8:qnone;d=hese:g1:k2:qnone|a=w=hese:g8:k8:q6;d=hese:g1:k2:qnone"),
    ]
    odd = _layered(("blk 1+x", 8), ("layer1.0-conv_2", 8), ("z", 8))
    exact_d = Setting(TR82.weights, Operand("hese", 1, None))
    cases += [
        (odd, {"blk 1+x": exact_d, "layer1.0-conv_2": exact_d, "z": TR82},
         "w=hese:g8:k8:qnone;d=exact:qnone|z=w=hese:g8:k8:qnone;d=hese:g1:k2:qnone"),
        (odd, {"blk 1+x": exact_d, "layer1.0-conv_2": TR82, "z": TR82},
         "w=hese:g8:k8:qnone;d=hese:g1:k2:qnone|blk%201%2Bx=w=hese:g8:k8:qnone;d=exact:qnone"),
    ]
    for trace, settings, key in cases:
        assert settings_key(settings, trace) == key
        check_key(key)
        back = parse_key(key, trace)
        assert settings_key(back if isinstance(back, dict) else _per_layer(trace, back), trace) == key
    assert escape_layer_name("blk 1+x") == "blk%201%2Bx" and unescape_layer_name("blk%201%2Bx") == "blk 1+x"
    assert unescape_layer_name(escape_layer_name("é/|=%")) == "é/|=%"
    with pytest.raises(ValueError, match="does not have"):
        parse_key("w=exact:qnone;d=exact:qnone|nope=w=exact:q5;d=exact:qnone", four)
    with pytest.raises(ValueError, match="every layer"):
        settings_key({"stem": TR82}, four)
    with pytest.raises(ValueError, match="is not '<layer>=<setting>'"):
        check_key("w=exact:qnone;d=exact:qnone|stem")


def test_sweep_point_settings_follow_the_pe_kind():
    cfg = {"pe.kind": "mac", "operands.weights.budget": 12, "operands.weights.quantize_bits": 6}
    s = score.point_setting(cfg.get)
    assert s.key() == "w=exact:q6;d=exact:qnone"  # a MAC computes exact products: budgets do not apply
    cfg["pe.kind"] = "tr"
    assert score.point_setting(cfg.get).key() == "w=hese:g8:k12:q6;d=exact:qnone"
    assert score.point_setting({"pe.kind": "dnateq"}.get) is None


# --------------------------------------------------------------------------- score cache

def test_score_cache_merges_concurrent_writers_and_detects_stale_scores(tmp_path):
    trace = tmp_path / "t.h5"
    trace.write_bytes(b"trace bytes v1")
    a, b = ScoreCache(str(trace), "accuracy"), ScoreCache(str(trace), "accuracy")
    a.put("w=exact:q6;d=exact:q6", 0.875, 1.5)
    b.put("w=exact:q4;d=exact:q4", 0.5, 2.0)  # b never saw a's entry: the write merges
    c = ScoreCache(str(trace))
    assert (c.get("w=exact:q6;d=exact:q6"), c.get("w=exact:q4;d=exact:q4")) == (0.875, 0.5)
    assert not c.stale and c.metric == "accuracy"
    lines = open(c.path).read().splitlines()
    assert f"# trace_bytes\t{len(b'trace bytes v1')}" in lines
    assert [f for f in os.listdir(tmp_path) if f.endswith(".tmp")] == []
    trace.write_bytes(b"trace bytes v2")
    d = ScoreCache(str(trace))
    assert d.stale and d.get("w=exact:q6;d=exact:q6") is None


# --------------------------------------------------------------------------- graph traces

def _graph_trace(rng):
    """A tiny residual + SE network: conv(s2) -> dw conv -> SE -> add -> pool -> fc."""
    w1 = rng.integers(-127, 128, size=(4, 1, 3, 3))
    w2 = rng.integers(-127, 128, size=(4, 1, 3, 3))
    w3 = rng.integers(-127, 128, size=(4, 4, 1, 1))
    w4 = rng.integers(-127, 128, size=(3, 4))
    mk = lambda n, t, w, xs, **kw: Layer(name=n, type=t, weights=w, inputs=np.zeros((1, 1), np.int64)  # noqa
                                         if t == "fc" else np.zeros((2, w.shape[1] * kw.get("groups", 1), 8, 8),
                                                                    np.int64), w_scale=0.01, x_scale=xs,
                                         bias=rng.normal(size=w.shape[0]).astype(np.float32), **kw)
    layers = [mk("c1", "conv", w1, 1 / 255, stride=1, padding=1, groups=1),
              mk("dw", "conv", w2, 0.02, stride=1, padding=1, groups=4),
              mk("se", "conv", w3, 0.01, stride=1, padding=0, groups=1),
              mk("fc", "fc", w4, 0.03)]
    layers[2].inputs = np.zeros((2, 4, 1, 1), np.int64)
    layers[3].inputs = np.zeros((2, 4), np.int64)
    graph = [dict(op="layer", layer="c1", input="input", signed=False, act="relu", out="a"),
             dict(op="layer", layer="dw", input="a", signed=False, act="none", out="b"),
             dict(op="avgpool", input="b", out="p"),
             dict(op="layer", layer="se", input="p", signed=True, act="sigmoid", out="g"),
             dict(op="mul", inputs=["b", "g"], out="bs"),
             dict(op="add", inputs=["a", "bs"], act="relu", out="s"),
             dict(op="avgpool", input="s", out="q"),
             dict(op="layer", layer="fc", input="q", signed=False, act="none", out="fc"),
             dict(op="output", input="fc")]
    return Trace(network="g", source="trained", description="tiny graph", layers=layers, metric="accuracy",
                 model={"architecture": "graph", "graph": json.dumps(graph)}), graph


def _direct(trace, x, setting):
    """The graph written out by hand with a naive convolution (independent of lower_conv / gemm_tr)."""
    L = {la.name: la for la in trace.layers}
    wq = setting.weights.quantize_bits

    def quant(a, la, signed):
        q = np.clip(np.rint(a / la.x_scale), -127 if signed else 0, 127 if signed else 255).astype(np.int64)
        if setting.data.quantize_bits:
            s = qt_shift(la.inputs, setting.data.quantize_bits)
            return qt_apply(q, setting.data.quantize_bits, s), s
        return q, 0

    def conv(a, la, signed, act):
        q, sd = quant(a, la, signed)
        w = la.weights.astype(np.int64)
        sw = qt_shift(w, wq) if wq else 0
        w = qt_apply(w, wq, sw) if wq else w
        n, cg, k, _ = w.shape
        p, g = la.padding, la.groups
        qp = np.pad(q, ((0, 0), (0, 0), (p, p), (p, p)))
        oh = q.shape[2] + 2 * p - k + 1
        out = np.zeros((q.shape[0], n, oh, oh))
        for o in range(n):
            c0 = (o // (n // g)) * cg
            for i in range(oh):
                for j in range(oh):
                    out[:, o, i, j] = (qp[:, c0:c0 + cg, i:i + k, j:j + k] * w[o]).sum(axis=(1, 2, 3))
        y = out * la.w_scale * la.x_scale * 2.0 ** (sw + sd) + la.bias[None, :, None, None]
        return act(y)
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    a = conv(x, L["c1"], False, relu)
    b = conv(a, L["dw"], False, lambda v: v)
    g = conv(b.mean(axis=(2, 3), keepdims=True), L["se"], True, lambda v: 1 / (1 + np.exp(-v)))
    s = relu(a + b * g)
    q, sd = quant(s.mean(axis=(2, 3)), L["fc"], False)
    w = L["fc"].weights.astype(np.int64)
    sw = qt_shift(w, wq) if wq else 0
    w = qt_apply(w, wq, sw) if wq else w
    return (q @ w.T) * L["fc"].w_scale * L["fc"].x_scale * 2.0 ** (sw + sd) + L["fc"].bias


def test_graph_interpreter_matches_a_direct_computation_exact_and_with_qt(tmp_path):
    rng = np.random.default_rng(3)
    trace, _ = _graph_trace(rng)
    x = rng.uniform(0, 1, size=(5, 1, 8, 8))
    _, rec = tra.graph_logits(trace, x[:2], record=2)
    for la in trace.layers:
        la.inputs = rec[la.name]
    path = str(tmp_path / "g.h5")
    write_trace(path, trace)
    t = read_trace(path)
    assert t.format_version == 2
    for setting in (EXACT, Setting(Operand(quantize_bits=5), Operand(quantize_bits=4))):
        np.testing.assert_allclose(tra.graph_logits(t, x, setting), _direct(t, x, setting), rtol=1e-9, atol=1e-9)


def test_graph_problems_are_named():
    rng = np.random.default_rng(0)
    trace, graph = _graph_trace(rng)
    names = [la.name for la in trace.layers]
    assert check_graph(graph, names) == []
    bad = [dict(n) for n in graph]
    bad[1]["input"] = "nowhere"
    bad[3]["act"] = "gelu"
    msgs = "\n".join(check_graph(bad, names))
    assert "node 1 (layer): input 'nowhere'" in msgs and "node 3 (layer): 'act' must be one of" in msgs
    assert any("every trace layer must appear exactly once" in m for m in check_graph(graph[2:], names))
    trace.format_version = 1
    assert any("architecture 'graph' needs format_version 2" in m for m in check_trace(trace))


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRSIM = os.environ.get("TRSIM_BIN", os.path.join(ROOT, "build", "trsim"))


@pytest.mark.skipif(not os.path.exists(TRSIM), reason="needs the trsim binary (TRSIM_BIN)")
def test_sweep_points_resolve_trace_paths_and_settings_like_trsim():
    pts = score.sweep_points(os.path.join(ROOT, "configs", "sweeps", "paper_budgets.yaml"), TRSIM)
    assert len(pts) == 14
    mlp = os.path.join(ROOT, "traces", "bundled", "mlp_fashion_mnist.h5")
    assert pts[0] == (0, mlp, Setting.parse("w=exact:qnone;d=exact:qnone"))
    assert pts[1][1] == mlp and pts[1][2].key() == "w=hese:g8:k4:qnone;d=hese:g1:k2:qnone"
    assert pts[13][1].endswith("cnn_fashion_mnist.h5") and pts[13][2].key() == "w=exact:qnone;d=exact:qnone"


@pytest.mark.skipif(not os.path.exists(TRSIM), reason="needs the trsim binary (TRSIM_BIN)")
def test_sweep_points_with_a_swept_per_layer_list(tmp_path):
    """A swept per_layer value holds spaces in `trsim sweep --list`; its points are left to trsim sweep."""
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"base: {os.path.join(ROOT, 'configs', 'default.yaml')}\nsweep:\n  product:\n"
                     "    per_layer: [[], [{layers: first, set: {operands.weights.budget: none}}]]\n"
                     "    operands.data.budget: [2, 3]\n")
    pts = score.sweep_points(str(sweep), TRSIM)
    assert [p[0] for p in pts] == [0, 1, 2, 3]
    assert pts[0][2].key() == "w=hese:g8:k12:qnone;d=hese:g1:k2:qnone" and pts[1][2].data.budget == 3
    assert pts[2][2] is None and pts[3][2] is None


@pytest.mark.skipif(not os.path.exists(TRSIM), reason="needs the trsim binary (TRSIM_BIN)")
def test_sweep_points_of_a_block_list_take_each_points_own_keys(tmp_path):
    # Block 1 varies the weight budget only; its points keep block 0's keys at their defaults
    # (the base config's budgets 12 and 3), and its first point repeats block 0's point 1.
    sweep = tmp_path / "blocks.yaml"
    sweep.write_text(
        f"base: {os.path.join(ROOT, 'configs', 'default.yaml')}\n"
        "sweep:\n"
        "  - zip:\n      pe.kind: [mac, tr]\n"
        "  - product:\n      operands.weights.budget: [12, 8]\n")
    pts = score.sweep_points(str(sweep), TRSIM)
    assert [p[0] for p in pts] == [0, 1, 2]
    mlp = os.path.join(ROOT, "traces", "bundled", "mlp_fashion_mnist.h5")
    assert pts[0] == (0, mlp, Setting.parse("w=exact:qnone;d=exact:qnone"))
    assert pts[1][2].key() == "w=hese:g8:k12:qnone;d=hese:g1:k3:qnone"
    assert pts[2][2].key() == "w=hese:g8:k8:qnone;d=hese:g1:k3:qnone"


def test_a_stored_test_set_is_read_back_exactly_and_checked(tmp_path):
    """Traces from the PyTorch importer carry their test set (/model test_inputs as uint8 over 255 when exact,
    test_labels); the scorer evaluates on it (and on nothing else), the validator checks it."""
    from trsim_trace import intmodel as im
    rng = np.random.default_rng(4)
    trace, _ = _graph_trace(rng)
    x = (rng.integers(0, 256, size=(7, 1, 8, 8)) / 255.0).astype(np.float32)
    y = rng.integers(0, 3, size=7)
    trace.model.update({"test_inputs": np.rint(x * 255).astype(np.uint8), "test_inputs_divisor": 255,
                        "test_labels": y})
    path = str(tmp_path / "t.h5")
    write_trace(path, trace)
    t = read_trace(path)
    assert im.has_test_set(t)
    xs, ys = im.eval_data(t)
    np.testing.assert_array_equal(xs, x)
    np.testing.assert_array_equal(ys, y)
    want = float((tra.graph_logits(t, x).argmax(axis=1) == y).mean())
    assert im.Scorer(t).evaluate() == want
    t.model["test_labels"] = y[:3]
    assert any("'test_labels' must be N integer class indices" in p for p in check_trace(t))
    del t.model["test_labels"]
    assert any("come together" in p for p in check_trace(t))
    t.model.pop("test_inputs")
    with pytest.raises(ValueError, match="stores no test set"):
        im.eval_data(t)
