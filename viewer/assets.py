"""Files the browser fetches once: deck.gl, the map's JavaScript, baked geometry, overlays.

Everything is served by one route of the app server (``viewer/server.py``) under
:data:`ASSET_PREFIX`, content-addressed (``/_socialtwin/<hash>/<name>``) and marked immutable, so
a browser downloads each file once and then reuses it across reruns, page switches and app
restarts. Nothing is written to disk and nothing is fetched from the internet:

- deck.gl comes from the bundle inside the installed ``pydeck`` wheel;
- the map's own JavaScript is ``viewer/map/twinmap.js``;
- a twin's geometry is baked in memory by :func:`layers.bake_twin`, once per process;
- overlays (markers, rasters, per-street values) are registered by :func:`put_blob`.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from layers.constants import GZIP_LEVEL

__all__ = [
    "ASSET_PREFIX",
    "asset_routes",
    "deck_bundle_path",
    "get_asset",
    "map_js_path",
    "put_blob",
    "routes_mounted",
]

#: URL prefix of every asset; not one of Streamlit's reserved prefixes.
ASSET_PREFIX = "/_socialtwin"
#: Overlay blobs kept in memory (least recently used dropped first).
_MAX_BLOB_BYTES = 512 * 1024 * 1024
_CACHE = "public, max-age=31536000, immutable"

_lock = threading.Lock()
_store: OrderedDict[str, _Asset] = OrderedDict()
_pinned: dict[str, _Asset] = {}
_mounted = False


@dataclass
class _Asset:
    raw: bytes
    content_type: str
    _gz: bytes | None = None
    _packed: bool = False

    @property
    def gz(self) -> bytes | None:
        """gzip of the bytes, computed on the first request (None when it does not pay)."""
        if not self._packed:
            self._gz = _compress(self.raw, self.content_type)
            self._packed = True
        return self._gz


def deck_bundle_path() -> Path:
    """deck.gl's browser bundle inside the installed pydeck wheel (never vendored)."""
    import pydeck

    path = Path(pydeck.__file__).resolve().parent / "nbextension" / "static" / "index.js"
    if not path.exists():
        raise FileNotFoundError(f"pydeck's deck.gl bundle is missing: {path}; reinstall pydeck")
    return path


def map_js_path() -> Path:
    """The map's one self-contained JavaScript file."""
    return Path(__file__).resolve().parent / "map" / "twinmap.js"


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=10).hexdigest()


def _compress(data: bytes, content_type: str) -> bytes | None:
    if content_type.startswith("image/png"):
        return None
    packed = gzip.compress(data, GZIP_LEVEL, mtime=0)
    return packed if len(packed) < len(data) * 0.95 else None


def _register(data: bytes, name: str, content_type: str, *, pinned: bool) -> str:
    key = f"{_digest(data)}/{name}"
    with _lock:
        if key in _pinned or key in _store:
            if key in _store:
                _store.move_to_end(key)
            return f"{ASSET_PREFIX}/{key}"
    asset = _Asset(data, content_type)
    with _lock:
        if pinned:
            _pinned[key] = asset
        else:
            _store[key] = asset
            total = sum(len(a.raw) for a in _store.values())
            while total > _MAX_BLOB_BYTES and len(_store) > 1:
                _, old = _store.popitem(last=False)
                total -= len(old.raw)
    return f"{ASSET_PREFIX}/{key}"


def put_blob(data: bytes, name: str, content_type: str = "application/octet-stream") -> str:
    """Serve ``data`` at a content-addressed URL (returned); identical data gives the same URL."""
    return _register(data, name, content_type, pinned=False)


def put_pinned(data: bytes, name: str, content_type: str) -> str:
    """Like :func:`put_blob`, never evicted (deck.gl, the map script, baked geometry)."""
    return _register(data, name, content_type, pinned=True)


def get_asset(key: str) -> _Asset | None:
    """The asset at ``<hash>/<name>`` (the URL without the prefix), or None."""
    with _lock:
        return _pinned.get(key) or _store.get(key)


def routes_mounted() -> bool:
    """True when this process serves the asset route (started by ``socialtwin view``)."""
    return _mounted


def asset_routes() -> list:
    """Starlette routes that serve the assets; ``viewer/server.py`` mounts them."""
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    global _mounted
    _mounted = True

    async def serve(request: Request) -> Response:
        asset = get_asset(request.path_params["key"])
        if asset is None:
            return Response("not found", status_code=404, media_type="text/plain")
        headers = {"Cache-Control": _CACHE, "X-Content-Type-Options": "nosniff"}
        accepts_gzip = "gzip" in request.headers.get("accept-encoding", "")
        if asset.gz is not None and accepts_gzip:
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
            return Response(asset.gz, media_type=asset.content_type, headers=headers)
        return Response(asset.raw, media_type=asset.content_type, headers=headers)

    return [Route(f"{ASSET_PREFIX}/{{key:path}}", serve, methods=["GET"])]
