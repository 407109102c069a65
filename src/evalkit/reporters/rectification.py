"""The rectification register section of the xlsx, html and markdown reports (整改台账): the entries a stored run's
report receives in `ReportOptions.extras.rectification` (`evalkit run --store`, evalkit.store.rectification.
report_entries), one row each: entry, unit, why it was opened, weak items, measures, owner, deadline, status.
Nothing when there are none."""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING, Any

from evalkit.definition.model import Item
from evalkit.reporters.markdown import md

if TYPE_CHECKING:
    from evalkit.reporters.base import ReportOptions
    from evalkit.scoring.evaluation import Evaluation
    from evalkit.store.rectification import Register

STATUS_ZH = {"open": "待整改", "in_progress": "整改中", "done": "已完成待核验", "closed": "已销号", "overdue": "逾期"}
HEAD = {"en": ("Entry", "Run", "Unit", "Reasons", "Weak items", "Measures", "Owner", "Deadline", "Status"),
        "zh": ("编号", "运行", "单位", "列入原因", "薄弱指标", "整改措施", "责任人", "整改时限", "状态")}


def reason_text(reason: str, ev: Evaluation, lang: str) -> str:
    """A stored reason (evalkit.store.rectification writes them as fixed English phrases) in the report's
    language: 'grade lagging' -> 等次：后进; the grade code becomes its label in either language."""
    bands = {band.grade: band.label.text(lang) for band in ev.scorecard.grading.bands} if ev.scorecard.grading else {}
    if m := re.fullmatch(r"grade (.+)", reason):
        label = bands.get(m.group(1), m.group(1))
        return f"等次：{label}" if lang == "zh" else f"grade {label}"
    if lang != "zh":
        return reason
    if m := re.fullmatch(r"in the bottom (.+)", reason):
        return f"排名后 {m.group(1)}"
    if m := re.fullmatch(r"items below (.+) of their points", reason):
        return f"有指标得分低于其分值的 {m.group(1)}"
    if m := re.fullmatch(r"missed targets: (.+)", reason):
        return f"未达改进目标：{m.group(1)}"
    return reason


def entries_of(options: ReportOptions | object) -> Register | None:
    """The register entries the report received (None: not a stored run, or none)."""
    register = getattr(getattr(options, "extras", None), "rectification", None)
    return register if register is not None and register.entries else None


def title(lang: str) -> str:
    return "整改台账" if lang == "zh" else "Rectification register"


def register_rows(ev: Evaluation, register: Register, lang: str) -> tuple[tuple[str, ...], list[list[str]]]:
    """(header, rows): one row per entry, items by their names in the label language."""
    zh = lang == "zh"
    names = dict(zip(ev.units.ids, ev.units.names))
    items = {node.id: node.name.text(lang) for node, _, _ in ev.scorecard.walk() if isinstance(node, Item)}
    rows = []
    for e in register.entries:
        weak = ("；" if zh else "; ").join(f"{items.get(w['item']) or w['item']} {w['points']}/{w['max_points']}"
                                          for w in e.weak_items)
        rows.append([str(e.id), "" if e.run is None else str(e.run), f"{names.get(e.unit) or e.name or ''} ({e.unit})",
                     ("；" if zh else "; ").join(reason_text(r, ev, lang) for r in e.reasons), weak, e.measures, e.owner, e.deadline,
                     STATUS_ZH.get(e.status, e.status) if zh else e.status.replace("_", " ")])
    return HEAD["zh" if zh else "en"], rows


def register_lines(ev: Evaluation, options: ReportOptions, lang: str) -> list[str]:
    """The markdown section, as lines ([] without entries)."""
    register = entries_of(options)
    if register is None:
        return []
    head, rows = register_rows(ev, register, lang)
    lines = [f"## {title(lang)}", "", "| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    lines += ["| " + " | ".join(md(c) for c in cells) + " |" for cells in rows]
    lines.append("")
    return lines


def register_html(ev: Evaluation, options: ReportOptions, lang: str) -> str:
    """The html section ("" without entries)."""
    register = entries_of(options)
    if register is None:
        return ""
    head, rows = register_rows(ev, register, lang)
    out = [f'<section id="rectification"><h2>{escape(title(lang))}</h2>\n<div class="wrap"><table><thead><tr>',
           "".join(f"<th>{escape(h)}</th>" for h in head), "</tr></thead><tbody>\n"]
    out += [f'<tr class="status-{escape(e.status)}">' + "".join(f"<td>{escape(v)}</td>" for v in cells) + "</tr>\n"
            for e, cells in zip(register.entries, rows)]
    out.append("</tbody></table></div></section>\n")
    return "".join(out)


def add_register_sheet(book: Any, ev: Evaluation, options: ReportOptions, lang: str) -> None:
    """The xlsx sheet (整改台账), one row per entry, when the report received entries."""
    from evalkit.reporters.xlsx_writer import Column, Style

    register = entries_of(options)
    if register is None:
        return
    head, rows = register_rows(ev, register, lang)
    values: list[list[Any]] = [[int(cells[0]), int(cells[1]) if cells[1] else None, *cells[2:]] for cells in rows]
    book.add_sheet(title(lang), [Column(h, Style()) for h in head], values, freeze=(1, 3))
