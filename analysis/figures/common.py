"""What the figures share about the points: the budget keys, grouping points into curves and
reference designs, point labels, the quality metric, the per-network panel layout."""
from __future__ import annotations

import numpy as np

from ..results import AnalysisError, Point, Results, array_config, budget_value, kind_label, short_key
from .style import fmt_value, new_figure

WEIGHT_BUDGET = "operands.weights.budget"
NETWORK_KEYS = ("trace",)  # keys whose effect is the network, shown by its name instead
DATA_BUDGET = "operands.data.budget"


def unique(values):
    return list(dict.fromkeys(values))


def common(points, key):
    """The value of key shared by all points, or None when they differ."""
    vals = unique(str(p.get(key)) for p in points)
    return vals[0] if len(vals) == 1 and vals[0] != "None" else None


ARRAY_KEYS = ("array.rows", "array.cols", "array.area_mm2")
# Keys that apply to some PE kinds only: a reference design never differs by the others.
USES_BUDGET = {"tr"}
USES_ENCODING = {"tr", "pragmatic", "laconic"}


def applies(kind: str, key: str) -> bool:
    """Whether a config key changes a design of this PE kind (budgets: tr only; encodings: the kinds
    that code terms; group sizes: tr only)."""
    if key.endswith(".budget") or key.endswith(".group_size"):
        return kind in USES_BUDGET
    if key.endswith(".encoding"):
        return kind in USES_ENCODING
    return True


def merge_array_keys(keys) -> list:
    """`keys` with array.rows, array.cols and array.area_mm2 replaced by the pseudo key 'array' (one
    array configuration, results.array_config), at the place of the first of them."""
    out = []
    for k in keys:
        k = "array" if k in ARRAY_KEYS else k
        if k not in out:
            out.append(k)
    return out


def value_of(p: Point, key: str):
    """A point's value of a config key, or of the pseudo keys 'network' and 'array'."""
    if key == "network":
        return p.network
    if key == "array":
        return array_config(p)
    return p.get(key)


def array_phrase(config: str) -> str:
    """'16x16 array' or 'array of 0.641 mm2' for an array configuration (results.array_config)."""
    return f"array of {config[5:]}" if config.startswith("area ") else f"{config} array"


def keys_label(parts: tuple) -> str:
    """'16x16 array, data budget=3' from ((key, value), ...); the network by its name."""
    out = []
    for k, v in parts:
        if k == "network":
            out.append(str(v))
        elif k == "array":
            out.append(array_phrase(str(v)))
        else:
            out.append(f"{short_key(k)}={fmt_value(v)}")
    return ", ".join(out)


def numeric_positions(values):
    """Maps budget texts to x positions: numbers where they are, 'none' (no budget) one step right
    of the largest. Returns (positions dict text -> x, ticks, tick labels)."""
    nums = sorted({budget_value(v) for v in values if isinstance(budget_value(v), (int, float))})
    has_none = any(budget_value(v) is None for v in values)
    others = sorted({str(v) for v in values if not isinstance(budget_value(v), (int, float, type(None)))})
    pos = {}
    for v in values:
        b = budget_value(v)
        if isinstance(b, (int, float)):
            pos[v] = float(b)
    step = 1.0
    if len(nums) > 1:
        step = max(1.0, float(np.min(np.diff(nums))))
    nxt = (nums[-1] if nums else 0.0) + step * (1.5 if nums else 1.0)
    if has_none:
        for v in values:
            if budget_value(v) is None:
                pos[v] = nxt
        none_x = nxt
        nxt += step
    for o in others:  # categorical leftovers (should not happen for budgets)
        for v in values:
            if str(v) == o:
                pos[v] = nxt
        nxt += step
    ticks, labels = [], []
    if len(nums) <= 20:
        ticks += [float(n) for n in nums]
        labels += [str(n) for n in nums]
    if has_none:
        ticks.append(none_x)
        labels.append("none")
    for o in others:
        ticks.append(pos[next(v for v in values if str(v) == o)])
        labels.append(o)
    return pos, ticks, labels, (len(nums) > 20)


def array_text(points) -> str:
    """'32x32 array' (or 'array of 0.641 mm2') when every point has the same array configuration
    (results.array_config), else ''."""
    configs = unique(array_config(p) for p in points)
    if len(configs) != 1 or "?" in configs[0]:
        return ""
    return array_phrase(configs[0])


def need_points(res: Results, what: str, min_points=1):
    ok = res.ok_points()
    if len(ok) < min_points:
        raise AnalysisError(f"{res.name}: {what} needs at least {min_points} successful point(s), "
                            f"found {len(ok)}" + (" (use a sweep file or several run files)" if res.kind == "run" else ""))
    return ok


def dependent_keys(points, x_key, keys):
    """The budget keys (of `keys`) that vary over `points` but are fixed by the value of x_key, as
    in a zipped sweep (weight budget 4, 8, 12 with data budget 1, 2, 3): they move along a curve
    with x instead of making curves of their own. Other keys (encodings, sizes) always make their
    own curves."""
    out = []
    for k in keys:
        if not k.endswith(".budget"):
            continue
        seen = {}
        if all(seen.setdefault(str(p.get(x_key)), str(p.get(k))) == str(p.get(k)) for p in points) \
                and len(set(seen.values())) > 1:
            out.append(k)
    return out


