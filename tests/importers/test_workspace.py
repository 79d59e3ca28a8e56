"""Importing into a twin directory: order-free staging, assembly, manifests, atomicity."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin import TwinDataError, TwinError, load_twin, write_twin
from twin.importers import import_files, import_many, liveability_grid
from twin.importers.assemble import dwellings_by_share


def test_a_complete_import_loads_as_a_twin(imported, imported_dir):
    twin = imported
    assert (twin.name, twin.municipality) == ("Heerlen", "GM0917")
    assert twin.counts()["buildings"] == 25  # 28 in the tile, 3 of them in Landgraaf
    assert twin.counts()["streets"] == 12  # Akerstraat's ends are cut at the border
    assert twin.streets.length.sum() == pytest.approx(6000, abs=0.5)
    assert twin.streets.total_bounds.tolist() == pytest.approx([190000, 320000, 192000, 321000])
    assert twin.gaps == ("ground",)
    assert twin.buildings["id"].str.startswith("NL.IMBAG.Pand.0917").all()
    assert set(twin.buildings["buurt"]) == {"BU09171000", "BU09171001", "BU09171100"}
    assert twin.streets["buurt"].notna().all()
    assert (imported_dir / "sources" / "3dbag" / "part.json").is_file()


def test_every_layer_and_indicator_has_a_real_manifest(imported):
    manifest = imported.manifest
    for name in ("neighbourhoods", "buildings", "streets", "lights"):
        entry = manifest.layers[name]
        assert entry.synthetic is False
        assert entry.source and entry.licence and entry.url.startswith("https://")
        assert entry.purpose and entry.legal_basis.startswith("open data") and entry.date
    assert "ground" not in manifest.layers
    assert manifest.layers["buildings"].date == "v2024.04.20"
    assert manifest.layers["streets"].licence == "ODbL 1.0"
    assert "CC0" in manifest.layers["buildings"].licence  # BAG use joined
    for name, entry in manifest.indicators.items():
        assert entry.synthetic is False, name
        assert entry.source and entry.licence and entry.date, name
    assert not imported.manifest.any_synthetic()
    meta = json.loads((imported.path / "twin.json").read_text())
    assert meta["synthetic_geometry"] is False
    assert set(meta["imported"]) == {"3dbag", "bag", "kerncijfers", "leefbaarometer", "osm",
                                     "politie", "wijkbuurtkaart"}  # fmt: skip
    assert all(len(f["sha256"]) == 64 for f in meta["imported"]["3dbag"]["files"])


def test_use_and_dwellings_from_bag(imported):
    b = imported.buildings.set_index("id")
    assert b.loc["NL.IMBAG.Pand.0917100000000009", "use"] == "mixed"
    assert b.loc["NL.IMBAG.Pand.0917100000000009", "dwellings"] == 3
    assert b.loc["NL.IMBAG.Pand.0917100000000024", "use"] == "office"
    assert b.loc["NL.IMBAG.Pand.0917100000000024", "dwellings"] == 0
    assert b.loc["NL.IMBAG.Pand.0917100000000025", "use"] == "unknown"  # pand without units
    assert b["use"].value_counts()["residential"] == 22
    assert not b["dwellings_estimated"].any()
    assert b.loc["NL.IMBAG.Pand.0917100000000012", "vacant"]


def test_dwellings_are_estimated_from_cbs_without_bag(town_files, fx, tmp_path):
    target = tmp_path / "t"
    import_many(
        [
            ("wijkbuurtkaart", [town_files["wbk"]]),
            ("3dbag", [town_files["3dbag"]]),
            ("osm", [town_files["osm"]]),
        ],
        target,
        municipality="GM0917",
    )
    twin = load_twin(target)
    b = twin.buildings
    assert b["dwellings_estimated"].all()
    per_buurt = b.groupby("buurt")["dwellings"].sum().to_dict()
    # the buurt totals equal CBS's woningvoorraad 2023 of the Wijk- en Buurtkaart exactly
    assert per_buurt == {"BU09171000": 450, "BU09171001": 380, "BU09171100": 520}
    shed = b.set_index("id").loc["NL.IMBAG.Pand.0917100000000025"]
    assert shed["dwellings"] == 0  # 9 m² and 2.2 m high: no dwelling
    assert "woningvoorraad" in twin.manifest.layers["buildings"].notes


@given(
    st.lists(st.floats(min_value=0, max_value=1e4), min_size=1, max_size=40),
    st.integers(min_value=0, max_value=5000),
)
def test_shared_dwellings_add_up_and_are_never_negative(weights, total):
    shares = dwellings_by_share(
        np.array(["B"] * len(weights)), np.array(weights), pd.Series({"B": total})
    )
    assert (shares >= 0).all()
    if sum(weights) > 0:
        assert shares.sum() == total
        assert np.abs(shares - total * np.array(weights) / sum(weights)).max() < 1.0 + 1e-9


def test_lights_are_mapped_where_osm_has_them_and_estimated_elsewhere(imported):
    lights = imported.lights
    mapped = lights[~lights["estimated"]]
    assert sorted(mapped["id"]) == [f"osm.node.{5001 + k}" for k in range(4)]
    beek = imported.streets[imported.streets["name"] == "Beekstraat"]["id"]
    lit_streets_estimated = set(lights.loc[lights["estimated"], "street"])
    near = set(mapped["street"])
    assert near and near <= set(beek)
    assert not (near & lit_streets_estimated)  # no estimates on a street with mapped lamps
    assert lights["estimated"].sum() > 50
    assert (
        not lights.loc[lights["estimated"], "street"]
        .isin(imported.streets.loc[imported.streets["highway"] == "footway", "id"])
        .any()
    )  # footways are not lit by the estimate
    assert "estimated" in imported.manifest.layers["lights"].notes


def test_crime_rates_per_1000_from_politie_counts(imported):
    ds = imported.indicators
    count = float(ds["crime_burglary_count"].sel(area="BU09171000", year=2023))
    inhabitants = float(ds["inhabitants"].sel(area="BU09171000", year=2023))
    rate = float(ds["crime_burglary_per1000"].sel(area="BU09171000", year=2023))
    assert rate == pytest.approx(round(count / inhabitants * 1000, 2))
    # 2022 has no inhabitants imported: 2023's are used (nearest year, within 2)
    inh_2023 = float(ds["inhabitants"].sel(area="GM0917", year=2023))
    count_2022 = float(ds["crime_violence_count"].sel(area="GM0917", year=2022))
    assert float(ds["crime_violence_per1000"].sel(area="GM0917", year=2022)) == pytest.approx(
        round(count_2022 / inh_2023 * 1000, 2)
    )
    # 2020 is published by CBS Kerncijfers: kept as published
    assert float(ds["crime_burglary_per1000"].sel(area="GM0917", year=2020)) == 3.0
    # withheld stays withheld (no value, so the UI says so) — never 0
    assert np.isnan(float(ds["crime_violence_count"].sel(area="BU09171001", year=2022)))
    assert np.isnan(float(ds["crime_violence_per1000"].sel(area="BU09171001", year=2022)))
    notes = imported.manifest.indicators["crime_burglary_per1000"].notes
    assert "computed as the Politie count / CBS inhabitants" in notes
    assert "withheld" in imported.manifest.indicators["crime_violence_count"].notes


def test_statline_wins_over_the_wijkbuurtkaart_for_the_same_year(imported):
    ds = imported.indicators
    assert float(ds["dwellings"].sel(area="BU09171000", year=2023)) == 455  # 450 in the map
    assert (
        "Kerncijfers wijken en buurten (StatLine)"
        in imported.manifest.indicators["dwellings"].source
    )


def test_leefbaarometer_grid_raster(imported_dir, imported):
    grid = liveability_grid(imported_dir)
    assert grid.attrs["year"] == 2022
    assert list(grid["band"].values) == ["lbm", "afw", "fys", "onv", "soc", "vrz", "won"]
    assert grid.sizes == {"band": 7, "y": 10, "x": 20}  # 2 × 1 km of 100 m cells
    lbm = grid.sel(band="lbm").values
    assert np.isfinite(lbm).sum() > 150
    assert np.nanmean(lbm) == pytest.approx(4.1, abs=0.02)
    meta = json.loads((imported_dir / "twin.json").read_text())
    entry = meta["rasters"]["leefbaarometer_2022"]
    assert entry["file"] == "rasters/leefbaarometer_2022.tif"
    assert entry["manifest"]["synthetic"] is False and entry["manifest"]["source"]
    assert float(imported.indicators["liveability_lbm"].sel(area="BU09171000", year=2022)) > 4


def test_sources_can_arrive_one_at_a_time_in_any_order(town_files, fx, tmp_path, all_sources):
    target = tmp_path / "piecewise"
    report = import_files("osm", [town_files["osm"]], target)
    assert not report.complete
    assert report.missing == ["neighbourhoods (import wijkbuurtkaart)", "buildings (import 3dbag)"]
    assert not (target / "twin.json").exists()
    with pytest.raises(TwinError, match="does not exist"):
        load_twin(target)
    report = import_files("politie", [fx / "politie_47018NED.json"], target)
    report = import_files("3dbag", [town_files["3dbag"]], target)
    assert report.missing == ["neighbourhoods (import wijkbuurtkaart)"]
    report = import_files("wijkbuurtkaart", [town_files["wbk"]], target, municipality="GM0917")
    assert report.complete and report.counts["buildings"] == 25
    twin = load_twin(target)
    # politie came before the boundaries, yet is cut to the municipality and turned into rates
    assert set(twin.indicators["area"].values) >= {"BU09171000"}
    assert np.isfinite(float(twin.indicators["crime_total_count"].sel(area="GM0917", year=2023)))
    assert "crime_total_count" in twin.manifest.indicators
    # indicator kinds merge: another Kerncijfers year adds, it does not replace
    import_files("kerncijfers", [fx / "kwb_84799NED.csv"], target)
    import_files("kerncijfers", [fx / "kerncijfers_85618NED.json"], target)
    years = load_twin(target).indicators["inhabitants"].dropna("year", how="all")["year"].values
    assert list(years) == [2020, 2023]


def test_a_failing_import_leaves_the_twin_byte_identical(
    imported_dir, town_module, tmp_path, digest
):
    target = tmp_path / "copy"
    shutil.copytree(imported_dir, target)
    before = digest(target)
    layers = town_module.bag3d_layers()
    broken = tmp_path / "broken.gpkg"
    import pyogrio

    pand = layers["pand"].copy()
    pand.loc[3, "identificatie"] = None
    pyogrio.write_dataframe(pand, broken, layer="pand")
    pyogrio.write_dataframe(layers["lod12_2d"], broken, layer="lod12_2d")
    with pytest.raises(
        TwinDataError, match=r"broken\.gpkg, layer 'pand', field 'identificatie', row 3: is empty"
    ):
        import_files("3dbag", [broken], target)
    assert digest(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.gpkg", "copy"]  # no leftovers


def test_a_failure_while_publishing_leaves_the_twin_byte_identical(
    imported_dir, tmp_path, digest, monkeypatch, fx
):
    target = tmp_path / "copy"
    shutil.copytree(imported_dir, target)
    before = digest(target)
    import twin.importers.workspace as ws

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ws, "write_rasters", boom)
    with pytest.raises(OSError, match="disk full"):
        import_files("kerncijfers", [fx / "kwb_84799NED.csv"], target)
    assert digest(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]


def test_refuses_a_directory_that_is_not_a_twin(town_files, tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "thesis.docx").write_text("precious")
    with pytest.raises(
        TwinError, match=r"is not empty and is not a twin directory.*nothing was changed"
    ):
        import_files("wijkbuurtkaart", [town_files["wbk"]], folder, municipality="GM0917")
    assert (folder / "thesis.docx").read_text() == "precious"


def test_a_twin_not_built_by_imports_is_kept_as_the_base(imported, tmp_path, fx):
    plain = write_twin(imported, tmp_path / "plain")  # no sources/: like the demo
    shutil.rmtree(plain / "sources", ignore_errors=True)
    report = import_files("leefbaarometer", [fx / "leefbaarometer_buurten.csv"], plain)
    assert report.complete
    again = load_twin(plain)
    assert again.counts() == imported.counts()
    assert (plain / "sources" / "base" / "twin.json").is_file()
    assert again.manifest.layers["buildings"] == imported.manifest.layers["buildings"]
    assert float(again.indicators["inhabitants"].sel(area="GM0917", year=2023)) == 3010
