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

A run kept in a history store (`evalkit run --store`) is named instead of a file::

      - {id: party_rank, name: 党建考核排名, direction: lower,
         from_run: {store: $EVALKIT_STORE, scorecard: party-building, period: "2025", run: latest, field: rank}}

`store` is the store's path (relative to the scorecard's folder) or `$EVALKIT_STORE` (the default: the
environment variable); `run` a run id, or `latest` (the default): the latest run of `scorecard` for
`period` (default: this scorecard's period). `evalkit.evaluate()` fills these values in for data given
in memory too, unless the data gives the indicator itself.
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


def run_result(spec: Mapping[str, Any], indicator: str, folder: Path, period: str) -> tuple[Mapping[str, Any], str]:
    """The result a `from_run` names (a file, or a run of a history store) and where it came from."""
    if "file" in spec:
        path = folder / spec["file"]
        return read_result(path), str(path)
    import os

    from evalkit.store.history import ENV_VAR, StoreError, load_run

    store = spec.get("store", "$" + ENV_VAR)
    if store == "$" + ENV_VAR:
        store = os.environ.get(ENV_VAR) or ""
        if not store:
            raise StoreError(Problem(f"the indicator {indicator!r} takes its values from a run of the history store "
                                     f"${ENV_VAR}, which is not set", path=f"indicator {indicator!r}, from_run.store",
                                     expected=f"store: PATH in the scorecard, or ${ENV_VAR} set", found="neither"))
    path = folder / str(store)
    which: int | str | tuple[str, str] = spec.get("run", "latest")
    if which == "latest":
        if "scorecard" not in spec:
            raise DataError(Problem(f"the indicator {indicator!r} takes the latest stored run, and does not say of "
                                    "which scorecard", path=f"indicator {indicator!r}, from_run",
                                    expected="from_run.scorecard: the other assessment's scorecard id, or run: N",
                                    found="no scorecard"))
        which = (str(spec["scorecard"]), str(spec.get("period", period)))
    result = load_run(path, which)
    return result, f"{path} (run {which if not isinstance(which, tuple) else ' '.join(which)})"


def with_run_values(scorecard: Scorecard, data: Any, base: str | Path | None = None, only_absent: bool = False) -> Any:
    """The data set with every `from_run` indicator's values read from its result (a file or a stored run).

    With `only_absent` an indicator the data already has a column for is left as it is (what
    `evalkit.evaluate()` does for data given in memory); otherwise such a column is an error."""
    specs = [(spec["id"], spec["from_run"]) for spec in scorecard.raw.get("indicators", []) if "from_run" in spec]
    if only_absent:
        specs = [(indicator, spec) for indicator, spec in specs
                 if indicator not in data.columns or np.isnan(data.columns[indicator]).all()]
    if not specs:
        return data
    folder = Path(base) if base is not None else (Path(scorecard.source).parent if scorecard.source else Path("."))
    columns = dict(data.columns)
    period = data.period or scorecard.period
    for indicator, spec in specs:
        if indicator in columns and not np.isnan(columns[indicator]).all():
            where = spec.get("file") or "a stored run"
            raise DataError(Problem(f"the values of {indicator!r} come from another run ({where}), and the data "
                                    "gives them too", source="data", expected="the indicator in one place only",
                                    found="values in the data files"))
        result, source = run_result(spec, indicator, folder, period)
        columns[indicator] = run_values(result, spec["field"], data.units.ids, source=source)
    return attrs.evolve(data, columns=columns)
