"""`evalkit validate` and `evalkit schema`: check scorecards and print the schema editors use."""

from __future__ import annotations

import argparse
import json
import sys

from evalkit.errors import DefinitionError


def add_commands(sub: argparse._SubParsersAction, plugin_options: argparse.ArgumentParser) -> None:
    validate = sub.add_parser("validate", parents=[plugin_options], help="check a scorecard, review or roll-up file",
                              description="Check a scorecard (or a review or roll-up definition) against its schema "
                                          "and the checks a schema cannot make; report every problem.")
    validate.add_argument("file", metavar="FILE")
    validate.add_argument("--format", choices=("text", "json"), default="text",
                          help="text (default): the verdict or every problem; json: the report as JSON (exit 2 when invalid)")
    validate.set_defaults(handler=cmd_validate)
    schema = sub.add_parser("schema", parents=[plugin_options], help="print the scorecard JSON Schema",
                            description="Print the scorecard schema with every installed rule's params.")
    schema.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of the terminal")
    schema.set_defaults(handler=cmd_schema)


def cmd_validate(args: argparse.Namespace) -> int:
    """A scorecard, or a review or roll-up definition (told apart by their marker keys)."""
    from evalkit.cli import registry_from
    from evalkit.definition.validation import validate_file

    report = validate_file(args.file, lambda: registry_from(args))
    for warning in report.warnings:
        print(f"evalkit: warning: {warning}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        return 0 if report.valid else DefinitionError.exit_code
    report.raise_for_problems()  # printed as every other definition error is, exit 2
    print(report.text())
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from
    from evalkit.definition.schemas import scorecard_schema
    from evalkit.io.output import write_atomic

    text = json.dumps(scorecard_schema(registry_from(args)), ensure_ascii=False, indent=2) + "\n"
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 0
