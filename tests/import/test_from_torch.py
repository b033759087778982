"""`trsim trace from-torch` end to end, on networks written as a user writes MODEL.py (trained here in
seconds on a Fashion-MNIST subset): batch norm, residual adds, depthwise-separable blocks, max and average
pooling, squeeze-and-excitation, concatenation, linear heads. Checks: the trace is valid and trsim runs it
(checking every layer against its functional reference), int8 accuracy within 2 points of float, a TR
setting scored on demand equals the scorer's value, and the scorer's layer outputs equal trsim's saved ones;
unsupported ops are named with nothing written; the four torchvision networks issue 20 builds import."""
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
TRSIM = os.environ.get("TRSIM_BIN", str(ROOT / "build" / "trsim"))
DEFAULT = str(ROOT / "configs" / "default.yaml")
sys.path.insert(0, str(ROOT / "traces"))
torch = pytest.importorskip("torch")
import tr_accuracy  # noqa: E402
import trsim_trace as tt  # noqa: E402
from trsim_trace import intmodel as im  # noqa: E402
from trsim_trace.setting import Setting  # noqa: E402

FASHION = Path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
pytestmark = [pytest.mark.skipif(not os.access(TRSIM, os.X_OK), reason=f"trsim not built ({TRSIM})")]
needs_fashion = pytest.mark.skipif(not FASHION.exists(), reason="needs dataset-fashion-mnist")

# A user's MODEL.py: data from the Debian package, a network, a short training run. {net} and {forward}
# are the network's layers and forward body, {extra} anything else, {epochs} the training epochs.
MODEL_PY = '''
import gzip, os
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

def _idx(name):
    with gzip.open(os.path.join("/usr/share/datasets/fashion-mnist", name), "rb") as f:
        raw = f.read()
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(raw[3])]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)

def _data(kind, n):
    x = torch.from_numpy(_idx(kind + "-images-idx3-ubyte.gz")[:n].astype(np.float32)[:, None] / 255.0)
    return x, torch.from_numpy(_idx(kind + "-labels-idx1-ubyte.gz")[:n].astype(np.int64))

{extra}

class Net(nn.Module):
    def __init__(self):
        super().__init__()
{net}

    def forward(self, x):
{forward}

def model():
    torch.manual_seed(0)
    torch.set_num_threads(1)   # small batches: one thread trains fastest on a shared machine
    x, y = _data("train", 4000)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=4e-3)
    for epoch in range({epochs}):
        net.train()
        for idx in torch.randperm(len(x)).split(64):
            loss = F.cross_entropy(net(x[idx]), y[idx])
            opt.zero_grad(); loss.backward(); opt.step()
    return net.eval()

def test_data():
    return _data("t10k", 2000)
'''

# Residual block with batch norm, depthwise-separable block, max pool, squeeze-and-excitation, concat,
# average pools, a linear head.
RICH_NET = '''
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.c1, self.b1 = nn.Conv2d(16, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16)
        self.c2, self.b2 = nn.Conv2d(16, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.dw = nn.Conv2d(16, 16, 3, 1, 1, groups=16, bias=False)
        self.dwbn = nn.BatchNorm2d(16)
        self.pw = nn.Conv2d(16, 24, 1, bias=False)
        self.pwbn = nn.BatchNorm2d(24)
        self.se1, self.se2 = nn.Conv2d(24, 8, 1), nn.Conv2d(8, 24, 1)
        self.side = nn.Conv2d(16, 8, 1)
        self.avg = nn.AvgPool2d(2, 1)
        self.fc1 = nn.Linear(32, 32)
        self.drop = nn.Dropout(0.2)
        self.fc2 = nn.Linear(32, 10)
'''
RICH_FORWARD = '''
        x = self.stem(x)
        x = F.relu(x + self.b2(self.c2(torch.relu(self.b1(self.c1(x))))))
        x = self.pool(x)
        y = F.relu6(self.dwbn(self.dw(x)))
        y = F.hardswish(self.pwbn(self.pw(y)))
        s = torch.sigmoid(self.se2(F.silu(self.se1(y.mean((2, 3), keepdim=True)))))
        y = y * s
        y = torch.cat([y, self.side(x)], dim=1)
        y = self.avg(y)
        y = F.adaptive_avg_pool2d(y, 1).flatten(1)
        return self.fc2(self.drop(F.relu(self.fc1(y))))
'''


