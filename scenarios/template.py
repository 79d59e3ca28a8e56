"""A commented example scenario file that runs as it is (``socialtwin scenario template``).

The example is built from the twin it is for, so every street and building id in it exists:
it picks the buurt with the most dwellings, two of its streets, a vacant building and a spot
on its busiest street.
"""

from __future__ import annotations

import shapely

from scenarios.constants import DEFAULT_DRAWS, DEFAULT_SEED
from twin import Twin

__all__ = ["template_toml"]

_TEMPLATE = """\
# Social Twin scenario file (TOML). Run it with:
#     socialtwin scenario run THIS_FILE.toml [--json]
# Format and model: docs/scenarios.md. Evidence behind every effect: docs/evidence.md.
# Distances and spots are in RD New metres (EPSG:28992); spots_lonlat takes [lon, lat].

[scenario]
name = "Voorbeeld: {buurt_name}"
description = "Beter licht, heggen snoeien en een leeg pand opknappen in {buurt_name} ({buurt})."
seed = {seed}              # same seed, same result (and paired comparisons)
draws = {draws}            # Monte-Carlo draws (default 10000)
horizons = [1, 3]          # report year 1 and year 3
# baseline_years = 3       # indicator years averaged into the baseline

# Harm-weighted index: weights per outcome. These are the project's illustrative defaults,
# not a published index; replace them with WODC or Cambridge Crime Harm Index weights.
[harm_weights]
violence = 3.0
burglary = 2.0
vandalism = 1.0
nuisance = 0.25

# Each [[intervention]] has a type (one of: street_lighting, cctv, vacant_lot_greening,
# vacant_building_renovation, alley_gating, foot_patrol, graffiti_litter_removal,
# hedge_trimming, youth_facility, burglary_proofing), what it is placed on
# (streets / buildings / spots / areas) and its parameters. Costs are optional.

[[intervention]]
type = "street_lighting"
label = "LED-verlichting {street_name}"
streets = [{streets}]
spacing_m = 25.0           # metres between poles
lumen = 4000.0             # luminous flux per lamp
height_m = 6.0             # mounting height
cost_eur = 45000.0         # one-off
annual_cost_eur = 1200.0   # energy and maintenance

[[intervention]]
type = "hedge_trimming"
label = "Zichtlijnen vrijmaken"
streets = [{streets}]
# hedge trimming has no reliable effect estimate: the result says so and widens the interval

[[intervention]]
type = "{building_type}"
label = "Pand op de hoek"
buildings = ["{building}"]
cost_eur = 250000.0

[[intervention]]
type = "foot_patrol"
label = "Wijkteam te voet"
spots = [[{spot_x}, {spot_y}]]
hours_per_week = 12.0      # presence; the effect scales up to 40 h/week (an assumption)
duration_years = 1.0       # deterrence ends when the patrols stop
annual_cost_eur = 30000.0
"""


def template_toml(twin: Twin, *, draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED) -> str:
    """The commented example scenario for ``twin`` (deterministic for a given twin)."""
    b = twin.buildings
    per_buurt = b.groupby("buurt")["dwellings"].sum().sort_values(ascending=False, kind="stable")
    buurt = str(per_buurt.index[0])
    streets = twin.streets[twin.streets["buurt"] == buurt]
    named = streets[streets["name"].notna() & (streets["name"] != "")]
    pool = named if len(named) else streets
    longest = pool.assign(_len=pool.geometry.length).sort_values(
        ["_len", "id"], ascending=[False, True], kind="stable"
    )
    picked = longest.head(2)
    here = b[b["buurt"] == buurt]
    vacant = here[here["vacant"]]
    building = (vacant if len(vacant) else here).sort_values("id", kind="stable").iloc[0]
    spot = shapely.line_interpolate_point(picked.geometry.iloc[0], 0.5, normalized=True)
    return _TEMPLATE.format(
        buurt=buurt,
        buurt_name=twin.area_name(buurt),
        seed=seed,
        draws=draws,
        street_name=picked["name"].iloc[0] or picked["id"].iloc[0],
        streets=", ".join(f'"{s}"' for s in picked["id"]),
        building=building["id"],
        building_type="vacant_building_renovation"
        if bool(building["vacant"])
        else "burglary_proofing",
        spot_x=round(spot.x, 1),
        spot_y=round(spot.y, 1),
    )
