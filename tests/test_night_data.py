"""Night analytics in the app, below the widgets: experts' scores from the store, map layers and
legends, caching of rasters by fingerprint, small rerun payloads, feeling vs fact, downloads."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from twin.analytics import CptedWeights, analyse_twin, expert_scores_from_assessments
from twin.assessments import PRINCIPLE_IDS, Author, make_assessment, open_store, target_from_street
from viewer.assets import get_asset
from viewer.map import RasterOverlay, map_payload
from viewer.night_data import (
    feeling_table,
    geotiff_zip,
    night_analysis,
    raster_image,
    summary_csv,
    summary_json,
)
from viewer.night_layers import (
    SCALES,
    STREET_MEASURES,
    hidden_spot_markers,
    raster_overlay,
    spot_reason,
    street_measure_paint,
    street_measure_rows,
)

ANNA = Author("Anna de Vries")
#: Buurten with a feeling gap (7) and two left out because a figure is suppressed.
FEELING_BUURTEN = ["BU09173202", "BU09172300", "BU09174101", "BU09173800", "BU09173801",
                   "BU09174100", "BU09173500", "BU09171001", "BU09173002"]  # fmt: skip


def _size(payload) -> int:
    return len(json.dumps(payload, separators=(",", ":")))


def _assess(twin, street_id: str, score: int) -> None:
    store = open_store()
    try:
        items = {"ns_overlooking_windows": score, "ns_sightlines": score, "li_even_lighting": score}
        store.create(make_assessment(target_from_street(twin, street_id), items), ANNA)
    finally:
        store.close()


# -- experts' scores ------------------------------------------------------------------------------
def test_saved_assessments_move_the_street_cpted_indicator(small):
    before = night_analysis(small)
    assert before.experts.assessments == 0 and not before.experts.any
    seg = before.analysis.segments
    street = str(seg.sort_values("length_m")["id"].iloc[-1])  # the longest segment
    _assess(small, street, 1)  # an expert finds it poor
    after = night_analysis(small)
    assert after.experts.assessments == 1 and after.experts.segments.to_dict() == {street: 1.0}
    a, b = before.analysis.segments, after.analysis.segments
    row = a.index[a["id"] == street][0]
    assert np.isnan(a.loc[row, "cpted_experts"]) and b.loc[row, "cpted_experts"] == 0.0
    assert "experts" in b.loc[row, "cpted_basis"] and "experts" not in a.loc[row, "cpted_basis"]
    assert b.loc[row, "cpted_indicator"] < a.loc[row, "cpted_indicator"] - 1
    # the buurt's score (the same assessment, rolled up) now reaches the buurt's other streets
    others = b["buurt"] == b.loc[row, "buurt"]
    assert (b.loc[others, "cpted_experts"] == 0.0).all()
    assert b["cpted_indicator"].mean() < a["cpted_indicator"].mean()
    # the physical part was not recomputed: the rasters are the very same objects
    assert after.analysis.lux is before.analysis.lux


def test_scores_outside_the_twin_are_left_out_not_fatal(small):
    frame = pd.DataFrame(
        {
            "overall": [2.0, 4.0, np.nan],
            "street": ["DEMO.weg.999999", str(small.streets["id"].iloc[0]), None],
            "buurt": ["BU09171000", "BU09173300", "BU09173300"],
            "observed_at": ["2026-03-01"] * 3,
            **{f"p_{p}": [np.nan] * 3 for p in PRINCIPLE_IDS},
        }
    )
    scores = expert_scores_from_assessments(small, frame)
    assert scores.assessments == 1 and scores.outside == 1  # the unscored one counts nowhere
    assert scores.segments.to_dict() == {str(small.streets["id"].iloc[0]): 4.0}
    assert scores.buurten.to_dict() == {"BU09173300": 4.0}
    # analyse_twin would refuse the unknown street; the filtered scores pass
    with pytest.raises(ValueError, match="unknown street segment ids"):
        analyse_twin(small, expert_segments=pd.Series({"DEMO.weg.999999": 2.0}))
    analyse_twin(small, expert_segments=scores.segments, expert_buurten=scores.buurten)
    assert not expert_scores_from_assessments(small, None).any


# -- map layers -----------------------------------------------------------------------------------
def test_streets_by_every_measure_on_fixed_classes_with_legends(small):
    a = night_analysis(small).analysis
    for measure in STREET_MEASURES:
        paint, legend = street_measure_paint(small, a, measure, lang="nl")
        values = a.segments[measure].to_numpy(dtype=float)
        edges = np.asarray(SCALES[measure].edges)
        assert len(paint.classes) == len(small.streets) and len(paint.colours) == len(edges) - 1
        ok = np.isfinite(values)
        assert (paint.classes[~ok] == -1).all()
        cls = paint.classes[ok]
        # class i holds [edges[i], edges[i+1]): below 1 lux is "dark", exactly 1 is not
        assert (values[ok] >= edges[cls]).all()
        top = cls < len(edges) - 2
        assert (values[ok][top] < edges[cls[top] + 1]).all()
        assert len(legend.entries) == len(edges)  # classes + "no value"
        assert legend.source.startswith("eigen berekening uit straten") and legend.synthetic
        assert legend.unit
    paint, legend = street_measure_paint(small, a, "lux_mean", lang="en")
    assert [e.label for e in legend.entries][:3] == ["< 0.2", "0.2 – 0.5", "0.5 – 1"]
    assert legend.entries[-2].label == "≥ 10" and legend.title == "Mean illuminance"
    share, lg = street_measure_paint(small, a, "dark_share", lang="nl")
    assert lg.unit == "% van de lengte" and np.nanmax(share.values) <= 100.0
    assert np.nanmax(share.values) > 1.0, "shares travel as percentages"
    _, lg = street_measure_paint(small, a, "cpted_indicator", lang="en")
    assert "not a prediction" in lg.note
    with pytest.raises(ValueError, match="unknown street measure"):
        street_measure_paint(small, a, "eyes_day")
    rows = dict(street_measure_rows(a, str(small.streets["id"].iloc[0]), lang="en"))
    assert set(rows) >= {"Mean illuminance", "Street CPTED indicator", "Dark street length"}


def test_rasters_are_encoded_once_and_served_once(small):
    a = night_analysis(small).analysis
    img = raster_image(a, "lux")
    assert raster_image(a, "lux") is img, "a rerun reuses the PNG"
    overlay, legend = raster_overlay(a, "lux", lang="nl")
    assert isinstance(overlay.image, bytes) and overlay.image is img.png
    p1 = overlay.to_payload()
    p2 = raster_overlay(a, "lux", lang="nl")[0].to_payload()
    assert p1["url"] == p2["url"] and p1["url"].endswith("overlay.png")
    assert get_asset(p1["url"].split("/", 2)[2]).raw == img.png
    corners = np.asarray(p1["bounds"])
    assert corners.shape == (4, 2)  # the RD grid's four corners, not a lon/lat box
    w, s, e, n = small.to_wgs84("neighbourhoods").total_bounds
    assert w - 0.002 < corners[:, 0].min() < e and s - 0.002 < corners[:, 1].min() < n
    assert legend.entries[0].label == "≤ 0,1" and legend.entries[-1].label == "≥ 30"
    assert "5 m" in legend.note
    assert (
        legend.source == f"eigen berekening uit lantaarnpalen, gebouwen, wijken en buurten, "
        f"ondergrond (grondgebruik) van '{small.name}'"
    )  # the app's own names, in Dutch
    with pytest.raises(KeyError, match="unknown raster"):
        raster_image(a, "eyes")
    with pytest.raises(ValueError, match="must be a PNG"):
        RasterOverlay("x", b"GIF89a...", (0, 0, 1, 1)).to_payload()
    with pytest.raises(ValueError, match="four"):
        RasterOverlay("x", img.png, (0, 0, 1)).to_payload()


def test_a_rerun_sends_kilobytes_and_no_image(small):
    a = night_analysis(small).analysis
    paint, _ = street_measure_paint(small, a, "cpted_indicator")
    overlays = [raster_overlay(a, "lux")[0], hidden_spot_markers(small, a)]
    payload = map_payload(small, key="home", streets=paint, overlays=overlays, night=True)
    text = json.dumps(payload)
    assert _size(payload) < 20_000 and "data:image" not in text and "base64" not in text
    other, _ = street_measure_paint(small, a, "lux_min")
    again = map_payload(small, key="home", streets=other, overlays=overlays, night=True)
    assert again["overlays"] == payload["overlays"], "switching the measure keeps the raster URL"
    assert again["paint"]["streets"]["blob"] != payload["paint"]["streets"]["blob"]


def test_moved_lights_give_a_new_analysis_and_new_raster(small):
    a = night_analysis(small).analysis
    lights = small.lights.copy()
    lights["geometry"] = lights.geometry.translate(15.0, 0.0)
    moved = small.replace_layers(lights=lights)
    assert moved.fingerprint != small.fingerprint
    b = night_analysis(moved).analysis
    assert b is not a and b.fingerprint == moved.fingerprint
    assert not np.allclose(np.nan_to_num(a.lux.to_numpy()), np.nan_to_num(b.lux.to_numpy()))
    assert (
        raster_overlay(b, "lux")[0].to_payload()["url"]
        != (raster_overlay(a, "lux")[0].to_payload()["url"])
    )


def test_hidden_spot_markers_carry_ranked_reasons(small):
    a = night_analysis(small).analysis
    markers = hidden_spot_markers(small, a, lang="nl")
    assert hidden_spot_markers(small, a, lang="nl") is markers, "worded once per language"
    assert list(markers.ids) == [str(r) for r in a.hidden_spots["rank"]]
    title, rows = markers.tooltips[0]
    assert title == "Verborgen plek 1"
    why = dict(rows)["Waarom"]
    first = a.hidden_spots.iloc[0]
    assert why == spot_reason(first, a, "nl") and "onder 1 lux" in why
    assert f"{first['area_m2']:.0f} m²" in why
    en = spot_reason(first, a, "en")
    assert en.startswith("Dark: mean") and "unobserved" in en.lower()


# -- feeling vs fact and downloads -----------------------------------------------------------------
@pytest.fixture(scope="module")
def feeling_twin(demo):
    from twin import subset_twin

    return subset_twin(demo, FEELING_BUURTEN)


def test_feeling_vs_fact_leaves_suppressed_buurten_out_and_says_so(feeling_twin):
    a = night_analysis(feeling_twin).analysis
    ft = feeling_table(feeling_twin, a)
    assert ft.year == 2018 and ft.synthetic
    assert sorted(ft.suppressed) == ["BU09171001", "BU09173002"] and ft.missing == []
    assert len(ft.rows) == 7 and ft.min_count >= 5
    gap = ft.rows["feeling_gap"]
    assert abs(gap.mean()) < 1e-9, "z(feeling) - z(crime) over the same buurten averages 0"
    assert np.allclose(gap, ft.rows["z_perceived"] - ft.rows["z_crime"])
    for code in ft.suppressed:
        assert not np.isfinite(a.feeling.loc[code, "feeling_gap"])


def test_downloads_open_as_geotiff_csv_and_json(small):
    import rasterio

    a = night_analysis(small).analysis
    data = geotiff_zip(a)
    assert geotiff_zip(a) is data, "made once per analysis"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == ["lux.tif", "surveillance_day.tif",
                                         "surveillance_night.tif"]  # fmt: skip
        with rasterio.MemoryFile(zf.read("lux.tif")) as mem, mem.open() as src:
            assert src.crs.to_epsg() == 28992 and src.shape == a.lux.shape
            assert "SYNTHETIC" in src.tags()["NOTES"]
    csv = pd.read_csv(io.BytesIO(summary_csv(a)), encoding="utf-8-sig", index_col="code")
    assert list(csv.index) == ["BU09173300"]
    assert csv.loc["BU09173300", "hidden_spots"] == len(a.hidden_spots)
    assert csv["synthetic"].all() and csv["source"].iloc[0].startswith("computed from")
    summary = json.loads(summary_json(a))
    assert summary["buurten"][0]["code"] == "BU09173300" and summary["synthetic"] is True
    assert len(summary["hidden_spots"]) == len(a.hidden_spots) > 10, "every spot, not the top 10"
    assert "not a prediction" in summary["note"]


def test_weights_recompose_without_recomputing(small):
    a = night_analysis(small).analysis
    b = night_analysis(small, CptedWeights(lighting_level=1, lighting_continuity=0,
                                           surveillance_night=0, surveillance_day=0, vacancy=0,
                                           experts=0)).analysis  # fmt: skip
    assert b.lux is a.lux and b.segments is not a.segments
    expected = 100 * b.segments["cpted_lighting_level"]
    assert np.allclose(b.segments["cpted_indicator"], expected, equal_nan=True)


def test_names_from_open_data_cannot_become_markup():
    from viewer.night_map import plain

    assert plain("[klik](javascript:alert(1)) <img src=x> $x$ *b*") == (
        r"\[klik\]\(javascript:alert\(1\)\) \<img src=x\> \$x\$ \*b\*"
    )
    assert plain("Akerstraat 12-14, 6411 AB.") == "Akerstraat 12-14, 6411 AB."


def test_computed_sources_read_in_the_users_language():
    from viewer.night_layers import source_label

    raw = "computed from lights, crime_burglary_per1000, mystery of 'Heerlen (demo)'"
    assert source_label(raw, "en") == (
        "own calculation from street lights, burglary (registered), mystery of 'Heerlen (demo)'"
    )
    assert source_label(raw, "nl").startswith("eigen berekening uit lantaarnpalen, woninginbraak")
    assert source_label("CBS, Kerncijfers wijken en buurten", "nl") == (
        "CBS, Kerncijfers wijken en buurten"  # a source that is not computed stays as it is
    )
