"""End to end in headless Chromium on the small twin: pick a street on the Scenarios page's map,
add street lighting, see the buurt's colour change and the new lights, and check that the rerun
sends kilobytes (read from the websocket frames), never building geometry."""

from __future__ import annotations

import base64
import time

import numpy as np
import pytest
import shapely

from tests.browser.conftest import external_requests, save_artifact, wait_for_map

pytestmark = pytest.mark.browser

STREET = "Tinlaan"
#: The map's rerun message (paint rules, labels, overlay URLs) must stay below this: the small
#: twin's building geometry alone is ~5 KB gzipped, the demo's ~430 KB.
MAX_MAP_MESSAGE = 30_000


class Frames:
    """Websocket frames and HTTP responses as Chromium sees them (DevTools protocol)."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.frames: list[bytes] = []
        self.urls: list[str] = []
        self.cdp.on("Network.webSocketFrameReceived", self._frame)
        self.cdp.on("Network.responseReceived", lambda ev: self.urls.append(ev["response"]["url"]))

    def _frame(self, ev) -> None:
        r = ev["response"]
        data = r.get("payloadData", "")
        self.frames.append(base64.b64decode(data) if r.get("opcode") == 2 else data.encode())

    def reset(self) -> None:
        self.frames, self.urls = [], []


def _map(page, expr: str):
    return page.evaluate(f"() => {{ const m = window.__twinmap.instances.get('scenario'); "
                         f"return {expr}; }}")  # fmt: skip


def _street_click_point(page, small, canvas_box) -> tuple[float, float]:
    """A screen point on the street that deck.gl picks as that street (not a roof over it)."""
    streets = small.to_wgs84("streets")
    rows = np.flatnonzero((streets["name"] == STREET).to_numpy())
    rows = rows[np.argsort(-small.streets.geometry.iloc[rows].length.to_numpy())]  # RD metres
    for i in rows:
        line = streets.geometry.iloc[i]
        for frac in (0.5, 0.3, 0.7, 0.15, 0.85):
            p = shapely.line_interpolate_point(line, frac, normalized=True)
            x, y = page.evaluate(f"() => window.__twinmap.project('scenario', {p.x}, {p.y}, 0)")[:2]
            if not (10 < x < canvas_box["width"] - 10 and 10 < y < canvas_box["height"] - 10):
                continue
            hit = _map(page, f"m.deck.pickObject({{x: {x}, y: {y}, radius: 0}})?.layer?.id ?? null")
            index = _map(page, f"m.deck.pickObject({{x: {x}, y: {y}, radius: 0}})?.index ?? -1")
            if hit == "streets" and index == int(i):
                return x, y
    raise AssertionError(f"no clickable point on {STREET} in view")


def _settle(page, frames: Frames, quiet_s: float = 2.5, timeout_s: float = 120) -> None:
    """Wait until no websocket frame arrived for ``quiet_s`` seconds."""
    last, since, start = -1, time.monotonic(), time.monotonic()
    while time.monotonic() - since < quiet_s and time.monotonic() - start < timeout_s:
        if len(frames.frames) != last:
            last, since = len(frames.frames), time.monotonic()
        time.sleep(0.2)


def test_pick_a_street_add_lighting_see_the_change(app_url, page, small):
    frames = Frames(page)
    page.goto(app_url)
    page.get_by_role("heading", name="Kaart van Heerlen").wait_for(timeout=120_000)
    page.get_by_role("link", name="Scenario's").click()
    page.get_by_role("heading", name="Wat als …? Scenario's").wait_for(timeout=120_000)
    wait_for_map(page)
    time.sleep(1.5)
    assert _map(page, "m.data.areas ?? null") is None  # no scenario yet: no change colours
    canvas = page.locator(".twinmap canvas").first
    box = canvas.bounding_box()
    x, y = _street_click_point(page, small, box)
    page.mouse.move(box["x"] + x, box["y"] + y)
    time.sleep(0.4)
    page.mouse.click(box["x"] + x, box["y"] + y)
    try:
        page.get_by_text(f"{STREET} (15 straatdelen, Heerlen-Centrum)").wait_for(timeout=60_000)
    except Exception:
        save_artifact(page, "scenarios-pick-failed.png")
        raise
    save_artifact(page, "scenarios-small-picked.png")

    # add street lighting (the first measure of the catalogue) and record the rerun
    _settle(page, frames)
    frames.reset()
    page.get_by_role("button", name="Toevoegen aan scenario").click()
    page.get_by_role("heading", name="Resultaat: Nieuw scenario").wait_for(timeout=120_000)
    page.wait_for_function(
        "() => { const m = window.__twinmap.instances.get('scenario'); return m && m.data.areas"
        " && (m.data.overlays || []).some(o => o.id === 'scen-lights' && m.blobs[o.url]); }",
        timeout=120_000,
    )
    _settle(page, frames)
    time.sleep(1.0)

    # the buurt's colour changed: from "not reached" to a class of the change scale
    codes = small.neighbourhoods["code"].tolist()
    k = codes.index("BU09173300")
    colour = _map(page, f"m.data.areas.paint.lut[{k}]")
    display = _map(page, f"m.data.areas.display[{k}]")
    assert colour != [205, 205, 205, 70], colour
    assert display.startswith(("−", "+")) and display.endswith("%"), display
    # the new lights are on the map: a markers overlay with one point per new lamp
    n_new = _map(page, "(() => { const o = m.data.overlays.find(o => o.id === 'scen-lights');"
                       " const t = m.blobs[o.url].header.tooltips; "
                       "return t.filter(x => x[0].startsWith('Nieuwe')).length; })()")  # fmt: skip
    assert n_new >= 15, n_new  # at least one lamp per segment of the street
    assert page.get_by_text("nieuwe lantaarns op 15 straatdelen").first.is_visible()

    # what went over the wire: the map's message is kilobytes and carries no geometry
    map_msgs = [f for f in frames.frames if b'"streetWidths"' in f]
    assert map_msgs, "the map was not re-sent"
    biggest = max(len(f) for f in map_msgs)
    assert biggest < MAX_MAP_MESSAGE, f"map message of {biggest:,} bytes"
    geometry = ("buildings.bin", "streets.bin", "areas.bin")
    refetched = [u for u in frames.urls if u.endswith(geometry)]
    assert not refetched, f"geometry was fetched again: {refetched}"
    total = sum(len(f) for f in frames.frames)
    print(f"\nrerun after 'add': {len(frames.frames)} frames, {total:,} bytes; "
          f"map message {biggest:,} bytes; http {frames.urls}")  # fmt: skip

    map_shot = save_artifact(page, "scenarios-small-map.png", page.locator(".twinmap").first)
    save_artifact(page, "scenarios-small-lit.png")
    assert map_shot.stat().st_size > 10_000
    # further down: the lighting recomputed on the changed twin, before → after
    light = page.get_by_text("Verlichting vóór → na").first
    light.scroll_into_view_if_needed()
    time.sleep(0.5)
    save_artifact(page, "scenarios-small-lighting-change.png")
    assert light.is_visible() and page.get_by_text("Donkere straatlengte").first.is_visible()
    leaks = external_requests(page)
    assert not leaks, f"the page called other hosts: {leaks}"
