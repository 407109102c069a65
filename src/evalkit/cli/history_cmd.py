"""`evalkit history`: the runs kept by `evalkit run --store` (or $EVALKIT_STORE), a unit's or an indicator's trend.

The store is read by `evalkit.store.trends.read_history`; see evalkit.store.history for the schema and the
exit codes (6: the file is not an evalkit history store, or was changed by hand).
"""

from __future__ import annotations

import argparse
from typing import Any

from evalkit.cli.common import check_output, emit, render
from evalkit.cli.figures import FORMATS, json_text, number, text
from evalkit.cli.formats import output_options
from evalkit.errors import UsageError


def add_commands(sub: Any, plugin_options: argparse.ArgumentParser) -> None:
    from evalkit.store.history import ENV_VAR

    p = sub.add_parser(
        "history", help="runs kept by evalkit run --store; a unit's or an indicator's trend over periods",
        description=f"List the runs in the history store (--store PATH, default ${ENV_VAR}), or show a trend: --unit ID "
                    "(total, rank and grade per period), --indicator ID (values per unit and period; with --unit, one "
                    "unit). Trends use the latest run of each scorecard and period. --run N prints a stored result (JSON). "
                    "Exit 5 when the store cannot be read, 6 when the file is not an evalkit history store. "
                    "`history show RUN` prints what went into a run, `history recompute RUN` re-scores it from its kept "
                    "inputs (exit 1 when the result differs), `history verify` checks every run and the hash chain "
                    "(exit 6 when something was changed outside evalkit).",
        parents=[plugin_options])
    p.add_argument("action", nargs="?", choices=("show", "recompute", "verify"),
                   help="show RUN | recompute RUN | verify (without: list the runs, or a trend)")
    p.add_argument("target", nargs="?", metavar="RUN", help="the run, for show and recompute")
    p.add_argument("--recompute", action="store_true", help="with verify: also re-score every run from its kept inputs")
    p.add_argument("--store", metavar="PATH", help=f"the history store (default ${ENV_VAR})")
    p.add_argument("--unit", metavar="ID", help="a unit's trend")
    p.add_argument("--all-units", action="store_true", help="every unit's trend (total, rank and grade per period)")
    p.add_argument("--indicator", metavar="ID", help="an indicator's trend")
    p.add_argument("--scorecard", metavar="ID", help="only runs of this scorecard id")
    p.add_argument("--run", metavar="N", help="print the stored JSON result of run N")
    output_options(p, FORMATS)
    p.set_defaults(handler=cmd_history)


def cmd_history(args: argparse.Namespace) -> int:
    from evalkit.store.history import ENV_VAR, store_path
    from evalkit.store.trends import IndicatorTrend, StoredResult, UnitsTrend, UnitTrend, read_history

    if getattr(args, "action", None):
        from evalkit.cli.archive_cmd import cmd_archive

        return cmd_archive(args)
    path = store_path(args.store)
    if path is None:
        raise UsageError(f"evalkit history: no history store: give --store PATH or set {ENV_VAR}")
    if args.run is not None and (args.unit or args.indicator or args.all_units):
        raise UsageError("evalkit history: --run prints one stored result; it does not combine with --unit, --all-units "
                         "or --indicator")
    if args.all_units and (args.unit or args.indicator):
        raise UsageError("evalkit history: --all-units shows every unit's trend; it does not combine with --unit or --indicator")
    check_output(args, (path,))
    result = read_history(path, run=args.run, unit=args.unit, indicator=args.indicator, scorecard_id=args.scorecard,
                          all_units=args.all_units)
    if isinstance(result, StoredResult):
        emit(args, json_text(result.to_dict()), f"run {args.run}")
        return 0
    if args.format == "json":
        content = json_text(result.to_dict())
    elif args.format == "csv":
        content = result.to_csv()
    elif isinstance(result, IndicatorTrend):
        content = indicator_trend_table(args, result)
    elif isinstance(result, UnitsTrend):
        content = units_trend_table(args, result)
    elif isinstance(result, UnitTrend):
        content = unit_trend_table(args, result, grade_labels(path, result.rows, args.lang)) + unit_register(result)
    else:
        content = run_table(args, result)
    emit(args, content, f"{len(result)} rows, format {args.format}")
    return 0


def run_table(args: argparse.Namespace, result: Any) -> str:
    from rich.table import Table

    if not result.runs:
        return "no runs stored yet\n"
    table = Table(title=f"evalkit history · {result.path}")
    register = bool(result.rectification)  # the register columns, once any entry was opened
    for head, right in (("Run", True), ("Stored (UTC)", False), ("Scorecard", False), ("Version", False),
                        ("Period", False), ("Units", True), ("Fingerprint", False),
                        *((("Open", True), ("Closed", True), ("Overdue", True)) if register else ())):
        table.add_column(head, justify="right" if right else "left")
    for r in result.runs:
        counts = [str(n) for n in result.counts(r["id"]).values()] if register else []
        table.add_row(str(r["id"]), r["stored_at"], text(r["scorecard_id"]), text(r["scorecard_version"] or ""),
                      text(r["period"]), str(r["units"]), r["fingerprint"][:12], *counts)
    out = render(args, table)
    if register:
        out += "Open, Closed, Overdue: rectification register entries opened from the run (evalkit rectify list)\n"
    return out


