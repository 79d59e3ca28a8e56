"""The city model of Social Twin Heerlen.

>>> from twin import load_twin
>>> twin = load_twin()            # the embedded Heerlen demo
>>> sorted(twin.counts())[:2]
['buildings', 'ground']

Public API:

- :func:`load_twin` — a :class:`Twin` from a directory, or the embedded demo;
- :func:`write_twin` — write a twin directory atomically;
- :func:`subset_twin` — only some buurten of a twin (focused views, fast tests);
- :class:`Twin`, :class:`Manifest`, :class:`LayerManifest`, :class:`IndicatorManifest`;
- :func:`public_indicators`, :func:`format_value` — suppression of small counts;
- :func:`validate_layer`, :data:`LAYERS` — the schema and its checks;
- :func:`get_settings`, :class:`Settings` — the one settings object;
- :func:`to_wgs84`, :func:`to_rd` — coordinate transforms;
- errors: :class:`TwinError`, :class:`TwinDataError`, :class:`TwinNotFoundError`.
"""

from __future__ import annotations

import os
from pathlib import Path

from twin.constants import RD_CRS, WGS84_CRS
from twin.crs import to_rd, to_wgs84
from twin.errors import TwinDataError, TwinError, TwinNotFoundError
from twin.indicators import indicator_names, indicator_series
from twin.manifest import IndicatorManifest, LayerManifest, Manifest
from twin.model import Twin
from twin.paths import data_dir, demo_twin_path
from twin.privacy import Suppressed, format_value, public_indicators
from twin.schema import LAYER_NAMES, LAYERS
from twin.settings import Settings, get_settings
from twin.store import read_twin, write_twin
from twin.subset import subset_twin
from twin.validate import validate_layer

__all__ = [
    "LAYERS",
    "LAYER_NAMES",
    "RD_CRS",
    "WGS84_CRS",
    "IndicatorManifest",
    "LayerManifest",
    "Manifest",
    "Settings",
    "Suppressed",
    "Twin",
    "TwinDataError",
    "TwinError",
    "TwinNotFoundError",
    "data_dir",
    "demo_twin_path",
    "format_value",
    "get_settings",
    "indicator_names",
    "indicator_series",
    "load_twin",
    "public_indicators",
    "read_twin",
    "subset_twin",
    "to_rd",
    "to_wgs84",
    "validate_layer",
    "write_twin",
]


def load_twin(path: str | os.PathLike[str] | None = None) -> Twin:
    """Load a twin directory, or the embedded Heerlen demo when ``path`` is None.

    Raises :class:`TwinNotFoundError` or :class:`TwinDataError` with the file, layer, field and
    row of the problem.
    """
    if path is None or str(path) == "":
        configured = get_settings().twin_path
        path = Path(configured) if configured else demo_twin_path()
    return read_twin(path)
