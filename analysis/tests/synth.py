"""Writers of small trsim files in the exact layouts the analysis reads, for tests:

* `write_run`: a run file as sim/io/ResultsWriter.hpp lays it out (format "trsim-results" v1), from
  synthetic per-layer statistics (`synth_layers`) or given ones;
* `write_sweep`: a sweep file (format "trsim-sweep" v1): /points/<hash>/ groups holding whole runs,
  /summary with the per-(point, layer) table and /summary/params.

Every group tracks creation order, every string is variable-length UTF-8, like trsim's files.
"""
from __future__ import annotations

import hashlib

import h5py
import numpy as np

STR = h5py.string_dtype("utf-8")

ENERGY = ("energy_pe_compute_pj", "energy_pe_clock_pj", "energy_encoder_pj", "energy_comparator_pj",
          "energy_sram_pj", "energy_dram_pj")
UNITS = {
    "cycles": "cycles", "compute_cycles": "cycles", "stall_cycles": "cycles", "ideal_cycles": "cycles",
    "sync_loss_cycles": "cycles", "time_us": "us", "pe_cycles": "PE-cycles", "dense_macs": "MACs",
    "macs": "MACs", "term_pairs": "term pairs", "utilization": "fraction", "error_rel_l2": "fraction",
    "error_max_abs": "integer units",
}
SWEEP_COLUMNS = ("cycles", "compute_cycles", "stall_cycles", "ideal_cycles", "utilization", "term_pairs", "macs",
                 "dense_macs", "energy_total_pj", "error_rel_l2", "accuracy")

DEFAULT_CONFIG = {
    "trace": "/x/traces/bundled/net.h5",
    "array": {"rows": 4, "cols": 6, "dataflow": "weight_stationary"},
    "pe": {"kind": "tr", "coefficient_counters": 17, "schedule": "fixed", "term_pairs_per_cycle": 1},
    "operands": {
        "weights": {"bits": 8, "encoding": "hese", "group_size": 8, "budget": 12},
        "data": {"bits": 8, "encoding": "hese", "group_size": 1, "budget": 3},
    },
    "clock_mhz": 150,
    "energy": {"term_pair": "{pj: 0.06, source: \"derived: 8b add\"}"},
    "outputs": {"save_layer_outputs": "false", "vcd": '""'},
}


def config_with(overrides: dict) -> dict:
    """DEFAULT_CONFIG with "a.b.c" -> value overrides applied (values as YAML text)."""
    import copy
    cfg = copy.deepcopy(DEFAULT_CONFIG)
    for key, value in overrides.items():
        node = cfg
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return cfg


def to_yaml(cfg: dict, indent: int = 0) -> str:
    out = []
    for k, v in cfg.items():
        if isinstance(v, dict):
            out.append(" " * indent + f"{k}:")
            out.append(to_yaml(v, indent + 2))
        else:
            out.append(" " * indent + f"{k}: {v}")
    return "\n".join(out)


def config_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


OTHER_KINDS = {"stripes": (8.0, 0.0), "pragmatic": (4.0, 0.0), "dnateq": (1.0, 0.02)}


def synth_layers(kind: str, wb, db, names=("fc1", "fc2", "fc3"), rows=4, cols=6, scale=1.0):
    """Per-layer statistics with simple closed forms, so tests can compute the expected plot data.
    Layer i (0-based), m = i + 1: dense MACs = 1000 m; mac: cycles = 100 m + 10, error 0;
    tr with budgets wb, db (None = 16, 8): term pairs = 10 m wb db, compute = 20 m wb db,
    error = 0.1 m / (wb db). Energy components: compute, clock, encoder, comparator, sram, dram
    = (1, 2, 3, 4, 5, 6) x 1e6 x m pJ x (wb db / 36 for tr, 0.5 for mac). Other kinds are mac
    with OTHER_KINDS[kind] = (cycle factor f, error e): compute 100 f m (ideal 60 f m), stall 10,
    error e m, energy scale 0.5 f. `scale` multiplies every cycle count and energy (a design that
    differs in something else than budgets, e.g. its array size)."""
    out = []
    for i, name in enumerate(names):
        m = i + 1
        dense = 1000.0 * m
        if kind in OTHER_KINDS:
            f, e = OTHER_KINDS[kind]
            ideal = 60.0 * f * m
            sync = 40.0 * f * m
            stall = 10.0
            pairs, macs = 0.0, dense
            err = e * m
            escale = 0.5 * f
        elif kind == "mac":
            ideal = 100.0 * m
            sync = 0.0
            stall = 10.0
            pairs, macs = 0.0, dense
            err = 0.0
            escale = 0.5
        else:
            w = 16 if wb is None else int(wb)
            d = 8 if db is None else int(db)
            ideal = 12.0 * m * w * d
            sync = 8.0 * m * w * d
            stall = 5.0 * m
            pairs, macs = 10.0 * m * w * d, 0.0
            err = 0.1 * m / (w * d)
            escale = w * d / 36.0
        ideal, sync, stall, escale = ideal * scale, sync * scale, stall * scale, escale * scale
        compute = ideal + sync
        cycles = compute + stall
        stats = {
            "cycles": cycles, "compute_cycles": compute, "stall_cycles": stall, "ideal_cycles": ideal,
            "sync_loss_cycles": sync, "time_us": cycles / 150.0, "pe_cycles": cycles * rows * cols,
            "dense_macs": dense, "macs": macs, "term_pairs": pairs,
            "utilization": (pairs if kind != "mac" else macs) / (cycles * rows * cols),
        }
        energies = {c: (k + 1) * 1e6 * m * escale for k, c in enumerate(ENERGY)}
        stats.update(energies)
        stats["energy_total_pj"] = sum(energies.values())
        stats["error_rel_l2"] = err
        stats["error_max_abs"] = 1000 * err
        out.append({"name": name, "stats": stats})
    return out


