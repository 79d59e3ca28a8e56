"""The CPTED studio page headless (AppTest): pick, fill, save, edit, conflicts between two
sessions, delete and undo, filters, import report, exchange, drafts that survive a reload —
in Dutch and English. Pure helpers: ``test_cpted_page_helpers.py``."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from twin.assessments import Author, make_assessment, open_store, target_from_building
from viewer.map import pick_from_event

APP = str(Path(__file__).resolve().parents[1] / "viewer" / "app.py")
NASTY = "<img src=x onerror=alert(1)> **vet** :red[rood] [link](http://x)"


@pytest.fixture
def studio_env(small_dir, monkeypatch):
    """The app on the small twin, acting as 'Anna de Vries', Dutch unless a test says else."""
    from twin.settings import get_settings

    monkeypatch.setenv("SOCIALTWIN_TWIN", str(small_dir))
    monkeypatch.setenv("SOCIALTWIN_AUTHOR", "Anna de Vries")
    monkeypatch.setenv("SOCIALTWIN_LANGUAGE", "nl")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _english(env) -> None:
    from twin.settings import get_settings

    env.setenv("SOCIALTWIN_LANGUAGE", "en")
    get_settings.cache_clear()


def _plain(text: str) -> str:
    """Markdown as a reader sees it (the page escapes every special character)."""
    return text.replace("\\", "")


class Studio:
    """One browser session on the studio page."""

    def __init__(self, small) -> None:
        self.small = small
        self.at = AppTest.from_file(APP, default_timeout=180)
        self.at.run()
        self.lang = self.at.session_state["lang"]
        self.at.switch_page("views/cpted.py")
        self.run()

    def ok(self) -> Studio:
        assert not self.at.exception, [e.value for e in self.at.exception]
        return self

    def run(self) -> Studio:
        # AppTest sends the language box's label ("English") back as its value, which Streamlit
        # does not recognise when the page reruns itself after a map click; say it explicitly
        self.at.session_state["lang"] = self.lang
        self.at.run()
        return self.ok()

    def pick(self, layer: str, index: int = -1, lon=None, lat=None, marker_id=None) -> Studio:
        """What a click on the map reports (the component's event, as the map page does)."""
        if layer == "buildings" and lon is None:
            p = self.small.to_wgs84("buildings").geometry.iloc[index].representative_point()
            lon, lat = p.x, p.y
        if layer == "streets" and lon is None:
            p = (
                self.small.to_wgs84("streets")
                .geometry.iloc[index]
                .interpolate(0.5, normalized=True)
            )
            lon, lat = p.x, p.y
        event = {
            "layer": layer if layer != "ground" else None,
            "index": index,
            "lon": lon,
            "lat": lat,
        }
        if marker_id is not None:
            from viewer.map import Markers

            markers = [Markers("cpted", [lon], [lat], [marker_id])]
            event = {"layer": "overlay-cpted", "index": 0, "lon": lon, "lat": lat}
            pick = pick_from_event(self.small, event, markers)
        else:
            pick = pick_from_event(self.small, event)
        self.at.session_state["_twinmap.cpted.selection"] = pick
        return self.run()

    def open(self, aid: str) -> Studio:
        return self.pick("marker", lon=5.98, lat=50.88, marker_id=aid)

    def score(self, item: str, value: str | None) -> Studio:
        self.at.segmented_control(key=f"cpted.score.{item}").set_value(value)
        return self.run()

    def notes(self, text: str) -> Studio:
        self.at.text_area(key="cpted.notes").set_value(text)
        return self.run()

    def click(self, key: str) -> Studio:
        self.at.button(key=key).click()
        return self.run()

    def save(self) -> Studio:
        return self.click("cpted-save")

    def texts(self, kind: str) -> list[str]:
        return [_plain(e.value) for e in getattr(self.at, kind)]

    def cells(self) -> str:
        return " ".join(
            str(v)
            for tbl in self.at.table
            for v in [*tbl.value.index, *tbl.value.to_numpy().ravel()]
        )


def _store():
    return open_store()


def _building(small, i: int = 3) -> str:
    return str(small.buildings["id"].iloc[i])


def _seed(
    small,
    *,
    author: str = "Bram Janssen",
    i: int = 3,
    scores=None,
    notes="eerste",
    day="2025-05-01",
    measures=("street_lighting",),
) -> str:
    a = make_assessment(
        target_from_building(small, _building(small, i)),
        scores or {"ns_sightlines": 2},
        notes=notes,
        observed_at=day,
        measures=measures,
    )
    with _store() as store:
        return store.create(a, Author(author)).assessment_id


# -- the page in both languages -----------------------------------------------------------------
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_page_draws_its_widgets(studio_env, small, lang):
    if lang == "en":
        _english(studio_env)
    s = Studio(small)
    titles = {"nl": "CPTED-schouw", "en": "CPTED studio"}
    assert s.at.title[0].value == titles[lang]
    for key in ("cpted.mode", "cpted.section"):
        assert s.at.segmented_control(key=key) is not None
    assert s.at.segmented_control(key="cpted.score.ns_sightlines").options == [
        "1",
        "2",
        "3",
        "4",
        "5",
        "n.v.t." if lang == "nl" else "not applicable",
    ]
    assert s.at.text_input(key="cpted.coord") and s.at.text_area(key="cpted.notes")
    assert s.at.sidebar.text_input(key="cpted.author").value == "Anna de Vries"
    assert any("Anna de Vries" in c for c in s.texts("caption")), "who you act as is shown"
    hint = {"nl": "Klik op een gebouw", "en": "Click a building"}[lang]
    assert any(hint in i for i in s.texts("info"))
    assert s.at.button(key="cpted-save").disabled, "nothing to assess yet"


# -- pick, fill, save, edit, history ------------------------------------------------------------
def test_pick_a_building_fill_and_save_then_edit(studio_env, small):
    s = Studio(small)
    bid = _building(small)
    s.pick("buildings", 3)
    assert any(bid in h.value for h in s.at.subheader)
    cells = s.cells()
    assert bid in cells and "Heerlen-Centrum (BU09173300)" in cells, "id and buurt are shown"
    use = small.buildings["use"].iloc[3]
    from viewer.i18n import t

    assert t(f"terms.use.{use}", lang="nl") in cells, "the building's use is shown"

    s.score("ns_sightlines", "2").score("li_even_lighting", "n/a").score("th_locks", "4")
    s.notes(NASTY)
    s.at.radio(key="cpted.tod").set_value("night")
    s.at.multiselect(key="cpted.measures").set_value(["street_lighting", "hedge_trimming"])
    s.run()
    assert any("Niet-opgeslagen" in c for c in s.texts("caption"))
    s.save()
    assert any("versie 1" in m and "Anna de Vries" in m for m in s.texts("success")), s.texts(
        "success"
    )
    with _store() as store:
        frame = store.frame()
        assert len(frame) == 1
        v = store.get(frame["id"].iloc[0])
    a = v.assessment
    assert a.target.kind == "building" and a.target.id == bid and a.target.buurt == "BU09173300"
    assert a.scores == {"ns_sightlines": 2, "th_locks": 4, "li_even_lighting": "n/a"}
    assert a.notes == NASTY and a.time_of_day == "night" and v.author == "Anna de Vries"
    assert a.measures == ("street_lighting", "hedge_trimming")

    # edit: a new version, the history shows who and what changed
    s.score("ns_sightlines", "4").save()
    assert any("versie 2" in m for m in s.texts("success"))
    with _store() as store:
        assert store.get(v.assessment_id).version == 2
    assert s.at.selectbox(key=f"cpted-history-{v.assessment_id}-2").value == 2
    cells = s.cells()
    assert "Zichtlijnen zijn vrij" in cells and "gewijzigd" in cells, "diff and action shown"
    assert not any("Niet-opgeslagen" in c for c in s.texts("caption"))


def test_a_street_a_spot_and_typed_coordinates(studio_env, small):
    s = Studio(small)
    s.pick("streets", 2)
    name = str(small.streets["name"].iloc[2])
    assert any(name in h.value for h in s.at.subheader), "the street's name"
    assert "Straatklasse" in s.cells() or "Wegklasse" in s.cells() or name in s.cells()
    c = small.buurten.to_crs(4326).geometry.iloc[0].representative_point()
    s.pick("ground", lon=c.x, lat=c.y)
    assert any("Plek" in h.value for h in s.at.subheader)
    assert "BU09173300" in s.cells(), "a spot says its buurt"
    s.at.text_input(key="cpted.coord").set_value(f"{c.y:.6f}, {c.x:.6f}")
    s.click("cpted-coord-go")
    assert any(f"{c.y:.5f}" in h.value for h in s.at.subheader)
    assert s.at.session_state["_twinmap.cpted.fly"]["view"]["zoom"] == 17.5


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("nl", "vijftig, zes", "is niet te lezen"),
        ("en", "vijftig, zes", "cannot be read"),
        ("nl", "12.5, 99.1", "ligt niet in Nederland"),
        ("en", "52.0, 4.3", "outside the neighbourhoods"),
    ],
)
def test_malformed_coordinates_say_why(studio_env, small, lang, text, expected):
    if lang == "en":
        _english(studio_env)
    s = Studio(small)
    s.at.text_input(key="cpted.coord").set_value(text)
    s.click("cpted-coord-go")
    assert any(expected in e for e in s.texts("error")), s.texts("error")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_validation_messages_keep_the_typing(studio_env, small, lang):
    if lang == "en":
        _english(studio_env)
    s = Studio(small)
    s.pick("buildings", 3)
    s.save()
    expect = {"nl": "Geef ten minste één score", "en": "Give at least one score"}[lang]
    assert any(expect in e for e in s.texts("error")), s.texts("error")
    s.notes("x" * 20_001).save()
    expect = {"nl": "het maximum is 20,000", "en": "the maximum is 20,000"}[lang]
    assert any(expect in e for e in s.texts("error")), s.texts("error")
    assert s.at.text_area(key="cpted.notes").value == "x" * 20_001, "nothing of the typing lost"
    s.at.sidebar.text_input(key="cpted.author").set_value("x" * 81)
    s.run()
    expect = {"nl": "Vul een naam in", "en": "Give a name for the assessor"}[lang]
    assert any(expect in e for e in s.texts("error"))
    with _store() as store:
        assert len(store) == 0, "nothing was saved"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_photos_are_checked_and_stripped(studio_env, small, lang):
    if lang == "en":
        _english(studio_env)
    s = Studio(small)
    s.pick("buildings", 3).score("ns_sightlines", "3")
    good = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (50.0, 53.0, 17.0), 3: "E", 4: (5.0, 58.0, 46.0)}
    Image.new("RGB", (64, 48), (200, 30, 30)).save(good, format="JPEG", exif=exif.tobytes())
    s.at.file_uploader(key="cpted-photos-0").set_value(
        [
            ("site.jpg", good.getvalue(), "image/jpeg"),
            ("fake.jpg", b"%PDF-1.4 no", "image/jpeg"),
            ("huge.png", b"\x89PNG" + b"0" * (15 * 2**20 + 10), "image/png"),
        ]
    )
    s.run()
    errors = " ".join(s.texts("error"))
    wrong = {"nl": "is geen JPEG-, PNG- of WebP-foto", "en": "is not a JPEG, PNG or WebP photo"}
    huge = {"nl": "het maximum is 15 MB", "en": "the maximum is 15 MB"}
    assert "fake.jpg" in errors and wrong[lang] in errors, errors
    assert "huge.png" in errors and huge[lang] in errors, errors
    assert len(s.at.image) == 1 and s.at.file_uploader(key="cpted-photos-1") is not None
    s.save()
    with _store() as store:
        v = store.get(store.frame()["id"].iloc[0])
        assert len(v.assessment.photos) == 1
        stored = Image.open(io.BytesIO(store.photo(v.assessment.photos[0]).data))
        assert not stored.getexif(), "location metadata stripped"


