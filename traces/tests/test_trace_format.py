"""Writer / reader / validator of the trsim trace format (synthetic data only, runs in well under a second)."""

import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

import trsim_trace as tt
from trsim_trace.__main__ import main as cli_main

TRACES_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_trace():
    rng = np.random.default_rng(0)
    fc = tt.Layer(name="fc1", type="fc",
                  weights=rng.integers(-127, 128, size=(6, 10)),
                  inputs=rng.integers(0, 256, size=(4, 10)),
                  w_scale=0.01, x_scale=1 / 255, w_bits=8, x_bits=8,
                  bias=np.linspace(-1, 1, 6).astype(np.float32))
    conv = tt.Layer(name="conv1", type="conv",
                    weights=rng.integers(-127, 128, size=(4, 3, 3, 3)),   # N=4, C/groups=3, 3x3
                    inputs=rng.integers(0, 256, size=(2, 6, 5, 5)),       # B=2, C=6 -> groups=2
                    w_scale=0.02, x_scale=0.05, w_bits=8, x_bits=8, stride=2, padding=1, groups=2)
    lstm = tt.Layer(name="lstm1", type="lstm",
                    weights=rng.integers(-500, 501, size=(8, 7)),        # 4*hidden_size x (input+hidden)
                    inputs=rng.integers(-127, 128, size=(3, 7)),
                    w_scale=0.001, x_scale=1 / 127, w_bits=10, x_bits=7, hidden_size=2)
    table = tt.TrAccuracy(metric="accuracy", description="made up", points=[
        tt.TrPoint("hese", 8, None, "hese", 1, None, 0.89),
        tt.TrPoint("booth4", 4, 12, "naf", 1, 3, 0.75)])
    return tt.Trace(network="unit_test_net", source="synthetic",
                    description="random integers for the unit tests", layers=[fc, conv, lstm],
                    metric="accuracy", float_metric=0.9, int8_metric=0.89,
                    model={"architecture": "none", "vocab": ["a", "b"], "tokens": np.arange(5, dtype=np.int16),
                           "streams": 2}, tr_accuracy=table)


@pytest.fixture
def good(tmp_path):
    path = str(tmp_path / "good.h5")
    tt.write_trace(path, make_trace())
    return path


def test_round_trip(good):
    src = make_trace()
    assert tt.check_file(good) == []
    t = tt.read_trace(good)
    assert (t.network, t.source, t.format_version) == ("unit_test_net", "synthetic", 2)
    assert t.description == src.description
    assert (t.metric, t.float_metric, t.int8_metric) == ("accuracy", 0.9, 0.89)
    assert [layer.name for layer in t.layers] == ["fc1", "conv1", "lstm1"]
    for a, b in zip(t.layers, src.layers):
        assert a.type == b.type
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.inputs, b.inputs)
        assert (a.w_scale, a.x_scale, a.w_bits, a.x_bits) == (b.w_scale, b.x_scale, b.w_bits, b.x_bits)
        assert (a.stride, a.padding, a.groups, a.hidden_size) == (b.stride, b.padding, b.groups, b.hidden_size)
    # optional parts: float bias, /model, /tr_accuracy
    np.testing.assert_array_equal(t.layers[0].bias, src.layers[0].bias)
    assert t.layers[0].bias.dtype == np.float32 and t.layers[1].bias is None
    assert t.model["architecture"] == "none" and t.model["vocab"] == ["a", "b"] and t.model["streams"] == 2
    np.testing.assert_array_equal(t.model["tokens"], np.arange(5))
    assert t.tr_accuracy == src.tr_accuracy
    assert t.tr_accuracy.find("booth4", 4, 12, "naf", 1, 3) == 0.75
    assert t.tr_accuracy.find("booth4", 4, 13, "naf", 1, 3) is None
    # smallest fitting dtypes
    assert t.layers[0].weights.dtype == np.int8 and t.layers[0].inputs.dtype == np.uint8
    assert t.layers[2].weights.dtype == np.int16 and t.layers[2].inputs.dtype == np.int8


