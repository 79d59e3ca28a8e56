"""``socialtwin pack [STORY] --out DIR`` (the offline council pack) and ``socialtwin story …``.

A STORY is the id or title of a saved story, or a story file (``.json``); without one the
ready-made demo story of Heerlen is packed (in ``--lang``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from twin import load_twin
from viewer.cli.twin_commands import add_twin_option
from viewer.story import Story, StoryError, demo_story, story_from_json, story_to_json

__all__ = ["register", "story_from_argument"]


def register(sub: argparse._SubParsersAction) -> None:
    pack = sub.add_parser(
        "pack",
        help="the offline council pack: one self-contained HTML file and a PDF report",
        description="Export a story as one HTML file that opens without internet (deck.gl, the "
        "map and the geometry inlined) and a PDF report with a map image per step.",
    )
    pack.add_argument(
        "story",
        nargs="?",
        metavar="STORY",
        help="saved story id or title, or a story file (.json); default: the demo story",
    )
    pack.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    pack.add_argument(
        "--lang", default="nl", choices=("nl", "en", "de"), help="language of the pack (default nl)"
    )
    pack.add_argument("--no-pdf", action="store_true", help="write only the HTML file")
    add_twin_option(pack)
    pack.set_defaults(func=cmd_pack)

    story = sub.add_parser("story", help="saved stories: list, export, import")
    actions = story.add_subparsers(dest="story_command", metavar="ACTION")
    actions.required = True
    ls = actions.add_parser("list", help="list saved stories")
    ls.set_defaults(func=cmd_list)
    ex = actions.add_parser("export", help="write a saved story (with its scenarios) to a file")
    ex.add_argument("story", metavar="STORY", help="saved story id or title ('demo' = the demo)")
    ex.add_argument("file", metavar="FILE", help="story file to write (.json; '-' = stdout)")
    ex.add_argument(
        "--lang", default="nl", choices=("nl", "en", "de"), help="language of the demo story"
    )
    ex.set_defaults(func=cmd_export)
    im = actions.add_parser("import", help="save a story file (its scenarios are saved too)")
    im.add_argument("file", metavar="FILE", help="story file (.json)")
    im.set_defaults(func=cmd_import)


def story_from_argument(value: str | None, lang: str = "nl") -> Story:
    """The story a command line names: a file, a saved id or title, or the demo (None)."""
    from viewer.story_store import StoryStore

    if value is None or value.casefold() == "demo":
        return demo_story(lang)
    path = Path(value)
    if path.suffix.lower() == ".json" or path.is_file():
        if not path.is_file():
            raise FileNotFoundError(f"no story file {value}")
        return story_from_json(path.read_bytes())
    with StoryStore() as store:
        if value.isdigit():
            return store.export_story(int(value))
        found = store.find(value)
        if found is None:
            titles = ", ".join(f"{s.id} {s.title!r}" for s in store.list()[:8]) or "none saved"
            raise StoryError(
                "not_found", f"no saved story {value!r} (stories: {titles})", value=value
            )
        return store.export_story(found.id)


def cmd_pack(args: argparse.Namespace) -> int:
    from viewer.pack_report import write_pack

    story = story_from_argument(args.story, args.lang)
    twin = load_twin(args.twin)
    result = write_pack(twin, story, args.out, lang=args.lang, pdf=not args.no_pdf)
    print(
        f"{result.html}  ({result.html_bytes / 1e6:.1f} MB, {len(story.steps)} steps, "
        "opens offline)"
    )
    if result.pdf:
        print(f"{result.pdf}  ({result.pdf.stat().st_size / 1e6:.1f} MB)")
    print(f"made in {result.seconds:.1f} s")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from viewer.story_store import StoryStore

    with StoryStore() as store:
        rows = store.list()
    if not rows:
        print("no saved stories (the demo story is always there: socialtwin pack --out DIR)")
    for s in rows:
        print(f"{s.id:>4}  {s.title}  ({s.steps} steps, revision {s.revision}, {s.updated_at})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    text = story_to_json(story_from_argument(args.story, args.lang))
    if args.file == "-":
        sys.stdout.write(text)
    else:
        out = Path(args.file)
        tmp = out.with_name(f".{out.name}.partial")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
        print(out)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from viewer.story_store import StoryStore

    story = story_from_json(Path(args.file).read_bytes())
    with StoryStore() as store:
        saved = store.import_story(story)
    print(f"saved story {saved.id}: {saved.story.title} ({len(saved.story.steps)} steps)")
    return 0
