"""The column-wise writers give the bytes the per-value writers gave: number text, spreadsheet-safe text,
CSV, the streamed JSON result; and a write that fails part-way leaves no output file."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import evalkit
from evalkit.errors import FileAccessError, PluginError
from evalkit.io.csv_text import csv_columns_text, csv_text
from evalkit.io.data import DataSet, Units
from evalkit.io.number_text import (
    fixed_text,
    fixed_texts,
    json_number_text,
    json_statistic_text,
    json_texts,
    texts_by_value,
)
from evalkit.io.output import TEMP_MARK, atomic_file
from evalkit.io.safe_text import spreadsheet_column, spreadsheet_text
from evalkit.reporters.base import Reporter, ReportOptions
from evalkit.reporters.common import points_text
from evalkit.reporters.render import render_report, run_report, write_report
from evalkit.scoring.files import InputFiles, evaluate_files
from evalkit.scoring.rounding import json_number, round_array

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
QUICK = EXAMPLES / "quickstart"

floats = st.floats(allow_nan=True, allow_infinity=False, width=64)
special = st.sampled_from([0.0, -0.0, 0.5, -0.5, 2.675, 1e16, 2.0**53, -(2.0**53), 2.0**53 + 2, 1e-7, 5e-324, 1e300, np.nan])
values = st.one_of(floats, special, st.integers(-10**6, 10**6).map(lambda k: k / 100))


def _num(x: float) -> float | int | None:
    """The per-value rule `Evaluation.to_dict` applies to a score (evalkit.scoring.evaluation._num)."""
    if x != x:
        return None
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


# ------------------------------------------------------------------------------------------------
# number text


@given(st.lists(values, max_size=60))
def test_json_texts_are_json_dumps_of_each_score(xs):
    column = np.asarray(xs, dtype=np.float64)
    expected = [json.dumps(_num(x), allow_nan=False) for x in column.tolist()]
    assert json_texts(column).tolist() == expected
    assert [json_number_text(x) for x in column.tolist()] == expected


@given(st.lists(values, max_size=60), st.integers(0, 10))
def test_fixed_texts_are_points_text_of_each_value(xs, decimals):
    column = round_array(np.asarray(xs, dtype=np.float64), decimals) if xs else np.zeros(0)
    expected = [points_text(x, decimals) for x in column]  # numpy scalars, as the old summary passed them
    assert fixed_texts(column, decimals).tolist() == expected
    assert [fixed_text(decimals)(x) for x in column.tolist()] == expected


moderate = st.one_of(st.floats(-1e15, 1e15), st.sampled_from([np.nan, -0.0, 0.1 + 0.2, 1e-13]))  # json_number's own range


@given(arrays(np.float64, st.tuples(st.integers(0, 7), st.integers(1, 3)), elements=moderate))
def test_texts_by_value_keeps_the_shape_and_calls_the_rule_once_per_distinct_value(matrix):
    calls: list[float] = []

    def rule(x: float) -> str:
        calls.append(x)
        return json_statistic_text(x)

    out = texts_by_value(matrix, rule)
    assert out.shape == matrix.shape
    expected = [[json.dumps(json_number(x)) for x in row] for row in matrix.tolist()]
    assert out.tolist() == expected
    assert len(calls) == len({np.float64(x).tobytes() for x in matrix.reshape(-1).tolist()})


def test_infinities_are_refused_as_json_is():
    with pytest.raises(ValueError):
        json.dumps(float("inf"), allow_nan=False)
    with pytest.raises(ValueError):
        json_texts(np.array([1.0, np.inf]))


# ------------------------------------------------------------------------------------------------
# spreadsheet text and CSV

risky = st.sampled_from(["=SUM(A1)", "+1+1", "-2", "-3.50", "@x", "\tx", "\rx", "a\x1bb", "x\x00", "a\nb", "a,b", 'say "hi"',
                         "", " ", "第1单位", "1e5", "-", "=", "a\n=b", "\x9b"])
texts = st.one_of(risky, st.text(max_size=12))


@given(st.lists(texts, max_size=40))
def test_spreadsheet_column_is_spreadsheet_text_of_each_cell(cells):
    assert list(spreadsheet_column(cells)) == [spreadsheet_text(c) for c in cells]


@given(st.lists(st.one_of(texts, st.integers(-5, 5), st.none(), st.booleans()), max_size=20))
def test_spreadsheet_column_with_numbers_and_none(cells):
    assert list(spreadsheet_column(cells)) == [spreadsheet_text(c) for c in cells]


@given(st.integers(1, 5).flatmap(lambda width: st.tuples(
    st.lists(st.lists(texts, min_size=width, max_size=width), max_size=25),
    st.lists(texts, min_size=width, max_size=width),
    st.integers(1, 7), st.sampled_from(["\r\n", "\n"]), st.booleans())))
def test_csv_from_columns_is_csv_text_of_the_rows(case):
    rows, header, block, terminator, bom = case
    blocks = [[list(column) for column in zip(*rows[k:k + block])] or [[] for _ in header]
              for k in range(0, len(rows), block)]
    assert csv_columns_text(header, blocks, bom=bom, lineterminator=terminator) == \
        csv_text(rows, header, bom=bom, lineterminator=terminator)


# ------------------------------------------------------------------------------------------------
# the JSON result and the CSV summary of generated evaluations


def old_json(evaluation) -> str:
    """The JSON result as Evaluation.to_json wrote it before it was streamed: from to_dict, one unit a line."""
    doc = evaluation.to_dict()
    units = doc.pop("units")
    missing = doc.pop("missing_data")
    head = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)
    head = head[:-2] + ',\n "missing_data": ' + json.dumps(missing, ensure_ascii=False) + "\n}"
    rows = ",\n".join("  " + json.dumps(unit, ensure_ascii=False, allow_nan=False) for unit in units)
    return head[:-2] + ',\n "units": [\n' + rows + "\n ]\n}\n"


def old_csv(evaluation, lang: str) -> str:
    """The summary CSV as it was written before: a list of text cells per unit, then csv_text."""
    from evalkit.definition.model import Dimension
    from evalkit.reporters.summary import summary_header

    d = evaluation.scorecard.rounding_decimals
    rows = []
    for i in evaluation.order():
        grade = evaluation.grade_of(int(i))
        scores = [points_text(evaluation.dimensions[n.id][i] if isinstance(n, Dimension) else evaluation.items[n.id].score[i], d)
                  for n in evaluation.scorecard.dimensions]
        if evaluation.adjusted is not None and evaluation.items_total is not None:
            scores.append(points_text(round_array(evaluation.totals[i] - evaluation.items_total[i], d), d))
        rows.append([str(int(evaluation.ranks[i])), evaluation.units.ids[i], evaluation.units.names[i]] + scores
                    + [points_text(evaluation.totals[i], d), grade.label.text(lang) if grade else ""])
    return csv_text(rows, summary_header(evaluation, lang))


QUICK_CARD = evalkit.load_scorecard(QUICK / "scorecard.yaml")
NAMES = ["县委办公室党支部", "=HYPERLINK(\"x\")", "Unit, with comma", "名字\x1b[2J", "-1", 'a "quoted" name', "line\nbreak", "B"]


@st.composite
def quick_runs(draw):
    """The quickstart scorecard on generated units and values (some missing), with generated adjustments."""
    n = draw(st.integers(1, 14))
    ids = [f"U{k:03d}" for k in range(n)]
    units = Units(ids=tuple(ids), names=tuple(draw(st.sampled_from(NAMES)) + str(k) for k in range(n)),
                  types=tuple(draw(st.sampled_from(["党委部门", "政府部门", None])) for _ in ids), parents=tuple(None for _ in ids))
    cell = st.one_of(st.none(), st.integers(0, 10000).map(lambda k: k / 100))
    columns = {}
    for name in ("meetings_rate", "study_hours", "dues_on_time", "recruitment", "recruitment_plan", "missed_meetings",
                 "satisfaction"):
        columns[name] = np.asarray([np.nan if v is None else v for v in draw(st.lists(cell, min_size=n, max_size=n))])
    adjustments = []
    for k in draw(st.lists(st.integers(0, n - 1), max_size=4, unique=True)):
        adjustments.append({"unit": ids[k], "item": "honours", "points": 1 + k % 3, "reason": "县级表彰", "evidence": f"〔2025〕{k}号"})
    for k in draw(st.lists(st.integers(0, n - 1), max_size=3, unique=True)):
        adjustments.append({"unit": ids[k], "item": "reporting", "points": 1.5, "reason": "信息报送超期"})
    if draw(st.booleans()):
        adjustments.append({"unit": ids[0], "item": "discipline_case", "authority": "县纪委监委", "evidence": "通报"})
    data = DataSet.from_columns(units, columns, period=QUICK_CARD.period)
    return evalkit.evaluate(QUICK_CARD, data, adjustments=adjustments)


@settings(max_examples=40)
@given(quick_runs(), st.integers(1, 5))
def test_streamed_json_is_the_old_document(evaluation, block):
    from evalkit.scoring.result_json import write_json

    expected = old_json(evaluation)
    assert evaluation.to_json() == expected
    streamed = io.BytesIO()
    write_json(evaluation, streamed, block=block)  # several blocks
    assert streamed.getvalue() == expected.encode("utf-8")
    assert json.loads(streamed.getvalue()) == evaluation.to_dict()


@settings(max_examples=40)
@given(quick_runs(), st.sampled_from(["zh", "en"]))
def test_csv_summary_is_the_old_table(evaluation, lang):
    assert render_report(evaluation, "csv", ReportOptions(lang=lang)) == old_csv(evaluation, lang)


def test_bench_scorecard_json_and_csv_in_several_blocks():
    """bench_scoring.py's 50-item scorecard with missing values: JSON and CSV the same in blocks of 7 units."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_scoring import build_scorecard, generate_columns

    from evalkit.reporters import summary
    from evalkit.scoring import result_json

    card = evalkit.load_scorecard(build_scorecard())
    n = 40
    data = DataSet.from_columns(Units.from_ids([f"U{k:03d}" for k in range(n)]), generate_columns(n, 7, 0.2), period="2025")
    evaluation = evalkit.evaluate(card, data)
    streamed = io.BytesIO()
    result_json.write_json(evaluation, streamed, block=7)
    assert streamed.getvalue().decode("utf-8") == old_json(evaluation)
    blocks = list(summary.summary_blocks(evaluation, "en", block=7))
    assert len(blocks) == 6
    assert csv_columns_text(summary.summary_header(evaluation, "en"), blocks) == old_csv(evaluation, "en")


