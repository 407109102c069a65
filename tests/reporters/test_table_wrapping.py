"""The wrapped results table of a large run (more rows than reporters.table.FAST_ROWS), laid out directly
instead of by rich: it fits the width, numbers, ids and grades stay whole on one line, and the unit's
name folds without losing a character (issue 18: 100,000 units at 80 columns took about 50 s by rich;
benchmarks/bench_table_width.py measures it)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from evalkit.reporters.base import ReportOptions
from evalkit.reporters.table import FAST_ROWS, fold, render_table

from .conftest import synthetic

TEXT = st.text(alphabet=st.sampled_from(list("县委办公室党支部第二（）ab12.5 -")), max_size=60)


@given(TEXT, st.integers(min_value=2, max_value=30))
def test_fold_keeps_every_character_and_every_short_ascii_run(text, width):
    lines = fold(text, width)
    assert all(cell_len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for run in re.findall(r"[\x21-\x7e]+", text):
        if len(run) <= width:
            assert any(run in line for line in lines), (run, lines)


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_a_large_wrapped_table_fits_and_keeps_numbers_whole(columns):
    n = FAST_ROWS + 50
    names = [f"县第{i}机关第二党支部委员会（联合支部）x{i}" for i in range(n)]
    ev = synthetic(n, names=names)
    text = render_table(ev, ReportOptions(lang="zh", width=columns))
    lines = text.splitlines()
    assert all(cell_len(line) <= columns for line in lines), max(lines, key=cell_len)
    assert "…" not in text
    first = lines[:next(i for i, line in enumerate(lines) if line.startswith("└"))]  # the ranking; dimensions follow
    body = [line for line in first if line.startswith("│")]
    cells = [[c.strip() for c in line.strip("│").split("│")] for line in body]
    doc = ev.to_dict()
    d = doc["scorecard"]["rounding"]["decimals"]
    by_id: dict[str, list[str]] = {}
    current = None
    for row in cells:
        if row[1]:
            current = row[1]
            by_id[current] = [row[2]]
            assert f"{doc['units'][[u['id'] for u in doc['units']].index(current)]['total']:.{d}f}" in row
        else:
            by_id[current].append(row[2])
    assert set(by_id) == set(ev.units.ids)  # every id whole, on its own line
    for uid, pieces in by_id.items():
        assert "".join(pieces) == ev.units.names[ev.units.index[uid]].replace(" ", "")


@given(st.text(alphabet=st.one_of(st.characters(min_codepoint=0x20, max_codepoint=0x7e),
                                  st.characters(min_codepoint=0x3000, max_codepoint=0x303f),
                                  st.characters(min_codepoint=0x4e00, max_codepoint=0x9fff),
                                  st.characters(min_codepoint=0xff00, max_codepoint=0xffef),
                                  st.characters(min_codepoint=0x300, max_codepoint=0x36f)), max_size=30))
def test_cells_of_measures_as_rich_does(text):
    from evalkit.reporters.table import cells_of

    assert cells_of(text) == cell_len(text)
