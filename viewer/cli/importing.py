"""``socialtwin import KIND FILE... --into DIR`` and ``socialtwin fetch GMxxxx --into DIR``."""

from __future__ import annotations

import argparse
import re
import sys
import time
from typing import TYPE_CHECKING, TextIO

from twin.importers.kinds import IMPORT_KINDS

if TYPE_CHECKING:
    from twin.importers.workspace import ImportReport

_GM = re.compile(r"^GM\d{4}$")


def register(sub: argparse._SubParsersAction) -> None:
    kinds = "\n".join(f"  {k:15} {v}" for k, v in IMPORT_KINDS.items())
    imp = sub.add_parser(
        "import",
        help="import downloaded open-data files into a twin directory",
        description="Build or update a twin directory from downloaded open data. Sources may "
        "come one command at a time, in any order; the twin can be opened once boundaries "
        "(wijkbuurtkaart), buildings (3dbag) and streets (osm) are in. A failing import "
        "leaves the directory as it was.\n\nKinds:\n" + kinds,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("kind", metavar="KIND", choices=sorted(IMPORT_KINDS), help="source kind")
    imp.add_argument("files", metavar="FILE", nargs="+", help="the downloaded files")
    imp.add_argument("--into", metavar="DIR", required=True, help="twin directory to build")
    _common_options(imp)
    imp.set_defaults(func=cmd_import)

    fetch = sub.add_parser(
        "fetch",
        help="download a municipality's open data and import it",
        description="Download the public sources of one municipality (CBS Wijk- en Buurtkaart "
        "via PDOK, 3DBAG tiles, BAG use, CBS Kerncijfers, Politie crime, Leefbaarometer, OSM "
        "via Overpass) into a cache, then import them. Downloads resume where they stopped; "
        "run it again after a failure. Endpoints are settings (docs/settings.md).",
    )
    fetch.add_argument("municipality", metavar="GMxxxx", help="CBS code, e.g. GM0917 (Heerlen)")
    fetch.add_argument("--into", metavar="DIR", required=True, help="twin directory to build")
    fetch.add_argument(
        "--year", type=int, default=None, help="boundary year (default: the latest known)"
    )
    fetch.add_argument(
        "--skip",
        metavar="KIND",
        action="append",
        default=[],
        choices=sorted(IMPORT_KINDS),
        help="do not fetch this source (repeatable)",
    )
    fetch.add_argument("--cache", metavar="DIR", default=None, help="download cache folder")
    fetch.set_defaults(func=cmd_fetch)


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--municipality", metavar="GMxxxx", default=None, help="needed for national files"
    )
    parser.add_argument("--year", type=int, default=None, help="year, when the file lacks one")
    parser.add_argument(
        "--crs", default=None, help="the files' CRS, when they declare a wrong one or none"
    )


class Progress:
    """A one-line progress bar on a terminal; a line per finished download otherwise."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0

    def __call__(self, name: str, done: int, total: int | None, finished: bool = False) -> None:
        now = time.monotonic()
        if self.tty and not finished and now - self._last < 0.1:
            return
        self._last = now
        size = f"{done / 1e6:7.1f} MB" + (f" / {total / 1e6:.1f} MB" if total else "")
        if total:
            filled = int(30 * min(done / total, 1.0))
            bar = "[" + "#" * filled + "." * (30 - filled) + "]"
        else:
            bar = "[" + ("#" * (int(now * 4) % 30)).ljust(30, ".") + "]"
        if self.tty:
            end = "\n" if finished else ""
            self.stream.write(f"\r  {name[:40]:40} {bar} {size}{end}")
            self.stream.flush()
        elif finished:
            self.stream.write(f"  {name[:40]:40} {size}\n")


def _log(msg: str) -> None:
    print(f"  {msg}", file=sys.stderr, flush=True)


def _report(report: ImportReport) -> int:
    for kind, notes in report.notes.items():
        for note in notes:
            print(f"  {kind}: {note}", file=sys.stderr)
    if not report.complete:
        print(
            f"staged {', '.join(report.kinds)} in {report.path}; the twin opens once these "
            f"are imported too: {', '.join(report.missing)}"
        )
        return 0
    counts = report.counts
    print(
        f"twin written to {report.path}: {counts['neighbourhoods']} areas, "
        f"{counts['buildings']:,} buildings, {counts['streets']:,} street segments, "
        f"{counts['lights']:,} lights"
        + (f"; missing layers: {', '.join(report.gaps)}" if report.gaps else "")
    )
    print(f"open it with: socialtwin view --twin {report.path}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from twin.importers import import_files

    report = import_files(
        args.kind,
        args.files,
        args.into,
        municipality=args.municipality,
        year=args.year,
        crs=args.crs,
        log=_log,
    )
    return _report(report)


def cmd_fetch(args: argparse.Namespace) -> int:
    code = args.municipality.strip().upper()
    if not _GM.match(code):
        from viewer.cli import CommandError

        raise CommandError(f"{args.municipality!r} is not a CBS municipality code like GM0917")
    from twin.importers import fetch_municipality

    result = fetch_municipality(
        code,
        args.into,
        year=args.year,
        skip=args.skip,
        cache=args.cache,
        progress=Progress(),
        log=_log,
    )
    for kind, problem in result.failed.items():
        print(f"  {kind}: not fetched ({problem})", file=sys.stderr)
    return _report(result.report)
