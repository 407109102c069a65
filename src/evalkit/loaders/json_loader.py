"""JSON files holding an array of objects, one object per row."""

from __future__ import annotations

import json
from pathlib import Path

from evalkit.errors import DataError, Problem
from evalkit.loaders.base import Loader, Table
from evalkit.source import read_text


def read_json(path: Path) -> Table:
    text = read_text(path)
    if not text.strip():
        return Table(source=str(path), columns=(), rows=(), row_numbers=())
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(Problem(f"not valid JSON: {exc.msg}", source=str(path), line=exc.lineno)) from None
    if not isinstance(data, list):
        raise DataError(Problem("the file must hold a JSON array of rows", source=str(path), path="$",
                                expected="an array of objects", found=type(data).__name__))
    columns: dict[str, None] = {}
    problems = []
    for i, row in enumerate(data):
        if not isinstance(row, dict):
            problems.append(Problem("each row must be an object", source=str(path), path=f"$[{i}]",
                                    expected="an object like {\"unit\": ..., \"value\": ...}", found=type(row).__name__))
            continue
        columns.update(dict.fromkeys(row))
    if problems:
        raise DataError(problems)
    names = tuple(columns)
    return Table(
        source=str(path),
        columns=names,
        rows=tuple(tuple(row.get(c) for c in names) for row in data),
        row_numbers=tuple(range(len(data))),
        row_style="index",
    )


JSON_LOADER = Loader(name="json", extensions=(".json",), read=read_json,
                     description="A JSON array of objects, one per row")
