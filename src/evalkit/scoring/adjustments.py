"""Bonus (加分), deduction (扣分) and veto (一票否决) records, and what they do to totals and grades.

The scorecard declares the items with their caps and the vetoes with their effects; an adjustments
file (or in-memory records) says which unit earned or lost what, why, on what evidence, and which
authority imposed a veto. Order of application, always the same:

1. bonus: per item, the unit's records add up and are capped by the item's cap; all bonus items
   together are capped by the bonus cap;
2. deductions: per item capped by the item's cap, then per block by the block's cap (限扣);
3. total = items' total + bonus - deductions;
4. vetoes on the score: `deduct` takes its points off, `zero` sets the total to 0; never below 0;
5. grade from the bands, then gates and vetoes on the grade: every `cap_grade` (不得评优) keeps the
   grade at or below its grade, then `force_grade` sets it (the worst forced grade wins);
   `disqualify_honours` (取消评先) marks the unit as not eligible for honours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from evalkit.definition.model import AdjustmentItem, Gate, Scorecard, Veto
from evalkit.errors import describe
from evalkit.io.table import RowReader, Table, cell_text, parse_number
from evalkit.scoring.clauses import DiscretionaryTarget, check_record, discretionary_targets
from evalkit.scoring.grading import NO_GRADE
from evalkit.scoring.rounding import Rounding

ADJUSTMENT_COLUMNS = {
    "unit": ("unit", "unit_id", "单位", "单位编号"),
    "item": ("item", "adjustment", "项目", "加减分项目", "否决事项"),
    "points": ("points", "分值", "分数", "加减分"),
    "reason": ("reason", "事由", "原因"),
    "evidence": ("evidence", "佐证", "佐证材料", "依据"),
    "authority": ("authority", "认定机关", "决定机关", "assessor", "考评人"),
}


@attrs.frozen
class AdjustmentRecord:
    """One unit's bonus, deduction or veto, with its reason and evidence reference."""

    unit: str
    item: str
    points: float | None = None
    reason: str = ""
    evidence: str = ""
    authority: str = ""

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"item": self.item}
        if self.points is not None:
            out["points"] = self.points
        for key in ("reason", "evidence", "authority"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


@attrs.frozen
class Adjusted:
    """Columnar outcome of the adjustments for all units (arrays aligned with the units)."""

    base: np.ndarray  # the items' total
    claimed: dict  # item id -> points claimed per unit (before caps)
    counted: dict  # item id -> points counted per unit (after item caps)
    bonus: np.ndarray  # bonus points counted after every cap
    deduction: np.ndarray  # deduction points counted after every cap
    veto_masks: dict  # veto id -> bool mask of units it applies to
    total: np.ndarray  # final total after adjustments and score vetoes
    records: tuple[AdjustmentRecord, ...] = ()
    bonus_claimed: np.ndarray | None = None  # all bonus items' counted points before the overall cap
    blocks: dict = attrs.field(factory=dict)  # deduction block id -> points of its items before the block cap
    _by_unit: dict = attrs.field(init=False, factory=dict, eq=False, repr=False)

    def records_of(self, unit: str) -> list[AdjustmentRecord]:
        """The unit's records, from an index built once (not a scan of every record per unit)."""
        if self.records and not self._by_unit:
            for record in self.records:
                self._by_unit.setdefault(record.unit, []).append(record)
        return list(self._by_unit.get(unit, ()))


def records_from(rows: Iterable[Mapping[str, Any] | AdjustmentRecord] | Any, units: Sequence[str], scorecard: Scorecard,
                 source: str = "adjustments") -> tuple[AdjustmentRecord, ...]:
    """Check in-memory records (dicts with unit, item, points, reason, evidence, authority), or a DataFrame
    (pandas, polars, pyarrow) with those columns; NaN, None and NA are empty cells (a veto's blank points)."""
    from evalkit.io.frames import frame_table, is_frame, is_missing

    if is_frame(rows):
        return read_adjustments(frame_table(rows, source if source != "adjustments" else None), units, scorecard,
                                allow_empty=True)
    columns = tuple(ADJUSTMENT_COLUMNS)
    dicts = [attrs.asdict(r) if isinstance(r, AdjustmentRecord)
             else {k: None if is_missing(v) else v for k, v in dict(r).items()} for r in rows]
    table = Table(source=source, columns=columns, rows=tuple(tuple(r.get(c) for c in columns) for r in dicts),
                  row_numbers=tuple(range(len(dicts))), row_style="index")
    return read_adjustments(table, units, scorecard, allow_empty=True)


def read_adjustments(table: Table, units: Sequence[str], scorecard: Scorecard,
                     allow_empty: bool = False) -> tuple[AdjustmentRecord, ...]:
    """Check an adjustments table: known units and items, points where points are needed."""
    if allow_empty and not table.rows:
        return ()
    reader = RowReader(table, ADJUSTMENT_COLUMNS, required=("unit", "item"))
    known_units = set(units)
    targets: dict[str, Any] = {**scorecard.adjustment_targets(), **discretionary_targets(scorecard)}
    records = []
    for row in reader:
        unit, item = cell_text(row.cell("unit")), cell_text(row.cell("item"))
        target = targets.get(item)
        if unit not in known_units:
            row.problem("unknown unit", "unit", expected="an id from the units file", found=describe(unit))
        if target is None:
            row.problem("unknown bonus, deduction or veto item", "item",
                        expected="one of " + ", ".join(sorted(targets)) if targets else
                        "a scorecard that declares bonus, deductions or vetoes", found=describe(item))
            continue
        try:
            points = parse_number(row.cell("points"))
        except ValueError as exc:
            row.problem("the points are not usable", "points", expected=str(exc), found=describe(row.cell("points")))
            continue
        if isinstance(target, DiscretionaryTarget):
            refused = check_record(target, points, cell_text(row.cell("evidence")))
            if refused is not None:
                message, column, expected, found = refused
                row.problem(message, column, expected=expected, found=found)
                continue
        elif isinstance(target, AdjustmentItem):
            if points is None or points < 0:
                row.problem(f"a {target.kind} record needs its points", column=reader.headers.get("points", "points"),
                            expected="a number >= 0 (deductions are written as positive points off)",
                            found=describe(row.cell("points")))
                continue
        elif points is not None:
            row.problem(f"veto {item!r} takes no points (its effect is declared in the scorecard)", "points",
                        expected="an empty cell", found=describe(points))
            continue
        reason = cell_text(row.cell("reason"))
        evidence = cell_text(row.cell("evidence"))
        if not reader.unique(row, ("adjustment", unit, item, points, " ".join(reason.split()), " ".join(evidence.split())),
                             "duplicate adjustment: this unit, item, points, reason and evidence are already recorded "
                             "(a bonus or deduction counted twice?)",
                             "each record once; two separate events need a reason or evidence that tells them apart "
                             "(a date, a document number)",
                             "unit", found="the same as"):
            continue
        records.append(AdjustmentRecord(unit=unit, item=item, points=points, reason=reason,
                                        evidence=evidence, authority=cell_text(row.cell("authority"))))
    reader.raise_problems(limit=None)
    return tuple(records)


def apply(base: np.ndarray, unit_ids: Sequence[str], scorecard: Scorecard, records: Sequence[AdjustmentRecord],
          rounding: Rounding) -> Adjusted:
    """Add bonuses, take deductions and score vetoes off `base`, with every cap, for all units."""
    n = base.shape[0]
    index = {uid: i for i, uid in enumerate(unit_ids)}
    claimed: dict[str, np.ndarray] = {}
    veto_masks: dict[str, np.ndarray] = {}
    by_item: dict[str, tuple[list[int], list[float]]] = {}
    for record in records:
        rows, points = by_item.setdefault(record.item, ([], []))
        rows.append(index[record.unit])
        points.append(record.points if record.points is not None else 0.0)
    for item in (*scorecard.bonus_items, *scorecard.deduction_items):
        claim = np.zeros(n)
        if item.id in by_item:
            rows, points = by_item[item.id]
            np.add.at(claim, np.asarray(rows, dtype=np.intp), points)
        claimed[item.id] = claim
    for veto in scorecard.vetoes:
        mask = np.zeros(n, dtype=bool)
        if veto.id in by_item:
            mask[np.asarray(by_item[veto.id][0], dtype=np.intp)] = True
        veto_masks[veto.id] = mask
    claimed = {key: rounding(value) for key, value in claimed.items()}  # 0.1 + 0.2 shows as 0.3
    counted = {item.id: _capped(claimed[item.id], item.cap) for item in (*scorecard.bonus_items, *scorecard.deduction_items)}
    bonus_claimed = np.zeros(n)
    for item in scorecard.bonus_items:
        bonus_claimed += counted[item.id]
    bonus_claimed = rounding(bonus_claimed)
    bonus = _capped(bonus_claimed, scorecard.bonus_cap)
    deduction = np.zeros(n)
    blocks: dict[str, np.ndarray] = {}
    for item in scorecard.deduction_items:
        if item.block is None:
            deduction += counted[item.id]
        else:
            blocks.setdefault(item.block, np.zeros(n))
            blocks[item.block] += counted[item.id]
    blocks = {block: rounding(amount) for block, amount in blocks.items()}
    for block, amount in blocks.items():
        deduction += _capped(amount, scorecard.deduction_blocks[block])
    deduction = rounding(deduction)
    total = base + bonus - deduction
    for veto in scorecard.vetoes:
        mask = veto_masks[veto.id]
        if veto.effect == "deduct":
            total = np.where(mask, total - veto.points, total)
        elif veto.effect == "zero":
            total = np.where(mask, 0.0, total)
    total = rounding(np.maximum(total, 0.0))
    return Adjusted(base=base, claimed=claimed, counted=counted, bonus=bonus, deduction=deduction,
                    veto_masks=veto_masks, total=total, records=tuple(records), bonus_claimed=bonus_claimed, blocks=blocks)


def _capped(values: np.ndarray, cap: float | None) -> np.ndarray:
    return values if cap is None else np.minimum(values, cap)


@attrs.frozen
class GradeChange:
    """Why a unit's grade differs from what its total's band gives: a gate or a veto."""

    by: str  # "gate", "veto" or "quota"
    id: str
    effect: str
    grade: str


def grade_overrides(grades: np.ndarray, scorecard: Scorecard, columns: Mapping[str, np.ndarray],
                    veto_masks: Mapping[str, np.ndarray], hits: Mapping[str, np.ndarray] | None = None
                    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Apply gates and grade vetoes to band grades; return final grades and each rule's unit mask.

    `hits` (``gate:ID`` / ``veto:ID`` masks from an earlier run) is used instead of `columns` and `veto_masks`.
    """
    caps: list[tuple[str, str, Gate | Veto, np.ndarray]] = []
    forces: list[tuple[str, str, Gate | Veto, np.ndarray]] = []
    masks: dict[str, np.ndarray] = {}
    for gate in scorecard.gates:
        if hits is not None:
            hit = hits[f"gate:{gate.id}"]
        else:
            values = columns.get(gate.indicator, np.full(grades.shape[0], np.nan))
            with np.errstate(invalid="ignore"):
                hit = values < gate.below if gate.below is not None else values > gate.above
            if gate.when_missing == "apply":
                hit = hit | np.isnan(values)
        masks[f"gate:{gate.id}"] = hit
        (forces if gate.effect == "force_grade" else caps).append(("gate", gate.id, gate, hit))
    for veto in scorecard.vetoes:
        if veto.effect in ("force_grade", "cap_grade"):
            hit = hits[f"veto:{veto.id}"] if hits is not None else veto_masks[veto.id]
            masks[f"veto:{veto.id}"] = hit
            (forces if veto.effect == "force_grade" else caps).append(("veto", veto.id, veto, hit))
    final = grades.copy()
    for _, _, rule, hit in caps:
        limit = scorecard.band_index(rule.grade or "")
        final = np.where(hit & (final != NO_GRADE) & (final < limit), limit, final)  # a cap never raises a grade
    forced = np.full(grades.shape[0], NO_GRADE, dtype=np.int64)
    for _, _, rule, hit in forces:
        forced = np.where(hit, np.maximum(forced, scorecard.band_index(rule.grade or "")), forced)
    final = np.where(forced != NO_GRADE, forced, final)
    return final, masks


def changes_for(i: int, scorecard: Scorecard, masks: Mapping[str, np.ndarray]) -> list[GradeChange]:
    """The gates and vetoes that apply to unit i, in declaration order."""
    out = []
    for gate in scorecard.gates:
        if masks[f"gate:{gate.id}"][i]:
            out.append(GradeChange(by="gate", id=gate.id, effect=gate.effect, grade=gate.grade))
    for veto in scorecard.vetoes:
        key = f"veto:{veto.id}"
        if key in masks and masks[key][i]:
            out.append(GradeChange(by="veto", id=veto.id, effect=veto.effect, grade=veto.grade or ""))
    bands = scorecard.grading.bands if scorecard.grading else ()
    for k, band in enumerate(bands):
        key = f"quota:{band.grade}"
        if key in masks and masks[key][i]:
            below = bands[k + 1].grade if k + 1 < len(bands) else ""
            out.append(GradeChange(by="quota", id=band.grade, effect="moved_down", grade=below))
    return out