def synth_pe_util(rows, cols, seed):
    rng = np.random.default_rng(seed)
    u = rng.uniform(0.05, 0.95, size=(rows, cols))
    u[:, -1] = 0.0  # an idle column, like a layer narrower than the array
    return u


def _stat(g, name, value):
    ds = g.create_dataset(name, data=np.float64(value))
    ds.attrs["unit"] = UNITS.get(name, "pJ" if name.startswith("energy_") else "")
    ds.attrs["description"] = f"synthetic {name}"


def write_run_group(g, *, network, config_yaml, layers, pe_util=None, accuracy=None, chash=None, design=None):
    """Writes the content of a run file into group g (root attrs on g, layers/, run/, summary/);
    `design`: more /run scalars (e.g. array_rows, array_cols: the array the point ran on)."""
    if "format" not in g.attrs:
        g.attrs["format"] = "trsim-results"
        g.attrs["format_version"] = np.int32(1)
    g.attrs["trsim_version"] = "0.1"
    if "config_hash" not in g.attrs:
        g.attrs["config_hash"] = chash or config_hash(config_yaml)
    g.attrs["config_yaml"] = config_yaml
    g.attrs["trace_path"] = f"/x/traces/{network}.h5"
    g.attrs["trace_network"] = network
    g.attrs["trace_source"] = "synthetic"
    lg = g.create_group("layers", track_order=True)
    for i, layer in enumerate(layers):
        one = lg.create_group(layer["name"], track_order=True)
        one.attrs["index"] = np.int32(i)
        for k, v in layer["stats"].items():
            _stat(one, k, v)
        if pe_util is not None and layer["name"] in pe_util:
            one.create_dataset("pe_utilization", data=np.asarray(pe_util[layer["name"]], dtype=np.float64))
    rg = g.create_group("run", track_order=True)
    stat_names = list(dict.fromkeys(k for layer in layers for k in layer["stats"]))
    for k in stat_names:
        if k in ("utilization", "error_rel_l2", "error_max_abs", "sync_loss_cycles", "pe_cycles"):
            continue  # as trsim's /run: no per-layer-only statistics
        _stat(rg, k, sum(layer["stats"].get(k, 0.0) for layer in layers))
    if accuracy is not None:
        _stat(rg, "accuracy", accuracy)
    for k, v in (design or {}).items():
        _stat(rg, k, v)
    sg = g.create_group("summary", track_order=True)
    sg.create_dataset("layer", data=[layer["name"] for layer in layers], dtype=STR)
    for k in stat_names:
        ds = sg.create_dataset(k, data=np.array([layer["stats"].get(k, np.nan) for layer in layers], dtype=np.float64))
        ds.attrs["unit"] = UNITS.get(k, "pJ" if k.startswith("energy_") else "")
        ds.attrs["description"] = f"synthetic {k}"


