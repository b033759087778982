"""The paper traces (traces/make_paper.py, traces/paper.py): layer tables against torchvision's modules, the
authors' published values carried exactly with keys trsim computes for the sweep's configs, the sweep file
built from the same table, and the rule's term-pair ratios worked out by hand from the authors' numbers."""
import csv
import glob
import json
import math
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

import imagenet
import make_imagenet as mi
import make_paper
import paper
from trsim_trace import read_trace

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRSIM = os.environ.get("TRSIM_BIN", os.path.join(ROOT, "build", "trsim"))
DEFAULT = os.path.join(ROOT, "configs", "default.yaml")


# ----------------------------------------------------------------------------- layer tables vs torchvision

def _torchvision_layers(model, resolution=224):
    """(kind, c_in, c_out, k, stride, pad, groups, h_in) of every Conv2d / Linear in execution order."""
    import torch
    seen = []

    def hook(mod, inp, _out):
        x = inp[0]
        if isinstance(mod, torch.nn.Conv2d):
            seen.append(("conv", mod.in_channels, mod.out_channels, mod.kernel_size[0], mod.stride[0],
                         mod.padding[0], mod.groups, x.shape[-1]))
        else:
            seen.append(("fc", mod.in_features, mod.out_features, 1, 1, 0, 1, 1))
    for m in model.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            m.register_forward_hook(hook)
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, resolution, resolution))
    return seen


class _no_init:
    NAMES = ("kaiming_normal_", "kaiming_uniform_", "normal_", "uniform_", "constant_", "zeros_", "ones_",
             "trunc_normal_")

    def __init__(self, torch):
        self.init = torch.nn.init

    def __enter__(self):
        self.saved = {n: getattr(self.init, n) for n in self.NAMES if hasattr(self.init, n)}
        for n in self.saved:
            setattr(self.init, n, lambda t, *a, **k: t)

    def __exit__(self, *exc):
        for n, f in self.saved.items():
            setattr(self.init, n, f)


# VGG-16 at 32 x 32 (its 224 x 224 forward pass costs 15 GMACs of CPU): the table is built for any
# resolution by the same code, and test_imagenet.py checks its 224 x 224 MAC count against torchvision's.
@pytest.mark.parametrize("name, table, resolution", [("resnet18", "resnet18", 224), ("vgg16_bn", "vgg16", 32),
                                                     ("mobilenet_v2", "mobilenet_v2", 224),
                                                     ("efficientnet_b0", "efficientnet_b0", 224)])
def test_layer_tables_equal_torchvision_modules(name, table, resolution):
    torchvision = pytest.importorskip("torchvision")
    import torch
    torch.manual_seed(0)
    got = [(s.type, s.c_in, s.c_out, s.k, s.stride, s.pad, s.groups, s.h_in)
           for s in imagenet.layers(table, resolution)]
    with _no_init(torch):  # shapes only: skip initializing millions of weights
        model = getattr(torchvision.models, name)(weights=None)
    for prm in list(model.parameters()) + list(model.buffers()):
        prm.data.zero_()  # not garbage (denormals would make the forward pass crawl)
    want = _torchvision_layers(model, resolution)
    assert got == want


# ----------------------------------------------------------------------------- the authors' numbers

def test_published_values_are_the_authors_files_exactly():
    """Every value of paper.py against the results files when the authors' repository is at hand (it is not
    part of trsim; the test says so and skips otherwise)."""
    repo = os.environ.get("TERM_QUANTIZATION_REPO", "")
    if not repo or not os.path.isdir(repo):
        pytest.skip("set TERM_QUANTIZATION_REPO to a clone of BradMcDanel/term-quantization to check paper.py against it")

    def load(f):
        return json.loads(subprocess.check_output(["git", "-C", repo, "show", f"{paper.AUTHORS_COMMIT}:{f}"]))
    for net in paper.NETWORKS.values():
        got = {}
        for s in net.settings:
            f, lst = s.source.split(" ")
            got.setdefault((f, lst), []).append(s.value)
        for (f, lst), values in got.items():
            d = load(f)
            want = d[lst]["accs"] if lst.startswith(("quant", "tr-data")) else d[lst]
            assert values == want, (net.name, f, lst)


