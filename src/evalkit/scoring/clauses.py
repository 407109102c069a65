"""Clause items in a result: which clauses applied to whom, and discretionary (酌情) records inside items.

The `clauses` rule (evalkit.rules.clauses) scores an item clause by clause. This module connects it
with the rest of a run:

- a discretionary clause (`discretionary: true`) takes its points from adjustment records that name
  the clause's id: `discretionary_targets` lists them, `check_record` refuses a record without the
  evidence its clause requires or with more points than one record may give, and `with_discretionary`
  turns the records into one column per clause (summed per unit) that the rule reads;
- `clause_entries` gives each unit's applied clauses for the JSON result, and `record_lines` the
  records behind a discretionary clause for `explain`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from evalkit.definition.model import Item, Label, Scorecard
from evalkit.rules.base import fmt
from evalkit.rules.clauses import DISCRETIONARY_PREFIX, EVIDENCE_PREFIX, Breakdown, Clause, ClausesRule, clause_indicator
from evalkit.scoring.rounding import json_number

if TYPE_CHECKING:
    from evalkit.io.data import DataSet
    from evalkit.scoring.adjustments import AdjustmentRecord
    from evalkit.scoring.engine import ItemResult


@attrs.frozen
class DiscretionaryTarget:
    """A discretionary clause that adjustment records may name: its item, and its limits."""

    item: Item
    clause: Clause

    @property
    def id(self) -> str:
        return self.clause.id

    @property
    def name(self) -> Label:
        return self.clause.text


def clause_items(scorecard: Scorecard) -> list[Item]:
    """The scorecard's items scored by the clauses rule."""
    rules = scorecard.registry.rules
    named = scorecard.remember("rule names", lambda: frozenset(item.rule for item in scorecard.items()))
    clauses = {name for name in named if isinstance(rules.get(name), ClausesRule)}  # once per rule, not per item
    return [item for item in scorecard.items() if item.rule in clauses] if clauses else []


def discretionary_targets(scorecard: Scorecard) -> dict[str, DiscretionaryTarget]:
    """Every discretionary clause by id (ids are unique across the scorecard, validation checks it)."""
    out: dict[str, DiscretionaryTarget] = {}
    for item in clause_items(scorecard):
        rule = scorecard.registry.rules[item.rule]
        inputs: Any = tuple(scorecard.indicators[i] for i in item.indicators)  # Rule.prepare's tuple case
        prepared = rule.prepare(item.params, item.max_points, inputs)
        for clause in prepared.clauses:
            if clause.source == "discretionary":
                out[clause.id] = DiscretionaryTarget(item=item, clause=clause)
    return out


def check_record(target: DiscretionaryTarget, points: float | None, evidence: str) -> tuple[str, str, str, str] | None:
    """Why a record for a discretionary clause is refused, as (message, column, expected, found); None if accepted."""
    clause = target.clause
    if points is None or points < 0:
        return (f"a discretionary record for clause {clause.id!r} (item {target.item.id!r}) needs its points", "points",
                "a number >= 0 (deductions are written as positive points off)", "none" if points is None else fmt(points))
    if points > clause.points + 1e-9:
        return (f"one record for clause {clause.id!r} may give at most {fmt(clause.points)} points", "points",
                f"at most {fmt(clause.points)}", fmt(points))
    if clause.evidence == "required" and not evidence.strip():
        return (f"clause {clause.id!r} (item {target.item.id!r}) requires evidence (佐证) for each record", "evidence",
                "a document number, file reference or hash", "an empty cell")
    return None


def with_discretionary(scorecard: Scorecard, data: DataSet, records: Sequence[AdjustmentRecord]) -> DataSet:
    """The data with one column per discretionary clause: the points its records give each unit (summed)."""
    targets = discretionary_targets(scorecard)
    if not targets:
        return data
    index = data.units.index
    columns = dict(data.columns)
    for clause_id in targets:
        columns[DISCRETIONARY_PREFIX + clause_id] = np.zeros(len(data.units))
        columns[DISCRETIONARY_PREFIX + clause_id + "#records"] = np.zeros(len(data.units))
    for record in records:
        if record.item in targets and record.unit in index:
            columns[DISCRETIONARY_PREFIX + record.item][index[record.unit]] += record.points or 0.0
            columns[DISCRETIONARY_PREFIX + record.item + "#records"][index[record.unit]] += 1
    return attrs.evolve(data, columns=columns)


