"""Comparing two evaluations from files, two periods of one data set, or two runs of a history store.

`compare_report` is what `evalkit compare` does, in one call: it reads the two results (checked with
`check_result`), compares them (`evalkit.analysis.transitions.compare`) and, when asked, lists AFTER's units
for rectification. The result's `to_dict()` is the JSON the command prints, `to_text()` its text.

Stored runs (evalkit.store.history) are read with `load_run` and checked like a file, and give the same
comparison as the same runs exported with `evalkit run --format json -o` (only the "source" of each side
differs: "STORE run N" instead of the file name). --runs or --scorecard-id without --store read
$EVALKIT_STORE. A run not in the store is invalid data (exit 3); a file that is not a usable store keeps
the store's own errors (exit 6, or 5 when it cannot be read, is damaged or does not exist: comparing never
creates a store).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from evalkit.analysis.transitions import (
    Comparison,
    MarkedRule,
    Rectification,
    check_result,
    compare,
    read_result,
    rectification,
)
from evalkit.errors import DataError, Problem, UsageError
from evalkit.io.safe_text import terminal_text

if TYPE_CHECKING:
    from evalkit.plugins.manager import Registry

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


@attrs.frozen
class ComparisonReport:
    """A comparison of two results and, when asked, AFTER's rectification list: what `evalkit compare` shows."""

    comparison: Comparison
    rectification: Rectification | None
    after: Mapping[str, Any]  # the later result document (names and weakest items for the text)
    decimals: int = 1
    register: Mapping[str, Mapping[str, Any]] | None = None  # unit -> its register entry (AFTER a stored run)

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.comparison.warnings

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (`evalkit compare --format json`)."""
        doc = self.comparison.to_dict(self.decimals)
        if self.rectification is not None:
            doc["rectification"] = self.rectification.to_dict()
            if self.register is not None:
                for u in doc["rectification"]["units"]:
                    u["register"] = dict(self.register[u["id"]]) if u["id"] in self.register else None
        return doc

    def default_lang(self) -> str:
        """zh when the later result's scorecard has a Chinese name, en otherwise."""
        return "zh" if not str(self.after["scorecard"]["name"].get("zh", "")).isascii() else "en"

    def to_text(self, lang: str | None = None, list_units: bool = False) -> str:
        """The text report: matrix, shares per starting tier, moves, units not compared, rectification list."""
        return render_text(self.comparison, self.rectification, lang or self.default_lang(), self.decimals, list_units,
                           self.after, self.register)


def comparison_store(store: str | None, runs: Sequence[Any] | None = None, scorecard_id: str | None = None) -> str | None:
    """The history store to read: `store` (--store), else $EVALKIT_STORE when runs or a scorecard id ask for stored runs."""
    from evalkit.store.history import store_path

    if store:
        return store
    if runs or scorecard_id:
        return store_path(None)
    return None


def compare_report(inputs: Sequence[str | os.PathLike[str]] = (), *, scorecard: str | os.PathLike[str] | None = None,
                   data: str | os.PathLike[str] | None = None, units: str | os.PathLike[str] | None = None,
                   periods: Sequence[str] | None = None, store: str | None = None, runs: Sequence[Any] | None = None,
                   scorecard_id: str | None = None, marked: MarkedRule | str | None = None, marked_among: str = "stayed",
                   allow_different_scorecards: bool = False, rectify: bool = False, bottom: str | None = None,
                   weakest: int = 3, decimals: int = 1, registry: Registry | Callable[[], Registry] | None = None,
                   warn: Callable[[str], None] | None = None) -> ComparisonReport:
    """Compare BEFORE and AFTER given as two result files (`inputs`), one `scorecard` (or `inputs` = [scorecard]) with
    `data`, `units` and two `periods`, or two runs of a history store (`store` and `runs`, or `scorecard_id` and `periods`).

    `marked` declares "improved markedly" (KIND:N), counted among units that stayed (`marked_among`) or all;
    `rectify` lists AFTER's lowest tier, `bottom` its bottom N % or N units, with `weakest` items each.
    `registry` (or a function making one, called only when scoring) and `warn` (scorecard warnings) serve the
    periods form. UsageError for a combination of inputs that does not name two results.
    """
    if scorecard is not None:
        if inputs:
            raise UsageError("evalkit compare: give the scorecard once, as `scorecard` or in `inputs`")
        inputs = [scorecard]
    paths = [os.fspath(p) for p in inputs]
    data = os.fspath(data) if data is not None else None
    units = os.fspath(units) if units is not None else None
    if isinstance(marked, str):
        marked = MarkedRule.parse(marked)
    path = comparison_store(store, runs, scorecard_id)
    if store or runs or scorecard_id:
        asked = "--store" if store else "--runs" if runs else "--scorecard-id"
        before, after, names = _stored(asked, path, paths, data, units, periods, runs, scorecard_id)
    else:
        before, after, names = _files(paths, data, units, periods, registry, warn)
    if marked is not None and marked_among != marked.among:
        marked = MarkedRule(marked.kind, marked.threshold, marked_among)
    elif marked is None and marked_among != "stayed":
        raise UsageError("evalkit compare: --marked-among needs --marked KIND:N")
    comparison = compare(before, after, marked, allow_different_scorecards=allow_different_scorecards, sources=names)
    rect = rectification(after, bottom=bottom, weakest=weakest) if rectify or bottom else None
    register = None
    if rect is not None and path is not None and (store or runs or scorecard_id):
        register = stored_register(path, runs[1] if runs else (str(scorecard_id), str((periods or ["", ""])[1]))) or None
    return ComparisonReport(comparison=comparison, rectification=rect, after=after, decimals=decimals, register=register)


