"""The street analytics (``twin.analytics``) as the assistant's :class:`AnalyticsProvider`.

``measures()`` describes lighting, natural surveillance, vacancy nearby, hidden spots, the street
CPTED indicator (with its weighted components) and feeling vs fact; ``summaries()`` gives their
values per buurt, per wijk and for the municipality, from :func:`twin.analytics.analyse_twin`.
The analysis runs on the first question that needs it (about 10 s for the demo) and is cached
by the twin's fingerprint; the CPTED experts' scores saved in the user's store feed the
indicator, as on the app's Night page.

Length-weighted measures (lux, shares, scores, the indicator) are also given per wijk and for
the municipality, weighted by street length as per buurt. Counts and the feeling gap are given
per buurt only: the assistant then compares with the median of the buurten and says so.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin import Twin
from twin.analytics import (
    Analysis,
    CptedWeights,
    ExpertScores,
    analyse_twin,
    expert_scores_from_assessments,
)

__all__ = ["AnalyticsAdapter", "analytics_provider"]

#: Shares and 0–1 scores are given as 0–100 (one decimal reads well in an answer).
_SCALE = 100.0

# name: label_nl, label_en, unit, higher_is, topic, related, column in the analysis, factor,
# decimals, and whether it is length-weighted (so it has a wijk and municipality value)
_MEASURES: dict[str, dict[str, Any]] = {
    "lux_mean": {
        "label_nl": "Gemiddelde verlichting op straat",
        "label_en": "Mean street illuminance",
        "unit": "lux",
        "higher_is": "better",
        "topic": "lighting",
        "related": ["lux_min", "dark_share", "hidden_spots"],
        "column": "lux_mean",
        "factor": 1.0,
        "decimals": 2,
        "weighted": True,
    },
    "lux_min": {
        "label_nl": "Laagste verlichting op straat",
        "label_en": "Lowest street illuminance",
        "unit": "lux",
        "higher_is": "better",
        "column": "lux_min",
        "factor": 1.0,
        "decimals": 2,
        "weighted": False,
    },
    "dark_share": {
        "label_nl": "Donkere straatlengte (onder 1 lux)",
        "label_en": "Dark street length (below 1 lux)",
        "unit": "%",
        "higher_is": "worse",
        "related": ["lux_mean", "hidden_spots"],
        "column": "dark_share",
        "factor": _SCALE,
        "decimals": 1,
        "weighted": True,
    },
    "surveillance_night": {
        "label_nl": "Ogen op straat 's avonds",
        "label_en": "Eyes on the street at night",
        "unit": "(0–100)",
        "higher_is": "better",
        "topic": "surveillance",
        "related": ["surveillance_day", "vacancy_share", "hidden_spots"],
        "column": "surveillance_night",
        "factor": _SCALE,
        "decimals": 1,
        "weighted": True,
    },
    "surveillance_day": {
        "label_nl": "Ogen op straat overdag",
        "label_en": "Eyes on the street by day",
        "unit": "(0–100)",
        "higher_is": "better",
        "column": "surveillance_day",
        "factor": _SCALE,
        "decimals": 1,
        "weighted": True,
    },
    "vacancy_share": {
        "label_nl": "Leegstand langs de straten",
        "label_en": "Vacancy along the streets",
        "unit": "%",
        "higher_is": "worse",
        "column": "vacancy_share",
        "factor": _SCALE,
        "decimals": 1,
        "weighted": True,
    },
    "hidden_spots": {
        "label_nl": "Verborgen plekken (donker en onbekeken)",
        "label_en": "Hidden spots (dark and unobserved)",
        "unit": "",
        "higher_is": "worse",
        "topic": "hidden_spots",
        "related": ["hidden_m2", "lux_mean", "surveillance_night"],
        "column": "hidden_spots",
        "factor": 1.0,
        "decimals": 0,
        "weighted": False,
    },
    "hidden_m2": {
        "label_nl": "Oppervlak verborgen plekken",
        "label_en": "Area of hidden spots",
        "unit": "m²",
        "higher_is": "worse",
        "column": "hidden_m2",
        "factor": 1.0,
        "decimals": 0,
        "weighted": False,
    },
    "cpted_indicator": {
        "label_nl": "Straat-CPTED-indicator",
        "label_en": "Street CPTED indicator",
        "unit": "(0–100)",
        "higher_is": "better",
        "topic": "cpted_score",
        "column": "cpted_indicator",
        "factor": 1.0,
        "decimals": 1,
        "weighted": True,
    },
    "feeling_gap": {
        "label_nl": "Kloof gevoel − feiten (z-scores; boven 0: onveiliger gevoeld dan de misdaad)",
        "label_en": "Feeling − fact gap (z-scores; above 0: feels less safe than crime suggests)",
        "unit": "SD",
        "higher_is": "",
        "topic": "feeling_vs_fact",
        "related": ["z_perceived", "z_crime"],
        "column": "feeling_gap",
        "factor": 1.0,
        "decimals": 2,
        "weighted": False,
    },
    "z_perceived": {
        "label_nl": "Onveiligheidsgevoel (z-score)",
        "label_en": "Perceived unsafety (z-score)",
        "unit": "SD",
        "higher_is": "worse",
        "column": "z_perceived",
        "factor": 1.0,
        "decimals": 2,
        "weighted": False,
    },
    "z_crime": {
        "label_nl": "Geregistreerde misdaad (z-score)",
        "label_en": "Registered crime (z-score)",
        "unit": "SD",
        "higher_is": "worse",
        "column": "z_crime",
        "factor": 1.0,
        "decimals": 2,
        "weighted": False,
    },
}
#: The CPTED indicator's components as measures (0–100, length-weighted).
_COMPONENT_LABELS = {
    "lighting_level": ("Verlichtingsniveau", "Lighting level"),
    "lighting_continuity": ("Doorlopende verlichting", "Lighting continuity"),
    "surveillance_night": ("Toezicht 's avonds", "Surveillance at night"),
    "surveillance_day": ("Toezicht overdag", "Surveillance by day"),
    "vacancy": ("Geen leegstand", "No vacancy"),
    "experts": ("Oordeel CPTED-schouwers", "CPTED experts' judgement"),
}
for _c, (_nl, _en) in _COMPONENT_LABELS.items():
    _MEASURES[f"cpted_{_c}"] = {
        "label_nl": f"CPTED-component: {_nl}",
        "label_en": f"CPTED component: {_en}",
        "unit": "(0–100)",
        "higher_is": "better",
        "column": f"cpted_{_c}",
        "factor": _SCALE,
        "decimals": 1,
        "weighted": True,
    }
_SOURCE_OF = {"feeling_gap": "feeling_vs_fact", "z_perceived": "feeling_vs_fact",
              "z_crime": "feeling_vs_fact", "hidden_spots": "hidden_spots",
              "hidden_m2": "hidden_spots"}  # fmt: skip


def _weighted(values: pd.Series, weights: pd.Series, groups: pd.Series) -> pd.Series:
    """Weighted mean per group, ignoring NaN values (NaN when a group has none)."""
    ok = values.notna()
    w = weights.where(ok, 0.0)
    num = (values.fillna(0.0) * w).groupby(groups).sum()
    den = w.groupby(groups).sum()
    return (num / den).where(den > 0)


class AnalyticsAdapter:
    """:class:`~assistant.providers.AnalyticsProvider` over ``analyse_twin`` for one twin.

    Parameters
    ----------
    twin : Twin
        The twin the assistant answers about.
    weights : CptedWeights, optional
        Weights of the street CPTED indicator (default: the documented defaults).
    experts : ExpertScores, optional
        Experts' scores; default: read from the user's assessment store when it exists.
    store_file : path, optional
        The assessment store to read (default ``<home>/assessments.sqlite``).
    """

    def __init__(
        self,
        twin: Twin,
        *,
        weights: CptedWeights | None = None,
        experts: ExpertScores | None = None,
        store_file: str | Path | None = None,
    ) -> None:
        self.twin = twin
        self.weights = weights or CptedWeights()
        self._experts = experts
        self._store_file = store_file
        self._lock = threading.Lock()
        self._summaries: tuple[Analysis, dict[str, dict[str, float | None]]] | None = None
        self._experts_read: tuple[tuple[str, Any], ExpertScores] | None = None

    # -- the analysis ---------------------------------------------------------------------
    def experts(self) -> ExpertScores:
        """The experts' scores: as given, else those saved in the store now.

        Read again only when the store changed (its signature: one aggregate query, about a
        millisecond), so an answer costs no store read, and a save in the app a moment ago
        is in the next answer.
        """
        if self._experts is not None:
            return self._experts
        from twin.assessments import open_store, store_path, store_signature

        path = Path(self._store_file) if self._store_file else store_path()
        key = (str(path), store_signature(path))
        with self._lock:
            if self._experts_read is not None and self._experts_read[0] == key:
                return self._experts_read[1]
        frame = None
        if key[1] is not None:
            store = open_store(path)
            try:
                frame = store.frame()
            finally:
                store.close()
        scores = expert_scores_from_assessments(self.twin, frame)
        with self._lock:
            self._experts_read = (key, scores)
        return scores

    def analysis(self) -> Analysis:
        """The analysis (computed on first use, then cached by ``analyse_twin``)."""
        e = self.experts()
        return analyse_twin(self.twin, weights=self.weights, expert_segments=e.segments,
                            expert_buurten=e.buurten)  # fmt: skip

    # -- the protocol ---------------------------------------------------------------------
    def measures(self) -> Mapping[str, Mapping[str, Any]]:
        a = self.analysis()
        weights = self.weights.to_dict()
        out: dict[str, dict[str, Any]] = {}
        for name, spec in _MEASURES.items():
            m = a.manifests[_SOURCE_OF.get(name, "buurten")]
            info = {k: spec[k] for k in ("label_nl", "label_en", "unit", "higher_is")}
            info.update(source=m.source, licence=m.licence, synthetic=bool(m.synthetic), notes="")
            if "topic" in spec:
                info["topic"] = spec["topic"]
            if spec.get("related"):
                info["related"] = list(spec["related"])
            out[name] = info
        out["cpted_indicator"]["weights"] = {f"cpted_{c}": w for c, w in weights.items() if w > 0}
        return out

    def summaries(self) -> Mapping[str, Mapping[str, float | None]]:
        a = self.analysis()  # cached: the same object while twin, weights and scores stay
        with self._lock:
            if self._summaries is None or self._summaries[0] is not a:
                self._summaries = (a, self._table(a))
            return self._summaries[1]

    def _table(self, a: Analysis) -> dict[str, dict[str, float | None]]:
        seg = a.segments
        buurten = a.buurten
        nb = self.twin.neighbourhoods
        parent = dict(zip(nb["code"].astype(str), nb["parent"].astype(str), strict=True))
        municipality = [str(c) for c, lv in zip(nb["code"], nb["level"], strict=True)
                        if lv == "gemeente"]  # fmt: skip
        per_buurt = pd.DataFrame(index=buurten.index)
        for name, spec in _MEASURES.items():
            col = spec["column"]
            if col in buurten:
                per_buurt[name] = buurten[col]
            elif col in seg:  # CPTED components: length-weighted per buurt
                per_buurt[name] = _weighted(seg[col], seg["length_m"], seg["buurt"])
            else:
                per_buurt[name] = a.feeling[col].reindex(buurten.index)
        table: dict[str, dict[str, float | None]] = {
            str(code): self._row(row) for code, row in per_buurt.iterrows()
        }
        weighted = [n for n, s in _MEASURES.items() if s["weighted"]]
        wijk = seg["buurt"].map(parent)
        empty: dict[str, float | None] = dict.fromkeys(_MEASURES)
        for keys in [wijk, *(pd.Series(c, index=seg.index) for c in municipality)]:
            agg = pd.DataFrame({n: _weighted(seg[_MEASURES[n]["column"]], seg["length_m"], keys)
                                for n in weighted})  # fmt: skip
            for code, row in agg.iterrows():
                if pd.isna(code) or str(code) in table:
                    continue
                table[str(code)] = empty | self._row(row)
        return table

    @staticmethod
    def _row(row: pd.Series) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for name, value in row.items():
            spec = _MEASURES[str(name)]
            v = float(value) if value is not None and pd.notna(value) else np.nan
            out[str(name)] = round(v * spec["factor"], spec["decimals"]) if np.isfinite(v) else None
        return out


def analytics_provider(twin: Twin) -> AnalyticsAdapter:
    """The street analytics of ``twin`` for the assistant (computed on first use)."""
    return AnalyticsAdapter(twin)
