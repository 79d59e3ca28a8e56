"""The offline explainer: golden answers in Dutch and English, intents, honesty, catalogues.

Golden answers live in ``tests/golden/assistant/`` (one Markdown file per question). After a
deliberate change of wording, regenerate them with ``UPDATE_GOLDEN=1 pytest
tests/test_assistant_offline.py`` and read the diff before committing.
"""

from __future__ import annotations

import os
import re
import string
from pathlib import Path

import pytest

from assistant import Assistant, Providers, explain_question
from assistant._catalogue import catalogue
from assistant.testing import fake_providers

GOLDEN = Path(__file__).parent / "golden" / "assistant"

#: (id, question, options, intent, language, phrases that must appear)
CASES = [
    (
        "compare_nl",
        "Hoe verhoudt Heerlen-Centrum zich tot Heerlerheide Kom en de stad?",
        {},
        "compare",
        "nl",
        ["vergeleken met Heerlen", "| 35 | 6 | 7 |", "slechter dan Heerlen", "Synthetisch"],
    ),
    (
        "compare_en",
        "How does Heerlen-Centrum compare with Heerlerheide Kom on burglary and vacancy?",
        {},
        "compare",
        "en",
        ["compared with Heerlen", "Burglary: 4 against 5", "worst first", "Synthetic"],
    ),
    (
        "why_nl",
        "Waarom scoort Meezenbroek laag op leefbaarheid?",
        {},
        "why_low",
        "nl",
        [
            "4,5",
            "5,8",
            "inderdaad slechter",
            "dimensies van de leefbaarheidsscore",
            "Sociale samenhang",
        ],
    ),
    (
        "why_en",
        "Why is liveability low here?",
        {"area": "BU09173300"},
        "why_low",
        "en",
        ["Liveability in Heerlen-Centrum", "4.2", "against 5.8", "not what causes it"],
    ),
    (
        "why_not_low_nl",
        "Waarom scoort Caumerveld zo laag op inbraak?",
        {},
        "why_low",
        "nl",
        ["Woninginbraak in Caumerveld", "14", "inderdaad slechter"],
    ),
    (
        "figure_nl",
        "Hoeveel inwoners heeft Heerlen-Centrum?",
        {},
        "indicator",
        "nl",
        ["2016: 2.510", "2020: 2.560", "Heerlen: 87.086"],
    ),
    (
        "figure_en",
        "How safe is Op de Nobel?",
        {},
        "indicator",
        "en",
        ["Sometimes feels unsafe", "Op de Nobel", "14.5", "Synthetic"],
    ),
    (
        "ranking_nl",
        "Welke buurten hebben de meeste inbraken?",
        {},
        "ranking",
        "nl",
        ["Caumerveld** (BU09173800): 14", "verborgen waarde"],
    ),
    (
        "ranking_en",
        "Which neighbourhoods have the worst liveability?",
        {},
        "ranking",
        "en",
        ["lowest value", "Hoppersgraaf", "2.9"],
    ),
    (
        "source_nl",
        "Waar komen de cijfers over onveiligheidsgevoel vandaan?",
        {},
        "source",
        "nl",
        ["Synthetic (modelled", "synthetisch", "Aantallen onder 5"],
    ),
    (
        "source_en",
        "Where does the buildings layer come from?",
        {},
        "source",
        "en",
        ["buildings", "socialtwin demo build", "synthetic"],
    ),
    (
        "list_nl",
        "Welke buurten horen bij wijk Heerlen-Centrum?",
        {},
        "list_areas",
        "nl",
        ["Wijk 33 Heerlen-Centrum", "4 buurten", "Lindeveld (BU09173303)"],
    ),
    ("code_en", "What is the code of Schandelen?", {}, "list_areas", "en", ["BU09173102"]),
    ("help_nl", "Wat kun je?", {}, "help", "nl", ["Aangesloten", "Niet aangesloten"]),
    (
        "unknown_en",
        "Tell me a joke about cats.",
        {},
        "unknown",
        "en",
        ["I can't answer that offline"],
    ),
    (
        "unknown_nl",
        "Wat is de zin van het leven?",
        {},
        "unknown",
        "nl",
        ["kan ik offline niet beantwoorden"],
    ),
    (
        "helps_missing_nl",
        "Wat zou in Heerlen-Centrum helpen tegen vernieling?",
        {},
        "what_helps",
        "nl",
        ["het bewijsregister nodig", "niet aangesloten", "Wat ik wel kan laten zien", "20 tegen 7"],
    ),
    (
        "assess_missing_en",
        "What do the experts' assessments say about this street?",
        {"area": "BU09173300"},
        "assessments",
        "en",
        ["CPTED assessment store", "not (yet) connected"],
    ),
]
#: The same with the fake engines plugged in.
ENGINE_CASES = [
    (
        "helps_nl",
        "Wat zou in Maria Gewanden helpen tegen inbraak, en hoe sterk is het bewijs?",
        {},
        "what_helps",
        "nl",
        [
            "−37 % (95 %-interval −50 tot −20 %); bewijs B",
            "geen betrouwbare schatting",
            "Bewijsgraden",
        ],
    ),
    (
        "helps_en",
        "What could help here?",
        {"area": "BU09171000"},
        "what_helps",
        "en",
        ["does no worse than the city", "Alley gating", "not yet checked in the source"],
    ),
    ("evidence_nl", "Werkt cameratoezicht?", {}, "what_helps", "nl", ["Cameratoezicht", "−13 %"]),
    (
        "assess_nl",
        "Wat zeggen de CPTED-beoordelingen over deze buurt?",
        {"area": "BU09171000"},
        "assessments",
        "nl",
        ["2 beoordeling(en)", "| verlichting | 1,5 | 1 | 2 | 2 | 0 |", "> „", "geen instructies"],
    ),
    (
        "assess_street_en",
        "What do the assessments say about {street}?",
        {},
        "assessments",
        "en",
        ["CPTED assessments of", "Proposed measures"],
    ),
    (
        "scenario_nl",
        "Leg dit scenarioresultaat uit",
        {"scenario": "sc1"},
        "explain_scenario",
        "nl",
        [
            "van 11 naar 9,5 per jaar, een verandering van −13,6 % (80 %: −26,4 tot −1,8 %",
            "kans op een daling 83 %",
            "niet zeker",
            "Woninginbraak B [2]",
            "horizon jaar 1",
        ],
    ),
    (
        "scenario_en",
        "Explain the scenario result",
        {},
        "explain_scenario",
        "en",
        ["from 11 to 9.5 a year", "no reliable evidence of an effect", "synthetic demo data"],
    ),
    (
        "lighting_nl",
        "Waarom is het zo donker in Maria Gewanden?",
        {},
        "why_low",
        "nl",
        ["Gemiddelde verlichting in Maria Gewanden", "2 lux tegen 6,8", "mediaan van de buurten"],
    ),
    (
        "cpted_en",
        "Why does Maria Gewanden score low on the CPTED score?",
        {},
        "why_low",
        "en",
        ["(weight 0.5)", "not a prediction of crime"],
    ),
]