EXAMPLE_RUNS = {
    "quickstart": ("scorecard.yaml", "data.csv", "adjustments.csv"),
    "five-star-clauses": ("scorecard.yaml", "data.csv", "adjustments.csv"),
    "civil-servants": ("scorecard.yaml", "data.csv", "adjustments.csv"),
}


@pytest.mark.parametrize("name", sorted(EXAMPLE_RUNS))
def test_examples_json_streamed_as_before(name, tmp_path):
    scorecard, data, adjustments = (EXAMPLES / name / f for f in EXAMPLE_RUNS[name])
    evaluation = evaluate_files(InputFiles(scorecard, units=EXAMPLES / name / "units.csv", data=data, adjustments=adjustments))
    expected = old_json(evaluation)
    write_report(evaluation, "json", tmp_path / "r.json")
    assert (tmp_path / "r.json").read_bytes() == expected.encode("utf-8")
    write_report(evaluation, "csv", tmp_path / "r.csv", ReportOptions(lang="zh"))
    assert (tmp_path / "r.csv").read_bytes() == old_csv(evaluation, "zh").encode("utf-8")


def test_run_report_can_leave_the_report_to_be_streamed(tmp_path):
    files = InputFiles(QUICK / "scorecard.yaml", units=QUICK / "units.csv", data=QUICK / "data.csv",
                       adjustments=QUICK / "adjustments.csv")
    lazy = run_report(files, "json", render=False)
    assert lazy.rendered is None
    lazy.write(tmp_path / "streamed.json")
    assert lazy.rendered is None  # written straight into the file
    eager = run_report(files, "json")
    assert (tmp_path / "streamed.json").read_text(encoding="utf-8") == eager.content == lazy.content


