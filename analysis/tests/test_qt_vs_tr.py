"""The QT-vs-TR figure (analysis/qt_vs_tr.py) on a small real sweep of the bundled CNN: QT 8 and 4 bits on
the MAC array and one TR budget, at 32 x 32 and at the INT8 array's area. What it draws equals the sweep's
per-point totals, and the area-sized arrays are the ones trsim picked."""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from analysis.qt_vs_tr import design_label, main, plot_qt_vs_tr
from analysis.results import load

ROOT = Path(__file__).resolve().parents[2]
TRSIM = os.environ.get("TRSIM_BIN", str(ROOT / "build" / "trsim"))
pytestmark = pytest.mark.skipif(not os.access(TRSIM, os.X_OK), reason=f"no trsim binary at {TRSIM} (set TRSIM_BIN)")

SWEEP = """base: {root}/configs/default.yaml
set:
  simulation.progress: false
  trace: {root}/traces/bundled/cnn_fashion_mnist.h5
sweep:
  zip:
    pe.kind:                        [mac, mac, tr,   mac,   mac,   tr]
    operands.weights.quantize_bits: [8,   4,   none, 8,     4,     none]
    operands.data.quantize_bits:    [8,   4,   none, 8,     4,     none]
    array.rows:                     [32,  32,  32,   none,  none,  none]
    array.cols:                     [32,  32,  32,   none,  none,  none]
    array.area_mm2:                 [none, none, none, 0.641, 0.641, 0.641]
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    d = tmp_path_factory.mktemp("qt_vs_tr")
    spec = d / "sweep.yaml"
    spec.write_text(SWEEP.format(root=ROOT))
    out = d / "sweep.h5"
    r = subprocess.run([TRSIM, "sweep", str(spec), "-o", str(out), "-j", "1"], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def test_figure_draws_the_sweep_totals(sweep, tmp_path):
    res = load([str(sweep)])
    fig = plot_qt_vs_tr(res)
    assert fig.data["designs"] == ["mac QT8", "mac QT4", "TR 12x3"]
    assert fig.data["sizings"] == ["equal PE count", "equal area"]
    net = fig.data["networks"]["cnn_fashion_mnist"]
    totals = res.totals("last")
    for p in res.ok_points():
        sizing = "equal area" if p.index >= 3 else "equal PE count"
        d = fig.data["designs"].index(design_label(p))
        k = list(totals["point"]).index(p.index)
        for column in ("cycles", "energy_on_chip_pj", "energy_total_pj", "error"):
            assert net[sizing][column][d] == totals[column][k]
    # 32 x 32 as asked; by area the INT8 MAC keeps 32 x 32, the 4-bit MAC gets more PEs, the tMAC fewer.
    assert list(net["equal PE count"]["array_rows"]) == [32, 32, 32]
    rows = net["equal area"]["array_rows"]
    assert rows[0] == 32 and rows[1] > 32 and rows[2] < 32
    # QT4 moves fewer bits and spends less on chip than INT8 at the same array.
    assert net["equal PE count"]["energy_on_chip_pj"][1] < net["equal PE count"]["energy_on_chip_pj"][0]
    assert net["equal PE count"]["error"][0] == 0 and net["equal PE count"]["error"][1] > 0
    assert main([str(sweep), "-o", str(tmp_path)]) == 0
    assert (tmp_path / "qt_vs_tr.png").stat().st_size > 0
