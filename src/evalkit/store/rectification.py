"""The rectification register (整改台账), kept in the history store as chained, append-only records.

- `open_entries(store, run, ...)`: one entry per unit selected from a run: the lagging tier (the lowest grade,
  or the grades named), the bottom share (`bottom="10%"` or a number of units), units with an item below its
  standard. Each entry lists the unit's weak items (points below `standard` × the item's maximum, default 60 %;
  the three weakest when none is), and its measures, owner, deadline and status ("open"); with `targets` (a
  targets file, as `evalkit targets` reads), also the units with a target behind or off track at the run's period.
- `update_entries(store, file)`: a CSV or XLSX the units fill in (columns entry, measures, owner, deadline,
  status, note; status open, in_progress or done) appends an update per row.
- `check_entries(store, run, today)`: the next period's run closes every entry whose weak items all reach their
  standard ("closed", with the run) and flags those past their deadline ("overdue").
- `register(store)`: every entry as it stands now (its last update applied), with its history.

Nothing is overwritten: an update is a new record naming its entry; the register is their fold.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from evalkit.errors import DataError, Problem
from evalkit.store import ledger
from evalkit.store.appeals import Record, parse_date, records
from evalkit.store.history import Store

if TYPE_CHECKING:
    from evalkit.plugins.manager import Registry

STATUSES = ("open", "in_progress", "done", "closed", "overdue")
FILE_STATUSES = ("open", "in_progress", "done")
DEFAULT_STANDARD = 0.6
FIELDS = ("measures", "owner", "deadline", "status")


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _ratio(points: Any, max_points: Any) -> float | None:
    if not isinstance(points, (int, float)) or not isinstance(max_points, (int, float)) or max_points <= 0:
        return None
    return float(points) / float(max_points)


def weak_items(doc: Mapping[str, Any], unit: Mapping[str, Any], standard: float) -> list[dict[str, Any]]:
    """The unit's items below `standard` × their maximum (the three weakest when none is), weakest first."""
    maxima = {item["id"]: item.get("max_points") for item in doc.get("items", ())}
    scored = [(r, item, entry) for item, entry in unit.get("items", {}).items()
              if (r := _ratio(entry.get("points"), maxima.get(item))) is not None]
    scored.sort(key=lambda t: (t[0], t[1]))
    below = [t for t in scored if t[0] < standard] or scored[:3]
    return [{"item": item, "points": entry.get("points"), "max_points": maxima[item], "standard": standard}
            for _, item, entry in below]


@attrs.frozen
class Entry:
    """A register entry as it stands now: the opening record with its updates applied."""

    id: int
    run: int | None
    unit: str
    name: str | None
    reasons: tuple[str, ...]
    weak_items: tuple[Mapping[str, Any], ...]
    measures: str
    owner: str
    deadline: str
    status: str
    period: str | None
    updates: tuple[Record, ...] = ()
    missed_targets: tuple[Mapping[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": "rectification", "run": self.run, "unit": self.unit, "name": self.name,
                "reasons": list(self.reasons), "weak_items": [dict(w) for w in self.weak_items], "measures": self.measures,
                "owner": self.owner, "deadline": self.deadline, "status": self.status, "period": self.period,
                **({"missed_targets": [dict(m) for m in self.missed_targets]} if self.missed_targets else {}),
                "updates": [u.to_dict() for u in self.updates]}


@attrs.frozen
class Register:
    """The rectification register (`evalkit rectify list`), or the entries an action touched."""

    entries: tuple[Entry, ...]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"entries": [e.to_dict() for e in self.entries], "note": self.note}

    def text(self) -> str:
        lines = [self.note] if self.note else []
        for e in self.entries:
            items = ", ".join(f"{w['item']} {w['points']}/{w['max_points']}" for w in e.weak_items)
            lines.append(f"entry {e.id} (run {e.run}) {e.unit} {e.name or ''}: {e.status}, deadline {e.deadline}, "
                         f"owner {e.owner or '—'}; {'; '.join(e.reasons)}; weak items: {items}"
                         + (f"; measures: {e.measures}" if e.measures else ""))
        return "\n".join(lines or ["the rectification register is empty"]) + "\n"


