"""``socialtwin fetch`` against a local HTTP server on 127.0.0.1 serving the real formats.

The server answers like PDOK's WFS (GeoJSON), the 3DBAG tile index and tiles, CBS and Politie
OData (paged with ``odata.nextLink``), the Leefbaarometer zips and the Overpass API. It can
drop a download half-way (the client must resume with ``Range``) and answer 503 once (the
client must retry). No test touches the internet.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import urllib.parse
import zipfile
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from twin import load_twin
from twin.importers import fetch_municipality
from twin.importers.download import Downloader, FetchError
from twin.settings import Settings
from viewer.cli import main


class FakeWeb:
    """Routes, the requests seen, and one-off failures (a cut body, a 503)."""

    def __init__(self) -> None:
        self.routes: dict[str, object] = {}
        self.seen: list[tuple[str, str, str | None]] = []  # (method, path?query, Range)
        self.cut_once: set[str] = set()
        self.fail_once: dict[str, int] = {}
        self.ignore_range: set[str] = set()
        self.lock = threading.Lock()
        self.base = ""


def _handler(web: FakeWeb):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args):  # keep test output quiet
            pass

        def _answer(self, method: str) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            body = b""
            if method == "POST":
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with web.lock:
                web.seen.append((method, self.path, self.headers.get("Range")))
                fail = web.fail_once.pop(url.path, None)
                cut = url.path in web.cut_once
                web.cut_once.discard(url.path)
            if fail:
                self.send_response(fail)
                self.send_header("Retry-After", "0")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            route = web.routes.get(url.path)
            if route is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = route(query, body) if callable(route) else route
            start = 0
            rng = self.headers.get("Range")
            if rng and url.path not in web.ignore_range:
                start = int(rng.split("=")[1].split("-")[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            part = data[start:]
            self.send_header("Content-Length", str(len(part)))
            self.end_headers()
            if cut:  # promise everything, send half, hang up
                self.wfile.write(part[: len(part) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(part)

        def do_GET(self):
            self._answer("GET")

        def do_POST(self):
            self._answer("POST")

    return Handler


@pytest.fixture
def web():
    state = FakeWeb()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _geojson(frame: gpd.GeoDataFrame) -> bytes:
    data = json.loads(frame.to_json(drop_id=True))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
    return json.dumps(data).encode()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _odata_pages(web: FakeWeb, path: str, data: dict, table: str) -> None:
    rows = data["value"]
    half = len(rows) // 2
    meta = f"https://example.invalid/ODataApi/OData/{table}/$metadata#Cbs.OData.WebAPI.TypedDataSet"

    def page(query, _body):
        if "$skiptoken" in query:
            return json.dumps({"odata.metadata": meta, "value": rows[half:]}).encode()
        nxt = f"{web.base}{path}?$skiptoken={half}&$format=json"
        return json.dumps(
            {"odata.metadata": meta, "value": rows[:half], "odata.nextLink": nxt}
        ).encode()

    web.routes[path] = page


@pytest.fixture
def endpoints(web, town_module, town_files, fx, tmp_path):
    """Serve the town's sources in their real formats; return Settings pointing at them."""
    wbk = town_module.wijkbuurtkaart_layers(2023)

    def wfs(query, _body):
        layer = query["typeNames"][0].split(":")[1]
        code = query["filter"][0].split("<fes:Literal>")[1].split("<")[0]
        frame = wbk[layer]
        return _geojson(frame[frame["gemeentecode"] == code])

    web.routes["/pdok/cbs/wijkenbuurten/2023/wfs/v1_0"] = wfs
    bag = json.loads(town_files["bag"].read_text())
    bag_frame = gpd.GeoDataFrame.from_features(bag["features"], crs="EPSG:28992")

    def bag_wfs(query, _body):
        x0, y0, x1, y1 = map(float, query["bbox"][0].split(",")[:4])
        start = int(query.get("startIndex", ["0"])[0])
        hit = bag_frame[bag_frame.intersects(shapely.box(x0, y0, x1, y1))]
        return _geojson(hit.iloc[start : start + int(query["count"][0])])

    web.routes["/pdok/lv/bag/wfs/v2_0"] = bag_wfs
    tile = town_files["3dbag"].read_bytes()
    tile_path = "/3dbag/v20240420/tiles/9/284/556/9-284-556.gpkg"
    web.routes[tile_path] = tile
    tiles = gpd.GeoDataFrame(
        {
            "tile_id": ["9/284/556", "9/300/600"],
            "gpkg_download": [f"{web.base}{tile_path}", f"{web.base}/3dbag/far.gpkg"],
            "gpkg_sha256": [hashlib.sha256(tile).hexdigest(), "0" * 64],
        },
        geometry=[shapely.box(189_000, 319_000, 194_000, 322_000), shapely.box(0, 0, 10, 10)],
        crs="EPSG:28992",
    )
    web.routes["/3dbag/wfs"] = lambda q, b: _geojson(tiles)
    kc = json.loads((fx / "kerncijfers_85618NED.json").read_text())
    for table in ("85039NED", "85318NED", "85618NED"):
        _odata_pages(web, f"/cbs/{table}/TypedDataSet", kc, table)
    _odata_pages(
        web,
        "/politie/47018NED/TypedDataSet",
        json.loads((fx / "politie_47018NED.json").read_text()),
        "47018NED",
    )
    web.routes["/lbm/open-data-leefbaarometer-meting-2024.zip"] = _zip(
        {
            "Leefbaarometer 3.0 - Meting 2024 - open data/Leefbaarometer-scores buurten "
            "2002-2024.csv": (fx / "leefbaarometer_buurten.csv").read_bytes(),
            "Leefbaarometer 3.0 - Meting 2024 - open data/Leefbaarometer-scores grids "
            "2002-2024.csv": town_files["grid_csv"].read_bytes(),
        }
    )
    web.routes["/lbm/geometrie-lbm3-2024.zip"] = _zip(
        {"geometrie-lbm3-2024/grid 2024.gpkg": town_files["grid_gpkg"].read_bytes()}
    )
    web.routes["/overpass/api/interpreter"] = lambda q, b: town_files["overpass"].read_bytes()
    return Settings(
        home=str(tmp_path / "home"),
        fetch_cache=str(tmp_path / "cache"),
        fetch_delay=0.0,
        fetch_retries=3,
        fetch_timeout=10.0,
        pdok_url=f"{web.base}/pdok",
        bag3d_wfs_url=f"{web.base}/3dbag/wfs",
        cbs_odata_url=f"{web.base}/cbs",
        politie_odata_url=f"{web.base}/politie",
        leefbaarometer_url=f"{web.base}/lbm",
        overpass_url=f"{web.base}/overpass/api/interpreter",
    )


