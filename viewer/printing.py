"""HTML → PDF with headless Chromium (Debian's ``/usr/bin/chromium``), offline.

Used for CPTED assessment reports and reusable for any printable page (presentation mode):
give it a complete, self-contained HTML document (no remote resources — the browser is started
with networking features off) and it writes an A4 PDF as the page's ``@page`` CSS says.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PrintError", "chromium_path", "pdf_from_html"]

#: Flags for a quiet, offline, headless Chromium (no sandbox: it runs as root in CI).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-extensions",
    "--no-first-run",
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
)
#: Seconds before a print is abandoned (a large area report with photos prints in a few).
PRINT_TIMEOUT_S = 120


class PrintError(RuntimeError):
    """Chromium is missing or did not produce a PDF."""


def chromium_path() -> str | None:
    """The Chromium executable (Debian's ``chromium`` first), or None when none is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_from_html(html: str, out: str | Path, *, timeout: float = PRINT_TIMEOUT_S) -> Path:
    """Print an HTML document to ``out`` as PDF; returns the path."""
    exe = chromium_path()
    if exe is None:
        raise PrintError("Chromium was not found; install it (./dev test does) or write HTML")
    out = Path(out).resolve()
    with tempfile.TemporaryDirectory(prefix="socialtwin-print-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, encoding="utf-8")
        pdf = Path(tmp) / "page.pdf"
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise PrintError(f"Chromium did not finish printing within {timeout:.0f} s") from exc
        if not pdf.exists() or not pdf.read_bytes().startswith(b"%PDF"):
            detail = (result.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise PrintError(f"Chromium produced no PDF (exit {result.returncode}): {detail[0]}")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp_out = out.with_name(f".{out.name}.partial")
        shutil.copyfile(pdf, tmp_out)
        tmp_out.replace(out)
    return out