# -- conflicts: two sessions --------------------------------------------------------------------
def test_two_sessions_conflict_side_by_side_and_reapply(studio_env, small):
    aid = _seed(small, scores={"ns_sightlines": 2, "th_locks": 3}, notes="eerste")
    anna, bram = Studio(small), Studio(small)
    bram.at.sidebar.text_input(key="cpted.author").set_value("Bram Janssen")
    anna.open(aid)
    bram.run().open(aid)
    assert anna.at.segmented_control(key="cpted.score.ns_sightlines").value == "2"
    anna.notes("Anna: hagen te hoog").score("th_locks", "5")
    bram.score("ns_sightlines", "1").notes("Bram: donker")
    bram.save()
    assert any("versie 2" in m for m in bram.texts("success"))
    anna.save()
    warning = " ".join(anna.texts("warning"))
    assert "Bram Janssen" in warning and "versie 1" in warning and "versie 2" in warning
    cells = anna.cells()
    assert "Anna: hagen te hoog" in cells and "Bram: donker" in cells, "both versions shown"
    with _store() as store:
        assert store.get(aid).version == 2, "nothing was written by the refused save"
        assert store.get(aid).assessment.notes == "Bram: donker"
    assert anna.at.text_area(key="cpted.notes").value == "Anna: hagen te hoog", "typing kept"

    anna.click("cpted-conflict-reapply")
    assert anna.at.text_area(key="cpted.notes").value == "Anna: hagen te hoog"
    assert anna.at.segmented_control(key="cpted.score.ns_sightlines").value == "1", "theirs kept"
    assert anna.at.segmented_control(key="cpted.score.th_locks").value == "5", "mine re-applied"
    assert any("allebei" in w for w in anna.texts("warning")), "fields both changed are named"
    anna.save()
    with _store() as store:
        v = store.get(aid)
    assert v.version == 3 and v.author == "Anna de Vries"
    assert v.assessment.scores == {"ns_sightlines": 1, "th_locks": 5}
    assert v.assessment.notes == "Anna: hagen te hoog"


