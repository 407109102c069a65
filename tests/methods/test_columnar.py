"""The columnar path of `evalkit rank` and `evalkit review`: the same results and the same messages as the
exact, row-by-row path, for generated files; odd input is left to the exact path (and keeps its message)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from evalkit.errors import DataError
from evalkit.io.columnar import PYTHON_SPACES, read_table_columns
from evalkit.io.csv_text import csv_text
from evalkit.io.data import Units
from evalkit.io.inputs import read_table
from evalkit.methods.matrix_input import decision_matrix, fast_matrix, read_matrix
from evalkit.methods.rank_report import RANK_METHODS, rank_units
from evalkit.plugins.manager import default_registry
from evalkit.reviews.ballots import fast_ballots, read_ballots
from evalkit.reviews.definition import load_review
from evalkit.reviews.review import review

from ..conftest import EXAMPLES

REGISTRY = default_registry()
@pytest.fixture(autouse=True)
def column_reader_for_small_files(monkeypatch):
    """These files are small; the column reader must read them anyway (it leaves files under
    evalkit.io.inputs.SMALL_CSV_BYTES to the row reader in normal use)."""
    import evalkit.io.inputs

    monkeypatch.setattr(evalkit.io.inputs, "SMALL_CSV_BYTES", 0)


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def write(folder: str, name: str, text: str, bom: bool = False) -> Path:
    path = Path(folder) / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def outcome(work):
    """A result, or the problems of the DataError it raised (each as its dict)."""
    try:
        return "ok", work()
    except DataError as exc:
        return "error", [p.to_dict() for p in exc.problems]


def same_matrix(a, b) -> None:
    assert (a.source, a.units, a.names, a.criteria) == (b.source, b.units, b.names, b.criteria)
    assert a.values.shape == b.values.shape and a.values.tobytes() == b.values.tobytes()  # bit for bit


def test_python_spaces_are_what_strip_removes():
    assert set(PYTHON_SPACES) == {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}


# ------------------------------------------------------------------------------------------------
# Decision matrices

PLAIN_NUMBERS = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(repr),
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(["+5", "5.", ".5", "-.25", "1e5", "1E+05", "2.5e-3", "007", "-0", "0.1", "123456789012345678901"]),
)
ODD_NUMBERS = st.sampled_from(["", " 5", "5 ", "1,234.5", "９５", "95%", "abc", "-", "nan", "inf", "1e309", "#N/A", "\u22125"])
IDS = st.one_of(st.from_regex(r"[A-Z][0-9]{1,4}", fullmatch=True), st.sampled_from(["县委办", "ｕ１", " U7", "U8 ", "甲\u3000"]))
NAMES = st.one_of(st.just(""), st.sampled_from(["组织部", "Ｆｕｌｌ", "a b", "e\u0301", "西区 ", '""']), st.text("xyz中", max_size=3))


@st.composite
def matrices(draw, odd: bool):
    m = draw(st.integers(1, 4))
    n = draw(st.integers(1, 12))
    cells = st.one_of(PLAIN_NUMBERS, ODD_NUMBERS) if odd else PLAIN_NUMBERS
    ids = draw(st.lists(IDS, min_size=n, max_size=n, unique=not odd))
    with_names = draw(st.booleans())
    header = ["unit"] + (["名称"] if with_names else []) + [f"c{j}" for j in range(m)]
    rows = [[uid] + ([draw(NAMES)] if with_names else []) + [draw(cells) for _ in range(m)] for uid in ids]
    return header, rows, draw(st.booleans()), draw(st.sampled_from(["\n", "\r\n"]))


def csv_body(header, rows, newline) -> str:
    return newline.join(",".join(r) for r in [header, *rows]) + newline


@SETTINGS
@given(matrices(odd=False))
def test_clean_matrices_read_column_by_column_as_row_by_row(case):
    header, rows, bom, newline = case
    assume(all("," not in c for r in rows for c in r))
    with tempfile.TemporaryDirectory() as folder:
        path = write(folder, "m.csv", csv_body(header, rows, newline), bom)
        exact = outcome(lambda: decision_matrix(read_table(path, REGISTRY)))
        fast = fast_matrix(path, REGISTRY)
        if exact[0] == "ok":
            assert fast is not None or any(not c or c != c.strip() for r in rows for c in r[:1])
            if fast is not None:
                same_matrix(fast, exact[1])
        else:
            assert fast is None
        got = outcome(lambda: read_matrix(path, REGISTRY))
        assert got[0] == exact[0]
        if got[0] == "ok":
            same_matrix(got[1], exact[1])
        else:
            assert got[1] == exact[1]


@SETTINGS
@given(matrices(odd=True))
def test_odd_matrices_get_the_exact_messages(case):
    header, rows, bom, newline = case
    with tempfile.TemporaryDirectory() as folder:
        path = write(folder, "m.csv", csv_body(header, rows, newline), bom)
        exact = outcome(lambda: decision_matrix(read_table(path, REGISTRY)))
        got = outcome(lambda: read_matrix(path, REGISTRY))
        assert got[0] == exact[0]
        if got[0] == "ok":
            same_matrix(got[1], exact[1])
        else:
            assert got[1] == exact[1]


def test_a_bad_cell_falls_back_to_the_exact_message(tmp_path):
    path = write(str(tmp_path), "m.csv", "unit,c1,c2\nU1,3,4\nU2,abc,5\n")
    assert read_table_columns(path, REGISTRY) is not None  # the file itself is clean CSV ...
    assert fast_matrix(path, REGISTRY) is None  # ... but a cell is not a number: the exact path reports it
    with pytest.raises(DataError) as info:
        read_matrix(path, REGISTRY)
    (problem,) = info.value.problems
    assert (problem.message, problem.row, problem.column, problem.expected) == ("the value is not a number", 3, "c1", "a number")


@pytest.mark.parametrize("text", ['unit,c1\n"U1",3\n', "unit,c1\nU1,3\n\nU2,4\n", "unit,c1\nU1,3,\n", "unit,,c1\nU1,2,3\n",
                                  "unit,c1\r\nU1,3\r\n", "unit\tc1\nU1\t3\n", 'unit,name,c1\nU1,"a""",3\n',
                                  'unit,name,c1\nU1,"x"y,3\n', 'unit,name,c1\nU1,"""",3\n', 'unit,name,c1\nU1,"",3\n""'])
