"""Publication and appeals (公示与申诉复核), kept in the history store as chained, append-only records.

- `publish(store, run, start, end)`: the publication window of a run (公示期); `end` may be given as a number of
  working days (Monday to Friday) after `start`. A later publication of the same run replaces the window.
- `file_appeal(store, run, unit, claim, ...)`: an objection to a unit's result (the item or indicator, the value
  claimed, the evidence, the date filed). Refused (DataError, exit 3) when the unit is not in the run, or when
  the run has a publication window and the date is outside it (the message gives the dates).
- `decide(store, appeal, outcome, by, reason, ...)`: the decision (upheld, partly, rejected), by whom and why,
  with corrected values (unit, indicator, value). An upheld or partly upheld appeal with corrections produces a
  new run: the appealed run's kept inputs with the corrected values written into its data file, scored again
  and stored with `supersedes` (the appealed run) and `appeal` (the appeal's record id) set.

Every record is a row of `records` (kind, run, subject, date, JSON body) chained in the ledger
(evalkit.store.ledger); each write is one transaction, so two processes filing appeals and storing runs on
one store at once both keep what they wrote.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from evalkit.errors import DataError, Problem
from evalkit.store import ledger
from evalkit.store.history import Store, StoreError, input_fingerprint

if TYPE_CHECKING:
    from evalkit.plugins.manager import Registry

OUTCOMES = ("upheld", "partly", "rejected")


class AppealRefused(DataError):
    """An appeal or decision that the record does not allow (outside the window, unknown unit, decided twice)."""

    kind = "appeal refused"


def parse_date(text: str | datetime.date | None, what: str = "date") -> datetime.date:
    """An ISO date (2025-03-01); today (UTC) when None."""
    if text is None:
        return datetime.datetime.now(datetime.timezone.utc).date()
    if isinstance(text, datetime.date):
        return text
    try:
        return datetime.date.fromisoformat(str(text))
    except ValueError:
        raise DataError(Problem(f"the {what} is not a date", expected="YYYY-MM-DD, e.g. 2025-03-01", found=repr(text))) from None


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days (Monday to Friday) after `start` (public holidays are not known: give --to)."""
    day, left = start, days
    while left > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


@attrs.frozen
class Record:
    """A kept record: its id, kind, run, subject (the record it answers), date and content."""

    id: int
    kind: str
    run: int | None
    subject: int | None
    at: str
    body: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "run": self.run, "subject": self.subject, "recorded_at": self.at,
                **dict(self.body)}


def records(store: Store, kind: str | None = None, run: int | None = None) -> list[Record]:
    """The kept records, oldest first (of one kind, of one run)."""
    sql = "SELECT id, kind, run_id, subject, at, body FROM records WHERE 1 = 1"
    params: list[Any] = []
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    if run is not None:
        sql += " AND run_id = ?"
        params.append(run)
    out = []
    for rid, k, r, subject, at, body in store.conn.execute(sql + " ORDER BY id", params).fetchall():
        try:
            doc = json.loads(body)
        except (TypeError, json.JSONDecodeError):
            raise StoreError(Problem(f"the history store was changed outside evalkit: record {rid} is not JSON",
                                     source=store.path)) from None
        out.append(Record(rid, k, r, subject, at, doc))
    return out


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _window(store: Store, run_id: int) -> Record | None:
    found = records(store, "publication", run_id)
    return found[-1] if found else None


def publish(store: Store, run: int | str, start: str | datetime.date, end: str | datetime.date | None = None,
            working_days: int | None = None, by: str | None = None, note: str | None = None) -> Record:
    """Declare the publication window of a run (公示期): appeals are accepted from `start` to `end`, inclusive."""
    run_id = store.run_id(run)
    first = parse_date(start, "start of the publication window")
    if end is None and working_days is None:
        raise DataError(Problem("a publication window needs its end: a date, or a number of working days",
                                expected="--to YYYY-MM-DD or --working-days N"))
    last = parse_date(end, "end of the publication window") if end is not None else add_working_days(first, int(working_days or 0))
    if last < first:
        raise DataError(Problem("the publication window ends before it starts", expected=f"an end on or after {first}",
                                found=str(last)))
    body = {"start": first.isoformat(), "end": last.isoformat(), "by": by, "note": note}
    at = _now()
    with store.transaction():
        rid = ledger.add_record(store.conn, "publication", run_id, None, at, body)
    return Record(rid, "publication", run_id, None, at, body)


def _units_of(store: Store, run_id: int) -> set[str]:
    return {u for (u,) in store.conn.execute("SELECT unit FROM unit_results WHERE run_id = ?", (run_id,))}