def write_model(path, net=RICH_NET, forward=RICH_FORWARD, extra="", epochs=2):
    path.write_text(MODEL_PY.format(epochs=epochs, net=textwrap.indent(textwrap.dedent(net).strip("\n"), " " * 8),
                                    forward=textwrap.indent(textwrap.dedent(forward).strip("\n"), " " * 8),
                                    extra=extra))
    return path


def trsim(*args, timeout=900):
    return subprocess.run([TRSIM, *map(str, args)], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The rich network imported once (MODEL.py, trace, the command's result)."""
    if not FASHION.exists():
        pytest.skip("needs dataset-fashion-mnist")
    d = tmp_path_factory.mktemp("rich")
    model = write_model(d / "MODEL.py")
    trace = d / "rich.h5"
    r = trsim("trace", "from-torch", model, "-o", trace, "--samples", 3)
    return model, trace, r


@needs_fashion
def test_import_writes_a_valid_trace_with_the_graph_and_the_test_set(imported):
    _, trace, r = imported
    assert r.returncode == 0, r.stderr
    assert tt.check_file(str(trace)) == []
    t = tt.read_trace(str(trace))
    ops = {n["op"] for n in json.loads(t.model["graph"])}
    assert {"layer", "add", "mul", "maxpool", "avgpool", "avgpool2d", "concat", "flatten"} <= ops
    roles = {la.name: la.extra_attrs.get("role") for la in t.layers}
    assert roles["stem.0"] == "first" and roles["dw"] == "depthwise" and roles["se1"] == "se"
    assert roles["fc2"] == "classifier" and len(t.layers) == 10      # 8 convs (BN folded) + 2 fc
    assert t.model["test_inputs"].shape == (2000, 1, 28, 28) and t.model["test_inputs"].dtype == np.uint8
    assert t.layers[0].inputs.shape == (3, 1, 28, 28)
    assert t.float_metric > 0.6
    assert abs(t.int8_metric - t.float_metric) <= 0.02, (t.float_metric, t.int8_metric)   # within 2 points
    assert f"int8 {t.int8_metric:.4f}" in r.stdout


@needs_fashion
def test_run_is_bit_exact_scores_tr_on_demand_and_equals_the_scorer_layer_by_layer(imported, tmp_path):
    _, trace, _ = imported
    key = "w=hese:g8:k8:qnone;d=hese:g1:k2:qnone"
    out = tmp_path / "out.h5"
    r = trsim("run", DEFAULT, "-o", out, "--set", f"trace={trace}", "--set", "operands.weights.budget=8",
              "--set", "operands.data.budget=2", "--set", "outputs.save_layer_outputs=true")
    assert r.returncode == 0, r.stderr                     # every layer checked against its reference
    assert "scoring the accuracy of " + key in r.stderr
    t = tt.read_trace(str(trace))
    setting = Setting.parse(key)
    with h5py.File(out) as f:
        acc = float(f["run/accuracy"][()])
        assert acc == im.Scorer(t, setting).evaluate()    # what the scorer gives, recomputed here
        for la in t.layers:
            ops = im.LayerOps(la, setting)
            q = np.asarray(la.inputs).astype(np.float64)
            ours = ops.integer_output(q.reshape(q.shape[0], -1) if la.type == "fc" else q)
            saved = f["layers"][la.name]["output"][()]
            np.testing.assert_array_equal(saved, ours, err_msg=la.name)
            rules = tr_accuracy.LayerRules(la, setting)    # and the numpy oracle
            qi = np.asarray(la.inputs).astype(np.int64)
            oracle = rules.gemm(qi.reshape(qi.shape[0], -1)) if la.type == "fc" else rules.conv(qi, la)
            np.testing.assert_array_equal(saved, oracle, err_msg=la.name)
    # the fast scorer's logits are the oracle's on the imported graph too (maxpool, concat, avgpool2d, ...)
    x, _ = im.eval_data(t)
    np.testing.assert_array_equal(im.Scorer(t, setting).logits(x[:64]), tr_accuracy.graph_logits(t, x[:64], setting))
    assert Path(str(trace) + ".scores.tsv").exists()


UNSUPPORTED = [
    ("gelu", RICH_NET, RICH_FORWARD.replace("F.relu(self.fc1(y))", "F.gelu(self.fc1(y))"), "",
     "node 'gelu' (call_function torch._C._nn.gelu): not supported by trsim's integer model"),
    ("lstm", "        self.rnn = nn.LSTM(28, 16, batch_first=True)\n        self.fc = nn.Linear(16, 10)\n",
     "        return self.fc(self.rnn(x)[0][:, -1])\n",
     "def calibration_data():\n    return _data('train', 64)[0][:, 0]   # [B, 28 steps, 28 features]",
     "node 'rnn' (call_module rnn): nn.LSTM: recurrent layers are not imported"),
    ("bn_first", RICH_NET + "        self.inbn = nn.BatchNorm2d(1)\n", RICH_FORWARD.replace("x = self.stem(x)",
                                                                                          "x = self.stem(self.inbn(x))"),
     "", "node 'inbn' (call_module inbn): batch norm can only be folded"),
    ("scalar", RICH_NET, RICH_FORWARD.replace("y = self.avg(y)", "y = self.avg(y) * 2.0"), "",
     "is a constant; trsim's graph ops take tensors only"),
    ("raises", RICH_NET, RICH_FORWARD, "raise RuntimeError('no weights here')",
     "importing it raised RuntimeError: no weights here"),
]


@needs_fashion
@pytest.mark.parametrize("name,net,forward,extra,message", UNSUPPORTED, ids=[u[0] for u in UNSUPPORTED])
def test_unsupported_ops_are_named_and_nothing_is_written(name, net, forward, extra, message, tmp_path):
    model = write_model(tmp_path / "MODEL.py", net, forward, extra, epochs=0)   # refused before weights matter
    before = sorted(os.listdir(tmp_path))
    r = trsim("trace", "from-torch", model, "-o", tmp_path / "t.h5")
    assert r.returncode == 1, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if not ln.startswith("from-torch: traced")]
    assert len(lines) == 1 and message in lines[0] and str(model) in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(os.listdir(tmp_path)) == before          # no trace, no temporary file


def test_usage_and_output_errors(tmp_path):
    model = tmp_path / "MODEL.py"
    model.write_text("def model():\n    return 3\n")
    r = trsim("trace", "from-torch", model, "-o", tmp_path / "t.h5")
    assert r.returncode == 1 and "model() returned a int, not a torch.nn.Module" in r.stderr
    assert trsim("trace", "from-torch", model).returncode == 2
    assert trsim("trace", "from-torch", model, "-o", tmp_path / "t.h5", "--seed", 2).returncode == 2
    r = trsim("trace", "from-torch", model, "-o", model)
    assert r.returncode == 4 and model.read_text().startswith("def model")
    r = trsim("trace", "from-torch", model, "-o", tmp_path / "missing" / "t.h5")
    assert r.returncode == 4


TORCHVISION = ["resnet18", "vgg16_bn", "mobilenet_v2", "efficientnet_b0"]


@pytest.mark.parametrize("name", TORCHVISION)
def test_torchvision_networks_import_without_a_test_set(name, tmp_path):
    """Issue 20 builds the paper's networks from torchvision's definitions, randomly initialised, without a
    test set: they trace and import (at 32x32 here), and trsim runs the result."""
    torchvision = pytest.importorskip("torchvision")
    from trsim_trace.torch_import import import_module
    torch.manual_seed(0)
    net = getattr(torchvision.models, name)(weights=None)
    trace = import_module(net, torch.rand(6, 3, 32, 32), samples=1, network=name, source="synthetic")
    assert trace.metric is None and trace.int8_metric is None and "test_inputs" not in trace.model
    counts = {"resnet18": 21, "vgg16_bn": 16, "mobilenet_v2": 53, "efficientnet_b0": 82}
    assert len(trace.layers) == counts[name]
    assert tt.check_trace(trace) == []
    if name in ("resnet18", "mobilenet_v2"):
        path = tmp_path / f"{name}.h5"
        tt.write_trace(str(path), trace)
        r = trsim("run", DEFAULT, "-o", tmp_path / "o.h5", "--set", f"trace={path}", "--set", "simulation.progress=false")
        assert r.returncode == 0, r.stderr
        with h5py.File(tmp_path / "o.h5") as f:
            assert math.isnan(float(f["run/accuracy"][()]))
            assert "has no metric" in f["run/accuracy"].attrs["description"]