def test_files_the_columnar_reader_leaves_alone_or_reads_alike(tmp_path, text):
    path = write(str(tmp_path), "m.csv", text)
    exact = outcome(lambda: decision_matrix(read_table(path, REGISTRY)))
    got = outcome(lambda: read_matrix(path, REGISTRY))
    assert got[0] == exact[0]
    if got[0] == "ok":
        same_matrix(got[1], exact[1])
    else:
        assert got[1] == exact[1]


# ------------------------------------------------------------------------------------------------
# Rank reports: JSON and CSV written column by column, byte for byte as the document


def test_quoted_empty_cells_are_read_column_by_column(tmp_path):
    path = write(str(tmp_path), "m.csv", 'unit,name,c1,c2\r\nU1,"",3,4\r\nU2,"",5,""\r\nU3,乙,1,2\r\n'.replace(',""\r\n', ',6\r\n'))
    fast = fast_matrix(path, REGISTRY)  # polars writes an empty text as ""
    assert fast is not None
    same_matrix(fast, decision_matrix(read_table(path, REGISTRY)))
    assert fast.names == ("U1", "U2", "乙")


def legacy_csv(report) -> str:
    doc = report.to_dict()
    extras = [k for k in doc["units"][0] if k not in ("rank", "unit", "name", "score")]
    rows = ([row["rank"], row["unit"], row["name"], repr(row["score"]), *(repr(row[k]) for k in extras)] for row in doc["units"])
    return csv_text(rows, ["rank", "unit", "name", "score", *extras])


@SETTINGS
@given(st.integers(2, 15), st.integers(1, 4), st.sampled_from(RANK_METHODS), st.integers(0, 2**32 - 1),
       st.sampled_from(["U{}", "单位{}", "=X{}", "a,{}", "-{}"]), st.booleans())
