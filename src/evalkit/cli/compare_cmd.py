"""`evalkit compare`: tier transitions between two evaluations (晋位升级) and the rectification list (整改).

Three ways in, one comparison (evalkit.analysis.transitions works on result documents, so a stored run plugs in):

    evalkit compare BEFORE.json AFTER.json                       # two `evalkit run --format json -o` files
    evalkit compare SCORECARD --data DATA --units UNITS --periods 2024 2025
    evalkit compare --store history.db --runs 3 7                # two runs kept by `evalkit run --store`
    evalkit compare --store history.db --scorecard-id ID --periods 2024 2025   # the latest run of each period

Decisions (also in --help):

- A file that is not an evalkit result is invalid data: exit 3, with the file and the JSON path.
- Results of different scorecards (different ids) are refused, exit 3, unless --allow-different-scorecards
  (then a warning). Results whose tiers differ are always refused. A different version of the same
  scorecard, or different band minimums, only warn.
- Units in only one of the two results, or without a grade, are listed, never silently dropped.
- "Improved markedly" is declared with --marked (score:N, rank:N, percent:N) and counts, by default,
  units that stayed in their tier (--marked-among all: risers too); shares are of the starting tier.
- Stored runs (evalkit.store.history) are read with `load_run` and checked with `check_result` like a file, and
  give the same comparison as the same runs exported with `evalkit run --format json -o` (only the
  "source" of each side differs: "STORE run N" instead of the file name). Run ids are those `evalkit
  history` lists; --scorecard-id ID --periods P1 P2 takes the latest stored run of each period. --runs or
  --scorecard-id without --store read $EVALKIT_STORE. The store form takes no positional files and no
  --data/--units (exit 64). A run not in the store is invalid data (exit 3, naming the run and the store);
  a file that is not a usable store keeps the store's own errors (exit 6, or 5 when it cannot be read,
  is damaged or does not exist: comparing never creates a store).
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata

from evalkit.cli.common import check_output, whole_number_in
from evalkit.errors import UsageError

TEXT = {
    "en": {
        "title": "Tier transitions", "in_both": "{n} units in both results", "only": "{n} only in {p}",
        "ungraded": "{n} without a grade", "matrix": "Transition matrix (rows: tier in {a}; columns: tier in {b})",
        "total": "total", "per_tier": "Per starting tier", "tier": "tier in {a}", "units": "units", "up": "moved up",
        "stayed": "stayed", "down": "moved down", "marked": "improved markedly", "rule": "improved markedly: {r}",
        "moves": "Moves between tiers", "only_before": "Only in {p} (not compared)", "only_after": "Only in {p} (not compared)",
        "no_grade": "Without a grade in one of the results (not compared)",
        "rectify": "Rectification list (整改), {p}: {rule}", "lowest": "units in the lowest tier, {g}",
        "bottom": "bottom {spec} = {k} of {n} places (half up){ties}", "ties": ", plus {t} tied at the cut",
        "weakest": "weakest items", "rank": "rank", "units_behind": "units",
    },
    "zh": {
        "title": "等次变化（晋位升级）", "in_both": "两次均参评 {n} 个单位", "only": "仅 {p} 参评 {n} 个",
        "ungraded": "无等次 {n} 个", "matrix": "等次转移矩阵（行：{a} 年等次；列：{b} 年等次）",
        "total": "合计", "per_tier": "按原等次统计", "tier": "{a} 年等次", "units": "单位数", "up": "晋位升级",
        "stayed": "保持", "down": "降级", "marked": "大幅提升", "rule": "大幅提升：{r}",
        "moves": "等次变动", "only_before": "仅 {p} 参评（未比较）", "only_after": "仅 {p} 参评（未比较）",
        "no_grade": "某一次无等次（未比较）",
        "rectify": "整改名单（{p}）：{rule}", "lowest": "最低等次「{g}」的单位",
        "bottom": "倒排后 {spec}，共 {k}/{n} 名（四舍五入）{ties}", "ties": "，另含并列 {t} 个",
        "weakest": "最弱指标", "rank": "排名", "units_behind": "单位",
    },
}


def _marked(text: str):
    from evalkit.analysis.transitions import MarkedRule

    try:
        return MarkedRule.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _bottom(text: str) -> str:
    from evalkit.analysis.transitions import parse_bottom

    try:
        parse_bottom(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()


def add_commands(sub, plugin_options) -> None:
    p = sub.add_parser(
        "compare", parents=[plugin_options], help="tier transitions between two evaluations, and the rectification list",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Compare two evaluations: the matrix of tiers (grades, best first), per starting tier the share that\n"
            "moved up, stayed and moved down, the units that improved markedly by a declared rule, and the units\n"
            "behind every figure (--format json). BEFORE and AFTER are `evalkit run --format json -o` files; or give\n"
            "one SCORECARD with --data, --units and --periods P1 P2 to score two periods of one data set; or read two\n"
            "runs kept by `evalkit run --store`: --store PATH --runs A B (run ids as `evalkit history` lists them), or\n"
            "--store PATH --scorecard-id ID --periods P1 P2 (the latest stored run of each period). --runs and\n"
            "--scorecard-id read $EVALKIT_STORE when --store is not given. A run not in the store is invalid data\n"
            "(exit 3); a file that is not an evalkit history store exits 6 (5 when it cannot be read).\n\n"
            "Units are matched by id; units in only one result, or without a grade, are listed, not compared.\n"
            "A file that is not an evalkit result is invalid data (exit 3). Results of scorecards with different\n"
            "ids are refused (exit 3) unless --allow-different-scorecards; results with different tiers always are.\n"
            "Percentages are rounded half up."),
        epilog=("examples:\n"
                "  evalkit compare 2024.json 2025.json --marked score:5\n"
                "  evalkit compare scorecard.yaml --data data.csv --units units.csv --periods 2024 2025 --marked rank:10 --bottom 10%\n"
                "  evalkit compare --store history.db --runs 1 2 --marked score:5\n"
                "  evalkit compare --store history.db --scorecard-id county-organs-254 --periods 2024 2025 --format json"))
    p.add_argument("inputs", nargs="*", metavar="FILE",
                   help="BEFORE AFTER: two result files (.json); or SCORECARD alone, with --data, --units and --periods; "
                        "none with --store")
    p.add_argument("--data", metavar="FILE", help="with SCORECARD: values in long format holding both periods")
    p.add_argument("--units", metavar="FILE", help="with SCORECARD: the units file")
    p.add_argument("--periods", nargs=2, metavar=("BEFORE", "AFTER"),
                   help="with SCORECARD: the two periods to score; with --scorecard-id: the two periods whose latest "
                        "stored runs are compared")
    stored = p.add_argument_group("stored runs (evalkit run --store)")
    stored.add_argument("--store", metavar="PATH",
                        help="compare two runs of this history store instead of files (default with --runs or "
                             "--scorecard-id: $EVALKIT_STORE)")
    stored.add_argument("--runs", nargs=2, metavar=("BEFORE", "AFTER"),
                        help="the two stored runs, by the ids `evalkit history` lists")
    stored.add_argument("--scorecard-id", metavar="ID",
                        help="with --periods P1 P2: the latest stored run of scorecard ID for each period")
    p.add_argument("--marked", type=_marked, metavar="KIND:N",
                   help="declare 'improved markedly' (大幅提升): score:N = total up by at least N points; rank:N = up at "
                        "least N places; percent:N = total up by at least N %% of the earlier total")
    p.add_argument("--marked-among", choices=("stayed", "all"), default="stayed",
                   help="count marked improvement among units that stayed in their tier (default, the seed's reading: "
                        "risers are counted as risers) or among all units of the starting tier")
    rect = p.add_mutually_exclusive_group()
    rect.add_argument("--rectify", action="store_true",
                      help="list AFTER's units in the lowest tier for rectification (整改), with their weakest items")
    rect.add_argument("--bottom", type=_bottom, metavar="SHARE",
                      help="list AFTER's bottom units for rectification: 10%% (places rounded half up, at least 1) or a "
                           "number of units; units tied with the last place are included")
    p.add_argument("--weakest", type=whole_number_in(1, 50), default=3, metavar="K",
                   help="weakest items shown per listed unit (lowest points / max_points; default 3)")
    p.add_argument("--allow-different-scorecards", action="store_true",
                   help="compare results of scorecards with different ids (a warning says so)")
    p.add_argument("--decimals", type=whole_number_in(0, 6), default=1, metavar="D", help="decimals of percentages (default 1)")
    p.add_argument("--list-units", action="store_true", help="text format: list the unit ids behind every figure")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of the terminal")
    p.add_argument("--lang", choices=("zh", "en"), help="label language (default: zh when the scorecard has Chinese names)")
    p.set_defaults(handler=cmd_compare)


# --------------------------------------------------------------------------------------------------


def _store_path(args: argparse.Namespace) -> str | None:
    """The history store to read: --store, else $EVALKIT_STORE when --runs or --scorecard-id asks for stored runs."""
    from evalkit.store.history import store_path

    if args.store:
        return args.store
    if args.runs or args.scorecard_id:
        return store_path(None)
    return None


def _load(args: argparse.Namespace, store: str | None = None):
    """(before document, after document, names) from two files, two periods of one data set, or two stored runs."""
    from evalkit.analysis.transitions import read_result

    if args.store or args.runs or args.scorecard_id:
        return _load_stored(args, store)
    if args.periods:
        if len(args.inputs) != 1:
            raise UsageError("evalkit compare: with --periods give one SCORECARD (with --data and --units), or "
                             "--scorecard-id ID to compare stored runs; found "
                             f"{len(args.inputs)} files ({' '.join(args.inputs)})")
        missing = [o for o, v in (("--data", args.data), ("--units", args.units)) if not v]
        if missing:
            raise UsageError(f"evalkit compare: --periods needs {' and '.join(missing)}")
        before, after = (str(p) for p in args.periods)
        if before == after:
            raise UsageError(f"evalkit compare: --periods names {before!r} twice; give two different periods")
        docs = _evaluate_periods(args, (before, after))
        return docs[0], docs[1], (f"{args.data} period {before}", f"{args.data} period {after}")
    extra = [o for o, v in (("--data", args.data), ("--units", args.units)) if v]
    if extra:
        raise UsageError(f"evalkit compare: {' and '.join(extra)} go with SCORECARD and --periods P1 P2; "
                         "to compare two result files give just BEFORE AFTER")
    if len(args.inputs) != 2:
        raise UsageError(f"evalkit compare: expected two result files BEFORE AFTER (or SCORECARD with --periods, or "
                         f"--store PATH with --runs A B), found {len(args.inputs)}")
    return read_result(args.inputs[0]), read_result(args.inputs[1]), tuple(args.inputs)


def _load_stored(args: argparse.Namespace, path: str | None):
    """(before document, after document, names) from two runs of a history store (evalkit.store.history.load_run)."""
    from evalkit.analysis.transitions import check_result
    from evalkit.store.history import ENV_VAR, Store, load_run

    asked = "--store" if args.store else "--runs" if args.runs else "--scorecard-id"
    if path is None:
        raise UsageError(f"evalkit compare: {asked} reads runs from a history store: give --store PATH or set {ENV_VAR}")
    if args.inputs:
        raise UsageError(f"evalkit compare: {asked} compares two runs of the history store {path}; it does not take "
                         f"result files or a SCORECARD (found {' '.join(args.inputs)}). Give either BEFORE AFTER files, "
                         "or --store PATH with --runs A B or --scorecard-id ID --periods P1 P2")
    extra = [o for o, v in (("--data", args.data), ("--units", args.units)) if v]
    if extra:
        raise UsageError(f"evalkit compare: {' and '.join(extra)} belong with SCORECARD and --periods P1 P2; stored "
                         "runs (--store) are compared as they were stored")
    if args.runs and (args.scorecard_id or args.periods):
        given = " and ".join(o for o, v in (("--scorecard-id", args.scorecard_id), ("--periods", args.periods)) if v)
        raise UsageError(f"evalkit compare: give the stored runs either by id (--runs A B) or by scorecard and "
                         f"period (--scorecard-id ID --periods P1 P2), not both (found --runs with {given})")
    if args.runs:
        wanted: list = [str(r) for r in args.runs]
    elif args.scorecard_id and args.periods:
        before, after = (str(p) for p in args.periods)
        if before == after:
            raise UsageError(f"evalkit compare: --periods names {before!r} twice; give two different periods")
        wanted = [(args.scorecard_id, before), (args.scorecard_id, after)]
    elif args.scorecard_id:
        raise UsageError("evalkit compare: --scorecard-id ID needs --periods P1 P2 (the latest stored run of each "
                         "period is compared)")
    elif args.periods:
        raise UsageError("evalkit compare: with --store, --periods P1 P2 needs --scorecard-id ID (the scorecard whose "
                         "stored runs are compared; `evalkit history` lists them)")
    else:
        raise UsageError("evalkit compare: --store PATH needs --runs A B (run ids as `evalkit history` lists them) "
                         "or --scorecard-id ID --periods P1 P2")
    with Store.open(path, create=False) as store:
        ids = [store.run_id(w) for w in wanted]
        if ids[0] == ids[1]:
            raise UsageError(f"evalkit compare: --runs names run {ids[0]} twice; give two different runs")
        names = tuple(f"{path} run {i}" for i in ids)
        docs = [check_result(load_run(store, i), name) for i, name in zip(ids, names)]
    return docs[0], docs[1], names


def _evaluate_periods(args: argparse.Namespace, periods) -> list[dict]:
    import evalkit
    from evalkit.cli import registry_from

    registry = registry_from(args)
    scorecard = evalkit.load_scorecard(args.inputs[0], registry)
    for warning in scorecard.warnings:
        print(f"evalkit: warning: {warning}", file=sys.stderr)
    units = evalkit.load_units(args.units, registry)
    return [evalkit.evaluate(scorecard, evalkit.load_data(args.data, units, scorecard, period=p)).to_dict() for p in periods]


def cmd_compare(args: argparse.Namespace) -> int:
    from evalkit.analysis.transitions import MarkedRule, compare, rectification

    store = _store_path(args)
    check_output(args, [*args.inputs, store])
    before, after, names = _load(args, store)
    marked = args.marked
    if marked is not None and args.marked_among != marked.among:
        marked = MarkedRule(marked.kind, marked.threshold, args.marked_among)
    elif marked is None and args.marked_among != "stayed":
        raise UsageError("evalkit compare: --marked-among needs --marked KIND:N")
    comparison = compare(before, after, marked, allow_different_scorecards=args.allow_different_scorecards, sources=names)
    for warning in comparison.warnings:
        print(f"evalkit: warning: {warning}", file=sys.stderr)
    rect = None
    if args.rectify or args.bottom:
        rect = rectification(after, bottom=args.bottom, weakest=args.weakest)
    lang = args.lang or ("zh" if not str(after["scorecard"]["name"].get("zh", "")).isascii() else "en")
    if args.format == "json":
        doc = comparison.to_dict(args.decimals)
        if rect is not None:
            doc["rectification"] = rect.to_dict()
        content = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
    else:
        content = render_text(comparison, rect, lang, args.decimals, args.list_units, after)
    if args.output:
        from evalkit.io.output import write_atomic

        write_atomic(args.output, content)
        print(f"wrote {args.output} ({len(comparison.moves)} units compared, format {args.format})", file=sys.stderr)
    else:
        sys.stdout.write(content)
    return 0


# --------------------------------------------------------------------------------------------------
# Text


def width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in text)


def _pad(text: str, n: int, right: bool = False) -> str:
    fill = " " * max(0, n - width(text))
    return fill + text if right else text + fill


def _table(rows: list[list[str]], right_from: int = 1, indent: str = "  ") -> list[str]:
    widths = [max(width(r[k]) for r in rows) for k in range(len(rows[0]))]
    return [(indent + "  ".join(_pad(c, widths[k], right=k >= right_from) for k, c in enumerate(r))).rstrip() for r in rows]


def _scorecard_name(side: dict, lang: str) -> str:
    name = side["name"]
    return name.get(lang) or name.get("zh") or name.get("en") or side["scorecard"]


def render_text(comparison, rect, lang: str, decimals: int, list_units: bool, after_doc=None) -> str:
    t = TEXT[lang]
    b, a = comparison.before, comparison.after
    pb, pa = str(b["period"]), str(a["period"])
    label = lambda g: comparison.label(g, lang)  # noqa: E731
    out = [f"{t['title']}: {_scorecard_name(a, lang)} ({a['scorecard']}), {pb} → {pa}"]
    counts = [t["in_both"].format(n=len(comparison.moves)), t["only"].format(n=len(comparison.only_before), p=pb),
              t["only"].format(n=len(comparison.only_after), p=pa)]
    if comparison.ungraded:
        counts.append(t["ungraded"].format(n=len(comparison.ungraded)))
    out.append(("；" if lang == "zh" else "; ").join(counts))
    if comparison.marked_rule is not None:
        out.append(t["rule"].format(r=comparison.marked_rule.describe(lang)))

    grades = comparison.grade_ids
    matrix = comparison.counts()
    out += ["", t["matrix"].format(a=pb, b=pa)]
    rows = [[""] + [label(g) for g in grades] + [t["total"]]]
    for g, row in zip(grades, matrix):
        rows.append([label(g)] + [str(c) for c in row] + [str(sum(row))])
    rows.append([t["total"]] + [str(sum(col)) for col in zip(*matrix)] + [str(len(comparison.moves))])
    out += _table(rows)

    out += ["", t["per_tier"]]
    head = [t["tier"].format(a=pb), t["units"], t["up"], t["stayed"], t["down"]]
    if comparison.marked_rule is not None:
        head.append(t["marked"])
    rows = [head]
    tiers = comparison.tiers()
    for k, tier in enumerate(tiers):
        row = [label(tier.grade), str(len(tier.units)),
               "—" if k == 0 else tier.up.text(decimals), tier.stayed.text(decimals),
               "—" if k == len(tiers) - 1 else tier.down.text(decimals)]
        if tier.marked is not None:
            row.append(tier.marked.text(decimals))
        rows.append(row)
    out += _table(rows)

    moves = [(tier, g) for tier in tiers for g in grades if g != tier.grade and tier.to[g].count]
    if moves:
        out += ["", t["moves"]]
        out += _table([[f"{label(tier.grade)} → {label(g)}", tier.to[g].text(decimals)] for tier, g in moves])

    if list_units:
        out += ["", t["units_behind"]]
        for tier in tiers:
            for key, share in (("up", tier.up), ("stayed", tier.stayed), ("down", tier.down), ("marked", tier.marked)):
                if share is not None and share.count:
                    out.append(f"  {label(tier.grade)} {t[key]} ({share.count}): {', '.join(share.units)}")

    for key, units, period in (("only_before", comparison.only_before, pb), ("only_after", comparison.only_after, pa)):
        if units:
            out += ["", t[key].format(p=period)]
            out += [f"  {u['id']} {u['name']} ({label(u['grade']) if u['grade'] else '—'}, {u['total']})" for u in units]
    if comparison.ungraded:
        out += ["", t["no_grade"]]
        out += [f"  {u['id']} {u['name']}" for u in comparison.ungraded]

    if rect is not None:
        out.append("")
        if rect.rule["kind"] == "lowest_grade":
            what = t["lowest"].format(g=comparison.label(rect.rule["grade"], lang))
        else:
            extra = rect.rule["ties_included"]
            what = t["bottom"].format(spec=rect.rule["spec"], k=rect.rule["places"], n=rect.rule["of"],
                                      ties=t["ties"].format(t=extra) if extra else "")
        zh = lang == "zh"
        out.append(t["rectify"].format(p=rect.period, rule=what) + (f"（{len(rect.units)} 个）" if zh else f" ({len(rect.units)})"))
        for u in rect.units:
            items = ("；" if zh else "; ").join(
                f"{(i['name'].get(lang) or i['id'])} {i['points']}/{i['max_points']}" for i in u["weakest_items"])
            grade = label(u["grade"]) if u["grade"] else "—"
            out.append(f"  {t['rank']} {u['rank']}  {u['id']} {u['name']}"
                       + (f"（{grade}，{u['total']} 分）{t['weakest']}：{items}" if zh
                          else f" ({grade}, {u['total']}): {t['weakest']}: {items}"))
    return "\n".join(out) + "\n"
