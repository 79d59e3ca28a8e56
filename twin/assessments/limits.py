"""Limits and tuning constants of the CPTED studio, in one place, each with its reason."""

from __future__ import annotations

#: Largest photo upload accepted: phone cameras write 3–12 MB JPEGs; more is a video or a scan.
MAX_PHOTO_BYTES = 15 * 1024 * 1024
#: Largest decoded photo: 50 megapixels covers every phone; more is a decompression bomb.
MAX_PHOTO_PIXELS = 50_000_000
#: Stored photos are re-encoded with their longest side at most this: enough to read a sign,
#: small enough (≈0.3–0.8 MB) to keep the store quick to copy and back up.
PHOTO_MAX_EDGE_PX = 2048
#: JPEG quality of stored photos: visually lossless for site photos at a third of the size.
PHOTO_JPEG_QUALITY = 85
#: Photos per assessment: a site walk documents a place with a handful; more belongs elsewhere.
MAX_PHOTOS = 12

#: Largest drawn area: 5 ha is a large block or square; a whole buurt is rolled up instead.
MAX_AREA_M2 = 50_000
#: A spot or building is attributed to the nearest street segment within this distance
#: (a building façade to its street centre line; farther away it belongs to no segment).
STREET_SNAP_M = 30.0

#: Longest note: about ten pages of text; longer is a report to attach, not a note.
MAX_NOTE_CHARS = 20_000
#: Longest assessor name.
MAX_AUTHOR_CHARS = 80

#: Marker payload precision: 6 decimals of a degree ≈ 0.1 m, finer than any click.
MARKER_COORD_DECIMALS = 6
#: Marker scores with one decimal: the colour scale has five classes.
MARKER_SCORE_DECIMALS = 1

#: SQLite waits this long for another writer (another browser tab, the CLI) before failing.
BUSY_TIMEOUT_MS = 10_000