REGISTER_STATUS_ZH = {"open": "待整改", "in_progress": "整改中", "done": "已完成待核验", "closed": "已销号",
                      "overdue": "逾期"}


def register_text(entry: Mapping[str, Any] | None, zh: bool) -> str:
    """One unit's register entry in a line (compare --rectify on stored runs)."""
    if entry is None:
        return "整改台账：无条目" if zh else "register: no entry"
    if zh:
        return (f"整改台账 #{entry['entry']}（运行 {entry['run']}）：责任人 {entry['owner'] or '—'}，"
                f"整改时限 {entry['deadline']}，状态 {REGISTER_STATUS_ZH.get(entry['status'], entry['status'])}")
    return (f"register entry {entry['entry']} (run {entry['run']}): owner {entry['owner'] or '—'}, "
            f"deadline {entry['deadline']}, status {entry['status']}")


def stored_register(path: str, after: Any) -> dict[str, dict[str, Any]]:
    """Unit -> {entry, run, owner, deadline, status} of its register entry as seen from the stored run AFTER
    (evalkit.store.rectification.entries_for_run); empty when no unit has one (the list is then printed as for
    result files, without register lines)."""
    from evalkit.store.history import Store
    from evalkit.store.rectification import entries_for_run

    with Store.open(path, create=False) as opened:
        found = entries_for_run(opened, after)
    return {unit: {"entry": e.id, "run": e.run, "owner": e.owner, "deadline": e.deadline, "status": e.status}
            for unit, e in found.items()}


def _files(inputs: Sequence[str], data: str | None, units: str | None, periods: Sequence[str] | None,
           registry: Registry | Callable[[], Registry] | None,
           warn: Callable[[str], None] | None) -> tuple[dict, dict, tuple[str, str]]:
    """(before document, after document, names) from two files, or two periods of one data set."""
    if periods:
        if len(inputs) != 1:
            raise UsageError("evalkit compare: with --periods give one SCORECARD (with --data and --units), or "
                             "--scorecard-id ID to compare stored runs; found "
                             f"{len(inputs)} files ({' '.join(inputs)})")
        missing = [o for o, v in (("--data", data), ("--units", units)) if not v]
        if missing or data is None or units is None:
            raise UsageError(f"evalkit compare: --periods needs {' and '.join(missing)}")
        before, after = (str(p) for p in periods)
        if before == after:
            raise UsageError(f"evalkit compare: --periods names {before!r} twice; give two different periods")
        docs = evaluate_periods(inputs[0], data, units, (before, after), registry, warn)
        return docs[0], docs[1], (f"{data} period {before}", f"{data} period {after}")
    extra = [o for o, v in (("--data", data), ("--units", units)) if v]
    if extra:
        raise UsageError(f"evalkit compare: {' and '.join(extra)} go with SCORECARD and --periods P1 P2; "
                         "to compare two result files give just BEFORE AFTER")
    if len(inputs) != 2:
        raise UsageError(f"evalkit compare: expected two result files BEFORE AFTER (or SCORECARD with --periods, or "
                         f"--store PATH with --runs A B), found {len(inputs)}")
    return read_result(inputs[0]), read_result(inputs[1]), (inputs[0], inputs[1])


