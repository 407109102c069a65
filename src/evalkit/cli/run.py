"""`evalkit run` and `evalkit explain`: score a scorecard on data files."""

from __future__ import annotations

import argparse
import json
import shutil
import sys

from evalkit.cli.common import check_output, default_lang, emit, evaluate_files, input_options
from evalkit.errors import UsageError


def add_commands(sub, plugin_options) -> None:
    run = sub.add_parser("run", parents=[plugin_options], help="score, grade and rank units",
                         description="Score every unit of DATA against SCORECARD and write the results.")
    input_options(run)
    run.add_argument("--format", default="table", metavar="FORMAT",
                     help="output format: table (default), json, csv, xlsx, html, markdown, or one a plugin adds")
    run.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of the terminal")
    run.add_argument("--lang", choices=("zh", "en"), help="label language (default: zh when the scorecard has Chinese names)")
    from evalkit.store import add_store_options

    add_store_options(run)  # --store PATH / --no-store: keep the run in the history store (evalkit.store)
    run.set_defaults(handler=cmd_run)

    explain = sub.add_parser("explain", parents=[plugin_options], help="explain every point of one unit",
                             description="Walk one unit from every raw value to its grade.")
    input_options(explain)
    explain.add_argument("unit", metavar="UNIT", help="the unit's id")
    explain.add_argument("--format", choices=("text", "json"), default="text")
    explain.add_argument("--lang", choices=("zh", "en"))
    explain.set_defaults(handler=cmd_explain)


def cmd_run(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from
    from evalkit.errors import PluginError, Problem
    from evalkit.reporters.base import ReportOptions

    registry = registry_from(args)
    reporter = registry.reporters.get(args.format)
    if reporter is None:
        raise UsageError(f"unknown --format {args.format!r}; expected one of {', '.join(sorted(registry.reporters))}")
    check_output(args)
    from evalkit.store import prepare_run_store

    pending = prepare_run_store(args)  # None unless --store or $EVALKIT_STORE; checks the store before any work
    evaluation = evaluate_files(args, registry)
    to_terminal = args.output is None and sys.stdout.isatty()
    options = ReportOptions(lang=args.lang or default_lang(evaluation.scorecard), color=to_terminal,
                            width=shutil.get_terminal_size().columns if to_terminal else None)
    owner = registry.owner("reporters", reporter.name)
    try:
        content = reporter.render(evaluation, options)
    except Exception as exc:  # a reporter is a plugin: name it, and write nothing
        raise PluginError(Problem(f"reporter {reporter.name!r} from plugin {owner!r} failed: "
                                  f"{type(exc).__name__}: {exc}")) from exc
    if not isinstance(content, (str, bytes)):
        raise PluginError(Problem(f"reporter {reporter.name!r} from plugin {owner!r} returned {type(content).__name__}",
                                  expected="text or bytes"))
    if pending is not None:
        pending.save(evaluation, registry)
    emit(args, content, f"{len(evaluation.units)} units, format {args.format}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    evaluation = evaluate_files(args)
    if args.unit not in evaluation.units.index:
        from evalkit.errors import DataError, Problem

        raise DataError(Problem("unknown unit", source=args.units, expected="an id from the units file", found=repr(args.unit)))
    lang = args.lang or default_lang(evaluation.scorecard)
    if args.format == "json":
        doc = evaluation.to_dict()
        unit = next(u for u in doc["units"] if u["id"] == args.unit)
        unit["explanation"] = evaluation.explain(args.unit, lang)
        print(json.dumps(unit, ensure_ascii=False, indent=1))
    else:
        print("\n".join(evaluation.explain(args.unit, lang)))
    return 0
