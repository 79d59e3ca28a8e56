"""The CPTED studio's pure helpers: re-applying a refused save, escaping, values, drafts on
disk, marker colours and baking, safe ZIP uploads, doctests."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin.assessments import target_from_building

NASTY = "<img src=x onerror=alert(1)> **vet** :red[rood] [link](http://x)"


def test_zip_uploads_cannot_escape_their_folder(tmp_path):
    from viewer.cpted_exchange import unpack_upload

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../evil.csv", "x")
    with pytest.raises(ValueError, match="unsafe path"):
        unpack_upload("a.zip", buf.getvalue(), tmp_path)
    assert not (tmp_path.parent / "evil.csv").exists()
    with pytest.raises(ValueError, match="not a ZIP"):
        unpack_upload("b.zip", b"nope", tmp_path)


_flat = st.dictionaries(
    st.sampled_from(["ns_sightlines", "th_locks", "ma_repairs"]), st.integers(1, 5), max_size=3
)
_content = st.fixed_dictionaries(
    {
        "notes": st.text(max_size=20),
        "scores": _flat,
        "measures": st.lists(st.sampled_from(["cctv", "foot_patrol"]), unique=True),
    }
)


@given(_content, _content)
def test_rebase_keeps_theirs_without_my_changes_and_mine_without_theirs(base, other):
    from viewer.cpted_model import rebase

    merged, both = rebase(base, base, other)
    assert merged["notes"] == other["notes"] and merged["scores"] == other["scores"]
    assert both == []
    merged, both = rebase(base, other, base)
    assert merged["notes"] == other["notes"] and merged["scores"] == other["scores"]
    assert merged["measures"] == other["measures"]


@given(_content, _content, _content)
def test_rebase_applies_every_change_of_mine(base, mine, theirs):
    from viewer.cpted_model import rebase

    merged, both = rebase(base, mine, theirs)
    for key in ("notes", "measures"):
        assert merged[key] == (mine[key] if mine[key] != base[key] else theirs[key])
    for item in {*base["scores"], *mine["scores"], *theirs["scores"]}:
        mine_changed = mine["scores"].get(item) != base["scores"].get(item)
        expect = mine["scores"].get(item) if mine_changed else theirs["scores"].get(item)
        assert merged["scores"].get(item) == expect
    assert set(both) <= {"notes", "measures"} | {
        f"scores.{i}" for i in ("ns_sightlines", "th_locks", "ma_repairs")
    }


@given(st.text())
def test_md_escape_leaves_no_markup(text):
    from viewer.cpted_model import md_escape

    escaped = md_escape(text)
    assert escaped.replace("\\", "") == text.replace("\\", "")
    for i, ch in enumerate(escaped):
        if ch in "<>*_[]`":
            assert escaped[i - 1] == "\\"


def test_values_round_trip_through_an_assessment(small):
    from viewer.cpted_model import assessment_from_values, values_from_data

    t = target_from_building(small, str(small.buildings["id"].iloc[3]))
    values = {
        "scores": {"ns_sightlines": "2", "li_even_lighting": "n/a"},
        "notes": NASTY,
        "observed_at": "2025-05-01",
        "time_of_day": "night",
        "measures": ["cctv"],
        "photos": [],
    }
    a = assessment_from_values(values, t.to_data())
    assert values_from_data(a.to_data()) == values


def test_drafts_on_disk(tmp_path):
    from viewer import cpted_drafts as d

    d.write_draft(
        "a" * 32, {"author": "Anna", "values": {"photos": ["f" * 64]}}, {"f" * 64: b"jpegbytes"}
    )
    d.write_draft("b" * 32, {"author": "Bram", "values": {"photos": []}}, {})
    assert [x["id"] for x in d.list_drafts("Anna")] == ["a" * 32]
    assert d.list_drafts("Anna", exclude="a" * 32) == []
    assert d.read_draft_photo("f" * 64) is None, "bytes that do not match their hash are refused"
    (d.drafts_dir() / ("c" * 32 + ".json")).write_text("{broken")
    assert [x["id"] for x in d.list_drafts("Bram")] == ["b" * 32], "a broken file is skipped"
    d.remove_draft("a" * 32)
    assert not (d.drafts_dir() / "photos" / ("f" * 64 + ".jpg")).exists()
    with pytest.raises(ValueError, match="32 hex digits"):
        d.write_draft("../x", {"values": {}}, {})


def test_markers_bake_their_file_once(monkeypatch):
    import viewer.map._paint as paint
    from viewer.map import Markers

    m = Markers("cpted", [5.98, 5.99], [50.88, 50.89], ["a", "b"], tooltips=[("<b>", [])] * 2)
    first = m.to_payload((5.9, 50.8))

    def no_more_baking(*args, **kwargs):
        raise AssertionError("baked again")

    monkeypatch.setattr(paint, "bake_points", no_more_baking)
    assert m.to_payload((5.9, 50.8)) == first, "same file, same URL, no second bake"


def test_marker_colours_by_score():
    from layers import NO_DATA_RGBA
    from viewer.cpted_data import marker_colours

    rgba = marker_colours(np.array([1.0, 2.4, 3.0, 3.6, 4.5, np.nan]))
    assert len({tuple(c) for c in rgba[:5]}) == 5, "one colour per whole score"
    assert rgba[5].tolist() == list(NO_DATA_RGBA), "unscored is grey"
    assert marker_colours(np.array([1.4]))[0].tolist() == rgba[0].tolist()


@pytest.mark.parametrize("module", ["viewer.cpted_model", "viewer.cpted_data"])
def test_doctests_of_the_page_helpers(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
