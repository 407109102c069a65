"""Reading the long tables of the methods: fuzzy ballots (模糊评价选票) and Delphi rounds (德尔菲专家评分).

Both are read through the one table toolkit (`evalkit.io.table`): columns are found by their English or
Chinese header, cells are read with the toolkit's number syntax, every problem names the file, the row
and the column (or the JSON path), and all problems are reported at once.

- Ballots: a long table with the columns unit (单位), criterion (指标), grade (等次) and, optionally,
  count (票数). With a count column a (unit, criterion, grade) appears once; without one each row is
  one ballot (an optional ballot column, 票号, catches a ballot that grades a unit twice on one
  criterion). Grades not in the given grades are errors (never dropped); every unit needs at least one
  vote on every criterion.
- Delphi rounds: a long table is exactly expert, item, score (专家, 指标, 评分); anything else is wide
  (expert, then one column per item). Every expert scores every item; a score above the full mark is an
  error at its row and column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs
import numpy as np

from evalkit.errors import DataError, Problem, describe
from evalkit.io.table import MAX_PROBLEMS, Row, RowReader, Table, header_key, parse_number
from evalkit.plugins.manager import Registry

__all__ = [
    "BALLOT_HEADERS",
    "COUNT_HEADERS",
    "CRITERION_HEADERS",
    "EXPERT_HEADERS",
    "FUZZY_GRADES",
    "GRADE_HEADERS",
    "ITEM_HEADERS",
    "NAME_HEADERS",
    "SCORE_HEADERS",
    "UNIT_HEADERS",
    "Ballots",
    "DelphiScores",
    "ballots_from_table",
    "cell_number",
    "delphi_scores_from_table",
    "fast_ballots",
    "fast_delphi_scores",
    "raise_row_problems",
    "read_ballots",
    "read_delphi_scores",
    "role_reader",
    "unique_row",
]

UNIT_HEADERS = ("unit", "unit_id", "id", "单位", "编号", "单位编号", "考核对象")
NAME_HEADERS = ("name", "名称", "单位名称")
FUZZY_GRADES = ("优秀", "良好", "一般", "较差")
CRITERION_HEADERS = ("criterion", "indicator", "item", "指标", "考核指标", "评价指标", "测评项目")
GRADE_HEADERS = ("grade", "等次", "等级", "评价等次", "评价等级", "评定等次")
COUNT_HEADERS = ("count", "votes", "票数", "计票", "人数")
BALLOT_HEADERS = ("ballot", "voter", "票号", "选票编号", "评议人")
EXPERT_HEADERS = ("expert", "expert_id", "rater", "专家", "专家编号", "专家姓名", "评分专家")
ITEM_HEADERS = ("item", "indicator", "criterion", "指标", "条目", "评价指标", "咨询项目")
SCORE_HEADERS = ("score", "rating", "评分", "分值", "得分", "打分")
FULL_RANKINGS = "a score: every expert scores every item (Kendall's W needs complete rankings)"


# --------------------------------------------------------------------------------------------------
# The toolkit, as the wide and long tables of the methods use it


def role_reader(table: Table, roles: Mapping[str, tuple[str, ...]], *, empty: str,
                unnamed: str = "a name in the header row") -> tuple[RowReader, list[str]]:
    """A RowReader finding each role's column by header, and the keys of the other columns, in file order.

    The other columns (criteria or items in a wide table) are keyed ``"#<position>"``; read them with
    ``row.cell(key)`` and locate problems with ``row.problem(..., key)`` as any other column. `empty`
    says what an empty file should hold, `unnamed` what a column without a header should have.
    """
    if not table.columns:
        raise DataError(Problem("the file is empty", source=table.source, expected=empty))
    blank = [Problem("a column has no header", source=table.source, column=f"#{pos + 1}", expected=unnamed)
             for pos, header in enumerate(table.columns) if not header_key(header)]
    known = {header_key(alias) for aliases in roles.values() for alias in aliases}
    others = {f"#{pos}": (header,) for pos, header in enumerate(table.columns)
              if header_key(header) and header_key(header) not in known}
    try:
        reader = RowReader(table, {**roles, **others}, required=())
    except DataError as exc:
        raise DataError(blank + list(exc.problems)) from None
    if blank:
        raise DataError(blank)
    return reader, list(others)


def missing_column(table: Table, role: str, aliases: Sequence[str]) -> Problem:
    """The problem of a table without the column of `role`."""
    return Problem(f"the {role} column is missing", source=table.source,
                   expected="a column named " + " or ".join(repr(a) for a in aliases),
                   found="columns " + ", ".join(repr(c) for c in table.columns))


def cell_number(row: Row, key: str, what: str, when_empty: str) -> float | None:
    """The cell as a number, or None with a problem at the row ("the <what> is not a number" or "... is empty")."""
    raw = row.cell(key)
    try:
        value = parse_number(raw)
    except ValueError as exc:
        row.problem(f"the {what} is not a number", key, expected=str(exc),
                    found=describe(raw) if isinstance(raw, (int, float, str)) else describe(str(raw)))
        return None
    if value is None:
        row.problem(f"the {what} is empty", key, expected=when_empty, found="an empty cell")
    return value


def unique_row(reader: RowReader, row: Row, key: tuple, message: str, expected: str, column: str) -> bool:
    """`RowReader.unique`, saying "also at row N" as the methods' messages always have."""
    if reader.unique(row, key, message, expected, column):
        return True
    last = reader.problems[-1]
    if last.found and last.found.startswith("also "):
        reader.problems[-1] = attrs.evolve(last, found="also at " + last.found[len("also "):])
    return False


