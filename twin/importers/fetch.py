"""``socialtwin fetch GMxxxx``: download a municipality's public sources, then import them.

One function per source builds the requests (see ``docs/import.md`` for each endpoint) and
returns the files to import; :class:`~twin.importers.download.Downloader` does the HTTP with a
cache, resume, retries and a rate limit. The boundaries come first (the other sources are cut
to the municipality's extent); a source that fails is reported and left out, and the import
goes ahead with the rest (a twin without buildings or streets is staged, not published).
"""

from __future__ import annotations

import json
import os
import urllib.parse
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from twin.constants import RD_CRS, WGS84_CRS
from twin.errors import TwinError
from twin.importers._common import file_sha256
from twin.importers.download import Downloader, FetchError, Progress
from twin.importers.kerncijfers import KERNCIJFERS_TABLES
from twin.importers.politie import crime_codes
from twin.importers.workspace import ImportReport, import_many
from twin.settings import Settings, get_settings

__all__ = ["DEFAULT_YEAR", "FetchReport", "fetch_municipality"]

#: Boundary year fetched by default: the latest Wijk- en Buurtkaart with its full key figures.
DEFAULT_YEAR = 2023
#: Kerncijfers years fetched: the boundary year and the ones before it.
KERNCIJFERS_YEARS_BACK = 2
#: Leefbaarometer open-data files (names as published for the 2024 measurement).
LBM_SCORES_ZIP = "open-data-leefbaarometer-meting-2024.zip"
LBM_GEOMETRY_ZIP = "geometrie-lbm3-2024.zip"
#: Features per WFS page (PDOK's maximum per request is 1000).
WFS_PAGE = 1000
#: BAG panden are requested per square of this size (metres), keeping WFS paging shallow.
BAG_TILE_M = 2000.0

Log = Callable[[str], None]


@dataclass
class FetchReport:
    """Files fetched per kind, kinds that failed (with why), and the import's report."""

    files: dict[str, list[Path]]
    failed: dict[str, str]
    report: ImportReport
    requests: int = 0
    cache: Path = field(default_factory=Path)


def _wfs_pages(
    dl: Downloader, url: str, params: dict[str, Any], name: str, *, page: int = WFS_PAGE
) -> list[dict]:
    """All features of a WFS GetFeature (GeoJSON), page by page."""
    features: list[dict] = []
    start = 0
    while True:
        path = dl.get(url, params={**params, "count": page, "startIndex": start}, name=name)
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            path.unlink(missing_ok=True)
            raise FetchError(f"{url}: the answer is not GeoJSON ({exc.msg})") from exc
        batch = body.get("features", [])
        features += batch
        if len(batch) < page:
            return features
        start += page


def _feature_frame(features: list[dict]) -> gpd.GeoDataFrame:
    if not features:
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=RD_CRS), crs=RD_CRS)
    return gpd.GeoDataFrame.from_features(features, crs=RD_CRS)


def _fes_equal(prop: str, value: str) -> str:
    return (
        '<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0"><fes:PropertyIsEqualTo>'
        f"<fes:ValueReference>{prop}</fes:ValueReference><fes:Literal>{value}</fes:Literal>"
        "</fes:PropertyIsEqualTo></fes:Filter>"
    )


def fetch_wijkbuurtkaart(dl: Downloader, s: Settings, code: str, year: int) -> Path:
    """The municipality's gemeente, wijken and buurten from PDOK's WFS, as one GeoPackage
    with the layers of the national file (gemeenten, wijken, buurten)."""
    url = f"{s.pdok_url.rstrip('/')}/cbs/wijkenbuurten/{year}/wfs/v1_0"
    out = dl.cache / f"wijkenbuurten_{year}_{code}.gpkg"
    tmp = out.with_name(f"{out.stem}.partial.gpkg")
    tmp.unlink(missing_ok=True)
    for layer in ("gemeenten", "wijken", "buurten"):
        params = {
            "service": "WFS",
            "version": "2.0.0",
            "request": "GetFeature",
            "typeNames": f"wijkenbuurten:{layer}",
            "outputFormat": "application/json",
            "srsName": "EPSG:28992",
            "filter": _fes_equal("gemeentecode", code),
        }
        frame = _feature_frame(_wfs_pages(dl, url, params, f"wbk-{year}-{code}-{layer}.json"))
        if frame.empty:
            raise FetchError(f"{url}: no {layer} for {code} in {year}")
        pyogrio.write_dataframe(frame, tmp, layer=layer, driver="GPKG")
    os.replace(tmp, out)
    return out


def _outline(wbk: Path) -> shapely.Geometry:
    frame = pyogrio.read_dataframe(wbk, layer="gemeenten")
    return shapely.union_all(frame.geometry.to_numpy())