def test_rank_output_written_by_columns_is_the_document(n, m, method, seed, id_format, ties):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, (n, m)) if ties else np.round(rng.uniform(-50, 100, (n, m)), 3)
    names = ["甲", "", "Zed", "+1"]
    lines = ["unit,name," + ",".join(f"c{j}" for j in range(m))]
    lines += [f"{id_format.format(i)},{names[i % 4]}," + ",".join(repr(float(x)) for x in X[i]) for i in range(n)]
    with tempfile.TemporaryDirectory() as folder:
        path = write(folder, "x.csv", "\n".join(lines) + "\n")
        try:
            report = rank_units(path, REGISTRY, method, weights="entropy" if seed % 3 == 0 else ",".join(["1"] * m),
                                normalize_weights=True)
        except DataError:
            return  # e.g. VIKOR or entropy on a degenerate matrix; not about the output
        assert report.json_text() == json.dumps(report.to_dict(), ensure_ascii=False, indent=1, allow_nan=False) + "\n"
        assert report.to_csv() == legacy_csv(report)


# ------------------------------------------------------------------------------------------------
# Ballots

REVIEW = load_review(EXAMPLES / "reviews" / "review.yaml")
UNIT_IDS = [f"U{k:02d}" for k in range(1, 9)]
GROUP_NAMES = {"leaders": ["领导点评", "leaders", "ＬＥＡＤＥＲＳ"], "members": ["党员互评", "members"], "public": ["群众评议", "public"]}
GRADES = ["优秀", "良好", "一般", "较差", "excellent", "good"]
CATEGORIES = ["非常满意", "满意", "基本满意", "不太满意", "不满意"]


@st.composite
def ballot_files(draw, odd: bool):
    rows = []
    for group, n_raters in (("leaders", 4), ("members", 5), ("public", 4)):
        for r in range(draw(st.integers(0, n_raters))):
            rater_unit = draw(st.sampled_from(["", *UNIT_IDS]))
            for uid in draw(st.lists(st.sampled_from(UNIT_IDS), max_size=8, unique=True)):
                if uid == rater_unit and not odd:
                    continue
                name = draw(st.sampled_from(GROUP_NAMES[group]))
                if group == "public":
                    score, grade = "", draw(st.sampled_from(CATEGORIES))
                elif draw(st.booleans()):
                    score, grade = draw(st.sampled_from(["95", "90", "88.5", "60", "100", "0", "72.25", "1e1"])), ""
                else:
                    score, grade = "", draw(st.sampled_from(GRADES))
                if odd and draw(st.integers(0, 9)) == 0:
                    score, grade, uid = draw(st.sampled_from([("101", "", uid), ("x", "", uid), ("", "", uid), ("80", "优秀", uid),
                                                                ("80", "", "U99"), ("", "棒", uid), (" 80", "", uid)]))
                row = [name, f"{group[0]}{r}", rater_unit, uid, score, grade, draw(st.sampled_from(["2025", "2025", "2024", ""]))]
                rows.append([c or draw(st.sampled_from(["", '""'])) for c in row])  # polars writes an empty text as ""
    assume(rows)
    if odd and draw(st.booleans()):
        rows.append(list(draw(st.sampled_from(rows))))  # a duplicate ballot
    split = draw(st.integers(0, len(rows)))
    return rows[:split], rows[split:]


HEADER = ["评议组", "评议人", "评议人单位", "被评单位", "分数", "等次", "年度"]


def review_outcome(paths, period="2025"):
    try:
        result = review(REVIEW, paths, UNIT_IDS, period=period, registry=REGISTRY)
    except DataError as exc:
        return "error", [p.to_dict() for p in exc.problems]
    return "ok", (result.to_dict(), result.notices())


@SETTINGS
@given(st.booleans().flatmap(lambda odd: st.tuples(st.just(odd), ballot_files(odd))))
def test_ballots_read_column_by_column_review_as_row_by_row(case):
    odd, files = case
    with tempfile.TemporaryDirectory() as folder:
        paths = [write(folder, f"b{k}.csv", "\n".join(",".join(r) for r in [HEADER, *rows]) + "\n")
                 for k, rows in enumerate(files) if rows]
        assume(paths)
        fast = review_outcome([str(p) for p in paths])
        exact = review_outcome([read_table(p, REGISTRY) for p in paths])  # Tables always take the exact path
        assert fast == exact
        if not odd and exact[0] == "ok":  # clean files: the columnar path is taken and gives the exact path's columns
            units = Units.from_ids(UNIT_IDS)
            fast_read = fast_ballots([str(p) for p in paths], REVIEW, units, REGISTRY, "2025")
            exact_read = read_ballots([read_table(p, REGISTRY) for p in paths], REVIEW, units, "2025")
            assert fast_read is not None
            for field in ("unit", "group", "ballot", "score", "category", "excellent"):
                a, b = getattr(fast_read, field), getattr(exact_read, field)
                assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), field
            assert fast_read.raters == exact_read.raters and list(fast_read.where) == list(exact_read.where)
            assert (fast_read.other_periods, fast_read.period, fast_read.skipped) == (exact_read.other_periods, "2025", ())


