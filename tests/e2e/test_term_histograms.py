"""Term histograms in the results file (sim/run/TermHistograms.hpp): checked against the
simulator's own counters and against the trace's values counted independently here (numpy
popcount, and the Python TR model's HESE term table)."""
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

from e2e_paths import ROOT, TRSIM, DEFAULT
sys.path.insert(0, str(ROOT / "traces"))
from trsim_trace.tr import term_count_table  # noqa: E402

NAMES = ["weight_terms_binary", "weight_terms_encoded", "weight_terms_kept", "data_terms_binary",
         "data_terms_encoded", "data_terms_kept", "weight_kept_exponents", "data_kept_exponents",
         "term_pairs_per_group"]


def run(tmp_path, trace, *sets):
    out = tmp_path / "out.h5"
    args = [TRSIM, "run", DEFAULT, "-o", str(out), "--set", f"trace=../traces/bundled/{trace}",
            "--set", "simulation.progress=false"]
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return out


def total(h):
    return float((np.arange(len(h)) * h).sum())


@pytest.mark.parametrize("trace", ["mlp_fashion_mnist.h5", "cnn_fashion_mnist.h5"])
def test_histograms_add_up_to_the_simulators_counters(tmp_path, trace):
    out = run(tmp_path, trace)
    with h5py.File(out) as f:
        for name, g in f["layers"].items():
            h = {n: g[f"term_hist_{n}"][...] for n in NAMES}
            for n in NAMES:
                assert h[n].ndim == 1 and (h[n] >= 0).all() and g[f"term_hist_{n}"].attrs["unit"], n
            assert total(h["weight_terms_kept"]) == g["weight_terms"][()]
            assert total(h["data_terms_kept"]) == g["data_terms"][()]
            assert total(h["term_pairs_per_group"]) == g["term_pairs"][()]  # the tMAC's work, group by group
            assert h["weight_kept_exponents"].sum() == g["weight_terms"][()]
            assert h["data_kept_exponents"].sum() == g["data_terms"][()]
            # TR never adds terms, and HESE never has more terms than binary
            assert total(h["weight_terms_kept"]) <= total(h["weight_terms_encoded"]) <= total(h["weight_terms_binary"])
            # the default budget, 3 HESE data terms per value, bounds every data value
            assert len(h["data_terms_kept"]) <= 4


def test_weight_histograms_are_the_traces_values_counted_independently(tmp_path):
    out = run(tmp_path, "cnn_fashion_mnist.h5")
    with h5py.File(ROOT / "traces" / "bundled" / "cnn_fashion_mnist.h5") as t, h5py.File(out) as f:
        for name, g in f["layers"].items():
            w = np.abs(t["layers"][name]["weights"][...].astype(np.int64)).ravel()
            binary = np.bincount([bin(int(v)).count("1") for v in w])
            hese = np.bincount(term_count_table("hese", 8)[w])
            np.testing.assert_array_equal(g["term_hist_weight_terms_binary"][...], binary)
            np.testing.assert_array_equal(g["term_hist_weight_terms_encoded"][...], hese)


def test_histograms_can_be_switched_off(tmp_path):
    out = run(tmp_path, "mlp_fashion_mnist.h5", "outputs.term_histograms=false")
    with h5py.File(out) as f:
        assert not any(k.startswith("term_hist_") for k in f["layers"]["fc1"])
        assert "term_histograms: false" in f.attrs["config_yaml"]


def test_trsim_analysis_draws_them_from_any_directory(tmp_path):
    out = run(tmp_path, "cnn_fashion_mnist.h5")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([TRSIM, "analysis", "terms", str(out), "-o", "figs"], cwd=elsewhere, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (elsewhere / "figs" / "terms.png").stat().st_size > 0
    r = subprocess.run([TRSIM, "analysis", "csv", str(out)], cwd=elsewhere, env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.startswith("point,config_hash,network,layer,")
    r = subprocess.run([TRSIM, "analysis", "nope"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert r.returncode == 2 and "invalid choice" in r.stderr
