"""`trsim run` consumes every trace traces/ makes, end to end, and its layer outputs equal the Python TR
model's (traces/trsim_trace/tr.py) on the same trace: the C++ and Python functional rules agree on real
tensors (fc, conv with padding and stride, lstm gate GEMMs, depthwise convs)."""
import subprocess
import sys

import h5py
import numpy as np
import pytest

from e2e_paths import ROOT, TRSIM, DEFAULT, BUNDLED, requires_trsim
sys.path.insert(0, str(ROOT / "traces"))
import imagenet  # noqa: E402
import make_imagenet  # noqa: E402
import trsim_trace as tt  # noqa: E402
from trsim_trace.tr import Coding, conv_tr, gemm_tr  # noqa: E402

pytestmark = requires_trsim

# (weights, data) codings pinned on the command line, so the test does not depend on the default config
SETTINGS = {
    "tr_default": (Coding("hese", 8, 12), Coding("hese", 1, 3)),
    "tr_mixed": (Coding("booth4", 4, 5), Coding("naf", 8, 10)),
}


def sets_for(name):
    w, d = SETTINGS[name]
    out = []
    for op, c in (("weights", w), ("data", d)):
        out += [f"operands.{op}.encoding={c.encoding}", f"operands.{op}.group_size={c.group_size}",
                f"operands.{op}.budget={c.budget}", f"operands.{op}.bits=8"]
    return out


def run_trsim(trace, out, sets=()):
    args = [TRSIM, "run", DEFAULT, "-o", str(out), "--set", f"trace={trace}",
            "--set", "outputs.save_layer_outputs=true", "--set", "simulation.progress=false",
            "--set", "accuracy.score=cached"]  # layer outputs only: no scoring into the bundled caches
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"trsim run {trace} exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
    return r


def python_output(layer, w, d):
    if layer.type == "conv":
        return conv_tr(layer.inputs, layer.weights, layer.stride, layer.padding, layer.groups, data=d, weights=w)
    return gemm_tr(layer.inputs, layer.weights, data=d, weights=w)


BUNDLED_TRACES = sorted(p.name for p in BUNDLED.glob("*.h5"))


def test_every_trace_kind_is_bundled():
    assert {"mlp_fashion_mnist.h5", "cnn_fashion_mnist.h5", "lstm_kjv.h5",
            "resnet18_first5_synthetic.h5"} <= set(BUNDLED_TRACES)


@pytest.mark.parametrize("setting", sorted(SETTINGS))
@pytest.mark.parametrize("name", BUNDLED_TRACES)
def test_bundled_trace_runs_and_outputs_match_python_tr(name, setting, tmp_path):
    path = BUNDLED / name
    trace = tt.read_trace(str(path))
    out = tmp_path / "out.h5"
    r = run_trsim(path, out, sets_for(setting))
    assert "total" in r.stdout
    w, d = SETTINGS[setting]
    with h5py.File(out) as f:
        assert f.attrs["trace_network"] == trace.network and f.attrs["trace_source"] == trace.source
        assert list(f["layers"]) == [la.name for la in trace.layers]
        for la in trace.layers:
            got = f["layers"][la.name]["output"][()]
            np.testing.assert_array_equal(got, python_output(la, w, d), err_msg=f"{name} {la.name} {setting}")
            assert f["layers"][la.name]["cycles"][()] > 0


@pytest.fixture(scope="module")
def fit():
    return make_imagenet.fit_statistics()


@pytest.mark.parametrize("net", sorted(imagenet.NETWORKS))
def test_synthetic_imagenet_trace_runs(net, fit, tmp_path):
    """Every ImageNet network's layer kinds (depthwise, SE 1x1 on 1x1 inputs, signed inputs, fc) on a tiny scale."""
    trace = make_imagenet.make_trace(net, fit, seed=2, resolution=32, width=0.125)
    path = tmp_path / f"{net}.h5"
    tt.write_trace(str(path), trace)
    out = tmp_path / "out.h5"
    run_trsim(path, out)
    w, d = SETTINGS["tr_default"]
    with h5py.File(out) as f:
        assert list(f["layers"]) == [la.name for la in trace.layers]
        for la in trace.layers[:6] + trace.layers[-3:]:
            np.testing.assert_array_equal(f["layers"][la.name]["output"][()], python_output(la, w, d))
