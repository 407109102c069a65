"""What the methods' commands (ahp, rank, sensitivity, fuzzy, delphi) print alike: JSON, notices, rank reversals."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, Protocol

from evalkit.methods.weight_input import Notice

LISTED_REVERSALS = 20  # pairs printed in text output (JSON lists up to 100)


class Report(Protocol):
    """A methods' report: its JSON document and its CSV."""

    def to_dict(self) -> dict: ...

    def to_csv(self) -> str: ...


def report_text(args: argparse.Namespace, report: Report, table: Callable[[argparse.Namespace, dict], str]) -> str:
    """The report in --format: JSON, CSV, or the command's table (drawn by `table` from the JSON document)."""
    if args.format == "json":
        return json_text(report.to_dict())
    if args.format == "csv":
        return report.to_csv()
    return table(args, report.to_dict())


def json_text(doc: Any) -> str:
    """A result's document as the methods' commands print it."""
    return json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def print_notice(notice: Notice) -> None:
    """A library warning or note on stderr, as it happens."""
    print(f"evalkit: {notice.kind}: {notice.text}", file=sys.stderr)


def reversal_lines(rr: dict, units: list, kept: str) -> list[str]:
    """The lines of text that say which pairs of units change order when a unit is removed."""
    names = {u.get("unit", u.get("id")): u["name"] for u in units}

    def who(uid: str) -> str:
        return uid if names.get(uid, uid) == uid else f"{uid} {names[uid]}"

    removed = rr["removed"]
    scope = f"removing each of {len(removed)} units in turn" if len(removed) > 1 else f"removing {who(removed[0])}"
    if not rr["pairs_reversed"]:
        return [f"排序逆转 rank reversal ({scope}, {kept}): none; no pair of the other units changes order"]
    lines = [f"排序逆转 rank reversal ({scope}, {kept}): {rr['pairs_reversed']} pair(s) change order "
             f"after {len(rr['by_removed'])} of {len(removed)} removal(s)"]
    n = len(units)
    for p in rr["pairs"][:LISTED_REVERSALS]:
        (b1, b2), (a1, a2) = p["ranks_before"], p["ranks_after"]
        lines.append(f"  去掉 without {who(p['removed'])}: {who(p['better_before'])} / {who(p['worse_before'])} "
                     f"逆转 swap: ranks {b1}, {b2} of {n} -> {a1}, {a2} of {n - 1}")
    if rr["pairs_reversed"] > min(len(rr["pairs"]), LISTED_REVERSALS):
        lines.append(f"  ... {rr['pairs_reversed'] - min(len(rr['pairs']), LISTED_REVERSALS)} more (see --format json)")
    return lines
