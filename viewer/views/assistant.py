"""Assistant: ask about the twin in Dutch or English, or explain what another page shows.

Answers stream into a chat (``st.chat_message``); each one shows its sources (with synthetic
flags and evidence grades), the grounding check (unverified numbers marked in red, never
shown as fact), a refusal with its reason, who answered and the tokens used, a notice when
Claude failed and the offline explainer answered, and "show on map" buttons that fly the Map
page to the areas the answer talks about (``viewer.state.request_map_focus``). An "Explain"
button elsewhere leaves an :class:`~viewer.explain.ExplainRequest`; this page answers it on
arrival. Offline by default: Claude only when an administrator switched ``external_ai`` on and
a key is set (shown here read-only). The page only wires the ``assistant`` package to widgets.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import streamlit as st

from assistant import Answer, Assistant, explain_question
from assistant.engines import engine_providers
from assistant.providers import Providers
from twin import Twin, get_settings
from viewer.explain import ExplainRequest, pending_explanation
from viewer.i18n import language, t
from viewer.map import selected
from viewer.state import area_label, get_twin, request_map_focus, synthetic_notice
from viewer.views import PAGES

__all__ = ["Turn", "display_text", "render", "turn_from_request"]

#: Session key of the conversation (a list of :class:`Turn`).
HISTORY_KEY = "assistant.history"
#: Areas offered as "show on map" buttons per answer.
MAX_MAP_LINKS = 6
#: The map whose selection says what "here" means, and whose camera "show on map" moves.
MAP_KEY = "home"
_NONE = "__none__"
_ENGINES = ("assessments", "analytics", "scenarios", "evidence")
_IMAGE = re.compile(r"!\[")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


@dataclass
class Turn:
    """One question and its answer (None while it has not been answered yet)."""

    question: str
    area: str | None = None
    scenario: str | None = None
    lang: str | None = None
    answer: Answer | None = None


@st.cache_resource(show_spinner=False, max_entries=4)
def _providers(fingerprint: str, home: str, _twin: Twin) -> Providers:
    """The engines for this twin and home folder, built once (they cache scenario runs)."""
    del fingerprint, home  # cache keys: a new twin or home folder gets its own providers
    return engine_providers(_twin)


def _assistant(twin: Twin) -> Assistant:
    settings = get_settings()
    providers = _providers(twin.fingerprint, str(settings.home_path), twin)
    return Assistant(twin, providers=providers, settings=settings)


# -- turning requests into questions ------------------------------------------------------------
def _answer_lang(lang: str) -> str:
    return lang if lang in ("nl", "en") else "en"


def _assessment_place(assessment_id: str) -> tuple[str | None, str | None]:
    """The buurt and street segment of a stored assessment (None, None when unknown)."""
    from twin.assessments import AssessmentError, open_store, store_path

    if not store_path().exists():
        return None, None
    try:
        with open_store() as store:
            head = store.head(assessment_id)
    except AssessmentError:
        return None, None
    return head.get("buurt") or None, head.get("street") or None


def turn_from_request(twin: Twin, request: ExplainRequest, lang: str) -> Turn:
    """The question an Explain button asks, with the object on screen as context."""
    answer_lang = _answer_lang(lang)
    area = request.area
    if request.building_id and not area:
        rows = twin.buildings.loc[twin.buildings["id"] == request.building_id, "buurt"]
        area = str(rows.iloc[0]) if len(rows) else None
    street_id = request.street_id
    if request.assessment_id and not (area and street_id):
        where = _assessment_place(request.assessment_id)
        area, street_id = area or where[0], street_id or where[1]
    street = None
    if street_id:
        rows = twin.streets.loc[twin.streets["id"] == street_id]
        if len(rows):
            name = rows["name"].iloc[0]
            street = name if isinstance(name, str) and name else None
            area = area or str(rows["buurt"].iloc[0])
    if request.question:
        question = request.question
    elif street and request.kind in ("street", "assessment"):
        question = t("assistant.explain_street", lang=answer_lang, street=street)
    else:
        kind = {"street": "assessment", "building": "area"}.get(request.kind, request.kind)
        kind = kind if kind in ("scenario", "area", "assessment") else "area"
        question = explain_question(kind, answer_lang)
    return Turn(question, area=area, scenario=request.scenario_id, lang=answer_lang)


# -- showing an answer ------------------------------------------------------------------------
def _plain(text: str) -> str:
    """User text shown as text: Markdown characters escaped (no links, no images)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def display_text(answer: Answer, lang: str | None = None) -> str:
    """The answer as Markdown to show: every unverified number marked in red, in place.

    Images are neutralised (``![`` → ``!\\[``): an answer may quote text, and a picture from
    another host would be a request leaving the machine.
    """
    text = answer.text
    for check in sorted(answer.grounding.flagged, key=lambda c: c.start, reverse=True):
        label = t(f"assistant.flag.{check.status}", lang=lang)
        number = text[check.start : check.end]
        text = f"{text[: check.start]}:red-background[**{number}** ⚠ {label}]{text[check.end :]}"
    return _IMAGE.sub(r"!\\[", text)


