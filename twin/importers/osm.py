"""OpenStreetMap roads and street lamps: GeoJSON (e.g. from Overpass turbo, osmtogeojson or
ogr2ogr) or raw Overpass API JSON (``out geom``).

Roads are ways with a ``highway`` class in :data:`ROAD_CLASSES`; they are split into segments
at the nodes they share with other ways (OSM's own topology, so bridges do not get false
crossings), each segment keeping its way's class and name and an id ``osm.way.<id>.<k>``.
Street lamps are nodes with ``highway=street_lamp``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.constants import WGS84_CRS
from twin.errors import TwinDataError
from twin.importers._common import json_from_text, read_layer
from twin.importers._crs import frame_in_rd

__all__ = [
    "ROAD_CLASSES",
    "OsmImport",
    "frame_from_overpass",
    "noded_segments",
    "streets_from_osm",
]

#: OSM highway classes that are streets, paths and roads of the twin (not areas, platforms,
#: proposed or abandoned ways).
ROAD_CLASSES = frozenset(
    {
        "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
        "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
        "residential", "living_street", "service", "pedestrian", "track", "road",
        "footway", "cycleway", "path", "steps", "bridleway", "busway",
    }
)  # fmt: skip


@dataclass
class OsmImport:
    """Street segments and street lamps (both in RD New) from OSM files."""

    streets: gpd.GeoDataFrame
    lamps: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)
    #: Date of the OSM data when the file says (Overpass ``osm3s.timestamp_osm_base``).
    date: str = ""


def frame_from_overpass(data: dict, *, file: str) -> gpd.GeoDataFrame:
    """A WGS84 frame (``@id``, ``highway``, ``name``, other tags) from Overpass JSON.

    Ways need ``out geom`` (their ``geometry`` list of lat/lon); nodes have ``lat``/``lon``.
    """
    elements = data.get("elements")
    if not isinstance(elements, list):
        raise TwinDataError(
            "is not Overpass JSON (no 'elements' list)", file=file, field="elements"
        )
    rows, geoms = [], []
    for k, el in enumerate(elements):
        tags = el.get("tags") or {}
        kind = el.get("type")
        if kind == "way":
            pts = el.get("geometry")
            if not pts:
                raise TwinDataError(
                    "way has no geometry; query with 'out geom'",
                    file=file,
                    row=k,
                    field="geometry",
                )
            geom = shapely.LineString([(p["lon"], p["lat"]) for p in pts])
        elif kind == "node" and "lat" in el:
            geom = shapely.Point(el["lon"], el["lat"])
        else:
            continue
        rows.append({"@id": f"{kind}/{el.get('id')}", **tags})
        geoms.append(geom)
    return gpd.GeoDataFrame(pd.DataFrame.from_records(rows), geometry=geoms, crs=WGS84_CRS)


def _osm_ids(frame: pd.DataFrame) -> np.ndarray:
    for col in ("@id", "id", "osm_id", "full_id"):
        if col in frame.columns:
            raw = frame[col].astype("string").str.strip()
            return (
                raw.str.replace(r"^(way|node|relation)/", r"\1.", regex=True)
                .str.replace(r"^(\d+)$", r"way.\1", regex=True)
                .fillna("")
                .to_numpy(dtype=object)
            )
    return np.array([f"way.row{k}" for k in range(len(frame))], dtype=object)


def noded_segments(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split lines at the vertices they share with others (or repeat), vectorised.

    Returns the segments and, for each, the index of the line it came from.
    """
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    if len(coords) == 0:
        return np.array([], dtype=object), np.array([], dtype=int)
    key = np.round(coords, 3)
    _, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    shared = counts[inverse.ravel()] >= 2
    first = np.r_[True, owner[1:] != owner[:-1]]
    last = np.r_[owner[1:] != owner[:-1], True]
    node = shared | first | last
    starts = np.flatnonzero(node & ~last)  # every node that starts a segment
    nxt = np.flatnonzero(node)
    pos = np.searchsorted(nxt, starts, side="right")
    ends = nxt[pos]
    lengths = ends - starts + 1
    idx = np.repeat(starts, lengths) + (
        np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    seg_of = np.repeat(np.arange(len(starts)), lengths)
    segments = shapely.linestrings(coords[idx], indices=seg_of)
    return segments, owner[starts]


def _roads(frame: gpd.GeoDataFrame, file: str, notes: list[str]) -> gpd.GeoDataFrame:
    highway = frame["highway"].astype("string").str.strip()
    types = shapely.get_type_id(frame.geometry.to_numpy())
    is_line = np.isin(types, [1, 5])
    road = highway.isin(list(ROAD_CLASSES)).fillna(False).to_numpy() & is_line
    areas = int((highway.notna().to_numpy() & np.isin(types, [3, 6])).sum())
    if areas:
        notes.append(f"{areas} highway areas (polygons, e.g. squares) are not street lines")
    other = int((highway.notna().to_numpy() & is_line & ~road).sum())
    if other:
        notes.append(f"{other} ways of other highway classes (proposed, platform, ...) left out")
    ways = frame[road]
    lines = shapely.line_merge(ways.geometry.to_numpy())
    parts = shapely.get_parts(lines, return_index=True)
    singles, src = parts[0], parts[1]
    segments, owner = noded_segments(singles)
    way = src[owner]
    ids = _osm_ids(ways)[way]
    k = pd.Series(ids).groupby(ids).cumcount().to_numpy()
    names = (
        ways["name"].astype("string").to_numpy(dtype=object)[way]
        if "name" in ways.columns
        else np.full(len(way), None, dtype=object)
    )
    out = gpd.GeoDataFrame(
        {
            "id": [f"osm.{i}.{j}" for i, j in zip(ids, k, strict=True)],
            "highway": highway.to_numpy(dtype=object)[road][way],
            "name": [n if isinstance(n, str) and n else None for n in names],
        },
        geometry=segments,
        crs=frame.crs,
    )
    length = shapely.length(out.geometry.to_numpy())
    return out[length > 0].reset_index(drop=True)


def _lamps(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    highway = frame["highway"].astype("string").str.strip()
    is_point = shapely.get_type_id(frame.geometry.to_numpy()) == 0
    lamp = (highway == "street_lamp").fillna(False).to_numpy() & is_point
    sub = frame[lamp]
    height = (
        pd.to_numeric(sub["height"], errors="coerce").to_numpy(dtype=float)
        if "height" in sub.columns
        else np.full(len(sub), np.nan)
    )
    return gpd.GeoDataFrame(
        {"id": [f"osm.{i}" for i in _osm_ids(sub)], "tagged_height": height},
        geometry=sub.geometry.to_numpy(),
        crs=frame.crs,
    )


def _read(path: Path) -> tuple[gpd.GeoDataFrame, str]:
    file = str(path)
    if not path.exists():
        raise TwinDataError("does not exist", file=file)
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if b'"elements"' in head and b'"FeatureCollection"' not in head:
        data = json_from_text(path.read_text(encoding="utf-8"), file=file)
        stamp = str((data.get("osm3s") or {}).get("timestamp_osm_base") or "")
        return frame_from_overpass(data, file=file), stamp[:10]
    return read_layer(path), ""


def streets_from_osm(
    paths: Sequence[str | os.PathLike[str]], *, crs: str | None = None
) -> OsmImport:
    """Street segments (``id``, ``highway``, ``name``) and lamps (``id``, ``tagged_height``).

    Files may hold roads, lamps or both; ways found in two files are kept once.
    """
    frames, notes, dates = [], [], []
    for raw in paths:
        path = Path(raw)
        frame, date = _read(path)
        if date:
            dates.append(date)
        if "highway" not in frame.columns:
            raise TwinDataError(
                "has no 'highway' attribute",
                file=str(path),
                field="highway",
                hint="export OSM ways with their tags (e.g. Overpass: way['highway'])",
            )
        frame, note = frame_in_rd(frame, file=str(path), layer="osm", assume=crs)
        if note:
            notes.append(f"{path.name}: {note}")
        frames.append(frame)
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    ids = pd.Series(_osm_ids(frame))
    dup = ids.duplicated().to_numpy() & (ids != "").to_numpy()
    frame = frame[~dup].reset_index(drop=True)
    streets = _roads(frame, str(paths[0]), notes)
    lamps = _lamps(frame)
    if streets.empty:
        raise TwinDataError(
            "holds no street lines (ways with a highway class such as residential)",
            file=str(paths[0]),
            field="highway",
        )
    notes.append(f"{len(streets)} street segments, {len(lamps)} street lamps")
    return OsmImport(streets=streets, lamps=lamps, notes=notes, date=max(dates, default=""))
