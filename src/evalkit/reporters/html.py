"""One self-contained HTML file: ranking, charts (inline SVG) and every unit's explanation.

It opens from a USB stick on an offline machine: the stylesheet, the charts and the small script are
inline; there are no fonts, images or scripts from anywhere else. Every text from the scorecard,
the units file or the adjustments is escaped.

Contents, in the order of the page:
- title, period, number of units, scorecard id and version; the mean, median, highest and lowest total;
- charts: the grade distribution, a histogram of the totals with the band thresholds, and each top
  dimension's mean score against its maximum (summaries, whatever the number of units);
- the ranking table (rank, unit, top dimension scores, adjustments, total, grade, notes): with the
  script it is paged, searchable, filterable by grade and sortable; without it every row shows;
- bonus, deduction and veto records with reason, evidence and authority (when the run had them);
- with extras (`evalkit run --compare-with / --benchmarks / --targets`, see `html_extras`): tier
  transitions (matrix, shares per tier as a chart, the units behind each move), benchmarks per
  indicator and peer group, and target status; without them the page is exactly as before;
- a collapsed section per unit (<details>) with its dimension scores as a bar chart (the dashed
  line is the mean of all units) and the lines of `Evaluation.explain` (with extras: its move between
  tiers, its benchmark gaps and its targets with their status). Up to STATIC_CHARTS units the
  charts are in the file; above that the script draws a unit's chart when its section is opened, so
  that a report of 10,000 units stays small and quick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from evalkit.reporters.base import Reporter, ReportOptions
from evalkit.reporters.clause_report import html_section
from evalkit.reporters.clause_report import text as clause_text
from evalkit.reporters.common import (
    NO_GRADE_COLOUR,
    GradeRow,
    TopNode,
    adjustment_net,
    band_colour,
    distribution,
    label,
    notes,
    points_text,
    top_nodes,
)
from evalkit.reporters.extras import extras_of
from evalkit.reporters.html_assets import CSS, PRINT_OPEN, SCRIPT
from evalkit.reporters.html_extras import CSS as EXTRA_CSS
from evalkit.reporters.html_extras import HtmlExtras
from evalkit.reporters.html_parts import STATIC_CHARTS, badge, e, json_script, label_width, svg
from evalkit.reporters.html_rows import ranking_rows, unit_heads
from evalkit.reporters.source_report import html_section as assessor_html
from evalkit.reporters.source_report import text as assessor_text
from evalkit.reporters.source_report import unit_evidence_html
from evalkit.reporters.summary import summary_header
from evalkit.rules.base import fmt
from evalkit.scoring.rounding import round_array

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation

PAGE_SIZES = (25, 50, 100, 500, 0)  # 0: all
BAR_COLOUR = "#3d73b8"
HISTOGRAM_BINS = 20


def render_html(evaluation: Evaluation, options: ReportOptions) -> str:
    lang = options.lang
    ev = evaluation
    sc = ev.scorecard
    d = sc.rounding_decimals
    n = len(ev.units)
    order = [int(i) for i in ev.order()]
    tops = top_nodes(ev, lang)
    bands = sc.grading.bands if sc.grading else ()
    nb = len(bands)
    title = sc.name.text(lang)
    totals = np.asarray(ev.totals, dtype=np.float64)
    means = [float(np.nanmean(t.scores)) if n and not np.all(np.isnan(t.scores)) else 0.0 for t in tops]
    geometry = _chart_geometry(tops)
    static = n <= STATIC_CHARTS
    given = extras_of(options)
    extras = HtmlExtras(ev, given, order, lang) if given is not None else None

    out: list[str] = []
    w = out.append
    w("<!DOCTYPE html>\n")
    w(f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    w(f'<meta name="generator" content="evalkit {e(_version())}">\n')
    w(f"<title>{e(title)} · {e(ev.period)}</title>\n")
    w(f"<style>{CSS}{_grade_css(nb)}{EXTRA_CSS if extras is not None else ''}</style>\n")
    w(f'<script>document.documentElement.className = "js";{PRINT_OPEN}</script>\n</head>\n<body>\n')

    # Title and key figures
    w(f"<header><h1>{e(title)}</h1>\n")
    meta = [f"{label('period', lang)}: {ev.period}", f"{label('units_count', lang)}: {n}{label('units_suffix', lang)}",
            f"{label('total_points', lang)}: {fmt(cast(float, sc.total_points))}",  # fmt writes n/a for none
            f"{label('scorecard_id', lang)}: {sc.id}" + (f" ({sc.version})" if sc.version else "")]
    missing = ev.missing_data().summary(lang)
    w(f'<p class="meta">{" · ".join(e(m) for m in meta)}</p>'
      + (f'<p class="meta missing">{e(missing)}</p>' if missing else "") + '</header>\n')
    has_adjust = ev.adjusted is not None and len(ev.adjusted.records) > 0
    toc = [("charts", label("charts", lang)), ("ranking", label("ranking", lang))]
    if has_adjust:
        toc.append(("adjustments", label("adjust_section", lang)))
    clauses = html_section(ev, lang)  # 扣分明细: the clauses of clause items that applied
    if clauses:
        toc.append(("clauses", clause_text("section", lang)))
    assessors = assessor_html(ev, lang)  # 自评与考评: each source's total and 自评虚高
    if assessors:
        toc.append(("assessors", assessor_text("section", lang)))
    if extras is not None:
        toc += extras.toc()
    toc.append(("units", label("units_section", lang)))
    w('<nav class="toc">' + "".join(f'<a href="#{k}">{e(v)}</a>' for k, v in toc) + "</nav>\n")
    w('<div class="cards">')
    valid = totals[~np.isnan(totals)]
    stats = [(label("units_count", lang), str(n))]
    if valid.size:
        stats += [(label(k, lang), points_text(round_array(v, d, sc.rounding_mode), d)) for k, v in (
            ("mean", valid.mean()), ("median", np.median(valid)), ("highest", valid.max()), ("lowest", valid.min()))]
    for name, value in stats:
        w(f"<div class=\"card\"><b>{e(value)}</b><span>{e(name)}</span></div>")
    w("</div>\n")

    # Summary charts
    w(f'<section id="charts"><h2>{e(label("charts", lang))}</h2>\n<div class="charts">\n')
    dist = distribution(ev, lang)
    w(f"<figure><figcaption>{e(label('distribution', lang))}</figcaption>{_distribution_svg(dist, nb, lang)}</figure>\n")
    w(f"<figure><figcaption>{e(label('histogram', lang))}</figcaption>{_histogram_svg(ev, totals, lang)}"
      f'<p class="hint">{e(label("histogram_legend", lang))}</p></figure>\n')
    if tops:
        w(f"<figure><figcaption>{e(label('dimension_means', lang))}</figcaption>"
          f"{_means_svg(tops, means, geometry, d, lang)}"
          f'<p class="hint">{e(label("means_legend", lang))}</p></figure>\n')
    w("</div></section>\n")

    # Ranking table
    header = summary_header(ev, lang) + [label("notes", lang)]
    net = adjustment_net(ev)
    numeric_cols = set(range(3, 3 + len(tops) + (net is not None) + 1)) | {0}
    w(f'<section id="ranking"><h2>{e(label("ranking", lang))}</h2>\n')
    w(_tools(dist, lang))
    w('<div class="wrap"><table id="rank"><thead><tr>')
    grade_col = len(header) - 2  # sorted by the band's position (data-v), shown as its label
    for k, h in enumerate(header):
        kind = "n" if k in numeric_cols or k == grade_col else "t"
        w(f'<th data-c="{kind}"{" class=n" if k in numeric_cols else ""}>{e(h)}</th>')
    w("</tr></thead>\n<tbody>\n")
    ids = ev.units.ids
    scores = [t.scores for t in tops]
    note_list = notes(ev, lang)
    badges = [badge(k, b.label.text(lang), b.grade) for k, b in enumerate(bands)]
    codes = [b.grade for b in bands]
    positions = np.asarray(order, dtype=np.int64)
    w(ranking_rows(ev, positions, scores, net, note_list, badges, codes, d))
    w("</tbody></table></div></section>\n")

    # Bonus, deductions and vetoes
    if has_adjust:
        w(_adjustments_table(ev, order, lang))
    if clauses:
        w(clauses)
    if assessors:
        w(assessors)

    from evalkit.reporters.rewards import reward_html

    w(reward_html(ev, lang))  # 考核结果运用, when the scorecard declares rewards
    from evalkit.reporters.rectification import register_html

    w(register_html(ev, options, lang))  # 整改台账, for a stored run with register entries

    # Tier transitions, benchmarks, targets
    if extras is not None:
        w(extras.sections())

    # One section per unit
    w(f'<section id="units"><h2>{e(label("units_section", lang))}</h2>\n')
    w(f'<p class="hint">{e(label("unit_legend", lang))}'
      + (f' {e(label("large_note", lang))}' if not static else "") + "</p>\n")
    heads = unit_heads(ev, positions, scores, badges, d, static)
    for k, i in enumerate(order):
        uid = ids[i]
        w(heads[k])
        if static and tops:
            w(chart_svg([float(s[i]) for s in scores], tops, means, geometry, d, lang))
        lines = ev.explain(uid, lang)[1:]
        w(f'</div><pre class="ex">{e(chr(10).join(lines))}</pre>{unit_evidence_html(ev, i, lang)}'
          f'{extras.unit(uid) if extras is not None else ""}'
          "</div></details>\n")
    w("</section>\n")
    w(f'<footer>evalkit {e(_version())} · {e(sc.id)} · {e(ev.period)}</footer>\n')

    config = {
        "labels": {k: label(k, lang) for k in ("page_info",)},
        "decimals": d,
        "dims": [{"name": t.name, "max": t.max, "maxText": fmt(t.max), "mean": m} for t, m in zip(tops, means)],
        "chart": {**geometry, "colour": BAR_COLOUR, "title": label("unit_chart", lang)},
    }
    w(f'<script type="application/json" id="ek-data">{json_script(config)}</script>\n')
    w(f"<script>{SCRIPT}</script>\n")
    if extras is not None:
        w(extras.script())
    w("</body>\n</html>\n")
    return "".join(out)


def _version() -> str:
    from evalkit import __version__

    return __version__


def _grade_css(count: int) -> str:
    rules = [f".g{k}{{background:{band_colour(k, count)}}}" for k in range(count)]
    rules.append(f".gx{{background:{NO_GRADE_COLOUR}}}")
    return "\n" + "\n".join(rules) + "\n"


def _tools(dist: list[GradeRow], lang: str) -> str:
    grades = "".join(f'<option value="{e(r.grade)}">{e(r.label)}</option>' for r in dist if r.position is not None)
    sizes = "".join(f'<option value="{s}"{" selected" if s == 50 else ""}>{s if s else e(label("all", lang))}</option>'
                    for s in PAGE_SIZES)
    return ('<div class="tools">'
            f'<input id="q" type="search" placeholder="{e(label("search", lang))}" aria-label="{e(label("search", lang))}">'
            f'<select id="gsel" aria-label="{e(label("grade", lang))}"><option value="">{e(label("all_grades", lang))}</option>'
            f"{grades}</select>"
            f'<label>{e(label("page_size", lang))} <select id="psel">{sizes}</select></label>'
            f'<button id="prev" type="button">{e(label("prev", lang))}</button>'
            f'<button id="next" type="button">{e(label("next", lang))}</button>'
            '<output id="pinfo"></output></div>\n')


# --------------------------------------------------------------------------------------------------
# Charts (inline SVG)


def _chart_geometry(tops: list[TopNode]) -> dict[str, int]:
    """Sizes of the per-unit dimension chart, shared with the script that draws it in large reports."""
    label_w = label_width([t.name for t in tops])
    return {"label": label_w, "bar": 220, "row": 24, "top": 6, "width": label_w + 220 + 110}


def chart_svg(values: list[float], tops: list[TopNode], means: list[float], geometry: dict[str, int], decimals: int, lang: str) -> str:
    """One unit's top-dimension scores as horizontal bars; the dashed line marks the mean of all units."""
    g = geometry
    parts = []
    for j, (top, value, mean) in enumerate(zip(tops, values, means)):
        y = g["top"] + j * g["row"]
        frac = _frac(value, top.max)
        parts.append(f'<text x="{g["label"] - 6}" y="{y + 12}" text-anchor="end">{e(top.name)}</text>'
                     f'<rect x="{g["label"]}" y="{y + 2}" width="{g["bar"]}" height="14" rx="2" fill="#e4e9f0"/>'
                     f'<rect x="{g["label"]}" y="{y + 2}" width="{g["bar"] * frac:.1f}" height="14" rx="2" fill="{BAR_COLOUR}"/>')
        if top.max > 0:
            mx = g["label"] + g["bar"] * _frac(mean, top.max)
            parts.append(f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{y}" y2="{y + 18}" stroke="#1f2933" stroke-width="1.5" '
                         'stroke-dasharray="2 2"/>')
        parts.append(f'<text x="{g["label"] + g["bar"] + 8}" y="{y + 12}">{points_text(value, decimals)} / {fmt(top.max)}</text>')
    height = g["top"] + len(tops) * g["row"]
    return svg(g["width"], height, label("unit_chart", lang), "".join(parts), "dimchart")