def _backend_line(answer: Answer) -> str:
    u = answer.usage
    if answer.backend == "guard":
        return t("assistant.backend.guard")
    if answer.backend == "claude":
        return t(
            "assistant.backend.claude",
            model=get_settings().claude_model,
            input=u.input_tokens,
            output=u.output_tokens,
            cached=u.cache_read_input_tokens,
            written=u.cache_creation_input_tokens,
            requests=u.requests,
        )
    if answer.notice:  # Claude was asked and failed; the offline explainer answered
        return t("assistant.backend.fallback", input=u.input_tokens, output=u.output_tokens)
    return t("assistant.backend.offline")


def _grounding(answer: Answer) -> None:
    g = answer.grounding
    if not g.checks:
        st.caption(t("assistant.grounding_none"))
    elif g.ok:
        st.caption(t("assistant.grounding_ok", n=len(g.checks)))
    else:
        numbers = ", ".join(c.text for c in g.flagged)
        st.error(
            t("assistant.grounding_flagged", flagged=len(g.flagged), n=len(g.checks),
              numbers=numbers),
            icon=":material/report:",
        )  # fmt: skip


def _citations(answer: Answer) -> None:
    if not answer.citations:
        return
    lines = [f"**{t('assistant.sources')}**"]
    for c in answer.citations:
        extra = [_plain(x) for x in (c.licence,) if x]
        if c.grade:
            extra.append(f":blue-badge[{t('assistant.grade', grade=c.grade)}]")
        if c.synthetic:
            extra.append(f":violet-badge[{t('assistant.synthetic')}]")
        tail = f" — {' · '.join(extra)}" if extra else ""
        lines.append(f"{c.n}. {_plain(c.source)}{tail}")
    st.markdown("\n".join(lines))


def _map_page():
    return next(p for p in PAGES if p.file == "map.py").path


def _map_links(twin: Twin, answer: Answer, n: int) -> None:
    codes = [c for c in answer.areas if c in set(twin.neighbourhoods["code"])][:MAX_MAP_LINKS]
    if not codes:
        return
    cols = st.columns(min(len(codes), 3))
    for i, code in enumerate(codes):
        label = t("assistant.show_on_map", area=twin.area_name(code))
        if cols[i % len(cols)].button(
            label, key=f"asst_map_{n}_{code}", icon=":material/location_on:", type="tertiary"
        ):
            request_map_focus(code)
            st.switch_page(str(_map_page()))


def _tools(answer: Answer) -> None:
    if not answer.tool_calls:
        return
    with st.expander(t("assistant.tools_used", n=len(answer.tool_calls))):
        for call in answer.tool_calls:
            mark = "✔" if call.ok else "✖"
            args = json.dumps(call.arguments, ensure_ascii=False)
            st.markdown(f"{mark} `{call.name}` `{args}`")


def _show_answer(twin: Twin, answer: Answer, n: int) -> None:
    if answer.notice:
        st.warning(answer.notice, icon=":material/warning:")
    if answer.refused and answer.refusal:
        st.error(t("assistant.refused", reason=answer.refusal.get("reason", "")),
                 icon=":material/block:")  # fmt: skip
        st.markdown(display_text(answer).split("\n\n", 1)[-1])
    else:
        st.markdown(display_text(answer))
        _grounding(answer)
        _citations(answer)
        _map_links(twin, answer, n)
        _tools(answer)
    st.caption(_backend_line(answer))


def _show_question(twin: Twin, turn: Turn) -> None:
    with st.chat_message("user"):
        st.markdown(_plain(turn.question))
        context = []
        if turn.area and turn.area in set(twin.neighbourhoods["code"]):
            context.append(t("assistant.context", area=area_label(twin, turn.area)))
        if turn.scenario:
            context.append(t("assistant.context_scenario", scenario=turn.scenario))
        if context:
            st.caption(" · ".join(context))


