"""pandas DataFrames of trsim results: `frame(paths, level="point" | "layer")`.

The rows are the points `results.load` finds (a run file is one point, a sweep file one per point, several
files together are their points in input order), so a frame and every figure see the same points:

* ``level="point"``: one row per point, failed and not-run points too (their statistics NaN);
* ``level="layer"``: one row per (ok point, layer) in execution order, with a ``layer`` column.

Columns, in this order: the point's identity (``point``, ``config_hash``, ``status``, ``error``,
``network``, ``file``; ``layer`` and ``layer_index`` per layer), one column per config key named by the
key (``array.rows``: the swept keys first, then pe.kind, budgets, group sizes, encodings and array size,
or the keys asked for), then the statistics. Point level: every scalar of the point's ``/run`` group (the
run totals, ``accuracy``, the array each point ran on ``array_rows``/``array_cols`` and its area
``area_*_mm2``), then the sums over its layers of every other additive per-layer statistic, and
``error_rel_l2_mean``/``_max``/``_last`` over the layers. Layer level: every column of the point's own
per-layer summary, then the per-point design values of ``/run`` (``accuracy``, ``array_rows``,
``array_cols``, ``area_*_mm2``) repeated on each of its layers. Config values are typed: integers,
floats, ``True``/``False``, text; ``none``/``null`` is None (missing). Statistics are float64 as stored.
``frame.attrs["units"]`` maps a statistic to its unit where the file gives one.
"""
from __future__ import annotations

import h5py
import numpy as np

from .results import SUMMED, AnalysisError, Results, _join, _open_h5, _read_summary, load, typed_value

LEVELS = ("point", "layer")
ID_POINT = ("point", "config_hash", "status", "error", "network", "file")
ID_LAYER = ("point", "config_hash", "network", "file", "layer", "layer_index")
# /run scalars that describe the point's design rather than a sum over layers: repeated on its layer rows.
DESIGN_STATS = ("accuracy", "array_rows", "array_cols", "area_pe_mm2", "area_sram_mm2", "area_logic_mm2",
                "area_total_mm2")


def _pandas():
    try:
        import pandas
    except ImportError:  # pragma: no cover - Debian's python3-pandas is a listed dependency
        raise AnalysisError("analysis.frame needs pandas (Debian: apt-get install python3-pandas)") from None
    return pandas


def _key_column(pd, values):
    """A typed config column: Int64 when every present value is an integer (None as <NA>), float when
    every one is a number, else objects (text, None)."""
    typed = [typed_value(v) for v in values]
    present = [v for v in typed if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pd.array(typed, dtype="Int64")
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else float(v) for v in typed])
    return np.array(typed, dtype=object)


def config_columns(res: Results, keys=None) -> list:
    """The config keys a frame has columns for: `keys` as given; "all": every key of every point's
    resolved config; None: the swept keys, then the plot keys (pe.kind, budgets, ..., array size)."""
    if keys is None:
        return res.param_keys()
    if keys == "all":
        out = res.param_keys()
        for p in res.ok_points():
            out += [k for k in p.config if k not in out]
        return out
    if isinstance(keys, str):
        return [keys]
    return list(keys)


def _run_scalars(g, units) -> dict:
    """Every scalar dataset of a run layout's /run group."""
    out = {}
    if "run" not in g:
        return out
    for name, ds in g["run"].items():
        if isinstance(ds, h5py.Dataset) and ds.shape == () and ds.dtype.kind in "iuf":
            out[name] = float(ds[()])
            unit = ds.attrs.get("unit")
            if unit is not None:
                units.setdefault(name, unit.decode() if isinstance(unit, bytes) else str(unit))
    return out


def _summary_units(g, units):
    if "summary" not in g:
        return
    for name, ds in g["summary"].items():
        unit = ds.attrs.get("unit") if isinstance(ds, h5py.Dataset) else None
        if unit is not None:
            units.setdefault(name, unit.decode() if isinstance(unit, bytes) else str(unit))


def _additive(column: str) -> bool:
    return column in SUMMED or (column.startswith("energy_") and column.endswith("_pj")) \
        or column.endswith("_bytes") or column.endswith("_words") or column in ("folds", "gemms", "serial_steps",
                                                                              "weight_terms", "data_terms",
                                                                              "data_values_encoded")


