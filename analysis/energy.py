"""Energy by component per layer, and an Accelergy-style export of the energies and areas a run used.

    python3 -m analysis energy RUN.h5|SWEEP.h5 ... -o DIR     stacked bars of energy_<component>_pj per layer
    python3 -m analysis accelergy RUN.h5|SWEEP.h5 -o DIR      DIR/ERT.yaml and DIR/ART.yaml per run or point

Reads the results layout of docs/model/energy.md: /layers/<layer>/energy_<component>_pj (disjoint components,
energy_total_pj their sum), /layers/<layer>/actions/<action>/{count,pj_each,energy_pj}, /run/area_*_mm2 and
the resolved config (root attribute config_yaml) with every energy and area entry's source. A sweep file's
points are read from /points/<hash>/ the same way.
"""
from __future__ import annotations

import os

import h5py
import numpy as np
import yaml
from trsim_trace import tool

from .results import AnalysisError

COMPONENTS = ["pe_compute", "pe_clock", "encoder", "comparator", "output_stage", "sram", "dram", "static"]
COLORS = ["#1f77b4", "#aec7e8", "#2ca02c", "#98df8a", "#9467bd", "#ff7f0e", "#d62728", "#7f7f7f"]
# Which hardware an action runs on, as Accelergy names components (ERT.yaml).
ACTION_COMPONENT = {
    "pe_compute": "PE", "pe_clock": "PE", "encoder": "data_path", "comparator": "data_path",
    "output_stage": "output_stage", "dram": "DRAM", "static": "leakage",
}


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def runs(paths):
    """(label, group, config) for every run file and every successful sweep point among `paths`."""
    out = []
    for path in paths:
        try:
            f = h5py.File(path, "r")
        except OSError as e:
            raise AnalysisError(f"{path}: cannot open as HDF5: {e}")
        if "points" in f:
            for name, g in f["points"].items():
                if isinstance(g, h5py.Group) and "layers" in g and _text(g.attrs.get("status", "ok")) == "ok":
                    out.append((f"{os.path.basename(path)}:{name[:8]}", g, _text(g.attrs.get("config_yaml", ""))))
        elif "layers" in f:
            out.append((os.path.splitext(os.path.basename(path))[0], f, _text(f.attrs.get("config_yaml", ""))))
        else:
            raise AnalysisError(f"{path}: neither a trsim run nor a sweep file (no /layers, no /points)")
    if not out:
        raise AnalysisError("no run or successful sweep point in " + ", ".join(map(str, paths)))
    return out


def layer_names(g):
    return sorted(g["layers"], key=lambda n: int(g["layers"][n].attrs.get("index", 0)))


def breakdown(g):
    """{layer: {component: pJ}} of one run, in execution order."""
    out = {}
    for layer in layer_names(g):
        lg = g["layers"][layer]
        missing = [c for c in COMPONENTS if f"energy_{c}_pj" not in lg]
        if missing:
            raise AnalysisError(f"layer {layer}: no energy_{missing[0]}_pj (results from before the energy breakdown)")
        out[layer] = {c: float(lg[f"energy_{c}_pj"][()]) for c in COMPONENTS}
    return out


def plot_energy(paths, outdir):
    """One figure per run or point: energy by component (uJ) per layer, stacked. Returns the files written."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(outdir, exist_ok=True)
    written = []
    for label, g, _ in runs(paths):
        data = breakdown(g)
        layers = list(data)
        fig, ax = plt.subplots(figsize=(max(5.0, 0.6 * len(layers) + 3), 4.2))
        bottom = np.zeros(len(layers))
        for c, color in zip(COMPONENTS, COLORS):
            v = np.array([data[l][c] for l in layers]) / 1e6
            ax.bar(layers, v, bottom=bottom, label=c, color=color)
            bottom += v
        ax.set_ylabel("energy (uJ)")
        ax.set_title(f"energy by component per layer: {label}")
        ax.legend(fontsize=8, ncol=2)
        ax.tick_params(axis="x", rotation=45 if len(layers) > 6 else 0)
        fig.tight_layout()
        for ext in ("png", "pdf"):
            path = os.path.join(outdir, f"energy_{label.replace(':', '_')}.{ext}")
            with tool.atomic_path(path) as tmp:
                fig.savefig(tmp, format=ext, dpi=120)
            written.append(path)
        plt.close(fig)
    return written


def _instances(description, name):
    """The instance count an area stat's description starts with ('1024 x 1784.0 um2: ...'), else 1."""
    head = _text(description).split(" x ")[0]
    try:
        return max(1, int(float(head)))
    except ValueError:
        return 1