def _frac(value: float | None, maximum: float) -> float:
    if value is None or maximum <= 0 or np.isnan(value):
        return 0.0
    return float(min(max(value / maximum, 0.0), 1.0))


def _means_svg(tops: list[TopNode], means: list[float], geometry: dict[str, int], decimals: int, lang: str) -> str:
    """Each top dimension: the mean bar, and a thin line from the lowest to the highest unit."""
    g = geometry
    parts = []
    for j, (top, mean) in enumerate(zip(tops, means)):
        y = g["top"] + j * g["row"]
        valid = top.scores[~np.isnan(top.scores)]
        parts.append(f'<text x="{g["label"] - 6}" y="{y + 12}" text-anchor="end">{e(top.name)}</text>'
                     f'<rect x="{g["label"]}" y="{y + 2}" width="{g["bar"]}" height="14" rx="2" fill="#e4e9f0"/>'
                     f'<rect x="{g["label"]}" y="{y + 2}" width="{g["bar"] * _frac(mean, top.max):.1f}" height="14" rx="2" '
                     f'fill="{BAR_COLOUR}"/>')
        if valid.size and top.max > 0:
            lo = g["label"] + g["bar"] * _frac(float(valid.min()), top.max)
            hi = g["label"] + g["bar"] * _frac(float(valid.max()), top.max)
            parts.append(f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{y + 20}" y2="{y + 20}" stroke="#7b8794" stroke-width="2"/>')
        mean_text = points_text(round_array(mean, decimals), decimals)
        parts.append(f'<text x="{g["label"] + g["bar"] + 8}" y="{y + 12}">{mean_text} / {fmt(top.max)}</text>')
    height = g["top"] + len(tops) * g["row"] + 4
    return svg(g["width"], height, label("dimension_means", lang), "".join(parts), "means")


def _distribution_svg(rows: list[GradeRow], band_count: int, lang: str) -> str:
    label_w = label_width([r.label for r in rows])
    bar_w, row_h = 260, 26
    biggest = max((r.count for r in rows), default=0) or 1
    parts = []
    for j, r in enumerate(rows):
        y = 6 + j * row_h
        colour = band_colour(r.position, band_count) if r.position is not None else NO_GRADE_COLOUR
        width = bar_w * r.count / biggest
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{e(r.label)}</text>'
                     f'<rect x="{label_w}" y="{y + 2}" width="{width:.1f}" height="16" rx="2" fill="{colour}"/>'
                     f'<text x="{label_w + width + 6:.1f}" y="{y + 14}">{r.count} ({r.share * 100:.1f}%)</text>')
    width = label_w + bar_w + 90
    return svg(width, 10 + len(rows) * row_h, label("distribution", lang), "".join(parts), "dist")


