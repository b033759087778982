"""analysis terms: the term histograms of the chosen layers, summed, drawn per point."""
import h5py
import numpy as np
import pytest

from analysis.cli import main
from analysis.results import AnalysisError, load
from analysis.terms import plot_terms, read_histograms

HIST = {"weight_terms_binary": [1, 4, 3], "weight_terms_encoded": [1, 6, 1], "weight_terms_kept": [2, 6],
        "data_terms_binary": [5, 0, 2, 1], "data_terms_encoded": [5, 1, 2], "data_terms_kept": [5, 3],
        "weight_kept_exponents": [3, 2, 1], "data_kept_exponents": [0, 3], "term_pairs_per_group": [2, 0, 1, 1]}


@pytest.fixture
def run_with_histograms(run_file):
    with h5py.File(run_file, "a") as f:
        for i, layer in enumerate(f["layers"]):
            for name, h in HIST.items():
                f["layers"][layer][f"term_hist_{name}"] = np.array(h, dtype=np.float64) * (i + 1)
    return run_file


def test_histograms_sum_over_the_chosen_layers(run_with_histograms):
    res = load(run_with_histograms)
    p = res.point()
    every = read_histograms(res, p)
    one = read_histograms(res, p, ["fc2"])
    for name, h in HIST.items():
        np.testing.assert_array_equal(one[name], np.array(h) * 2)
        np.testing.assert_array_equal(every[name], np.array(h) * (1 + 2 + 3))
    fig = plot_terms(res, p, ["fc2"])
    assert fig.name == "terms_fc2" and fig.data["layers"] == ["fc2"]
    assert fig.data["pair_bound"] == 12 * 3  # default config: weight budget 12, data budget 3 per value


def test_terms_command_writes_the_figure(run_with_histograms, tmp_path, capsys):
    assert main(["terms", run_with_histograms, "-o", str(tmp_path)]) == 0
    assert (tmp_path / "terms.png").stat().st_size > 0 and (tmp_path / "terms.pdf").stat().st_size > 0


def test_runs_without_histograms_are_named(run_file, tmp_path, capsys):
    res = load(run_file)
    with pytest.raises(AnalysisError, match="has no term histograms"):
        read_histograms(res, res.point())
    assert main(["terms", run_file, "--layer", "fc9", "-o", str(tmp_path)]) == 1
    assert "no layer 'fc9'" in capsys.readouterr().err
