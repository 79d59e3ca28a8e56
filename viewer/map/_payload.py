"""The data the browser gets on every rerun: small, because geometry travels as cached files.

:func:`map_payload` assembles URLs of the baked files, paint rules, labels in the session
language, overlays and camera commands into one JSON-able dict (typically 5–15 KB);
:func:`pick_from_event` turns what the browser reports back into a :class:`Pick`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from layers import (
    GROUND_COLOURS,
    NO_DATA_RGBA,
    STREET_STYLES,
    bake_twin,
    paint_lut,
    street_group,
)
from twin import Twin, to_rd
from viewer.assets import deck_bundle_path, map_js_path, put_pinned
from viewer.i18n import t
from viewer.map._paint import AreaPaint, Markers, RasterOverlay, StreetPaint

__all__ = [
    "DEFAULT_LAYERS",
    "LAYER_NAMES",
    "Pick",
    "baked_urls",
    "initial_view",
    "legends_payload",
    "map_image",
    "map_payload",
    "pick_from_event",
    "script_urls",
]

#: Layers the map can show, and those shown by default.
LAYER_NAMES = ("ground", "buildings", "streets", "lights", "outlines", "labels")
DEFAULT_LAYERS = LAYER_NAMES
_BAKED: dict[str, dict[str, str]] = {}
_SCRIPTS: dict[str, str] = {}


def baked_urls(twin: Twin) -> dict[str, str]:
    """URLs of the twin's baked layer files (baked once per process and twin)."""
    key = twin.fingerprint
    if key not in _BAKED:
        baked = bake_twin(twin)
        _BAKED[key] = {
            name: put_pinned(blob, f"{name}.bin", "application/octet-stream")
            for name, blob in baked.files.items()
        }
        _BAKED[key]["_origin"] = ",".join(str(v) for v in baked.origin)
    return _BAKED[key]


def _origin(twin: Twin) -> tuple[float, float]:
    lon, lat = baked_urls(twin)["_origin"].split(",")
    return float(lon), float(lat)


def script_urls() -> tuple[str, str]:
    """URLs of deck.gl (from the pydeck wheel) and of the map's own JavaScript."""
    if "deck" not in _SCRIPTS:
        _SCRIPTS["deck"] = put_pinned(deck_bundle_path().read_bytes(), "deck.js", "text/javascript")
    js = put_pinned(map_js_path().read_bytes(), "twinmap.js", "text/javascript")
    return _SCRIPTS["deck"], js


def initial_view(twin: Twin, *, width_px: int = 900, height_px: int = 620) -> dict[str, float]:
    """A camera that shows all buurten of the twin, tilted 45°."""
    nb = twin.to_wgs84("neighbourhoods")
    buurten = nb[nb["level"] == "buurt"]
    w, s, e, n = (buurten if len(buurten) else nb).total_bounds
    lat = (s + n) / 2
    span_x = max(e - w, 1e-4)
    span_y = max(n - s, 1e-4) / max(math.cos(math.radians(lat)), 0.1)
    # +0.6: the tilted camera shows more ground than a top-down fit
    zoom = 0.6 + math.log2(min(360 * width_px / (span_x * 512), 360 * height_px / (span_y * 512)))
    return {
        "longitude": round((w + e) / 2, 6),
        "latitude": round(lat, 6),
        "zoom": round(max(min(zoom, 17.5), 9.0), 2),
        "pitch": 45.0,
        "bearing": 0.0,
    }


def _js_strings() -> dict[str, Any]:
    from twin.schema import BUILDING_USES

    classes = ("motorway", "trunk", "primary", "secondary", "tertiary", "residential",
               "unclassified", "living_street", "service", "road", "footway", "path",
               "pedestrian", "cycleway", "steps", "track")  # fmt: skip
    return {
        "loading": t("map.js.loading"),
        "error": t("map.js.error"),
        "viewTemplate": t("map.js.view_template"),
        "topDown": t("map.js.top_down"),
        "threeD": t("map.js.three_d"),
        "outside": t("map.js.outside"),
        "year": t("map.attr.year_built"),
        "height": t("map.attr.height"),
        "dwellings": t("map.attr.dwellings"),
        "buurt": t("map.attr.buurt"),
        "streetClass": t("map.attr.street_class"),
        "unnamed": t("map.attr.unnamed"),
        "light": t("map.attr.light"),
        "lumen": t("map.attr.lumen"),
        "uses": {u: t(f"terms.use.{u}") for u in BUILDING_USES},
        "classes": {c: t(f"terms.highway.{c}") for c in classes},
    }


