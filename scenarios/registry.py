"""The evidence registry: one record per intervention × outcome, read from a versioned TOML.

Each :class:`EvidenceEntry` holds a log risk ratio with its standard error (or "no reliable
estimate"), heterogeneity ``tau``, a transfer penalty ``sigma_transfer``, the crime types it
applies to, a grade A–D, a time profile, a spatial kernel and its citations with the
verification flags of the evidence review (✔ read in the source, ◐ secondary, ✖ unverified).
:func:`registry_problems` lists everything wrong with a registry; :func:`load_registry`
refuses a registry with any problem.

>>> reg = load_registry()
>>> e = reg.entry("street_lighting", "burglary")
>>> round(e.rr, 2), e.grade, e.figure_flag
(0.86, 'B', '✔')
>>> reg.entry("hedge_trimming", "burglary").estimate
False
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from scenarios.catalogue import INTERVENTION_IDS
from scenarios.errors import ScenarioError
from twin import data_dir

__all__ = [
    "FLAGS",
    "GRADES",
    "OUTCOME_IDS",
    "Citation",
    "EvidenceEntry",
    "Kernel",
    "Outcome",
    "Registry",
    "RingPrior",
    "TimeProfile",
    "load_registry",
    "registry_path",
    "registry_problems",
]

#: Outcomes, in reporting order: three registered-crime types, nuisance, perceived unsafety.
OUTCOME_IDS = ("burglary", "vandalism", "violence", "nuisance", "perceived_unsafety")
GRADES = ("A", "B", "C", "D")
FLAGS = ("✔", "◐", "✖")
SE_BASES = ("ci", "p_bound", "significance", "not_significant")
PATHWAYS = ("crime", "nuisance", "perception")
EXPOSURES = ("dwellings", "street_length")


@dataclass(frozen=True)
class Outcome:
    """A twin indicator mapped to the crime types the evidence speaks about."""

    id: str
    indicator: str
    label: dict[str, str]
    pathway: str
    exposure: str
    crime_types: tuple[str, ...]
    cap: float
    cap_basis: str
    harm_weight: float | None = None

    def name(self, lang: str = "nl") -> str:
        return self.label.get(lang) or self.label.get("en") or self.id


@dataclass(frozen=True)
class TimeProfile:
    """Share of the full log effect per year, and what happens when the measure stops."""

    name: str
    year_factors: tuple[float, ...]
    after_stop: str
    basis: str

    def factor(self, year: int, duration: float | None) -> float:
        """Share of the full effect in ``year`` (1-based) for a measure running ``duration``."""
        base = self.year_factors[min(year, len(self.year_factors)) - 1]
        if duration is None or self.after_stop == "persists":
            return base
        active = min(1.0, max(0.0, duration - (year - 1)))
        return base * active


@dataclass(frozen=True)
class RingPrior:
    """Prior of the ring coefficient c (ring change as a fraction of the treated change)."""

    name: str
    mean: float
    sd: float
    basis: str


@dataclass(frozen=True)
class Kernel:
    """The spatial kernel of an entry: what is treated, how far, and the ring around it."""

    treated: str
    treated_m: float
    ring_m: float
    ring_prior: str


@dataclass(frozen=True)
class Citation:
    ref: str
    text: str
    flag: str
    supports: str


@dataclass(frozen=True)
class EvidenceEntry:
    """The evidence for one intervention × outcome."""

    intervention: str
    outcome: str
    estimate: bool
    ln_rr_mean: float
    ln_rr_se: float
    se_basis: str
    tau: float
    sigma_transfer: float
    crime_types: tuple[str, ...]
    grade: str
    figure_flag: str
    time_profile: str
    kernel: Kernel
    summary: str
    transfer: str
    citations: tuple[Citation, ...]
    dose: dict[str, Any] | None = None
    moderator: dict[str, Any] | None = None
    none_sd: float = 0.10

    @property
    def id(self) -> str:
        return f"{self.intervention}.{self.outcome}"

    @property
    def rr(self) -> float:
        """Point risk ratio (1.0 when there is no reliable estimate)."""
        return math.exp(self.ln_rr_mean)

    @property
    def sd(self) -> float:
        """SD of ln RR in a new setting: sqrt(SE² + tau² + sigma_transfer²), or ``none_sd``."""
        if not self.estimate:
            return self.none_sd
        return math.sqrt(self.ln_rr_se**2 + self.tau**2 + self.sigma_transfer**2)

    @property
    def status(self) -> str:
        """``"estimate"`` or ``"no reliable estimate"``."""
        return "estimate" if self.estimate else "no reliable estimate"

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for JSON output, the UI and the assistant's citations)."""
        z80, z95 = 1.2816, 1.96
        out: dict[str, Any] = {
            "id": self.id,
            "intervention": self.intervention,
            "outcome": self.outcome,
            "status": self.status,
            "grade": self.grade,
            "crime_types": list(self.crime_types),
            "time_profile": self.time_profile,
            "kernel": vars(self.kernel).copy(),
            "summary": self.summary,
            "transfer": self.transfer,
            "citations": [vars(c).copy() for c in self.citations],
        }
        if self.estimate:
            m, s = self.ln_rr_mean, self.sd
            out |= {
                "figure_flag": self.figure_flag,
                "ln_rr_mean": m,
                "ln_rr_se": self.ln_rr_se,
                "se_basis": self.se_basis,
                "tau": self.tau,
                "sigma_transfer": self.sigma_transfer,
                "rr_median": math.exp(m),
                "rr_80": [math.exp(m - z80 * s), math.exp(m + z80 * s)],
                "rr_95": [math.exp(m - z95 * s), math.exp(m + z95 * s)],
            }
        else:
            out |= {"none_sd": self.none_sd, "text": "no reliable evidence of an effect"}
        if self.dose:
            out["dose"] = dict(self.dose)
        if self.moderator:
            out["moderator"] = dict(self.moderator)
        return out


