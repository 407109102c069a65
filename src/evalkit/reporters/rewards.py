"""The rewards section of the markdown and html reports (考核结果运用): each unit's coefficient, share and honours,
when the scorecard declares rewards (evalkit.analysis.rewards); nothing otherwise."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from evalkit.reporters.markdown import md

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation


def reward_rows(ev: Evaluation, lang: str) -> tuple[list[str], list[list[str]], list[bool], str] | None:
    """(header, rows, numeric columns, the totals line), or None without rewards."""
    rewards = ev.rewards()
    if rewards is None:
        return None
    zh = lang == "zh"
    names = dict(zip(ev.units.ids, ev.units.names))
    grades = {b.grade: b.label.text(lang) for b in (ev.scorecard.grading.bands if ev.scorecard.grading else ())}
    doc: dict[str, Any] = rewards.to_dict()
    with_pool = rewards.pool_cents is not None
    head = ["排名" if zh else "Rank", "单位" if zh else "Unit", "等次" if zh else "Grade", "系数" if zh else "Coefficient",
            *((f"奖励（{rewards.currency}）" if zh else f"Share ({rewards.currency})",) if with_pool else ()),
            "评先评优资格" if zh else "Honours"]
    rows = [[str(u["rank"] or ""), names.get(u["unit"]) or u["unit"], grades.get(u["grade"], u["grade"] or ""), u["coefficient"],
             *((u["share"],) if with_pool else ()), "、".join(u["honours"])] for u in doc["units"]]
    numeric = [False, False, False, True, *((True,) if with_pool else ()), False]
    total = ""
    if with_pool:
        total = (f"奖励总额 {doc['pool']}，已分配 {doc['distributed']}，未分配 {doc['undistributed']}" if zh else
                 f"Pool {doc['pool']}, distributed {doc['distributed']}, undistributed {doc['undistributed']}")
    return head, rows, numeric, total


def row_md(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def align_md(numeric: list[bool]) -> str:
    return "|" + "|".join(" ---: " if n else " --- " for n in numeric) + "|"


def title(lang: str) -> str:
    return "考核结果运用" if lang == "zh" else "Rewards"


def reward_lines(ev: Evaluation, lang: str) -> list[str]:
    """The markdown section, as lines."""
    found = reward_rows(ev, lang)
    if found is None:
        return []
    head, rows, numeric, total = found
    lines = [f"## {title(lang)}", "", row_md(head), align_md(numeric)]
    lines += [row_md([cells[0], md(cells[1]), md(cells[2]), *cells[3:-1], md(cells[-1])]) for cells in rows]
    if total:
        lines += ["", total]
    lines.append("")
    return lines


def reward_html(ev: Evaluation, lang: str) -> str:
    """The html section ("" without rewards)."""
    found = reward_rows(ev, lang)
    if found is None:
        return ""
    head, rows, numeric, total = found
    cls = [' class="n"' if n else "" for n in numeric]
    out = [f'<section id="rewards"><h2>{escape(title(lang))}</h2>\n<div class="wrap"><table><thead><tr>',
           "".join(f"<th{c}>{escape(h)}</th>" for h, c in zip(head, cls)), "</tr></thead><tbody>\n"]
    out += ["<tr>" + "".join(f"<td{c}>{escape(v)}</td>" for v, c in zip(cells, cls)) + "</tr>\n" for cells in rows]
    out.append("</tbody></table></div>" + (f"<p>{escape(total)}</p>" if total else "") + "</section>\n")
    return "".join(out)


def add_reward_sheet(book: Any, ev: Evaluation, lang: str) -> None:
    """The xlsx sheet (考核结果运用), when the scorecard declares rewards: shares as numbers to the cent."""
    from evalkit.reporters.xlsx_writer import Cell, Column, Style

    found = reward_rows(ev, lang)
    if found is None:
        return
    head, rows, numeric, total = found
    money = Style(num_format="#,##0.00")
    columns = [Column(h, money if n and k == 4 else Style()) for k, (h, n) in enumerate(zip(head, numeric))]
    values: list[list[Any]] = []
    for cells in rows:
        row: list[Any] = [int(cells[0]) if cells[0] else None, cells[1], cells[2], cells[3]]
        if len(cells) == 6:
            whole, _, cents = cells[4].partition(".")
            row.append(int(whole) + int(cents) / 100)  # the cent amount, shown with two decimals
        row.append(cells[-1])
        values.append(row)
    if total:
        values.append([Cell(total, Style(bold=True))])
    book.add_sheet(title(lang), columns, values, freeze=(1, 2))
