"""``socialtwin receipt new|advance|show|list``: contribution receipts for residents' input.

Staff record input and its stages here (or on the Presentation page); residents look their
code up on the residents' page. No personal data is stored (see ``viewer/receipts.py``).
"""

from __future__ import annotations

import argparse

from viewer.receipts import STAGES, Receipt, ReceiptStore

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    rc = sub.add_parser(
        "receipt", help="contribution receipts: what happened with residents' input"
    )
    actions = rc.add_subparsers(dest="receipt_command", metavar="ACTION")
    actions.required = True
    new = actions.add_parser("new", help="record new input; prints the code for the resident")
    new.add_argument("--buurt", required=True, help="CBS buurt code (BU09173300)")
    new.add_argument("--topic", required=True, help="short public topic, e.g. 'Donker pad'")
    new.add_argument("--note", default="", help="public note (no personal data)")
    new.add_argument("--on", default=None, help="date received (YYYY-MM-DD, default today)")
    new.set_defaults(func=cmd_new)
    adv = actions.add_parser("advance", help="record the next stage of a receipt")
    adv.add_argument("id", type=int, help="receipt id (from `receipt list`)")
    adv.add_argument("stage", choices=STAGES[1:])
    adv.add_argument("--note", default="", help="what residents are told (no personal data)")
    adv.add_argument("--ref", default="", help="e.g. an assessment or scenario id")
    adv.add_argument("--indicator", default="", help="for 'effect': the indicator that measures it")
    adv.add_argument("--on", default=None, help="date (YYYY-MM-DD, default today)")
    adv.set_defaults(func=cmd_advance)
    show = actions.add_parser("show", help="look a receipt up by its code (as a resident would)")
    show.add_argument("code")
    show.set_defaults(func=cmd_show)
    ls = actions.add_parser("list", help="list receipts (staff)")
    ls.add_argument("--buurt", default=None)
    ls.set_defaults(func=cmd_list)


def _print(r: Receipt) -> None:
    print(f"receipt {r.id}: {r.topic} ({r.buurt}), received {r.created_on}")
    for stage in STAGES:
        s = r.reached(stage)
        mark = f"{s.on}  {s.note}".rstrip() if s else "—"
        extra = f"  [{s.ref}]" if s and s.ref else ""
        print(f"  {stage:<9} {mark}{extra}")


def cmd_new(args: argparse.Namespace) -> int:
    with ReceiptStore() as store:
        code, r = store.create(args.buurt, args.topic, note=args.note, on=args.on)
    print(
        f"receipt code (give it to the resident; it is not stored and cannot be shown again): "
        f"{code}"
    )
    _print(r)
    return 0


def cmd_advance(args: argparse.Namespace) -> int:
    with ReceiptStore() as store:
        r = store.advance(
            args.id, args.stage, note=args.note, ref=args.ref, indicator=args.indicator, on=args.on
        )
    _print(r)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with ReceiptStore() as store:
        _print(store.lookup(args.code))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with ReceiptStore() as store:
        rows = store.list(buurt=args.buurt)
    if not rows:
        print("no receipts")
    for r in rows:
        print(f"{r.id:>5}  {r.buurt}  {r.current:<9} {r.topic}")
    return 0
