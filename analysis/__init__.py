"""trsim analysis: figures (PNG, PDF), CSV and pandas DataFrames from trsim HDF5 results and sweeps.

    /usr/bin/python3 -m analysis --help

Library use (docs/user-guide/analysis.md): `load(paths)` -> `Results`; `frame(paths, level="point"|"layer")` -> a
pandas DataFrame; `figures.plot_*` -> `figures.Figure` (matplotlib figure plus the plotted numbers);
`figures.save`; `export.layer_rows` / `export.point_rows`.
"""
import os as _os
import sys as _sys

# The Python tools' one error path and atomic writes (traces/trsim_trace/tool.py) are shared with traces/.
_TRACES = _os.path.join(_os.path.dirname(_os.path.dirname(_os.path.abspath(__file__))), "traces")
if _TRACES not in _sys.path:
    _sys.path.insert(0, _TRACES)

from .frames import frame  # noqa: F401
from .results import AnalysisError, Point, Results, load  # noqa: F401

__all__ = ["AnalysisError", "Point", "Results", "frame", "load"]