def raise_row_problems(reader: RowReader, last: int) -> None:
    """Raise every problem collected; say so when reading stopped early (`last`: the last row read)."""
    problems = list(reader.problems)
    if len(problems) >= MAX_PROBLEMS and last < len(reader.table.rows) - 1:
        problems.append(Problem(f"stopped after {MAX_PROBLEMS} problems; is this the right file?",
                                source=reader.table.source))
    if problems:
        raise DataError(problems)


def _unknown_columns(reader: RowReader, others: Sequence[str], expected: str) -> list[Problem]:
    table = reader.table
    return [Problem(f"unknown column {reader.headers[key]!r}", source=table.source, column=reader.headers[key],
                    expected=expected, found=describe(reader.headers[key])) for key in others]


# --------------------------------------------------------------------------------------------------
# Fuzzy ballots


@attrs.frozen(eq=False)
class Ballots:
    """The ballots file as counts (n_units, n_criteria, n_grades), with names in file order."""

    source: str
    units: tuple[str, ...]
    names: tuple[str, ...]
    criteria: tuple[str, ...]
    grades: tuple[str, ...]
    counts: np.ndarray
    counted: bool  # True: a count column; False: one row per ballot
    rows: int


def read_ballots(path: str | Path, registry: Registry, grades: Sequence[str] = FUZZY_GRADES) -> Ballots:
    """Read and check a ballots file (any format the registry's loaders read) for fuzzy evaluation: a clean
    CSV column by column (`fast_ballots`), anything else row by row."""
    from evalkit.io.inputs import read_table

    fast = fast_ballots(path, registry, grades)
    if fast is not None:
        return fast
    return ballots_from_table(read_table(path, registry), grades)


