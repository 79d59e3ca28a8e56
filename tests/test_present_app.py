"""AppTest: the story editor (Presentation page) and the residents' view, in Dutch and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "viewer" / "app.py")


@pytest.fixture
def app(small_dir, monkeypatch):
    """A function that starts the app on the small twin in a language, on a page."""
    from twin.settings import get_settings

    def start(lang: str = "nl", page: str = "present.py") -> AppTest:
        monkeypatch.setenv("SOCIALTWIN_TWIN", str(small_dir))
        monkeypatch.setenv("SOCIALTWIN_LANGUAGE", lang)
        get_settings.cache_clear()
        at = AppTest.from_file(APP, default_timeout=240)
        at.run()
        at.switch_page(f"views/{page}").run()
        _ok(at)
        return at

    yield start
    get_settings.cache_clear()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _stored():
    from viewer.story_store import StoryStore

    with StoryStore() as store:
        return [store.get(i.id) for i in store.list()]


def test_story_editor_copy_edit_reorder_add(app):
    at = app("nl")
    assert at.title[0].value == "Presentatie en verhalen"
    assert at.selectbox(key="present.story").value == "demo"
    assert any("kan niet worden gewijzigd" in i.value for i in at.info)  # the demo is read only
    at.button(key="present.copy_demo").click().run()
    _ok(at)
    (saved,) = _stored()
    assert at.selectbox(key="present.story").value == str(saved.id)
    assert any("Kopie gemaakt" in s.value for s in at.success)
    n = len(saved.story.steps)

    # edit a step's title, then move it down: the edit is kept, the order changes
    sid, rev = saved.id, saved.revision
    at.text_input(key=f"present.s{sid}.r{rev}.0.title").input("Eerst: Heerlen").run()
    at.button(key="present.down.0").click().run()
    _ok(at)
    (after,) = _stored()
    assert [s.title for s in after.story.steps][:2] == [saved.story.steps[1].title,
                                                        "Eerst: Heerlen"]  # fmt: skip
    assert after.revision == rev + 1

    # add a view coloured by an indicator in a chosen year
    at.radio(key="present.add.by").set_value("indicator").run()
    at.selectbox(key="present.add.indicator").set_value("crime_burglary_per1000").run()
    at.select_slider(key="present.add.year").set_value(2017).run()
    at.toggle(key="present.add.night").set_value(True).run()
    at.text_input(key="present.add.title").input("Inbraak 2017").run()
    at.text_input(key="present.add.caption").input("Per buurt").run()
    at.button(key="present.add.go").click().run()
    _ok(at)
    (added,) = _stored()
    last = added.story.steps[-1]
    assert len(added.story.steps) == n + 1 and last.title == "Inbraak 2017"
    assert (last.view.indicator, last.view.year, last.view.night) == ("crime_burglary_per1000",
                                                                      2017, True)  # fmt: skip
    assert last.view.caption == "Per buurt"
    # every step offers a permalink to the map
    assert any("./?lon=" in m.value for m in at.markdown)


def test_new_story_needs_a_title_and_errors_in_english(app):
    at = app("en")
    assert at.title[0].value == "Presentation and stories"
    at.button(key="present.create").click().run()
    _ok(at)
    assert any("title" in e.value and "empty" in e.value for e in at.error)
    at.text_input(key="present.new_title").input("Council 12 May").run()
    at.button(key="present.create").click().run()
    _ok(at)
    assert [s.story.title for s in _stored()] == ["Council 12 May"]
    assert any(s.value == "Story created: Council 12 May" for s in at.success)
    # (after st.rerun AppTest forgets the language widget, which a browser does not; the
    # page's texts in English are checked above and in test_every_page_runs_in_every_language)
    assert at.selectbox(key="present.story").value == str(_stored()[0].id)


def test_pack_button_makes_the_html(app):
    at = app("nl")
    at.checkbox(key="present.pack.pdf").uncheck().run()
    at.button(key="present.pack.build").click().run()
    _ok(at)
    assert any(s.value.startswith("Klaar:") and "MB HTML" in s.value for s in at.success)


@pytest.mark.parametrize(
    ("lang", "found", "unknown", "malformed"),
    [
        ("nl", "Uw melding: Donker pad", "We kennen deze code niet", "heeft 12 tekens"),
        ("en", "Your report: Donker pad", "We do not know this code", "has 12 characters"),
    ],
)
def test_residents_receipt_lookup(app, lang, found, unknown, malformed):
    from viewer.receipts import ReceiptStore, new_code

    with ReceiptStore() as store:
        code, r = store.create("BU09173300", "Donker pad", on="2024-03-01")
        store.advance(r.id, "assessed", note="Schouw gedaan", on="2024-03-10")
    at = app(lang, "residents.py")
    assert at.title[0].value in ("Uw buurt en uw melding", "Your neighbourhood and your report")
    for typed, expect, where in ((code, found, "success"), (new_code(), unknown, "error"),
                                 ("12-34", malformed, "error")):  # fmt: skip
        at.text_input(key="residents.code").input(typed)  # inside a form: sent on submit
        at.button[0].click().run()  # the form's submit button
        _ok(at)
        texts = [x.value for x in getattr(at, where)]
        assert any(expect in x for x in texts), texts
    # nothing about the resident is shown or asked: only the topic, place and stages


def test_residents_neighbourhood_in_plain_language(app):
    at = app("nl", "residents.py")
    assert at.radio(key="residents.topic").value == "perceived_unsafety_pct"
    at.selectbox(key="residents.buurt").set_value("BU09173300").run()
    _ok(at)
    labels = [m.label for m in at.metric]
    assert any("Heerlen-Centrum" in lb for lb in labels) and any("Heerlen," in lb for lb in labels)
    assert any("Van elke 100 inwoners" in m.value for m in at.markdown)
    at.radio(key="residents.topic").set_value("crime_burglary_per1000").run()
    _ok(at)
    assert any("per 1000" in m.value for m in at.metric)


def test_public_mode_serves_only_the_residents_view(small_dir, monkeypatch):
    from twin.settings import get_settings
    from viewer.views import PAGES, pages_for

    shown = pages_for(True)
    assert [p.file for p in shown] == ["residents.py"] and shown[0].default
    assert pages_for(False) == PAGES
    monkeypatch.setenv("SOCIALTWIN_TWIN", str(small_dir))
    monkeypatch.setenv("SOCIALTWIN_PUBLIC", "1")
    get_settings.cache_clear()
    try:
        at = AppTest.from_file(APP, default_timeout=240).run()
        _ok(at)
        assert at.title[0].value == "Uw buurt en uw melding"
    finally:
        get_settings.cache_clear()
