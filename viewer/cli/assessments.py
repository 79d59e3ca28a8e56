"""``socialtwin assessments``: import, export, list, add, history, delete/undo and reports.

Messages to the user are in ``--lang`` (default: the ``language`` setting); errors that reach
the log are in English.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twin import get_settings, load_twin
from twin.assessments import (
    FORMATS,
    PRINCIPLE_IDS,
    AssessmentError,
    ImportRejected,
    current_author,
    export_assessments,
    filter_assessments,
    import_assessments,
    make_assessment,
    open_store,
    photo_from_upload,
    target_from_area,
    target_from_building,
    target_from_spot,
    target_from_street,
)
from viewer.cli import CommandError
from viewer.cli.twin_commands import add_twin_option

__all__ = ["register"]


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="FILE",
        default=None,
        help="store file (default: <home>/assessments.sqlite)",
    )
    parser.add_argument("--lang", choices=("nl", "en"), default=None, help="language of messages")


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("assessments", help="CPTED assessments: import, export, reports")
    actions = group.add_subparsers(dest="assessments_command", metavar="ACTION")
    actions.required = True

    imp = actions.add_parser("import", help="import assessments (GeoJSON, GeoPackage, CSV)")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--format", choices=sorted(FORMATS), default=None, help="default: from name")
    imp.add_argument(
        "--good-rows-only",
        action="store_true",
        help="import the good rows even if some are bad (default: import nothing then)",
    )
    imp.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
    imp.add_argument("--author", default=None, help="who imports (default: $SOCIALTWIN_AUTHOR)")
    imp.add_argument("--photos-dir", default=None, help="photo folder (default: FILE_photos/)")
    add_twin_option(imp)
    _common(imp)
    imp.set_defaults(func=cmd_import)

    exp = actions.add_parser("export", help="export assessments (GeoJSON, GeoPackage, CSV)")
    exp.add_argument("file", metavar="FILE")
    exp.add_argument("--format", choices=sorted(FORMATS), default=None, help="default: from name")
    exp.add_argument("--include-deleted", action="store_true", help="also soft-deleted ones")
    exp.add_argument("--photos-dir", default=None, help="photo folder (default: FILE_photos/)")
    _common(exp)
    exp.set_defaults(func=cmd_export)

    lst = actions.add_parser("list", help="list assessments, with filters")
    _filters(lst)
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    _common(lst)
    lst.set_defaults(func=cmd_list)

    add = actions.add_parser("add", help="add an assessment from the command line")
    where = add.add_mutually_exclusive_group(required=True)
    where.add_argument("--building", metavar="ID")
    where.add_argument("--street", metavar="ID")
    where.add_argument("--spot", metavar="COORD", help="'lat, lon' or 'x, y' (RD)")
    where.add_argument("--area", metavar="COORD", nargs="+", help="corners of a small area")
    add.add_argument("--score", action="append", default=[], metavar="ITEM=1..5|n/a")
    add.add_argument("--note", default="")
    add.add_argument("--measure", action="append", default=[], metavar="ID")
    add.add_argument("--photo", action="append", default=[], metavar="FILE")
    add.add_argument("--time", choices=("day", "night"), default="day")
    add.add_argument("--date", default=None, help="observation date (default today)")
    add.add_argument("--author", default=None)
    add_twin_option(add)
    _common(add)
    add.set_defaults(func=cmd_add)

    hist = actions.add_parser("history", help="versions of an assessment, with what changed")
    hist.add_argument("id")
    _common(hist)
    hist.set_defaults(func=cmd_history)

    for name, helptext in (("delete", "soft-delete an assessment"), ("undo", "undo a delete")):
        p = actions.add_parser(name, help=helptext)
        p.add_argument("id")
        p.add_argument("--author", default=None)
        _common(p)
        p.set_defaults(func=cmd_delete)

    rep = actions.add_parser("report", help="printable report (HTML or PDF) of a place or area")
    rep.add_argument("out", metavar="FILE", help="report.html or report.pdf")
    rep.add_argument("--id", action="append", default=[], help="assessment id (repeatable)")
    rep.add_argument("--target", default=None, help="all assessments of a building or street")
    _filters(rep)
    add_twin_option(rep)
    _common(rep)
    rep.set_defaults(func=cmd_report)


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--buurt", default=None, help="CBS buurt code")
    p.add_argument("--principle", choices=PRINCIPLE_IDS, default=None)
    p.add_argument("--min-score", type=float, default=None)
    p.add_argument("--max-score", type=float, default=None)
    p.add_argument("--author", default=None)
    p.add_argument("--since", default=None, help="YYYY-MM-DD")
    p.add_argument("--until", default=None, help="YYYY-MM-DD")


def _lang(args: argparse.Namespace) -> str:
    lang = args.lang or get_settings().language
    return lang if lang in ("nl", "en") else "en"


def _user_errors(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except ImportRejected:
            raise
        except AssessmentError as exc:
            raise CommandError(exc.text(_lang(args))) from exc

    run.__name__ = func.__name__
    return run


@_user_errors
def cmd_import(args: argparse.Namespace) -> int:
    lang = _lang(args)
    twin = load_twin(args.twin)
    with open_store(args.store) as store:
        try:
            report = import_assessments(
                store,
                args.file,
                current_author(args.author),
                args.format,
                twin=twin,
                good_rows_only=args.good_rows_only,
                photos_dir=args.photos_dir,
                dry_run=args.dry_run,
            )
        except ImportRejected as exc:
            for err in exc.report.errors:
                print(err.text(lang), file=sys.stderr)
            raise CommandError(exc.text(lang)) from exc
    for err in report.errors:
        print(err.text(lang), file=sys.stderr)
    print(report.summary(lang) + (" (dry run)" if args.dry_run else ""))
    return 0


@_user_errors
def cmd_export(args: argparse.Namespace) -> int:
    with open_store(args.store) as store:
        path, n, photos = export_assessments(
            store,
            args.file,
            args.format,
            include_deleted=args.include_deleted,
            photos_dir=args.photos_dir,
        )
    print(f"{n} assessments written to {path}" + (f" ({photos} photos)" if photos else ""))
    return 0


def _filtered(store: Any, args: argparse.Namespace) -> Any:
    frame = filter_assessments(
        store.frame(),
        principle=args.principle,
        min_score=args.min_score,
        max_score=args.max_score,
        author=args.author,
        since=args.since,
        until=args.until,
    )
    if args.buurt:
        frame = frame[frame["buurt"] == args.buurt]
    return frame


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


@_user_errors
def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args.store) as store:
        frame = _filtered(store, args)
    cols = ["id", "current_version", "target_kind", "target_id", "buurt", "overall"]
    cols += ["observed_at", "author"]
    if args.json:
        json.dump(json.loads(frame.to_json(orient="records")), sys.stdout, ensure_ascii=False)
        print()
        return 0
    for _, r in frame[cols].iterrows():
        score = "–" if r["overall"] != r["overall"] else f"{r['overall']:.1f}"
        print(
            f"{r['id']}  v{r['current_version']:<3} {r['target_kind']:8} "
            f"{_text(r['target_id']):20} {_text(r['buurt']):11} {score:>4}  "
            f"{r['observed_at']}  {r['author']}"
        )
    print(f"{len(frame)} assessments")
    return 0


@_user_errors
def cmd_add(args: argparse.Namespace) -> int:
    twin = load_twin(args.twin)
    if args.building:
        target = target_from_building(twin, args.building)
    elif args.street:
        target = target_from_street(twin, args.street)
    elif args.spot:
        target = target_from_spot(twin, args.spot)
    else:
        target = target_from_area(twin, args.area)
    scores = {}
    for s in args.score:
        item, sep, value = s.partition("=")
        if not sep:
            raise CommandError(f"--score {s!r}: use ITEM=1..5 or ITEM=n/a")
        scores[item.strip()] = value.strip()
    photos = [photo_from_upload(Path(p).read_bytes(), Path(p).name) for p in args.photo]
    assessment = make_assessment(
        target,
        scores,
        notes=args.note,
        observed_at=args.date,
        time_of_day=args.time,
        measures=args.measure,
        photos=[p.sha256 for p in photos],
    )
    with open_store(args.store) as store:
        v = store.create(assessment, current_author(args.author), photos=photos)
    print(v.assessment_id)
    return 0


@_user_errors
def cmd_history(args: argparse.Namespace) -> int:
    with open_store(args.store) as store:
        versions = store.history(args.id)
        previous = None
        for v in versions:
            print(f"v{v.version}  {v.action:8} {v.saved_at}  {v.author}")
            if previous is not None:
                for c in store.diff(args.id, previous, v.version):
                    print(f"      {c.field}: {c.old!r} → {c.new!r}")
            previous = v.version
    return 0


@_user_errors
def cmd_delete(args: argparse.Namespace) -> int:
    """Soft delete (``delete``) or its undo (``undo``): both are new versions."""
    undo = args.assessments_command == "undo"
    with open_store(args.store) as store:
        edit = store.restore if undo else store.delete
        v = edit(args.id, current_author(args.author))
    hint = "" if undo else f"; undo: socialtwin assessments undo {args.id}"
    print(f"{'restored' if undo else 'deleted'} {args.id} (version {v.version}){hint}")
    return 0


@_user_errors
def cmd_report(args: argparse.Namespace) -> int:
    from twin.assessments.report import entries_from_store, report_html

    lang = _lang(args)
    twin = load_twin(args.twin)
    names = dict(zip(twin.neighbourhoods["code"], twin.neighbourhoods["name"], strict=True))
    with open_store(args.store) as store:
        if args.id:
            ids = list(args.id)
        else:
            frame = _filtered(store, args)
            if args.target:
                frame = frame[frame["target_id"] == args.target]
            ids = frame["id"].tolist()
        entries = entries_from_store(store, ids)
    area = None
    if args.buurt:
        area = f"{names.get(args.buurt, args.buurt)} ({args.buurt})"
    elif args.target:
        area = args.target
    elif not args.id:
        area = twin.name
    html = report_html(
        entries,
        lang=lang,
        area_name=area,
        twin_name=twin.name,
        synthetic=any(m.synthetic for m in twin.manifest.layers.values()),
        area_names=names,
    )
    out = Path(args.out)
    if out.suffix.lower() == ".pdf":
        from viewer.printing import pdf_from_html

        pdf_from_html(html, out)
    else:
        out.write_text(html, encoding="utf-8")
    print(f"report of {len(entries)} assessments written to {out}")
    return 0
