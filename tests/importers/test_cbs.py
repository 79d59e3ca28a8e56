"""CBS Wijk- en Buurtkaart and Kerncijfers: codes, no-data values, years, column suffixes."""

from __future__ import annotations

import json

import pandas as pd
import pyogrio
import pytest

from twin import TwinDataError
from twin.importers import areas_from_wijkbuurtkaart, indicators_from_kerncijfers
from twin.importers._common import cbs_numbers


def _value(table: pd.DataFrame, area: str, indicator: str, year: int):
    hit = table[
        (table["area"] == area) & (table["indicator"] == indicator) & (table["year"] == year)
    ]
    return None if hit.empty else float(hit["value"].iloc[0])


def test_wijkbuurtkaart_keeps_one_municipality_with_its_hierarchy(town_files):
    areas = areas_from_wijkbuurtkaart(town_files["wbk"], municipality="GM0917")
    nb = areas.neighbourhoods
    assert (areas.municipality, areas.name, areas.year) == ("GM0917", "Heerlen", 2023)
    assert nb["level"].value_counts().to_dict() == {"gemeente": 1, "wijk": 2, "buurt": 3}
    assert list(nb["level"]) == ["gemeente", "wijk", "wijk", "buurt", "buurt", "buurt"]
    parent = dict(zip(nb["code"], nb["parent"], strict=True))
    assert parent["BU09171100"] == "WK091711" and parent["WK091710"] == "GM0917"
    assert parent["GM0917"] is None
    assert nb.crs.to_epsg() == 28992
    assert not nb["code"].str.contains("0882").any()


def test_no_data_codes_never_become_numbers(town_files):
    table = areas_from_wijkbuurtkaart(town_files["wbk"], municipality="GM0917").indicators
    assert (table["value"] > -99990).all()
    assert _value(table, "BU09171000", "pct_low_income", 2023) is None  # -99997
    assert _value(table, "BU09171001", "pct_social_minimum", 2023) is None  # -99995
    assert _value(table, "BU09171000", "inhabitants", 2023) == 1000
    assert _value(table, "GM0917", "vacancy_pct", 2023) == 4
    assert set(table["indicator"]) >= {"inhabitants", "households", "dwellings", "woz_value"}


def test_cbs_numbers_handles_every_special_code():
    values = cbs_numbers(pd.Series([-99999999, -99999998, -99997, -99995, -99991, -5, 0, 12]))
    assert values.isna().tolist() == [True] * 5 + [False] * 3
    assert values.dropna().tolist() == [-5.0, 0.0, 12.0]


def test_a_national_file_needs_the_municipality(town_files):
    with pytest.raises(
        TwinDataError, match=r"field 'gemeentecode': holds 2 municipalities — pass --municipality"
    ):
        areas_from_wijkbuurtkaart(town_files["wbk"])
    with pytest.raises(TwinDataError, match="has no buurten of municipality GM0363"):
        areas_from_wijkbuurtkaart(town_files["wbk"], municipality="GM0363")


def test_year_from_jaar_then_jrstatcode_then_name_then_option(town_module, tmp_path):
    layers = town_module.wijkbuurtkaart_layers(2022)
    path = tmp_path / "extract.gpkg"
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame.drop(columns="jaar"), path, layer=name)
    assert areas_from_wijkbuurtkaart(path, municipality="GM0917").year == 2022  # jrstatcode
    named = tmp_path / "wijkenbuurten_2021_v3.gpkg"
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame.drop(columns=["jaar", "jrstatcode"]), named, layer=name)
    assert areas_from_wijkbuurtkaart(named, municipality="GM0917").year == 2021
    assert areas_from_wijkbuurtkaart(named, municipality="GM0917", year=2020).year == 2020
    bare = tmp_path / "extract2.gpkg"
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame.drop(columns=["jaar", "jrstatcode"]), bare, layer=name)
    with pytest.raises(TwinDataError, match=r"says nothing about its year.* — pass --year"):
        areas_from_wijkbuurtkaart(bare, municipality="GM0917")


