"""Reading trsim results: single-run files ("trsim-results") and sweep files ("trsim-sweep").

Both are turned into one model: a list of `Point`s (one simulated configuration each) and a
per-layer table (`Results.table`: one row per (ok point, layer), columns as numpy arrays), so every
figure works the same on a sweep, on one run, or on several run files given together.

Layouts read here:

* run file (sim/io/ResultsWriter.hpp): root attrs format="trsim-results", format_version, config_hash,
  config_yaml, trace_network, ...; /layers/<layer>/ (attr index, scalar stats, optional
  pe_utilization [rows, cols]); /run/; /summary/layer plus one float64 column per stat.
* sweep file: root attrs format="trsim-sweep", format_version=1, sweep_yaml, base_config,
  swept_keys ("\\n"-joined key paths), n_points; /points/<config_hash>/ per point (attrs index,
  config_hash, overrides, status, error; ok points also hold a whole run file's content);
  /summary/ one row per (ok point, layer) with point, config_hash, network, layer, the stats and
  /summary/params/<key path> (strings as written in YAML).
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field

import h5py
import numpy as np

RUN_FORMAT = "trsim-results"
SWEEP_FORMAT = "trsim-sweep"
SUPPORTED_VERSION = 1

# Config keys the figures and the CSV export use; read from the swept params, else from config_yaml.
PLOT_KEYS = (
    "pe.kind",
    "operands.weights.budget",
    "operands.data.budget",
    "operands.weights.group_size",
    "operands.data.group_size",
    "operands.weights.encoding",
    "operands.data.encoding",
    "array.rows",
    "array.cols",
)

# Columns a sweep's /summary must have (accuracy may be absent: then NaN).
SWEEP_SUMMARY_COLUMNS = (
    "point", "config_hash", "network", "layer",
    "cycles", "compute_cycles", "stall_cycles", "ideal_cycles", "utilization", "term_pairs", "macs",
    "dense_macs", "energy_total_pj", "error_rel_l2",
)
# Columns a run file's /summary must have for the analysis to make sense.
RUN_SUMMARY_COLUMNS = (
    "layer", "cycles", "compute_cycles", "stall_cycles", "ideal_cycles", "utilization", "term_pairs",
    "macs", "dense_macs", "energy_total_pj", "error_rel_l2",
)
STRING_COLUMNS = ("config_hash", "network", "layer")

# Per-point totals: these columns are summed over a point's layers.
SUMMED = (
    "cycles", "compute_cycles", "stall_cycles", "ideal_cycles", "sync_loss_cycles", "time_us", "pe_cycles",
    "term_pairs", "macs", "dense_macs", "dram_read_bytes", "dram_write_bytes", "sram_read_words",
    "sram_write_words",
)

NO_BUDGET = {"none", "null", "~", ""}


class AnalysisError(Exception):
    """A problem with the input (missing file, wrong format, missing dataset): the message names the
    file and what is missing or wrong. The CLI prints it and exits with status 1."""


# --------------------------------------------------------------------------------------------------
# Config text


_KEY_LINE = re.compile(r"^([A-Za-z0-9_.\-]+)\s*:(?:\s+(.*))?$")


def _strip_comment(line: str) -> str:
    """Removes a YAML comment (a '#' at the start or after whitespace, outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_config_scalars(text: str) -> dict:
    """Flattens a block-style YAML mapping (the resolved config trsim stores) into
    {"key.path": "scalar text as written"}. Only what trsim writes is supported: nested block
    mappings and scalars; a flow mapping or list value is kept as its raw text. No YAML library
    is needed, and values stay strings exactly as written (like the sweep's params)."""
    out = {}
    stack = [(-1, "")]  # (indent, key prefix)
    for raw in text.splitlines():
        line = _strip_comment(raw).rstrip()
        if not line.strip() or line.strip().startswith("- ") or line.strip() in ("---", "..."):
            continue
        indent = len(line) - len(line.lstrip(" "))
        m = _KEY_LINE.match(line.strip())
        if not m:
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        prefix = stack[-1][1] if stack else ""
        key, value = m.group(1), m.group(2)
        path = prefix + key
        if value is None or value == "":
            stack.append((indent, path + "."))
        else:
            out[path] = _unquote(value)
    return out


def budget_value(text):
    """'12' -> 12, 'none' (or null, ~, '') -> None; anything else is returned unchanged."""
    if text is None:
        return None
    s = str(text).strip()
    if s.lower() in NO_BUDGET:
        return None
    try:
        v = float(s)
    except ValueError:
        return s
    return int(v) if v.is_integer() else v


def parse_overrides(text: str) -> dict:
    """'a.b=1\\nc.d=none' -> {'a.b': '1', 'c.d': 'none'}."""
    out = {}
    for line in (text or "").splitlines():
        if "=" in line:
            k, _, v = line.partition("=")
            out[k.strip()] = _unquote(v)
    return out


# --------------------------------------------------------------------------------------------------
# Model


@dataclass
class Point:
    """One simulated configuration: a sweep point, or the single run of a run file."""

    index: int
    config_hash: str
    status: str  # "ok" | "failed" | "not_run" (sweep points); only ok points have results
    error: str
    overrides: str
    params: dict  # swept key path -> value text (sweeps; empty for run files)
    config: dict  # flattened resolved config (config_yaml), empty for failed points
    network: str
    file: str  # the HDF5 file holding this point
    group: str  # "/" for a run file, "/points/<hash>" for a sweep point
    ran_on: tuple = None  # (rows, cols) of the array the point ran on (/run/array_rows, array_cols), if known

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def get(self, key: str, default=None):
        """A config value as text: the swept value if swept, else from the point's config_yaml."""
        if key in self.params:
            return self.params[key]
        return self.config.get(key, default)

    @property
    def pe_kind(self) -> str:
        return str(self.get("pe.kind", "tr"))

    @property
    def is_baseline(self) -> bool:
        """The INT8 bit-parallel MAC baseline."""
        return self.pe_kind == "mac"

    @property
    def is_tr(self) -> bool:
        """A Term Revealing (tMAC) array; every other kind (mac, stripes, ...) is a reference design."""
        return self.pe_kind == "tr"

    @property
    def kind_label(self) -> str:
        return kind_label(self.pe_kind)

    def describe(self, keys=None) -> str:
        """Short text like 'pe=tr, w budget=12, d budget=3' for titles and annotations."""
        keys = keys if keys is not None else [k for k in PLOT_KEYS[:3]]
        parts = []
        for k in keys:
            v = self.get(k)
            if v is None:
                continue
            if k.endswith(".budget") and not self.is_tr:
                continue  # budgets apply to TR only
            parts.append(f"{short_key(k)}={fmt_value(v)}")
        return ", ".join(parts)


_SHORT = {
    "pe.kind": "pe",
    "operands.weights.budget": "weight budget",
    "operands.data.budget": "data budget",
    "operands.weights.group_size": "weight group",
    "operands.data.group_size": "data group",
    "operands.weights.encoding": "weight enc",
    "operands.data.encoding": "data enc",
    "array.rows": "rows",
    "array.cols": "cols",
    "array.dataflow": "dataflow",
}


def array_config(point) -> str:
    """The array a point's design asks for: 'area 0.641 mm2' when array.area_mm2 is set (trsim sizes the
    array to that area, so points of different kinds run on different arrays), else 'ROWSxCOLS'."""
    area = point.get("array.area_mm2")
    if area is not None and str(area).strip().lower() not in NO_BUDGET:
        try:
            text = f"{float(area):.6g}"
        except ValueError:
            text = str(area)
        return f"area {text} mm2"
    return f"{point.get('array.rows', '?')}x{point.get('array.cols', '?')}"


def short_key(key: str) -> str:
    return _SHORT.get(key, key)


# Names of the PE kinds (pe.kind) in figures.
KIND_LABELS = {
    "mac": "INT8 MAC",
    "tr": "TR",
    "stripes": "Stripes",
    "pragmatic": "Pragmatic",
    "laconic": "Laconic",
    "dnateq": "DNA-TEQ",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


@dataclass
class Results:
    """What the figures and the CSV export read."""

    paths: list
    kind: str  # "sweep" | "run" | "runs" (several run files given together)
    swept_keys: list
    points: list  # every point (failed ones too), in index order
    table: dict  # per-layer rows of ok points: column -> 1-D numpy array (strings as object arrays)
    params: dict = field(default_factory=dict)  # swept key -> per-row value texts (object arrays)

    @property
    def name(self) -> str:
        return ", ".join(os.path.basename(p) for p in self.paths)

    def ok_points(self) -> list:
        return [p for p in self.points if p.ok]

    def failed_points(self) -> list:
        return [p for p in self.points if not p.ok]

    @property
    def n_rows(self) -> int:
        return len(self.table["layer"])

    def networks(self) -> list:
        seen = []
        for p in self.ok_points():
            if p.network not in seen:
                seen.append(p.network)
        return seen

    def param_keys(self) -> list:
        """Swept keys first (in sweep order), then the plot keys that were not swept."""
        return list(self.swept_keys) + [k for k in PLOT_KEYS if k not in self.swept_keys]

    def point(self, index=None, config_hash=None) -> Point:
        """Selects a point by index or config hash (prefix allowed); default: the first ok point."""
        if index is not None and config_hash is not None:
            raise AnalysisError("give a point index or a config hash, not both")
        if index is not None:
            for p in self.points:
                if p.index == index:
                    if not p.ok:
                        raise AnalysisError(f"{self.name}: point {index} {p.status} ({p.error or 'no message'})")
                    return p
            raise AnalysisError(
                f"{self.name}: no point with index {index} (indices: {_ranges([p.index for p in self.points])})")
        if config_hash is not None:
            matches = [p for p in self.points if p.config_hash.startswith(config_hash)]
            if len(matches) != 1:
                raise AnalysisError(f"{self.name}: config hash '{config_hash}' matches {len(matches)} points")
            if not matches[0].ok:
                raise AnalysisError(
                    f"{self.name}: point {matches[0].index} {matches[0].status} ({matches[0].error or 'no message'})")
            return matches[0]
        ok = self.ok_points()
        if not ok:
            raise AnalysisError(f"{self.name}: no successful point (every point failed)")
        return ok[0]

    def rows_of(self, point: Point) -> np.ndarray:
        """Indices into `table` of a point's layers, in execution order."""
        return np.nonzero(self.table["point"] == point.index)[0]

    def column(self, name: str) -> np.ndarray:
        if name not in self.table:
            raise AnalysisError(f"{self.name}: summary column '{name}' missing")
        return self.table[name]

    def totals(self, error_agg: str = "mean") -> dict:
        """Per ok point totals: dict column -> numpy array in ok-point order, plus 'point' (index).
        Sums the extensive stats and every energy_*_pj; 'utilization' is the cycle-weighted mean
        (= useful work over all PE-cycles); 'error' aggregates error_rel_l2 over the layers by
        `error_agg` (mean | max | last); 'accuracy' is the point's accuracy (NaN if none)."""
        if error_agg not in ("mean", "max", "last"):
            raise AnalysisError(f"unknown error aggregation '{error_agg}' (allowed: mean, max, last)")
        pts = self.ok_points()
        out = {"point": np.array([p.index for p in pts], dtype=np.int64)}
        summed = [c for c in self.table if c in SUMMED or (c.startswith("energy_") and c.endswith("_pj"))]
        for c in summed:
            out[c] = np.zeros(len(pts))
        for c in ("utilization", "error_rel_l2_mean", "error_rel_l2_max", "error_rel_l2_last", "error",
                  "accuracy"):
            out[c] = np.full(len(pts), np.nan)
        for i, p in enumerate(pts):
            rows = self.rows_of(p)
            if len(rows) == 0:
                continue
            for c in summed:
                out[c][i] = np.nansum(self.table[c][rows])
            cyc = self.table["cycles"][rows]
            util = self.table["utilization"][rows]
            if np.nansum(cyc) > 0:
                out["utilization"][i] = np.nansum(util * cyc) / np.nansum(cyc)
            err = self.table["error_rel_l2"][rows]
            out["error_rel_l2_mean"][i] = float(np.mean(err))
            out["error_rel_l2_max"][i] = float(np.max(err))
            out["error_rel_l2_last"][i] = float(err[-1])
            acc = self.table["accuracy"][rows]
            finite = acc[np.isfinite(acc)]
            if len(finite):
                out["accuracy"][i] = float(finite[0])
        out["error"] = out[f"error_rel_l2_{error_agg}"].copy()
        out["energy_total_uj"] = out["energy_total_pj"] / 1e6
        return out

    def subset(self, indices) -> "Results":
        """The same input restricted to the points with these indices (their rows of the table)."""
        keep = set(int(i) for i in indices)
        mask = np.array([int(i) in keep for i in self.table["point"]], dtype=bool)
        return Results(paths=self.paths, kind=self.kind, swept_keys=list(self.swept_keys),
                       points=[p for p in self.points if p.index in keep],
                       table={c: v[mask] for c, v in self.table.items()},
                       params={k: v[mask] for k, v in self.params.items()})

    # Access to a point's own run-layout content (energy components, pe_utilization) -------------

    def _open_point(self, point: Point):
        f = _open_h5(point.file)
        if point.group not in f:
            f.close()
            raise AnalysisError(f"{point.file}: group {point.group} missing")
        return f

    def layer_table(self, point: Point) -> dict:
        """The point's full per-layer summary (every stat, e.g. the energy components): column ->
        array, 'layer' as str array, from <point group>/summary."""
        with self._open_point(point) as f:
            g = f[point.group]
            where = _join(point.group, "summary")
            if "summary" not in g or "layer" not in g["summary"]:
                raise AnalysisError(f"{point.file}: {where}/layer missing (point {point.index} has no per-layer summary)")
            return _read_summary(g["summary"], point.file, where)

    def layer_names(self, point: Point) -> list:
        """The point's layers in execution order (by the layers' index attribute)."""
        with self._open_point(point) as f:
            g = f[point.group]
            if "layers" not in g:
                raise AnalysisError(f"{point.file}: {_join(point.group, 'layers')} missing")
            names = list(g["layers"])
            return sorted(names, key=lambda n: int(g["layers"][n].attrs.get("index", names.index(n))))

    def pe_utilization(self, point: Point, layer: str):
        """The [rows, cols] utilization map of a layer, or None when the file has none."""
        with self._open_point(point) as f:
            g = f[point.group]
            path = f"layers/{layer}"
            if path not in g:
                raise AnalysisError(
                    f"{point.file}: no layer '{layer}' in {_join(point.group, 'layers')} "
                    f"(layers: {', '.join(self.layer_names(point))})")
            lg = g[path]
            if "pe_utilization" not in lg:
                return None
            arr = np.asarray(lg["pe_utilization"][()], dtype=np.float64)
            if arr.ndim != 2:
                raise AnalysisError(
                    f"{point.file}: {_join(point.group, path)}/pe_utilization has shape {arr.shape}, expected [rows, cols]")
            return arr


def _join(group: str, name: str) -> str:
    return "/" + "/".join(s for s in (group.strip("/"), name) if s)


def _ranges(values) -> str:
    values = sorted(values)
    if not values:
        return "none"
    if values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}..{values[-1]}"
    return ", ".join(str(v) for v in values)


# --------------------------------------------------------------------------------------------------
# Loading


def _open_h5(path: str):
    if not os.path.exists(path):
        raise AnalysisError(f"{path}: no such file")
    if os.path.isdir(path):
        raise AnalysisError(f"{path}: is a directory, expected a trsim HDF5 results or sweep file")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise AnalysisError(f"{path}: not an HDF5 file ({e})") from None


def _attr_str(obj, name, default=None):
    v = obj.attrs.get(name, default)
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray) and v.shape == ():
        v = v[()]
    return v if v is None or isinstance(v, str) else str(v)


