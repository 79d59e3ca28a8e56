"""The ``socialtwin`` command.

Each group of subcommands lives in its own module with a ``register(subparsers)`` function that
adds its parsers and sets ``func`` to a handler ``handler(args) -> int``. Add a module to
:data:`COMMAND_MODULES` to add commands. Errors print one line and exit non-zero; ``--debug``
shows the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

#: Modules that register subcommands, in the order they appear in ``--help``.
COMMAND_MODULES = (
    "viewer.cli.twin_commands",
    "viewer.cli.scenario",
    "viewer.cli.assessments",
    "viewer.cli.importing",
    "viewer.cli.ask",
    "viewer.cli.analyse",
    "viewer.cli.pack",
    "viewer.cli.receipts",
)


class CommandError(Exception):
    """A user-facing error of a command: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="socialtwin",
        description="Social Twin Heerlen: a 3D social digital twin of a city's neighbourhoods.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("socialtwin: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # every error becomes one line unless --debug
        if args.debug:
            traceback.print_exc()
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"socialtwin {args.command}: error: {message}", file=sys.stderr)
        return 2 if isinstance(exc, CommandError) else 1


if __name__ == "__main__":
    sys.exit(main())
