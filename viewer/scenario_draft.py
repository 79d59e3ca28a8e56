"""The scenario being built on the Scenarios page, and how map picks and CPTED measures enter it.

No Streamlit in here: the page keeps a :class:`Draft` in the session and replaces it on every
change; these functions turn what the user did (a pick on the map, a proposed measure of a CPTED
assessment, an uploaded file) into checked :class:`~scenarios.Intervention` objects.

- :class:`Target` — a street (all its segments in one buurt), building, spot or buurt;
  :func:`target_from_pick` makes one from a map click;
- :func:`placement_from_targets` — which of the picked targets an intervention can use;
- :func:`interventions_from_seed` — the ``scenario_seed`` contract of the CPTED studio;
- :func:`scenario_from_upload`, :func:`missing_target` — reading a scenario TOML file against
  this twin (error texts in :mod:`viewer.scenario_errors`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import shapely

from scenarios import (
    Intervention,
    Scenario,
    StoredScenario,
    intervention_catalogue,
    make_intervention,
    scenario_from_toml,
    scenario_to_toml,
)
from twin import Twin, to_rd

__all__ = [
    "MAX_UPLOAD_BYTES",
    "SNAP_M",
    "Draft",
    "SeedNote",
    "Target",
    "UploadProblem",
    "check_intervention",
    "draft_from_stored",
    "interventions_from_seed",
    "missing_target",
    "new_draft",
    "placement_from_targets",
    "scenario_from_upload",
    "street_targets_of_area",
    "target_from_pick",
]

#: Largest scenario file accepted: a scenario with hundreds of measures is a few tens of kB.
MAX_UPLOAD_BYTES = 1_000_000
#: A CPTED measure on a building or spot may move to the nearest street within this distance
#: when the intervention only goes on streets (the CPTED store snaps façades at 30 m; a bit more
#: covers a spot in a courtyard).
SNAP_M = 50.0
#: Target kinds of a pick → the catalogue's target vocabulary.
_KIND_TO_CATALOGUE = {"street": "streets", "building": "buildings", "spot": "spots", "area": "area"}


@dataclass(frozen=True)
class Target:
    """Something an intervention can be placed on.

    ``kind`` is ``street`` (``ids``: the segments of one named street in one buurt),
    ``building``, ``spot`` (``x``, ``y`` in RD metres) or ``area`` (``ids``: one buurt code).
    """

    kind: str
    ids: tuple[str, ...] = ()
    x: float = float("nan")
    y: float = float("nan")
    buurt: str = ""
    name: str = ""

    @property
    def key(self) -> str:
        """Identity in the basket: the same street or building picked twice is one target."""
        if self.kind == "spot":
            return f"spot:{self.x:.1f},{self.y:.1f}"
        return f"{self.kind}:{','.join(self.ids)}"


@dataclass(frozen=True)
class Draft:
    """The scenario on the page, with what the page needs to know about it.

    Attributes
    ----------
    scenario : Scenario
        What would be saved or run.
    uids : tuple of int
        A stable id per intervention (widget keys survive removing another one).
    origins : tuple of str
        Per intervention: the CPTED assessment it came from, or "".
    stored_id, revision : int or None
        The saved scenario this draft edits (None when never saved).
    saved_toml : str or None
        The scenario as last saved or opened, to tell whether there are unsaved changes.
    next_uid : int
        The next free uid.
    """

    scenario: Scenario
    uids: tuple[int, ...] = ()
    origins: tuple[str, ...] = ()
    stored_id: int | None = None
    revision: int | None = None
    saved_toml: str | None = None
    next_uid: int = 1

    @property
    def dirty(self) -> bool:
        """True when the draft differs from what was saved (or was never saved)."""
        return scenario_to_toml(self.scenario) != self.saved_toml

    def added(self, items: list[Intervention], origin: str = "") -> Draft:
        """The draft with ``items`` appended."""
        uids = tuple(range(self.next_uid, self.next_uid + len(items)))
        return replace(
            self,
            scenario=self.scenario.with_interventions([*self.scenario.interventions, *items]),
            uids=self.uids + uids,
            origins=self.origins + (origin,) * len(items),
            next_uid=self.next_uid + len(items),
        )

    def removed(self, uid: int) -> Draft:
        """The draft without the intervention ``uid``."""
        keep = [i for i, u in enumerate(self.uids) if u != uid]
        return replace(
            self,
            scenario=self.scenario.with_interventions(
                [self.scenario.interventions[i] for i in keep]
            ),
            uids=tuple(self.uids[i] for i in keep),
            origins=tuple(self.origins[i] for i in keep),
        )

    def replaced(self, uid: int, item: Intervention) -> Draft:
        """The draft with the intervention ``uid`` replaced by ``item`` (an edit)."""
        items = [
            item if u == uid else i
            for u, i in zip(self.uids, self.scenario.interventions, strict=True)
        ]
        return replace(self, scenario=self.scenario.with_interventions(items))

    def with_scenario(self, **changes: Any) -> Draft:
        """The draft with scenario fields changed (name, description, seed, draws, weights)."""
        return replace(self, scenario=replace(self.scenario, **changes))

    def saved_as(self, stored: StoredScenario) -> Draft:
        """The draft after it was saved as ``stored``."""
        return replace(
            self,
            scenario=stored.scenario,
            stored_id=stored.id,
            revision=stored.revision,
            saved_toml=scenario_to_toml(stored.scenario),
        )


def new_draft(name: str, next_uid: int = 1) -> Draft:
    """An empty, unsaved draft."""
    return Draft(Scenario(name=name), next_uid=next_uid)


def draft_from_stored(stored: StoredScenario, next_uid: int = 1) -> Draft:
    """A draft editing a saved scenario (fresh uids, so no stale widget state applies)."""
    n = len(stored.scenario.interventions)
    return Draft(
        scenario=stored.scenario,
        uids=tuple(range(next_uid, next_uid + n)),
        origins=("",) * n,
        stored_id=stored.id,
        revision=stored.revision,
        saved_toml=scenario_to_toml(stored.scenario),
        next_uid=next_uid + n,
    )


# -- targets -------------------------------------------------------------------------------------
def _street_target(twin: Twin, index: int) -> Target:
    s = twin.streets
    row = s.iloc[index]
    name = row.get("name")
    buurt = str(row.get("buurt", "") or "")
    if isinstance(name, str) and name.strip():
        same = (s["name"] == name).to_numpy() & (s["buurt"].astype(str) == buurt).to_numpy()
        ids = tuple(str(i) for i in s["id"].to_numpy()[same])
    else:
        name, ids = "", (str(row["id"]),)
    mid = shapely.line_interpolate_point(row.geometry, 0.5, normalized=True)
    return Target("street", ids, float(mid.x), float(mid.y), buurt, name)


def target_from_pick(twin: Twin, pick: Any) -> Target | None:
    """The target a map click means: a named street (in its buurt), a building, or a spot.

    Clicks on open ground or on a coloured buurt are spots at the exact clicked point; clicks
    on lights and markers are not targets.
    """
    if pick is None:
        return None
    if pick.kind == "street" and 0 <= pick.index < len(twin.streets):
        return _street_target(twin, pick.index)
    if pick.kind == "building" and pick.id:
        return Target("building", (pick.id,), float(pick.x), float(pick.y), pick.area)
    if pick.kind in ("ground", "area") and np.isfinite(pick.x) and np.isfinite(pick.y):
        x, y = round(float(pick.x), 2), round(float(pick.y), 2)
        return Target("spot", (), x, y, pick.area, _street_near(twin, x, y))
    return None


def _street_near(twin: Twin, x: float, y: float) -> str:
    """The name of the nearest named street within :data:`SNAP_M` (to say where a spot is)."""
    named = twin.streets[twin.streets["name"].fillna("").astype(str).str.strip() != ""]
    i = _nearest(named.geometry.to_numpy(), x, y, SNAP_M)
    return "" if i is None else str(named["name"].iloc[i])


def street_targets_of_area(twin: Twin, code: str) -> dict[str, Target]:
    """The named streets of a buurt (and its unnamed segments one by one), by label."""
    s = twin.streets
    rows = np.flatnonzero((s["buurt"].astype(str) == code).to_numpy())
    out: dict[str, Target] = {}
    for i in rows:
        target = _street_target(twin, int(i))
        label = target.name or str(s["id"].iloc[i])
        out.setdefault(label, target)
    return dict(sorted(out.items(), key=lambda kv: kv[0].casefold()))


def placement_from_targets(
    intervention_type: str, basket: list[Target], area: str | None = None
) -> tuple[dict[str, Any], list[Target]]:
    """Targets an intervention of ``intervention_type`` takes from the basket, and the rest.

    With ``area`` (a buurt code) the whole buurt is the target instead of the basket. Returns
    keyword arguments for :func:`scenarios.make_intervention` and the unused targets.
    """
    allowed = intervention_catalogue()[intervention_type].targets
    if area:
        return ({"areas": [area]} if "area" in allowed else {}), []
    out: dict[str, list[Any]] = {}
    unused = []
    for target in basket:
        kind = _KIND_TO_CATALOGUE[target.kind]
        if kind not in allowed:
            unused.append(target)
        elif target.kind == "spot":
            out.setdefault("spots", []).append((target.x, target.y))
        else:
            out.setdefault("areas" if kind == "area" else kind, []).extend(target.ids)
    return {k: list(dict.fromkeys(v)) for k, v in out.items()}, unused


# -- CPTED proposed measures (the ``scenario_seed`` contract) ------------------------------------
@dataclass(frozen=True)
class SeedNote:
    """What happened to one proposed measure: an i18n key (``scenarios.seed.*``) and values."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


