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
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from evalkit.errors import EvalkitError, UsageError

if TYPE_CHECKING:
    from evalkit.plugins.manager import Registry

EXIT_INTERNAL = 70
# Each command -> the module that adds it (its add_commands): only the module of the command given is
# imported, so that a command does not pay for importing the others (tests/test_cli_startup.py checks
# that this table is what the modules add). `evalkit`, `evalkit --help` and an unknown command import them all.
COMMANDS = {
    "run": "evalkit.cli.run", "explain": "evalkit.cli.run",
    "validate": "evalkit.cli.definitions", "schema": "evalkit.cli.definitions",
    "plugins": "evalkit.cli.inventory", "rules": "evalkit.cli.inventory",
    "compare": "evalkit.cli.compare_cmd",
    "ahp": "evalkit.cli.ahp_cmd",
    "rank": "evalkit.cli.rank_cmd",
    "sensitivity": "evalkit.cli.sensitivity_cmd",
    "fuzzy": "evalkit.cli.fuzzy_delphi_cmd", "delphi": "evalkit.cli.fuzzy_delphi_cmd",
    "review": "evalkit.cli.reviews_cmd", "rollup": "evalkit.cli.reviews_cmd",
    "benchmarks": "evalkit.cli.benchmarks_cmd",
    "targets": "evalkit.cli.targets_cmd",
    "history": "evalkit.cli.history_cmd",
    "diff": "evalkit.cli.archive_cmd",
    "appeal": "evalkit.cli.appeal_cmd",
    "rectify": "evalkit.cli.rectify_cmd",
    "new-plugin": "evalkit.cli.new_plugin",
    "template": "evalkit.cli.template_cmd",
}
COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))  # in the order `evalkit --help` lists them


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on usage errors; 2 means "invalid scorecard" here, so raise instead."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def command_modules(argv: Sequence[str] | None) -> tuple[str, ...]:
    """The modules `argv` needs: its command's; none for `evalkit --version`; all for help or an unknown command."""
    if argv is None:
        return COMMAND_MODULES
    words = [arg for arg in argv if not arg.startswith("-")]  # the top-level options take no values
    if words:
        module = COMMANDS.get(words[0])
        return (module,) if module is not None else COMMAND_MODULES
    if "--version" in argv and "-h" not in argv and "--help" not in argv:
        return ()
    return COMMAND_MODULES


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or, given the command line, of only what it needs (command_modules)."""
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
    for name in command_modules(argv):
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
    if argv is None:
        argv = sys.argv[1:]
    try:
        parser = build_parser(argv)
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
            import traceback

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


# pyarrow's default allocator (mimalloc) made the first pass over fresh memory several times slower than the C
# library's malloc: `evalkit rank` of 10^6 units took 5.7-7.7 s with it and 2.8-3.5 s with the system allocator
# (benchmarks/README.md, "Allocators"). evalkit.io.columnar asks for the system allocator when it is imported (for
# processes under ulimit -v), but a command whose modules import pyarrow first (the method readers) got mimalloc;
# the command asks before anything is imported. A person who chose an allocator keeps it.
ARROW_POOL = "system"


def run() -> None:
    """The `evalkit` console script."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", ARROW_POOL)
    sys.exit(main())