def test_hdf5_types_and_order(good):
    with h5py.File(good, "r") as f:
        def kind(obj, name):
            aid = obj.attrs.get_id(name)
            tid = aid.get_type()
            assert aid.shape == ()
            if isinstance(tid, h5py.h5t.TypeStringID):
                assert tid.is_variable_str() and tid.get_cset() == h5py.h5t.CSET_UTF8
                return "vlen-utf8"
            return (type(tid).__name__, tid.get_size())

        assert kind(f, "network") == kind(f, "source") == kind(f, "description") == kind(f, "metric") \
            == "vlen-utf8"
        assert kind(f, "format_version") == ("TypeIntegerID", 8)
        assert kind(f, "float_metric") == kind(f, "int8_metric") == ("TypeFloatID", 8)
        layers = f["layers"]
        assert list(layers.keys()) == ["fc1", "conv1", "lstm1"]          # creation order is tracked
        assert [int(layers[n].attrs["index"]) for n in layers] == [0, 1, 2]
        conv = layers["conv1"]
        assert kind(conv, "type") == "vlen-utf8"
        for name in ("index", "w_bits", "x_bits", "stride", "padding", "groups"):
            assert kind(conv, name) == ("TypeIntegerID", 8)
        for name in ("w_scale", "x_scale"):
            assert kind(conv, name) == ("TypeFloatID", 8)
        assert kind(layers["lstm1"], "hidden_size") == ("TypeIntegerID", 8)
        assert conv["weights"].compression == "gzip"
        assert layers.id.get_create_plist().get_link_creation_order() & h5py.h5p.CRT_ORDER_TRACKED


def test_reader_sorts_by_index(tmp_path):
    src = make_trace()
    path = str(tmp_path / "reordered.h5")
    with h5py.File(path, "w") as f:
        for k in ("network", "source", "description"):
            f.attrs[k] = getattr(src, k)
        f.attrs["format_version"] = np.int64(1)
        layers = f.create_group("layers", track_order=True)
        for i in (2, 0, 1):  # created out of execution order
            layer = src.layers[i]
            g = layers.create_group(layer.name, track_order=True)
            g.attrs["index"] = np.int64(i)
            g.attrs["type"] = layer.type
            for k in ("w_scale", "x_scale"):
                g.attrs[k] = float(getattr(layer, k))
            for k in ("w_bits", "x_bits", "stride", "padding", "groups", "hidden_size"):
                if getattr(layer, k) is not None:
                    g.attrs[k] = np.int64(getattr(layer, k))
            g["weights"] = layer.weights.astype(np.int16)
            g["inputs"] = layer.inputs.astype(np.int16)
    assert tt.check_file(path) == []
    assert [layer.name for layer in tt.read_trace(path).layers] == ["fc1", "conv1", "lstm1"]


def test_gemm_shape():
    t = make_trace()
    fc, conv, lstm = t.layers
    assert tt.gemm_shape(fc) == (4, 10, 6, 1)
    assert tt.conv_output_hw(conv) == (3, 3)
    assert tt.gemm_shape(conv) == (2 * 3 * 3, 3 * 3 * 3, 2, 2)
    assert tt.gemm_shape(lstm) == (3, 7, 8, 1)


# --------------------------------------------------------------------------- malformed traces
# Each mutation breaks a valid file; the validator must name the file, the layer, the attr/dataset
# and what was expected.

def _set_attr(obj, name, value):
    """Recreate an attribute (attrs.modify would keep the old HDF5 type)."""
    if name in obj.attrs:
        del obj.attrs[name]
    obj.attrs[name] = value


def _replace(group, name, data):
    del group[name]
    group[name] = data