def fetch_3dbag(dl: Downloader, s: Settings, outline: shapely.Geometry) -> list[Path]:
    """The 3DBAG GeoPackage tiles that overlap the municipality."""
    x0, y0, x1, y1 = outline.bounds
    params = {
        "service": "WFS",
        "version": "2.0.0",
        "request": "GetFeature",
        "typeNames": "BAG3D:tiles",
        "outputFormat": "application/json",
        "srsName": "EPSG:28992",
        "bbox": f"{x0:.0f},{y0:.0f},{x1:.0f},{y1:.0f},EPSG:28992",
    }
    tiles = _feature_frame(_wfs_pages(dl, s.bag3d_wfs_url, params, "3dbag-tiles.json"))
    if tiles.empty or "gpkg_download" not in tiles.columns:
        raise FetchError(f"{s.bag3d_wfs_url}: no tiles with gpkg_download over the municipality")
    tiles = tiles[shapely.intersects(tiles.geometry.to_numpy(), outline)]
    files = []
    for tile in tiles.itertuples():
        url = str(tile.gpkg_download)
        path = dl.get(url, name=Path(url).name)
        expected = getattr(tile, "gpkg_sha256", None)
        if isinstance(expected, str) and expected and file_sha256(path) != expected.lower():
            path.unlink()
            raise FetchError(f"{url}: SHA-256 differs from the tile index; removed, run again")
        files.append(_unzipped(path, ".gpkg"))
    return files


def _unzipped(path: Path, suffix: str) -> Path:
    if not zipfile.is_zipfile(path):
        return path
    with zipfile.ZipFile(path) as zf:
        member = next(n for n in zf.namelist() if n.endswith(suffix))
        out = path.with_name(Path(member).name)
        if not out.exists():
            with zf.open(member) as src, open(out, "wb") as dst:
                while block := src.read(1 << 20):
                    dst.write(block)
    return out


def fetch_bag(dl: Downloader, s: Settings, outline: shapely.Geometry) -> list[Path]:
    """BAG panden (gebruiksdoel, aantal_verblijfsobjecten) from PDOK, per 2 km square."""
    url = f"{s.pdok_url.rstrip('/')}/lv/bag/wfs/v2_0"
    x0, y0, x1, y1 = outline.bounds
    files = []
    for x in np.arange(np.floor(x0 / BAG_TILE_M) * BAG_TILE_M, x1, BAG_TILE_M):
        for y in np.arange(np.floor(y0 / BAG_TILE_M) * BAG_TILE_M, y1, BAG_TILE_M):
            square = shapely.box(x, y, x + BAG_TILE_M, y + BAG_TILE_M)
            if not square.intersects(outline):
                continue
            params = {
                "service": "WFS",
                "version": "2.0.0",
                "request": "GetFeature",
                "typeNames": "bag:pand",
                "outputFormat": "application/json",
                "srsName": "EPSG:28992",
                "bbox": f"{x:.0f},{y:.0f},{x + BAG_TILE_M:.0f},{y + BAG_TILE_M:.0f},EPSG:28992",
            }
            name = f"bag-pand-{x:.0f}-{y:.0f}.json"
            features = _wfs_pages(dl, url, params, name)
            if not features:
                continue
            out = dl.cache / f"bag-pand-{x:.0f}-{y:.0f}.geojson"
            out.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
            files.append(out)
    if not files:
        raise FetchError(f"{url}: no BAG panden over the municipality")
    return files


def _odata_all(dl: Downloader, url: str, params: dict[str, str], name: str) -> Path:
    """Every page of an OData (v3) query, following ``odata.nextLink``, in one JSON file."""
    rows: list[dict] = []
    meta = ""
    path = dl.get(url, params=params, name=f"{name}.json")
    pages = 0
    while True:
        pages += 1
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            path.unlink(missing_ok=True)
            raise FetchError(f"{url}: page {pages} is not JSON ({exc.msg}); run again") from exc
        meta = meta or str(body.get("odata.metadata") or body.get("@odata.context") or "")
        rows += body.get("value", [])
        nxt = body.get("odata.nextLink") or body.get("@odata.nextLink")
        if not nxt:
            break
        path = dl.get(str(nxt), name=f"{name}-{pages + 1}.json")
    out = dl.cache / f"{name}-all.json"
    out.write_text(json.dumps({"odata.metadata": meta, "value": rows}), encoding="utf-8")
    return out


def _regions_filter(code: str) -> str:
    digits = code.removeprefix("GM")
    return " or ".join(f"startswith(WijkenEnBuurten,'{p}{digits}')" for p in ("GM", "WK", "BU"))


def fetch_kerncijfers(dl: Downloader, s: Settings, code: str, year: int) -> list[Path]:
    """Kerncijfers tables of the boundary year and the years before, for the municipality."""
    tables = {y: t for t, y in KERNCIJFERS_TABLES.items()}
    files = []
    for y in range(year - KERNCIJFERS_YEARS_BACK, year + 1):
        if y not in tables:
            continue
        url = f"{s.cbs_odata_url.rstrip('/')}/{tables[y]}/TypedDataSet"
        params = {"$filter": _regions_filter(code), "$format": "json"}
        files.append(_odata_all(dl, url, params, f"{tables[y]}-{code}"))
    if not files:
        raise FetchError(f"no Kerncijfers table known for {year - KERNCIJFERS_YEARS_BACK}–{year}")
    return files


