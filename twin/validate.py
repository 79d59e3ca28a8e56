"""Validation of layers against the schema: every problem is named, nothing is dropped."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from twin.constants import RD_CRS
from twin.errors import TwinDataError
from twin.schema import LAYERS, Column

__all__ = ["check_crs", "validate_layer"]

_RD = pyproj.CRS.from_user_input(RD_CRS)


def check_crs(frame: gpd.GeoDataFrame, *, layer: str, file: str | None = None) -> None:
    """Raise unless ``frame`` is in RD New (EPSG:28992)."""
    if frame.crs is None:
        raise TwinDataError(
            "has no coordinate reference system",
            file=file,
            layer=layer,
            hint=f"a twin stores geometry in {RD_CRS} (RD New); set or reproject it on import",
        )
    if not pyproj.CRS.from_user_input(frame.crs).equals(_RD):
        code = frame.crs.to_string()
        raise TwinDataError(
            f"is in {code}, expected {RD_CRS} (RD New)",
            file=file,
            layer=layer,
            hint="re-import the source with `socialtwin import`, which reprojects it",
        )


def _row_label(frame: pd.DataFrame, position: int) -> str:
    ident = frame["id"].iloc[position] if "id" in frame.columns else frame.index[position]
    return f"{position} (id {ident})"


def _check_column(frame: gpd.GeoDataFrame, col: Column, layer: str, file: str | None) -> None:
    def fail(message: str, pos: int | None = None, hint: str | None = None) -> None:
        row = None if pos is None else _row_label(frame, pos)
        raise TwinDataError(message, file=file, layer=layer, field=col.name, row=row, hint=hint)

    if col.name not in frame.columns:
        fail("is missing", hint=f"required columns are {', '.join(LAYERS[layer].column_names)}")
    values = frame[col.name]
    nulls = values.isna().to_numpy()
    present_pos = np.flatnonzero(~nulls)  # row position of each present value
    if not col.nullable and nulls.any():
        fail("is empty", int(np.flatnonzero(nulls)[0]))
    present = values[~nulls]
    if col.kind in ("int", "float"):
        if not (pd.api.types.is_numeric_dtype(present) and not pd.api.types.is_bool_dtype(present)):
            numeric = pd.to_numeric(present, errors="coerce")
            bad = np.flatnonzero(numeric.isna().to_numpy())
            if len(bad):
                fail(f"value {present.iloc[bad[0]]!r} is not a number", int(present_pos[bad[0]]))
            present = numeric
        arr = present.to_numpy(dtype=float)
        if col.kind == "int":
            frac = np.flatnonzero(arr % 1 != 0)
            if len(frac):
                fail(f"value {arr[frac[0]]!r} is not a whole number", int(present_pos[frac[0]]))
        for bound, too_far, word in (
            (col.min, arr < (col.min or 0), "below the minimum"),
            (col.max, arr > (col.max or 0), "above the maximum"),
        ):
            if bound is None:
                continue
            bad = np.flatnonzero(too_far | ~np.isfinite(arr))
            if len(bad):
                fail(
                    f"value {arr[bad[0]]!r} is {word} {bound:g} or not finite",
                    int(present_pos[bad[0]]),
                )
    elif col.kind == "bool":
        ok = present.isin([True, False]).to_numpy()
        if not ok.all():
            pos = int(present_pos[np.flatnonzero(~ok)[0]])
            fail(f"value {values.iloc[pos]!r} is not true/false", pos)
    if col.choices is not None:
        ok = present.isin(col.choices).to_numpy()
        if not ok.all():
            pos = int(present_pos[np.flatnonzero(~ok)[0]])
            fail(f"value {values.iloc[pos]!r} is not one of {', '.join(col.choices)}", pos)
    if col.unique:
        dup = values.duplicated(keep="first").to_numpy()
        if dup.any():
            pos = int(np.flatnonzero(dup)[0])
            fail(
                f"value {values.iloc[pos]!r} occurs more than once",
                pos,
                hint="identifiers must be unique",
            )


def validate_layer(
    frame: gpd.GeoDataFrame,
    layer: str,
    *,
    file: str | None = None,
    allow_empty: bool = False,
) -> None:
    """Check one layer against :data:`twin.schema.LAYERS`; raise :class:`TwinDataError`.

    Checks the CRS, the required columns and their types and ranges, uniqueness of ids,
    the geometry type, and that every geometry is present and valid. Rows are never dropped.
    """
    schema = LAYERS[layer]
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        raise TwinDataError("has no geometry column", file=file, layer=layer)
    if len(frame) == 0 and not allow_empty:
        raise TwinDataError(
            "is empty",
            file=file,
            layer=layer,
            hint="a twin layer needs at least one feature; leave the layer out of the twin "
            "if the source has none",
        )
    check_crs(frame, layer=layer, file=file)
    for col in schema.columns:
        _check_column(frame, col, layer, file)
    geoms = frame.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise TwinDataError(
            "geometry is missing or empty",
            file=file,
            layer=layer,
            field="geometry",
            row=_row_label(frame, int(np.flatnonzero(missing)[0])),
        )
    types = shapely.get_type_id(geoms)
    allowed = {
        "Point": 0,
        "LineString": 1,
        "Polygon": 3,
        "MultiPoint": 4,
        "MultiLineString": 5,
        "MultiPolygon": 6,
    }
    ok_ids = [allowed[t] for t in schema.geometry]
    wrong = ~np.isin(types, ok_ids)
    if wrong.any():
        pos = int(np.flatnonzero(wrong)[0])
        raise TwinDataError(
            f"geometry is a {geoms[pos].geom_type}, expected {' or '.join(schema.geometry)}",
            file=file,
            layer=layer,
            field="geometry",
            row=_row_label(frame, pos),
        )
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        pos = int(np.flatnonzero(invalid)[0])
        raise TwinDataError(
            f"geometry is invalid ({shapely.is_valid_reason(geoms[pos])}); "
            f"{int(invalid.sum())} invalid geometries in all",
            file=file,
            layer=layer,
            field="geometry",
            row=_row_label(frame, pos),
            hint="repair it in the source (e.g. QGIS 'Fix geometries') and import again",
        )