def _read_column(ds, path, where):
    if not isinstance(ds, h5py.Dataset):
        raise AnalysisError(f"{path}: {where} is not a dataset")
    if ds.ndim != 1:
        raise AnalysisError(f"{path}: {where} has shape {ds.shape}, expected a 1-D column")
    if h5py.check_string_dtype(ds.dtype) is not None:
        return np.array(ds.asstr()[:], dtype=object)
    if ds.dtype.kind in "iu":
        return ds[:].astype(np.int64)
    if ds.dtype.kind == "f":
        return ds[:].astype(np.float64)
    raise AnalysisError(f"{path}: {where} has unsupported type {ds.dtype}")


def _read_summary(g, path, where) -> dict:
    table = {}
    for name, ds in g.items():
        if isinstance(ds, h5py.Group):
            continue
        table[name] = _read_column(ds, path, f"{where}/{name}")
    lengths = {k: len(v) for k, v in table.items()}
    if len(set(lengths.values())) > 1:
        raise AnalysisError(f"{path}: {where} columns differ in length: "
                            + ", ".join(f"{k}={n}" for k, n in lengths.items()))
    return table


def _require(table, columns, path, where, what):
    missing = [c for c in columns if c not in table]
    if missing:
        raise AnalysisError(f"{path}: {where} lacks {', '.join(missing)} ({what})")


