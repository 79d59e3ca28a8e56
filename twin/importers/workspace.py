"""``socialtwin import``: read source files into parts, assemble the twin, publish atomically.

A twin directory built by imports keeps what each source contributed under ``sources/<kind>/``
(GeoParquet and parquet, with ``part.json``: files and their SHA-256, import time, notes), so
that the sources can arrive one command at a time and in any order: every import re-assembles
the twin from all parts. Importing a kind again replaces its layers; indicator tables of the
same kind are merged (new values win). A twin that was not built by imports (the demo, a copy)
is kept as ``sources/base/`` and supplies whatever the imports do not.

Publishing is atomic: everything is written into a temporary sibling directory (the twin
through :func:`twin.write_twin`, which validates it by reading it back), and only then does
that directory replace the old one. A failing import leaves the previous directory as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from twin.constants import MANIFEST_FILE, TWIN_META_FILE
from twin.errors import TwinDataError, TwinError
from twin.importers._common import file_sha256
from twin.importers.assemble import Assembly, Part, twin_from_parts
from twin.importers.bag import bag_units_from_pand
from twin.importers.bag3d import buildings_from_3dbag
from twin.importers.cbs_areas import areas_from_wijkbuurtkaart
from twin.importers.grid import rasters_from_grid, write_rasters
from twin.importers.kerncijfers import indicators_from_kerncijfers
from twin.importers.kinds import IMPORT_KINDS
from twin.importers.leefbaarometer import liveability_from_leefbaarometer
from twin.importers.osm import streets_from_osm
from twin.importers.politie import crime_counts_from_politie
from twin.importers.sources import layer_manifest
from twin.model import Twin
from twin.store import _swap, read_twin, write_twin

__all__ = ["IMPORT_KINDS", "ImportReport", "import_files", "import_many", "read_parts"]

SOURCES_DIR = "sources"
PART_FILE = "part.json"
#: Kinds whose re-import merges indicator tables instead of replacing the part.
_MERGED = ("kerncijfers", "politie", "leefbaarometer")

Log = Callable[[str], None]


@dataclass
class ImportReport:
    """What an import did: where, whether the twin is complete, counts, gaps and notes."""

    path: Path
    complete: bool
    missing: list[str]
    kinds: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)


# -- parts on disk ------------------------------------------------------------------------
def _write_part(part: Part, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in part.layers.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False, compression="zstd")
    for name, frame in part.tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False, compression="zstd")
    body = {
        "kind": part.kind,
        "layers": sorted(part.layers),
        "tables": sorted(part.tables),
        "notes": part.notes,
        "meta": part.meta,
    }
    (folder / PART_FILE).write_text(
        json.dumps(body, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )


def read_parts(directory: str | os.PathLike[str]) -> dict[str, Part]:
    """The parts stored in a twin directory's ``sources/`` (empty when there are none)."""
    root = Path(directory) / SOURCES_DIR
    parts: dict[str, Part] = {}
    if not root.is_dir():
        return parts
    for folder in sorted(p for p in root.iterdir() if (p / PART_FILE).is_file()):
        try:
            body = json.loads((folder / PART_FILE).read_text(encoding="utf-8"))
            layers = {n: gpd.read_parquet(folder / f"{n}.parquet") for n in body["layers"]}
            tables = {n: pd.read_parquet(folder / f"{n}.parquet") for n in body["tables"]}
        except (OSError, ValueError, KeyError) as exc:
            raise TwinDataError(
                f"cannot be read ({exc})",
                file=str(folder / PART_FILE),
                hint="import that source again, or start a new directory",
            ) from exc
        parts[body["kind"]] = Part(
            kind=body["kind"],
            layers=layers,
            tables=tables,
            notes=list(body.get("notes", [])),
            meta=dict(body.get("meta", {})),
        )
    return parts


# -- one kind of source → a part -------------------------------------------------------------
def _files_meta(files: Sequence[Path]) -> list[dict[str, Any]]:
    return [{"name": p.name, "bytes": p.stat().st_size, "sha256": file_sha256(p)} for p in files]


def _extent(parts: dict[str, Part], base: Twin | None) -> tuple[float, float, float, float] | None:
    if "wijkbuurtkaart" in parts:
        nb = parts["wijkbuurtkaart"].layers["neighbourhoods"]
    elif base is not None:
        nb = base.neighbourhoods
    else:
        return None
    x0, y0, x1, y1 = nb.total_bounds
    return (float(x0), float(y0), float(x1), float(y1))


