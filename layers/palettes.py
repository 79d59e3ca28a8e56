"""Colour-blind-safe palettes and colours sampled from them.

Sequential and diverging palettes come from ColorBrewer (Brewer, Penn State; the schemes marked
colour-blind safe) and from the perceptually uniform viridis/cividis maps (van der Walt & Smith;
Nuñez et al. 2018); the categorical palette is Okabe & Ito (2008). Colours are RGB uint8.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CATEGORICAL", "PALETTES", "palette_colors", "rgba_hex"]

#: name → (kind, anchor colours). Every palette here is readable with the common forms of
#: colour-vision deficiency (deuteranopia, protanopia, tritanopia).
PALETTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "viridis": (
        "sequential",
        ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30",
         "#fde725"),
    ),
    "cividis": (
        "sequential",
        ("#00204d", "#00336f", "#39486b", "#575c6d", "#707173", "#8a8779", "#a69d75", "#c4b56c",
         "#e4cf5b", "#ffea46"),
    ),
    "YlOrRd": (
        "sequential",
        ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026",
         "#800026"),
    ),
    "Blues": (
        "sequential",
        ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c",
         "#08306b"),
    ),
    "PuOr": (
        "diverging",
        ("#b35806", "#e08214", "#fdb863", "#fee0b6", "#f7f7f7", "#d8daeb", "#b2abd2", "#8073ac",
         "#542788"),
    ),
    "RdYlBu": (
        "diverging",
        ("#d73027", "#f46d43", "#fdae61", "#fee090", "#ffffbf", "#e0f3f8", "#abd9e9", "#74add1",
         "#4575b4"),
    ),
}  # fmt: skip

#: Okabe–Ito: eight colours distinguishable by everyone (black last, grey for "other").
CATEGORICAL: tuple[str, ...] = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000",
    "#999999",
)  # fmt: skip


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def rgba_hex(rgba) -> str:
    """``#rrggbb`` (alpha dropped) of an RGB(A) sequence.

    >>> rgba_hex((255, 128, 0, 200))
    '#ff8000'
    """
    r, g, b = (int(v) for v in list(rgba)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def palette_colors(name: str, k: int, *, reverse: bool = False) -> np.ndarray:
    """``k`` colours (k × 3, uint8) evenly sampled from a palette.

    Sequential and diverging palettes are interpolated linearly between their anchors; the
    categorical palette is taken in order (and repeats past its length).

    >>> palette_colors("YlOrRd", 3).tolist()
    [[255, 255, 204], [253, 141, 60], [128, 0, 38]]
    """
    if k < 1:
        raise ValueError(f"a palette needs at least one colour, not {k}")
    if name == "categorical":
        rows = [_rgb(CATEGORICAL[i % len(CATEGORICAL)]) for i in range(k)]
        out = np.asarray(rows, dtype=np.uint8)
        return out[::-1] if reverse else out
    if name not in PALETTES:
        raise KeyError(f"unknown palette {name!r}; palettes: {', '.join(PALETTES)}, categorical")
    anchors = np.asarray([_rgb(c) for c in PALETTES[name][1]], dtype=float)
    if reverse:
        anchors = anchors[::-1]
    pos = np.linspace(0.0, len(anchors) - 1.0, k) if k > 1 else np.asarray([len(anchors) - 1.0])
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, len(anchors) - 1)
    frac = (pos - lo)[:, None]
    out = anchors[lo] * (1 - frac) + anchors[hi] * frac
    return np.round(out).astype(np.uint8)
