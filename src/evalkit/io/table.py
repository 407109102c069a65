"""Tables and the one toolkit every reader of a table uses.

A loader turns a file into a `Table` (named columns, rows that remember their line in the file). Every
reader of content (data, units, adjustments, ballots, targets, plans, matrices) then finds its columns
with `find_columns`, reads cells with `cell_text` and `parse_number`, and collects `Problem`s through a
`RowReader`, so a CSV, an Excel sheet and a JSON file get the same messages wherever they are read.
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from evalkit.errors import DataError, Problem, describe

MAX_PROBLEMS = 50  # more than this in one file says "the wrong file", not fifty typos


@attrs.frozen
class UnsavedFormula:
    """A spreadsheet cell holding a formula whose result was never saved (a program wrote the file)."""

    formula: str

    def __str__(self) -> str:
        return self.formula


@attrs.frozen
class PercentCell:
    """A spreadsheet number shown as a percentage: Excel stores what reads 95% as 0.95."""

    stored: float

    def __str__(self) -> str:
        return f"{self.stored * 100:.10g}%"


@attrs.frozen
class Table:
    """Rows of cells under a header. `row_numbers[i]` is the row as the user sees it in the file."""

    source: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    row_numbers: tuple[int, ...]
    # "row": spreadsheet/CSV row numbers (header is row 1); "index": position in a JSON array.
    row_style: str = "row"

    def where(self, i: int, column: str | None = None) -> dict[str, Any]:
        """Problem fields that locate row i (and a column) the way the user's file shows it."""
        if self.row_style == "index":
            path = f"$[{self.row_numbers[i]}]" + (f".{column}" if column else "")
            return {"source": self.source, "path": path}
        return {"source": self.source, "row": self.row_numbers[i], "column": column}


@attrs.frozen
class Loader:
    """A file format: its name (as in --format), the file endings it reads, and the reader."""

    name: str
    extensions: tuple[str, ...]
    read: Callable[[Path], Table]
    description: str = ""


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!", "#GETTING_DATA")
# What people type for "no value"; they are told to leave the cell empty instead.
_NO_VALUE = {"-", "--", "—", "——", "－", "/", "\\", "无", "空", "缺", "暂无", "n/a", "na", "null", "none", "不适用"}
_NAN_OR_INF = re.compile(r"^[+-]?(nan|inf|infinity)$", re.IGNORECASE)


