"""Benchmark: the offline council pack vs a naive export, on the demo story, in one run.

- **ours**: ``socialtwin pack`` — one HTML file with deck.gl (from the pydeck wheel), the map
  and player modules and the baked geometry inlined; the story's 7 steps.
- **naive**: pydeck's ``Deck.to_html(offline=True)`` of the story's first view with the same
  layers (ground, streets, outlines, buildings, labels; areas when coloured), inline as pydeck
  JSON. ``offline=True`` inlines the deck.gl
  bundle but still links mapbox-gl and stylesheets from a CDN — and holds one view, not a story.

Both files are opened from disk in headless Chromium (SwiftShader: software WebGL) with every
request that is not a local file refused and counted. Reported: file size, links to other hosts,
refused requests, DOMContentLoaded, and time until the map is on screen (a screenshot of the
canvas first differs from its empty background; for ours also the moment deck.gl reports all
layers drawn, read in the page). Medians of ``--repeat`` cold page loads.

    python scripts/bench_pack.py [--repeat 3] [--out bench-output/pack]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
TIMEOUT_S = 300


def _largest(geom):
    return max(getattr(geom, "geoms", [geom]), key=lambda p: p.area)


def _ring(poly) -> list[list[float]]:
    return [[round(x, 7), round(y, 7)] for x, y in poly.exterior.coords]


def naive_html(twin, story, out: Path) -> Path:
    """pydeck's own offline export of the story's first view: the same layers, inline JSON."""
    import pydeck as pdk

    from layers import GROUND_COLOURS, STREET_STYLES, street_group
    from viewer.story_scene import scene_from_view

    view = story.steps[0].view
    scene = scene_from_view(twin, view, lang="nl", story=story)
    shown = set(view.layers)
    layers = []
    if "ground" in shown:
        g = twin.to_wgs84("ground")
        data = [
            {
                "polygon": _ring(_largest(geom)),
                "fill": list(GROUND_COLOURS.get(k, GROUND_COLOURS["built"])[0]),
            }
            for k, geom in zip(g["kind"], g.geometry, strict=True)
        ]
        layers.append(pdk.Layer("PolygonLayer", data, get_polygon="polygon", get_fill_color="fill"))
    nb = twin.to_wgs84("neighbourhoods")
    if scene.areas is not None:
        colours = dict(scene.areas.colours)
        data = [
            {"polygon": _ring(_largest(geom)), "fill": list(colours[c])}
            for c, geom in zip(nb["code"], nb.geometry, strict=True)
            if c in colours
        ]
        layers.append(
            pdk.Layer(
                "PolygonLayer",
                data,
                get_polygon="polygon",
                get_fill_color="fill",
                opacity=0.6,
                pickable=True,
            )
        )
    if "streets" in shown:
        st = twin.to_wgs84("streets")
        styles = [STREET_STYLES[street_group(str(c))] for c in st["highway"]]
        data = [
            {
                "path": [[round(x, 7), round(y, 7)] for x, y in geom.coords],
                "w": s[1],
                "colour": list(s[2]),
            }
            for geom, s in zip(st.geometry.map(_largest_line), styles, strict=True)
        ]
        layers.append(
            pdk.Layer(
                "PathLayer",
                data,
                get_path="path",
                get_width="w",
                get_color="colour",
                width_min_pixels=1,
                pickable=True,
            )
        )
    if "outlines" in shown:
        parts = nb[nb["level"] != "gemeente"]
        data = [
            {"path": _ring(_largest(geom)), "w": 12 if lv == "wijk" else 4}
            for lv, geom in zip(parts["level"], parts.geometry, strict=True)
        ]
        layers.append(
            pdk.Layer(
                "PathLayer",
                data,
                get_path="path",
                get_width="w",
                get_color=[60, 60, 80, 200],
                width_min_pixels=1,
            )
        )
    if "buildings" in shown:
        b = twin.to_wgs84("buildings")
        data = [
            {"polygon": _ring(_largest(geom)), "height": float(h)}
            for geom, h in zip(b.geometry, b["height"], strict=True)
        ]
        layers.append(
            pdk.Layer(
                "PolygonLayer",
                data,
                get_polygon="polygon",
                extruded=True,
                get_elevation="height",
                get_fill_color=[226, 224, 218, 255],
                pickable=True,
            )
        )
    if "labels" in shown:
        parts = nb[nb["level"] != "gemeente"]
        data = [
            {"p": [p.x, p.y], "t": str(n)}
            for n, p in zip(parts["name"], parts.geometry.representative_point(), strict=True)
        ]
        layers.append(
            pdk.Layer(
                "TextLayer",
                data,
                get_position="p",
                get_text="t",
                get_size=14,
                get_color=[30, 30, 40, 255],
            )
        )
    cam = view.camera
    deck = pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(
            longitude=cam.longitude,
            latitude=cam.latitude,
            zoom=cam.zoom,
            pitch=cam.pitch,
            bearing=cam.bearing,
        ),
        map_style=None,
    )
    path = out / "naive-pydeck.html"
    deck.to_html(str(path), offline=True, notebook_display=False)
    return path


def _largest_line(geom):
    return max(getattr(geom, "geoms", [geom]), key=lambda p: p.length)


def external_links(html: str) -> list[str]:
    """Script and stylesheet references to other hosts in the page's own markup."""
    outside = re.sub(r"(<script\b[^>]*>).*?</script>", r"\1</script>", html, flags=re.S)
    return re.findall(r"""(?:src|href)\s*=\s*["'](https?://[^"']+)""", outside)


