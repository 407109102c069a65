"""The `evalkit` command: one module per group of subcommands, errors printed for people.

`evalkit` without a command prints this help and exits 0.

Exit codes: 0 success; 2 invalid scorecard or definition; 3 invalid data; 4 plugin error;
5 file cannot be read or written; 6 a file that is not a usable evalkit history store; 64 wrong
command line; 70 an internal error (a bug: please report).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from evalkit.errors import EvalkitError, UsageError

if TYPE_CHECKING:
    from evalkit.plugins.manager import Registry

EXIT_INTERNAL = 70
COMMAND_MODULES = (
    "evalkit.cli.run",
    "evalkit.cli.definitions",
    "evalkit.cli.inventory",
    "evalkit.cli.compare_cmd",
    "evalkit.cli.ahp_cmd",
    "evalkit.cli.rank_cmd",
    "evalkit.cli.sensitivity_cmd",
    "evalkit.cli.fuzzy_delphi_cmd",
    "evalkit.cli.reviews_cmd",
    "evalkit.cli.benchmarks_cmd",
    "evalkit.cli.targets_cmd",
    "evalkit.cli.history_cmd",
    "evalkit.cli.archive_cmd",
    "evalkit.cli.appeal_cmd",
    "evalkit.cli.rectify_cmd",
    "evalkit.cli.new_plugin",
    "evalkit.cli.template_cmd",
)


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on usage errors; 2 means "invalid scorecard" here, so raise instead."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = _Parser(prog="evalkit", description="Score, grade and explain assessments of organisations.")
    parser.add_argument("--version", action="version", version=_version())
    plugin_options = _Parser(add_help=False)
    group = plugin_options.add_argument_group("plugins")
    group.add_argument("--plugins-dir", metavar="DIR", help="also load every .py module in DIR as a plugin: its code runs with your rights, "
                       "so point it only at a folder you trust (docs/security.md)")
    group.add_argument("--block", metavar="NAME", action="append", default=[], help="do not load plugin NAME (repeatable)")
    group.add_argument("--allow", metavar="NAME", action="append", default=None,
                       help="load only these installed or directory plugins (repeatable); built-ins always load")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = False  # `evalkit` alone prints the help (exit 0)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(sub, plugin_options)
    return parser


def registry_from(args: argparse.Namespace) -> Registry:
    """The registry of the plugins the plugin options allow (--plugins-dir, --block, --allow)."""
    from evalkit.plugins.manager import default_registry

    options: dict[str, Any] = {}
    if args.plugins_dir:
        options["plugins_dir"] = args.plugins_dir
    if args.block:
        options["block"] = args.block
    if args.allow is not None:
        options["allow"] = args.allow
    return default_registry(**options)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args, unknown = parser.parse_known_args(argv)
        if unknown:  # name the command the arguments were given to, not only `evalkit`
            prog = f"evalkit {args.command}" if args.command else "evalkit"
            raise UsageError(f"{prog}: unrecognized arguments: {' '.join(unknown)} (see {prog} --help)")
        if args.command is None:
            parser.print_help()
            return 0
        from evalkit.cli.formats import settle_format

        settle_format(args)
        return args.handler(args) or 0
    except EvalkitError as exc:
        report(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        print("evalkit: interrupted; no output was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not bad input: say so plainly
        if os.environ.get("EVALKIT_DEBUG"):
            traceback.print_exc()
        print(f"evalkit: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in evalkit or a plugin; set EVALKIT_DEBUG=1 to see the traceback.", file=sys.stderr)
        return EXIT_INTERNAL


def report(exc: EvalkitError) -> None:
    problems = exc.problems
    if len(problems) == 1:
        print(f"evalkit: {exc.kind}: {problems[0]}", file=sys.stderr)
        return
    print(f"evalkit: {exc.kind}: {len(problems)} problems", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)


def _version() -> str:
    from evalkit import __version__

    return f"evalkit {__version__}"


def run() -> None:
    sys.exit(main())