def ballots_from_table(table: Table, grades: Sequence[str] = FUZZY_GRADES) -> Ballots:
    """Check loaded ballots and count the votes: every problem located by row and column, all at once."""
    source = table.source
    grades = tuple(grades)
    layout = "unit (单位), criterion (指标), grade (等次) and, optionally, count (票数)"
    aliases = {"unit": UNIT_HEADERS, "name": NAME_HEADERS, "criterion": CRITERION_HEADERS, "grade": GRADE_HEADERS,
               "count": COUNT_HEADERS, "ballot": BALLOT_HEADERS}
    reader, others = role_reader(table, aliases, empty="a header row: " + layout)
    roles = reader.columns
    problems = [missing_column(table, role, aliases[role]) for role in ("unit", "criterion", "grade") if role not in roles]
    problems += _unknown_columns(reader, others, "only the columns " + layout + ", an optional name (名称) and, without "
                                 "a count, an optional ballot (票号)")
    if "count" in roles and "ballot" in roles:
        problems.append(Problem("a ballot column and a count column together", source=source, column=reader.headers["ballot"],
                                expected="either one row per ballot (with an optional ballot column) or counts per grade (a count column)",
                                found="both"))
    if problems:
        raise DataError(problems)
    if not table.rows:
        raise DataError(Problem("the file has a header but no ballots", source=source, expected="one row per unit, criterion and grade"))

    counted = "count" in roles
    grade_index = {header_key(g): k for k, g in enumerate(grades)}
    units: dict[str, int] = {}
    names: list[str] = []
    criteria: dict[str, int] = {}
    votes: dict[tuple[int, int, int], float] = {}
    rows_of: set[tuple[int, int]] = set()
    last = -1
    for row in reader:
        last = row.index
        uid = row.text("unit", required=True, expected="a unit id or name")
        criterion = row.text("criterion", required=True, expected="a criterion name")
        raw_grade = row.cell("grade")
        grade = row.text("grade")
        if not grade:
            row.problem("the grade is empty", "grade", expected="one of " + ", ".join(grades), found="an empty cell")
        elif header_key(grade) not in grade_index:
            row.problem(f"unknown grade {grade!r}", "grade", expected="one of " + ", ".join(grades) + ", the grades of --grades",
                        found=describe(raw_grade if isinstance(raw_grade, str) else grade))
        count = 1.0
        if counted:
            number = cell_number(row, "count", "count", "a number of votes >= 0 (0 for none)")
            if number is not None and number < 0:
                row.problem("the count is negative", "count", expected="a number of votes >= 0", found=describe(row.cell("count")))
            elif number is not None:
                count = number
        if not row.ok:
            continue
        if uid not in units:
            units[uid] = len(units)
            names.append("")
        u = units[uid]
        name = row.text("name") if row.has("name") else ""
        if name and not names[u]:
            names[u] = name
        elif name and name != names[u]:
            row.problem(f"the unit {uid!r} has another name here", "name", expected=f"{names[u]!r}, as on its first row",
                        found=describe(name))
            continue
        c = criteria.setdefault(criterion, len(criteria))
        g = grade_index[header_key(grade)]
        if counted:
            if not unique_row(reader, row, (u, c, g), f"the unit {uid!r}, criterion {criterion!r}, grade {grades[g]!r} is given twice",
                              "one row per unit, criterion and grade (add the votes up in one row)", "grade"):
                continue
        else:
            ballot = row.text("ballot") if row.has("ballot") else ""
            if ballot and not unique_row(reader, row, (ballot, u, c),
                                         f"the ballot {ballot!r} grades the unit {uid!r} on the criterion {criterion!r} twice",
                                         "one grade per ballot, unit and criterion", "ballot"):
                continue
        votes[(u, c, g)] = votes.get((u, c, g), 0.0) + count
        rows_of.add((u, c))
    raise_row_problems(reader, last)
    counts = np.zeros((len(units), len(criteria), len(grades)))
    if votes:
        index = np.array(list(votes.keys()), dtype=np.int64)
        counts[index[:, 0], index[:, 1], index[:, 2]] = np.fromiter(votes.values(), dtype=np.float64, count=len(votes))
    unit_ids, criterion_names = tuple(units), tuple(criteria)
    for u, c in np.argwhere(counts.sum(axis=2) <= 0).tolist():
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem("more units and criteria have no votes; not listed here", source=source))
            break
        problems.append(Problem(f"the unit {unit_ids[u]!r} has no votes on the criterion {criterion_names[c]!r}", source=source,
                                column=reader.headers.get("count") if (u, c) in rows_of else None,
                                expected="at least one vote for every unit on every criterion",
                                found="only counts of 0" if (u, c) in rows_of else "no row"))
    if problems:
        raise DataError(problems)
    return Ballots(source=source, units=unit_ids, names=tuple(n or uid for n, uid in zip(names, unit_ids)),
                   criteria=criterion_names, grades=grades, counts=counts, counted=counted, rows=len(table.rows))


