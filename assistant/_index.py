"""A read-only lookup table over one twin: public indicator values, area names, street names.

Built once per twin (kept in a weak cache keyed on the twin object) from ``twin.public`` — the
values after suppression — so a tool answers in microseconds and can never see a suppressed
value: the raw ``twin.indicators`` are not read here at all.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant._catalogue import normalise
from twin import Twin, indicator_names

__all__ = ["TwinIndex", "index_for"]

_CACHE: weakref.WeakKeyDictionary[Twin, TwinIndex] = weakref.WeakKeyDictionary()
_META_FIELDS = (
    "unit",
    "kind",
    "higher_is",
    "long_name",
    "source",
    "licence",
    "synthetic",
    "date",
    "url",
    "notes",
    "purpose",
    "legal_basis",
)


@dataclass
class TwinIndex:
    """Public values and names of one twin, arranged for fast lookups.

    Attributes
    ----------
    codes : list of str
        Area codes in the order of the indicator ``area`` dimension.
    values, suppressed : dict of str to ndarray
        Per indicator, (year × area) arrays of public values (NaN where suppressed or missing)
        and of the suppression mask.
    """

    twin: Twin
    municipality: str
    codes: list[str]
    pos: dict[str, int]
    names: dict[str, str]
    levels: dict[str, str]
    parents: dict[str, str]
    years: list[int]
    indicators: list[str]
    values: dict[str, np.ndarray]
    suppressed: dict[str, np.ndarray]
    min_counts: dict[str, int]
    meta: dict[str, dict[str, Any]]
    decimals: dict[str, int | None] = field(default_factory=dict)
    aliases: list[tuple[str, str]] = field(default_factory=list)
    streets: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    def children(self, code: str) -> list[str]:
        return [c for c in self.codes if self.parents.get(c) == code]

    def buurten(self) -> list[str]:
        return [c for c in self.codes if self.levels.get(c) == "buurt"]

    def level_peers(self, code: str) -> list[str]:
        """Areas of the same level (buurten for a buurt, wijken for a wijk)."""
        level = self.levels.get(code)
        return [c for c in self.codes if self.levels.get(c) == level]


def _build(twin: Twin) -> TwinIndex:
    public = twin.public
    nb = twin.neighbourhoods
    area_coord = [str(c) for c in public.values["area"].to_numpy()]
    names = dict(zip(nb["code"], nb["name"], strict=True))
    levels = dict(zip(nb["code"], nb["level"], strict=True))
    parents = {
        str(c): (str(p) if isinstance(p, str) else "")
        for c, p in zip(nb["code"], nb["parent"], strict=True)
    }
    gemeente = [c for c, lv in levels.items() if lv == "gemeente"]
    values, suppressed, min_counts, meta = {}, {}, {}, {}
    for name in indicator_names(public.values):
        da = public.values[name].transpose("year", "area")
        values[name] = np.asarray(da.to_numpy(), dtype=float)
        suppressed[name] = np.asarray(public.mask[name].transpose("year", "area").to_numpy())
        min_counts[name] = int(da.attrs.get("min_count_effective", 5))
        manifest = twin.manifest.indicators.get(name)
        entry = {k: da.attrs.get(k, "") for k in _META_FIELDS}
        if manifest is not None:
            entry.update({k: getattr(manifest, k) for k in _META_FIELDS if hasattr(manifest, k)})
        meta[name] = entry
    index = TwinIndex(
        twin=twin,
        municipality=gemeente[0] if gemeente else twin.municipality,
        codes=area_coord,
        pos={c: i for i, c in enumerate(area_coord)},
        names=names,
        levels=levels,
        parents=parents,
        years=[int(y) for y in public.values["year"].to_numpy()],
        indicators=list(values),
        values=values,
        suppressed=suppressed,
        min_counts=min_counts,
        meta=meta,
    )
    index.decimals = {name: _decimals(arr) for name, arr in values.items()}
    index.aliases = _aliases(index)
    index.streets = _streets(twin)
    return index


def _decimals(values: np.ndarray) -> int | None:
    """Two decimals for indicators whose values are mostly below 1 (deviations); else default."""
    finite = np.abs(values[np.isfinite(values) & (values != 0)])
    return 2 if finite.size and float(np.median(finite)) < 1 else None


def _aliases(index: TwinIndex) -> list[tuple[str, str]]:
    """(normalised alias, code) pairs, longest first; a buurt wins a name it shares with a wijk."""
    pairs: dict[str, str] = {}
    for code in sorted(index.codes, key=lambda c: {"buurt": 0, "wijk": 1}.get(index.levels[c], 2)):
        name = index.names.get(code, code)
        level = index.levels.get(code, "")
        candidates = [normalise(name)]
        if level == "wijk":
            parts = name.split(" ", 2)
            if len(parts) == 3 and parts[0].lower() == "wijk":
                candidates += [normalise(parts[2]), normalise(" ".join(parts[:2]))]
        for alias in candidates:
            pairs.setdefault(alias, code)
    return sorted(pairs.items(), key=lambda kv: -len(kv[0]))


def _streets(twin: Twin) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Normalised street name → (name, buurt codes it runs through)."""
    streets = twin.streets
    if "name" not in streets.columns or not len(streets):
        return {}
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    named = streets[streets["name"].notna() & (streets["name"] != "")]
    for name, group in named.groupby("name"):
        buurten = tuple(sorted({str(b) for b in group.get("buurt", []) if isinstance(b, str)}))
        out[normalise(str(name))] = (str(name), buurten)
    return out


def index_for(twin: Twin) -> TwinIndex:
    """The lookup table of ``twin`` (built on first use, then kept while the twin lives)."""
    index = _CACHE.get(twin)
    if index is None:
        index = _build(twin)
        _CACHE[twin] = index
    return index
