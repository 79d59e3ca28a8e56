"""The street analytics as the assistant's provider: real ``analyse_twin`` results on the small
twin, answered in Dutch and English by the offline explainer, with the experts' scores from the
user's store."""

from __future__ import annotations

import pytest

from assistant import AnalyticsProvider, Assistant, Providers
from assistant._analytics_provider import AnalyticsAdapter
from assistant.engines import engine_providers
from twin import format_value
from twin.analytics import analyse_twin

CENTRUM = "BU09173300"


@pytest.fixture(scope="module")
def provider(small):
    return AnalyticsAdapter(small)


def test_it_satisfies_the_protocol_and_is_plugged_in(small):
    adapter = engine_providers(small).analytics
    assert isinstance(adapter, AnalyticsProvider) and isinstance(adapter, AnalyticsAdapter)
    assert "analytics" in engine_providers(small).connected()


def test_measures_describe_topics_units_sources_and_weights(provider):
    m = provider.measures()
    topics = {info.get("topic"): name for name, info in m.items() if info.get("topic")}
    assert topics == {"lighting": "lux_mean", "surveillance": "surveillance_night",
                      "hidden_spots": "hidden_spots", "cpted_score": "cpted_indicator",
                      "feeling_vs_fact": "feeling_gap"}  # fmt: skip
    for name, info in m.items():
        assert info["label_nl"] and info["label_en"], name
        assert info["source"].startswith("computed from"), name
        assert info["synthetic"] is True, name  # the demo's geometry is synthetic
        assert all(r in m for r in info.get("related", [])), name
    weights = m["cpted_indicator"]["weights"]
    assert weights == {"cpted_lighting_level": 0.2, "cpted_lighting_continuity": 0.2,
                       "cpted_surveillance_night": 0.25, "cpted_surveillance_day": 0.1,
                       "cpted_vacancy": 0.1, "cpted_experts": 0.15}  # fmt: skip
    assert m["dark_share"]["higher_is"] == "worse" and m["lux_mean"]["unit"] == "lux"


def test_summaries_are_the_analysis_per_buurt_wijk_and_city(provider, small):
    a = analyse_twin(small)
    s = provider.summaries()
    row = s[CENTRUM]
    b = a.buurten.loc[CENTRUM]
    assert row["lux_mean"] == pytest.approx(b["lux_mean"], abs=0.005)
    assert row["dark_share"] == pytest.approx(100 * b["dark_share"], abs=0.05)
    assert row["surveillance_night"] == pytest.approx(100 * b["surveillance_night"], abs=0.05)
    assert row["hidden_spots"] == len(a.hidden_spots) > 0
    assert row["cpted_indicator"] == pytest.approx(b["cpted_indicator"], abs=0.05)
    assert row["cpted_experts"] is None, "no assessments saved: the component is unknown"
    assert row["feeling_gap"] is None, "one buurt cannot be standardised"
    # the wijk and the municipality get length-weighted values, counts stay per buurt
    wijk = str(small.neighbourhoods.set_index("code").loc[CENTRUM, "parent"])
    assert s[wijk]["lux_mean"] == row["lux_mean"] and s[wijk]["hidden_spots"] is None
    assert s["GM0917"]["cpted_indicator"] == row["cpted_indicator"]
    assert provider.summaries() is s, "computed once per analysis"


def test_saved_assessments_move_the_cpted_measure(small):
    from twin.assessments import Author, make_assessment, open_store, target_from_street

    adapter = AnalyticsAdapter(small)
    before = adapter.summaries()[CENTRUM]["cpted_indicator"]
    store = open_store()
    street = str(small.streets["id"].iloc[0])
    store.create(make_assessment(target_from_street(small, street), {"ns_sightlines": 5}),
                 Author("Anna"))  # fmt: skip
    store.close()
    after = adapter.summaries()[CENTRUM]
    assert after["cpted_experts"] == 100.0  # 5 of 5, for the whole buurt
    assert after["cpted_indicator"] > before + 1
    # the store is read once per change: unchanged, the same scores; an edit, new ones
    read = adapter.experts()
    assert adapter.experts() is read
    store = open_store()
    (head,) = store.frame()["id"]
    store.save(head, make_assessment(target_from_street(small, street), {"ns_sightlines": 1}),
               base_version=1, author=Author("Bram"))  # fmt: skip
    store.close()
    assert adapter.experts() is not read
    assert adapter.summaries()[CENTRUM]["cpted_experts"] == 0.0  # 1 of 5


