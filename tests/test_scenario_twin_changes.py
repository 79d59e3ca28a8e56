"""Physical interventions change the twin (purely): lights, vacancy, sightlines, parks."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from scenarios import ScenarioError, apply_to_twin, scenario_from_dict, twin_changes
from twin import validate_layer


def scen(*items):
    return scenario_from_dict({"scenario": {"name": "t"}, "intervention": list(items)})


@pytest.fixture(scope="module")
def street(small):
    s = small.streets.assign(length=small.streets.geometry.length)
    lit = s[s["id"].isin(small.lights["street"]) & (s["length"] > 100)]
    return lit.sort_values("id").iloc[0]


def test_lighting_replaces_lights_at_the_stated_spacing(small, street):
    s = scen(
        {
            "type": "street_lighting",
            "streets": [street["id"]],
            "spacing_m": 20.0,
            "lumen": 5000.0,
            "height_m": 7.0,
        }
    )
    after, log = twin_changes(small, s)
    old_here = small.lights[small.lights["street"] == street["id"]]
    new = after.lights[after.lights["added_by"] == "street_lighting"]
    assert len(new) == int(street["length"] // 20.0) > 0
    assert log[0]["lights_added"] == len(new) and log[0]["lights_removed"] == len(old_here)
    assert (new["lumen"] == 5000.0).all() and (new["height"] == 7.0).all()
    assert len(after.lights) == len(small.lights) - len(old_here) + len(new)
    d = shapely.distance(new.geometry.to_numpy(), street.geometry)
    assert np.allclose(d, 4.0, atol=0.05)  # beside the street, not on it
    assert after.lights["id"].is_unique
    validate_layer(after.lights, "lights")
    assert after.fingerprint != small.fingerprint
    # pure: the input twin is unchanged
    assert "added_by" not in small.lights.columns


def test_lighting_can_keep_existing_lights(small, street):
    s = scen({"type": "street_lighting", "streets": [street["id"]], "replace_existing": False})
    after = apply_to_twin(small, s)
    assert len(after.lights) > len(small.lights)


def test_renovated_buildings_are_no_longer_vacant(small):
    vacant = small.buildings[small.buildings["vacant"]]
    assert len(vacant) >= 2
    after = apply_to_twin(
        small,
        scen({"type": "vacant_building_renovation", "buildings": list(vacant["id"].iloc[:2])}),
    )
    assert after.buildings["vacant"].sum() == vacant.shape[0] - 2
    whole = apply_to_twin(
        small, scen({"type": "vacant_building_renovation", "areas": ["BU09173300"]})
    )
    assert whole.buildings["vacant"].sum() == 0
    validate_layer(whole.buildings, "buildings")
    assert small.buildings["vacant"].sum() == len(vacant)


def test_sightlines_cctv_gating_and_proofing_are_recorded(small, street):
    b = small.buildings["id"].iloc[0]
    after, log = twin_changes(
        small,
        scen(
            {"type": "hedge_trimming", "streets": [street["id"]]},
            {"type": "alley_gating", "streets": [street["id"]]},
            {
                "type": "cctv",
                "spots": [list(street.geometry.interpolate(0.5, normalized=True).coords[0])],
            },
            {"type": "burglary_proofing", "buildings": [b]},
        ),
    )
    s = after.streets.set_index("id")
    assert s.loc[street["id"], "sightlines_improved"] and s["sightlines_improved"].sum() == 1
    assert s.loc[street["id"], "gated"] and s.loc[street["id"], "cctv"]
    assert after.buildings.set_index("id").loc[b, "burglary_proofed"]
    assert [entry["type"] for entry in log] == [
        "hedge_trimming",
        "alley_gating",
        "cctv",
        "burglary_proofing",
    ]
    validate_layer(after.streets, "streets")


def test_greening_adds_a_park(small):
    x, y = small.buildings.geometry.iloc[0].centroid.coords[0]
    after = apply_to_twin(
        small, scen({"type": "vacant_lot_greening", "spots": [[x + 30, y]], "lot_m2": 900.0})
    )
    parks = after.ground[after.ground["kind"] == "park"]
    assert len(after.ground) == len(small.ground) + 1
    assert parks.geometry.area.max() == pytest.approx(900.0)


def test_non_physical_measures_leave_the_twin_alone(small):
    s = scen(
        {"type": "foot_patrol", "areas": ["BU09173300"]},
        {"type": "youth_facility", "areas": ["BU09173300"]},
    )
    assert apply_to_twin(small, s) is small


def test_unknown_targets_are_named(small):
    with pytest.raises(ScenarioError, match="street 'nope' is not in this twin"):
        apply_to_twin(small, scen({"type": "street_lighting", "streets": ["nope"]}))
    with pytest.raises(ScenarioError, match="building 'nope' is not in this twin"):
        apply_to_twin(small, scen({"type": "vacant_building_renovation", "buildings": ["nope"]}))
    with pytest.raises(ScenarioError, match="area 'BU00000000' is not a buurt or wijk"):
        apply_to_twin(small, scen({"type": "street_lighting", "areas": ["BU00000000"]}))
