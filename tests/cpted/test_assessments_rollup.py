"""Roll-ups per street and buurt, filters, and the marker payload (pure functions)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin.assessments import (
    buurt_cpted_scores,
    filter_assessments,
    make_assessment,
    marker_payload,
    rollup_by_buurt,
    rollup_by_street,
    street_cpted_scores,
)
from twin.assessments.form import PRINCIPLE_IDS


def _frame(rows):
    base = {"target_kind": "spot", "lon": 5.98, "lat": 50.89, "current_version": 1}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    for p in PRINCIPLE_IDS:
        if f"p_{p}" not in frame:
            frame[f"p_{p}"] = None
    frame[[f"p_{p}" for p in PRINCIPLE_IDS]] = frame[[f"p_{p}" for p in PRINCIPLE_IDS]].astype(
        float
    )
    return frame


ROWS = [
    {
        "id": "a",
        "street": "s1",
        "buurt": "B1",
        "overall": 2.0,
        "p_lighting": 1.0,
        "author": "Anna",
        "observed_at": "2025-01-10",
    },
    {
        "id": "b",
        "street": "s1",
        "buurt": "B1",
        "overall": 4.0,
        "p_lighting": None,
        "author": "Bram",
        "observed_at": "2025-03-01T21:30",
    },
    {
        "id": "c",
        "street": "s2",
        "buurt": "B1",
        "overall": None,
        "p_lighting": None,
        "author": "anna",
        "observed_at": "2024-12-31",
    },
    {
        "id": "d",
        "street": None,
        "buurt": "B2",
        "overall": 5.0,
        "p_lighting": 5.0,
        "author": "Kees",
        "observed_at": "2025-02-02",
    },
]


def test_rollups_per_street_and_buurt():
    frame = _frame(ROWS)
    streets = rollup_by_street(frame)
    assert streets.loc["s1", "count"] == 2 and streets.loc["s1", "overall"] == 3.0
    assert streets.loc["s1", "p_lighting"] == 1.0  # mean over those that scored lighting
    assert streets.loc["s1", "latest"] == "2025-03-01"
    assert streets.loc["s2", "count"] == 1 and pd.isna(streets.loc["s2", "overall"])
    assert "d" not in streets.index and len(streets) == 2
    buurten = rollup_by_buurt(frame)
    assert buurten["count"].to_dict() == {"B1": 3, "B2": 1}
    assert buurten.loc["B1", "overall"] == 3.0 and buurten.loc["B2", "overall"] == 5.0


def test_street_and_buurt_scores_are_series_without_unscored_places():
    frame = _frame(ROWS)
    s = street_cpted_scores(frame)
    assert s.to_dict() == {"s1": 3.0} and s.name == "cpted_assessment"
    assert buurt_cpted_scores(frame).to_dict() == {"B1": 3.0, "B2": 5.0}
    empty = street_cpted_scores(frame.iloc[0:0])
    assert empty.empty and empty.dtype == float


def test_filters():
    frame = _frame(ROWS)
    ids = lambda f: sorted(f["id"])  # noqa: E731
    assert ids(filter_assessments(frame, principle="lighting")) == ["a", "d"]
    assert ids(filter_assessments(frame, principle="lighting", max_score=2)) == ["a"]
    assert ids(filter_assessments(frame, min_score=3)) == ["b", "d"]
    assert ids(filter_assessments(frame, author="ANNA")) == ["a", "c"]
    assert ids(filter_assessments(frame, since="2025-01-01", until="2025-02-28")) == ["a", "d"]
    assert ids(filter_assessments(frame, until="2025-03-01")) == ["a", "b", "c", "d"]
    with pytest.raises(KeyError, match="unknown principle 'safety'"):
        filter_assessments(frame, principle="safety")


@given(st.lists(st.tuples(st.sampled_from(["s1", "s2", "s3"]), st.floats(1, 5)), min_size=1))
def test_street_rollup_is_a_mean_within_the_scale(pairs):
    frame = _frame(
        [
            {
                "id": str(i),
                "street": s,
                "buurt": "B",
                "overall": v,
                "author": "x",
                "observed_at": "2025-01-01",
            }
            for i, (s, v) in enumerate(pairs)
        ]
    )
    out = rollup_by_street(frame)
    assert out["count"].sum() == len(pairs)
    for street, group in frame.groupby("street"):
        assert out.loc[street, "overall"] == pytest.approx(group["overall"].mean())
        assert 1 <= out.loc[street, "overall"] <= 5


def test_marker_payload_is_compact_and_keyed(store, targets, ch):
    for t in targets.values():
        store.create(make_assessment(t, {"ns_sightlines": 2, "li_even_lighting": 5}), ch.ANNA)
    frame = store.frame()
    payload = marker_payload(frame)
    assert len(payload["lon"]) == len(payload["lat"]) == len(payload["score"]) == 4
    assert payload["score"] == [3.5] * 4
    assert set(payload["kinds"]) == {"building", "street", "spot", "area"}
    assert all(len(str(x).split(".")[1]) <= 6 for x in payload["lon"])
    assert json.dumps(payload)  # plain JSON
    v = store.get(frame["id"].iloc[0])
    store.save(v.assessment_id, v.assessment, base_version=1, author=ch.BRAM)
    assert marker_payload(store.frame())["key"] != payload["key"]
    assert marker_payload(store.frame())["key"] == marker_payload(store.frame())["key"]
