"""Values from another run: an indicator that takes each unit's total, rank or grade from an exported result.

"排名靠后" in one assessment often refers to the rank in another (the 党建 assessment's rank in the annual
one). An indicator of the scorecard says where its values come from::

    indicators:
      - {id: party_rank, name: 党建考核排名, direction: lower,
         from_run: {file: party-2025.json, field: rank}}

`file` is an evalkit JSON result (`evalkit run --format json -o FILE`), relative to the scorecard's
folder; `field` is `total`, `rank`, `items_total`, `grade_position` (1 for the best band), `dimensions.ID`
or `items.ID` (the item's score). A unit the other run did not assess has no value (the item's
missing-data policy applies).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from evalkit.definition.documents import read_text
from evalkit.definition.model import Scorecard
from evalkit.errors import DataError, Problem

FIELDS_TEXT = "total, rank, items_total, grade_position, dimensions.ID or items.ID"


def read_result(path: str | Path) -> Mapping[str, Any]:
    """An evalkit JSON result from a file; FileAccessError if unreadable, DataError if it is not one."""
    text = read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(Problem(f"not JSON: {exc.msg}", source=str(path), expected="an evalkit JSON result",
                                found=f"line {exc.lineno}")) from None
    if not isinstance(doc, Mapping) or "evalkit_result" not in doc or not isinstance(doc.get("units"), list):
        raise DataError(Problem("not an evalkit result", source=str(path),
                                expected="the output of evalkit run --format json", found="other JSON"))
    return doc


def run_values(result: Mapping[str, Any], field: str, unit_ids: Sequence[str], source: str = "result") -> np.ndarray:
    """Each unit's `field` from a JSON result, aligned with `unit_ids` (NaN where the run has none)."""
    grades = result.get("grades")
    bands = [b.get("grade") for b in grades if isinstance(b, Mapping)] if isinstance(grades, list) else []
    index = {uid: k for k, uid in enumerate(unit_ids)}
    out = np.full(len(unit_ids), np.nan)
    head, _, rest = field.partition(".")
    if field not in ("total", "rank", "items_total", "grade_position") and not (head in ("dimensions", "items") and rest):
        raise DataError(Problem(f"unknown field {field!r} of a run", source=source, expected=FIELDS_TEXT, found=repr(field)))
    for unit in result["units"]:
        k = index.get(str(unit.get("id")))
        if k is None:
            continue
        if field == "grade_position":
            grade = unit.get("grade")
            value: Any = bands.index(grade) + 1 if grade in bands else None
        elif head == "dimensions":
            value = unit.get("dimensions", {}).get(rest)
        elif head == "items":
            value = (unit.get("items", {}).get(rest) or {}).get("score")
        else:
            value = unit.get(field)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[k] = float(value)
    return out


def with_run_values(scorecard: Scorecard, data: Any, base: str | Path | None = None) -> Any:
    """The data set with every `from_run` indicator's values read from its result file."""
    specs = [(spec["id"], spec["from_run"]) for spec in scorecard.raw.get("indicators", []) if "from_run" in spec]
    if not specs:
        return data
    folder = Path(base) if base is not None else (Path(scorecard.source).parent if scorecard.source else Path("."))
    columns = dict(data.columns)
    for indicator, spec in specs:
        path = folder / spec["file"]
        if indicator in columns and not np.isnan(columns[indicator]).all():
            raise DataError(Problem(f"the values of {indicator!r} come from another run ({spec['file']}), and the data "
                                    "gives them too", source="data", expected="the indicator in one place only",
                                    found="values in the data files"))
        columns[indicator] = run_values(read_result(path), spec["field"], data.units.ids, source=str(path))
    return attrs.evolve(data, columns=columns)
