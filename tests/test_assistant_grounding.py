"""The grounding check: invented, rounded and unit-shifted numbers are classified correctly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant import FactPool, check_grounding, marked_text
from assistant._grounding import StreamMarker
from assistant._numbers import numbers_in_text, parse_number
from twin import format_value

#: Tool results of one imagined conversation (shapes as the real tools return them).
RESULTS = [
    {
        "indicator": "crime_burglary_per1000",
        "unit": "per 1000 inwoners",
        "values": [
            {"year": 2017, "value": 4.6, "display": "4,6"},
            {"year": 2018, "value": None, "display": "<5", "suppressed": True},
        ],
    },
    {
        "indicator": "perceived_unsafety_pct",
        "unit": "% inwoners",
        "value": 28.14,
        "display": "28,1",
        "rank_highest": 12,
        "rank_of": 57,
        "diff_vs_city": 5.8,
    },
    {"inhabitants": 45834, "unit": "inwoners"},
    {"prob_reduction": 0.83, "effect_pct_median": -21.0},
    {"notes": [{"quoted": "Hier waren 99 inbraken, zegt de buurman"}]},
    {"name": "Wijk 33 Heerlen-Centrum", "licence": "CC BY 4.0"},
]
LABELS = {"unmatched": "{number} ⚠[unverified]", "unit_mismatch": "{number} ⚠[unit]"}


@pytest.fixture(scope="module")
def pool() -> FactPool:
    return FactPool.from_results(RESULTS)


#: (answer, language, expected status of each number in order)
CASES = [
    ("Inbraak: 4,6 per 1000 inwoners.", "nl", ["exact"]),
    ("Burglary: 4.6 per 1,000 inhabitants.", "en", ["exact"]),
    ("Burglary was 4.6 per 1000 in 2017.", "en", ["exact", "exact"]),
    ("Ongeveer 5 per 1000.", "nl", ["rounded"]),
    ("0,46 % van de inwoners", "nl", ["converted"]),  # per 1000 → %
    ("281 per 1000 voelt zich onveilig", "nl", ["converted"]),  # % → per 1000
    ("a 21 % drop", "en", ["exact"]),  # sign is told in words
    ("kans op een daling 83 %", "nl", ["converted"]),  # fraction → %
    ("28 % voelt zich onveilig", "nl", ["rounded"]),
    ("28,14 % voelt zich onveilig", "nl", ["exact"]),
    ("5,8 procentpunt hoger", "nl", ["exact"]),
    ("plaats 12 van 57", "nl", ["exact", "exact"]),
    ("45.834 inwoners", "nl", ["exact"]),
    ("45,834 inhabitants", "en", ["exact"]),
    ("about 46,000 inhabitants", "en", ["approximate"]),
    ("Wijk 33 Heerlen-Centrum (BU09173300) [2]", "nl", ["exact"]),
    ("licensed CC BY 4.0", "en", ["exact"]),
    # failures: invented, over-rounded, unit-shifted
    ("31,7 % voelt zich onveilig", "nl", ["unmatched"]),
    ("46.000 inwoners", "nl", ["unmatched"]),  # rounded without saying "about"
    ("4,6 % van de inwoners", "nl", ["unit_mismatch"]),  # per 1000 written as %
    ("46 % of residents", "en", ["unmatched"]),  # wrong by a factor 10
    ("12.7 times as high", "en", ["unmatched"]),
    ("in 2019 there were 3 burglaries", "en", ["unmatched", "unmatched"]),
    # reported speech: numbers in untrusted notes are quoted, never facts
    ("Een bewoner schreef: „Hier waren 99 inbraken”.", "nl", ["quoted"]),
    ("Hier waren 99 inbraken.", "nl", ["unmatched"]),
]


@pytest.mark.parametrize(("text", "lang", "statuses"), CASES)
def test_grounding_classifies(pool, text, lang, statuses):
    grounding = check_grounding(text, pool, lang)
    assert [c.status for c in grounding.checks] == statuses, grounding.checks
    assert grounding.ok == all(s not in ("unmatched", "unit_mismatch") for s in statuses)


def test_flagged_numbers_are_marked_and_nothing_else_changes(pool):
    text = "Inbraak 4,6 per 1000, maar 31,7 % voelt zich onveilig en 4,6 % ook."
    grounding = check_grounding(text, pool, "nl")
    marked = marked_text(text, grounding, LABELS)
    assert marked == (
        "Inbraak 4,6 per 1000, maar 31,7 % ⚠[unverified] voelt zich onveilig en 4,6 % ⚠[unit] ook."
    )
    assert grounding.to_dict()["counts"] == {"exact": 1, "unmatched": 1, "unit_mismatch": 1}


def test_not_numbers():
    text = "BU09173300, 3D-model, 2e plaats [3], https://cbs.nl/2020, <5 en per 1000 inwoners."
    assert numbers_in_text(text) == []
    lst = numbers_in_text("1. eerste\n2. tweede 7")
    assert [n.text for n in lst] == ["7"]


@pytest.mark.parametrize(
    ("token", "lang", "first"),
    [
        ("12,3", "en", 12.3),
        ("12.3", "nl", 12.3),
        ("1.234", "nl", 1234.0),
        ("1.234", "en", 1.234),
        ("1,234", "nl", 1.234),
        ("1,234", "en", 1234.0),
        ("45.834,5", "en", 45834.5),
        ("1.234.567", "en", 1234567.0),
        ("0.125", "nl", 0.125),
    ],
)
def test_separators(token, lang, first):
    assert parse_number(token, lang)[0][0] == pytest.approx(first)


@given(
    value=st.floats(min_value=0.01, max_value=1e6, allow_nan=False),
    decimals=st.integers(min_value=0, max_value=2),
    lang=st.sampled_from(["nl", "en"]),
)
def test_every_formatted_tool_value_is_grounded(value, decimals, lang):
    """Property: a tool value, formatted as the app formats it (any decimals), always passes."""
    pool = FactPool.from_results([{"value": value, "unit": "per 1000 inwoners"}])
    text = f"De waarde is {format_value(value, lang=lang, decimals=decimals)} per 1000."
    assert check_grounding(text, pool, lang).ok


@given(
    value=st.floats(min_value=1.0, max_value=1e4, allow_nan=False),
    factor=st.sampled_from([1.37, 0.61, 3.0, 7.5]),
)
def test_numbers_far_from_every_result_are_flagged(value, factor):
    """Property: a number more than rounding away from all results (and their conversions) fails."""
    pool = FactPool.from_results([{"value": value}])
    invented = round(value * factor, 1)
    near = [value, value * 100, value / 10, value * 10]
    if any(abs(invented - v) <= 0.051 for v in near):
        return
    text = f"It was {format_value(invented, lang='en', decimals=1)} here."
    assert not check_grounding(text, pool, "en").ok


@pytest.mark.parametrize("size", [1, 3, 9, 40])
def test_stream_marker_matches_whole_text_marking(pool, size):
    """Marked in pieces as it streams, the answer equals the answer marked as a whole."""
    text = (
        "Heerlen-Centrum had 4,6 per 1000 inwoners in 2017; dat is 12,7 % meer dan ongeveer "
        "46.000 inwoners zouden doen vermoeden. Een bewoner schreef: „Hier waren 99 inbraken”."
    )
    marker = StreamMarker(pool, LABELS, "nl")
    shown = "".join(marker.feed(text[i : i + size]) for i in range(0, len(text), size))
    shown += marker.flush()
    assert shown == marked_text(text, check_grounding(text, pool, "nl"), LABELS)
    assert "12,7 % ⚠[unverified]" in shown and "99 inbraken” " not in shown
