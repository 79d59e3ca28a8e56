"""Rasters and measures → colours: RGBA images for a deck.gl ``BitmapLayer`` and per-feature
colour arrays, with colour-blind-safe palettes.

Pure functions: an ``xr.DataArray`` on an RD New grid (as made by :mod:`twin.analytics`) in,
an RGBA array, PNG bytes and the image's four WGS84 corners out. The four corners (not a
lon/lat box) are what deck.gl's ``BitmapLayer(bounds=...)`` takes to place an RD-aligned
image exactly: ``[[left, bottom], [left, top], [right, top], [right, bottom]]``.

Palettes are perceptually uniform and readable with the common colour-vision deficiencies:
``cividis`` (dark blue → yellow; made for deuteranomaly, and it reads as dark → lit),
``viridis``, and the ColorBrewer diverging ``puor`` (orange ↔ purple) for signed gaps.
"""

from __future__ import annotations

import base64
import struct
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from twin.crs import to_wgs84

__all__ = [
    "PALETTES",
    "STYLES",
    "RasterImage",
    "Style",
    "bounds_wgs84",
    "colors_from_values",
    "image_from_raster",
    "legend_stops",
    "png_from_rgba",
]

#: Palette anchors (RGB), evenly spaced from low to high; colours in between are interpolated.
PALETTES: dict[str, np.ndarray] = {
    # cividis(10) and viridis(10), as in matplotlib / viridisLite
    "cividis": np.array(
        [
            (0x00, 0x20, 0x4D),
            (0x00, 0x33, 0x6F),
            (0x39, 0x48, 0x6B),
            (0x57, 0x5C, 0x6D),
            (0x70, 0x71, 0x73),
            (0x8A, 0x87, 0x79),
            (0xA6, 0x9D, 0x75),
            (0xC4, 0xB5, 0x6C),
            (0xE4, 0xCF, 0x5B),
            (0xFF, 0xEA, 0x46),
        ],
        dtype=float,
    ),
    "viridis": np.array(
        [
            (0x44, 0x01, 0x54),
            (0x48, 0x28, 0x78),
            (0x3E, 0x4A, 0x89),
            (0x31, 0x68, 0x8E),
            (0x26, 0x82, 0x8E),
            (0x1F, 0x9E, 0x89),
            (0x35, 0xB7, 0x79),
            (0x6D, 0xCD, 0x59),
            (0xB4, 0xDE, 0x2C),
            (0xFD, 0xE7, 0x25),
        ],
        dtype=float,
    ),
    # ColorBrewer PuOr (9), orange (low) to purple (high)
    "puor": np.array(
        [
            (0xB3, 0x58, 0x06),
            (0xE0, 0x82, 0x14),
            (0xFD, 0xB8, 0x63),
            (0xFE, 0xE0, 0xB6),
            (0xF7, 0xF7, 0xF7),
            (0xD8, 0xDA, 0xEB),
            (0xB2, 0xAB, 0xD2),
            (0x80, 0x73, 0xAC),
            (0x54, 0x27, 0x88),
        ],
        dtype=float,
    ),
}

#: Colour for values that are missing but inside the layer (segments: grey, half see-through).
MISSING_COLOR = (128, 128, 128, 128)
#: Largest image sent to the browser, in pixels: a 5 m demo raster (3.8 M) fits unchanged.
MAX_PIXELS = 4_000_000


@dataclass(frozen=True)
class Style:
    """How a measure is coloured: palette, value range, scale ('linear' or 'log'), and whether
    the palette runs reversed (high values dark)."""

    palette: str
    vmin: float
    vmax: float
    scale: str = "linear"
    reverse: bool = False


#: Default styles of the analytics' measures (rasters and segment columns).
STYLES: dict[str, Style] = {
    "lux": Style("cividis", 0.1, 30.0, "log"),
    "lux_mean": Style("cividis", 0.1, 30.0, "log"),
    "lux_min": Style("cividis", 0.1, 30.0, "log"),
    "lux_uniformity": Style("cividis", 0.0, 1.0),
    "dark_share": Style("cividis", 0.0, 1.0, reverse=True),
    "surveillance_day": Style("viridis", 0.0, 1.0),
    "surveillance_night": Style("viridis", 0.0, 1.0),
    "cpted_indicator": Style("viridis", 0.0, 100.0),
    "vacancy_share": Style("viridis", 0.0, 0.25, reverse=True),
    "feeling_gap": Style("puor", -2.0, 2.0),
}


