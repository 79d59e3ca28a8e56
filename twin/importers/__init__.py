"""Importers of real open data: build the twin of any Dutch municipality.

>>> from twin.importers import IMPORT_KINDS
>>> sorted(IMPORT_KINDS)[:3]
['3dbag', 'bag', 'kerncijfers']

Public API:

- :func:`import_files`, :func:`import_many` — read source files into a twin directory
  (atomically; sources may arrive one at a time, in any order);
- :func:`fetch_municipality` — download the public sources of a municipality, then import them;
- one reader per source, each returning frames in RD New: :func:`buildings_from_3dbag`,
  :func:`areas_from_wijkbuurtkaart`, :func:`indicators_from_kerncijfers`,
  :func:`crime_counts_from_politie`, :func:`liveability_from_leefbaarometer`,
  :func:`streets_from_osm`, :func:`bag_units_from_pand`;
- :func:`liveability_grid` — the Leefbaarometer 100 m grid of an imported twin (xarray);
- :data:`IMPORT_KINDS`, :data:`SOURCES` — what can be imported and its provenance.

The readers load on first use, so that ``socialtwin --help`` and the other commands do not pay
for GDAL and rasterio.
"""

from __future__ import annotations

import importlib
from typing import Any

from twin.importers.kinds import IMPORT_KINDS

#: Public name → the module that defines it (loaded on first use).
_EXPORTS = {
    "SOURCES": "twin.importers.sources",
    "FetchReport": "twin.importers.fetch",
    "ImportReport": "twin.importers.workspace",
    "areas_from_wijkbuurtkaart": "twin.importers.cbs_areas",
    "bag_units_from_pand": "twin.importers.bag",
    "buildings_from_3dbag": "twin.importers.bag3d",
    "crime_counts_from_politie": "twin.importers.politie",
    "fetch_municipality": "twin.importers.fetch",
    "import_files": "twin.importers.workspace",
    "import_many": "twin.importers.workspace",
    "indicators_from_kerncijfers": "twin.importers.kerncijfers",
    "liveability_from_leefbaarometer": "twin.importers.leefbaarometer",
    "liveability_grid": "twin.importers.grid",
    "streets_from_osm": "twin.importers.osm",
}

__all__ = ["IMPORT_KINDS", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'twin.importers' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