def _nearest(geoms: np.ndarray, x: float, y: float, limit: float) -> int | None:
    if not len(geoms):
        return None
    tree = shapely.STRtree(geoms)
    idx = tree.query_nearest(shapely.Point(x, y), max_distance=limit)
    return int(idx[0]) if len(idx) else None


def _buurt_at(twin: Twin, x: float, y: float) -> str:
    b = twin.buurten
    hit = shapely.contains_xy(b.geometry.to_numpy(), x, y) if len(b) else np.zeros(0, bool)
    return str(b["code"].to_numpy()[hit][0]) if hit.any() else ""


def _seed_target(twin: Twin, raw: dict[str, Any]) -> Target | None:
    """The measure's target as a :class:`Target` with a point (None when it does not exist)."""
    kind, ident = raw.get("kind"), str(raw.get("id") or "")
    x = y = float("nan")
    if raw.get("lon") is not None and raw.get("lat") is not None:
        x, y = (float(v) for v in to_rd(float(raw["lon"]), float(raw["lat"])))
    if kind == "building":
        b = twin.buildings
        hit = np.flatnonzero((b["id"] == ident).to_numpy())
        if not len(hit):
            return None
        if not np.isfinite(x):
            p = b.geometry.iloc[hit[0]].representative_point()
            x, y = p.x, p.y
        return Target("building", (ident,), x, y, str(b["buurt"].iloc[hit[0]]))
    if kind == "street":
        hit = np.flatnonzero((twin.streets["id"] == ident).to_numpy())
        if not len(hit):
            return None
        t = _street_target(twin, int(hit[0]))
        # the assessment is about this segment; keep it, with the clicked point if known
        return replace(
            t, ids=(ident,), x=x if np.isfinite(x) else t.x, y=y if np.isfinite(y) else t.y
        )
    if kind == "area":
        nb = twin.neighbourhoods
        if ident not in set(nb.loc[nb["level"] != "gemeente", "code"]):
            return None
        return Target("area", (ident,), x, y, ident)
    if kind == "spot" and np.isfinite(x) and np.isfinite(y):
        return Target("spot", (), round(x, 2), round(y, 2), _buurt_at(twin, x, y))
    return None


