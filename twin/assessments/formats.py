"""Reading and writing the exchange files: GeoJSON, GeoPackage and CSV, same columns in all.

Rows travel as ``dict[column, text | None]`` (see :mod:`twin.assessments.columns`): the
writers type them per column, the readers bring every format back to the same text.

- GeoJSON (RFC 7946): WGS84; a Point per assessment, a Polygon for drawn areas.
- GeoPackage: layer ``assessments`` in RD New (EPSG:28992), same geometry kinds.
- CSV: UTF-8 with a byte-order mark (so spreadsheets read accents right), comma-separated,
  no geometry column (``x_rd``/``y_rd``/``area_wkt_rd`` carry it); text cells that a spreadsheet
  would run as a formula get a leading ``'`` (removed again on import).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import shapely
import shapely.errors
from shapely.geometry import mapping, shape

from twin.assessments.columns import (
    COLUMNS,
    as_text,
    column_names,
    defuse_formula,
    restore_formula,
    typed_row,
)
from twin.assessments.errors import AssessmentError
from twin.constants import RD_CRS
from twin.crs import to_rd, to_wgs84

__all__ = ["FORMATS", "Row", "format_from_path", "read_rows", "write_rows"]

Row = dict[str, str | None]
#: Supported formats and their file extensions.
FORMATS = {"geojson": (".geojson", ".json"), "gpkg": (".gpkg",), "csv": (".csv",)}
_TEXT_COLUMNS = {c.name for c in COLUMNS if c.kind == "text"}
#: GeoPackage layer name.
GPKG_LAYER = "assessments"


class ImportFileError(AssessmentError):
    """The file as a whole cannot be read (wrong format, broken, missing columns)."""


def format_from_path(path: str | Path, fmt: str | None = None) -> str:
    """The format named, or the one the extension implies."""
    if fmt:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower()
    for name, suffixes in FORMATS.items():
        if suffix in suffixes:
            return name
    raise ValueError(f"cannot tell the format of {Path(path).name!r}; give --format")


def _geometry_rd(row: Row) -> shapely.Geometry:
    if row.get("area_wkt_rd"):
        return shapely.from_wkt(row["area_wkt_rd"])
    return shapely.Point(float(row["x_rd"] or 0), float(row["y_rd"] or 0))


def _to_wgs84(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1])))


def _to_rd(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: np.column_stack(to_rd(xy[:, 0], xy[:, 1])))


def _expected_wgs84(row: Row) -> shapely.Geometry | None:
    """The geometry an unedited exported row has in WGS84 (None if the row cannot tell)."""
    try:
        if row.get("area_wkt_rd"):
            return _to_wgs84(shapely.from_wkt(row["area_wkt_rd"]))
        lon, lat = row.get("lon"), row.get("lat")
        if lon and lat:
            return shapely.Point(float(lon), float(lat))
    except (ValueError, shapely.errors.GEOSException):
        return None
    return None


# -- writing ------------------------------------------------------------------------------
def write_rows(rows: Sequence[Row], path: str | Path, fmt: str) -> Path:
    """Write rows to ``path`` in ``fmt`` (written to a temporary file, then renamed)."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.partial{path.suffix}")
    tmp.unlink(missing_ok=True)
    if fmt == "csv":
        _write_csv(rows, tmp)
    elif fmt == "geojson":
        _write_geojson(rows, tmp)
    elif fmt == "gpkg":
        _write_gpkg(rows, tmp)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    tmp.replace(path)
    return path


def _write_csv(rows: Sequence[Row], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(column_names())
        for row in rows:
            writer.writerow([_csv_cell(c, row.get(c)) for c in column_names()])


def _csv_cell(column: str, value: str | None) -> str:
    if value is None:
        return ""
    return defuse_formula(value) if column in _TEXT_COLUMNS else value


def _write_geojson(rows: Sequence[Row], path: Path) -> None:
    features = []
    for row in rows:
        geom = _to_wgs84(_geometry_rd(row))
        lon, lat = row.get("lon"), row.get("lat")
        if geom.geom_type == "Point" and lon and lat:
            geom = shapely.Point(float(lon), float(lat))  # the exact stored values
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(geom),
                "properties": typed_row({c: row.get(c) for c in column_names()}),
            }
        )
    doc = {"type": "FeatureCollection", "name": "cpted_assessments", "features": features}
    with path.open("w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=None, separators=(",", ":"))
        f.write("\n")


def _write_gpkg(rows: Sequence[Row], path: Path) -> None:
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    data = {c.name: [row.get(c.name) for row in rows] for c in COLUMNS}
    frame = pd.DataFrame(data, columns=column_names())
    for c in COLUMNS:  # typed fields; empty stays NULL
        if c.kind == "int":
            frame[c.name] = pd.array(
                [None if v is None else int(v) for v in frame[c.name]], "Int64"
            )
        elif c.kind == "float":
            frame[c.name] = pd.array(
                [None if v is None else float(v) for v in frame[c.name]], "Float64"
            )
        elif c.kind == "bool":
            frame[c.name] = pd.array(
                [None if v is None else v == "true" for v in frame[c.name]], "boolean"
            )
    geoms = [_geometry_rd(row) for row in rows]
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=RD_CRS))
    pyogrio.write_dataframe(gdf, path, layer=GPKG_LAYER, driver="GPKG")


