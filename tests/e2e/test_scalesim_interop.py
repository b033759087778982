"""SCALE-Sim interop end to end: `trsim trace from-topology` on SCALE-Sim's AlexNet topology, then
`trsim run --report-csv` on SCALE-Sim's reference machine (32x32 weight-stationary INT8 MACs): the
reports carry SCALE-Sim's known cycle counts, computed here from its rules (single_layer_sim.py,
systolic_compute_ws.py, topology_utils.py), and its published conv1 value as a literal."""
import csv
import math
import subprocess

import h5py
import numpy as np
import pytest

from e2e_paths import ROOT, TRSIM
TOPOLOGY = ROOT / "configs" / "topologies" / "alexnet.csv"
CONFIG = ROOT / "configs" / "scalesim_ws_32x32.yaml"
ROWS = COLS = 32


def trsim(*args, check=True):
    r = subprocess.run([TRSIM, *map(str, args)], capture_output=True, text=True, timeout=900)
    if check and r.returncode != 0:
        raise AssertionError(f"trsim {' '.join(map(str, args))} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def topology_rows():
    with open(TOPOLOGY) as f:
        rows = [[c.strip() for c in r if c.strip()] for r in csv.reader(f)]
    return [dict(name=r[0], h=int(r[1]), w=int(r[2]), r=int(r[3]), s=int(r[4]), c=int(r[5]), n=int(r[6]),
                 stride=int(r[7])) for r in rows[1:]]


def scalesim_gemm(l):
    oh = math.ceil((l["h"] - l["r"] + l["stride"]) / l["stride"])
    ow = math.ceil((l["w"] - l["s"] + l["stride"]) / l["stride"])
    return oh * ow, l["r"] * l["s"] * l["c"], l["n"]  # M, K, N


def scalesim_total_cycles(l):
    m, k, n = scalesim_gemm(l)
    return math.ceil(k / ROWS) * math.ceil(n / COLS) * (2 * ROWS + COLS + m - 2) - 1


def read_report(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    header = [h.strip() for h in rows[0] if h.strip()]
    return header, [[float(c) for c in r if c.strip()] for r in rows[1:]]


@pytest.fixture(scope="module")
def alexnet(tmp_path_factory):
    d = tmp_path_factory.mktemp("alexnet")
    trace = d / "alexnet.h5"
    trsim("trace", "from-topology", TOPOLOGY, "-o", trace)
    out = d / "run.h5"
    trsim("run", CONFIG, "--set", f"trace={trace}", "--set", "simulation.progress=false", "-o", out,
          "--report-csv", d / "reports")
    return trace, out, d / "reports"


def test_trace_has_scalesims_shapes_and_is_labelled_synthetic(alexnet):
    trace, _, _ = alexnet
    with h5py.File(trace) as f:
        assert f.attrs["source"] == "synthetic"
        assert "SYNTHETIC" in f.attrs["description"] and "alexnet.csv" in f.attrs["description"]
        layers = sorted(f["layers"], key=lambda n: int(f["layers"][n].attrs["index"]))
        assert layers == [l["name"] for l in topology_rows()]
        for l in topology_rows():
            g = f["layers"][l["name"]]
            assert g["weights"].shape == (l["n"], l["c"], l["r"], l["s"])
            x = g["inputs"][...]
            m, _, _ = scalesim_gemm(l)
            oh = (x.shape[2] - l["r"]) // l["stride"] + 1
            ow = (x.shape[3] - l["s"]) // l["stride"] + 1
            assert oh * ow == m  # trsim's conv lowers to SCALE-Sim's M
            assert not x[:, :, l["h"]:, :].any() and not x[:, :, :, l["w"]:].any()  # past the edge: zeros
            assert g.attrs["scalesim_ifmap"] == f"{l['h']}x{l['w']}"
            assert np.abs(g["weights"][...]).max() <= 127 and x.min() >= 0 and x.max() <= 255


def test_compute_report_gives_scalesims_cycle_counts(alexnet):
    _, out, reports = alexnet
    header, rows = read_report(reports / "COMPUTE_REPORT.csv")
    assert header == ["LayerID", "Total Cycles", "Stall Cycles", "Overall Util %", "Mapping Efficiency %",
                      "Compute Util %"]
    topo = topology_rows()
    assert len(rows) == len(topo)
    # SCALE-Sim's default machine does not stall; trsim's DRAM needs a first load, which the report
    # shows as Stall Cycles, so the compute part is what SCALE-Sim reports.
    assert rows[0][1] - rows[0][2] == 112283  # SCALE-Sim's published AlexNet conv1 regression value
    for (lid, total, stall, overall, mapping, compute), l in zip(rows, topo):
        assert total - stall == scalesim_total_cycles(l), l["name"]
        m, k, n = scalesim_gemm(l)
        assert mapping == pytest.approx(100 * scalesim_fold_mean(l, lambda ru, cu: ru * cu / (ROWS * COLS)), abs=1e-4)
        # SCALE-Sim's Overall Util divides by its Total Cycles (the last cycle's index); the array also waited
        # `stall` cycles for DRAM, which SCALE-Sim's stall-free machine does not.
        assert overall == pytest.approx(100 * m * k * n / (ROWS * COLS * total), abs=1e-4)
        # Compute Util: per fold mac_used * T / (R * C * (2R + 2C + T - 3)), averaged over folds
        # (systolic_compute_ws.py create_filter_demand_mat).
        assert compute == pytest.approx(100 * scalesim_fold_mean(
            l, lambda ru, cu: ru * cu * m / (ROWS * COLS * (2 * ROWS + 2 * COLS + m - 3))), abs=1e-4)
        assert 0 <= overall <= 100 and 0 <= mapping <= 100 and 0 <= compute <= 100


def scalesim_fold_mean(l, per_fold):
    """The unweighted mean over SCALE-Sim's weight-stationary folds of per_fold(rows used, cols used)."""
    m, k, n = scalesim_gemm(l)
    values = [per_fold(min(ROWS, k - r), min(COLS, n - c)) for c in range(0, n, COLS) for r in range(0, k, ROWS)]
    return sum(values) / len(values)


def test_bandwidth_report_is_the_runs_traffic_per_cycle(alexnet):
    _, out, reports = alexnet
    header, rows = read_report(reports / "BANDWIDTH_REPORT.csv")
    assert header == ["LayerID", "Avg IFMAP SRAM BW", "Avg FILTER SRAM BW", "Avg OFMAP SRAM BW",
                      "Avg IFMAP DRAM BW", "Avg FILTER DRAM BW", "Avg OFMAP DRAM BW"]
    with h5py.File(out) as f:
        for row, name in zip(rows, [l["name"] for l in topology_rows()]):
            g = f["layers"][name]
            total = g["cycles"][()] - 1  # SCALE-Sim's Total Cycles
            stats = ["array_data_values", "array_weight_values", "array_output_values", "dram_data_values",
                     "dram_weight_values", "dram_output_values"]
            for value, stat in zip(row[1:], stats):
                assert value == pytest.approx(g[stat][()] / total, abs=1e-4), (name, stat)
            # the split by operand adds up to the DRAM totals
            assert g["dram_data_bytes"][()] + g["dram_weight_bytes"][()] + g["dram_output_bytes"][()] == \
                g["dram_read_bytes"][()] + g["dram_write_bytes"][()]
            # SCALE-Sim's SRAM words: filter reads = the weights once (weight stationary), ifmap reads = T per
            # mapped row per fold, ofmap writes = T per mapped column per fold
            l = next(l for l in topology_rows() if l["name"] == name)
            m, k, n = scalesim_gemm(l)
            folds_r, folds_c = math.ceil(k / ROWS), math.ceil(n / COLS)
            assert g["array_weight_values"][()] == k * n
            assert g["array_data_values"][()] == m * k * folds_c
            assert g["array_output_values"][()] == m * n * folds_r


@pytest.mark.parametrize("text, message", [
    ("Layer name, IFMAP Height\nConv1, 3\n", "expected the SCALE-Sim conv header"),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
     "Conv1, 224, x, 11, 11, 3, 96, 4,\n", ":2: IFMAP Width 'x' is not an integer"),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
     "Conv1, 4, 4, 5, 5, 3, 96, 1,\n", "filter 5x5 larger than the ifmap 4x4"),
])
def test_topology_errors_name_the_file_line_and_column(tmp_path, text, message):
    topo = tmp_path / "bad.csv"
    topo.write_text(text)
    r = trsim("trace", "from-topology", topo, "-o", tmp_path / "t.h5", check=False)
    assert r.returncode == 1, r.stderr
    assert str(topo) in r.stderr and message in r.stderr
    assert not (tmp_path / "t.h5").exists()


