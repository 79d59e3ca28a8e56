"""Write the project's own CBS facts tables for Heerlen from a Kerncijfers extract.

Run once by a developer who has the extract (``../shared/heerlen/wijken_buurten_facts.csv``)::

    python scripts/import_heerlen_facts.py ../shared/heerlen/wijken_buurten_facts.csv

It writes two tables into ``data/facts/`` in the project's own long format:

- ``heerlen_areas.csv``: one row per area (gemeente, wijk, buurt) with code, name, parent,
  approximate centroid (WGS84 and RD New) and approximate land area;
- ``heerlen_kerncijfers.csv``: one row per area x indicator x year with the value.

Source of every figure: CBS, Kerncijfers wijken en buurten, CC BY 4.0. The extract itself is not
copied into the project. Tests and the app never read ``../shared``.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "facts"
ATTRIBUTION = "CBS, Kerncijfers wijken en buurten, CC BY 4.0"

# extract column (without year suffix) -> project indicator name
INDICATORS = {
    "inw": "inhabitants",
    "huishoudens": "households",
    "woningvoorraad": "dwellings",
    "gem_woningwaarde_x1000eur": "woz_value",
    "pct_huurwoning_corporatie": "pct_corporation_rental",
    "pct_hh_laag_inkomen": "pct_low_income",
    "pct_hh_onder_rond_sociaal_minimum": "pct_social_minimum",
    "crim_diefstal_woning_schuur_per1000": "crime_burglary_per1000",
    "crim_vernieling_openbare_orde_per1000": "crime_vandalism_per1000",
    "crim_geweld_seksueel_per1000": "crime_violence_per1000",
}


def _number(text: str) -> str:
    text = text.strip()
    if text == "":
        return ""
    value = float(text)
    return str(int(value)) if value == int(value) else repr(value)


def main(src: Path) -> None:
    rows = list(csv.DictReader(src.open(encoding="utf-8")))
    areas, facts = [], []
    wijk = ""
    for row in rows:
        level, code = row["level"], row["code"]
        if level == "wijk":
            wijk = code
        parent = {"gemeente": "", "wijk": "GM0917", "buurt": wijk}[level]
        areas.append(
            {
                "code": code,
                "level": level,
                "name": row["name"],
                "parent": parent,
                "lon": row["lon"],
                "lat": row["lat"],
                "rd_x": row["rd_x"],
                "rd_y": row["rd_y"],
                "area_km2_approx": row["area_km2_q1e3_approx"],
            }
        )
        for column, text in row.items():
            match = re.fullmatch(r"(.+)_(\d{4})", column)
            if not match or match.group(1) not in INDICATORS or text.strip() == "":
                continue
            facts.append(
                {
                    "code": code,
                    "indicator": INDICATORS[match.group(1)],
                    "year": match.group(2),
                    "value": _number(text),
                }
            )
    OUT.mkdir(parents=True, exist_ok=True)
    _write(OUT / "heerlen_areas.csv", areas)
    _write(OUT / "heerlen_kerncijfers.csv", facts)
    print(f"wrote {len(areas)} areas and {len(facts)} figures to {OUT} ({ATTRIBUTION})")


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# Source: {ATTRIBUTION}. Approximate centroids and areas (+-150 m).\n")
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