def _on_screen(page) -> bool:
    from PIL import Image

    canvas = page.locator("canvas").first
    if canvas.count() == 0:
        return False
    path = Path(tempfile.gettempdir()) / "bench-pack-shot.png"
    canvas.screenshot(path=str(path), timeout=TIMEOUT_S * 1000)
    img = np.asarray(Image.open(path).convert("RGB")).astype(int)
    bg = img[2, 2]
    return float((np.abs(img - bg).max(axis=2) > 24).mean()) > 0.01


#: In-page probe: when every layer of the deck is loaded and a frame has been drawn, read one
#: pixel — readPixels waits until the GPU (here SwiftShader) has finished all queued drawing, so
#: the time it returns is when the first complete frame exists as pixels.
_RASTERIZED = """async (ours) => {
  const deck = ours ? (window.__twinmap.instances.get("pack") || {}).deck
                    : (typeof deckInstance !== "undefined" ? deckInstance : null);
  if (!deck || !deck.layerManager || !deck.device) return null;
  const layers = deck.layerManager.getLayers();
  if (!layers.length || !layers.every((l) => l.isLoaded)) return null;
  if (ours && !window.__twinmapDrawn) return null;
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const gl = deck.device.gl;
  gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
  return performance.now();
}"""


def open_offline(browser, path: Path, ours: bool) -> dict:
    from viewer.pack_report import refuse_network

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    refused = refuse_network(context)
    page = context.new_page()
    t0 = time.monotonic()
    page.goto(path.as_uri(), timeout=TIMEOUT_S * 1000)
    dcl = (
        page.evaluate(
            "() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
        )
        / 1000
    )
    raster = None
    while time.monotonic() - t0 < TIMEOUT_S and raster is None:
        raster = page.evaluate(_RASTERIZED, ours)
        if raster is None:
            time.sleep(0.1)
    raster = raster / 1000 if raster is not None else None
    screen = None
    while time.monotonic() - t0 < TIMEOUT_S:
        if _on_screen(page):
            screen = time.monotonic() - t0
            break
        time.sleep(0.3)
    in_page = None
    if ours:
        page.wait_for_selector('.twinmap[data-drawn="1"]', timeout=TIMEOUT_S * 1000)
        in_page = page.evaluate("() => window.__twinmapDrawn.t") / 1000
    context.close()
    return {
        "dcl": dcl,
        "raster": raster,
        "screen": screen,
        "in_page": in_page,
        "refused": len(refused),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench-output" / "pack"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from twin import load_twin
    from viewer.pack import pack_html
    from viewer.story import demo_story

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    twin = load_twin()
    story = demo_story("nl")
    t = time.perf_counter()
    html = pack_html(twin, story, lang="nl")
    build_ours = time.perf_counter() - t
    ours = out / "ours-pack.html"
    ours.write_text(html, encoding="utf-8")
    t = time.perf_counter()
    naive = naive_html(twin, story, out)
    build_naive = time.perf_counter() - t
    runs: dict[str, list[dict]] = {"naive": [], "ours": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        for _ in range(args.repeat):
            for name, path in (("naive", naive), ("ours", ours)):
                runs[name].append(open_offline(browser, path, name == "ours"))
        browser.close()

    def med(name: str, key: str) -> str:
        values = [r[key] for r in runs[name] if r[key] is not None]
        if not values:
            return "never" if key == "screen" else "–"
        return f"{statistics.median(values):.1f} s"

    size = {"naive": naive.stat().st_size, "ours": ours.stat().st_size}
    links = {
        "naive": external_links(naive.read_text(encoding="utf-8")),
        "ours": external_links(html),
    }
    rows = [
        ("file size", f"{size['naive'] / 1e6:.2f} MB", f"{size['ours'] / 1e6:.2f} MB"),
        ("views in the file", "1", str(len(story.steps))),
        ("links to other hosts (script/link)", str(len(links["naive"])), str(len(links["ours"]))),
        (
            "requests refused (network off)",
            str(max(r["refused"] for r in runs["naive"])),
            str(max(r["refused"] for r in runs["ours"])),
        ),
        ("build time (Python)", f"{build_naive:.1f} s", f"{build_ours:.1f} s"),
        ("DOMContentLoaded", med("naive", "dcl"), med("ours", "dcl")),
        ("first frame drawn (GPU done, in page)", med("naive", "raster"), med("ours", "raster")),
        ("  deck.gl: draw of all layers issued", "–", med("ours", "in_page")),
        ("map on a screenshot (harness)", med("naive", "screen"), med("ours", "screen")),
    ]
    print(
        f"Council pack vs pydeck to_html(offline=True): demo story, {len(twin.buildings):,} "
        f"buildings, headless Chromium (SwiftShader), network off, median of {args.repeat}"
    )
    print(f"{'':44}{'naive':>16}{'ours':>16}")
    for label, a, b in rows:
        print(f"{label:44}{a:>16}{b:>16}")
    print(f"naive links: {', '.join(sorted(set(links['naive']))) or '–'}")
    import os

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
