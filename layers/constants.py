"""Wire-format and tuning constants of the layer builders, each with the reason for its value."""

from __future__ import annotations

#: Version of the baked binary layer format; part of every asset URL, so a change busts caches.
BAKE_VERSION = 1
#: Magic bytes at the start of every baked layer file ("Social Twin Binary").
BAKE_MAGIC = b"STB1"
#: Coordinates are quantised to 1e-7 degree (≈1.1 cm north–south, ≈0.7 cm east–west in
#: Heerlen): finer than any source, and small integer deltas compress well.
COORD_SCALE = 1e-7
#: Building heights travel in decimetres (uint16): 0.1 m is finer than 3DBAG's accuracy.
HEIGHT_SCALE = 0.1
#: gzip level for baked files: 9 costs once at bake time and saves bytes on every first load.
GZIP_LEVEL = 9

#: Default number of classes for a choropleth: five classes are what readers can tell apart.
DEFAULT_CLASSES = 5
#: Most classes a user may choose; beyond seven, colour-blind-safe palettes stop being legible.
MAX_CLASSES = 7
#: Classification methods offered in the UI.
CLASS_METHODS = ("quantile", "equal_interval", "natural_breaks")

#: Most markers one overlay may carry (CPTED assessments are far fewer); sent once as a file.
MAX_MARKERS = 10_000
#: Most pixels of a raster overlay (a 2,000 × 2,000 PNG): enough for 10 m cells over Heerlen.
MAX_RASTER_PIXELS = 4_000_000

#: RGBA for "no data" areas: a neutral light grey that no palette uses.
NO_DATA_RGBA = (200, 200, 200, 150)
#: RGBA for suppressed areas ("<5"): a hatched look is not possible per polygon, so a darker grey.
SUPPRESSED_RGBA = (150, 150, 150, 170)
