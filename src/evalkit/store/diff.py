"""What changed between two result documents, per unit: item values and points, total, grade, rank and reward share.

`diff_results(before, after)` compares two results (`Evaluation.to_dict()`, or runs read from the history
store); `evalkit diff RUN_A RUN_B` and `evalkit history recompute` print it. Units whose rank changed only
because another unit moved are listed too, with that as the reason.
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

    @property
    def why(self) -> str:
        if self.status != "changed":
            return f"only in the {'second' if self.status == 'added' else 'first'} run"
        if self.items:
            return "its own values changed: " + ", ".join(sorted(self.items))
        if set(self.fields) <= {"rank", "grade", "share"}:
            return "another unit's result changed (its rank, quota place or reward share)"
        return "its result changed"

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "name": self.name, "status": self.status,
                "fields": {k: {"before": v[0], "after": v[1]} for k, v in self.fields.items()},
                "items": {i: {k: {"before": v[0], "after": v[1]} for k, v in f.items()} for i, f in self.items.items()},
                "why": self.why}


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

    def to_dict(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after, "same": self.same,
                "units": [u.to_dict() for u in self.units], "other": list(self.other)}

    def text(self) -> str:
        if self.same:
            return f"{self.before} → {self.after}: no difference\n"
        lines = [f"{self.before} → {self.after}: {len(self.units)} units changed"]
        share_only = [c for c in self.units if c.status == "changed" and not c.items and set(c.fields) == {"share"}]
        for change in sorted((c for c in self.units if c not in share_only), key=_importance):
            lines.append(f"  {change.unit}" + (f" {change.name}" if change.name else "") + f": {change.why}")
            for field, (a, b) in change.fields.items():
                lines.append(f"    {field}: {_show(a)} → {_show(b)}")
            for item, values in change.items.items():
                lines.append(f"    {item}: " + "; ".join(f"{k} {_show(a)} → {_show(b)}" for k, (a, b) in values.items()))
        if share_only:
            lines.append(f"  {len(share_only)} more units: only their reward share changed (the pool is shared among "
                         "other units now); --format json lists them")
        lines += [f"  {o}" for o in self.other]
        return "\n".join(lines) + "\n"


def _importance(change: UnitChange) -> tuple[int, str]:
    """Units whose own values changed first, then those whose grade or total changed, then rank only."""
    if change.items or change.status != "changed":
        return 0, ""
    return (1 if {"grade", "total"} & set(change.fields) else 2), ""


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
            changes.append(UnitChange(uid, b.get("name"), fields, items, "changed"))
    other = tuple(f"{key} differs" for key in sorted(set(before) | set(after))
                  if key not in ("units", "rewards") and before.get(key) != after.get(key))
    return ResultDiff(before_name, after_name, tuple(changes), other)


__all__ = ["ResultDiff", "UnitChange", "diff_results"]
