"""JSON files holding an array of objects, one object per row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evalkit.definition.documents import read_text
from evalkit.errors import DataError, Problem
from evalkit.io.table import MAX_PROBLEMS, Loader, Table


class _Object(dict[str, Any]):
    """A JSON object that remembers the keys it was given more than once (json keeps only the last)."""

    repeated: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object()
    repeated = []
    for key, value in pairs:
        if key in obj:
            repeated.append(key)
        obj[key] = value
    if repeated:
        obj.repeated = tuple(repeated)
    return obj


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, as a person reading the file sees it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    return "a number"


def _cell_problem(cell: Any) -> str | None:
    """What is wrong with a parsed JSON value as a table cell (a list, an object, a number beyond floats), or None."""
    if isinstance(cell, (dict, list)):
        return json_type(cell)
    if isinstance(cell, int) and not isinstance(cell, bool) and cell.bit_length() > 1023:
        return f"a number of {len(str(cell))} digits, too large"
    if isinstance(cell, str) and any("\ud800" <= ch <= "\udfff" for ch in cell):
        return "a lone surrogate (an escape such as \\ud800 that is no character)"
    return None


def read_json(path: Path) -> Table:
    """A JSON array of objects as a Table (one row per object), every key a column."""
    source = str(path)
    text = read_text(path)
    if not text.strip():
        return Table(source=source, columns=(), rows=(), row_numbers=(), row_style="index")
    try:
        data = json.loads(text, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise DataError(Problem(f"not valid JSON: {exc.msg}", source=source, line=exc.lineno,
                                found=f"column {exc.colno}")) from None
    except RecursionError:
        raise DataError(Problem("not usable JSON: nested too deeply", source=source)) from None
    except ValueError:  # an integer of more than 4,300 digits
        raise DataError(Problem("not usable JSON: a number has more than 4,300 digits", source=source,
                                expected="numbers of at most 4,300 digits")) from None
    if not isinstance(data, list):
        found = json_type(data)
        if isinstance(data, dict) and data:
            found += " with keys " + ", ".join(repr(k) for k in list(data)[:5])
        raise DataError(Problem("the file must hold a JSON array of rows", source=source, path="$",
                                expected='an array of objects, as in [{"unit": ..., "value": ...}]', found=found))
    columns: dict[str, None] = {}
    problems: list[Problem] = []
    for i, row in enumerate(data):
        if len(problems) >= MAX_PROBLEMS:
            break
        if not isinstance(row, dict):
            problems.append(Problem("each row must be an object", source=source, path=f"$[{i}]",
                                    expected='an object like {"unit": ..., "value": ...}', found=json_type(row)))
            continue
        for key, cell in row.items():
            problem = _cell_problem(cell)
            if problem is not None:
                problems.append(Problem(f"the value of {key!r} is not usable", source=source, path=f"$[{i}].{key}",
                                        expected="a text, a number, true/false or null", found=problem))
        for key in row.repeated if isinstance(row, _Object) else ():
            problems.append(Problem(f"the key {key!r} is given twice in this row", source=source, path=f"$[{i}].{key}",
                                    expected="each key once"))
        columns.update(dict.fromkeys(row))
    if problems:
        raise DataError(problems)
    names = tuple(columns)
    return Table(
        source=source,
        columns=names,
        rows=tuple(tuple(row.get(c) for c in names) for row in data),
        row_numbers=tuple(range(len(data))),
        row_style="index",
    )


JSON_LOADER = Loader(name="json", extensions=(".json",), read=read_json,
                     description="A JSON array of objects, one per row")
