"""The xlsx and html reports built from whole columns give exactly what the row-by-row code gave.

`Workbook.add_column_sheet` is compared with `Workbook.add_sheet` on the same cells (hypothesis: mixed
values, hostile texts, styles, blocks of any size, sheets that overflow), the xlsx report with a workbook
that turns every column block back into rows, and the html rows with the f-strings they replace.
"""

from __future__ import annotations

import io
import itertools
import math
import re

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.io.data import DataSet, Units
from evalkit.reporters import xlsx
from evalkit.reporters.base import ReportOptions
from evalkit.reporters.common import adjustment_net, notes, points_text, top_nodes
from evalkit.reporters.html_parts import badge, e
from evalkit.reporters.html_rows import escaped, points_column, ranking_rows, unit_heads
from evalkit.reporters.xlsx_writer import Cell, Column, Style, Values, Workbook

from .conftest import QUICKSTART, evaluate_example, render, runnable_examples, synthetic

# Texts a report must carry unchanged: formula prefixes, control characters, html and xml specials, Chinese,
# surrogate-free astral characters, leading and trailing spaces.
HOSTILE = ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "ctl\x01\x07x\x1f", '<b>&amp;"\'</b>',
           "党支部（第一）", "  spaces  ", "😀" * 30, "a" * 80, "<script>alert(1)</script>", "=", "\u2028", "x\0y", ""]
texts = st.one_of(st.sampled_from(HOSTILE), st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12))


class RowWorkbook(Workbook):
    """A Workbook that writes a column sheet the old way: every block turned back into rows for add_sheet."""

    def add_column_sheet(self, name, columns, blocks, freeze=(1, 0), autofilter=True, header_style=None):
        kwargs = {} if header_style is None else {"header_style": header_style}
        self.add_sheet(name, columns, (row for block in blocks for row in zip(*map(decoded, block))),
                       freeze=freeze, autofilter=autofilter, **kwargs)


def decoded(values: Values) -> list:
    if values.numbers is not None:
        return values.numbers.tolist()
    if values.codes is not None:
        return [values.values[int(c)] for c in values.codes]
    return list(values.values)


# --------------------------------------------------------------------------------------------------
# The writer

numbers = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0.0, -0.0, 1.0, 1e16, 2.5, float("nan")]))
styles = st.sampled_from([Style(), Style(bold=True), Style(num_format="0.00"), Style(fill="#aabbcc"), Style(indent=2)])
cell_values = st.one_of(st.none(), texts, numbers, st.booleans(), st.builds(Cell, st.one_of(st.none(), texts, numbers), styles))


@st.composite
def sheets(draw):
    width = draw(st.integers(1, 5))
    height = draw(st.integers(0, 25))
    kinds = draw(st.lists(st.sampled_from(["coded", "plain", "floats", "ints"]), min_size=width, max_size=width))
    columns, block_columns = [], []
    for kind in kinds:
        columns.append(Column(draw(texts) or "h", draw(styles), max_width=draw(st.sampled_from([8.0, 60.0]))))
        if kind == "floats":
            x = np.array(draw(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([-0.0, 0.0]),
                                       min_size=height, max_size=height)), dtype=np.float64)
            block_columns.append(Values(numbers=x))
        elif kind == "ints":
            block_columns.append(Values(numbers=np.array(draw(st.lists(st.integers(-999, 999), min_size=height,
                                                                       max_size=height)), dtype=np.int64)))
        elif kind == "plain":
            block_columns.append(Values(draw(st.lists(cell_values, min_size=height, max_size=height))))
        else:
            distinct = draw(st.lists(cell_values, min_size=1, max_size=6))
            codes = draw(st.lists(st.integers(0, len(distinct) - 1), min_size=height, max_size=height))
            block_columns.append(Values(distinct, codes=np.array(codes, dtype=np.int64)))
    cuts = sorted(draw(st.lists(st.integers(0, height), max_size=4)))
    bounds = [0, *cuts, height]
    blocks = [[v.slice(a, b) for v in block_columns] for a, b in itertools.pairwise(bounds)]
    return columns, blocks


@given(sheet=sheets(), second=sheets(), max_rows=st.sampled_from([4, 7, 1_048_576]))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_column_sheet_is_the_row_sheet(sheet, second, max_rows):
    """Same bytes: shared strings and styles numbered alike, widths alike, rows split over sheets alike."""
    books = []
    for kind in (Workbook, RowWorkbook):
        book = kind(title="t")
        book.max_rows = max_rows
        book.add_sheet("first", [Column("a")], [["shared text"], ["=1"], [Cell("x", Style(bold=True))]])
        for name, (columns, blocks) in (("one", sheet), ("two", second)):
            book.add_column_sheet(name, columns, iter(blocks))
        books.append(book.to_bytes())
    assert books[0] == books[1]