def test_conflict_can_take_theirs(studio_env, small):
    aid = _seed(small)
    s = Studio(small).open(aid)
    s.notes("mijn versie")
    with _store() as store:  # someone else saves in between (another process)
        v = store.get(aid)
        a = make_assessment(
            v.assessment.target,
            {"ns_sightlines": 5},
            notes="hun versie",
            observed_at=v.assessment.observed_at,
        )
        store.save(aid, a, base_version=1, author=Author("Bram Janssen"))
    s.save()
    assert s.at.button(key="cpted-conflict-theirs")
    s.click("cpted-conflict-theirs")
    assert s.at.text_area(key="cpted.notes").value == "hun versie"
    assert s.at.segmented_control(key="cpted.score.ns_sightlines").value == "5"


def test_deleted_in_between_then_reapplied_brings_it_back(studio_env, small):
    aid = _seed(small)
    s = Studio(small).open(aid)
    s.notes("mijn aanvulling")
    with _store() as store:
        store.delete(aid, Author("Bram Janssen"))
    s.save()
    assert any("Bram Janssen" in w and "verwijderd" in w for w in s.texts("warning"))
    s.click("cpted-conflict-reapply")
    assert not s.at.button(key="cpted-save").disabled
    s.save()
    with _store() as store:
        v = store.get(aid)
    assert not v.deleted and v.version == 3 and v.assessment.notes == "mijn aanvulling"


