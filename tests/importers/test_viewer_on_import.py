"""An imported real-data twin (partial: no land-use layer) opens in every page of the app."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from viewer.views import PAGES

APP = str(Path(__file__).resolve().parents[2] / "viewer" / "app.py")


@pytest.mark.slow
def test_every_page_opens_on_an_imported_twin(imported_dir, imported, monkeypatch):
    from twin.settings import get_settings

    assert "ground" in imported.gaps  # the town has no land-use source: a partial twin
    monkeypatch.setenv("SOCIALTWIN_TWIN", str(imported_dir))
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    for spec in PAGES:
        at.switch_page(str(spec.path)).run()
        assert not at.exception, (spec.file, [e.value for e in at.exception])
    # the sources page states the gap
    at.switch_page(str(next(p for p in PAGES if p.url_path == "bronnen").path)).run()
    text = " ".join(str(w.value) for w in (*at.warning, *at.info, *at.markdown))
    assert "ground" in text or "grond" in text.lower()
    get_settings.cache_clear()
