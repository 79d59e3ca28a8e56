"""Every tuning value of the night analytics in one place, each with the reason for its value.

:class:`AnalysisSettings` holds the physical and geometric assumptions (grids, thresholds,
distances); :class:`CptedWeights` the weights of the street CPTED indicator;
:data:`EYES_WEIGHTS` how much a building's façade watches the street by day and at night.
All are plain frozen dataclasses/dicts: adjustable, hashable (they key the analysis cache) and
printed in every manifest so a reader sees exactly what was assumed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

__all__ = ["EYES_WEIGHTS", "AnalysisSettings", "CptedWeights"]

#: Weight of one metre of façade of a building of each use, (day, night), in "eyes".
#: Night means the evening hours after dark when people are still about (roughly 18–24 h).
#: Homes watch the street most in the evening; shops and offices by day and hardly at night;
#: garages and sheds have no windows to speak of. A vacant building never watches (weight 0,
#: whatever its use). A building of a use not listed here counts as 'community'.
EYES_WEIGHTS: dict[str, tuple[float, float]] = {
    "residential": (0.5, 1.0),
    "mixed": (1.0, 0.8),  # shops with flats above: shop by day, homes at night
    "retail": (1.0, 0.1),  # closed after about 18-21 h
    "office": (1.0, 0.05),  # a few late workers, cleaners
    "education": (0.8, 0.0),
    "healthcare": (1.0, 0.6),  # hospital and clinics: staffed round the clock, partly
    "community": (0.6, 0.3),  # sports halls, churches, community centres: evening use
    "industrial": (0.4, 0.05),
    "garage": (0.0, 0.0),  # garages and garden sheds: blank walls
}


@dataclass(frozen=True)
class AnalysisSettings:
    """Assumptions of the lighting, surveillance and hidden-spot analysis.

    Parameters
    ----------
    lux_resolution : float
        Cell size of the illuminance raster in metres (RD grid).
    maintenance_factor : float
        Share of a luminaire's rated flux that reaches the street after ageing and dirt
        (EN 13201 practice uses about 0.8). The ``lumen`` in the twin is taken as the luminaire's
        output flux, so no separate optical efficiency is applied.
    cutoff_lux : float
        A lamp's contribution is ignored where it falls below this (sets each lamp's influence
        radius; the neglected tail is below 0.1 lux in the demo even where lamps are dense).
    max_radius : float
        Upper bound on any lamp's influence radius (m).
    dark_lux : float
        Horizontal illuminance below which a place counts as dark.
    lighting_spacing : float
        Spacing of the sample points along a street segment for lighting statistics (m).
    view_distance : float
        A façade overlooks a place within this distance (m) when nothing blocks the view.
    facade_spacing : float
        Façades are cut into pieces of at most this length; each piece is one potential window
        at its midpoint (m).
    surveillance_spacing : float
        Spacing of the sample points along a street segment for surveillance (m).
    surveillance_resolution : float
        Cell size of the surveillance raster and of the hidden-spot search (m).
    full_view_m : float
        Weighted façade length in view at which a place counts as fully overlooked (score 1).
    unobserved_score : float
        A night surveillance score below this counts as unobserved.
    path_buffer : float
        The street space: public space within this distance (m) of a street, path or footway
        centre line. The surveillance raster covers it, and hidden spots are searched in it,
        where people walk (not in back gardens, which open data counts as public space).
    built_up_distance : float
        ... and inside the built-up area: within this distance (m) of a building (measured on
        the surveillance grid). Unlit paths across fields and woods are dark routes, not
        entrapment spots, and would swamp the list.
    vacancy_radius : float
        Buildings within this distance (m) of a segment count as its vicinity for vacancy.
    vacancy_full : float
        Share of vacant buildings nearby at which the vacancy component of the CPTED indicator
        reaches its worst value (0).
    lux_target : float
        Mean illuminance at which the lighting-level component reaches its best value (1);
        5 lux is the average of EN 13201 class P4, common on Dutch residential streets.
    """

    lux_resolution: float = 5.0
    maintenance_factor: float = 0.8
    cutoff_lux: float = 0.01
    max_radius: float = 150.0
    dark_lux: float = 1.0
    lighting_spacing: float = 5.0
    view_distance: float = 30.0
    facade_spacing: float = 10.0
    surveillance_spacing: float = 10.0
    surveillance_resolution: float = 10.0
    full_view_m: float = 50.0
    unobserved_score: float = 0.2
    path_buffer: float = 10.0
    built_up_distance: float = 50.0
    vacancy_radius: float = 50.0
    vacancy_full: float = 0.25
    lux_target: float = 5.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not value > 0:
                raise ValueError(f"analysis setting {f.name} must be positive, not {value!r}")
        if self.maintenance_factor > 1:
            raise ValueError(
                f"analysis setting maintenance_factor must be at most 1, "
                f"not {self.maintenance_factor!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CptedWeights:
    """Weights of the street CPTED indicator's components (any non-negative numbers).

    Each component is a 0–1 value where 1 is the better design. The indicator is the weighted
    mean of the components available for a segment, times 100; a component that is missing
    (no expert score, no buildings nearby) drops out and the other weights are rescaled.

    Parameters
    ----------
    lighting_level : float
        ``min(1, mean lux / lux_target)``.
    lighting_continuity : float
        ``1 - share of the length below dark_lux``.
    surveillance_night, surveillance_day : float
        The eyes-on-the-street scores.
    vacancy : float
        ``1 - min(1, vacant share of nearby buildings / vacancy_full)``.
    experts : float
        CPTED experts' score of the segment or its buurt, 1–5 rescaled to 0–1.
    """

    lighting_level: float = 0.20
    lighting_continuity: float = 0.20
    surveillance_night: float = 0.25
    surveillance_day: float = 0.10
    vacancy: float = 0.10
    experts: float = 0.15

    def __post_init__(self) -> None:
        values = self.to_dict()
        bad = {k: v for k, v in values.items() if not v >= 0}
        if bad:
            raise ValueError(f"CPTED weights must be zero or more: {bad}")
        if sum(values.values()) <= 0:
            raise ValueError("at least one CPTED weight must be above zero")

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self))
