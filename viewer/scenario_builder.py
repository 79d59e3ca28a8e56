"""Building a scenario: pick targets on the map, place an intervention, edit or remove it.

- Targets: each click on the map adds a street (all segments of that named street in its
  buurt), a building or a spot to the *picked targets*; clicking it again removes it. Streets
  can also be chosen from a list (keyboard users, screen readers), and a whole buurt can be
  the target.
- The form lists the ten interventions of the catalogue with their parameters (unit, bounds,
  default), optional cost, duration and kernel radii; "Add" places the intervention on the
  picked targets it accepts and says which ones it cannot use.
- The list of interventions in the scenario: parameters edited in place, removed with a button.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from scenarios import (
    ScenarioError,
    Targets,
    intervention_catalogue,
    load_registry,
    make_intervention,
)
from scenarios.catalogue import Parameter
from twin import Twin
from viewer.i18n import has, t
from viewer.scenario_draft import (
    Draft,
    Target,
    check_intervention,
    placement_from_targets,
    street_targets_of_area,
    target_from_pick,
)
from viewer.scenario_errors import scenario_error_text
from viewer.scenario_format import type_label
from viewer.scenario_store_ui import DRAFT_KEY, flash

__all__ = [
    "BASKET_KEY",
    "basket",
    "param_widgets",
    "params_from_state",
    "pick_into_basket",
    "render_form",
    "render_items",
    "render_targets",
    "target_text",
    "targets_text",
]

BASKET_KEY = "scen_basket"


def basket() -> list[Target]:
    """The picked targets of this session."""
    return st.session_state.setdefault(BASKET_KEY, [])


def _toggle(target: Target) -> None:
    items = basket()
    keys = [b.key for b in items]
    if target.key in keys:
        items.pop(keys.index(target.key))
    else:
        items.append(target)
    if target.buurt:
        st.session_state["scen.area"] = target.buurt


def pick_into_basket(twin: Twin, pick: Any) -> bool:
    """Add (or, when picked again, remove) the target a map click means; True if it changed."""
    target = target_from_pick(twin, pick)
    if target is None:
        return False
    _toggle(target)
    return True


def target_text(twin: Twin, target: Target, lang: str) -> str:
    """A target as a reader sees it: "Tinlaan (15 delen, Heerlen-Centrum)", a building, ..."""
    area = twin.area_name(target.buurt) if target.buurt else "–"
    if target.kind == "street":
        name = target.name or t("scenarios.kind.unnamed", lang=lang)
        return t("scenarios.target.street", lang=lang, name=name, n=len(target.ids), area=area)
    if target.kind == "building":
        return t("scenarios.target.building", lang=lang, id=target.ids[0], area=area)
    if target.kind == "area":
        return t(
            "scenarios.target.area",
            lang=lang,
            area=twin.area_name(target.ids[0]),
            code=target.ids[0],
        )
    if target.name:
        return t("scenarios.target.spot_near", lang=lang, name=target.name, area=area)
    return t(
        "scenarios.target.spot", lang=lang, x=f"{target.x:.0f}", y=f"{target.y:.0f}", area=area
    )


def targets_text(twin: Twin, targets: Targets, lang: str) -> str:
    """What an intervention is placed on, in one line."""
    parts = []
    if targets.streets:
        names = sorted(
            {
                str(n)
                for n in twin.streets.loc[twin.streets["id"].isin(targets.streets), "name"].dropna()
                if str(n).strip()
            }
        )
        shown = ", ".join(names[:3]) + (" …" if len(names) > 3 else "")
        parts.append(
            t("scenarios.targets.streets", lang=lang, n=len(targets.streets), names=shown or "–")
        )
    if targets.buildings:
        parts.append(t("scenarios.targets.buildings", lang=lang, n=len(targets.buildings)))
    if targets.spots:
        parts.append(t("scenarios.targets.spots", lang=lang, n=len(targets.spots)))
    if targets.areas:
        parts.append(", ".join(twin.area_name(a) for a in targets.areas))
    return "; ".join(parts)


# -- targets -------------------------------------------------------------------------------------
def _on_street_pick(options: dict[str, Target]) -> None:
    label = st.session_state.get("scen.street_pick")
    if label in options:
        _toggle(options[label])
    st.session_state["scen.street_pick"] = None


def _on_unpick(key: str) -> None:
    st.session_state[BASKET_KEY] = [b for b in basket() if b.key != key]


def _on_clear() -> None:
    st.session_state[BASKET_KEY] = []


def render_targets(twin: Twin, lang: str) -> None:
    """The picked targets, the street list and the buurt choice."""
    st.markdown(f"**{t('scenarios.build.targets', lang=lang)}**")
    items = basket()
    if not items:
        st.caption(t("scenarios.build.pick_hint", lang=lang))
    for target in items:
        c1, c2 = st.columns([6, 1], vertical_alignment="center")
        c1.markdown(f"- {target_text(twin, target, lang)}")
        c2.button(
            "✕",
            key=f"scen_do.unpick.{target.key}",
            on_click=_on_unpick,
            args=(target.key,),
            help=t("scenarios.build.unpick", lang=lang),
        )
    if items:
        st.button(t("scenarios.build.clear", lang=lang), key="scen_do.clear", on_click=_on_clear)
    codes = [str(c) for c in twin.buurten["code"]]
    if st.session_state.get("scen.area") not in codes:
        st.session_state["scen.area"] = codes[0] if codes else None
    st.selectbox(
        t("scenarios.build.area", lang=lang),
        codes,
        key="scen.area",
        format_func=lambda c: f"{twin.area_name(c)} ({c})",
    )
    options = street_targets_of_area(twin, st.session_state["scen.area"]) if codes else {}
    st.session_state.setdefault("scen.street_pick", None)
    st.selectbox(
        t("scenarios.build.street_list", lang=lang),
        list(options),
        key="scen.street_pick",
        placeholder=t("scenarios.build.street_placeholder", lang=lang),
        on_change=_on_street_pick,
        args=(options,),
    )


# -- parameters ----------------------------------------------------------------------------------
def _unit(unit: str, lang: str) -> str:
    key = "scenarios.unit." + unit.replace(" ", "_").casefold()
    return t(key, lang=lang) if has(key) else unit


def _param_label(p: Parameter, lang: str) -> str:
    label = p.label.get(lang) or p.label.get("en") or p.name
    return f"{label} ({_unit(p.unit, lang)})" if p.unit else label


def _param_widget(
    p: Parameter,
    key: str,
    value: Any,
    lang: str,
    hint: str = "",
    on_change: Any = None,
    args: tuple = (),
) -> None:
    st.session_state.setdefault(key, value)
    help_text = p.doc if lang == "en" and p.doc else None
    if not p.model:
        help_text = t("scenarios.build.not_modelled", lang=lang)
    if p.type == "bool":
        st.checkbox(_param_label(p, lang), key=key, help=help_text, on_change=on_change, args=args)
        return
    is_int = p.type == "int"
    lo = int(p.min) if is_int and p.min is not None else p.min
    hi = int(p.max) if is_int and p.max is not None else p.max
    st.number_input(
        _param_label(p, lang),
        min_value=lo,
        max_value=hi,
        step=1 if is_int else None,
        key=key,
        help=help_text,
        placeholder=hint or t("scenarios.build.optional", lang=lang),
        on_change=on_change,
        args=args,
    )


def _kernel_hint(kind: str, name: str, lang: str) -> str:
    values = sorted(
        {
            getattr(e.kernel, "treated_m" if name == "reach_m" else "ring_m")
            for e in load_registry().entries_for(kind)
        }
    )
    shown = "/".join(f"{v:g}" for v in values)
    return t("scenarios.build.registry_default", lang=lang, value=shown)


def param_widgets(
    kind: str,
    prefix: str,
    current: dict[str, Any],
    lang: str,
    on_change: Any = None,
    args: tuple = (),
) -> None:
    """Widgets for an intervention's parameters (read them with :func:`params_from_state`)."""
    for p in intervention_catalogue()[kind].parameters:
        _param_widget(
            p,
            f"{prefix}.{p.name}",
            current.get(p.name, p.default),
            lang,
            on_change=on_change,
            args=args,
        )
    with st.expander(t("scenarios.build.common", lang=lang)):
        for p in intervention_catalogue().common:
            hint = _kernel_hint(kind, p.name, lang) if p.name in ("reach_m", "ring_m") else ""
            _param_widget(
                p,
                f"{prefix}.{p.name}",
                current.get(p.name),
                lang,
                hint,
                on_change=on_change,
                args=args,
            )