def accelergy_tables(g, config_text):
    """(ERT, ART) dictionaries in Accelergy's ERT/ART shape for one run: an entry per component with its
    actions (energy per action in pJ, as the run priced it) and its area (um^2 per instance)."""
    cfg = yaml.safe_load(config_text) if config_text else {}
    sources = {k: v.get("source", "") for k, v in (cfg.get("energy") or {}).items() if isinstance(v, dict)}
    area_sources = {k: v.get("source", "") for k, v in (cfg.get("area") or {}).items() if isinstance(v, dict)}
    rows, cols = int(g["run/array_rows"][()]), int(g["run/array_cols"][()])
    tables = {}
    for layer in layer_names(g):
        actions = g["layers"][layer].get("actions")
        if actions is None:
            raise AnalysisError(f"layer {layer}: no actions group (results from before the per-action breakdown)")
        for name, a in actions.items():
            desc = _text(a["energy_pj"].attrs["description"])
            component = desc.split("part of energy_")[1][: -len("_pj")]
            entry = _text(a["pj_each"].attrs["description"]).split("entry ")[1].split(",")[0].split(":")[0]
            if component == "sram":
                hw = name.split("_", 2)[2] + "_buffer"  # sram_read_weights -> weights_buffer
            elif component == "pe_compute" or component == "pe_clock":
                hw = f"PE[0..{rows * cols - 1}]"
            elif component in ("encoder", "comparator"):
                hw = f"data_path[0..{rows - 1}]" if not name.startswith("weight_") else f"weight_path[0..{cols - 1}]"
            else:
                hw = ACTION_COMPONENT[component]
            t = tables.setdefault(f"system.trsim.{hw}", {})
            t.setdefault(name, {"name": name, "arguments": None, "energy": float(a["pj_each"][()]),
                                "energy_table_entry": entry, "source": sources.get(entry, "")})
    ert = {"ERT": {"version": 0.3, "energy_unit": "pJ", "tables": [
        {"name": n, "actions": list(acts.values())} for n, acts in tables.items()]}}
    art_tables = []
    if "run" in g:
        for name in g["run"]:
            if not (name.startswith("area_") and name.endswith("_mm2")) or name in ("area_logic_mm2", "area_total_mm2"):
                continue
            ds = g["run"][name]
            part = name[len("area_"):-len("_mm2")]
            n = _instances(ds.attrs.get("description", ""), part) if part != "sram" else 1
            art_tables.append({"name": f"system.trsim.{part}[0..{n - 1}]" if n > 1 else f"system.trsim.{part}",
                               "area": float(ds[()]) * 1e6 / n,
                               "source": "configs/area primitives: " + ", ".join(sorted(area_sources))})
    art = {"ART": {"version": 0.3, "area_unit": "um^2", "tables": art_tables}}
    return ert, art


def export_accelergy(paths, outdir):
    """DIR/ERT.yaml and DIR/ART.yaml for one run (DIR/<label>/ for each of several)."""
    written = []
    found = runs(paths)
    for label, g, config_text in found:
        d = outdir if len(found) == 1 else os.path.join(outdir, label.replace(":", "_"))
        os.makedirs(d, exist_ok=True)
        ert, art = accelergy_tables(g, config_text)
        for fname, doc in (("ERT.yaml", ert), ("ART.yaml", art)):
            path = os.path.join(d, fname)
            with tool.atomic_path(path) as tmp, open(tmp, "w") as f:
                yaml.safe_dump(doc, f, sort_keys=False, width=120)
            written.append(path)
    return written
