"""`evalkit new-plugin NAME`: create a plugin package that installs with pip and whose tests pass
(evalkit.plugins.scaffold)."""

from __future__ import annotations

import argparse
import sys

from evalkit.plugins.scaffold import NAME_PATTERN, RESERVED, create, names_for, new_plugin

__all__ = ["NAME_PATTERN", "RESERVED", "add_commands", "cmd_new_plugin", "create", "names_for"]


def add_commands(sub: argparse._SubParsersAction, plugin_options: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("new-plugin", help="create a plugin package (entry point, an indicator, a rule, tests)",
                            description="Create the folder NAME holding a plugin package that `pip install ./NAME` "
                                        "installs and whose tests pass as created. Name it evalkit-<department>.")
    parser.add_argument("name", metavar="NAME", help="distribution name, such as evalkit-audit (letters, digits, - and _)")
    parser.add_argument("--dir", metavar="DIR", default=".", help="create NAME inside DIR (default: here)")
    parser.set_defaults(handler=cmd_new_plugin)


def cmd_new_plugin(args: argparse.Namespace) -> int:
    sys.stdout.write(new_plugin(args.name, args.dir).text())
    return 0
