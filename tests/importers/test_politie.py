"""Politie/CBS 47018NED and 47022NED: padded codes, periods, totals, withheld values."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin import TwinDataError
from twin.importers import crime_counts_from_politie
from twin.importers._statline import StatlineTable
from twin.importers.politie import crime_codes, crime_counts_from_table

GROUPS = {
    "crime_burglary_count": ["1.1.1", "1.1.2"],
    "crime_vandalism_count": ["2.2.1", "3.6.4"],
    "crime_violence_count": [f"1.4.{k}" for k in range(1, 8)],
    "crime_total_count": ["0.0.0"],
}


def _rows(fx) -> pd.DataFrame:
    data = json.loads((fx / "politie_47018NED.json").read_text())["value"]
    frame = pd.DataFrame(data)
    for col in ("SoortMisdrijf", "WijkenEnBuurten"):
        frame[col] = frame[col].str.strip()
    return frame


def _value(table, area, indicator, year):
    hit = table[
        (table["area"] == area) & (table["indicator"] == indicator) & (table["year"] == year)
    ]
    return None if hit.empty else hit["value"].iloc[0]


def test_codes_mapping_is_in_the_project():
    codes = crime_codes()
    assert codes["0.0.0"] == "crime_total"
    assert [c for c, g in codes.items() if g == "crime_burglary"] == ["1.1.1", "1.1.2"]
    assert len([c for c, g in codes.items() if g == "crime_violence"]) == 7


def test_yearly_groups_are_sums_of_their_padded_codes(fx):
    result = crime_counts_from_politie([fx / "politie_47018NED.json"], municipality="GM0917")
    rows = _rows(fx)
    table = result.indicators
    assert result.years == [2021, 2022, 2023]
    assert set(table["area"]) == {"GM0917", "WK091710", "WK091711", "BU09171000", "BU09171001",
                                  "BU09171100"}  # fmt: skip
    checked = 0
    for name, codes in GROUPS.items():
        for (area, period), sub in rows[rows["SoortMisdrijf"].isin(codes)].groupby(
            ["WijkenEnBuurten", "Perioden"]
        ):
            if area in ("NL01", "GM0882", "BU08820000"):
                continue
            got = _value(table, area, name, int(period[:4]))
            if sub["GeregistreerdeMisdrijven_1"].isna().any():
                assert got is not None and np.isnan(got)  # withheld, never a partial sum
            else:
                assert got == sub["GeregistreerdeMisdrijven_1"].sum()
                checked += 1
    assert checked > 60


def test_withheld_values_stay_withheld_and_are_counted(fx):
    result = crime_counts_from_politie([fx / "politie_47018NED.json"], municipality="GM0917")
    t = result.indicators
    assert np.isnan(_value(t, "BU09171001", "crime_violence_count", 2022))  # 1.4.2 withheld
    assert np.isnan(_value(t, "BU09171001", "crime_vandalism_count", 2023))  # 2.2.1 withheld
    assert _value(t, "BU09171001", "crime_violence_count", 2021) > 0
    assert result.withheld == 2
    assert any("2 values withheld by the source (empty, not zero)" in n for n in result.notes)


def test_monthly_table_sums_complete_years_only(fx):
    result = crime_counts_from_politie([fx / "politie_47022NED.csv"])
    t = result.indicators
    assert result.years == [2020]
    assert any("incomplete years left out" in n and "2021" in n for n in result.notes)
    raw = pd.read_csv(fx / "politie_47022NED.csv", sep=";", dtype=str, keep_default_na=False)
    raw = raw.apply(lambda c: c.str.strip())
    total = raw[(raw["SoortMisdrijf"] == "0.0.0") & (raw["WijkenEnBuurten"] == "GM0917")
                & raw["Perioden"].str.startswith("2020")]  # fmt: skip
    assert (
        _value(t, "GM0917", "crime_total_count", 2020)
        == total["GeregistreerdeMisdrijven_1"].astype(int).sum()
    )
    assert np.isnan(_value(t, "BU09171000", "crime_violence_count", 2020))  # June withheld
    assert _value(t, "BU09171000", "crime_burglary_count", 2020) > 0


def test_yearly_figures_win_over_summed_months(fx, tmp_path):
    both = crime_counts_from_politie([fx / "politie_47018NED.json", fx / "politie_47022NED.csv"])
    assert both.years == [2020, 2021, 2022, 2023]
    yearly = crime_counts_from_politie([fx / "politie_47018NED.json"]).indicators
    merged = both.indicators
    a = _value(yearly, "GM0917", "crime_total_count", 2021)
    assert _value(merged, "GM0917", "crime_total_count", 2021) == a


def _table(rows: list[dict]) -> StatlineTable:
    frame = pd.DataFrame(rows).astype("string")
    return StatlineTable(frame, file="t.json", table_id="47018NED")


def test_dash_is_nihil_and_bad_values_are_named():
    base = {"SoortMisdrijf": "0.0.0   ", "WijkenEnBuurten": "GM0917    ", "Perioden": "2019JJ00"}
    zero = crime_counts_from_table(_table([{**base, "GeregistreerdeMisdrijven_1": "-"}]))
    assert _value(zero.indicators, "GM0917", "crime_total_count", 2019) == 0
    with pytest.raises(
        TwinDataError,
        match=r"field 'GeregistreerdeMisdrijven_1', row 0: value 'veel' is not a count",
    ):
        crime_counts_from_table(_table([{**base, "GeregistreerdeMisdrijven_1": "veel"}]))
    with pytest.raises(
        TwinDataError, match=r"field 'Perioden', row 0: value '2019KW01' is neither"
    ):
        crime_counts_from_table(
            _table([{**base, "Perioden": "2019KW01", "GeregistreerdeMisdrijven_1": "3"}])
        )
    with pytest.raises(
        TwinDataError, match="field 'GeregistreerdeMisdrijven_1': has no count column"
    ):
        crime_counts_from_table(_table([{**base, "Aantal_1": "3"}]))


def test_a_csv_with_a_broken_row_names_the_line(tmp_path):
    bad = tmp_path / "47018NED.csv"
    bad.write_text(
        '"ID";"SoortMisdrijf";"WijkenEnBuurten";"Perioden";"GeregistreerdeMisdrijven_1"\n'
        '"0";"0.0.0   ";"GM0917    ";"2019JJ00";"5"\n'
        '"1";"0.0.0   ";"GM0917    ";"2020JJ00";"5";"7";"8"\n'
    )
    with pytest.raises(TwinDataError, match=r"47018NED\.csv, row 3: is not a well-formed CSV"):
        crime_counts_from_politie([bad])


@given(
    st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=500)), min_size=7, max_size=7)
)
def test_a_group_is_withheld_whenever_one_of_its_codes_is(values):
    rows = [
        {
            "SoortMisdrijf": f"1.4.{k + 1}".ljust(8),
            "WijkenEnBuurten": "BU09171000",
            "Perioden": "2022JJ00",
            "GeregistreerdeMisdrijven_1": "" if v is None else str(v),
        }
        for k, v in enumerate(values)
    ]
    got = _value(
        crime_counts_from_table(_table(rows)).indicators, "BU09171000", "crime_violence_count", 2022
    )
    if any(v is None for v in values):
        assert np.isnan(got)
    else:
        assert got == sum(values)


def test_csv_and_json_of_the_same_table_agree(fx, tmp_path):
    data = json.loads((fx / "politie_47018NED.json").read_text())["value"]
    frame = pd.DataFrame(data)
    buf = io.StringIO()
    frame.assign(GeregistreerdeMisdrijven_1=frame["GeregistreerdeMisdrijven_1"].map(
        lambda v: "" if pd.isna(v) else str(int(v)))).to_csv(buf, sep=";", index=False)  # fmt: skip
    csv_path = tmp_path / "47018NED.csv"
    csv_path.write_text(buf.getvalue())
    a = crime_counts_from_politie([fx / "politie_47018NED.json"]).indicators
    b = crime_counts_from_politie([csv_path]).indicators
    pd.testing.assert_frame_equal(
        a.sort_values(["indicator", "area", "year"]).reset_index(drop=True),
        b.sort_values(["indicator", "area", "year"]).reset_index(drop=True),
    )