@pytest.fixture(scope="module")
def bare(demo):
    return Assistant(demo, audit=False)


@pytest.fixture(scope="module")
def engines(demo):
    return Assistant(demo, providers=fake_providers(demo), audit=False)


def _check(assistant, case, street=""):
    name, question, options, intent, lang, phrases = case
    answer = assistant.ask(question.format(street=street), **options)
    assert answer.intent == intent, answer.question_reading
    assert answer.lang == lang and answer.backend == "offline"
    assert answer.grounding.ok, answer.grounding.flagged
    for text in phrases:
        assert text in answer.marked_text, f"{name}: {text!r} missing"
    for n in {int(m) for m in re.findall(r"\[(\d+)\]", answer.text)}:
        assert 1 <= n <= len(answer.citations), f"{name}: citation [{n}] does not exist"
    if answer.tool_calls:
        assert answer.citations
    path = GOLDEN / f"{name}.md"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(answer.marked_text + "\n", encoding="utf-8")
    assert path.read_text(encoding="utf-8") == answer.marked_text + "\n", f"{name}: golden differs"
    return answer


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_golden_answers(bare, case):
    _check(bare, case)


@pytest.mark.parametrize("case", ENGINE_CASES, ids=[c[0] for c in ENGINE_CASES])
def test_golden_answers_with_engines(engines, case, demo):
    street = engines.providers.assessments.records[0]["target_name"]
    _check(engines, case, street)


def test_show_on_map_areas(bare, engines):
    assert bare.ask("Hoe verhoudt Heerlen-Centrum zich tot Heerlerheide Kom?").areas == (
        "BU09173300",
        "BU09172101",
    )
    ranking = bare.ask("Welke buurten hebben de meeste inbraken?")
    assert len(ranking.areas) == 5 and ranking.areas[0] == "BU09173800"
    assert engines.ask("Leg dit scenario uit", scenario="sc1").areas == ("BU09171000",)


def test_a_suppressed_value_is_said_to_be_hidden(bare):
    answer = bare.ask("Waarom scoort Schandelen laag op inbraak?")
    assert "verborgen" in answer.marked_text and answer.grounding.ok


