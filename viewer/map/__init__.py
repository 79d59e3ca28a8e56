"""The 3D map of the twin, reusable by every page.

>>> from viewer.map import twin_map            # doctest: +SKIP
>>> result = twin_map(twin, key="map")         # doctest: +SKIP
>>> if result.pick: st.write(result.pick.kind, result.pick.id)   # doctest: +SKIP

Public API (see ``docs/viewer.md``, "How to add a layer or overlay"):

- :func:`twin_map` — draw the map; returns a :class:`MapResult` (what was clicked, the camera);
- :class:`AreaPaint` / :func:`area_paint_from_values` — neighbourhoods by any per-area value;
- :class:`StreetPaint` / :func:`street_paint_from_values` — streets by any per-segment value;
- :class:`RasterOverlay` — an RGBA image over the ground (WGS84 bounds);
- :class:`Markers` — up to 10,000 pickable points, sent once;
- :func:`fly_to`, :func:`fly_to_area` — move the camera programmatically;
- :func:`map_image` — a PNG button that saves the view (title, legends, sources) for slides;
- :data:`LAYER_NAMES` — the base layers a page may switch on and off.

Geometry is baked once per twin and fetched once by the browser (``viewer/assets.py``); a rerun
only sends paint rules and labels. The camera lives in the browser and survives reruns.
"""

from __future__ import annotations

from viewer.map._api import MapResult, fly_to, fly_to_area, selected, twin_map
from viewer.map._paint import (
    AreaPaint,
    Markers,
    RasterOverlay,
    StreetPaint,
    area_paint_from_values,
    street_paint_from_values,
)
from viewer.map._payload import (
    DEFAULT_LAYERS,
    LAYER_NAMES,
    Pick,
    legends_payload,
    map_image,
    map_payload,
    pick_from_event,
)

__all__ = [
    "DEFAULT_LAYERS",
    "LAYER_NAMES",
    "AreaPaint",
    "MapResult",
    "Markers",
    "Pick",
    "RasterOverlay",
    "StreetPaint",
    "area_paint_from_values",
    "fly_to",
    "fly_to_area",
    "legends_payload",
    "map_image",
    "map_payload",
    "pick_from_event",
    "selected",
    "street_paint_from_values",
    "twin_map",
]