def part_from_files(
    kind: str,
    files: Sequence[str | os.PathLike[str]],
    *,
    municipality: str | None = None,
    year: int | None = None,
    crs: str | None = None,
    parts: dict[str, Part] | None = None,
    base: Twin | None = None,
) -> Part:
    """Read the files of one source kind into a :class:`Part`."""
    if kind not in IMPORT_KINDS:
        raise TwinError(f"unknown kind {kind!r}; kinds: {', '.join(IMPORT_KINDS)}")
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise TwinDataError("does not exist or is not a file", file=str(path))
    parts = parts or {}
    known = municipality or (
        parts["wijkbuurtkaart"].meta["municipality"]
        if "wijkbuurtkaart" in parts
        else (base.municipality if base is not None else None)
    )
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta: dict[str, Any] = {"files": _files_meta(paths), "imported": now}
    if kind == "wijkbuurtkaart":
        if len(paths) != 1:
            raise TwinError("wijkbuurtkaart takes one GeoPackage")
        areas = areas_from_wijkbuurtkaart(paths[0], municipality=municipality, year=year, crs=crs)
        meta.update(municipality=areas.municipality, name=areas.name, year=areas.year)
        return Part(
            kind,
            layers={"neighbourhoods": areas.neighbourhoods},
            tables={"indicators": areas.indicators},
            notes=areas.notes,
            meta=meta,
        )
    if kind == "3dbag":
        result = buildings_from_3dbag(paths, crs=crs)
        meta.update(version=result.version, height_names=result.scheme)
        return Part(kind, layers={"buildings": result.frame}, notes=result.notes, meta=meta)
    if kind == "bag":
        units = pd.concat([bag_units_from_pand(p) for p in paths], ignore_index=True)
        units = units.drop_duplicates("id", keep="last").reset_index(drop=True)
        return Part(kind, tables={"units": units}, notes=[f"{len(units)} BAG panden"], meta=meta)
    if kind == "osm":
        osm = streets_from_osm(paths, crs=crs)
        meta.update(osm_date=osm.date)
        return Part(
            kind, layers={"streets": osm.streets, "lamps": osm.lamps}, notes=osm.notes, meta=meta
        )
    if kind == "kerncijfers":
        kc = indicators_from_kerncijfers(paths, year=year, municipality=known)
        meta.update(years=kc.years)
        return Part(kind, tables={"indicators": kc.indicators}, notes=kc.notes, meta=meta)
    if kind == "politie":
        crime = crime_counts_from_politie(paths, municipality=known)
        meta.update(years=crime.years, withheld=crime.withheld, indicator_notes=crime.notes)
        return Part(kind, tables={"indicators": crime.indicators}, notes=crime.notes, meta=meta)
    extent = _extent(parts, base)
    has_grid = any(p.suffix.lower() != ".csv" for p in paths)
    if has_grid and extent is None:
        raise TwinError(
            "the Leefbaarometer grid is cut to the municipality: import the wijkbuurtkaart "
            "first (or give only the buurt CSV)"
        )
    lbm = liveability_from_leefbaarometer(paths, municipality=known, extent=extent, crs=crs)
    tables = {"indicators": lbm.indicators}
    if lbm.grid is not None:
        tables["grid"] = lbm.grid
    meta.update(years=lbm.years)
    return Part(kind, tables=tables, notes=lbm.notes, meta=meta)


def _merged(old: Part, new: Part) -> Part:
    tables = dict(old.tables)
    keys = {"indicators": ["area", "indicator", "year"], "grid": ["grid_id", "year"]}
    for name, frame in new.tables.items():
        if name in tables and name in keys:
            both = pd.concat([tables[name], frame], ignore_index=True)
            tables[name] = both.drop_duplicates(keys[name], keep="last").reset_index(drop=True)
        else:
            tables[name] = frame
    meta = {**old.meta, **new.meta}
    meta["files"] = old.meta.get("files", []) + new.meta.get("files", [])
    if "years" in old.meta or "years" in new.meta:
        meta["years"] = sorted(set(old.meta.get("years", [])) | set(new.meta.get("years", [])))
    return Part(
        new.kind,
        layers={**old.layers, **new.layers},
        tables=tables,
        notes=old.notes + new.notes,
        meta=meta,
    )


