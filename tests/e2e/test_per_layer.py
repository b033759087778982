"""per_layer end to end: a run's layers compute with their own operands (each layer's output equals the
scorer's independent layer arithmetic under that layer's setting, and its cycles the uniform run's of that
setting), the results record each layer's setting, the SCALE-Sim report names it, sweeps vary it, trsim's
accuracy key is the Python scorer's, and the issue's case: the ResNet-style network with an exact-weight
stem and 8x2 elsewhere scores at least 10 points above uniform 8x2."""
import csv
import math
import subprocess
import sys

import h5py
import numpy as np
import pytest

from e2e_paths import ROOT, TRSIM, DEFAULT, BUNDLED, requires_trsim
sys.path.insert(0, str(ROOT / "traces"))
import tr_accuracy  # noqa: E402
import trsim_trace as tt  # noqa: E402
from trsim_trace.setting import Operand, Setting, settings_key  # noqa: E402

pytestmark = requires_trsim
RESNET = BUNDLED / "resnet_fashion_mnist.h5"
TR82 = ["operands.weights.budget=8", "operands.data.budget=2"]
# Each layer's setting by hand: stem exact weights with data QT to 6 bits, b3_* 16x3, fc NAF weights in
# groups of 4 with 6 terms (the later entry wins over b3_*'s for b3_proj: 12 terms), the rest 8x2.
PER_LAYER = ("per_layer=[{layers: first, set: {operands.weights.budget: none, operands.data.quantize_bits: 6}},"
             " {layers: 'b3_*', set: {operands.weights.budget: 16, operands.data.budget: 3}},"
             " {layers: 'b3_proj', set: {operands.weights.budget: 12}},"
             " {layers: last, set: {operands.weights.encoding: naf, operands.weights.group_size: 4,"
             " operands.weights.budget: 6}}]")
FIXED_OUTPUTS = "operands.outputs.precision=8"
HESE82 = Setting(Operand("hese", 8, 8), Operand("hese", 1, 2))
BY_HAND = {
    "stem": Setting(Operand("hese", 8, None), Operand("hese", 1, 2, 6)),
    "b3_conv1": Setting(Operand("hese", 8, 16), Operand("hese", 1, 3)),
    "b3_conv2": Setting(Operand("hese", 8, 16), Operand("hese", 1, 3)),
    "b3_proj": Setting(Operand("hese", 8, 12), Operand("hese", 1, 3)),
    "fc": Setting(Operand("naf", 4, 6), Operand("hese", 1, 2)),
}


def run(out, *sets, args=()):
    cmd = [TRSIM, "run", DEFAULT, "-o", str(out), "--set", f"trace={RESNET}", "--set", "simulation.progress=false",
           "--set", "accuracy.score=cached", *args]
    for s in sets:
        cmd += ["--set", s]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return r


def setting_sets(s):
    out = []
    for name, op in (("weights", s.weights), ("data", s.data)):
        out += [f"operands.{name}.encoding={op.encoding}", f"operands.{name}.group_size={op.group_size}",
                f"operands.{name}.budget={'none' if op.budget is None else op.budget}",
                f"operands.{name}.quantize_bits={'none' if op.quantize_bits is None else op.quantize_bits}"]
    return out


def test_each_layer_runs_its_own_operands(tmp_path):
    trace = tt.read_trace(str(RESNET))
    settings = {la.name: BY_HAND.get(la.name, HESE82) for la in trace.layers}
    out = tmp_path / "p.h5"
    # Outputs at one fixed width: with next_layer (the default) a layer's outputs leave at its successor's
    # width, the one thing that crosses layers (test_outputs_leave_at_the_width_the_next_layers_own_setting_reads).
    run(out, *TR82, FIXED_OUTPUTS, "outputs.save_layer_outputs=true", PER_LAYER,
        args=["--report-csv", str(tmp_path / "rep")])
    with h5py.File(out) as f:
        for la in trace.layers:
            s = settings[la.name]
            g = f["layers"][la.name]
            # the scorer's own layer arithmetic (numpy, independent of trsim's C++) under the layer's setting
            rules = tr_accuracy.LayerRules(la, s)
            q = np.asarray(la.inputs).astype(np.int64)
            want = rules.gemm(q.reshape(q.shape[0], -1)) if la.type == "fc" else rules.conv(q, la)
            np.testing.assert_array_equal(g["output"][()], want, err_msg=la.name)
            # what the results record of the layer's setting
            wb = g["weight_budget"][()]
            assert math.isnan(wb) if s.weights.budget is None else wb == s.weights.budget
            assert g["weight_group_size"][()] == s.weights.group_size
            dq = g["data_quantize_bits"][()]
            assert (math.isnan(dq) and s.data.quantize_bits is None) or dq == s.data.quantize_bits
            assert f"encoding: {s.weights.encoding}" in g.attrs["operands"]
        summary_budgets = list(f["summary/weight_budget"][()])
        per_layer_cycles = dict(zip([x.decode() for x in f["summary/layer"][()]], f["summary/cycles"][()]))
    assert math.isnan(summary_budgets[0]) and summary_budgets[1:3] == [8, 8]
    # a layer's cycles are those of a uniform run with its setting: nothing else crosses layers
    for i, s in enumerate({s.key(): s for s in settings.values()}.values()):
        uni = tmp_path / f"u{i}.h5"
        run(uni, FIXED_OUTPUTS, *setting_sets(s))
        with h5py.File(uni) as f:
            uniform_cycles = dict(zip([x.decode() for x in f["summary/layer"][()]], f["summary/cycles"][()]))
        for name, layer_setting in settings.items():
            if layer_setting.key() == s.key():
                assert per_layer_cycles[name] == uniform_cycles[name], (name, s.key())
    # the SCALE-Sim compute report names each layer's setting in its own last column
    with open(tmp_path / "rep" / "COMPUTE_REPORT.csv") as f:
        rows = [[c.strip() for c in r] for r in csv.reader(f)]
    assert rows[0][-2] == "Layer Setting" and rows[1][-2] == "w=hese:g8:knone:qnone;d=hese:g1:k2:q6"
    assert rows[-1][-2] == "w=naf:g4:k6:qnone;d=hese:g1:k2:qnone"


