"""`evalkit history show|recompute|verify` and `evalkit diff RUN_A RUN_B`: what went into a stored run, re-scoring it
from the kept inputs, checking the store, and what changed between two runs (evalkit.store.archive, evalkit.store.diff).

Exit codes: `history verify` exits 6 when the store fails a check (changed outside evalkit); `history recompute`
exits 1 when the result differs from the stored one; `diff` exits 0 (with --exit-code: 1 when the runs differ).
"""

from __future__ import annotations

import argparse
from typing import Any

from evalkit.cli.common import emit
from evalkit.cli.figures import json_text
from evalkit.errors import UsageError

ACTIONS = ("show", "recompute", "verify")


def add_commands(sub: Any, plugin_options: argparse.ArgumentParser) -> None:
    from evalkit.store.history import ENV_VAR

    p = sub.add_parser("diff", help="what changed per unit between two stored runs (values, points, total, grade, rank)",
                       description="Compare two stored runs unit by unit: item values and points, total, grade and rank, "
                                   "and why (its own values, or another unit's). With --exit-code, exit 1 when they differ.")
    p.add_argument("run_a", metavar="RUN_A")
    p.add_argument("run_b", metavar="RUN_B")
    p.add_argument("--store", metavar="PATH", help=f"the history store (default ${ENV_VAR})")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--exit-code", action="store_true", help="exit 1 when the runs differ (0 when they are the same)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of the terminal")
    p.set_defaults(handler=cmd_diff)


def store_of(args: argparse.Namespace, command: str) -> str:
    from evalkit.store.history import ENV_VAR, store_path

    path = store_path(args.store)
    if path is None:
        raise UsageError(f"evalkit {command}: no history store: give --store PATH or set {ENV_VAR}")
    return path


def cmd_archive(args: argparse.Namespace) -> int:
    """`evalkit history show RUN`, `history recompute RUN`, `history verify [--recompute]`."""
    from evalkit.store.archive import recompute_run, run_record, verify_store

    path = store_of(args, "history")
    if args.action != "verify" and args.target is None:
        raise UsageError(f"evalkit history {args.action}: give the run: evalkit history {args.action} RUN --store PATH")
    if args.action == "verify" and args.target is not None:
        raise UsageError("evalkit history verify checks every run; it takes no run id")
    result: Any
    if args.action == "show":
        result = run_record(path, args.target)
        code = 0
    elif args.action == "recompute":
        from evalkit.cli import registry_from

        result = recompute_run(path, args.target, registry_from(args))
        code = 0 if result.identical else 1
    else:
        from evalkit.cli import registry_from

        result = verify_store(path, recompute=args.recompute, registry=registry_from(args))
        code = 0 if result.ok else 6
    emit(args, json_text(result.to_dict()) if args.format == "json" else result.text(), f"history {args.action}")
    return code


def cmd_diff(args: argparse.Namespace) -> int:
    from evalkit.store.diff import diff_results
    from evalkit.store.history import Store

    with Store.open(store_of(args, "diff"), create=False) as store:
        a, b = store.run_id(args.run_a), store.run_id(args.run_b)
        result = diff_results(store.load(a), store.load(b), f"run {a}", f"run {b}")
    emit(args, json_text(result.to_dict()) if args.format == "json" else result.text(), "diff")
    return 1 if args.exit_code and not result.same else 0
