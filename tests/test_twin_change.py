"""Lighting and surveillance before → after a change of the twin, recomputed only where the
change reaches, checked against the whole city computed the brute-force way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from scenarios import scenario_from_dict, twin_changes
from twin.analytics import (
    AnalysisSettings,
    changed_buildings,
    changed_lamps,
    eyes_at_points,
    facades_from_buildings,
    lamps_from_lights,
    lighting_change,
    lux_at_points,
    obstacles_from_footprints,
    samples_along,
    segment_lighting,
    segment_surveillance,
    surveillance_change,
)


def _lit_street(twin):
    s = twin.streets.assign(length=twin.streets.geometry.length)
    lit = s[s["id"].isin(twin.lights["street"]) & (s["length"] > 100)]
    return lit.sort_values("id").iloc[0]


def _lighting(twin, street_id, **params):
    raw = {"type": "street_lighting", "streets": [street_id], **params}
    scenario = scenario_from_dict({"scenario": {"name": "t"}, "intervention": [raw]})
    return twin_changes(twin, scenario)[0]


def _whole_city_means(twin, settings):
    """The brute force: every segment of the city, every lamp."""
    samples = samples_along(twin.streets.geometry.to_numpy(), settings.lighting_spacing)
    lux = lux_at_points(samples.xy, lamps_from_lights(twin.lights, settings))
    table = segment_lighting(samples, lux, len(twin.streets), settings.dark_lux)
    return pd.Series(table["lux_mean"].to_numpy(), index=twin.streets["id"].to_numpy())


def test_no_change_is_empty(small):
    change = lighting_change(small, small)
    assert change.empty and change.lamps_changed == 0
    assert change.totals["dark_m_before"] == change.totals["dark_m_after"] == 0.0


def test_local_recompute_equals_the_whole_city_brute_force(small):
    street = _lit_street(small)
    after = _lighting(small, street["id"], spacing_m=15.0, lumen=6000.0, height_m=6.0)
    settings = AnalysisSettings()
    change = lighting_change(small, after, settings)
    full_before, full_after = _whole_city_means(small, settings), _whole_city_means(after, settings)
    moved = full_before.index[~np.isclose(full_before, full_after, atol=1e-3)]
    assert set(change.segments["id"]) == set(moved)
    assert street["id"] in set(change.segments["id"])
    got = change.segments.set_index("id")
    np.testing.assert_allclose(got["lux_mean_before"], full_before[got.index], rtol=1e-9)
    np.testing.assert_allclose(got["lux_mean_after"], full_after[got.index], rtol=1e-9)


def test_brighter_lamps_light_more_and_leave_less_dark(small):
    street = _lit_street(small)
    after = _lighting(small, street["id"], spacing_m=10.0, lumen=12000.0, height_m=6.0)
    change = lighting_change(small, after)
    row = change.segments.set_index("id").loc[street["id"]]
    assert row["lux_mean_after"] > row["lux_mean_before"]
    assert row["dark_m_after"] <= row["dark_m_before"]
    t = change.totals
    assert t["segments"] == len(change.segments) and t["length_m"] > 0
    assert t["dark_m_after"] <= t["dark_m_before"]


def test_removing_lamps_darkens(small):
    street = _lit_street(small)
    after = small.replace_layers(lights=small.lights[small.lights["street"] != street["id"]])
    change = lighting_change(small, after)
    assert change.lamps_changed == int((small.lights["street"] == street["id"]).sum())
    row = change.segments.set_index("id").loc[street["id"]]
    assert row["lux_mean_after"] < row["lux_mean_before"]
    assert row["dark_m_after"] >= row["dark_m_before"]


def test_changed_lamps_counts_added_removed_and_altered(small):
    lights = small.lights.iloc[:5].copy()
    altered = lights.copy()
    altered.loc[altered.index[0], "lumen"] = altered["lumen"].iloc[0] * 2  # same place, brighter
    altered.loc[altered.index[1], "geometry"] = shapely.Point(0.0, 0.0)  # moved
    altered = altered.drop(index=altered.index[2])  # removed
    spots = changed_lamps(lights, altered)
    # brighter: old + new place (the same point); moved: old + new; removed: one
    assert spots.shape == (5, 2)
    assert [0.0, 0.0] in spots.tolist()


# -- natural surveillance: renovating a vacant building ------------------------------------------
def _renovate(twin, n=2):
    """The twin with ``n`` vacant homes near streets brought back into use."""
    b = twin.buildings
    vacant = b[b["vacant"].fillna(False).astype(bool) & (b["use"] == "residential")]
    assert len(vacant) >= n, "the small twin needs vacant homes for this test"
    ids = set(vacant.sort_values("id")["id"].iloc[:n])
    after = b.copy()
    after["vacant"] = after["vacant"].where(~after["id"].isin(ids), False)
    return twin.replace_layers(buildings=after), ids


def _whole_city_watch(twin, settings):
    samples = samples_along(twin.streets.geometry.to_numpy(), settings.surveillance_spacing)
    facades = facades_from_buildings(twin.buildings, settings)
    obstacles = obstacles_from_footprints(twin.buildings.geometry.to_numpy())
    eyes = eyes_at_points(samples.xy, facades, obstacles, settings.view_distance)
    table = segment_surveillance(samples, eyes, len(twin.streets), settings)
    return table.set_index(twin.streets["id"].to_numpy())


def test_surveillance_change_equals_the_whole_city_brute_force(small):
    settings = AnalysisSettings()
    after, ids = _renovate(small)
    change = surveillance_change(small, after, settings)
    assert change.buildings_changed == len(ids)
    full_b, full_a = _whole_city_watch(small, settings), _whole_city_watch(after, settings)
    moved = full_b.index[
        ~np.isclose(full_b["surveillance_night"], full_a["surveillance_night"])
        | ~np.isclose(full_b["surveillance_day"], full_a["surveillance_day"])
    ]
    assert len(moved) > 0 and set(change.segments["id"]) == set(moved)
    got = change.segments.set_index("id")
    for col in ("surveillance_night", "surveillance_day"):
        np.testing.assert_allclose(got[f"{col}_before"], full_b.loc[got.index, col], rtol=1e-9)
        np.testing.assert_allclose(got[f"{col}_after"], full_a.loc[got.index, col], rtol=1e-9)
    # homes in use watch the street: never less surveillance, less unobserved length
    assert (got["surveillance_night_after"] >= got["surveillance_night_before"] - 1e-12).all()
    t = change.totals
    assert t["unobserved_m_after"] <= t["unobserved_m_before"]
    assert t["surveillance_night_after"] > t["surveillance_night_before"]


def test_no_building_change_no_surveillance_change(small):
    change = surveillance_change(small, small)
    assert change.empty and change.buildings_changed == 0
    assert len(changed_buildings(small.buildings, small.buildings)) == 0
