"""``socialtwin import``: staged and complete imports, info on the result, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pyogrio

from viewer.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "viewer.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_import_step_by_step_then_info(town_files, fx, tmp_path, capsys):
    target = str(tmp_path / "heerlen")
    code = main(
        ["import", "wijkbuurtkaart", str(town_files["wbk"]), "--into", target,
         "--municipality", "GM0917"]
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "the twin opens once these are imported too: buildings (import 3dbag), streets" in out
    assert (
        main(["import", "3dbag", str(fx / "3dbag_v20240420_town.city.jsonl"), "--into", target])
        == 0
    )
    assert main(["import", "osm", str(town_files["overpass"]), "--into", target]) == 0
    out = capsys.readouterr().out
    assert f"twin written to {tmp_path / 'heerlen'}: 6 areas, 4 buildings" in out
    assert "missing layers: ground" in out
    assert f"socialtwin view --twin {tmp_path / 'heerlen'}" in out
    assert main(["info", "--twin", target, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["municipality"] == "GM0917" and info["gaps"] == ["ground"]
    assert info["counts"]["buurten"] == 3 and info["counts"]["buildings"] == 4
    assert info["layers"]["streets"]["licence"] == "ODbL 1.0"
    assert info["layers"]["streets"]["date"] == "2024-05-01"  # from the Overpass answer
    assert all(not m["synthetic"] for m in info["layers"].values())
    assert main(["import", "politie", str(fx / "politie_47018NED.json"), "--into", target]) == 0
    assert main(["info", "--twin", target]) == 0
    text = capsys.readouterr().out
    assert "crime_total_count" in text and "Politie" in text and "[SYNTHETIC]" not in text


def test_import_error_is_one_line(tmp_path):
    result = run("import", "3dbag", str(tmp_path / "nope.gpkg"), "--into", str(tmp_path / "t"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]  # progress lines come before it
    assert last.startswith("socialtwin import: error: ")
    assert last.endswith("nope.gpkg: does not exist or is not a file")
    assert not (tmp_path / "t").exists()


def test_import_crs_option_fixes_a_mislabelled_file(town_module, tmp_path, capsys):
    path = tmp_path / "mislabelled.gpkg"
    for name, frame in town_module.bag3d_layers().items():
        pyogrio.write_dataframe(frame.set_crs("EPSG:4326", allow_override=True), path, layer=name)
    target = str(tmp_path / "t")
    assert main(["import", "3dbag", str(path), "--into", target]) == 1
    assert "look like RD New" in capsys.readouterr().err
    assert main(["import", "3dbag", str(path), "--into", target, "--crs", "EPSG:28992"]) == 0


def test_import_help_lists_the_kinds():
    result = run("import", "--help")
    assert result.returncode == 0
    for kind in ("wijkbuurtkaart", "3dbag", "osm", "bag", "kerncijfers", "politie",
                 "leefbaarometer"):  # fmt: skip
        assert f"  {kind}" in result.stdout
    assert run("import", "shapefile", "x", "--into", "y").returncode == 2


def test_a_file_of_another_kind_is_named_with_the_missing_field(fx, tmp_path, capsys):
    target = str(tmp_path / "t")
    code = main(["import", "politie", str(fx / "kerncijfers_85618NED.json"), "--into", target])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "kerncijfers_85618NED.json, field 'SoortMisdrijf': is missing" in err
    assert "a 47018NED/47022NED table has SoortMisdrijf, WijkenEnBuurten, Perioden" in err
