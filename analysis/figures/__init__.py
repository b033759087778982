"""The figures, one module per figure; `style` holds what they share (STYLE.md section 8). Each plot_*
function takes loaded `Results` and returns a `Figure` holding the matplotlib figure and the plotted
numbers (`data`), so tests and scripts can check what is drawn; `save` writes it as PNG and PDF;
`facets.split` turns one input into the figures of each facet (array configuration, --facet KEY).
"""
from . import facets  # noqa: F401
from .breakdown import plot_breakdown
from .budget import plot_budget
from .common import DATA_BUDGET, NETWORK_KEYS, WEIGHT_BUDGET, describe_keys
from .compare import MAX_COMPARE, plot_compare
from .heatmap import plot_heatmap
from .pareto import pareto_front, plot_pareto
from .style import (ENERGY_COLORS, ENERGY_COMPONENTS, FORMATS, KIND_MARKERS, STYLE, Figure, add_to_title, fmt_value,
                    legend_outside, new_figure, palette, place_labels, safe_name, save, style, suptitle)
from .tradeoff import plot_tradeoff

# The names modules outside the package used before it was split (figures.py): kept so they work.
_new_figure, _suptitle, _describe_keys, _colors, _place_labels = new_figure, suptitle, describe_keys, palette, place_labels
_KIND_MARKERS = KIND_MARKERS

__all__ = ["plot_breakdown", "plot_budget", "plot_compare", "plot_heatmap", "plot_pareto", "plot_tradeoff",
           "pareto_front", "facets", "Figure", "save", "add_to_title", "style", "STYLE", "FORMATS", "safe_name", "new_figure", "suptitle",
           "palette", "fmt_value", "legend_outside", "place_labels", "describe_keys", "ENERGY_COMPONENTS",
           "ENERGY_COLORS", "KIND_MARKERS", "WEIGHT_BUDGET", "DATA_BUDGET", "NETWORK_KEYS", "MAX_COMPARE"]
