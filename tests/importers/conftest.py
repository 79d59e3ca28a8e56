"""Fixtures of the importer tests: the invented town of ``tests/fixtures/importers/``.

Text fixtures (StatLine JSON/CSV, Politie tables, Leefbaarometer CSV, a CityJSONSeq) are
committed; GeoPackages and GeoJSON are built here from ``town.py`` at test time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

import pyogrio
import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "importers"


def _load_town():
    if "importer_town" in sys.modules:
        return sys.modules["importer_town"]
    spec = importlib.util.spec_from_file_location("importer_town", FIXTURES / "town.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["importer_town"] = module
    spec.loader.exec_module(module)
    return module


town = _load_town()


@pytest.fixture(scope="session")
def fx() -> Path:
    """The folder of committed text fixtures."""
    return FIXTURES


@pytest.fixture(scope="session")
def town_files(tmp_path_factory) -> dict[str, Path]:
    """GeoPackages and GeoJSON of the town, as downloaded from the real sources."""
    out = tmp_path_factory.mktemp("town")
    grid = out / "grid 2024.gpkg"
    pyogrio.write_dataframe(town.lbm_grid_cells(), grid, layer="grid", driver="GPKG")
    scores = out / "Leefbaarometer-scores grids 2002-2022.csv"
    scores.write_text(town.lbm_grid_csv(), encoding="utf-8")
    return {
        "wbk": town.write_wijkbuurtkaart(out / "wijkenbuurten_2023_v1.gpkg"),
        "3dbag": town.write_3dbag(out / "3dbag_v20240420_9-284-556.gpkg"),
        "3dbag_2025": town.write_3dbag(out / "3dbag_v20250101_tile.gpkg", scheme="2025"),
        "osm": town.write_json(out / "roads.geojson", town.osm_geojson()),
        "overpass": town.write_json(out / "overpass.json", town.overpass_json()),
        "bag": town.write_json(out / "bag_pand.json", town.bag_pand_geojson()),
        "grid_gpkg": grid,
        "grid_csv": scores,
    }


@pytest.fixture(scope="session")
def all_sources(town_files: dict[str, Path], fx: Path) -> list[tuple[str, list[Path]]]:
    """Every source of the town, as (kind, files) for ``import_many``."""
    return [
        ("wijkbuurtkaart", [town_files["wbk"]]),
        ("3dbag", [town_files["3dbag"]]),
        ("osm", [town_files["osm"]]),
        ("bag", [town_files["bag"]]),
        ("kerncijfers", [fx / "kwb_84799NED.csv", fx / "kerncijfers_85618NED.json"]),
        ("politie", [fx / "politie_47018NED.json", fx / "politie_47022NED.csv"]),
        (
            "leefbaarometer",
            [
                fx / "leefbaarometer_buurten.csv",
                town_files["grid_csv"],
                town_files["grid_gpkg"],
            ],
        ),
    ]


@pytest.fixture(scope="session")
def imported_dir(all_sources, tmp_path_factory) -> Path:
    """The town's twin, imported from every source in one step."""
    from twin.importers import import_many

    target = tmp_path_factory.mktemp("imported") / "heerlen"
    import_many(all_sources, target, municipality="GM0917")
    return target


@pytest.fixture(scope="session")
def imported(imported_dir):
    from twin import load_twin

    return load_twin(imported_dir)


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def digest():
    """SHA-256 of every file under a folder (for byte-identity checks)."""
    return _tree_digest


@pytest.fixture
def town_module():
    """The town definition (``tests/fixtures/importers/town.py``)."""
    return town
