"""The energy model end to end (docs/model/energy.md): outputs leave at the next layer's width, so a MAC array
at QT 4 writes at most three quarters of QT 8's DRAM bytes on the MLP (half, by hand); every energy
component is a disjoint part and energy_total_pj their sum at every scope, with per-action counts whose
energies add up to their component; static energy scales with simulated time."""
import subprocess

import h5py
import pytest

from e2e_paths import ROOT, TRSIM, DEFAULT, requires_trsim

pytestmark = requires_trsim
COMPONENTS = ["pe_compute", "pe_clock", "encoder", "comparator", "output_stage", "sram", "dram", "static"]


def run(out, *sets):
    args = [TRSIM, "run", DEFAULT, "-o", str(out), "--set", "simulation.progress=false"]
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr


def test_qt4_mac_writes_half_the_dram_bytes_of_qt8(tmp_path):
    """MLP 784-512-512-10, 64 rows; outputs at the next layer's width (the last: its own), partial sums stay on
    chip (a 64 x 32 tile of 32-bit sums fits 128 KiB). QT 8 stores post-ReLU data in 8, 8 and 7 bits (fc3's largest
    input, 110, has 7); QT 4 in 4 bits everywhere: 64 x 512 x 8 / 8 + 64 x 512 x 7 / 8 + 64 x 10 x 7 / 8 = 62,000
    bytes against 64 x 512 x 4 / 8 x 2 + 64 x 10 x 4 / 8 = 33,088."""
    writes = {}
    for bits in (8, 4):
        out = tmp_path / f"qt{bits}.h5"
        run(out, "pe.kind=mac", f"operands.weights.quantize_bits={bits}", f"operands.data.quantize_bits={bits}")
        with h5py.File(out) as f:
            writes[bits] = f["run/dram_write_bytes"][()]
            assert [f["layers"][l]["output_stored_bits"][()] for l in ("fc1", "fc2", "fc3")] == \
                ([8, 7, 7] if bits == 8 else [4, 4, 4])
    assert writes[8] == 64 * 512 + 64 * 512 * 7 // 8 + 64 * 10 * 7 // 8
    assert writes[4] == 64 * 512 * 4 // 8 * 2 + 64 * 10 * 4 // 8
    assert writes[4] <= 0.75 * writes[8]
    # partial_sums: every precision writes the 32-bit sums, as before the output stage existed
    run(tmp_path / "ps.h5", "pe.kind=mac", "operands.outputs.precision=partial_sums")
    with h5py.File(tmp_path / "ps.h5") as f:
        assert f["run/dram_write_bytes"][()] == 4 * 64 * (512 + 512 + 10)
        assert f["run/energy_output_stage_pj"][()] == 0


def test_components_add_up_at_every_scope_and_actions_add_up_to_components(tmp_path):
    out = tmp_path / "tr.h5"
    run(out)
    with h5py.File(out) as f:
        for scope in ["run"] + [f"layers/{l}" for l in f["layers"]]:
            g = f[scope]
            parts = [g[f"energy_{c}_pj"][()] for c in COMPONENTS]
            assert all(p >= 0 for p in parts)
            assert g["energy_total_pj"][()] == pytest.approx(sum(parts), rel=1e-12)
            assert g["energy_on_chip_pj"][()] == pytest.approx(sum(parts) - g["energy_dram_pj"][()], rel=1e-12)
            # the actions priced into each component add up to it
            by_component = dict.fromkeys(COMPONENTS, 0.0)
            actions = g["actions"]
            for name in actions:
                a = actions[name]
                desc = a["energy_pj"].attrs["description"]
                desc = desc.decode() if isinstance(desc, bytes) else desc
                component = desc.split("part of energy_")[1][:-len("_pj")]
                by_component[component] += a["energy_pj"][()]
                if scope != "run":
                    assert a["energy_pj"][()] == pytest.approx(a["count"][()] * a["pj_each"][()], rel=1e-12)
            for c in COMPONENTS:
                assert by_component[c] == pytest.approx(g[f"energy_{c}_pj"][()], rel=1e-9, abs=1e-9), (scope, c)


def test_static_energy_scales_with_simulated_time(tmp_path):
    """Halving the DRAM bandwidth stretches the layers (stalls); static energy follows the cycles exactly."""
    stats = {}
    for bw in (12.8, 0.4):
        out = tmp_path / f"bw{bw}.h5"
        run(out, f"dram.bandwidth_gb_per_s={bw}")
        with h5py.File(out) as f:
            stats[bw] = {l: (f["layers"][l]["cycles"][()], f["layers"][l]["energy_static_pj"][()]) for l in f["layers"]}
            power_mw = 1.881 * 17.8 + 3.021 * 10.7  # area_logic_mm2 and area_sram_mm2 of the default design
            cycles, static = stats[bw]["fc1"]
            assert static == pytest.approx(power_mw * cycles / 150 * 1e3, rel=2e-3)  # mW * us = nJ
    for layer, (cycles, static) in stats[0.4].items():
        c0, s0 = stats[12.8][layer]
        assert cycles > c0
        assert static / s0 == pytest.approx(cycles / c0, rel=1e-12)


def test_energy_figure_and_accelergy_export(tmp_path):
    import sys
    import yaml
    out = tmp_path / "tr.h5"
    run(out, "pe.weight_storage=values")
    for cmd in ("energy", "accelergy"):
        r = subprocess.run([sys.executable, "-m", "analysis", cmd, str(out), "-o", str(tmp_path / cmd)],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
    assert (tmp_path / "energy" / "energy_tr.png").stat().st_size > 0
    ert = yaml.safe_load((tmp_path / "accelergy" / "ERT.yaml").read_text())["ERT"]
    art = yaml.safe_load((tmp_path / "accelergy" / "ART.yaml").read_text())["ART"]
    actions = {(t["name"], a["name"]): a for t in ert["tables"] for a in t["actions"]}
    pe = actions[("system.trsim.PE[0..1023]", "term_pair")]
    assert pe["energy"] == 0.06 and "Horowitz" in pe["source"]
    assert actions[("system.trsim.weights_buffer", "sram_read_weights")]["energy"] == pytest.approx(20 * 8 ** 0.5)
    assert ("system.trsim.weight_path[0..31]", "weight_hese_encode") in actions  # values storage: the weight path
    areas = {t["name"]: t["area"] for t in art["tables"]}
    with h5py.File(out) as f:
        assert areas["system.trsim.pe[0..1023]"] * 1024 == pytest.approx(f["run/area_pe_mm2"][()] * 1e6)
        assert areas["system.trsim.weight_encoder_lane[0..255]"] * 256 == \
            pytest.approx(f["run/area_weight_encoder_lane_mm2"][()] * 1e6)