def test_every_setting_maps_to_trsim_and_back():
    for net in paper.NETWORKS.values():
        for s in net.settings:
            o = s.trsim_overrides()
            assert o["operands.weights.quantize_bits"] == s.wb - 1 and o["operands.data.quantize_bits"] == s.db
            if s.family == "tr":
                assert (o["operands.weights.group_size"], o["operands.weights.budget"],
                        o["operands.data.budget"]) == (s.g, s.k, s.s)
    # the one setting trsim cannot express: the MLP's 2-bit QT (1 magnitude bit)
    bad = [(n, s.label) for n, net in paper.NETWORKS.items() for s in net.settings if not s.expressible]
    assert bad == [("mlp_mnist", "QT wb=2 db=6")]


def _rule(net):
    """The stated rule on the authors' numbers alone (independently of analysis/paper.py)."""
    ref = [s for s in net.settings if s.family == "qt" and (s.wb, s.db) == net.reference][0].value
    thr = ref - net.tolerance if net.higher_is_better else ref * (1 + net.tolerance / 100)
    ok = [s for s in net.settings if s.expressible and (s.value >= thr if net.higher_is_better else s.value <= thr)]
    qt = min((s for s in ok if s.family == "qt"), key=lambda s: s.term_pairs_per_mac)
    tr = min((s for s in ok if s.family == "tr"), key=lambda s: s.term_pairs_per_mac)
    return qt, tr


def _rule_short(net):
    qt, tr = _rule(net)
    return qt.short, tr.short, qt.term_pairs_per_mac / tr.term_pairs_per_mac


def test_term_pair_ratios_by_hand():
    # worked out in docs/paper.md from the authors' tables: QT wb x db over TR k x s / g
    want = {"resnet18": ("QT8", "TR 12x3/g8", 64 / 4.5), "vgg16_bn": ("QT7", "TR 10x2/g8", 56 / 2.5),
            "mobilenet_v2": ("QT8", "TR 20x3/g8", 72 / 7.5), "efficientnet_b0": ("QT7", "TR 16x3/g8", 63 / 6),
            "mlp_mnist": ("QT3", "TR 8x6/g16", 18 / 3), "lstm_wikitext2": ("QT6", "TR 8x8/g8", 48 / 8)}
    for name, net in paper.NETWORKS.items():
        qt, tr, ratio = _rule_short(net)
        assert (qt, tr) == want[name][:2], name
        assert ratio == pytest.approx(want[name][2]), name


# docs/results/<date>-paper_table.csv: what `analysis paper` wrote from a full run of the three commands
PAPER_TABLES = sorted(glob.glob(os.path.join(ROOT, "docs", "results", "*paper_table.csv")))


