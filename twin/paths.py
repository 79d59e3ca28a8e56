"""Where the project's shipped data lives (the embedded demo, catalogues, the evidence registry)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir", "demo_twin_path"]

_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """The project's ``data/`` folder."""
    return _ROOT / "data"


def demo_twin_path() -> Path:
    """The embedded Heerlen demo twin directory."""
    return data_dir() / "demo" / "heerlen"
