"""Exchange: GeoJSON, GeoPackage and CSV round trips, import validation, photos by reference."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from twin.assessments import (
    COLUMNS,
    ImportFileError,
    ImportRejected,
    export_assessments,
    import_assessments,
    make_assessment,
    open_store,
    target_from_building,
)
from twin.assessments.exchange import rows_from_store

FORMATS = ("csv", "geojson", "gpkg")
DOC = Path(__file__).resolve().parents[2] / "docs" / "cpted.md"


@pytest.fixture
def filled(store, small, ch):
    ids = ch.fill_store(store, small)
    return store, ids


def _content(store, aid):
    v = store.get(aid)
    return v.version, v.deleted, v.author, v.saved_at, v.assessment, store.history_meta(aid)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_loses_nothing(filled, tmp_path, small, ch, fmt):
    store, ids = filled
    first = tmp_path / f"one.{fmt}"
    _, n, photos = export_assessments(store, first, include_deleted=True)
    assert (n, photos) == (4, 1)
    with open_store(tmp_path / "other.sqlite") as other:
        report = import_assessments(other, first, ch.BRAM, twin=small)
        assert (report.created, report.updated, report.unchanged, report.errors) == (4, 0, 0, [])
        for aid in ids.values():
            assert _content(other, aid) == _content(store, aid)
        head, other_head = store.head(ids["building"]), other.head(ids["building"])
        assert (head["created_by"], head["created_at"]) == (
            other_head["created_by"],
            other_head["created_at"],
        )
        assert other.get(ids["building"]).assessment.notes == ch.NASTY_NOTES.replace("\r\n", "\n")
        assert other.photo(other.get(ids["building"]).assessment.photos[0]).data
        assert rows_from_store(other, include_deleted=True) == rows_from_store(
            store, include_deleted=True
        )
        second = tmp_path / f"two.{fmt}"
        export_assessments(other, second, include_deleted=True)
        if fmt != "gpkg":  # text formats are byte-identical after a round trip
            assert first.read_bytes() == second.read_bytes()
        again = import_assessments(other, second, ch.BRAM, twin=small)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
        assert other.check_integrity() == []


def test_formats_agree_with_each_other(filled, tmp_path, ch, small):
    store, _ = filled
    rows = {}
    for fmt in FORMATS:
        path = tmp_path / f"x.{fmt}"
        export_assessments(store, path, include_deleted=True)
        with open_store(tmp_path / f"{fmt}.sqlite") as other:
            import_assessments(other, path, ch.ANNA, twin=small)
            rows[fmt] = rows_from_store(other, include_deleted=True)
    assert rows["csv"] == rows["geojson"] == rows["gpkg"]


def test_deleted_are_left_out_unless_asked(filled, tmp_path):
    store, _ = filled
    _, n, _ = export_assessments(store, tmp_path / "x.csv")
    assert n == 3


def test_csv_defuses_spreadsheet_formulas_and_gets_them_back(filled, tmp_path):
    store, ids = filled
    path = tmp_path / "x.csv"
    export_assessments(store, path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    note = next(r["notes"] for r in rows if r["id"] == ids["building"])
    assert note.startswith("<img")  # not a formula start: unchanged
    assert all(not (v or "").startswith(("=", "+", "@")) for r in rows for v in r.values())


def test_edit_outside_becomes_a_new_version(filled, tmp_path, ch, small):
    store, ids = filled
    path = tmp_path / "x.csv"
    export_assessments(store, path)
    text = path.read_text(encoding="utf-8-sig").replace("note street", "note street — bijgewerkt")
    path.write_text(text, encoding="utf-8-sig")
    report = import_assessments(store, path, ch.BRAM, twin=small)
    assert (report.updated, report.unchanged) == (1, 2)
    v = store.get(ids["street"])
    assert v.version == 2 and v.action == "import" and v.author == "Bram Janssen"
    assert v.assessment.notes == "note street — bijgewerkt"


def test_stale_file_is_a_conflict_and_a_newer_one_fast_forwards(filled, tmp_path, ch, small):
    store, ids = filled
    old = tmp_path / "old.geojson"
    export_assessments(store, old)
    # someone edits the street assessment here after the export
    v = store.get(ids["street"])
    edited = make_assessment(v.assessment.target, {"ns_sightlines": 5}, notes="hier gewijzigd")
    store.save(ids["street"], edited, base_version=1, author=ch.ANNA)
    doc = json.loads(old.read_text(encoding="utf-8"))
    for f in doc["features"]:
        if f["properties"]["id"] == ids["street"]:
            f["properties"]["notes"] = "in QGIS gewijzigd"
    old.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        import_assessments(store, old, ch.BRAM, twin=small)
    (err,) = info.value.report.errors
    assert "changed here after the export (file version 1, here version 2)" in err.text("en")
    assert "hier gewijzigd na de export" in err.text("nl")
    assert store.get(ids["street"]).assessment.notes == "hier gewijzigd"  # nothing overwritten
    # a copy of the store that is behind takes the newer file as a fast-forward
    behind = tmp_path / "behind.csv"
    export_assessments(store, behind)
    with open_store(tmp_path / "b.sqlite") as other:
        import_assessments(other, old.with_name("x.csv") if False else behind, ch.ANNA, twin=small)
        store.save(ids["street"], edited, base_version=2, author=ch.ANNA)  # v3 here
        newer = tmp_path / "newer.csv"
        export_assessments(store, newer)
        report = import_assessments(other, newer, ch.ANNA, twin=small)
        assert report.updated == 1
        assert other.get(ids["street"]).version == 3
        assert other.history_meta(ids["street"]) == store.history_meta(ids["street"])
        assert other.check_integrity() == []


BAD_CSV_ROWS = {
    "s_ns_sightlines": ("7", "Score '7' for 'ns_sightlines' is not valid"),
    "x_rd": ("abc", "Coordinate 'abc' cannot be read"),
    "measures": ("teleport", "Unknown measure 'teleport'"),
    "time_of_day": ("dusk", "Time of observation 'dusk' is not valid"),
    "observed_at": ("gisteren", "Date 'gisteren' cannot be read"),
    "target_kind": ("castle", "Unknown kind of target 'castle'"),
    "target_id": ("DEMO.pand.nope", "Building 'DEMO.pand.nope' does not exist"),
}


def _bad_file(store, tmp_path):
    path = tmp_path / "in.csv"
    export_assessments(store, path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        good = list(reader)
    rows = [dict(r) for r in good]
    building = next(r for r in good if r["target_kind"] == "building")
    for column, (value, _) in BAD_CSV_ROWS.items():
        row = dict(building, id="", version="", history="")
        row[column] = value
        rows.append(row)
    rows.append(dict(building, history=""))  # duplicate id
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows(rows)
    return path, len(good)


def test_bad_rows_are_all_reported_and_nothing_is_imported(filled, tmp_path, ch, small):
    store, _ = filled
    path, n_good = _bad_file(store, tmp_path)
    with open_store(tmp_path / "fresh.sqlite") as fresh:
        with pytest.raises(ImportRejected, match=r"8 of 11 rows are invalid; nothing was imported"):
            import_assessments(fresh, path, ch.ANNA, twin=small)
        assert len(fresh.frame(include_deleted=True)) == 0
        try:
            import_assessments(fresh, path, ch.ANNA, twin=small)
        except ImportRejected as exc:
            errors = exc.report.errors
        texts = [e.text("en") for e in errors]
        assert [e.row for e in errors] == list(range(n_good + 1, n_good + 9))
        for (column, (_, reason)), text in zip(BAD_CSV_ROWS.items(), texts, strict=False):
            assert f"Column '{column}'" in text and reason in text, text
        assert "appears more than once in the file" in texts[-1]
        assert all(e.text("nl").startswith("rij ") for e in errors)
        # the user chooses "import the good rows"
        report = import_assessments(fresh, path, ch.ANNA, twin=small, good_rows_only=True)
        assert (report.created, report.skipped, report.written) == (n_good, 8, True)
        assert len(fresh) == n_good and fresh.check_integrity() == []


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("not,a,real\n1,2,3\n", "lacks the columns: target_kind"),
        ('{"type": "Feature"}', "cannot be read as geojson: not a GeoJSON FeatureCollection"),
        ("{broken json", "cannot be read as geojson"),
    ],
)
def test_unreadable_files_say_why(tmp_path, ch, content, match):
    suffix = ".csv" if content.startswith("not") else ".geojson"
    path = tmp_path / f"bad{suffix}"
    path.write_text(content, encoding="utf-8")
    with open_store(tmp_path / "s.sqlite") as store, pytest.raises(ImportFileError, match=match):
        import_assessments(store, path, ch.ANNA)


def test_a_gpkg_that_is_not_one(tmp_path, ch):
    path = tmp_path / "fake.gpkg"
    path.write_bytes(b"PK\x03\x04 not a geopackage")
    with (
        open_store(tmp_path / "s.sqlite") as store,
        pytest.raises(ImportFileError, match="cannot be read as gpkg"),
    ):
        import_assessments(store, path, ch.ANNA)


def test_moved_point_in_a_gis_moves_the_assessment(filled, tmp_path, ch, small):
    store, ids = filled
    path = tmp_path / "x.geojson"
    export_assessments(store, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    feature = next(f for f in doc["features"] if f["properties"]["id"] == ids["building"])
    lon, lat = feature["geometry"]["coordinates"]
    feature["geometry"]["coordinates"] = [lon + 0.0005, lat]  # about 35 m east
    path.write_text(json.dumps(doc), encoding="utf-8")
    report = import_assessments(store, path, ch.ANNA, twin=small)
    assert report.updated == 1
    t0 = store.get(ids["building"], 2).assessment.target
    t1 = store.get(ids["building"]).assessment.target
    assert 30 < t1.x - t0.x < 40 and abs(t1.y - t0.y) < 1
    assert abs(t1.lon - (lon + 0.0005)) < 1e-6


def test_spreadsheet_rows_without_ids_are_new_assessments(tmp_path, ch, small):
    b = small.buildings["id"].iloc[0]
    path = tmp_path / "paper.csv"
    path.write_text(
        "target_kind,target_id,x_rd,y_rd,observed_at,time_of_day,s_ns_sightlines,notes,author\n"
        f"building,{b},,,2025-03-01,night,2,van papier,Kees\n"
        "spot,,196679.06,322214.5,2025-03-02,day,n.v.t.,plek,Kees\n",
        encoding="utf-8",
    )
    with open_store(tmp_path / "s.sqlite") as store:
        report = import_assessments(store, path, ch.ANNA, twin=small)
        assert report.created == 2
        frame = store.frame().set_index("target_kind")
        building = store.get(frame.loc["building", "id"])
        assert building.assessment.target.id == b and building.assessment.target.buurt
        assert building.assessment.target == target_from_building(small, b)  # placed by the twin
        v = store.get(frame.loc["spot", "id"])
        assert v.author == "Kees" and v.action == "import" and v.version == 1
        assert v.assessment.scores == {"ns_sightlines": "n/a"}
        assert v.assessment.target.buurt == "BU09173300" and v.assessment.target.street
        recorded = [
            tuple(r) for r in store._conn.execute("SELECT DISTINCT recorded_by FROM versions")
        ]
        assert recorded == [("Anna de Vries",)]


def test_photos_travel_by_reference_and_are_checked(filled, tmp_path, ch, small):
    store, _ = filled
    path = tmp_path / "x.csv"
    export_assessments(store, path)
    folder = tmp_path / "x_photos"
    (photo,) = folder.iterdir()
    assert re.fullmatch(r"[0-9a-f]{64}\.jpg", photo.name)
    photo.write_bytes(photo.read_bytes()[:-10] + b"tampered!!")
    with open_store(tmp_path / "o.sqlite") as other:
        with pytest.raises(ImportRejected) as info:
            import_assessments(other, path, ch.ANNA, twin=small)
        assert "photos" in info.value.report.errors[0].text("en")
        photo.unlink()
        with pytest.raises(ImportRejected, match="1 of 3 rows"):
            import_assessments(other, path, ch.ANNA, twin=small)


def test_docs_describe_every_column():
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(\w+)` \|", text, re.M))
    names = {c.name for c in COLUMNS}
    fixed = {n for n in names if not n.startswith(("s_", "p_"))}
    assert fixed <= documented, sorted(fixed - documented)
    assert "`s_<item>`" in text and "`p_<principle>`" in text


@pytest.mark.parametrize("note", ["=1+1", "'=x", "''+cmd", "-", "@SUM(A1)", "\tx", "plain"])
def test_formula_like_notes_round_trip_through_csv(store, targets, tmp_path, ch, note):
    store.create(make_assessment(targets["spot"], {"ns_sightlines": 3}, notes=note), ch.ANNA)
    path = tmp_path / "f.csv"
    export_assessments(store, path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        cell = next(csv.DictReader(f))["notes"]
    assert not cell.startswith(("=", "+", "-", "@", "\t"))
    with open_store(tmp_path / "o.sqlite") as other:
        import_assessments(other, path, ch.ANNA)
        (aid,) = other.frame()["id"]
        assert other.get(aid).assessment.notes == note