@pytest.mark.skipif(not PAPER_TABLES, reason="no recorded paper_table.csv under docs/results")
@pytest.mark.parametrize("path", PAPER_TABLES, ids=[os.path.basename(p) for p in PAPER_TABLES])
def test_recorded_paper_table_follows_the_rule(path):
    """Each recorded table has the six rows, and its settings, accuracies and term-pair ratios are the rule's on
    the authors' numbers (worked out here without analysis/paper.py)."""
    with open(path, newline="") as fh:
        rows = {r["network"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {net.row for net in paper.NETWORKS.values()}
    for net in paper.NETWORKS.values():
        r = rows[net.row]
        qt, tr = _rule(net)
        assert r["qt_setting"] == f"QT wb={qt.wb} db={qt.db}", net.row
        assert r["tr_setting"] == f"TR {tr.k}x{tr.s}/g{tr.g}", net.row
        assert float(r["qt_accuracy"]) == pytest.approx(qt.value, rel=1e-5), net.row
        assert float(r["tr_accuracy"]) == pytest.approx(tr.value, rel=1e-5), net.row
        assert float(r["term_pair_ratio"]) == pytest.approx(qt.term_pairs_per_mac / tr.term_pairs_per_mac,
                                                            rel=1e-5), net.row
        for col in ("latency_ratio", "energy_ratio", "on_chip_energy_ratio"):
            assert math.isfinite(float(r[col])) and float(r[col]) > 0, (net.row, col)


def test_sweep_file_is_the_table():
    yaml = pytest.importorskip("yaml")
    with open(os.path.join(ROOT, "configs", "sweeps", "paper.yaml")) as fh:
        doc = yaml.safe_load(fh)
    z = doc["sweep"]["zip"]
    n = len(z["trace"])
    got = [{k: z[k][i] for k in z} for i in range(n)]
    want = paper.sweep_points()
    assert n == len(want) == 87
    for g, w in zip(got, want):
        assert set(g) == set(w)
        for k in w:
            assert (None if g[k] in (None, "none") else g[k]) == w[k], (k, g, w)
    assert (doc["set"]["array.rows"], doc["set"]["array.cols"]) == (64, 128)


# ----------------------------------------------------------------------------- traces, small and through trsim

@pytest.fixture(scope="module")
def fit():
    return mi.fit_statistics()


def _small(name, fit):
    if name in make_paper.IMAGENET_TABLE:
        return make_paper.make_trace(name, fit, resolution=32, width=0.125)
    return make_paper.make_trace(name, fit, width=0.05, lstm_steps=4)


@pytest.mark.parametrize("name", list(paper.NETWORKS))
def test_small_trace_carries_every_published_row(name, fit, tmp_path):
    t = _small(name, fit)
    path = str(tmp_path / f"{name}.h5")
    from trsim_trace import write_trace
    write_trace(path, t)
    back = read_trace(path)
    net = paper.NETWORKS[name]
    pub = back.published_accuracy
    assert [r.value for r in pub.rows] == [s.value for s in net.settings]
    assert [r.setting for r in pub.rows] == [s.label for s in net.settings]
    assert pub.metric == net.metric and paper.AUTHORS_COMMIT in pub.source
    assert "SYNTHETIC" in back.description and back.source == "synthetic"
    assert all(int(np.abs(la.weights).max()) <= 255 and la.w_bits == 8 for la in back.layers)
    assert max(int(np.abs(la.weights).max()) for la in back.layers) > 127  # 8 magnitude bits used


def test_full_scale_shapes_and_rows_per_layer():
    """M per layer as the authors' profile counted: MLP batch 1, LSTM 350 rows (35 steps x 10)."""
    fit = mi.fit_statistics()
    mlp = make_paper.mlp_layers(fit, 1)
    assert [(la.weights.shape, la.inputs.shape) for la in mlp] == [((512, 784), (1, 784)), ((512, 512), (1, 512)),
                                                                 ((10, 512), (1, 512))]
    assert paper.LSTM_BPTT * paper.LSTM_BATCH == 350
    # the decoder's MACs times 8 x 9 term pairs is the authors' tmacs of their wb = 9 LSTM row (lstm-quant.json)
    assert 350 * 650 * 33278 * 9 * 8 == pytest.approx(545093648384.0, rel=1e-6)


@pytest.mark.skipif(not os.access(TRSIM, os.X_OK), reason=f"trsim binary not built ({TRSIM})")
@pytest.mark.parametrize("name", ["resnet18", "mlp_mnist", "lstm_wikitext2"])
def test_trsim_reports_the_published_value_of_each_sweep_setting(name, fit, tmp_path):
    """C++ and Python agree on every key: trsim run with the sweep's overrides reports the published value;
    a setting of nobody's table reports NaN and says why."""
    from trsim_trace import write_trace
    path = str(tmp_path / f"{name}.h5")
    write_trace(path, _small(name, fit))
    net = paper.NETWORKS[name]
    cases = [(s.trsim_overrides(), s.value) for s in net.settings if s.expressible]
    cases = [cases[0], cases[len(cases) // 2 - 1], cases[-1]]  # a QT, the widest QT or a TR, the last TR
    cases.append(({"pe.kind": "tr", "operands.weights.budget": 5, "operands.data.budget": 1}, math.nan))
    for i, (over, want) in enumerate(cases):
        out = tmp_path / f"r{i}.h5"
        args = [TRSIM, "run", DEFAULT, "-o", str(out), "--set", f"trace={path}", "--set", "simulation.progress=false",
                "--set", "array.rows=8", "--set", "array.cols=8"]
        for k, v in over.items():
            args += ["--set", f"{k}={'none' if v is None else v}"]
        r = subprocess.run(args, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        with h5py.File(out) as f:
            got = float(f["run/accuracy"][()])
            desc = f["run/accuracy"].attrs["description"]
            unit = f["run/accuracy"].attrs["unit"]
        unit = unit.decode() if isinstance(unit, bytes) else unit
        assert unit == net.metric
        if math.isnan(want):
            assert math.isnan(got) and "none of the" in str(desc), desc
        else:
            assert got == want, (over, desc)
