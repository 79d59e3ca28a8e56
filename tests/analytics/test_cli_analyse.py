"""`socialtwin analyse`: the per-buurt table, --json, --geotiff and clear errors."""

from __future__ import annotations

import json

import rasterio

from viewer.cli import main

SMALL_BUURT = "BU09173300"  # Heerlen-Centrum, the `small` fixture twin


def test_analyse_json_and_geotiffs(small_dir, tmp_path, capsys):
    out = tmp_path / "rasters"
    assert main(["analyse", "--twin", str(small_dir), "--json", "--geotiff", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [b["code"] for b in data["buurten"]] == [SMALL_BUURT]
    row = data["buurten"][0]
    assert row["name"] == "Heerlen-Centrum"
    assert 0 < row["lux_mean"] < 50 and 0 <= row["dark_share"] <= 1
    assert 0 <= row["surveillance_night"] <= 1 and 0 <= row["cpted_indicator"] <= 100
    assert isinstance(row["hidden_spots"], int)
    assert data["synthetic"] is True
    assert "not a prediction" in data["note"]
    assert data["seconds"]["analyse"] > 0
    assert {m["source"][:13] for m in data["manifests"].values()} == {"computed from"}
    assert sorted(p.rsplit("/", 1)[1] for p in data["geotiffs"]) == [
        "lux.tif",
        "surveillance_day.tif",
        "surveillance_night.tif",
    ]
    with rasterio.open(out / "surveillance_night.tif") as src:
        assert src.crs.to_epsg() == 28992 and src.res == (10.0, 10.0)


def test_analyse_prints_a_table_with_the_time_taken(small_dir, capsys):
    assert main(["analyse", "--twin", str(small_dir), "--dark-lux", "2"]) == 0
    text = capsys.readouterr().out
    assert SMALL_BUURT in text and "Heerlen-Centrum" in text
    assert "below 2 lux" in text
    assert "[SYNTHETIC inputs]" in text and "not a prediction" in text
    assert "time: load" in text


def test_analyse_explains_bad_input_in_one_line(tmp_path, capsys):
    assert main(["analyse", "--twin", str(tmp_path / "nothing")]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("socialtwin analyse: error:") and "\n" not in err
    assert main(["analyse", "--twin", str(tmp_path / "nothing"), "--resolution", "0"]) != 0
    assert "lux_resolution must be positive" in capsys.readouterr().err
