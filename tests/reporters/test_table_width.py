"""The results table fits the width it is printed in (80 columns and up): no line is wider, no number or id
is cut, columns no unit has a value in are left out, and when the ranking is too wide the dimension scores
move to a second table. Piped output is plain and follows $COLUMNS (the issue's bar: COLUMNS=80, 100, 120)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from evalkit.cli import main
from evalkit.reporters.base import ReportOptions
from evalkit.reporters.common import notes
from evalkit.reporters.table import render_table

from .conftest import runnable_examples, synthetic

EXAMPLES = runnable_examples()


def numbers_of(doc: dict) -> dict[str, list[str]]:
    """Every unit's total and dimension scores as the table writes them (the result's decimals)."""
    d = doc["scorecard"]["rounding"]["decimals"]
    out = {}
    for u in doc["units"]:
        values = [u["total"], *u["dimensions"].values()]
        out[u["id"]] = [f"{v:.{d}f}" for v in values if v is not None and u["dimensions"]]
    return out


def check_fits(text: str, width: int, doc: dict) -> None:
    lines = text.splitlines()
    assert all(cell_len(line) <= width for line in lines), max(lines, key=cell_len)
    assert "…" not in text and "\x1b" not in text  # nothing cut, no colour codes in piped output
    cells = [c.strip() for line in lines for c in re.split(r"[│┃]", line)]
    tokens = set(cells)
    ids = {u["id"] for u in doc["units"]}
    assert ids <= tokens  # every id whole, in a cell of its own
    top_ids = [d["id"] for d in doc["dimensions"] if d["parent"] is None]
    for u in doc["units"]:  # every total and top-level dimension score whole
        d = doc["scorecard"]["rounding"]["decimals"]
        shown = [u["total"]] + [u["dimensions"][k] for k in top_ids if k in u["dimensions"]]
        for value in shown:
            if value is not None:
                assert f"{value:.{d}f}" in tokens, (u["id"], value)


@pytest.mark.parametrize("columns", [80, 100, 120])
@pytest.mark.parametrize("example,args", EXAMPLES, ids=[e for e, _ in EXAMPLES])
def test_piped_table_fits_columns(capsys, monkeypatch, example, args, columns):
    assert main(["run", *args, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["run", *args]) == 0
    check_fits(capsys.readouterr().out, columns, doc)


def test_wide_enough_keeps_one_table_and_narrow_moves_dimensions(capsys, monkeypatch):
    ev = synthetic(12)
    wide = render_table(ev, ReportOptions(lang="zh", width=200))
    narrow = render_table(ev, ReportOptions(lang="zh", width=80))
    assert "各维度得分" not in wide and wide.count("┏") == 1
    assert "各维度得分" in narrow and narrow.count("┏") == 2
    assert "政治建设" in narrow.split("各维度得分")[1]


def test_empty_columns_are_left_out(quickstart_eval):
    with_notes = render_table(quickstart_eval, ReportOptions(lang="zh", width=200))
    assert "备注" in with_notes  # U12's veto is a note
    ev = synthetic(1, seed=3)  # this unit has no note (no veto, no gate, no quota move): no notes column
    assert not any(notes(ev, "zh"))
    text = render_table(ev, ReportOptions(lang="zh", width=200))
    assert "备注" not in text and "加减分" in text


@settings(max_examples=20, deadline=None)
@given(st.integers(80, 220), st.integers(1, 30), st.sampled_from(["zh", "en"]))
def test_any_width_from_80_cuts_no_number(width, n, lang):
    ev = synthetic(n, names=[f"县{'很长的名称' * (k % 4)}第{k}党支部" for k in range(n)])
    doc = ev.to_dict()
    check_fits(render_table(ev, ReportOptions(lang=lang, width=width)), width, doc)
