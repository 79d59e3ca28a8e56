"""Layer manifests: where every layer and indicator comes from and on what basis it is used.

Principle 1 of the design: every layer states its source, licence, purpose, legal basis, date,
whether it is synthetic, and the minimum count below which numbers are suppressed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from twin.constants import DEFAULT_MIN_COUNT
from twin.errors import TwinDataError

__all__ = ["IndicatorManifest", "LayerManifest", "Manifest"]


@dataclass(frozen=True)
class LayerManifest:
    """Provenance of one layer or indicator.

    Parameters
    ----------
    source : str
        Who produced the data (e.g. "CBS, Kerncijfers wijken en buurten" or "computed from ...").
    licence : str
        Licence of the data, e.g. "CC BY 4.0".
    purpose : str
        Why the twin holds it.
    legal_basis : str
        The basis on which it is processed (open data, public task, ...).
    date : str
        Reference date or period of the data (ISO date or year range).
    synthetic : bool
        True when the values are generated, not measured.
    min_count : int
        Counts below this are suppressed (0 = nothing to suppress, e.g. geometry).
    url : str
        Where the source can be found, empty when generated.
    notes : str
        Anything a user must know to read the layer honestly.
    """

    source: str
    licence: str
    purpose: str
    legal_basis: str
    date: str
    synthetic: bool
    min_count: int = DEFAULT_MIN_COUNT
    url: str = ""
    notes: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "manifest") -> Any:
        names = {f.name for f in fields(cls)}
        required = {"source", "licence", "purpose", "legal_basis", "date", "synthetic"}
        missing = sorted(required - set(data))
        if missing:
            raise TwinDataError(
                f"manifest entry lacks {', '.join(missing)}",
                file="manifest.json",
                layer=where,
                hint="every layer and indicator must state source, licence, purpose, "
                "legal basis, date and whether it is synthetic",
            )
        if not isinstance(data["synthetic"], bool):
            raise TwinDataError(
                f"'synthetic' must be true or false, not {data['synthetic']!r}",
                file="manifest.json",
                layer=where,
                field="synthetic",
            )
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def derived(self, source: str, **changes: Any) -> LayerManifest:
        """A manifest for something computed from this layer (keeps synthetic and licence)."""
        return replace(self, source=source, **changes)


@dataclass(frozen=True)
class IndicatorManifest(LayerManifest):
    """Provenance of an indicator plus what a reader needs to show it honestly.

    Parameters
    ----------
    unit : str
        Unit as shown to users, e.g. "per 1000 inwoners", "%", "x 1000 EUR".
    kind : str
        'count', 'rate' (per ``per`` of ``base``), 'pct' (of ``base``), 'score' or 'value'.
    base : str
        Indicator holding the population a rate or percentage is taken over (for suppression).
    per : float
        Rates are per this many of ``base`` (1000 for "per 1000 inhabitants").
    higher_is : str
        'worse', 'better' or 'neutral': picks the direction of colour scales.
    long_name : str
        English name for logs and exports; UI labels come from the i18n catalogue.
    """

    unit: str = ""
    kind: str = "value"
    base: str = ""
    per: float = 1.0
    higher_is: str = "neutral"
    long_name: str = ""


@dataclass(frozen=True)
class Manifest:
    """Manifests of all layers and indicators of a twin."""

    layers: dict[str, LayerManifest] = field(default_factory=dict)
    indicators: dict[str, IndicatorManifest] = field(default_factory=dict)

    def __getitem__(self, name: str) -> LayerManifest:
        if name in self.layers:
            return self.layers[name]
        return self.indicators[name]

    def __contains__(self, name: object) -> bool:
        return name in self.layers or name in self.indicators

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            layers={
                k: LayerManifest.from_dict(v, where=k) for k, v in data.get("layers", {}).items()
            },
            indicators={
                k: IndicatorManifest.from_dict(v, where=k)
                for k, v in data.get("indicators", {}).items()
            },
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "layers": {k: v.to_dict() for k, v in sorted(self.layers.items())},
            "indicators": {k: v.to_dict() for k, v in sorted(self.indicators.items())},
        }

    def any_synthetic(self) -> bool:
        return any(m.synthetic for m in (*self.layers.values(), *self.indicators.values()))