def test_a_column_sheet_reads_back_with_openpyxl():
    book = Workbook()
    codes = np.array([0, 1, 2, 1, 0])
    book.add_column_sheet("s", [Column("n", Style(num_format="0.00")), Column("t")],
                          [[Values(numbers=np.array([1.5, np.nan, -0.0, 1e20, 3.0])),
                            Values(["=SUM(A1)", "党支部", None], codes=codes)]])
    rows = list(openpyxl.load_workbook(io.BytesIO(book.to_bytes()), read_only=True)["s"].iter_rows(values_only=True))
    assert rows == [("n", "t"), (1.5, "=SUM(A1)"), (None, "党支部"), (0, None), (1e20, "党支部"), (3, "=SUM(A1)")]


def test_values_need_one_kind():
    with pytest.raises(ValueError):
        Values()
    with pytest.raises(ValueError):
        Values([1], numbers=np.array([1.0]))


# --------------------------------------------------------------------------------------------------
# The reports


def hostile_evaluation(ids: list[str], names: list[str]):
    scorecard = evalkit.load_scorecard(QUICKSTART / "scorecard.yaml")
    n = len(ids)
    units = Units(ids=tuple(ids), names=tuple(names), types=tuple("部门" for _ in ids), parents=tuple(None for _ in ids))
    rng = np.random.default_rng(n)
    columns = {k: np.where(rng.random(n) < 0.2, np.nan, np.round(rng.uniform(0, 100, n), 1))
               for k in ("meetings_rate", "study_hours", "dues_on_time", "recruitment", "recruitment_plan",
                         "missed_meetings", "satisfaction")}
    return evalkit.evaluate(scorecard, DataSet.from_columns(units, columns, period="2025"))


unit_lists = st.lists(st.tuples(texts.filter(lambda t: t.strip() != ""), texts), min_size=1, max_size=12,
                      unique_by=lambda p: p[0])


def row_built_xlsx(ev, lang: str) -> bytes:
    real = xlsx.Workbook
    xlsx.Workbook = RowWorkbook  # type: ignore[misc]
    try:
        return xlsx.render_xlsx(ev, ReportOptions(lang=lang))
    finally:
        xlsx.Workbook = real  # type: ignore[misc]


@given(units=unit_lists, lang=st.sampled_from(["zh", "en"]))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_xlsx_report_is_the_row_built_one(units, lang):
    ev = hostile_evaluation([u for u, _ in units], [n for _, n in units])
    assert xlsx.render_xlsx(ev, ReportOptions(lang=lang)) == row_built_xlsx(ev, lang)


@pytest.mark.parametrize("name,args", runnable_examples(), ids=[c[0] for c in runnable_examples()])
def test_every_example_xlsx_is_the_row_built_one(name, args):
    ev = evaluate_example(args)
    for lang in ("zh", "en"):
        assert xlsx.render_xlsx(ev, ReportOptions(lang=lang)) == row_built_xlsx(ev, lang), lang


def previous_ranking_rows(ev, order, lang: str) -> str:
    """The ranking rows as html.py wrote them before they were built from columns."""
    d = ev.scorecard.rounding_decimals
    bands = ev.scorecard.grading.bands
    nb = len(bands)
    ids, names, ranks, grades = ev.units.ids, ev.units.names, ev.ranks.tolist(), ev.grades.tolist()
    scores = [t.scores.tolist() for t in top_nodes(ev, lang)]
    net = adjustment_net(ev)
    net_list = net.tolist() if net is not None else None
    totals = np.asarray(ev.totals, dtype=np.float64)
    note_list = notes(ev, lang)
    badges = [badge(k, b.label.text(lang), b.grade) for k, b in enumerate(bands)]
    out = []
    for k, i in enumerate(order):
        g = grades[i]
        code = bands[g].grade if 0 <= g < nb else ""
        cells = [f'<td class="n">{ranks[i]}</td>', f"<td><code>{e(ids[i])}</code></td>",
                 f'<td class="u"><a href="#u{k}">{e(names[i])}</a></td>']
        cells += [f'<td class="n">{points_text(s[i], d)}</td>' for s in scores]
        if net_list is not None:
            cells.append(f'<td class="n">{points_text(net_list[i], d)}</td>')
        cells.append(f'<td class="n"><b>{points_text(totals[i], d)}</b></td>')
        cells.append(f'<td data-v="{g if 0 <= g < nb else nb}">{badges[g] if 0 <= g < nb else ""}</td>')
        cells.append(f'<td class="note">{e(note_list[i])}</td>')
        out.append(f'<tr data-u="u{k}" data-g="{e(code)}" data-k="{e(f"{ids[i]} {names[i]}")}">{"".join(cells)}</tr>\n')
    return "".join(out)


