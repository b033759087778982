"""The bundled graph traces (format 2): the ResNet-style and the MobileNet-style CNN with SE."""
import json
import os

import numpy as np
import pytest

import tr_accuracy as tra
import trsim_trace as tt

BUNDLED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bundled")
DATA = "/usr/share/datasets/fashion-mnist"
EXPECTED = {  # file: (layers, depthwise layers, graph ops that must appear)
    "resnet_fashion_mnist.h5": (11, 0, {"add"}),
    "mbv2se_fashion_mnist.h5": (17, 3, {"add", "mul", "avgpool"}),
}


@pytest.fixture(params=sorted(EXPECTED), scope="module")
def graph_trace(request):
    path = os.path.join(BUNDLED, request.param)
    return request.param, path, tt.read_trace(path)


def test_valid_small_version_2_with_accuracy_within_a_point_of_float(graph_trace):
    name, path, t = graph_trace
    assert tt.check_file(path) == [] and t.format_version == 2 and os.path.getsize(path) < 1_100_000
    assert t.source == "trained" and t.metric == "accuracy" and t.model["architecture"] == "graph"
    assert t.int8_metric > 0.84 and abs(t.float_metric - t.int8_metric) < 0.01


def test_structure_residuals_projections_depthwise_and_se(graph_trace):
    name, _, t = graph_trace
    n_layers, n_dw, ops = EXPECTED[name]
    nodes = json.loads(t.model["graph"])
    assert len(t.layers) == n_layers and ops <= {n["op"] for n in nodes}
    dw = [la for la in t.layers if la.type == "conv" and la.groups > 1 and la.groups == la.inputs.shape[1]]
    assert len(dw) == n_dw and all(la.extra_attrs["role"] == "depthwise" for la in dw)
    if name.startswith("resnet"):
        convs = [la for la in t.layers if la.type == "conv"]
        assert len(convs) >= 8 and any(la.extra_attrs["role"] == "projection" for la in convs)
        adds = [n for n in nodes if n["op"] == "add"]
        assert any(all(s.endswith("conv2") or s.endswith("_add") or s == "stem" for s in a["inputs"]) for a in adds)
    else:
        assert sum(la.extra_attrs["role"] == "se" for la in t.layers) == 6
        assert any(n["op"] == "layer" and n["signed"] for n in nodes)  # expand convs read linear bottlenecks


@pytest.mark.skipif(not os.path.isdir(DATA), reason="needs dataset-fashion-mnist")
def test_stored_inputs_are_the_int8_models_own(graph_trace):
    _, _, t = graph_trace
    x, _ = tra.load_eval_data(t)
    b = t.layers[0].inputs.shape[0]
    _, rec = tra.graph_logits(t, x[:b], record=b)
    for la in t.layers:
        np.testing.assert_array_equal(rec[la.name], la.inputs, err_msg=la.name)
