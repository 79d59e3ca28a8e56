"""Tuning constants of the scenario engine, in one place, each with the reason for its value."""

from __future__ import annotations

#: Monte-Carlo draws per scenario: enough for stable 95 % bounds (Monte-Carlo error of a 2.5 %
#: quantile ≈ 1 % of the interval width) and fast enough (≈ 20 ms) for the UI.
DEFAULT_DRAWS = 10_000
#: Default random seed: runs are reproducible; the same seed gives paired (comparable) draws.
DEFAULT_SEED = 917
#: Reported horizons in years after the start of the scenario (year 1 and year 3).
DEFAULT_HORIZONS = (1, 3)
#: Indicator years averaged into the baseline (the most recent ones with data): one year is
#: noisy at buurt level; more years drift with the trend.
BASELINE_YEARS = 3
#: Bounds on the draws a user may ask for: fewer gives unstable 95 % bounds, more only costs.
MIN_DRAWS, MAX_DRAWS = 200, 200_000
#: The longest horizon we model: the evidence rarely follows effects beyond about 4 years.
MAX_HORIZON = 10
#: Bounds on 1/k, the negative-binomial over-dispersion (Var = mu + mu²/k) estimated from the
#: year-to-year variation: the floor keeps some extra-Poisson spread even when synthetic series
#: are smooth; the ceiling stops three noisy years from exploding the intervals.
DISPERSION_BOUNDS = (0.01, 1.0)
#: Coefficient of variation added to a baseline count that had to be estimated because the
#: source suppressed or lacked it (estimated from the parent area's remainder).
IMPUTED_CV = 0.5
#: Street segments are sampled every this many metres to share street length among areas,
#: treated zones and rings (finer changes exposures by < 1 %).
STREET_SAMPLE_M = 10.0
#: New lamps stand this far from the street centre line (half a residential road plus a kerb).
LIGHT_OFFSET_M = 4.0
#: Without a ``street`` column on the lights, a lamp this close to a targeted street belongs
#: to it (and is replaced by an upgrade).
LIGHT_MATCH_M = 10.0
#: Reported interval levels: 80 % and 95 % (never a bare point estimate).
INTERVALS = (0.80, 0.95)
#: Most scenarios a comparison shows side by side (more does not fit a screen).
MAX_COMPARE = 4
#: File name of the scenario store under ``get_settings().home_path``.
STORE_FILE = "scenarios.sqlite"
