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

BLOCK = 20_000  # units encoded at a time
_encode = json.encoder.encode_basestring  # the C encoder json.dumps(ensure_ascii=False) uses


def _texts(values: Sequence[Any]) -> list[str]:
    """JSON text of each str-or-None value (ids, names, types, grade codes)."""
    return ["null" if v is None else _encode(v) for v in values]


def _plain(x: float) -> float | int | None:
    """A score as Python for json.dumps: 12 not 12.0, None for NaN (as `Evaluation.to_dict` has it)."""
    if x != x:
        return None
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def _column(texts: Sequence[str]) -> np.ndarray:
    out = np.empty(len(texts), dtype=object)
    out[:] = texts
    return out


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _objects(parts: list[Any], n: int) -> np.ndarray:
    """Concatenate `parts` (str constants and object arrays of n texts) element-wise into one object array."""
    out = np.empty(n, dtype=object)
    out[:] = ""
    for part in parts:
        out = out + part
    return out


def _item_entries(ev: Evaluation, r: ItemResult, rows: np.ndarray) -> np.ndarray:
    """The text `"item": {"value": ..., "points": ..., ...}` of one item for the units at `rows`."""
    n = len(rows)
    values = np.asarray(r.values)[rows]
    if values.ndim == 1:
        value_text = json_texts(values)
    else:
        cells = json_texts(values)
        value_text = _column(["[" + ", ".join(row) + "]" for row in cells.tolist()])
    if isinstance(r.share, np.ndarray):
        share_text: Any = json_texts(r.share[rows])
    else:
        share_text = json_texts(np.asarray([r.share], dtype=np.float64))[0]
    flag = "missing_reweighted" if r.item.missing == "reweight" else "missing_scored_zero"
    tail = np.where(np.asarray(r.missing)[rows], f', "missing": "{flag}"', "").astype(object)
    parts: list[Any] = [_encode(r.item.id) + ': {"value": ', value_text, ', "points": ', json_texts(r.points[rows]),
                        ', "weight": ', share_text, ', "score": ', json_texts(r.score[rows]), tail]
    clauses = clause_entries(r, rows, ev.units.ids, ev.clause_records)
    if clauses is not None:
        parts.append(_column([', "clauses": ' + _dumps(c) for c in clauses]))
    if ev.evidence or ev.lacking_evidence:
        found = [evidence_entry(r.item, i, ev.evidence, ev.lacking_evidence, ev.scorecard) for i in rows.tolist()]
        parts.append(_column([", " + _dumps(d)[1:-1] if d else "" for d in found]))
    details = r.rule.details(r.values, r.context)
    if details:
        parts.append(', "details": {')
        for k, (key, column) in enumerate(details.items()):
            column_text = texts_by_value(np.asarray(column, dtype=np.float64)[rows], json_statistic_text)
            parts += [(", " if k else "") + _encode(key) + ": ", column_text]
        parts.append("}")
    parts.append("}")
    return _objects(parts, n)


def unit_lines(ev: Evaluation, rows: np.ndarray) -> list[str]:
    """``json.dumps(unit, ensure_ascii=False)`` of the units at `rows` (positions), in that order."""
    n = len(rows)
    if n == 0:
        return []
    units = ev.units
    ids = [units.ids[i] for i in rows.tolist()]  # (a list of positions: Units keeps tuples)
    bands = ev.scorecard.grading.bands if ev.scorecard.grading else ()
    codes = np.asarray(_texts([b.grade for b in bands]) + ["null"], dtype=object)
    grades = np.asarray(ev.grades)[rows]
    grade_text = codes[np.where((grades >= 0) & (grades < len(bands)), grades, len(bands))]
    ranks = np.asarray(ev.ranks)[rows]
    rank_text = list(map(str, ranks.tolist())) if ranks.dtype.kind in "iu" else [_dumps(x) for x in ranks.tolist()]
    positions = rows.tolist()
    parts: list[Any] = ['{"id": ', _column(_texts(ids)),
                        ', "name": ', _column(_texts([units.names[i] for i in positions])),
                        ', "type": ', _column(_texts([units.types[i] for i in positions])),
                        ', "rank": ', _column(rank_text),
                        ', "total": ', json_texts(ev.totals[rows]), ', "grade": ', grade_text, ', "dimensions": {']
    for k, (key, scores) in enumerate(ev.dimensions.items()):
        parts += [(", " if k else "") + _encode(key) + ": ", json_texts(scores[rows])]
    parts.append('}, "items": {')
    head = _objects(parts, n)
    entries = [_item_entries(ev, r, rows) for r in ev.items.values()]
    tails = _unit_tails(ev, rows)
    separators = itertools.repeat(", ")
    columns: list[Any] = [head]
    for k, entry in enumerate(entries):
        if k:
            columns.append(separators)
        columns.append(entry)
    columns.append(tails)
    return list(map("".join, zip(*columns)))


def _unit_tails(ev: Evaluation, rows: np.ndarray) -> list[str] | itertools.repeat[str]:
    """The end of each unit's line: "}" after the items, with the keys only some scorecards have."""
    sc = ev.scorecard
    has_extras = ev.adjusted is not None or bool(sc.gates or sc.vetoes or sc.quotas)
    capped_any = np.zeros(len(rows), dtype=bool)
    restored = {k: np.asarray(v)[rows] for k, v in ev.cap_restored.items()}
    for v in restored.values():
        capped_any |= v > 0
    if not has_extras and ev.assessment is None and not capped_any.any():
        return itertools.repeat("}}")
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


def head_text(ev: Evaluation) -> str:
    """The document up to the first unit: every key but "units" (indent 1), "missing_data" on one line."""
    doc = ev.head_dict()
    missing = doc.pop("missing_data")
    text = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)
    return text[:-2] + ',\n "missing_data": ' + json.dumps(missing, ensure_ascii=False) + ',\n "units": [\n'


def json_chunks(ev: Evaluation, block: int = BLOCK) -> Iterator[str]:
    """The JSON result (`Evaluation.to_json`) in pieces: the head, then one piece per block of units."""
    yield head_text(ev)
    order = ev.order()
    for start in range(0, len(order), block):
        lines = unit_lines(ev, order[start:start + block])
        yield ("",  ",\n")[start > 0] + ",\n".join("  " + line for line in lines)
    yield "\n ]\n}\n"


def write_json(ev: Evaluation, handle: BinaryIO, block: int = BLOCK) -> None:
    """Write the JSON result to a binary `handle` (UTF-8), one block of units at a time."""
    for chunk in json_chunks(ev, block):
        handle.write(chunk.encode("utf-8"))