def file_appeal(store: Store, run: int | str, unit: str, claim: str, filed_on: str | datetime.date | None = None,
                item: str | None = None, indicator: str | None = None, value: Any = None,
                evidence: Sequence[str] = (), by: str | None = None) -> Record:
    """Record an objection to a unit's result of a run; refused outside the run's publication window."""
    run_id = store.run_id(run)
    day = parse_date(filed_on, "date the appeal was filed")
    if unit not in _units_of(store, run_id):
        raise AppealRefused(Problem(f"unit {unit!r} is not in run {run_id}", source=store.path,
                                    expected="a unit of the run", found=repr(unit)))
    if not claim.strip():
        raise AppealRefused(Problem("an appeal states its claim", expected="what is claimed, e.g. the value was 96, not 86"))
    body = {"unit": unit, "item": item, "indicator": indicator, "value": value, "claim": claim,
            "evidence": list(evidence), "filed_on": day.isoformat(), "by": by}
    with store.transaction():
        window = _window(store, run_id)  # read inside the write lock: a publication recorded meanwhile counts
        if window is not None and not (window.body["start"] <= day.isoformat() <= window.body["end"]):
            raise AppealRefused(Problem(f"run {run_id} was published for appeals from {window.body['start']} to "
                                        f"{window.body['end']}; an appeal filed on {day.isoformat()} is outside that window",
                                        source=store.path, expected=f"a date from {window.body['start']} to {window.body['end']}",
                                        found=day.isoformat()))
        at = _now()
        rid = ledger.add_record(store.conn, "appeal", run_id, None, at, body)
    return Record(rid, "appeal", run_id, None, at, body)


@attrs.frozen
class Correction:
    """A corrected value: the unit's value of an indicator in the run's period."""

    unit: str
    indicator: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Correction:
        """'UNIT:INDICATOR=VALUE'."""
        left, eq, value = text.partition("=")
        unit, colon, indicator = left.partition(":")
        if not (eq and colon and unit.strip() and indicator.strip() and value.strip()):
            raise ValueError(f"expected UNIT:INDICATOR=VALUE, e.g. JG001:meetings_rate=96, found {text!r}")
        return cls(unit.strip(), indicator.strip(), value.strip())

    def to_dict(self) -> dict[str, str]:
        return {"unit": self.unit, "indicator": self.indicator, "value": self.value}


