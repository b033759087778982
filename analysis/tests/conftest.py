"""Fixtures: small synthetic trsim files in the exact layouts (see synth.py)."""
import shutil

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from . import synth  # noqa: E402

SWEPT = ["trace", "pe.kind", "operands.weights.budget", "operands.data.budget"]
W_BUDGETS = ["4", "8", "none"]  # none counts as 16 terms in synth_layers
D_BUDGETS = ["2", "3"]


def accuracy(kind, w, d):
    if kind == "mac":
        return 0.9
    w = 16 if w == "none" else int(w)
    return 0.9 - 0.5 / (w * int(d))


def sweep_points():
    """netA (accuracy known): 6 TR points and 1 MAC point; netB (no accuracy): same grid; one failed
    point at the end. Point order: netA tr (w, d) for d in D for w in W, netA mac, netB ..., failed."""
    pts = []
    for net, with_acc in (("netA", True), ("netB", False)):
        trace = f"/x/traces/{net}.h5"
        for d in D_BUDGETS:
            for w in W_BUDGETS:
                pts.append({"network": net, "accuracy": accuracy("tr", w, d) if with_acc else None,
                            "overrides": {"trace": trace, "pe.kind": "tr", "operands.weights.budget": w,
                                          "operands.data.budget": d}})
        pts.append({"network": net, "accuracy": 0.9 if with_acc else None,
                    "overrides": {"trace": trace, "pe.kind": "mac", "operands.weights.budget": "12",
                                  "operands.data.budget": "3"}})
    pts.append({"status": "failed", "error": "operands.data.bits = 4 too narrow for trace",
                "overrides": {"trace": "/x/traces/netA.h5", "pe.kind": "tr", "operands.weights.budget": "2",
                              "operands.data.budget": "1"}})
    return pts


@pytest.fixture(scope="session")
def sweep_file(tmp_path_factory):
    """Read-only: shared by the tests (written once)."""
    return str(synth.write_sweep(tmp_path_factory.mktemp("sweep") / "sweep.h5", sweep_points(), SWEPT))


@pytest.fixture
def sweep_copy(sweep_file, tmp_path):
    """A copy of the sweep that a test may change."""
    dst = tmp_path / "sweep.h5"
    shutil.copyfile(sweep_file, dst)
    return str(dst)


@pytest.fixture
def run_file(tmp_path):
    util = {n: synth.synth_pe_util(4, 6, i) for i, n in enumerate(["fc1", "fc2", "fc3"])}
    return str(synth.write_run(tmp_path / "run.h5", network="netA", pe_util=util))


@pytest.fixture
def run_file_no_util(tmp_path):
    return str(synth.write_run(tmp_path / "run_noutil.h5", network="netA"))


@pytest.fixture
def mac_run_file(tmp_path):
    return str(synth.write_run(tmp_path / "mac.h5", network="netA", overrides={"pe.kind": "mac"}))