def _histogram_svg(ev: Evaluation, totals: np.ndarray, lang: str) -> str:
    """Counts of totals in 20 equal bins over 0..total points (wider if totals fall outside); band thresholds dashed."""
    sc = ev.scorecard
    valid = totals[~np.isnan(totals)]
    lo = min(0.0, float(valid.min())) if valid.size else 0.0
    hi = max(float(sc.total_points or 0.0), float(valid.max()) if valid.size else 0.0) or 1.0
    edges = np.linspace(lo, hi, HISTOGRAM_BINS + 1)
    counts, _ = np.histogram(valid, bins=edges)
    bands = sc.grading.bands if sc.grading else ()
    left, top, plot_w, plot_h, bottom = 36, 34, 520, 150, 20
    base = top + plot_h  # the x axis
    biggest = int(counts.max()) if counts.size and counts.max() > 0 else 1
    bin_w = plot_w / HISTOGRAM_BINS
    parts = [f'<line x1="{left}" x2="{left + plot_w}" y1="{base}" y2="{base}" stroke="#9aa5b1"/>',
             f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" class="muted">{biggest}</text>',
             f'<text x="{left - 4}" y="{base}" text-anchor="end" class="muted">0</text>']

    def x_of(v: float) -> float:
        return left + plot_w * (v - lo) / (hi - lo)

    for k, c in enumerate(counts.tolist()):
        mid = (edges[k] + edges[k + 1]) / 2
        position = next((p for p, b in enumerate(bands) if mid >= b.min), None)
        colour = band_colour(position, len(bands)) if position is not None else NO_GRADE_COLOUR
        h = plot_h * c / biggest
        if c:
            parts.append(f'<rect x="{left + k * bin_w + 1:.1f}" y="{base - h:.1f}" width="{bin_w - 2:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"><title>{fmt(edges[k])}–{fmt(edges[k + 1])}: {c}</title></rect>')
    for tick in np.linspace(lo, hi, 5):
        parts.append(f'<text x="{x_of(tick):.1f}" y="{base + bottom - 4}" text-anchor="middle" class="muted">'
                     f"{fmt(float(round_array(tick, 2)))}</text>")
    shown = [b for b in bands if lo < b.min < hi]
    for k, b in enumerate(sorted(shown, key=lambda b: b.min)):  # labels alternate in height so that they never overlap
        x = x_of(b.min)
        y = top - 6 - 13 * (k % 2)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 2}" y2="{base}" stroke="#52606d" stroke-dasharray="3 3"/>'
                     f'<text x="{x + 3:.1f}" y="{y}" class="muted">{e(b.label.text(lang))}</text>')
    return svg(left + plot_w + 40, base + bottom + 2, label("histogram", lang), "".join(parts), "hist")