def _fallback(twin: Twin, target: Target, allowed: tuple[str, ...]) -> Target | None:
    """Another target the intervention accepts: a spot, the nearest street, or the buurt."""
    has_point = np.isfinite(target.x) and np.isfinite(target.y)
    if target.kind in ("building", "street") and "spots" in allowed and has_point:
        return Target("spot", (), round(target.x, 2), round(target.y, 2), target.buurt)
    if target.kind in ("building", "spot") and "streets" in allowed and has_point:
        i = _nearest(twin.streets.geometry.to_numpy(), target.x, target.y, SNAP_M)
        if i is not None:
            return replace(_street_target(twin, i), ids=(str(twin.streets["id"].iloc[i]),))
    buurt = target.buurt or (_buurt_at(twin, target.x, target.y) if has_point else "")
    if "area" in allowed and buurt:
        return Target("area", (buurt,), target.x, target.y, buurt)
    return None


def interventions_from_seed(
    twin: Twin, seed: dict[str, Any]
) -> tuple[list[Intervention], list[SeedNote]]:
    """Interventions from the CPTED studio's proposed measures, and a note per measure.

    ``seed`` is ``{"from_assessment": id, "measures": [{"intervention": id, "target": {"kind":
    "building"|"street"|"spot"|"area", "id": ..., "lon": ..., "lat": ...}}]}``. A measure whose
    target the intervention does not accept moves to a spot, the nearest street within
    :data:`SNAP_M` or the buurt, and its note says so; a measure that cannot be placed is
    skipped with the reason.
    """
    cat = intervention_catalogue()
    source = str(seed.get("from_assessment", ""))
    items: list[Intervention] = []
    notes: list[SeedNote] = []
    for raw in seed.get("measures") or []:
        kind = raw.get("intervention") if isinstance(raw, dict) else None
        if kind not in cat:
            notes.append(SeedNote("scenarios.seed.unknown_type", {"type": str(kind)}))
            continue
        target = _seed_target(twin, raw.get("target") or {})
        if target is None:
            notes.append(SeedNote("scenarios.seed.no_target", {"type": kind}))
            continue
        allowed = cat[kind].targets
        placed = target if _KIND_TO_CATALOGUE[target.kind] in allowed else None
        if placed is None:
            placed = _fallback(twin, target, allowed)
            if placed is None:
                notes.append(
                    SeedNote("scenarios.seed.cannot_place", {"type": kind, "kind": target.kind})
                )
                continue
            notes.append(
                SeedNote(
                    "scenarios.seed.moved", {"type": kind, "from": target.kind, "to": placed.kind}
                )
            )
        else:
            notes.append(SeedNote("scenarios.seed.added", {"type": kind, "kind": placed.kind}))
        where, _ = placement_from_targets(kind, [placed])
        items.append(make_intervention(kind, label=f"CPTED {source}".strip(), **where))
    return items, notes


