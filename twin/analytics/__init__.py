"""Night and eyes-on-the-street analytics: lighting, natural surveillance, hidden spots, the
street CPTED indicator and feeling vs fact.

Pure functions over the city model (frames and arrays in, frames and DataArrays out); the one
module that touches files is :mod:`twin.analytics.export`.

Use (about 10 s for the demo, then cached)::

    from twin import load_twin
    from twin.analytics import analyse_twin
    a = analyse_twin(load_twin())
    a.buurten[["lux_mean", "surveillance_night", "cpted_indicator"]]

Public API:

- :func:`analyse_twin` → :class:`Analysis` (cached by ``twin.fingerprint``),
  :func:`clear_analysis_cache`;
- assumptions: :class:`AnalysisSettings`, :class:`CptedWeights`, :data:`EYES_WEIGHTS`;
- lighting: :func:`lighting_change` (before → after a change of the lights, only where it
  reaches), :func:`intensity_from_lumen`, :func:`illuminance`, :func:`lamps_from_lights`,
  :func:`lux_at_points`, :func:`lux_grid`, :func:`segment_lighting`;
- surveillance: :func:`surveillance_change` (before → after a change of the buildings),
  :func:`facades_from_buildings`, :func:`eyes_at_points`,
  :func:`score_from_eyes`, :func:`segment_surveillance`; lines of sight:
  :func:`obstacles_from_footprints`, :func:`blocked`;
- :func:`hidden_spots`, :func:`cpted_indicator`, :func:`cpted_components`,
  :func:`feeling_vs_fact`; experts' scores from the CPTED store:
  :func:`expert_scores_from_assessments` → :class:`ExpertScores`;
- grids: :class:`RasterGrid`, :func:`grid_for`, :func:`public_space_mask`,
  :func:`raster_from_array`, :func:`samples_along`;
- export (files): :func:`write_geotiffs`, :func:`analysis_summary`.
"""

from __future__ import annotations

from twin.analytics.analysis import Analysis, analyse_twin, clear_analysis_cache
from twin.analytics.change import (
    LightingChange,
    SurveillanceChange,
    changed_buildings,
    changed_lamps,
    lighting_change,
    surveillance_change,
)
from twin.analytics.cpted import cpted_components, cpted_indicator, expert_component, vacancy_nearby
from twin.analytics.experts import ExpertScores, expert_scores_from_assessments
from twin.analytics.export import analysis_summary, write_geotiffs
from twin.analytics.feeling import feeling_vs_fact
from twin.analytics.grid import RasterGrid, grid_for, public_space_mask, raster_from_array
from twin.analytics.hidden import hidden_spots
from twin.analytics.lighting import (
    illuminance,
    intensity_from_lumen,
    lamps_from_lights,
    lux_at_points,
    lux_grid,
    segment_lighting,
)
from twin.analytics.params import EYES_WEIGHTS, AnalysisSettings, CptedWeights
from twin.analytics.sampling import samples_along
from twin.analytics.sightlines import blocked, obstacles_from_footprints
from twin.analytics.surveillance import (
    eyes_at_points,
    facades_from_buildings,
    score_from_eyes,
    segment_surveillance,
)

__all__ = [
    "EYES_WEIGHTS",
    "Analysis",
    "AnalysisSettings",
    "CptedWeights",
    "ExpertScores",
    "LightingChange",
    "RasterGrid",
    "SurveillanceChange",
    "analyse_twin",
    "analysis_summary",
    "blocked",
    "changed_buildings",
    "changed_lamps",
    "clear_analysis_cache",
    "cpted_components",
    "cpted_indicator",
    "expert_component",
    "expert_scores_from_assessments",
    "eyes_at_points",
    "facades_from_buildings",
    "feeling_vs_fact",
    "grid_for",
    "hidden_spots",
    "illuminance",
    "intensity_from_lumen",
    "lamps_from_lights",
    "lighting_change",
    "lux_at_points",
    "lux_grid",
    "obstacles_from_footprints",
    "public_space_mask",
    "raster_from_array",
    "samples_along",
    "score_from_eyes",
    "segment_lighting",
    "segment_surveillance",
    "surveillance_change",
    "vacancy_nearby",
    "write_geotiffs",
]
