"""End to end in headless Chromium: ask the assistant, see the answer with its sources, click
"show on map" and see the map's camera fly to the area; nothing leaves the machine."""

from __future__ import annotations

import math
import time

import pytest
import shapely

from tests.browser.conftest import external_requests, save_artifact, wait_for_map

pytestmark = pytest.mark.browser

CENTRUM = "BU09173300"


def _view(page):
    return page.evaluate("() => window.__twinmap.view('home')")


def _distance_m(a: dict, lon: float, lat: float) -> float:
    dx = (a["longitude"] - lon) * 111_320 * math.cos(math.radians(lat))
    dy = (a["latitude"] - lat) * 110_540
    return math.hypot(dx, dy)


def test_ask_see_sources_and_show_on_map(app_url, page, small):
    nb = small.to_wgs84("neighbourhoods")
    target = shapely.point_on_surface(nb.loc[nb["code"] == CENTRUM].geometry.iloc[0])

    # 1. the map first, moved away from the centre by dragging
    page.goto(app_url)
    wait_for_map(page)
    canvas = page.locator(".twinmap canvas").first
    box = canvas.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 380, cy + 220, steps=10)
    page.mouse.up()
    time.sleep(1.0)
    panned = _view(page)
    assert _distance_m(panned, target.x, target.y) > 150, "the drag moved the camera away"

    # 2. the assistant: ask, see the streamed answer, its sources and the grounding line
    page.get_by_role("link", name="Assistent").click()
    page.get_by_role("heading", name="Vraag het de assistent").wait_for(timeout=60_000)
    page.get_by_text("offline uitlegger").first.wait_for(timeout=30_000)
    box_input = page.locator('[data-testid="stChatInputTextArea"]')
    box_input.fill("Hoe verhoudt Heerlen-Centrum zich tot de stad op inbraak?")
    box_input.press("Enter")
    page.get_by_text("Bronnen").first.wait_for(timeout=90_000)
    page.get_by_text("getallen in dit antwoord komen uit de opgezochte gegevens").wait_for(
        timeout=30_000
    )
    page.get_by_text("geen tokens, niets verstuurd").wait_for(timeout=30_000)  # the last line
    page.get_by_role("button", name="Heerlen-Centrum op de kaart").wait_for(timeout=30_000)
    answer = page.locator('[data-testid="stChatMessage"]').last
    text = answer.inner_text()
    assert "Heerlen-Centrum vergeleken met Heerlen" in text
    assert "CBS, Kerncijfers wijken en buurten" in text and "CC BY 4.0" in text
    assert "geen tokens, niets verstuurd" in text
    save_artifact(page, "assistant-answer-nl.png")

    # 3. "show on map": the Map page opens and its camera flies to Heerlen-Centrum
    page.get_by_role("button", name="Heerlen-Centrum op de kaart").click()
    page.get_by_role("heading", name="Kaart van Heerlen").wait_for(timeout=60_000)
    wait_for_map(page)
    deadline = time.monotonic() + 30
    view = _view(page)
    while time.monotonic() < deadline and _distance_m(view, target.x, target.y) > 30:
        time.sleep(0.5)
        view = _view(page)
    assert _distance_m(view, target.x, target.y) < 30, f"camera at {view}, not at {target}"
    assert _distance_m(panned, view["longitude"], view["latitude"]) > 150, "the camera moved"
    time.sleep(1.5)  # the flight has landed; let the picture settle
    save_artifact(page, "assistant-show-on-map.png")

    leaks = external_requests(page)
    assert not leaks, f"the page called other hosts: {leaks}"