MUTATIONS = {
    "wrong_rank": (lambda f: _replace(f["layers/fc1"], "weights", np.zeros((6, 10, 1), np.int8)),
                   ["layer 'fc1'", "dataset 'weights'", "rank 2", "[N, K]", "(6, 10, 1)"]),
    "k_mismatch": (lambda f: _replace(f["layers/fc1"], "inputs", np.zeros((4, 11), np.uint8)),
                   ["layer 'fc1'", "K mismatch", "K=10", "K=11"]),
    "conv_c_mismatch": (lambda f: _replace(f["layers/conv1"], "weights", np.zeros((4, 6, 3, 3), np.int8)),
                        ["layer 'conv1'", "C mismatch", "C/groups=6", "groups=2", "needs C/groups=3"]),
    "conv_c_not_divisible": (lambda f: _replace(f["layers/conv1"], "inputs", np.zeros((2, 5, 5, 5), np.uint8)),
                             ["layer 'conv1'", "C=5", "not divisible by groups=2"]),
    "weights_out_of_range": (lambda f: _set_attr(f["layers/fc1"], "w_bits", np.int64(6)),
                             ["layer 'fc1'", "dataset 'weights'", "out of range for w_bits=6", "|v| <= 63"]),
    "inputs_out_of_range": (lambda f: _replace(f["layers/lstm1"], "inputs", np.full((3, 7), -128, np.int16)),
                            ["layer 'lstm1'", "dataset 'inputs'", "x_bits=7", "|v| <= 127", "-128"]),
    "missing_layer_attr": (lambda f: f["layers/conv1"].attrs.__delitem__("x_scale"),
                           ["layer 'conv1'", "missing attribute 'x_scale'", "scalar float"]),
    "missing_conv_attr": (lambda f: f["layers/conv1"].attrs.__delitem__("stride"),
                          ["layer 'conv1'", "missing attribute 'stride'", "scalar integer"]),
    "missing_lstm_attr": (lambda f: f["layers/lstm1"].attrs.__delitem__("hidden_size"),
                          ["layer 'lstm1'", "missing attribute 'hidden_size'"]),
    "missing_root_attr": (lambda f: f.attrs.__delitem__("network"),
                          ["missing attribute 'network'", "string"]),
    "unknown_type": (lambda f: _set_attr(f["layers/fc1"], "type", "gru"),
                     ["layer 'fc1'", "attribute 'type'", "'gru'", "('fc', 'conv', 'lstm')"]),
    "float_dtype": (lambda f: _replace(f["layers/fc1"], "weights", np.zeros((6, 10), np.float32)),
                    ["layer 'fc1'", "dataset 'weights'", "dtype float32", "integer dtype"]),
    "int64_dtype": (lambda f: _replace(f["layers/fc1"], "inputs", np.zeros((4, 10), np.int64)),
                    ["layer 'fc1'", "dataset 'inputs'", "dtype int64"]),
    "duplicate_index": (lambda f: _set_attr(f["layers/conv1"], "index", np.int64(0)),
                        ["duplicate layer index 0", "'fc1'", "'conv1'"]),
    "missing_index_value": (lambda f: _set_attr(f["layers/lstm1"], "index", np.int64(5)),
                            ["indices must be exactly 0..2", "missing [2]"]),
    "missing_index_attr": (lambda f: f["layers/fc1"].attrs.__delitem__("index"),
                           ["layer 'fc1'", "missing attribute 'index'"]),
    "float_int_attr": (lambda f: _set_attr(f["layers/fc1"], "w_bits", 8.0),
                       ["layer 'fc1'", "attribute 'w_bits'", "scalar integer", "got float"]),
    "int_float_attr": (lambda f: _set_attr(f["layers/fc1"], "w_scale", np.int64(1)),
                       ["layer 'fc1'", "attribute 'w_scale'", "scalar float", "got int"]),
    "array_attr": (lambda f: _set_attr(f["layers/fc1"], "x_bits", np.array([8, 8])),
                   ["layer 'fc1'", "attribute 'x_bits'", "int array of shape (2,)"]),
    "fixed_string_attr": (lambda f: _set_attr(f, "source", np.bytes_(b"trained")),
                          ["attribute 'source'", "variable-length UTF-8 string", "fixed-length string"]),
    "bad_source": (lambda f: _set_attr(f, "source", "random"),
                   ["attribute 'source'", "('trained', 'synthetic')", "'random'"]),
    "bad_version": (lambda f: _set_attr(f, "format_version", np.int64(3)),
                    ["attribute 'format_version' must be one of (1, 2), got 3"]),
    "metric_without_name": (lambda f: f.attrs.__delitem__("metric"),
                            ["attribute 'metric'", "required when float_metric/int8_metric"]),
    "missing_dataset": (lambda f: f["layers/conv1"].__delitem__("inputs"),
                        ["layer 'conv1'", "missing dataset 'inputs'", "[B, C, H, W]"]),
    "dataset_is_group": (lambda f: (f["layers/fc1"].__delitem__("inputs"),
                                    f["layers/fc1"].create_group("inputs")),
                         ["layer 'fc1'", "'inputs' must be a dataset"]),
    "lstm_gate_rows": (lambda f: _set_attr(f["layers/lstm1"], "hidden_size", np.int64(3)),
                       ["layer 'lstm1'", "N = 4*hidden_size = 12"]),
    "negative_scale": (lambda f: _set_attr(f["layers/fc1"], "x_scale", -1.0),
                       ["layer 'fc1'", "attribute 'x_scale'", "> 0"]),
    "bits_too_large": (lambda f: _set_attr(f["layers/fc1"], "x_bits", np.int64(40)),
                       ["layer 'fc1'", "attribute 'x_bits'", "1..16", "got 40"]),
    "zero_stride": (lambda f: _set_attr(f["layers/conv1"], "stride", np.int64(0)),
                    ["layer 'conv1'", "attribute 'stride' must be >= 1"]),
    "layer_not_group": (lambda f: f["layers"].create_dataset("junk", data=np.zeros(3, np.int8)),
                        ["layer 'junk'", "must be a group"]),
    "no_layers_group": (lambda f: f.__delitem__("layers"),
                        ["missing group '/layers'"]),
    "bias_length": (lambda f: (f["layers/fc1"].__delitem__("bias"),
                               f["layers/fc1"].create_dataset("bias", data=np.zeros(5, np.float32))),
                    ["layer 'fc1'", "dataset 'bias' has 5 values but weights have N=6"]),
    "bias_integer": (lambda f: (f["layers/fc1"].__delitem__("bias"),
                                f["layers/fc1"].create_dataset("bias", data=np.zeros(6, np.int32))),
                     ["layer 'fc1'", "dataset 'bias' has dtype int32, expected a float dtype"]),
    "tr_column_missing": (lambda f: f["tr_accuracy"].__delitem__("d_budget"),
                          ["group '/tr_accuracy'", "missing dataset 'd_budget'"]),
    "tr_bad_encoding": (lambda f: (f["tr_accuracy"].__delitem__("w_encoding"),
                                   f["tr_accuracy"].create_dataset("w_encoding", data=["hese", "csd"],
                                                                   dtype=h5py.string_dtype())),
                        ["group '/tr_accuracy'", "unknown encodings ['csd']"]),
    "tr_bad_budget": (lambda f: (f["tr_accuracy"].__delitem__("w_budget"),
                                 f["tr_accuracy"].create_dataset("w_budget", data=np.array([-1, -5]))),
                      ["group '/tr_accuracy'", "'w_budget' values must be >= -1", "got -5"]),
    "tr_lengths": (lambda f: (f["tr_accuracy"].__delitem__("value"),
                              f["tr_accuracy"].create_dataset("value", data=np.array([0.5]))),
                   ["group '/tr_accuracy'", "columns differ in length"]),
    "model_not_group": (lambda f: (f.__delitem__("model"), f.create_dataset("model", data=np.zeros(2))),
                        ["'/model' must be a group"]),
}


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_malformed_rejected(good, case):
    mutate, expected = MUTATIONS[case]
    with h5py.File(good, "r+") as f:
        mutate(f)
    problems = tt.check_file(good)
    assert problems, f"{case}: mutation not detected"
    text = "\n".join(problems)
    assert all(p.startswith(good) for p in problems), text   # every message names the file
    for fragment in expected:
        assert fragment in text, f"{case}: {fragment!r} not in:\n{text}"
    with pytest.raises(tt.TraceError):
        tt.validate_file(good)
    with pytest.raises(tt.TraceError):
        tt.read_trace(good)


