"""Compare two to four scenario results side by side.

Results that share the twin, seed and number of draws are *paired*: draw i of every scenario
uses the same baseline and, for interventions they share, the same effect draw. The
difference between two scenarios is then computed draw by draw, and P(better than the first)
is meaningful. Unpaired results are still compared, without that probability.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scenarios.constants import MAX_COMPARE
from scenarios.errors import ScenarioError
from scenarios.result import ScenarioResult, stats_of

__all__ = ["Comparison", "compare_results"]


@dataclass(eq=False)
class Comparison:
    """Side-by-side results: a long table of outcomes with intervals, and per-area changes."""

    results: tuple[ScenarioResult, ...]
    table: pd.DataFrame
    paired: bool

    @property
    def names(self) -> list[str]:
        return [r.scenario.name for r in self.results]

    def wide(self, horizon: int | None = None, value: str = "change_pct") -> pd.DataFrame:
        """One row per outcome, one column per scenario: "median (80 %: lo–hi; 95 %: lo–hi)"."""
        horizon = self.results[0].horizons[-1] if horizon is None else horizon
        sub = self.table[self.table["horizon"] == horizon]
        cells: dict[str, dict[str, str]] = {}
        for _, row in sub.iterrows():
            v = {k: row[f"{value}_{k}"] for k in ("median", "lo80", "hi80", "lo95", "hi95")}
            cells.setdefault(row["outcome"], {})[row["scenario"]] = (
                f"{v['median']:+.1f} (80 %: {v['lo80']:+.1f} to {v['hi80']:+.1f};"
                f" 95 %: {v['lo95']:+.1f} to {v['hi95']:+.1f})"
            )
        return pd.DataFrame(cells).T[self.names]

    def area_changes(
        self, outcome: str, horizon: int | None = None, value: str = "change_pct_median"
    ) -> pd.DataFrame:
        """Per-buurt change (rows) per scenario (columns): the values for synced or split maps."""
        cols = {
            r.scenario.name: r.area_table(outcome, horizon).set_index("area")[value]
            for r in self.results
        }
        frame = pd.DataFrame(cols)
        frame.insert(
            0, "name", self.results[0].area_table(outcome, horizon).set_index("area")["name"]
        )
        return frame


def compare_results(results: list[ScenarioResult]) -> Comparison:
    """Compare 2–:data:`~scenarios.constants.MAX_COMPARE` results of the same twin."""
    if not 2 <= len(results) <= MAX_COMPARE:
        raise ScenarioError(f"compare 2 to {MAX_COMPARE} scenarios, not {len(results)}")
    fps = {r.model.twin.fingerprint for r in results}
    if len(fps) > 1:
        raise ScenarioError(
            "the scenarios were run on different twins; run them on one twin to compare"
        )
    names = [r.scenario.name for r in results]
    if len(set(names)) != len(names):
        raise ScenarioError("two scenarios have the same name; rename one to compare them")
    paired = (
        len({(r.scenario.seed, r.scenario.draws, r.scenario.baseline_years) for r in results}) == 1
    )
    first = results[0]
    rows = []
    for r in results:
        totals = r.totals()
        totals.insert(0, "scenario", r.scenario.name)
        if paired:
            p_better = []
            for _, row in totals.iterrows():
                h, oid = int(row["horizon"]), row["outcome"]
                if h not in first.horizons:
                    p_better.append(np.nan)
                    continue
                a = first.dataset["scenario"].sel(horizon=h, outcome=oid).sum("area").to_numpy()
                b = r.dataset["scenario"].sel(horizon=h, outcome=oid).sum("area").to_numpy()
                p_better.append(float(np.mean(b < a)) if r is not first else np.nan)
            totals["p_better_than_first"] = p_better
        rows.append(totals)
    table = pd.concat(rows, ignore_index=True)
    if paired:
        diffs = []
        for r in results[1:]:
            for h in sorted(set(r.horizons) & set(first.horizons)):
                for oid in r.outcomes:
                    a = first.dataset["scenario"].sel(horizon=h, outcome=oid).sum("area").to_numpy()
                    b = r.dataset["scenario"].sel(horizon=h, outcome=oid).sum("area").to_numpy()
                    st = stats_of(b - a)
                    diffs.append(
                        {"scenario": r.scenario.name, "horizon": h, "outcome": oid}
                        | {f"diff_{k}": float(v) for k, v in st.items()}
                    )
        if diffs:
            table = table.merge(
                pd.DataFrame(diffs), on=["scenario", "horizon", "outcome"], how="left"
            )
    return Comparison(tuple(results), table, paired)