def _check_format(f, path):
    fmt = _attr_str(f, "format")
    if fmt is None:
        raise AnalysisError(f"{path}: no 'format' attribute on / (not a trsim results or sweep file)")
    if fmt not in (RUN_FORMAT, SWEEP_FORMAT):
        raise AnalysisError(f"{path}: format '{fmt}' is not {RUN_FORMAT} or {SWEEP_FORMAT}")
    version = f.attrs.get("format_version")
    if version is None:
        raise AnalysisError(f"{path}: no 'format_version' attribute on /")
    if int(version) > SUPPORTED_VERSION:
        raise AnalysisError(f"{path}: {fmt} format_version {int(version)} is newer than this analysis "
                            f"package reads ({SUPPORTED_VERSION})")
    return fmt


def load(paths) -> Results:
    """Loads one sweep file, one run file, or several files of either kind taken together: every run
    and every sweep point becomes a point, and the config keys whose values differ between the
    points become the swept keys that label them."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [str(p) for p in paths]
    if not paths:
        raise AnalysisError("no input file given")
    formats = []
    for p in paths:
        with _open_h5(p) as f:
            formats.append(_check_format(f, p))
    if formats == [SWEEP_FORMAT]:
        return _load_sweep(paths[0])
    return _load_runs(paths)


def _ran_on(g):
    """(rows, cols) from a run layout's /run/array_rows and array_cols, or None (older files)."""
    if "run" not in g or "array_rows" not in g["run"] or "array_cols" not in g["run"]:
        return None
    rows, cols = float(g["run"]["array_rows"][()]), float(g["run"]["array_cols"][()])
    return (int(rows), int(cols)) if math.isfinite(rows) and math.isfinite(cols) else None


