"""Choosing points and splitting them into figures: `where` (--where KEY=VALUE) keeps the points with the
given values, `split` (--facet KEY) makes one sub-input per value of the facet keys, each drawn as its own
figure with its own baselines. Points run on different array configurations are always split by array
(the pseudo key `array`: rows x cols, or the area an array was sized to) unless the keys say `none`:
one figure mixing two arrays gave duplicate labels and files that overwrote each other.

Keys are config key paths (`array.rows`, `operands.data.budget`) or the pseudo keys `network` (the
trace's network) and `array` (results.array_config: `16x16`, `area 0.641 mm2`)."""
from __future__ import annotations

from dataclasses import dataclass

from ..results import AnalysisError, Results, array_config, fmt_value, short_key, typed_value
from .common import array_phrase, unique, value_of
from .style import Figure, add_to_title, safe_name

PSEUDO_KEYS = ("network", "array")


@dataclass
class Part:
    """One facet: its points as a Results, the file-name suffix and the title line that name it."""

    suffix: str  # "array-16x16_data_budget-3"; "" when the input is not split
    title: str   # "16x16 array, data budget=3"
    res: Results


def _check_key(res: Results, key: str, option: str):
    if key in PSEUDO_KEYS:
        return
    if not any(p.get(key) is not None for p in res.points):
        swept = ", ".join(list(PSEUDO_KEYS) + list(res.swept_keys))
        raise AnalysisError(f"{option}: no point has the key '{key}' (swept keys and pseudo keys: {swept}; "
                            f"any config key works)")


def _text(p, key) -> str:
    return fmt_value(value_of(p, key))


def facet_keys(res: Results, keys=None) -> list:
    """The keys to split by: `keys` as given (without 'none'), then 'array' when the points ran on more
    than one array configuration (unless `keys` holds 'none')."""
    keys = list(keys or [])
    out = [k for k in keys if k != "none"]
    for k in out:
        _check_key(res, k, f"--facet {k}")
    arrays = unique(array_config(p) for p in res.ok_points())
    if "none" not in keys and "array" not in out and len(arrays) > 1:
        out.append("array")
    return out


def split(res: Results, keys=None) -> list:
    """The facets of an input (facet_keys): one Part per combination of the keys' values that has ok
    points, in the order the points first show it; one Part without suffix when nothing splits."""
    keys = facet_keys(res, keys)
    if not keys:
        return [Part("", "", res)]
    groups = {}
    for p in res.ok_points():
        groups.setdefault(tuple(_text(p, k) for k in keys), []).append(p.index)
    parts = []
    for values, indices in groups.items():
        suffix = "_".join(f"{k if k in PSEUDO_KEYS else safe_name(short_key(k))}-{safe_name(v)}"
                          for k, v in zip(keys, values))
        title = ", ".join(array_phrase(v) if k == "array" else v if k == "network" else f"{short_key(k)}={v}"
                          for k, v in zip(keys, values))
        parts.append(Part(suffix, title, res.subset(indices)))
    return parts


def _matches(value, wanted: list) -> bool:
    if value is None:
        return False
    typed = typed_value(value)
    return any(typed == w or fmt_value(value) == fmt_value(w) or str(value) == str(w) for w in wanted)


def where(res: Results, conditions) -> Results:
    """The points whose values match every condition 'KEY=VALUE' (several values: KEY=V1,V2; numbers
    compare as numbers, 'none' matches no budget). Raises AnalysisError naming the condition when it is
    malformed, names a key no point has, or matches no point."""
    for cond in conditions or []:
        key, eq, values = cond.partition("=")
        key = key.strip()
        if not eq or not key or not values.strip():
            raise AnalysisError(f"--where {cond}: expected KEY=VALUE (several values: KEY=V1,V2)")
        _check_key(res, key, f"--where {cond}")
        wanted = [typed_value(v) for v in values.split(",")]
        keep = [p.index for p in res.points if _matches(value_of(p, key), wanted)]
        if not keep:
            seen = unique(_text(p, key) for p in res.ok_points())
            raise AnalysisError(f"--where {cond}: no point has that value ({key}: {', '.join(seen)})")
        res = res.subset(keep)
    return res


def draw(plot, res: Results, keys=None, *args, **kwargs) -> list:
    """plot(part.res, *args, **kwargs) for every facet of `res`, each Figure named with its facet's suffix
    and titled with its values. A facet the figure cannot be drawn for (e.g. no TR point in it) gives a
    Figure without a drawing whose note says why; an input that is not split raises as plot does."""
    parts = split(res, keys)
    out = []
    for part in parts:
        if not part.suffix:
            out.append(plot(part.res, *args, **kwargs))
            continue
        try:
            f = plot(part.res, *args, **kwargs)
        except AnalysisError as e:
            out.append(Figure(f"{part.suffix}", None, notes=[f"{part.title}: skipped: {e}"]))
            continue
        f.name = f"{f.name}_{part.suffix}"
        if f.fig is not None:
            add_to_title(f.fig, part.title)
        out.append(f)
    return out
