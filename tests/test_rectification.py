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
from evalkit.store.rectification import check_entries, open_entries, register, report_entries
from evalkit.store.trends import read_history
from tests.storekit import cli

ROOT = Path(__file__).resolve().parent.parent
COUNTY = ROOT / "examples" / "county-254"


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


@pytest.fixture(scope="module")
def checked(tmp_path_factory, two_years):
    """Run 1 (2024) with its 15 lagging units in the register, run 2 (2025) checking them on 2025-12-31."""
    db = tmp_path_factory.mktemp("checked") / "history.db"
    db.write_bytes(two_years.read_bytes())
    with Store.open(db) as store:
        open_entries(store, 1, "2025-06-30", owner="支部书记")
        check = check_entries(store, 2, "2025-12-31")
    assert check.note == "run 2: 8 entries closed, 7 flagged overdue"
    return db


def test_history_counts_each_runs_entries(capsys, checked):
    code, out, _ = cli(capsys, "history", "--store", checked, "--format", "json")
    runs = json.loads(out)
    assert code == 0 and runs[0]["rectification"] == {"open": 0, "closed": 8, "overdue": 7}
    assert runs[1]["rectification"] == {"open": 0, "closed": 0, "overdue": 0}
    assert json.loads(out) == read_history(checked).to_dict()
    code, out, _ = cli(capsys, "history", "--store", checked, "--format", "csv")
    assert out.splitlines()[0].endswith(",rectification_open,rectification_closed,rectification_overdue")
    assert out.splitlines()[1].endswith(",0,8,7")
    code, out, _ = cli(capsys, "history", "--store", checked)
    assert "Overdue" in out and "rectification register entries opened from the run" in out


def test_history_of_a_unit_lists_its_entries(capsys, checked):
    with Store.open(checked) as store:
        entry = next(e for e in register(store).entries if e.status == "overdue")
    code, out, _ = cli(capsys, "history", "--store", checked, "--unit", entry.unit)
    assert code == 0 and f"entry {entry.id} (run 1) {entry.unit}" in out and "overdue, deadline 2025-06-30" in out
    result = read_history(checked, unit=entry.unit)
    assert [e["id"] for e in result.register()] == [entry.id]
    code, out, _ = cli(capsys, "rectify", "list", "--unit", entry.unit, "--store", checked, "--format", "json")
    assert [e["id"] for e in json.loads(out)["entries"]] == [entry.id]


def test_compare_rectify_shows_the_register(capsys, checked, tmp_path):
    db = tmp_path / "history.db"
    db.write_bytes(checked.read_bytes())
    with Store.open(db) as store:
        opened = open_entries(store, 2, "2026-06-30", owner="党委副书记")
    code, out, _ = cli(capsys, "compare", "--store", db, "--runs", "1", "2", "--rectify", "--format", "json")
    listed = json.loads(out)["rectification"]["units"]
    fresh = {e.unit for e in opened.entries}
    # 2025's lagging tier: an entry opened from run 2 each, but for JG117, whose 2024 entry run 2 flagged overdue
    assert code == 0 and {u["id"] for u in listed} == fresh | {"JG117"} and "JG117" not in fresh
    for u in listed:
        if u["id"] == "JG117":
            assert u["register"]["run"] == 1 and u["register"]["status"] == "overdue"
            continue
        assert u["register"]["run"] == 2 and u["register"]["owner"] == "党委副书记"
        assert u["register"]["deadline"] == "2026-06-30" and u["register"]["status"] == "open"
    code, out, _ = cli(capsys, "compare", "--store", db, "--runs", "1", "2", "--rectify")
    assert out.count("责任人 党委副书记，整改时限 2026-06-30，状态 待整改") == len(fresh)
    assert "（运行 1）：责任人 支部书记，整改时限 2025-06-30，状态 逾期" in out
    # the register of run 1's lagging units, as seen from run 1
    code, out, _ = cli(capsys, "compare", "--store", db, "--runs", "2", "1", "--rectify", "--lang", "en", "--format", "json")
    assert all(u["register"] is None or u["register"]["run"] == 1 for u in json.loads(out)["rectification"]["units"])


@pytest.mark.parametrize("fmt", ["markdown", "html", "xlsx"])
def test_a_stored_runs_report_shows_its_register(capsys, checked, tmp_path, fmt):
    db = tmp_path / "history.db"
    db.write_bytes(checked.read_bytes())
    out_file = tmp_path / f"report.{fmt}"
    args = ["run", COUNTY / "scorecard.yaml", "--data", COUNTY / "data.csv", "--units", COUNTY / "units.csv",
            "--period", "2024", "--format", fmt, "-o", out_file]
    code, _, err = cli(capsys, *args, "--store", db)
    assert code == 0 and "already stored as run 1" in err and "does not show" not in err
    with Store.open(db) as store:
        entries = register(store).entries
    if fmt == "xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(out_file)["整改台账"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:3] == ("编号", "运行", "单位") and len(rows) == 1 + len(entries)
        statuses = {r[0]: r[-1] for r in rows[1:]}
        assert sorted(statuses) == sorted(e.id for e in entries)
        assert sorted(statuses.values()) == sorted({"closed": "已销号", "overdue": "逾期"}[e.status] for e in entries)
        assert all(str(r[3]).startswith(("等次：", "排名后", "有指标", "未达")) for r in rows[1:])  # reasons in Chinese
    else:
        text = out_file.read_text(encoding="utf-8")
        assert "整改台账" in text and text.count("已销号") == 8 and text.count("逾期") == 7
        assert "grade " not in text.split("整改台账", 1)[1] and "等次：" in text  # the stored English codes are not shown
    code, _, _ = cli(capsys, *args[:-1], tmp_path / f"plain.{fmt}", "--no-store")
    if fmt != "xlsx":
        assert "整改台账" not in (tmp_path / f"plain.{fmt}").read_text(encoding="utf-8")
    else:
        import openpyxl

        assert "整改台账" not in openpyxl.load_workbook(tmp_path / f"plain.{fmt}").sheetnames


def test_report_entries_follow_the_period(checked):
    with Store.open(checked) as store:
        units = [u["id"] for u in store.load(2)["units"]]
        this_year = report_entries(store, "county-organs-254", "2025", units)
        last_year = report_entries(store, "county-organs-254", "2024", units)
    # run 2 (2025) closed 8 entries and flagged 7: the 2025 report lists all 15, as the 2024 one does
    assert len(this_year.entries) == len(last_year.entries) == 15
    assert report_entries_none(checked) is None


def report_entries_none(db):
    from evalkit.store.rectification import stored_report_entries

    assert stored_report_entries(db.parent / "missing.db", "county-organs-254", "2025", []) is None
    return stored_report_entries(db, "county-organs-254", "2030", ["JG001"])


def test_a_report_into_a_new_or_empty_store_has_no_register(capsys, tmp_path):
    for db in (tmp_path / "new.db", tmp_path / "empty.db"):
        if db.name == "empty.db":
            db.touch()
        code, out, err = cli(capsys, "run", COUNTY / "scorecard.yaml", "--data", COUNTY / "data.csv", "--units",
                             COUNTY / "units.csv", "--period", "2024", "--format", "markdown", "--store", db)
        assert code == 0 and "stored as run 1" in err and "整改台账" not in out
