"""Pure layer builders: twin objects → what the map draws.

Public API:

- :func:`bake_twin`, :func:`bake_points`, :func:`read_baked`, :func:`shapes_from_baked` — compact
  binary geometry files the browser fetches once;
- :func:`class_breaks`, :func:`class_index`, :func:`fisher_jenks` — quantile, equal-interval and
  natural-breaks classes;
- :func:`palette_colors`, :data:`PALETTES` — colour-blind-safe palettes;
- :func:`classify_values`, :class:`Classified`, paint rules (:func:`paint_lut`,
  :func:`paint_classes`) and the styles of buildings, streets and ground;
- :class:`Legend`, :func:`legend_from_breaks`, :func:`legend_from_categories`,
  :func:`legend_html`;
- :func:`escape`, :func:`tooltip_html` — every value HTML-escaped.

No Streamlit, no files, no network in here.
"""

from __future__ import annotations

from layers.bake import (
    BAKED_LAYERS,
    BakedTwin,
    bake_points,
    bake_twin,
    read_baked,
    shapes_from_baked,
)
from layers.classify import class_breaks, class_index, fisher_jenks
from layers.constants import CLASS_METHODS, NO_DATA_RGBA, SUPPRESSED_RGBA
from layers.legend import (
    Legend,
    LegendEntry,
    legend_from_breaks,
    legend_from_categories,
    legend_html,
)
from layers.palettes import CATEGORICAL, PALETTES, palette_colors, rgba_hex
from layers.styles import (
    BUILDING_USE_COLOURS,
    GROUND_COLOURS,
    OCCUPANCY_COLOURS,
    STREET_STYLES,
    Classified,
    classify_values,
    indicator_palette,
    paint_classes,
    paint_lut,
    street_group,
)
from layers.tooltip import escape, tooltip_html

__all__ = [
    "BAKED_LAYERS",
    "BUILDING_USE_COLOURS",
    "CATEGORICAL",
    "CLASS_METHODS",
    "GROUND_COLOURS",
    "NO_DATA_RGBA",
    "OCCUPANCY_COLOURS",
    "PALETTES",
    "STREET_STYLES",
    "SUPPRESSED_RGBA",
    "BakedTwin",
    "Classified",
    "Legend",
    "LegendEntry",
    "bake_points",
    "bake_twin",
    "class_breaks",
    "class_index",
    "classify_values",
    "escape",
    "fisher_jenks",
    "indicator_palette",
    "legend_from_breaks",
    "legend_from_categories",
    "legend_html",
    "paint_classes",
    "paint_lut",
    "palette_colors",
    "read_baked",
    "rgba_hex",
    "shapes_from_baked",
    "street_group",
    "tooltip_html",
]