# -- delete, undo, pending picks ----------------------------------------------------------------
def test_delete_and_undo(studio_env, small):
    aid = _seed(small)
    s = Studio(small).open(aid)
    s.click("cpted-delete")
    assert any("verwijderd" in m for m in s.texts("success"))
    with _store() as store:
        assert len(store) == 0 and store.get(aid).deleted
    s.click("cpted-undo")
    with _store() as store:
        v = store.get(aid)
        assert not v.deleted and v.version == 3 and v.action == "restore"
    assert any("teruggezet" in m for m in s.texts("success"))
    assert s.at.text_area(key="cpted.notes").value == "eerste", "the assessment is open again"


def test_a_pick_never_drops_unsaved_typing(studio_env, small):
    s = Studio(small)
    s.pick("buildings", 3).notes("half getypt")
    s.pick("buildings", 5)
    assert any("niet-opgeslagen" in w for w in s.texts("warning"))
    assert s.at.text_area(key="cpted.notes").value == "half getypt"
    s.click("cpted-pending-move")
    assert any(_building(small, 5) in h.value for h in s.at.subheader)
    assert s.at.text_area(key="cpted.notes").value == "half getypt"
    s.score("ns_sightlines", "3").save()
    # saved (clean): the next pick starts a new assessment there, date and time of day kept
    s.pick("buildings", 7)
    assert any(_building(small, 7) in h.value for h in s.at.subheader)
    assert s.at.text_area(key="cpted.notes").value == ""


