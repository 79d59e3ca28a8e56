"""How things are coloured: classified values, building and street styles, ground colours.

The map receives *paint rules* — small JSON-able dicts the browser applies to the baked
attributes — instead of per-feature colours, so a colour change costs bytes, not megabytes:

- ``{"color": rgba}``: one colour for all;
- ``{"attr": name, "lut": [rgba, ...]}``: an integer attribute indexes a colour table;
- ``{"attr": name, "edges": [...], "colors": [...], "nodata": rgba}``: a numeric attribute is
  classified (class ``i`` holds ``(edges[i], edges[i+1]]``, as in :func:`class_index`);
- ``{"blob": url, "lut": [...], "nodata": rgba}``: a per-feature uint8 class (255 = no data)
  fetched once from ``url``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from layers.classify import class_breaks, class_index
from layers.constants import NO_DATA_RGBA, SUPPRESSED_RGBA
from layers.palettes import CATEGORICAL, palette_colors

__all__ = [
    "BUILDING_USE_COLOURS",
    "GROUND_COLOURS",
    "OCCUPANCY_COLOURS",
    "STREET_STYLES",
    "Classified",
    "classify_values",
    "indicator_palette",
    "paint_classes",
    "paint_lut",
    "street_group",
]


def _hex(h: str, a: int = 255) -> tuple[int, int, int, int]:
    h = h.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), a)


#: Building use → colour (Okabe–Ito, plus Tol's wine for the rare ninth use).
BUILDING_USE_COLOURS: dict[str, tuple[int, int, int, int]] = {
    "residential": _hex(CATEGORICAL[0]),
    "mixed": _hex(CATEGORICAL[6]),
    "retail": _hex(CATEGORICAL[5]),
    "office": _hex(CATEGORICAL[4]),
    "education": _hex(CATEGORICAL[2]),
    "healthcare": _hex(CATEGORICAL[3]),
    "industrial": _hex(CATEGORICAL[1]),
    "community": _hex("#882255"),
    "garage": _hex(CATEGORICAL[8]),
    "unknown": _hex("#DDDDDD"),  # imports without BAG use: pale grey, never a guessed colour
}
#: Occupancy of a building (baked attribute ``occupancy``): occupied, vacant, no dwellings.
OCCUPANCY_COLOURS: tuple[tuple[int, int, int, int], ...] = (
    _hex("#56B4E9"),
    _hex("#D55E00"),
    _hex("#bbbbbb"),
)

#: Street class groups: OSM ``highway`` → (group, width in metres, day colour, night colour).
STREET_STYLES: dict[str, tuple[str, float, tuple[int, ...], tuple[int, ...]]] = {
    "main": ("main", 9.0, _hex("#7a7a7a"), _hex("#6d6a5f")),
    "local": ("local", 6.0, _hex("#9a9a9a"), _hex("#4d4b45")),
    "slow": ("slow", 2.5, _hex("#b9a37e"), _hex("#3f3c36")),
}
_GROUPS = {
    "motorway": "main",
    "trunk": "main",
    "primary": "main",
    "secondary": "main",
    "tertiary": "main",
    "residential": "local",
    "unclassified": "local",
    "living_street": "local",
    "service": "local",
    "road": "local",
}


def street_group(highway: str) -> str:
    """The style group of an OSM ``highway`` value: ``main``, ``local`` or ``slow``.

    >>> street_group("tertiary"), street_group("footway")
    ('main', 'slow')
    """
    return _GROUPS.get(str(highway), "slow")


#: Ground kind → (day colour, night colour): the twin's own ground instead of a basemap.
GROUND_COLOURS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "built": (_hex("#ecebe6"), _hex("#1d2027")),
    "road": (_hex("#dcdcdc"), _hex("#24262c")),
    "park": (_hex("#cfe6c2"), _hex("#17261b")),
    "water": (_hex("#a9d3ee"), _hex("#0f2233")),
    "forest": (_hex("#b6d7a0"), _hex("#142117")),
    "farmland": (_hex("#eee9cf"), _hex("#1f2019")),
}


def indicator_palette(higher_is: str) -> tuple[str, bool]:
    """Default palette and direction for an indicator's ``higher_is`` (worse/better/neutral).

    High "worse" values are dark red; for "better" the scale is reversed; neutral uses viridis.
    """
    if higher_is == "worse":
        return "YlOrRd", False
    if higher_is == "better":
        return "YlOrRd", True
    return "viridis", False


@dataclass(frozen=True)
class Classified:
    """Values put into colour classes.

    Attributes
    ----------
    edges : ndarray
        Class edges (k + 1), see :func:`layers.classify.class_breaks`.
    colours : ndarray
        RGBA per class (k × 4, uint8).
    classes : ndarray
        Class of each input value, -1 where missing.
    method, palette : str
        How the classes and colours were chosen.
    """

    edges: np.ndarray
    colours: np.ndarray
    classes: np.ndarray
    method: str
    palette: str

    def rgba(self, *, suppressed=None, nodata=NO_DATA_RGBA, suppressed_rgba=SUPPRESSED_RGBA):
        """RGBA per input value (n × 4, uint8); missing and suppressed get their own grey."""
        out = np.empty((len(self.classes), 4), dtype=np.uint8)
        out[:] = nodata
        ok = self.classes >= 0
        if len(self.colours):
            out[ok] = self.colours[self.classes[ok]]
        if suppressed is not None:
            out[np.asarray(suppressed, dtype=bool)] = suppressed_rgba
        return out


def classify_values(
    values,
    *,
    k: int = 5,
    method: str = "quantile",
    palette: str = "YlOrRd",
    reverse: bool = False,
    alpha: int = 255,
) -> Classified:
    """Classify values and give each class a palette colour.

    >>> c = classify_values([1, 2, 3, 4, float("nan")], k=2, method="equal_interval")
    >>> c.classes.tolist()
    [0, 0, 1, 1, -1]
    """
    x = np.asarray(values, dtype=float)
    edges = class_breaks(x, k, method)
    n_classes = max(len(edges) - 1, 1) if len(edges) else 0
    rgb = palette_colors(palette, n_classes, reverse=reverse) if n_classes else np.zeros((0, 3))
    colours = np.concatenate([rgb, np.full((len(rgb), 1), alpha)], axis=1).astype(np.uint8)
    return Classified(edges, colours, class_index(x, edges), method, palette)


def paint_lut(attr: str, colours) -> dict:
    """A paint rule: integer attribute ``attr`` indexes the colour table ``colours``."""
    return {"attr": attr, "lut": [list(map(int, c)) for c in colours]}


def paint_classes(attr: str, classified: Classified, nodata=NO_DATA_RGBA) -> dict:
    """A paint rule: numeric attribute ``attr`` classified in the browser with these edges."""
    return {
        "attr": attr,
        "edges": [float(e) for e in classified.edges],
        "colors": [list(map(int, c)) for c in classified.colours],
        "nodata": list(nodata),
    }
