"""End to end in headless Chromium: on the small twin, pick a building on the 3D map, fill and
save an assessment, see its marker appear — and a note with markup shows as text everywhere."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.browser.conftest import external_requests, save_artifact, wait_for_map

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)> Donker achterpad"


def _tallest(small):
    b = small.to_wgs84("buildings")
    i = int(np.argmax(b["height"].to_numpy()))
    p = b.geometry.iloc[i].representative_point()
    return str(b["id"].iloc[i]), p.x, p.y, float(b["height"].iloc[i])


def _screen(page, canvas, lon, lat, z=0.0):
    x, y = page.evaluate(f"() => window.__twinmap.project('cpted', {lon}, {lat}, {z})")[:2]
    box = canvas.bounding_box()
    return box["x"] + x, box["y"] + y


def _markers(page) -> int:
    """How many assessment markers the map has loaded (its overlay file's count)."""
    return page.evaluate(
        """() => {
            const m = window.__twinmap.instances.get('cpted');
            const o = m && (m.data.overlays || []).find((x) => x.id === 'cpted');
            const blob = o && m.blobs[o.url];
            return blob ? blob.header.count : -1;
        }"""
    )


def test_pick_fill_save_and_see_the_marker(app_url, page, small):
    from twin.assessments import target_from_building

    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app_url)
    page.get_by_role("link", name="CPTED-schouw").click()
    page.get_by_role("heading", name="CPTED-schouw").wait_for(timeout=60_000)
    wait_for_map(page)
    assert _markers(page) == 0
    canvas = page.locator(".twinmap canvas").first

    # pick the tallest building by its roof
    bid, lon, lat, height = _tallest(small)
    x, y = _screen(page, canvas, lon, lat, height)
    page.mouse.move(x, y)
    time.sleep(0.5)
    page.mouse.click(x, y)
    try:
        page.get_by_role("heading", name=f"Gebouw {bid}").wait_for(timeout=60_000)
    except Exception:
        save_artifact(page, "cpted-pick-failed.png")
        raise
    page.get_by_role("cell", name="Heerlen-Centrum (BU09173300)").first.wait_for(timeout=30_000)
    # the click was handled before the page drew (map callback): the selection is on the map
    # in the same run, not one rerun later
    overlays = page.evaluate(
        "() => window.__twinmap.instances.get('cpted').data.overlays.map((o) => o.id)"
    )
    assert "cpted-target" in overlays, overlays

    # fill: two items, a note with markup, night; then save
    page.locator(".st-key-cpted-score-ns_sightlines").get_by_role("radio", name="2").click()
    page.get_by_text("Natuurlijk toezicht · 2,0").wait_for(timeout=30_000)
    page.locator(".st-key-cpted-score-li_even_lighting").get_by_role("radio", name="1").click()
    page.get_by_text("Verlichting · 1,0").wait_for(timeout=30_000)
    notes = page.get_by_label("Notities")
    notes.fill(XSS)
    notes.press("Tab")
    page.get_by_text("Niet-opgeslagen wijzigingen").wait_for(timeout=30_000)
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Opgeslagen: versie 1 van beoordeling").wait_for(timeout=60_000)
    assert page.get_by_label("Notities").input_value() == XSS

    # its marker appears (the overlay file holds one assessment), coloured by its score
    deadline = time.monotonic() + 60
    while _markers(page) != 1 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _markers(page) == 1
    save_artifact(page, "cpted-saved.png")
    save_artifact(page, "cpted-saved-map.png", canvas)

    # hover the marker: the tooltip shows the note as text, and no element is made of it
    target = target_from_building(small, bid)
    mx, my = _screen(page, canvas, target.lon, target.lat)
    page.mouse.move(mx + 1, my + 1)
    time.sleep(0.3)
    page.mouse.move(mx, my)
    tooltip = page.locator(".deck-tooltip")
    try:
        tooltip.filter(has_text="Donker achterpad").wait_for(timeout=30_000)
    except Exception:
        save_artifact(page, "cpted-tooltip-failed.png")
        raise
    save_artifact(page, "cpted-marker-tooltip.png")
    assert "<img src=x onerror=alert(1)>" in tooltip.inner_text()
    assert tooltip.locator("img").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert not dialogs, f"a note ran as code: {dialogs}"
    leaks = external_requests(page)
    assert not leaks, f"the page called other hosts: {leaks}"