def correct_data(text: str, period: str, corrections: Sequence[Correction], source: str) -> str:
    """Long-format CSV data (unit, indicator, period, value) with the corrected values written in (added if absent)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise DataError(Problem("the kept data file is empty; it cannot be corrected", source=source))
    header = [h.strip().lower() for h in rows[0]]
    needed = ("unit", "indicator", "period", "value")
    if any(n not in header for n in needed):
        raise DataError(Problem("corrected values are written into long-format CSV data; this data file is not",
                                source=source, expected="columns " + ", ".join(needed), found=", ".join(rows[0])))
    at = {n: header.index(n) for n in needed}
    body = rows[1:]
    for c in corrections:
        hits = [r for r in body if len(r) > max(at.values()) and r[at["unit"]] == c.unit
                and r[at["indicator"]] == c.indicator and r[at["period"]] == period]
        if hits:
            for r in hits:
                r[at["value"]] = c.value
        else:
            new = [""] * len(header)
            new[at["unit"]], new[at["indicator"]], new[at["period"]], new[at["value"]] = c.unit, c.indicator, period, c.value
            body.append(new)
    from evalkit.io.csv_text import csv_text

    return csv_text(body, rows[0], bom=text.startswith("\ufeff"), lineterminator="\r\n" if "\r\n" in text else "\n")


def decide(store: Store, appeal: int, outcome: str, by: str, reason: str, decided_on: str | datetime.date | None = None,
           corrections: Sequence[Correction] = (), registry: Registry | None = None) -> Record:
    """Record the decision on an appeal; an upheld (or partly upheld) one with corrections stores a superseding run."""
    if outcome not in OUTCOMES:
        raise AppealRefused(Problem("unknown outcome", expected=" or ".join(OUTCOMES), found=repr(outcome)))
    found = [r for r in records(store, "appeal") if r.id == appeal]
    if not found:
        raise AppealRefused(Problem(f"no appeal {appeal} in the history store", source=store.path))
    filed = found[0]
    if outcome == "rejected" and corrections:
        raise AppealRefused(Problem("a rejected appeal corrects nothing", expected="no corrected values"))
    day = parse_date(decided_on, "date of the decision")
    if day.isoformat() < filed.body["filed_on"]:
        raise AppealRefused(Problem(f"appeal {appeal} was filed on {filed.body['filed_on']}; it cannot be decided before",
                                    found=day.isoformat()))
    assert filed.run is not None
    with store.transaction():  # the superseding run and the decision are kept together, or neither
        if any(r.subject == appeal for r in records(store, "decision")):
            raise AppealRefused(Problem(f"appeal {appeal} was already decided; decisions are kept, not replaced",
                                        source=store.path))
        new_run = _rerun(store, filed.run, appeal, corrections, registry) if corrections else None
        body = {"appeal": appeal, "outcome": outcome, "by": by, "reason": reason, "decided_on": day.isoformat(),
                "corrections": [c.to_dict() for c in corrections], "new_run": new_run}
        at = _now()
        rid = ledger.add_record(store.conn, "decision", filed.run, appeal, at, body)
    return Record(rid, "decision", filed.run, appeal, at, body)


def _rerun(store: Store, run_id: int, appeal: int, corrections: Sequence[Correction], registry: Registry | None) -> int:
    """Score the run's kept inputs with the corrected values; store the result as a run superseding `run_id`."""
    from evalkit.scoring.files import InputFiles, evaluate_files
    from evalkit.store.archive import materialize

    if registry is None:
        from evalkit.plugins.manager import default_registry

        registry = default_registry()
    kept = {role: (name, sha) for role, name, sha in store.conn.execute(
        "SELECT role, name, sha256 FROM run_files WHERE run_id = ?", (run_id,)).fetchall()}
    if "data" not in kept:
        raise StoreError(Problem(f"run {run_id} has no kept data file; the corrected run cannot be made", source=store.path))
    inputs = json.loads(store.conn.execute("SELECT inputs FROM runs WHERE id = ?", (run_id,)).fetchone()[0])
    period = str(inputs.get("options", {}).get("period"))
    original = ledger.get_blob(store.conn, kept["data"][1])
    if original is None:
        raise StoreError(Problem(f"run {run_id}: the kept data file is missing or damaged", source=store.path))
    corrected = correct_data(original.decode("utf-8-sig" if original.startswith(b"\xef\xbb\xbf") else "utf-8"), period,
                             corrections, f"run {run_id} data {kept['data'][0]}").encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="evalkit-appeal-") as folder:
        args = materialize(store, run_id, Path(folder), replace={"data": (kept["data"][0], corrected)})
        evaluation = evaluate_files(InputFiles(**args), registry)
        files: dict[str, str | bytes | None] = {}
        kept_files = []
        for role, (name, sha) in sorted(kept.items()):
            data = corrected if role == "data" else ledger.get_blob(store.conn, sha) or b""
            files[role] = data
            kept_files.append((role, name, data))
    plugins = [[str(p.name), str(p.version)] for p in registry.plugins]
    options = {"period": period, "plugins": plugins, "appeal": appeal, "supersedes": run_id}
    fingerprint, described = input_fingerprint(files, options)
    stored = store.add(evaluation, fingerprint, described, files=kept_files, plugins=plugins,
                       supersedes=run_id, appeal=appeal)
    return stored.id


@attrs.frozen
class AppealList:
    """The appeals of a store (or of a run) with their decisions and the windows (`evalkit appeal list`)."""

    publications: tuple[Record, ...]
    appeals: tuple[Record, ...]
    decisions: tuple[Record, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"publications": [r.to_dict() for r in self.publications], "appeals": [r.to_dict() for r in self.appeals],
                "decisions": [r.to_dict() for r in self.decisions]}

    def text(self) -> str:
        decided = {r.subject: r for r in self.decisions}
        lines = [f"run {p.run}: published {p.body['start']} to {p.body['end']}" for p in self.publications]
        for a in self.appeals:
            what = a.body.get("item") or a.body.get("indicator") or "the result"
            lines.append(f"appeal {a.id} (run {a.run}, {a.body['filed_on']}): {a.body['unit']} on {what}: {a.body['claim']}")
            d = decided.get(a.id)
            if d is None:
                lines.append("  pending")
            else:
                lines.append(f"  {d.body['outcome']} by {d.body['by']} on {d.body['decided_on']}: {d.body['reason']}"
                             + (f"; new run {d.body['new_run']} supersedes run {a.run}" if d.body.get("new_run") else ""))
        return "\n".join(lines or ["no publications or appeals recorded"]) + "\n"


def appeal_list(store: Store, run: int | str | None = None) -> AppealList:
    run_id = None if run is None else store.run_id(run)
    return AppealList(tuple(records(store, "publication", run_id)), tuple(records(store, "appeal", run_id)),
                      tuple(records(store, "decision", run_id)))


__all__ = ["OUTCOMES", "AppealList", "AppealRefused", "Correction", "Record", "add_working_days", "appeal_list",
           "correct_data", "decide", "file_appeal", "parse_date", "publish", "records"]
