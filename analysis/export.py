"""CSV export: one row per (point, layer), or one row per point (totals), from analysis.frame's frames."""
from __future__ import annotations

import csv
import io

from trsim_trace import tool

from .frames import frame
from .results import Results, fmt_num

ID_COLUMNS = ("point", "config_hash", "network", "layer")


def config_keys(res: Results) -> list:
    """Every config key of every point: the swept keys first, then pe.kind, budgets, group sizes,
    encodings and array size, then the rest of the resolved configs in first-seen order."""
    keys = res.param_keys()
    for p in res.ok_points():
        keys += [k for k in p.config if k not in keys]
    return keys


def layer_rows(res: Results):
    """(header, rows) of every statistic of every point and layer (analysis.frame at level "layer"):
    point, config_hash, network, layer, every config key (config_keys) as written, then every
    statistic of the points' own per-layer results and the array and area each point ran on."""
    keys = config_keys(res)
    df = frame(res, level="layer", keys=[])
    stats = [c for c in df.columns if c not in ID_COLUMNS and c not in ("file", "layer_index")]
    by_index = {p.index: p for p in res.points}
    rows = []
    for r in df.itertuples(index=False):
        row = dict(zip(df.columns, r))
        p = by_index[int(row["point"])]
        out = [str(p.index), p.config_hash, p.network, row["layer"]]
        out += ["" if p.get(k) is None else str(p.get(k)) for k in keys]
        out += [fmt_num(row[c]) for c in stats]
        rows.append(out)
    return list(ID_COLUMNS) + keys + stats, rows


def point_rows(res: Results, error_agg: str = "mean"):
    """(header, rows) with one row per point (failed ones too, stats empty; analysis.frame at level
    "point"): index, config_hash, status, error, network, config keys as written, then every run
    statistic (totals, accuracy, the array each point ran on: array_rows, array_cols, its area), sums
    of the per-layer statistics, error_rel_l2 mean/max/last and energy_total_uj. `error_agg` is kept
    for callers; every aggregate has its own column."""
    keys = config_keys(res)
    df = frame(res, level="point", keys=[])
    df["energy_total_uj"] = df["energy_total_pj"] / 1e6
    ids = ("point", "config_hash", "status", "error", "network", "file")
    stats = [c for c in df.columns if c not in ids]
    by_index = {p.index: p for p in res.points}
    rows = []
    for r in df.itertuples(index=False):
        row = dict(zip(df.columns, r))
        p = by_index[int(row["point"])]
        out = [str(p.index), p.config_hash, p.status, p.error, p.network]
        out += ["" if p.get(k) is None else str(p.get(k)) for k in keys]
        out += [fmt_num(row[c]) for c in stats]
        rows.append(out)
    return ["point", "config_hash", "status", "error", "network"] + keys + stats, rows


def to_csv(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write_csv(path, header, rows):
    tool.write_text(path, to_csv(header, rows))
