"""Depthwise mapping (mapping.depthwise) and simulation.threads, end to end on a tiny MobileNet-v2 trace:
packing channels changes only the depthwise layers' folds and cycles (outputs, term counts and every other
layer's statistics stay identical), and the number of threads changes nothing but host time."""
import subprocess
import sys

import h5py
import numpy as np
import pytest

from e2e_paths import ROOT, TRSIM, DEFAULT, requires_trsim
sys.path.insert(0, str(ROOT / "traces"))
import make_imagenet  # noqa: E402
import trsim_trace as tt  # noqa: E402

pytestmark = requires_trsim
HOST_TIME = {"wall_seconds", "simulated_pe_cycles_per_second"}
# What packing may change: how the layer is cut into GEMMs and folds, and everything timed or fetched by them
# (energy too: off-diagonal PEs hold zero weights but are clocked and flush, padded taps are fetched).
MAPPING_DEPENDENT = {"cycles", "compute_cycles", "stall_cycles", "ideal_cycles", "sync_loss_cycles", "time_us",
                     "pe_cycles", "utilization", "folds", "gemms", "dram_read_bytes", "dram_write_bytes",
                     "sram_read_words", "sram_write_words", "pe_utilization",
                     # traffic by operand: packed weights carry the block diagonal's zeros
                     "dram_data_bytes", "dram_weight_bytes", "dram_output_bytes",
                     "array_data_bytes", "array_weight_bytes", "array_output_bytes",
                     "dram_data_values", "dram_weight_values", "dram_output_values",
                     "array_data_values", "array_weight_values", "array_output_values",
                     # SCALE-Sim's per-fold averages: packed folds map more PEs
                     "mapping_efficiency", "fold_compute_utilization"}


@pytest.fixture(scope="module")
def trace(tmp_path_factory):
    t = make_imagenet.make_trace("mobilenet_v2", make_imagenet.fit_statistics(), seed=3, resolution=32, width=0.25)
    path = tmp_path_factory.mktemp("trace") / "mobilenet_v2.h5"
    tt.write_trace(str(path), t)
    return path


def run(trace, out, *sets):
    args = [TRSIM, "run", DEFAULT, "-o", str(out), "--set", f"trace={trace}", "--set", "simulation.progress=false",
            "--set", "outputs.save_layer_outputs=true"]
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return h5py.File(out)


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def test_packed_depthwise_changes_only_depthwise_timing(trace, tmp_path):
    with run(trace, tmp_path / "packed.h5", "mapping.depthwise=packed") as p, \
            run(trace, tmp_path / "per_channel.h5", "mapping.depthwise=per_channel") as c:
        assert "depthwise: packed" in p.attrs["config_yaml"] and p.attrs["config_hash"] != c.attrs["config_hash"]
        depthwise = [n for n in c["layers"] if c[f"layers/{n}/gemms"][()] > 1]
        assert depthwise, "the trace has depthwise layers"
        for name in c["layers"]:
            lp, lc = p[f"layers/{name}"], c[f"layers/{name}"]
            for stat in lc:
                if isinstance(lc[stat], h5py.Group):  # actions/: their energies make up energy_*_pj, checked above
                    continue
                if stat in HOST_TIME or (name in depthwise and (stat in MAPPING_DEPENDENT or stat.startswith("energy_"))):
                    continue
                np.testing.assert_array_equal(lp[stat][()], lc[stat][()], err_msg=f"{name}/{stat}")
        for name in depthwise:
            lp, lc = p[f"layers/{name}"], c[f"layers/{name}"]
            assert lp["gemms"][()] < lc["gemms"][()], name
            assert lp["cycles"][()] < lc["cycles"][()], name
            assert lp["utilization"][()] > lc["utilization"][()], name
        share_p, share_c = p["run/depthwise_cycle_share"][()], c["run/depthwise_cycle_share"][()]
        assert 0 < share_p < share_c < 1
        cycles = {n: c[f"layers/{n}/cycles"][()] for n in c["layers"]}
        assert share_c == pytest.approx(sum(cycles[n] for n in depthwise) / sum(cycles.values()))


@pytest.mark.parametrize("sets", [[], ["pe.kind=mac"], ["mapping.depthwise=per_channel", "pe.kind=dnateq"]])
def test_threads_change_nothing_but_host_time(trace, tmp_path, sets):
    with run(trace, tmp_path / "one.h5", "simulation.threads=1", *sets) as one, \
            run(trace, tmp_path / "three.h5", "simulation.threads=3", *sets) as three:
        a, b = datasets(one), datasets(three)
        assert a.keys() == b.keys()
        for name in a:
            if name.split("/")[-1] not in HOST_TIME:
                np.testing.assert_array_equal(a[name], b[name], err_msg=name)
        assert dict(one.attrs) == dict(three.attrs)
