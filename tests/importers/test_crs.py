"""A wrong CRS is detected: reprojected when declared, refused with the reason when not."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from twin import TwinDataError
from twin.importers import buildings_from_3dbag, import_files
from twin.importers._crs import frame_in_rd


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:3857", "EPSG:25831"])
def test_declared_foreign_crs_is_reprojected(town_files, town_module, tmp_path, crs):
    path = town_module.write_3dbag(tmp_path / "foreign.gpkg", crs=crs)
    got = buildings_from_3dbag([path])
    ref = buildings_from_3dbag([town_files["3dbag"]]).frame
    assert got.frame.crs.to_epsg() == 28992
    shift = shapely.hausdorff_distance(got.frame.geometry.to_numpy(), ref.geometry.to_numpy())
    assert shift.max() < 0.05  # round trip through another CRS moves nothing by 5 cm
    assert np.allclose(got.frame["height"], ref["height"])
    assert any("reprojected to RD New" in n for n in got.notes)


def _frame(coords, crs):
    return gpd.GeoDataFrame(geometry=[shapely.Point(x, y) for x, y in coords], crs=crs)


def test_rd_numbers_labelled_as_degrees_are_refused():
    frame = _frame([(190_000, 320_000), (191_000, 321_000)], "EPSG:4326")
    with pytest.raises(
        TwinDataError,
        match=r"f\.gpkg, layer 'pand', field 'geometry': is declared as EPSG:4326, "
        r"but .* they look like RD New",
    ):
        frame_in_rd(frame, file="f.gpkg", layer="pand")


def test_degrees_labelled_as_rd_are_refused():
    frame = _frame([(5.98, 50.88), (5.99, 50.89)], "EPSG:28992")
    with pytest.raises(
        TwinDataError, match=r"are not RD New coordinates .* they look like longitude/latitude"
    ):
        frame_in_rd(frame, file="f", layer="x")


def test_missing_crs_is_inferred_from_the_coordinates():
    rd, note = frame_in_rd(_frame([(190_000, 320_000)], None), file="f")
    assert rd.crs.to_epsg() == 28992 and "fit RD New" in note
    ll, note = frame_in_rd(_frame([(5.98, 50.88)], None), file="f")
    assert ll.crs.to_epsg() == 28992 and "reprojected" in note
    assert 180_000 < ll.geometry.x.iloc[0] < 200_000
    with pytest.raises(
        TwinDataError,
        match=r"has no coordinate reference system, and its coordinates .* fit neither",
    ):
        frame_in_rd(_frame([(5_000_000, 5_000_000)], None), file="f")


def test_user_can_say_which_crs_a_file_is_in(town_module, tmp_path):
    layers = town_module.bag3d_layers()
    wrong = {k: v.set_crs("EPSG:4326", allow_override=True) for k, v in layers.items()}
    path = tmp_path / "mislabelled.gpkg"
    for name, frame in wrong.items():
        pyogrio.write_dataframe(frame, path, layer=name)
    with pytest.raises(TwinDataError, match="look like RD New"):
        buildings_from_3dbag([path])
    fixed = buildings_from_3dbag([path], crs="EPSG:28992")
    assert fixed.frame.total_bounds[0] == pytest.approx(190_100, abs=1)
    with pytest.raises(TwinDataError, match="--crs 'EPSG:99999999' is not a CRS pyproj knows"):
        buildings_from_3dbag([path], crs="EPSG:99999999")


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_unknown_crs_in_the_command_fails_before_touching_the_twin(town_module, tmp_path):
    layers = town_module.bag3d_layers()
    path = tmp_path / "x.gpkg"
    for name, frame in layers.items():
        moved = shapely.transform(frame.geometry.to_numpy(), lambda xy: xy + 5_000_000)
        bare = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=moved)  # no CRS
        pyogrio.write_dataframe(bare, path, layer=name)
    with pytest.raises(TwinDataError, match="fit neither RD New nor WGS84"):
        import_files("3dbag", [path], tmp_path / "twin")
    assert not (tmp_path / "twin").exists()