def params_from_state(kind: str, prefix: str, current: dict[str, Any]) -> dict[str, Any]:
    """The parameter values in the widgets: own ones that differ from the default (or were set
    before), and the common ones that are filled in."""
    out: dict[str, Any] = {}
    for p in intervention_catalogue()[kind].parameters:
        v = st.session_state.get(f"{prefix}.{p.name}", current.get(p.name, p.default))
        if v is not None and (v != p.default or p.name in current):
            out[p.name] = v
    for p in intervention_catalogue().common:
        v = st.session_state.get(f"{prefix}.{p.name}", current.get(p.name))
        if v is not None:
            out[p.name] = v
    return out


# -- the form ------------------------------------------------------------------------------------
def _placement(kind: str) -> tuple[dict[str, Any], list[Target]]:
    whole = "area" in intervention_catalogue()[kind].targets and st.session_state.get(
        "scen.whole_area"
    )
    return placement_from_targets(
        kind, basket(), st.session_state.get("scen.area") if whole else None
    )


def _on_add(twin: Twin, lang: str) -> None:
    """Place the chosen intervention on the picked targets (runs before the page draws)."""
    kind = st.session_state["scen.type"]
    where, _ = _placement(kind)
    params = params_from_state(kind, f"scen.new.{kind}", {})
    label = (st.session_state.get("scen.label") or "").strip()
    try:
        item = make_intervention(kind, label=label, **where, **params)
    except ScenarioError as exc:
        flash("error", scenario_error_text(exc, lang))
        return
    st.session_state[DRAFT_KEY] = st.session_state[DRAFT_KEY].added([item])
    st.session_state[BASKET_KEY] = []
    text = targets_text(twin, item.targets, lang)
    flash("success", t("scenarios.build.added", lang=lang, type=type_label(kind, lang), where=text))


