"""Model and file-format constants, in one place, each with the reason for its value."""

from __future__ import annotations

#: Analysis CRS: Amersfoort / RD New, metres; every Dutch source uses it.
RD_CRS = "EPSG:28992"
#: Display CRS for the browser (deck.gl works in longitude/latitude).
WGS84_CRS = "EPSG:4326"

#: Version of the twin directory format written by :func:`twin.write_twin`.
TWIN_FORMAT_VERSION = 1
#: Name of the metadata file that marks a directory as a twin.
TWIN_META_FILE = "twin.json"
#: Name of the manifest file (sources, licences, legal basis per layer and indicator).
MANIFEST_FILE = "manifest.json"
#: Long-format indicator table inside a twin directory.
INDICATORS_FILE = "indicators.parquet"

#: Coordinates are stored rounded to 1 cm in RD: finer than any source we use, and it makes
#: generated files byte-identical across runs and compress well.
RD_PRECISION_M = 0.01

#: CBS rule of thumb: counts below 5 are suppressed and shown as "<5".
DEFAULT_MIN_COUNT = 5
#: Rates and percentages over fewer than this many people (their base) are suppressed too:
#: CBS publishes no buurt rates for very small populations.
DEFAULT_MIN_BASE = 50

#: Parquet compression for layers: zstd is fast to read and about 2x smaller than snappy here.
PARQUET_COMPRESSION = "zstd"

#: The interventions a scenario can place, in a fixed order: the scenario engine derives each
#: intervention's random stream from its position here, and the CPTED studio offers exactly
#: these as proposed measures (``twin.assessments.MEASURE_IDS``, ``scenarios.INTERVENTION_IDS``).
INTERVENTION_IDS = (
    "street_lighting",
    "cctv",
    "vacant_lot_greening",
    "vacant_building_renovation",
    "alley_gating",
    "foot_patrol",
    "graffiti_litter_removal",
    "hedge_trimming",
    "youth_facility",
    "burglary_proofing",
)
