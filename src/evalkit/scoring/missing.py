"""What was scored without data: units with no value at all, blank cells scored 0, items re-weighted away.

Missing data is scored by each item's declared policy (`missing: zero | reweight | fail`); the points are
right, but a unit that is absent from the data file and a unit that scored 0 look the same in a ranking.
`MissingData` says which: it is the `missing_data` key of the JSON result, the one-line warning
`evalkit run` prints on stderr, and a note in the xlsx, html and markdown reports.

Unit ids are listed sorted, so the same inputs give the same JSON whatever the order of the units file.

- `units_without_data`: units of the units file with no value in any column of the data for the period
  (their items are not listed again below);
- `scored_zero`: item -> the other units with no value for it, scored 0 by `missing: zero`;
- `reweighted`: item -> the other units with no value for it, whose weight went to the item's siblings
  (`missing: reweight`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

if TYPE_CHECKING:
    from evalkit.scoring.engine import ItemResult

__all__ = ["MissingData", "missing_data", "no_data_mask"]


@attrs.frozen
class MissingData:
    """Units and cells scored without data (see the module's docstring)."""

    units_without_data: tuple[str, ...] = ()
    scored_zero: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    reweighted: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)

    @property
    def zero_cells(self) -> int:
        return sum(len(v) for v in self.scored_zero.values())

    @property
    def reweighted_cells(self) -> int:
        return sum(len(v) for v in self.reweighted.values())

    def __bool__(self) -> bool:
        return bool(self.units_without_data or self.scored_zero or self.reweighted)

    def to_dict(self) -> dict[str, Any]:
        return {"units_without_data": list(self.units_without_data),
                "scored_zero": {k: list(v) for k, v in self.scored_zero.items()},
                "reweighted": {k: list(v) for k, v in self.reweighted.items()}}

    def summary(self, lang: str = "en", listed: int = 3) -> str:
        """One line: how many of each, with the first few ids; '' when nothing was missing."""
        zh = lang == "zh"
        parts = []
        if self.units_without_data:
            ids = _first(self.units_without_data, listed)
            parts.append(f"{len(self.units_without_data)} 个单位无任何数据（{ids}），各项按缺失处理" if zh else
                         f"{_n(len(self.units_without_data), 'unit')} without any data ({ids}), every item scored as missing")
        if self.scored_zero:
            units = _units(self.scored_zero)
            parts.append(f"{self.zero_cells} 个空值按 0 分计（{len(units)} 个单位，{len(self.scored_zero)} 项）" if zh else
                         f"{_n(self.zero_cells, 'blank cell')} scored 0 ({_n(len(units), 'unit')}, "
                         f"{_n(len(self.scored_zero), 'item')})")
        if self.reweighted:
            units = _units(self.reweighted)
            parts.append(f"{self.reweighted_cells} 个空值的权重分给同级指标（{len(units)} 个单位，{len(self.reweighted)} 项）" if zh
                         else f"{_n(self.reweighted_cells, 'blank cell')} re-weighted away ({_n(len(units), 'unit')}, "
                              f"{_n(len(self.reweighted), 'item')})")
        if not parts:
            return ""
        return ("缺失数据：" + "；".join(parts) + "（详见 JSON 的 missing_data）") if zh else \
            ("missing data: " + "; ".join(parts) + " (listed under missing_data in --format json)")


def no_data_mask(columns: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """True for the units with no finite value in any of the data's columns."""
    has = np.zeros(n, dtype=bool)
    for column in columns.values():
        values = np.asarray(column)
        if values.dtype.kind != "f" or values.shape[:1] != (n,):
            continue
        if n and not np.isnan(np.minimum.reduce(values, axis=None)):  # a column with a value for every unit: no unit lacks data
            return np.zeros(n, dtype=bool)
        finite = ~np.isnan(values)
        has |= finite if finite.ndim == 1 else finite.any(axis=tuple(range(1, finite.ndim)))
    return ~has


def missing_data(ids: Sequence[str], no_data: np.ndarray | None, items: Mapping[str, ItemResult]) -> MissingData:
    """The MissingData of an evaluation's units and item results, unit ids sorted (as ties are broken)."""
    order = np.argsort(np.asarray(ids, dtype=object).astype(str), kind="stable")
    keys = np.asarray(ids, dtype=object)[order]
    skip = (no_data if no_data is not None else np.zeros(len(keys), dtype=bool))[order]
    zero: dict[str, tuple[str, ...]] = {}
    reweighted: dict[str, tuple[str, ...]] = {}
    for item_id, r in items.items():
        cells = np.asarray(r.missing, dtype=bool)[order] & ~skip
        if cells.any():
            (reweighted if r.item.missing == "reweight" else zero)[item_id] = tuple(keys[cells].tolist())
    return MissingData(units_without_data=tuple(keys[skip].tolist()), scored_zero=zero, reweighted=reweighted)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _first(ids: Sequence[str], listed: int) -> str:
    shown = ", ".join(ids[:listed])
    return shown + (f" … +{len(ids) - listed}" if len(ids) > listed else "")


def _units(cells: Mapping[str, tuple[str, ...]]) -> set[str]:
    return {u for units in cells.values() for u in units}