def render_form(twin: Twin, lang: str) -> None:
    """Choose an intervention, its parameters and targets; "Add" puts it in the scenario."""
    cat = intervention_catalogue()
    st.markdown(f"**{t('scenarios.build.measure', lang=lang)}**")
    st.session_state.setdefault("scen.type", cat.ids[0])
    kind = st.selectbox(
        t("scenarios.build.type", lang=lang),
        list(cat.ids),
        key="scen.type",
        format_func=lambda k: type_label(k, lang),
    )
    spec = cat[kind]
    mechanism = cat.mechanisms[spec.mechanism]
    kinds = (t(f"scenarios.kind.{k.rstrip('s')}_plural", lang=lang) for k in spec.targets)
    st.caption(
        t(
            "scenarios.build.goes_on",
            lang=lang,
            targets=", ".join(kinds),
            mechanism=mechanism.get(lang, mechanism["en"]),
        )
    )
    if "area" in spec.targets:
        st.session_state.setdefault("scen.whole_area", False)
        area = twin.area_name(st.session_state.get("scen.area") or "")
        st.toggle(t("scenarios.build.whole_area", lang=lang, area=area), key="scen.whole_area")
    param_widgets(kind, f"scen.new.{kind}", {}, lang)
    st.session_state.setdefault("scen.label", "")
    st.text_input(t("scenarios.build.label", lang=lang), key="scen.label", max_chars=120)
    where, unused = _placement(kind)
    if unused:
        names = "; ".join(target_text(twin, u, lang) for u in unused)
        st.warning(
            t("scenarios.build.unused", lang=lang, type=type_label(kind, lang), targets=names)
        )
    if not where:
        st.info(t("scenarios.build.no_target", lang=lang, type=type_label(kind, lang)))
    st.button(
        t("scenarios.build.add", lang=lang),
        key="scen_do.add",
        type="primary",
        disabled=not where,
        icon=":material/add:",
        on_click=_on_add,
        args=(twin, lang),
    )


# -- the list ------------------------------------------------------------------------------------
def _on_remove(uid: int) -> None:
    draft: Draft = st.session_state[DRAFT_KEY]
    st.session_state[DRAFT_KEY] = draft.removed(uid)


def _on_edit(uid: int, lang: str) -> None:
    """Apply the widgets of intervention ``uid`` to the draft (before the page draws)."""
    draft: Draft = st.session_state[DRAFT_KEY]
    if uid not in draft.uids:
        return
    item = draft.scenario.interventions[draft.uids.index(uid)]
    params = params_from_state(item.type, f"scen.i.{uid}", item.params)
    label = (st.session_state.get(f"scen.i.{uid}.label") or "").strip()
    try:
        edited = check_intervention(replace(item, params=params, label=label))
    except ScenarioError as exc:
        flash("error", scenario_error_text(exc, lang))
        return
    st.session_state[DRAFT_KEY] = draft.replaced(uid, edited)


def render_items(twin: Twin, draft: Draft, lang: str) -> None:
    """The interventions of the scenario, each editable in place and removable."""
    items = draft.scenario.interventions
    st.subheader(t("scenarios.build.items_title", lang=lang, n=len(items)))
    if not items:
        st.caption(t("scenarios.build.items_empty", lang=lang))
        return
    for n, (uid, item, origin) in enumerate(zip(draft.uids, items, draft.origins, strict=True), 1):
        title = f"{n}. {type_label(item.type, lang)} — {targets_text(twin, item.targets, lang)}"
        if item.label:
            title += f" · {item.label}"
        with st.expander(title):
            if origin:
                st.caption(t("scenarios.build.from_assessment", lang=lang, id=origin))
            param_widgets(
                item.type, f"scen.i.{uid}", item.params, lang, on_change=_on_edit, args=(uid, lang)
            )
            st.session_state.setdefault(f"scen.i.{uid}.label", item.label)
            st.text_input(
                t("scenarios.build.label", lang=lang),
                key=f"scen.i.{uid}.label",
                max_chars=120,
                on_change=_on_edit,
                args=(uid, lang),
            )
            st.button(
                t("scenarios.build.remove", lang=lang),
                key=f"scen_do.remove.{uid}",
                on_click=_on_remove,
                args=(uid,),
                icon=":material/delete:",
            )
