"""CSV export of the summary: one row per (point, layer), or one row per point (totals)."""
from __future__ import annotations

import csv
import io


from .results import Results, fmt_num

ID_COLUMNS = ("point", "config_hash", "network", "layer")


def layer_rows(res: Results):
    """(header, rows) of the per-layer summary: point, config_hash, network, layer, one column per
    config key (the swept keys first, then pe.kind, budgets, group sizes, encodings, array size as
    read from each point's config), then every statistic of the summary in file order."""
    keys = res.param_keys()
    stats = [c for c in res.table if c not in ID_COLUMNS]
    header = list(ID_COLUMNS) + keys + stats
    by_index = {p.index: p for p in res.points}
    rows = []
    for r in range(res.n_rows):
        p = by_index[int(res.table["point"][r])]
        row = [str(int(res.table["point"][r])), res.table["config_hash"][r], res.table["network"][r],
               res.table["layer"][r]]
        for k in keys:
            if k in res.params:
                row.append(str(res.params[k][r]))
            else:
                v = p.get(k)
                row.append("" if v is None else str(v))
        row += [fmt_num(res.table[c][r]) for c in stats]
        rows.append(row)
    return header, rows


def point_rows(res: Results, error_agg: str = "mean"):
    """(header, rows) with one row per point (failed ones too, stats empty): index, config_hash,
    status, error, network, config keys, then totals over the layers (sums; utilization
    cycle-weighted; error_rel_l2 mean/max/last; accuracy)."""
    tot = res.totals(error_agg)
    at = {int(p): i for i, p in enumerate(tot["point"])}
    keys = res.param_keys()
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