def test_a_bad_ballot_falls_back_and_is_reported_as_before(tmp_path):
    path = write(str(tmp_path), "b.csv", "评议组,评议人,评议人单位,被评单位,分数,等次\n领导点评,L1,,U01,94,\n领导点评,L1,,U02,105,\n")
    units = review(REVIEW, [read_table(path, REGISTRY)], ["U01", "U02"]).units
    assert fast_ballots([str(path)], REVIEW, units, REGISTRY) is None
    result = review(REVIEW, [str(path)], ["U01", "U02"], registry=REGISTRY)
    (problem,) = result.skipped
    assert (problem.message, problem.row, problem.column, problem.found) == ("the score is out of range", 3, "分数", "105")


# ------------------------------------------------------------------------------------------------
# Roll-up tables (long format: unit, indicator, period, value)


def read_part_outcome(path, indicator, period):
    from evalkit.analysis.period_rollup import RollupPart, read_part
    from evalkit.definition.model import Label
    from evalkit.errors import DefinitionError

    part = RollupPart(id="p", name=Label(zh="p"), group="p", share=1.0, file=str(path), indicator=indicator, period=period)
    try:
        got = read_part(part, registry=REGISTRY)
    except (DataError, DefinitionError) as exc:
        return "error", [p.to_dict() for p in exc.problems]
    return "ok", (got.values, got.period, got.scale, got.source)


@st.composite
def long_tables(draw):
    rows = []
    for uid in draw(st.lists(st.sampled_from(["U1", "U2", "U3", "Ｕ4", " U5", ""]), min_size=1, max_size=6)):
        rows.append([uid, draw(st.sampled_from(["review_score", "other", " review_score"])),
                     draw(st.sampled_from(["2025", "2025", "2024", "", '""'])), draw(st.one_of(PLAIN_NUMBERS, st.sampled_from(["", '""', "x"])))])
    return rows, draw(st.sampled_from([None, "2025"]))


@SETTINGS
@given(long_tables())
def test_rollup_tables_read_column_by_column_as_row_by_row(case):
    import unittest.mock

    from evalkit.io import columnar as columnar_input

    rows, period = case
    with tempfile.TemporaryDirectory() as folder:
        path = write(folder, "r.csv", "\n".join(",".join(r) for r in [["unit", "indicator", "period", "value"], *rows]) + "\n")
        got = read_part_outcome(path, "review_score", period)
        with unittest.mock.patch.object(columnar_input, "read_table_columns", lambda *_args: None):
            exact = read_part_outcome(path, "review_score", period)
    assert got == exact


def test_a_clean_rollup_table_is_read_column_by_column(tmp_path):
    from evalkit.analysis.period_rollup import RollupPart, read_part
    from evalkit.definition.model import Label

    path = write(str(tmp_path), "r.csv", "unit,indicator,period,value\nU1,review_score,2025,91.5\nU2,review_score,2025,\nU1,x,2025,1\n")
    part = RollupPart(id="p", name=Label(zh="p"), group="p", share=1.0, file=str(path), indicator="review_score")
    from evalkit.analysis import period_rollup

    fast = period_rollup._fast_table(path, part, REGISTRY)
    assert fast is not None and fast.values == {"U1": 91.5, "U2": None} and fast.period == "2025"
    assert read_part(part, registry=REGISTRY).values == fast.values


# ------------------------------------------------------------------------------------------------
# Numbers as text: pyarrow's shortest digits, written as Python's repr()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(1e-4, 1e16), st.floats(-1e16, -1e-4)), max_size=30))
def test_float_texts_are_repr(values):
    from evalkit.methods.columnar_output import float_texts

    assert float_texts(np.array(values, dtype=np.float64)) == [repr(float(x)) for x in values]


