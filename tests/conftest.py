"""Shared fixtures: the embedded demo, a small part of it, and an isolated home folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The app's background analytics warm-up would compete with the tests for the two cores; the
# tests of the warm-up switch it on themselves (tests/test_viewer_state.py).
os.environ["SOCIALTWIN_ANALYTICS_WARMUP"] = "0"

#: Debian's Chromium and the flags every browser test uses (no background calls out).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]

#: The small fixture area for fast and browser tests: Heerlen-Centrum (a few hundred buildings).
SMALL_BUURT = "BU09173300"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test writes user data (SQLite stores) into its own temporary folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SOCIALTWIN_HOME", str(home))
    monkeypatch.delenv("SOCIALTWIN_TWIN", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("SOCIALTWIN_EXTERNAL_AI", raising=False)
    from twin.settings import get_settings

    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def demo():
    """The embedded Heerlen demo twin (loaded once per test session)."""
    from twin import load_twin

    return load_twin()


@pytest.fixture(scope="session")
def small(demo):
    """The demo cut down to Heerlen-Centrum: fast, and clickable in software WebGL."""
    from twin import subset_twin

    return subset_twin(demo, [SMALL_BUURT])


@pytest.fixture(scope="session")
def small_dir(small, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small twin written as a twin directory."""
    from twin import write_twin

    return write_twin(small, tmp_path_factory.mktemp("twins") / "small")


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (software WebGL), one per test worker.

    One Playwright instance serves every test folder: a second ``sync_playwright()`` in the same
    process fails ("Sync API inside the asyncio loop"), so tests never start their own.
    """
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (./dev test installs it)")
    with playwright.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page (1400×950, Dutch locale) that records every request in ``requested_urls``."""
    context = browser.new_context(viewport={"width": 1400, "height": 950}, locale="nl-NL")
    pg = context.new_page()
    pg.requested_urls = []
    pg.on("request", lambda r: pg.requested_urls.append(r.url))
    yield pg
    context.close()
