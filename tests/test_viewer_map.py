"""The map's Python side: payload size, overlays, picks, the asset route, the catalogues."""

from __future__ import annotations

import gzip
import json
import re
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from viewer.assets import asset_routes, get_asset, put_blob
from viewer.i18n import LANGUAGES, catalogue, catalogue_problems, t
from viewer.map import (
    Markers,
    RasterOverlay,
    area_paint_from_values,
    map_payload,
    pick_from_event,
    street_paint_from_values,
)

ROOT = Path(__file__).resolve().parents[1]


def _size(payload) -> int:
    return len(json.dumps(payload, separators=(",", ":")).encode())


def test_rerun_payload_is_small_and_carries_no_geometry(demo):
    values = demo.public.values["perceived_unsafety_pct"].sel(year=2020).to_series()
    paint, _ = area_paint_from_values(values, title="x")
    payload = map_payload(demo, key="m", areas=paint)
    size = _size(payload)
    assert size < 40_000, f"{size:,} bytes per rerun"
    assert set(payload["assets"]) == {"areas", "ground", "streets", "lights", "buildings"}
    assert len(payload["areas"]["paint"]["lut"]) == len(demo.neighbourhoods)
    # the same call gives the same URLs: the browser's cache keeps working
    assert map_payload(demo, key="m", areas=paint)["assets"] == payload["assets"]


def test_payload_errors(small):
    with pytest.raises(ValueError, match="unknown map layers"):
        map_payload(small, key="m", layers=["buildings", "trees"])
    dup = [Markers("a", [6.0], [50.9], ["1"]), Markers("a", [6.0], [50.9], ["2"])]
    with pytest.raises(ValueError, match="overlay ids must be unique"):
        map_payload(small, key="m", overlays=dup)


def test_suppressed_areas_read_below_min_count(demo):
    name, year = "crime_burglary_per1000", 2018
    values = demo.public.values[name].sel(year=year).to_series()
    mask = demo.public.mask[name].sel(year=year).to_series()
    paint, _classified = area_paint_from_values(values, title="x", suppressed=mask)
    hidden = [c for c in mask.index if mask[c]]
    assert hidden and all(paint.display[c] == "<5" for c in hidden)
    shown = [c for c in mask.index if not mask[c] and np.isfinite(values[c])]
    assert all(paint.display[c] != "<5" for c in shown)


def test_markers_and_rasters_travel_as_files(small):
    n = 10_000
    rng = np.random.default_rng(0)
    markers = Markers("cpted", 5.97 + rng.random(n) * 0.01, 50.88 + rng.random(n) * 0.01,
                      [f"a{i}" for i in range(n)],
                      tooltips=[("<b>", [("note", "<script>")])] * n)  # fmt: skip
    img = np.zeros((20, 30, 4), np.uint8)
    img[..., 0] = 255
    img[..., 3] = 128
    raster = RasterOverlay("lux", img, (5.96, 50.87, 5.99, 50.89))
    payload = map_payload(small, key="m", overlays=[markers, raster])
    assert _size(payload) < 40_000, "10,000 markers must not ride along with every rerun"
    m, r = payload["overlays"]
    blob = get_asset(m["url"].split("/", 2)[2])
    assert blob is not None and len(blob.raw) > n * 8
    png = get_asset(r["url"].split("/", 2)[2]).raw
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and r["bounds"] == [5.96, 50.87, 5.99, 50.89]
    with pytest.raises(ValueError, match="at most 10,000"):
        map_payload(small, key="m", overlays=[Markers("x", [0.0] * (n + 1), [0.0] * (n + 1),
                                                      ["i"] * (n + 1))])  # fmt: skip
    with pytest.raises(ValueError, match=r"must be \(h, w, 4\) uint8"):
        map_payload(small, key="m", overlays=[RasterOverlay("bad", img[..., :3], (0, 0, 1, 1))])


def test_street_values_become_classes_and_a_file(small):
    values = pd.Series(np.linspace(0, 30, len(small.streets)), index=small.streets["id"])
    paint, _classified = street_paint_from_values(small, values.iloc[5:], title="lux", unit="lx")
    assert paint.classes[:5].tolist() == [-1] * 5, "streets without a value have no class"
    payload = map_payload(small, key="m", streets=paint)
    assert payload["paint"]["streets"]["blob"].endswith("street-classes.bin")
    assert payload["streetValues"]["unit"] == "lx"


