"""Legends: what each colour means, in which unit, from which source, and whether it is real.

A :class:`Legend` is plain data (tested, reused by exports); :func:`legend_html` renders it as
escaped HTML for the app's side panel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from layers.palettes import rgba_hex
from layers.tooltip import escape

__all__ = ["Legend", "LegendEntry", "legend_from_breaks", "legend_from_categories", "legend_html"]


@dataclass(frozen=True)
class LegendEntry:
    """One swatch: an RGBA colour and its label."""

    rgba: tuple[int, int, int, int]
    label: str


@dataclass(frozen=True)
class Legend:
    """A legend for one coloured layer.

    Attributes
    ----------
    title, unit : str
        What is coloured and in which unit (unit may be empty for categories).
    entries : tuple of LegendEntry
        Swatches in reading order (low to high for classes).
    source, licence : str
        Where the values come from; empty for the twin's own geometry attributes.
    synthetic : bool
        True when the values are generated, not measured: the legend shows a badge.
    note : str
        Anything else a reader needs (classification method, year).
    """

    title: str
    unit: str = ""
    entries: tuple[LegendEntry, ...] = ()
    source: str = ""
    licence: str = ""
    synthetic: bool = False
    note: str = ""


def _rgba(colour: Sequence[int]) -> tuple[int, int, int, int]:
    c = [int(v) for v in colour]
    return (c[0], c[1], c[2], c[3] if len(c) > 3 else 255)


def legend_from_breaks(
    title: str,
    edges: np.ndarray,
    colours: np.ndarray,
    *,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    unit: str = "",
    source: str = "",
    licence: str = "",
    synthetic: bool = False,
    note: str = "",
    extra_entries: Sequence[tuple[Sequence[int], str]] = (),
) -> Legend:
    """A class legend: one swatch per class labelled ``low – high`` with ``fmt``.

    >>> lg = legend_from_breaks("x", np.array([0.0, 1.0, 2.0]), np.array([[0, 0, 0], [9, 9, 9]]))
    >>> [e.label for e in lg.entries]
    ['0 – 1', '1 – 2']
    """
    entries = []
    n = max(len(edges) - 1, 0)
    if len(edges) == 1:
        entries.append(LegendEntry(_rgba(colours[0]), fmt(float(edges[0]))))
    for i in range(n):
        label = f"{fmt(float(edges[i]))} – {fmt(float(edges[i + 1]))}"
        entries.append(LegendEntry(_rgba(colours[i]), label))
    entries += [LegendEntry(_rgba(c), label) for c, label in extra_entries]
    return Legend(
        title=title,
        unit=unit,
        entries=tuple(entries),
        source=source,
        licence=licence,
        synthetic=synthetic,
        note=note,
    )


def legend_from_categories(
    title: str,
    categories: Sequence[tuple[Sequence[int], str]],
    *,
    source: str = "",
    licence: str = "",
    synthetic: bool = False,
    note: str = "",
) -> Legend:
    """A legend of named categories (building use, street class, ...)."""
    return Legend(
        title=title,
        entries=tuple(LegendEntry(_rgba(c), label) for c, label in categories),
        source=source,
        licence=licence,
        synthetic=synthetic,
        note=note,
    )


def legend_html(
    legend: Legend, *, synthetic_badge: str = "synthetic", source_label: str = "Source"
) -> str:
    """The legend as escaped HTML: title (unit), swatches, source and a "synthetic" badge.

    >>> "<script>" in legend_html(Legend(title="<script>"))
    False
    """
    head = f"<b>{escape(legend.title)}</b>"
    if legend.unit:
        head += f" <span style='opacity:.75'>({escape(legend.unit)})</span>"
    if legend.synthetic:
        head += (
            " <span class='st-badge' style='background:#6f4e9c;color:#fff;border-radius:4px;"
            f"padding:0 5px;font-size:.8em'>{escape(synthetic_badge)}</span>"
        )
    rows = []
    for entry in legend.entries:
        a = entry.rgba[3] / 255
        swatch = (
            f"<span style='display:inline-block;width:14px;height:14px;margin-right:6px;"
            f"vertical-align:middle;border:1px solid #8886;background:{rgba_hex(entry.rgba)};"
            f"opacity:{max(a, 0.35):.2f}'></span>"
        )
        rows.append(f"<div>{swatch}{escape(entry.label)}</div>")
    foot = []
    if legend.note:
        foot.append(f"<div style='opacity:.75;font-size:.85em'>{escape(legend.note)}</div>")
    if legend.source:
        src = escape(legend.source)
        if legend.licence:
            src += f" ({escape(legend.licence)})"
        foot.append(f"<div style='opacity:.75;font-size:.85em'>{escape(source_label)}: {src}</div>")
    return (
        "<div class='twin-legend' role='group' aria-label='legend'>"
        + head
        + "".join(rows)
        + "".join(foot)
        + "</div>"
    )
