"""Loading a twin directory: every problem is named (file, layer, field, row); nothing dropped."""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import pytest
from shapely.geometry import Polygon

from twin import TwinDataError, TwinNotFoundError, load_twin, read_twin, write_twin


@pytest.fixture()
def twin_copy(small_dir, tmp_path):
    target = tmp_path / "twin"
    shutil.copytree(small_dir, target)
    return target


def _rewrite(path, layer, change):
    frame = gpd.read_parquet(path / f"{layer}.parquet")
    frame = change(frame)
    frame.to_parquet(path / f"{layer}.parquet")


def test_round_trip_keeps_everything(small, small_dir):
    again = read_twin(small_dir)
    assert again.counts() == small.counts()
    assert again.fingerprint == read_twin(small_dir).fingerprint
    assert list(again.indicators.data_vars) == list(small.indicators.data_vars)


def test_missing_directory():
    with pytest.raises(TwinNotFoundError, match="does not exist"):
        load_twin("/nonexistent/twin")


def test_wrong_crs_is_named(twin_copy):
    _rewrite(twin_copy, "buildings", lambda f: f.to_crs(4326))
    with pytest.raises(
        TwinDataError, match=r"buildings\.parquet, layer 'buildings': is in EPSG:4326"
    ):
        read_twin(twin_copy)


def test_missing_column_is_named(twin_copy):
    _rewrite(twin_copy, "buildings", lambda f: f.drop(columns="height"))
    with pytest.raises(TwinDataError, match=r"layer 'buildings', field 'height': is missing"):
        read_twin(twin_copy)


def test_empty_layer_is_an_error(twin_copy):
    _rewrite(twin_copy, "streets", lambda f: f.iloc[:0])
    with pytest.raises(TwinDataError, match=r"layer 'streets': is empty"):
        read_twin(twin_copy)


def test_invalid_geometry_names_the_row(twin_copy):
    def bowtie(frame):
        frame = frame.copy()
        frame.loc[7, "geometry"] = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
        return frame

    _rewrite(twin_copy, "buildings", bowtie)
    with pytest.raises(
        TwinDataError,
        match=r"field 'geometry', row 7 \(id .+\): geometry is invalid \(Self-intersection",
    ):
        read_twin(twin_copy)


def test_bad_value_names_row_and_field(twin_copy):
    def negative(frame):
        frame = frame.copy()
        frame.loc[3, "height"] = -2.0
        return frame

    _rewrite(twin_copy, "buildings", negative)
    with pytest.raises(TwinDataError, match=r"field 'height', row 3 .*below the minimum 0"):
        read_twin(twin_copy)


def test_duplicate_ids_are_an_error(twin_copy):
    def dup(frame):
        frame = frame.copy()
        frame.loc[5, "id"] = frame.loc[4, "id"]
        return frame

    _rewrite(twin_copy, "streets", dup)
    with pytest.raises(TwinDataError, match=r"field 'id', row 5 .*occurs more than once"):
        read_twin(twin_copy)


def test_unknown_use_is_an_error(twin_copy):
    def weird(frame):
        frame = frame.copy()
        frame.loc[0, "use"] = "castle"
        return frame

    _rewrite(twin_copy, "buildings", weird)
    with pytest.raises(TwinDataError, match=r"field 'use', row 0 .*'castle' is not one of"):
        read_twin(twin_copy)


def test_manifest_without_source(twin_copy):
    data = json.loads((twin_copy / "manifest.json").read_text())
    del data["layers"]["lights"]["source"]
    (twin_copy / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(TwinDataError, match=r"layer 'lights': manifest entry lacks source"):
        read_twin(twin_copy)


def test_broken_json(twin_copy):
    (twin_copy / "twin.json").write_text("{not json")
    with pytest.raises(TwinDataError, match=r"twin\.json: is not valid JSON"):
        read_twin(twin_copy)


def test_truncated_parquet(twin_copy):
    path = twin_copy / "lights.parquet"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(TwinDataError, match=r"lights\.parquet, layer 'lights': cannot be read"):
        read_twin(twin_copy)


def test_unknown_area_in_indicators(twin_copy, small):
    import pandas as pd

    table = pd.read_parquet(twin_copy / "indicators.parquet")
    table.loc[0, "area"] = "BU99999999"
    table.to_parquet(twin_copy / "indicators.parquet")
    with pytest.raises(TwinDataError, match=r"area code 'BU99999999' is not in the neighbourhoods"):
        read_twin(twin_copy)


def test_gaps_give_a_usable_twin(twin_copy):
    meta = json.loads((twin_copy / "twin.json").read_text())
    meta["gaps"] = ["lights"]
    (twin_copy / "twin.json").write_text(json.dumps(meta))
    (twin_copy / "lights.parquet").unlink()
    twin = read_twin(twin_copy)
    assert twin.gaps == ("lights",)
    assert len(twin.lights) == 0
    assert len(twin.buildings) > 0


def test_required_layer_cannot_be_a_gap(twin_copy):
    meta = json.loads((twin_copy / "twin.json").read_text())
    meta["gaps"] = ["buildings"]
    (twin_copy / "twin.json").write_text(json.dumps(meta))
    with pytest.raises(TwinDataError, match="is required and cannot be a gap"):
        read_twin(twin_copy)


def test_failed_write_leaves_the_old_twin(small, small_dir, tmp_path):
    target = tmp_path / "kept"
    shutil.copytree(small_dir, target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    broken = small.buildings.copy()
    broken.loc[0, "height"] = float("nan")
    with pytest.raises(TwinDataError, match="field 'height'"):
        write_twin(small.replace_layers(buildings=broken), target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".kept")]


def test_nothing_dropped_on_load(small, small_dir):
    loaded = read_twin(small_dir)
    for name in ("buildings", "streets", "lights", "ground", "neighbourhoods"):
        assert len(loaded.layer(name)) == len(small.layer(name))
