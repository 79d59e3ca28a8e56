"""Finding numbers in text: Dutch and English separators, units, quotes and non-numbers.

The grounding check (:mod:`assistant._grounding`) reads every number of an answer with
:func:`numbers_in_text`. A *number* is a run of digits with optional ``.``/``,`` separators that
is not glued to letters (``BU09173300``, ``3D``, ``2e``), not a citation marker (``[2]``), not a
list marker at the start of a line, and not the ``1000`` of a "per 1000" unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["TextNumber", "canonical_quote", "numbers_in_text", "parse_number", "unit_kind"]

#: Digits with separators; the look-arounds keep codes (BU0917…), "3D" and "2e" out ("2x" stays).
_NUMBER = re.compile(r"(?<![\w.,])(\d(?:[\d.,]*\d)?)(?![^\Wx]|x\w)")
#: "per 1000" and friends: the unit of a rate, never a number of its own.
_PER_1000 = r"(?:‰|per\s?(?:1[.,\u00a0 ]?000|duizend|thousand|mille))"
_PER_1000_RE = re.compile(_PER_1000, re.IGNORECASE)
_PCT = (
    r"(?:%|procent(?:punt(?:en)?)?|percent(?:age)?(?:\s?points?)?|per\s?cent|pp\b|%-?punt(?:en)?)"
)
_UNIT_AFTER = re.compile(rf"\s?(?:{_PCT}|{_PER_1000})", re.IGNORECASE)
_SIGN = re.compile(r"(?:^|(?<=[\s(\[:]))[-−–+]$")
_APPROX = re.compile(
    r"(?:\b(?:about|around|roughly|approximately|approx\.?|nearly|almost|some|over|more than|"
    r"less than|under|circa|ca\.|ongeveer|rond|ruim|bijna|zo'n|meer dan|minder dan|krap)|~|≈)"
    r"\s*[-−+]?$",
    re.IGNORECASE,
)
_CITATION = re.compile(r"\[\d{1,3}\]")
#: "<5": a suppressed value shown as its threshold, not a number claimed.
_SUPPRESSED = re.compile(r"<\s?\d+")
_LIST_MARKER = re.compile(r"^[ \t]*\d{1,2}[.)][ \t]", re.MULTILINE)
_URL = re.compile(r"https?://\S+")
#: Quotation pairs whose content is reported speech, not a claim of the answer.
_QUOTES = re.compile(r"“[^”\n]*”|„[^”“\n]*[”“]|\"[^\"\n]*\"|«[^»\n]*»")


@dataclass(frozen=True)
class TextNumber:
    """A number as written in a text.

    Attributes
    ----------
    text : str
        The characters as written, sign and unit included (e.g. ``"−4,6 %"``).
    start, end : int
        Span of ``text`` in the source string.
    readings : tuple of (float, int)
        Possible (value, decimals) readings; two when a separator is ambiguous (``1.234``).
    unit : str
        ``"pct"``, ``"per1000"`` or ``""``.
    approximate : bool
        Preceded by a word like "about" or "ruim": coarser rounding is allowed.
    quote : str
        The text of the quotation the number stands in ("" when not quoted).
    """

    text: str
    start: int
    end: int
    readings: tuple[tuple[float, int], ...]
    unit: str = ""
    approximate: bool = False
    quote: str = ""


def unit_kind(unit: str) -> str:
    """Classify a unit text: ``"pct"``, ``"per1000"`` or ``""``.

    >>> unit_kind("per 1000 inwoners"), unit_kind("% huishoudens"), unit_kind("x 1000 EUR")
    ('per1000', 'pct', '')
    """
    low = unit.lower()
    if _PER_1000_RE.search(low):
        return "per1000"
    if re.search(_PCT, low):
        return "pct"
    return ""


def parse_number(token: str, lang: str = "nl") -> tuple[tuple[float, int], ...]:
    """Readings (value, decimals) of a digit token, the language's reading first.

    >>> parse_number("12,3", "en"), parse_number("45.834", "nl")
    (((12.3, 1),), ((45834.0, 0), (45.834, 3)))
    >>> parse_number("45,834.5", "nl")
    ((45834.5, 1),)
    """
    dots, commas = token.count("."), token.count(",")
    if dots and commas:
        dec = "." if token.rfind(".") > token.rfind(",") else ","
        return (_read(token, dec),)
    if not dots and not commas:
        return ((float(token), 0),)
    sep = "." if dots else ","
    if token.count(sep) > 1:
        return ((float(token.replace(sep, "")), 0),)
    before, after = token.split(sep)
    if len(after) == 3 and 1 <= len(before) <= 3 and before != "0":
        thousands = (float(before + after), 0)
        decimal = (float(f"{before}.{after}"), 3)
        prefer_thousands = (sep == ".") == (lang in ("nl", "de"))
        return (thousands, decimal) if prefer_thousands else (decimal, thousands)
    return ((float(f"{before}.{after}"), len(after)),)


def _read(token: str, dec: str) -> tuple[float, int]:
    thousands = "," if dec == "." else "."
    whole, _, frac = token.replace(thousands, "").partition(dec)
    return float(f"{whole}.{frac}" if frac else whole), len(frac)


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def numbers_in_text(text: str, lang: str = "nl") -> list[TextNumber]:
    """Every number in ``text`` that states a quantity, with its unit and context.

    >>> [n.text for n in numbers_in_text("In BU09173300 was het 4,6 per 1000 [1] (−21 %).")]
    ['4,6 per 1000', '−21 %']
    """
    skip = _spans(_CITATION, text) + _spans(_URL, text) + _spans(_PER_1000_RE, text)
    skip += _spans(_SUPPRESSED, text)
    skip += [(m.start(), m.end() - 1) for m in _LIST_MARKER.finditer(text)]
    quotes = _spans(_QUOTES, text)

    def quote_at(pos: int) -> str:
        for a, b in quotes:
            if a <= pos < b:
                return text[a + 1 : b - 1]
        return ""

    found: list[TextNumber] = []
    for m in _NUMBER.finditer(text):
        start, end = m.span(1)
        if _inside(start, skip):
            continue
        before = text[max(0, start - 24) : start]
        sign = _SIGN.search(before)
        if sign:
            start -= 1
        unit = ""
        u = _UNIT_AFTER.match(text, end)
        if u:
            unit = "per1000" if _PER_1000_RE.search(u.group(0)) else "pct"
            end = u.end()
        readings = parse_number(m.group(1), lang)
        if sign and text[start] in "-−–":
            readings = tuple((-v, d) for v, d in readings)
        found.append(
            TextNumber(
                text=text[start:end],
                start=start,
                end=end,
                readings=readings,
                unit=unit,
                approximate=bool(_APPROX.search(text[max(0, start - 24) : start].rstrip())),
                quote=quote_at(start),
            )
        )
    return found


_QUOTE_LIKE = str.maketrans({c: "'" for c in '“”„"«»‘’`'})


def canonical_quote(text: str) -> str:
    """Text reduced for comparing a quotation with its source: no escapes, one kind of quote
    mark, single spaces, lower case.

    >>> canonical_quote(r'Zie  \\[x\\] „hier”') == canonical_quote("zie [x] 'hier'")
    True
    """
    return " ".join(text.replace("\\", "").translate(_QUOTE_LIKE).lower().split())