# ------------------------------------------------------------------------------------------------
# nothing half-written


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if TEMP_MARK in name)


def test_a_failure_in_the_middle_of_a_streamed_write_leaves_no_file(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError, match="disk on fire"), atomic_file(target) as handle:
        handle.write(b"{\n \"units\": [\n" * 1000)
        raise RuntimeError("disk on fire")
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_a_failure_mid_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), atomic_file(target) as handle:
        handle.write(b"new, half")
        raise KeyboardInterrupt
    assert target.read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path) == []


def test_a_reporter_failing_after_writing_part_of_the_report_leaves_no_file(tmp_path, monkeypatch):
    evaluation = evaluate_files(InputFiles(QUICK / "scorecard.yaml", units=QUICK / "units.csv", data=QUICK / "data.csv"))

    def half_then_fail(ev, options, handle):
        handle.write(b'{"units": [' + b"1, " * 100_000)
        raise ValueError("lost the second half")

    registry = evalkit.default_registry()
    monkeypatch.setitem(registry.reporters, "half",  # the shared registry: taken out again after the test
                        Reporter(name="half", extension=".json", render=lambda ev, o: "", write=half_then_fail))
    target = tmp_path / "r.json"
    with pytest.raises(PluginError, match="lost the second half"):
        write_report(evaluation, "half", target, registry=registry)
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_the_streamed_json_is_written_into_the_file_not_built_whole(tmp_path, monkeypatch):
    """A failure while units are being written (the 2nd block) leaves nothing: the head was already in the file."""
    from evalkit.scoring import result_json

    evaluation = evaluate_files(InputFiles(QUICK / "scorecard.yaml", units=QUICK / "units.csv", data=QUICK / "data.csv"))
    sizes = []
    real = result_json.unit_lines

    def lines_then_fail(ev, rows, indent=""):
        temp = [tmp_path / name for name in os.listdir(tmp_path) if TEMP_MARK in name]
        sizes.append(temp[0].stat().st_size if temp else None)
        if len(sizes) == 2:
            raise OSError(28, "No space left on device")
        return real(ev, rows, indent)

    monkeypatch.setattr(result_json, "BLOCK", 3)
    monkeypatch.setattr(result_json, "unit_lines", lines_then_fail)
    with pytest.raises(FileAccessError, match="No space left"):
        write_report(evaluation, "json", tmp_path / "r.json")
    assert sizes[0] is not None
    assert not (tmp_path / "r.json").exists()
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------------------------------------
# one number rounded without numpy; the workbook saved into a file