def test_picks_map_back_to_rows(small):
    b = small.to_wgs84("buildings")
    p = b.geometry.iloc[7].representative_point()
    pick = pick_from_event(small, {"layer": "buildings", "index": 7, "lon": p.x, "lat": p.y})
    assert pick.kind == "building" and pick.id == small.buildings["id"].iloc[7]
    assert pick.area == small.buildings["buurt"].iloc[7]
    assert abs(pick.x - small.buildings.geometry.iloc[7].representative_point().x) < 30
    street = pick_from_event(small, {"layer": "streets", "index": 0, "lon": p.x, "lat": p.y})
    assert street.kind == "street" and street.id == small.streets["id"].iloc[0]
    area = pick_from_event(small, {"layer": "areas", "index": 2, "lon": p.x, "lat": p.y})
    assert area.kind == "area" and area.id == small.neighbourhoods["code"].iloc[2]
    ground = pick_from_event(small, {"lon": p.x, "lat": p.y})
    assert ground.kind == "ground" and ground.area == "BU09173300" and ground.id == ""
    far = pick_from_event(small, {"lon": 4.9, "lat": 52.37})
    assert far.area == ""
    m = Markers("cpted", [p.x], [p.y], ["A-17"])
    marker = pick_from_event(small, {"layer": "overlay-cpted", "index": 0, "lon": p.x,
                                     "lat": p.y}, [m])  # fmt: skip
    assert marker.kind == "marker" and marker.id == "A-17" and marker.layer == "cpted"
    assert pick_from_event(small, None) is None
    assert pick_from_event(small, {"layer": "buildings"}) is None


def test_asset_route_serves_gzip_and_caches_forever():
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    data = bytes(range(256)) * 400
    url = put_blob(data, "test.bin")
    client = TestClient(Starlette(routes=asset_routes()))
    r = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-encoding"] == "gzip"
    assert "immutable" in r.headers["cache-control"]
    raw = client.get(url, headers={"Accept-Encoding": "identity"})
    assert raw.content == data and "content-encoding" not in raw.headers
    assert client.get(url.replace("test.bin", "other.bin")).status_code == 404
    assert len(gzip.compress(data)) < len(data)


# -- catalogues -------------------------------------------------------------------------------
def test_every_key_has_every_language():
    assert not catalogue_problems(), catalogue_problems()[:10]


def test_placeholders_agree_across_languages():
    fmt = string.Formatter()
    for key, texts in catalogue().items():
        fields = {lang: {f for _, f, _, _ in fmt.parse(texts[lang]) if f} for lang in LANGUAGES}
        assert len({frozenset(v) for v in fields.values()}) == 1, (key, fields)


def test_every_key_used_in_code_exists():
    used = set()
    for path in (ROOT / "viewer").rglob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*f?["']([a-z_.]+)["']""", path.read_text()))
    missing = sorted(k for k in used if k not in catalogue() and not k.endswith("."))
    assert not missing, missing


def test_t_formats_and_falls_back():
    assert t("app.gaps_notice", lang="en", layers="lights").endswith("Everything else works.")
    assert t("no.such.key") == "no.such.key"


def test_socialtwin_view_starts_the_server_offline(monkeypatch):
    """``socialtwin view`` runs server.py (app + asset route) with the offline flags."""
    import subprocess

    from viewer.cli import main

    calls = []
    monkeypatch.setattr(subprocess, "call", lambda cmd, env=None: calls.append(cmd) or 0)
    assert main(["view", "--port", "8765"]) == 0
    cmd = calls[0]
    assert cmd[cmd.index("run") + 1].endswith("viewer/server.py")
    flags = dict(zip(cmd[cmd.index("run") + 2 :: 2], cmd[cmd.index("run") + 3 :: 2], strict=True))
    assert flags["--browser.gatherUsageStats"] == "false"
    assert flags["--server.address"] == "127.0.0.1"  # local only; no external-IP lookup
    assert flags["--server.port"] == "8765"
