"""Cycles and energy against the term budget, against the INT8 MAC baseline (`budget`)."""
from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import EngFormatter

from ..results import AnalysisError, Results, short_key
from .common import (DATA_BUDGET, NETWORK_KEYS, WEIGHT_BUDGET, along_key, array_text, budget_text, common,
                     dependent_keys, keys_label, matching_series, merge_array_keys, need_points, numeric_positions,
                     reference_groups, unique, value_of)
from .style import Figure, fmt_value, legend_outside, maybe_log, new_figure, palette, ref_style, suptitle


def plot_budget(res: Results, x_key: str = None) -> Figure:
    """Per network one row of two panels: total cycles and total energy (uJ) of each TR point vs its
    term budget (x_key; default the weight budget, or the data budget when only that one varies).
    One line per setting of the other swept keys (e.g. the data budget in a product sweep); keys
    that move together with x (a zipped sweep) are shown under the x ticks instead. The INT8 MAC
    points, and other non-TR designs (Stripes, ...), are dashed horizontal reference lines."""
    ok = need_points(res, "the budget plot", 2 if res.kind == "run" else 1)
    tot = res.totals()
    at = {int(p): i for i, p in enumerate(tot["point"])}
    tr_all = [p for p in ok if p.is_tr]
    if not tr_all:
        raise AnalysisError(f"{res.name}: the budget plot needs TR points (pe.kind=tr); the input has "
                            f"{', '.join(unique(p.pe_kind for p in ok))} only")
    if x_key is None:  # the weight budget, unless only the data budget varies
        x_key = along_key(tr_all) or WEIGHT_BUDGET
    if any(p.get(x_key) is None for p in tr_all):
        raise AnalysisError(f"{res.name}: key '{x_key}' not found in the swept params nor in config_yaml")
    candidates = merge_array_keys([k for k in res.swept_keys if k not in (x_key, "pe.kind") and k not in NETWORK_KEYS])
    nets = unique(p.network for p in ok)
    dependent = []
    for net in nets:
        dep = dependent_keys([p for p in tr_all if p.network == net], x_key, candidates)
        dependent += [k for k in dep if k not in dependent]
    series_keys = [k for k in candidates if k not in dependent]
    pos, ticks, tick_labels, auto_ticks = numeric_positions(unique(p.get(x_key) for p in tr_all))
    if dependent and not auto_ticks:  # second tick line: what moves with x (e.g. the data budget)
        by_x = {}
        for p in tr_all:
            by_x.setdefault(pos[p.get(x_key)], budget_text(p, dependent) if set(dependent) <= {WEIGHT_BUDGET, DATA_BUDGET}
                            else "/".join(str(p.get(k)) for k in dependent))
        tick_labels = [f"{t}\n{by_x.get(x, '')}" for x, t in zip(ticks, tick_labels)]

    fig = new_figure(13, 4.3 * len(nets) + 0.5)
    axes = np.array(fig.subplots(len(nets), 2, squeeze=False))
    metrics = (("cycles", "cycles", "total cycles (all layers)", 1.0),
               ("energy_uj", "energy_total_pj", "energy (\u00b5J, all layers)", 1e-6))
    data = {"x_key": x_key, "moves_with_x": dependent, "networks": {}}
    notes = []
    gs = common(tr_all, x_key.rsplit(".", 1)[0] + ".group_size")
    who = "weight" if ".weights." in x_key else "data" if ".data." in x_key else ""
    if x_key.endswith(".budget") and who:
        per = "per value" if gs == "1" else f"/ group of {gs}" if gs else "/ group"
        xlabel = f"{who} term budget (terms {per})"
    else:
        xlabel = x_key
    if dependent:
        xlabel += "\nsecond line: " + ", ".join(short_key(k) for k in dependent)
    for row, net in zip(axes, nets):
        pts = [p for p in ok if p.network == net]
        tr = [p for p in pts if p.is_tr]
        skeys = [k for k in series_keys if len(unique(str(value_of(p, k)) for p in tr)) > 1]
        series = {}
        for p in tr:
            series.setdefault(tuple((k, value_of(p, k)) for k in skeys), []).append(p)
        colors = dict(zip(series, palette(len(series))))
        compact = len(series) > 6 and len(skeys) > 1  # many lines: values in the labels, keys in the title
        names = {sk: "TR" + ((", " + ", ".join(fmt_value(v) for _, v in sk)) if compact else
                             (f", {keys_label(sk)}" if sk else "")) for sk in series}
        refs = reference_groups(res, pts)
        # A reference design that matches exactly one TR line (same array, same other keys) is drawn
        # in that line's colour; the others get black and grey dash styles of their own.
        matched = {}
        for label, _, parts in refs:
            m = matching_series(parts, series) if parts else []
            if len(m) == 1:
                matched[label] = m[0]
        ndata = {"series": {}, "baselines": {}, "matched": {lab: names[sk] for lab, sk in matched.items()}}
        handles = []
        for ax, (mname, col, ylabel, scale) in zip(row, metrics):
            allv = []
            for sk, spts in series.items():
                spts = sorted(spts, key=lambda p: pos[p.get(x_key)])
                x = np.array([pos[p.get(x_key)] for p in spts])
                y = np.array([tot[col][at[p.index]] * scale for p in spts])
                allv += list(y)
                label = names[sk]
                line, = ax.plot(x, y, marker="o", color=colors[sk], label=label, lw=1.8, ms=5)
                ndata["series"].setdefault(label, {})["x"] = [p.get(x_key) for p in spts]
                ndata["series"][label][mname] = y
                if mname == "cycles":
                    handles.append(line)
            own_style = 0
            for label, rpts, _ in refs:
                v = float(np.mean([tot[col][at[p.index]] * scale for p in rpts]))  # one design: equal values
                allv.append(v)
                if label in matched:
                    line = ax.axhline(v, color=colors[matched[label]], ls="--", dashes=(5, 2), lw=1.2, label=label)
                else:
                    color, dashes = ref_style(own_style)
                    own_style += 1
                    line = ax.axhline(v, color=color, ls="--", dashes=dashes, lw=1.4, label=label)
                    if mname == "cycles":
                        handles.append(line)
                ndata["baselines"].setdefault(label, {})[mname] = v
            log = maybe_log(ax, allv)
            ax.set_ylabel(ylabel + (" [log]" if log else ""))
            finite = [v for v in allv if np.isfinite(v)]
            if not log and finite:
                ax.set_ylim(0, max(finite) * 1.07 or 1.0)
            if mname == "cycles":
                ax.yaxis.set_major_formatter(EngFormatter(sep=""))
            if not auto_ticks:
                ax.set_xticks(ticks, tick_labels)
            ax.set_xlabel(xlabel)
            ax.set_title(f"{net}: {'cycles' if mname == 'cycles' else 'energy'} vs term budget")
        if not any(p.is_baseline for p in pts):
            notes.append(f"{net}: no INT8 baseline (no pe.kind=mac point for this network)")
            handles.append(Line2D([], [], ls="none", label="(no INT8 MAC point)"))
        for kind in unique(lab.split(" (")[0] for lab in matched):
            handles.append(Line2D([], [], color="#555555", ls="--", dashes=(5, 2), lw=1.2,
                                  label=f"{kind} (dashed): of the TR line\nof its colour (same design)"))
        title = ("TR lines: " + ", ".join(short_key(k) if k != "array" else "array" for k in skeys)) if compact else None
        legend_outside(row[1], handles, title=title, title_fontsize=8)
        data["networks"][net] = ndata
    arr = array_text(ok)
    suptitle(fig, "TR term budget vs INT8 baseline" + (f" ({arr})" if arr else ""))
    return Figure("budget", fig, data, notes)
