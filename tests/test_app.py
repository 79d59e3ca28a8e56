"""The app starts headless (AppTest)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "viewer" / "app.py")


def test_app_starts():
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert "Social Twin Heerlen" in at.title[0].value
