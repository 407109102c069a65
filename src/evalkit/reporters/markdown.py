"""Markdown for publishing the results (公示): title, period, ranking, grade distribution, and the
bonus, deduction and veto records with their reasons and evidence.

Tables are GitHub/CommonMark pipe tables. Text from the scorecard, the units file and the
adjustments is escaped: '|' cannot split a cell, and Markdown or HTML characters print as written.
"""

from __future__ import annotations

import re

from evalkit.reporters.base import Reporter, ReportOptions
from evalkit.reporters.common import adjustment_net, distribution, label, notes, points_text, top_nodes
from evalkit.reporters.summary import summary_header
from evalkit.rules.base import fmt

# The characters that start inline Markdown or HTML anywhere in a line (block syntax such as "1." or
# "-" only counts at the start of a line, which a cell or a heading's text never is).
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")


def md(text) -> str:
    """Text for a table cell or a heading: Markdown punctuation backslash-escaped, line breaks as spaces."""
    text = "" if text is None else str(text)
    text = " ".join(text.replace("\r", "\n").split("\n"))
    return _SPECIAL.sub(r"\\\1", text)


def _row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def _align(numeric: list[bool]) -> str:
    return "|" + "|".join(" ---: " if n else " --- " for n in numeric) + "|"


def render_markdown(evaluation, options: ReportOptions) -> str:
    lang = options.lang
    ev = evaluation
    sc = ev.scorecard
    d = sc.rounding_decimals
    n = len(ev.units)
    zh = lang == "zh"
    colon = "：" if zh else ": "
    lines = [f"# {md(sc.name.text(lang))}", ""]
    lines.append(f"- {label('period', lang)}{colon}{md(ev.period)}")
    lines.append(f"- {label('units_count', lang)}{colon}{n}{label('units_suffix', lang)}")
    lines.append(f"- {label('total_points', lang)}{colon}{md(fmt(sc.total_points))}")
    lines.append(f"- {label('scorecard_id', lang)}{colon}{md(sc.id)}" + (f" ({md(sc.version)})" if sc.version else ""))
    lines.append("")

    # Ranking
    tops = top_nodes(ev, lang)
    net = adjustment_net(ev)
    header = summary_header(ev, lang) + [label("notes", lang)]
    numeric = [True, False, False] + [True] * (len(tops) + (net is not None) + 1) + [False, False]
    lines += [f"## {label('ranking', lang)}", "", _row(md(h) for h in header), _align(numeric)]
    ranks, totals, grades = ev.ranks.tolist(), ev.totals.tolist(), ev.grades.tolist()
    scores = [t.scores.tolist() for t in tops]
    net_list = net.tolist() if net is not None else None
    note_list = notes(ev, lang)
    bands = sc.grading.bands if sc.grading else ()
    grade_labels = [b.label.text(lang) for b in bands]
    for i in ev.order():
        i = int(i)
        g = grades[i]
        cells = [str(ranks[i]), md(ev.units.ids[i]), md(ev.units.names[i])]
        cells += [points_text(s[i], d) for s in scores]
        if net_list is not None:
            cells.append(points_text(net_list[i], d))
        cells += [points_text(totals[i], d), md(grade_labels[g]) if 0 <= g < len(grade_labels) else "", md(note_list[i])]
        lines.append(_row(cells))
    lines.append("")

    # Grade distribution
    lines += [f"## {label('distribution', lang)}", "",
              _row([label("grade", lang), label("min_score", lang), label("count", lang), label("share_units", lang)]),
              _align([False, True, True, True])]
    for r in distribution(ev, lang):
        minimum = f"≥ {fmt(r.min)}" if r.min is not None else ""
        lines.append(_row([md(r.label), minimum, str(r.count), f"{r.share * 100:.1f}%"]))
    lines.append(_row([label("sum", lang), "", str(n), "100.0%" if n else "0.0%"]))
    lines.append("")

    # Bonus, deductions and vetoes, with their reasons
    if ev.adjusted is not None and ev.adjusted.records:
        targets = sc.adjustment_targets()
        order = {int(i): k for k, i in enumerate(ev.order())}
        index = ev.units.index
        records = sorted(ev.adjusted.records, key=lambda r: order.get(index.get(r.unit, -1), n))
        keys = ("id", "unit", "kind", "adj_item", "claimed", "reason", "evidence", "authority")
        lines += [f"## {label('adjust_section', lang)}", "", _row(label(k, lang) for k in keys),
                  _align([k == "claimed" for k in keys])]
        for r in records:
            i = index.get(r.unit)
            target = targets.get(r.item)
            kind = getattr(target, "kind", "veto") if target is not None else ""
            lines.append(_row([md(r.unit), md(ev.units.names[i]) if i is not None else "",
                               label(f"kind_{kind}", lang) if kind else "",
                               md(target.name.text(lang) if target is not None else r.item),
                               fmt(r.points) if r.points is not None else "", md(r.reason), md(r.evidence),
                               md(r.authority)]))
        lines.append("")
    return "\n".join(lines)


MARKDOWN_REPORTER = Reporter(name="markdown", extension=".md", render=render_markdown,
                             description="Markdown for publishing (公示): ranking, grade distribution, adjustments")
