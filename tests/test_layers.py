"""Layer builders: palettes, classification, legends, escaping, baked geometry."""

from __future__ import annotations

import gzip
import html
import itertools

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from layers import (
    PALETTES,
    bake_points,
    bake_twin,
    class_breaks,
    class_index,
    classify_values,
    escape,
    fisher_jenks,
    indicator_palette,
    legend_from_breaks,
    legend_from_categories,
    legend_html,
    palette_colors,
    read_baked,
    shapes_from_baked,
    street_group,
    tooltip_html,
)

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


# -- palettes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(PALETTES))
def test_palette_ends_are_its_anchors(name):
    _, anchors = PALETTES[name]
    cols = palette_colors(name, 7)
    assert cols.shape == (7, 3) and cols.dtype == np.uint8
    assert "#{:02x}{:02x}{:02x}".format(*cols[0]) == anchors[0].lower()
    assert "#{:02x}{:02x}{:02x}".format(*cols[-1]) == anchors[-1].lower()
    assert (palette_colors(name, 7, reverse=True) == cols[::-1]).all()


@pytest.mark.parametrize("name", ["viridis", "cividis", "YlOrRd", "Blues"])
def test_sequential_palettes_change_lightness_monotonically(name):
    lum = palette_colors(name, 9).astype(float) @ np.array([0.2126, 0.7152, 0.0722])
    d = np.diff(lum)
    assert (d > 0).all() or (d < 0).all(), lum


def test_palette_errors():
    with pytest.raises(KeyError, match="unknown palette"):
        palette_colors("rainbow", 5)
    with pytest.raises(ValueError, match="at least one colour"):
        palette_colors("viridis", 0)


# -- classification -----------------------------------------------------------------------------
@given(st.lists(finite, min_size=1, max_size=60), st.integers(1, 7),
       st.sampled_from(["quantile", "equal_interval", "natural_breaks"]))  # fmt: skip
def test_breaks_cover_the_values(values, k, method):
    x = np.asarray(values)
    edges = class_breaks(x, k, method)
    assert edges[0] == x.min() and edges[-1] == x.max()
    assert (np.diff(edges) > 0).all()
    assert len(edges) - 1 <= k
    cls = class_index(x, edges)
    assert cls.min() >= 0 and cls.max() <= max(len(edges) - 2, 0)


@given(st.lists(finite, min_size=2, max_size=9, unique=True), st.integers(2, 4))
def test_fisher_jenks_is_optimal(values, k):
    x = np.sort(np.asarray(values))
    k = min(k, len(x))

    def cost(groups):
        return sum(((g - g.mean()) ** 2).sum() for g in groups)

    best = min(
        cost(np.split(x, list(cuts))) for cuts in itertools.combinations(range(1, len(x)), k - 1)
    )
    edges = fisher_jenks(x, k)
    got = cost([x[class_index(x, edges) == c] for c in range(len(edges) - 1)])
    assert got == pytest.approx(best, rel=1e-9, abs=1e-6)


def test_quantile_classes_have_equal_counts():
    x = np.random.default_rng(1).lognormal(size=1000)
    counts = np.bincount(class_index(x, class_breaks(x, 5, "quantile")))
    assert counts.min() >= 195 and counts.max() <= 205


def test_natural_breaks_find_clusters_in_many_values():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(c, 0.3, 3000) for c in (0, 10, 20)])
    edges = class_breaks(x, 3, "natural_breaks")  # 9,000 distinct values: grouped
    # each cluster is one class, up to one group of grouped values (9,000 / 1,000 = 9)
    counts = np.bincount(class_index(x, edges))
    assert np.abs(counts - 3000).max() <= 9, counts


def test_classification_errors_and_missing_values():
    with pytest.raises(ValueError, match="unknown classification 'jenks'"):
        class_breaks([1, 2], 3, "jenks")
    with pytest.raises(ValueError, match="at least one class"):
        class_breaks([1, 2], 0)
    assert class_breaks([np.nan], 3).size == 0
    assert class_index([np.nan, 1.0], np.array([0.0, 2.0])).tolist() == [-1, 0]


def test_classified_colours_mark_missing_and_suppressed():
    c = classify_values([1, 2, 4, np.nan, 5], k=2, method="equal_interval")
    rgba = c.rgba(suppressed=[False, False, False, False, True], nodata=(1, 1, 1, 1),
                  suppressed_rgba=(2, 2, 2, 2))  # fmt: skip
    assert rgba[3].tolist() == [1, 1, 1, 1] and rgba[4].tolist() == [2, 2, 2, 2]
    assert (rgba[0] == c.colours[0]).all() and (rgba[2] == c.colours[1]).all()


def test_styles():
    assert street_group("primary") == "main" and street_group("service") == "local"
    assert street_group("steps") == "slow"
    assert indicator_palette("worse") == ("YlOrRd", False)
    assert indicator_palette("better") == ("YlOrRd", True)


# -- legends and escaping -----------------------------------------------------------------------
def test_legend_from_breaks_labels_every_class():
    c = classify_values(np.arange(10.0), k=3, method="equal_interval")
    lg = legend_from_breaks("Inbraak", c.edges, c.colours, fmt=lambda v: f"{v:.1f}",
                            unit="per 1000", source="CBS", synthetic=True,
                            extra_entries=[((9, 9, 9), "<5")])  # fmt: skip
    assert [e.label for e in lg.entries] == ["0.0 – 3.0", "3.0 – 6.0", "6.0 – 9.0", "<5"]
    out = legend_html(lg, synthetic_badge="synthetisch", source_label="Bron")
    assert "per 1000" in out and "synthetisch" in out and "Bron: CBS" in out
    assert "&lt;5" in out