def register(store: Store, status: str | None = None, unit: str | None = None) -> Register:
    """Every entry as it stands now, oldest first (only those with `status`, of `unit`, when given)."""
    updates: dict[int, list[Record]] = {}
    for u in records(store, "rectification_update"):
        updates.setdefault(int(u.body["entry"]), []).append(u)
    out = []
    for r in records(store, "rectification"):
        fields = {k: r.body.get(k, "") for k in FIELDS}
        for u in updates.get(r.id, ()):
            fields.update({k: u.body[k] for k in FIELDS if u.body.get(k) is not None})
        entry = Entry(id=r.id, run=r.run, unit=r.body["unit"], name=r.body.get("name"), reasons=tuple(r.body["reasons"]),
                      weak_items=tuple(r.body["weak_items"]), measures=str(fields["measures"]), owner=str(fields["owner"]),
                      deadline=str(fields["deadline"]), status=str(fields["status"]), period=r.body.get("period"),
                      updates=tuple(updates.get(r.id, ())), missed_targets=tuple(r.body.get("missed_targets", ())))
        if (status is None or entry.status == status) and (unit is None or entry.unit == unit):
            out.append(entry)
    return Register(tuple(out))


def _bottom_count(bottom: str | int | None, n: int) -> int:
    if bottom is None:
        return 0
    text = str(bottom).strip()
    try:
        if text.endswith("%"):
            share = float(text[:-1])
            if not 0 < share <= 100:
                raise ValueError
            return max(1, int(n * share / 100 + 0.5)) if n else 0  # a count of units, not a score
        count = int(text)
        if count < 1:
            raise ValueError
        return min(count, n)
    except ValueError:
        raise DataError(Problem("the bottom share is a percentage or a number of units", expected="e.g. 10% or 5",
                                found=repr(bottom))) from None


def missed_targets(store: Store, run_id: int, targets: str | os.PathLike,
                   registry: Registry | None = None) -> dict[str, list[dict[str, Any]]]:
    """Unit -> its targets behind or off track at the run's period (`evalkit targets` on the run's kept inputs)."""
    import tempfile
    from pathlib import Path

    from evalkit.analysis.targets import assess_targets
    from evalkit.scoring.files import InputFiles, load_inputs
    from evalkit.store.archive import materialize

    if registry is None:
        from evalkit.plugins.manager import default_registry

        registry = default_registry()
    with tempfile.TemporaryDirectory(prefix="evalkit-rectify-") as folder:
        inputs = load_inputs(InputFiles(**materialize(store, run_id, Path(folder))), registry)
        assessment = assess_targets(inputs.scorecard, inputs.data, targets=os.fspath(targets), registry=registry)
    out: dict[str, list[dict[str, Any]]] = {}
    for row in assessment.rows():
        if row["status"] in ("behind", "off_track"):
            out.setdefault(row["unit"], []).append({k: row[k] for k in ("indicator", "target", "due", "actual", "status")})
    return out


def open_entries(store: Store, run: int | str, deadline: str | datetime.date, grades: Sequence[str] | None = None,
                 bottom: str | int | None = None, below_standard: bool = False, standard: float = DEFAULT_STANDARD,
                 owner: str = "", measures: str = "", targets: str | os.PathLike | None = None,
                 registry: Registry | None = None) -> Register:
    """Open an entry for each unit the run selects (the lagging tier by default; with `targets`, also the units with
    a target behind or off track); units with an open entry are skipped."""
    run_id = store.run_id(run)
    doc = store.load(run_id)
    missed = missed_targets(store, run_id, targets, registry) if targets is not None else {}
    due = parse_date(deadline, "deadline").isoformat()
    if not 0 < standard <= 1:
        raise DataError(Problem("the standard is a share of an item's maximum", expected="a number in (0, 1]", found=str(standard)))
    bands = [g["grade"] for g in doc.get("grades", ())]
    if grades is None:
        grades = bands[-1:] if bands else []
    unknown = [g for g in grades if g not in bands]
    if unknown:
        raise DataError(Problem(f"run {run_id} has no grade {unknown[0]!r}", expected="one of " + ", ".join(bands) if bands else
                                "a run with grades", found=repr(unknown[0])))
    units = sorted(doc.get("units", ()), key=lambda u: (u.get("rank") is None, u.get("rank") or 0, u["id"]))
    count = _bottom_count(bottom, len(units))
    bottom_ids = {u["id"] for u in units[len(units) - count:]} if count else set()
    chosen: list[tuple[Mapping[str, Any], list[str]]] = []
    for u in units:
        reasons = []
        if u.get("grade") in grades:
            reasons.append(f"grade {u.get('grade')}")
        if u["id"] in bottom_ids:
            reasons.append(f"in the bottom {bottom}")
        if below_standard and any(w["points"] is not None and _ratio(w["points"], w["max_points"]) is not None
                                  and (_ratio(w["points"], w["max_points"]) or 0) < standard
                                  for w in weak_items(doc, u, standard)):
            reasons.append(f"items below {standard:.0%} of their points")
        if u["id"] in missed:
            reasons.append("missed targets: " + ", ".join(f"{m['indicator']} ({m['status']})" for m in missed[u["id"]]))
        if reasons:
            chosen.append((u, reasons))
    period = str(doc.get("scorecard", {}).get("period", ""))
    opened = []
    with store.transaction():
        already = {e.unit for e in register(store).entries if e.status not in ("closed",)}
        for u, reasons in chosen:
            if u["id"] in already:
                continue
            body = {"unit": u["id"], "name": u.get("name"), "reasons": reasons, "weak_items": weak_items(doc, u, standard),
                    "measures": measures, "owner": owner, "deadline": due, "status": "open", "period": period,
                    **({"missed_targets": missed[u["id"]]} if u["id"] in missed else {})}
            opened.append(ledger.add_record(store.conn, "rectification", run_id, None, _now(), body))
    entries = tuple(e for e in register(store).entries if e.id in set(opened))
    skipped = len(chosen) - len(opened)
    return Register(entries, f"{len(entries)} entries opened from run {run_id}"
                    + (f"; {skipped} units already have an open entry" if skipped else ""))


