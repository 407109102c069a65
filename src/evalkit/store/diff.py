"""What changed between two result documents, per unit: item values and points, total, grade, rank and reward share.

`diff_results(before, after)` compares two results (`Evaluation.to_dict()`, or runs read from the history
store); `evalkit diff RUN_A RUN_B` and `evalkit history recompute` print it. Units whose rank changed only
because another unit moved are listed too, with that as the reason.

Quota places (名额变化) are listed apart: a unit whose grade changed while its own values and its total did not
changed grade only because another unit's change moved the quota line (a grade quota, 优秀不超过 20 %, or any grading
by places). `ResultDiff.quota_places` gives them, each with the quota involved (the grade whose places are limited,
from the units' `grade_changes`, when the result names one) and the units whose own values changed (the cause).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

UNIT_FIELDS = ("total", "rank", "grade", "share")


def _with_share(unit: Mapping[str, Any], doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """The unit's entry with its reward share (evalkit.analysis.rewards), when the result has one."""
    shares = {r["unit"]: r.get("share") for r in doc.get("rewards", {}).get("units", ())}
    return {**unit, "share": shares[unit["id"]]} if shares.get(unit["id"]) is not None else unit


@attrs.frozen
class UnitChange:
    """One unit's changes: fields (total, rank, grade: [before, after]) and items ({item: {value/points: [before, after]}})."""

    unit: str
    name: str | None
    fields: Mapping[str, tuple[Any, Any]]
    items: Mapping[str, Mapping[str, tuple[Any, Any]]]
    status: str  # "changed", "added" (only after), "removed" (only before)
    quota: str | None = None  # the quota (its grade) that moved the unit, when the result names one
    same_scheme: bool = True  # both results were graded by the same scorecard (else a grade may move with the scheme)

    @property
    def quota_place(self) -> bool:
        """Its grade changed while its own values and total did not: another unit's change moved the quota line."""
        return (self.same_scheme and self.status == "changed" and not self.items and "grade" in self.fields
                and "total" not in self.fields)

    @property
    def why(self) -> str:
        if self.status != "changed":
            return f"only in the {'second' if self.status == 'added' else 'first'} run"
        if self.quota_place:
            return ("a quota place (名额变化): another unit's change moved the quota line"
                    + (f" of grade {self.quota}" if self.quota else "") + "; its own values and total are unchanged")
        if self.items:
            return "its own values changed: " + ", ".join(sorted(self.items))
        if set(self.fields) <= {"rank", "grade", "share"}:
            return "another unit's result changed (its rank or reward share)"
        return "its result changed"

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "name": self.name, "status": self.status,
                "fields": {k: {"before": v[0], "after": v[1]} for k, v in self.fields.items()},
                "items": {i: {k: {"before": v[0], "after": v[1]} for k, v in f.items()} for i, f in self.items.items()},
                "why": self.why, "quota_place": self.quota_place, **({"quota": self.quota} if self.quota else {})}


@attrs.frozen
class ResultDiff:
    """The per-unit differences between two results (empty: the same results)."""

    before: str
    after: str
    units: tuple[UnitChange, ...]
    other: tuple[str, ...] = ()  # differences outside the units (scorecard, grades, rewards...)

    @property
    def same(self) -> bool:
        return not self.units and not self.other

    @property
    def quota_places(self) -> tuple[UnitChange, ...]:
        """The units whose grade changed only because another unit's change moved the quota line (名额变化)."""
        return tuple(c for c in self.units if c.quota_place)

    @property
    def moved_by(self) -> tuple[str, ...]:
        """The units whose own values changed (or that came or went): what moved the quota line."""
        return tuple(c.unit for c in self.units if c.items or c.status != "changed")

    def to_dict(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after, "same": self.same,
                "units": [u.to_dict() for u in self.units], "other": list(self.other),
                "quota_places": {"units": [u.unit for u in self.quota_places],
                                 "moved_by": list(self.moved_by) if self.quota_places else []}}

    def text(self) -> str:
        if self.same:
            return f"{self.before} → {self.after}: no difference\n"
        lines = [f"{self.before} → {self.after}: {len(self.units)} units changed"]
        share_only = [c for c in self.units if c.status == "changed" and not c.items and set(c.fields) == {"share"}]
        places = self.quota_places
        listed = sorted((c for c in self.units if c not in share_only and not c.quota_place), key=_importance)
        for change in (c for c in listed if _importance(c)[0] < 2):  # own values, grade or total
            lines += _change_lines(change)
        if places:  # 名额变化, before the units whose rank alone moved
            lines.append(f"  quota places (名额变化): {len(places)} units changed grade only because "
                         f"{', '.join(self.moved_by) or 'another unit'} moved the quota line")
            for change in places:
                a, b = change.fields["grade"]
                rank = change.fields.get("rank")
                lines.append(f"    {change.unit}" + (f" {change.name}" if change.name else "") + f": grade {_show(a)} → "
                             f"{_show(b)}" + (f" (quota of {change.quota})" if change.quota else "")
                             + (f", rank {_show(rank[0])} → {_show(rank[1])}" if rank else ""))
        for change in (c for c in listed if _importance(c)[0] == 2):
            lines += _change_lines(change)
        if share_only:
            lines.append(f"  {len(share_only)} more units: only their reward share changed (the pool is shared among "
                         "other units now); --format json lists them")
        lines += [f"  {o}" for o in self.other]
        return "\n".join(lines) + "\n"


