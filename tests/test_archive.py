"""Runs kept so that they can be recomputed (issue 16, item 1): the inputs kept content-addressed and compressed,
`history show|recompute|verify`, the hash chain catching hand edits, a killed `run --store` leaving the store valid."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from evalkit.store.archive import recompute_run, run_record, verify_store
from evalkit.store.diff import diff_results
from evalkit.store.history import SCHEMA_VERSION, Store
from tests.storekit import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "targets"
CLI = [sys.executable, "-c", "from evalkit.cli import run; run()"]


def targets_run(period, *extra):
    return ("run", EXAMPLE / "scorecard.yaml", "--data", EXAMPLE / "data.csv", "--units", EXAMPLE / "units.csv",
            "--period", period, *extra)


@pytest.fixture
def store(capsys, tmp_path):
    db = tmp_path / "history.db"
    for period in ("2024", "2025"):
        assert cli(capsys, *targets_run(period, "--store", db))[0] == 0
    return db


def drop_triggers(conn):
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")


def test_the_inputs_are_kept_once_compressed_and_shown(capsys, store):
    with Store.open(store) as opened:
        blobs = opened.conn.execute("SELECT sha256, size, data FROM blobs").fetchall()
        kept = opened.conn.execute("SELECT run_id, role, name FROM run_files ORDER BY run_id, role").fetchall()
    assert len(blobs) == 3  # two runs of the same three files: each file once
    by_name = {(EXAMPLE / n).read_bytes(): n for n in ("scorecard.yaml", "data.csv", "units.csv")}
    assert {by_name[zlib.decompress(data)] for _, _, data in blobs} == set(by_name.values())
    assert all(len(data) < size for _, size, data in blobs)  # compressed
    assert kept == [(r, role, name) for r in (1, 2) for role, name in
                    (("data", "data.csv"), ("scorecard", "scorecard.yaml"), ("units", "units.csv"))]
    record = run_record(store, 2)
    assert record.period == "2025" and record.plugins and record.to_dict()["files"][1]["name"] == "scorecard.yaml"
    code, out, _ = cli(capsys, "history", "show", "1", "--store", store)
    assert code == 0 and "scorecard: scorecard.yaml (2330 bytes" in out


def test_recompute_gives_the_stored_result_byte_for_byte(capsys, store):
    result = recompute_run(store, 1)
    assert result.identical and result.diff.same and result.stored_versions == result.current_versions
    code, out, _ = cli(capsys, "history", "recompute", "2", "--store", store, "--format", "json")
    assert code == 0 and json.loads(out)["identical"] is True


def test_recompute_reports_a_difference_per_unit(capsys, tmp_path, monkeypatch):
    """A later evalkit that scores differently: recompute names the units and items that changed."""
    db = tmp_path / "history.db"
    assert cli(capsys, *targets_run("2025", "--store", db))[0] == 0
    from evalkit.scoring import evaluation as evaluation_module

    original = evaluation_module.Evaluation.to_json

    def changed(self):
        doc = json.loads(original(self))
        doc["units"][0]["total"] = 0
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"

    monkeypatch.setattr(evaluation_module.Evaluation, "to_json", changed)
    result = recompute_run(db, 1)
    assert not result.identical
    (change,) = result.diff.units
    assert change.fields["total"][1] == 0
    code, out, _ = cli(capsys, "history", "recompute", "1", "--store", db)
    assert code == 1 and "DIFFERS" in out and "total:" in out


def test_verify_passes_an_intact_store(capsys, store):
    check = verify_store(store, recompute=True)
    assert check.ok and check.runs == 2 and all(r.identical for r in check.recomputed)
    assert cli(capsys, "history", "verify", "--store", store)[0] == 0


@pytest.mark.parametrize(("sql", "named"), [
    ("UPDATE unit_results SET total = 99 WHERE run_id = 2 AND unit = 'B07'", "run 2 was changed"),
    ("UPDATE runs SET result = replace(result, '\"total\": 100', '\"total\": 99') WHERE id = 1", "run 1 was changed"),
    ("UPDATE item_results SET points = 0 WHERE run_id = 1 AND unit = 'B07' AND item = 'meetings'", "run 1 was changed"),
    ("DELETE FROM unit_results WHERE run_id = 2 AND unit = 'B01'", "run 2 was changed"),
    ("UPDATE blobs SET data = x'00'", "is missing or does not match"),
    ("DELETE FROM ledger WHERE seq = 1", "run 1 is not in the ledger"),
])
def test_a_row_changed_with_sqlite3_fails_verify_naming_the_run(capsys, store, sql, named):
    conn = sqlite3.connect(store)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):  # evalkit's triggers refuse it first
        conn.execute(sql)
    drop_triggers(conn)
    conn.execute(sql)
    conn.commit()
    conn.close()
    check = verify_store(store)
    assert not check.ok and any(named in p for p in check.problems), check.problems
    code, out, _ = cli(capsys, "history", "verify", "--store", store)
    assert code == 6 and named in out


def test_a_killed_run_leaves_the_store_valid(tmp_path, capsys):
    """SIGKILL a process storing runs in a loop at several moments: the store is intact and every finished run is kept."""
    db = tmp_path / "history.db"
    assert cli(capsys, *targets_run("2024", "--store", db))[0] == 0
    script = ("import sys\nfrom evalkit.store.history import Store\n"
              "doc = Store.open(sys.argv[1]).load(1)\n"
              "k = 0\n"
              "while True:\n"
              "    k += 1\n"
              "    doc['scorecard']['period'] = f'p{k}'\n"
              "    with Store.open(sys.argv[1]) as s:\n"
              "        s.add(doc, files=[('data', 'data.csv', bytes(k % 251 for _ in range(20000)) + str(k).encode())])\n")
    for delay in (0.6, 0.9, 1.3):
        proc = subprocess.Popen([sys.executable, "-c", script, str(db)])
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    check = verify_store(db)
    assert check.ok, check.problems
    assert check.runs >= 2 and recompute_run(db, 1).identical  # the earlier run intact


def test_a_version_2_store_is_migrated_and_chained(tmp_path, capsys):
    """A store made before the inputs were kept: its runs are chained as they are; recompute says why it cannot."""
    db = tmp_path / "old.db"
    assert cli(capsys, *targets_run("2025", "--store", db))[0] == 0
    conn = sqlite3.connect(db)  # make it a v2 store again: no v3 tables or columns
    drop_triggers(conn)
    for table in ("blobs", "run_files", "records", "ledger"):
        conn.execute(f"DROP TABLE {table}")
    for column in ("plugins", "supersedes", "appeal"):
        conn.execute(f"ALTER TABLE runs DROP COLUMN {column}")
    # and the v2 item_results again: a rowid table keyed (run_id, unit, item), indexed by (indicator, unit, run_id)
    conn.execute("CREATE TABLE item_results_v2 (run_id INTEGER NOT NULL REFERENCES runs (id), unit TEXT NOT NULL, "
                 "item TEXT NOT NULL, indicator TEXT NOT NULL, value REAL, points REAL, score REAL, "
                 "PRIMARY KEY (run_id, unit, item))")
    conn.execute("INSERT INTO item_results_v2 SELECT * FROM item_results ORDER BY run_id, unit, item")
    conn.execute("DROP TABLE item_results")
    conn.execute("ALTER TABLE item_results_v2 RENAME TO item_results")
    conn.execute("CREATE INDEX item_results_by_indicator ON item_results (indicator, unit, run_id)")
    conn.execute("DELETE FROM schema_version WHERE version >= 3")
    conn.commit()
    conn.close()
    check = verify_store(db)
    assert check.ok, check.problems
    with Store.open(db) as opened:
        assert opened.schema_version == SCHEMA_VERSION == 5
    code, _, err = cli(capsys, "history", "recompute", "1", "--store", db)
    assert code == 6 and "no kept inputs" in err


def test_diff_of_two_stored_runs(capsys, store):
    code, out, _ = cli(capsys, "diff", "1", "2", "--store", store, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and not doc["same"]
    assert cli(capsys, "diff", "1", "2", "--store", store, "--exit-code")[0] == 1
    b06 = next(u for u in doc["units"] if u["unit"] == "B06")
    assert b06["fields"]["total"] == {"before": 100, "after": 96} and b06["fields"]["rank"] == {"before": 1, "after": 2}
    assert cli(capsys, "diff", "1", "1", "--store", store, "--exit-code")[0] == 0
    with Store.open(store) as opened:
        assert diff_results(opened.load(1), opened.load(1)).same


def test_a_run_of_a_scheme_folder_and_two_data_files_is_recomputed(capsys, tmp_path):
    """Every version of a scheme folder is kept under its own name; several data files keep their order."""
    from tests.test_scheme_folder import setup

    args = setup(tmp_path)
    extra = tmp_path / "more.csv"
    extra.write_text("unit,indicator,period,value\nu,x,2023,10\n", encoding="utf-8")
    db = tmp_path / "runs.db"
    folder, _, data, _, units = args
    code, _, err = cli(capsys, "run", folder, "--data", data, "--data", extra, "--units", units, "--period", "2025", "--store", db)
    assert code == 0, err
    roles = [f.role for f in run_record(db, 1).files]
    assert roles == ["data", "data.2", "scorecard:2023.yaml", "scorecard:2025.yaml", "units"]
    assert recompute_run(db, 1).identical


def test_a_run_with_record_sources_is_not_recomputed_without_them(tmp_path):
    with Store.open(tmp_path / "h.db") as store:
        doc = json.loads((ROOT / "examples" / "hvbp" / "expected.json").read_text(encoding="utf-8"))
        store.add(doc, inputs={"options": {"period": "2025", "records": ["x=folder"]}},
                  files=[("scorecard", "s.yaml", b"id: x\n")])
    with pytest.raises(Exception, match="record sources"):
        recompute_run(tmp_path / "h.db", 1)


def test_how_the_files_were_read_is_kept_with_the_run(capsys, tmp_path):
    """--encoding, --sheet and --wide change how the kept files are read: stored with the run, given back to recompute."""
    from evalkit.store.archive import materialize

    db = tmp_path / "h.db"
    quick = ROOT / "examples" / "quickstart"
    data = tmp_path / "data.csv"
    data.write_bytes((quick / "data.csv").read_text(encoding="utf-8").encode("gbk"))
    args = ["run", quick / "scorecard.yaml", "--data", data, "--units", quick / "units.csv", "--store", db, "--format", "csv"]
    assert cli(capsys, *args, "--encoding", "gbk", "--sheet", "*")[0] == 0
    assert cli(capsys, *args)[0] == 0  # read without the options: other inputs, another run
    with Store.open(db) as store:
        assert [r["id"] for r in store.runs()] == [1, 2]
        given = materialize(store, 1, tmp_path / "one")
        plain = materialize(store, 2, tmp_path / "two")
    assert given["encoding"] == "gbk" and given["sheets"] == ("*",) and "encoding" not in plain
    assert recompute_run(db, 1).diff.to_dict()["units"] == []  # read as it was read: no unit changes


def test_diff_lists_quota_places_apart(capsys, tmp_path):
    """examples/civil-servants: 优秀 for at most 20 % of each 部门 (floor), so 县委办公室's 14 people have 2 places,
    held by GWY009 and GWY005; GWY010 (94.47) is cut to 称职 by the quota. When GWY005's work targets drop, GWY010
    takes the place with its own values unchanged: a quota place (名额变化), listed apart from GWY005's change."""
    example = ROOT / "examples" / "civil-servants"
    data = tmp_path / "data.csv"
    text = (example / "data.csv").read_text(encoding="utf-8")
    assert "GWY005,task_completion,2025," in text
    lines = [ln if not ln.startswith("GWY005,task_completion,2025,") else "GWY005,task_completion,2025,40"
             for ln in text.splitlines()]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "h.db"
    base = ["run", example / "scorecard.yaml", "--units", example / "units.csv", "--adjustments",
            example / "adjustments.csv", "--store", db, "--format", "csv"]
    assert cli(capsys, *base, "--data", example / "data.csv")[0] == 0
    assert cli(capsys, *base, "--data", data)[0] == 0
    code, out, _ = cli(capsys, "diff", "1", "2", "--store", db, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["quota_places"] == {"units": ["GWY010"], "moved_by": ["GWY005"]}
    gwy010 = next(u for u in doc["units"] if u["unit"] == "GWY010")
    assert gwy010["fields"]["grade"] == {"before": "competent", "after": "excellent"} and gwy010["quota"] == "excellent"
    assert gwy010["quota_place"] and "total" not in gwy010["fields"] and not gwy010["items"]
    gwy005 = next(u for u in doc["units"] if u["unit"] == "GWY005")
    assert not gwy005["quota_place"] and gwy005["why"].startswith("its own values changed")
    code, out, _ = cli(capsys, "diff", "1", "2", "--store", db)
    assert "quota places (名额变化): 1 units changed grade only because GWY005 moved the quota line" in out
    assert "GWY010 " in out and "grade competent → excellent (quota of excellent)" in out
    assert out.index("GWY005") < out.index("quota places")


def test_a_grade_moved_by_another_scheme_is_no_quota_place():
    doc = json.loads((ROOT / "examples" / "civil-servants" / "expected.json").read_text(encoding="utf-8"))
    other = json.loads(json.dumps(doc))
    other["grades"][0]["min"] = 99  # the scheme's band moved: grades change, but no unit's place was taken
    unit = next(u for u in other["units"] if u["id"] == "GWY009")
    unit["grade"] = "competent"
    diff = diff_results(doc, other)
    assert [c.unit for c in diff.units] == ["GWY009"] and diff.quota_places == ()


def test_a_review_kept_in_the_store_is_named_by_the_run_that_reads_it(capsys, tmp_path):
    """examples/reviews: `evalkit review --format csv --store` keeps the definition, ballots and units; the run that
    reads the review's output as data names the review record, and its kept ballots are the ballots given."""
    import hashlib

    import jsonschema

    from evalkit.definition.schemas import base_schema
    from evalkit.store.appeals import records

    reviews, quick = ROOT / "examples" / "reviews", ROOT / "examples" / "quickstart"
    db, out = tmp_path / "h.db", tmp_path / "review.csv"
    code, _, err = cli(capsys, "review", reviews / "review.yaml", "--ballots", reviews / "ballots.csv", "--units",
                       quick / "units.csv", "--format", "csv", "-o", out, "--store", db)
    assert code == 0 and "the review's inputs are kept as record 1" in err
    assert cli(capsys, "run", reviews / "scorecard.yaml", "--data", out, "--units", quick / "units.csv", "--store", db,
               "--format", "csv")[0] == 0
    record = run_record(db, 1)
    assert record.made_by == (("data", 1),) and record.to_dict()["made_by"] == [{"role": "data", "review": 1}]
    code, text, _ = cli(capsys, "history", "show", "1", "--store", db)
    assert "data: review.csv" in text and "the output of review record 1 (its definition and ballots are kept)" in text
    with Store.open(db) as store:
        (kept,) = records(store, "review")
        from evalkit.store import ledger

        ballots = next(f for f in kept.body["files"] if f["role"] == "ballots.1")
        assert ledger.get_blob(store.conn, ballots["sha256"]) == (reviews / "ballots.csv").read_bytes()
    assert kept.body["output_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    jsonschema.Draft202012Validator(base_schema("records.schema.json")).validate(kept.to_dict())
    assert verify_store(db).ok
    code, _, err = cli(capsys, "review", reviews / "review.yaml", "--ballots", reviews / "ballots.csv", "--units",
                       quick / "units.csv", "--store", db)
    assert code == 64 and "use it with --format csv" in err


def test_a_run_of_gbk_data_is_recomputed_byte_for_byte(capsys, tmp_path, monkeypatch):
    """The result's note names the data file as the run was given it, not the copy recompute reads."""
    quick = ROOT / "examples" / "quickstart"
    text = (ROOT / "docs" / "examples" / "data-zh.csv").read_text(encoding="utf-8-sig")
    (tmp_path / "data.csv").write_bytes(text.encode("gb18030"))
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "run", quick / "scorecard.yaml", "--data", "data.csv", "--units", quick / "units.csv",
                       "--store", "s.db", "--format", "json", "-o", "r.json")
    assert code == 0 and "GB18030" in err
    assert any("data.csv: read as GB18030" in note for note in json.loads((tmp_path / "r.json").read_text())["notes"])
    again = recompute_run(tmp_path / "s.db", 1)
    assert again.identical, again.diff.to_dict()
