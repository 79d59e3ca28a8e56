"""The app's analytics warm-up: the night analysis is computed in the background once the twin
is loaded (setting ``analytics_warmup``), so the first page that needs it finds it cached."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "viewer" / "app.py")


def _cached_for(twin) -> list:
    from twin.analytics.analysis import _FULL

    return [a for key, a in _FULL.items() if key[0] == twin.fingerprint]


def test_warmup_fills_the_analysis_cache_that_pages_read(small):
    from twin.analytics import analyse_twin, clear_analysis_cache
    from viewer.state import start_analytics_warmup

    clear_analysis_cache()
    timer = start_analytics_warmup(small, 0.0)
    assert timer.daemon and timer.name == "analytics-warmup"
    timer.join(timeout=300)
    (warm,) = _cached_for(small)
    assert analyse_twin(small) is warm  # the page's call is a cache hit, not a second analysis


def _warmups() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "analytics-warmup"]


@pytest.mark.parametrize(("on", "public", "expected"), [(True, False, 1), (False, False, 0),
                                                         (True, True, 0)])  # fmt: skip
def test_the_app_starts_the_warmup_when_the_setting_says_so(
    small_dir, monkeypatch, on, public, expected
):
    import viewer.state
    from twin.analytics import clear_analysis_cache
    from twin.settings import get_settings

    monkeypatch.setenv("SOCIALTWIN_TWIN", str(small_dir))
    monkeypatch.setenv("SOCIALTWIN_ANALYTICS_WARMUP", "1" if on else "0")
    monkeypatch.setenv("SOCIALTWIN_PUBLIC", "1" if public else "0")  # residents: no analytics
    monkeypatch.setattr(viewer.state, "WARMUP_DELAY_S", 0.0)
    get_settings.cache_clear()
    viewer.state._load.clear()
    clear_analysis_cache()
    for t in _warmups():
        t.join(timeout=300)
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    twin = viewer.state._load(get_settings().twin_path)  # the app's (cached) load
    for t in _warmups():
        t.join(timeout=300)
    assert len(_cached_for(twin)) == expected
    viewer.state._load.clear()  # later tests load their own twin
