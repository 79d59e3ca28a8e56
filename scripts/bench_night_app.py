"""Benchmark: the night analytics in the app — the first analysis against a cached rerun, and the
bytes a rerun sends, naive and ours side by side in one run.

1. **In process** (the demo, or ``--twin``): what one rerun of the Map page's night mode (lux
   raster, streets by the CPTED indicator, hidden spots) costs the server and how much it sends.
   *Naive* is the page without caches, as a first version would be written: every rerun runs
   ``analyse_twin(use_cache=False)``, colours and encodes the raster and ships it inline as a
   ``data:`` URL with per-street colours and the markers in the JSON. *Ours*: the analysis
   cached by ``twin.fingerprint``, the PNG made once and served content-addressed, per-street
   classes and markers as files fetched once; a rerun sends paint rules and URLs. Also a weight
   change on the Night page (recomposes the indicator from the cached components).
2. **In headless Chromium** (``viewer/server.py``, the real app; skip with ``--no-browser``):
   night mode switched on (the app's first analysis, then the raster drawn), the street measure
   switched (a cached rerun), the overlay switched away and back; time and bytes read from the
   DevTools protocol (websocket payloads; HTTP as transferred).

    python scripts/bench_night_app.py [--twin DIR] [--reruns 5] [--no-browser]

The machine is shared: CPU seconds are given next to wall seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_map import CHROMIUM_ARGS, Wire, _mb, _settle, _start  # noqa: E402


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def _ours(twin, measure: str = "cpted_indicator") -> dict:
    from viewer.map import map_payload
    from viewer.night_data import night_analysis
    from viewer.night_layers import hidden_spot_markers, raster_overlay, street_measure_paint

    a = night_analysis(twin).analysis
    paint, _ = street_measure_paint(twin, a, measure)
    overlays = [raster_overlay(a, "lux")[0], hidden_spot_markers(twin, a)]
    return map_payload(twin, key="home", streets=paint, overlays=overlays, night=True)


def _naive(twin) -> dict:
    """Everything recomputed and inlined, as a page without caches would send it."""
    from layers.rasters import colors_from_values, image_from_raster
    from twin.analytics import analyse_twin
    from viewer.map import map_payload
    from viewer.night_layers import spot_points

    a = analyse_twin(twin, use_cache=False)
    img = image_from_raster(a.lux)
    payload = map_payload(twin, key="home", night=True)
    payload["overlays"] = [
        {"type": "raster", "id": "lux", "bounds": img.bounds, "image": img.data_url},
        {"type": "markers", "id": "hidden",
         "data": [{"lon": round(float(r.lon), 7), "lat": round(float(r.lat), 7),
                   "reason": reason}
                  for r, reason in zip(spot_points(a).itertuples(), a.hidden_spots["reason"],
                                       strict=True)]},
    ]  # fmt: skip
    payload["streetColours"] = colors_from_values(
        a.segments["cpted_indicator"], "cpted_indicator"
    ).tolist()
    return payload


def in_process(twin, reruns: int) -> dict:
    from twin.analytics import CptedWeights, clear_analysis_cache
    from viewer.map._payload import baked_urls
    from viewer.night_data import night_analysis

    baked_urls(twin)  # the base map's geometry is baked once per process either way
    naive, nw, nc = _timed(lambda: _naive(twin))
    clear_analysis_cache()
    first, fw, fc = _timed(lambda: _ours(twin))
    times = [_timed(lambda: _ours(twin)) for _ in range(reruns)]
    rerun = times[-1][0]
    switched = _ours(twin, "lux_mean")
    weights, ww, wc = _timed(lambda: night_analysis(twin, CptedWeights(experts=0.5, vacancy=0)))
    del weights
    size = lambda p: len(json.dumps(p, separators=(",", ":")))  # noqa: E731
    return {
        "naive_s": nw, "naive_cpu": nc, "naive_bytes": size(naive),
        "first_s": fw, "first_cpu": fc, "first_bytes": size(first),
        "rerun_s": statistics.median(t[1] for t in times),
        "rerun_cpu": statistics.median(t[2] for t in times),
        "rerun_bytes": size(rerun), "switch_bytes": size(switched),
        "weights_s": ww, "weights_cpu": wc,
        "same_raster_url": rerun["overlays"][0]["url"] == switched["overlays"][0]["url"],
    }  # fmt: skip


def _toggle(page, label: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').filter(
        has_text=label
    ).first.locator("label").click()


def _select(page, label: str, option: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
        has_text=label
    ).click()
    page.keyboard.type(option)  # the list shows a few options at a time: filter it
    page.get_by_role("option", name=option, exact=True).click()


def _layer_loaded(page, layer: str) -> None:
    page.wait_for_function(
        """(id) => { const m = window.__twinmap && window.__twinmap.instances.get('home');
            const l = m && m.deck && m.deck.layerManager &&
                m.deck.layerManager.getLayers().find((x) => x.id === id);
            return !!l && l.isLoaded; }""",
        arg=layer,
        timeout=900_000,
    )


def in_browser(twin_dir: str | None) -> dict:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-night-"))
    # the cold path: night mode's first analysis is measured, not warmed up in the background
    env = {
        **os.environ,
        "SOCIALTWIN_HOME": str(work / "home"),
        "PYTHONPATH": str(ROOT),
        "SOCIALTWIN_ANALYTICS_WARMUP": "0",
    }
    if twin_dir:
        env["SOCIALTWIN_TWIN"] = str(Path(twin_dir).resolve())
    url, proc = _start(ROOT / "viewer" / "server.py", env)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
            wire = Wire(page)
            page.goto(url)
            page.wait_for_selector('.twinmap[data-drawn="1"]', timeout=900_000)
            time.sleep(2)
            out = {}
            wire.reset()
            t0 = time.monotonic()
            _toggle(page, "Nachtmodus")
            page.get_by_text("Op de grond: Verlichtingssterkte.").first.wait_for(timeout=900_000)
            out["night_text_s"] = time.monotonic() - t0
            _layer_loaded(page, "overlay-night-lux")
            out["night_drawn_s"] = time.monotonic() - t0
            _settle(page, "Op de grond: Verlichtingssterkte.", wire)
            out["night_ws"], out["night_http"] = wire.ws, wire.http_bytes()
            out["night_png"] = wire.http_bytes("overlay.png")
            out["night_markers"] = wire.http_bytes("markers.bin")

            wire.reset()
            t1 = time.monotonic()
            _select(page, "Straten kleuren naar", "Straat-CPTED-indicator")
            page.get_by_text("Straten gekleurd naar Straat-CPTED-indicator.").first.wait_for(
                timeout=600_000
            )
            page.wait_for_function(
                "() => { const m = window.__twinmap.instances.get('home');"
                " const b = m.data.paint.streets.blob; return !!b && !!m.blobs[b]; }",
                timeout=600_000,
            )
            out["switch_s"] = time.monotonic() - t1
            _settle(page, "Straten gekleurd naar Straat-CPTED-indicator.", wire)
            out["switch_ws"], out["switch_http"] = wire.ws, wire.http_bytes()
            out["switch_png"] = wire.http_bytes("overlay.png")

            wire.reset()
            _select(page, "Rasterlaag op de grond", "Ogen op straat 's avonds")
            page.get_by_text("Op de grond: Ogen op straat 's avonds.").first.wait_for(
                timeout=600_000
            )
            _layer_loaded(page, "overlay-night-surveillance_night")
            _settle(page, "Op de grond: Ogen op straat 's avonds.", wire)
            out["other_ws"], out["other_http"] = wire.ws, wire.http_bytes()
            wire.reset()
            t2 = time.monotonic()
            _select(page, "Rasterlaag op de grond", "Verlichtingssterkte")
            page.get_by_text("Op de grond: Verlichtingssterkte.").first.wait_for(timeout=600_000)
            _layer_loaded(page, "overlay-night-lux")
            out["back_s"] = time.monotonic() - t2
            _settle(page, "Op de grond: Verlichtingssterkte.", wire)
            out["back_ws"], out["back_http"] = wire.ws, wire.http_bytes()
            out["back_png"] = wire.http_bytes("overlay.png")
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--twin", default=None, help="twin directory (default: the demo)")
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench-output" / "night_app.json"))
    args = parser.parse_args(argv)
    from twin import load_twin

    twin = load_twin(args.twin)
    load = os.getloadavg()[0]
    r = in_process(twin, args.reruns)
    from twin.analytics import analyse_twin

    a = analyse_twin(twin)
    print(f"\nNight mode on the Map page: {twin.name} ({len(twin.buildings):,} buildings, "
          f"{len(twin.streets):,} segments, {len(a.hidden_spots):,} hidden spots); "
          f"load average {load:.1f} on {os.cpu_count()} cores")  # fmt: skip
    print("\nServer, per rerun (lux raster + streets by the CPTED indicator + hidden spots)")
    rows = [
        ("time, wall s", f"{r['naive_s']:.2f}", f"{r['first_s']:.2f}", f"{r['rerun_s']:.4f}"),
        ("time, CPU s", f"{r['naive_cpu']:.2f}", f"{r['first_cpu']:.2f}", f"{r['rerun_cpu']:.4f}"),
        ("JSON sent to the browser", _mb(r["naive_bytes"]), _mb(r["first_bytes"]),
         _mb(r["rerun_bytes"])),
    ]  # fmt: skip
    print(f"{'':28}{'naive (every rerun)':>22}{'ours: first':>14}{'ours: rerun':>14}")
    for label, *cells in rows:
        print(f"{label:28}{cells[0]:>22}{cells[1]:>14}{cells[2]:>14}")
    print(f"ratio naive/ours rerun: {r['naive_cpu'] / r['rerun_cpu']:,.0f}x CPU time "
          f"({r['naive_s'] / r['rerun_s']:,.0f}x wall), "
          f"{r['naive_bytes'] / r['rerun_bytes']:,.0f}x bytes; switching the street measure: "
          f"{_mb(r['switch_bytes'])} JSON, raster URL unchanged: {r['same_raster_url']}; "
          f"a weight change on the Night page: {r['weights_s'] * 1000:.0f} ms wall, "
          f"{r['weights_cpu'] * 1000:.0f} ms CPU")  # fmt: skip
    result = {"in_process": r}
    if not args.no_browser:
        b = in_browser(args.twin)
        result["browser"] = b
        print("\nHeadless Chromium, the real app (bytes: websocket payloads + HTTP transfers)")
        rows = [
            ("night mode on (first analysis)", f"{b['night_drawn_s']:.1f} s",
             _mb(b["night_ws"]), _mb(b["night_http"]),
             f"lux PNG {_mb(b['night_png'])}, spots {_mb(b['night_markers'])}"),
            ("street measure switched", f"{b['switch_s']:.1f} s", _mb(b["switch_ws"]),
             _mb(b["switch_http"]), f"PNG re-sent: {_mb(b['switch_png'])}"),
            ("overlay to night eyes", "", _mb(b["other_ws"]), _mb(b["other_http"]), "new PNG"),
            ("overlay back to lux", f"{b['back_s']:.1f} s", _mb(b["back_ws"]),
             _mb(b["back_http"]), f"PNG re-sent: {_mb(b['back_png'])}"),
        ]  # fmt: skip
        print(f"{'':32}{'time':>8}{'websocket':>12}{'HTTP':>12}  note")
        for label, t, ws, http, note in rows:
            print(f"{label:32}{t:>8}{ws:>12}{http:>12}  {note}")
        print(
            f"(night mode on: rerun text after {b['night_text_s']:.1f} s, "
            f"raster drawn after {b['night_drawn_s']:.1f} s)"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
