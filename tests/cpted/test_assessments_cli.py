"""``socialtwin assessments``: add, list, history, delete/undo, export, import, report."""

from __future__ import annotations

import csv
import json

import pytest

from viewer.cli import main

B = "--lang"


@pytest.fixture
def cli_store(tmp_path, small_dir, monkeypatch):
    monkeypatch.setenv("SOCIALTWIN_AUTHOR", "Veldwerker")
    from twin.settings import get_settings

    get_settings.cache_clear()
    return ["--store", str(tmp_path / "cli.sqlite")], ["--twin", str(small_dir)]


def _add(capsys, store, twin, *extra):
    assert main(["assessments", "add", *extra, *store, *twin]) == 0
    return capsys.readouterr().out.strip()


def test_add_list_history_delete_undo(cli_store, small, capsys, tmp_path, ch):
    store, twin = cli_store
    b = small.buildings["id"].iloc[0]
    photo = tmp_path / "site.heic"  # the name lies; the content is a JPEG
    photo.write_bytes(ch.jpeg_with_gps())
    aid = _add(
        capsys,
        store,
        twin,
        "--building",
        b,
        "--score",
        "ns_sightlines=2",
        "--score",
        "li_even_lighting=n.v.t.",
        "--note",
        "Donker",
        "--measure",
        "street_lighting",
        "--photo",
        str(photo),
        "--time",
        "night",
    )
    assert len(aid) == 32
    _add(capsys, store, twin, "--spot", "50.8882, 5.9795", "--score", "ma_repairs=4")
    assert main(["assessments", "list", "--json", *store]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["author"] for r in listed] == ["Veldwerker", "Veldwerker"]
    assert main(["assessments", "list", "--principle", "natural_surveillance", *store]) == 0
    out = capsys.readouterr().out
    assert aid in out and "1 assessments" in out
    assert main(["assessments", "delete", aid, "--author", "Eva", *store]) == 0
    assert "undo" in capsys.readouterr().out
    assert main(["assessments", "undo", aid, *store]) == 0
    assert main(["assessments", "history", aid, *store]) == 0
    out = capsys.readouterr().out
    assert "v2  delete" in out and "Eva" in out and "deleted: False → True" in out


def test_bad_input_is_one_clear_line_in_the_users_language(cli_store, capsys):
    store, twin = cli_store
    code = main(
        [
            "assessments",
            "add",
            "--spot",
            "50.88;5.97;1",
            "--score",
            "ns_sightlines=3",
            B,
            "nl",
            *store,
            *twin,
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "is niet te lezen" in err
    code = main(
        [
            "assessments",
            "add",
            "--spot",
            "50.8882, 5.9795",
            "--score",
            "ns_sightlines=9",
            B,
            "en",
            *store,
            *twin,
        ]
    )
    assert code == 2 and "Score '9' for 'ns_sightlines' is not valid" in capsys.readouterr().err


def test_export_import_round_trip_and_rejected_file(cli_store, small, capsys, tmp_path):
    store, twin = cli_store
    _add(
        capsys,
        store,
        twin,
        "--street",
        small.streets["id"].iloc[0],
        "--score",
        "li_no_glare=1",
        "--note",
        "=cmd|' /C calc'!A0",
    )
    for fmt in ("geojson", "gpkg", "csv"):
        out = tmp_path / f"x.{fmt}"
        assert main(["assessments", "export", "--format", fmt, str(out), *store]) == 0
        assert "1 assessments written" in capsys.readouterr().out
        other = ["--store", str(tmp_path / f"{fmt}.sqlite")]
        assert main(["assessments", "import", str(out), *other, *twin, B, "en"]) == 0
        assert "1 new, 0 updated, 0 unchanged, 0 skipped" in capsys.readouterr().out
    # a file with one bad row: nothing imported, every bad row printed, then the good rows
    src = tmp_path / "x.csv"
    with src.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    bad = dict(rows[0], id="", version="", history="", s_li_no_glare="8")
    with src.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, list(rows[0]))
        w.writeheader()
        w.writerows([rows[0] | {"id": "", "history": "", "version": ""}, bad])
    fresh = ["--store", str(tmp_path / "fresh.sqlite")]
    code = main(["assessments", "import", str(src), *fresh, *twin, B, "nl"])
    err = capsys.readouterr().err
    assert code == 2
    assert "rij 2: Kolom 's_li_no_glare': Score '8'" in err
    assert "1 van de 2 rijen zijn ongeldig; er is niets geïmporteerd" in err
    assert main(["assessments", "import", str(src), "--good-rows-only", *fresh, *twin]) == 0
    assert "1 nieuw" in capsys.readouterr().out


def test_report_html_and_pdf(cli_store, small, capsys, tmp_path):
    store, twin = cli_store
    aid = _add(
        capsys,
        store,
        twin,
        "--building",
        small.buildings["id"].iloc[1],
        "--score",
        "th_locks=3",
        "--note",
        "<b>vet</b>",
    )
    html = tmp_path / "r.html"
    assert main(["assessments", "report", str(html), "--id", aid, *store, *twin]) == 0
    text = html.read_text(encoding="utf-8")
    assert "&lt;b&gt;vet&lt;/b&gt;" in text and "<b>vet" not in text
    assert (
        main(
            [
                "assessments",
                "report",
                str(tmp_path / "b.html"),
                "--buurt",
                "BU09173300",
                B,
                "en",
                *store,
                *twin,
            ]
        )
        == 0
    )
    assert "CPTED assessments in Heerlen-Centrum (BU09173300)" in (tmp_path / "b.html").read_text()


@pytest.mark.browser
def test_report_pdf(cli_store, small, capsys, tmp_path):
    store, twin = cli_store
    _add(capsys, store, twin, "--building", small.buildings["id"].iloc[1], "--score", "th_locks=3")
    pdf = tmp_path / "r.pdf"
    assert main(["assessments", "report", str(pdf), "--buurt", "BU09173300", *store, *twin]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