def test_trsims_accuracy_key_is_the_python_scorers(tmp_path):
    trace = tt.read_trace(str(RESNET))
    settings = {la.name: BY_HAND.get(la.name, HESE82) for la in trace.layers}
    r = run(tmp_path / "k.h5", *TR82, PER_LAYER, "simulation.progress=true")
    key = settings_key(settings, trace)
    assert f"setting {key} not scored yet" in r.stderr, r.stderr


def test_an_exact_stem_scores_ten_points_above_uniform_8x2(tmp_path):
    """The issue's "Done when": the scores are the bundled trace's cache (traces/score.py, full test set)."""
    run(tmp_path / "u.h5", *TR82)
    run(tmp_path / "s.h5", *TR82, "per_layer=[{layers: stem, set: {operands.weights.budget: none}}]")
    with h5py.File(tmp_path / "u.h5") as u, h5py.File(tmp_path / "s.h5") as s:
        uniform, stem = float(u["run/accuracy"][()]), float(s["run/accuracy"][()])
        assert s["layers/stem/weight_budget"][()] != s["layers/stem/weight_budget"][()]  # NaN: every term
        assert s["layers/b1_conv1/weight_budget"][()] == 8
        # only the stem's cycles change
        assert float(s["layers/stem/cycles"][()]) > float(u["layers/stem/cycles"][()])
        assert float(s["layers/fc/cycles"][()]) == float(u["layers/fc/cycles"][()])
    assert stem >= uniform + 0.10, (stem, uniform)


def test_sweeps_vary_per_layer(tmp_path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"base: {DEFAULT}\nset:\n  trace: {RESNET}\n  simulation.progress: false\n"
                     "  accuracy.score: cached\n  operands.weights.budget: 8\n  operands.data.budget: 2\n"
                     "sweep:\n  product:\n    per_layer: [[], [{layers: stem, set: {operands.weights.budget: none}}]]\n")
    out = tmp_path / "s.h5"
    r = subprocess.run([TRSIM, "sweep", str(sweep), "-o", str(out), "-j", "1"], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    with h5py.File(out) as f:
        params = [x.decode() for x in f["summary/params/per_layer"][()]]
        points = sorted(f["points"].values(), key=lambda g: int(g.attrs["index"]))
        stem = [float(g["layers/stem/weight_budget"][()]) for g in points]
        other = [float(g["layers/b1_conv1/weight_budget"][()]) for g in points]
    assert stem[0] == 8 and math.isnan(stem[1]) and other == [8, 8]
    assert params[0] == "[]" and "stem" in params[-1]


def test_bad_selections_are_named_errors(tmp_path):
    for layers, message in (("conv9", "per_layer[0].layers = 'conv9': no layer named 'conv9'"),
                            ("b9_*", "'b9_*' matches no layer"),
                            ("depthwise", "role 'depthwise' selects no layer"),
                            ("se", "role 'se' selects no layer")):
        r = subprocess.run([TRSIM, "run", DEFAULT, "-o", str(tmp_path / "x.h5"), "--set", f"trace={RESNET}",
                            "--set", f"per_layer=[{{layers: '{layers}', set: {{operands.weights.budget: 4}}}}]"],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 1 and message in r.stderr and DEFAULT in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "x.h5").exists()


def test_outputs_leave_at_the_width_the_next_layers_own_setting_reads(tmp_path):
    """operands.outputs.precision next_layer follows per_layer: QT of layer 1's data to 4 bits makes the stem
    write its outputs at 4 bits (8 without it), also when simulation.layers keeps only the stem; layer 1's
    own outputs stay at the uniform width."""
    mac = ["pe.kind=mac", "operands.weights.budget=none", "operands.data.budget=none",
           "operands.outputs.precision=next_layer"]
    qt4 = "per_layer=[{layers: '1:2', set: {operands.data.quantize_bits: 4}}]"

    def bits(out, layer):
        with h5py.File(out, "r") as f:
            return float(f["layers"][layer]["output_stored_bits"][()])

    run(tmp_path / "u.h5", *mac)
    run(tmp_path / "p.h5", *mac, qt4)
    run(tmp_path / "s.h5", *mac, qt4, "simulation.layers=stem")
    assert bits(tmp_path / "u.h5", "stem") == 8
    assert bits(tmp_path / "p.h5", "stem") == 4
    assert bits(tmp_path / "s.h5", "stem") == 4
    assert bits(tmp_path / "p.h5", "b1_conv1") == bits(tmp_path / "u.h5", "b1_conv1")