def test_fetch_builds_a_complete_twin_with_a_resume_and_a_retry(web, endpoints, tmp_path):
    web.cut_once.add("/3dbag/v20240420/tiles/9/284/556/9-284-556.gpkg")
    web.fail_once["/politie/47018NED/TypedDataSet"] = 503
    result = fetch_municipality("GM0917", tmp_path / "twin", settings=endpoints)
    assert result.failed == {}
    assert result.report.complete
    twin = load_twin(tmp_path / "twin")
    assert twin.counts()["buildings"] == 25 and twin.counts()["streets"] == 12
    assert twin.buildings["use"].value_counts()["residential"] == 22  # BAG use came through
    assert set(twin.manifest.layers) == {"neighbourhoods", "buildings", "streets", "lights"}
    assert {"inhabitants", "crime_burglary_per1000", "liveability_lbm"} <= set(
        twin.manifest.indicators
    )
    tile_requests = [s for s in web.seen if s[1].endswith("9-284-556.gpkg")]
    assert len(tile_requests) == 2
    assert tile_requests[0][2] is None and tile_requests[1][2].startswith("bytes=")
    offset = int(tile_requests[1][2].split("=")[1].rstrip("-"))
    assert offset > 0  # resumed, not restarted (and the SHA-256 of the whole tile matched)
    politie = [s for s in web.seen if s[1].startswith("/politie/") and "skiptoken" not in s[1]]
    assert len(politie) == 2  # a 503, then the retry
    assert any("skiptoken" in s[1] for s in web.seen)  # OData paging followed
    assert not any("far.gpkg" in s[1] for s in web.seen)  # tiles away from the town skipped
    overpass = [s for s in web.seen if s[0] == "POST"]
    assert len(overpass) == 1


def test_a_second_fetch_is_served_from_the_cache(web, endpoints, tmp_path):
    fetch_municipality("GM0917", tmp_path / "one", settings=endpoints)
    web.seen.clear()
    again = fetch_municipality("GM0917", tmp_path / "two", settings=endpoints)
    assert again.requests == 0 and web.seen == []
    assert load_twin(tmp_path / "two").counts() == load_twin(tmp_path / "one").counts()


def test_a_failing_source_is_named_and_the_rest_imported(web, endpoints, tmp_path):
    settings = replace(endpoints, leefbaarometer_url=f"{web.base}/nowhere")
    result = fetch_municipality("GM0917", tmp_path / "twin", settings=settings)
    assert set(result.failed) == {"leefbaarometer"}
    assert "HTTP 404" in result.failed["leefbaarometer"]
    assert result.report.complete
    assert "liveability_lbm" not in load_twin(tmp_path / "twin").manifest.indicators


