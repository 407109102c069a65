"""The clause section of the reports (扣分明细): every clause that applied to a unit, how often, its points.

One row per unit and applied clause of a clause item (rule `clauses`), in ranking order; a
discretionary clause's records add their reasons, evidence and assessors. The markdown, HTML and xlsx
reporters each lay these rows out in their own way (`markdown_section`, `html_section`, `sheet_rows`).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import attrs

from evalkit.rules.base import fmt
from evalkit.scoring.clauses import breakdown_of

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation

LABELS = {
    "section": ("扣分明细（评分细则）", "Clauses that applied"),
    "sheet": ("扣分明细", "Clauses"),
    "rank": ("排名", "Rank"),
    "id": ("编号", "ID"),
    "unit": ("单位", "Unit"),
    "item": ("指标", "Item"),
    "clause": ("条款", "Clause"),
    "kind": ("加/扣", "Kind"),
    "occurrences": ("次数", "Times"),
    "points": ("分值", "Points"),
    "capped": ("封顶", "Capped"),
    "records": ("事由与佐证", "Reasons and evidence"),
    "deduct": ("扣分", "deduction"),
    "add": ("加分", "addition"),
    "yes": ("是", "yes"),
    "flagged": ("未附佐证（已标记）", "no evidence (flagged)"),
    "not_counted": ("未附佐证，按规定不计", "no evidence: not counted"),
}


def text(key: str, lang: str) -> str:
    zh, en = LABELS[key]
    return zh if lang == "zh" else en


@attrs.frozen
class ClauseRow:
    rank: int
    unit: str
    name: str
    item: str
    clause: str
    kind: str
    occurrences: float
    points: float
    capped: bool
    records: str  # reasons, evidence and assessors of a discretionary clause's records


KEYS = ("rank", "id", "unit", "item", "clause", "kind", "occurrences", "points", "capped", "records")


def clause_rows(ev: Evaluation, lang: str) -> list[ClauseRow]:
    """Every applied clause of every unit, in ranking order (empty when the scorecard has no clause items)."""
    found = [(r.item, b, r.missing) for r in ev.items.values() if (b := breakdown_of(r)) is not None]
    if not found:
        return []
    by_record: dict[tuple[str, str], list[str]] = {}
    for rec in ev.clause_records:
        parts = [x for x in (fmt(rec.points), rec.reason, rec.evidence, rec.authority) if x]
        by_record.setdefault((rec.unit, rec.item), []).append(" · ".join(parts))
    ranks = ev.ranks.tolist()
    rows = []
    for i in (int(k) for k in ev.order()):
        uid = ev.units.ids[i]
        for item, breakdown, missing in found:
            if missing[i]:  # scored by the item's missing-data policy, not by its clauses
                continue
            unsupported = dict(breakdown.without_evidence(i))
            for clause, occ, moved in breakdown.applied(i):
                notes = by_record.get((uid, clause.id), []) + ([text("flagged", lang)] if clause in unsupported else [])
                rows.append(ClauseRow(rank=ranks[i], unit=uid, name=ev.units.names[i], item=item.name.text(lang) or item.id,
                                      clause=clause.text.text(lang) or clause.id, kind=text(clause.kind, lang),
                                      occurrences=occ, points=moved, capped=breakdown.capped(i, clause),
                                      records="; ".join(notes)))
            for clause in (c for c, what in unsupported.items() if what == "not_counted"):
                rows.append(ClauseRow(rank=ranks[i], unit=uid, name=ev.units.names[i], item=item.name.text(lang) or item.id,
                                      clause=clause.text.text(lang) or clause.id, kind=text(clause.kind, lang),
                                      occurrences=0, points=0, capped=False, records=text("not_counted", lang)))
    return rows


def cells(row: ClauseRow, lang: str) -> list[str]:
    return [str(row.rank), row.unit, row.name, row.item, row.clause, row.kind, fmt(row.occurrences), fmt(row.points),
            text("yes", lang) if row.capped else "", row.records]


def markdown_section(ev: Evaluation, lang: str, md: object) -> list[str]:
    """The section as Markdown lines (`md` escapes a cell), or no lines."""
    rows = clause_rows(ev, lang)
    if not rows:
        return []
    escape_md = md if callable(md) else str
    numeric = {"rank", "occurrences", "points"}
    lines = [f"## {text('section', lang)}", "", "| " + " | ".join(text(k, lang) for k in KEYS) + " |",
             "|" + "|".join("---:" if k in numeric else "---" for k in KEYS) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(escape_md(c) for c in cells(row, lang)) + " |")
    lines.append("")
    return lines


def html_section(ev: Evaluation, lang: str) -> str:
    """The section as HTML (every cell escaped), or "" when no clause applied."""
    rows = clause_rows(ev, lang)
    if not rows:
        return ""
    numeric = {"rank", "occurrences", "points"}
    out = [f'<section id="clauses"><h2>{escape(text("section", lang))}</h2>\n<div class="wrap"><table><thead><tr>',
           "".join(f'<th{" class=n" if k in numeric else ""}>{escape(text(k, lang))}</th>' for k in KEYS),
           "</tr></thead><tbody>\n"]
    for row in rows:
        out.append("<tr>" + "".join(f'<td{" class=n" if k in numeric else ""}>{escape(c)}</td>'
                                    for k, c in zip(KEYS, cells(row, lang))) + "</tr>\n")
    out.append("</tbody></table></div></section>\n")
    return "".join(out)


def sheet_rows(ev: Evaluation, lang: str) -> tuple[list[str], list[list[object]]]:
    """Headers and rows for the xlsx sheet (numbers as numbers)."""
    rows = [[r.rank, r.unit, r.name, r.item, r.clause, r.kind, r.occurrences, r.points,
             text("yes", lang) if r.capped else "", r.records] for r in clause_rows(ev, lang)]
    return [text(k, lang) for k in KEYS], rows