def write_run(path, *, network="net", overrides=None, layers=None, pe_util=None, accuracy=None):
    """A synthetic run file; the layers' stats follow `synth_layers` for the config's pe.kind and
    budgets unless given."""
    cfg = config_with(overrides or {})
    text = to_yaml(cfg) + "\n"
    if layers is None:
        kind = cfg["pe"]["kind"]
        wb = cfg["operands"]["weights"]["budget"]
        db = cfg["operands"]["data"]["budget"]
        layers = synth_layers(kind, None if str(wb) == "none" else wb, None if str(db) == "none" else db,
                              rows=cfg["array"]["rows"], cols=cfg["array"]["cols"])
    with h5py.File(path, "w", track_order=True) as f:
        write_run_group(f, network=network, config_yaml=text, layers=layers, pe_util=pe_util, accuracy=accuracy)
    return path


def _write_sweep_root(f, swept_keys, n_points, sweep_yaml, base_config):
    f.attrs["format"] = "trsim-sweep"
    f.attrs["format_version"] = np.int32(1)
    f.attrs["sweep_yaml"] = sweep_yaml
    f.attrs["base_config"] = base_config
    f.attrs["swept_keys"] = "\n".join(swept_keys)
    f.attrs["n_points"] = np.int32(n_points)


def _point_group(pg, index, chash, overrides, status, error):
    g = pg.create_group(chash, track_order=True)
    g.attrs["index"] = np.int32(index)
    g.attrs["config_hash"] = chash
    g.attrs["overrides"] = "\n".join(f"{k}={v}" for k, v in overrides.items())
    g.attrs["status"] = status
    g.attrs["error"] = error
    return g


def _write_sweep_summary(f, rows, swept_keys):
    sg = f.create_group("summary", track_order=True)
    sg.create_dataset("point", data=np.array([r["point"] for r in rows], dtype=np.int64))
    for c in ("config_hash", "network", "layer"):
        sg.create_dataset(c, data=[r[c] for r in rows], dtype=STR)
    for c in SWEEP_COLUMNS:
        sg.create_dataset(c, data=np.array([r["stats"].get(c, np.nan) for r in rows], dtype=np.float64))
    params = sg.create_group("params", track_order=True)
    for k in swept_keys:
        params.create_dataset(k, data=[str(r["params"][k]) for r in rows], dtype=STR)


def write_sweep(path, points, swept_keys, sweep_yaml="sweep: synthetic\n", base_config="/x/configs/default.yaml",
                pe_util=True):
    """A synthetic sweep. points: list of dicts with 'overrides' ({key: value text}), optional
    'network' (default 'net'), 'status' ('ok'/'failed', default ok), 'error', 'accuracy' (float or
    None), 'scale' (synth_layers' scale, default 1), 'ran_on' ((rows, cols): /run/array_rows and
    array_cols, the array an area-sized point got). Ok points get `synth_layers` statistics and, with
    pe_util, a pe_utilization per layer."""
    rows = []
    with h5py.File(path, "w", track_order=True) as f:
        _write_sweep_root(f, swept_keys, len(points), sweep_yaml, base_config)
        pg = f.create_group("points", track_order=True)
        for index, pt in enumerate(points):
            cfg = config_with(pt["overrides"])
            text = to_yaml(cfg) + "\n"
            chash = config_hash(text + pt.get("network", "net"))
            status = pt.get("status", "ok")
            g = _point_group(pg, index, chash, pt["overrides"], status, pt.get("error", ""))
            if status != "ok":
                continue
            wb = cfg["operands"]["weights"]["budget"]
            db = cfg["operands"]["data"]["budget"]
            r, c = cfg["array"]["rows"], cfg["array"]["cols"]
            ran = pt.get("ran_on")
            if ran is not None:
                r, c = ran
            r, c = (int(r) if str(r).isdigit() else 4), (int(c) if str(c).isdigit() else 6)
            layers = synth_layers(cfg["pe"]["kind"], None if str(wb) == "none" else wb,
                                  None if str(db) == "none" else db, rows=r, cols=c, scale=pt.get("scale", 1.0))
            util = {layer["name"]: synth_pe_util(r, c, index * 10 + i) for i, layer in enumerate(layers)} \
                if pe_util else None
            design = {"array_rows": float(ran[0]), "array_cols": float(ran[1])} if ran is not None else None
            write_run_group(g, network=pt.get("network", "net"), config_yaml=text, layers=layers, pe_util=util,
                            accuracy=pt.get("accuracy"), chash=chash, design=design)
            for layer in layers:
                stats = dict(layer["stats"])
                stats["accuracy"] = np.nan if pt.get("accuracy") is None else pt["accuracy"]
                rows.append({"point": index, "config_hash": chash, "network": pt.get("network", "net"),
                             "layer": layer["name"], "stats": stats,
                             "params": {k: pt["overrides"].get(k, "") for k in swept_keys}})
        _write_sweep_summary(f, rows, swept_keys)
    return path