def test_tr_reports_stay_within_0_and_100_percent(tmp_path):
    """A tMAC holds a weight group (8 values) per PE: SCALE-Sim's Mapping Efficiency counts PEs, not values.
    MLP on 32 x 32, groups of 8: fc1 K = 784 is 98 slices, row folds of 32, 32, 32, 2 rows, every fold 32 columns:
    (3 + 2/32) / 4 = 76.5625 %; fc2 (64 slices, 512 filters) 100 %; fc3 (10 filters) 32 * 10 / 1024 = 31.25 %."""
    out = tmp_path / "run.h5"
    trsim("run", ROOT / "configs" / "default.yaml", "--set", "simulation.progress=false", "-o", out,
          "--report-csv", tmp_path / "reports")
    _, rows = read_report(tmp_path / "reports" / "COMPUTE_REPORT.csv")
    assert [r[4] for r in rows] == pytest.approx([76.5625, 100.0, 31.25], abs=1e-4)
    for r in rows:
        assert all(0 <= v <= 100 for v in r[3:]), r
    with h5py.File(out) as f:
        for r, name in zip(rows, ["fc1", "fc2", "fc3"]):
            g = f["layers"][name]
            # Overall Util: term pairs over the PEs' capacity (one pair per cycle) in SCALE-Sim's Total Cycles
            assert r[3] == pytest.approx(100 * g["term_pairs"][()] / (ROWS * COLS * (g["cycles"][()] - 1)), abs=1e-4)