@dataclass(frozen=True)
class Registry:
    """The whole registry: metadata, outcomes, profiles, ring priors, sources and entries."""

    version: str
    updated: str
    evidence_review: str
    none_sd: float
    overlap_fraction: float
    effect_correlation: float
    outcomes: dict[str, Outcome]
    time_profiles: dict[str, TimeProfile]
    ring_priors: dict[str, RingPrior]
    sources: dict[str, str]
    entries: tuple[EvidenceEntry, ...]

    def entry(self, intervention: str, outcome: str) -> EvidenceEntry:
        for e in self.entries:
            if e.intervention == intervention and e.outcome == outcome:
                return e
        raise ScenarioError(f"no registry entry for {intervention} × {outcome}")

    def entries_for(self, intervention: str) -> list[EvidenceEntry]:
        return [e for e in self.entries if e.intervention == intervention]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "updated": self.updated,
            "evidence_review": self.evidence_review,
            "defaults": {
                "none_sd": self.none_sd,
                "overlap_fraction": self.overlap_fraction,
                "effect_correlation": self.effect_correlation,
            },
            "outcomes": {k: vars(v).copy() for k, v in self.outcomes.items()},
            "entries": [e.to_dict() for e in self.entries],
        }


# -- validation ------------------------------------------------------------------------------
def _num(d: dict[str, Any], key: str, lo: float, hi: float, where: str, out: list[str]) -> None:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        out.append(f"{where}: {key} must be a number")
    elif not lo <= v <= hi:
        out.append(f"{where}: {key} = {v} outside [{lo}, {hi}]")


