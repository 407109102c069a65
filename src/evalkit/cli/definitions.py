"""`evalkit validate` and `evalkit schema`: check scorecards and print the schema editors use."""

from __future__ import annotations

import argparse
import json
import sys

from evalkit.errors import DefinitionError


def add_commands(sub, plugin_options) -> None:
    validate = sub.add_parser("validate", parents=[plugin_options], help="check a scorecard file",
                              description="Check a scorecard against the schema and the rules; report every problem.")
    validate.add_argument("file", metavar="FILE")
    validate.set_defaults(handler=cmd_validate)
    schema = sub.add_parser("schema", parents=[plugin_options], help="print the scorecard JSON Schema",
                            description="Print the scorecard schema with every installed rule's params.")
    schema.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of the terminal")
    schema.set_defaults(handler=cmd_schema)


def cmd_validate(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from
    from evalkit.definition import validate

    from evalkit.definition import load_scorecard

    registry = registry_from(args)
    problems = validate(args.file, registry)
    if problems:
        raise DefinitionError(problems)
    for warning in load_scorecard(args.file, registry).warnings:
        print(f"evalkit: warning: {warning}", file=sys.stderr)
    print(f"{args.file}: valid")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from
    from evalkit.output import write_atomic
    from evalkit.schemas import scorecard_schema

    text = json.dumps(scorecard_schema(registry_from(args)), ensure_ascii=False, indent=2) + "\n"
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 0
