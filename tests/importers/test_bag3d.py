"""3DBAG buildings from GeoPackage and CityJSONSeq: heights, ids, years, status, errors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from twin import TwinDataError
from twin.importers import buildings_from_3dbag
from twin.importers.bag3d import buildings_from_cityjson_lines


def _expected(town_module) -> pd.DataFrame:
    """Height above ground per building from the town's definition (area-weighted parts)."""
    parts = town_module.buildings()
    parts["area"] = [(b[2] - b[0]) * (b[3] - b[1]) for b in parts["box"]]
    parts["wh"] = parts["h"] * parts["area"]
    g = parts.groupby("identificatie", sort=False)
    return pd.DataFrame({"height": g["wh"].sum() / g["area"].sum(), "no_roof": g["no_roof"].any()})


@pytest.mark.parametrize("key", ["3dbag", "3dbag_2025"])
def test_gpkg_heights_above_ground_both_naming_schemes(town_files, town_module, key):
    result = buildings_from_3dbag([town_files[key]])
    frame = result.frame.set_index("id")
    expected = _expected(town_module)
    assert list(frame.index) == list(expected.index)  # ids kept, order kept, none dropped
    assert result.scheme == ("2025" if key.endswith("2025") else "2023–2024")
    measured = ~expected["no_roof"]
    diff = (frame.loc[measured, "height"] - expected.loc[measured, "height"]).abs()
    assert diff.max() < 0.011  # rounded to cm
    assert frame.loc[measured, "height"].mean() == pytest.approx(
        expected.loc[measured, "height"].mean(), abs=0.01
    )
    assert not frame.loc[measured, "height_estimated"].any()
    # the two-part building: (9 m × 100 m² + 6 m × 100 m²) / 200 m²
    assert frame.loc["NL.IMBAG.Pand.0917100000000009", "height"] == pytest.approx(7.5, abs=0.01)
    # height_max uses the parts' maximum (roof max is 70p + 1.2 m in the town)
    assert frame.loc["NL.IMBAG.Pand.0917100000000009", "height_max"] == pytest.approx(10.2, 0.01)
    assert frame["ground_level"].between(101.4, 103.6).all()


def test_gpkg_carries_year_status_and_flags_estimates(town_files):
    result = buildings_from_3dbag([town_files["3dbag"]])
    b = result.frame.set_index("id")
    assert b["status"].eq("Pand in gebruik").sum() == 27
    assert pd.isna(b.loc["NL.IMBAG.Pand.0917100000000011", "year_built"])  # BAG's 1005
    assert b.loc["NL.IMBAG.Pand.0917100000000001", "year_built"] == 1965
    assert b.loc["NL.IMBAG.Pand.0917100000000012", "vacant"]  # Pand buiten gebruik
    assert b["vacant"].sum() == 1
    no_roof = b.loc["NL.IMBAG.Pand.0917100000000010"]
    assert no_roof["height_estimated"] and no_roof["height"] == pytest.approx(6.0)  # 2 storeys
    assert set(b["use"]) == {"unknown"}  # 3DBAG carries no use
    assert any("1 of 28 buildings have no usable roof height" in n for n in result.notes)
    assert any("1005" in n for n in result.notes)
    assert result.version == "v2024.04.20"
    assert result.frame.crs.to_epsg() == 28992


def test_roof_layers_are_preferred_in_order(town_files, town_module, tmp_path):
    only22 = town_module.write_3dbag(tmp_path / "lod22.gpkg", layers=("pand", "lod22_2d"))
    result = buildings_from_3dbag([only22])
    assert any("lod22_2d" in n for n in result.notes)
    full = buildings_from_3dbag([town_files["3dbag"]])
    assert any("lod12_2d" in n for n in full.notes)
    assert np.allclose(result.frame["height"], full.frame["height"])


def test_pand_only_gives_estimated_heights(town_module, tmp_path):
    path = town_module.write_3dbag(tmp_path / "pand.gpkg", layers=("pand",))
    result = buildings_from_3dbag([path])
    assert result.frame["height_estimated"].all()
    assert any("no roof-part layer" in n for n in result.notes)


def test_missing_pand_layer_names_the_layers_found(town_module, tmp_path):
    path = town_module.write_3dbag(tmp_path / "x.gpkg", layers=("lod12_2d",))
    with pytest.raises(
        TwinDataError, match=r"x\.gpkg, layer 'pand': has no layer 'pand' \(layers: lod12_2d\)"
    ):
        buildings_from_3dbag([path])


def test_missing_ground_level_names_file_layer_and_field(town_module, tmp_path):
    layers = town_module.bag3d_layers()
    pyogrio.write_dataframe(
        layers["pand"].drop(columns="b3_h_maaiveld"), tmp_path / "t.gpkg", layer="pand"
    )
    with pytest.raises(
        TwinDataError, match=r"t\.gpkg, layer 'pand', field 'b3_h_maaiveld': is missing"
    ):
        buildings_from_3dbag([tmp_path / "t.gpkg"])


