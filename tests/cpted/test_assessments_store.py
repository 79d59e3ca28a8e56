"""The CPTED assessment store: versions, conflicts, soft delete and undo, validation, photos."""

from __future__ import annotations

import io
import json
import sqlite3
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from twin.assessments import (
    MEASURE_IDS,
    PRINCIPLE_IDS,
    AssessmentInputError,
    AssessmentNotFound,
    Author,
    VersionConflict,
    current_author,
    load_form,
    make_assessment,
    message,
    open_store,
    overall_score,
    parse_coordinate,
    photo_from_upload,
    principle_scores,
    target_from_area,
    target_from_building,
    target_from_spot,
)
from twin.assessments.form import form_path
from twin.assessments.photos import Photo  # noqa: F401  (public type used in docs)
from twin.crs import to_wgs84

ANNA, BRAM = Author("Anna de Vries"), Author("Bram Janssen")


def jpeg_with_gps() -> bytes:
    import numpy as np

    rng = np.random.default_rng(1)
    img = Image.fromarray((rng.random((200, 320, 3)) * 255).astype("uint8"))
    exif = Image.Exif()
    exif[0x0110] = "SecretCam 3000"
    exif[0x8825] = {1: "N", 2: (50.0, 53.0, 17.0), 3: "E", 4: (5.0, 58.0, 46.0)}
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


# -- the form ---------------------------------------------------------------------------
def test_measure_ids_match_the_catalogue_and_the_scenario_ids():
    raw = tomllib.loads(form_path().read_text(encoding="utf-8"))
    assert tuple(m["id"] for m in raw["measures"]) == MEASURE_IDS
    assert MEASURE_IDS == (
        "street_lighting",
        "cctv",
        "vacant_lot_greening",
        "vacant_building_renovation",
        "alley_gating",
        "foot_patrol",
        "graffiti_litter_removal",
        "hedge_trimming",
        "youth_facility",
        "burglary_proofing",
    )


def test_form_has_every_principle_with_items_in_both_languages():
    form = load_form()
    assert form.principle_ids == PRINCIPLE_IDS
    for p in form.principles:
        assert 3 <= len(p.items) <= 5, p.id
        for item in p.items:
            assert item.text["nl"] != item.text["en"]
            assert item.source
    for m in form.measures:
        assert m.label["nl"] and m.label["en"]
        assert set(m.principles) <= set(PRINCIPLE_IDS)


def test_every_message_key_used_in_code_exists_in_both_languages():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    used = set()
    for path in [*(root / "twin" / "assessments").glob("*.py"), root / "viewer/cli/assessments.py"]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'(?:Error|Conflict|NotFound|Rejected)\(\s*"(\w+)"', text))
        used |= set(re.findall(r'_RowProblem\(\s*[^,]+,\s*"(\w+)"', text))
    messages = load_form().messages
    assert used, "found no message keys: the scan is broken"
    assert used <= set(messages), sorted(used - set(messages))


# -- scores ----------------------------------------------------------------------------
def test_na_is_excluded_from_averages():
    scores = {"ns_sightlines": 1, "ns_overlooking_windows": "n/a", "li_even_lighting": 5}
    ps = principle_scores(scores)
    assert ps["natural_surveillance"] == 1.0
    assert ps["lighting"] == 5.0
    assert ps["maintenance"] is None
    assert overall_score(scores) == 3.0
    assert overall_score({"ns_sightlines": "n/a"}) is None


@given(
    st.dictionaries(
        st.sampled_from(sorted(load_form().items)), st.sampled_from([1, 2, 3, 4, 5, "n/a"])
    )
)
def test_scores_stay_on_the_scale(scores):
    overall = overall_score(scores)
    numeric = [v for v in scores.values() if v != "n/a"]
    if not numeric:
        assert overall is None
    else:
        assert min(numeric) <= overall <= max(numeric)


@pytest.mark.parametrize("bad", [0, 6, 2.5, "abc", "", True, [3]])
def test_bad_scores_are_refused_in_both_languages(targets, bad):
    with pytest.raises(AssessmentInputError, match="is not valid: choose 1 to 5") as info:
        make_assessment(targets["spot"], {"ns_sightlines": bad})
    assert "kies 1 t/m 5 of n.v.t." in info.value.text("nl")


