"""Manifests of computed outputs: "computed from …", with the inputs' licences and synthetic flags.

Every output of the analytics carries a :class:`~twin.manifest.LayerManifest` whose ``source``
names the twin layers and indicators it was computed from (short enough for a legend), whose
``licence`` joins the inputs' licences, whose ``synthetic`` flag is set when any input is
synthetic, and whose ``notes`` state the model and then every input's own source.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from twin.manifest import LayerManifest
from twin.model import Twin

__all__ = ["OUTPUTS", "derived_manifest", "parse_computed_source"]

_COMPUTED = re.compile(r"^computed from (?P<inputs>.+) of '(?P<twin>.*)'$")

#: What each output is for and the model note it carries (names are the Analysis fields).
OUTPUTS: dict[str, tuple[str, str]] = {
    "lux": (
        "horizontal illuminance at night, to find dark public space",
        "point-source model E = I·h/(d²+h²)^1.5 with I = MF·Φ/(2π); NaN outside public space "
        "(inside the buurten, not under buildings, not water); buildings cast no shadows",
    ),
    "surveillance_day": (
        "natural surveillance by day: façades overlooking public space",
        "weighted façade metres in unobstructed view within the view distance, by building "
        "use by day; score = min(1, eyes / full_view_m); 2D line of sight; cells of the street "
        "space (public space within path_buffer of a street or path) only",
    ),
    "surveillance_night": (
        "natural surveillance in the evening: façades overlooking public space",
        "weighted façade metres in unobstructed view within the view distance, by building "
        "use at night (homes most, offices hardly); score = min(1, eyes / full_view_m); cells "
        "of the street space only",
    ),
    "segments": (
        "lighting, surveillance, vacancy and the street CPTED indicator per street segment",
        "the street CPTED indicator is an indicator of design features, not a prediction of crime",
    ),
    "hidden_spots": (
        "places in public space near streets and paths that are dark and unobserved at night",
        "ranked by severity = Σ cells (1 - lux/dark_lux)(1 - night/unobserved_score) × cell area",
    ),
    "buurten": (
        "per-buurt summary of lighting, surveillance, hidden spots, the street CPTED indicator "
        "and feeling vs fact",
        "length-weighted over the buurt's street segments; the CPTED indicator is an indicator, "
        "not a prediction",
    ),
    "feeling_vs_fact": (
        "where residents feel less (or more) safe than registered crime suggests",
        "z(perceived unsafety) - z(registered crime) across buurten, public (suppressed) "
        "values only",
    ),
}


def derived_manifest(
    twin: Twin,
    output: str,
    *,
    layers: Sequence[str] = (),
    indicators: Sequence[str] = (),
    notes: str = "",
    min_count: int = 0,
) -> LayerManifest:
    """The manifest of ``output`` computed from some layers and indicators of ``twin``."""
    purpose, model = OUTPUTS[output]
    names = [*layers, *indicators]
    entries = [(n, twin.manifest[n]) for n in names if n in twin.manifest]
    sources = "; ".join(f"{n}: {m.source}" for n, m in entries)
    licences = sorted({m.licence for _, m in entries if m.licence})
    dates = sorted({m.date for _, m in entries if m.date})
    synthetic = any(m.synthetic for _, m in entries)
    gaps = [n for n in layers if n in twin.gaps]
    extra = [model]
    if gaps:
        extra.append(f"the twin lacks the {', '.join(gaps)} layer: computed as if it were empty")
    if synthetic:
        extra.append("SYNTHETIC: computed from synthetic inputs")
    if notes:
        extra.append(notes)
    if sources:
        extra.append(f"inputs: {sources}")
    return LayerManifest(
        source=f"computed from {', '.join(names)} of {twin.name!r}",
        licence="; ".join(licences) or "as the inputs",
        purpose=purpose,
        legal_basis="derived from the twin's layers; no personal data, street and area level only",
        date="; ".join(dates),
        synthetic=synthetic,
        min_count=min_count,
        notes="; ".join(extra),
    )


def parse_computed_source(source: str) -> tuple[list[str], str] | None:
    """The inputs and the twin's name of a ``source`` made by :func:`derived_manifest`, so a
    reader can name them in its own language; None for any other source.

    >>> parse_computed_source("computed from lights, buildings of 'Heerlen (demo)'")
    (['lights', 'buildings'], 'Heerlen (demo)')
    >>> parse_computed_source("CBS, Kerncijfers wijken en buurten") is None
    True
    """
    match = _COMPUTED.match(source)
    return (match["inputs"].split(", "), match["twin"]) if match else None