# -- files ---------------------------------------------------------------------------------------
def missing_target(twin: Twin, scenario: Scenario) -> tuple[int, str, str, str] | None:
    """The first target id the twin does not have: (intervention number, type, kind, id)."""
    streets = set(twin.streets["id"].astype(str))
    buildings = set(twin.buildings["id"].astype(str))
    nb = twin.neighbourhoods
    areas = set(nb.loc[nb["level"] != "gemeente", "code"].astype(str))
    for n, item in enumerate(scenario.interventions, start=1):
        t = item.targets
        for kind, ids, known in (
            ("street", t.streets, streets),
            ("building", t.buildings, buildings),
            ("area", t.areas, areas),
        ):
            for ident in ids:
                if ident not in known:
                    return n, item.type, kind, ident
    return None


class UploadProblem(ValueError):
    """An uploaded file that is not a scenario for this twin; ``key`` and ``values`` say why."""

    def __init__(self, key: str, **values: Any):
        self.key = key
        self.values = values
        super().__init__(f"{key}: {values}")


def scenario_from_upload(twin: Twin, data: bytes) -> Scenario:
    """A scenario read from an uploaded TOML file and checked against ``twin``.

    Raises :class:`~scenarios.ScenarioError` for a bad file (syntax, fields, values) and
    :class:`UploadProblem` for a file that is too big, not text, or names things this twin lacks.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadProblem(
            "scenarios.err.too_big",
            size=f"{len(data) / 1e6:.1f}",
            limit=f"{MAX_UPLOAD_BYTES / 1e6:.0f}",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadProblem("scenarios.err.binary") from exc
    if "\x00" in text:
        raise UploadProblem("scenarios.err.binary")
    scenario = scenario_from_toml(text if "\n" in text else text + "\n")
    gap = missing_target(twin, scenario)
    if gap is not None:
        n, kind, what, ident = gap
        raise UploadProblem("scenarios.err.not_in_twin", n=n, type=kind, what=what, id=ident)
    return scenario


def check_intervention(item: Intervention) -> Intervention:
    """``item`` validated against the catalogue again (after an edit of its parameters)."""
    t = item.targets
    return make_intervention(
        item.type,
        streets=t.streets,
        buildings=t.buildings,
        spots=t.spots,
        areas=t.areas,
        label=item.label,
        **item.params,
    )
