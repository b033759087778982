"""Round 3's battery over the new features (docs/robustness.md, "Battery, round 3"): each defect it found,
as a case that fails without its fix. PyTorch import (NaN weights, labels outside the classes), the
per-layer search (-o an existing file, a binary search file), score.py over a sweep file (unreadable or
invalid YAML), the energy table's capacity entry (0 divides), analysis isoaccuracy's options (NaN)."""
import os
import subprocess
import sys

import pytest

from conftest import MLP, ROOT, digest, trsim

PY = "/usr/bin/python3"


def python(*args, cwd=None):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([PY, *map(str, args)], capture_output=True, text=True, timeout=600, env=env,
                          cwd=cwd or ROOT)


def one_line(r, prog, status):
    assert r.returncode == status, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith(prog)]
    assert len(lines) == 1, r.stderr
    return lines[0]


# ------------------------------------------------------------------------------------------- PyTorch import

@pytest.fixture(scope="module")
def tiny():
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(ROOT / "traces"))
    from trsim_trace.torch_import import TorchImportError, import_module

    def model():
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 8), torch.nn.ReLU(),
                                   torch.nn.Linear(8, 3)).eval()
    g = torch.Generator().manual_seed(1)
    x, y = torch.rand(32, 1, 4, 4, generator=g), torch.randint(0, 3, (32,), generator=g)
    return torch, model, x, y, import_module, TorchImportError


def test_import_refuses_nan_weights(tiny):
    torch, model, x, y, import_module, TorchImportError = tiny
    m = model()
    with torch.no_grad():
        m[1].weight[0, 0] = float("nan")
    with pytest.raises(TorchImportError, match=r"layer '.*': 1 of 128 weights .* are NaN or infinite"):
        import_module(m, x, (x, y))


def test_import_refuses_nan_inputs(tiny):
    torch, model, x, y, import_module, TorchImportError = tiny
    bad = x.clone()
    bad[0, 0, 0, 0] = float("inf")
    with pytest.raises(TorchImportError, match=r"calibration inputs: 1 of 512 values are NaN or infinite"):
        import_module(model(), bad, None)


def test_import_refuses_labels_outside_the_classes(tiny):
    torch, model, x, y, import_module, TorchImportError = tiny
    with pytest.raises(TorchImportError, match=r"test labels: 32 of 32 are outside the model's 3 classes"):
        import_module(model(), x, (x, y + 7))


# ------------------------------------------------------------------------------------------- per-layer search

SEARCH = """base: {base}
trace: {trace}
objective: cycles
tolerance: 0.5
reference: int8
candidates:
  int8: {{operands.weights.budget: none, operands.data.budget: none}}
  6x2:  {{operands.weights.budget: 6, operands.data.budget: 2}}
"""


def test_search_output_that_is_a_file_is_one_line(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(SEARCH.format(base=ROOT / "configs" / "default.yaml", trace=MLP))
    other = tmp_path / "notes.txt"
    other.write_text("mine\n")
    for out in (spec, other):
        before = digest(out)
        r = python("-m", "analysis", "search", spec, "-o", out)
        line = one_line(r, "analysis search: error:", 4)
        assert str(out) in line and ("not a directory" in line or "is the input" in line), line
        assert digest(out) == before


def test_binary_search_file_is_one_line(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_bytes(b"base: x\n\xd0\xcf\x11\xe0\xa1\xb1")
    r = python("-m", "analysis", "search", spec, "-o", tmp_path / "out")
    assert f"{spec}: not UTF-8 text" in one_line(r, "analysis search: error:", 1)


# ------------------------------------------------------------------------------------------- score.py sweep

@pytest.mark.parametrize("text,expect", [
    (None, "the sweep file cannot be read: No such file or directory"),
    ("base: [unclosed\n", "the sweep file is not valid YAML"),
    ("sweep: {product: {operands.weights.budget: [4]}}\n", "base: missing"),
])
def test_score_sweep_bad_sweep_file_is_one_line(tmp_path, text, expect):
    sweep = tmp_path / "s.yaml"
    if text is not None:
        sweep.write_text(text)
    r = python(ROOT / "traces" / "score.py", "sweep", sweep)
    line = one_line(r, "score.py:", 1)
    assert str(sweep) in line and expect in line, line


# ------------------------------------------------------------------------------------------- energy keys

def test_zero_capacity_is_refused(tmp_path):
    r = trsim("run", ROOT / "configs" / "default.yaml", "-o", tmp_path / "o.h5",
              "--set", "energy.sram_reference_capacity.value=0")
    assert r.returncode == 1, r.stdout + r.stderr  # it ran with every energy inf before
    assert "energy.sram_reference_capacity.value: 0 is out of range (a capacity must be > 0)" in r.stderr, r.stderr
    assert not (tmp_path / "o.h5").exists()


# ------------------------------------------------------------------------------------------- analysis options

@pytest.mark.parametrize("option", [["--tolerance", "nan"], ["--tolerance", "-1"], ["--test-size", "0"]])
def test_isoaccuracy_options_out_of_range(tmp_path, option):
    r = python("-m", "analysis", "isoaccuracy", tmp_path / "x.h5", "-o", tmp_path / "figs", *option)
    assert r.returncode == 2 and f"argument {option[0]}" in r.stderr and "out of range" in r.stderr, r.stderr


# ------------------------------------------------------------------------------------ per_layer in a sweep

def test_a_swept_per_layer_selection_that_picks_nothing_fails_before_any_point_runs(tmp_path):
    # S14 of the battery: the selection was checked only when its point ran (exit 5 after the other points).
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"base: {ROOT / 'configs' / 'default.yaml'}\n"
                     "set: {simulation.progress: false}\n"
                     "sweep:\n"
                     "  - product:\n"
                     "      per_layer: [[{layers: fc1, set: {operands.weights.budget: none}}],\n"
                     "                  [{layers: nosuch, set: {operands.weights.budget: none}}]]\n")
    out = tmp_path / "out.h5"
    r = trsim("sweep", sweep, "-o", out, "-j", "1")
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "sweep[0] point 1" in r.stderr and "no layer named 'nosuch'" in r.stderr, r.stderr
    assert "fc1, fc2, fc3" in r.stderr and str(MLP) in r.stderr, r.stderr
    assert not out.exists() and not (tmp_path / "out.h5.parts").exists()
    # The valid selection alone runs.
    sweep.write_text(sweep.read_text().replace(",\n                  [{layers: nosuch, set: {operands.weights.budget: none}}]", ""))
    r = trsim("sweep", sweep, "-o", out, "-j", "1")
    assert r.returncode == 0, r.stderr
