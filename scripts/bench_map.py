"""Benchmark: the naive inline ``st.pydeck_chart`` map vs ours, on the same buildings, one run.

Starts two small Streamlit apps on free ports — the naive path (every building inline in the
pydeck JSON, coloured by its neighbourhood's indicator) and ours (``viewer.map.twin_map``: baked
geometry fetched once, a colour table per rerun) — opens each in headless Chromium with a cold
cache and reads, via the DevTools protocol, every websocket frame and HTTP transfer:

- geometry bytes per building on the wire (first load);
- time from page open until the buildings are on screen (a screenshot differs from the empty
  map), and for ours also deck.gl's own "all layers drawn" moment;
- bytes of a rerun after changing the year, and after changing the indicator;
- bytes of a reload with a warm browser cache.

    python scripts/bench_map.py [--twin DIR] [--out bench-output/map.json]

Software WebGL (SwiftShader) makes absolute times slow and noisy; compare the ratios.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic"]  # fmt: skip
INDICATORS = ("perceived_unsafety_pct", "liveability_score")

_COMMON = """
import streamlit as st
from twin import load_twin, get_settings

st.set_page_config(layout="wide")

@st.cache_resource
def twin():
    return load_twin(get_settings().twin_path or None)

TW = twin()
years = [2018, 2019, 2020]
year = st.radio("year", years, index=2, horizontal=True, key="year")
indicator = st.radio("indicator", {indicators!r}, horizontal=True, key="indicator")
"""
# Both apps end with this marker: it arrives after the map's message, so a rerun is complete
# when it shows.
_DONE = """
st.caption(f"done {{indicator}} {{year}}")
"""

NAIVE_APP = (
    _COMMON
    + """
import numpy as np
import pydeck as pdk
from viewer.map._payload import initial_view

@st.cache_data
def shapes():
    b = TW.to_wgs84("buildings")
    return [np.round(np.asarray(g.exterior.coords), 7).tolist() for g in b.geometry], b

polys, b = shapes()
values = TW.public.values[indicator].sel(year=year).to_series()
lo, hi = float(values.min()), float(values.max())
rel = ((values - lo) / ((hi - lo) or 1)).reindex(b["buurt"]).fillna(0).to_numpy()
records = [
    {{"polygon": p, "height": float(h), "fill": [int(255 * r), 80, int(255 * (1 - r))]}}
    for p, h, r in zip(polys, b["height"], rel)
]
layer = pdk.Layer("PolygonLayer", records, get_polygon="polygon", extruded=True,
                  get_elevation="height", get_fill_color="fill", pickable=True)
deck = pdk.Deck(layers=[layer], initial_view_state=pdk.ViewState(**initial_view(TW)),
                map_provider=None, map_style=None)
st.pydeck_chart(deck, height=640, on_select="rerun", key="naive")
"""
    + _DONE
)

OURS_APP = (
    _COMMON
    + """
from viewer.colouring import area_colouring, building_colouring
from viewer.map import twin_map

paint, legend, _ = area_colouring(TW, indicator, year)
rule, _ = building_colouring(TW, "indicator", area_paint=paint, area_legend=legend)
twin_map(TW, key="home", layers=["buildings"], buildings=rule, height=640)
"""
    + _DONE
)

SERVER = """
import streamlit as st
from viewer.assets import asset_routes
app = st.App({app!r}, routes=asset_routes())
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(script: Path, env: dict) -> tuple[str, subprocess.Popen]:
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return url, proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"{script.name} did not start")


class Wire:
    """Counts websocket payload bytes and HTTP transfer bytes through the DevTools protocol."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.urls: dict[str, str] = {}
        self.reset()
        self.cdp.on("Network.requestWillBeSent", self._request)
        self.cdp.on("Network.webSocketFrameReceived", self._frame)
        self.cdp.on("Network.loadingFinished", self._finished)

    def reset(self) -> None:
        self.ws = 0
        self.http: dict[str, int] = {}

    def _request(self, ev) -> None:
        self.urls[ev["requestId"]] = ev["request"]["url"]

    def _frame(self, ev) -> None:
        r = ev["response"]
        data = r.get("payloadData", "")
        self.ws += len(base64.b64decode(data)) if r.get("opcode") == 2 else len(data.encode())

    def _finished(self, ev) -> None:
        url = self.urls.get(ev["requestId"], "?")
        self.http[url] = self.http.get(url, 0) + int(ev.get("encodedDataLength", 0))

    def http_bytes(self, needle: str = "") -> int:
        return sum(v for k, v in self.http.items() if needle in k)


def _shot_differs(page) -> bool:
    import numpy as np
    from PIL import Image

    canvas = page.locator("canvas").first
    if canvas.count() == 0:
        return False
    path = Path(tempfile.gettempdir()) / "bench-map-shot.png"
    canvas.screenshot(path=str(path), timeout=600_000)
    img = np.asarray(Image.open(path).convert("RGB")).astype(int)
    bg = img[2, 2]
    return float((np.abs(img - bg).max(axis=2) > 24).mean()) > 0.01


def _wait_drawn(page, t0: float, timeout: float = 600) -> float:
    while time.monotonic() - t0 < timeout:
        if _shot_differs(page):
            return time.monotonic() - t0
        time.sleep(0.3)
    raise TimeoutError("the buildings were not drawn")


def _settle(page, text: str, wire: Wire, quiet_s: float = 3.0) -> None:
    """Wait for the rerun's marker text, then until no bytes arrive for ``quiet_s`` seconds."""
    page.get_by_text(text).first.wait_for(timeout=600_000)
    last, since = -1, time.monotonic()
    while time.monotonic() - since < quiet_s:
        now = wire.ws + wire.http_bytes()
        if now != last:
            last, since = now, time.monotonic()
        time.sleep(0.25)


