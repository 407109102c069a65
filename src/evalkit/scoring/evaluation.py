"""An Evaluation: columnar results for all units, plus what produced every point.

Arrays stay aligned with `units.ids`; per-unit views and the JSON document are built from them on
demand. The JSON form follows ``schemas/result.schema.json`` and is byte-identical for the same
inputs (units in rank order, ties by id; keys in a fixed order; numbers already rounded).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import attrs
import numpy as np

from evalkit.definition.model import Band, Dimension, Item, Quota, Scorecard, Veto
from evalkit.io.data import Units
from evalkit.rules.base import displaying, fmt, group_word
from evalkit.scoring.adjustments import Adjusted, changes_for
from evalkit.scoring.assessment import Assessment
from evalkit.scoring.clauses import clause_entries, record_lines
from evalkit.scoring.engine import ItemResult
from evalkit.scoring.evidence import evidence_entry, evidence_lines
from evalkit.scoring.grading import NO_GRADE
from evalkit.scoring.missing import MissingData, missing_data
from evalkit.scoring.rounding import json_number

if TYPE_CHECKING:
    from evalkit.analysis.rewards import RewardAllocation

RESULT_FORMAT = 1


def _num(x: float | None) -> float | int | None:
    """A rounded score as JSON shows it: 12 not 12.0, None for NaN."""
    if x is None:
        return None
    x = float(x)
    if x != x:  # NaN
        return None
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def _value(raw: Any) -> float | tuple | None:
    """A raw input as Python: None for missing, a tuple (with None for missing) for several inputs."""
    if np.ndim(raw) == 0:
        return None if np.isnan(raw) else _num(raw)
    return tuple(_num(v) for v in raw)


@attrs.frozen
class ItemScore:
    """One item for one unit."""

    item: Item
    value: float | tuple | None  # a tuple for rules that read several indicators
    points: float
    share: float
    score: float
    missing: bool

    @property
    def flag(self) -> str | None:
        if not self.missing:
            return None
        return "missing_reweighted" if self.item.missing == "reweight" else "missing_scored_zero"


@attrs.frozen
class UnitResult:
    """Everything about one unit: total, grade, rank, dimension scores and every item."""

    id: str
    name: str
    type: str | None
    total: float
    rank: int
    grade: Band | None
    dimensions: dict[str, float]
    items: dict[str, ItemScore]
    items_total: float = 0.0
    bonus: float = 0.0
    deduction: float = 0.0
    grade_changes: tuple = ()
    honours_eligible: bool = True
    evaluation: Evaluation | None = attrs.field(default=None, eq=False, repr=False, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        """The unit's entry in the JSON result (`Evaluation.to_dict()["units"]`): what `evalkit explain --format json` shows."""
        if self.evaluation is None:
            raise ValueError(f"unit {self.id!r} was made without its Evaluation; use Evaluation.unit({self.id!r})")
        return self.evaluation.unit_dict(self.id)


@attrs.frozen
class Explanation:
    """Every point of one unit in words: from each raw value through rule, weight and adjustments to the grade."""

    unit: UnitResult
    lang: str
    lines: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The unit's JSON entry with its sentences under "explanation" (`evalkit explain --format json`)."""
        return {**self.unit.to_dict(), "explanation": list(self.lines)}

    def text(self) -> str:
        """The sentences, one a line (`evalkit explain`), without a final newline; control characters from
        names in the files are shown as escapes (\\x1b), never sent to the terminal."""
        from evalkit.io.safe_text import terminal_text

        return "\n".join(terminal_text(line) for line in self.lines)


def default_lang(scorecard: Scorecard) -> str:
    """Chinese when the scorecard's name is Chinese, English otherwise: the label language reports default to."""
    return "zh" if scorecard.name.zh and not scorecard.name.zh.isascii() else "en"