def unit_register(result: Any) -> str:
    """The unit's rectification register entries, below its trend ("" when it has none)."""
    from evalkit.store.rectification import Register

    return "\n" + Register(result.entries).text() if result.entries else ""


HEADS = {"Period": "期间", "Scorecard": "考核方案", "Run": "运行", "Total": "总分", "Change": "变化", "Rank": "排名",
         "Moved": "名次变化", "Grade": "等次"}


def grade_labels(path: Any, rows: Any, lang: str | None) -> tuple[str, dict[tuple[int, str], str]]:
    """The label language (--lang, else zh when a stored scorecard's name is Chinese) and each (run, grade code)'s
    label in it, read from the stored results' grade bands."""
    from evalkit.store.trends import StoredResult, read_history

    labels: dict[tuple[int, str], str] = {}
    chosen = lang
    for run in sorted({r["run"] for r in rows}):
        stored = read_history(path, run=run)
        assert isinstance(stored, StoredResult)
        doc = stored.document
        try:
            if chosen is None:
                name = (doc.get("scorecard", {}).get("name") or {}).get("zh") or ""
                chosen = "zh" if name and not name.isascii() else "en"
            for band in doc.get("grades", []):
                label = band.get("label") or {}
                labels[(run, band["grade"])] = str(label.get(chosen) or label.get("zh") or label.get("en") or band["grade"])
        except (AttributeError, KeyError, TypeError):
            from evalkit.errors import Problem
            from evalkit.store.history import StoreError

            raise StoreError(Problem(f"the history store was changed outside evalkit: table runs, run {run}, column result "
                                     "holds a scorecard or grade bands evalkit never writes; it was left as it is",
                                     source=str(path))) from None
    return chosen or "en", labels


def unit_trend_table(args: argparse.Namespace, result: Any,
                     labelled: tuple[str, dict[tuple[int, str], str]] = ("en", {})) -> str:
    from rich.table import Table

    lang, labels = labelled
    rows = result.rows
    if not rows:
        return f"no stored run has unit {result.unit!r}\n"
    table = Table(title=f"{rows[0]['name']} ({result.unit})")
    for head, right in (("Period", False), ("Scorecard", False), ("Run", True), ("Total", True),
                        ("Change", True), ("Rank", True), ("Moved", True), ("Grade", False)):
        table.add_column(HEADS[head] if lang == "zh" else head, justify="right" if right else "left")
    for r in rows:
        moved = "" if r["rank_change"] is None else ("=" if r["rank_change"] == 0 else
                                                     (f"↑{r['rank_change']}" if r["rank_change"] > 0 else f"↓{-r['rank_change']}"))
        grade = labels.get((r["run"], r["grade"]), r["grade"]) if r["grade"] else ""
        if r["grade_before"] is not None and r["grade_before"] != r["grade"]:
            grade = f"{labels.get((r['run'], r['grade_before']), r['grade_before'])} → {grade}"
        table.add_row(text(r["period"]), text(r["scorecard_id"]), str(r["run"]), number(r["total"]),
                      number(r["total_change"], signed=True), f"{r['rank']}/{r['of']}" if r["rank"] else "", moved, text(grade))
    return render(args, table)


def moved_text(change: int | None) -> str:
    return "" if change is None else ("=" if change == 0 else (f"↑{change}" if change > 0 else f"↓{-change}"))


def units_trend_table(args: argparse.Namespace, result: Any) -> str:
    from rich.table import Table

    if not result.rows:
        return "no runs stored yet\n"
    table = Table(title="evalkit history · all units")
    for head, right in (("ID", False), ("Unit", False), ("Period", False), ("Scorecard", False), ("Total", True),
                        ("Change", True), ("Rank", True), ("Moved", True), ("Grade", False)):
        table.add_column(head, justify="right" if right else "left")
    for r in result.rows:
        grade = r["grade"] or ""
        if r["grade_before"] is not None and r["grade_before"] != r["grade"]:
            grade = f"{r['grade_before']} → {grade}"
        table.add_row(text(r["unit"]), text(r["name"] or ""), text(r["period"]), text(r["scorecard_id"]), number(r["total"]),
                      number(r["total_change"], signed=True), f"{r['rank']}/{r['of']}" if r["rank"] else "",
                      moved_text(r["rank_change"]), text(grade))
    return render(args, table)


def indicator_trend_table(args: argparse.Namespace, result: Any) -> str:
    from rich.table import Table

    if not result.rows:
        return (f"no stored run has values of indicator {result.indicator!r}"
                + (f" for unit {result.unit!r}" if result.unit else "") + "\n")
    scorecards = {r["scorecard_id"] for r in result.rows}
    columns = result.columns()
    table = Table(title=f"{result.indicator}" + (f" · {result.unit}" if result.unit else ""))
    table.add_column("ID")
    table.add_column("Unit")
    for c in columns:
        table.add_column(text(c[0] if len(scorecards) == 1 else f"{c[0]} {c[1]}"), justify="right")
    for uid, (name, cells) in result.table().items():
        table.add_row(text(uid), text(name), *(number(cells.get(c), 4) for c in columns))
    return render(args, table)