def test_other_bad_content_is_refused(targets):
    t = targets["spot"]
    with pytest.raises(AssessmentInputError, match="Unknown assessment item"):
        make_assessment(t, {"no_such_item": 3})
    with pytest.raises(AssessmentInputError, match="Unknown measure 'teleport'"):
        make_assessment(t, {"ns_sightlines": 3}, measures=["teleport"])
    with pytest.raises(AssessmentInputError, match="choose day or night"):
        make_assessment(t, {"ns_sightlines": 3}, time_of_day="dusk")
    with pytest.raises(AssessmentInputError, match="cannot be read; use YYYY-MM-DD"):
        make_assessment(t, {"ns_sightlines": 3}, observed_at="31-12-2024")
    with pytest.raises(AssessmentInputError, match="in the future"):
        make_assessment(t, {"ns_sightlines": 3}, observed_at="2999-01-01")
    with pytest.raises(AssessmentInputError, match="at least one score or a note"):
        make_assessment(t, {})
    with pytest.raises(AssessmentInputError, match="The note is 20,001 characters"):
        make_assessment(t, notes="x" * 20_001)
    assert make_assessment(t, {"ns_sightlines": "n.v.t."}).scores == {"ns_sightlines": "n/a"}


# -- targets and coordinates -----------------------------------------------------------
def test_coordinates_in_wgs84_either_order_and_rd():
    x, y = parse_coordinate("50.8882, 5.9795")
    assert (x, y) == parse_coordinate("5.9795 50.8882") == parse_coordinate("50,8882 5,9795")
    assert 196_000 < x < 197_500 and 321_500 < y < 323_000
    assert parse_coordinate("194000,320500") == (194000.0, 320500.0)
    assert parse_coordinate((194000.004, 320500.0)) == (194000.0, 320500.0)


@pytest.mark.parametrize(
    "text", ["", "abc", "50.88", "50.88, 5.97, 3", "nan, 5.9", "1e999 5", "5..1 3"]
)
def test_malformed_coordinates_get_a_clear_message(text):
    with pytest.raises(AssessmentInputError, match=r"cannot be read\. Give two numbers") as info:
        parse_coordinate(text)
    assert "is niet te lezen" in info.value.text("nl")


@pytest.mark.parametrize("text", ["12, 13", "-50.9 5.9", "400000 320500", "52.1 52.1"])
def test_coordinates_outside_the_netherlands_are_refused(text):
    with pytest.raises(AssessmentInputError, match="is not in the Netherlands") as info:
        parse_coordinate(text)
    assert "ligt niet in Nederland" in info.value.text("nl")


@given(st.floats(190_000, 200_000), st.floats(315_000, 330_000))
def test_rd_through_typed_wgs84_comes_back_within_two_centimetres(x, y):
    lon, lat = to_wgs84(x, y)
    back = parse_coordinate(f"{float(lat):.7f}, {float(lon):.7f}")
    assert abs(back[0] - x) < 0.02 and abs(back[1] - y) < 0.02


def test_targets_carry_rd_wgs84_buurt_and_street(small, targets):
    for kind, t in targets.items():
        assert t.kind == kind
        assert t.buurt == "BU09173300"
        assert 190_000 < t.x < 200_000 and 50.8 < t.lat < 51.0 and 5.8 < t.lon < 6.1
    b = targets["building"]
    footprint = small.buildings.set_index("id").geometry[b.id]
    from shapely.geometry import Point

    assert footprint.contains(Point(b.x, b.y))
    assert targets["street"].street == targets["street"].id
    assert targets["area"].area_wkt.startswith("POLYGON")


def test_bad_targets_are_refused(small):
    with pytest.raises(AssessmentInputError, match="Building 'nope' does not exist"):
        target_from_building(small, "nope")
    with pytest.raises(AssessmentInputError, match="outside the neighbourhoods of this twin"):
        target_from_spot(small, "53.2, 6.5")  # Groningen
    x, y = targets_centre(small)
    with pytest.raises(AssessmentInputError, match="the maximum is 50,000 m²") as info:
        target_from_area(small, [(x, y), (x + 300, y), (x + 300, y + 300), (x, y + 300)])
    assert "het maximum is 50.000 m²" in info.value.text("nl").replace(",", ".")
    with pytest.raises(AssessmentInputError, match="crosses itself"):
        target_from_area(small, [(x, y), (x + 20, y + 20), (x + 20, y), (x, y + 20)])
    with pytest.raises(AssessmentInputError, match="at least three corner points"):
        target_from_area(small, [(x, y), (x + 20, y + 20)])


def targets_centre(small):
    c = small.buurten.geometry.iloc[0].representative_point()
    return round(c.x, 2), round(c.y, 2)