def test_fetch_command(web, endpoints, tmp_path, monkeypatch, capsys):
    env = {
        "SOCIALTWIN_FETCH_CACHE": endpoints.fetch_cache,
        "SOCIALTWIN_FETCH_DELAY": "0",
        "SOCIALTWIN_PDOK_URL": endpoints.pdok_url,
        "SOCIALTWIN_3DBAG_WFS_URL": endpoints.bag3d_wfs_url,
        "SOCIALTWIN_CBS_ODATA_URL": endpoints.cbs_odata_url,
        "SOCIALTWIN_POLITIE_ODATA_URL": endpoints.politie_odata_url,
        "SOCIALTWIN_LEEFBAAROMETER_URL": endpoints.leefbaarometer_url,
        "SOCIALTWIN_OVERPASS_URL": endpoints.overpass_url,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    from twin.settings import get_settings

    get_settings.cache_clear()
    assert main(["fetch", "gm0917", "--into", str(tmp_path / "t"), "--skip", "bag"]) == 0
    out = capsys.readouterr()
    assert f"twin written to {tmp_path / 't'}" in out.out
    assert "9-284-556.gpkg" in out.err  # a line per finished download
    assert main(["fetch", "Heerlen", "--into", str(tmp_path / "u")]) == 2
    assert "'Heerlen' is not a CBS municipality code" in capsys.readouterr().err


# -- the downloader on its own ------------------------------------------------------------------
def test_resume_appends_the_rest_after_a_dropped_connection(web, tmp_path):
    payload = bytes(range(256)) * 4000
    web.routes["/big.bin"] = payload
    web.cut_once.add("/big.bin")
    waits: list[float] = []
    dl = Downloader(tmp_path, delay=0.0, retries=2, backoff=0.01, sleep=waits.append)
    path = dl.get(f"{web.base}/big.bin")
    assert path.read_bytes() == payload
    ranges = [s[2] for s in web.seen]
    assert ranges == [None, f"bytes={len(payload) // 2}-"]
    assert waits == [0.01]


def test_a_server_that_ignores_range_restarts_the_file(web, tmp_path):
    payload = b"x" * 300_000
    web.routes["/plain.bin"] = payload
    web.cut_once.add("/plain.bin")
    web.ignore_range.add("/plain.bin")
    dl = Downloader(tmp_path, delay=0.0, retries=2, backoff=0.0, sleep=lambda s: None)
    assert dl.get(f"{web.base}/plain.bin").read_bytes() == payload


def test_retries_give_up_with_the_url_and_the_reason(web, tmp_path):
    web.routes["/flaky"] = b"data"
    waits: list[float] = []
    dl = Downloader(tmp_path, delay=0.0, retries=2, backoff=1.0, sleep=waits.append)
    web.fail_once["/flaky"] = 503
    assert dl.get(f"{web.base}/flaky").read_bytes() == b"data"
    assert waits == [0.0]  # Retry-After: 0 wins over the backoff
    with pytest.raises(FetchError, match=r"/missing: HTTP 404"):
        dl.get(f"{web.base}/missing")
    assert sum(1 for s in web.seen if s[1] == "/missing") == 1  # client errors are not retried

    dead = Downloader(tmp_path / "d", delay=0.0, retries=2, backoff=0.5, sleep=waits.append)
    with pytest.raises(FetchError, match=r"127\.0\.0\.1:9/x: failed after 3 attempts"):
        dead.get("http://127.0.0.1:9/x")  # nothing listens on the discard port
    assert waits[-2:] == [0.5, 1.0]  # exponential backoff


def test_requests_to_one_host_are_spaced(web, tmp_path):
    web.routes["/a"] = b"a"
    web.routes["/b"] = b"b"
    waits: list[float] = []
    dl = Downloader(tmp_path, delay=0.5, retries=0, sleep=waits.append)
    dl.get(f"{web.base}/a")
    dl.get(f"{web.base}/b")
    assert len(waits) == 1 and 0.3 < waits[0] <= 0.5


def test_cache_names_differ_by_query_and_body(tmp_path):
    dl = Downloader(tmp_path)
    a = dl.path_for("http://h/x?q=1")
    b = dl.path_for("http://h/x?q=2")
    c = dl.path_for("http://h/x?q=1", data=b"body")
    assert len({a, b, c}) == 3
    assert Path(dl.path_for("http://h/tiles/9-1-2.gpkg")).suffix == ".gpkg"