def _unit(values: np.ndarray, style: Style) -> np.ndarray:
    """Values mapped to 0–1 along the palette (NaN stays NaN)."""
    v = np.asarray(values, dtype=float)
    if style.scale == "log":
        if not (style.vmin > 0 and style.vmax > style.vmin):
            raise ValueError(
                f"a log colour scale needs 0 < vmin < vmax, not {style.vmin}, {style.vmax}"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            lv = np.log10(np.maximum(v, style.vmin))
        t = (lv - np.log10(style.vmin)) / (np.log10(style.vmax) - np.log10(style.vmin))
        t = np.where(np.isnan(v), np.nan, t)
    elif style.scale == "linear":
        if not style.vmax > style.vmin:
            raise ValueError(f"a colour scale needs vmin < vmax, not {style.vmin}, {style.vmax}")
        t = (v - style.vmin) / (style.vmax - style.vmin)
    else:
        raise ValueError(f"unknown colour scale {style.scale!r}; use 'linear' or 'log'")
    t = np.clip(t, 0.0, 1.0)
    return 1.0 - t if style.reverse else t


def _palette(name: str) -> np.ndarray:
    if name not in PALETTES:
        raise ValueError(f"unknown palette {name!r}; palettes: {', '.join(PALETTES)}")
    return PALETTES[name]


def colors_from_values(
    values: np.ndarray | Any,
    style: Style | str,
    *,
    alpha: int = 255,
    missing: tuple[int, int, int, int] = MISSING_COLOR,
) -> np.ndarray:
    """(n, 4) uint8 RGBA colours for ``values`` (e.g. one per street segment).

    ``style`` is a :class:`Style` or the name of a measure in :data:`STYLES`. Missing values
    get ``missing``.

    >>> colors_from_values([0.0, 1.0, float("nan")], "surveillance_night").tolist()
    [[68, 1, 84, 255], [253, 231, 37, 255], [128, 128, 128, 128]]
    """
    style = STYLES[style] if isinstance(style, str) else style
    anchors = _palette(style.palette)
    t = _unit(np.asarray(values, dtype=float).ravel(), style)
    out = np.empty((len(t), 4), dtype=np.uint8)
    ok = ~np.isnan(t)
    pos = np.linspace(0.0, 1.0, len(anchors))
    for c in range(3):
        out[ok, c] = np.rint(np.interp(t[ok], pos, anchors[:, c])).astype(np.uint8)
    out[ok, 3] = alpha
    out[~ok] = missing
    return out


def legend_stops(style: Style | str, n: int = 5) -> list[tuple[float, tuple[int, int, int]]]:
    """``n`` (value, RGB) pairs from low to high, for a legend."""
    style = STYLES[style] if isinstance(style, str) else style
    if style.scale == "log":
        values = np.geomspace(style.vmin, style.vmax, n)
    else:
        values = np.linspace(style.vmin, style.vmax, n)
    colours = colors_from_values(values, style)
    return [
        (float(v), (int(c[0]), int(c[1]), int(c[2]))) for v, c in zip(values, colours, strict=True)
    ]


def png_from_rgba(rgba: np.ndarray) -> bytes:
    """A PNG file (bytes) of an (h, w, 4) uint8 image; no imaging library needed."""
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        raise ValueError(f"expected an (h, w, 4) uint8 array, not {rgba.shape} {rgba.dtype}")
    h, w = rgba.shape[:2]
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rgba.reshape(h, w * 4)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def bounds_wgs84(raster: xr.DataArray) -> list[list[float]]:
    """The raster's four outer corners in WGS84, as deck.gl's BitmapLayer wants them:
    ``[[left, bottom], [left, top], [right, top], [right, bottom]]`` (longitude, latitude)."""
    a, _b, c, _d, e, f = raster.attrs["transform"]
    west, north = c, f
    east = west + a * raster.sizes["x"]
    south = north + e * raster.sizes["y"]
    lon, lat = to_wgs84(np.array([west, west, east, east]), np.array([south, north, north, south]))
    return [[round(float(x), 7), round(float(y), 7)] for x, y in zip(lon, lat, strict=True)]


@dataclass(frozen=True)
class RasterImage:
    """A coloured raster ready for a BitmapLayer: ``rgba`` (h, w, 4), ``png`` bytes, the four
    WGS84 ``bounds`` corners, and the ``style`` used."""

    rgba: np.ndarray
    png: bytes
    bounds: list[list[float]]
    style: Style

    @property
    def data_url(self) -> str:
        """The PNG as a ``data:`` URL (works offline as BitmapLayer ``image``)."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _coarsen(values: np.ndarray, max_pixels: int) -> np.ndarray:
    """Block means (ignoring NaN) so that the image has at most ``max_pixels`` pixels."""
    h, w = values.shape
    k = int(np.ceil(np.sqrt(h * w / max_pixels))) if h * w > max_pixels else 1
    if k == 1:
        return values
    hp, wp = -(-h // k) * k, -(-w // k) * k
    padded = np.full((hp, wp), np.nan)
    padded[:h, :w] = values
    blocks = padded.reshape(hp // k, k, wp // k, k)
    count = (~np.isnan(blocks)).sum(axis=(1, 3))
    total = np.nansum(blocks, axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def image_from_raster(
    raster: xr.DataArray,
    style: Style | str | None = None,
    *,
    alpha: int = 200,
    max_pixels: int = MAX_PIXELS,
) -> RasterImage:
    """Colour ``raster`` (NaN transparent) into an RGBA image with its WGS84 corners.

    ``style`` defaults to :data:`STYLES` for the raster's name. Rasters larger than
    ``max_pixels`` are reduced by block means; the bounds stay the same.
    """
    if style is None:
        if raster.name not in STYLES:
            raise ValueError(f"no default style for raster {raster.name!r}; pass a style")
        style = str(raster.name)
    style = STYLES[style] if isinstance(style, str) else style
    values = _coarsen(np.asarray(raster.to_numpy(), dtype=float), max_pixels)
    h, w = values.shape
    rgba = colors_from_values(values.ravel(), style, alpha=alpha, missing=(0, 0, 0, 0))
    rgba = rgba.reshape(h, w, 4)
    return RasterImage(rgba=rgba, png=png_from_rgba(rgba), bounds=bounds_wgs84(raster), style=style)