def _change_lines(change: UnitChange) -> list[str]:
    lines = [f"  {change.unit}" + (f" {change.name}" if change.name else "") + f": {change.why}"]
    lines += [f"    {field}: {_show(a)} → {_show(b)}" for field, (a, b) in change.fields.items()]
    lines += [f"    {item}: " + "; ".join(f"{k} {_show(a)} → {_show(b)}" for k, (a, b) in values.items())
              for item, values in change.items.items()]
    return lines


def _importance(change: UnitChange) -> tuple[int, str]:
    """Units whose own values changed first, then those whose grade or total changed, then rank only."""
    if change.items or change.status != "changed":
        return 0, ""
    return (1 if {"grade", "total"} & set(change.fields) else 2), ""


def _quota(a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
    """The quota (its grade) named in either side's grade changes, when one moved the unit."""
    for unit in (a, b):
        for change in unit.get("grade_changes") or ():
            if change.get("by") == "quota":
                return str(change.get("id"))
    return None


def _show(value: Any) -> str:
    return "—" if value is None else str(value)


def diff_results(before: Mapping[str, Any], after: Mapping[str, Any], before_name: str = "before",
                 after_name: str = "after") -> ResultDiff:
    """The per-unit differences from `before` to `after` (two result documents)."""
    a_units = {u["id"]: _with_share(u, before) for u in before.get("units", ())}
    b_units = {u["id"]: _with_share(u, after) for u in after.get("units", ())}
    changes = []
    for uid in list(a_units) + [u for u in b_units if u not in a_units]:
        a, b = a_units.get(uid), b_units.get(uid)
        if a is None or b is None:
            kept = a or b or {}
            changes.append(UnitChange(uid, kept.get("name"), {}, {}, "removed" if b is None else "added"))
            continue
        fields = {f: (a.get(f), b.get(f)) for f in UNIT_FIELDS if a.get(f) != b.get(f)}
        items: dict[str, dict[str, tuple[Any, Any]]] = {}
        a_items, b_items = a.get("items", {}), b.get("items", {})
        for item in list(a_items) + [i for i in b_items if i not in a_items]:
            x, y = a_items.get(item, {}), b_items.get(item, {})
            moved = {k: (x.get(k), y.get(k)) for k in ("value", "points") if x.get(k) != y.get(k)}
            if moved:
                items[item] = moved
        rest = {k for k in set(a) | set(b) if k not in (*UNIT_FIELDS, "items") and a.get(k) != b.get(k)}
        if rest and not fields and not items:
            fields = {k: (a.get(k), b.get(k)) for k in sorted(rest)}
        if fields or items:
            changes.append(UnitChange(uid, b.get("name"), fields, items, "changed", _quota(a, b)))
    other = tuple(f"{key} differs" for key in sorted(set(before) | set(after))
                  if key not in ("units", "rewards") and before.get(key) != after.get(key))
    if before.get("scorecard") != after.get("scorecard") or before.get("grades") != after.get("grades"):
        changes = [attrs.evolve(c, same_scheme=False) for c in changes]
    return ResultDiff(before_name, after_name, tuple(changes), other)


__all__ = ["ResultDiff", "UnitChange", "diff_results"]