def header_key(name: str) -> str:
    """A header as compared: full-width forms folded (NFKC), trimmed, case folded. The one normalisation."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def find_columns(table: Table, wanted: Mapping[str, tuple[str, ...]], required: Iterable[str],
                  other: tuple[Mapping[str, tuple[str, ...]], str] | None = None) -> dict[str, int]:
    """Map each wanted column to its position, by any accepted header name (case-insensitive).

    `other` is (the columns of the other kind of file, a hint): a units file given as data, or the
    reverse, is then named as such.
    """
    if not table.columns:
        if table.row_style == "index":
            raise DataError(Problem("the file holds no rows", source=table.source,
                                    expected="a JSON array of objects with the keys " + ", ".join(wanted)))
        raise DataError(Problem("the file is empty", source=table.source,
                                expected="a header row with the columns " + ", ".join(wanted)))
    lowered = [header_key(c) for c in table.columns]
    problems = []
    seen: dict[str, int] = {}
    for pos, name in enumerate(lowered):
        if name and name in seen:
            problems.append(Problem(f"the column {table.columns[pos]!r} appears twice in the header", source=table.source,
                                    column=table.columns[pos], expected="each column once"))
        seen.setdefault(name, pos)
    found: dict[str, int] = {}
    missing = []
    for key, aliases in wanted.items():
        hits = [seen[header_key(a)] for a in aliases if header_key(a) in seen]
        if len(hits) > 1:
            problems.append(Problem(f"several columns mean {key!r}", source=table.source,
                                    expected="one of " + ", ".join(aliases),
                                    found=", ".join(table.columns[h] for h in hits)))
        elif hits:
            found[key] = hits[0]
        elif key in required:
            missing.append(key)
            problems.append(Problem(f"the column {key!r} is missing", source=table.source,
                                    expected="a column named " + " or ".join(repr(a) for a in aliases),
                                    found="columns " + ", ".join(repr(c) for c in table.columns)))
    if missing:
        hint = _column_hint(table, lowered, other)
        if hint:  # one problem that says what is wrong, rather than every column "missing"
            raise DataError(Problem(hint, source=table.source,
                                    found="columns " + ", ".join(repr(c) for c in table.columns)))
    if problems:
        raise DataError(problems)
    return found


def _column_hint(table: Table, lowered: list[str],
                 other: tuple[Mapping[str, tuple[str, ...]], str] | None) -> str | None:
    """Why the columns might be missing: the other kind of file, or another separator."""
    if other is not None:
        other_columns, what = other
        other_names = {header_key(a) for key, aliases in other_columns.items() for a in aliases}
        if sum(1 for name in lowered if name in other_names) >= 2:
            return what
    if len(table.columns) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("，", "Chinese commas")):
            if sep in table.columns[0]:
                return f"the columns seem separated by {name}; save the file as 'CSV UTF-8 (逗号分隔)'"
    return None


def cell_text(cell: Any) -> str:
    """A cell as trimmed, NFKC-normalised text ('' for empty), so "１０１" and "101 " are the same unit."""
    if type(cell) is str and cell.isascii():
        return cell.strip()  # the common case; NFKC leaves ASCII as it is
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # Excel stores the unit code 101 as 101.0
    if isinstance(cell, datetime.datetime) and cell.time() == datetime.time():
        return cell.date().isoformat()  # a period typed as a date in Excel
    if isinstance(cell, (datetime.date, datetime.time)):
        return cell.isoformat()
    return unicodedata.normalize("NFKC", str(cell)).strip()


def cell_found(cell: Any) -> str:
    """A cell as the person sees it in their file, for the `found` of a problem."""
    if isinstance(cell, UnsavedFormula):
        return f"the formula {cell.formula!r} with no saved result"
    if isinstance(cell, PercentCell):
        return f"{str(cell)!r}, stored by Excel as {cell.stored:.10g}"
    if isinstance(cell, (datetime.date, datetime.time)):
        return f"the date {cell_text(cell)}"
    return describe(cell)


def parse_number(cell: Any) -> float | None:
    """A cell as a float, None for an empty cell; raises ValueError with what a person should write.

    Accepted: numbers, number text with a thousands comma ("1,234.5") or full-width digits ("９５"),
    true/false as 1/0. Refused: percentages ("95%" or a cell shown as a percentage), NaN and
    infinity (also 1e309, which is too large for a float), dates, Excel errors, formulas whose result
    was never saved, and any other text.
    """
    if type(cell) is str and cell.isascii() and _NUMBER.match(cell.strip()):
        value = float(cell)  # the common case: plain number text
        if math.isinf(value):
            raise ValueError("a finite number (this one is too large for a float)")
        return value
    if cell is None:
        return None
    if isinstance(cell, bool):
        return 1.0 if cell else 0.0
    if isinstance(cell, UnsavedFormula):
        raise ValueError("a value, but the formula's result was never saved: open the file in Excel and save it")
    if isinstance(cell, PercentCell):
        raise ValueError("a plain number, not a cell shown as a percentage (write 95 for 95 %)")
    if isinstance(cell, (datetime.date, datetime.time)):
        raise ValueError("a number, not a date")
    if isinstance(cell, (int, float, np.integer, np.floating)):
        value = float(cell)
    elif isinstance(cell, str):
        text = unicodedata.normalize("NFKC", cell).strip().replace("\u2212", "-")  # full-width digits, minus sign
        if not text:
            return None
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        if text.endswith("%"):
            raise ValueError("a plain number (write 95 for 95 %, as the indicator's unit says)")
        if text.upper() in _EXCEL_ERRORS:
            raise ValueError("a number, not an Excel error")
        if _NAN_OR_INF.match(text):
            raise ValueError("a finite number")
        if not _NUMBER.match(text):
            raise ValueError("a number, or an empty cell for no value" if text.casefold() in _NO_VALUE else "a number")
        value = float(text)
    else:
        raise ValueError("a number")
    if math.isinf(value) and isinstance(cell, str):
        raise ValueError("a finite number (this one is too large for a float)")
    if math.isnan(value) or math.isinf(value):
        raise ValueError("a finite number")
    return value


def formula_problem(table: Table, i: int, column: str, cell: UnsavedFormula) -> Problem:
    """The problem of a formula cell whose result was never saved, at row `i` and `column`."""
    return Problem("the cell holds a formula whose result was never saved", **table.where(i, column),
                   expected="a value: open the file in Excel and save it", found=repr(cell.formula))


def unknown_text(what: str, name: str, known: Iterable[str], hints: dict[str, Any], names: Sequence[str] = ()) -> str:
    """'unknown unit', with the likely intended id: one that differs only in case or by a typo, or
    the id of the unit whose name was written instead of its id."""
    if what not in hints:
        known = list(known)
        by_name: dict[str, str] = {}
        for uid, label in zip(known, names):
            by_name.setdefault(label, uid)
        hints[what] = ({k.casefold(): k for k in known}, known if len(known) <= 2000 else [], by_name)
    by_case, candidates, by_name = hints[what]
    if name in by_name:
        return f"unknown {what}; {name!r} is the name of {by_name[name]!r}, write its id"
    match = by_case.get(name.casefold())
    if match is None and candidates:
        close = closest(name, candidates, 1)
        match = close[0] if close else None
    return f"unknown {what}; did you mean {match!r}?" if match is not None else f"unknown {what}"


def _unpadded(text: str) -> str:
    """An id with the leading zeros of its numbers dropped and case folded: T01 and t1 are both t1."""
    return re.sub(r"\d+", lambda m: str(int(m.group())), text.casefold())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest inserted, deleted or replaced characters that turn a into b."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def closest(name: str, candidates: Iterable[str], limit: int = 2) -> list[str]:
    """The known ids closest to a mistyped `name`, on the whole id: the same id up to case and zero
    padding first (T1 -> T01, not T21), then the fewest edits (at most a third of the id's length, at
    least 1, and difflib's similarity at least 0.75), ties broken by that similarity and then by id.
    Empty when nothing is close."""
    known = list(candidates)
    same = [k for k in known if _unpadded(k) == _unpadded(name)]
    if same:
        return sorted(same)[:limit]
    folded = name.casefold()
    allowed = max(1, len(name) // 3)
    scored = []
    for k in known:
        distance = edit_distance(folded, k.casefold())
        if distance <= allowed:
            import difflib  # here only: a suggestion for a mistake, not paid at every start
            ratio = difflib.SequenceMatcher(None, folded, k.casefold()).ratio()
            if ratio >= 0.75:  # U09 is one edit from U01, but a different number rather than a typo
                scored.append((distance, -ratio, k))
    return [k for _d, _r, k in sorted(scored)[:limit]]


def describe_where(fields: Mapping[str, Any]) -> str:
    """'row 7' or '$[3]': the place a `Table.where` names, for a message that points at another row."""
    if fields.get("row") is not None:
        return f"row {fields['row']}"
    return str(fields.get("path", "?"))


class Row:
    """One row of a `RowReader`: cells by column key, read with the toolkit's messages.

    Every problem is added to the reader's list and marks the row not `ok`, so a reader can check a whole
    row, report everything wrong in it, and skip it.
    """

    def __init__(self, reader: RowReader, index: int, cells: tuple[Any, ...]) -> None:
        self.reader = reader
        self.index = index
        self.cells = cells
        self.ok = True

    def has(self, key: str) -> bool:
        """Whether the table has the column `key` at all."""
        return key in self.reader.columns

    def cell(self, key: str) -> Any:
        """The raw cell (None where the column is absent or the row is short)."""
        pos = self.reader.columns.get(key)
        return self.cells[pos] if pos is not None and pos < len(self.cells) else None

    def where(self, key: str | None = None) -> dict[str, Any]:
        """Problem fields locating this row, and the column of `key` if given."""
        return self.reader.table.where(self.index, self.reader.headers.get(key) if key else None)

    def problem(self, message: str, key: str | None = None, *, expected: str | None = None,
                found: str | None = None, column: str | None = None) -> None:
        """Record a problem at this row (and the column of `key`, or the `column` named); the row is then not ok."""
        where = self.reader.table.where(self.index, column) if column is not None else self.where(key)
        self.reader.problems.append(Problem(message, **where, expected=expected, found=found))
        self.ok = False

    def text(self, key: str, required: bool = False, expected: str = "a value") -> str:
        """The cell as trimmed, NFKC-normalised text; '' for empty. A formula without a saved result is a problem."""
        value = self.cell(key)
        if isinstance(value, UnsavedFormula):
            self.reader.problems.append(formula_problem(self.reader.table, self.index, self.reader.headers[key], value))
            self.ok = False
            return ""
        text = cell_text(value)
        if required and not text:
            self.problem(f"the {self.reader.label(key)} is empty", key, expected=expected)
        return text

    def number(self, key: str, required: bool = False) -> float | None:
        """The cell as a finite float, None for empty; a cell that is no number is a problem."""
        value = self.cell(key)
        try:
            number = parse_number(value)
        except ValueError as exc:
            self.problem(f"the {self.reader.label(key)} is not usable", key, expected=str(exc), found=cell_found(value))
            return None
        if number is None and required:
            self.problem(f"the {self.reader.label(key)} is empty", key, expected="a number")
        return number

    def whole_number(self, key: str, required: bool = False) -> int | None:
        """The cell as an int; 2.5 is a problem."""
        number = self.number(key, required)
        if number is None:
            return None
        if not float(number).is_integer():
            self.problem(f"the {self.reader.label(key)} must be a whole number", key, expected="1, 2, 3 ...",
                         found=cell_found(self.cell(key)))
            return None
        return int(number)


class RowReader:
    """Reads a table row by row: finds the columns, hands out `Row`s, collects problems, catches duplicates.

    ``reader = RowReader(table, COLUMNS, required=("unit", "value")); for row in reader: ...;
    reader.raise_problems()``. Iteration stops once `MAX_PROBLEMS` problems are collected (`stopped`
    is then true): that many says "the wrong file", not that many typos.

    `empty` names the file ("data file") when a header without rows is an error: "the data file has a
    header but no rows", or no `empty_rows` ("units"), expecting `empty_expected`.
    """

    def __init__(self, table: Table, wanted: Mapping[str, tuple[str, ...]], required: Iterable[str],
                 other: tuple[Mapping[str, tuple[str, ...]], str] | None = None,
                 labels: Mapping[str, str] | None = None, empty: str | None = None, *,
                 empty_rows: str = "rows", empty_expected: str = "at least one row") -> None:
        self.table = table
        self.columns = find_columns(table, wanted, required, other)
        self.headers = {key: table.columns[pos] for key, pos in self.columns.items()}
        self.problems: list[Problem] = []
        self.stopped = False
        self._labels = dict(labels or {})
        self._seen: dict[tuple[Any, ...], int] = {}
        if empty is not None and not table.rows:
            raise DataError(Problem(f"the {empty} has a header but no {empty_rows}", source=table.source,
                                    expected=empty_expected))

    def label(self, key: str) -> str:
        """How a column is named in messages: the declared label, else its key with spaces."""
        return self._labels.get(key, key.replace("_", " "))

    def __iter__(self) -> Iterator[Row]:
        for i, cells in enumerate(self.table.rows):
            if len(self.problems) >= MAX_PROBLEMS:
                self.stopped = True
                return
            yield Row(self, i, cells)

    def unique(self, row: Row, key: tuple[Any, ...], message: str, expected: str, column: str | None = None,
               found: str = "also") -> bool:
        """False, with a problem naming the earlier row ("also row 3"), if `key` was already seen; else remember it."""
        first = self._seen.get(key)
        if first is not None:
            row.problem(message, column, expected=expected,
                        found=f"{found} {describe_where(self.table.where(first))}")
            return False
        self._seen[key] = row.index
        return True

    @property
    def seen(self) -> Mapping[tuple[Any, ...], int]:
        """The row index where each key given to `unique` first appeared, in file order."""
        return self._seen

    def raise_problems(self, limit: int | None = MAX_PROBLEMS) -> None:
        """Raise a DataError with the problems collected (at most `limit`; None for all), if any."""
        if self.problems:
            raise DataError(self.problems[:limit])
