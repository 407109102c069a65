"""`evalkit validate` and `evalkit schema`: check scorecards and print the schema editors use."""

from __future__ import annotations

import argparse
import json
import sys

from evalkit.errors import DefinitionError


def add_commands(sub, plugin_options) -> None:
    validate = sub.add_parser("validate", parents=[plugin_options], help="check a scorecard, review or roll-up file",
                              description="Check a scorecard (or a review or roll-up definition) against its schema "
                                          "and the checks a schema cannot make; report every problem.")
    validate.add_argument("file", metavar="FILE")
    validate.set_defaults(handler=cmd_validate)
    schema = sub.add_parser("schema", parents=[plugin_options], help="print the scorecard JSON Schema",
                            description="Print the scorecard schema with every installed rule's params.")
    schema.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of the terminal")
    schema.set_defaults(handler=cmd_schema)


def cmd_validate(args: argparse.Namespace) -> int:
    """A scorecard, or a review or roll-up definition (told apart by their marker keys)."""
    from evalkit.cli import registry_from
    from evalkit.definition.documents import load_document
    from evalkit.definition.scorecard import load_scorecard, validate

    document = load_document(args.file)
    data = document.data if isinstance(document.data, dict) else {}
    if "evalkit_review" in data:
        from evalkit.reviews.review import load_review

        load_review(document)
        what = "review definition"
    elif "parts" in data and "dimensions" not in data:
        from evalkit.analysis.period_rollup import load_rollup

        load_rollup(document)
        what = "roll-up definition"
    else:
        registry = registry_from(args)
        problems = validate(document, registry)
        if problems:
            raise DefinitionError(problems)
        for warning in load_scorecard(document, registry).warnings:
            print(f"evalkit: warning: {warning}", file=sys.stderr)
        what = "scorecard"
    print(f"{args.file}: valid {what}")
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
