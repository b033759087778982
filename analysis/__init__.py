"""trsim analysis: figures (PNG, PDF), CSV and pandas DataFrames from trsim HDF5 results and sweeps.

    /usr/bin/python3 -m analysis --help

Library use (docs/user-guide/analysis.md): `load(paths)` -> `Results`; `frame(paths, level="point"|"layer")` -> a
pandas DataFrame; `figures.plot_*` -> `figures.Figure` (matplotlib figure plus the plotted numbers);
`figures.save`; `export.layer_rows` / `export.point_rows`.
"""
from .frames import frame  # noqa: F401
from .results import AnalysisError, Point, Results, load  # noqa: F401

__all__ = ["AnalysisError", "Point", "Results", "frame", "load"]