def registry_problems(raw: dict[str, Any]) -> list[str]:
    """Every problem in a parsed registry (empty list = valid)."""
    out: list[str] = []
    for key in ("schema_version", "version", "updated", "defaults", "outcomes", "entry"):
        if key not in raw:
            out.append(f"missing top-level key {key!r}")
    if out:
        return out
    d = raw["defaults"]
    _num(d, "none_sd", 0.01, 1.0, "defaults", out)
    _num(d, "overlap_fraction", 0.0, 1.0, "defaults", out)
    _num(d, "effect_correlation", 0.0, 1.0, "defaults", out)
    if set(raw["outcomes"]) != set(OUTCOME_IDS):
        out.append(f"outcomes must be exactly {OUTCOME_IDS}")
    for oid, o in raw["outcomes"].items():
        w = f"outcome {oid}"
        for key in ("indicator", "label", "pathway", "exposure", "crime_types", "cap_basis"):
            if key not in o:
                out.append(f"{w}: missing {key}")
        if o.get("pathway") not in PATHWAYS:
            out.append(f"{w}: pathway must be one of {PATHWAYS}")
        if o.get("exposure") not in EXPOSURES:
            out.append(f"{w}: exposure must be one of {EXPOSURES}")
        _num(o, "cap", 0.01, 0.95, w, out)
        if o.get("pathway") != "perception":
            _num(o, "harm_weight", 0.0, 1000.0, w, out)
    profiles = raw.get("time_profiles", {})
    for name, p in profiles.items():
        f = p.get("year_factors", [])
        if not f or not all(isinstance(x, int | float) and 0 <= x <= 1 for x in f):
            out.append(f"time profile {name}: year_factors must be numbers in [0, 1]")
        if p.get("after_stop") not in ("ends", "persists"):
            out.append(f"time profile {name}: after_stop must be 'ends' or 'persists'")
        if not p.get("basis"):
            out.append(f"time profile {name}: basis missing")
    priors = raw.get("ring_priors", {})
    for name, p in priors.items():
        _num(p, "mean", -1.0, 1.0, f"ring prior {name}", out)
        _num(p, "sd", 0.0, 1.0, f"ring prior {name}", out)
        if not p.get("basis"):
            out.append(f"ring prior {name}: basis missing")
    sources = raw.get("sources", {})
    seen: dict[tuple[str, str], int] = {}
    for i, e in enumerate(raw["entry"]):
        w = f"entry {i} ({e.get('intervention')}.{e.get('outcome')})"
        pair = (str(e.get("intervention")), str(e.get("outcome")))
        seen[pair] = seen.get(pair, 0) + 1
        if e.get("intervention") not in INTERVENTION_IDS:
            out.append(f"{w}: unknown intervention")
        outcome = raw["outcomes"].get(e.get("outcome"))
        if outcome is None:
            out.append(f"{w}: unknown outcome")
        if not isinstance(e.get("estimate"), bool):
            out.append(f"{w}: estimate must be true or false")
            continue
        if e["estimate"]:
            _num(e, "ln_rr_mean", -2.0, 1.0, w, out)
            _num(e, "ln_rr_se", 0.001, 2.0, w, out)
            _num(e, "tau", 0.0, 1.0, w, out)
            _num(e, "sigma_transfer", 0.0, 1.0, w, out)
            if e.get("se_basis") not in SE_BASES:
                out.append(f"{w}: se_basis must be one of {SE_BASES}")
            if e.get("figure_flag") not in ("✔", "◐"):
                out.append(f"{w}: an estimate needs figure_flag ✔ or ◐ (✖ numbers are never used)")
            good = [c for c in e.get("citations", []) if c.get("flag") in ("✔", "◐")]
            if not good:
                out.append(f"{w}: an estimate needs a ✔ or ◐ citation")
        else:
            for key in ("ln_rr_mean", "ln_rr_se", "figure_flag"):
                if key in e:
                    out.append(f"{w}: {key} given although estimate = false")
        if "none_sd" in e:
            _num(e, "none_sd", 0.01, 1.0, w, out)
        if e.get("grade") not in GRADES:
            out.append(f"{w}: grade must be one of {GRADES}")
        if e.get("time_profile") not in profiles:
            out.append(f"{w}: time profile {e.get('time_profile')!r} not defined")
        k = e.get("kernel", {})
        _num(k, "treated_m", 0.0, 1000.0, f"{w} kernel", out)
        _num(k, "ring_m", 0.0, 2000.0, f"{w} kernel", out)
        if k.get("ring_prior") not in priors:
            out.append(f"{w}: ring prior {k.get('ring_prior')!r} not defined")
        if not k.get("treated"):
            out.append(f"{w}: kernel.treated (what counts as treated) missing")
        types = e.get("crime_types") or []
        if not types:
            out.append(f"{w}: crime_types missing")
        elif outcome is not None and not set(types) <= set(outcome.get("crime_types", [])):
            extra = sorted(set(types) - set(outcome.get("crime_types", [])))
            out.append(f"{w}: crime types {extra} do not map to outcome {e.get('outcome')}")
        if not e.get("summary"):
            out.append(f"{w}: summary missing")
        cites = e.get("citations") or []
        if not cites:
            out.append(f"{w}: no citations")
        for c in cites:
            if c.get("ref") not in sources:
                out.append(f"{w}: citation {c.get('ref')!r} not in [sources]")
            if c.get("flag") not in FLAGS:
                out.append(f"{w}: citation {c.get('ref')!r} flag must be one of {FLAGS}")
            if not c.get("supports"):
                out.append(f"{w}: citation {c.get('ref')!r} does not say what it supports")
        if e.get("dose"):
            if not e["dose"].get("parameter") or not e["dose"].get("basis"):
                out.append(f"{w}: dose needs parameter and basis")
            _num(e["dose"], "reference", 0.001, 1e6, f"{w} dose", out)
        if e.get("moderator"):
            _num(e["moderator"], "baseline_rank_above", 0.0, 1.0, f"{w} moderator", out)
    for iid in INTERVENTION_IDS:
        for oid in OUTCOME_IDS:
            n = seen.get((iid, oid), 0)
            if n != 1:
                out.append(f"{iid} × {oid}: {n} entries (exactly one required)")
    return out


