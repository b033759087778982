"""Bad traces: declared sizes that overflow or exceed memory, conv arithmetic that
overflows, unreadable paths, malformed optional tables. Each ends with exit status 1
and a message naming the file, the layer and the dataset; the Python validator says
INVALID instead of dying with a traceback."""
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import ROOT, trsim


def _huge_weights(path, shape):
    with h5py.File(path, "a") as f:
        g = f["layers/fc1"]
        del g["weights"]
        # Chunked and never written: HDF5 stores no data, so any declared size is cheap to make.
        g.create_dataset("weights", shape=shape, dtype="int8", chunks=(1, 8), maxshape=(None, None))


def _conv_padding(path, padding):
    with h5py.File(path, "a") as f:
        f["layers/conv1"].attrs["padding"] = np.int64(padding)


def _bad_accuracy_column(path):
    with h5py.File(path, "a") as f:
        del f["tr_accuracy/w_budget"]
        f["tr_accuracy"].create_dataset("w_budget", data=np.array([b"x"] * 39))


def _published_group(path, value=(69.5,), drop=None):
    with h5py.File(path, "a") as f:
        g = f.create_group("published_accuracy")
        g.attrs["metric"] = "accuracy_percent"
        g.attrs["source"] = "their results.json"
        g.attrs["description"] = "made up"
        g.create_dataset("key", data=np.array(["w=exact:q7;d=exact:qnone"], dtype=object), dtype=h5py.string_dtype())
        g.create_dataset("setting", data=np.array(["QT wb=8"], dtype=object), dtype=h5py.string_dtype())
        g.create_dataset("value", data=np.array(value, dtype=np.float64))
        if drop:
            del g[drop]


CASES = [
    ("weights [2^62, 8]", "mlp", lambda p: _huge_weights(p, (2**62, 8)),
     ["layer 'fc1': dataset 'weights'", "more than 2^63 elements"]),
    ("weights [2^20, 2^20]", "mlp", lambda p: _huge_weights(p, (2**20, 2**20)),
     ["layer 'fc1': dataset 'weights'", "1099511627776 elements", "memory limit"]),
    ("padding 2^31-1", "cnn", lambda p: _conv_padding(p, 2**31 - 1),
     ["layer 'conv1'", "lowered input matrix", "padding 2147483647", "memory limit"]),
    ("padding 2^20", "cnn", lambda p: _conv_padding(p, 2**20),
     ["layer 'conv1'", "padding 1048576", "memory limit"]),
    ("malformed /tr_accuracy column", "cnn", _bad_accuracy_column,
     ["group '/tr_accuracy'", "dataset 'w_budget' must be a integer column, got string"]),
    ("/published_accuracy without its key column", "cnn", lambda p: _published_group(p, drop="key"),
     ["group '/published_accuracy'", "dataset 'key' missing (expected a 1-D string column)"]),
    ("/published_accuracy value NaN", "cnn", lambda p: _published_group(p, value=(float("nan"),)),
     ["group '/published_accuracy'", "row 0 (QT wb=8) is not finite"]),
    ("/published_accuracy columns of different lengths", "cnn", lambda p: _published_group(p, value=(1.0, 2.0)),
     ["group '/published_accuracy'", "columns differ in length"]),
]


@pytest.mark.parametrize("name,which,edit,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_trace_is_named(inputs, name, which, edit, expected):
    trace = inputs.mlp if which == "mlp" else inputs.cnn
    edit(trace)
    r = trsim("run", inputs.config, "-o", inputs.dir / "out.h5", "--set", f"trace={trace.name}")
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert r.stderr.startswith(f"trsim run: {trace}: "), r.stderr
    for fragment in expected:
        assert fragment in r.stderr, (fragment, r.stderr)
    assert not (inputs.dir / "out.h5").exists()


def test_python_validator_reports_huge_shapes(inputs):
    _huge_weights(inputs.mlp, (2**62, 8))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "traces"))
    r = subprocess.run([sys.executable, "-m", "trsim_trace", "validate", str(inputs.mlp)], capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode == 1, r.stderr
    assert "INVALID" in r.stderr and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("kind", ["symlink loop", "directory", "missing"])
def test_unreadable_trace_path_is_named(inputs, kind):
    target = inputs.dir / "t.h5"
    if kind == "symlink loop":
        target.symlink_to(target)
        expected = "cannot be accessed: Too many levels of symbolic links"
    elif kind == "directory":
        target.mkdir()
        expected = "is a directory"
    else:
        expected = "file not found"
    r = trsim("run", inputs.config, "-o", inputs.dir / "out.h5", "--set", "trace=t.h5")
    assert r.returncode == 1 and f"trace: '{target}': {expected}" in r.stderr, r.stderr