# -- versions, diff, conflicts, soft delete ----------------------------------------------
def test_every_save_is_a_new_version_with_who_when_and_a_diff(store, targets):
    a1 = make_assessment(targets["building"], {"ns_sightlines": 2}, notes="donker")
    v1 = store.create(a1, ANNA)
    a2 = make_assessment(targets["building"], {"ns_sightlines": 4, "th_locks": 3}, notes="beter")
    v2 = store.save(v1.assessment_id, a2, base_version=1, author=BRAM)
    assert (v1.version, v2.version) == (1, 2)
    history = store.history(v1.assessment_id)
    assert [(h.version, h.action, h.author) for h in history] == [
        (1, "create", "Anna de Vries"),
        (2, "update", "Bram Janssen"),
    ]
    assert history[0].saved_at < history[1].saved_at
    assert history[0].assessment == a1  # the old version is kept in full
    changes = {c.field: (c.old, c.new) for c in store.diff(v1.assessment_id, 1, 2)}
    assert changes == {
        "scores.ns_sightlines": (2, 4),
        "scores.th_locks": (None, 3),
        "notes": ("donker", "beter"),
    }
    head = store.head(v1.assessment_id)
    assert head["created_by"] == "Anna de Vries" and head["author"] == "Bram Janssen"
    assert store.check_integrity() == []


def test_second_save_on_the_same_base_is_refused_and_both_versions_are_shown(store, targets):
    t = targets["street"]
    v1 = store.create(make_assessment(t, {"li_even_lighting": 2}), ANNA)
    mine_anna = make_assessment(t, {"li_even_lighting": 3})
    mine_bram = make_assessment(t, {"li_even_lighting": 1}, notes="lamp kapot")
    store.save(v1.assessment_id, mine_anna, base_version=1, author=ANNA)
    with pytest.raises(
        VersionConflict, match="based on version 1, the current one is version 2"
    ) as info:
        store.save(v1.assessment_id, mine_bram, base_version=1, author=BRAM)
    conflict = info.value
    assert conflict.theirs.assessment == mine_anna and conflict.theirs.author == "Anna de Vries"
    assert conflict.mine == mine_bram.to_data()
    assert "Iemand anders (Anna de Vries" in conflict.text("nl")
    assert store.get(v1.assessment_id).version == 2  # nothing of Bram's save was written
    assert len(store.history(v1.assessment_id)) == 2
    # Bram re-bases on version 2 and saves: accepted
    assert store.save(v1.assessment_id, mine_bram, base_version=2, author=BRAM).version == 3


def test_soft_delete_and_undo(store, targets):
    v = store.create(make_assessment(targets["spot"], {"ma_repairs": 2}), ANNA)
    aid = v.assessment_id
    store.delete(aid, BRAM)
    assert len(store) == 0 and aid not in set(store.frame()["id"])
    assert store.frame(include_deleted=True)["deleted"].tolist() == [True]
    assert store.get(aid).deleted and store.get(aid).assessment == v.assessment
    with pytest.raises(AssessmentInputError, match="already deleted"):
        store.delete(aid, BRAM)
    store.restore(aid, ANNA)
    assert len(store) == 1 and not store.get(aid).deleted
    with pytest.raises(AssessmentInputError, match="nothing to undo"):
        store.restore(aid, ANNA)
    assert [h.action for h in store.history(aid)] == ["create", "delete", "restore"]
    assert [c.field for c in store.diff(aid, 1, 2)] == ["deleted"]
    with pytest.raises(VersionConflict):
        store.delete(aid, BRAM, base_version=1)  # deleting what someone else changed
    assert store.check_integrity() == []


def test_unknown_ids_say_so(store):
    with pytest.raises(AssessmentNotFound, match="Assessment 'zz' does not exist"):
        store.get("zz")
    with pytest.raises(AssessmentNotFound):
        store.history("zz")


@given(st.lists(st.sampled_from(["save", "stale", "delete", "restore"]), max_size=12))
def test_any_sequence_of_edits_keeps_the_store_consistent(tmp_path_factory, targets_hyp, steps):
    path = tmp_path_factory.mktemp("h") / "a.sqlite"
    t = targets_hyp
    with open_store(path) as store:
        v = store.create(make_assessment(t, {"ns_sightlines": 3}), ANNA)
        aid, expected = v.assessment_id, 1
        for i, step in enumerate(steps):
            current = store.get(aid)
            try:
                if step == "save":
                    a = make_assessment(t, {"ns_sightlines": 1 + i % 5})
                    store.save(aid, a, base_version=current.version, author=BRAM)
                elif step == "stale":
                    a = make_assessment(t, {"ns_sightlines": 2})
                    store.save(aid, a, base_version=current.version - 1, author=BRAM)
                elif step == "delete":
                    store.delete(aid, BRAM)
                else:
                    store.restore(aid, ANNA)
                expected += 1
            except (VersionConflict, AssessmentInputError):
                pass
        assert store.get(aid).version == expected
        assert [h.version for h in store.history(aid)] == list(range(1, expected + 1))
        assert store.check_integrity() == []


@pytest.fixture(scope="module")
def targets_hyp(targets):
    return targets["spot"]