def test_missing_wijken_layer_is_derived_from_buurten(town_module, tmp_path):
    path = town_module.write_wijkbuurtkaart(tmp_path / "w.gpkg", layers=("gemeenten", "buurten"))
    areas = areas_from_wijkbuurtkaart(path, municipality="GM0917")
    wijken = areas.neighbourhoods[areas.neighbourhoods["level"] == "wijk"]
    assert sorted(wijken["code"]) == ["WK091710", "WK091711"]
    assert wijken.set_index("code").loc["WK091710", "name"] == "Wijk 10 Testwijk-West"
    assert wijken.geometry.area.sum() == pytest.approx(2_000_000, rel=1e-6)
    assert any("wijk derived from the buurten" in n for n in areas.notes)


def test_old_short_attribute_names_are_refused_with_the_reason(town_module, tmp_path):
    layers = town_module.wijkbuurtkaart_layers()
    path = tmp_path / "old.gpkg"
    pyogrio.write_dataframe(
        layers["buurten"].rename(columns={"buurtcode": "BU_CODE", "buurtnaam": "BU_NAAM"}),
        path,
        layer="buurten",
    )
    with pytest.raises(
        TwinDataError, match=r"layer 'buurten', field 'buurtcode': is missing.*long lower-case"
    ):
        areas_from_wijkbuurtkaart(path, municipality="GM0917")


# -- Kerncijfers --------------------------------------------------------------------------------
def test_kerncijfers_matches_columns_whatever_their_suffix(fx):
    kc = indicators_from_kerncijfers(
        [fx / "kwb_84799NED.csv", fx / "kerncijfers_85618NED.json"], municipality="GM0917"
    )
    t = kc.indicators
    assert kc.years == [2020, 2023]  # from the table ids 84799NED and 85618NED
    assert _value(t, "BU09171000", "inhabitants", 2023) == 1000  # AantalInwoners_5 in JSON
    assert _value(t, "BU09171000", "dwellings", 2023) == 455  # Woningvoorraad_34
    assert _value(t, "BU09171000", "dwellings", 2020) == 430  # Woningvoorraad_31 in CSV
    assert _value(t, "GM0917", "crime_burglary_per1000", 2020) == 3
    assert set(t["area"]) == {
        "GM0917",
        "WK091710",
        "WK091711",
        "BU09171000",
        "BU09171001",
        "BU09171100",
    }  # fmt: skip  (padding stripped, NL01 and GM0882 out)


def test_kerncijfers_secret_values_are_missing_not_zero(fx):
    t = indicators_from_kerncijfers(
        [fx / "kwb_84799NED.csv", fx / "kerncijfers_85618NED.json"]
    ).indicators
    assert _value(t, "BU09171001", "crime_burglary_per1000", 2020) is None  # "." in the CSV
    assert _value(t, "BU09171001", "pct_low_income", 2023) is None  # null in the JSON
    assert (t["value"] != 0).all()


def test_kerncijfers_year_from_perioden_or_option(fx, tmp_path):
    data = json.loads((fx / "kerncijfers_85618NED.json").read_text())
    data["odata.metadata"] = "https://example.org/99999NED/$metadata"
    unknown = tmp_path / "table.json"
    unknown.write_text(json.dumps(data))
    with pytest.raises(
        TwinDataError, match=r"says nothing about its year \(table 99999NED.* — pass --year"
    ):
        indicators_from_kerncijfers([unknown])
    assert indicators_from_kerncijfers([unknown], year=2019).years == [2019]
    for row in data["value"]:
        row["Perioden"] = "2018JJ00"
    periods = tmp_path / "with_periods.json"
    periods.write_text(json.dumps(data))
    assert indicators_from_kerncijfers([periods]).years == [2018]


def test_kerncijfers_without_known_columns_or_truncated(fx, tmp_path):
    bad = tmp_path / "other.csv"
    bad.write_text('"ID";"WijkenEnBuurten";"Iets_1"\n"0";"GM0917    ";"3"\n')
    with pytest.raises(
        TwinDataError, match="field 'AantalInwoners': has none of the Kerncijfers columns"
    ):
        indicators_from_kerncijfers([bad], year=2020)
    text = (fx / "kerncijfers_85618NED.json").read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: len(text) // 2])
    with pytest.raises(TwinDataError, match=r"cut\.json, row \d+: is not valid JSON at line \d+"):
        indicators_from_kerncijfers([cut])
