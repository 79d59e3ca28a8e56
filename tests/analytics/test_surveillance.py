"""Natural surveillance: façades, weights by use and time, line of sight, segment scores."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Polygon
from twins import X0, Y0, house, make_twin, street

from twin.analytics import (
    EYES_WEIGHTS,
    AnalysisSettings,
    analyse_twin,
    eyes_at_points,
    facades_from_buildings,
    score_from_eyes,
)
from twin.analytics.sightlines import obstacles_from_footprints
from twin.analytics.surveillance import eyes_weights

SETTINGS = AnalysisSettings()


def _eyes(twin, points):
    """Eyes (day, night) at points given relative to the test origin."""
    facades = facades_from_buildings(twin.buildings, SETTINGS)
    tree = obstacles_from_footprints(twin.buildings.geometry.to_numpy())
    xy = np.asarray(points, dtype=float) + np.array([X0, Y0])
    return eyes_at_points(xy, facades, tree, SETTINGS.view_distance)


def _row_street(use="residential", vacant=False, blank=False):
    """A 100 m street along y = 0 with ten 8 x 10 m buildings on each side, 8 m from the axis."""
    props = {"use": "garage" if blank else use, "vacant": vacant}
    homes = [house(x, 8, **props) for x in range(0, 100, 10)]
    homes += [house(x, -18, **props) for x in range(0, 100, 10)]
    return make_twin(homes, [street([(0, 0), (100, 0)])])


def test_one_window_seen_straight_on_by_hand():
    # a 10 m wide home whose front wall is at y = 20 faces the point (5, 0), 20 m away: its
    # front (one 10 m piece) is in view; the side and back walls face away
    twin = make_twin([house(0, 20, w=10, d=10)])
    eyes = _eyes(twin, [(5, 0)])
    assert eyes.night[0] == pytest.approx(10.0 * EYES_WEIGHTS["residential"][1])
    assert eyes.day[0] == pytest.approx(10.0 * EYES_WEIGHTS["residential"][0])
    # 35 m away the window is beyond the 30 m view distance
    assert _eyes(twin, [(5, -15)]).night[0] == 0.0


def test_a_building_between_the_window_and_the_street_blocks_the_view():
    home = house(0, 20, w=10, d=10)
    shed = house(-5, 8, w=20, d=4, use="garage", height=2.5)
    seen = _eyes(make_twin([home]), [(5, 0)])
    blocked = _eyes(make_twin([home, shed]), [(5, 0)])
    assert seen.night[0] == pytest.approx(10.0)
    assert blocked.night[0] == 0.0
    # the shed blocks only where it stands between them: from (28, 5) the line passes east of it
    assert _eyes(make_twin([home, shed]), [(28, 5)]).night[0] > 0


def test_a_window_does_not_see_through_its_own_building():
    # An L-shaped home: a south wing (0..20 x 0..8) and an east wing (12..20 x 8..20). The
    # inner wall of the east wing (x = 12, two 6 m pieces) faces west, towards P = (-10, 0),
    # within 30 m -- but the lines from it to P cross the home's own south wing.
    l_shape = Polygon([(0, 0), (20, 0), (20, 20), (12, 20), (12, 8), (0, 8)])
    twin = make_twin([{**house(0, 0), "geometry": shapely.affinity.translate(l_shape, X0, Y0)}])
    facades = facades_from_buildings(twin.buildings, SETTINGS)
    inner = np.flatnonzero(np.isclose(facades.xy[:, 0], X0 + 12 - 0.05))
    assert len(inner) == 2
    p = np.array([X0 - 10, Y0])
    assert np.all(facades.normal[inner] @ [-1.0, 0.0] == 1.0)
    assert np.all(np.hypot(*(facades.xy[inner] - p).T) < SETTINGS.view_distance)
    # only the west end wall of the south wing (8 m) is in view from P
    assert _eyes(twin, [(-10, 0)]).night[0] == pytest.approx(8.0)
    # from (5, 25), above the south wing, the inner wall is in view again
    assert _eyes(twin, [(5, 25)]).night[0] >= 12.0


def test_a_street_lined_with_homes_scores_high_at_night():
    seg = analyse_twin(_row_street(), use_cache=False).segments.iloc[0]
    assert seg["surveillance_night"] > 0.9
    assert seg["surveillance_day"] < seg["surveillance_night"]


def test_a_street_between_offices_scores_low_at_night_and_high_by_day():
    seg = analyse_twin(_row_street("office"), use_cache=False).segments.iloc[0]
    assert seg["surveillance_night"] < 0.1
    assert seg["surveillance_day"] > 0.9


@pytest.mark.parametrize("kind", ["blank walls", "vacant homes"])
def test_blank_walls_and_vacant_buildings_never_watch(kind):
    twin = _row_street(blank=True) if kind == "blank walls" else _row_street(vacant=True)
    seg = analyse_twin(twin, use_cache=False).segments.iloc[0]
    assert seg["surveillance_night"] == 0.0 and seg["surveillance_day"] == 0.0


def test_party_walls_have_no_windows():
    pair = make_twin([house(0, 0), house(8, 0)])  # two row houses sharing the wall x = 8
    facades = facades_from_buildings(pair.buildings, SETTINGS)
    assert not np.any(np.isclose(facades.xy[:, 0], X0 + 8, atol=0.1))
    assert len(facades) == 6  # two fronts, two backs, two gable ends


@pytest.mark.parametrize("orient", ["ccw", "cw"])
def test_facade_normals_point_outwards_whatever_the_ring_orientation(orient):
    poly = shapely.geometry.box(X0, Y0, X0 + 10, Y0 + 10)
    poly = shapely.geometry.polygon.orient(poly, 1.0 if orient == "ccw" else -1.0)
    twin = make_twin([{**house(0, 0), "geometry": poly}])
    f = facades_from_buildings(twin.buildings, SETTINGS)
    centre = np.array([X0 + 5, Y0 + 5])
    assert np.all(np.einsum("ij,ij->i", f.xy - centre, f.normal) > 0)


def test_weights_table_vacancy_and_unknown_uses():
    twin = make_twin([house(0, 0), house(20, 0, vacant=True), house(40, 0, use="office")])
    day, night = eyes_weights(twin.buildings)
    assert list(night) == [1.0, 0.0, EYES_WEIGHTS["office"][1]]
    assert list(day) == [EYES_WEIGHTS["residential"][0], 0.0, 1.0]
    frame = twin.buildings.assign(use=["lighthouse", "residential", "office"])
    assert eyes_weights(frame)[0][0] == EYES_WEIGHTS["community"][0]


def test_score_saturates_at_full_view():
    assert score_from_eyes(np.array([0, 10, 50, 500]), 50.0).tolist() == [0.0, 0.2, 1.0, 1.0]


@given(
    st.lists(
        st.tuples(st.floats(-20, 100), st.floats(5, 40), st.sampled_from(sorted(EYES_WEIGHTS))),
        min_size=0,
        max_size=6,
    ),
    st.floats(-20, 100),
    st.floats(-40, -5),
)
def test_adding_a_home_never_lowers_surveillance(existing, new_x, new_y):
    # Buildings stand north of the street (y >= 5) and the new home south of it (y <= -5): a
    # home there cannot stand between a northern window and the street, so it can only add
    # eyes. (A building placed between a window and the street may of course block it.)
    north = [house(x, y, use=use) for x, y, use in existing]
    points = [(x, 0.0) for x in np.arange(-20, 111, 7.5)]
    before = _eyes(make_twin(north), points)
    after = _eyes(make_twin([*north, house(new_x, new_y - 10)]), points)
    assert np.all(after.night >= before.night - 1e-9)
    assert np.all(after.day >= before.day - 1e-9)


@given(
    st.lists(
        st.tuples(st.floats(-20, 100), st.floats(-40, 40), st.sampled_from(sorted(EYES_WEIGHTS))),
        min_size=1,
        max_size=6,
    ),
    st.data(),
)
def test_turning_a_building_into_a_home_never_lowers_night_surveillance(specs, data):
    buildings = [house(x, y, use=use) for x, y, use in specs]
    k = data.draw(st.integers(0, len(buildings) - 1))
    changed = [dict(b) for b in buildings]
    changed[k].update(use="residential", vacant=False)
    points = [(x, y) for x in range(-20, 111, 13) for y in (-45, 0, 45)]
    before = _eyes(make_twin(buildings), points)
    after = _eyes(make_twin(changed), points)
    # residential has the highest night weight of all uses
    assert max(w for _, w in EYES_WEIGHTS.values()) == EYES_WEIGHTS["residential"][1]
    assert np.all(after.night >= before.night - 1e-9)


def test_surveillance_raster_covers_the_street_space_only():
    analysis = analyse_twin(_row_street(), use_cache=False)
    night = analysis.surveillance_night
    assert float(night.sel(x=X0 + 50, y=Y0, method="nearest")) > 0.9  # on the street
    assert float(night.sel(x=X0 + 105, y=Y0, method="nearest")) > 0  # its end, 5 m on
    assert np.isnan(float(night.sel(x=X0 + 55, y=Y0 + 15, method="nearest")))  # in a home
    # open ground 60 m from any street (a back garden, a field): not scored
    assert np.isnan(float(night.sel(x=X0 + 55, y=Y0 + 65, method="nearest")))
    assert np.nanmin(night.to_numpy()) >= 0 and np.nanmax(night.to_numpy()) <= 1
    assert night.attrs["units"] == "1" and night.attrs["crs"] == "EPSG:28992"