def test_store_lives_under_home_in_wal_mode_with_foreign_keys(_isolated_home, targets):
    with open_store() as store:
        store.create(make_assessment(targets["spot"], {"ns_sightlines": 3}), ANNA)
        assert store.path == _isolated_home / "assessments.sqlite"
        mode = store._conn.execute("PRAGMA journal_mode").fetchone()[0]
        fks = store._conn.execute("PRAGMA foreign_keys").fetchone()[0]
    assert (mode, fks) == ("wal", 1)
    conn = sqlite3.connect(_isolated_home / "assessments.sqlite")
    conn.execute("PRAGMA foreign_keys=ON")
    with pytest.raises(sqlite3.IntegrityError):  # a head without its version cannot commit
        conn.execute("INSERT INTO version_photos VALUES ('nope', 1, 0, '" + "0" * 64 + "')")
        conn.commit()
    conn.close()


# -- author ----------------------------------------------------------------------------
def test_author_is_one_named_identity(monkeypatch):
    from twin.settings import get_settings

    assert current_author("  Eva  ").name == "Eva"
    monkeypatch.setenv("SOCIALTWIN_AUTHOR", "Wijkagent Kees")
    get_settings.cache_clear()
    assert current_author().name == "Wijkagent Kees"
    for bad in ["", "   ", "x" * 81, "bad\x00name"]:
        with pytest.raises(AssessmentInputError, match="Give a name for the assessor"):
            Author(bad)


# -- photos ----------------------------------------------------------------------------
def test_photo_is_reencoded_without_exif_or_gps():
    raw = jpeg_with_gps()
    assert b"SecretCam" in raw and Image.open(io.BytesIO(raw)).getexif()
    photo = photo_from_upload(raw, "IMG_0001.jpg")
    img = Image.open(io.BytesIO(photo.data))
    assert img.format == "JPEG" and not img.getexif() and "exif" not in img.info
    assert b"SecretCam" not in photo.data and b"GPS" not in photo.data
    assert (photo.width, photo.height) == (320, 200)
    import hashlib

    assert photo.sha256 == hashlib.sha256(photo.data).hexdigest()


def test_photo_type_is_checked_by_content_not_name():
    png = io.BytesIO()
    Image.new("RGBA", (40, 30), (255, 0, 0, 128)).save(png, format="PNG")
    assert photo_from_upload(png.getvalue(), "looks-like.txt").width == 40  # PNG, whatever its name
    with pytest.raises(
        AssessmentInputError, match=r"'evil\.jpg' is not a JPEG, PNG or WebP"
    ) as info:
        photo_from_upload(b"<html><script>alert(1)</script></html>", "evil.jpg")
    assert "gecontroleerd op de inhoud" in info.value.text("nl")
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    with pytest.raises(AssessmentInputError, match="is not a JPEG, PNG or WebP"):
        photo_from_upload(gif.getvalue(), "anim.gif")


def test_huge_and_broken_photos_get_a_clear_message(monkeypatch):
    with pytest.raises(AssessmentInputError, match=r"is 16.0 MB; the maximum is 15 MB") as info:
        photo_from_upload(b"\xff\xd8" + b"\0" * (16 * 2**20), "big.jpg")
    assert "het maximum is 15 MB" in info.value.text("nl")
    raw = jpeg_with_gps()
    with pytest.raises(AssessmentInputError, match="damaged or incomplete"):
        photo_from_upload(raw[: len(raw) // 2], "cut.jpg")
    import twin.assessments.photos as photos

    monkeypatch.setattr(photos, "MAX_PHOTO_PIXELS", 10_000)
    with pytest.raises(AssessmentInputError, match=r"is 320×200 pixels"):
        photo_from_upload(raw, "bomb.jpg")


def test_photos_are_saved_with_the_assessment_in_one_transaction(store, targets):
    photo = photo_from_upload(jpeg_with_gps(), "a.jpg")
    a = make_assessment(targets["building"], {"ns_sightlines": 2}, photos=[photo.sha256])
    with pytest.raises(sqlite3.IntegrityError):  # a reference to a photo that is not stored
        store.create(a, ANNA)
    assert len(store) == 0 and store.check_integrity() == []
    v = store.create(a, ANNA, photos=[photo])
    assert store.photo(photo.sha256).data == photo.data
    store.create(a, BRAM, photos=[photo])  # the same photo is stored once
    count = store._conn.execute("SELECT count(*) FROM photos").fetchone()[0]
    assert count == 1 and v.assessment.photos == (photo.sha256,)


def test_message_catalogue_fills_in_parameters():
    assert message("not_found", "nl", id="x") == "Beoordeling 'x' bestaat niet."
    assert json.dumps(message("not_found", "en", id="x"))
