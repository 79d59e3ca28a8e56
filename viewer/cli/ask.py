"""``socialtwin ask "QUESTION" [--area CODE] [--scenario ID] [--lang nl|en] [--json]``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from assistant import Answer, Assistant
from assistant.engines import engine_providers
from twin import load_twin
from viewer.cli.twin_commands import add_twin_option


def register(sub: argparse._SubParsersAction) -> None:
    ask = sub.add_parser(
        "ask",
        help="ask the assistant a question (offline unless external AI is switched on)",
        description="Ask the assistant about the twin. Every number in the answer is checked "
        "against the data it looked up; unverified numbers are marked.",
    )
    ask.add_argument("question", help="the question, in Dutch or English")
    ask.add_argument("--area", metavar="CODE", help="CBS code of the area in view ('here')")
    ask.add_argument("--scenario", metavar="ID", help="id of the scenario in view")
    ask.add_argument(
        "--lang", choices=("nl", "en"), help="answer language (default: the question's)"
    )
    ask.add_argument("--offline", action="store_true", help="never use Claude for this answer")
    ask.add_argument("--json", action="store_true", help="answer, citations and grounding as JSON")
    add_twin_option(ask)
    ask.set_defaults(func=cmd_ask)


def answer_text(answer: Answer) -> str:
    """The answer as ``socialtwin ask`` prints it: notice, text, sources, check, backend."""
    nl = answer.lang == "nl"
    out: list[str] = []
    if answer.notice:
        out += [f"⚠ {answer.notice}", ""]
    out.append(answer.marked_text.rstrip())
    if answer.citations:
        out += ["", "Bronnen:" if nl else "Sources:"]
        for c in answer.citations:
            extra = [
                x
                for x in (c.licence, f"{'bewijs' if nl else 'grade'} {c.grade}" if c.grade else "")
                if x
            ]
            flag = f" [{'synthetisch' if nl else 'synthetic'}]" if c.synthetic else ""
            tail = f" ({'; '.join(extra)})" if extra else ""
            out.append(f"  [{c.n}] {c.source}{tail}{flag}")
    g = answer.grounding
    if g.ok:
        check = (
            f"alle {len(g.checks)} getallen gecontroleerd"
            if nl
            else f"all {len(g.checks)} numbers checked"
        )
    else:
        check = (
            f"{len(g.flagged)} van {len(g.checks)} getallen NIET gecontroleerd (gemarkeerd)"
            if nl
            else f"{len(g.flagged)} of {len(g.checks)} numbers NOT verified (marked)"
        )
    usage = answer.usage
    tokens = (
        f", tokens {usage.input_tokens} in / {usage.output_tokens} out" if usage.requests else ""
    )
    if usage.cache_read_input_tokens:
        tokens += f" ({usage.cache_read_input_tokens} cached)"
    out += ["", f"[{answer.backend}{tokens}; {check}]"]
    return "\n".join(out)


def cmd_ask(args: argparse.Namespace) -> int:
    from viewer.cli import CommandError

    twin = load_twin(args.twin)
    if args.area and args.area.upper() not in set(twin.neighbourhoods["code"]):
        raise CommandError(
            f"--area {args.area}: no such area in {twin.name}; "
            'list them with: socialtwin ask "welke buurten zijn er?"'
        )
    assistant = Assistant(twin, providers=engine_providers(twin))
    answer = assistant.ask(
        args.question, area=args.area, scenario=args.scenario, lang=args.lang, offline=args.offline
    )
    if args.json:
        data: dict[str, Any] = answer.to_dict()
        json.dump(data, sys.stdout, indent=1, ensure_ascii=False)
        print()
    else:
        print(answer_text(answer))
    return 0