def test_draft_survives_a_page_switch_and_a_reload(studio_env, small):
    s = Studio(small)
    s.pick("buildings", 3).notes("niet verliezen").score("ma_repairs", "2")
    s.at.switch_page("views/map.py").run()
    s.at.switch_page("views/cpted.py").run()
    assert s.at.text_area(key="cpted.notes").value == "niet verliezen"
    assert s.at.segmented_control(key="cpted.score.ma_repairs").value == "2"
    # a reload is a new session: it is offered the draft back
    fresh = Studio(small)
    assert any("niet-opgeslagen concept" in i for i in fresh.texts("info"))
    restore = next(b for b in fresh.at.button if b.key.startswith("cpted-draft-restore-"))
    restore.click()
    fresh.run()
    assert fresh.at.text_area(key="cpted.notes").value == "niet verliezen"
    assert fresh.at.segmented_control(key="cpted.score.ma_repairs").value == "2"
    fresh.save()
    from viewer.cpted_drafts import drafts_dir

    assert not list(drafts_dir().glob("*.json")), "a saved draft is removed"


# -- drawing an area ----------------------------------------------------------------------------
def test_draw_an_area_and_the_size_limit(studio_env, small):
    s = Studio(small)
    s.at.segmented_control(key="cpted.mode").set_value("area")
    s.run()
    c = small.buurten.geometry.iloc[0].representative_point()
    from twin import to_wgs84

    for dx, dy in ((0, 0), (60, 0), (60, 50)):
        lon, lat = to_wgs84(c.x + dx, c.y + dy)
        s.pick("ground", lon=float(lon), lat=float(lat))
    assert len(s.at.session_state["cpted_vertices"]) == 3
    s.click("cpted-area-finish")
    assert any("Gebied" in h.value for h in s.at.subheader)
    assert "1.500 m²" in s.cells() or "1,500 m²" in s.cells()
    s.at.segmented_control(key="cpted.mode").set_value("area")
    s.run()
    s.at.text_area(key="cpted.area_text").set_value(
        f"{c.x} {c.y}\n{c.x + 400} {c.y}\n{c.x + 400} {c.y + 300}"
    )
    s.click("cpted-area-typed")
    assert any("het maximum is 50,000 m²" in e for e in s.texts("error")), s.texts("error")


# -- the map: markers, filters, roll-ups --------------------------------------------------------
def test_markers_filters_and_rollups(studio_env, small):
    _seed(
        small,
        author="Bram Janssen",
        i=3,
        scores={"ns_sightlines": 1, "li_even_lighting": 1},
        day="2025-03-01",
    )
    _seed(small, author="Anna de Vries", i=5, scores={"ns_sightlines": 5}, day="2025-06-01")
    _seed(small, author="Anna de Vries", i=7, scores={"ma_repairs": 4}, day="2025-07-01")
    s = Studio(small)
    from viewer.cpted_data import filtered_frame, get_store, markers_overlay

    assert len(s.at.dataframe[0].value) == 3
    s.at.sidebar.selectbox(key="cpted.f_author").set_value("Anna de Vries")
    s.run()
    assert len(s.at.dataframe[0].value) == 2
    s.at.sidebar.selectbox(key="cpted.f_principle").set_value("natural_surveillance")
    s.run()
    assert len(s.at.dataframe[0].value) == 1, "only those that scored the principle"
    s.at.sidebar.selectbox(key="cpted.f_author").set_value("")
    s.at.sidebar.slider(key="cpted.f_score").set_value((1.0, 2.0))
    s.run()
    table = s.at.dataframe[0].value
    assert table.iloc[:, 4].tolist() == ["Bram Janssen"]
    s.at.sidebar.slider(key="cpted.f_score").set_value((1.0, 5.0))
    s.at.sidebar.selectbox(key="cpted.f_principle").set_value("")
    import datetime as dt

    s.at.sidebar.date_input(key="cpted.f_since").set_value(dt.date(2025, 5, 1))
    s.run()
    assert len(s.at.dataframe[0].value) == 2

    # the markers overlay: one per assessment, coloured by score, built once per change
    filters = {"principle": "", "score": (1.0, 5.0), "author": "", "since": None, "until": None}
    m1 = markers_overlay(get_store(), small, filters, "nl")
    assert len(m1.ids) == 3 and m1 is markers_overlay(get_store(), small, filters, "nl")
    frame = filtered_frame(get_store().frame(), filters)
    rgba = np.asarray(m1.rgba)
    worst = frame["overall"].to_numpy().argmin()
    assert rgba[worst][:3].tolist() == [215, 48, 39], "a 1 is red"
    assert any(tip[0].startswith("Gebouw DEMO.pand") for tip in m1.tooltips)
    assert {r[1] for tip in m1.tooltips for r in tip[1]} >= {"1,0", "Bram Janssen"}
    _seed(small, i=9)
    assert markers_overlay(get_store(), small, filters, "nl") is not m1, "a save changes them"

    # streets painted by their roll-up
    s.at.sidebar.toggle(key="cpted.street_scores").set_value(True)
    s.run()
    from viewer.cpted_data import street_score_paint

    paint = street_score_paint(small, get_store(), "nl")
    assert (paint.classes >= 0).sum() >= 1 and (paint.classes < 0).sum() > 100

    # roll-ups of the selected building's street and buurt
    s.pick("buildings", 3)
    cells = s.cells()
    assert "Samengevat" in " ".join(m.value for m in s.at.markdown)
    assert "Aantal beoordelingen" in cells


