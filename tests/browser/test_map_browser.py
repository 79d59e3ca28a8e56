"""End to end in headless Chromium: the map draws, a click opens a building's panel, the camera
survives a rerun, English works, and nothing is fetched from another host."""

from __future__ import annotations

import base64
import json
import math
import time

import numpy as np
import pytest

from tests.browser.conftest import (
    external_requests,
    map_canvas_pixels,
    save_artifact,
    wait_for_map,
)

pytestmark = pytest.mark.browser


def _target_building(small):
    """The tallest building of the small twin: its id, roof centre (lon, lat) and height."""
    b = small.to_wgs84("buildings")
    i = int(np.argmax(b["height"].to_numpy()))
    p = b.geometry.iloc[i].representative_point()
    return str(b["id"].iloc[i]), p.x, p.y, float(b["height"].iloc[i])


def _view(page):
    return page.evaluate("() => window.__twinmap.view('home')")


def _same_view(a, b, tol=1e-6):
    return all(math.isclose(a[k], b[k], abs_tol=tol) for k in ("longitude", "latitude", "zoom"))


def test_map_end_to_end(app_url, page, small):
    page.goto(app_url)
    wait_for_map(page)
    canvas = page.locator(".twinmap canvas").first
    shot = save_artifact(page, "map-small-nl.png")
    map_shot = save_artifact(page, "map-small-canvas.png", canvas)
    share = map_canvas_pixels(map_shot)
    assert share > 0.2, f"only {share:.1%} of the map differs from the background ({shot})"

    # the screen-reader description names the view
    desc = page.locator(".twinmap-description").first.text_content()
    assert "zoomniveau" in desc and "Heerlen-Centrum" in desc, desc

    # click the tallest building's roof → its panel opens with its id
    bid, lon, lat, height = _target_building(small)
    x, y = page.evaluate(f"() => window.__twinmap.project('home', {lon}, {lat}, {height})")[:2]
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    time.sleep(0.5)
    page.mouse.click(box["x"] + x, box["y"] + y)
    try:
        page.get_by_role("cell", name=bid).wait_for(timeout=60_000)
    except Exception:
        save_artifact(page, "map-small-click-failed.png")
        raise
    page.get_by_role("heading", name="Gebouw").first.wait_for(timeout=30_000)
    save_artifact(page, "map-small-building-panel.png")

    # pan the camera, then change the year: the camera stays where the user put it
    start = _view(page)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 160, box["y"] + box["height"] / 2 + 90,
                    steps=8)  # fmt: skip
    page.mouse.up()
    time.sleep(1.0)
    panned = _view(page)
    assert not _same_view(start, panned), "dragging did not move the camera"
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Jaar").get_by_role("slider")
    slider.focus()
    page.keyboard.press("ArrowLeft")
    page.get_by_text("(2019)").first.wait_for(timeout=60_000)
    time.sleep(1.5)
    after = _view(page)
    assert _same_view(panned, after), f"the camera jumped on rerun: {panned} → {after}"
    save_artifact(page, "map-small-year-2019.png")

    # switch to English
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
        has_text="Taal"
    ).click()
    page.get_by_role("option", name="English").click()
    page.get_by_role("heading", name="Map of Heerlen").wait_for(timeout=60_000)
    page.get_by_text("Colour neighbourhoods by").first.wait_for(timeout=30_000)
    save_artifact(page, "map-small-en.png")

    # the other pages draw without calling out either (charts are bundled with Streamlit)
    page.get_by_role("link", name="Neighbourhood dashboard").click()
    page.get_by_role("heading", name="Neighbourhood dashboard").wait_for(timeout=60_000)
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=60_000)
    save_artifact(page, "dashboard-small-en.png")
    page.get_by_role("link", name="Data and sources").click()
    page.get_by_role("heading", name="Data and sources").wait_for(timeout=60_000)
    save_artifact(page, "sources-small-en.png")

    leaks = external_requests(page)
    assert not leaks, f"the page called other hosts: {leaks}"


