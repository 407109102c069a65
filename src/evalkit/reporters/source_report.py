"""Report parts for self and superior assessment (自评与考评) and for evidence references (佐证).

`markdown_section`, `html_section` and `sheet_rows` lay out one row per unit with each assessment
source's own total, the self-assessment's gap to the superior's and the 自评虚高 flag (nothing when the
run did not combine sources). `unit_evidence` gives one unit's evidence references per item, for the
xlsx item detail and the html unit sections.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from evalkit.rules.base import fmt

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation

LABELS = {
    "section": ("各方评分（自评与考评）", "Scores by assessor (self and superior)"),
    "sheet": ("自评与考评", "Assessors"),
    "rank": ("排名", "Rank"),
    "id": ("编号", "ID"),
    "unit": ("单位", "Unit"),
    "total": ("综合得分", "Combined total"),
    "gap": ("自评高出", "Self minus superior"),
    "flag": ("自评虚高", "Overrated self-assessment"),
    "evidence": ("佐证", "Evidence"),
    "no_evidence": ("未附佐证", "no evidence"),
}


def text(key: str, lang: str) -> str:
    zh, en = LABELS[key]
    return zh if lang == "zh" else en


def _headers(ev: Evaluation, lang: str) -> list[str]:
    a = ev.assessment
    assert a is not None
    heads = [text("rank", lang), text("id", lang), text("unit", lang), text("total", lang)]
    heads += [a.label(s, lang) for s in a.source_totals]
    if a.gaps is not None:
        heads += [text("gap", lang), text("flag", lang)]
    return heads


def sheet_rows(ev: Evaluation, lang: str) -> tuple[list[str], list[list[object]]]:
    """Headers and rows (numbers as numbers, None for missing); no rows without assessment sources."""
    a = ev.assessment
    if a is None:
        return [], []
    rows: list[list[object]] = []
    for i in (int(k) for k in ev.order()):
        total = float(ev.totals[i])
        row: list[object] = [int(ev.ranks[i]), ev.units.ids[i], ev.units.names[i], None if total != total else total]
        row += [None if t[i] != t[i] else float(t[i]) for t in a.source_totals.values()]
        if a.gaps is not None:
            row += [None if a.gaps[i] != a.gaps[i] else float(a.gaps[i]), a.flag_text(i, lang)]
        rows.append(row)
    return _headers(ev, lang), rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return fmt(value)
    return str(value)


def markdown_section(ev: Evaluation, lang: str, md: object) -> list[str]:
    """The section as Markdown lines (`md` escapes a cell), or no lines."""
    heads, rows = sheet_rows(ev, lang)
    if not rows:
        return []
    escape_md = md if callable(md) else str
    lines = [f"## {text('section', lang)}", "", "| " + " | ".join(escape_md(h) for h in heads) + " |",
             "|" + "|".join("---" if k in (1, 2) or (k == len(heads) - 1 and ev.assessment is not None
                            and ev.assessment.gaps is not None) else "---:" for k in range(len(heads))) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(escape_md(_cell(c)) for c in row) + " |")
    lines.append("")
    return lines


def html_section(ev: Evaluation, lang: str) -> str:
    """The section as HTML (every cell escaped), or "" without assessment sources."""
    heads, rows = sheet_rows(ev, lang)
    if not rows:
        return ""
    out = [f'<section id="assessors"><h2>{escape(text("section", lang))}</h2>\n<div class="wrap"><table><thead><tr>',
           "".join(f"<th>{escape(h)}</th>" for h in heads), "</tr></thead><tbody>\n"]
    for row in rows:
        out.append("<tr>" + "".join(f'<td{" class=n" if isinstance(c, (int, float)) else ""}>{escape(_cell(c))}</td>'
                                    for c in row) + "</tr>\n")
    out.append("</tbody></table></div></section>\n")
    return "".join(out)


def item_evidence(ev: Evaluation, item_id: str, i: int, lang: str) -> str:
    """One unit's evidence references for one item ("indicator: reference; ..."), and 未附佐证 where lacking."""
    item = ev.items[item_id].item
    parts = []
    for name in item.indicators:
        refs = ev.evidence.get(name)
        ref = str(refs[i]) if refs is not None and refs[i] else ""
        lacking = ev.lacking_evidence.get(name)
        if ref:
            parts.append(ref if len(item.indicators) == 1 else f"{name}: {ref}")
        elif lacking is not None and lacking[i]:
            parts.append(text("no_evidence", lang) if len(item.indicators) == 1 else f"{name}: {text('no_evidence', lang)}")
    return "; ".join(parts)


def has_evidence(ev: Evaluation) -> bool:
    return bool(ev.evidence) or bool(ev.lacking_evidence)


def unit_evidence_html(ev: Evaluation, i: int, lang: str) -> str:
    """The html unit section's evidence list (佐证: item, reference), or "" when the unit has none."""
    if not has_evidence(ev):
        return ""
    entries = [(r.item.name.text(lang) or item_id, found) for item_id, r in ev.items.items()
               if (found := item_evidence(ev, item_id, i, lang))]
    if not entries:
        return ""
    return (f'<div class="ev"><b>{escape(text("evidence", lang))}</b><ul>'
            + "".join(f"<li>{escape(name)}：{escape(ref)}</li>" if lang == "zh" else f"<li>{escape(name)}: {escape(ref)}</li>"
                      for name, ref in entries) + "</ul></div>")
