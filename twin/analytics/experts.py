"""CPTED experts' scores for the street CPTED indicator, from the assessment store's roll-ups.

The CPTED studio (``twin.assessments``) rolls its assessments up per street segment and per
buurt (mean overall score, 1–5). :func:`expert_scores_from_assessments` turns that table into
the two Series :func:`~twin.analytics.analyse_twin` takes (``expert_segments``,
``expert_buurten``), keeping only the segments and buurten of the twin at hand: a store is shared
by every twin a user opens, and an assessment of a street outside this twin must not stop the
analysis (``analyse_twin`` refuses unknown ids, rightly, for scores typed by hand).

Pure: a frame in, Series out. Reading the store is the caller's business (the app, the
assistant's adapter).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from twin.assessments.rollup import buurt_cpted_scores, street_cpted_scores
from twin.model import Twin

__all__ = ["ExpertScores", "expert_scores_from_assessments"]


@dataclass(frozen=True)
class ExpertScores:
    """Experts' scores (1–5) ready for ``analyse_twin``, and how many assessments fed them.

    Attributes
    ----------
    segments : Series or None
        Mean overall score per street segment id of the twin (None when there is none).
    buurten : Series or None
        Mean overall score per buurt code of the twin (None when there is none).
    assessments : int
        Scored assessments in the twin's buurten or on its streets (the ones used).
    outside : int
        Scored assessments elsewhere (another twin's area), left out.
    """

    segments: pd.Series | None
    buurten: pd.Series | None
    assessments: int
    outside: int

    @property
    def any(self) -> bool:
        return self.segments is not None or self.buurten is not None


def expert_scores_from_assessments(twin: Twin, frame: pd.DataFrame | None) -> ExpertScores:
    """The experts' scores of ``frame`` (``AssessmentStore.frame()``) that concern ``twin``.

    Use::

        twin = load_twin()
        s = expert_scores_from_assessments(twin, open_store().frame())
        analyse_twin(twin, expert_segments=s.segments, expert_buurten=s.buurten)
    """
    if frame is None or frame.empty:
        return ExpertScores(None, None, 0, 0)
    scored = frame[frame["overall"].notna()]
    streets = set(twin.streets["id"].astype(str))
    buurten = set(twin.buurten["code"].astype(str))
    on_street = scored["street"].astype(str).isin(streets) & scored["street"].notna()
    in_buurt = scored["buurt"].astype(str).isin(buurten) & scored["buurt"].notna()
    inside = on_street | in_buurt
    seg = street_cpted_scores(scored[on_street])
    bu = buurt_cpted_scores(scored[in_buurt])
    seg.index = seg.index.astype(str)
    bu.index = bu.index.astype(str)
    return ExpertScores(
        segments=seg if len(seg) else None,
        buurten=bu if len(bu) else None,
        assessments=int(inside.sum()),
        outside=int((~inside).sum()),
    )
