"""The night analytics in the app, headless (AppTest): the map's night mode (overlay, street
measure, hidden spots, legends, side panel) and the page "Nacht en zicht" (weights that move the
indicator, hidden spots with "show on the map", feeling vs fact, downloads), in NL and EN."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "viewer" / "app.py")
NIGHT = "views/night.py"


@pytest.fixture
def small_env(small_dir, monkeypatch):
    from twin.settings import get_settings

    monkeypatch.setenv("SOCIALTWIN_TWIN", str(small_dir))
    get_settings.cache_clear()
    yield small_dir
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _language_restored(monkeypatch):
    monkeypatch.setenv("SOCIALTWIN_LANGUAGE", "nl")
    yield


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _app(page: str | None = None, lang: str = "nl") -> AppTest:
    """The app in ``lang`` as its configured default (AppTest formats select options outside
    the script run, where only the default language is known; see docs/viewer.md)."""
    import os

    from twin.settings import get_settings

    os.environ["SOCIALTWIN_LANGUAGE"] = lang  # restored by the autouse fixture below
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    if page:
        at.switch_page(page).run()
    _ok(at)
    return at


def _legends(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown if "twin-legend" in m.value)


def _metric(at: AppTest) -> float:
    return float(at.metric[0].value.replace(",", "."))


# -- the map's night mode -------------------------------------------------------------------------
def test_night_mode_controls_overlay_and_street_measure(small_env):
    at = _app()
    keys = {s.key for s in at.sidebar.selectbox}
    assert "map.night.overlay" not in keys, "the night controls appear with night mode"
    at.toggle(key="map.night").set_value(True).run()
    _ok(at)
    assert at.selectbox(key="map.night.overlay").value == "lux"
    assert at.selectbox(key="map.night.streets").value == "none"
    assert at.toggle(key="map.night.spots").value is True
    legends = _legends(at)
    assert "Verlichtingssterkte" in legends and "(lux)" in legends
    assert "Bron: eigen berekening uit lantaarnpalen" in legends and "synthetisch" in legends
    assert any("Op de grond: Verlichtingssterkte." in c.value for c in at.caption)

    at.selectbox(key="map.night.streets").set_value("cpted_indicator").run()
    at.selectbox(key="map.night.overlay").set_value("surveillance_night").run()
    _ok(at)
    legends = _legends(at)
    assert "Straat-CPTED-indicator" in legends and "geen voorspelling" in legends
    assert "Ogen op straat &#x27;s avonds" in legends or "Ogen op straat 's avonds" in legends
    assert "Verlichtingssterkte" not in legends
    assert any("Straten gekleurd naar Straat-CPTED-indicator." in c.value for c in at.caption)
    for m in ("lux_mean", "lux_min", "lux_uniformity", "dark_share", "surveillance_day"):
        at.selectbox(key="map.night.streets").set_value(m).run()
        _ok(at)
    assert "% van de lengte" not in _legends(at)
    at.selectbox(key="map.night.streets").set_value("dark_share").run()
    assert "% van de lengte" in _legends(at)


def test_side_panel_lists_spots_and_flies_there(small_env, small):
    at = _app()
    at.toggle(key="map.night").set_value(True).run()
    buttons = [b for b in at.button if str(b.key).startswith("night_btn.fly.")]
    assert [b.key for b in buttons][:3] == ["night_btn.fly.1", "night_btn.fly.2", "night_btn.fly.3"]
    assert buttons[0].label.startswith("1. ") and "m²" in buttons[0].label
    assert any("… en nog" in c.value for c in at.caption)
    at.button(key="night_btn.fly.2").click().run()
    _ok(at)
    fly = at.session_state["_twinmap.home.fly"]
    assert fly["view"]["zoom"] == 18.0 and 5.9 < fly["view"]["longitude"] < 6.05
    assert at.session_state["map.night.focus"] == 2
    assert any(m.value == "**Verborgen plek 2**" for m in at.markdown)
    assert any("Donker: gemiddeld" in m.value for m in at.markdown)


def test_a_picked_street_shows_its_night_measures(small_env, small):
    from viewer.map import pick_from_event

    s = small.to_wgs84("streets")
    p = s.geometry.iloc[4].interpolate(0.5, normalized=True)
    at = _app(lang="en")
    at.session_state["map.night"] = True
    at.session_state["_twinmap.home.selection"] = pick_from_event(
        small, {"layer": "streets", "index": 4, "lon": p.x, "lat": p.y}
    )
    at.run()
    _ok(at)
    assert any(m.value == "**This street segment at night**" for m in at.markdown)
    cells = " ".join(str(v) for tbl in at.table for v in tbl.value.to_numpy().ravel())
    assert "Mean illuminance" in cells and "Street CPTED indicator" in cells and "lux" in cells


def test_night_off_draws_nothing_extra(small_env):
    at = _app()
    at.toggle(key="map.night").set_value(True).run()
    at.selectbox(key="map.night.overlay").set_value("none").run()
    at.toggle(key="map.night.spots").set_value(False).run()
    _ok(at)
    assert "Verlichtingssterkte" not in _legends(at)
    assert not [b for b in at.button if str(b.key).startswith("night_btn.fly.")]


# -- the page "Nacht en zicht" ---------------------------------------------------------------------
def test_night_page_in_dutch_and_english(small_env):
    at = _app(NIGHT, "nl")
    assert at.title[0].value == "Nacht en zicht"
    assert any(i.value.startswith("Een indicator, geen voorspelling.") for i in at.info)
    assert [t.label for t in at.tabs] == ["Straat-CPTED-indicator", "Verborgen plekken",
                                          "Gevoel en feiten", "Downloads"]  # fmt: skip
    assert {s.key for s in at.sidebar.slider} == {
        f"night.w.{c}" for c in ("lighting_level", "lighting_continuity", "surveillance_night",
                                 "surveillance_day", "vacancy", "experts")
    }  # fmt: skip
    assert at.slider(key="night.w.surveillance_night").value == 0.25
    # the weights are documented on the page, with their share
    doc = at.table[0].value
    assert "Toezicht 's avonds" in doc.iloc[:, 0].tolist() and "25 %" in doc.iloc[:, 3].tolist()
    # small twin: one buurt, so feeling vs fact cannot be computed, and the page says why
    assert any("Niet te berekenen" in i.value for i in at.info)
    assert any("synthetisch" in c.value for c in at.caption)
    en = _app(NIGHT, "en")
    assert en.title[0].value == "Night and sight"
    assert any(i.value.startswith("An indicator, not a prediction.") for i in en.info)
    assert en.slider(key="night.w.experts").label == "Experts"
    assert en.selectbox(key="night.spot").label == "Spot"


def test_weight_sliders_change_the_indicator(small_env):
    at = _app(NIGHT)
    base = _metric(at)
    assert 0 < base < 100 and not at.metric[0].delta
    for c in ("lighting_level", "lighting_continuity", "surveillance_day", "vacancy", "experts"):
        at.slider(key=f"night.w.{c}").set_value(0.0).run()
    _ok(at)
    only_night = _metric(at)
    per_buurt, per_segment = at.dataframe[0].value, at.dataframe[1].value
    assert list(per_buurt["Buurt"]) == ["Heerlen-Centrum"] and "Segment" in per_segment
    for frame in (per_buurt, per_segment):  # the indicator is now 100 × the night score
        indicator, night = frame["Indicator (0–100)"], frame["Toezicht 's avonds"]
        ok = night.notna()
        assert ok.sum() >= 1 and (indicator[ok] - night[ok]).abs().max() <= 0.6
    assert abs(only_night - base) > 1 and "t.o.v. de standaardgewichten" in at.metric[0].delta
    at.slider(key="night.w.surveillance_night").set_value(0.0).run()
    _ok(at)
    assert any("Minstens één gewicht" in w.value for w in at.warning)
    assert _metric(at) == pytest.approx(base, abs=0.05), "all zero falls back to the defaults"
    at.button(key="night_btn.reset").click().run()
    _ok(at)
    assert at.slider(key="night.w.surveillance_night").value == 0.25 and _metric(at) == base


def test_saved_assessments_reach_the_page(small_env, small):
    from twin.assessments import Author, make_assessment, open_store, target_from_street

    at = _app(NIGHT)
    base = _metric(at)
    store = open_store()
    street = str(small.streets["id"].iloc[0])
    store.create(make_assessment(target_from_street(small, street), {"ns_sightlines": 1}),
                 Author("Anna"))  # fmt: skip
    store.close()
    at.run()
    _ok(at)
    assert any("De scores van 1 opgeslagen CPTED-schouwen" in c.value for c in at.caption)
    assert _metric(at) < base - 1, "a poor expert score lowers the indicator"


def test_show_on_the_map_opens_night_mode_at_the_spot(small_env):
    at = _app(NIGHT)
    assert at.selectbox(key="night.spot").value == 1
    at.selectbox(key="night.spot").set_value(3).run()
    at.button(key="night_btn.show_on_map").click().run()
    _ok(at)
    assert at.title[0].value == "Kaart van Heerlen"
    assert at.session_state["map.night"] is True and at.session_state["map.night.spots"] is True
    assert at.session_state["map.night.focus"] == 3
    assert at.session_state["_twinmap.home.fly"]["view"]["zoom"] == 18.0
    assert any(m.value == "**Verborgen plek 3**" for m in at.markdown)


def test_downloads_are_offered(small_env):
    at = _app(NIGHT)
    # AppTest has no download-button accessor: the buttons are unknown elements with a label
    labels = [getattr(e, "proto", None) for e in at.get("download_button")]
    assert len(labels) == 3
    assert [p.label for p in labels] == ["Rasters (GeoTIFF, zip)", "Samenvatting per buurt (CSV)",
                                         "Alles per buurt en de plekken (JSON)"]  # fmt: skip


def test_the_map_colours_streets_with_the_pages_weights(small_env, small):
    import numpy as np

    from twin.analytics import CptedWeights, analyse_twin
    from viewer.map import pick_from_event
    from viewer.night_map import session_weights

    only_night = analyse_twin(small, weights=CptedWeights(0, 0, 0.25, 0, 0, 0)).segments
    default = analyse_twin(small).segments
    diff = (only_night["cpted_indicator"] - default["cpted_indicator"]).abs().to_numpy()
    i = int(np.nanargmax(diff))  # the street where the weights make the most difference
    assert diff[i] > 5
    at = _app(NIGHT)
    for c in ("lighting_level", "lighting_continuity", "surveillance_day", "vacancy", "experts"):
        at.slider(key=f"night.w.{c}").set_value(0.0).run()
    at.switch_page("views/map.py").run()
    p = small.to_wgs84("streets").geometry.iloc[i].interpolate(0.5, normalized=True)
    at.session_state["_twinmap.home.selection"] = pick_from_event(
        small, {"layer": "streets", "index": i, "lon": p.x, "lat": p.y}
    )
    at.toggle(key="map.night").set_value(True).run()
    _ok(at)
    assert at.session_state["night.w.vacancy"] == 0.0, "the weights survive the page switch"
    rows = {r[0]: r[1] for tbl in at.table for r in tbl.value.to_numpy().tolist()}
    want = round(float(only_night["cpted_indicator"].iloc[i]))
    assert rows["Straat-CPTED-indicator"] == f"{want} 0–100"
    # outside a script run there is no session: the defaults
    assert session_weights() == CptedWeights()