def with_clause_evidence(scorecard: Scorecard, data: DataSet) -> DataSet:
    """The data with, per indicator read by a clause with `evidence: required`, a column of evidence marks
    (1 where the value has an evidence reference, 0 where not) that the clauses rule reads."""
    wanted = {clause_indicator(spec) for item in scorecard.items() if item.rule == "clauses"
              for spec in item.params.get("clauses", []) if spec.get("evidence") == "required"} - {None}
    if not wanted:
        return data
    columns = dict(data.columns)
    n = len(data.units)
    for indicator in sorted(str(w) for w in wanted):
        refs = data.evidence.get(indicator)
        columns[EVIDENCE_PREFIX + indicator] = np.zeros(n) if refs is None else np.asarray(refs != "", dtype=np.float64)
    return attrs.evolve(data, columns=columns)


def breakdown_of(result: ItemResult) -> Breakdown | None:
    """The clause breakdown the rule kept for an item (None for an item of another rule)."""
    if not isinstance(result.rule, ClausesRule):
        return None
    found = result.context.remember("clauses", lambda: None)
    return found if isinstance(found, Breakdown) else None


def clause_entries(result: ItemResult, rows: np.ndarray, unit_ids: Sequence[str] = (),
                   records: Sequence[AdjustmentRecord] = ()) -> list[list[dict[str, Any]]] | None:
    """For each unit at `rows`, the clauses that applied: id, text, kind, occurrences and points, whether the
    clause's cap held it back, and a discretionary clause's records (None: not a clause item)."""
    found = breakdown_of(result)
    if found is None:
        return None
    by_unit: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        by_unit.setdefault((r.unit, r.item), []).append(r.to_dict())
    out = []
    for i in rows.tolist():
        entries: list[dict[str, Any]] = []
        if result.missing[i]:  # the item's missing-data policy scored it, not its clauses
            out.append(entries)
            continue
        for c, occ, moved in found.applied(i):
            entry: dict[str, Any] = {"id": c.id, "text": c.text.to_dict(), "kind": c.kind, "occurrences": _num(occ),
                                     "points": _num(moved)}
            if found.capped(i, c):
                entry["capped"] = True
            if found.unsupported is not None and found.unsupported[i, found.clauses.index(c)]:
                entry["without_evidence"] = "flag"
            if c.source == "discretionary" and unit_ids:
                entry["records"] = by_unit.get((unit_ids[i], c.id), [])
            entries.append(entry)
        for c, what in found.without_evidence(i):
            if what == "not_counted":  # the value would have made the clause apply: said, with no points
                entries.append({"id": c.id, "text": c.text.to_dict(), "kind": c.kind, "occurrences": 0, "points": 0,
                                "without_evidence": "not_counted"})
        out.append(entries)
    return out


def record_lines(records: Iterable[AdjustmentRecord], item: Item, unit_id: str, scorecard: Scorecard,
                 lang: str, pad: str) -> list[str]:
    """One line per discretionary record of this unit for the clauses of `item`: points, reason, evidence, assessor."""
    targets = {k: t for k, t in discretionary_targets(scorecard).items() if t.item.id == item.id}
    zh = lang == "zh"
    lines = []
    for r in records:
        if r.unit != unit_id or r.item not in targets:
            continue
        clause = targets[r.item].clause
        verb = ("加" if clause.kind == "add" else "扣") if zh else ("added" if clause.kind == "add" else "off")
        head = (f"{pad}  酌情{verb} {fmt(r.points)} 分（{clause.text.text(lang)}）" if zh
                else f"{pad}  discretionary: {fmt(r.points)} {verb} ({clause.text.text(lang)})")
        details = [x for x in (r.reason, (f"佐证 {r.evidence}" if zh else f"evidence {r.evidence}") if r.evidence else "",
                               (f"考评人 {r.authority}" if zh else f"by {r.authority}") if r.authority else "") if x]
        lines.append(head + ((": " if not zh else "：") + ("，" if zh else ", ").join(details) if details else ""))
    return lines


def discretionary_records(records: Iterable[AdjustmentRecord], scorecard: Scorecard) -> tuple[AdjustmentRecord, ...]:
    """The records that name a discretionary clause."""
    targets = discretionary_targets(scorecard)
    return tuple(r for r in records if r.item in targets)


def _num(x: float) -> float | int:
    """Occurrences and points as JSON shows them (2, not 2.0; float noise removed)."""
    return json_number(x) or 0


def clause_ids(params: Mapping[str, Any]) -> list[str]:
    """The ids of a clauses rule's discretionary clauses, from its (unchecked) params."""
    return [c["id"] for c in params.get("clauses", []) if isinstance(c, Mapping) and c.get("discretionary") and "id" in c]
