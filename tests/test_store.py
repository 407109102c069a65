"""The history store: created on first use, one run per set of inputs, concurrent writers, all-or-nothing writes,
foreign and damaged files refused and left untouched, migrations, and `evalkit history`."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import evalkit
import evalkit.store.history as store_module
from evalkit.cli import main
from evalkit.store.history import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    RunNotFound,
    Store,
    StoreError,
    check_store,
    input_fingerprint,
    load_run,
)

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "examples" / "quickstart"
EXAMPLE = ROOT / "examples" / "targets"
CLI = [sys.executable, "-c", "from evalkit.cli import run; run()"]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def quick(*extra, data=QUICKSTART / "data.csv"):
    return ("run", QUICKSTART / "scorecard.yaml", "--data", data, "--units", QUICKSTART / "units.csv", *extra)


def variant(tmp_path: Path, k: int) -> Path:
    """The quickstart data with U01's meeting rate changed: other inputs, so another run."""
    text = (QUICKSTART / "data.csv").read_text(encoding="utf-8").replace("U01,meetings_rate,2025,83.3",
                                                                       f"U01,meetings_rate,2025,{70 + k}")
    path = tmp_path / f"data{k}.csv"
    path.write_text(text, encoding="utf-8")
    return path


def count_runs(db: Path) -> int:
    with Store.open(db, create=False) as store:
        return len(store.runs())


def snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# --------------------------------------------------------------------------------------------------
# Storing


