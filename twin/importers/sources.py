"""Provenance of every importable source: who publishes it, its licence, URL, purpose and legal
basis, and the definitions of the indicators the importers add to the standard ones.

Every layer and indicator an import writes gets its manifest from here (``synthetic=False``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from twin.indicators import STANDARD_INDICATORS
from twin.manifest import IndicatorManifest, LayerManifest

__all__ = ["EXTRA_INDICATORS", "SOURCES", "indicator_manifest", "layer_manifest", "years_text"]

_OPEN = "open data (public source, re-use permitted by its licence; no personal data)"

#: kind → source, licence, url, purpose, legal basis. URLs are the publishers' pages.
SOURCES: dict[str, dict[str, str]] = {
    "3dbag": dict(
        source="3DBAG (3D geoinformation research group, TU Delft, and 3DGI), from BAG and AHN",
        licence="CC BY 4.0",
        url="https://3dbag.nl",
        purpose="building footprints and heights for the 3D city",
        legal_basis=_OPEN,
    ),
    "bag": dict(
        source="Kadaster, Basisregistratie Adressen en Gebouwen (BAG), via PDOK",
        licence="CC0 1.0",
        url="https://www.pdok.nl/introductie/-/article/basisregistratie-adressen-en-gebouwen-ba-1",
        purpose="use of buildings (gebruiksdoel) and their number of units",
        legal_basis=_OPEN + "; BAG is a public base registry (Wet basisregistraties adressen "
        "en gebouwen)",
    ),
    "wijkbuurtkaart": dict(
        source="CBS, Wijk- en Buurtkaart (via PDOK)",
        licence="CC BY 4.0",
        url="https://www.cbs.nl/nl-nl/dossier/nederland-regionaal/geografische-data",
        purpose="neighbourhood boundaries, codes and key figures",
        legal_basis=_OPEN + " (CBS, Wet op het Centraal bureau voor de statistiek)",
    ),
    "kerncijfers": dict(
        source="CBS, Kerncijfers wijken en buurten (StatLine)",
        licence="CC BY 4.0",
        url="https://opendata.cbs.nl/statline/",
        purpose="describe the population and housing of each neighbourhood",
        legal_basis=_OPEN + " (CBS, Wet op het Centraal bureau voor de statistiek)",
    ),
    "politie": dict(
        source="Politie, via CBS: Geregistreerde misdrijven; soort misdrijf, wijk, buurt "
        "(47018NED yearly, 47022NED monthly)",
        licence="CC BY 4.0",
        url="https://data.politie.nl",
        purpose="describe registered crime per neighbourhood",
        legal_basis=_OPEN + "; area aggregates only, small counts suppressed",
    ),
    "leefbaarometer": dict(
        source="Ministerie van BZK, Leefbaarometer 3.0",
        licence="open data as published on leefbaarometer.nl (check the site for its terms)",
        url="https://www.leefbaarometer.nl",
        purpose="liveability per neighbourhood and on a 100 m grid",
        legal_basis=_OPEN,
    ),
    "osm": dict(
        source="© OpenStreetMap contributors",
        licence="ODbL 1.0",
        url="https://www.openstreetmap.org/copyright",
        purpose="street centre lines and street lights",
        legal_basis=_OPEN,
    ),
}

_LBM = dict(
    source=SOURCES["leefbaarometer"]["source"],
    licence=SOURCES["leefbaarometer"]["licence"],
    url=SOURCES["leefbaarometer"]["url"],
    purpose=SOURCES["leefbaarometer"]["purpose"],
    legal_basis=SOURCES["leefbaarometer"]["legal_basis"],
    synthetic=False,
    kind="score",
    base="inhabitants",
    min_count=0,
)
_CRIME = dict(
    source=SOURCES["politie"]["source"],
    licence=SOURCES["politie"]["licence"],
    url=SOURCES["politie"]["url"],
    purpose=SOURCES["politie"]["purpose"],
    legal_basis=SOURCES["politie"]["legal_basis"],
    synthetic=False,
    unit="misdrijven",
    kind="count",
    min_count=5,
    higher_is="worse",
)

#: Indicators the importers add to :data:`twin.indicators.STANDARD_INDICATORS`.
EXTRA_INDICATORS: dict[str, dict[str, Any]] = {
    "crime_total_count": dict(_CRIME, long_name="registered crimes, all kinds (0.0.0)"),
    "crime_burglary_count": dict(
        _CRIME, long_name="registered burglary of dwellings, sheds and garages (1.1.1, 1.1.2)"
    ),
    "crime_vandalism_count": dict(
        _CRIME, long_name="registered vandalism and public-order offences (2.2.1, 3.6.4)"
    ),
    "crime_violence_count": dict(
        _CRIME, long_name="registered violent and sexual offences (1.4.1–1.4.7)"
    ),
    "liveability_lbm": dict(
        _LBM,
        unit="score",
        higher_is="better",
        long_name="Leefbaarometer 3.0 liveability score (lbm)",
    ),
    "liveability_deviation": dict(
        _LBM,
        unit="afwijking",
        higher_is="better",
        long_name="Leefbaarometer 3.0: deviation of the score from the national average (afw)",
    ),
    "lbm_physical": dict(
        _LBM, unit="afwijking", higher_is="better", long_name="Leefbaarometer: physical (fys)"
    ),
    "lbm_nuisance": dict(
        _LBM,
        unit="afwijking",
        higher_is="better",
        long_name="Leefbaarometer: nuisance and unsafety (onv)",
    ),
    "lbm_cohesion": dict(
        _LBM, unit="afwijking", higher_is="better", long_name="Leefbaarometer: social (soc)"
    ),
    "lbm_facilities": dict(
        _LBM, unit="afwijking", higher_is="better", long_name="Leefbaarometer: facilities (vrz)"
    ),
    "lbm_housing": dict(
        _LBM, unit="afwijking", higher_is="better", long_name="Leefbaarometer: housing (won)"
    ),
    "vacancy_pct": dict(
        source=SOURCES["wijkbuurtkaart"]["source"],
        licence="CC BY 4.0",
        url=SOURCES["kerncijfers"]["url"],
        purpose="describe the housing of each neighbourhood",
        legal_basis=SOURCES["kerncijfers"]["legal_basis"],
        synthetic=False,
        unit="% woningen",
        kind="pct",
        base="dwellings",
        min_count=5,
        higher_is="worse",
        long_name="dwellings without registered residents (leegstand, CBS)",
    ),
}


def years_text(years: Iterable[int]) -> str:
    """'2019', '2016–2020' or '2016, 2018' for a manifest's ``date``.

    >>> years_text([2018, 2016, 2017]), years_text([2016, 2018]), years_text([])
    ('2016–2018', '2016, 2018', '')
    """
    ys = sorted({int(y) for y in years})
    if not ys:
        return ""
    if len(ys) > 1 and ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}–{ys[-1]}"
    return ", ".join(str(y) for y in ys)


def layer_manifest(
    kind: str, *, date: str, notes: Iterable[str] = (), **changes: Any
) -> LayerManifest:
    """The manifest of a layer imported from ``kind`` (see :data:`SOURCES`)."""
    spec = SOURCES[kind]
    return LayerManifest(
        source=changes.pop("source", spec["source"]),
        licence=changes.pop("licence", spec["licence"]),
        purpose=changes.pop("purpose", spec["purpose"]),
        legal_basis=changes.pop("legal_basis", spec["legal_basis"]),
        date=date,
        synthetic=False,
        min_count=changes.pop("min_count", 0),
        url=changes.pop("url", spec["url"]),
        notes="; ".join(n for n in notes if n),
        **changes,
    )


def indicator_manifest(
    name: str, kind: str, *, years: Iterable[int], notes: Iterable[str] = (), **changes: Any
) -> IndicatorManifest:
    """The manifest of indicator ``name`` as imported from source ``kind``.

    Standard indicators keep their unit, kind, base and direction; source, licence, URL and
    legal basis are those of the source the values came from.
    """
    base = dict(STANDARD_INDICATORS.get(name) or EXTRA_INDICATORS[name])
    spec = SOURCES[kind]
    base.update(
        source=spec["source"],
        licence=spec["licence"],
        url=spec["url"],
        legal_basis=spec["legal_basis"],
        synthetic=False,
    )
    base.update(changes)
    base["date"] = years_text(years)
    base["notes"] = "; ".join(n for n in notes if n)
    return IndicatorManifest(**base)