def fast_ballots(path: str | Path, registry: Registry, grades: Sequence[str] = FUZZY_GRADES) -> Ballots | None:
    """`ballots_from_table` of a clean CSV read column by column (`evalkit.io.columnar`); None when
    the file is not one the columnar path reads exactly or when it has anything to report (read it exactly)."""
    from evalkit.io.columnar import numbers, read_table_columns, row_codes

    columns = read_table_columns(path, registry)
    if columns is None:
        return None
    grades = tuple(grades)
    aliases = {"unit": UNIT_HEADERS, "name": NAME_HEADERS, "criterion": CRITERION_HEADERS, "grade": GRADE_HEADERS,
               "count": COUNT_HEADERS, "ballot": BALLOT_HEADERS}
    try:
        reader, others = role_reader(columns.header(), aliases, empty="")
    except DataError:
        return None
    at = reader.columns
    if others or any(role not in at for role in ("unit", "criterion", "grade")) or ("count" in at and "ballot" in at):
        return None
    unit, units = row_codes(columns.column(at["unit"]))
    criterion, criteria = row_codes(columns.column(at["criterion"]))
    grade_code, grade_texts = row_codes(columns.column(at["grade"]))
    grade_index = {header_key(g): k for k, g in enumerate(grades)}
    grade_of = np.array([grade_index.get(header_key(t), -1) if t else -1 for t in grade_texts], dtype=np.int64)
    if "" in units or "" in criteria or (grade_of < 0).any():
        return None  # an empty or unknown cell: the exact path names its row
    g = grade_of[grade_code]
    counted = "count" in at
    shape = (len(units), len(criteria), len(grades))
    if counted:
        count = numbers(columns.column(at["count"]))
        if count is None or (count < 0).any():
            return None
        key = np.ravel_multi_index((unit, criterion, g), shape)
    else:
        count = np.ones(columns.num_rows)
        key = np.empty(0, dtype=np.int64)
        if "ballot" in at:
            ballot, ballot_texts = row_codes(columns.column(at["ballot"]))
            marked = np.array([bool(t) for t in ballot_texts], dtype=bool)[ballot]
            key = np.ravel_multi_index((ballot[marked], unit[marked], criterion[marked]),
                                       (len(ballot_texts), len(units), len(criteria)))
    ordered = np.sort(key)
    if (ordered[1:] == ordered[:-1]).any():
        return None  # given twice
    names = list(units)
    if "name" in at:
        name, name_texts = row_codes(columns.column(at["name"]))
        named = np.array([bool(t) for t in name_texts], dtype=bool)[name]
        pairs = np.unique(np.ravel_multi_index((unit[named], name[named]), (len(units), len(name_texts))))
        owner = pairs // len(name_texts)
        if (owner[1:] == owner[:-1]).any():
            return None  # a unit with two names
        for u, k in zip(owner.tolist(), (pairs % len(name_texts)).tolist()):
            names[u] = name_texts[k]
    counts = np.zeros(shape)
    np.add.at(counts, (unit, criterion, g), count)
    if (counts.sum(axis=2) <= 0).any():
        return None  # a unit without votes on a criterion
    return Ballots(source=columns.source, units=tuple(units), names=tuple(names), criteria=tuple(criteria), grades=grades,
                   counts=counts, counted=counted, rows=columns.num_rows)


# --------------------------------------------------------------------------------------------------
# Delphi rounds


@attrs.frozen(eq=False)
class DelphiScores:
    """A Delphi round's scores (n_experts, n_items) in file order."""

    source: str
    experts: tuple[str, ...]
    items: tuple[str, ...]
    scores: np.ndarray
    layout: str  # "wide" or "long"


def read_delphi_scores(path: str | Path, registry: Registry, full_mark: float) -> DelphiScores:
    """Read and check a Delphi round's scores (wide or long; any format the registry's loaders read): a clean
    CSV column by column (`fast_delphi_scores`), anything else row by row."""
    from evalkit.io.inputs import read_table

    fast = fast_delphi_scores(path, registry, full_mark)
    if fast is not None:
        return fast
    return delphi_scores_from_table(read_table(path, registry), full_mark)


def fast_delphi_scores(path: str | Path, registry: Registry, full_mark: float) -> DelphiScores | None:
    """`delphi_scores_from_table` of a clean CSV read column by column (`evalkit.io.columnar`); None
    when the file is not one the columnar path reads exactly or when it has anything to report (read it exactly)."""
    from evalkit.io.columnar import numbers, read_table_columns, row_codes, texts

    columns = read_table_columns(path, registry)
    if columns is None:
        return None
    try:
        reader, others = role_reader(columns.header(), {"expert": EXPERT_HEADERS, "item": ITEM_HEADERS,
                                                              "score": SCORE_HEADERS}, empty="")
    except DataError:
        return None
    at = reader.columns
    long = "item" in at or "score" in at
    if "expert" not in at or (long and ("item" not in at or "score" not in at or others)) or (not long and not others):
        return None
    if long:
        expert, experts = row_codes(columns.column(at["expert"]))
        item, items = row_codes(columns.column(at["item"]))
        score = numbers(columns.column(at["score"]))
        if "" in experts or "" in items or score is None or (score > full_mark).any():
            return None
        ordered = np.sort(expert * len(items) + item)
        if (ordered[1:] == ordered[:-1]).any():
            return None  # an expert scores an item twice
        S = np.full((len(experts), len(items)), np.nan)
        S[expert, item] = score
        if np.isnan(S).any():
            return None  # a missing score: the exact path names the expert and item
        ids, names = experts, [str(name) for name in items]
    else:
        ids = texts(columns.column(at["expert"]))
        if "" in ids or len(set(ids)) != len(ids):
            return None
        S = np.empty((columns.num_rows, len(others)))
        for j, key in enumerate(others):
            values = numbers(columns.column(int(key[1:])))
            if values is None or (values > full_mark).any():
                return None
            S[:, j] = values
        names = [reader.headers[key] for key in others]
    if len(ids) < 2:
        return None
    return DelphiScores(source=columns.source, experts=tuple(ids), items=tuple(names), scores=S,
                        layout="long" if long else "wide")


