"""layers.rasters: colours, PNG images and WGS84 corners for deck.gl BitmapLayers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from twins import X0, Y0, house, lamp, make_twin, street

from layers.rasters import (
    PALETTES,
    STYLES,
    Style,
    bounds_wgs84,
    colors_from_values,
    image_from_raster,
    legend_stops,
    png_from_rgba,
)
from twin import to_wgs84
from twin.analytics import analyse_twin, raster_from_array
from twin.analytics.grid import RasterGrid


def _raster(values, name="lux", res=5.0):
    values = np.asarray(values, dtype=np.float32)
    grid = RasterGrid(west=X0, north=Y0, res=res, width=values.shape[1], height=values.shape[0])
    return raster_from_array(values, grid, name=name, attrs={})


def test_palette_ends_and_missing_values():
    c = colors_from_values([0.0, 0.5, 1.0, np.nan], Style("viridis", 0, 1))
    assert c[0, :3].tolist() == PALETTES["viridis"][0].tolist()
    assert c[2, :3].tolist() == PALETTES["viridis"][-1].tolist()
    assert c[3].tolist() == [128, 128, 128, 128]
    assert c.dtype == np.uint8 and c.shape == (4, 4)


def test_log_scale_for_lux_and_reversed_palettes():
    style = STYLES["lux"]
    c = colors_from_values([0.0, 0.1, 30.0, 1000.0], style)
    assert c[0].tolist() == c[1].tolist()  # 0 lux is as dark as the bottom of the scale
    assert c[2].tolist() == c[3].tolist()  # clipped at the top
    # 1 lux sits 2/3 of the way along a 0.1–30 lux log scale? log10(10)/log10(300) = 0.404
    mid = colors_from_values([1.0], style)[0]
    assert mid.tolist() == colors_from_values([0.404], Style("cividis", 0, 1))[0].tolist()
    dark = colors_from_values([1.0], STYLES["dark_share"])[0]
    assert dark[:3].tolist() == PALETTES["cividis"][0].tolist()  # all dark = darkest colour


@pytest.mark.parametrize(
    ("style", "message"),
    [
        (Style("rainbow", 0, 1), "unknown palette 'rainbow'"),
        (Style("viridis", 1, 1), "needs vmin < vmax"),
        (Style("cividis", 0, 10, "log"), "needs 0 < vmin < vmax"),
        (Style("viridis", 0, 1, "sqrt"), "unknown colour scale 'sqrt'"),
    ],
)
def test_bad_styles_are_explained(style, message):
    with pytest.raises(ValueError, match=message):
        colors_from_values([0.5], style)


def test_png_decodes_to_the_same_pixels():
    rgba = np.random.default_rng(1).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    png = png_from_rgba(rgba)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    decoded = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))
    assert np.array_equal(decoded, rgba)
    with pytest.raises(ValueError, match=r"expected an \(h, w, 4\) uint8 array"):
        png_from_rgba(rgba[..., :3])


def test_image_from_raster_transparent_outside_and_oriented_north_up():
    values = np.array([[np.nan, 0.1], [30.0, np.nan]])
    image = image_from_raster(_raster(values))
    assert image.rgba.shape == (2, 2, 4)
    assert image.rgba[0, 0, 3] == 0 and image.rgba[1, 1, 3] == 0
    assert image.rgba[1, 0, :3].tolist() == PALETTES["cividis"][-1].tolist()  # south-west: 30 lux
    assert image.data_url.startswith("data:image/png;base64,")
    with pytest.raises(ValueError, match="no default style for raster 'mystery'"):
        image_from_raster(_raster(values, name="mystery"))


def test_bounds_are_the_four_corners_in_wgs84():
    r = _raster(np.zeros((20, 40)))
    (lb, lt, rt, rb) = bounds_wgs84(r)
    # the raster runs from (X0, Y0 - 100) to (X0 + 200, Y0): 200 m wide, 100 m tall
    lon, lat = to_wgs84(X0, Y0 - 100)
    assert lb == pytest.approx([float(lon), float(lat)], abs=1e-7)
    assert 5.8 < lb[0] < 6.1 and 50.8 < lb[1] < 51.0  # Heerlen
    assert lt[1] > lb[1] and rt[0] > lt[0] and rb[1] < rt[1]
    assert (rt[0] - lt[0]) * 111_320 * np.cos(np.radians(lt[1])) == pytest.approx(200, rel=0.01)
    assert (lt[1] - lb[1]) * 111_320 == pytest.approx(100, rel=0.02)


def test_large_rasters_are_reduced_by_block_means():
    values = np.ones((300, 300))
    values[:, :150] = np.nan
    image = image_from_raster(_raster(values), max_pixels=10_000)
    assert image.rgba.shape == (100, 100, 4)
    assert (image.rgba[:, :50, 3] == 0).all() and (image.rgba[:, 50:, 3] == 200).all()
    assert image.bounds == bounds_wgs84(_raster(values))


def test_analysis_rasters_and_segments_colour_without_extra_arguments():
    twin = make_twin([house(0, 8)], [street([(0, 0), (100, 0)])], [lamp(50, 4)])
    analysis = analyse_twin(twin)
    for raster in analysis.rasters.values():
        image = image_from_raster(raster)
        assert image.rgba.shape[:2] == raster.shape
    for column in ("lux_mean", "dark_share", "surveillance_night", "cpted_indicator"):
        colours = colors_from_values(analysis.segments[column], column)
        assert colours.shape == (len(analysis.segments), 4)
    stops = legend_stops("lux", 3)
    assert [round(v, 3) for v, _ in stops] == [0.1, 1.732, 30.0]