def _adjustments_table(ev: Evaluation, order: list[int], lang: str) -> str:
    sc = ev.scorecard
    targets = sc.adjustment_targets()
    position = {i: k for k, i in enumerate(order)}
    index = ev.units.index
    records = sorted(ev.adjusted.records if ev.adjusted is not None else (),
                     key=lambda r: position.get(index.get(r.unit, -1), len(order)))
    keys = ("id", "unit", "kind", "adj_item", "claimed", "reason", "evidence", "authority")
    out = [f'<section id="adjustments"><h2>{e(label("adjust_section", lang))}</h2>\n<div class="wrap"><table><thead><tr>',
           "".join(f'<th{" class=n" if k == "claimed" else ""}>{e(label(k, lang))}</th>' for k in keys),
           "</tr></thead><tbody>\n"]
    for r in records:
        i = index.get(r.unit)
        k = position.get(i) if i is not None else None
        target = targets.get(r.item)
        kind = getattr(target, "kind", "veto") if target is not None else ""
        name = ev.units.names[i] if i is not None else ""
        unit = f'<a href="#u{k}">{e(name)}</a>' if k is not None else e(name)
        out.append(f"<tr><td><code>{e(r.unit)}</code></td><td>{unit}</td><td>{e(label(f'kind_{kind}', lang) if kind else '')}</td>"
                   f"<td>{e(target.name.text(lang) if target is not None else r.item)}</td>"
                   f'<td class="n">{e(fmt(r.points) if r.points is not None else "")}</td><td>{e(r.reason)}</td>'
                   f"<td>{e(r.evidence)}</td><td>{e(r.authority)}</td></tr>\n")
    out.append("</tbody></table></div></section>\n")
    return "".join(out)


HTML_REPORTER = Reporter(name="html", extension=".html", render=render_html,
                         description="Self-contained HTML report: ranking, charts and every unit's explanation (opens offline)",
                         extras=("transitions", "benchmarks", "targets", "rectification"))
