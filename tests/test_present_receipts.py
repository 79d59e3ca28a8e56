"""Contribution receipts: unguessable codes, clear messages, no personal data anywhere."""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from viewer.receipts import (
    ALPHABET,
    CODE_RANDOM,
    STAGES,
    ReceiptError,
    ReceiptStore,
    new_code,
    normalise_code,
)

#: Words in column names that would hold personal data; none may appear in the receipt store.
PERSONAL = {
    "name", "email", "mail", "phone", "tel", "telephone", "address", "adres", "street", "straat",
    "house", "huisnummer", "postcode", "zip", "ip", "birth", "bsn", "person", "resident",
    "bewoner", "user", "account", "contact", "author", "device", "agent", "lat", "lon", "x", "y",
    "age", "gender",
}  # fmt: skip
#: The store's whole schema: a new column has to pass review here.
SCHEMA = {
    "meta": ["key", "value"],
    "receipts": ["id", "code_hash", "buurt", "topic", "created_on"],
    "stages": ["receipt_id", "stage", "happened_on", "note", "ref", "indicator"],
}


@pytest.fixture
def store(tmp_path):
    with ReceiptStore(tmp_path / "r.sqlite") as s:
        yield s


def test_schema_has_no_personal_fields(store, tmp_path):
    store.create("BU09173300", "Donker pad achter de school")
    cols = store.columns()
    assert cols == SCHEMA
    for table, names in cols.items():
        for col in names:
            words = set(col.lower().split("_"))
            assert not words & PERSONAL, f"{table}.{col} looks like a personal field"
    # the code itself is not stored either: only its hash
    code, _ = store.create("BU09173300", "Kapotte lantaarn")
    raw = (tmp_path / "r.sqlite").read_bytes()
    for variant in (code, code.replace("-", "")):
        assert variant.encode() not in raw


def test_codes_are_random_well_formed_and_checked():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000  # no repeats
    for code in list(codes)[:200]:
        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
        assert normalise_code(code) == code.replace("-", "")
    # 11 random symbols from 32: every position uses the whole alphabet
    bodies = [c.replace("-", "")[:CODE_RANDOM] for c in codes]
    for pos in range(CODE_RANDOM):
        assert len({b[pos] for b in bodies}) == len(ALPHABET)


@given(st.integers(0, CODE_RANDOM), st.sampled_from(ALPHABET))
def test_any_single_mistyped_character_is_caught(pos, wrong):
    code = new_code().replace("-", "")
    if code[pos] == wrong:
        return
    typo = code[:pos] + wrong + code[pos + 1 :]
    with pytest.raises(ReceiptError, match="typing error"):
        normalise_code(typo)


def test_lookup_follows_the_stages(store):
    code, r = store.create("BU09173300", "Donker pad", note="Melding via de wijkagent",
                           on="2024-03-01")  # fmt: skip
    assert r.current == "received"
    store.advance(r.id, "assessed", note="CPTED-schouw gedaan", ref="a1b2", on="2024-03-12")
    store.advance(r.id, "measure", note="Twee LED-lantaarns geplaatst", on="2024-05-02")
    with pytest.raises(ReceiptError, match="already at 'measure'"):
        store.advance(r.id, "decision")
    store.advance(r.id, "effect", note="Minder meldingen", indicator="perceived_unsafety_pct",
                  on="2025-05-01")  # fmt: skip
    # the resident types it loosely: lower case, spaces, O for 0
    typed = code.lower().replace("-", " ").replace("0", "o")
    found = store.lookup(typed)
    assert found.id == r.id and found.current == "effect"
    assert [s.stage for s in found.stages] == ["received", "assessed", "measure", "effect"]
    assert found.reached("decision") is None
    assert found.reached("effect").indicator == "perceived_unsafety_pct"
    with pytest.raises(ReceiptError, match="before the previous stage"):
        _, r2 = store.create("BU09173300", "Graffiti", on="2024-03-01")
        store.advance(r2.id, "assessed", on="2024-02-01")


@pytest.mark.parametrize(
    ("typed", "code", "nl", "en"),
    [
        ("", "empty", "Vul uw ontvangstcode in", "Please type your receipt code"),
        ("ABC", "length", "heeft 12 tekens", "has 12 characters"),
        ("7K3M-Q9TR-2XH!", "chars", "‘!’", "‘!’"),
        ("7K3M-Q9TR-2XHU", "chars", "‘U’", "‘U’"),
    ],
)
def test_malformed_codes_get_clear_messages(store, typed, code, nl, en):
    with pytest.raises(ReceiptError) as info:
        store.lookup(typed)
    assert info.value.code == code
    assert nl in info.value.text("nl") and en in info.value.text("en")


def test_an_unknown_code_says_so_in_dutch_and_english(store):
    store.create("BU09173300", "Donker pad")
    with pytest.raises(ReceiptError, match="no receipt has this code") as info:
        store.lookup(new_code())
    assert "We kennen deze code niet" in info.value.text("nl")
    assert "We do not know this code" in info.value.text("en")


@pytest.mark.parametrize(
    ("topic", "kind"),
    [
        ("Bel mij: 06-12345678", "phone"),
        ("Mail jan@example.nl", "email"),
        ("Bij 6411 AB nummer 3", "postcode"),
        ("Call +31 45 123 4567", "phone"),
    ],
)
def test_personal_data_is_refused(store, topic, kind):
    with pytest.raises(ReceiptError, match=kind) as info:
        store.create("BU09173300", topic)
    assert "persoonsgegevens" in info.value.text("nl")
    assert store.list() == []


def test_plain_topics_with_dates_and_counts_are_fine(store):
    _, r = store.create("BU09173300", "12 lantaarns uit sinds 2024-05-01, Akerstraat")
    assert r.topic.startswith("12 lantaarns")


def test_bad_input(store):
    with pytest.raises(ReceiptError, match="not a buurt code"):
        store.create("Heerlen", "Donker pad")
    with pytest.raises(ReceiptError, match="unknown stage"):
        store.advance(1, "done")
    with pytest.raises(ReceiptError, match="is not a date"):
        store.create("BU09173300", "Donker pad", on="gisteren")
    assert set(STAGES) == {"received", "assessed", "decision", "measure", "effect"}


def test_store_is_wal_with_foreign_keys(tmp_path):
    with ReceiptStore(tmp_path / "r.sqlite") as s:
        s.create("BU09173300", "Donker pad")
    db = sqlite3.connect(tmp_path / "r.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("INSERT INTO stages VALUES (999, 'assessed', '2024-01-01', '', '', '')")