def fetch_politie(dl: Downloader, s: Settings, code: str) -> list[Path]:
    """47018NED (yearly registered crime) for the municipality and the twin's crime codes."""
    codes = " or ".join(f"startswith(SoortMisdrijf,'{c}')" for c in sorted(crime_codes()))
    url = f"{s.politie_odata_url.rstrip('/')}/47018NED/TypedDataSet"
    params = {"$filter": f"({_regions_filter(code)}) and ({codes})", "$format": "json"}
    return [_odata_all(dl, url, params, f"47018NED-{code}")]


def fetch_leefbaarometer(dl: Downloader, s: Settings) -> list[Path]:
    """The Leefbaarometer open data (scores zip, geometry zip): buurt CSV, grid CSV, grid
    GeoPackage. These are national files of some hundreds of MB; they resume when cut."""
    base = s.leefbaarometer_url.rstrip("/")
    scores = dl.get(f"{base}/{LBM_SCORES_ZIP}", name=LBM_SCORES_ZIP)
    geometry = dl.get(f"{base}/{LBM_GEOMETRY_ZIP}", name=LBM_GEOMETRY_ZIP)
    wanted = {"buurt": (scores, ".csv"), "grid": (scores, ".csv"), "gridgeo": (geometry, ".gpkg")}
    out = []
    for key, (archive, suffix) in wanted.items():
        needle = "grid" if key == "gridgeo" else key
        with zipfile.ZipFile(archive) as zf:
            member = next(
                (
                    n
                    for n in zf.namelist()
                    if needle in Path(n).name.lower() and n.lower().endswith(suffix)
                ),
                None,
            )
            if member is None:
                raise FetchError(f"{archive.name} holds no {needle} {suffix} file")
            target = dl.cache / f"lbm-{key}{suffix}"
            if not target.exists():
                with zf.open(member) as src, open(target, "wb") as dst:
                    while block := src.read(1 << 20):
                        dst.write(block)
        out.append(target)
    return out


def fetch_osm(dl: Downloader, s: Settings, outline: shapely.Geometry) -> list[Path]:
    """Roads and street lamps over the municipality from the Overpass API (JSON, out geom)."""
    box = gpd.GeoSeries([shapely.box(*outline.bounds)], crs=RD_CRS).to_crs(WGS84_CRS)
    w, south, e, n = box.total_bounds
    bbox = f"{south:.5f},{w:.5f},{n:.5f},{e:.5f}"
    query = (
        "[out:json][timeout:300];"
        f'(way["highway"]({bbox});node["highway"="street_lamp"]({bbox}););out geom;'
    )
    data = urllib.parse.urlencode({"data": query}).encode()
    return [dl.get(s.overpass_url, data=data, name="overpass.json")]


_FETCHERS = ("3dbag", "bag", "kerncijfers", "politie", "leefbaarometer", "osm")


def fetch_municipality(
    code: str,
    into: str | os.PathLike[str],
    *,
    year: int | None = None,
    skip: Sequence[str] = (),
    cache: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    log: Log | None = None,
    settings: Settings | None = None,
) -> FetchReport:
    """Download the public sources of municipality ``code`` and import them into ``into``.

    The boundaries must come through (everything else is cut to them); any other source
    that fails is named in :attr:`FetchReport.failed` and left out of the import.
    """
    s = settings or get_settings()
    say = log or (lambda msg: None)
    code = code.strip().upper()
    if "wijkbuurtkaart" in skip:
        raise TwinError("the wijkbuurtkaart cannot be skipped: every other source is cut to it")
    year = year or DEFAULT_YEAR
    folder = (
        Path(cache)
        if cache
        else (Path(s.fetch_cache) if s.fetch_cache else s.home_path / "cache" / "fetch")
    )
    dl = Downloader(
        folder,
        delay=s.fetch_delay,
        retries=s.fetch_retries,
        timeout=s.fetch_timeout,
        backoff=max(s.fetch_delay, 0.05) * 2,
        progress=progress,
        log=say,
    )
    say(f"fetching {code} into the cache {folder}")
    wbk = fetch_wijkbuurtkaart(dl, s, code, year)
    outline = _outline(wbk)
    files: dict[str, list[Path]] = {"wijkbuurtkaart": [wbk]}
    failed: dict[str, str] = {}
    jobs: dict[str, Callable[[], list[Path]]] = {
        "3dbag": lambda: fetch_3dbag(dl, s, outline),
        "bag": lambda: fetch_bag(dl, s, outline),
        "kerncijfers": lambda: fetch_kerncijfers(dl, s, code, year),
        "politie": lambda: fetch_politie(dl, s, code),
        "leefbaarometer": lambda: fetch_leefbaarometer(dl, s),
        "osm": lambda: fetch_osm(dl, s, outline),
    }
    for kind in _FETCHERS:
        if kind in skip:
            continue
        say(f"fetching {kind}")
        try:
            files[kind] = jobs[kind]()
        except (TwinError, OSError, ValueError, zipfile.BadZipFile) as exc:
            failed[kind] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            say(f"{kind}: failed — {failed[kind]}")
    report = import_many(list(files.items()), into, municipality=code, log=say)
    return FetchReport(
        files=files, failed=failed, report=report, requests=dl.requests, cache=folder
    )
