"""trsim analysis: figures (PNG, PDF) and CSV from trsim HDF5 results and sweeps.

    /usr/bin/python3 -m analysis --help

Library use: `results.load(paths)` -> `Results`; `figures.plot_*` -> `figures.Figure` (matplotlib figure
plus the plotted numbers); `figures.save`; `export.layer_rows` / `export.point_rows`.
"""
from .results import AnalysisError, Point, Results, load  # noqa: F401

__all__ = ["AnalysisError", "Point", "Results", "load"]
