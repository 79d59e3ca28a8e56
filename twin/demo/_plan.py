"""Per-buurt plan for the demo: character, built-up zone and housing mix, from the real figures.

The buurt's real dwelling count fixes how much land is built up; the rest becomes parks, forest
and farmland. Its real WOZ value and share of corporation rentals set the housing mix (more
apartments and row houses where rentals dominate, more detached houses where values are high).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry.base import BaseGeometry

#: Buurten whose real character is not housing (known business parks, the hospital, centres).
CHARACTER = {
    "BU09173300": "centre",  # Heerlen-Centrum
    "BU09171200": "centre",  # Hoensbroek-Centrum
    "BU09171400": "business",  # De Koumen (bedrijventerrein)
    "BU09173500": "business",  # Ten Esschen (Woonboulevard, bedrijventerrein)
    "BU09173002": "business",  # In de Cramer
    "BU09173903": "business",  # Schiffelerveld (offices)
    "BU09173602": "hospital",  # Ziekenhuis
}
#: Buurten with fewer dwellings than this (and no other character) are rural.
RURAL_DWELLINGS = 45
#: Gross density of built-up residential land, dwellings per km² (Dutch post-war suburbs).
GROSS_DENSITY = 3200.0


@dataclass
class BuurtPlan:
    code: str
    wijk: str
    name: str
    character: str  # residential, centre, business, hospital, rural
    polygon: BaseGeometry
    built: BaseGeometry  # the built-up zone (streets and buildings go here)
    dwellings: int
    theta: float  # grid rotation, degrees
    long_gap: float  # metres between cross streets
    short_gap: float  # metres between parallel streets
    alleys: bool  # achterpaden behind row houses
    mix: dict[str, float]  # share of dwellings per housing type
    era: float  # typical year of construction
    low_income: float  # % low-income households (real)
    dense: bool = False  # gross density above 4500 dwellings/km²: taller apartment blocks


def _mix(woz: float, corp: float, density: float, character: str) -> dict[str, float]:
    """Share of dwellings in apartments, row, semi-detached and detached houses."""
    if character == "centre":
        return {"apartment": 0.78, "row": 0.2, "semi": 0.02, "detached": 0.0}
    apt = np.clip(
        0.02 + 0.3 * (corp / 100) + 0.4 * np.clip((density - 3500) / 4000, 0, 1), 0.02, 0.8
    )
    wealth = np.clip((woz - 120) / 180, 0, 1)
    detached = np.clip(0.02 + 0.4 * wealth, 0, 0.5) * (1 - apt)
    semi = np.clip(0.05 + 0.25 * wealth, 0, 0.3) * (1 - apt)
    row = max(1 - apt - detached - semi, 0.0)
    return {
        "apartment": float(apt),
        "row": float(row),
        "semi": float(semi),
        "detached": float(detached),
    }


def buurt_plans(buurten, facts: dict[str, dict[str, float]], rng: np.random.Generator):
    """One :class:`BuurtPlan` per buurt (rows of ``buurten``: code, parent, name, geometry)."""
    plans = []
    theta_of_wijk: dict[str, float] = {}
    for row in buurten.itertuples():
        f = facts.get(row.code, {})
        dwellings = int(f.get("dwellings", 0))
        character = CHARACTER.get(row.code, "residential")
        if character == "residential" and dwellings < RURAL_DWELLINGS:
            character = "rural"
        poly = row.geometry
        area_km2 = poly.area / 1e6
        if character == "rural":
            need = 0.02
        elif character in ("business", "hospital"):
            need = area_km2 * (0.55 if character == "business" else 0.5)
        elif character == "centre":
            need = area_km2
        else:
            need = dwellings / GROSS_DENSITY
        frac = float(np.clip(need / area_km2, 0.05, 1.0))
        if frac > 0.92:
            built = poly
        else:
            c = poly.representative_point()
            f_lin = np.sqrt(frac)
            for _ in range(12):  # scale the buurt shape about its centre to the needed area
                built = shapely.affinity.scale(poly, f_lin, f_lin, origin=c).intersection(poly)
                f_lin *= np.sqrt(frac * poly.area / max(built.area, 1.0))
                f_lin = min(f_lin, 1.0)
        theta = theta_of_wijk.setdefault(row.parent, float(rng.uniform(0, 90)))
        density = dwellings / max(built.area / 1e6, 1e-3)
        woz = float(f.get("woz_value", 150) or 150)
        corp = float(f.get("pct_corporation_rental", 30) or 30)
        mix = _mix(woz, corp, density, character)
        era = float(np.clip(1985 - 0.6 * corp + rng.normal(0, 8) + 0.05 * (woz - 150), 1930, 2012))
        if character == "centre":
            era = 1955.0
        plans.append(
            BuurtPlan(
                code=row.code,
                wijk=row.parent,
                name=row.name,
                character=character,
                polygon=poly,
                built=built,
                dwellings=dwellings,
                theta=theta + float(rng.normal(0, 6)),
                long_gap=float(np.clip(rng.normal(120, 12), 95, 150))
                if character != "business"
                else float(rng.uniform(160, 220)),
                short_gap=float(np.clip(rng.normal(64, 4), 56, 74))
                if character != "business"
                else float(rng.uniform(110, 140)),
                alleys=bool(mix["row"] > 0.35 and character == "residential"),
                mix=mix,
                era=era,
                low_income=float(f.get("pct_low_income", 12) or 12),
                dense=bool(density > 4500),
            )
        )
    return plans