def ground_rule(twin_kinds: Sequence[str], night: bool) -> dict:
    """Paint rule of the ground layer (by land-use kind, day or night colours)."""
    col = [GROUND_COLOURS.get(k, (GROUND_COLOURS["built"]))[1 if night else 0] for k in twin_kinds]
    return paint_lut("kind", col)


def street_rule(classes: Sequence[str], night: bool) -> tuple[dict, list[float]]:
    """Paint rule and widths (m) of streets by class group."""
    styles = [STREET_STYLES[street_group(c)] for c in classes]
    return paint_lut("cls", [s[3] if night else s[2] for s in styles]), [s[1] for s in styles]


@dataclass(frozen=True)
class Pick:
    """What the user clicked: a feature (building, street, area, light, marker) or bare ground.

    Attributes
    ----------
    kind : str
        ``building``, ``street``, ``area``, ``light``, ``marker`` or ``ground``.
    layer : str
        The map layer (``buildings``, ``streets``, ``areas``, ``lights``, or an overlay id).
    index : int
        Row position in the twin's layer (or in the overlay); -1 for ground.
    id : str
        Building or street id, area code, light id, or the marker's id; empty for ground.
    area : str
        CBS code of the buurt the click fell in ("" when outside every buurt).
    lon, lat : float
        Exact ground coordinates of the click (WGS84, on the ground plane).
    x, y : float
        The same point in RD New metres (for analysis and the CPTED store).
    """

    kind: str
    layer: str
    index: int
    id: str
    area: str
    lon: float
    lat: float
    x: float
    y: float


_KINDS = {"buildings": "building", "streets": "street", "areas": "area", "lights": "light"}


def pick_from_event(twin: Twin, event: dict | None, overlays: Iterable[object] = ()) -> Pick | None:
    """Turn the browser's click report into a :class:`Pick` (None for no or bad input)."""
    if not isinstance(event, dict) or event.get("lon") is None or event.get("lat") is None:
        return None
    lon, lat = float(event["lon"]), float(event["lat"])
    x, y = (float(v) for v in to_rd(lon, lat))
    layer = str(event.get("layer") or "")
    index = int(event.get("index", -1)) if layer else -1
    kind, ident, area = "ground", "", ""
    frames = {"buildings": twin.buildings, "streets": twin.streets, "lights": twin.lights}
    if layer in frames and 0 <= index < len(frames[layer]):
        row = frames[layer].iloc[index]
        kind, ident = _KINDS[layer], str(row["id"])
        area = str(row.get("buurt", "") or "")
    elif layer == "areas" and 0 <= index < len(twin.neighbourhoods):
        kind, ident = "area", str(twin.neighbourhoods["code"].iloc[index])
        area = ident
    elif layer.startswith("overlay-"):
        for o in overlays:
            if isinstance(o, Markers) and f"overlay-{o.id}" == layer and 0 <= index < len(o.ids):
                kind, layer, ident = "marker", o.id, str(o.ids[index])
    if not area:
        area = _buurt_at(twin, x, y)
    return Pick(kind, layer or "ground", index, ident, area, lon, lat, x, y)


def _buurt_at(twin: Twin, x: float, y: float) -> str:
    import shapely

    b = twin.buurten
    if not len(b):
        return ""
    hit = shapely.contains_xy(b.geometry.to_numpy(), x, y)
    return str(b["code"].to_numpy()[hit][0]) if hit.any() else ""


def map_image(
    filename: str,
    *,
    title: str = "",
    subtitle: str = "",
    legends: Sequence[Any] = (),
    label: str = "PNG",
    hint: str = "",
    badge: str = "",
    footer: str = "",
) -> dict[str, Any]:
    """What the map's PNG button saves: the view under a title, legends drawn in, a footer.

    ``legends`` are :class:`layers.Legend` objects; ``badge`` is shown on synthetic ones.
    """
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in filename).strip("-.")
    return {
        "filename": (name or "map") + ("" if name.lower().endswith(".png") else ".png"),
        "title": title,
        "subtitle": subtitle,
        "label": label,
        "hint": hint or label,
        "badge": badge,
        "footer": footer,
        "legends": legends_payload(legends),
    }


