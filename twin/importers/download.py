"""Polite, resumable HTTP downloads into a cache folder (standard library only).

- **Cache**: a response is stored under a name derived from its URL (and POST body); asking
  again returns the file without a request. Delete the cache folder to refresh.
- **Resumable**: bytes arrive in ``<file>.part``; after a dropped connection the next attempt
  asks for the rest with ``Range: bytes=N-`` and appends when the server answers 206.
- **Retries with backoff**: connection errors, truncated bodies, HTTP 429 and 5xx are retried
  (``retries`` times, waiting ``backoff × 2^attempt`` seconds, or the server's
  ``Retry-After``); other HTTP errors fail at once with the URL and status.
- **Rate limit**: at least ``delay`` seconds between two requests to the same host.
- **Progress**: ``progress(name, bytes_done, bytes_total_or_None, finished)`` per block.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from twin.errors import TwinError

__all__ = ["Downloader", "FetchError"]

#: Block size for streaming to disk: large enough for speed, small enough for a lively bar.
BLOCK = 256 * 1024
#: Longest wait between retries, seconds.
MAX_BACKOFF_S = 60.0
USER_AGENT = "socialtwin-fetch/0.1 (+https://github.com/; open-data import of a city twin)"

Progress = Callable[[str, int, "int | None", bool], None]


class FetchError(TwinError):
    """A download failed for good (after retries, or with a client error)."""


class _Truncated(Exception):
    """The body ended before Content-Length bytes arrived."""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:60] or "download"


class Downloader:
    """Downloads with a cache, resume, retries, backoff and a per-host rate limit.

    Parameters
    ----------
    cache : path-like
        Folder for downloaded files (created when missing).
    delay : float
        Minimum seconds between two requests to the same host.
    retries : int
        Attempts after the first one for retryable failures.
    timeout : float
        Seconds to wait for the server on connect and on each read.
    backoff : float
        First wait before a retry, seconds; doubles with each attempt.
    """

    def __init__(
        self,
        cache: str | os.PathLike[str],
        *,
        delay: float = 1.0,
        retries: int = 5,
        timeout: float = 60.0,
        backoff: float = 2.0,
        progress: Progress | None = None,
        log: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cache = Path(cache)
        self.cache.mkdir(parents=True, exist_ok=True)
        self.delay, self.retries, self.timeout, self.backoff = delay, retries, timeout, backoff
        self.progress = progress
        self.log = log or (lambda msg: None)
        self.sleep = sleep
        self._last: dict[str, float] = {}
        self.requests = 0

    # -- paths ------------------------------------------------------------------------------
    def path_for(self, url: str, *, data: bytes | None = None, name: str | None = None) -> Path:
        """Where the response to this request is (or will be) cached."""
        key = hashlib.sha256(url.encode() + b"\0" + (data or b"")).hexdigest()[:12]
        base = name or Path(urllib.parse.urlparse(url).path).name or "download"
        stem, dot, ext = _slug(base).rpartition(".")
        return self.cache / (f"{stem}-{key}.{ext}" if dot and stem else f"{_slug(base)}-{key}")

    # -- politeness -------------------------------------------------------------------------
    def _wait_turn(self, url: str) -> None:
        host = urllib.parse.urlparse(url).netloc
        last = self._last.get(host)
        if last is not None:
            wait = self.delay - (time.monotonic() - last)
            if wait > 0:
                self.sleep(wait)
        self._last[host] = time.monotonic()

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), MAX_BACKOFF_S)
            except ValueError:
                try:
                    when = parsedate_to_datetime(retry_after).timestamp()
                    return min(max(when - time.time(), 0.0), MAX_BACKOFF_S)
                except (TypeError, ValueError):
                    pass
        return min(self.backoff * (2**attempt), MAX_BACKOFF_S)

    # -- the download -----------------------------------------------------------------------
    def get(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        data: bytes | None = None,
        name: str | None = None,
    ) -> Path:
        """Download ``url`` (with query ``params``; POST when ``data``) into the cache."""
        if params:
            url = url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        dest = self.path_for(url, data=data, name=name)
        label = name or dest.name
        if dest.is_file():
            self.log(f"cached: {label}")
            return dest
        part = dest.with_name(dest.name + ".part")
        last_error = ""
        for attempt in range(self.retries + 1):
            have = part.stat().st_size if part.exists() else 0
            headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
            if have:
                headers["Range"] = f"bytes={have}-"
            request = urllib.request.Request(url, data=data, headers=headers)
            self._wait_turn(url)
            self.requests += 1
            retry_after = None
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    self._receive(response, part, have, label)
                os.replace(part, dest)
                self._sidecar(dest, url, data)
                return dest
            except urllib.error.HTTPError as exc:
                if exc.code == 416 and have:  # nothing left to send: the .part is complete
                    os.replace(part, dest)
                    self._sidecar(dest, url, data)
                    return dest
                if exc.code not in (408, 425, 429, 500, 502, 503, 504):
                    raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
                last_error = f"HTTP {exc.code} {exc.reason}"
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
            except (
                urllib.error.URLError,
                http.client.HTTPException,
                ConnectionError,
                TimeoutError,
                _Truncated,
            ) as exc:
                last_error = str(getattr(exc, "reason", exc)) or type(exc).__name__
            if attempt < self.retries:
                wait = self._backoff(attempt, retry_after)
                kept = part.stat().st_size if part.exists() else 0
                self.log(
                    f"{label}: {last_error}; retry {attempt + 1}/{self.retries} in {wait:.1f} s"
                    + (f", resuming at {kept:,} bytes" if kept else "")
                )
                self.sleep(wait)
        raise FetchError(f"{url}: failed after {self.retries + 1} attempts ({last_error})")

    def _receive(self, response: Any, part: Path, have: int, label: str) -> None:
        status = getattr(response, "status", 200)
        length = response.headers.get("Content-Length")
        expected = int(length) if length and length.isdigit() else None
        if have and status == 206:
            mode, done = "ab", have
            total = (have + expected) if expected is not None else None
            match = re.search(r"/(\d+)$", response.headers.get("Content-Range", ""))
            if match:
                total = int(match.group(1))
        else:  # the server ignored the Range header: start over
            mode, done, total = "wb", 0, expected
        received = 0
        with open(part, mode) as fh:
            while True:
                try:
                    block = response.read(BLOCK)
                except http.client.IncompleteRead as exc:
                    fh.write(exc.partial)
                    raise _Truncated(
                        f"connection closed after {done + len(exc.partial):,} bytes"
                    ) from exc
                if not block:
                    break
                fh.write(block)
                received += len(block)
                done += len(block)
                if self.progress:
                    self.progress(label, done, total, False)
        if expected is not None and received < expected:
            raise _Truncated(f"connection closed after {done:,} of {total:,} bytes")
        if self.progress:
            self.progress(label, done, total, True)

    def _sidecar(self, dest: Path, url: str, data: bytes | None) -> None:
        body = {
            "url": url,
            "post": data.decode("utf-8", "replace") if data else None,
            "bytes": dest.stat().st_size,
            "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        dest.with_name(dest.name + ".json").write_text(json.dumps(body, indent=1) + "\n")
