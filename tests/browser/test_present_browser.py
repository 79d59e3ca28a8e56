"""End to end in headless Chromium: a permalink opens the same view; a story steps with the keys;
the council pack's HTML draws the map with every request beyond local files refused; the PDF
report's pages hold the map images and the numbers."""

from __future__ import annotations

import math
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import (
    ARTIFACTS,
    external_requests,
    map_canvas_pixels,
    save_artifact,
    wait_for_map,
)
from viewer.story import Camera, SavedView, Step, Story, demo_story

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FLIGHT_TIMEOUT_MS = 120_000


def _close(view: dict, cam: Camera, tol: float = 1e-6) -> bool:
    return all(
        math.isclose(float(view[k]), float(getattr(cam, k)), abs_tol=tol)
        for k in ("longitude", "latitude", "zoom", "pitch", "bearing")
    )


def _wait_step(page, i: int) -> dict:
    page.wait_for_function(
        f"() => window.__storyPlayer.index() === {i} && window.__storyPlayer.idle()",
        timeout=FLIGHT_TIMEOUT_MS,
    )
    return page.evaluate("() => window.__storyPlayer.view()")


def _no_page_not_found(page) -> None:
    assert page.get_by_text("Page not found").count() == 0


def test_permalink_opens_the_same_view(app_url, page):
    from viewer.permalink import permalink_url

    view = SavedView(
        Camera(5.97812, 50.88691, 15.7, 55.0, 30.0), indicator="crime_burglary_per1000",
        year=2017, night=True, layers=("ground", "buildings", "streets", "outlines", "labels"),
    )  # fmt: skip
    url = f"{app_url}/{permalink_url(view).removeprefix('./')}"
    page.goto(url)
    wait_for_map(page)
    page.get_by_text("(2017)").first.wait_for(timeout=60_000)
    time.sleep(1.0)
    seen = page.evaluate("() => window.__twinmap.view('home')")
    assert _close(seen, view.camera.normalised()), seen
    # the controls show the view: the indicator, the year, night mode, lights off
    assert page.get_by_text("Woninginbraak (geregistreerd) (2017)").count() >= 1  # the legend
    shown = page.evaluate("() => { const d = window.__twinmap.instances.get('home').data;"
                          " return {layers: d.layers, night: d.night}; }")  # fmt: skip
    assert shown["night"] and not shown["layers"]["lights"] and shown["layers"]["streets"]
    shot = save_artifact(page, "present-permalink.png")
    canvas = save_artifact(page, "present-permalink-map.png", page.locator(".twinmap canvas").first)
    assert map_canvas_pixels(canvas, background=(10, 13, 20)) > 0.2, shot  # night background
    _no_page_not_found(page)
    # the map's PNG button saves the view for slides, with the legend's title drawn in
    with page.expect_download() as dl:
        page.locator(".twinmap-download").first.click()
    path = ARTIFACTS / "present-permalink-download.png"
    dl.value.save_as(path)
    with Image.open(path) as im:
        assert im.format == "PNG" and dl.value.suggested_filename.endswith(".png")
    assert map_canvas_pixels(path, background=(10, 13, 20)) > 0.2
    assert not external_requests(page)


