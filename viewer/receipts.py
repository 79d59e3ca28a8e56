"""Contribution receipts: "what happened with your input", without personal data.

When a resident reports something (a dark path, a vacant building), the municipality records it
here and hands the resident a **receipt code** such as ``7K3M-Q9TR-2XHD``. The receipt follows
the input through five stages — received → assessed → decision → measure → measured effect —
each with a date and a short public note written for residents. Anyone with the code can look it
up on the residents' page; nobody can list receipts from there.

No personal data is stored: no name, address, e-mail, phone, account or IP — only the buurt,
a short topic, the stages, and a hash of the code (the code itself is not kept, like a
password). Topics and notes that look like an e-mail address, a phone number or a postcode are
refused. Codes are 11 random Crockford base-32 symbols (55 bits, from :mod:`secrets`) plus a
check symbol that catches any single mistyped character before any lookup.

The store is SQLite under the home folder (``receipts.sqlite``; WAL, foreign keys, one
transaction per change). Errors are :class:`ReceiptError` with NL/EN/DE text.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from twin.sqlite import SqliteStore

__all__ = [
    "STAGES",
    "Receipt",
    "ReceiptError",
    "ReceiptStore",
    "Stage",
    "check_public_text",
    "new_code",
    "normalise_code",
]

#: The stages a receipt goes through, in order.
STAGES = ("received", "assessed", "decision", "measure", "effect")
#: Crockford base-32 (no I, L, O, U: they are read as 1, 1, 0 or are rude).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Random symbols per code: 55 bits — guessing one of 100,000 receipts takes ~3·10¹¹ tries.
CODE_RANDOM = 11
#: Topic and note lengths: a headline and a short paragraph in plain language.
MAX_TOPIC, MAX_NOTE = 120, 600
#: File name of the store under the home folder.
STORE_FILE = "receipts.sqlite"
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_PERSONAL = (
    ("email", re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")),
    (
        "phone",
        re.compile(
            r"(?<![\d-])(?:(?:\+|00)\d{2}[\s-]?\d(?:[\s-]?\d){7,}"
            r"|0\d(?:[\s-]?\d){8})(?!\d)"
        ),
    ),
    ("postcode", re.compile(r"\b[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}\b")),
)
_REF = re.compile(r"^[A-Za-z0-9._:-]{0,64}$")
_BUURT = re.compile(r"^BU\d{8}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS receipts (
    id INTEGER PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    buurt TEXT NOT NULL,
    topic TEXT NOT NULL,
    created_on TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS stages (
    receipt_id INTEGER NOT NULL REFERENCES receipts(id) ON DELETE CASCADE,
    stage TEXT NOT NULL CHECK (stage IN ('received','assessed','decision','measure','effect')),
    happened_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    ref TEXT NOT NULL DEFAULT '',
    indicator TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (receipt_id, stage)
);
"""


class ReceiptError(ValueError):
    """A receipt problem; ``code`` names it, :meth:`text` says it in the user's language."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.details = details

    def text(self, lang: str = "nl") -> str:
        from viewer.i18n import has, t

        key = f"residents.error.{self.code}"
        if not has(key):
            return str(self)
        try:
            return t(key, lang=lang, **self.details)
        except (KeyError, IndexError):
            return str(self)


@dataclass(frozen=True)
class Stage:
    """One stage a receipt reached: when, and what residents are told."""

    stage: str
    on: str
    note: str = ""
    ref: str = ""
    indicator: str = ""


@dataclass(frozen=True)
class Receipt:
    """A resident's input as the public may see it (no personal data)."""

    id: int
    buurt: str
    topic: str
    created_on: str
    stages: tuple[Stage, ...]

    @property
    def current(self) -> str:
        return self.stages[-1].stage if self.stages else "received"

    def reached(self, stage: str) -> Stage | None:
        return next((s for s in self.stages if s.stage == stage), None)