def _point_from_run_group(g, path, group, index) -> tuple:
    """Reads a run layout at group g: returns (Point, summary table)."""
    where = _join(group, "summary")
    if "summary" not in g:
        raise AnalysisError(f"{path}: {where} missing (a trsim results file has /summary)")
    table = _read_summary(g["summary"], path, where)
    _require(table, RUN_SUMMARY_COLUMNS, path, where, "per-layer statistics written by trsim run")
    n = len(table["layer"])
    if "accuracy" not in table:
        acc = np.nan
        if "run" in g and "accuracy" in g["run"]:
            acc = float(g["run"]["accuracy"][()])
        table["accuracy"] = np.full(n, acc)
    config_yaml = _attr_str(g, "config_yaml", "") or ""
    point = Point(
        index=index,
        config_hash=_attr_str(g, "config_hash", "") or "",
        status="ok",
        error="",
        overrides="",
        params={},
        config=parse_config_scalars(config_yaml),
        network=_attr_str(g, "trace_network", "") or "",
        file=path,
        group=group,
        ran_on=_ran_on(g),
    )
    return point, table


def _sweep_point_groups(f, path):
    """(group path, group) of every point of a sweep file, in point index order."""
    if "points" not in f:
        raise AnalysisError(f"{path}: /points missing (a trsim-sweep file has one group per point there)")
    groups = [(f"/points/{name}", g) for name, g in f["points"].items() if isinstance(g, h5py.Group)]
    return sorted(groups, key=lambda x: int(x[1].attrs.get("index", 0)))