def test_legend_html_escapes_everything():
    nasty = '<img src=x onerror="alert(1)">'
    lg = legend_from_categories(nasty, [((1, 2, 3), nasty)], source=nasty, licence=nasty)
    out = legend_html(lg, synthetic_badge=nasty, source_label=nasty)
    assert "<img" not in out and out.count("&lt;img") >= 4


@given(st.text())
def test_escape_round_trips_and_neutralises(text):
    out = escape(text)
    assert not set("<>\"'") & set(out)
    assert html.unescape(out) == text


def test_tooltip_html_escapes_values():
    tip = tooltip_html("<b>", [("a&b", "<script>x</script>")], note='"n"')
    assert (
        tip == "<b>&lt;b&gt;</b><br>a&amp;b: &lt;script&gt;x&lt;/script&gt;<br><i>&quot;n&quot;</i>"
    )


# -- baking ---------------------------------------------------------------------------------
def test_bake_round_trips_the_small_twin(small):
    baked = bake_twin(small)
    for layer in ("buildings", "areas", "ground", "streets", "lights"):
        header, _ = read_baked(baked.files[layer])
        assert header["count"] == len(small.layer("neighbourhoods" if layer == "areas" else layer))
    shapes = shapes_from_baked(baked.files["buildings"])
    truth = small.to_wgs84("buildings").geometry.to_numpy()
    assert shapely.hausdorff_distance(shapes, truth).max() < 2e-7  # ≈ 2 cm
    streets = shapes_from_baked(baked.files["streets"])
    assert (
        shapely.hausdorff_distance(streets, small.to_wgs84("streets").geometry.to_numpy()).max()
        < 2e-7
    )
    header, arrays = read_baked(baked.files["buildings"])
    heights = arrays["height"] * header["height_scale"]
    assert np.abs(heights - small.buildings["height"].to_numpy()).max() <= 0.05 + 1e-9
    assert (arrays["year"] == small.buildings["year_built"].to_numpy()).all()
    uses = np.asarray(header["uses"])[arrays["use"]]
    assert (uses == small.buildings["use"].to_numpy()).all()
    areas, _ = read_baked(baked.files["areas"])
    assert areas["codes"] == list(small.neighbourhoods["code"])
    assert (arrays["area"] == [areas["codes"].index(c) for c in small.buildings["buurt"]]).all()


def test_bake_is_compact_and_deterministic(demo):
    baked = bake_twin(demo)
    per_building = len(gzip.compress(baked.files["buildings"], 9)) / len(demo.buildings)
    assert per_building < 40, f"{per_building:.1f} bytes per building (target ≤ 100 on the wire)"
    assert bake_twin(demo).files["buildings"] == baked.files["buildings"]


def test_bake_handles_multipolygons_and_holes():
    from dataclasses import replace

    import geopandas as gpd

    from twin import load_twin, subset_twin

    small = subset_twin(load_twin(), ["BU09173300"])
    g = small.ground.copy()
    outer = shapely.box(196000, 322000, 196100, 322100)
    hole = shapely.box(196040, 322040, 196060, 322060)
    parts = [
        shapely.Polygon(outer.exterior, [hole.exterior]),
        shapely.box(196200, 322000, 196250, 322050),
    ]
    g.loc[0, "geometry"] = shapely.MultiPolygon(parts)
    twin2 = replace(small, ground=gpd.GeoDataFrame(g, crs=small.ground.crs))
    blob = bake_twin(twin2).files["ground"]
    header, arrays = read_baked(blob)
    assert "part_feature" in arrays and header["count"] == len(g)
    back = shapes_from_baked(blob)
    truth = twin2.to_wgs84("ground").geometry.to_numpy()
    assert back[0].geom_type == "MultiPolygon" and len(back[0].geoms[0].interiors) == 1
    assert shapely.hausdorff_distance(back, truth).max() < 2e-7


def test_read_baked_rejects_other_files():
    with pytest.raises(ValueError, match="not a baked layer file"):
        read_baked(b"PK\x03\x04 not ours")


def test_bake_points_keeps_extra_arrays():
    extra = {"c": np.array([1, 2], np.uint8)}
    meta = {"tooltips": [["a", []], ["b", []]]}
    blob = bake_points([6.0, 6.1], [50.9, 50.8], (5.9, 50.8), arrays=extra, meta=meta)
    header, arrays = read_baked(blob)
    assert arrays["c"].tolist() == [1, 2] and header["tooltips"][1][0] == "b"
    xy = shapely.get_coordinates(shapes_from_baked(blob)).ravel()
    assert xy.tolist() == pytest.approx([6.0, 50.9, 6.1, 50.8], abs=1e-7)


def test_bake_handles_empty_layers(small):
    """A partial twin (no land use, no lights: gaps of a real import) still bakes."""
    from twin.store import empty_layer

    partial = small.replace_layers(ground=empty_layer("ground"), lights=empty_layer("lights"))
    baked = bake_twin(partial)
    for layer in ("ground", "lights"):
        header, _ = read_baked(baked.files[layer])
        assert header["count"] == 0
        assert len(shapes_from_baked(baked.files[layer])) == 0
    assert read_baked(baked.files["buildings"])[0]["count"] == len(small.buildings)


def test_every_building_use_has_a_colour_and_a_label():
    from layers.styles import BUILDING_USE_COLOURS
    from twin.schema import BUILDING_USES
    from viewer.i18n import has

    for use in BUILDING_USES:
        assert use in BUILDING_USE_COLOURS, use
        assert has(f"terms.use.{use}"), use
