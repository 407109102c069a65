"""What `evalkit history` shows: the runs of a store, a unit's or an indicator's trend, or one stored result.

`read_history(path, ...)` opens the store (never creating it), reads what was asked and returns a result
whose `to_dict()` is the JSON the command prints and whose `to_csv()` is its CSV. Rows come from
`evalkit.store.history.Store`, which checks every cell it reads: a store edited by hand gives a
StoreError (exit 6) naming the table, row and column, not a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from evalkit.io.csv_text import csv_number, csv_text
from evalkit.store.history import IndicatorTrendRow, RunRow, Store, UnitTrendRow

if TYPE_CHECKING:
    from evalkit.store.rectification import Entry

RUN_FIELDS = ("id", "stored_at", "scorecard_id", "scorecard_version", "period", "units", "fingerprint", "scorecard_hash",
              "evalkit_version")
UNIT_TREND_FIELDS = ("period", "scorecard_id", "run", "unit", "name", "total", "total_change", "rank", "of", "rank_change",
                     "grade", "grade_before")
INDICATOR_TREND_FIELDS = ("period", "scorecard_id", "run", "unit", "name", "value", "points", "item")


def _cells(rows: Sequence[Any], keys: Sequence[str]) -> list[list[Any]]:
    """CSV cells: floats at full precision (12 significant digits), '' for none, the rest as they are."""
    return [[csv_number(r[k]) if isinstance(r[k], float) else ("" if r[k] is None else r[k]) for k in keys] for r in rows]


REGISTER_COUNTS = ("open", "closed", "overdue")


@attrs.frozen
class RunList:
    """The runs kept in a store (without their results), oldest first, each with the rectification register entries
    opened from it counted as open (open, in progress, done), closed and overdue (`rectification`)."""

    path: str
    runs: tuple[RunRow, ...]
    rectification: Mapping[int, Mapping[str, int]] = attrs.field(factory=dict)

    def counts(self, run: int) -> dict[str, int]:
        """The run's register entries: {"open": n, "closed": n, "overdue": n}."""
        found = self.rectification.get(run, {})
        return {k: int(found.get(k, 0)) for k in REGISTER_COUNTS}

    def to_dict(self) -> list[dict[str, Any]]:
        """The JSON the command prints: a list of runs, each with its register counts."""
        return [{**dict(r), "rectification": self.counts(r["id"])} for r in self.runs]

    def to_csv(self) -> str:
        head = (*RUN_FIELDS, *(f"rectification_{k}" for k in REGISTER_COUNTS))
        return csv_text([["" if r[k] is None else r[k] for k in RUN_FIELDS]  # type: ignore[literal-required]  # RUN_FIELDS are RunRow's keys
                         + list(self.counts(r["id"]).values()) for r in self.runs], head)

    def __len__(self) -> int:
        return len(self.runs)


@attrs.frozen
class UnitTrend:
    """A unit's total, rank and grade per period (the latest run of each scorecard and period)."""

    unit: str
    rows: tuple[UnitTrendRow, ...]
    entries: tuple[Entry, ...] = ()

    def to_dict(self) -> list[dict[str, Any]]:
        """The JSON the command prints: a list of periods (the register entries are `register()`)."""
        return [dict(r) for r in self.rows]

    def register(self) -> list[dict[str, Any]]:
        """The unit's rectification register entries (`history --unit U --format json` prints them beside the rows)."""
        return [e.to_dict() for e in self.entries]

    def to_csv(self) -> str:
        return csv_text(_cells(self.rows, UNIT_TREND_FIELDS), UNIT_TREND_FIELDS)

    def __len__(self) -> int:
        return len(self.rows)


@attrs.frozen
class UnitsTrend:
    """Every unit's total, rank and grade per period (`Store.units_trend`): rows by unit, then period."""

    rows: tuple[UnitTrendRow, ...]

    def to_dict(self) -> list[dict[str, Any]]:
        """The JSON the command prints: a list of (unit, period) rows, the fields of `UnitTrend`'s."""
        return [dict(r) for r in self.rows]

    def to_csv(self) -> str:
        return csv_text(_cells(self.rows, UNIT_TREND_FIELDS), UNIT_TREND_FIELDS)

    def __len__(self) -> int:
        return len(self.rows)


@attrs.frozen
class IndicatorTrend:
    """An indicator's value per unit and period (and the points of the first item scoring it)."""

    indicator: str
    unit: str | None
    rows: tuple[IndicatorTrendRow, ...]

    def to_dict(self) -> list[dict[str, Any]]:
        """The JSON the command prints: a list of (period, unit) values."""
        return [dict(r) for r in self.rows]

    def to_csv(self) -> str:
        return csv_text(_cells(self.rows, INDICATOR_TREND_FIELDS), INDICATOR_TREND_FIELDS)

    def columns(self) -> list[tuple[str, str]]:
        """(period, scorecard id) of every column of the trend table, in order."""
        return list(dict.fromkeys((r["period"], r["scorecard_id"]) for r in self.rows))

    def table(self) -> dict[str, tuple[str, dict[tuple[str, str], float | None]]]:
        """{unit: (name, {(period, scorecard id): value})}, units sorted by id."""
        cells: dict[str, dict[tuple[str, str], float | None]] = {}
        names: dict[str, str] = {}
        for r in self.rows:
            cells.setdefault(r["unit"], {})[(r["period"], r["scorecard_id"])] = r["value"]
            names[r["unit"]] = r["name"] or ""
        return {uid: (names[uid], cells[uid]) for uid in sorted(cells)}

    def __len__(self) -> int:
        return len(self.rows)


@attrs.frozen
class StoredResult:
    """One stored result document, as `Evaluation.to_dict()` gave it."""

    run: str
    document: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.document


HistoryResult = RunList | UnitTrend | UnitsTrend | IndicatorTrend | StoredResult


def read_history(path: str | os.PathLike, *, run: int | str | None = None, unit: str | None = None,
                 indicator: str | None = None, scorecard_id: str | None = None, all_units: bool = False) -> HistoryResult:
    """Read a history store: run N's result, an indicator's trend (of one unit), a unit's trend, every unit's trend
    (`all_units`), or the list of runs.

    The store is never created: FileAccessError (exit 5) when it is missing or unreadable, StoreError (exit 6)
    when it is not an evalkit store or was changed by hand, RunNotFound (exit 3) for a run not in it.
    """
    with Store.open(path, create=False) as store:
        if run is not None:
            return StoredResult(run=str(run), document=store.load(run))
        if indicator:
            return IndicatorTrend(indicator=indicator, unit=unit,
                                  rows=tuple(store.indicator_trend(indicator, unit=unit, scorecard_id=scorecard_id)))
        if all_units:
            return UnitsTrend(rows=tuple(store.units_trend(scorecard_id=scorecard_id)))
        from evalkit.store.rectification import run_counts, unit_entries

        if unit:
            return UnitTrend(unit=unit, rows=tuple(store.unit_trend(unit, scorecard_id=scorecard_id)),
                             entries=unit_entries(store, unit).entries)
        return RunList(path=str(path), runs=tuple(store.runs(scorecard_id=scorecard_id)), rectification=run_counts(store))
