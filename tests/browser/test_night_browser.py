"""End to end in headless Chromium on the small twin: the map's night mode lays the lux raster
where the light is (bright under lamps, dark where the analysis says it is dark), switching the
street measure re-sends kilobytes and never the raster, and the Night page works."""

from __future__ import annotations

import time

import numpy as np
import pytest
import shapely

from tests.browser.conftest import external_requests, save_artifact, wait_for_map

pytestmark = pytest.mark.browser

#: The map's background colour at night (``clearColor`` in twinmap.js).
NIGHT_BACKGROUND = (10, 13, 20)


def _sidebar_toggle(page, label: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').filter(
        has_text=label
    ).first.locator("label").click()


def _select(page, label: str, option: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
        has_text=label
    ).click()
    page.get_by_role("option", name=option, exact=True).click()


def _wait_layer(page, layer_id: str, timeout_s: float = 120) -> None:
    page.wait_for_function(
        """(id) => {
            const m = window.__twinmap && window.__twinmap.instances.get('home');
            if (!m || !m.deck || !m.deck.layerManager) return false;
            const l = m.deck.layerManager.getLayers().find((x) => x.id === id);
            return !!l && l.isLoaded;
        }""",
        arg=layer_id,
        timeout=timeout_s * 1000,
    )


def _probe_points(small, view_bounds):
    """RD cell centres on screen in open public space (away from streets, buildings and the
    twin's edge): the brightest and a dark one, by the analysis the app shows."""
    from twin import to_rd
    from twin.analytics import analyse_twin

    lux = analyse_twin(small).lux
    xx, yy = np.meshgrid(lux["x"].to_numpy(), lux["y"].to_numpy())
    v = lux.to_numpy()
    pts = shapely.points(xx.ravel(), yy.ravel())
    streets = shapely.union_all(small.streets.geometry.to_numpy())
    buildings = shapely.union_all(small.buildings.geometry.to_numpy())
    edge = shapely.union_all(small.buurten.geometry.to_numpy()).boundary
    ok = np.isfinite(v.ravel())
    ok &= shapely.distance(pts, streets) > 8
    ok &= shapely.distance(pts, buildings) > 6
    ok &= shapely.distance(pts, edge) > 40
    w, s, e, n = view_bounds  # lon/lat of what the camera shows, 15 % margin
    x0, y0 = to_rd(w + 0.15 * (e - w), s + 0.15 * (n - s))
    x1, y1 = to_rd(e - 0.15 * (e - w), n - 0.15 * (n - s))
    ok &= (xx.ravel() > x0) & (xx.ravel() < x1) & (yy.ravel() > y0) & (yy.ravel() < y1)
    idx = np.flatnonzero(ok)
    bright = idx[np.argmax(v.ravel()[idx])]
    dark = idx[np.argmin(v.ravel()[idx])]
    assert v.ravel()[bright] > 5 and v.ravel()[dark] < 0.3
    return [(float(xx.ravel()[i]), float(yy.ravel()[i])) for i in (bright, dark)]


def _luma(img: np.ndarray, x: float, y: float) -> float:
    patch = img[int(y) - 2 : int(y) + 3, int(x) - 2 : int(x) + 3, :3].astype(float)
    return float((patch @ np.array([0.299, 0.587, 0.114])).mean())