def _answer(twin: Twin, turn: Turn, n: int, offline: bool) -> Answer:
    """Stream the answer of ``turn`` into the chat and return it."""
    with st.chat_message("assistant"):
        status_box, notice_box, text_box = st.empty(), st.empty(), st.empty()
        status = None
        shown, answer = "", None
        for event in _assistant(twin).stream(
            turn.question, area=turn.area, scenario=turn.scenario, lang=turn.lang,
            offline=offline,
        ):  # fmt: skip
            if event.kind == "tool":
                status = status or status_box.status(t("assistant.working"))
                status.write(t("assistant.tool", tool=event.tool))
            elif event.kind == "text":
                shown += event.text
                text_box.markdown(_IMAGE.sub(r"!\\[", shown))
            elif event.kind == "reset":
                shown = ""
                text_box.empty()
            elif event.kind == "notice":
                notice_box.warning(event.text, icon=":material/warning:")
            elif event.kind == "done":
                answer = event.answer
        status_box.empty()
        notice_box.empty()
        text_box.empty()
        assert answer is not None
        _show_answer(twin, answer, n)
    return answer


# -- the page -----------------------------------------------------------------------------------
def _settings_panel(assistant: Assistant) -> None:
    s = assistant.settings
    if assistant.claude_allowed:
        st.caption(t("assistant.mode.claude", model=s.claude_model))
    else:
        st.caption(t("assistant.mode.offline"))
    connected = ["twin", *assistant.providers.connected()]
    missing = [e for e in _ENGINES if e not in connected]
    with st.expander(t("assistant.settings"), icon=":material/settings:"):
        rows = [
            (t("assistant.setting.backend"), t(f"assistant.backend_name.{assistant.backend}")),
            (t("assistant.setting.external_ai"),
             t("assistant.on") if s.external_ai else t("assistant.off")),
            (t("assistant.setting.key"),
             t("assistant.key_set") if s.anthropic_api_key else t("assistant.key_unset")),
            (t("assistant.setting.model"), s.claude_model),
            (t("assistant.setting.engines"),
             ", ".join(t(f"assistant.engine.{e}") for e in connected)),
            (t("assistant.setting.missing"),
             ", ".join(t(f"assistant.engine.{e}") for e in missing) or "–"),
        ]  # fmt: skip
        st.markdown("\n".join(f"- **{k}:** {v}" for k, v in rows))
        st.caption(t("assistant.settings_help"))


def _context(twin: Twin, allowed: bool) -> tuple[str | None, bool]:
    """The area "here" means (default: the last pick on the map) and the offline-only choice."""
    lang = language()  # format functions may run outside the script run (AppTest)
    keep = st.session_state.setdefault("_assistant_keep", {})
    nb = twin.neighbourhoods
    options = [_NONE, *(str(c) for c, lv in zip(nb["code"], nb["level"], strict=True)
                        if lv != "gemeente")]  # fmt: skip
    pick = selected(MAP_KEY)
    default = keep.get("area") or (pick.area if pick is not None and pick.area else _NONE)
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    area = left.selectbox(
        t("assistant.area"), options, key="assistant.area",
        index=options.index(default) if default in options else 0,
        format_func=lambda c: (
            t("assistant.area_none", lang=lang) if c == _NONE else area_label(twin, c)
        ),
    )  # fmt: skip
    keep["area"] = area
    offline = False
    if allowed:
        offline = right.toggle(
            t("assistant.offline_only"), key="assistant.offline",
            value=bool(keep.get("offline", False)),
        )  # fmt: skip
        keep["offline"] = offline
    return (None if area == _NONE else area), offline


def _examples() -> str | None:
    st.caption(t("assistant.examples"))
    cols = st.columns(2)
    for i, key in enumerate(("compare", "evidence", "ranking", "source")):
        text = t(f"assistant.example.{key}")
        if cols[i % 2].button(text, key=f"asst_example_{key}", type="secondary"):
            return text
    return None


def render() -> None:
    twin = get_twin()
    lang = language()
    st.title(t("assistant.title"))
    st.caption(t("assistant.intro", twin=twin.name))
    if lang not in ("nl", "en"):
        st.caption(t("assistant.german_note"))
    synthetic_notice(twin)
    assistant = _assistant(twin)
    _settings_panel(assistant)
    area, offline = _context(twin, assistant.claude_allowed)
    history: list[Turn] = st.session_state.setdefault(HISTORY_KEY, [])

    new: Turn | None = None
    request = pending_explanation()
    if request is not None:
        new = turn_from_request(twin, request, lang)
    typed = st.chat_input(t("assistant.placeholder"), key="asst_input")
    if typed and typed.strip():
        new = Turn(typed.strip(), area=area)
    if new is None and not history:
        example = _examples()
        if example:
            new = Turn(example, area=area, lang=_answer_lang(lang))

    for n, turn in enumerate(history):
        _show_question(twin, turn)
        if turn.answer is not None:
            with st.chat_message("assistant"):
                _show_answer(twin, turn.answer, n)
    if new is not None:
        _show_question(twin, new)
        new.answer = _answer(twin, new, len(history), offline)
        history.append(new)
    if history and st.button(t("assistant.clear"), key="asst_clear", icon=":material/delete:"):
        history.clear()
        st.rerun()


if __name__ == "__main__":
    render()