def _point_stats(table: dict, run: dict) -> dict:
    """A point's statistics: its /run scalars, then sums over its layers of what /run lacks, then the
    error aggregates (and utilization and accuracy when /run has none)."""
    out = dict(run)
    for c, v in table.items():
        if c == "layer" or c in out or not _additive(c) or v.dtype == object:
            continue
        out[c] = float(np.nansum(v))
    err = table.get("error_rel_l2")
    if err is not None and len(err):
        out["error_rel_l2_mean"] = float(np.mean(err))
        out["error_rel_l2_max"] = float(np.max(err))
        out["error_rel_l2_last"] = float(err[-1])
    if "utilization" not in out and "utilization" in table and "cycles" in table:
        cyc = np.asarray(table["cycles"], dtype=float)
        out["utilization"] = float(np.nansum(table["utilization"] * cyc) / np.nansum(cyc)) if np.nansum(cyc) > 0 \
            else np.nan
    if "accuracy" not in out and "accuracy" in table and len(table["accuracy"]):
        finite = np.asarray(table["accuracy"], dtype=float)
        finite = finite[np.isfinite(finite)]
        out["accuracy"] = float(finite[0]) if len(finite) else np.nan
    return out


def _read_points(res: Results):
    """(per ok point index: (per-layer table, /run scalars)), units), each file opened once."""
    by_file = {}
    for p in res.ok_points():
        by_file.setdefault(p.file, []).append(p)
    read, units = {}, {}
    for path, pts in by_file.items():
        with _open_h5(path) as f:
            for p in pts:
                if p.group not in f:
                    raise AnalysisError(f"{path}: group {p.group} missing")
                g = f[p.group]
                where = _join(p.group, "summary")
                if "summary" not in g or "layer" not in g["summary"]:
                    raise AnalysisError(f"{path}: {where}/layer missing (point {p.index} has no per-layer summary)")
                table = _read_summary(g["summary"], path, where)
                _summary_units(g, units)
                read[p.index] = (table, _run_scalars(g, units))
    return read, units


def frame(paths, level: str = "point", keys=None):
    """A pandas DataFrame of one or more trsim run or sweep files (see the module docstring):
    `level` "point" (a row per point) or "layer" (a row per point and layer); `keys`: the config
    columns (None: swept keys and the plot keys; "all": every config key; or a list of key paths)."""
    pd = _pandas()
    if level not in LEVELS:
        raise AnalysisError(f"unknown level '{level}' (allowed: {', '.join(LEVELS)})")
    res = paths if isinstance(paths, Results) else load(paths)
    cols = config_columns(res, keys)
    read, units = _read_points(res)
    if level == "point":
        points = res.points
        rows = [{"point": p.index, "config_hash": p.config_hash, "status": p.status, "error": p.error,
                 "network": p.network, "file": p.file} for p in points]
        stats = [_point_stats(*read[p.index]) if p.index in read else {} for p in points]
        owners = points
    else:
        rows, stats, owners = [], [], []
        for p in res.ok_points():
            table, run = read[p.index]
            design = {k: run[k] for k in DESIGN_STATS if k in run}
            for j, layer in enumerate(table["layer"]):
                rows.append({"point": p.index, "config_hash": p.config_hash, "network": p.network, "file": p.file,
                             "layer": str(layer), "layer_index": j})
                one = {c: v[j] for c, v in table.items() if c != "layer" and v.dtype != object}
                for k, v in design.items():
                    one.setdefault(k, v)
                stats.append(one)
                owners.append(p)
    ids = ID_POINT if level == "point" else ID_LAYER
    data = {c: [r[c] for r in rows] for c in ids}
    for k in cols:
        data[k] = _key_column(pd, [p.get(k) for p in owners])
    names = list(dict.fromkeys(c for s in stats for c in s))
    for c in names:
        if c in data:
            continue
        data[c] = np.array([s.get(c, np.nan) for s in stats], dtype=np.float64)
    df = pd.DataFrame(data)
    if level == "layer":
        df["layer_index"] = df["layer_index"].astype("int64")
    df["point"] = df["point"].astype("int64")
    df.attrs["units"] = {c: u for c, u in units.items() if c in df.columns and u}
    df.attrs["swept_keys"] = list(res.swept_keys)
    df.attrs["files"] = list(res.paths)
    return df
