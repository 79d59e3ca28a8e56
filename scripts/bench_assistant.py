"""Benchmark: offline answers per question type, ours side by side with a naive path.

Ours: one :class:`assistant.Assistant` per twin; the public (suppressed) values and the name
index are built once, then every answer reads them (and writes its audit row).
Naive: every question re-reads the twin from its files, recomputes suppression and rebuilds
the lookups before answering — what a stateless "answer = f(files, question)" would do.

Question types marked + run on the real engines (``assistant.engines``): the evidence registry,
an assessment store seeded with 40 assessments and a scenario store holding the template
scenario (10,000 draws). The naive path builds fresh providers per question, so it runs the
scenario again each time; ours runs it once and reads the cached result. Types marked * use the
street analytics (``twin.analytics.analyse_twin`` on the demo): ours analyses once per twin,
naive clears the analysis cache and analyses again for every question.

    python scripts/bench_assistant.py [--repeat 20] [--naive-repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    ("compare (NL)", "Hoe verhoudt Heerlen-Centrum zich tot Heerlerheide Kom en de stad?", {}),
    ("compare (EN)", "How does Schandelen compare with the city on burglary?", {}),
    ("why low (NL)", "Waarom scoort Meezenbroek laag op leefbaarheid?", {}),
    ("figure (EN)", "How many inhabitants does Heerlen-Centrum have?", {}),
    ("ranking (NL)", "Welke buurten hebben de meeste inbraken?", {}),
    ("source (EN)", "Where do the figures on feeling unsafe come from?", {}),
    ("areas (NL)", "Welke buurten horen bij wijk Heerlen-Centrum?", {}),
    ("what helps+ (NL)", "Wat zou hier helpen tegen inbraak?", {"area": "BU09171000"}),
    ("evidence+ (EN)", "Does alley gating work against burglary?", {}),
    ("assessments+ (EN)", "What do the assessments say about this area?", {"area": "BU09171000"}),
    ("scenario+ (NL)", "Leg dit scenario uit", {"scenario": "1"}),
    ("lighting* (EN)", "Why is it so dark in Maria Gewanden?", {}),
    ("lighting* (NL)", "Hoe goed is de straatverlichting in Heerlen-Centrum?", {}),
    ("refusal (NL)", "Wie woont er op de Akerstraat 12?", {}),
    ("can't answer (EN)", "Tell me a joke about cats.", {}),
]
#: The target of the issue: an offline answer within this many milliseconds.
TARGET_MS = 300.0


def _time(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="answers per type, ours")
    parser.add_argument("--naive-repeat", type=int, default=3, help="answers per type, naive")
    args = parser.parse_args(argv)
    os.environ["SOCIALTWIN_HOME"] = tempfile.mkdtemp(prefix="bench-assistant-")

    from assistant import Assistant
    from assistant.engines import engine_providers
    from twin import demo_twin_path, read_twin
    from twin.analytics import clear_analysis_cache

    path = demo_twin_path()
    t0 = time.perf_counter()
    twin = read_twin(path)
    load_ms = (time.perf_counter() - t0) * 1000.0
    _seed_stores(twin)
    ours = Assistant(twin, providers=engine_providers(twin))
    t0 = time.perf_counter()
    ours.ask(*QUESTIONS[0][1:2], **QUESTIONS[0][2])
    first_ms = (time.perf_counter() - t0) * 1000.0
    t0 = time.perf_counter()
    ours.ask("Leg dit scenario uit", scenario="1")
    scenario_ms = (time.perf_counter() - t0) * 1000.0
    t0 = time.perf_counter()
    ours.ask("Why is it so dark in Maria Gewanden?")
    analytics_ms = (time.perf_counter() - t0) * 1000.0

    def naive(question: str, options: dict) -> None:
        clear_analysis_cache()  # stateless: nothing computed before survives
        fresh = read_twin(path)  # files → twin; suppression, lookups and engines rebuilt below
        Assistant(fresh, providers=engine_providers(fresh)).ask(question, **options)

    rows = []
    for label, question, options in QUESTIONS:
        answer = ours.ask(question, **options)
        assert answer.grounding.ok, (label, answer.grounding.flagged)
        mine = _time(lambda q=question, o=options: ours.ask(q, **o), args.repeat)
        slow = _time(lambda q=question, o=options: naive(q, o), args.naive_repeat)
        rows.append((label, answer.intent, len(answer.grounding.checks), mine, slow))

    print(f"Offline answers on the demo twin ({twin.counts()['buildings']:,} buildings, 81 areas);")
    print(f"median of {args.repeat} answers (ours) and {args.naive_repeat} (naive), milliseconds")
    head = f"{'question type':20} {'intent':17} {'numbers':>7} {'ours':>7} {'ours p95':>9} "
    head += f"{'naive':>8} {'naive/ours':>10}  ≤{TARGET_MS:.0f} ms"
    print(head)
    for label, intent, numbers, mine, slow in rows:
        med, p95 = statistics.median(mine), sorted(mine)[int(0.95 * (len(mine) - 1))]
        naive_med = statistics.median(slow)
        ok = "yes" if p95 <= TARGET_MS else "NO"
        print(
            f"{label:20} {intent:17} {numbers:>7} {med:>7.1f} {p95:>9.1f} "
            f"{naive_med:>8.0f} {naive_med / med:>9.0f}x  {ok}"
        )
    print(
        f"\nonce per twin (ours): load {load_ms:.0f} ms; first answer incl. suppression and "
        f"index {first_ms:.0f} ms; first explanation of the saved scenario (runs it) "
        f"{scenario_ms:.0f} ms; first analytics answer (analyses the twin) {analytics_ms:.0f} ms"
    )
    print("+ on the real engines (evidence registry, assessment store, scenario engine and store)")
    print("* on the real street analytics (twin.analytics, cached per twin fingerprint)")
    return 0


def _seed_stores(twin) -> None:
    """40 assessments in Maria Gewanden and the template scenario, in the bench's home."""
    from scenarios import ScenarioStore, scenario_from_toml, template_toml
    from twin.assessments import Author, make_assessment, open_store, target_from_street

    streets = twin.streets[(twin.streets["buurt"] == "BU09171000") & twin.streets["name"].notna()]
    items = ["li_even_lighting", "ns_sightlines", "ma_litter_graffiti", "ac_back_alleys"]
    with open_store() as store:
        for i in range(40):
            scores = {item: 1 + (i * 7 + k * 3) % 5 for k, item in enumerate(items)}
            target = target_from_street(twin, str(streets["id"].iloc[i % len(streets)]))
            note = f"Schouw {i}: donkere hoek bij de garages, heg te hoog."
            store.create(
                make_assessment(target, scores, notes=note, observed_at="2026-03-01",
                                time_of_day=("day", "night")[i % 2],
                                measures=["street_lighting"]),
                Author("bench"),
            )  # fmt: skip
    with ScenarioStore() as store:
        store.save(scenario_from_toml(template_toml(twin)))


if __name__ == "__main__":
    sys.exit(main())
