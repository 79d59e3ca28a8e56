"""Lighting: the point-source model against hand-computed values, the raster, segments, export."""

from __future__ import annotations

import math

import numpy as np
import pytest
import rasterio
from hypothesis import given
from hypothesis import strategies as st
from twins import X0, Y0, house, lamp, make_twin, street

from twin.analytics import (
    AnalysisSettings,
    analyse_twin,
    grid_for,
    illuminance,
    intensity_from_lumen,
    lamps_from_lights,
    lux_at_points,
    lux_grid,
    samples_along,
    segment_lighting,
    write_geotiffs,
)
from twin.analytics.grid import RasterGrid
from twin.analytics.lighting import Lamps

SETTINGS = AnalysisSettings()

# Hand computation for a 3000 lm lamp at 5 m, maintenance factor 0.8:
#   I = 0.8 * 3000 / (2 pi) = 381.97 cd
#   E(0)  = I / h^2                   = 381.97 / 25            = 15.279 lux
#   E(5)  = I * 5 / (25 + 25)^1.5     = 1909.86 / 353.553      =  5.402 lux
#   E(10) = I * 5 / (100 + 25)^1.5    = 1909.86 / 1397.54      =  1.367 lux
#   E(20) = I * 5 / (400 + 25)^1.5    = 1909.86 / 8761.56      =  0.2180 lux
HAND = {0.0: 15.279, 5.0: 5.402, 10.0: 1.367, 20.0: 0.2180}


def _one_lamp(x=0.0, y=0.0, lumen=3000.0, height=5.0):
    twin = make_twin(lights=[lamp(x, y, height=height, lumen=lumen)])
    return lamps_from_lights(twin.lights, SETTINGS)


def test_intensity_is_flux_over_the_lower_hemisphere():
    assert float(intensity_from_lumen(3000.0, 0.8)) == pytest.approx(381.97, abs=0.01)
    assert float(intensity_from_lumen(3000.0, 1.0)) == pytest.approx(3000 / (2 * math.pi))


@pytest.mark.parametrize(("d", "expected"), sorted(HAND.items()))
def test_one_lamp_gives_the_analytic_lux(d, expected):
    lamps = _one_lamp()
    e = lux_at_points(np.array([[X0 + d, Y0], [X0, Y0 - d]]), lamps)
    assert e == pytest.approx([expected, expected], rel=1e-3)


def test_illuminance_falls_with_cosine_cubed():
    # E(d) = E(0) * cos^3(theta), theta the angle from the vertical
    i, h = 400.0, 6.0
    for d in (0.0, 3.0, 6.0, 12.0):
        cos = h / math.hypot(d, h)
        assert float(illuminance(i, h, d * d)) == pytest.approx(i / h**2 * cos**3)


def test_influence_radius_is_where_the_contribution_reaches_the_cutoff():
    lamps = _one_lamp()
    r = float(lamps.radius[0])
    assert float(illuminance(lamps.intensity[0], 5.0, r * r)) == pytest.approx(SETTINGS.cutoff_lux)
    inside = lux_at_points(np.array([[X0 + r - 0.01, Y0]]), lamps)[0]
    outside = lux_at_points(np.array([[X0 + r + 0.01, Y0]]), lamps)[0]
    assert inside > 0 and outside == 0.0


def test_raster_cells_hold_the_analytic_lux():
    grid = RasterGrid(west=X0 - 100, north=Y0 + 100, res=5.0, width=40, height=40)
    # a lamp on the centre of cell (row 20, col 20)
    lamps = _one_lamp(-100 + 20 * 5 + 2.5, 100 - 20 * 5 - 2.5)
    lux = lux_grid(lamps, grid)
    assert lux[20, 20] == pytest.approx(HAND[0.0], rel=1e-3)
    assert lux[20, 21] == pytest.approx(HAND[5.0], rel=1e-3)
    assert lux[22, 20] == pytest.approx(HAND[10.0], rel=1e-3)
    assert lux[20, 16] == pytest.approx(HAND[20.0], rel=1e-3)
    assert lux[0, 0] == 0.0  # ~140 m away: beyond the influence radius