@attrs.frozen
class Evaluation:
    """The result of scoring one scorecard on one data set."""

    scorecard: Scorecard
    units: Units
    period: str
    items: dict[str, ItemResult]
    dimensions: dict[str, np.ndarray]
    totals: np.ndarray
    grades: np.ndarray  # index into scorecard.grading.bands after gates and vetoes, NO_GRADE for none
    ranks: np.ndarray
    items_total: np.ndarray | None = None  # the tree's total before bonus, deductions and vetoes
    band_grades: np.ndarray | None = None  # the grade the total's band gives, before gates and vetoes
    adjusted: Adjusted | None = None
    grade_masks: dict = attrs.field(factory=dict)
    derived_reasons: dict = attrs.field(factory=dict)  # derived indicator -> reason code per unit
    cap_restored: dict = attrs.field(factory=dict)  # dimension -> points its deduction cap gave back, per unit
    clause_records: tuple = ()  # adjustment records of discretionary clauses (evalkit.scoring.clauses)
    evidence: Mapping[str, np.ndarray] = attrs.field(factory=dict)  # 佐证 references per indicator and unit
    lacking_evidence: Mapping[str, np.ndarray] = attrs.field(factory=dict)  # values given without needed evidence
    assessment: Assessment | None = None  # sources' totals and 自评虚高 when several assessors' values were combined
    notes: tuple[str, ...] = ()  # how the data was read: an encoding other than UTF-8, percent cells read as percent
    no_data: np.ndarray | None = None  # True for units with no value in any column of the data

    def missing_data(self) -> MissingData:
        """Units without any data, blank cells scored 0, cells re-weighted away (evalkit.scoring.missing)."""
        return missing_data(self.units.ids, self.no_data, self.items)

    def order(self) -> np.ndarray:
        """Unit positions by rank, ties by unit id: the order of every report."""
        ids = np.asarray(self.units.ids, dtype=object).astype(str)
        return np.lexsort((ids, self.ranks))

    def grade_of(self, i: int) -> Band | None:
        g = int(self.grades[i])
        return None if g == NO_GRADE or self.scorecard.grading is None else self.scorecard.grading.bands[g]

    def unit(self, unit_id: str) -> UnitResult:
        """The full result of one unit; KeyError if it was not assessed."""
        i = self.units.index[unit_id]
        items = {}
        for item_id, r in self.items.items():
            share = r.share[i] if isinstance(r.share, np.ndarray) else r.share
            value = r.values[i]
            items[item_id] = ItemScore(item=r.item, value=_value(value),
                                       points=float(r.points[i]), share=float(share), score=float(r.score[i]),
                                       missing=bool(r.missing[i]))
        adj = self.adjusted
        return UnitResult(id=unit_id, name=self.units.names[i], type=self.units.types[i], total=float(self.totals[i]),
                          rank=int(self.ranks[i]), grade=self.grade_of(i),
                          dimensions={k: float(v[i]) for k, v in self.dimensions.items()}, items=items,
                          items_total=float(self._items_total()[i]),
                          bonus=float(adj.bonus[i]) if adj else 0.0, deduction=float(adj.deduction[i]) if adj else 0.0,
                          grade_changes=tuple(changes_for(i, self.scorecard, self.grade_masks)),
                          honours_eligible=self.honours_eligible(i), evaluation=self)

    def _items_total(self) -> np.ndarray:
        return self.items_total if self.items_total is not None else self.totals

    def honours_eligible(self, i: int) -> bool:
        """False when a `disqualify_honours` veto (取消评先) was recorded for unit i."""
        if self.adjusted is None:
            return True
        return not any(self.adjusted.veto_masks[v.id][i] for v in self.scorecard.vetoes if v.effect == "disqualify_honours")

    def __iter__(self) -> Iterator[UnitResult]:
        for i in self.order():
            yield self.unit(self.units.ids[i])

    def to_frame(self, kind: str = "pandas", detail: bool = False) -> Any:
        """The result as a DataFrame of `kind` ("pandas", "polars" or "arrow"), its rows in report order: one
        per unit (unit, name, type, parent, total, rank, grade, a column per dimension), or with `detail`
        one per unit and item (unit, dimension, item, indicator, value, points, max_points, score, missing)."""
        from evalkit.scoring.frames_out import to_frame

        return to_frame(self, kind, detail)

    def to_dict(self) -> dict[str, Any]:
        """The JSON result: scorecard, the definition of every item, and every unit's points."""
        units = self._unit_entries(self.order().tolist())
        head = self.head_dict(units)
        tail: dict[str, Any] = {k: head.pop(k) for k in ("rewards", "notes", "assessment_sources") if k in head}
        return {**head, "units": units, **tail}

    def head_dict(self, units: list[dict[str, Any]] | None = None, missing: MissingData | None = None) -> dict[str, Any]:
        """Every key of `to_dict()` but "units", in its order: what the JSON result holds before the units.

        `units` are the unit entries when they were built already (the rewards are shared out over them);
        without them the rewards are computed from each unit's id, rank, grade and total alone. `missing`: the
        missing data when it was gathered elsewhere (a Dask run's partitions), else `missing_data()`."""
        sc = self.scorecard
        item_defs = []
        for node, _depth, parent in sc.walk():
            if isinstance(node, Item):
                r = self.items[node.id]
                item_defs.append({
                    "id": node.id, "name": node.name.to_dict(), "dimension": parent.id if parent else None,
                    "indicator": node.indicator, **({"indicators": list(node.inputs)} if len(node.indicators) > 1 else {}),
                    "rule": node.rule, "params": dict(node.params),
                    "max_points": _num(node.max_points),
                    "share": _num(r.share) if not isinstance(r.share, np.ndarray) else None,
                    "missing_policy": node.missing,
                })
        dim_defs = [{"id": node.id, "name": node.name.to_dict(), "parent": parent.id if parent else None, "level": depth + 1}
                    for node, depth, parent in sc.walk() if isinstance(node, Dimension)]
        return {
            "evalkit_result": RESULT_FORMAT,
            "scorecard": {"id": sc.id, "name": sc.name.to_dict(), "version": sc.version, "period": self.period,
                          "total_points": _num(sc.total_points),
                          "rounding": {"decimals": sc.rounding_decimals, "mode": sc.rounding_mode,
                                       **({"stage": sc.rounding_stage} if sc.rounding_stage != "item" else {})}, "ties": sc.ties,
                          **({"ahp": {node: r.to_dict() for node, r in sc.ahp.items()}} if sc.ahp else {})},
            "grades": [{"grade": b.grade, "min": _num(b.min), "label": b.label.to_dict()}
                       for b in (sc.grading.bands if sc.grading else ())],
            "indicators": [ind.to_dict() for ind in sc.indicators.values()],
            "dimensions": dim_defs,
            "items": item_defs,
            "missing_data": (missing if missing is not None else self.missing_data()).to_dict(),
            **self._rewards_entry(units),
            **({"notes": list(self.notes)} if self.notes else {}),
            **({"assessment_sources": self.assessment.to_dict()} if self.assessment is not None else {}),
        }

    def _rewards_entry(self, units: list[dict[str, Any]] | None) -> dict[str, Any]:
        """{"rewards": ...} when the scorecard declares what grades bring (evalkit.analysis.rewards), else {}."""
        allocation = self.rewards(units)
        return {} if allocation is None else {"rewards": allocation.to_dict()}

    def rewards(self, units: list[dict[str, Any]] | None = None) -> RewardAllocation | None:
        """Each unit's honours, coefficient and share of the reward pool (None: the scorecard declares no rewards)."""
        from evalkit.analysis.rewards import allocate
        from evalkit.definition.rewards import reward_scheme

        scheme = reward_scheme(self.scorecard.raw)
        if scheme is None:
            return None
        return allocate(scheme, units if units is not None else self._reward_entries())

    def _reward_entries(self) -> list[dict[str, Any]]:
        """What `allocate` reads of each unit's JSON entry (id, rank, grade, total), in report order."""
        bands = self.scorecard.grading.bands if self.scorecard.grading else ()
        order = self.order().tolist()
        grades, ranks, totals = self.grades.tolist(), self.ranks.tolist(), self.totals.tolist()
        return [{"id": self.units.ids[i], "rank": ranks[i], "total": _num(totals[i]),
                 "grade": bands[grades[i]].grade if 0 <= grades[i] < len(bands) else None} for i in order]

    def unit_dict(self, unit_id: str) -> dict[str, Any]:
        """One unit's entry of `to_dict()["units"]`, built without the other units; KeyError if not assessed."""
        return self._unit_entries([self.units.index[unit_id]])[0]

    def _unit_entries(self, positions: list[int]) -> list[dict[str, Any]]:
        """The JSON entries of the units at `positions`, in that order; every column is converted once."""
        rows = np.asarray(positions, dtype=np.intp)
        columns = [self._json_columns(self.items[item_id], rows) for item_id in self.items]
        applied = {item_id: clause_entries(self.items[item_id], rows, self.units.ids, self.clause_records) for item_id in self.items}
        dims = {k: [_num(x) for x in v[rows].tolist()] for k, v in self.dimensions.items()}
        totals = [_num(x) for x in self.totals[rows].tolist()]
        ranks = self.ranks[rows].tolist()
        restored = {k: v[rows].tolist() for k, v in self.cap_restored.items()}
        has_extras = self.adjusted is not None or bool(self.scorecard.gates or self.scorecard.vetoes or self.scorecard.quotas)
        units = []
        for j, i in enumerate(positions):
            grade = self.grade_of(i)
            unit_items = {}
            for item_id, values, points, shares, scores, missing, flag, details in columns:
                entry = {"value": values[j], "points": points[j], "weight": shares[j], "score": scores[j]}
                if missing[j]:
                    entry["missing"] = flag
                clauses = applied[item_id]
                if clauses is not None:
                    entry["clauses"] = clauses[j]
                if self.evidence or self.lacking_evidence:
                    entry.update(evidence_entry(self.items[item_id].item, i, self.evidence, self.lacking_evidence,
                                                self.scorecard))
                if details:
                    entry["details"] = {k: v[j] for k, v in details.items()}
                unit_items[item_id] = entry
            unit = {
                "id": self.units.ids[i], "name": self.units.names[i], "type": self.units.types[i],
                "rank": ranks[j], "total": totals[j],
                "grade": grade.grade if grade else None,
                "dimensions": {k: v[j] for k, v in dims.items()},
                "items": unit_items,
            }
            capped = {k: _num(v[j]) for k, v in restored.items() if v[j] > 0}
            if capped:
                unit["deduction_caps"] = capped
            if has_extras:
                unit.update(self.adjustments_of(i))
            if self.assessment is not None:
                unit.update(self.assessment.unit_entry(i))
            units.append(unit)
        return units

    def _json_columns(self, r: ItemResult, rows: np.ndarray) -> tuple:
        """One item's JSON values of the units at `rows` as Python lists, converted once (not one numpy scalar at a time)."""
        n = len(rows)
        if r.values.ndim == 1:
            values: list = [_num(x) for x in r.values[rows].tolist()]
        else:
            values = [[_num(x) for x in row] for row in r.values[rows].tolist()]
        shares = [_num(x) for x in r.share[rows].tolist()] if isinstance(r.share, np.ndarray) else [_num(r.share)] * n
        flag = "missing_reweighted" if r.item.missing == "reweight" else "missing_scored_zero"
        found = r.rule.details(r.values, r.context)
        details = {k: [json_number(x) for x in np.asarray(v, dtype=np.float64)[rows].tolist()] for k, v in found.items()} \
            if found else None
        return (r.item.id, values, [_num(x) for x in r.points[rows].tolist()], shares, [_num(x) for x in r.score[rows].tolist()],
                r.missing[rows].tolist(), flag, details)

    def adjustments_of(self, i: int) -> dict[str, Any]:
        """Bonus, deductions, vetoes and grade changes of unit i, only for scorecards that have them."""
        sc = self.scorecard
        out: dict[str, Any] = {}
        adj = self.adjusted
        if adj is not None:
            uid = self.units.ids[i]
            records = adj.records_of(uid)
            out["items_total"] = _num(self._items_total()[i])
            out["bonus"] = _num(adj.bonus[i])
            out["deduction"] = _num(adj.deduction[i])
            out["adjustments"] = [
                {"id": item.id, "kind": item.kind, "claimed": _num(adj.claimed[item.id][i]),
                 "counted": _num(adj.counted[item.id][i]),
                 "records": [r.to_dict() for r in records if r.item == item.id]}
                for item in (*sc.bonus_items, *sc.deduction_items) if adj.claimed[item.id][i] > 0]
            capped_blocks = {b: _num(v[i]) for b, v in adj.blocks.items() if v[i] > sc.deduction_blocks[b]}
            if capped_blocks:  # deduction blocks whose items add up beyond the block's cap (限扣)
                out["deduction_blocks_capped"] = capped_blocks
            out["vetoes"] = [
                {"id": v.id, "effect": v.effect, **({"grade": v.grade} if v.grade else {}),
                 **({"points": _num(v.points)} if v.points is not None else {}),
                 "records": [r.to_dict() for r in records if r.item == v.id]}
                for v in sc.vetoes if adj.veto_masks[v.id][i]]
            out["honours_eligible"] = self.honours_eligible(i)
        if sc.gates or sc.vetoes or sc.quotas:
            band = self.band_grades[i] if self.band_grades is not None else self.grades[i]
            out["grade_from_bands"] = sc.grading.bands[band].grade if sc.grading and band >= 0 else None
            out["grade_changes"] = [attrs.asdict(c) for c in changes_for(i, sc, self.grade_masks)]
        return out

    def to_json(self) -> str:
        """The JSON result with one unit per line: readable, diffable, and fast for 100,000 units.

        (Indenting every unit would use the json module's pure-Python encoder, several times slower.)
        Built as `write_json` streams it: column by column, a block of units at a time.
        """
        from evalkit.scoring.result_json import json_chunks

        return "".join(json_chunks(self))

    def write_json(self, handle: BinaryIO) -> None:
        """Write `to_json()` to a binary file `handle` as UTF-8, a block of units at a time, without
        holding the whole document (`evalkit.io.output.atomic_file` gives such a handle)."""
        from evalkit.scoring.result_json import write_json

        write_json(self, handle)

    def explanation(self, unit_id: str, lang: str | None = None, source: str | None = None) -> Explanation:
        """Every point of one unit explained (`evalkit explain`); lang defaults to the scorecard's language.

        A unit that was not assessed is a DataError naming `source` (the units file) when given.
        """
        if unit_id not in self.units.index:
            from evalkit.errors import DataError, Problem

            raise DataError(Problem("unknown unit", source=source, expected="an id from the units file", found=repr(unit_id)))
        lang = lang or default_lang(self.scorecard)
        return Explanation(unit=self.unit(unit_id), lang=lang, lines=tuple(self.explain(unit_id, lang)))

    def explain(self, unit_id: str, lang: str = "zh") -> list[str]:
        """Sentences that walk from every raw value to the grade, for one unit."""
        u = self.unit(unit_id)
        sc = self.scorecard
        zh = lang == "zh"
        lines = [f"{u.name} ({u.id})"]
        decimals = sc.rounding_decimals

        def shown(value: float) -> str:
            """A score as the JSON has it: at the scorecard's decimals where they are more than fmt's 6."""
            return score_text(value, decimals)

        for node, depth, _parent in sc.walk():
            pad = "  " * depth
            if isinstance(node, Dimension):
                line = f"{pad}{node.name.text(lang)}: {shown(u.dimensions[node.id])}"
                back = self.cap_restored.get(node.id)
                if back is not None and back[self.units.index[unit_id]] > 0:
                    given = fmt(back[self.units.index[unit_id]])
                    line += (f"（限扣 {_fmt(node.deduction_cap)} 分，超出部分 {given} 分不计）" if zh
                             else f" (deductions capped at {_fmt(node.deduction_cap)}: {given} beyond it not counted)")
                lines.append(line)
                continue
            s = u.items[node.id]
            r = self.items[node.id]
            value: Any = s.value  # a tuple for rules that read several indicators; the rule explains it
            if s.missing:
                policy = ("按规定计 0 分" if zh else "scored 0 as the item's policy says") if node.missing == "zero" \
                    else ("权重分给同级指标" if zh else "its weight went to its siblings")
                absent = s.value is None or (isinstance(s.value, tuple) and None in s.value)
                if absent:
                    why = (f"无数据，{policy}" if zh else f"no value: {policy}") + self._derived_reason(node.indicator, unit_id, lang)
                else:  # a value the rule could not score (an unlisted code, a zero target): the rule says why
                    with displaying(sc.rounding_decimals, sc.rounding_mode):  # 41.59, not 41.594828
                        said = r.rule.explain(value, s.points, r.context, self.units.index[unit_id]).text(lang)
                    why = f"{said}；无法计分，{policy}" if zh else f"{said}; it cannot be scored: {policy}"
            else:
                with displaying(sc.rounding_decimals, sc.rounding_mode):  # 41.59, not 41.594828
                    why = r.rule.explain(value, s.points, r.context, self.units.index[unit_id]).text(lang)
            d, mode = sc.rounding_decimals, sc.rounding_mode
            share, counted = _at(s.share, d, mode), _at(s.score, d, mode)  # 13.33, not 13.333333
            weight = (f"权重 {share} 分，计入 {counted} 分" if zh else f"worth {share} of the total: counts {counted}") \
                if not _same(s.share, node.max_points) and not (s.missing and node.missing == "reweight") else ""
            rule = (r.rule.title.zh or node.rule) if zh else node.rule  # Chinese words in Chinese text: [线性插值]
            lines.append(f"{pad}{node.name.text(lang)} [{rule}]: {why}" + (f"; {weight}" if weight else ""))
            if not s.missing and node.indicator in sc.derived:  # 综合得分 = a + b = 12 + 30 = 42
                lines.extend(self._formula_lines(node.indicator, unit_id, lang, pad + "  "))
            if self.clause_records:
                lines.extend(record_lines(self.clause_records, node, unit_id, sc, lang, pad))
            if self.lacking_evidence:
                lines.extend(evidence_lines(node, self.units.index[unit_id], self.lacking_evidence, sc, lang, pad))
        lines.extend(self._adjustment_lines(u, lang))
        grade = u.grade.label.text(lang) if u.grade else ("无等次" if zh else "no grade")
        if np.isnan(u.total):
            lines.append("无总分：没有任何指标有数据（均按规定不计），不评等次" if zh
                         else "no total: no item has a value (all left out as their policy says), so no grade")
        lines.append((f"总分 {shown(u.total)}，等次 {grade}，排名 {u.rank}/{len(self.units)}") if zh
                     else f"total {shown(u.total)}, grade {grade}, rank {u.rank} of {len(self.units)}")
        if self.assessment is not None:  # 自评与考评: each source's total, 自评虚高
            lines.extend(self.assessment.lines(self.units.index[unit_id], lang))
        return lines

    def _formula_lines(self, indicator: str, unit_id: str, lang: str, pad: str, depth: int = 0) -> list[str]:
        """A derived indicator's value as formula = inputs = value, then its derived inputs the same way."""
        from evalkit.scoring.derivation import formula_line

        sc = self.scorecard
        columns = next((r.context.columns for r in self.items.values()), {})
        i = self.units.index[unit_id]
        expression = sc.derived[indicator]
        known = sc.indicators.get(indicator)
        label = known.name.text(lang) if known is not None and known.name.text(lang) else indicator
        with displaying(sc.rounding_decimals, sc.rounding_mode):
            lines = [pad + formula_line(label, indicator, expression, columns, i, fmt)]
        if depth < 3:
            for name in sorted(expression.names):
                if name in sc.derived:
                    lines.extend(self._formula_lines(name, unit_id, lang, pad + "  ", depth + 1))
        return lines

    def _derived_reason(self, indicator: str, unit_id: str, lang: str) -> str:
        """Why a derived indicator has no value for a unit (division by zero, a missing input)."""
        from evalkit.definition.expressions import OK, REASONS

        codes = self.derived_reasons.get(indicator)
        if codes is None or codes[self.units.index[unit_id]] == OK:
            return ""
        text = REASONS[int(codes[self.units.index[unit_id]])][lang if lang in ("zh", "en") else "en"]
        known = self.scorecard.indicators.get(indicator)
        name = (known.name.text(lang) or indicator) if known is not None else indicator  # a name, not an id
        return f"（{name}：{text}）" if lang == "zh" else f" ({name}: {text})"

    def _quota_group(self, quota: Quota, i: int) -> tuple[str | None, int, int]:
        """The quota group of unit i (None for all units), its size and the number of places it had."""
        from evalkit.scoring.quotas import places

        if quota.per == "all":
            group, size = None, len(self.units)
        else:
            labels = self.units.attribute(quota.per)
            group = labels[i]
            size = sum(1 for label in labels if label == group)
        return group, size, quota.count if quota.count is not None else places(cast(float, quota.share), size, quota.rounding)

    def _adjustment_lines(self, u: UnitResult, lang: str) -> list[str]:
        """Bonus, deductions, vetoes and gates of one unit, in the order they were applied."""
        sc, zh, adj = self.scorecard, lang == "zh", self.adjusted
        i = self.units.index[u.id]
        lines = []
        if adj is not None:
            lines.append(f"指标得分合计 {score_text(u.items_total, sc.rounding_decimals)}" if zh else f"items total {score_text(u.items_total, sc.rounding_decimals)}")
            for item in (*sc.bonus_items, *sc.deduction_items):
                claimed, counted = adj.claimed[item.id][i], adj.counted[item.id][i]
                if claimed <= 0:
                    continue
                sign = "+" if item.kind == "bonus" else "-"
                why = "; ".join(filter(None, (f"{r.reason} [{r.evidence}]" if r.evidence else r.reason
                                              for r in adj.records_of(u.id) if r.item == item.id)))
                capped = ((f"（申报 {fmt(claimed)}，封顶 {_fmt(item.cap)}）" if zh else f" (claimed {fmt(claimed)}, cap {_fmt(item.cap)})")
                          if counted < claimed else "")
                lines.append(f"  {item.name.text(lang)} {sign}{fmt(counted)}{capped}" + (f": {why}" if why else ""))
            if sc.bonus_cap is not None and adj.bonus_claimed is not None and adj.bonus_claimed[i] > sc.bonus_cap:
                lines.append(f"  加分合计 {fmt(adj.bonus_claimed[i])}，封顶 {_fmt(sc.bonus_cap)}" if zh
                             else f"  bonuses add up to {fmt(adj.bonus_claimed[i])}, capped at {_fmt(sc.bonus_cap)}")
            for block, amount in adj.blocks.items():
                cap = sc.deduction_blocks[block]
                if amount[i] > cap:
                    lines.append(f"  扣分块 {block} 合计 {fmt(amount[i])}，限扣 {fmt(cap)}" if zh
                                 else f"  deduction block {block} adds up to {fmt(amount[i])}, capped at {fmt(cap)}")
            if u.bonus or u.deduction:
                lines.append(f"加分 {fmt(u.bonus)}，扣分 {fmt(u.deduction)}" if zh else f"bonus {fmt(u.bonus)}, deductions {fmt(u.deduction)}")
            for veto in sc.vetoes:
                if not adj.veto_masks[veto.id][i]:
                    continue
                record = next(r for r in adj.records_of(u.id) if r.item == veto.id)
                what = _veto_effect_text(veto, sc, lang)
                by = " ".join(filter(None, (record.authority, record.reason, f"[{record.evidence}]" if record.evidence else "")))
                lines.append((f"一票否决「{veto.name.text(lang)}」：{what}" if zh else f"veto '{veto.name.text(lang)}': {what}")
                             + (f" ({by})" if by else ""))
        for change in u.grade_changes:
            if change.by == "gate":
                gate = next(g for g in sc.gates if g.id == change.id)
                grade = _band_label(sc, gate.grade, lang)
                cond = f"< {_fmt(gate.below)}" if gate.below is not None else f"> {_fmt(gate.above)}"
                verb = ("定为" if gate.effect == "force_grade" else "最高为") if zh else \
                    ("sets the grade to" if gate.effect == "force_grade" else "caps the grade at")
                known = sc.indicators.get(gate.indicator)
                what = known.name.text(lang) if known is not None and known.name.text(lang) else gate.indicator  # a name, not an id
                lines.append(f"门槛「{gate.name.text(lang)}」：{what} {cond}，等次{verb} {grade}" if zh
                             else f"gate '{gate.name.text(lang)}': {what} {cond} {verb} {grade}")
            elif change.by == "quota":
                quota = next(q for q in sc.quotas if q.grade == change.id)
                held = _band_label(sc, change.id, lang)
                to = _band_label(sc, change.grade, lang) if change.grade else ("无等次" if zh else "no grade")
                group, size, seats = self._quota_group(quota, self.units.index[u.id])
                limit = f"{fmt(quota.share * 100)}%" if quota.share is not None else f"{quota.count}"
                where_zh = "全部单位" if group is None else f"{group_word(quota.per, 'zh')}「{group}」"  # 单位类型「群团组织」
                where_en = "all units" if group is None else f"{group_word(quota.per, 'en')} {group!r}"
                ties_zh = {"exclude": "名额线上同分者一并调整", "include": "名额线上同分者一并保留",
                           "id": "同分按编号先后"}[quota.ties]
                ties_en = {"exclude": "units tied at the cut all move down", "include": "units tied at the cut all stay",
                           "id": "ties broken by unit id"}[quota.ties]
                lines.append(f"名额限制：{where_zh} 共 {size} 个，{held} 不超过 {limit}，即 {seats} 个名额；"
                             f"按总分排序未进入名额（{ties_zh}），调整为 {to}" if zh
                             else f"quota: {held} is limited to {limit} of {where_en} ({size}), {seats} places; "
                                  f"this total was not among them ({ties_en}), so {to}")
        return lines


