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
"""

from __future__ import annotations

from twin.importers.bag import bag_units_from_pand
from twin.importers.bag3d import buildings_from_3dbag
from twin.importers.cbs_areas import areas_from_wijkbuurtkaart
from twin.importers.fetch import FetchReport, fetch_municipality
from twin.importers.grid import liveability_grid
from twin.importers.kerncijfers import indicators_from_kerncijfers
from twin.importers.leefbaarometer import liveability_from_leefbaarometer
from twin.importers.osm import streets_from_osm
from twin.importers.politie import crime_counts_from_politie
from twin.importers.sources import SOURCES
from twin.importers.workspace import IMPORT_KINDS, ImportReport, import_files, import_many

__all__ = [
    "IMPORT_KINDS",
    "SOURCES",
    "FetchReport",
    "ImportReport",
    "areas_from_wijkbuurtkaart",
    "bag_units_from_pand",
    "buildings_from_3dbag",
    "crime_counts_from_politie",
    "fetch_municipality",
    "import_files",
    "import_many",
    "indicators_from_kerncijfers",
    "liveability_from_leefbaarometer",
    "liveability_grid",
    "streets_from_osm",
]