def test_float_texts_are_repr_for_any_bit_pattern():
    from evalkit.methods.columnar_output import float_texts

    rng = np.random.default_rng(20261204)
    values = np.concatenate([rng.integers(0, 2**63, 200_000, dtype=np.uint64).view(np.float64),  # every magnitude
                             rng.uniform(-100, 100, 200_000), np.round(rng.uniform(0, 100, 100_000), 2),
                             rng.uniform(0, 1, 100_000) * 1e-3, [1e-4, 1e16, 9.999999999999999e15, 0.0001000000000000001]])
    assert float_texts(values) == [repr(float(x)) for x in values.tolist()]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(alphabet="0123456789.+-eE x", max_size=6), min_size=1, max_size=8), st.integers(0, 3))
def test_numbers_takes_exactly_plain_number_text(cells, skip):
    """A column (sliced, so its buffers start with other cells) is read as numbers exactly when every cell
    is parse_number's plain number text, the same regex the columnar reader used for every column."""
    import re

    import pyarrow as pa

    from evalkit.io.columnar import numbers

    plain = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
    got = numbers(pa.array(["x"] * skip + cells)[skip:])
    if all(plain.fullmatch(c) for c in cells) and all(np.isfinite(float(c)) for c in cells):
        assert got is not None and got.tolist() == [float(c) for c in cells]
    else:
        assert got is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.text(alphabet="aZ9_单位 .=-", min_size=1, max_size=5),
                          st.floats(allow_nan=False, allow_infinity=False)), min_size=1, max_size=20))
def test_plain_csv_is_the_row_by_row_text(rows):
    from evalkit.methods.columnar_output import plain_csv

    ranks = np.array([r[0] for r in rows], dtype=np.int64)
    texts = [r[1] for r in rows]
    scores = np.array([r[2] for r in rows], dtype=np.float64)
    got = plain_csv(["rank", "unit", "score"], [ranks, texts], [scores])
    if any(t[0] in "=-" for t in texts):
        assert got is None  # a formula-like text is left to the exact writer
    else:
        assert got == csv_text(([int(r), t, repr(float(x))] for r, t, x in zip(ranks, texts, scores)), ["rank", "unit", "score"])


# ------------------------------------------------------------------------------------------------
# Fuzzy ballots (unit, criterion, grade and a count, or one row per ballot)


@st.composite
def fuzzy_files(draw, odd: bool):
    units = draw(st.lists(st.sampled_from(["U1", "U2", "县委办", "Ｕ3"] + ([" U1", ""] if odd else [])), min_size=1, max_size=3, unique=True))
    criteria = draw(st.lists(st.sampled_from(["政治建设", "思想", "c3"]), min_size=1, max_size=3, unique=True))
    counted = draw(st.booleans())
    grade_words = ["优秀", "良好", "一般", "较差"] + (["棒", ""] if odd else [])
    rows = []
    for uid in units:
        for c in criteria:
            if counted:
                for grade in draw(st.lists(st.sampled_from(grade_words), min_size=1, max_size=4, unique=not odd)):
                    count = draw(st.sampled_from(["0", "3", "12", "2.5", '""'] + (["-1", "x", ""] if odd else [])))
                    rows.append([uid, draw(st.sampled_from(["", "名称"])) if odd else "", c, grade, count])
            else:
                for b in range(draw(st.integers(1, 3))):
                    rows.append([uid, "", c, draw(st.sampled_from(grade_words)), draw(st.sampled_from([f"B{b}", "", '""']))])
    draw(st.randoms()).shuffle(rows)
    header = ["单位", "名称", "指标", "等次", "票数" if counted else "票号"]
    return header, rows


@SETTINGS
@given(st.booleans().flatmap(lambda odd: st.tuples(st.just(odd), fuzzy_files(odd))))
def test_fuzzy_ballots_read_column_by_column_as_row_by_row(case):
    from evalkit.methods.inputs import ballots_from_table, fast_ballots, read_ballots

    odd, (header, rows) = case
    with tempfile.TemporaryDirectory() as folder:
        path = write(folder, "f.csv", "\n".join(",".join(r) for r in [header, *rows]) + "\n")
        exact = outcome(lambda: ballots_from_table(read_table(path, REGISTRY)))
        got = outcome(lambda: read_ballots(path, REGISTRY))
        fast = fast_ballots(path, REGISTRY)
    assert got[0] == exact[0]
    if exact[0] == "error":
        assert fast is None and got[1] == exact[1]
        return
    for read in (got[1], fast) if fast is not None else (got[1],):
        e = exact[1]
        assert (read.source, read.units, read.names, read.criteria, read.grades, read.counted, read.rows) == \
            (e.source, e.units, e.names, e.criteria, e.grades, e.counted, e.rows)
        assert read.counts.tobytes() == e.counts.tobytes()
    if not odd:
        assert fast is not None


