"""Reading and writing twin directories (the I/O edge of the model).

A twin directory holds::

    twin.json             format version, name, municipality, CRS, layer files, gaps
    manifest.json         source, licence, purpose, legal basis, date, synthetic, min_count
    neighbourhoods.parquet buildings.parquet streets.parquet lights.parquet ground.parquet
    indicators.parquet    long table: area, indicator, year, value

Layers are GeoParquet in RD New. Writing goes to a temporary sibling directory that replaces the
old one only when everything is written, so a failed import never damages a working twin.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow
import shapely

from twin.constants import (
    INDICATORS_FILE,
    MANIFEST_FILE,
    PARQUET_COMPRESSION,
    RD_CRS,
    RD_PRECISION_M,
    TWIN_FORMAT_VERSION,
    TWIN_META_FILE,
)
from twin.errors import TwinDataError, TwinNotFoundError
from twin.indicators import indicators_from_table, table_from_indicators
from twin.manifest import Manifest
from twin.model import Twin
from twin.schema import LAYERS
from twin.validate import validate_layer

__all__ = ["empty_layer", "read_twin", "write_twin"]


def empty_layer(name: str) -> gpd.GeoDataFrame:
    """An empty layer with the schema's columns, in RD New."""
    cols = {c.name: pd.Series([], dtype=_dtype(c.kind)) for c in LAYERS[name].columns}
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=RD_CRS), crs=RD_CRS)


def _dtype(kind: str) -> str:
    return {"str": "object", "int": "int64", "float": "float64", "bool": "bool"}[kind]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TwinNotFoundError(f"{path} does not exist") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TwinDataError(f"is not valid JSON ({exc})", file=str(path)) from exc
    if not isinstance(data, dict):
        raise TwinDataError("must hold a JSON object", file=str(path))
    return data


def _read_layer(directory: Path, name: str, filename: str) -> gpd.GeoDataFrame:
    path = directory / filename
    try:
        frame = gpd.read_parquet(path)
    except FileNotFoundError as exc:
        raise TwinDataError(
            "file is missing",
            file=str(path),
            layer=name,
            hint=f"list the layer under 'gaps' in {TWIN_META_FILE} if the source lacks it",
        ) from exc
    except (ValueError, OSError, pyarrow.ArrowException) as exc:
        raise TwinDataError(
            f"cannot be read as GeoParquet ({exc})", file=str(path), layer=name
        ) from exc
    return frame


def read_twin(path: str | os.PathLike[str]) -> Twin:
    """Load and validate a twin directory.

    Raises
    ------
    TwinNotFoundError
        When the directory or its ``twin.json`` does not exist.
    TwinDataError
        For a wrong CRS, a missing column, an empty layer, an invalid geometry, an unknown
        area code or a manifest without source; the message names file, layer, field and row.
    """
    directory = Path(path)
    if not directory.is_dir():
        raise TwinNotFoundError(f"twin directory {directory} does not exist")
    meta = _read_json(directory / TWIN_META_FILE)
    if meta.get("format") != "socialtwin" or meta.get("version") != TWIN_FORMAT_VERSION:
        raise TwinDataError(
            f"is not a socialtwin twin of format version {TWIN_FORMAT_VERSION}",
            file=str(directory / TWIN_META_FILE),
            hint="build it with `socialtwin import` or `socialtwin demo build`",
        )
    manifest = Manifest.from_dict(_read_json(directory / MANIFEST_FILE))
    gaps = tuple(meta.get("gaps", []))
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name, schema in LAYERS.items():
        if name in gaps:
            if schema.required:
                raise TwinDataError(
                    "is required and cannot be a gap",
                    file=str(directory / TWIN_META_FILE),
                    layer=name,
                )
            layers[name] = empty_layer(name)
            continue
        frame = _read_layer(directory, name, f"{name}.parquet")
        validate_layer(frame, name, file=str(directory / f"{name}.parquet"))
        if name not in manifest.layers:
            raise TwinDataError(
                "has no manifest entry",
                file=str(directory / MANIFEST_FILE),
                layer=name,
                hint="every layer must state its source, licence, purpose and legal basis",
            )
        layers[name] = frame
    table_path = directory / INDICATORS_FILE
    try:
        table = pd.read_parquet(table_path)
    except FileNotFoundError as exc:
        raise TwinDataError("file is missing", file=str(table_path), layer="indicators") from exc
    areas = pd.DataFrame(layers["neighbourhoods"].drop(columns="geometry"))
    indicators = indicators_from_table(table, areas, manifest.indicators, file=str(table_path))
    return Twin(
        name=str(meta.get("name", directory.name)),
        municipality=str(meta.get("municipality", "")),
        indicators=indicators,
        manifest=manifest,
        path=directory,
        gaps=gaps,
        meta={k: v for k, v in meta.items() if k not in ("gaps",)},
        **layers,
    )


def _prepared(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    out.geometry = shapely.set_precision(out.geometry.to_numpy(), RD_PRECISION_M)
    return out.reset_index(drop=True)


def write_twin(twin: Twin, path: str | os.PathLike[str], **meta: Any) -> Path:
    """Write ``twin`` as a twin directory at ``path``, atomically.

    Everything is written to a temporary sibling first and validated by reading it back; only
    then does it replace ``path``. On any error the previous twin at ``path`` is untouched.
    """
    target = Path(path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    tmp.chmod(0o755)
    try:
        for name in LAYERS:
            if name in twin.gaps:
                continue
            frame = _prepared(twin.layer(name))
            validate_layer(frame, name, file=f"{name}.parquet")
            frame.to_parquet(
                tmp / f"{name}.parquet",
                compression=PARQUET_COMPRESSION,
                index=False,
                write_covering_bbox=False,
            )
        table_from_indicators(twin.indicators).to_parquet(
            tmp / INDICATORS_FILE, compression=PARQUET_COMPRESSION, index=False
        )
        (tmp / MANIFEST_FILE).write_text(
            json.dumps(twin.manifest.to_dict(), indent=1, ensure_ascii=False, sort_keys=True)
            + "\n",
            encoding="utf-8",
        )
        body = {
            "format": "socialtwin",
            "version": TWIN_FORMAT_VERSION,
            "name": twin.name,
            "municipality": twin.municipality,
            "crs": RD_CRS,
            "gaps": list(twin.gaps),
            **{k: v for k, v in twin.meta.items() if k not in ("format", "version", "crs")},
            **meta,
        }
        (tmp / TWIN_META_FILE).write_text(
            json.dumps(body, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        read_twin(tmp)  # never publish something that does not load
        _swap(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _swap(new: Path, target: Path) -> None:
    """Replace ``target`` by ``new`` with two renames; the old copy is removed last."""
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        try:
            os.replace(new, target)
        except BaseException:
            os.replace(old, target)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)