def measure(browser, url: str, ours: bool) -> dict:
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    wire = Wire(page)
    t0 = time.monotonic()
    page.goto(url)
    drawn_s = _wait_drawn(page, t0)
    deck_drawn = None
    if ours:
        page.wait_for_selector('.twinmap[data-drawn="1"]', timeout=600_000)
        deck_drawn = page.evaluate("() => window.__twinmapDrawn.t") / 1000
    _settle(page, f"done {INDICATORS[0]} 2020", wire)
    first = {
        "ws": wire.ws,
        "http": wire.http_bytes(),
        "buildings_file": wire.http_bytes("buildings.bin"),
        "deck_js": wire.http_bytes("deck.js") + wire.http_bytes("twinmap.js"),
    }
    wire.reset()
    page.get_by_text("2019", exact=True).first.click()
    _settle(page, f"done {INDICATORS[0]} 2019", wire)
    rerun_year = wire.ws + wire.http_bytes()
    wire.reset()
    page.get_by_text(INDICATORS[1], exact=True).first.click()
    _settle(page, f"done {INDICATORS[1]} 2019", wire)
    rerun_indicator = wire.ws + wire.http_bytes()
    wire.reset()
    t1 = time.monotonic()
    page.reload()
    reload_s = _wait_drawn(page, t1)
    _settle(page, f"done {INDICATORS[0]} 2020", wire)  # a new session: defaults again
    reload_bytes = wire.ws + wire.http_bytes()
    context.close()
    return {"first": first, "drawn_s": drawn_s, "deck_drawn_s": deck_drawn,
            "rerun_year": rerun_year, "rerun_indicator": rerun_indicator,
            "reload_bytes": reload_bytes, "reload_s": reload_s}  # fmt: skip


def _mb(n: float) -> str:
    return f"{n / 1e6:,.2f} MB" if n >= 1e5 else f"{n / 1e3:,.1f} kB"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--twin", default=None, help="twin directory (default: the demo)")
    parser.add_argument("--out", default=str(ROOT / "bench-output" / "map.json"))
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from twin import load_twin

    n = len(load_twin(args.twin).buildings)
    work = Path(tempfile.mkdtemp(prefix="bench-map-"))
    (work / "naive_app.py").write_text(textwrap.dedent(NAIVE_APP.format(indicators=INDICATORS)))
    (work / "ours_app.py").write_text(textwrap.dedent(OURS_APP.format(indicators=INDICATORS)))
    (work / "ours_server.py").write_text(SERVER.format(app=str(work / "ours_app.py")))
    # no background analytics competing with the measured map load
    env = {
        **os.environ,
        "SOCIALTWIN_HOME": str(work / "home"),
        "PYTHONPATH": str(ROOT),
        "SOCIALTWIN_ANALYTICS_WARMUP": "0",
    }
    if args.twin:
        env["SOCIALTWIN_TWIN"] = str(Path(args.twin).resolve())
    results = {}
    procs = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for name, script, ours in (("naive", "naive_app.py", False),
                                       ("ours", "ours_server.py", True)):  # fmt: skip
                url, proc = _start(work / script, env)
                procs.append(proc)
                print(f"measuring {name} …", file=sys.stderr, flush=True)
                results[name] = measure(browser, url, ours)
                proc.terminate()
            browser.close()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    nv, us = results["naive"], results["ours"]
    geo_naive = nv["first"]["ws"] / n
    geo_ours = us["first"]["buildings_file"] / n
    rows = [
        ("geometry bytes per building (first load)", f"{geo_naive:,.0f} B", f"{geo_ours:,.1f} B",
         f"{geo_naive / geo_ours:,.0f}x"),
        ("first load: websocket payload", _mb(nv["first"]["ws"]), _mb(us["first"]["ws"]), ""),
        ("first load: HTTP transfers (all)", _mb(nv["first"]["http"]), _mb(us["first"]["http"]),
         ""),
        ("  of which deck.gl + map script", "(in Streamlit's bundle)",
         _mb(us["first"]["deck_js"]), ""),
        ("page open → buildings on screen", f"{nv['drawn_s']:.1f} s", f"{us['drawn_s']:.1f} s",
         f"{nv['drawn_s'] / us['drawn_s']:.1f}x"),
        ("  deck.gl: all layers drawn (in page)", "–", f"{us['deck_drawn_s']:.1f} s", ""),
        ("rerun after changing the year", _mb(nv["rerun_year"]), _mb(us["rerun_year"]),
         f"{nv['rerun_year'] / max(us['rerun_year'], 1):,.0f}x"),
        ("rerun after changing the indicator", _mb(nv["rerun_indicator"]),
         _mb(us["rerun_indicator"]),
         f"{nv['rerun_indicator'] / max(us['rerun_indicator'], 1):,.0f}x"),
        ("reload, warm browser cache", _mb(nv["reload_bytes"]), _mb(us["reload_bytes"]),
         f"{nv['reload_bytes'] / max(us['reload_bytes'], 1):,.0f}x"),
    ]  # fmt: skip
    print(f"\nMap: naive st.pydeck_chart (inline JSON) vs ours (baked files + colour tables), "
          f"{n:,} buildings, headless Chromium (SwiftShader)")  # fmt: skip
    w0 = max(len(r[0]) for r in rows)
    print(f"{'':{w0}}  {'naive':>24}  {'ours':>14}  {'naive/ours':>10}")
    for label, a, b, ratio in rows:
        print(f"{label:{w0}}  {a:>24}  {b:>14}  {ratio:>10}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"buildings": n, **results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