def test_not_hdf5(tmp_path):
    path = tmp_path / "junk.h5"
    path.write_bytes(b"not an hdf5 file")
    problems = tt.check_file(str(path))
    assert len(problems) == 1 and "cannot open as HDF5" in problems[0] and str(path) in problems[0]


def test_writer_rejects_invalid_trace(tmp_path):
    t = make_trace()
    t.layers[0].weights = t.layers[0].weights.astype(np.float32)
    t.layers[1].inputs = np.full((2, 6, 5, 5), 300)
    t.source = "made-up"
    path = str(tmp_path / "bad.h5")
    with pytest.raises(tt.TraceError) as exc:
        tt.write_trace(path, t)
    text = str(exc.value)
    assert "layer 'fc1': dataset 'weights' has dtype float32" in text
    assert "layer 'conv1': dataset 'inputs'" in text and "x_bits=8" in text
    assert "attribute 'source'" in text
    assert not os.path.exists(path)
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []


def test_cli(good, tmp_path, capsys):
    assert cli_main(["validate", good]) == 0
    assert "OK" in capsys.readouterr().out
    assert cli_main(["info", good]) == 0
    out = capsys.readouterr().out
    assert "conv1" in out and "[4, 3, 3, 3] int8" in out and "[2, 6, 5, 5] uint8" in out
    with h5py.File(good, "r+") as f:
        del f["layers/fc1"].attrs["w_scale"]
    assert cli_main(["validate", good]) == 1
    err = capsys.readouterr().err
    assert "INVALID" in err and "missing attribute 'w_scale'" in err