def score_text(value: float | None, decimals: int) -> str:
    """A rounded score as text: evalkit.rules.base.fmt, or all `decimals` places when they are more than 6
    (so that a total of 99.9999999999 at 10 decimals is not shown as 100)."""
    if value is None or decimals <= 6 or value != value:
        return fmt(value)
    text = f"{float(value):.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@functools.lru_cache(maxsize=1 << 16)  # the same few shares and scores, unit after unit
def _at(value: float, decimals: int, mode: str = "half_up") -> str:
    """A number at the scorecard's declared decimals and rounding mode, trailing zeros dropped."""
    from evalkit.scoring.scalar_rounding import round_number

    return score_text(round_number(float(value), decimals, mode), decimals)


def _fmt(value: float | None) -> str:
    """A number as a person writes it (evalkit.rules.base.fmt); n/a for none."""
    return "n/a" if value is None else fmt(value)


def _band_label(sc: Scorecard, grade: str, lang: str) -> str:
    """The label of a grade of the scorecard's bands (the grade itself when there are none)."""
    return sc.grading.bands[sc.band_index(grade)].label.text(lang) if sc.grading else grade


def _veto_effect_text(veto: Veto, sc: Scorecard, lang: str) -> str:
    zh = lang == "zh"
    grade = sc.grading.bands[sc.band_index(veto.grade)].label.text(lang) if veto.grade and sc.grading else ""
    return {
        "force_grade": f"等次定为 {grade}" if zh else f"grade set to {grade}",
        "cap_grade": f"等次不高于 {grade}" if zh else f"grade at most {grade}",
        "disqualify_honours": "取消评先评优资格" if zh else "not eligible for honours",
        "zero": "总分计 0 分" if zh else "total set to 0",
        "deduct": f"扣 {fmt(veto.points or 0)} 分" if zh else f"{fmt(veto.points or 0)} points off the total",
    }[veto.effect]


def _same(a: float, b: float) -> bool:
    return abs(a - b) < 1e-9