def update_entries(store: Store, path: str | os.PathLike, registry: Registry | None = None) -> Register:
    """Apply the rows of a CSV/XLSX the units filled in: entry, and any of measures, owner, deadline, status, note."""
    from evalkit.io.inputs import read_table
    from evalkit.io.table import cell_text, find_columns

    if registry is None:
        from evalkit.plugins.manager import default_registry

        registry = default_registry()
    table = read_table(os.fspath(path), registry)
    wanted = {"entry": ("entry", "id", "编号"), "measures": ("measures", "整改措施"), "owner": ("owner", "责任人"),
              "deadline": ("deadline", "整改时限"), "status": ("status", "状态"), "note": ("note", "备注")}
    columns = find_columns(table, wanted, ["entry"])
    known = {e.id: e for e in register(store).entries}
    problems: list[Problem] = []
    pending: list[dict[str, Any]] = []
    for i, row in enumerate(table.rows):
        cells = {k: cell_text(row[c]) if c < len(row) else "" for k, c in columns.items()}
        if not any(cells.values()):
            continue
        try:
            entry = int(cells["entry"])
        except ValueError:
            entry = -1
        if entry not in known:
            problems.append(Problem("no such register entry", **table.where(i, table.columns[columns["entry"]]),
                                    expected="an entry id of `evalkit rectify list`", found=repr(cells["entry"])))
            continue
        if known[entry].status == "closed":
            problems.append(Problem(f"entry {entry} was closed by run {known[entry].updates[-1].body.get('checked_run')}",
                                    **table.where(i, table.columns[columns["entry"]]), expected="an entry still open"))
            continue
        body: dict[str, Any] = {"entry": entry, "source": os.fspath(path)}
        for key in ("measures", "owner", "note"):
            if cells.get(key):
                body[key] = cells[key]
        if cells.get("status"):
            if cells["status"] not in FILE_STATUSES:
                problems.append(Problem("unknown status", **table.where(i, table.columns[columns["status"]]),
                                        expected=" or ".join(FILE_STATUSES) + " (closed and overdue come from the next run)",
                                        found=repr(cells["status"])))
                continue
            body["status"] = cells["status"]
        if cells.get("deadline"):
            try:
                body["deadline"] = datetime.date.fromisoformat(cells["deadline"][:10]).isoformat()
            except ValueError:
                problems.append(Problem("the deadline is not a date", **table.where(i, table.columns[columns["deadline"]]),
                                        expected="YYYY-MM-DD", found=repr(cells["deadline"])))
                continue
        pending.append(body)
    if problems:
        raise DataError(problems)
    with store.transaction():
        for body in pending:
            ledger.add_record(store.conn, "rectification_update", known[body["entry"]].run, body["entry"], _now(), body)
    touched = {b["entry"] for b in pending}
    return Register(tuple(e for e in register(store).entries if e.id in touched), f"{len(pending)} entries updated from {os.fspath(path)}")