@pytest.mark.parametrize(
    ("question", "lang", "phrases"),
    [
        ("Waarom is het zo donker in Heerlen-Centrum?", "nl",
         ["Gemiddelde verlichting op straat in Heerlen-Centrum", "lux", "Donkere straatlengte",
          "geen voorspelling van misdaad", "synthetisch"]),
        ("Why does Heerlen-Centrum score low on lighting?", "en",
         ["Mean street illuminance in Heerlen-Centrum", "lux", "Dark street length",
          "not a prediction of crime", "synthetic"]),
        ("Why does Heerlen-Centrum score low on the CPTED score?", "en",
         ["Street CPTED indicator in Heerlen-Centrum", "(weight", "CPTED component: No vacancy"]),
        ("Waarom zijn er zoveel verborgen plekken in Heerlen-Centrum?", "nl",
         ["Verborgen plekken (donker en onbekeken) in Heerlen-Centrum", "mediaan"]),
    ],
)  # fmt: skip
def test_offline_answers_in_dutch_and_english(small, provider, question, lang, phrases):
    a = analyse_twin(small)
    assistant = Assistant(small, providers=Providers(analytics=provider), audit=False)
    answer = assistant.ask(question)
    assert answer.backend == "offline" and answer.lang == lang
    assert answer.intent == "why_low", answer.question_reading
    assert answer.grounding.ok, answer.grounding.flagged
    assert "explain_measure" in [c.name for c in answer.tool_calls]
    for text in phrases:
        assert text in answer.text, f"{text!r} missing from:\n{answer.text}"
    if "verlichting" in question or "lighting" in question:
        value = format_value(round(float(a.buurten.loc[CENTRUM, "lux_mean"]), 2), lang=lang)
        assert f"{value} lux" in answer.text, "the number is the analysis's own"
    own = {"nl": "eigen berekening uit straten", "en": "own calculation from streets"}[lang]
    assert answer.citations and answer.citations[0].source.startswith(
        own
    )  # in the answer's language


def test_without_the_provider_the_answer_says_so(small):
    assistant = Assistant(small, providers=Providers(), audit=False)
    answer = assistant.ask("Why does Heerlen-Centrum score low on lighting?")
    assert not [c for c in answer.tool_calls if c.name == "explain_measure"]
    assert "not (yet) connected" in answer.text and "lux" not in answer.text


@pytest.mark.parametrize(
    ("question", "lang"),
    [("Hoe goed is de straatverlichting in Heerlen-Centrum?", "nl"),
     ("How good is the street lighting in Heerlen-Centrum?", "en")],
)  # fmt: skip
def test_a_how_good_question_gets_the_measure(small, provider, question, lang):
    answer = Assistant(small, providers=Providers(analytics=provider), audit=False).ask(question)
    assert answer.intent == "indicator" and answer.lang == lang, answer.question_reading
    assert "explain_measure" in [c.name for c in answer.tool_calls]
    assert answer.grounding.ok, answer.grounding.flagged
    label = "Gemiddelde verlichting op straat" if lang == "nl" else "Mean street illuminance"
    assert f"{label} in Heerlen-Centrum" in answer.text


def test_the_city_gets_its_value_and_worst_buurten_not_a_rank_against_itself(small, provider):
    a = analyse_twin(small)
    answer = Assistant(small, providers=Providers(analytics=provider), audit=False).ask(
        "How good is the street lighting in the city?"
    )
    assert answer.grounding.ok, answer.grounding.flagged
    text = answer.text
    assert "against" not in text.split("\n")[0] and "Rank" not in text
    worst = a.buurten["lux_mean"].dropna().sort_values().index[0]
    name = small.area_name(str(worst))
    assert f"score worst: {name} (" in text, text
