"""Accuracy under TR of the trained models, re-run from the bundled traces (numpy only, no training).

The MLP / CNN cases need the Fashion-MNIST test set (`apt-get install dataset-fashion-mnist`) and are skipped
without it; the LSTM carries its test tokens in the trace.
"""

import math
import os

import numpy as np
import pytest

import tr_accuracy as tra
import trsim_trace as tt
from trsim_trace.tr import Coding

BUNDLED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bundled")
FASHION = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
needs_fashion = pytest.mark.skipif(not os.path.exists(FASHION),
                                   reason="needs the Fashion-MNIST test set: apt-get install dataset-fashion-mnist")


def load(name):
    path = os.path.join(BUNDLED, name)
    assert os.path.exists(path), f"{path} missing: run traces/make_traces.py trained"
    return tt.read_trace(path)


@pytest.fixture(scope="module", params=["mlp_fashion_mnist.h5", "cnn_fashion_mnist.h5"])
def feedforward(request):
    if not os.path.exists(FASHION):
        pytest.skip("needs the Fashion-MNIST test set: apt-get install dataset-fashion-mnist")
    t = load(request.param)
    return t, tra.load_eval_data(t)


def test_trained_traces_carry_what_reevaluation_needs():
    for name, arch in (("mlp_fashion_mnist.h5", "feedforward_relu"), ("cnn_fashion_mnist.h5", "feedforward_relu"),
                       ("lstm_kjv.h5", "lstm_lm_tied")):
        t = load(name)
        assert tra.architecture(t) == arch
        for la in t.layers:
            assert la.bias is not None and la.bias.shape == (la.weights.shape[0],)
        table = t.tr_accuracy
        assert table is not None and table.metric == t.metric and len(table.points) >= 20
        # the table's no-budget row is the int8 metric itself
        assert table.find("hese", 8, None, "hese", 1, None) == t.int8_metric
        for point in (tra.TR_A, tra.TR_B):
            assert table.find(*point) is not None


@needs_fashion
def test_feedforward_no_budget_gives_int8_accuracy_exactly(feedforward):
    t, data = feedforward
    assert tra.evaluate(t, None, data=data) == t.int8_metric
    assert tra.evaluate(t, ("hese", 8, None, "hese", 1, None), data=data) == t.int8_metric
    assert tra.evaluate(t, ("binary", 3, None, "naf", 5, None), data=data) == t.int8_metric


@needs_fashion
def test_feedforward_smaller_budget_degrades(feedforward):
    t, data = feedforward
    x, y = data
    sub = (x[:2000], y[:2000])
    base = tra.evaluate(t, None, data=sub)
    tight = tra.evaluate(t, ("hese", 8, 2, "hese", 1, 1), data=sub)
    assert tight < base - 0.03
    # the stored table agrees with a fresh evaluation
    assert tra.evaluate(t, tra.TR_B, data=data) == t.tr_accuracy.find(*tra.TR_B)


def test_table_degrades_with_budget():
    """TR never helps beyond noise, and the tightest budgets clearly hurt (accuracy down / perplexity up)."""
    for name in ("mlp_fashion_mnist.h5", "cnn_fashion_mnist.h5", "lstm_kjv.h5"):
        t = load(name)
        acc = t.metric == "accuracy"
        # quality q: higher is better; noise: 0.5 % accuracy or 1 % perplexity
        q = (lambda v: v) if acc else (lambda v: -math.log(v))
        noise = 0.005 if acc else math.log(1.01)
        base = q(t.int8_metric)
        for p in t.tr_accuracy.points:
            assert q(p.value) <= base + noise, (name, p)
        for dk in (None, 3, 2, 1):
            vals = [q(t.tr_accuracy.find("hese", 8, wk, "hese", 1, dk)) for wk in (None, 16, 12, 10, 8, 6, 4, 2)]
            assert vals[-1] < vals[0] - 2 * noise, (name, dk, vals)       # weight budget 2 per 8 values
        assert q(t.tr_accuracy.find("hese", 8, 2, "hese", 1, 1)) < base - 4 * noise


def test_lstm_no_budget_gives_int8_perplexity_and_tr_degrades():
    t = load("lstm_kjv.h5")
    tokens = np.asarray(t.model["test_tokens"])[:3000]
    base = tra.lstm_perplexity(t, tokens=tokens, streams=4)
    same = tra.lstm_perplexity(t, Coding("hese", 8, None), Coding("hese", 1, None), tokens=tokens, streams=4)
    assert same == base
    tight = tra.lstm_perplexity(t, Coding("hese", 8, 4), Coding("hese", 1, 1), tokens=tokens, streams=4)
    assert tight > base * 1.05
    assert 1 < base < 1000 and math.isfinite(tight)


def test_feedforward_logits_synthetic_model():
    """A hand-made 2-layer model: TR with no budget = plain integer inference; TR changes the integers."""
    rng = np.random.default_rng(0)
    l1 = tt.Layer("fc1", "fc", rng.integers(-127, 128, (6, 10)), rng.integers(0, 256, (2, 10)), 0.01, 1 / 255,
                  bias=rng.standard_normal(6).astype(np.float32))
    l2 = tt.Layer("fc2", "fc", rng.integers(-127, 128, (3, 6)), rng.integers(0, 256, (2, 6)), 0.02, 0.05,
                  bias=np.zeros(3, np.float32))
    t = tt.Trace("toy", "synthetic", "toy", [l1, l2], model=dict(architecture="feedforward_relu"))
    x = rng.random((5, 10)).astype(np.float32)
    plain = tra.feedforward_logits(t, x)
    q1 = np.clip(np.rint(x.astype(np.float64) / (1 / 255)), 0, 255)
    a1 = np.maximum(q1 @ l1.weights.T.astype(np.float64) * (0.01 * (1 / 255)) + l1.bias.astype(np.float64), 0)
    q2 = np.clip(np.rint(a1 / 0.05), 0, 255)
    np.testing.assert_allclose(plain, q2 @ l2.weights.T.astype(np.float64) * (0.02 * 0.05), rtol=1e-12)
    assert not np.array_equal(tra.feedforward_logits(t, x, Coding("hese", 4, 2), Coding("hese", 1, 1)), plain)