def registry_from_dict(raw: dict[str, Any], *, source: str = "registry.toml") -> Registry:
    """Build a :class:`Registry`; raises :class:`ScenarioError` listing the first problems."""
    problems = registry_problems(raw)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ScenarioError("; ".join(problems[:3]) + more, where=source)
    d = raw["defaults"]
    outcomes = {
        oid: Outcome(
            id=oid,
            indicator=o["indicator"],
            label=dict(o["label"]),
            pathway=o["pathway"],
            exposure=o["exposure"],
            crime_types=tuple(o["crime_types"]),
            cap=float(o["cap"]),
            cap_basis=o["cap_basis"],
            harm_weight=o.get("harm_weight"),
        )
        for oid, o in ((k, raw["outcomes"][k]) for k in OUTCOME_IDS)
    }
    sources = {str(k): str(v) for k, v in raw["sources"].items()}
    entries = []
    for e in raw["entry"]:
        est = bool(e["estimate"])
        entries.append(
            EvidenceEntry(
                intervention=e["intervention"],
                outcome=e["outcome"],
                estimate=est,
                ln_rr_mean=float(e["ln_rr_mean"]) if est else 0.0,
                ln_rr_se=float(e["ln_rr_se"]) if est else 0.0,
                se_basis=e.get("se_basis", "") if est else "",
                tau=float(e.get("tau", 0.0)) if est else 0.0,
                sigma_transfer=float(e.get("sigma_transfer", 0.0)) if est else 0.0,
                crime_types=tuple(e["crime_types"]),
                grade=e["grade"],
                figure_flag=e.get("figure_flag", ""),
                time_profile=e["time_profile"],
                kernel=Kernel(**e["kernel"]),
                summary=e["summary"],
                transfer=e.get("transfer", ""),
                citations=tuple(
                    Citation(c["ref"], sources[c["ref"]], c["flag"], c["supports"])
                    for c in e["citations"]
                ),
                dose=dict(e["dose"]) if e.get("dose") else None,
                moderator=dict(e["moderator"]) if e.get("moderator") else None,
                none_sd=float(e.get("none_sd", d["none_sd"])),
            )
        )
    order = {
        (i, o): n for n, (i, o) in enumerate((i, o) for i in INTERVENTION_IDS for o in OUTCOME_IDS)
    }
    entries.sort(key=lambda e: order[(e.intervention, e.outcome)])
    return Registry(
        version=str(raw["version"]),
        updated=str(raw["updated"]),
        evidence_review=str(raw.get("evidence_review", "")),
        none_sd=float(d["none_sd"]),
        overlap_fraction=float(d["overlap_fraction"]),
        effect_correlation=float(d["effect_correlation"]),
        outcomes=outcomes,
        time_profiles={
            k: TimeProfile(
                k, tuple(float(x) for x in v["year_factors"]), v["after_stop"], v["basis"]
            )
            for k, v in raw["time_profiles"].items()
        },
        ring_priors={
            k: RingPrior(k, float(v["mean"]), float(v["sd"]), v["basis"])
            for k, v in raw["ring_priors"].items()
        },
        sources=sources,
        entries=tuple(entries),
    )


def registry_path() -> Path:
    return data_dir() / "evidence" / "registry.toml"


@lru_cache(maxsize=4)
def load_registry(path: str | None = None) -> Registry:
    """The evidence registry (the shipped one unless ``path`` is given)."""
    file = Path(path) if path else registry_path()
    try:
        with open(file, "rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML: {exc}", where=str(file)) from exc
    return registry_from_dict(raw, source=file.name)
