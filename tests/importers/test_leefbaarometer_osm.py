"""Leefbaarometer (buurt CSV, grid CSV + grid GeoPackage) and OSM roads and lamps."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from twin import TwinDataError
from twin.importers import liveability_from_leefbaarometer, streets_from_osm
from twin.importers.leefbaarometer import scores_from_csv_text
from twin.importers.osm import noded_segments


def test_buurt_scores_become_indicators(fx):
    lbm = liveability_from_leefbaarometer(
        [fx / "leefbaarometer_buurten.csv"], municipality="GM0917"
    )
    t = lbm.indicators
    assert lbm.years == [2020, 2022]
    assert set(t["area"]) == {"BU09171000", "BU09171001", "BU09171100"}
    assert set(t["indicator"]) == {
        "liveability_lbm",
        "liveability_deviation",
        "lbm_physical",
        "lbm_nuisance",
        "lbm_cohesion",
        "lbm_facilities",
        "lbm_housing",
    }
    row = t[
        (t["area"] == "BU09171100") & (t["indicator"] == "liveability_lbm") & (t["year"] == 2022)
    ]
    assert row["value"].iloc[0] == pytest.approx(4.15)
    assert lbm.grid is None


def test_grid_scores_are_placed_on_the_grid_cells(town_files, town_module):
    lbm = liveability_from_leefbaarometer([town_files["grid_csv"], town_files["grid_gpkg"]])
    grid = lbm.grid
    cells = town_module.lbm_grid_cells()
    scores = pd.read_csv(town_files["grid_csv"], dtype={"grid_id": str})
    assert len(grid) == len(scores)  # every score found its cell
    merged = grid.merge(scores, left_on=["grid_id", "year"], right_on=["grid_id", "jaar"])
    assert np.allclose(merged["lbm_x"], merged["lbm_y"])
    lookup = cells.set_index("grid_id").geometry
    for row in grid.head(25).itertuples():
        x0, y0, _, _ = lookup[row.grid_id].bounds
        assert (row.x0, row.y0) == (x0, y0)


def test_grid_scores_need_the_grid_geometry(town_files):
    with pytest.raises(TwinDataError, match="grid scores need the grid GeoPackage"):
        liveability_from_leefbaarometer([town_files["grid_csv"]])


def test_grid_of_the_wrong_cell_size_is_refused(town_module, tmp_path):
    cells = town_module.lbm_grid_cells()
    cells.geometry = cells.geometry.scale(2.5, 2.5)
    path = tmp_path / "grid.gpkg"
    pyogrio.write_dataframe(cells, path, layer="grid")
    with pytest.raises(
        TwinDataError, match=r"layer 'grid', field 'geometry', row 0: cell is 250\.0 × 250\.0 m"
    ):
        liveability_from_leefbaarometer([path])


def test_semicolon_csv_with_decimal_commas():
    frame = scores_from_csv_text("bu_code;jaar;lbm;fys\nBU09171000;2022;4,12;-0,03\n", file="x")
    assert frame["lbm"].iloc[0] == pytest.approx(4.12) and frame["fys"].iloc[0] == pytest.approx(
        -0.03
    )
    with pytest.raises(TwinDataError, match=r"x, field 'lbm', row 0: value 'hoog' is not a number"):
        scores_from_csv_text("bu_code,jaar,lbm\nBU09171000,2022,hoog\n", file="x")


# -- OSM --------------------------------------------------------------------------------------
def test_roads_are_noded_at_shared_vertices(town_files):
    osm = streets_from_osm([town_files["osm"]])
    streets = osm.streets
    # Akerstraat and Beekstraat split at 2 junctions (3 pieces each), Middenweg and the footway
    # at 2 (3 pieces each): 12 segments; the proposed way and the pedestrian area are left out
    assert len(streets) == 12
    assert streets["highway"].value_counts().to_dict() == {
        "residential": 6, "tertiary": 3, "footway": 3,
    }  # fmt: skip
    assert streets["id"].is_unique
    assert streets["id"].str.fullmatch(r"osm\.way\.100[1-4]\.[0-2]").all()
    assert streets.set_index("id").loc["osm.way.1001.0", "name"] == "Akerstraat"
    assert streets.crs.to_epsg() == 28992
    length = shapely.length(streets.geometry.to_numpy()).sum()
    assert length == pytest.approx(2550 + 2000 + 1000 + 1000, abs=0.5)
    assert any("1 highway areas" in n for n in osm.notes)
    assert any("1 ways of other highway classes" in n for n in osm.notes)


def test_lamps_are_street_lamp_nodes_only(town_files):
    lamps = streets_from_osm([town_files["osm"]]).lamps
    assert sorted(lamps["id"]) == [f"osm.node.{5001 + k}" for k in range(4)]
    assert lamps.geometry.y.between(320754.9, 320755.1).all()


def test_overpass_json_gives_the_same_streets(town_files):
    a = streets_from_osm([town_files["osm"]])
    b = streets_from_osm([town_files["overpass"]])
    assert b.date == "2024-05-01"
    pd.testing.assert_series_equal(a.streets["id"], b.streets["id"])
    assert np.allclose(
        shapely.length(a.streets.geometry.to_numpy()), shapely.length(b.streets.geometry.to_numpy())
    )
    assert len(b.lamps) == 4


def test_noded_segments_split_only_where_lines_share_a_vertex():
    crossing = np.array(
        [shapely.LineString([(0, 0), (10, 0)]), shapely.LineString([(5, -5), (5, 5)])]
    )
    segments, owner = noded_segments(crossing)
    assert len(segments) == 2  # a bridge over a road: no shared vertex, no junction
    shared = np.array(
        [
            shapely.LineString([(0, 0), (5, 0), (10, 0)]),
            shapely.LineString([(5, -5), (5, 0), (5, 5)]),
        ]
    )
    segments, owner = noded_segments(shared)
    assert len(segments) == 4 and owner.tolist() == [0, 0, 1, 1]
    assert shapely.length(segments).sum() == pytest.approx(20.0)


def test_osm_file_without_highway(tmp_path):
    path = tmp_path / "x.geojson"
    line = {"type": "LineString", "coordinates": [[5.9, 50.9], [5.91, 50.9]]}
    feature = {"type": "Feature", "properties": {"name": "a"}, "geometry": line}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(
        TwinDataError, match=r"x\.geojson, field 'highway': has no 'highway' attribute"
    ):
        streets_from_osm([path])


def test_truncated_overpass_json(town_files, tmp_path):
    text = town_files["overpass"].read_text()
    cut = tmp_path / "overpass.json"
    cut.write_text(text[: len(text) // 2])
    with pytest.raises(
        TwinDataError, match=r"overpass\.json, row 1: is not valid JSON .* truncated"
    ):
        streets_from_osm([cut])