def check_entries(store: Store, run: int | str, today: str | datetime.date | None = None) -> Register:
    """The next period's run: close the entries whose weak items reach their standard; flag the overdue ones."""
    run_id = store.run_id(run)
    doc = store.load(run_id)
    day = parse_date(today, "date of the check").isoformat()
    units = {u["id"]: u for u in doc.get("units", ())}
    maxima = {item["id"]: item.get("max_points") for item in doc.get("items", ())}
    closed = overdue = 0
    touched = []
    with store.transaction():
        for e in register(store).entries:
            if e.status == "closed" or e.run == run_id:
                continue
            u = units.get(e.unit)
            body: dict[str, Any] = {"entry": e.id, "checked_run": run_id}
            reached = u is not None and all(
                (r := _ratio(u.get("items", {}).get(w["item"], {}).get("points"), maxima.get(w["item"]))) is not None
                and r >= float(w.get("standard", DEFAULT_STANDARD)) for w in e.weak_items)
            if reached:
                body.update(status="closed", note=f"every weak item reached its standard in run {run_id}")
                closed += 1
            elif e.deadline < day and e.status != "overdue":
                body.update(status="overdue", note=f"past the deadline {e.deadline} on {day}; not all weak items "
                                                    f"reach their standard in run {run_id}")
                overdue += 1
            else:
                continue
            ledger.add_record(store.conn, "rectification_update", e.run, e.id, _now(), body)
            touched.append(e.id)
    return Register(tuple(e for e in register(store).entries if e.id in set(touched)),
                    f"run {run_id}: {closed} entries closed, {overdue} flagged overdue")


def checked_by(entry: Entry) -> int | None:
    """The run whose check last changed the entry (closed it or flagged it overdue), None when none did."""
    for u in reversed(entry.updates):
        if u.body.get("checked_run") is not None:
            return int(u.body["checked_run"])
    return None


def count_of(status: str) -> str:
    """The column a status is counted in: open (open, in_progress, done), closed or overdue."""
    return status if status in ("closed", "overdue") else "open"


def run_counts(store: Store) -> dict[int, dict[str, int]]:
    """Run id -> the entries opened from it, counted as open (open, in progress, done), closed and overdue."""
    out: dict[int, dict[str, int]] = {}
    for e in register(store).entries:
        if e.run is not None:
            counts = out.setdefault(e.run, {"open": 0, "closed": 0, "overdue": 0})
            counts[count_of(e.status)] += 1
    return out


def unit_entries(store: Store, unit: str) -> Register:
    """Every register entry of `unit`, oldest first."""
    entries = register(store, unit=unit).entries
    return Register(entries, f"{len(entries)} register entries of unit {unit}")


def entries_for_run(store: Store, run: int | str) -> dict[str, Entry]:
    """Unit -> its register entry as seen from `run`: the one opened from the run, else the last one the run's check
    closed or flagged, else the unit's last entry not closed (units with none are left out)."""
    run_id = store.run_id(run)
    out: dict[str, Entry] = {}
    rank: dict[str, int] = {}
    for e in register(store).entries:
        level = 3 if e.run == run_id else 2 if checked_by(e) == run_id else 1 if e.status != "closed" else 0
        if level and level >= rank.get(e.unit, 0):
            out[e.unit], rank[e.unit] = e, level
    return out


def report_entries(store: Store, scorecard_id: str, period: str, units: Sequence[str]) -> Register:
    """The entries a report of `scorecard_id` at `period` shows: those opened from a stored run of that scorecard and
    period or closed/flagged by one, and every entry of the report's units not closed yet; by unit, then id."""
    same = {r["id"] for r in store.runs(scorecard_id=scorecard_id) if str(r["period"]) == str(period)}
    wanted = set(units)
    chosen = [e for e in register(store).entries
              if e.run in same or checked_by(e) in same or (e.unit in wanted and e.status != "closed")]
    order = {u: k for k, u in enumerate(units)}
    chosen.sort(key=lambda e: (order.get(e.unit, len(order)), e.unit, e.id))
    return Register(tuple(chosen), f"{len(chosen)} register entries for {scorecard_id} {period}")


def stored_report_entries(path: str | os.PathLike, scorecard_id: str, period: str, units: Sequence[str]) -> Register | None:
    """`report_entries` of the store at `path`; None when there is no store there yet or it has no such entries."""
    if not os.path.exists(path) or os.path.getsize(path) == 0:  # no store yet: the run makes it
        return None
    with Store.open(path, create=False) as store:
        found = report_entries(store, scorecard_id, period, units)
    return found if found.entries else None


__all__ = ["DEFAULT_STANDARD", "STATUSES", "Entry", "Register", "check_entries", "checked_by", "count_of",
           "entries_for_run", "open_entries", "register", "report_entries", "run_counts", "stored_report_entries",
           "unit_entries", "update_entries", "weak_items"]