def _stored(asked: str, path: str | None, inputs: Sequence[str], data: str | None, units: str | None,
            periods: Sequence[str] | None, runs: Sequence[Any] | None,
            scorecard_id: str | None) -> tuple[dict, dict, tuple[str, str]]:
    """(before document, after document, names) from two runs of a history store (evalkit.store.history.load_run)."""
    from evalkit.store.history import ENV_VAR, Store

    if path is None:
        raise UsageError(f"evalkit compare: {asked} reads runs from a history store: give --store PATH or set {ENV_VAR}")
    if inputs:
        raise UsageError(f"evalkit compare: {asked} compares two runs of the history store {path}; it does not take "
                         f"result files or a SCORECARD (found {' '.join(inputs)}). Give either BEFORE AFTER files, "
                         "or --store PATH with --runs A B or --scorecard-id ID --periods P1 P2")
    extra = [o for o, v in (("--data", data), ("--units", units)) if v]
    if extra:
        raise UsageError(f"evalkit compare: {' and '.join(extra)} belong with SCORECARD and --periods P1 P2; stored "
                         "runs (--store) are compared as they were stored")
    if runs and (scorecard_id or periods):
        given = " and ".join(o for o, v in (("--scorecard-id", scorecard_id), ("--periods", periods)) if v)
        raise UsageError(f"evalkit compare: give the stored runs either by id (--runs A B) or by scorecard and "
                         f"period (--scorecard-id ID --periods P1 P2), not both (found --runs with {given})")
    wanted: list[int | str | tuple[str, str]]
    if runs:
        wanted = [str(r) for r in runs]
    elif scorecard_id and periods:
        before, after = (str(p) for p in periods)
        if before == after:
            raise UsageError(f"evalkit compare: --periods names {before!r} twice; give two different periods")
        wanted = [(scorecard_id, before), (scorecard_id, after)]
    elif scorecard_id:
        raise UsageError("evalkit compare: --scorecard-id ID needs --periods P1 P2 (the latest stored run of each "
                         "period is compared)")
    elif periods:
        raise UsageError("evalkit compare: with --store, --periods P1 P2 needs --scorecard-id ID (the scorecard whose "
                         "stored runs are compared; `evalkit history` lists them)")
    else:
        raise UsageError("evalkit compare: --store PATH needs --runs A B (run ids as `evalkit history` lists them) "
                         "or --scorecard-id ID --periods P1 P2")
    with Store.open(path, create=False) as opened:
        ids = [opened.run_id(w) for w in wanted]
        if ids[0] == ids[1]:
            raise UsageError(f"evalkit compare: --runs names run {ids[0]} twice; give two different runs")
        names = (f"{path} run {ids[0]}", f"{path} run {ids[1]}")
        docs = [_stored_result(opened, i, name) for i, name in zip(ids, names)]
    return docs[0], docs[1], names


def _stored_result(store: Any, run_id: int, name: str) -> dict[str, Any]:
    """A stored run's result, checked as a file's would be; a result evalkit never stores is a hand edit (exit 6)."""
    from evalkit.store.history import StoreError, load_run

    try:
        return check_result(load_run(store, run_id), name)
    except DataError as exc:
        first = exc.problems[0]
        raise StoreError(Problem(f"the history store was changed outside evalkit: table runs, run {run_id}, column result "
                                 f"holds a result evalkit never stores ({first.message}); it was left as it is",
                                 source=str(store.path), path=first.path, expected=first.expected,
                                 found=first.found)) from None


def evaluate_periods(scorecard: str | Path, data: str | Path, units: str | Path, periods: Sequence[str],
                     registry: Registry | Callable[[], Registry] | None = None,
                     warn: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """The result documents of one scorecard scored on each period of one data set (scorecard warnings to `warn`)."""
    import evalkit
    from evalkit.plugins.manager import Registry, default_registry

    if registry is None:
        registry = default_registry()
    elif not isinstance(registry, Registry):
        registry = registry()
    card = evalkit.load_scorecard(scorecard, registry)
    for warning in card.warnings:
        if warn is not None:
            warn(str(warning))
    loaded = evalkit.load_units(units, registry)
    return [evalkit.evaluate(card, evalkit.load_data(data, loaded, card, period=p)).to_dict() for p in periods]


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


def _scorecard_name(side: Mapping[str, Any], lang: str) -> str:
    name = side["name"]
    return name.get(lang) or name.get("zh") or name.get("en") or side["scorecard"]


def render_text(comparison: Comparison, rect: Rectification | None, lang: str, decimals: int, list_units: bool,
                after_doc: Mapping[str, Any] | None = None, register: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """The text report of a comparison (and a rectification list, with each unit's register entry when AFTER is a
    stored run) in the label language."""
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
    shares = [head]
    tiers = comparison.tiers()
    for k, tier in enumerate(tiers):
        line = [label(tier.grade), str(len(tier.units)),
                "—" if k == 0 else tier.up.text(decimals), tier.stayed.text(decimals),
                "—" if k == len(tiers) - 1 else tier.down.text(decimals)]
        if tier.marked is not None:
            line.append(tier.marked.text(decimals))
        shares.append(line)
    out += _table(shares)

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
            if register is not None:
                out.append("    " + register_text(register.get(u["id"]), zh))
    return terminal_text("\n".join(out)) + "\n"  # names from files send no escape sequence
