"""`evalkit appeal publish|file|decide|list`: publication windows, appeals and decisions kept in the history store
(evalkit.store.appeals). An upheld appeal with corrected values stores a new run superseding the appealed one.

Exit codes: 3 when an appeal is refused (outside the publication window, unknown unit or appeal, decided
twice) or a date is not a date; 5/6 for a store that cannot be used, as everywhere.
"""

from __future__ import annotations

import argparse
from typing import Any

from evalkit.cli.common import emit
from evalkit.cli.figures import json_text


def _correction(text: str) -> Any:
    from evalkit.store.appeals import Correction

    try:
        return Correction.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_commands(sub: Any, plugin_options: argparse.ArgumentParser) -> None:
    from evalkit.store.history import ENV_VAR

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", metavar="PATH", help=f"the history store (default ${ENV_VAR})")
    common.add_argument("--format", choices=("text", "json"), default="text")
    p = sub.add_parser("appeal", help="publication windows, appeals and decisions (公示与申诉复核) in the history store",
                       description="Record a run's publication window, appeals against it and their decisions. "
                                   "Appeals outside the window are refused (exit 3) with the dates; an upheld appeal "
                                   "with corrected values stores a new run superseding the old one.")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    pub = actions.add_parser("publish", parents=[common], help="declare the publication window of a run (公示期)")
    pub.add_argument("run", metavar="RUN")
    pub.add_argument("--from", dest="start", metavar="DATE", required=True, help="first day appeals are accepted")
    end = pub.add_mutually_exclusive_group(required=True)
    end.add_argument("--to", dest="end", metavar="DATE", help="last day appeals are accepted")
    end.add_argument("--working-days", type=int, metavar="N", help="the window ends N working days (Mon-Fri) after --from")
    pub.add_argument("--by", metavar="WHO")
    filed = actions.add_parser("file", parents=[common], help="record an appeal against a unit's result")
    filed.add_argument("run", metavar="RUN")
    filed.add_argument("--unit", required=True, metavar="ID")
    filed.add_argument("--claim", required=True, metavar="TEXT", help="what is claimed")
    filed.add_argument("--item", metavar="ID", help="the item appealed")
    filed.add_argument("--indicator", metavar="ID", help="the indicator whose value is disputed")
    filed.add_argument("--value", metavar="V", help="the value the unit claims")
    filed.add_argument("--evidence", action="append", default=[], metavar="TEXT", help="evidence (repeatable)")
    filed.add_argument("--date", metavar="DATE", help="the date filed (default today)")
    filed.add_argument("--by", metavar="WHO")
    dec = actions.add_parser("decide", parents=[common, plugin_options], help="record the decision on an appeal")
    dec.add_argument("appeal", metavar="APPEAL", type=int)
    dec.add_argument("--outcome", required=True, choices=("upheld", "partly", "rejected"))
    dec.add_argument("--by", required=True, metavar="WHO")
    dec.add_argument("--reason", required=True, metavar="TEXT")
    dec.add_argument("--correct", action="append", default=[], type=_correction, metavar="UNIT:INDICATOR=VALUE",
                     help="a corrected value (repeatable): the run is scored again with it and stored as a new run")
    dec.add_argument("--date", metavar="DATE", help="the date of the decision (default today)")
    listing = actions.add_parser("list", parents=[common], help="the publication windows, appeals and decisions")
    listing.add_argument("--run", metavar="N")
    p.set_defaults(handler=cmd_appeal)


def cmd_appeal(args: argparse.Namespace) -> int:
    from evalkit.cli.archive_cmd import store_of
    from evalkit.store import appeals
    from evalkit.store.history import Store

    with Store.open(store_of(args, "appeal"), create=False) as store:
        result: Any
        if args.action == "publish":
            result = appeals.publish(store, args.run, args.start, args.end, args.working_days, by=args.by)
            text = f"run {result.run} published for appeals from {result.body['start']} to {result.body['end']} (record {result.id})\n"
        elif args.action == "file":
            result = appeals.file_appeal(store, args.run, args.unit, args.claim, args.date, item=args.item,
                                         indicator=args.indicator, value=args.value, evidence=args.evidence, by=args.by)
            text = f"appeal {result.id} recorded against run {result.run} for unit {args.unit}\n"
        elif args.action == "decide":
            from evalkit.cli import registry_from

            result = appeals.decide(store, args.appeal, args.outcome, args.by, args.reason, args.date, args.correct,
                                    registry_from(args))
            text = (f"appeal {args.appeal}: {args.outcome} (record {result.id})"
                    + (f"; new run {result.body['new_run']} supersedes run {result.run}" if result.body["new_run"] else "")
                    + "\n")
        else:
            result = appeals.appeal_list(store, args.run)
            text = result.text()
    emit(args, json_text(result.to_dict()) if args.format == "json" else text, f"appeal {args.action}")
    return 0