@given(st.one_of(st.floats(width=64), values, st.integers(-10**9, 10**9).map(lambda k: k / 1000 + 0.0005)),
       st.integers(0, 10), st.sampled_from(["half_up", "half_even", "down", "up"]))
def test_round_number_is_round_array_bit_for_bit(x, decimals, mode):
    from evalkit.scoring.scalar_rounding import round_number

    with np.errstate(over="ignore", invalid="ignore"):
        expected = float(round_array(x, decimals, mode))
    got = round_number(x, decimals, mode)
    assert (got != got and expected != expected) or np.float64(got).tobytes() == np.float64(expected).tobytes()


def test_round_number_refuses_an_unknown_mode():
    from evalkit.scoring.scalar_rounding import round_number

    with pytest.raises(ValueError, match="unknown rounding mode"):
        round_number(1.5, 0, "nearest")


def test_xlsx_streamed_into_a_file_is_the_rendered_workbook(tmp_path, monkeypatch):
    from evalkit.reporters import xlsx_writer

    monkeypatch.setattr(xlsx_writer, "_ROWS_PER_WRITE", 7)  # rows reach the sheet's temporary file in many pieces
    files = InputFiles(QUICK / "scorecard.yaml", units=QUICK / "units.csv", data=QUICK / "data.csv",
                       adjustments=QUICK / "adjustments.csv")
    evaluation = evaluate_files(files)
    write_report(evaluation, "xlsx", tmp_path / "r.xlsx")
    assert (tmp_path / "r.xlsx").read_bytes() == render_report(evaluation, "xlsx")
    assert leftovers(tmp_path) == []
