"""`evalkit template SCORECARD --units UNITS -o form.xlsx [--per-unit]`: the entry workbook a county sends
out (evalkit.io.entry_forms); filled, it reads back with `evalkit run ... --data form.xlsx`."""

from __future__ import annotations

import argparse
import sys


def add_commands(sub: argparse._SubParsersAction, plugin_options: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("template", parents=[plugin_options],
                            help="write the entry workbook to collect a scorecard's values (a row per unit)",
                            description="Write the workbook a county sends out: a row per unit, a column per indicator "
                                        "(Chinese name, unit, allowed range, data validation), an instructions sheet, "
                                        "protected headers. Filled in, it reads back with `evalkit run --data FILE`.")
    parser.add_argument("scorecard", metavar="SCORECARD", help="scorecard file (.yaml or .json)")
    parser.add_argument("--units", required=True, metavar="FILE", help="units file: id, name, type, parent")
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="the workbook to write (.xlsx); with --per-unit, a folder for one workbook per unit")
    parser.add_argument("--per-unit", action="store_true", help="one workbook per unit, for each to fill its own")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="what to print (default: text)")
    parser.set_defaults(handler=cmd_template)


def cmd_template(args: argparse.Namespace) -> int:
    import json

    from evalkit.cli import registry_from
    from evalkit.definition.scorecard import load_scorecard
    from evalkit.errors import UsageError
    from evalkit.io.entry_forms import write_entry_forms
    from evalkit.io.inputs import load_units
    from evalkit.io.output import check_output_path

    if not args.per_unit and not args.output.lower().endswith((".xlsx", ".xlsm")):
        raise UsageError(f"-o {args.output!r}: the entry workbook needs the ending .xlsx (or give --per-unit and a folder)")
    if not args.per_unit:
        check_output_path(args.output, [("SCORECARD", args.scorecard), ("--units", args.units)], "-o")
    registry = registry_from(args)
    scorecard = load_scorecard(args.scorecard, registry)
    forms = write_entry_forms(scorecard, load_units(args.units, registry), args.output, per_unit=args.per_unit)
    sys.stdout.write(json.dumps(forms.to_dict(), ensure_ascii=False, indent=2) + "\n" if args.format == "json" else forms.text())
    return 0