def _check_symbol(body: str) -> str:
    """Weighted sum mod 32 with odd weights: odd numbers are invertible mod 32, so every single
    wrong character changes the check symbol (a typo is caught before any lookup)."""
    total = sum((2 * i + 1) * ALPHABET.index(c) for i, c in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_code() -> str:
    """A fresh, unguessable receipt code like ``7K3M-Q9TR-2XHD``."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_RANDOM))
    code = body + _check_symbol(body)
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(text: str) -> str:
    """The code as stored (12 symbols, no dashes); raises :class:`ReceiptError` for bad input."""
    if not isinstance(text, str) or not text.strip():
        raise ReceiptError("empty", "type the receipt code")
    raw = re.sub(r"[\s\-_.]", "", text.upper()).translate(_TYPOS)
    if len(raw) != CODE_RANDOM + 1:
        raise ReceiptError(
            "length",
            f"a receipt code has {CODE_RANDOM + 1} characters, this one has {len(raw)}",
            n=len(raw),
        )
    bad = sorted({c for c in raw if c not in ALPHABET})
    if bad:
        raise ReceiptError(
            "chars", f"a receipt code has only digits and letters (not {bad[0]!r})", char=bad[0]
        )
    if _check_symbol(raw[:-1]) != raw[-1]:
        raise ReceiptError("typo", "this code contains a typing error; check it on your receipt")
    return raw


def _hash(code: str) -> str:
    return hashlib.sha256(f"socialtwin-receipt:{code}".encode()).hexdigest()


def check_public_text(text: str, field: str, limit: int) -> str:
    """Plain public text: not empty, not too long, no e-mail, phone number or postcode."""
    text = " ".join(str(text or "").split())
    if field == "topic" and len(text) < 3:
        raise ReceiptError("required", f"the {field} is empty", field=field)
    if len(text) > limit:
        raise ReceiptError(
            "too_long", f"the {field} is longer than {limit} characters", field=field, limit=limit
        )
    for kind, pattern in _PERSONAL:
        if pattern.search(text):
            raise ReceiptError(
                "personal",
                f"the {field} looks like it contains personal data "
                f"({kind}); describe the place and the problem, not the person",
                field=field,
                kind=kind,
            )
    return text


def _day(on: str | date | None) -> str:
    if on is None:
        return datetime.now(UTC).date().isoformat()
    if isinstance(on, date):
        return on.isoformat()
    try:
        return date.fromisoformat(str(on)).isoformat()
    except ValueError:
        raise ReceiptError("date", f"{on!r} is not a date (YYYY-MM-DD)", value=on) from None


class ReceiptStore(SqliteStore):
    """Receipts in SQLite. ``ReceiptStore()`` opens the one in the home folder."""

    FILE = STORE_FILE
    SCHEMA = _SCHEMA
    SYNCHRONOUS = "FULL"

    def columns(self) -> dict[str, list[str]]:
        """Every table's columns (what the privacy test checks)."""
        tables = [
            r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return {tb: [r[1] for r in self._db.execute(f"PRAGMA table_info({tb})")] for tb in tables}

    def create(
        self, buurt: str, topic: str, *, on: str | date | None = None, note: str = ""
    ) -> tuple[str, Receipt]:
        """Record new input: returns the code (shown once, to give the resident) and receipt."""
        if not _BUURT.match(buurt or ""):
            raise ReceiptError(
                "buurt", f"{buurt!r} is not a buurt code (BU + 8 digits)", value=buurt
            )
        topic = check_public_text(topic, "topic", MAX_TOPIC)
        note = check_public_text(note, "note", MAX_NOTE)
        day = _day(on)
        with self._tx() as db:
            for _ in range(5):  # a collision of 55-bit codes does not happen; be sure anyway
                code = new_code()
                digest = _hash(normalise_code(code))
                if not db.execute(
                    "SELECT 1 FROM receipts WHERE code_hash = ?", (digest,)
                ).fetchone():
                    break
            cur = db.execute(
                "INSERT INTO receipts (code_hash, buurt, topic, created_on) VALUES (?, ?, ?, ?)",
                (digest, buurt, topic, day),
            )
            rid = int(cur.lastrowid or 0)
            db.execute(
                "INSERT INTO stages (receipt_id, stage, happened_on, note)"
                " VALUES (?, 'received', ?, ?)",
                (rid, day, note),
            )
        return code, self.get(rid)

    def advance(
        self,
        receipt_id: int,
        stage: str,
        *,
        note: str = "",
        ref: str = "",
        indicator: str = "",
        on: str | date | None = None,
    ) -> Receipt:
        """Record that a receipt reached ``stage`` (later than its current one; skips allowed)."""
        if stage not in STAGES:
            raise ReceiptError(
                "stage", f"unknown stage {stage!r}; stages: {', '.join(STAGES)}", value=stage
            )
        note = check_public_text(note, "note", MAX_NOTE)
        if not _REF.match(ref or "") or not _REF.match(indicator or ""):
            raise ReceiptError(
                "ref", "a reference is an id of letters, digits and . _ : -", value=ref
            )
        current = self.get(receipt_id)
        if STAGES.index(stage) <= STAGES.index(current.current):
            raise ReceiptError(
                "order",
                f"receipt {receipt_id} is already at "
                f"{current.current!r}; {stage!r} must come later",
                stage=stage,
                current=current.current,
            )
        day = _day(on)
        if day < current.stages[-1].on:
            raise ReceiptError(
                "date_order",
                f"{day} is before the previous stage ({current.stages[-1].on})",
                value=day,
            )
        with self._tx() as db:
            db.execute(
                "INSERT INTO stages VALUES (?, ?, ?, ?, ?, ?)",
                (receipt_id, stage, day, note, ref or "", indicator or ""),
            )
        return self.get(receipt_id)

    def get(self, receipt_id: int) -> Receipt:
        row = self._db.execute(
            "SELECT buurt, topic, created_on FROM receipts WHERE id = ?", (receipt_id,)
        ).fetchone()
        if row is None:
            raise ReceiptError("no_receipt", f"no receipt with id {receipt_id}", value=receipt_id)
        stages = tuple(
            Stage(*r)
            for r in self._db.execute(
                "SELECT stage, happened_on, note, ref, indicator FROM stages WHERE receipt_id = ?",
                (receipt_id,),
            )
        )
        stages = tuple(sorted(stages, key=lambda s: STAGES.index(s.stage)))
        return Receipt(receipt_id, row[0], row[1], row[2], stages)

    def lookup(self, code_text: str) -> Receipt:
        """The receipt of a code as a resident types it; clear errors for bad or unknown codes."""
        digest = _hash(normalise_code(code_text))
        row = self._db.execute("SELECT id FROM receipts WHERE code_hash = ?", (digest,)).fetchone()
        if row is None:
            raise ReceiptError("unknown", "no receipt has this code; check it on your receipt")
        return self.get(int(row[0]))

    def list(self, *, buurt: str | None = None) -> list[Receipt]:
        """All receipts (for staff), newest first."""
        sql = "SELECT id FROM receipts"
        args: tuple = ()
        if buurt:
            sql += " WHERE buurt = ?"
            args = (buurt,)
        ids = [r[0] for r in self._db.execute(sql + " ORDER BY id DESC", args)]
        return [self.get(i) for i in ids]
