"""The shipped isoaccuracy grid (configs/sweeps/isoaccuracy.yaml) against each recorded run of it
(docs/results/<date>-isoaccuracy.csv, what `analysis isoaccuracy` wrote): no network's chosen TR setting on
the 32 x 32 tMAC array sits on the grid's edge. The grid must hold, for that network, a setting with fewer and
one with more weight terms at the chosen data budget, and one with fewer and one with more data terms at the
chosen weight budget; otherwise the grid, not the network, could have decided the choice."""
import csv
import glob
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SWEEP = os.path.join(ROOT, "configs", "sweeps", "isoaccuracy.yaml")
RECORDED = sorted(glob.glob(os.path.join(ROOT, "docs", "results", "*isoaccuracy.csv")))
LABEL = re.compile(r"^w k(\d+)/g8 d k(\d+)$")  # analysis/isoaccuracy.py's TR label, groups of 8, one data value


def _budget(v):
    return None if v in (None, "none") else int(v)


def tr_grid():
    """network (the trace file's stem) -> {(k, s)} of its TR points on the 32 x 32 array."""
    yaml = pytest.importorskip("yaml")
    with open(SWEEP) as fh:
        z = yaml.safe_load(fh)["sweep"]["zip"]
    grid = {}
    for i, trace in enumerate(z["trace"]):
        k, s = _budget(z["operands.weights.budget"][i]), _budget(z["operands.data.budget"][i])
        if z["pe.kind"][i] != "tr" or k is None or s is None or z["array.rows"][i] != 32:
            continue
        grid.setdefault(os.path.splitext(os.path.basename(trace))[0], set()).add((k, s))
    return grid


@pytest.mark.parametrize("path", RECORDED, ids=[os.path.basename(p) for p in RECORDED])
def test_no_recorded_choice_sits_on_the_grid_edge(path):
    grid = tr_grid()
    with open(path, newline="") as fh:
        rows = [r for r in csv.DictReader(fh)
                if r["array"].startswith("32x32") and r["baseline"].startswith("QT") and r["layers"] == "all"]
    assert rows, f"{path}: no QT-on-the-tMAC rows of the 32 x 32 array"
    for r in rows:
        m = LABEL.match(r["tr_setting"])
        assert m, (r["network"], r["tr_setting"])  # exact-term choices would sit on the grid's top edge
        k, s = int(m.group(1)), int(m.group(2))
        pts = grid[r["network"]]
        assert (k, s) in pts, r["network"]
        assert any(kk < k for kk, ss in pts if ss == s), (r["network"], "no fewer weight terms", k, s)
        assert any(kk > k for kk, ss in pts if ss == s), (r["network"], "no more weight terms", k, s)
        assert any(ss < s for kk, ss in pts if kk == k), (r["network"], "no fewer data terms", k, s)
        assert any(ss > s for kk, ss in pts if kk == k), (r["network"], "no more data terms", k, s)