def _load_runs(paths) -> Results:
    """Run files and sweep files together: every run and every sweep point is a point, numbered in
    input order; each ok point's table is its own run layout (every stat)."""
    points, tables = [], []

    def add(point, table):
        n = len(table["layer"])
        table["point"] = np.full(n, point.index, dtype=np.int64)
        table["config_hash"] = np.array([point.config_hash] * n, dtype=object)
        table["network"] = np.array([point.network] * n, dtype=object)
        points.append(point)
        tables.append(table)

    for path in paths:
        with _open_h5(path) as f:
            if _check_format(f, path) == RUN_FORMAT:
                add(*_point_from_run_group(f, path, "/", len(points)))
                continue
            for where, g in _sweep_point_groups(f, path):
                status = _attr_str(g, "status", "ok") or "ok"
                if status == "ok":
                    point, table = _point_from_run_group(g, path, where, len(points))
                    point.overrides = _attr_str(g, "overrides", "") or ""
                    add(point, table)
                else:
                    points.append(Point(index=len(points), config_hash=_attr_str(g, "config_hash", "") or "",
                                        status=status, error=_attr_str(g, "error", "") or "",
                                        overrides=_attr_str(g, "overrides", "") or "", params={}, config={},
                                        network="", file=path, group=where))
    if not tables:
        raise AnalysisError(f"{', '.join(paths)}: no successful point")
    table = _concat(tables, paths)
    swept = []
    ok = [p for p in points if p.ok]
    if len(ok) > 1:
        keys = list(dict.fromkeys(k for p in ok for k in p.config))
        for k in keys:
            if k in ("trace",) or k.startswith("energy.") or k == "energy_table":
                continue
            if len({p.config.get(k) for p in ok}) > 1:
                swept.append(k)
    res = Results(paths=paths, kind="run" if len(paths) == 1 else "runs", swept_keys=swept, points=points,
                  table=table)
    for p in ok:  # label each point by the keys that differ, as a sweep's points are
        p.params = {k: p.config.get(k, "") for k in swept}
    res.params = {k: np.array([points[int(i)].config.get(k, "") for i in table["point"]], dtype=object)
                  for k in swept}
    return res