# -- publishing -------------------------------------------------------------------------------
def _existing(into: Path) -> tuple[dict[str, Part], Twin | None]:
    """Parts and base twin of an existing directory (refuses a directory that is not ours)."""
    if not into.exists():
        return {}, None
    if not into.is_dir():
        raise TwinError(f"{into} exists and is not a directory")
    parts = read_parts(into)
    base_dir = into / SOURCES_DIR / "base"
    if (base_dir / TWIN_META_FILE).is_file():
        return parts, read_twin(base_dir)
    if (into / TWIN_META_FILE).is_file() and not parts:
        return parts, read_twin(into)  # a twin not built by imports becomes the base
    if parts or not any(into.iterdir()):
        return parts, None
    raise TwinError(
        f"{into} exists, is not empty and is not a twin directory; "
        "import into a new or empty directory (nothing was changed)"
    )


def _publish(into: Path, assembly: Assembly, parts: dict[str, Part], base: Twin | None) -> None:
    into.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{into.name}.import-", dir=into.parent))
    staging.chmod(0o755)
    try:
        if assembly.twin is not None:
            twin = assembly.twin
            rasters = []
            if assembly.grid is not None:
                buurten = twin.buurten.geometry.to_numpy()
                rasters = rasters_from_grid(assembly.grid, shapely.union_all(buurten))
            write_twin(twin, staging)
            info = write_rasters(rasters, staging)
            for entry in info.values():
                entry["manifest"] = layer_manifest(
                    "leefbaarometer",
                    date=str(entry["year"]),
                    notes=["100 m grid cells whose centre lies in the municipality"],
                ).to_dict()
            if info:  # record the files with their bands and provenance in twin.json
                meta_path = staging / TWIN_META_FILE
                body = json.loads(meta_path.read_text(encoding="utf-8"))
                body["rasters"] = info
                meta_path.write_text(
                    json.dumps(body, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                    encoding="utf-8",
                )
        for part in parts.values():
            _write_part(part, staging / SOURCES_DIR / part.kind)
        if base is not None:
            kept = into / SOURCES_DIR / "base"
            if (kept / TWIN_META_FILE).is_file():
                shutil.copytree(kept, staging / SOURCES_DIR / "base")
            else:
                write_twin(base, staging / SOURCES_DIR / "base")
        _swap(staging, into)  # the same two-rename swap write_twin uses
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def import_many(
    items: Sequence[tuple[str, Sequence[str | os.PathLike[str]]]],
    into: str | os.PathLike[str],
    *,
    municipality: str | None = None,
    year: int | None = None,
    crs: str | None = None,
    log: Log | None = None,
) -> ImportReport:
    """Import several sources into the twin directory ``into`` in one atomic step.

    Parameters
    ----------
    items : sequence of (kind, files)
        Kinds from :data:`IMPORT_KINDS`; ``wijkbuurtkaart`` first is best (it fixes the
        municipality the others are cut to).
    into : path-like
        The twin directory to build or update. It must be new, empty, a twin directory or one
        that imports have started.
    """
    say = log or (lambda msg: None)
    target = Path(into).resolve()
    parts, base = _existing(target)
    order = {k: i for i, k in enumerate(IMPORT_KINDS)}
    for kind, files in sorted(items, key=lambda kv: order.get(kv[0], 99)):
        say(f"reading {kind}: {', '.join(Path(f).name for f in files)}")
        part = part_from_files(
            kind, files, municipality=municipality, year=year, crs=crs, parts=parts, base=base
        )
        if kind in _MERGED and kind in parts:
            part = _merged(parts[kind], part)
        parts[kind] = part
    say("assembling the twin")
    assembly = twin_from_parts(parts, base=base)
    _publish(target, assembly, parts, base)
    twin = assembly.twin
    report = ImportReport(
        path=target,
        complete=twin is not None,
        missing=assembly.missing,
        kinds=sorted(parts),
        notes={k: p.notes for k, p in parts.items()}
        | {f"{k} (assembly)": v for k, v in assembly.notes.items() if v},
    )
    if twin is not None:
        report.counts = twin.counts()
        report.gaps = list(twin.gaps)
    return report


def import_files(
    kind: str,
    files: Sequence[str | os.PathLike[str]],
    into: str | os.PathLike[str],
    **options: Any,
) -> ImportReport:
    """Import the files of one source kind into ``into`` (see :func:`import_many`)."""
    return import_many([(kind, files)], into, **options)


def manifest_path(directory: str | os.PathLike[str]) -> Path:
    """Where a twin directory keeps its manifest."""
    return Path(directory) / MANIFEST_FILE
