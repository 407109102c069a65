"""Markdown for publishing, and the terminal table's colours and Chinese column widths."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from evalkit.reporters.base import ReportOptions
from evalkit.reporters.markdown import md
from evalkit.reporters.table import GRADE_STYLES, grade_style, render_table

from .conftest import render, synthetic


def cells(line: str) -> list[str]:
    """The cells of a pipe-table row, splitting on '|' that is not escaped."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def test_markdown_has_title_period_ranking_and_distribution(quickstart_eval):
    text = render(quickstart_eval, "markdown")
    lines = text.splitlines()
    assert lines[0] == "# 县直机关党建工作考核（示例）"
    assert "- 考核期间：2025" in lines
    ranking = lines.index("## 排名")
    header = cells(lines[ranking + 2])
    assert header[:3] == ["排名", "编号", "单位"] and header[-3:] == ["总分", "等次", "备注"]
    rows = [cells(line) for line in lines[ranking + 4:ranking + 4 + len(quickstart_eval.units)]]
    doc = quickstart_eval.to_dict()
    assert [r[1] for r in rows] == [u["id"] for u in doc["units"]]
    assert [r[header.index("总分")] for r in rows] == [f"{u['total']:.2f}" for u in doc["units"]]
    assert "## 等次分布" in lines and "## 加分、扣分与一票否决" in lines
    assert "| 合计 |  | 12 | 100.0% |" in lines
    english = render(quickstart_eval, "markdown", "en")
    assert "## Ranking" in english and "## Grade distribution" in english and "排名" not in english


def test_markdown_escapes_pipes_and_markup():
    names = ["A|B 党支部", "<b>bold</b>", "*star* _under_", "line\nbreak", "# not a heading", "[link](http://x)"]
    text = render(synthetic(len(names), names=names), "markdown")
    lines = text.splitlines()
    ranking = lines.index("## 排名")
    width = len(cells(lines[ranking + 2]))
    rows = [cells(line) for line in lines[ranking + 4:ranking + 4 + len(names)]]
    assert all(len(r) == width for r in rows)  # no cell split by a '|' in a name
    shown = {re.sub(r"\\(.)", r"\1", r[2]) for r in rows}  # what a Markdown renderer prints
    assert shown == {n.replace("\n", " ") for n in names}
    assert md("a|b") == "a\\|b" and md("<x>") == "\\<x\\>" and md("1.5") == "1.5"


@pytest.mark.parametrize("count", range(1, 9))
def test_grade_colours_go_from_green_to_red_by_band_position(count):
    styles = [grade_style(p, count) for p in range(count)]
    assert styles[0] == "bold green"
    if count > 1:
        assert styles[-1] == "bold red"
    order = [GRADE_STYLES.index(s) for s in styles]
    assert order == sorted(order)  # never back towards green


def test_terminal_table_colours_the_grade_and_keeps_chinese_columns_aligned(quickstart_eval):
    plain = render_table(quickstart_eval, ReportOptions(lang="zh", color=False, width=160))
    lines = [line for line in plain.splitlines()[1:] if line.strip()]
    assert len({cell_len(line) for line in lines}) == 1  # every row as wide as the header, Chinese counted double
    coloured = render_table(quickstart_eval, ReportOptions(lang="zh", color=True, width=160))
    assert "\x1b[1;32m好" in coloured  # the best band: bold green
    assert "\x1b[1;31m较差" in coloured  # the worst of four: bold red
    assert "\x1b[33m一般" in coloured


TRICKY = ["[试点]党支部", "A very long English branch name, Office", "县人力资源和社会保障局党支部", "ｆｕｌｌ宽", "x", "😀 emoji",
          "Ünïcödé", "混合 mixed 名称"]


@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("n", [1, 7, 40])
def test_the_direct_layout_draws_what_rich_draws(n, lang, color):
    """Large tables skip rich's per-cell machinery; the characters and colour codes must stay the same."""
    from evalkit.reporters.summary import summary_header, summary_rows
    from evalkit.reporters.table import _direct, _rich

    names = [TRICKY[i % len(TRICKY)] + str(i) for i in range(n)]
    records = [{"unit": "S00000", "item": "discipline_case", "authority": "x"}]
    ev = synthetic(n, names=names, adjustments=records)
    header = summary_header(ev, lang)
    numeric = [k == 0 or (3 <= k < len(header) - 1) for k in range(len(header))]
    rows = list(summary_rows(ev, lang))
    styles = [grade_style(int(ev.grades[i]), 4) if ev.grades[i] >= 0 else None for i in ev.order()]
    title = f"{ev.scorecard.name.text(lang)} · {ev.period}"
    g = len(header) - 1
    direct = _direct(title, header, rows, styles, numeric, 200, color, g)
    assert direct == _rich(title, header, rows, styles, numeric, 200, color, g)
    assert _direct(title, header, rows, styles, numeric, 60, color, g) is None  # too narrow: rich wraps the cells
    assert _direct(title, header, [r[:2] + ["a\nb"] + r[3:] for r in rows], styles, numeric, 200, color, g) is None
    # with a notes column after the grade, the grade keeps its colour
    noted = [r + ["一票否决" if k % 3 == 0 else ""] for k, r in enumerate(rows)]
    assert (_direct(title, header + ["说明"], noted, styles, numeric + [False], 250, color, g)
            == _rich(title, header + ["说明"], noted, styles, numeric + [False], 250, color, g))


def test_large_tables_take_the_direct_layout_and_small_ones_rich(monkeypatch):
    from evalkit.reporters import table as module

    calls = []
    monkeypatch.setattr(module, "_rich", lambda *a: calls.append("rich") or "")
    monkeypatch.setattr(module, "_direct", lambda *a: calls.append("direct") or "x")
    render_table(synthetic(module.FAST_ROWS), ReportOptions())
    render_table(synthetic(module.FAST_ROWS - 1), ReportOptions())
    assert calls == ["direct", "rich"]
