"""Reusable fixtures for end-to-end tests in headless Chromium (software WebGL).

- ``app_url``: the real app (``viewer/server.py``, as ``socialtwin view`` starts it) on a free
  port, on the ``small`` twin, with its own home folder; started once per session.
- ``browser`` and ``page`` (in ``tests/conftest.py``, shared by every test folder: one
  Playwright instance per worker): headless Debian Chromium with the project's flags; a fresh
  page that records every request. ``external_requests(page)`` lists those that did not go to
  this machine.
- ``wait_for_map``, ``map_canvas_pixels``, ``save_artifact``: helpers for map pages.

Later pages' browser tests reuse these (``pytest.mark.browser``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
#: Software WebGL compiles deck.gl's shaders slowly: a first draw can take half a minute.
MAP_TIMEOUT_S = 150


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"app did not start within {timeout}s:\n{log.read_text()[-3000:]}")


def start_app(twin_dir: Path, home: Path) -> tuple[str, subprocess.Popen, Path]:
    """Start ``viewer/server.py`` on a free port for ``twin_dir``; returns (url, process, log)."""
    port = free_port()
    env = {**os.environ, "SOCIALTWIN_TWIN": str(twin_dir), "SOCIALTWIN_HOME": str(home)}
    env.pop("ANTHROPIC_API_KEY", None)
    log = home / f"app-{port}.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "viewer" / "server.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    with log.open("w") as out:  # the child keeps its own copy of the file descriptor
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
    except Exception:
        proc.kill()
        proc.wait()
        raise
    return url, proc, log


@pytest.fixture(scope="session")
def app_url(small_dir, tmp_path_factory):
    """The app on the small twin (a few hundred buildings: clickable in software WebGL)."""
    url, proc, _ = start_app(small_dir, tmp_path_factory.mktemp("app-home"))
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def external_requests(page) -> list[str]:
    """Requests that left this machine (anything but 127.0.0.1/localhost, blob: and data:)."""
    out = []
    for url in page.requested_urls:
        if url.startswith(("blob:", "data:", "about:")):
            continue
        host = url.split("/")[2].split(":")[0]
        if host not in ("127.0.0.1", "localhost"):
            out.append(url)
    return out


def wait_for_map(page, timeout_s: float = MAP_TIMEOUT_S, key: str | None = None) -> None:
    """Wait until the map has drawn all its layers (``data-drawn`` on the map root); with
    ``key``, until the map of that key has (after a page switch the old page's map may still
    be in the document for a moment)."""
    if key is None:
        page.wait_for_selector('.twinmap[data-drawn="1"]', timeout=timeout_s * 1000)
        return
    page.wait_for_function(
        "(key) => { const m = window.__twinmap && window.__twinmap.instances.get(key);"
        " return !!(m && m.root.isConnected && m.root.dataset.drawn === '1'); }",
        arg=key,
        timeout=timeout_s * 1000,
    )


def save_artifact(page, name: str, locator=None) -> Path:
    """Screenshot of the page (or one element) into ``test-artifacts/``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    (locator or page).screenshot(path=str(path))
    return path


def map_canvas_pixels(path: Path, background=(245, 245, 240), tolerance: int = 24) -> float:
    """Share of pixels in a screenshot that differ from the map's empty background."""
    import numpy as np
    from PIL import Image

    img = np.asarray(Image.open(path).convert("RGB")).astype(int)
    diff = np.abs(img - np.asarray(background)).max(axis=2)
    return float((diff > tolerance).mean())
