"""Baseline: expected yearly counts per buurt × outcome, with over-dispersion and uncertainty.

Only suppressed, public values are used (``twin.public``): count = rate × inhabitants / 1000
(or pct × inhabitants / 100 for perceived unsafety). A buurt whose value is suppressed or
missing in a year gets the remainder of its wijk (or, failing that, of the municipality)
shared among the hidden buurten by inhabitants — public figures only, so nothing hidden can
be recovered — and is flagged; its absolute numbers are never shown per area.

The expected count in a future year is drawn from a gamma distribution (the gamma of the
gamma-Poisson / negative-binomial model) with the mean of the last ``years`` years and a
variance from three parts::

    Var = (mu + mu²/k) / n        uncertainty of the n-year mean under NB over-dispersion
        + mu² / k                 the horizon year's own deviation (extra-Poisson)
        + (IMPUTED_CV · mu)² · s  where a share s of the years had to be estimated

with 1/k estimated per outcome from the year-to-year variation across buurten (method of
moments, clipped to :data:`~scenarios.constants.DISPERSION_BOUNDS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.constants import DISPERSION_BOUNDS, IMPUTED_CV
from scenarios.errors import ScenarioError
from scenarios.registry import Registry
from twin import Twin

__all__ = ["Baseline", "baseline_from_twin"]


@dataclass(frozen=True, eq=False)
class Baseline:
    """Baseline of one twin: arrays are (area, outcome) over buurten × available outcomes."""

    areas: tuple[str, ...]
    names: tuple[str, ...]
    parents: tuple[str, ...]
    outcomes: tuple[str, ...]
    inhabitants: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    imputed_share: np.ndarray
    suppressed: np.ndarray
    rate_rank: np.ndarray
    dispersion: dict[str, float]
    years: dict[str, tuple[int, ...]]
    synthetic: dict[str, bool]
    sources: dict[str, str]
    missing_outcomes: tuple[str, ...]

    def draws(self, n: int, seed: int) -> np.ndarray:
        """Expected counts (outcome, area, draw) from the gamma distributions; float32."""
        rng = np.random.default_rng([int(seed), 0])
        mean, var = self.mean, self.var
        pos = mean > 0
        shape = np.where(pos, mean**2 / np.where(var > 0, var, 1.0), 1.0)
        scale = np.where(pos, var / np.where(pos, mean, 1.0), 0.0)
        exact = pos & (var <= 0)
        # (outcome, area, draw): the engine works on one outcome at a time, draws innermost
        size = (shape.shape[1], shape.shape[0], n)
        g = rng.standard_gamma(np.broadcast_to(shape.T[:, :, None], size)).astype(np.float32)
        g *= scale.T[:, :, None].astype(np.float32)
        for a, o in zip(*np.nonzero(exact), strict=True):
            g[o, a, :] = mean[a, o]
        return g

    def to_dict(self) -> dict[str, object]:
        return {
            "outcomes": list(self.outcomes),
            "years": {k: list(v) for k, v in self.years.items()},
            "dispersion_inverse_k": dict(self.dispersion),
            "synthetic": dict(self.synthetic),
            "sources": dict(self.sources),
            "missing_outcomes": list(self.missing_outcomes),
            "imputed_cells": int((self.imputed_share > 0).sum()),
        }


def _counts(values: np.ndarray, inhabitants: np.ndarray, kind: str, per: float) -> np.ndarray:
    if kind == "rate":
        return values * inhabitants / per
    if kind == "pct":
        return values / 100.0 * inhabitants
    if kind == "count":
        return values
    raise ScenarioError(f"indicator kind {kind!r} cannot be turned into counts")


def _impute(
    counts: np.ndarray,
    hidden: np.ndarray,
    inh: np.ndarray,
    level: np.ndarray,
    parent: np.ndarray,
    codes: list[str],
) -> np.ndarray:
    """Fill hidden buurt counts (one year) from the remainder of the wijk, then the gemeente."""
    out = counts.copy()
    buurt = level == "buurt"
    todo = buurt & hidden

    def spread(kids: np.ndarray, remainder: float) -> None:
        weights = inh[kids]
        total = weights.sum()
        share = weights / total if total > 0 else np.full(len(kids), 1 / len(kids))
        out[kids] = np.maximum(max(remainder, 0.0) * share, 0.5)

    for w in np.flatnonzero(level == "wijk"):
        kids = np.flatnonzero(buurt & (parent == codes[w]))
        h = kids[todo[kids]]
        if len(h) and np.isfinite(counts[w]) and not hidden[w]:
            spread(h, counts[w] - np.nansum(np.where(todo[kids], 0.0, out[kids])))
            todo[h] = False
    if todo.any():
        gm = [i for i, lv in enumerate(level) if lv == "gemeente"]
        g = gm[0] if gm else None
        h = np.flatnonzero(todo)
        if g is not None and np.isfinite(counts[g]) and not hidden[g]:
            spread(h, counts[g] - np.nansum(out[buurt & ~todo]))
        else:
            seen = buurt & ~todo & (inh > 0)
            rate = np.nanmedian(out[seen] / inh[seen]) if seen.any() else 0.0
            out[h] = np.maximum(rate * inh[h], 0.5)
    return out


def _dispersion(counts: np.ndarray, observed: np.ndarray) -> float:
    """Method-of-moments 1/k from (year, area) counts of fully observed areas."""
    full = observed.all(axis=0) & (counts.shape[0] >= 2)
    if full.sum() < 3:
        return DISPERSION_BOUNDS[1] / 4
    c = counts[:, full]
    m = c.mean(axis=0)
    v = c.var(axis=0, ddof=1)
    ok = m > 0
    inv_k = float(np.sum(v[ok] - m[ok]) / np.sum(m[ok] ** 2)) if ok.any() else 0.0
    return float(np.clip(inv_k, *DISPERSION_BOUNDS))


def baseline_from_twin(twin: Twin, registry: Registry, *, years: int = 3) -> Baseline:
    """The baseline of every buurt for every registry outcome the twin has data for."""
    pub = twin.public
    ds, mask = pub.values, pub.mask
    if "inhabitants" not in ds:
        raise ScenarioError("the twin has no inhabitants indicator; the baseline needs it")
    level = np.asarray(ds["level"].to_numpy(), dtype=object)
    parent = np.asarray(ds["parent"].to_numpy(), dtype=object)
    codes = [str(c) for c in ds["area"].to_numpy()]
    buurt = np.flatnonzero(level == "buurt")
    if not len(buurt):
        raise ScenarioError("the twin has no buurten")
    inh_all = ds["inhabitants"].transpose("year", "area").to_numpy()
    inh_filled = np.where(np.isfinite(inh_all), inh_all, np.nan)
    # nearest year with data, per area
    for i in range(1, inh_filled.shape[0]):
        inh_filled[i] = np.where(np.isnan(inh_filled[i]), inh_filled[i - 1], inh_filled[i])
    for i in range(inh_filled.shape[0] - 2, -1, -1):
        inh_filled[i] = np.where(np.isnan(inh_filled[i]), inh_filled[i + 1], inh_filled[i])
    inh_filled = np.nan_to_num(inh_filled)
    all_years = [int(y) for y in ds["year"].to_numpy()]

    outcomes, missing = [], []
    means, vars_, imputed, suppressed, ranks = [], [], [], [], []
    disp, used, synth, sources = {}, {}, {}, {}
    for oid, outcome in registry.outcomes.items():
        name = outcome.indicator
        if name not in ds or not bool(twin.indicators[name].notnull().any()):
            missing.append(oid)
            continue
        da = ds[name].transpose("year", "area")
        raw_has = twin.indicators[name].transpose("year", "area").notnull().any("area").to_numpy()
        yi = [i for i, ok in enumerate(raw_has) if ok][-years:]
        kind = str(da.attrs.get("kind", "value"))
        per = float(da.attrs.get("per", 1000) or 1000)
        vals = da.to_numpy()[yi]
        hid = mask[name].transpose("year", "area").to_numpy()[yi] | ~np.isfinite(vals)
        counts = _counts(vals, inh_filled[yi], kind, per)
        filled = np.stack(
            [
                _impute(counts[k], hid[k], inh_filled[yi][k], level, parent, codes)
                for k in range(len(yi))
            ]
        )
        c = filled[:, buurt]
        h = hid[:, buurt]
        inv_k = _dispersion(counts[:, buurt], ~h)
        mu = c.mean(axis=0)
        n = len(yi)
        share = h.mean(axis=0)
        var = (mu + mu**2 * inv_k) / n + mu**2 * inv_k + (IMPUTED_CV * mu) ** 2 * share
        inh_now = inh_filled[yi[-1], buurt]
        rate = np.where(inh_now > 0, mu / np.maximum(inh_now, 1e-9), np.nan)
        order = np.argsort(np.argsort(np.nan_to_num(rate, nan=-1.0), kind="stable"), kind="stable")
        outcomes.append(oid)
        means.append(mu)
        vars_.append(var)
        imputed.append(share)
        suppressed.append(h.any(axis=0))
        ranks.append(order / max(len(order) - 1, 1))
        disp[oid] = inv_k
        used[oid] = tuple(all_years[i] for i in yi)
        synth[oid] = bool(da.attrs.get("synthetic", False))
        sources[oid] = str(da.attrs.get("source", ""))
    if not outcomes:
        raise ScenarioError(
            "the twin has none of the indicators the scenario engine needs",
            hint=", ".join(o.indicator for o in registry.outcomes.values()),
        )
    stack = lambda xs: np.stack(xs, axis=1)  # noqa: E731
    return Baseline(
        areas=tuple(codes[i] for i in buurt),
        names=tuple(str(n) for n in ds["name"].to_numpy()[buurt]),
        parents=tuple(str(p) for p in parent[buurt]),
        outcomes=tuple(outcomes),
        inhabitants=inh_filled[-1, buurt].astype(float),
        mean=stack(means),
        var=stack(vars_),
        imputed_share=stack(imputed),
        suppressed=stack(suppressed),
        rate_rank=stack(ranks),
        dispersion=disp,
        years=used,
        synthetic=synth,
        sources=sources,
        missing_outcomes=tuple(missing),
    )