def test_story_steps_with_the_keyboard(app_url, page):
    story = demo_story("nl")
    cams = [s.view.camera.normalised() for s in story.steps]
    page.goto(app_url)
    wait_for_map(page)
    page.get_by_role("link", name="Presentatie").click()
    page.wait_for_selector('.stp .twinmap[data-drawn="1"]', timeout=150_000)
    assert _close(_wait_step(page, 0), cams[0])
    page.locator(".stp-map").click(position={"x": 600, "y": 120})
    page.context.set_offline(True)  # the network cable is pulled: the story keeps going
    for key, expect in (("ArrowRight", 1), ("Space", 2), ("PageDown", 3), ("ArrowLeft", 2),
                        ("PageUp", 1), ("End", 6), ("Home", 0)):  # fmt: skip
        page.keyboard.press(key)
        if key == "ArrowRight":  # a flight, not a jump: the camera is moving just after the key
            assert not page.evaluate("() => window.__storyPlayer.idle()")
        seen = _wait_step(page, expect)
        assert _close(seen, cams[expect]), (key, seen, cams[expect])
        assert page.locator(".stp").get_attribute("data-step") == str(expect + 1)
    page.get_by_role("button", name="Volgende").click()
    _wait_step(page, 1)
    page.context.set_offline(False)
    assert page.locator(".stp-card h2").text_content() == story.steps[1].title
    save_artifact(page, "present-player-step2.png")

    page.keyboard.press("f")  # full screen: the player covers the app's panels
    page.wait_for_function("() => window.__storyPlayer.full()")
    save_artifact(page, "present-player-full.png")
    box = page.locator(".stp").bounding_box()
    size = page.viewport_size
    assert (box["x"], box["y"]) == (0, 0) and box["width"] >= size["width"] - 1
    assert box["height"] >= size["height"] - 1  # panels hidden: the story fills the screen
    page.keyboard.press("Escape")
    page.wait_for_function("() => !window.__storyPlayer.full()")

    page.evaluate("() => window.__storyPlayer.go(4, true)")  # vacancy in the centre
    _wait_step(page, 4)
    with page.expect_download() as dl:  # a PNG of the view, with title and legend, for slides
        page.get_by_role("button", name="Kaartbeeld opslaan als PNG (voor dia's)").click()
    path = ARTIFACTS / "present-player-download.png"
    dl.value.save_as(path)
    with Image.open(path) as png:
        assert png.format == "PNG" and png.width >= 800
        assert png.height > png.width / 2
        top = np.asarray(png.convert("RGB"))[: png.height // 12]
    assert map_canvas_pixels(path, background=(245, 245, 240)) > 0.1  # buildings, legend, title
    assert (top.max(axis=2) < 80).mean() > 0.005  # the title is written above the map
    assert not external_requests(page)


def _small_story(small) -> Story:
    from scenarios import scenario_from_toml, scenario_to_dict, template_toml

    doc = scenario_to_dict(scenario_from_toml(template_toml(small)))
    c = Camera(5.9768, 50.8875, 15.9, 50.0, 0.0)
    return Story("Raad, 12 mei", (
        Step("Onveilig gevoel", SavedView(c, indicator="perceived_unsafety_pct", year=2020,
                                          extrude=True), "Per buurt, 2020."),
        Step("Bij nacht", SavedView(Camera(5.978, 50.887, 16.0, 60.0, 40.0), night=True),
             "Het centrum met straatverlichting."),
        Step("Wat als", SavedView(Camera(5.9765, 50.8868, 15.0, 40.0, -20.0), scenario=1,
                                  outcome="burglary", horizon=3), "Het voorbeeldscenario."),
    ), scenarios={1: doc})  # fmt: skip


@pytest.fixture(scope="module")
def written_pack(small, tmp_path_factory):
    from viewer.pack_report import write_pack

    out = tmp_path_factory.mktemp("pack")
    return write_pack(small, _small_story(small), out, lang="nl", pdf=True)


def test_pack_html_draws_offline(written_pack, browser, small):
    story = _small_story(small)
    from viewer.pack_report import refuse_network

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    refused, requested = refuse_network(context), []
    pg = context.new_page()
    pg.on("request", lambda r: requested.append(r.url))
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(written_pack.html.as_uri())
    pg.wait_for_selector('.twinmap[data-drawn="1"]', timeout=150_000)
    shot = save_artifact(pg, "present-pack-offline.png")
    map_shot = save_artifact(pg, "present-pack-map.png", pg.locator(".stp-map"))
    assert map_canvas_pixels(map_shot) > 0.2, shot
    pg.keyboard.press("ArrowRight")
    seen = _wait_step(pg, 1)
    assert _close(seen, story.steps[1].view.camera.normalised()), seen
    pg.keyboard.press("ArrowRight")
    _wait_step(pg, 2)
    assert "Verandering Inbraak" in pg.locator(".stp-legends").text_content()
    save_artifact(pg, "present-pack-scenario.png")
    assert pg.evaluate("() => location.hash") == "#step=3"
    context.close()
    assert not refused, f"the pack tried to reach {refused}"
    assert {u.split(":")[0] for u in requested} <= {"file", "blob", "data"}, requested
    assert not errors, errors


def test_pack_pdf_pages_have_maps_and_numbers(written_pack, tmp_path):
    pdf = written_pack.pdf
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=120)  # fmt: skip
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 5  # cover, 3 steps (the scenario runs over), tables, sources
    ARTIFACTS.mkdir(exist_ok=True)
    ink = []
    for p in pages:
        with Image.open(p) as im:
            img = np.asarray(im.convert("RGB")).astype(int)
            im.save(ARTIFACTS / f"present-report-{p.stem}.png")
        ink.append((np.abs(img - 255).max(axis=2) > 40).mean())
        assert ink[-1] > 0.002, f"{p.name} is empty"
    assert min(ink[1:4]) > 0.05, ink  # the step pages: map image, legend, tables
    # a step page carries a map image: a large block of varied colour
    with Image.open(pages[1]) as im:
        step = np.asarray(im.convert("RGB")).astype(int)
    top = step[step.shape[0] // 10 : step.shape[0] // 2]
    assert len(np.unique(top.reshape(-1, 3) // 16, axis=0)) > 30
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout  # fmt: skip
    for needle in ("Stap 1: Onveilig gevoel", "Stap 3: Wat als", "80%-interval", "95%-interval",
                   "Kans op daling", "Bijlage: bronnen en licenties", "Graad", "<5"):  # fmt: skip
        assert needle in text, needle
    assert Path(written_pack.html).stat().st_size < 15e6


def test_receipt_from_staff_to_resident(app_url, page, small):
    """Staff record input and get a code; the resident looks it up on the public page, and picks
    their buurt on the map to see its figure next to the municipality's."""
    import re

    page.goto(app_url)
    wait_for_map(page)
    page.get_by_role("link", name="Presentatie").click()
    page.get_by_role("tab", name="Inbreng bewoners").click()
    page.get_by_label("Onderwerp (openbaar, kort)").fill("Donker pad achter de school")
    page.get_by_role("button", name="Melding vastleggen en code maken").click()
    note = page.get_by_text("Ontvangstcode:").first
    note.wait_for(timeout=60_000)
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", note.text_content()).group(0)

    page.get_by_role("link", name="Voor bewoners").click()
    page.get_by_label("Uw ontvangstcode").fill(code.lower())
    page.get_by_role("button", name="Opzoeken").click()
    page.get_by_text("Uw melding: Donker pad achter de school (Heerlen-Centrum)").wait_for(
        timeout=60_000
    )
    page.get_by_label("Uw ontvangstcode").fill("ZZZZ-ZZZZ-ZZZ")
    page.get_by_role("button", name="Opzoeken").click()
    page.get_by_text("Een ontvangstcode heeft 12 tekens").wait_for(timeout=60_000)

    wait_for_map(page, key="residents")
    nb = small.to_wgs84("neighbourhoods")
    buurt = nb[nb["level"] == "buurt"].geometry.iloc[0]
    lon, lat = buurt.representative_point().coords[0]
    canvas = page.locator(".twinmap canvas").first
    canvas.scroll_into_view_if_needed()
    time.sleep(1.0)
    x, y = page.evaluate(f"() => window.__twinmap.project('residents', {lon}, {lat}, 0)")[:2]
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.get_by_text("Heerlen-Centrum, 2020").first.wait_for(timeout=60_000)
    save_artifact(page, "present-residents.png")
    assert not external_requests(page)