def previous_unit_heads(ev, order, lang: str, static: bool) -> list[str]:
    d = ev.scorecard.rounding_decimals
    bands = ev.scorecard.grading.bands
    badges = [badge(k, b.label.text(lang), b.grade) for k, b in enumerate(bands)]
    scores = [t.scores.tolist() for t in top_nodes(ev, lang)]
    totals = np.asarray(ev.totals, dtype=np.float64)
    ranks, grades = ev.ranks.tolist(), ev.grades.tolist()
    out = []
    for k, i in enumerate(order):
        g = grades[i]
        data_s = "" if static else f' data-s="{",".join(points_text(s[i], d) for s in scores)}"'
        out.append(f'<details class="unit" id="u{k}"{data_s}><summary><span class="rk">{ranks[i]}</span>{e(ev.units.names[i])} '
                   f'<code>{e(ev.units.ids[i])}</code><span class="t">{points_text(totals[i], d)}</span>'
                   f'{badges[g] if 0 <= g < len(bands) else ""}</summary>\n<div class="ub"><div class="uc">')
    return out


def new_html_parts(ev, lang: str, static: bool) -> tuple[str, list[str]]:
    order = np.asarray(ev.order(), dtype=np.int64)
    bands = ev.scorecard.grading.bands
    badges = [badge(k, b.label.text(lang), b.grade) for k, b in enumerate(bands)]
    scores = [t.scores for t in top_nodes(ev, lang)]
    rows = ranking_rows(ev, order, scores, adjustment_net(ev), notes(ev, lang), badges, [b.grade for b in bands],
                        ev.scorecard.rounding_decimals)
    return rows, unit_heads(ev, order, scores, badges, ev.scorecard.rounding_decimals, static)


@given(units=unit_lists, lang=st.sampled_from(["zh", "en"]), static=st.booleans())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_html_rows_are_the_row_built_ones(units, lang, static):
    ev = hostile_evaluation([u for u, _ in units], [n for _, n in units])
    order = [int(i) for i in ev.order()]
    rows, heads = new_html_parts(ev, lang, static)
    assert rows == previous_ranking_rows(ev, order, lang)
    assert heads == previous_unit_heads(ev, order, lang, static)


def test_the_html_rows_with_adjustments_are_the_row_built_ones():
    ev = synthetic(40, adjustments=[{"unit": "S00003", "item": "honours", "points": 1, "reason": "<x>", "evidence": "&"}])
    order = [int(i) for i in ev.order()]
    rows, heads = new_html_parts(ev, "zh", False)
    assert adjustment_net(ev) is not None
    assert rows == previous_ranking_rows(ev, order, "zh")
    assert heads == previous_unit_heads(ev, order, "zh", False)


@given(column=st.lists(st.one_of(st.none(), texts), max_size=20))
def test_a_column_escaped_at_once_is_every_text_escaped(column):
    assert escaped(column) == [e(t) for t in column]


@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([-0.0, 0.0, 0.005, 1.005]),
                       max_size=30), decimals=st.integers(0, 6))
def test_numbers_formatted_once_per_value_are_points_text(values, decimals):
    x = np.array(values, dtype=np.float64)
    assert points_column(x, decimals) == [points_text(v, decimals) for v in x.tolist()]


def test_ten_thousand_units_give_every_row_section_and_explanation():
    """The page at 10,000 units (its time is measured in benchmarks/bench_writers.py): every unit once in the
    ranking, in rank order, with the row the row-by-row code made, and its section with every explanation line."""
    n = 10_000
    ev = synthetic(n)
    html = render(ev, "html")
    order = [int(i) for i in ev.order()]
    assert len(html.encode()) < 25 * 2**20
    body = html[html.index("<tbody>\n") + len("<tbody>\n"):html.index("</tbody>")]
    assert body == previous_ranking_rows(ev, order, "zh")
    assert re.findall(r'<tr data-u="u(\d+)"', body) == [str(k) for k in range(n)]
    assert html.count('<details class="unit"') == n and html.count("<svg") == 3
    assert re.findall(r'<details class="unit" id="u(\d+)"', html) == [str(k) for k in range(n)]
    for k in (0, 1, n // 2, n - 1):  # the first, a middle and the last unit: head, then every explanation line
        i = order[k]
        head = previous_unit_heads(ev, [i], "zh", static=False)[0].replace('id="u0"', f'id="u{k}"', 1)
        start = html.index(head)
        section = html[start:html.index("</details>", start)]
        assert f'<pre class="ex">{e(chr(10).join(ev.explain(ev.units.ids[i], "zh")[1:]))}</pre>' in section
    ranked = [float(x) for x in re.findall(r'<td class="n"><b>([0-9.]+)</b>', body)]
    assert ranked == sorted(ranked, reverse=True)
    assert not any(math.isnan(x) for x in ranked)
