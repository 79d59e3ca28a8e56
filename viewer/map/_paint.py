"""What later pages pass to the map: area and street colourings, overlays, fly-to targets.

These are plain data; :mod:`viewer.map._payload` turns them into the small JSON the browser gets
on every rerun, plus content-addressed files (fetched once) for anything per-feature.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from layers import (
    NO_DATA_RGBA,
    SUPPRESSED_RGBA,
    Classified,
    bake_points,
    classify_values,
)
from layers.constants import MAX_MARKERS, MAX_RASTER_PIXELS
from twin import Twin
from viewer.assets import put_blob

__all__ = [
    "AreaPaint",
    "Markers",
    "RasterOverlay",
    "StreetPaint",
    "area_paint_from_values",
    "street_paint_from_values",
]


@dataclass(frozen=True)
class AreaPaint:
    """Neighbourhoods coloured by any per-area value (an indicator, a scenario result).

    Attributes
    ----------
    colours : mapping
        Area code → RGBA. Areas not listed get the no-data grey.
    display : mapping
        Area code → the value as a reader sees it ("12,3", "<5", "–"), shown in tooltips.
    title : str
        What the value is (shown in tooltips).
    level : str
        ``buurt`` or ``wijk``: which polygons are filled.
    extrude : mapping or None
        Area code → height in metres, to draw the areas as columns.
    """

    colours: Mapping[str, Sequence[int]]
    display: Mapping[str, str] = field(default_factory=dict)
    title: str = ""
    level: str = "buurt"
    extrude: Mapping[str, float] | None = None


def area_paint_from_values(
    values: pd.Series,
    *,
    title: str,
    level: str = "buurt",
    k: int = 5,
    method: str = "quantile",
    palette: str = "YlOrRd",
    reverse: bool = False,
    suppressed: pd.Series | None = None,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    suppressed_text: str = "<5",
    extrude_m: float | None = None,
) -> tuple[AreaPaint, Classified]:
    """Classify per-area values (Series indexed by area code) into an :class:`AreaPaint`.

    Suppressed areas are grey and read ``suppressed_text``; with ``extrude_m`` each area
    becomes a column up to that height (scaled from the lowest to the highest value).
    """
    values = values.astype(float)
    sup = (
        suppressed.reindex(values.index).fillna(False).astype(bool)
        if suppressed is not None
        else pd.Series(False, index=values.index)
    )
    shown = values.where(~sup)
    classified = classify_values(shown.to_numpy(), k=k, method=method, palette=palette,
                                 reverse=reverse, alpha=215)  # fmt: skip
    rgba = classified.rgba(suppressed=sup.to_numpy(), nodata=NO_DATA_RGBA,
                           suppressed_rgba=SUPPRESSED_RGBA)  # fmt: skip
    codes = [str(c) for c in values.index]
    display = {
        c: (suppressed_text if s else (fmt(v) if np.isfinite(v) else "–"))
        for c, v, s in zip(codes, shown.to_numpy(), sup.to_numpy(), strict=True)
    }
    extrude = None
    if extrude_m:
        finite = shown[np.isfinite(shown)]
        lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        span = hi - lo or 1.0
        extrude = {
            c: float(20 + (v - lo) / span * extrude_m) if np.isfinite(v) else 0.0
            for c, v in zip(codes, shown.to_numpy(), strict=True)
        }
    paint = AreaPaint(
        colours={c: tuple(int(x) for x in row) for c, row in zip(codes, rgba, strict=True)},
        display=display,
        title=title,
        level=level,
        extrude=extrude,
    )
    return paint, classified


@dataclass(frozen=True)
class StreetPaint:
    """Street segments coloured by any per-segment value (e.g. lux from the lighting analysis).

    ``classes`` holds a class per street in the twin's row order (-1 = no value), ``colours``
    the RGBA per class; ``values`` (optional, same order) are shown in tooltips with ``title``.
    Both travel as files fetched once, so reruns with the same paint cost nothing.
    """

    classes: np.ndarray
    colours: Sequence[Sequence[int]]
    values: np.ndarray | None = None
    title: str = ""
    unit: str = ""


def street_paint_from_values(
    twin: Twin,
    values: pd.Series,
    *,
    title: str,
    unit: str = "",
    k: int = 5,
    method: str = "quantile",
    palette: str = "cividis",
    reverse: bool = False,
) -> tuple[StreetPaint, Classified]:
    """Classify per-street values (Series indexed by street ``id``) into a :class:`StreetPaint`."""
    aligned = values.reindex(twin.streets["id"].to_numpy()).astype(float).to_numpy()
    classified = classify_values(aligned, k=k, method=method, palette=palette, reverse=reverse)
    paint = StreetPaint(
        classes=classified.classes,
        colours=[tuple(int(x) for x in c) for c in classified.colours],
        values=aligned,
        title=title,
        unit=unit,
    )
    return paint, classified


@dataclass(frozen=True)
class RasterOverlay:
    """An RGBA image draped over the ground (e.g. a lighting raster), WGS84 bounds.

    Attributes
    ----------
    id : str
        Unique among the map's overlays.
    image : ndarray or bytes
        ``(height, width, 4)`` uint8 RGBA, north up; or an encoded PNG (e.g.
        ``layers.rasters.image_from_raster(...).png``, cached by the caller so that a rerun does
        not encode it again).
    bounds : sequence
        (west, south, east, north) in degrees, or the four corners ``[[left, bottom], [left,
        top], [right, top], [right, bottom]]`` (lon, lat) — an RD-aligned raster is slightly
        rotated in WGS84, and its corners place it exactly.
    opacity : float
        0–1.
    """

    id: str
    image: np.ndarray | bytes
    bounds: Sequence[float] | Sequence[Sequence[float]]
    opacity: float = 0.7

    def _png(self) -> bytes:
        if isinstance(self.image, bytes | bytearray):
            if bytes(self.image[:8]) != _PNG_MAGIC:
                raise ValueError(f"overlay {self.id!r}: image bytes must be a PNG file")
            return bytes(self.image)
        img = np.asarray(self.image)
        if img.ndim != 3 or img.shape[2] != 4 or img.dtype != np.uint8:
            raise ValueError(f"overlay {self.id!r}: image must be (h, w, 4) uint8, got "
                             f"{img.shape} {img.dtype}")  # fmt: skip
        if img.shape[0] * img.shape[1] > MAX_RASTER_PIXELS:
            raise ValueError(f"overlay {self.id!r}: {img.shape[1]}×{img.shape[0]} pixels is more "
                             f"than {MAX_RASTER_PIXELS:,}; resample it first")  # fmt: skip
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(img, mode="RGBA").save(buf, format="PNG", optimize=False)
        return buf.getvalue()

    def to_payload(self) -> dict:
        png = self._png()
        url = put_blob(png, "overlay.png", "image/png")
        b = np.asarray(self.bounds, dtype=float)
        if b.shape == (4, 2):
            bounds: list = [[float(x), float(y)] for x, y in b]
        elif b.shape == (4,):
            bounds = [float(v) for v in b]
        else:
            raise ValueError(f"overlay {self.id!r}: bounds must be (west, south, east, north) "
                             f"or four (lon, lat) corners, got shape {b.shape}")  # fmt: skip
        return {"type": "raster", "id": self.id, "url": url, "bounds": bounds,
                "opacity": float(self.opacity)}  # fmt: skip


_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Markers:
    """Up to 10,000 points (e.g. CPTED assessments), sent once as a file and pickable.

    Attributes
    ----------
    id : str
        Unique among the map's overlays; a pick reports it as ``Pick.layer``.
    lon, lat : sequence of float
        WGS84 positions.
    ids : sequence of str
        What a pick reports as ``Pick.id`` (same order).
    rgba : sequence or None
        One colour for all, or one per marker.
    tooltips : sequence or None
        Per marker ``(title, [(label, value), ...])``, plain text (escaped in the browser).
    radius_m : float
        Marker radius in metres (at least 4 pixels on screen).

    The file is baked once per object: keep the object (e.g. cached on the data's version) and
    a rerun costs nothing, however many markers it holds.
    """

    id: str
    lon: Sequence[float]
    lat: Sequence[float]
    ids: Sequence[str]
    rgba: Sequence[int] | Sequence[Sequence[int]] | None = None
    tooltips: Sequence[tuple[str, Sequence[tuple[str, str]]]] | None = None
    radius_m: float = 4.0
    _baked: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def to_payload(self, origin: tuple[float, float]) -> dict:
        key = (float(origin[0]), float(origin[1]))
        if key not in self._baked:
            self._baked[key] = self._bake(origin)
        # registering again is a hash lookup, and brings the file back if it was evicted
        url = put_blob(self._baked[key], "markers.bin")
        return {"type": "markers", "id": self.id, "url": url, "radius": float(self.radius_m)}

    def _bake(self, origin: tuple[float, float]) -> bytes:
        n = len(self.ids)
        if not (len(self.lon) == len(self.lat) == n):
            raise ValueError(f"markers {self.id!r}: lon, lat and ids differ in length")
        if n > MAX_MARKERS:
            raise ValueError(f"markers {self.id!r}: {n:,} markers; at most {MAX_MARKERS:,}")
        colours = np.asarray(self.rgba if self.rgba is not None else (0, 114, 178, 255))
        if colours.ndim == 1:
            colours = np.tile(colours, (n, 1))
        if colours.shape[1] == 3:
            colours = np.column_stack([colours, np.full(n, 255)])
        tips = [[str(t), [[str(a), str(b)] for a, b in rows]] for t, rows in (self.tooltips or [])]
        blob = bake_points(
            self.lon, self.lat, origin,
            arrays={"rgba": colours.astype(np.uint8).reshape(-1)},
            meta={"tooltips": tips} if tips else {},
        )  # fmt: skip
        return blob