def test_cli_module_with_pythonpath(good):
    env = dict(os.environ, PYTHONPATH=TRACES_DIR)
    r = subprocess.run([sys.executable, "-m", "trsim_trace", "validate", good], env=env,
                       capture_output=True, text=True, cwd="/")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("OK")


def test_writer_is_deterministic(tmp_path):
    a, b = str(tmp_path / "a.h5"), str(tmp_path / "b.h5")
    tt.write_trace(a, make_trace())
    tt.write_trace(b, make_trace())
    with open(a, "rb") as fa, open(b, "rb") as fb:
        assert fa.read() == fb.read()   # no object timestamps: regenerating a trace gives identical bytes
    with h5py.File(a, "r") as f:
        for obj in (f["/"], f["layers"], f["layers/fc1"]):
            assert obj.id.get_create_plist().get_attr_creation_order() & h5py.h5p.CRT_ORDER_TRACKED
        assert list(f["layers/conv1"].attrs.keys())[:6] == ["index", "type", "w_scale", "x_scale",
                                                              "w_bits", "x_bits"]


def test_smallest_dtype():
    assert tt.smallest_dtype(np.array([0, 127])) == np.uint8      # non-negative -> unsigned
    assert tt.smallest_dtype(np.array([0, 255])) == np.uint8
    assert tt.smallest_dtype(np.array([0, 256])) == np.uint16
    assert tt.smallest_dtype(np.array([0, 70000])) == np.int32
    assert tt.smallest_dtype(np.array([-127, 127])) == np.int8
    assert tt.smallest_dtype(np.array([-1, 255])) == np.int16
    assert tt.smallest_dtype(np.array([-40000, 1])) == np.int32
    with pytest.raises(tt.TraceError):
        tt.smallest_dtype(np.array([0, 2 ** 40]))


def _published():
    return tt.PublishedAccuracy(metric="accuracy_percent", source="results/x.json at abc123",
                                description="made up", rows=[
                                    tt.PublishedRow("w=exact:q7;d=exact:qnone", "QT wb=8 db=8", 69.62400054931641),
                                    tt.PublishedRow("", "QT wb=2 (not expressible)", 93.32),
                                    tt.PublishedRow("w=hese:g8:k12:qnone;d=hese:g1:k3:qnone", "TR k=12 s=3", 69.5)])


def test_published_accuracy_round_trip(tmp_path):
    t = make_trace()
    t.published_accuracy = _published()
    path = str(tmp_path / "pub.h5")
    tt.write_trace(path, t)
    back = tt.read_trace(path).published_accuracy
    assert back == _published()  # every value exactly, float64
    assert back.find("w=exact:q7;d=exact:qnone") == 69.62400054931641
    assert back.find("") is None and back.find("w=exact:q6;d=exact:qnone") is None


@pytest.mark.parametrize("edit, message", [
    (lambda g: g.attrs.__delitem__("source"), "missing attribute 'source'"),
    (lambda g: g.attrs.__setitem__("metric", " "), "attribute 'metric' must not be empty"),
    (lambda g: g.__delitem__("value"), "missing dataset 'value'"),
    (lambda g: (g.__delitem__("value"), g.create_dataset("value", data=np.array([1.0, np.nan, 2.0]))),
     "'value' must hold finite floats"),
    (lambda g: (g.__delitem__("setting"), g.create_dataset("setting", data=np.array(["a", "b"], dtype=object),
                                                           dtype=h5py.string_dtype())), "differ in length"),
    (lambda g: (g.__delitem__("key"), g.create_dataset("key", data=np.array(["k", "", "k"], dtype=object),
                                                       dtype=h5py.string_dtype())), "'key' repeats ['k']"),
])
def test_published_accuracy_malformed(tmp_path, edit, message):
    t = make_trace()
    t.published_accuracy = _published()
    path = str(tmp_path / "pub.h5")
    tt.write_trace(path, t)
    with h5py.File(path, "r+") as f:
        edit(f["published_accuracy"])
    problems = tt.check_file(path)
    assert any(message in p and "/published_accuracy" in p for p in problems), problems