@given(
    st.lists(
        st.tuples(
            st.floats(-60, 160), st.floats(-60, 160), st.floats(1.0, 12.0), st.floats(0.0, 20000.0)
        ),
        min_size=0,
        max_size=6,
    )
)
def test_raster_equals_lux_at_the_cell_centres(specs):
    twin = make_twin(lights=[lamp(x, y, height=h, lumen=f) for x, y, h, f in specs])
    lamps = lamps_from_lights(twin.lights, SETTINGS)
    grid = RasterGrid(west=X0 - 50, north=Y0 + 150, res=10.0, width=20, height=20)
    raster = lux_grid(lamps, grid)
    points = grid.centres(np.arange(400))
    assert raster.ravel() == pytest.approx(lux_at_points(points, lamps), rel=1e-5, abs=1e-6)


@given(
    st.lists(st.tuples(st.floats(-50, 150), st.floats(-50, 150)), min_size=0, max_size=5),
    st.tuples(st.floats(-80, 180), st.floats(-80, 180), st.floats(1.0, 12.0), st.floats(1.0, 2e4)),
)
def test_adding_a_lamp_never_lowers_any_lux_value(existing, extra):
    before = make_twin(lights=[lamp(x, y) for x, y in existing])
    x, y, h, f = extra
    after = before.replace_layers(
        lights=make_twin(lights=[*(lamp(x0, y0) for x0, y0 in existing), lamp(x, y, h, f)]).lights
    )
    grid = RasterGrid(west=X0 - 50, north=Y0 + 150, res=5.0, width=40, height=40)
    l0 = lux_grid(lamps_from_lights(before.lights, SETTINGS), grid)
    l1 = lux_grid(lamps_from_lights(after.lights, SETTINGS), grid)
    # float32 sums of the same terms may differ in the last bit; never by more
    assert np.all(l1 >= l0 * (1 - 1e-6))
    pts = grid.centres(np.arange(0, 1600, 7))
    p0 = lux_at_points(pts, lamps_from_lights(before.lights, SETTINGS))
    p1 = lux_at_points(pts, lamps_from_lights(after.lights, SETTINGS))
    assert np.all(p1 >= p0 * (1 - 1e-12))


def test_segment_statistics_by_hand():
    # one 20 m segment, samples every 5 m at 2.5, 7.5, 12.5, 17.5 m; lux there given
    samples = samples_along(np.array([street([(0, 0), (20, 0)])["geometry"]]), 5.0)
    lux = np.array([4.0, 2.0, 0.5, 1.5])
    seg = segment_lighting(samples, lux, 1, dark_lux=1.0)
    row = seg.iloc[0]
    assert row["lux_mean"] == pytest.approx(2.0)
    assert row["lux_min"] == pytest.approx(0.5)
    assert row["lux_uniformity"] == pytest.approx(0.25)
    assert row["dark_share"] == pytest.approx(0.25)


def test_a_street_under_regular_lamps_is_lit_and_one_without_is_dark():
    lamps = [lamp(x, 4.0) for x in range(0, 101, 25)]
    twin = make_twin(
        streets=[street([(0, 0), (100, 0)], name="Lit"), street([(0, 60), (100, 60)], name="Dark")],
        lights=lamps,
        area=(-50, -50, 150, 150),
    )
    # darkest point of 'Lit', halfway between two lamps 25 m apart and 4 m aside:
    # 2 x 1909.86 / (12.5^2 + 4^2 + 5^2)^1.5 = 1.378, plus 0.07 from the next lamps = 1.45
    # 'Dark' is 56 m from the lamps, just inside their 57 m reach: a few hundredths of a lux
    seg = analyse_twin(twin, use_cache=False).segments.set_index("name")
    assert seg.loc["Lit", "lux_min"] == pytest.approx(1.45, abs=0.05)
    assert seg.loc["Lit", "dark_share"] == 0.0
    assert seg.loc["Dark", "lux_mean"] < 0.1
    assert seg.loc["Dark", "dark_share"] == 1.0


