"""Reports print well: every xlsx sheet prints landscape on A4, fitted to one page's width, with its header
row repeated on every page; the html opens every collapsed unit section before printing (and closes what
it opened afterwards), so a printed report shows every unit's explanation."""

from __future__ import annotations

import io
import re

import openpyxl

from evalkit.reporters.base import ReportOptions
from evalkit.reporters.html import render_html
from evalkit.reporters.xlsx import render_xlsx


def test_every_sheet_has_print_setup(quickstart_eval):
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(quickstart_eval, ReportOptions(lang="zh"))))
    assert len(book.worksheets) >= 5
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.page_setup.paperSize in (9, "9")
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert int(sheet.page_setup.fitToWidth) == 1 and int(sheet.page_setup.fitToHeight) == 0
        assert sheet.print_title_rows in ("1:1", "$1:$1"), sheet.title


def test_printing_the_html_opens_every_unit_section(quickstart_eval):
    html = render_html(quickstart_eval, ReportOptions(lang="zh"))
    head = html.split("</head>")[0]
    assert 'addEventListener("beforeprint"' in head and 'querySelectorAll("details:not([open])")' in head
    assert "d.open=true" in head and 'addEventListener("afterprint"' in head
    sections = re.findall(r'<details class="unit"', html)
    assert len(sections) == len(quickstart_eval.units)  # every unit's section is a <details> the handler opens


def test_the_raw_value_column_is_shown_at_the_declared_decimals_and_stored_exactly():
    """Issue 18: the item sheet's value column read 73.85424492862509; it now shows the scorecard's decimals
    by the cell's number format, and the cell keeps the exact value."""
    import evalkit

    card = evalkit.load_scorecard({
        "id": "v", "name": "V", "period": "2025", "indicators": [{"id": "x", "name": "X"}],
        "dimensions": [{"id": "d", "name": "D", "indicator": "x", "max_points": 10,
                        "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}}]})
    ev = evalkit.evaluate(card, {"x": {"u": 73.85424492862509}})
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(ev, ReportOptions(lang="zh"))))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row
             if isinstance(c.value, float) and abs(c.value - 73.85424492862509) < 1e-12]
    assert cells and all(c.value == 73.85424492862509 and c.number_format == "0.00" for c in cells)
