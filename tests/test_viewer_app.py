"""Every page runs headless (AppTest), in every language, with its widgets found by key."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from viewer.views import PAGES

APP = str(Path(__file__).resolve().parents[1] / "viewer" / "app.py")
TITLES = {"nl": "Kaart van Heerlen", "en": "Map of Heerlen", "de": "Karte von Heerlen"}


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture
def small_env(small_dir, monkeypatch):
    """Run the app on the small twin (fast)."""
    from twin.settings import get_settings

    monkeypatch.setenv("SOCIALTWIN_TWIN", str(small_dir))
    get_settings.cache_clear()
    yield small_dir
    get_settings.cache_clear()


def test_page_registry_is_consistent():
    assert [p.default for p in PAGES].count(True) == 1
    for spec in PAGES:
        assert spec.path.exists(), spec
        text = spec.path.read_text(encoding="utf-8")
        assert "def render()" in text and 'if __name__ == "__main__":' in text, spec.file
        # a URL equal to the file name would collide with Streamlit's pages/ folder convention
        assert spec.url_path != spec.path.stem, spec
    # ... and a folder named pages/ beside app.py switches that convention on: the first deep
    # link after a server start then answers "Page not found" (tests/browser checks the link)
    assert not (Path(APP).parent / "pages").exists()


@pytest.mark.parametrize("spec", PAGES, ids=[p.file for p in PAGES])
@pytest.mark.parametrize("lang", ["nl", "en", "de"])
def test_every_page_runs_in_every_language(spec, lang, small_env, monkeypatch):
    from twin.settings import get_settings

    # the configured default language (AppTest calls format functions outside the script run,
    # where only the default is known)
    monkeypatch.setenv("SOCIALTWIN_LANGUAGE", lang)
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    if not spec.default:  # the default page is what the first run shows
        at.switch_page(f"views/{spec.file}").run()
    _ok(at)
    assert at.title, "every page has a title"
    assert at.sidebar.selectbox(key="lang").value == lang


def test_demo_map_page_in_dutch_by_default():
    at = _app()
    _ok(at)
    assert at.title[0].value == TITLES["nl"]
    assert any("synthetisch" in i.value for i in at.info), "the synthetic notice is shown"
    # the legend names unit, source and the synthetic badge
    legend = " ".join(m.value for m in at.markdown if "twin-legend" in m.value)
    assert "% inwoners" in legend and "Synthetic" in legend and "synthetisch" in legend
    # the screen-reader description says where the indicator is highest and lowest
    assert any("het hoogst in" in c.value for c in at.caption)


def test_language_switch_changes_every_label(small_env):
    # (switched on the sources page: AppTest keeps a selectbox's old formatted label when its
    # language changes under it, which the browser does not; the browser test switches on the map)
    at = _app()
    at.switch_page("views/sources.py").run()
    sources = {"nl": "Data en bronnen", "en": "Data and sources", "de": "Daten und Quellen"}
    for lang in ("en", "de", "nl", "en"):
        at.sidebar.selectbox(key="lang").set_value(lang).run()
        _ok(at)
        assert at.title[0].value == sources[lang]
    at.switch_page("views/map.py").run()
    _ok(at)
    assert at.title[0].value == TITLES["en"]
    assert at.selectbox(key="map.indicator").label == "Colour neighbourhoods by"


def test_map_controls(small_env):
    at = _app()
    at.selectbox(key="map.indicator").set_value("crime_burglary_per1000").run()
    _ok(at)
    assert at.select_slider(key="map.year").options == ["2016", "2017", "2018"]
    at.select_slider(key="map.year").set_value(2016).run()
    at.selectbox(key="map.buildings").set_value("year").run()
    at.selectbox(key="map.method").set_value("natural_breaks").run()
    at.slider(key="map.k").set_value(4).run()
    at.radio(key="map.level").set_value("wijk").run()
    at.toggle(key="map.extrude").set_value(True).run()
    at.toggle(key="map.night").set_value(True).run()
    at.toggle(key="map.top_down").set_value(True).run()
    at.checkbox(key="map.layer.lights").uncheck().run()
    _ok(at)
    legends = " ".join(m.value for m in at.markdown if "twin-legend" in m.value)
    assert "Bouwjaar" in legends and "2016" in legends
    assert "Natuurlijke grenzen" in legends


def test_search_flies_to_the_area(small_env):
    at = _app()
    at.selectbox(key="map.search").set_value("BU09173300").run()
    _ok(at)
    fly = at.session_state["_twinmap.home.fly"]
    assert fly["token"] == 1
    assert 5.9 < fly["view"]["longitude"] < 6.05 and 50.8 < fly["view"]["latitude"] < 50.95


def test_selection_panel_shows_building_and_indicators(small_env, small):
    from viewer.map import pick_from_event

    b = small.to_wgs84("buildings")
    p = b.geometry.iloc[3].representative_point()
    pick = pick_from_event(small, {"layer": "buildings", "index": 3, "lon": p.x, "lat": p.y})
    at = _app()
    at.session_state["_twinmap.home.selection"] = pick
    at.run()
    _ok(at)
    cells = " ".join(str(v) for tbl in at.table for v in tbl.value.to_numpy().ravel())
    assert str(b["id"].iloc[3]) in cells
    assert "CBS, Kerncijfers wijken en buurten" in cells, "indicators list their source"
    assert any(h.value == "Gebouw" for h in at.subheader)


def test_dashboard_compares_and_shows_suppressed(monkeypatch):
    at = _app()
    at.switch_page("views/dashboard.py").run()
    at.selectbox(key="dash.area").set_value("BU09171100").run()
    at.selectbox(key="dash.compare").set_value("BU09173300").run()
    _ok(at)
    tables = [d.value for d in at.dataframe]
    assert len(tables) == len(at.session_state["_dash_indicators"])
    assert all(t.shape[0] == 3 for t in tables), "the area, the municipality and the comparison"
    cells = [str(v) for t in tables for v in t.to_numpy().ravel()]
    assert "<5" in cells, "suppressed values read <5"
    assert any("CBS" in c.value for c in at.caption)


def test_sources_page_lists_manifest_and_gaps(small, tmp_path, monkeypatch):
    from twin import write_twin
    from twin.schema import LAYERS
    from twin.settings import get_settings
    from twin.store import empty_layer

    optional = next(n for n, s in LAYERS.items() if not s.required)
    gap_twin = replace(small, gaps=(optional,), **{optional: empty_layer(optional)})
    path = write_twin(gap_twin, tmp_path / "gap")
    monkeypatch.setenv("SOCIALTWIN_TWIN", str(path))
    get_settings.cache_clear()
    at = _app()
    _ok(at)  # the map copes with a missing layer
    at.switch_page("views/sources.py").run()
    _ok(at)
    assert any(optional in w.value for w in at.warning), "the gap is visible"
    layers, indicators = (d.value for d in at.dataframe)
    assert len(layers) == len(small.manifest.layers)
    assert len(indicators) == len(small.indicators.data_vars)