def test_night_mode_raster_streets_and_page(app_url, page, small):
    from PIL import Image

    from twin import to_wgs84

    frames: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: frames.append(len(p))))
    page.goto(app_url)
    wait_for_map(page)

    # top-down (nothing hides the ground), night mode; lamps and spot markers off, so that any
    # light seen on the ground is the raster's
    _sidebar_toggle(page, "Van bovenaf (2D)")
    _sidebar_toggle(page, "Nachtmodus")
    page.get_by_text("Nachtanalyse", exact=True).wait_for(timeout=60_000)
    page.locator('[data-testid="stSidebar"] [data-testid="stExpander"]').filter(
        has_text="Lagen"
    ).locator("summary").click()
    _sidebar_toggle(page, "Lantaarnpalen")
    _sidebar_toggle(page, "Verborgen plekken tonen")
    page.get_by_text("Op de grond: Verlichtingssterkte.").first.wait_for(timeout=120_000)
    _wait_layer(page, "overlay-night-lux")
    page.wait_for_function(
        "() => !window.__twinmap.instances.get('home').deck.layerManager.getLayers()"
        ".some((l) => l.id === 'lights' || l.id === 'overlay-hidden')",
        timeout=60_000,
    )
    time.sleep(2.0)
    canvas = page.locator(".twinmap canvas").first
    shot = save_artifact(page, "night-lux-topdown-canvas.png", canvas)
    save_artifact(page, "night-lux-topdown.png")
    img = np.asarray(Image.open(shot).convert("RGB"))
    diff = np.abs(img.astype(int) - np.asarray(NIGHT_BACKGROUND)).max(axis=2)
    assert (diff > 24).mean() > 0.3, f"the night map is mostly empty ({shot})"

    # the raster sits where the light is: bright where the analysis is bright, dark where dark
    bounds = page.evaluate(
        "() => window.__twinmap.instances.get('home').deck.getViewports()[0].getBounds()"
    )
    (bx, by), (dx, dy) = _probe_points(small, bounds)
    lon, lat = to_wgs84(np.array([bx, dx]), np.array([by, dy]))
    scale = img.shape[1] / canvas.bounding_box()["width"]
    screen = [page.evaluate(f"() => window.__twinmap.project('home', {lo}, {la}, 0)")
              for lo, la in zip(lon, lat, strict=True)]  # fmt: skip
    bright = _luma(img, screen[0][0] * scale, screen[0][1] * scale)
    dark = _luma(img, screen[1][0] * scale, screen[1][1] * scale)
    assert bright > dark + 60, f"lux raster misplaced: bright {bright:.0f}, dark {dark:.0f}"

    # switching the street measure: kilobytes over the websocket, and the raster is not re-sent
    png_requests = [u for u in page.requested_urls if u.endswith("/overlay.png")]
    assert len(png_requests) == 1, png_requests
    frames.clear()
    requests_before = len(page.requested_urls)
    _select(page, "Straten kleuren naar", "Gemiddelde verlichting")
    page.get_by_text("Straten gekleurd naar Gemiddelde verlichting.").first.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => window.__twinmap.instances.get('home').data.paint.streets.blob !== undefined",
        timeout=60_000,
    )
    time.sleep(2.0)
    new = page.requested_urls[requests_before:]
    assert not [u for u in new if u.endswith("/overlay.png")], "the raster was sent again"
    assert [u for u in new if u.endswith("/street-classes.bin")], new
    rerun_bytes = sum(frames)
    assert 0 < rerun_bytes < 100_000, f"a rerun sent {rerun_bytes:,} bytes"
    print(f"\nstreet-measure rerun: {rerun_bytes:,} websocket bytes, {len(new)} HTTP requests")
    save_artifact(page, "night-streets-lux-mean.png")

    # the Night page: the indicator, the weights, the hidden spots; "show on the map" flies back
    page.get_by_role("link", name="Nacht en zicht").click()
    page.get_by_role("heading", name="Nacht en zicht").wait_for(timeout=120_000)
    page.get_by_text("Een indicator, geen voorspelling.").first.wait_for(timeout=60_000)
    save_artifact(page, "night-page-nl.png")
    page.get_by_role("tab", name="Verborgen plekken").click()
    page.get_by_role("button", name="Toon op de kaart").click()
    page.get_by_role("heading", name="Kaart van Heerlen").wait_for(timeout=120_000)
    page.get_by_text("Verborgen plek 1", exact=True).first.wait_for(timeout=60_000)
    wait_for_map(page)
    from twin.analytics import analyse_twin
    from viewer.night_layers import spot_points

    spot = spot_points(analyse_twin(small)).iloc[0]
    try:  # the camera flies to the spot (asked for on another page, before the map mounted)
        page.wait_for_function(
            """([lon, lat]) => { const v = window.__twinmap.view('home');
                return v && v.zoom > 17.5 && Math.abs(v.longitude - lon) < 2e-4
                    && Math.abs(v.latitude - lat) < 2e-4; }""",
            arg=[float(spot["lon"]), float(spot["lat"])],
            timeout=60_000,
        )
    finally:
        time.sleep(2.0)
        save_artifact(page, "night-spot-1.png")

    leaks = external_requests(page)
    assert not leaks, f"the page called other hosts: {leaks}"
