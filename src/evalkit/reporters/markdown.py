"""Markdown for publishing the results (公示): title, period, ranking, grade distribution, and the
bonus, deduction and veto records with their reasons and evidence.

With extras (`evalkit run --compare-with / --benchmarks / --targets`), sections follow: the tier
transitions (the matrix, the per-tier counts and shares, and the units behind each move between
tiers), the benchmark gaps (per unit and indicator: value, peer median, top-decile mean and the gaps)
and the targets (per target: baseline, target, expected, actual, progress and status). Without
extras the text is exactly what it was.

Tables are GitHub/CommonMark pipe tables. Text from the scorecard, the units file and the
adjustments is escaped: '|' cannot split a cell, and Markdown or HTML characters print as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from evalkit.io.safe_text import is_formula_like, terminal_text
from evalkit.reporters.base import Reporter, ReportOptions
from evalkit.reporters.clause_report import markdown_section
from evalkit.reporters.common import adjustment_net, distribution, label, notes, points_text, top_nodes
from evalkit.reporters.extras import extras_of
from evalkit.reporters.source_report import markdown_section as assessor_section
from evalkit.reporters.summary import summary_header
from evalkit.rules.base import fmt

if TYPE_CHECKING:
    from evalkit.reporters.base import ReportExtras
    from evalkit.scoring.evaluation import Evaluation

# The characters that start inline Markdown or HTML anywhere in a line (block syntax such as "1." or
# "-" only counts at the start of a line, which a cell or a heading's text never is).
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")


def md(text: object) -> str:
    """Text for a table cell or a heading: Markdown punctuation backslash-escaped, line breaks as spaces."""
    text = "" if text is None else str(text)
    text = " ".join(text.replace("\r", "\n").split("\n"))
    text = terminal_text(text)  # no ESC or other control character (evalkit.io.safe_text)
    if is_formula_like(text):
        text = "'" + text  # a table pasted into a spreadsheet runs no formula
    return _SPECIAL.sub(r"\\\1", text)


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _align(numeric: list[bool]) -> str:
    return "|" + "|".join(" ---: " if n else " --- " for n in numeric) + "|"


def render_markdown(evaluation: Evaluation, options: ReportOptions) -> str:
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
    lines.append(f"- {label('total_points', lang)}{colon}{md(fmt(cast(float, sc.total_points)))}")  # fmt writes n/a for none
    lines.append(f"- {label('scorecard_id', lang)}{colon}{md(sc.id)}" + (f" ({md(sc.version)})" if sc.version else ""))
    missing = ev.missing_data().summary(lang)
    if missing:  # units without data and blank cells scored 0 or re-weighted, never silent
        lines.append(f"- {md(missing)}")
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
        for rec in records:
            i = index.get(rec.unit)
            target = targets.get(rec.item)
            kind = getattr(target, "kind", "veto") if target is not None else ""
            lines.append(_row([md(rec.unit), md(ev.units.names[i]) if i is not None else "",
                               label(f"kind_{kind}", lang) if kind else "",
                               md(target.name.text(lang) if target is not None else rec.item),
                               fmt(rec.points) if rec.points is not None else "", md(rec.reason), md(rec.evidence),
                               md(rec.authority)]))
        lines.append("")
    from evalkit.reporters.rewards import reward_lines

    lines += reward_lines(ev, lang)
    from evalkit.reporters.rectification import register_lines

    lines += register_lines(ev, options, lang)  # 整改台账, for a stored run with register entries
    lines += markdown_section(ev, lang, md)  # 扣分明细: the clauses of clause items that applied
    lines += assessor_section(ev, lang, md)  # 自评与考评: each source's total and 自评虚高
    extras = extras_of(options)
    if extras is not None:
        lines += extra_sections(ev, extras, lang)
    return terminal_text("\n".join(lines))


def extra_sections(ev: Evaluation, extras: ReportExtras, lang: str) -> list[str]:
    """The sections for the extras, as lines (see the module doc)."""
    from evalkit.reporters.extras import (
        benchmark_rows,
        direction_text,
        number_texts,
        percent_text,
        share_text,
        status_label,
        target_rows,
        tier_shares,
        transition_view,
    )

    d = ev.scorecard.rounding_decimals
    zh = lang == "zh"
    sep = "、" if zh else ", "
    ids = [ev.units.ids[int(i)] for i in ev.order()]
    lines: list[str] = []
    if extras.transitions is not None:
        c = extras.transitions
        view = transition_view(c, lang)
        pb, pa = view.before_period, view.after_period
        lines += [f"## {label('transitions', lang)}", ""]
        lines += [f"- {md(line)}" for line in view.summary_lines()] + [""]
        lines += [_row([md(view.corner())] + [md(t) for t in view.labels] + [label("sum", lang)]),
                  _align([False] + [True] * (len(view.labels) + 1))]
        for t, row in zip(view.labels, view.counts):
            lines.append(_row([md(t)] + [str(x) for x in row] + [str(sum(row))]))
        totals = [sum(col) for col in zip(*view.counts)] if view.counts else []
        lines.append(_row([label("sum", lang)] + [str(x) for x in totals] + [str(len(c.moves))]))
        lines += ["", md(label("matrix_legend", lang).format(a=pb, b=pa)), ""]
        marked = c.marked_rule is not None
        head = [label("tier_in", lang).format(p=pb), label("count", lang), label("moved_up", lang), label("stayed", lang),
                label("moved_down", lang)] + ([label("improved_markedly", lang)] if marked else [])
        lines += [f"### {label('per_tier', lang)}", "", _row(md(h) for h in head), _align([False] + [True] * (len(head) - 1))]
        last = len(view.tiers) - 1
        for k, tier in enumerate(view.tiers):
            possible = dict(tier_shares(tier, first=k == 0, last=k == last))
            cells = [md(view.labels[k]), str(len(tier.units))]
            cells += [share_text(possible[key]) if key in possible else "—" for key in ("up", "stayed", "down")]
            if marked:
                cells.append(share_text(tier.marked))
            lines.append(_row(cells))
        names = {m.id: m.name for m in c.moves}
        moves = view.moves()
        if moves or (marked and any(t.marked.count for t in view.tiers)):
            lines += ["", f"### {label('units_behind', lang)}", ""]
            for i, j, units in moves:
                listed = sep.join(f"{md(names.get(u, ''))} ({md(u)})" for u in units)
                lines.append(f"- {md(view.labels[i])} → {md(view.labels[j])}（{len(units)}）：{listed}" if zh else
                             f"- {md(view.labels[i])} → {md(view.labels[j])} ({len(units)}): {listed}")
            if marked:
                for k, tier in enumerate(view.tiers):
                    if tier.marked.count:
                        listed = sep.join(f"{md(names.get(u, ''))} ({md(u)})" for u in tier.marked.units)
                        what = f"{md(view.labels[k])} · {label('improved_markedly', lang)}"
                        lines.append(f"- {what}（{tier.marked.count}）：{listed}" if zh else f"- {what} ({tier.marked.count}): {listed}")
        for group, what in ((c.only_before, label("only_in_short", lang).format(p=pb)),
                            (c.only_after, label("only_in_short", lang).format(p=pa)),
                            (c.ungraded, label("ungraded_short", lang))):
            if group:
                listed = sep.join(f"{md(u['name'])} ({md(u['id'])})" for u in group)
                lines.append(f"- {md(what)}（{len(group)}）：{listed}" if zh else f"- {md(what)} ({len(group)}): {listed}")
        lines.append("")
    if extras.benchmarks is not None:
        bm = extras.benchmarks
        keys = ("id", "unit", "peer_group", "item", "direction", "value", "peer_median", "top_decile", "gap_median",
                "gap_top_decile")
        lines += [f"## {label('benchmarks', lang)}", "", f"- {md(label('peers_by', lang).format(by=bm.peer_group))}",
                  f"- {md(label('gap_note', lang))}", "", _row(label(k, lang) for k in keys),
                  _align([k in ("value", "peer_median", "top_decile", "gap_median", "gap_top_decile") for k in keys])]
        rows = list(benchmark_rows(bm, ids, lang))
        texts = {key: number_texts([r.get(key) for r in rows], d, signed=key.startswith("gap_"))
                 for key in ("median", "top_decile", "gap_median", "gap_top_decile")}
        values = number_texts([r["value"] for r in rows], 4)
        for k, r in enumerate(rows):
            lines.append(_row([md(r["unit"]), md(r["name"]), md(r["group"]), md(r["indicator_name"]),
                               direction_text(r["direction"], lang), values[k], texts["median"][k], texts["top_decile"][k],
                               texts["gap_median"][k], texts["gap_top_decile"][k]]))
        lines.append("")
    if extras.targets is not None:
        a = extras.targets
        rows = target_rows(a, lang)
        position = {uid: k for k, uid in enumerate(ids)}
        rows.sort(key=lambda r: position.get(r["unit"], len(position)))
        counts = ("；" if zh else "; ").join(f"{status_label(s, lang)} {v}" for s, v in a.counts().items())
        target_keys = ("id", "unit", "item", "baseline", "target", "expected", "actual", "progress", "status")
        lines += [f"## {label('targets', lang)}", "", f"- {label('period', lang)}{'：' if zh else ': '}{md(a.period)}",
                  f"- {label('target_status', lang)}{'：' if zh else ': '}{counts}", f"- {md(label('status_rule', lang))}",
                  "", _row(label(k, lang) for k in target_keys),
                  _align([k in ("baseline", "target", "expected", "actual", "progress") for k in target_keys])]
        texts = {key: number_texts([r[key] for r in rows], 4) for key in ("baseline", "target", "actual")}
        texts["expected"] = number_texts([r["expected"] for r in rows], d)
        for k, r in enumerate(rows):
            lines.append(_row([md(r["unit"]), md(r["name"]), md(r["indicator_name"]),
                               f"{texts['baseline'][k]} ({md(r['baseline_period'])})",
                               f"{texts['target'][k]} ({md(r['due'])})", texts["expected"][k], texts["actual"][k],
                               percent_text(r["progress"]), md(r["status_label"])]))
        lines.append("")
    return lines


MARKDOWN_REPORTER = Reporter(name="markdown", extension=".md", render=render_markdown,
                             description="Markdown for publishing (公示): ranking, grade distribution, adjustments",
                             extras=("transitions", "benchmarks", "targets", "rectification"))