def test_removing_all_lights_makes_every_segment_dark():
    twin = make_twin(
        [house(0, 8), house(20, -18)],
        [street([(0, 0), (100, 0)]), street([(50, 0), (50, 80)], highway="footway")],
        [lamp(x, 4.0) for x in range(0, 101, 30)],
    )
    lit = analyse_twin(twin, use_cache=False).segments
    assert (lit["dark_share"] < 1).all()
    dark = analyse_twin(twin.replace_layers(lights=twin.lights.iloc[0:0]), use_cache=False)
    assert (dark.segments["dark_share"] == 1.0).all()
    assert (dark.segments["lux_mean"] == 0.0).all()
    assert (dark.segments["cpted_lighting_level"] == 0.0).all()
    assert np.nanmax(dark.lux.to_numpy()) == 0.0


def test_lux_raster_is_clipped_to_public_space():
    twin = make_twin(
        [house(20, 20, w=30, d=30)],
        [street([(0, 0), (100, 0)])],
        [lamp(35, 10)],
        area=(-50, -50, 150, 150),
        water=[shapely_box(60, 60, 90, 90)],
    )
    lux = analyse_twin(twin, use_cache=False).lux
    assert np.isnan(float(lux.sel(x=X0 + 35, y=Y0 + 35, method="nearest")))  # under the building
    assert np.isnan(float(lux.sel(x=X0 + 75, y=Y0 + 75, method="nearest")))  # on the water
    assert float(lux.sel(x=X0 + 35, y=Y0 + 5, method="nearest")) > 5  # on the street
    # the grid starts at a whole 100 m (X0 - 100): its western cells lie outside the buurt
    assert float(lux.x.min()) < X0 - 80
    assert np.isnan(float(lux.sel(x=X0 - 80, y=Y0, method="nearest")))  # outside the buurt
    grid = lux.attrs["transform"]
    assert lux.attrs["crs"] == "EPSG:28992" and grid[0] == SETTINGS.lux_resolution


def shapely_box(a, b, c, d):
    from shapely.geometry import box

    return box(a, b, c, d)


def test_geotiff_reads_back_with_crs_transform_values_and_provenance(tmp_path):
    twin = make_twin([house(20, 20)], [street([(0, 0), (100, 0)])], [lamp(40, 4)])
    analysis = analyse_twin(twin, use_cache=False)
    paths = write_geotiffs(analysis, tmp_path / "out")
    assert sorted(p.name for p in paths) == [
        "lux.tif",
        "surveillance_day.tif",
        "surveillance_night.tif",
    ]
    with rasterio.open(tmp_path / "out" / "lux.tif") as src:
        assert src.crs.to_epsg() == 28992
        assert tuple(src.transform)[:6] == pytest.approx(analysis.lux.attrs["transform"])
        data = src.read(1)
        tags = src.tags()
    expected = analysis.lux.to_numpy()
    assert np.array_equal(np.isnan(data), np.isnan(expected))
    assert data[~np.isnan(data)] == pytest.approx(expected[~np.isnan(expected)])
    assert tags["SOURCE"].startswith("computed from lights")
    assert tags["SYNTHETIC"] == "True"


def test_grid_is_aligned_and_covers_the_bounds():
    g = grid_for((X0 + 3.3, Y0 + 1.1, X0 + 97.2, Y0 + 55.0), 5.0)
    assert g.west % 100 == 0 and g.north % 100 == 0
    west, south, east, north = g.bounds
    assert west <= X0 + 3.3 and south <= Y0 + 1.1 and east >= X0 + 97.2 and north >= Y0 + 55.0
    with pytest.raises(ValueError, match="cell size must be positive"):
        grid_for((0, 0, 1, 1), 0)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="lux_resolution must be positive"):
        AnalysisSettings(lux_resolution=0)
    with pytest.raises(ValueError, match="maintenance_factor must be at most 1"):
        AnalysisSettings(maintenance_factor=1.5)


def test_low_lamps_are_taken_at_one_metre():
    lamps = lamps_from_lights(make_twin(lights=[lamp(0, 0, height=0.0)]).lights, SETTINGS)
    assert isinstance(lamps, Lamps) and lamps.height[0] == 1.0
    assert np.isfinite(lux_at_points(np.array([[X0, Y0]]), lamps)[0])
