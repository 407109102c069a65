"""The rectification register (整改台账, issue 16 item 3): entries opened from a run, updated from the units' file,
closed by the next period's run when the weak items reach their standard, flagged overdue otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from evalkit.cli import main
from evalkit.definition.schemas import base_schema
from evalkit.store.archive import verify_store
from evalkit.store.history import Store
from evalkit.store.rectification import open_entries, register

ROOT = Path(__file__).resolve().parent.parent
COUNTY = ROOT / "examples" / "county-254"


@pytest.fixture(autouse=True)
def no_default_store(monkeypatch):
    monkeypatch.delenv("EVALKIT_STORE", raising=False)


def cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    db = tmp_path_factory.mktemp("rectify") / "history.db"
    for period in ("2024", "2025"):
        assert main(["run", str(COUNTY / "scorecard.yaml"), "--data", str(COUNTY / "data.csv"), "--units",
                     str(COUNTY / "units.csv"), "--period", period, "--store", str(db), "--format", "csv",
                     "-o", str(db.parent / f"{period}.csv")]) == 0
    return db


def test_the_year_of_the_register(capsys, two_years, tmp_path):
    db = tmp_path / "history.db"
    db.write_bytes(two_years.read_bytes())
    code, out, _ = cli(capsys, "rectify", "open", "1", "--deadline", "2024-12-31", "--owner", "支部书记", "--store", db)
    assert code == 0 and out.startswith("15 entries opened from run 1")  # the seed's 15 后进 organisations of 2024
    code, out, _ = cli(capsys, "rectify", "open", "1", "--deadline", "2024-12-31", "--store", db)
    assert "0 entries opened" in out and "15 units already have an open entry" in out
    with Store.open(db) as store:
        entries = register(store).entries
        schema = jsonschema.Draft202012Validator(base_schema("records.schema.json"))
        for entry in entries:
            doc = entry.to_dict()
            doc.pop("updates")
            schema.validate({**doc, "recorded_at": "2025-01-01T00:00:00Z"})
            assert all(w["points"] < 0.6 * w["max_points"] for w in entry.weak_items) or len(entry.weak_items) <= 3
    first, second = entries[0].id, entries[1].id
    update = tmp_path / "filled.csv"
    update.write_text(f"entry,measures,owner,deadline,status\n{first},补开组织生活会,张书记,2025-06-30,in_progress\n"
                      f"{second},,,,done\n", encoding="utf-8")
    code, out, _ = cli(capsys, "rectify", "update", update, "--store", db)
    assert code == 0 and "2 entries updated" in out
    code, out, _ = cli(capsys, "rectify", "list", "--store", db, "--format", "json")
    by_id = {e["id"]: e for e in json.loads(out)["entries"]}
    assert by_id[first]["measures"] == "补开组织生活会" and by_id[first]["deadline"] == "2025-06-30"
    assert by_id[second]["status"] == "done" and by_id[second]["owner"] == "支部书记"  # unchanged fields stay
    code, out, _ = cli(capsys, "rectify", "check", "2", "--date", "2025-01-15", "--store", db, "--format", "json")
    doc = json.loads(out)
    statuses = {e["unit"]: e["status"] for e in doc["entries"]}
    # 14 of the 15 lagging units moved up in 2025 (the seed); an entry closes only when each weak item reaches 60 %
    assert set(statuses.values()) <= {"closed", "overdue"} and "closed" in statuses.values()
    assert by_id[first]["unit"] not in statuses or statuses[by_id[first]["unit"]] in ("closed",)  # its deadline is later
    assert verify_store(db).ok


def test_bad_update_rows_are_named(capsys, two_years, tmp_path):
    db = tmp_path / "history.db"
    db.write_bytes(two_years.read_bytes())
    with Store.open(db) as store:
        opened = open_entries(store, 1, "2024-12-31", bottom="2")
    assert len(opened.entries) == 15  # the bottom two are lagging units too: one entry each
    update = tmp_path / "filled.csv"
    update.write_text("entry,status,deadline\n999,done,\n1,closed,\n1,done,31/12\n", encoding="utf-8")
    code, _, err = cli(capsys, "rectify", "update", update, "--store", db)
    assert code == 3 and "3 problems" in err
    assert "no such register entry" in err and "unknown status" in err and "the deadline is not a date" in err
    assert "row 2" in err


def test_bottom_share_and_grades(two_years, tmp_path):
    db = tmp_path / "history.db"
    db.write_bytes(two_years.read_bytes())
    with Store.open(db) as store:
        result = open_entries(store, 2, "2025-12-31", grades=[], bottom="10%")
        assert len(result.entries) == 25  # 10 % of 254, to the nearest unit
        with pytest.raises(Exception, match="no grade 'poor'"):
            open_entries(store, 2, "2025-12-31", grades=["poor"])


def test_missed_targets_open_entries(capsys, tmp_path):
    """examples/targets: B03 and B07 are off track and P02 behind on recruitment in 2025 (`evalkit targets` says so)."""
    example = ROOT / "examples" / "targets"
    db = tmp_path / "history.db"
    assert cli(capsys, "run", example / "scorecard.yaml", "--data", example / "data.csv", "--units", example / "units.csv",
               "--period", "2025", "--store", db)[0] == 0
    code, out, _ = cli(capsys, "rectify", "open", "1", "--deadline", "2026-06-30", "--grade", "good", "--targets",
                       example / "targets.csv", "--store", db, "--format", "json")
    assert code == 0
    entries = {e["unit"]: e for e in json.loads(out)["entries"]}
    missed = {u: [m["status"] for m in e.get("missed_targets", [])] for u, e in entries.items()}
    assert missed["B03"] == ["off_track"] and missed["B07"] == ["off_track"] and missed["P02"] == ["behind"]
    assert "missed targets: recruitment (off_track)" in entries["B07"]["reasons"]
    schema = jsonschema.Draft202012Validator(base_schema("records.schema.json"))
    entry = dict(entries["B07"])
    entry.pop("updates")
    schema.validate({**entry, "recorded_at": "2026-01-01T00:00:00Z"})
