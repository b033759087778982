"""CSV export of the summary: one row per (point, layer), or one row per point (totals)."""
from __future__ import annotations

import csv
import io


from .results import AnalysisError, Results, fmt_num

ID_COLUMNS = ("point", "config_hash", "network", "layer")


def config_keys(res: Results) -> list:
    """Every config key of every point: the swept keys first, then pe.kind, budgets, group sizes,
    encodings and array size, then the rest of the resolved configs in first-seen order."""
    keys = res.param_keys()
    for p in res.ok_points():
        keys += [k for k in p.config if k not in keys]
    return keys


def _point_layer_tables(res: Results) -> dict:
    """Each ok point's own per-layer table (every stat its run recorded; a sweep's /summary holds
    only some), or {} for a point whose group has none."""
    out = {}
    for p in res.ok_points():
        try:
            out[p.index] = res.layer_table(p)
        except AnalysisError:
            out[p.index] = {}
    return out


def layer_rows(res: Results):
    """(header, rows) of every statistic of every point and layer: point, config_hash, network, layer,
    every config key (config_keys), then the summary's statistics in file order and every other
    statistic the points' own run results hold."""
    keys = config_keys(res)
    full = _point_layer_tables(res)
    stats = [c for c in res.table if c not in ID_COLUMNS]
    for t in full.values():
        stats += [c for c in t if c not in stats and c not in ID_COLUMNS]
    header = list(ID_COLUMNS) + keys + stats
    by_index = {p.index: p for p in res.points}
    first_row = {}
    rows = []
    for r in range(res.n_rows):
        index = int(res.table["point"][r])
        p = by_index[index]
        j = r - first_row.setdefault(index, r)  # the layer's position in its point
        own = full.get(index, {})
        row = [str(index), res.table["config_hash"][r], res.table["network"][r], res.table["layer"][r]]
        for k in keys:
            if k in res.params:
                row.append(str(res.params[k][r]))
            else:
                v = p.get(k)
                row.append("" if v is None else str(v))
        for c in stats:
            if c in res.table:
                row.append(fmt_num(res.table[c][r]))
            elif c in own and j < len(own[c]):
                row.append(fmt_num(own[c][j]))
            else:
                row.append("")
        rows.append(row)
    return header, rows


def point_rows(res: Results, error_agg: str = "mean"):
    """(header, rows) with one row per point (failed ones too, stats empty): index, config_hash,
    status, error, network, config keys, then totals over the layers (sums; utilization
    cycle-weighted; error_rel_l2 mean/max/last; accuracy)."""
    tot = res.totals(error_agg)
    at = {int(p): i for i, p in enumerate(tot["point"])}
    keys = config_keys(res)
    stats = [c for c in tot if c not in ("point", "error")]
    header = ["point", "config_hash", "status", "error", "network"] + keys + stats
    rows = []
    for p in res.points:
        row = [str(p.index), p.config_hash, p.status, p.error, p.network]
        row += ["" if p.get(k) is None else str(p.get(k)) for k in keys]
        if p.index in at:
            row += [fmt_num(tot[c][at[p.index]]) for c in stats]
        else:
            row += [""] * len(stats)
        rows.append(row)
    return header, rows


def to_csv(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(to_csv(header, rows))
