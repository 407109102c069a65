"""`evalkit rectify open|update|check|list`: the rectification register (整改台账) kept in the history store
(evalkit.store.rectification): entries opened from a run, updated from the file the units fill in, closed or
flagged overdue by the next period's run.

Exit codes: 3 for a bad update file (with its row and column) or date; 5/6 for a store that cannot be used.
"""

from __future__ import annotations

import argparse
from typing import Any

from evalkit.cli.common import emit, number_in
from evalkit.cli.figures import json_text


def add_commands(sub: Any, plugin_options: argparse.ArgumentParser) -> None:
    from evalkit.store.history import ENV_VAR

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", metavar="PATH", help=f"the history store (default ${ENV_VAR})")
    common.add_argument("--format", choices=("text", "json"), default="text")
    p = sub.add_parser("rectify", help="the rectification register (整改台账): open, update, check, list",
                       description="Open register entries from a run (the lagging tier, the bottom share, items below "
                                   "their standard), update them from the file the units fill in (CSV or XLSX), and let "
                                   "the next period's run close those whose weak items reach their standard and flag "
                                   "the overdue ones.")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    opened = actions.add_parser("open", parents=[common, plugin_options], help="open entries from a run")
    opened.add_argument("run", metavar="RUN")
    opened.add_argument("--deadline", required=True, metavar="DATE")
    opened.add_argument("--grade", action="append", metavar="G", help="units of this grade (repeatable; default the lowest)")
    opened.add_argument("--bottom", metavar="N|P%", help="also the bottom N units, or P %% of them, by rank")
    opened.add_argument("--below-standard", action="store_true", help="also every unit with an item below its standard")
    opened.add_argument("--standard", type=number_in(0, 1, open_low=True), default=0.6, metavar="R",
                        help="an item reaches its standard at R × its maximum points (default 0.6)")
    opened.add_argument("--targets", metavar="FILE", help="also the units with a target behind or off track (as evalkit targets)")
    opened.add_argument("--owner", default="", metavar="WHO")
    opened.add_argument("--measures", default="", metavar="TEXT")
    update = actions.add_parser("update", parents=[common, plugin_options], help="apply the file the units filled in")
    update.add_argument("file", metavar="FILE", help="CSV or XLSX: entry, measures, owner, deadline, status, note")
    check = actions.add_parser("check", parents=[common], help="the next period's run closes entries and flags overdue ones")
    check.add_argument("run", metavar="RUN")
    check.add_argument("--date", metavar="DATE", help="today, for the deadlines (default today)")
    listing = actions.add_parser("list", parents=[common], help="the register as it stands")
    listing.add_argument("--status", choices=("open", "in_progress", "done", "closed", "overdue"))
    listing.add_argument("--unit", metavar="ID", help="only this unit's entries")
    p.set_defaults(handler=cmd_rectify)


def cmd_rectify(args: argparse.Namespace) -> int:
    from evalkit.cli.archive_cmd import store_of
    from evalkit.store import rectification
    from evalkit.store.history import Store

    with Store.open(store_of(args, "rectify"), create=False) as store:
        result: Any
        if args.action == "open":
            from evalkit.cli import registry_from

            result = rectification.open_entries(store, args.run, args.deadline, args.grade, args.bottom,
                                                args.below_standard, args.standard, args.owner, args.measures,
                                                args.targets, registry_from(args) if args.targets else None)
        elif args.action == "update":
            from evalkit.cli import registry_from

            result = rectification.update_entries(store, args.file, registry_from(args))
        elif args.action == "check":
            result = rectification.check_entries(store, args.run, args.date)
        else:
            result = rectification.register(store, args.status, args.unit)
    emit(args, json_text(result.to_dict()) if args.format == "json" else result.text(), f"rectify {args.action}")
    return 0