def reference_groups(res: Results, points):
    """Non-TR points (mac, stripes, ...) grouped into reference designs: by kind and by the swept keys
    that vary among that kind's points and apply to it (budgets never do; encodings only to the kinds
    that code terms; the array as one key), so two MAC designs are two baselines, never their mean.
    Returns [(label, [points], {key: value})], INT8 MAC first; the dict holds the keys that tell the
    group apart (empty: one design of its kind), for matching it to the TR line of the same design."""
    keys = merge_array_keys([k for k in res.swept_keys if k != "pe.kind" and k not in NETWORK_KEYS])
    groups = {}
    for p in points:
        if p.is_tr:
            continue
        kpts = [q for q in points if q.pe_kind == p.pe_kind]
        varying = [k for k in keys if applies(p.pe_kind, k) and len(unique(str(value_of(q, k)) for q in kpts)) > 1]
        gk = (p.pe_kind,) + tuple((k, value_of(p, k)) for k in varying)
        groups.setdefault(gk, []).append(p)
    out = []
    for gk, pts in sorted(groups.items(), key=lambda kv: (kv[0][0] != "mac", kv[1][0].index)):
        label = kind_label(gk[0]) + (" baseline" if gk[0] == "mac" else "")
        if len(gk) > 1:
            label += f" ({keys_label(gk[1:])})"
        out.append((label, pts, dict(gk[1:])))
    return out


def matching_series(parts: dict, series_keys) -> list:
    """The series (tuples of (key, value)) whose values agree with a reference design's `parts` on
    every key both have."""
    return [sk for sk in series_keys if all(dict(sk).get(k, v) == v for k, v in parts.items())]


def budget_text(p: Point, keys=(WEIGHT_BUDGET, DATA_BUDGET)) -> str:
    """Compact point label: the kind for non-TR points ('INT8' for the MAC baseline), else e.g.
    'w12/d3' (weight/data budgets) followed by the values of the other keys given (equal
    neighbours once, e.g. 'wnone/dnone/binary' for binary weights and data)."""
    if not p.is_tr:
        return "INT8" if p.is_baseline else p.kind_label
    parts = []
    for k in keys:
        v = value_of(p, k)
        if k == WEIGHT_BUDGET:
            parts.append(f"w{v}")
        elif k == DATA_BUDGET:
            parts.append(f"d{v}")
        elif not parts or parts[-1] != fmt_value(v):
            parts.append(fmt_value(v))
    return "/".join(parts)


def along_key(points):
    """The budget that varies along a curve: the weight budget if it varies, else the data budget
    if that varies, else None."""
    for k in (WEIGHT_BUDGET, DATA_BUDGET):
        if len(unique(str(p.get(k)) for p in points)) > 1:
            return k
    return None


def tr_label_keys(res: Results, tr_points):
    """Keys that tell TR points apart in labels: both budgets, then the other swept keys that vary."""
    extra = [k for k in merge_array_keys(res.swept_keys) if k not in ("pe.kind", WEIGHT_BUDGET, DATA_BUDGET)
             and k not in NETWORK_KEYS and len(unique(str(value_of(p, k)) for p in tr_points)) > 1]
    return [WEIGHT_BUDGET, DATA_BUDGET] + extra


def metric_for(points, tot, at, metric):
    """'accuracy' or 'error': auto takes accuracy only when every point has one (a trace gives the
    INT8 accuracy but not always the accuracy under TR), else the output error."""
    if metric not in ("auto", "accuracy", "error"):
        raise AnalysisError(f"unknown metric '{metric}' (allowed: auto, accuracy, error)")
    finite = [bool(np.isfinite(tot["accuracy"][at[p.index]])) for p in points]
    if metric == "accuracy" and not any(finite):
        raise AnalysisError("no accuracy in the input (the sweep's accuracy column is NaN); use --metric error")
    return "accuracy" if (metric == "accuracy" or (metric == "auto" and finite and all(finite))) else "error"


ERROR_LABEL = {
    "mean": "output error, rel. L2 (mean over layers)",
    "max": "output error, rel. L2 (worst layer)",
    "last": "output error, rel. L2 (last layer)",
}


def network_panels(res: Results, what: str, error_agg: str, panel_height: float):
    """Shared set-up of the per-network figures: the usable points, their totals (and the row of each
    point in them), the networks, and a figure with one panel per network, two per row."""
    ok = need_points(res, what, 2 if res.kind == "run" else 1)
    tot = res.totals(error_agg)
    at = {int(p): i for i, p in enumerate(tot["point"])}
    nets = unique(p.network for p in ok)
    ncols = min(len(nets), 2)
    nrows = (len(nets) + ncols - 1) // ncols
    fig = new_figure(6.6 * ncols, panel_height * nrows + 0.4)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    return ok, tot, at, nets, fig, axes


def describe_keys(res: Results):
    keys = ["pe.kind"] + [k for k in res.swept_keys if k != "pe.kind" and k not in NETWORK_KEYS]
    for k in (WEIGHT_BUDGET, DATA_BUDGET):
        if k not in keys:
            keys.append(k)
    return keys