def _score(row: Row, key: str, full_mark: float) -> float | None:
    value = cell_number(row, key, "score", FULL_RANKINGS)
    if value is not None and value > full_mark:
        row.problem("the score is above the full mark", key, expected=f"at most {full_mark:g} (--full-mark)",
                    found=describe(row.cell(key)))
        return None
    return value


def delphi_scores_from_table(table: Table, full_mark: float) -> DelphiScores:
    """Check a loaded Delphi round: every expert scores every item, no score above `full_mark`."""
    source = table.source
    aliases = {"expert": EXPERT_HEADERS, "item": ITEM_HEADERS, "score": SCORE_HEADERS}
    reader, others = role_reader(table, aliases,
                                 empty="a header row: expert (专家) and one column per item, or expert, item, score")
    roles = reader.columns
    long = "item" in roles or "score" in roles
    problems = [missing_column(table, role, aliases[role]) for role in (("expert", "item", "score") if long else ("expert",))
                if role not in roles]
    if long:
        problems += _unknown_columns(reader, others, "only expert, item and score in a long table (a wide table has no item "
                                     "or score column: expert, then one column per item)")
    elif not others:
        problems.append(Problem("the file has no item columns", source=source,
                                expected="one column of scores per item besides the expert column",
                                found="columns " + ", ".join(repr(c) for c in table.columns)))
    if problems:
        raise DataError(problems)
    if not table.rows:
        raise DataError(Problem("the file has a header but no scores", source=source, expected="one row per expert" if not long
                                else "one row per expert and item"))
    last = -1
    if long:
        experts: dict[str, int] = {}
        items: dict[str, int] = {}
        values: dict[tuple[int, int], float] = {}
        for row in reader:
            last = row.index
            expert = row.text("expert", required=True, expected="an expert id or name")
            item = row.text("item", required=True, expected="an item (indicator) name")
            value = _score(row, "score", full_mark)
            if not row.ok or value is None:
                continue
            if not unique_row(reader, row, (expert, item), f"the expert {expert!r} scores the item {item!r} twice",
                              "one score per expert and item", "score"):
                continue
            values[(experts.setdefault(expert, len(experts)), items.setdefault(item, len(items)))] = value
        raise_row_problems(reader, last)
        S = np.full((len(experts), len(items)), np.nan)
        for (e, j), v in values.items():
            S[e, j] = v
        expert_ids, item_names = tuple(experts), tuple(items)
        missing = [Problem(f"the expert {expert_ids[e]!r} has no score for the item {item_names[j]!r}", source=source,
                           expected="a score from every expert on every item (Kendall's W needs complete rankings)",
                           found="no row") for e, j in np.argwhere(np.isnan(S))[:MAX_PROBLEMS].tolist()]
        if missing:
            raise DataError(missing)
    else:
        item_names = tuple(reader.headers[key] for key in others)
        S = np.zeros((len(table.rows), len(others)))
        ids = []
        for row in reader:
            last = row.index
            expert = row.text("expert", required=True, expected="an expert id or name")
            if expert:
                unique_row(reader, row, (expert,), f"the expert {expert!r} is given twice", "one row per expert", "expert")
            ids.append(expert)
            for j, key in enumerate(others):
                value = _score(row, key, full_mark)
                if value is not None:
                    S[row.index, j] = value
        raise_row_problems(reader, last)
        expert_ids = tuple(ids)
    if len(expert_ids) < 2:
        raise DataError(Problem("a Delphi round needs at least two experts", source=source,
                                expected="scores from 2 or more experts", found=f"{len(expert_ids)} expert"))
    return DelphiScores(source=source, experts=expert_ids, items=item_names, scores=S, layout="long" if long else "wide")