def test_run_creates_the_store_and_keeps_the_full_result(capsys, tmp_path):
    db = tmp_path / "history.db"
    out = tmp_path / "result.json"
    code, _, err = run(capsys, *quick("--store", db, "--format", "json", "-o", out))
    assert code == 0 and "stored as run 1" in err
    assert db.read_bytes()[68:72] == APPLICATION_ID.to_bytes(4, "big")  # evalkit's mark in the SQLite header
    assert load_run(db, 1) == json.loads(out.read_text(encoding="utf-8"))
    assert load_run(db, ("quickstart-2025", "2025")) == load_run(db, "1")
    with Store.open(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        (info,) = store.runs()
        assert info["scorecard_id"] == "quickstart-2025" and info["scorecard_version"] == "2025.1"
        assert info["period"] == "2025" and info["units"] == 12 and len(info["fingerprint"]) == 64
        inputs = store.inputs(1)
        assert set(inputs["files"]) == {"scorecard", "data", "units", "adjustments"} and inputs["files"]["adjustments"] is None
        assert inputs["options"]["period"] == "2025" and inputs["options"]["plugins"]
        versions = store.conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        assert [v for (v,) in versions] == list(range(1, SCHEMA_VERSION + 1))


def test_the_same_inputs_are_stored_once(capsys, tmp_path):
    db = tmp_path / "history.db"
    assert run(capsys, *quick("--store", db))[0] == 0
    code, _, err = run(capsys, *quick("--store", db, "--period", "2025", "--format", "csv"))  # same period, other output
    assert code == 0 and "already stored as run 1" in err
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("scorecard.yaml", "data.csv", "units.csv"):
        shutil.copy(QUICKSTART / name, copy / name)
    code, _, err = run(capsys, "run", copy / "scorecard.yaml", "--data", copy / "data.csv", "--units", copy / "units.csv",
                       "--store", db)
    assert code == 0 and "already stored as run 1" in err  # the same files elsewhere are the same inputs
    assert count_runs(db) == 1
    code, _, err = run(capsys, *quick("--store", db, data=variant(tmp_path, 1)))
    assert code == 0 and "stored as run 2" in err
    code, _, err = run(capsys, *quick("--store", db, "--adjustments", QUICKSTART / "adjustments.csv"))
    assert code == 0 and "stored as run 3" in err
    assert load_run(db, ("quickstart-2025", "2025"))["units"] == load_run(db, 3)["units"]  # the latest of the period


def test_fingerprint_is_of_content_and_options():
    a, described = input_fingerprint({"data": b"x", "units": b"y"}, {"period": "2025"})
    assert a == input_fingerprint({"units": b"y", "data": b"x"}, {"period": "2025"})[0]
    assert a != input_fingerprint({"data": b"x", "units": b"y"}, {"period": "2024"})[0]
    assert a != input_fingerprint({"data": b"x", "units": b"z"}, {"period": "2025"})[0]
    assert described["files"]["data"]["bytes"] == 1


def test_environment_default_and_no_store(capsys, tmp_path, monkeypatch):
    db = tmp_path / "default.db"
    monkeypatch.setenv("EVALKIT_STORE", str(db))
    code, _, err = run(capsys, *quick())
    assert code == 0 and "stored as run 1" in err
    code, _, err = run(capsys, *quick("--no-store", data=variant(tmp_path, 2)))
    assert code == 0 and "stored" not in err and count_runs(db) == 1
    code, out, _ = run(capsys, "history")
    assert code == 0 and "quickstart-2025" in out
    code, _, err = run(capsys, *quick("--store", tmp_path / "x.db", "--no-store"))
    assert code == 64


def test_in_memory_results_can_be_stored(tmp_path):
    scorecard = evalkit.load_scorecard(QUICKSTART / "scorecard.yaml")
    evaluation = evalkit.evaluate(scorecard, {"meetings_rate": {"U1": 90, "U2": 70}}, units=["U1", "U2"])
    with Store.open(tmp_path / "h.db") as store:
        first = store.add(evaluation)
        again = store.add(evaluation)
        assert first.created and not again.created and first.id == again.id
        assert store.load(first.id) == evaluation.to_dict()


# --------------------------------------------------------------------------------------------------
# Concurrency: real processes


def test_two_processes_storing_at_once_both_succeed(tmp_path):
    db = tmp_path / "shared.db"  # does not exist yet: both also race to create it
    procs = [subprocess.Popen([*CLI, *map(str, quick("--store", db, data=variant(tmp_path, k)))],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for k in range(2)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert count_runs(db) == 2
    rates = sorted(next(u for u in load_run(db, r)["units"] if u["id"] == "U01")["items"]["meetings"]["value"] for r in (1, 2))
    assert rates == [70, 71]


def test_two_processes_with_the_same_inputs_store_one_run(tmp_path):
    db = tmp_path / "shared.db"
    procs = [subprocess.Popen([*CLI, *map(str, quick("--store", db))], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert sorted("already stored" in e for e in errors) == [False, True]
    assert count_runs(db) == 1


def test_many_writes_from_two_processes_lose_nothing(tmp_path):
    db = tmp_path / "busy.db"
    go = tmp_path / "go"
    script = textwrap.dedent(f"""
        import hashlib, os, sys, time
        from evalkit.store.history import Store
        tag = sys.argv[1]
        while not os.path.exists({str(go)!r}):  # start together
            time.sleep(0.005)
        for k in range(25):
            doc = {{"evalkit_result": 1, "scorecard": {{"id": "s" + tag, "period": str(2000 + k)}},
                    "items": [{{"id": "i", "indicator": "x"}}],
                    "units": [{{"id": tag, "name": tag, "type": None, "rank": 1, "total": k, "grade": None,
                               "items": {{"i": {{"value": k, "points": k, "score": k}}}}}}]}}
            with Store.open({str(db)!r}) as store:
                store.add(doc, fingerprint=hashlib.sha256(f"{{tag}}{{k}}".encode()).hexdigest())
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, tag], stderr=subprocess.PIPE, text=True) for tag in ("A", "B")]
    go.touch()
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    with Store.open(db, create=False) as store:
        assert len(store.runs()) == 50
        assert len(store.unit_trend("A")) == 25 and len(store.unit_trend("B")) == 25


# --------------------------------------------------------------------------------------------------
# All or nothing


def test_a_failure_half_way_leaves_the_store_as_it_was(capsys, tmp_path, monkeypatch):
    db = tmp_path / "history.db"
    assert run(capsys, *quick("--store", db))[0] == 0
    before = snapshot(tmp_path)
    indexed = store_module._index_result

    def fail_after_the_run_row(conn, run_id, doc):
        indexed(conn, run_id, doc)  # the run row and its unit rows are written, then the disk fails
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store_module, "_index_result", fail_after_the_run_row)
    out = tmp_path / "result.csv"
    code, _, err = run(capsys, *quick("--store", db, "--format", "csv", "-o", out, data=variant(tmp_path, 3)))
    assert code == 5 and "disk I/O error" in err
    assert not out.exists()  # nothing written when the run could not be kept
    after = snapshot(tmp_path)
    after.pop("data3.csv")
    assert after == before  # same bytes, no journal left behind
    monkeypatch.undo()
    assert count_runs(db) == 1


def test_a_failed_run_does_not_touch_or_create_the_store(capsys, tmp_path):
    db = tmp_path / "history.db"
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,indicator,period,value\nU01,meetings_rate,2025,lots\n", encoding="utf-8")
    code, _, _ = run(capsys, *quick("--store", db, data=bad))
    assert code == 3 and not db.exists()
    assert run(capsys, *quick("--store", db))[0] == 0
    before = db.read_bytes()
    code, _, _ = run(capsys, *quick("--store", db, data=bad))
    assert code == 3 and db.read_bytes() == before


# --------------------------------------------------------------------------------------------------
# Foreign, damaged and newer files: refused, never changed


def _text_file(path: Path):
    path.write_text("id,name\nU01,not a database\n", encoding="utf-8")


def _foreign_sqlite(path: Path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('x')")
    conn.commit()
    conn.close()


def _other_application(path: Path):
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1234")
    conn.execute("CREATE TABLE runs (id INTEGER)")
    conn.commit()
    conn.close()


def _newer_schema(path: Path):
    with Store.open(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (?, 'from the future', '2030-01-01T00:00:00Z', '9.0')", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()


def _truncated(path: Path):
    with Store.open(path):
        pass
    path.write_bytes(path.read_bytes()[:3000])


def _garbled(path: Path):
    with Store.open(path):
        pass
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * 3996
    path.write_bytes(bytes(data))


def _short(path: Path):
    path.write_bytes(b"SQLite format 3\x00" + b"\x10\x00")


@pytest.mark.parametrize("make, code, words", [
    (_text_file, 6, "not an SQLite database"),
    (_foreign_sqlite, 6, "without evalkit's mark"),
    (_other_application, 6, "of another program"),
    (_newer_schema, 6, "written by a newer evalkit"),
    (_truncated, 5, "damaged"),
    (_garbled, 5, "damaged"),
    (_short, 5, "truncated"),
])
def test_unusable_files_are_refused_and_left_alone(capsys, tmp_path, make, code, words):
    db = tmp_path / "history.db"
    make(db)
    before = snapshot(tmp_path)
    for args in (quick("--store", db), ("history", "--store", db), ("history", "--store", db, "--unit", "U01")):
        got, out, err = run(capsys, *args)
        assert got == code and words in err and str(db) in err and out == ""
        assert snapshot(tmp_path) == before  # byte for byte, and no journal or WAL files beside it
    with pytest.raises(StoreError if code == 6 else evalkit.FileAccessError):
        load_run(db, 1)


def test_folders_and_missing_stores(capsys, tmp_path):
    code, _, err = run(capsys, *quick("--store", tmp_path))
    assert code == 5 and "is a folder" in err
    code, _, err = run(capsys, *quick("--store", tmp_path / "no" / "such" / "h.db"))
    assert code == 5 and "folder of the history store does not exist" in err
    code, _, err = run(capsys, "history", "--store", tmp_path / "none.db")
    assert code == 5 and "no history store here" in err and not (tmp_path / "none.db").exists()
    code, _, err = run(capsys, "history")
    assert code == 64 and "EVALKIT_STORE" in err
    check_store(tmp_path / "new.db")  # a new file in an existing folder is fine, and is not created by the check
    assert not (tmp_path / "new.db").exists()


def test_an_empty_file_becomes_a_store(capsys, tmp_path):
    db = tmp_path / "history.db"
    db.touch()
    assert run(capsys, *quick("--store", db))[0] == 0 and count_runs(db) == 1


# --------------------------------------------------------------------------------------------------
# Migrations


def test_an_older_store_is_migrated_in_order(tmp_path):
    db = tmp_path / "old.db"
    scorecard = evalkit.load_scorecard(QUICKSTART / "scorecard.yaml")
    units = evalkit.load_units(QUICKSTART / "units.csv", scorecard.registry)
    evaluation = evalkit.evaluate(scorecard, evalkit.load_data(QUICKSTART / "data.csv", units, scorecard))
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    MIGRATIONS[0].apply(conn)
    conn.execute("INSERT INTO schema_version VALUES (1, 'v1', '2025-01-01T00:00:00Z', '0.1.0')")
    conn.execute("INSERT INTO runs (fingerprint, scorecard_id, scorecard_version, scorecard_hash, period, stored_at, "
                 "evalkit_version, units, inputs, result) VALUES (?, 'quickstart-2025', '2025.1', ?, '2025', "
                 "'2025-01-01T00:00:00Z', '0.1.0', 12, '{}', ?)", ("a" * 64, "b" * 64, evaluation.to_json()))
    conn.execute("COMMIT")
    conn.close()
    with Store.open(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        trend = store.unit_trend("U03")
        assert len(trend) == 1 and trend[0]["total"] == evaluation.unit("U03").total  # backfilled from the stored result
        rows = store.conn.execute("SELECT version, description FROM schema_version ORDER BY version").fetchall()
        assert [v for v, _ in rows] == [1, 2, 3, 4, 5]


def test_a_failing_migration_changes_nothing(tmp_path, monkeypatch):
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    MIGRATIONS[0].apply(conn)
    conn.execute("INSERT INTO schema_version VALUES (1, 'v1', '2025-01-01T00:00:00Z', '0.1.0')")
    conn.execute("COMMIT")
    conn.close()
    before = db.read_bytes()

    def broken(conn):
        conn.execute("CREATE TABLE unit_results (x)")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store_module, "MIGRATIONS", (MIGRATIONS[0], store_module.Migration(2, "broken", broken)))
    with pytest.raises(evalkit.FileAccessError):
        Store.open(db)
    assert db.read_bytes() == before


# --------------------------------------------------------------------------------------------------
# evalkit history


@pytest.fixture
def history(capsys, tmp_path):
    db = tmp_path / "history.db"
    args = (EXAMPLE / "scorecard.yaml", "--data", EXAMPLE / "data.csv", "--units", EXAMPLE / "units.csv", "--store", db)
    for period in ("2023", "2024", "2025"):
        assert run(capsys, "run", *args, "--period", period, "--format", "csv")[0] == 0
    return db


def test_history_lists_runs_and_trends(capsys, history):
    code, out, _ = run(capsys, "history", "--store", history)
    assert code == 0 and out.count("organs-branches") == 3
    code, out, _ = run(capsys, "history", "--store", history, "--unit", "B07", "--format", "json")
    trend = json.loads(out)
    assert code == 0 and [t["period"] for t in trend] == ["2023", "2024", "2025"]
    assert trend[0]["total_change"] is None and trend[1]["total_change"] == pytest.approx(trend[1]["total"] - trend[0]["total"])
    assert trend[2]["rank_change"] == trend[1]["rank"] - trend[2]["rank"]
    code, out, _ = run(capsys, "history", "--store", history, "--unit", "B07")
    assert code == 0 and "2024" in out and ("↑" in out or "↓" in out or "=" in out)
    code, out, _ = run(capsys, "history", "--store", history, "--indicator", "meetings_rate")
    assert code == 0 and "66.7" in out and "2023" in out
    code, out, _ = run(capsys, "history", "--store", history, "--indicator", "meetings_rate", "--unit", "B08", "--format", "csv")
    lines = out.lstrip("\ufeff").splitlines()
    assert code == 0 and len(lines) == 4 and lines[2].split(",")[5] == ""  # no value in 2024
    code, out, _ = run(capsys, "history", "--store", history, "--run", "2")
    assert code == 0 and json.loads(out)["scorecard"]["period"] == "2024"
    code, _, err = run(capsys, "history", "--store", history, "--run", "9")
    assert code == 3 and "no run 9" in err
    code, out, _ = run(capsys, "history", "--store", history, "--unit", "ZZZ")
    assert code == 0 and "no stored run has unit" in out


def test_load_run_errors(history):
    with pytest.raises(RunNotFound):
        load_run(history, ("organs-branches", "2019"))
    with pytest.raises(RunNotFound):
        load_run(history, "latest")
    with Store.open(history, create=False) as store:
        assert load_run(store, 3)["scorecard"]["period"] == "2025"
