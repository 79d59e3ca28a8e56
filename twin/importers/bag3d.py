"""3DBAG buildings: GeoPackage (``pand`` + roof-part layers) and CityJSONSeq (``.city.jsonl``).

Height above ground is the roof's 70th-percentile elevation minus the ground elevation:

    height = b3_h_70p (2025) | b3_h_dak_70p (2023–2024)  −  b3_h_maaiveld        [m]

Why the 70th percentile: it is the elevation 3DBAG itself extrudes its LoD1.2 and LoD1.3 block
models to, so our one-height-per-footprint blocks match 3DBAG's own; the maximum is dominated by
chimneys, dormers and antennas, the median sits too low on pitched roofs, and the minimum is
the eaves. The maximum is kept as ``height_max`` for whoever needs it.

Roof parts come from ``lod12_2d`` (one block per building part), else ``lod13_2d``, else
``lod22_2d``; a building with several parts gets their area-weighted mean. They join ``pand`` by
``identificatie``. A building without a usable roof height (3DBAG's
"insufficient point cloud", a roof below the ground) is kept with an estimated height
(``b3_bouwlagen`` × 3 m, else 3 m) and ``height_estimated = True``; the count goes into the
layer's manifest notes.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from twin.errors import TwinDataError
from twin.importers._common import layer_names, read_layer, require_columns
from twin.importers._crs import frame_in_rd
from twin.importers.bag import use_from_gebruiksdoel

__all__ = [
    "HEIGHT_SCHEMES",
    "ROOF_LAYERS",
    "BuildingsImport",
    "buildings_from_3dbag",
    "buildings_from_cityjson_lines",
    "buildings_from_pand_and_roofs",
]

#: Roof-part layers in order of preference (see the module docstring).
ROOF_LAYERS = ("lod12_2d", "lod13_2d", "lod22_2d")
#: Height attribute names per 3DBAG release: {50p, 70p, max, min} → column.
HEIGHT_SCHEMES = {
    "2025": "b3_h_{}",
    "2023–2024": "b3_h_dak_{}",
}
#: Storey height for the fallback estimate, metres (Dutch dwellings: 2.6–3.0 m floor to floor).
STOREY_M = 3.0
#: BAG status meaning the building stands but is out of use: the closest registered signal of
#: vacancy (BAG does not register vacancy of dwellings).
VACANT_STATUS = "Pand buiten gebruik"
#: BAG writes construction years it does not know as 1005 (and sometimes other years before
#: 1100); such years are "unknown", not medieval.
FIRST_PLAUSIBLE_YEAR = 1100

_PAND_FIELDS = (
    "identificatie",
    "status",
    "oorspronkelijkbouwjaar",
    "b3_h_maaiveld",
    "b3_dak_type",
    "b3_bouwlagen",
    "b3_pw_onvoldoende",
    "gebruiksdoel",
    "aantal_verblijfsobjecten",
)


@dataclass
class BuildingsImport:
    """Buildings read from 3DBAG files, with what the reader noticed (for the manifest)."""

    frame: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)
    scheme: str = ""
    files: list[str] = field(default_factory=list)
    #: 3DBAG release, e.g. "v2024.04.20", from the CityJSON metadata or the file path.
    version: str = ""


# -- pure core ----------------------------------------------------------------------------
def _roof_heights(
    ids: np.ndarray, area: np.ndarray, h70: np.ndarray, hmax: np.ndarray
) -> pd.DataFrame:
    """Per building id: area-weighted mean of the parts' 70th percentile, and the max."""
    codes, uniques = pd.factorize(pd.Series(ids, dtype="string"), sort=False)
    n = len(uniques)
    ok = np.isfinite(h70) & np.isfinite(area)
    w = np.where(ok, np.maximum(area, 1e-6), 0.0)
    sw = np.bincount(codes, weights=w, minlength=n)
    swh = np.bincount(codes, weights=np.where(ok, w * h70, 0.0), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(sw > 0, swh / sw, np.nan)
    top = pd.Series(hmax).groupby(codes).max().reindex(range(n)).to_numpy()
    return pd.DataFrame({"h70": mean, "hmax": top}, index=pd.Index(uniques, dtype="string"))


def buildings_from_pand_and_roofs(
    pand: gpd.GeoDataFrame,
    roofs: pd.DataFrame | None,
    *,
    file: str,
    layer: str = "pand",
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Buildings from the ``pand`` layer and roof parts (``identificatie``, ``h70``, ``hmax``,
    ``area``), in RD New. Pure: no file access.

    Returns the building frame (``id``, ``use``, ``height``, ``ground_level``, ``year_built``,
    ``dwellings``, ``vacant`` plus ``status``, ``height_max``, ``height_estimated``,
    ``roof_type``, ``gebruiksdoel``) and notes for the manifest.
    """
    notes: list[str] = []
    require_columns(
        pand,
        ("identificatie", "b3_h_maaiveld"),
        file=file,
        layer=layer,
        hint="a 3DBAG 'pand' layer has identificatie, status, oorspronkelijkbouwjaar and "
        "b3_h_maaiveld",
    )
    ids = pand["identificatie"].astype("string").str.strip()
    blank = ids.isna() | (ids == "")
    if blank.any():
        row = int(np.flatnonzero(blank.to_numpy())[0])
        raise TwinDataError("is empty", file=file, layer=layer, field="identificatie", row=row)
    ground = pd.to_numeric(pand["b3_h_maaiveld"], errors="coerce").to_numpy(dtype=float)
    if roofs is not None and len(roofs):
        per = _roof_heights(
            roofs["identificatie"].to_numpy(),
            roofs["area"].to_numpy(dtype=float),
            roofs["h70"].to_numpy(dtype=float),
            roofs["hmax"].to_numpy(dtype=float),
        )
        idx = per.index.get_indexer(ids)
        h70 = np.where(idx >= 0, per["h70"].to_numpy()[idx], np.nan)
        hmax = np.where(idx >= 0, per["hmax"].to_numpy()[idx], np.nan)
    else:
        h70 = np.full(len(pand), np.nan)
        hmax = np.full(len(pand), np.nan)
        notes.append("no roof-part layer: every height is estimated from storeys")
    height = h70 - ground
    bad = ~np.isfinite(height) | (height <= 0) | (height > 400)
    floors = (
        pd.to_numeric(pand["b3_bouwlagen"], errors="coerce").to_numpy(dtype=float)
        if "b3_bouwlagen" in pand.columns
        else np.full(len(pand), np.nan)
    )
    estimate = np.where(np.isfinite(floors) & (floors > 0), floors * STOREY_M, STOREY_M)
    height = np.where(bad, estimate, height)
    if bad.any() and roofs is not None:
        notes.append(
            f"{int(bad.sum())} of {len(pand)} buildings have no usable roof height in 3DBAG "
            f"(no reconstruction or roof below ground); their height is estimated from storeys "
            f"(b3_bouwlagen × {STOREY_M:g} m, else {STOREY_M:g} m) and flagged height_estimated"
        )
    years = (
        pd.to_numeric(pand["oorspronkelijkbouwjaar"], errors="coerce")
        if "oorspronkelijkbouwjaar" in pand.columns
        else pd.Series(np.nan, index=pand.index)
    )
    implausible = years.notna() & ((years < FIRST_PLAUSIBLE_YEAR) | (years > 2100))
    if implausible.any():
        notes.append(
            f"{int(implausible.sum())} construction years before {FIRST_PLAUSIBLE_YEAR} or after "
            "2100 (BAG's placeholder for 'unknown', e.g. 1005) are stored as unknown"
        )
    years = years.where(~implausible).round().astype("Int64")
    status = (
        pand["status"].astype("string").str.strip()
        if "status" in pand.columns
        else pd.Series(pd.NA, index=pand.index, dtype="string")
    )
    gebruiksdoel = (
        pand["gebruiksdoel"].astype("string")
        if "gebruiksdoel" in pand.columns
        else pd.Series(pd.NA, index=pand.index, dtype="string")
    )
    dwellings = (
        pd.to_numeric(pand["aantal_verblijfsobjecten"], errors="coerce")
        if "aantal_verblijfsobjecten" in pand.columns
        else pd.Series(np.nan, index=pand.index)
    )
    frame = gpd.GeoDataFrame(
        {
            "id": ids.to_numpy(dtype=object),
            "use": use_from_gebruiksdoel(gebruiksdoel),
            "height": np.round(height, 2),
            "ground_level": np.round(ground, 2),
            "year_built": years.to_numpy(),
            "dwellings": dwellings.to_numpy(dtype=float),
            "vacant": (status == VACANT_STATUS).fillna(False).to_numpy(dtype=bool),
            "status": status.to_numpy(dtype=object),
            "height_max": np.round(hmax - ground, 2),
            "height_estimated": bad,
            "roof_type": (
                pand["b3_dak_type"].astype("string").to_numpy(dtype=object)
                if "b3_dak_type" in pand.columns
                else None
            ),
            "gebruiksdoel": gebruiksdoel.to_numpy(dtype=object),
        },
        geometry=pand.geometry.to_numpy(),
        crs=pand.crs,
    )
    frame["year_built"] = frame["year_built"].astype("Int64")
    return frame, notes


def _scheme_of(columns: Sequence[str], *, file: str, layer: str) -> str:
    for name, pattern in HEIGHT_SCHEMES.items():
        if pattern.format("70p") in columns:
            return name
    raise TwinDataError(
        "has no roof height (neither b3_h_70p of 2025 nor b3_h_dak_70p of 2023–2024)",
        file=file,
        layer=layer,
        field="b3_h_70p",
        hint="is this a 3DBAG GeoPackage? its roof layers are lod12_2d, lod13_2d, lod22_2d",
    )


# -- GeoPackage ---------------------------------------------------------------------------
def _fields(path: Path, layer: str) -> list[str]:
    return [str(f) for f in pyogrio.read_info(path, layer=layer)["fields"]]


def _read_gpkg(path: Path, *, crs: str | None) -> tuple[gpd.GeoDataFrame, list[str], str]:
    file = str(path)
    layers = layer_names(path)
    if "pand" not in layers:
        raise TwinDataError(
            f"has no layer 'pand' (layers: {', '.join(layers) or 'none'})",
            file=file,
            layer="pand",
            hint="a 3DBAG GeoPackage holds the layers pand, lod12_2d, lod13_2d and lod22_2d",
        )
    pand_fields = _fields(path, "pand")
    wanted = [f for f in _PAND_FIELDS if f in pand_fields]
    if "identificatie" not in pand_fields:
        raise TwinDataError(
            "is missing",
            file=file,
            layer="pand",
            field="identificatie",
            hint="the BAG id (NL.IMBAG.Pand....) is the building id of the twin",
        )
    pand = read_layer(path, "pand", columns=wanted)
    pand, crs_note = frame_in_rd(pand, file=file, layer="pand", assume=crs)
    roof_layer = next((name for name in ROOF_LAYERS if name in layers), None)
    roofs = None
    scheme = ""
    notes = [crs_note] if crs_note else []
    if roof_layer is not None:
        roof_fields = _fields(path, roof_layer)
        scheme = _scheme_of(roof_fields, file=file, layer=roof_layer)
        pattern = HEIGHT_SCHEMES[scheme]
        require_columns(
            pd.DataFrame(columns=roof_fields),
            ("identificatie",),
            file=file,
            layer=roof_layer,
            hint="roof parts join the pand layer by identificatie",
        )
        cols = ["identificatie", pattern.format("70p")]
        if pattern.format("max") in roof_fields:
            cols.append(pattern.format("max"))
        raw = read_layer(path, roof_layer, columns=cols)
        raw, _ = frame_in_rd(raw, file=file, layer=roof_layer, assume=crs)
        h70 = pd.to_numeric(raw[pattern.format("70p")], errors="coerce")
        hmax = (
            pd.to_numeric(raw[pattern.format("max")], errors="coerce")
            if pattern.format("max") in raw.columns
            else h70
        )
        roofs = pd.DataFrame(
            {
                "identificatie": raw["identificatie"].astype("string").str.strip().to_numpy(),
                "h70": h70.to_numpy(dtype=float),
                "hmax": hmax.to_numpy(dtype=float),
                "area": shapely.area(raw.geometry.to_numpy()),
            }
        )
        notes.append(f"roof heights from layer {roof_layer} ({scheme} attribute names)")
    frame, more = buildings_from_pand_and_roofs(pand, roofs, file=file)
    return frame, notes + more, scheme


# -- CityJSONSeq --------------------------------------------------------------------------
_EPSG = re.compile(r"EPSG(?:/0/|::?)(\d+)", re.I)


def _ring(indices: Sequence[int], xy: np.ndarray) -> np.ndarray:
    return xy[np.asarray(indices, dtype=int)]


def _polygon(surface: Sequence[Sequence[int]], xy: np.ndarray) -> shapely.Polygon:
    rings = [_ring(r, xy) for r in surface]
    return shapely.Polygon(rings[0], rings[1:])


def _footprint(building: dict, parts: list[dict], xy: np.ndarray) -> shapely.Geometry | None:
    for geom in building.get("geometry", []):
        if str(geom.get("lod")) == "0" and geom.get("type") == "MultiSurface":
            polys = [_polygon(s, xy) for s in geom["boundaries"]]
            return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    grounds = []
    for part in parts:  # no LoD0: the ground surfaces of the LoD1.2 solids
        for geom in part.get("geometry", []):
            if str(geom.get("lod")) != "1.2" or geom.get("type") != "Solid":
                continue
            values = geom.get("semantics", {}).get("values", [[]])[0]
            types = [s.get("type") for s in geom.get("semantics", {}).get("surfaces", [])]
            for k, surface in enumerate(geom["boundaries"][0]):
                if (
                    k < len(values)
                    and values[k] is not None
                    and types[values[k]] == "GroundSurface"
                ):
                    grounds.append(_polygon(surface, xy))
    if not grounds:
        return None
    return shapely.union_all(grounds)


def _roof_from_solids(parts: list[dict], xyz: np.ndarray) -> tuple[float, float]:
    """Area-weighted roof elevation and the highest roof point of the LoD1.2 solids."""
    area_sum, weighted, top = 0.0, 0.0, np.nan
    for part in parts:
        for geom in part.get("geometry", []):
            if str(geom.get("lod")) != "1.2" or geom.get("type") != "Solid":
                continue
            sem = geom.get("semantics", {})
            values = sem.get("values", [[]])[0]
            types = [s.get("type") for s in sem.get("surfaces", [])]
            for k, surface in enumerate(geom["boundaries"][0]):
                if k < len(values) and values[k] is not None and types[values[k]] == "RoofSurface":
                    pts = xyz[np.asarray(surface[0], dtype=int)]
                    a = shapely.Polygon(pts[:, :2]).area
                    z = float(pts[:, 2].mean())
                    area_sum += a
                    weighted += a * z
                    top = z if not np.isfinite(top) else max(top, float(pts[:, 2].max()))
    return (weighted / area_sum if area_sum > 0 else np.nan), top


def buildings_from_cityjson_lines(
    lines: Iterable[str], *, file: str = "<cityjsonseq>", crs: str | None = None
) -> tuple[gpd.GeoDataFrame, list[str], str]:
    """Buildings from the lines of a CityJSONSeq (first line metadata, then one feature per line).

    Vertices are quantised integers: ``xyz = vertex × transform.scale + transform.translate``,
    with the transform of the first line. Pure: takes text, returns a frame in RD New.
    """
    it = iter(lines)
    try:
        first = json.loads(next(it))
    except StopIteration:
        raise TwinDataError("is empty", file=file, layer="CityJSONSeq") from None
    except json.JSONDecodeError as exc:
        raise TwinDataError(f"line 1 is not JSON ({exc.msg})", file=file, row=1) from exc
    if first.get("type") != "CityJSON" or "transform" not in first:
        raise TwinDataError(
            "line 1 must be the CityJSON metadata object with a 'transform'",
            file=file,
            row=1,
            field="transform",
            hint="a 3DBAG .city.jsonl starts with {'type': 'CityJSON', 'transform': ...}",
        )
    scale = np.asarray(first["transform"]["scale"], dtype=float)
    translate = np.asarray(first["transform"]["translate"], dtype=float)
    ref = str(first.get("metadata", {}).get("referenceSystem", ""))
    match = _EPSG.search(ref)
    source_crs = crs or (f"EPSG:{match.group(1)}" if match else None)
    records: list[dict] = []
    geoms: list[shapely.Geometry | None] = []
    scheme = ""
    for number, line in enumerate(it, start=2):
        if not line.strip():
            continue
        try:
            feature = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TwinDataError(
                f"line {number} is not valid JSON ({exc.msg}); the file may be truncated",
                file=file,
                row=number,
                hint="download the file again",
            ) from exc
        objects = feature.get("CityObjects", {})
        fid = feature.get("id")
        building = objects.get(fid) if fid in objects else None
        if building is None:
            building = next((o for o in objects.values() if o.get("type") == "Building"), None)
        if building is None or "vertices" not in feature:
            raise TwinDataError(
                "holds no Building with vertices",
                file=file,
                row=number,
                field="CityObjects",
                hint="each line after the first must be a CityJSONFeature of a 3DBAG building",
            )
        xyz = np.asarray(feature["vertices"], dtype=float) * scale + translate
        parts = [objects[c] for c in building.get("children", []) if c in objects]
        attrs = building.get("attributes", {})
        geom = _footprint(building, parts, xyz[:, :2]) if len(xyz) else None
        if geom is None:
            raise TwinDataError(
                "has no footprint (no LoD0 surface and no LoD1.2 ground surface)",
                file=file,
                row=number,
                field="geometry",
            )
        h70 = attrs.get("b3_h_70p", attrs.get("b3_h_dak_70p"))
        hmax = attrs.get("b3_h_max", attrs.get("b3_h_dak_max"))
        if not scheme:
            scheme = (
                "2025"
                if "b3_h_70p" in attrs
                else ("2023–2024" if "b3_h_dak_70p" in attrs else scheme)
            )
        if h70 is None:
            h70, top = _roof_from_solids(parts, xyz)
            hmax = top if hmax is None else hmax
        records.append(
            {
                "identificatie": attrs.get("identificatie", fid),
                "status": attrs.get("status"),
                "oorspronkelijkbouwjaar": attrs.get("oorspronkelijkbouwjaar"),
                "b3_h_maaiveld": attrs.get("b3_h_maaiveld"),
                "b3_dak_type": attrs.get("b3_dak_type"),
                "b3_bouwlagen": attrs.get("b3_bouwlagen"),
                "gebruiksdoel": attrs.get("gebruiksdoel"),
                "_h70": np.nan if h70 is None else float(h70),
                "_hmax": np.nan if hmax is None else float(hmax),
            }
        )
        geoms.append(geom)
    if not records:
        raise TwinDataError("holds no building features after the metadata line", file=file)
    table = pd.DataFrame.from_records(records)
    pand = gpd.GeoDataFrame(
        table.drop(columns=["_h70", "_hmax"]),
        geometry=geoms,
        crs=source_crs,
    )
    pand, crs_note = frame_in_rd(pand, file=file, layer="CityJSONSeq", assume=crs)
    roofs = pd.DataFrame(
        {
            "identificatie": table["identificatie"].astype("string"),
            "h70": table["_h70"],
            "hmax": table["_hmax"],
            "area": 1.0,
        }
    )
    frame, notes = buildings_from_pand_and_roofs(pand, roofs, file=file, layer="CityJSONSeq")
    return frame, ([crs_note] if crs_note else []) + notes, scheme


# -- entry point --------------------------------------------------------------------------
_VERSION = re.compile(r"v(20\d\d)\.?(\d\d)\.?(\d\d)")


def _version_of(path: Path, cityjson: bool) -> str:
    if cityjson:
        with open(path, encoding="utf-8") as fh:
            try:
                meta = json.loads(fh.readline()).get("metadata", {})
            except (json.JSONDecodeError, AttributeError):
                meta = {}
        if isinstance(meta, dict) and meta.get("version"):
            return str(meta["version"])
    match = _VERSION.search(str(path))
    return f"v{match.group(1)}.{match.group(2)}.{match.group(3)}" if match else ""


def _is_cityjsonseq(path: Path) -> bool:
    if path.name.endswith((".jsonl", ".city.jsonl", ".cjseq")):
        return True
    with open(path, "rb") as fh:
        head = fh.read(64).lstrip()
    return head.startswith(b"{")


def buildings_from_3dbag(
    paths: Sequence[str | os.PathLike[str]], *, crs: str | None = None
) -> BuildingsImport:
    """Buildings from one or more 3DBAG files (GeoPackage tiles or CityJSONSeq), in RD New.

    Buildings found in more than one file (tiles overlap at their edges in some releases) are
    kept once; the count goes into the notes.
    """
    frames, notes, schemes, versions = [], [], set(), set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise TwinDataError("does not exist", file=str(path))
        cityjson = _is_cityjsonseq(path)
        version = _version_of(path, cityjson)
        if version:
            versions.add(version)
        if cityjson:
            with open(path, encoding="utf-8") as fh:
                frame, more, scheme = buildings_from_cityjson_lines(fh, file=str(path), crs=crs)
        else:
            frame, more, scheme = _read_gpkg(path, crs=crs)
        frames.append(frame)
        notes += [f"{path.name}: {n}" for n in more] if len(paths) > 1 else more
        if scheme:
            schemes.add(scheme)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    dup = frame["id"].duplicated(keep="first").to_numpy()
    if dup.any():
        notes.append(f"{int(dup.sum())} buildings occurred in more than one file and are kept once")
        frame = frame[~dup].reset_index(drop=True)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=frames[0].crs)
    return BuildingsImport(
        frame=frame,
        notes=notes,
        scheme=", ".join(sorted(schemes)),
        files=[str(p) for p in paths],
        version=", ".join(sorted(versions)),
    )
