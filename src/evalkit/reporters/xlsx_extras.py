"""The workbook's sheets for the extras: 等次变动 (tier transitions), 标杆对比 (benchmarks), 目标进度 (targets).

Added by `evalkit.reporters.xlsx` only when `ReportOptions.extras` holds them; every figure is the
library's (see `evalkit.reporters.extras`), stored as a number with a number format.

等次变动 / Tier transitions is three tables, one under the other, with the first frozen:
1. the matrix: a row per tier in the earlier result, a column per tier in this run, and totals;
2. per starting tier: its units, and the count and share (of the tier's units) that moved up, stayed,
   moved down and, with a marked rule, improved markedly;
3. a row per unit compared: both tiers, the move, both totals and ranks, the change in total and the
   places gained (and whether it improved markedly); then the units that were not compared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.reporters.common import band_tint, label
from evalkit.reporters.extras import (
    MOVE_TINTS,
    STATUS_TINTS,
    benchmark_rows,
    direction_text,
    status_label,
    target_rows,
    transition_view,
)
from evalkit.reporters.xlsx_writer import HEADER_STYLE, Cell, Column, Style, Workbook

if TYPE_CHECKING:
    from evalkit.analysis.benchmarks import Benchmarks
    from evalkit.analysis.targets import Assessment
    from evalkit.analysis.transitions import Comparison
    from evalkit.reporters.base import ReportExtras
    from evalkit.scoring.evaluation import Evaluation

GENERAL = Style()
INT = Style(num_format="0")
PERCENT = Style(num_format="0.0%")
BOLD = Style(bold=True)
NOTE = Style(colour="#52606d")


def signed_format(decimals: int) -> str:
    """A number format that always shows the sign of a gap or a change: +1.50, -0.25, 0.00."""
    body = "0" if decimals <= 0 else "0." + "0" * decimals
    return f"+{body};-{body};{body}"


def add_extra_sheets(book: Workbook, ev: Evaluation, extras: ReportExtras, order: list[int], lang: str, points: Style) -> None:
    decimals = ev.scorecard.rounding_decimals
    ids = [ev.units.ids[i] for i in order]
    rank_of = {ev.units.ids[i]: int(ev.ranks[i]) for i in order}
    if extras.transitions is not None:
        _transitions(book, extras.transitions, lang, points, decimals)
    if extras.benchmarks is not None:
        _benchmarks(book, extras.benchmarks, ids, rank_of, lang, decimals)
    if extras.targets is not None:
        _targets(book, extras.targets, ids, rank_of, lang, decimals)


# --------------------------------------------------------------------------------------------------


def _transitions(book: Workbook, comparison: Comparison, lang: str, points: Style, decimals: int) -> None:
    view = transition_view(comparison, lang)
    n = len(view.labels)
    pb, pa = view.before_period, view.after_period
    head = lambda text: Cell(text, HEADER_STYLE)  # noqa: E731
    tiers = [Cell(t, Style(fill=band_tint(k, n))) for k, t in enumerate(view.labels)]
    change = Style(num_format=signed_format(decimals))
    places = Style(num_format="+0;-0;0")
    marked = comparison.marked_rule is not None

    share_keys = [("up", "moved_up"), ("stayed", "stayed"), ("down", "moved_down")] + (
        [("marked", "improved_markedly")] if marked else [])
    unit_keys = ["tier_before", "tier_after", "move", "id", "unit", "total_before", "total_after", "total_change",
                 "rank_before", "rank_after", "rank_change"] + (["improved_markedly"] if marked else [])
    width = max(n + 2, 2 + 2 * len(share_keys), len(unit_keys))
    header = [view.corner()] + list(view.labels) + [label("sum", lang)]
    columns = [Column(h) for h in header] + [Column("") for _ in range(width - len(header))]

    def rows():
        # 1. The matrix
        for k, row in enumerate(view.counts):
            cells: list[Any] = [tiers[k]]
            for j, c in enumerate(row):
                move = "stayed" if j == k else "up" if j < k else "down"
                cells.append(Cell(c, Style(fill=MOVE_TINTS[move])) if c else c)
            yield cells + [Cell(sum(row), BOLD)]
        totals = [sum(col) for col in zip(*view.counts)] if view.counts else []
        yield [Cell(label("sum", lang), BOLD)] + [Cell(t, BOLD) for t in totals] + [Cell(len(comparison.moves), BOLD)]
        yield [Cell(label("matrix_legend", lang).format(a=pb, b=pa), NOTE)]
        yield []
        # 2. Per starting tier
        sub = [label("tier_in", lang).format(p=pb), label("count", lang)]
        for _, key in share_keys:
            sub += [label(key, lang), label("share_of_tier", lang)]
        yield [head(h) for h in sub]
        for k, tier in enumerate(view.tiers):
            cells = [tiers[k], len(tier.units)]
            for attr, _ in share_keys:
                share = getattr(tier, attr)
                cells += [share.count, Cell(float(share.fraction), PERCENT)]
            yield cells
        for line in view.summary_lines():
            yield [Cell(line, NOTE)]
        yield []
        # 3. The units behind every move, then the units not compared
        heads = {"tier_before": label("tier_in", lang).format(p=pb), "tier_after": label("tier_in", lang).format(p=pa),
                 "move": label("move", lang), "id": label("id", lang), "unit": label("unit", lang),
                 "total_before": label("total_in", lang).format(p=pb), "total_after": label("total_in", lang).format(p=pa),
                 "total_change": label("total_change", lang), "rank_before": label("rank_in", lang).format(p=pb),
                 "rank_after": label("rank_in", lang).format(p=pa), "rank_change": label("rank_change", lang),
                 "improved_markedly": label("improved_markedly", lang)}
        yield [Cell(label("units_behind", lang), BOLD)]
        yield [head(heads[k]) for k in unit_keys]
        index = {g: k for k, g in enumerate(comparison.grade_ids)}
        moves = sorted(comparison.moves, key=lambda m: (index[m.before["grade"]], index[m.after["grade"]],
                                                        m.after["rank"], m.id))
        move_label = {"up": label("moved_up", lang), "stayed": label("stayed", lang), "down": label("moved_down", lang)}
        for m in moves:
            d = m.to_dict(comparison.marked_rule)
            cells = [tiers[index[m.before["grade"]]], tiers[index[m.after["grade"]]],
                     Cell(move_label[m.direction], Style(fill=MOVE_TINTS[m.direction])), m.id, m.name,
                     Cell(m.before["total"], points), Cell(m.after["total"], points), Cell(d["total_gain"], change),
                     m.before["rank"], m.after["rank"], Cell(d["rank_gain"], places)]
            if marked:
                cells.append(label("yes", lang) if d["improved_markedly"] else None)
            yield cells
        for units, what, before in ((comparison.only_before, label("only_in_short", lang).format(p=pb), True),
                                    (comparison.only_after, label("only_in_short", lang).format(p=pa), False)):
            for u in units:
                grade = view.labels[index[u["grade"]]] if u["grade"] in index else None
                total = Cell(u["total"], points) if u["total"] is not None else None
                if before:
                    yield [grade, None, what, u["id"], u["name"], total, None, None, u["rank"], None]
                else:
                    yield [None, grade, what, u["id"], u["name"], None, total, None, None, u["rank"]]
        for u in comparison.ungraded:
            b, a = u["before"], u["after"]
            yield [view.labels[index[b["grade"]]] if b["grade"] in index else None,
                   view.labels[index[a["grade"]]] if a["grade"] in index else None,
                   label("ungraded_short", lang), u["id"], u["name"],
                   Cell(b["total"], points) if b["total"] is not None else None,
                   Cell(a["total"], points) if a["total"] is not None else None, None, b["rank"], a["rank"]]

    book.add_sheet(label("sheet_transitions", lang), columns, rows(), freeze=(1, 1), autofilter=False)


def _benchmarks(book: Workbook, bm: Benchmarks, ids: list[str], rank_of: dict, lang: str, decimals: int) -> None:
    stat = Style(num_format="0" if decimals <= 0 else "0." + "0" * decimals)
    gap = Style(num_format=signed_format(decimals))
    keys = [("rank", INT), ("id", GENERAL), ("unit", GENERAL), ("peer_group", GENERAL), ("indicator", GENERAL),
            ("name", GENERAL), ("measure", GENERAL), ("direction", GENERAL), ("value", GENERAL), ("peers", INT),
            ("peer_rank", INT), ("peer_median", stat), ("top_decile", stat), ("gap_median", gap), ("gap_top_decile", gap)]
    columns = [Column(label(k, lang), style) for k, style in keys]
    below = Style(num_format=gap.num_format, colour="#c92a2a")

    def rows():
        for r in benchmark_rows(bm, ids, lang):
            gaps = [r.get("gap_median"), r.get("gap_top_decile")]
            yield [rank_of.get(r["unit"]), r["unit"], r["name"], r["group"], r["indicator"], r["indicator_name"],
                   r["measure"], direction_text(r["direction"], lang), r["value"], r["peers"], r["rank"],
                   r.get("median"), r.get("top_decile"),
                   *(Cell(g, below) if g is not None and g < 0 else g for g in gaps)]

    book.add_sheet(label("sheet_benchmarks", lang), columns, rows(), freeze=(1, 3))


def _targets(book: Workbook, assessment: Assessment, ids: list[str], rank_of: dict, lang: str, decimals: int) -> None:
    stat = Style(num_format="0" if decimals <= 0 else "0." + "0" * decimals)
    keys = [("rank", INT), ("id", GENERAL), ("unit", GENERAL), ("indicator", GENERAL), ("name", GENERAL),
            ("measure", GENERAL), ("direction", GENERAL), ("baseline_period", GENERAL), ("baseline", GENERAL),
            ("target", GENERAL), ("due", GENERAL), ("expected", stat), ("actual", GENERAL), ("progress", PERCENT),
            ("status", GENERAL)]
    columns = [Column(label(k, lang), style) for k, style in keys]
    position = {uid: k for k, uid in enumerate(ids)}
    rows_ = sorted(target_rows(assessment, lang), key=lambda r: position.get(r["unit"], len(position)))  # stable
    styles = {s: Style(fill=tint) for s, tint in STATUS_TINTS.items()}

    def rows():
        for r in rows_:
            yield [rank_of.get(r["unit"]), r["unit"], r["name"], r["indicator"], r["indicator_name"], r["measure"],
                   direction_text(r["direction"], lang), r["baseline_period"], r["baseline"], r["target"], r["due"],
                   r["expected"], r["actual"], r["progress"], Cell(r["status_label"], styles[r["status"]])]

    book.add_sheet(label("sheet_targets", lang), columns, rows(), freeze=(1, 3))


def about_rows(extras: ReportExtras, lang: str) -> list[list]:
    """Lines for the About sheet: what the extras are, and the conventions behind their figures."""
    sep = "；" if lang == "zh" else "; "
    rows: list[list] = []
    if extras.transitions is not None:
        view = transition_view(extras.transitions, lang)
        rows.append([label("transitions", lang), sep.join(view.summary_lines())])
        for warning in extras.transitions.warnings:
            rows.append([label("transitions", lang), warning])
    if extras.benchmarks is not None:
        rows.append([label("benchmarks", lang), label("peers_by", lang).format(by=extras.benchmarks.peer_group)])
        rows.append([label("benchmarks", lang), label("gap_note", lang)])
    if extras.targets is not None:
        text = sep.join(f"{status_label(s, lang)} {v}" for s, v in extras.targets.counts().items())
        rows.append([label("targets", lang), f"{extras.targets.period}{'：' if lang == 'zh' else ': '}{text}"])
        rows.append([label("targets", lang), label("status_rule", lang)])
    return rows
