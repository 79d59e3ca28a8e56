"""Shared helpers of the importers: reading vector layers, CBS no-data codes, years, errors.

Every helper raises :class:`twin.TwinDataError` naming the file, the layer, the field and the
row of a problem, so that a malformed, truncated or mismatched file fails with one clear line.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from twin.errors import TwinDataError

__all__ = [
    "CBS_NODATA_BELOW",
    "cbs_numbers",
    "csv_from_text",
    "file_sha256",
    "json_from_text",
    "layer_names",
    "read_layer",
    "require_columns",
    "year_from_name",
]

#: CBS marks "no data" with large negative codes: -99997 (secret or not present), -99995
#: (published in a later version), -99991 (no longer published), -99998, and in older files
#: -99999999 / -99999998 / -99999997. No real indicator is that negative, so every value at
#: or below this threshold is "no data" (NaN), never a number.
CBS_NODATA_BELOW = -99990


def cbs_numbers(values: pd.Series | Sequence[object]) -> pd.Series:
    """Numbers from a CBS column: special codes and blanks become NaN (no data), never a number.

    >>> cbs_numbers(pd.Series([1520, -99997, -99995, None, "12.5", ""])).tolist()
    [1520.0, nan, nan, nan, 12.5, nan]
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values))
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        series = series.astype("string").str.strip().replace({"": None, ".": None})
    numbers = pd.to_numeric(series, errors="coerce").astype("float64")
    return numbers.where(numbers > CBS_NODATA_BELOW)


_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")


def year_from_name(name: str | os.PathLike[str]) -> int | None:
    """The last plausible year (1950–2099) in a file name, e.g. ``wijkenbuurten_2023_v1.gpkg``.

    >>> year_from_name("wijkenbuurten_2023_v1.gpkg"), year_from_name("tile.gpkg")
    (2023, None)
    """
    found = _YEAR.findall(Path(name).name)
    return int(found[-1]) if found else None


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def layer_names(path: str | os.PathLike[str]) -> list[str]:
    """Layer names of a vector file (GeoPackage, GeoJSON, ...); a clear error when unreadable."""
    path = Path(path)
    if not path.exists():
        raise TwinDataError("does not exist", file=str(path))
    try:
        return [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:  # pyogrio raises DataSourceError, and others for broken files
        raise TwinDataError(
            f"cannot be opened as a vector file ({_short(exc)})",
            file=str(path),
            hint="the file may be truncated or not what its name says; download it again",
        ) from exc


def read_layer(
    path: str | os.PathLike[str],
    layer: str | None = None,
    *,
    columns: Iterable[str] | None = None,
    read_geometry: bool = True,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Read one layer with pyogrio (Arrow when available); errors name file and layer."""
    path = Path(path)
    if not path.exists():
        raise TwinDataError("does not exist", file=str(path), layer=layer)
    try:
        frame = pyogrio.read_dataframe(
            path,
            layer=layer,
            columns=list(columns) if columns is not None else None,
            read_geometry=read_geometry,
            use_arrow=True,
        )
    except Exception as exc:
        raise TwinDataError(
            f"cannot be read ({_short(exc)})",
            file=str(path),
            layer=layer,
            hint="the file may be truncated or damaged; download it again",
        ) from exc
    return frame


def require_columns(
    frame: pd.DataFrame,
    columns: Iterable[str],
    *,
    file: str,
    layer: str | None = None,
    hint: str | None = None,
) -> None:
    """Raise when a required column is missing (the first one is named)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise TwinDataError(
            f"is missing ({len(missing)} required columns missing: {', '.join(missing)})",
            file=file,
            layer=layer,
            field=missing[0],
            hint=hint or f"the columns present are: {', '.join(map(str, frame.columns[:12]))}",
        )


def json_from_text(text: str, *, file: str) -> Any:
    """Parse JSON; a broken or truncated file fails naming the line (as the row)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TwinDataError(
            f"is not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}); "
            "the download may be truncated",
            file=file,
            row=exc.lineno,
            hint="download it again",
        ) from exc


def csv_from_text(text: str, *, file: str, **options: Any) -> pd.DataFrame:
    """Read CSV text separated by ``;`` or ``,`` (whichever the header uses more); a malformed
    row fails naming its line."""
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    if sep == ";" and options.pop("decimal_comma_with_semicolon", False):
        options["decimal"] = ","
    options.pop("decimal_comma_with_semicolon", None)
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, **options)
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise TwinDataError(
            f"is not a well-formed CSV ({str(exc).strip()[:160]})",
            file=file,
            row=int(match.group(1)) if match else None,
            hint="the file may be truncated or not what its name says; download it again",
        ) from exc


def first_bad_row(mask: np.ndarray | pd.Series) -> int:
    """Position of the first True in a boolean mask."""
    return int(np.flatnonzero(np.asarray(mask))[0])


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
