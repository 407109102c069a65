"""The JSON result written as a stream: the document's head, then the units in blocks, each block built
column by column.

`Evaluation.to_json()` has always written one unit per line: ``json.dumps(head, indent=1)``, then
``"  " + json.dumps(unit)`` for each unit in rank order. This module writes exactly those bytes without
building the document: per block of units (`BLOCK` at a time) every number column is turned into text
once per distinct value (`evalkit.io.number_text`), every text column through json's own C encoder, and
the pieces of a unit's line are joined once. Memory is one block's text, whatever the number of units.

What only some scorecards have (clauses, evidence, rule details, deduction caps, adjustments, gates,
vetoes, quotas, assessment sources) is taken from the same per-unit functions `Evaluation.to_dict` uses
and encoded with ``json.dumps``, so those keys are also the same bytes.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from evalkit.io.number_text import json_statistic_text, json_texts, texts_by_value
from evalkit.scoring.clauses import clause_entries
from evalkit.scoring.evidence import evidence_entry

if TYPE_CHECKING:
    from evalkit.scoring.engine import ItemResult
    from evalkit.scoring.evaluation import Evaluation
    from evalkit.scoring.missing import MissingData

BLOCK = 20_000  # units encoded at a time
_encode = json.encoder.encode_basestring  # the C encoder json.dumps(ensure_ascii=False) uses


def _texts(values: Sequence[Any]) -> list[str]:
    """JSON text of each value (ids, names, types, grade codes: text or None; anything else as json.dumps has it)."""
    return [_encode(v) if type(v) is str else "null" if v is None else _dumps(v) for v in values]


def _plain(x: float) -> float | int | None:
    """A score as Python for json.dumps: 12 not 12.0, None for NaN (as `Evaluation.to_dict` has it)."""
    if x != x:
        return None
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _item_parts(ev: Evaluation, r: ItemResult, rows: np.ndarray) -> list[Any]:
    """The pieces of `"item": {"value": ..., "points": ..., ...}` of one item for the units at `rows`:
    constant texts (str) and columns (lists of texts, one per unit)."""
    values = np.asarray(r.values)[rows]
    if values.ndim == 1:
        value_text: list[str] = json_texts(values).tolist()
    else:
        value_text = ["[" + ", ".join(row) + "]" for row in json_texts(values).tolist()]
    parts: list[Any] = [_encode(r.item.id) + ': {"value": ', value_text, ', "points": ', json_texts(r.points[rows]).tolist()]
    if isinstance(r.share, np.ndarray):
        parts += [', "weight": ', json_texts(r.share[rows]).tolist(), ', "score": ']
    else:
        parts.append(', "weight": ' + json_texts(np.asarray([r.share], dtype=np.float64))[0] + ', "score": ')
    parts.append(json_texts(r.score[rows]).tolist())
    flag = "missing_reweighted" if r.item.missing == "reweight" else "missing_scored_zero"
    missing = np.asarray(r.missing)[rows]
    if missing.any():
        parts.append(np.where(missing, f', "missing": "{flag}"', "").tolist())
    clauses = clause_entries(r, rows, ev.units.ids, ev.clause_records)
    if clauses is not None:
        parts.append([', "clauses": ' + _dumps(c) for c in clauses])
    if ev.evidence or ev.lacking_evidence:
        found = [evidence_entry(r.item, i, ev.evidence, ev.lacking_evidence, ev.scorecard) for i in rows.tolist()]
        parts.append([", " + _dumps(d)[1:-1] if d else "" for d in found])
    details = r.rule.details(r.values, r.context)
    if details:
        parts.append(', "details": {')
        for k, (key, column) in enumerate(details.items()):
            column_text = texts_by_value(np.asarray(column, dtype=np.float64)[rows], json_statistic_text)
            parts += [(", " if k else "") + _encode(key) + ": ", column_text.tolist()]
        parts.append("}")
    parts.append("}")
    return parts


def _joined(parts: list[Any], n: int) -> list[str]:
    """Join `parts` (constant texts and columns of n texts) into n texts, one join per unit."""
    columns: list[Any] = []
    constant = ""
    for part in parts:
        if isinstance(part, str):
            constant += part
            continue
        if constant:
            columns.append(itertools.repeat(constant, n))
            constant = ""
        columns.append(part)
    if constant:
        columns.append(itertools.repeat(constant, n))
    return list(map("".join, zip(*columns)))


def unit_lines(ev: Evaluation, rows: np.ndarray, indent: str = "") -> list[str]:
    """``json.dumps(unit, ensure_ascii=False)`` of the units at `rows` (positions), in that order, each after `indent`."""
    n = len(rows)
    if n == 0:
        return []
    units = ev.units
    positions = rows.tolist()
    bands = ev.scorecard.grading.bands if ev.scorecard.grading else ()
    codes = np.asarray(_texts([b.grade for b in bands]) + ["null"], dtype=object)
    grades = np.asarray(ev.grades)[rows]
    grade_text = codes[np.where((grades >= 0) & (grades < len(bands)), grades, len(bands))].tolist()
    ranks = np.asarray(ev.ranks)[rows]
    rank_text = list(map(str, ranks.tolist())) if ranks.dtype.kind in "iu" else [_dumps(x) for x in ranks.tolist()]
    parts: list[Any] = [indent + '{"id": ', _texts([units.ids[i] for i in positions]),
                        ', "name": ', _texts([units.names[i] for i in positions]),
                        ', "type": ', _texts([units.types[i] for i in positions]),
                        ', "rank": ', rank_text, ', "total": ', json_texts(ev.totals[rows]).tolist(),
                        ', "grade": ', grade_text, ', "dimensions": {']
    for k, (key, scores) in enumerate(ev.dimensions.items()):
        parts += [(", " if k else "") + _encode(key) + ": ", json_texts(scores[rows]).tolist()]
    parts.append('}, "items": {')
    for k, r in enumerate(ev.items.values()):
        if k:
            parts.append(", ")
        parts += _item_parts(ev, r, rows)
    tails = _unit_tails(ev, rows)
    parts.append(tails if isinstance(tails, list) else "}}")
    return _joined(parts, n)


def _unit_tails(ev: Evaluation, rows: np.ndarray) -> list[str] | None:
    """The end of each unit's line: "}" after the items, with the keys only some scorecards have."""
    sc = ev.scorecard
    has_extras = ev.adjusted is not None or bool(sc.gates or sc.vetoes or sc.quotas)
    capped_any = np.zeros(len(rows), dtype=bool)
    restored = {k: np.asarray(v)[rows] for k, v in ev.cap_restored.items()}
    for v in restored.values():
        capped_any |= v > 0
    if not has_extras and ev.assessment is None and not capped_any.any():
        return None
    tails = []
    for j, i in enumerate(rows.tolist()):
        extra: dict[str, Any] = {}
        if capped_any[j]:
            extra["deduction_caps"] = {k: _plain(float(v[j])) for k, v in restored.items() if v[j] > 0}
        if has_extras:
            extra.update(ev.adjustments_of(i))
        if ev.assessment is not None:
            extra.update(ev.assessment.unit_entry(i))
        tails.append("}, " + _dumps(extra)[1:] if extra else "}}")
    return tails


