"""Bake the twin's geometry into compact binary files the browser fetches once and caches.

One file per layer (``buildings``, ``streets``, ``lights``, ``areas``, ``ground``). Layout::

    b"STB1" | uint32 header length | header JSON (UTF-8, padded to 8) | arrays, each padded to 8

The header names each array (``dtype``, byte ``offset`` from the start of the array block,
``length`` in elements) and carries the layer's lookup tables (category names, area codes,
street names, label points). Coordinates are WGS84, quantised to
:data:`~layers.constants.COORD_SCALE` degrees from a twin-wide ``origin`` and stored as int32
deltas from the previous vertex (``xy``, interleaved lon/lat): small numbers that gzip well.
Polygons drop the closing vertex; ``ring_len`` holds vertices per ring and ``part_rings`` rings
per polygon part (exterior first). Features are in the twin's row order, so a picked index is a
row position; multi-part features add ``part_feature``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import shapely

from layers.constants import BAKE_MAGIC, BAKE_VERSION, COORD_SCALE, HEIGHT_SCALE
from twin import Twin

__all__ = [
    "BAKED_LAYERS",
    "BakedTwin",
    "bake_points",
    "bake_twin",
    "read_baked",
    "shapes_from_baked",
]

#: The files a baked twin consists of, in load order (areas first: everything refers to them).
BAKED_LAYERS = ("areas", "ground", "streets", "lights", "buildings")
_LEVELS = ("gemeente", "wijk", "buurt")


@dataclass(frozen=True)
class BakedTwin:
    """The baked files of one twin (raw, uncompressed bytes) and the origin they share."""

    files: dict[str, bytes]
    origin: tuple[float, float]
    counts: dict[str, int]


def _quantise(coords: np.ndarray, origin: np.ndarray) -> np.ndarray:
    q = np.round((coords - origin) / COORD_SCALE).astype(np.int64)
    if len(q) and np.abs(q).max() >= 2**31:
        raise ValueError("coordinates span more than ±214 degrees from the origin")
    d = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return d.astype(np.int32).reshape(-1)


def _pack(layer: str, meta: dict, arrays: dict[str, np.ndarray]) -> bytes:
    descr, blocks, offset = {}, [], 0
    for name, arr in arrays.items():
        arr = np.ascontiguousarray(arr)
        raw = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        descr[name] = {"dtype": arr.dtype.name, "offset": offset, "length": int(arr.size)}
        pad = (-len(raw)) % 8
        blocks.append(raw + b"\0" * pad)
        offset += len(raw) + pad
    header = {"layer": layer, "version": BAKE_VERSION, **meta, "arrays": descr}
    hb = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    hb += b" " * ((-(len(hb) + 8)) % 8)
    return BAKE_MAGIC + np.uint32(len(hb)).tobytes() + hb + b"".join(blocks)


def read_baked(blob: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """Header and arrays of one baked file (the browser's decoder, in Python for tests/exports)."""
    if blob[:4] != BAKE_MAGIC:
        raise ValueError("not a baked layer file (bad magic bytes)")
    n = int(np.frombuffer(blob[4:8], dtype="<u4")[0])
    header = json.loads(blob[8 : 8 + n].decode())
    base = 8 + n
    arrays = {}
    for name, d in header["arrays"].items():
        dt = np.dtype(d["dtype"]).newbyteorder("<")
        start = base + d["offset"]
        arrays[name] = np.frombuffer(blob, dtype=dt, count=d["length"], offset=start)
    return header, arrays


def _coords_of(header: dict, arrays: dict[str, np.ndarray]) -> np.ndarray:
    q = np.cumsum(arrays["xy"].astype(np.int64).reshape(-1, 2), axis=0)
    return q * header["scale"] + np.asarray(header["origin"])


def shapes_from_baked(blob: bytes) -> np.ndarray:
    """Shapely geometries (WGS84) of a baked file, one per feature (for tests and exports)."""
    header, arrays = read_baked(blob)
    xy = _coords_of(header, arrays)
    kind = header["geometry"]
    if kind == "point":
        return shapely.points(xy)
    if kind == "line":
        ends = np.cumsum(arrays["path_len"])
        parts = np.split(xy, ends[:-1])
        return np.asarray([shapely.linestrings(p) for p in parts], dtype=object)
    ring_ends = np.cumsum(arrays["ring_len"].astype(np.int64))
    rings = np.split(xy, ring_ends[:-1])
    polys, r = [], 0
    for nr in arrays["part_rings"]:
        polys.append(shapely.Polygon(rings[r], rings[r + 1 : r + int(nr)]))
        r += int(nr)
    feature = arrays.get("part_feature")
    if feature is None:
        return np.asarray(polys, dtype=object)
    out = []
    for f in range(header["count"]):
        mine = [p for p, pf in zip(polys, feature, strict=True) if pf == f]
        out.append(mine[0] if len(mine) == 1 else shapely.MultiPolygon(mine))
    return np.asarray(out, dtype=object)


def _polygon_arrays(geoms: np.ndarray, origin: np.ndarray) -> dict[str, np.ndarray]:
    """Rings, parts and quantised coordinates of (multi)polygons, closing vertices dropped."""
    parts, feature = shapely.get_parts(geoms, return_index=True)
    if len(parts) == 0:  # an empty layer (a gap in an imported twin) bakes to no features
        return {
            "ring_len": np.zeros(0, np.uint16),
            "part_rings": np.zeros(0, np.uint32),
            "xy": _quantise(np.zeros((0, 2)), origin),
        }
    parts = shapely.orient_polygons(parts) if hasattr(shapely, "orient_polygons") else parts
    _, coords, (ring_off, part_off) = shapely.to_ragged_array(parts)
    keep = np.ones(len(coords), dtype=bool)
    keep[ring_off[1:] - 1] = False  # the closing vertex of every ring
    ring_len = np.diff(ring_off) - 1
    out = {
        "ring_len": ring_len.astype(np.uint16 if ring_len.max(initial=0) < 2**16 else np.uint32),
        "part_rings": np.diff(part_off).astype(np.uint32),
    }
    if len(parts) != len(geoms):
        out["part_feature"] = feature.astype(np.uint32)
    out["xy"] = _quantise(coords[keep], origin)
    return out


def _line_arrays(geoms: np.ndarray, origin: np.ndarray) -> dict[str, np.ndarray]:
    parts, feature = shapely.get_parts(geoms, return_index=True)
    if len(parts) == 0:
        return {"path_len": np.zeros(0, np.uint32), "xy": _quantise(np.zeros((0, 2)), origin)}
    _, coords, (off,) = shapely.to_ragged_array(parts)
    out = {"path_len": np.diff(off).astype(np.uint32)}
    if len(parts) != len(geoms):
        out["part_feature"] = feature.astype(np.uint32)
    out["xy"] = _quantise(coords, origin)
    return out


def _index_of(values, table: list[str], missing: int) -> np.ndarray:
    pos = {v: i for i, v in enumerate(table)}
    return np.asarray([pos.get(v, missing) if isinstance(v, str) else missing for v in values])


def _codes(values) -> tuple[list[str], np.ndarray]:
    table = sorted({v for v in values if isinstance(v, str) and v})
    return table, _index_of(values, table, 255).astype(np.uint8)


def bake_twin(twin: Twin) -> BakedTwin:
    """Bake every layer of a twin (pure: bytes in memory, nothing written).

    >>> from twin import load_twin, subset_twin
    >>> baked = bake_twin(subset_twin(load_twin(), ["BU09173300"]))
    >>> sorted(baked.files) == sorted(BAKED_LAYERS)
    True
    """
    nb = twin.to_wgs84("neighbourhoods")
    minx, miny, _, _ = nb.total_bounds
    origin = np.asarray([np.floor(minx * 100) / 100, np.floor(miny * 100) / 100])
    base = {"origin": [float(origin[0]), float(origin[1])], "scale": COORD_SCALE}
    area_codes = [str(c) for c in nb["code"]]
    area_pos = {c: i for i, c in enumerate(area_codes)}
    files: dict[str, bytes] = {}

    labels = shapely.point_on_surface(nb.geometry.to_numpy())
    files["areas"] = _pack(
        "areas",
        {
            **base,
            "geometry": "polygon",
            "count": len(nb),
            "codes": area_codes,
            "names": [str(n) for n in nb["name"]],
            "parents": [p if isinstance(p, str) else "" for p in nb["parent"]],
            "levels": list(_LEVELS),
            "labels": np.round(shapely.get_coordinates(labels), 6).tolist(),
        },
        {
            "level": _index_of(nb["level"], list(_LEVELS), 2).astype(np.uint8),
            **_polygon_arrays(nb.geometry.to_numpy(), origin),
        },
    )

    ground = twin.to_wgs84("ground")
    kinds, kind_idx = _codes(ground["kind"])
    files["ground"] = _pack(
        "ground",
        {**base, "geometry": "polygon", "count": len(ground), "kinds": kinds},
        {"kind": kind_idx, **_polygon_arrays(ground.geometry.to_numpy(), origin)},
    )

    st = twin.to_wgs84("streets")
    classes, cls_idx = _codes(st["highway"])
    names = sorted({n for n in st["name"] if isinstance(n, str) and n})
    files["streets"] = _pack(
        "streets",
        {**base, "geometry": "line", "count": len(st), "classes": classes, "names": names},
        {
            "cls": cls_idx,
            "name": _index_of(st["name"], names, 65535).astype(np.uint16),
            "area": _index_of(st["buurt"], area_codes, 65535).astype(np.uint16),
            **_line_arrays(st.geometry.to_numpy(), origin),
        },
    )

    li = twin.to_wgs84("lights")
    files["lights"] = _pack(
        "lights",
        {**base, "geometry": "point", "count": len(li)},
        {
            "lumen": np.clip(np.nan_to_num(li["lumen"].to_numpy(float)), 0, 65535).astype(
                np.uint16
            ),
            "height": np.clip(
                np.round(li["height"].to_numpy(float) / HEIGHT_SCALE), 0, 65535
            ).astype(np.uint16),
            "estimated": li["estimated"].to_numpy(bool).astype(np.uint8),
            "xy": _quantise(shapely.get_coordinates(li.geometry.to_numpy()), origin),
        },
    )

    b = twin.to_wgs84("buildings")
    uses, use_idx = _codes(b["use"])
    dwellings = b["dwellings"].to_numpy()
    occupancy = np.where(dwellings <= 0, 2, b["vacant"].to_numpy(bool).astype(int))
    files["buildings"] = _pack(
        "buildings",
        {
            **base,
            "geometry": "polygon",
            "count": len(b),
            "uses": uses,
            "height_scale": HEIGHT_SCALE,
        },
        {
            "height": np.clip(
                np.round(b["height"].to_numpy(float) / HEIGHT_SCALE), 0, 65535
            ).astype(np.uint16),
            "use": use_idx,
            "year": np.clip(np.nan_to_num(b["year_built"].to_numpy(float)), 0, 65535).astype(
                np.uint16
            ),
            "occupancy": occupancy.astype(np.uint8),
            "dwellings": np.clip(dwellings, 0, 65535).astype(np.uint16),
            "area": np.asarray([area_pos.get(c, 65535) for c in b["buurt"]], dtype=np.uint16),
            **_polygon_arrays(b.geometry.to_numpy(), origin),
        },
    )
    counts = {name: read_baked(blob)[0]["count"] for name, blob in files.items()}
    return BakedTwin(files=files, origin=(float(origin[0]), float(origin[1])), counts=counts)


def bake_points(
    lon,
    lat,
    origin: tuple[float, float],
    *,
    layer: str = "markers",
    arrays: dict[str, np.ndarray] | None = None,
    meta: dict | None = None,
) -> bytes:
    """Bake points (markers of an overlay) in the same format, with extra arrays and header data.

    >>> header, arrays = read_baked(bake_points([5.98], [50.88], (5.9, 50.8)))
    >>> header["count"], arrays["xy"].tolist()
    (1, [800000, 800000])
    """
    xy = np.column_stack([np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)])
    base = {"origin": [float(origin[0]), float(origin[1])], "scale": COORD_SCALE}
    return _pack(
        layer,
        {**base, "geometry": "point", "count": len(xy), **(meta or {})},
        {**(arrays or {}), "xy": _quantise(xy, np.asarray(origin, dtype=float))},
    )
