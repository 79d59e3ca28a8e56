"""``socialtwin scenario run FILE [--json]``, ``scenario template``, ``compare``, ``catalogue``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from scenarios import (
    compare_results,
    intervention_catalogue,
    load_registry,
    model_from_twin,
    run_scenario,
    scenario_from_toml,
    template_toml,
    twin_changes,
)
from scenarios.result import ScenarioResult
from twin import load_twin
from viewer.cli.twin_commands import add_twin_option


def register(sub: argparse._SubParsersAction) -> None:
    sc = sub.add_parser("scenario", help="what-if scenarios: run, compare, template, catalogue")
    actions = sc.add_subparsers(dest="scenario_command", metavar="ACTION")
    actions.required = True

    run = actions.add_parser("run", help="run a scenario file (TOML) and print its summaries")
    run.add_argument(
        "file", metavar="FILE", help="scenario file (see `socialtwin scenario template`)"
    )
    add_twin_option(run)
    run.add_argument("--json", action="store_true", help="machine-readable output")
    run.add_argument("--areas", action="store_true", help="include the per-buurt tables (JSON)")
    run.add_argument("--lang", default="en", choices=("en", "nl"), help="language of texts")
    run.set_defaults(func=cmd_run)

    comp = actions.add_parser("compare", help="run 2–4 scenario files and compare them")
    comp.add_argument("files", metavar="FILE", nargs="+")
    add_twin_option(comp)
    comp.add_argument("--json", action="store_true", help="machine-readable output")
    comp.set_defaults(func=cmd_compare)

    tpl = actions.add_parser("template", help="print a commented example scenario that runs as is")
    add_twin_option(tpl)
    tpl.set_defaults(func=cmd_template)

    cat = actions.add_parser("catalogue", help="list the interventions and their evidence")
    cat.add_argument("--json", action="store_true", help="machine-readable output")
    cat.set_defaults(func=cmd_catalogue)


def _fmt(iv: dict[str, Any], unit: str = "") -> str:
    m, a, b = iv["median"], iv["80"], iv["95"]
    if m is None:
        return "–"
    return f"{m:+.1f}{unit} (80 %: {a[0]:+.1f} to {a[1]:+.1f}; 95 %: {b[0]:+.1f} to {b[1]:+.1f})"


def _eur(x: float | None) -> str:
    return "no incident prevented" if x is None else f"€{x:,.0f}"


def _print_totals(r: ScenarioResult, data: dict[str, Any]) -> None:
    for year, block in data["totals"].items():
        print(
            f"\nYear {year}: change per year, whole municipality (median, 80 % and 95 % intervals)"
        )
        for oid, e in block.items():
            label = r.registry.outcomes[oid].name("en")
            flag = " [synthetic]" if e["synthetic"] else ""
            if e["evidence"] == "not targeted":
                note = "not targeted"
            elif e["evidence"] == "no reliable evidence":
                note = "NO RELIABLE EVIDENCE of an effect (wider interval; not 'no effect')"
            else:
                note = f"P(reduction) {e['p_reduction']:.0%}"
            print(f"  {label[:34]:34} {_fmt(e['change_pct'], ' %')}  {note}{flag}")
    year = r.horizons[-1]
    print(f"\nMost changed buurten, year {year} (median % change, 80 % interval)")
    for oid in r.outcomes:
        t = r.area_table(oid, year)
        t = t[t["affected"]].sort_values("change_pct_median").head(3)
        for row in t.itertuples():
            print(
                f"  {oid:20} {row.name[:26]:26} {row.change_pct_median:+6.1f} %"
                f" ({row.change_pct_lo80:+.1f} to {row.change_pct_hi80:+.1f})"
                f"  P(reduction) {row.p_reduction:.0%}"
            )


def _print_cost(data: dict[str, Any]) -> None:
    harm = data["harm_index"]
    w = ", ".join(f"{k} {v:g}" for k, v in harm["weights"].items())
    print(f"\nHarm-weighted index (weights: {w}; illustrative defaults, see docs/scenarios.md)")
    for year, h in harm["horizons"].items():
        print(f"  year {year}: {_fmt(h['change_pct'], ' %')}  P(reduction) {h['p_reduction']:.0%}")
    if not data["cost"]:
        return
    print("\nCost per prevented registered crime (burglary, vandalism, violence), cumulative")
    for year, c in data["cost"]["horizons"].items():
        e, p = c["eur_per_prevented"], c["prevented"]
        print(
            f"  by year {year}: €{c['cost_eur']:,.0f} spent; prevented {p['median']:.1f}"
            f" (80 %: {p['80'][0]:.1f} to {p['80'][1]:.1f}); per incident {_eur(e['median'])}"
            f" (80 %: {_eur(e['80'][0])} to {_eur(e['80'][1])})"
        )


def _print_evidence(data: dict[str, Any]) -> None:
    print("\nEvidence per intervention (grade; ✔ read in source, ◐ secondary source)")
    for item in data["evidence"]:
        label = f" — {item['label']}" if item["label"] else ""
        print(f"  {item['intervention']}. {item['type']}{label}")
        for e in item["outcomes"]:
            head = f"     {e['outcome']:20} grade {e['grade']}"
            if e["status"] != "estimate":
                print(f"{head}    no reliable evidence of an effect")
                continue
            rr = e.get("effect_in_treated_area", {})
            where = ""
            if rr:
                last = rr[max(rr)]
                lo, hi = last["95"]
                where = f"; treated area, year {max(rr)}: {last['median']:.2f} ({lo:.2f}–{hi:.2f})"
            elif e.get("moderator"):
                where = "; not expected here (below the baseline threshold of the evidence)"
            print(f"{head} {e['figure_flag']}  RR {e['rr_median']:.2f}{where}")


def _print_result(
    r: ScenarioResult, data: dict[str, Any], changes: list[dict[str, Any]], seconds: float
) -> None:
    s = r.scenario
    print(f"Scenario: {s.name}  ({len(s.interventions)} interventions)")
    print(f"Run: {s.draws:,} draws, seed {s.seed}, {seconds:.2f} s")
    print(f"Twin: {r.model.twin.name}; evidence registry {r.registry.version}")
    base = data["baseline"]
    years = ", ".join(f"{k} {v[0]}–{v[-1]}" for k, v in base["years"].items())
    print(f"Baseline years: {years}")
    synth = [k for k, v in base["synthetic"].items() if v]
    if synth:
        print(f"SYNTHETIC in this twin (demo figures, not measured): {', '.join(synth)}")
    _print_totals(r, data)
    _print_cost(data)
    _print_evidence(data)
    if changes:
        print("\nChanges to the twin (recompute lighting and surveillance on the changed twin):")
        for c in changes:
            print("  " + ", ".join(f"{k} {v}" for k, v in c.items()))
    n = len(data["assumptions"])
    print(f"\n{n} modelling assumptions apply: --json lists them, docs/scenarios.md explains them.")


def cmd_run(args: argparse.Namespace) -> int:
    scenario = scenario_from_toml(args.file if args.file.endswith(".toml") else _read(args.file))
    twin = load_twin(args.twin)
    t0 = time.perf_counter()
    result = run_scenario(model_from_twin(twin), scenario)
    seconds = time.perf_counter() - t0
    _, changes = twin_changes(twin, scenario)
    data = result.to_dict(areas=args.areas, lang=args.lang)
    data["twin_changes"] = changes
    data["seconds"] = round(seconds, 3)
    if args.json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        _print_result(result, data, changes, seconds)
    return 0


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def cmd_compare(args: argparse.Namespace) -> int:
    twin = load_twin(args.twin)
    model = model_from_twin(twin)
    results = [
        run_scenario(model, scenario_from_toml(f if f.endswith(".toml") else _read(f)))
        for f in args.files
    ]
    comp = compare_results(results)
    if args.json:
        json.dump(
            {
                "scenarios": comp.names,
                "paired": comp.paired,
                "table": json.loads(comp.table.to_json(orient="records")),
            },
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        print()
        return 0
    for year in results[0].horizons:
        print(f"Year {year}: % change per year, whole municipality")
        print(comp.wide(year).to_string())
        print()
    if comp.paired:
        sub = comp.table.dropna(subset=["p_better_than_first"])
        print(f"P(lower than '{comp.names[0]}'), draw by draw (paired: same seed and draws):")
        print(
            sub.pivot_table(
                index="outcome", columns=["scenario", "horizon"], values="p_better_than_first"
            )
            .round(2)
            .to_string()
        )
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    sys.stdout.write(template_toml(load_twin(args.twin)))
    return 0


def cmd_catalogue(args: argparse.Namespace) -> int:
    cat = intervention_catalogue()
    reg = load_registry()
    if args.json:
        data = cat.to_dict()
        for item in data["interventions"]:
            item["evidence"] = [e.to_dict() for e in reg.entries_for(item["id"])]
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    print(f"Interventions (evidence registry {reg.version}); grade and status per outcome")
    for it in cat.interventions:
        print(
            f"\n{it.id} — {it.label('en')} (on {', '.join(it.targets)}; mechanism {it.mechanism})"
        )
        for p in it.parameters:
            note = "" if p.model else " [recorded only]"
            print(f"    {p.name} = {p.default} {p.unit} ({p.min}–{p.max}){note}")
        for e in reg.entries_for(it.id):
            text = f"RR {e.rr:.2f} {e.figure_flag}" if e.estimate else "no reliable estimate"
            print(f"    {e.outcome:20} grade {e.grade}  {text}")
    return 0
