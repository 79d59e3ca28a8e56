"""Export of an :class:`~twin.analytics.Analysis`: GeoTIFF rasters (the one module here that
writes files) and a plain-data summary for JSON.

GeoTIFFs are single-band float32 in RD New (EPSG:28992), NaN as nodata, deflate-compressed and
tiled, with the manifest fields as metadata tags: they open in QGIS as they are.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import shapely

from twin.analytics.analysis import Analysis
from twin.constants import RD_CRS
from twin.crs import to_wgs84

__all__ = ["TOP_SPOTS", "analysis_summary", "write_geotiffs"]

#: Hidden spots listed in the summary (all of them are in ``Analysis.hidden_spots``).
TOP_SPOTS = 10
#: Per-buurt columns of the summary, in order.
BUURT_COLUMNS = (
    "name",
    "street_km",
    "lux_mean",
    "lux_min",
    "dark_share",
    "surveillance_day",
    "surveillance_night",
    "hidden_spots",
    "cpted_indicator",
    "feeling_gap",
    "reading",
)


def write_geotiffs(analysis: Analysis, directory: str | os.PathLike[str]) -> list[Path]:
    """Write ``lux.tif``, ``surveillance_day.tif`` and ``surveillance_night.tif`` into
    ``directory`` (created if needed); returns the paths written."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, raster in analysis.rasters.items():
        path = out / f"{name}.tif"
        tmp = out / f".{name}.tif.tmp"
        values = raster.to_numpy().astype(np.float32)
        a, b, c, d, e, f = raster.attrs["transform"]
        profile = {
            "driver": "GTiff",
            "height": values.shape[0],
            "width": values.shape[1],
            "count": 1,
            "dtype": "float32",
            "crs": RD_CRS,
            "transform": rasterio.Affine(a, b, c, d, e, f),
            "nodata": float("nan"),
            "compress": "deflate",
            "predictor": 3,
            "tiled": True,
            "blockxsize": 256,
            "blockysize": 256,
        }
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(values, 1)
            dst.set_band_description(1, str(raster.attrs.get("long_name", name)))
            dst.update_tags(1, units=str(raster.attrs.get("units", "")))
            dst.update_tags(**_tags(raster.attrs))
        os.replace(tmp, path)
        written.append(path)
    return written


def _tags(attrs: dict[str, Any]) -> dict[str, str]:
    keep = ("source", "licence", "purpose", "legal_basis", "date", "synthetic", "notes", "units")
    return {k.upper(): str(attrs[k]) for k in keep if k in attrs}


def _plain(value: Any) -> Any:
    """A JSON-safe value: NaN → None, numpy scalars → Python."""
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if not math.isfinite(v) else round(v, 4)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def analysis_summary(analysis: Analysis, *, top_spots: int = TOP_SPOTS) -> dict[str, Any]:
    """Everything ``socialtwin analyse --json`` prints: per-buurt rows, city totals, the top
    hidden spots, settings, weights, manifests and timings."""
    seg = analysis.segments
    length = seg["length_m"].to_numpy()

    def weighted(column: str) -> Any:
        v = seg[column].to_numpy(dtype=float)
        ok = np.isfinite(v)
        return _plain(
            np.average(v[ok], weights=length[ok]) if ok.any() and length[ok].sum() else np.nan
        )

    buurten = [
        {"code": code, **{c: _plain(row[c]) for c in BUURT_COLUMNS}}
        for code, row in analysis.buurten.iterrows()
    ]
    spots = analysis.hidden_spots.head(top_spots)
    centres = shapely.get_coordinates(shapely.point_on_surface(spots.geometry.to_numpy()))
    lon, lat = to_wgs84(centres[:, 0], centres[:, 1]) if len(spots) else (centres, centres)
    return {
        "fingerprint": analysis.fingerprint,
        "synthetic": analysis.synthetic,
        "note": (
            "The street CPTED indicator (0-100) summarises design features; it is an "
            "indicator, not a prediction of crime."
        ),
        "totals": {
            "segments": len(seg),
            "street_km": _plain(length.sum() / 1000),
            "lux_mean": weighted("lux_mean"),
            "dark_share": weighted("dark_share"),
            "surveillance_day": weighted("surveillance_day"),
            "surveillance_night": weighted("surveillance_night"),
            "cpted_indicator": weighted("cpted_indicator"),
            "hidden_spots": len(analysis.hidden_spots),
            "feeling_vs_fact": analysis.feeling.attrs.get("note", ""),
        },
        "buurten": buurten,
        "hidden_spots": [
            {
                "rank": int(r["rank"]),
                "x": _plain(c[0]),
                "y": _plain(c[1]),
                "lon": round(float(lo), 6),
                "lat": round(float(la), 6),
                **{
                    k: _plain(r[k]) for k in ("severity", "area_m2", "buurt", "street_id", "reason")
                },
            }
            for (_, r), c, lo, la in zip(spots.iterrows(), centres, lon, lat, strict=True)
        ],
        "settings": analysis.settings.to_dict(),
        "weights": analysis.weights.to_dict(),
        "manifests": {k: m.to_dict() for k, m in analysis.manifests.items()},
        "timings_s": analysis.timings,
        "cpu_timings_s": analysis.cpu_timings,
    }