# -- reading ------------------------------------------------------------------------------
def read_rows(path: str | Path, fmt: str) -> tuple[list[Row], list[str]]:
    """Rows of an exchange file as text, and the columns it has. Rows of spatial formats get
    ``x_rd``/``y_rd``/``area_wkt_rd`` from their geometry (the geometry is authoritative).

    Raises :class:`ImportFileError` when the file cannot be read at all.
    """
    path = Path(path)
    name = path.name
    try:
        if fmt == "csv":
            return _read_csv(path)
        if fmt == "geojson":
            return _read_geojson(path)
        if fmt == "gpkg":
            return _read_gpkg(path)
    except ImportFileError:
        raise
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError, csv.Error) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ImportFileError("import_bad_file", name=name, format=fmt, reason=reason) from exc
    raise ValueError(f"unknown format {fmt!r}")


def _read_csv(path: Path) -> tuple[list[Row], list[str]]:
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise ValueError("the file is empty")
    header = [h.strip() for h in header]
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            values = (
                (values + [""] * len(header))[: len(header)]
                if len(values) < len(header)
                else values
            )
        row = {
            h: (restore_formula(v) if h in _TEXT_COLUMNS else v) or None
            for h, v in zip(header, values, strict=False)
        }
        if len(values) > len(header):
            row["__extra__"] = "1"
        rows.append(row)
    return rows, header


def _from_geometry(row: Row, geom: shapely.Geometry | None) -> Row:
    """Take the location from an RD geometry (it wins over the coordinate columns)."""
    if geom is None or geom.is_empty:
        return row
    if geom.geom_type == "Polygon":
        row["area_wkt_rd"] = shapely.to_wkt(geom, rounding_precision=2)
    elif geom.geom_type == "Point":
        x_rd, y_rd = row.get("x_rd"), row.get("y_rd")
        if x_rd and y_rd:
            same = abs(float(x_rd) - geom.x) < 0.005 and abs(float(y_rd) - geom.y) < 0.005
            if same:
                return row
        row["x_rd"], row["y_rd"] = repr(round(geom.x, 2)), repr(round(geom.y, 2))
        row["lon"] = row["lat"] = None  # recomputed from the moved point
        row["area_wkt_rd"] = None
    else:
        row["__geometry__"] = geom.geom_type
    return row


def _read_geojson(path: Path) -> tuple[list[Row], list[str]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ValueError("not a GeoJSON FeatureCollection")
    rows: list[Row] = []
    columns: dict[str, None] = {}
    for feature in doc.get("features", []):
        props = feature.get("properties") or {}
        columns.update(dict.fromkeys(props))
        row = {k: as_text(k, v) for k, v in props.items()}
        geom = shape(feature["geometry"]) if feature.get("geometry") else None
        expected = _expected_wgs84(row)
        if geom is not None and not (
            expected is not None
            and expected.geom_type == geom.geom_type
            and geom.equals_exact(expected, tolerance=1e-8)
        ):
            row = _from_geometry(row, _to_rd(geom))  # moved or new: the geometry wins
        rows.append(row)
    return rows, list(columns)


def _read_gpkg(path: Path) -> tuple[list[Row], list[str]]:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
        frame = pyogrio.read_dataframe(path, layer=GPKG_LAYER if GPKG_LAYER in layers else None)
    except (DataSourceError, DataLayerError) as exc:
        raise ValueError(str(exc).split(";")[0].replace(str(path), path.name)) from exc
    if frame.crs is not None and frame.crs.to_epsg() != 28992:
        frame = frame.to_crs(RD_CRS)  # a GIS may save it in another system
    columns = [c for c in frame.columns if c != frame.geometry.name]
    rows = []
    for record, geom in zip(frame[columns].to_dict("records"), frame.geometry, strict=True):
        row = {k: as_text(k, None if _isna(v) else v) for k, v in record.items()}
        rows.append(_from_geometry(row, geom))
    return rows, columns


def _isna(v: object) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False