def test_roof_layer_without_heights_is_refused(town_module, tmp_path):
    layers = town_module.bag3d_layers()
    roofs = layers["lod12_2d"][["identificatie", "geometry"]]
    pyogrio.write_dataframe(layers["pand"], tmp_path / "r.gpkg", layer="pand")
    pyogrio.write_dataframe(roofs, tmp_path / "r.gpkg", layer="lod12_2d")
    with pytest.raises(
        TwinDataError, match=r"layer 'lod12_2d', field 'b3_h_70p': has no roof height"
    ):
        buildings_from_3dbag([tmp_path / "r.gpkg"])


def test_truncated_geopackage_fails_with_the_file_named(town_files, tmp_path):
    data = town_files["3dbag"].read_bytes()
    broken = tmp_path / "cut.gpkg"
    broken.write_bytes(data[: len(data) // 3])
    with pytest.raises(TwinDataError, match=r"cut\.gpkg.*(cannot be opened|cannot be read)"):
        buildings_from_3dbag([broken])


def test_tiles_are_concatenated_and_duplicates_kept_once(town_files, tmp_path):
    copy = tmp_path / "neighbour-tile.gpkg"
    shutil.copy(town_files["3dbag"], copy)
    result = buildings_from_3dbag([town_files["3dbag"], copy])
    assert len(result.frame) == 28
    assert any("28 buildings occurred in more than one file" in n for n in result.notes)


# -- CityJSONSeq ----------------------------------------------------------------------------
def test_cityjsonseq_dequantises_vertices_and_matches_the_gpkg(fx, town_files):
    seq = buildings_from_3dbag([fx / "3dbag_v20240420_town.city.jsonl"])
    gpkg = buildings_from_3dbag([town_files["3dbag"]]).frame.set_index("id")
    assert seq.version == "v2024.04.20"
    assert len(seq.frame) == 4
    for row in seq.frame.itertuples():
        other = gpkg.loc[row.id]
        # footprints equal to a millimetre (quantisation step) and heights to a centimetre
        assert shapely.hausdorff_distance(row.geometry, other.geometry) < 0.002
        assert row.height == pytest.approx(other.height, abs=0.011)
        assert row.year_built == other.year_built
    assert any("EPSG:7415" in n and "RD New kept" in n for n in seq.notes)


def test_cityjsonseq_without_lod0_or_height_attributes_uses_the_lod12_solid(fx):
    lines = (fx / "3dbag_v20240420_town.city.jsonl").read_text().splitlines()
    frame, _notes, _scheme = buildings_from_cityjson_lines(lines, file="t.jsonl")
    last = frame.iloc[3]  # written without LoD0 and without b3_h_dak_* (see make_fixtures.py)
    assert last.geometry.area == pytest.approx(80.0, abs=0.01)
    assert last.height == pytest.approx(8.8, abs=0.011)
    assert not last.height_estimated


def test_cityjsonseq_2025_names(fx):
    lines = (fx / "3dbag_v20240420_town.city.jsonl").read_text().splitlines()
    renamed = [lines[0]]
    for line in lines[1:]:
        renamed.append(line.replace('"b3_h_dak_', '"b3_h_'))
    frame, _notes, scheme = buildings_from_cityjson_lines(renamed, file="t.jsonl")
    original, _, _ = buildings_from_cityjson_lines(lines, file="t.jsonl")
    assert scheme == "2025"
    assert np.allclose(frame["height"], original["height"])


def test_cityjsonseq_truncated_line_is_named(fx, tmp_path):
    text = (fx / "3dbag_v20240420_town.city.jsonl").read_text()
    cut = tmp_path / "cut.city.jsonl"
    cut.write_text(text[: len(text) - 200])
    with pytest.raises(TwinDataError, match=r"cut\.city\.jsonl, row 5: line 5 is not valid JSON"):
        buildings_from_3dbag([cut])


def test_cityjsonseq_needs_the_metadata_line_first(fx, tmp_path):
    lines = (fx / "3dbag_v20240420_town.city.jsonl").read_text().splitlines()
    bad = tmp_path / "nometa.city.jsonl"
    bad.write_text("\n".join(lines[1:]) + "\n")
    with pytest.raises(
        TwinDataError, match=r"field 'transform', row 1: line 1 must be the CityJSON"
    ):
        buildings_from_3dbag([bad])


def test_cityjsonseq_feature_without_building(tmp_path):
    meta = {"type": "CityJSON", "transform": {"scale": [1, 1, 1], "translate": [0, 0, 0]}}
    feature = {"type": "CityJSONFeature", "id": "x", "CityObjects": {}, "vertices": []}
    path = tmp_path / "f.city.jsonl"
    path.write_text(json.dumps(meta) + "\n" + json.dumps(feature) + "\n")
    with pytest.raises(TwinDataError, match=r"field 'CityObjects', row 2: holds no Building"):
        buildings_from_3dbag([path])