def test_more_assessments_than_the_map_holds(studio_env, small, monkeypatch):
    import viewer.cpted_data as cd

    ids = [_seed(small, i=i, day=f"2025-05-0{i}") for i in (1, 2, 3)]
    monkeypatch.setattr(cd, "MAX_MARKERS", 2)
    s = Studio(small)
    assert any("de kaart toont de nieuwste 2" in w for w in s.texts("warning"))
    filters = {"principle": "", "score": (1.0, 5.0), "author": "", "since": None, "until": None}
    assert sorted(cd.markers_overlay(cd.get_store(), small, filters, "nl").ids) == sorted(ids[1:])


# -- exchange ---------------------------------------------------------------------------------
def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_import_reports_every_bad_row_and_imports_nothing_unless_chosen(studio_env, small, lang):
    if lang == "en":
        _english(studio_env)
    c = small.buurten.geometry.iloc[0].representative_point()
    good = {
        "target_kind": "spot",
        "x_rd": f"{c.x:.2f}",
        "y_rd": f"{c.y:.2f}",
        "observed_at": "2025-05-01",
        "time_of_day": "day",
        "notes": NASTY,
        "s_ns_sightlines": "3",
    }
    rows = [good, {**good, "s_ns_sightlines": "7"}, {**good, "time_of_day": "avond"}, good]
    s = Studio(small)
    s.at.segmented_control(key="cpted.section").set_value("exchange")
    s.run()
    s.at.file_uploader(key="cpted-import-file").set_value(("walk.csv", _csv(rows), "text/csv"))
    s.run()
    errors = " ".join(s.texts("error"))
    assert {"nl": "er is niets geïmporteerd", "en": "nothing was imported"}[lang] in errors
    cells = s.cells()
    assert {"nl": "Score '7'", "en": "Score '7'"}[lang] in cells
    assert {"nl": "Moment 'avond' is ongeldig", "en": "'avond' is not valid"}[lang] in cells
    with _store() as store:
        assert len(store) == 0, "nothing of a bad file is imported"
    s.click("cpted-import-run")
    assert any({"nl": "2 nieuw", "en": "2 new"}[lang] in m for m in s.texts("success"))
    with _store() as store:
        assert len(store) == 2
        assert {v.assessment.notes for _, v, _ in store.current_versions()} == {NASTY}


def test_an_unreadable_import_says_why(studio_env, small):
    s = Studio(small)
    s.at.segmented_control(key="cpted.section").set_value("exchange")
    s.run()
    s.at.file_uploader(key="cpted-import-file").set_value(("x.csv", b"a,b\n1,2\n", "text/csv"))
    s.run()
    assert any("mist de kolommen" in e for e in s.texts("error"))