def test_map_js_matches_python(browser, small):
    """twinmap.js decodes baked files and classifies values exactly as the Python side does."""
    from layers import bake_points, class_index, classify_values, read_baked
    from viewer.assets import map_js_path

    pg = browser.new_page()
    js = map_js_path().read_text(encoding="utf-8")
    pg.route("http://twin.test/twinmap.js", lambda r: r.fulfill(body=js,
             content_type="text/javascript"))  # fmt: skip
    pg.route(
        "http://twin.test/", lambda r: r.fulfill(body="<html></html>", content_type="text/html")
    )
    pg.goto("http://twin.test/")
    rng = np.random.default_rng(3)
    lon = 5.9 + rng.random(50) * 0.1
    lat = 50.85 + rng.random(50) * 0.1
    blob = bake_points(lon, lat, (5.9, 50.85), arrays={"v": np.arange(50, dtype=np.uint16)})
    values = np.concatenate([rng.normal(10, 3, 200), [np.nan]])
    classified = classify_values(values, k=5, method="natural_breaks")
    result = pg.evaluate(
        """async ([b64, edges, values, nasty]) => {
            const m = await import('/twinmap.js');
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const f = m.decodeBaked(bytes.buffer);
            const classes = values.map(v => m.classOf(v === null ? NaN : v, edges));
            const cols = m.paintColours({attr: 'x', lut: [[1, 2, 3, 4], [5, 6, 7, 8]]}, 3,
                                        {x: [1, 0, 1]}, null);
            return {positions: Array.from(f.positions), v: Array.from(f.arrays.v),
                    classes, cols: Array.from(cols), escaped: m.esc(nasty)};
        }""",
        [base64.b64encode(blob).decode(), classified.edges.tolist(),
         [None if not np.isfinite(v) else float(v) for v in values],
         '<img src=x onerror="alert(1)">&'],
    )  # fmt: skip
    # an empty layer (a gap of a real import) decodes to no features, without an error
    from layers import bake_twin
    from twin.store import empty_layer

    empty = bake_twin(small.replace_layers(ground=empty_layer("ground"))).files["ground"]
    decoded = pg.evaluate(
        """async (b64) => {
            const m = await import('/twinmap.js');
            const f = m.decodeBaked(Uint8Array.from(atob(b64), c => c.charCodeAt(0)).buffer);
            return {count: f.header.count, n: f.positions.length};
        }""",
        base64.b64encode(empty).decode(),
    )
    assert decoded == {"count": 0, "n": 0}
    pg.close()
    header, arrays = read_baked(blob)
    xy = np.asarray(result["positions"]).reshape(-1, 2)
    assert np.abs(xy[:, 0] - lon).max() < 1e-7 and np.abs(xy[:, 1] - lat).max() < 1e-7
    assert result["v"] == arrays["v"].tolist() == list(range(50))
    assert result["classes"] == class_index(values, classified.edges).tolist()
    assert result["cols"] == [5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8]
    assert result["escaped"] == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;"
    json.dumps(header)  # the header is plain JSON


def test_a_deep_link_is_the_first_visit_after_a_server_start(page, small_dir, tmp_path):
    """Opening ``/bronnen`` straight after the server starts shows the sources page, not
    Streamlit's "Page not found" (what a folder named pages/ beside app.py used to cause)."""
    import subprocess

    from tests.browser.conftest import start_app

    url, proc, _ = start_app(small_dir, tmp_path)
    try:
        page.goto(f"{url}/bronnen")
        page.get_by_role("heading", name="Data en bronnen").first.wait_for(timeout=90_000)
        time.sleep(1.0)  # the dialog, if any, comes after the first script run
        shot = save_artifact(page, "deep-link-first-visit.png")
        assert page.get_by_text("Page not found").count() == 0, shot
        assert page.url.endswith("/bronnen")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