def head_text(ev: Evaluation, missing: MissingData | None = None) -> str:
    """The document up to the first unit: every key but "units" (indent 1), "missing_data" on one line
    (`missing`: gathered elsewhere, see `Evaluation.head_dict`)."""
    doc = ev.head_dict(missing=missing)
    missing = doc.pop("missing_data")
    text = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)
    return text[:-2] + ',\n "missing_data": ' + json.dumps(missing, ensure_ascii=False) + ',\n "units": [\n'


def json_chunks(ev: Evaluation, block: int | None = None) -> Iterator[str]:
    """The JSON result (`Evaluation.to_json`) in pieces: the head, then one piece per `block` units (BLOCK)."""
    block = block or BLOCK
    yield head_text(ev)
    order = ev.order()
    for start in range(0, len(order), block):
        lines = unit_lines(ev, order[start:start + block], indent="  ")
        yield ("", ",\n")[start > 0] + ",\n".join(lines)
    yield TAIL


TAIL = "\n ]\n}\n"  # after the last unit


def write_json(ev: Evaluation, handle: BinaryIO, block: int | None = None) -> None:
    """Write the JSON result to a binary `handle` (UTF-8), one block of units at a time."""
    for chunk in json_chunks(ev, block):
        handle.write(chunk.encode("utf-8"))