def test_export_downloads_every_format(studio_env, small, tmp_path):
    from viewer.cpted_exchange import export_bytes, unpack_upload

    aid = _seed(small, notes=NASTY)
    s = Studio(small)
    s.at.segmented_control(key="cpted.section").set_value("exchange")
    s.run()
    assert s.at.download_button(key="cpted-export") is not None
    for fmt in ("geojson", "gpkg", "csv"):
        data, name, _ = export_bytes(fmt)
        assert name.endswith({"geojson": ".geojson", "gpkg": ".gpkg", "csv": ".csv"}[fmt])
        (tmp_path / fmt).mkdir()
        back = unpack_upload(name, data, tmp_path / fmt)
        assert back.stat().st_size > 100
    doc = json.loads(export_bytes("geojson")[0])
    assert doc["features"][0]["properties"]["id"] == aid
    assert doc["features"][0]["properties"]["notes"] == NASTY


def test_export_with_photos_is_a_zip_that_imports_back(studio_env, small, tmp_path):
    from viewer.cpted_exchange import export_bytes, unpack_upload

    s = Studio(small)
    s.pick("buildings", 3).score("ns_sightlines", "3")
    jpeg = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 90, 200)).save(jpeg, format="JPEG")
    s.at.file_uploader(key="cpted-photos-0").set_value(("a.jpg", jpeg.getvalue(), "image/jpeg"))
    s.run().save()
    data, name, mime = export_bytes("csv")
    assert name.endswith(".zip") and mime == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(n.endswith(".csv") for n in names) and any("_photos/" in n for n in names)
    path = unpack_upload(name, data, tmp_path)
    assert path.suffix == ".csv" and (tmp_path / f"{path.stem}_photos").is_dir()


def test_reports_of_a_location_and_a_buurt(studio_env, small):
    from viewer.cpted_exchange import report_bytes

    aid = _seed(small, notes=NASTY)
    s = Studio(small).open(aid)
    s.at.segmented_control(key="cpted.section").set_value("reports")
    s.run()
    assert s.at.download_button(key="cpted-report-html-location") is not None
    assert s.at.download_button(key="cpted-report-html-area") is not None
    html = report_bytes(small, [aid], area=None, lang="nl", pdf=False).decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html


# -- hand-overs: scenario seed and explain ------------------------------------------------------
def test_measures_go_to_the_scenarios_page_by_contract(studio_env, small):
    aid = _seed(small, measures=("street_lighting", "cctv"))
    s = Studio(small).open(aid)
    from viewer.views import PAGES

    scenarios_page = any(p.file == "scenarios.py" for p in PAGES)
    if scenarios_page:  # the click opens the Scenarios page, which takes the measures once
        s.click("cpted-to-scenario")
        assert not s.at.exception
        assert "scenario_seed" not in s.at.session_state
        from viewer.scenario_store_ui import DRAFT_KEY

        draft = s.at.session_state[DRAFT_KEY]
        assert [i.type for i in draft.scenario.interventions] == ["street_lighting", "cctv"]
        s = Studio(small).open(aid)  # back to the studio
    else:
        s.click("cpted-to-scenario")
        seed = s.at.session_state["scenario_seed"]
        t = target_from_building(small, _building(small))
        assert seed == {
            "from_assessment": aid,
            "measures": [
                {
                    "intervention": m,
                    "target": {"kind": "building", "id": t.id, "lon": t.lon, "lat": t.lat},
                }
                for m in ("street_lighting", "cctv")
            ],
        }
        assert any("scenariopagina" in i for i in s.texts("info"))
    s.click("cpted-explain")
    if any(p.url_path == "assistent" for p in PAGES):
        # the Assistant page took the request and answered it about this assessment
        assert not s.at.exception
        assert "explain_request" not in s.at.session_state
        assert s.at.chat_message, "the assistant page shows the answer"
    else:
        request = s.at.session_state["explain_request"]
        assert request.kind == "assessment" and request.assessment_id == aid


def test_scenario_button_waits_for_a_save(studio_env, small):
    aid = _seed(small)
    s = Studio(small).open(aid)
    assert not s.at.button(key="cpted-to-scenario").disabled
    s.notes("nog niet opgeslagen")
    assert s.at.button(key="cpted-to-scenario").disabled


@pytest.mark.slow
def test_pdf_report_prints(studio_env, small):
    from viewer.cpted_exchange import report_bytes
    from viewer.printing import chromium_path

    if chromium_path() is None:
        pytest.skip("Chromium is not installed")
    aid = _seed(small, notes=NASTY)
    pdf = report_bytes(small, [aid], area="Heerlen-Centrum (BU09173300)", lang="en", pdf=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
