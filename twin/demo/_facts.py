"""The project's own CBS facts tables for Heerlen (``data/facts``), read for the demo build."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from twin.paths import data_dir

__all__ = ["FACTS_ATTRIBUTION", "read_areas", "read_facts"]

FACTS_ATTRIBUTION = "CBS, Kerncijfers wijken en buurten, CC BY 4.0"


def _facts_dir() -> Path:
    return data_dir() / "facts"


def read_areas() -> pd.DataFrame:
    """Gemeente, wijken and buurten: code, level, name, parent, centroid, approximate area."""
    frame = pd.read_csv(_facts_dir() / "heerlen_areas.csv", comment="#", dtype={"parent": str})
    frame["parent"] = frame["parent"].fillna("")
    return frame


def read_facts() -> pd.DataFrame:
    """Long table of real figures: code, indicator, year, value."""
    return pd.read_csv(_facts_dir() / "heerlen_kerncijfers.csv", comment="#")