def _concat(tables, paths) -> dict:
    order = list(dict.fromkeys(c for t in tables for c in t))
    out = {}
    for c in order:
        parts = []
        for t in tables:
            n = len(t["layer"])
            if c in t:
                parts.append(t[c])
            elif c in STRING_COLUMNS or c == "layer":
                parts.append(np.array([""] * n, dtype=object))
            else:
                parts.append(np.full(n, np.nan))
        kinds = {p.dtype.kind for p in parts}
        out[c] = np.concatenate(parts).astype(object if "O" in kinds else parts[0].dtype)
    return out


def _load_sweep(path) -> Results:
    with _open_h5(path) as f:
        for a in ("swept_keys", "n_points"):
            if a not in f.attrs:
                raise AnalysisError(f"{path}: trsim-sweep file lacks root attribute '{a}'")
        swept = [k for k in (_attr_str(f, "swept_keys") or "").split("\n") if k.strip()]
        if "points" not in f:
            raise AnalysisError(f"{path}: /points missing (a trsim-sweep file has one group per point there)")
        if "summary" not in f:
            raise AnalysisError(f"{path}: /summary missing (a trsim-sweep file has the per-layer table there)")
        table = _read_summary(f["summary"], path, "/summary")
        _require(table, SWEEP_SUMMARY_COLUMNS, path, "/summary", "the sweep's per-layer table")
        n = len(table["layer"])
        if "accuracy" not in table:
            table["accuracy"] = np.full(n, np.nan)
        table["point"] = table["point"].astype(np.int64)
        params = {}
        pg = f["summary"].get("params")
        for k in swept:
            if pg is None or k not in pg:
                raise AnalysisError(f"{path}: /summary/params/{k} missing (swept key '{k}' needs a params column)")
            col = _read_column(pg[k], path, f"/summary/params/{k}")
            if len(col) != n:
                raise AnalysisError(f"{path}: /summary/params/{k} has {len(col)} rows, /summary has {n}")
            params[k] = col

        points = []
        for name, g in f["points"].items():
            if not isinstance(g, h5py.Group):
                continue
            where = f"/points/{name}"
            if "index" not in g.attrs:
                raise AnalysisError(f"{path}: {where} lacks attribute 'index'")
            index = int(g.attrs["index"])
            status = _attr_str(g, "status", "ok") or "ok"
            over = parse_overrides(_attr_str(g, "overrides", "") or "")
            if status == "ok":
                config = parse_config_scalars(_attr_str(g, "config_yaml", "") or "")
                network = _attr_str(g, "trace_network", "") or ""
            else:
                config, network = {}, ""
            point_params = {}
            rows = np.nonzero(table["point"] == index)[0]
            for k in swept:
                if k in over:
                    point_params[k] = over[k]
                elif len(rows):
                    point_params[k] = params[k][rows[0]]
            if not network and len(rows):
                network = table["network"][rows[0]]
            points.append(Point(
                index=index,
                config_hash=_attr_str(g, "config_hash", name) or name,
                status=status,
                error=_attr_str(g, "error", "") or "",
                overrides=_attr_str(g, "overrides", "") or "",
                params=point_params,
                config=config,
                network=network,
                file=path,
                group=where,
                ran_on=_ran_on(g) if status == "ok" else None,
            ))
    points.sort(key=lambda p: p.index)
    known = {p.index for p in points if p.ok}
    unknown = sorted(set(int(i) for i in table["point"]) - known)
    if unknown:
        raise AnalysisError(f"{path}: /summary has rows of point(s) {_ranges(unknown)} that have no ok group in /points")
    res = Results(paths=[path], kind="sweep", swept_keys=swept, points=points, table=table, params=params)
    return res


def fmt_value(value) -> str:
    """A config value or number as a label shows it: integers without '.0', other numbers with at most
    6 significant digits (a YAML double written as 0.64100000000000001 is 0.641), text as it is."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return "n/a"
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.6g}"
    text = str(value).strip()
    if re.fullmatch(r"[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?", text) and not re.fullmatch(r"[-+]?\d+", text):
        return fmt_value(float(text))
    return text


def typed_value(text):
    """A config value as written in YAML -> int, float, bool, None (none/null/~/empty) or the text."""
    if text is None:
        return None
    s = str(text).strip()
    if s.lower() in NO_BUDGET:
        return None
    if s in ("true", "false"):
        return s == "true"
    try:
        return int(s)
    except ValueError:
        pass
    try:
        return float(s)
    except ValueError:
        return s


def fmt_num(v) -> str:
    """Number text for CSV: integers without '.0', floats with repr precision, NaN as ''."""
    if isinstance(v, (np.integer, int)):
        return str(int(v))
    if isinstance(v, (np.floating, float)):
        v = float(v)
        if math.isnan(v):
            return ""
        if v.is_integer() and abs(v) < 2 ** 53:
            return str(int(v))
        return repr(v)
    return str(v)
