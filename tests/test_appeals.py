"""Publication and appeals (公示与申诉复核, issue 16 item 2): windows, refusals with the dates, decisions, a superseding
run linked to the appeal, the hash chain over the records, and two real processes writing one store at once."""

from __future__ import annotations

import datetime
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from evalkit.definition.schemas import base_schema
from evalkit.store import appeals
from evalkit.store.appeals import AppealRefused, Correction, add_working_days, correct_data
from evalkit.store.archive import run_record, verify_store
from evalkit.store.history import Store
from tests.storekit import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "targets"
CLI = [sys.executable, "-c", "from evalkit.cli import run; run()"]


@pytest.fixture
def store(capsys, tmp_path):
    db = tmp_path / "history.db"
    code, _, _ = cli(capsys, "run", EXAMPLE / "scorecard.yaml", "--data", EXAMPLE / "data.csv", "--units",
                     EXAMPLE / "units.csv", "--period", "2025", "--store", db)
    assert code == 0
    return db


def test_the_window_in_working_days_and_appeals_outside_it_refused(capsys, store):
    assert add_working_days(datetime.date(2026, 1, 5), 10) == datetime.date(2026, 1, 19)  # Monday + two weeks
    code, out, _ = cli(capsys, "appeal", "publish", "1", "--from", "2026-01-05", "--working-days", "10", "--store", store)
    assert code == 0 and "from 2026-01-05 to 2026-01-19" in out
    for day in ("2026-01-04", "2026-01-20"):
        code, _, err = cli(capsys, "appeal", "file", "1", "--unit", "B07", "--claim", "x", "--date", day, "--store", store)
        assert code == 3 and "from 2026-01-05 to 2026-01-19" in err and day in err
    code, _, err = cli(capsys, "appeal", "file", "1", "--unit", "NOPE", "--claim", "x", "--date", "2026-01-06", "--store", store)
    assert code == 3 and "'NOPE' is not in run 1" in err
    code, _, err = cli(capsys, "appeal", "file", "1", "--unit", "B07", "--claim", "x", "--date", "6 Jan", "--store", store)
    assert code == 3 and "YYYY-MM-DD" in err
    code, out, _ = cli(capsys, "appeal", "file", "1", "--unit", "B07", "--claim", "x", "--date", "2026-01-19", "--store", store)
    assert code == 0 and "appeal 2 recorded" in out


def test_an_upheld_appeal_stores_a_run_superseding_the_old_one(capsys, store):
    with Store.open(store) as opened:
        appeals.publish(opened, 1, "2026-01-05", "2026-01-16")
        filed = appeals.file_appeal(opened, 1, "B07", "satisfaction was 95, not 85", "2026-01-08",
                                    indicator="satisfaction", value="95", evidence=["survey sheets"])
        with pytest.raises(AppealRefused, match="rejected appeal corrects nothing"):
            appeals.decide(opened, filed.id, "rejected", "office", "no", "2026-01-09", [Correction("B07", "satisfaction", "95")])
        decision = appeals.decide(opened, filed.id, "upheld", "县直机关工委考核办", "the survey sheets say 95", "2026-01-12",
                                  [Correction.parse("B07:satisfaction=95")])
        assert decision.body["new_run"] == 2
        with pytest.raises(AppealRefused, match="already decided"):
            appeals.decide(opened, filed.id, "rejected", "office", "again", "2026-01-13")
        listing = appeals.appeal_list(opened).to_dict()
        schema = base_schema("records.schema.json")
        validator = jsonschema.Draft202012Validator(schema)
        for kind, rows in (("publication", listing["publications"]), ("appeal", listing["appeals"]),
                           ("decision", listing["decisions"])):
            assert [row["kind"] for row in rows] == [kind]
            for row in rows:
                validator.validate(row)
            assert not validator.is_valid({**rows[0], "run": "one"})
    old, new = run_record(store, 1), run_record(store, 2)
    assert old.superseded_by == (2,) and new.supersedes == 1 and new.appeal == filed.id
    assert [kind for _, kind in old.records] == ["publication", "appeal", "decision"] and new.records == ()
    code, out, _ = cli(capsys, "diff", "1", "2", "--store", store, "--format", "json")
    assert code == 0
    b07 = next(u for u in json.loads(out)["units"] if u["unit"] == "B07")
    assert b07["items"]["satisfaction"]["value"]["after"] == 95 and "own values" in b07["why"]
    check = verify_store(store, recompute=True)
    assert check.ok and check.records == 3 and all(r.identical for r in check.recomputed)


def test_correcting_long_format_csv():
    text = "\ufeffunit,indicator,period,value\r\nA,x,2025,1\r\nA,x,2024,7\r\n"
    fixed = correct_data(text, "2025", [Correction("A", "x", "5"), Correction("B", "x", "3")], "data.csv")
    assert fixed == "\ufeffunit,indicator,period,value\r\nA,x,2025,5\r\nA,x,2024,7\r\nB,x,2025,3\r\n"
    with pytest.raises(Exception, match="long-format CSV"):
        correct_data("id,x\r\nA,1\r\n", "2025", [Correction("A", "x", "5")], "wide.csv")


def test_a_record_changed_behind_evalkits_back_fails_verify(capsys, store):
    with Store.open(store) as opened:
        appeals.file_appeal(opened, 1, "B07", "claim", "2026-01-08")
    conn = sqlite3.connect(store)
    conn.execute("DROP TRIGGER records_no_update")
    conn.execute("UPDATE records SET body = replace(body, 'claim', 'other claim')")
    conn.commit()
    conn.close()
    code, out, _ = cli(capsys, "history", "verify", "--store", store)
    assert code == 6 and "record 1 was changed after it was stored" in out


APPEALS = """
import sys
from evalkit.store.history import Store
from evalkit.store import appeals
for k in range(int(sys.argv[2])):
    with Store.open(sys.argv[1]) as store:
        appeals.file_appeal(store, 1, "B07", f"claim {k}", "2026-01-08")
"""


def test_two_processes_recording_appeals_and_runs_at_once_lose_nothing(store, tmp_path):
    variants = []
    for k in range(6):
        path = tmp_path / f"data{k}.csv"
        path.write_text((EXAMPLE / "data.csv").read_text(encoding="utf-8") + f"B07,satisfaction,20{30 + k},90\n",
                        encoding="utf-8")
        variants.append(path)
    runs = ("import sys\nfrom evalkit.cli import main\n"
            "for data in sys.argv[2:]:\n"
            f"    assert main(['run', {str(EXAMPLE / 'scorecard.yaml')!r}, '--data', data, '--units', "
            f"{str(EXAMPLE / 'units.csv')!r}, '--period', '2025', '--store', sys.argv[1], '--format', 'csv', '-o', data + '.out']) == 0\n")
    procs = [subprocess.Popen([sys.executable, "-c", APPEALS, str(store), "25"], stderr=subprocess.PIPE, text=True),
             subprocess.Popen([sys.executable, "-c", runs, str(store), *map(str, variants)], stderr=subprocess.PIPE, text=True)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    with Store.open(store) as opened:
        assert len(appeals.records(opened, "appeal")) == 25
        assert len(opened.runs()) == 7
    check = verify_store(store)
    assert check.ok, check.problems


def test_the_record_and_result_schemas_are_valid_2020_12_schemas():
    for name in ("records.schema.json", "result.schema.json", "scorecard.schema.json"):
        jsonschema.Draft202012Validator.check_schema(base_schema(name))
    assert (ROOT / "schemas" / "records.schema.json").read_bytes() == (ROOT / "src" / "evalkit" / "schemas" /
                                                                      "records.schema.json").read_bytes()
