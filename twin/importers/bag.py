"""BAG use of buildings: ``gebruiksdoel`` → the twin's building ``use``, and the PDOK BAG
``pand`` layer (identificatie, gebruiksdoel, aantal_verblijfsobjecten) that supplies it.

3DBAG carries no use: BAG registers uses on the *verblijfsobjecten* (units) inside a pand, and
PDOK's BAG WFS summarises them per pand as ``gebruiksdoel`` (the distinct uses, comma-separated)
and ``aantal_verblijfsobjecten``. The mapping (also in ``docs/import.md``):

============================ ===========================================================
BAG gebruiksdoel             twin use
============================ ===========================================================
woonfunctie only             residential
woonfunctie + any other      mixed
winkelfunctie                retail
kantoorfunctie               office
onderwijsfunctie             education
gezondheidszorgfunctie       healthcare
industriefunctie             industrial
bijeenkomst-, sport-, cel-,
logiesfunctie                community
overige gebruiksfunctie      garage (BAG's class for garages, sheds and storage)
none (pand without units)    unknown
============================ ===========================================================

A pand with several non-residential uses takes the first in the order of the table.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from twin.errors import TwinDataError
from twin.importers._common import read_layer, require_columns

__all__ = ["GEBRUIKSDOEL_USE", "bag_units_from_pand", "normalise_pand_id", "use_from_gebruiksdoel"]

#: BAG gebruiksdoel → twin use, in priority order for panden with several uses.
GEBRUIKSDOEL_USE = {
    "winkelfunctie": "retail",
    "kantoorfunctie": "office",
    "gezondheidszorgfunctie": "healthcare",
    "onderwijsfunctie": "education",
    "industriefunctie": "industrial",
    "bijeenkomstfunctie": "community",
    "sportfunctie": "community",
    "celfunctie": "community",
    "logiesfunctie": "community",
    "overige gebruiksfunctie": "garage",
}
_SPLIT = re.compile(r"\s*[,;|]\s*")
_PREFIX = "NL.IMBAG.Pand."


def _use_of(text: object) -> str:
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return "unknown"
    uses = {u.strip().lower() for u in _SPLIT.split(str(text)) if u.strip()}
    if not uses:
        return "unknown"
    if "woonfunctie" in uses:
        return "residential" if uses == {"woonfunctie"} else "mixed"
    for doel, use in GEBRUIKSDOEL_USE.items():
        if doel in uses:
            return use
    return "unknown"


def use_from_gebruiksdoel(values: pd.Series) -> np.ndarray:
    """The twin's building use for each BAG ``gebruiksdoel`` value (see the module table).

    >>> use_from_gebruiksdoel(pd.Series(["woonfunctie", "woonfunctie,winkelfunctie",
    ...                                  "kantoorfunctie", None])).tolist()
    ['residential', 'mixed', 'office', 'unknown']
    """
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    table = np.array([_use_of(u) for u in uniques] + ["unknown"], dtype=object)
    return table[np.where(codes < 0, len(uniques), codes)]


def normalise_pand_id(values: pd.Series) -> pd.Series:
    """BAG pand ids as 3DBAG writes them: ``NL.IMBAG.Pand.`` + 16 digits.

    >>> normalise_pand_id(pd.Series(["0917100000012345"])).tolist()
    ['NL.IMBAG.Pand.0917100000012345']
    """
    text = values.astype("string").str.strip()
    bare = text.str.fullmatch(r"\d{16}").fillna(False)
    return text.where(~bare, _PREFIX + text)


def bag_units_from_pand(path: str | os.PathLike[str], layer: str | None = None) -> pd.DataFrame:
    """``id``, ``gebruiksdoel``, ``units`` from a PDOK BAG ``pand`` layer (GeoJSON, GeoPackage).

    ``units`` is ``aantal_verblijfsobjecten``: for a purely residential pand, its dwellings.
    """
    file = str(Path(path))
    frame = read_layer(path, layer, read_geometry=False)
    require_columns(
        frame,
        ("identificatie", "gebruiksdoel"),
        file=file,
        layer=layer,
        hint="export the BAG 'pand' layer from PDOK (WFS bag:pand) with these attributes",
    )
    ids = normalise_pand_id(frame["identificatie"])
    bad = ids.isna() | ~ids.str.startswith(_PREFIX).fillna(False)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise TwinDataError(
            f"value {frame['identificatie'].iloc[row]!r} is not a BAG pand id",
            file=file,
            layer=layer,
            field="identificatie",
            row=row,
        )
    units = (
        pd.to_numeric(frame["aantal_verblijfsobjecten"], errors="coerce")
        if "aantal_verblijfsobjecten" in frame.columns
        else pd.Series(np.nan, index=frame.index)
    )
    out = pd.DataFrame(
        {
            "id": ids.to_numpy(dtype=object),
            "gebruiksdoel": frame["gebruiksdoel"].astype("string").to_numpy(dtype=object),
            "units": units.to_numpy(dtype=float),
        }
    )
    return out.drop_duplicates("id", keep="first").reset_index(drop=True)