# ------------------------------------------------------------------------------------------------
# Targets files (unit, indicator, baseline_period, baseline, target, due and optional columns)


def targets_example():
    import evalkit

    folder = EXAMPLES / "targets"
    scorecard = evalkit.load_scorecard(folder / "scorecard.yaml")
    units = evalkit.load_units(folder / "units.csv", scorecard.registry)
    return scorecard, evalkit.load_data(folder / "data.csv", units, scorecard)


TARGETS_CARD, TARGETS_DATA = targets_example()


@st.composite
def target_files(draw):
    header = ["unit", "indicator", "baseline_period", "baseline", "target", "due"]
    extra = draw(st.lists(st.sampled_from(["trajectory", "steps", "tolerance"]), unique=True))
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        row = [draw(st.sampled_from(["P01", "P02", "B01", "B02", "B03", "B99", " B01"])),
               draw(st.sampled_from(["recruitment", "meetings_rate", "satisfaction", "recruits"])),
               draw(st.sampled_from(["2024", "2023", "2024Q1", "FY24", ""])), draw(st.sampled_from(["", "50", "60.5", '""', "x"])),
               draw(st.sampled_from(["2", "80", "95.5", "", "two"])), draw(st.sampled_from(["2025", "2026", "2025Q2", "2023"]))]
        row += [draw(st.sampled_from({"trajectory": ["", "linear", "stepped", "wavy"], "steps": ["", "1", "2", "2.5", "0"],
                                      "tolerance": ["", "0.1", "0", "-1"]}[key])) for key in extra]
        rows.append(row)
    return header + extra, rows


def targets_outcome(path, exact: bool):
    import unittest.mock

    from evalkit.analysis.targets import read_targets
    from evalkit.io import columnar as columnar_input

    try:
        if exact:
            with unittest.mock.patch.object(columnar_input, "read_table_columns", lambda *_args: None):
                got = read_targets(read_table(path, REGISTRY), TARGETS_DATA, TARGETS_CARD.indicators)
        else:
            from evalkit.analysis.targets import fast_targets

            got = fast_targets(path, REGISTRY, TARGETS_DATA, TARGETS_CARD.indicators)
            if got is None:
                return "fallback", None
    except DataError as exc:
        return "error", [p.to_dict() for p in exc.problems]
    return "ok", [(k, v.tobytes() if isinstance(v, np.ndarray) else v) for k, v in attrs.asdict(got, recurse=False).items()
                  if k != "units"]


@SETTINGS
@given(target_files())
def test_targets_read_column_by_column_as_row_by_row(case):
    header, rows = case
    with tempfile.TemporaryDirectory() as folder:
        path = write(folder, "t.csv", "\n".join(",".join(r) for r in [header, *rows]) + "\n")
        exact = targets_outcome(path, exact=True)
        fast = targets_outcome(path, exact=False)
    if fast[0] != "fallback":
        assert fast == exact


def test_the_example_targets_are_read_column_by_column():
    exact = targets_outcome(EXAMPLES / "targets" / "targets.csv", exact=True)
    assert exact[0] == "ok" and targets_outcome(EXAMPLES / "targets" / "targets.csv", exact=False) == exact


# ------------------------------------------------------------------------------------------------
# Delphi rounds (wide: expert and one column per item; long: expert, item, score)


@st.composite
def delphi_files(draw):
    clean = draw(st.booleans())  # clean files take the columnar path, the others fall back
    experts = draw(st.lists(st.sampled_from(["E1", "E2", "专家3", "Ｅ4"] + ([] if clean else [" E5", ""])), min_size=1,
                            max_size=5, unique=clean))
    items = draw(st.lists(st.sampled_from(["三会一课", "主题党日", "c3", "Item"]), min_size=1, max_size=3, unique=True))
    scores = st.sampled_from(["1", "3", "5", "4.5", "-1"] + ([] if clean else ["6", "", "x"]))
    if draw(st.booleans()):
        return [["专家", *items], *([e, *(draw(scores) for _ in items)] for e in experts)]
    rows = [[e, i, draw(scores)] for e in experts for i in items if clean or draw(st.integers(0, 9))]
    draw(st.randoms()).shuffle(rows)
    return [["专家", "指标", "评分"], *rows]


