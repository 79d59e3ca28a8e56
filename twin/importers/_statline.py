"""Reading CBS StatLine tables: OData JSON (``TypedDataSet``) and StatLine CSV downloads.

StatLine column names carry a numeric suffix that changes from table to table and year to year
(``AantalInwoners_5`` in one, ``AantalInwoners_7`` in another): :func:`base_name` drops it, and
importers match on the base. Dimension keys are padded with trailing spaces (``"GM0917    "``,
``"1.1.1   "``): they are stripped. Numbers are kept as text here; importers convert them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from twin.errors import TwinDataError
from twin.importers._common import csv_from_text, json_from_text

__all__ = ["StatlineTable", "base_name", "read_statline", "table_id_of"]

_SUFFIX = re.compile(r"_\d+$")
_TABLE = re.compile(r"(\d{5}(?:NED|ENG))", re.I)


def base_name(column: str) -> str:
    """A StatLine column name without its numeric suffix.

    >>> base_name("AantalInwoners_5"), base_name("WijkenEnBuurten")
    ('AantalInwoners', 'WijkenEnBuurten')
    """
    return _SUFFIX.sub("", column)


def table_id_of(text: str) -> str | None:
    """A CBS table id (``84799NED``) in a URL or file name, upper-case.

    >>> table_id_of("https://opendata.cbs.nl/ODataApi/OData/84799NED/$metadata#Cbs")
    '84799NED'
    """
    match = _TABLE.search(text)
    return match.group(1).upper() if match else None


class StatlineTable:
    """A StatLine table as text columns, with the table id when the file names it."""

    def __init__(self, frame: pd.DataFrame, *, file: str, table_id: str | None) -> None:
        self.frame = frame
        self.file = file
        self.table_id = table_id

    def column(self, base: str) -> str | None:
        """The column whose base name is ``base`` (None when absent)."""
        for col in self.frame.columns:
            if base_name(str(col)) == base:
                return str(col)
        return None

    def key(self, column: str) -> pd.Series:
        """A dimension column with its padding stripped."""
        return self.frame[column].astype("string").str.strip()


def _from_json(text: str, file: str) -> tuple[pd.DataFrame, str | None]:
    data = json_from_text(text, file=file)
    meta = ""
    if isinstance(data, dict):
        meta = str(data.get("odata.metadata") or data.get("@odata.context") or "")
        rows = data.get("value")
    else:
        rows = data
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise TwinDataError(
            "is not an OData result (expected {'value': [ {...}, ... ]})",
            file=file,
            field="value",
            hint="download the TypedDataSet of the table as JSON",
        )
    frame = pd.DataFrame.from_records(rows)
    return frame.astype("string") if len(frame) else frame, table_id_of(meta)


def _from_csv(text: str, file: str) -> pd.DataFrame:
    frame = csv_from_text(text, file=file, dtype=str, keep_default_na=False, quotechar='"')
    return frame.astype("string")


def read_statline(path: str | os.PathLike[str]) -> StatlineTable:
    """Read a StatLine table from OData JSON or CSV (``;`` or ``,`` separated)."""
    path = Path(path)
    file = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise TwinDataError("does not exist", file=file) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if not text.strip():
        raise TwinDataError("is empty", file=file)
    if text.lstrip().startswith(("{", "[")):
        frame, table_id = _from_json(text, file)
    else:
        frame, table_id = _from_csv(text, file), None
    frame.columns = [str(c).strip().strip('"') for c in frame.columns]
    return StatlineTable(frame, file=file, table_id=table_id or table_id_of(path.name))