def test_uncertainty_and_synthetic_flags_are_stated(bare):
    answer = bare.ask("Compare Heerlen-Centrum with the city")
    assert "Synthetic (modelled for the demo, not measured)" in answer.marked_text
    synthetic = [c for c in answer.citations if c.synthetic]
    real = [c for c in answer.citations if not c.synthetic]
    assert synthetic and real and all("CBS" in c.source for c in real)


#: Intent golden set: (question, intent), Dutch and English.
INTENTS = [
    ("Vergelijk Schandelen met Grasbroek", "compare"),
    ("Compare Schandelen and Grasbroek on burglary", "compare"),
    ("Hoe doet Lindeveld het ten opzichte van de stad?", "compare"),
    ("Waarom zijn er zoveel inbraken in Caumerveld?", "why_low"),
    ("Why is vandalism so high in Heerlen-Centrum?", "why_low"),
    ("Wat is het percentage huishoudens met een laag inkomen in Schandelen?", "indicator"),
    ("How many inhabitants does Heerlen-Centrum have?", "indicator"),
    ("Which neighbourhoods have the lowest liveability?", "ranking"),
    ("Welke wijken hebben de minste overlast?", "ranking"),
    ("Is de leegstand echt gemeten?", "source"),
    ("What is the licence of the crime figures?", "source"),
    ("Which neighbourhoods are in wijk Molenberg?", "list_areas"),
    ("Wat kunnen we doen tegen overlast in Lindeveld?", "what_helps"),
    ("What works against burglary?", "what_helps"),
    ("Wat vinden de experts van de Kwartsweg?", "assessments"),
    ("What if we light the streets, what does the scenario say?", "explain_scenario"),
    ("What can you do?", "help"),
    ("Vertel een mop", "unknown"),
]


@pytest.mark.parametrize(("question", "intent"), INTENTS)
def test_intents(bare, question, intent):
    reading = bare.read(question)
    assert reading.intent == intent, (reading.scores, reading.matched)


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Hoe veilig is het hier?", "nl"),
        ("How safe is it here?", "en"),
        ("Heerlen-Centrum?", "nl"),  # undecided: the settings' default language
    ],
)
def test_language(bare, question, lang):
    assert bare.read(question).lang == lang


def test_areas_in_questions(bare):
    q = bare.read("Vergelijk wijk Heerlen-Centrum, BU09173102 en Heerlerheide Kom met heel Heerlen")
    assert q.areas == ("WK091733", "BU09173102", "BU09172101") and q.city
    here = bare.read("Hoe zit het hier met inbraak?", area="bu09173300")
    assert here.areas == ("BU09173300",) and here.measures == ("crime_burglary_per1000",)


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_phrase_catalogue_is_complete_and_digit_free():
    phrases = catalogue("phrases")
    nl, en = phrases["nl"], phrases["en"]
    assert set(nl) == set(en), set(nl) ^ set(en)
    for key, text in nl.items():
        if isinstance(text, str):
            assert _fields(text) == _fields(en[key]), key
            for lang_text in (text, en[key]):
                if not key.startswith("notice_"):
                    assert not re.search(r"\d", re.sub(r"\d+ ?%|\{[^}]*\}", "", lang_text)), key
    for table in ("principles", "indicators"):
        assert set(nl[table]) == set(en[table]), table


def test_intent_catalogue_patterns_compile():
    intents = catalogue("intents")
    for entry in intents["intent"] + intents["measure"] + intents["intervention"]:
        for pattern in entry["patterns"]:
            re.compile(pattern)
    names = {m["key"] for m in intents["measure"] if m["kind"] == "indicator"}
    assert set(intents["compare_default"]) <= names


def test_without_engines_nothing_is_pretended(demo):
    bare = Assistant(demo, providers=Providers(), audit=False)
    for question, options in [
        ("Leg dit scenario uit", {"scenario": "sc1"}),
        ("Why is it so dark here?", {"area": "BU09173300"}),
        ("Wat zeggen de beoordelingen over Heerlen-Centrum?", {}),
    ]:
        answer = bare.ask(question, **options)
        assert not answer.tool_calls or all(c.ok for c in answer.tool_calls)
        assert ("niet aangesloten" in answer.marked_text) or (
            "not (yet) connected" in answer.marked_text
        )


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(
    ("kind", "options", "intent"),
    [
        ("scenario", {"scenario": "sc1"}, "explain_scenario"),
        ("area", {"area": "BU09173300"}, "compare"),
        ("assessment", {"area": "BU09171000"}, "assessments"),
    ],
)
def test_explain_buttons(engines, kind, options, intent, lang):
    answer = engines.ask(explain_question(kind, lang), **options)
    assert (answer.intent, answer.lang) == (intent, lang) and answer.grounding.ok