@SETTINGS
@given(delphi_files())
def test_delphi_rounds_read_column_by_column_as_row_by_row(rows):
    import unittest.mock

    from evalkit.io import columnar as columnar_input
    from evalkit.methods.inputs import fast_delphi_scores, read_delphi_scores

    def read(path):
        return outcome(lambda: read_delphi_scores(path, REGISTRY, 5))

    with tempfile.TemporaryDirectory() as folder:
        path = write(folder, "d.csv", "\n".join(",".join(r) for r in rows) + "\n")
        got = read(path)
        fast = fast_delphi_scores(path, REGISTRY, 5)
        with unittest.mock.patch.object(columnar_input, "read_table_columns", lambda *_args: None):
            exact = read(path)
    assert got[0] == exact[0]
    if exact[0] == "error":
        assert fast is None and got[1] == exact[1]
        return
    for result in (got[1], fast) if fast is not None else (got[1],):
        e = exact[1]
        assert (result.source, result.experts, result.items, result.layout) == (e.source, e.experts, e.items, e.layout)
        assert result.scores.tobytes() == e.scores.tobytes()


def test_the_example_delphi_round_is_read_column_by_column():
    from evalkit.methods.inputs import delphi_scores_from_table, fast_delphi_scores

    path = EXAMPLES / "ahp" / "delphi_round1.csv"
    fast = fast_delphi_scores(path, REGISTRY, 5)
    exact = delphi_scores_from_table(read_table(path, REGISTRY), 5)
    assert fast is not None and (fast.experts, fast.items, fast.layout) == (exact.experts, exact.items, exact.layout)
    assert fast.scores.tobytes() == exact.scores.tobytes()


# ------------------------------------------------------------------------------------------------
# Decision matrices from Parquet

PARQUET_VALUES = st.one_of(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(-10**6, 10**6).map(float))
ODD_PARQUET_VALUES = st.one_of(PARQUET_VALUES, st.sampled_from([float("nan"), float("inf"), None]))


@st.composite
def parquet_matrices(draw, odd: bool):
    n, m = draw(st.integers(1, 12)), draw(st.integers(1, 3))
    ids = draw(st.lists(IDS, min_size=n, max_size=n, unique=not odd))
    if odd and draw(st.booleans()):
        ids[0] = None
    columns = {"unit": ids}
    if draw(st.booleans()):
        columns["名称"] = [draw(st.one_of(st.none(), NAMES)) for _ in range(n)]
    ints = draw(st.booleans())
    for j in range(m):
        if ints and j == 0:
            columns[f"c{j}"] = draw(st.lists(st.integers(-2**53, 2**53) if odd else st.integers(-10**6, 10**6), min_size=n, max_size=n))
        else:
            columns[f"c{j}"] = draw(st.lists(ODD_PARQUET_VALUES if odd else PARQUET_VALUES, min_size=n, max_size=n))
    return columns


@SETTINGS
@given(parquet_matrices(odd=False))
def test_parquet_matrices_read_column_by_column_as_row_by_row(columns):
    import pyarrow as pa
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.parquet"
        pq.write_table(pa.table(columns), path)
        exact = outcome(lambda: decision_matrix(read_table(path, REGISTRY)))
        fast = fast_matrix(path, REGISTRY)
        names = columns.get("名称", [""])
        if exact[0] == "ok" and any(name is not None for name in names):  # (a column of nulls only has no type)
            assert fast is not None  # taken column by column
        if fast is not None:
            assert exact[0] == "ok"
            same_matrix(fast, exact[1])


@SETTINGS
@given(parquet_matrices(odd=True))
def test_odd_parquet_matrices_get_the_exact_messages(columns):
    import pyarrow as pa
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.parquet"
        pq.write_table(pa.table(columns), path)
        exact = outcome(lambda: decision_matrix(read_table(path, REGISTRY)))
        got = outcome(lambda: read_matrix(path, REGISTRY))
        assert got[0] == exact[0]
        if got[0] == "ok":
            same_matrix(got[1], exact[1])
        else:
            assert got[1] == exact[1]
