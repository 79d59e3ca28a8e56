"""Roll-ups, filters and map markers over the assessment table (pure: frames in, frames out).

Input everywhere is the frame of :meth:`AssessmentStore.frame` — one row per assessment with
``overall``, ``p_<principle>``, ``street``, ``buurt``, ``author``, ``observed_at``, ``lon``/``lat``.

A roll-up's ``overall`` is the mean of its assessments' overall scores; its ``p_<principle>``
the mean over the assessments that scored that principle; ``count`` counts all assessments;
``latest`` is the latest observation date.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd

from twin.assessments.form import PRINCIPLE_IDS
from twin.assessments.limits import MARKER_COORD_DECIMALS, MARKER_SCORE_DECIMALS

__all__ = [
    "ROLLUP_COLUMNS",
    "buurt_cpted_scores",
    "filter_assessments",
    "marker_payload",
    "rollup_by_buurt",
    "rollup_by_street",
    "street_cpted_scores",
]

_PCOLS = [f"p_{p}" for p in PRINCIPLE_IDS]
#: Columns of a roll-up frame.
ROLLUP_COLUMNS = ["count", "overall", *_PCOLS, "latest"]


def _date(value: str | dt.date | None) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def filter_assessments(
    frame: pd.DataFrame,
    *,
    principle: str | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
    author: str | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
) -> pd.DataFrame:
    """The assessments that match every given filter.

    ``principle`` keeps those that scored it, and the score bounds then apply to that
    principle's score (else to the overall score). ``author`` matches the author of the current
    version, case-insensitively. ``since``/``until`` bound the observation date (inclusive).
    """
    if principle is not None and principle not in PRINCIPLE_IDS:
        raise KeyError(f"unknown principle {principle!r}; principles: {', '.join(PRINCIPLE_IDS)}")
    keep = pd.Series(True, index=frame.index)
    score = frame[f"p_{principle}"] if principle else frame["overall"]
    if principle:
        keep &= score.notna()
    if min_score is not None:
        keep &= score >= min_score
    if max_score is not None:
        keep &= score <= max_score
    if author:
        keep &= frame["author"].str.casefold() == author.strip().casefold()
    day = frame["observed_at"].str.slice(0, 10)
    if (lo := _date(since)) is not None:
        keep &= day >= lo[:10]
    if (hi := _date(until)) is not None:
        keep &= day <= hi[:10]
    return frame[keep]


def _rollup(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    rows = frame[frame[key].notna()]
    if rows.empty:
        return pd.DataFrame(columns=ROLLUP_COLUMNS, index=pd.Index([], name=key)).astype(
            {"count": "int64", **dict.fromkeys(["overall", *_PCOLS], "float64")}
        )
    groups = rows.groupby(key, sort=True)
    out = groups[["overall", *_PCOLS]].mean()
    out.insert(0, "count", groups.size().astype("int64"))
    out["latest"] = groups["observed_at"].max().str.slice(0, 10)
    return out[ROLLUP_COLUMNS]


def rollup_by_street(frame: pd.DataFrame) -> pd.DataFrame:
    """Per street segment: count, mean overall and per-principle scores, latest observation."""
    return _rollup(frame, "street")


def rollup_by_buurt(frame: pd.DataFrame) -> pd.DataFrame:
    """Per buurt: count, mean overall and per-principle scores, latest observation."""
    return _rollup(frame, "buurt")


def street_cpted_scores(frame: pd.DataFrame) -> pd.Series:
    """Mean expert score (1–5) per street segment id: the assessment input of the street
    CPTED score. Segments without a scored assessment are absent (not zero)."""
    return rollup_by_street(frame)["overall"].dropna().rename("cpted_assessment")


def buurt_cpted_scores(frame: pd.DataFrame) -> pd.Series:
    """Mean expert score (1–5) per buurt code (absent when nothing was scored there)."""
    return rollup_by_buurt(frame)["overall"].dropna().rename("cpted_assessment")


def marker_payload(frame: pd.DataFrame) -> dict[str, object]:
    """Compact columnar marker data for the map, sent to the browser once.

    ``lon``/``lat`` rounded to ~0.1 m, ``score`` to one decimal (``None`` when unscored),
    ``kind`` as an index into ``kinds``; a marker's position is its row in ``frame``, so a
    picked index maps back to ``frame.iloc[i]`` on the server without sending ids. ``key``
    changes whenever any assessment changes (cache on it).
    """
    kinds = sorted(frame["target_kind"].unique().tolist()) if len(frame) else []
    code = {k: i for i, k in enumerate(kinds)}
    scores = frame["overall"].round(MARKER_SCORE_DECIMALS)
    h = hashlib.blake2b(digest_size=8)
    for col in ("id", "current_version"):
        if col in frame:
            h.update("\x1f".join(map(str, frame[col])).encode())
    return {
        "key": h.hexdigest(),
        "kinds": kinds,
        "lon": frame["lon"].round(MARKER_COORD_DECIMALS).tolist(),
        "lat": frame["lat"].round(MARKER_COORD_DECIMALS).tolist(),
        "score": [None if np.isnan(s) else float(s) for s in scores.to_numpy(float)],
        "kind": [code[k] for k in frame["target_kind"]],
    }