def legends_payload(legends: Sequence[Any]) -> list[dict[str, Any]]:
    """:class:`layers.Legend` objects as the JSON the browser draws (texts escaped there)."""
    return [
        {
            "title": lg.title,
            "unit": lg.unit,
            "entries": [[list(e.rgba), e.label] for e in lg.entries],
            "source": f"{lg.source} ({lg.licence})" if lg.licence else lg.source,
            "synthetic": bool(lg.synthetic),
        }
        for lg in legends
        if lg is not None
    ]


def _area_lut(twin: Twin, paint: AreaPaint) -> tuple[dict, list[str], list[float] | None]:
    codes = [str(c) for c in twin.neighbourhoods["code"]]
    lut = [list(paint.colours.get(c, NO_DATA_RGBA)) for c in codes]
    display = [paint.display.get(c, "–") for c in codes]
    extrude = [float(paint.extrude.get(c, 0.0)) for c in codes] if paint.extrude else None
    return {"attr": "index", "lut": lut}, display, extrude


def map_payload(
    twin: Twin,
    *,
    key: str,
    layers: Iterable[str] = DEFAULT_LAYERS,
    buildings: dict | None = None,
    areas: AreaPaint | None = None,
    streets: StreetPaint | None = None,
    overlays: Sequence[RasterOverlay | Markers] = (),
    night: bool = False,
    top_down: bool = False,
    fly: dict | None = None,
    ground_click: bool = True,
    report_view: bool = False,
    description: str = "",
    height: int = 620,
    download: dict | None = None,
) -> dict[str, Any]:
    """Everything the browser needs for one rerun (see ``docs/viewer.md`` for the fields).

    ``download`` (from :func:`map_image`) adds a button that saves the view as a PNG.
    """
    from viewer.i18n import language

    unknown = set(layers) - set(LAYER_NAMES)
    if unknown:
        raise ValueError(f"unknown map layers {sorted(unknown)}; layers: {', '.join(LAYER_NAMES)}")
    assets = {k: v for k, v in baked_urls(twin).items() if not k.startswith("_")}
    deck, script = script_urls()
    kinds = sorted({str(k) for k in twin.ground["kind"]})
    classes = sorted({str(c) for c in twin.streets["highway"] if isinstance(c, str) and c})
    street_paint, widths = street_rule(classes, night)
    payload: dict[str, Any] = {
        "key": key,
        "lang": language(),
        "deck": deck,
        "script": script,
        "assets": assets,
        "layers": {name: name in set(layers) for name in LAYER_NAMES},
        "paint": {
            "ground": ground_rule(kinds, night),
            "streets": street_paint,
            "buildings": buildings
            or {"color": [70, 78, 92, 255] if night else [226, 224, 218, 255]},
        },
        "streetWidths": widths,
        "night": bool(night),
        "topDown": bool(top_down),
        "initialView": initial_view(twin, height_px=height),
        "fly": fly,
        "groundClick": bool(ground_click),
        "reportView": bool(report_view),
        "describe": description,
        "height": int(height),
        "i18n": _js_strings(),
        "overlays": [],
        "download": download,
    }
    if areas is not None:
        rule, display, extrude = _area_lut(twin, areas)
        payload["areas"] = {
            "paint": rule,
            "display": display,
            "title": areas.title,
            "level": areas.level,
            "extrude": extrude,
        }
    if streets is not None:
        classes_u8 = np.where(streets.classes < 0, 255, streets.classes).astype(np.uint8)
        from viewer.assets import put_blob

        payload["paint"]["streets"] = {
            "blob": put_blob(classes_u8.tobytes(), "street-classes.bin"),
            "lut": [list(map(int, c)) for c in streets.colours],
            "nodata": [150, 150, 150, 120],
        }
        if streets.values is not None:
            vals = np.asarray(streets.values, dtype="<f4").tobytes()
            payload["streetValues"] = {
                "title": streets.title,
                "unit": streets.unit,
                "url": put_blob(vals, "street-values.bin"),
            }
    ids = [o.id for o in overlays]
    if len(set(ids)) != len(ids):
        raise ValueError(f"overlay ids must be unique, got {ids}")
    for o in overlays:
        if isinstance(o, Markers):
            payload["overlays"].append(o.to_payload(_origin(twin)))
        elif isinstance(o, RasterOverlay):
            payload["overlays"].append(o.to_payload())
        else:
            raise TypeError(f"unknown overlay {type(o).__name__}; use RasterOverlay or Markers")
    return payload
