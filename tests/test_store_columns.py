"""The history store's columnar write (issue 14, point 5): `Store.add` of an Evaluation writes its unit and item rows
from the Evaluation's arrays, in the key order of item_results (schema v5), and takes the ledger digest (format 3) as
it writes them. What it stores must be exactly what the exact path (rows derived from the JSON result document)
stores, read back through the public API; the digest must be what `history verify` recomputes; a v3 or v4 store
migrates to v5 and still catches every hand edit of its old and new runs."""

from __future__ import annotations

import json
import math
import sqlite3

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.io.data import DataSet, Units
from evalkit.scoring.rounding import json_number
from evalkit.store import columns, ledger
from evalkit.store.archive import verify_store
from evalkit.store.history import MIGRATIONS, SCHEMA_VERSION, Store, json_numbers

SCORECARD = {
    "evalkit": 1, "id": "cols", "name": "columns", "period": "2025",
    "rounding": {"decimals": 2, "mode": "half_up"},
    "indicators": [{"id": "a", "name": "a"}, {"id": "b", "name": "b", "direction": "lower"},
                   {"id": "good", "name": "good"}, {"id": "bad", "name": "bad"}],
    "dimensions": [{"id": "d1", "name": "d1", "weight": 60, "children": [
        {"id": "z_item", "indicator": "a", "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}, "max_points": 40},
        {"id": "b_item", "indicator": "b", "rule": {"name": "linear", "params": {"lower": 0, "upper": 10}}, "max_points": 60}]},
        {"id": "d2", "name": "d2", "weight": 40, "children": [
            {"id": "ballots", "indicators": ["good", "bad"], "rule": {"name": "satisfaction_index", "params": {"weights": [100, 0]}},
             "max_points": 10}]}],
    "grading": {"bands": [{"min": 80, "grade": "A"}, {"min": 50, "grade": "B"}, {"min": 0, "grade": "C"}]},
}
ROWS_SQL = {"units": "SELECT unit, name, type, total, rank, grade FROM unit_results WHERE run_id = ? ORDER BY unit",
            "items": "SELECT unit, item, indicator, value, points, score FROM item_results WHERE run_id = ? ORDER BY unit, item"}

unit_ids = st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=6),
                    min_size=1, max_size=12, unique=True)
numbers = st.one_of(st.just(math.nan), st.integers(0, 100).map(float), st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 3)))


def evaluate(ids, names, values, period="2025"):
    units = Units(ids=tuple(ids), names=tuple(names), types=tuple("部门" if k % 2 else None for k in range(len(ids))),
                  parents=tuple(None for _ in ids))
    scorecard = evalkit.load_scorecard(SCORECARD)
    cols = {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}
    return evalkit.evaluate(scorecard, DataSet.from_columns(units, cols, period=period))


@st.composite
def evaluations(draw):
    ids = draw(unit_ids)
    n = len(ids)
    names = draw(st.lists(st.text(max_size=5), min_size=n, max_size=n))
    values = {k: draw(st.lists(numbers, min_size=n, max_size=n)) for k in ("a", "b")}
    values.update({k: draw(st.lists(st.integers(0, 9).map(float), min_size=n, max_size=n)) for k in ("good", "bad")})
    return ids, names, values


def rows(store, run_id):
    return {k: [tuple(map(repr, r)) for r in store.conn.execute(sql, (run_id,))] for k, sql in ROWS_SQL.items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(inputs=evaluations())
def test_the_columnar_write_stores_what_the_exact_path_stores(tmp_path_factory, inputs):
    ev = evaluate(*inputs)
    folder = tmp_path_factory.mktemp("cols")
    with Store.open(folder / "fast.db") as fast, Store.open(folder / "exact.db") as exact:
        run = fast.add(ev).id
        exact.add(ev.to_dict())  # the exact path: rows derived from the JSON result document
        assert rows(fast, run) == rows(exact, 1)  # every cell, its type included
        assert fast.load(run) == json.loads(ev.to_json())  # the stored result is the result, byte for byte as text
        digest = fast.conn.execute("SELECT digest FROM ledger WHERE kind = 'run' AND ref = ?", (run,)).fetchone()[0]
        assert digest.startswith(columns.DIGEST_PREFIX)
        assert digest == columns.stored_run_digest(fast.conn, run)  # what verify recomputes from the rows read back
        for uid in ev.units.ids:
            assert fast.unit_trend(uid) == exact.unit_trend(uid)
        assert fast.indicator_trend("a") == exact.indicator_trend("a")
    assert verify_store(folder / "fast.db").ok


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False), st.integers(-10**6, 10**6)), max_size=20))
def test_json_numbers_is_json_number_of_each_value(values):
    assert json_numbers(values) == [json_number(v) for v in values]


def test_the_digest_does_not_depend_on_the_block_size(tmp_path):
    ev = evaluate([f"U{k:02d}" for k in range(30)], ["x"] * 30, {"a": range(30), "b": [k % 7 for k in range(30)],
                                                              "good": [3] * 30, "bad": [1] * 30})
    with Store.open(tmp_path / "s.db") as store:
        run = store.add(ev).id
        assert columns.stored_run_digest(store.conn, run, block=7) == columns.stored_run_digest(store.conn, run)


def test_the_all_units_trend_is_every_units_trend(tmp_path):
    ids = [f"U{k:02d}" for k in range(20)]
    with Store.open(tmp_path / "s.db") as store:
        for k, period in enumerate(("2023", "2024", "2025")):
            store.add(evaluate(ids, ids, {"a": [(7 * j + 13 * k) % 101 for j in range(20)],
                                          "b": [(j + k) % 11 if j != k else math.nan for j in range(20)],
                                          "good": [j % 5 for j in range(20)], "bad": [k] * 20}, period))
        everything = store.units_trend()
        assert everything == [row for uid in sorted(ids) for row in store.unit_trend(uid)]
        assert len(everything) == 60 and any(r["rank_change"] for r in everything)
        assert store.units_trend("cols") == everything and store.units_trend("other") == []


@pytest.mark.parametrize(("column", "value"), [("total", "'lots'"), ("rank", "'first'"), ("rank", "1.5"), ("name", "x'00ff'"),
                                               ("grade", "x'01'"), ("unit", "x'55'")])
def test_a_hand_edited_cell_in_the_all_units_trend_is_named(tmp_path, column, value):
    ids = ["U1", "U2"]
    db = tmp_path / "s.db"
    with Store.open(db) as store:
        store.add(evaluate(ids, ids, {"a": [1, 2], "b": [3, 4], "good": [1, 1], "bad": [0, 0]}))
    conn = sqlite3.connect(db)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(f"UPDATE unit_results SET {column} = {value} WHERE unit = 'U2'")
    conn.commit()
    conn.close()
    for scorecard_id in (None, "cols"):  # checked from the trend's rows, or by a scan when only one scorecard is asked for
        with Store.open(db) as store, pytest.raises(evalkit.EvalkitError) as caught:
            store.units_trend(scorecard_id)
        named = "unit b'U'" if column == "unit" else "unit 'U2'"
        assert caught.value.exit_code == 6 and named in str(caught.value) and f"column {column}" in str(caught.value)


def make_old_store(path, ev, version=3):
    """A store as evalkit wrote it with schema v3 (a run with a format 1 digest) or v4 (format 2): its migrations,
    and a run stored with its rows derived from the result document, as the exact path writes them."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("PRAGMA application_id = 1163283283")
    for migration in MIGRATIONS[:version]:
        migration.apply(conn)
        conn.execute("INSERT INTO schema_version VALUES (?, ?, '2025-01-01T00:00:00Z', '0.1.0')",
                     (migration.version, migration.description))
    text = ev.to_json()
    run = conn.execute("INSERT INTO runs (fingerprint, scorecard_id, scorecard_version, scorecard_hash, period, stored_at, "
                       "evalkit_version, units, inputs, result) VALUES (?, 'cols', NULL, ?, '2024', "
                       "'2025-01-01T00:00:00Z', '0.1.0', ?, '{}', ?)", ("a" * 64, "b" * 64, len(ev.units.ids), text)).lastrowid
    doc = json.loads(text)
    indicator_of = {item["id"]: item["indicator"] for item in doc["items"]}
    conn.executemany("INSERT INTO unit_results VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(run, u["id"], u["name"], u["type"], u["total"], u["rank"], u["grade"]) for u in doc["units"]])
    conn.executemany("INSERT INTO item_results VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(run, u["id"], k, indicator_of[k], e["value"] if not isinstance(e["value"], list) else None,
                       e["points"], e["score"]) for u in doc["units"] for k, e in u["items"].items()])
    digest = ledger.run_digest(conn, run) if version == 3 else columns.stored_run_digest(conn, run, digest_format=2)
    ledger.append(conn, "run", run, "2025-01-01T00:00:00Z", digest or "")
    conn.execute("COMMIT")
    conn.close()


@pytest.mark.parametrize("version", [3, 4])
@pytest.mark.parametrize(("sql", "named"), [
    (None, None),
    ("UPDATE unit_results SET total = 1 WHERE run_id = 1 AND unit = 'U2'", "run 1 was changed"),
    ("UPDATE item_results SET points = 0 WHERE run_id = 1 AND unit = 'U3' AND item = 'z_item'", "run 1 was changed"),
    ("UPDATE item_results SET points = 0 WHERE run_id = 2 AND unit = 'U1' AND item = 'b_item'", "run 2 was changed"),
    ("UPDATE item_results SET value = x'00' WHERE run_id = 2 AND unit = 'U3' AND item = 'z_item'", "run 2 was changed"),
    ("DELETE FROM item_results WHERE run_id = 2 AND unit = 'U3' AND item = 'ballots'", "run 2 was changed"),
    ("UPDATE unit_results SET name = 'other' WHERE run_id = 2 AND unit = 'U1'", "run 2 was changed"),
    ("UPDATE runs SET result = result || ' ' WHERE id = 2", "run 2 was changed"),
])
def test_an_old_store_migrates_to_v5_and_verify_catches_edits_of_old_and_new_runs(tmp_path, sql, named, version):
    ids = ["U1", "U2", "U3"]
    db = tmp_path / f"v{version}.db"
    make_old_store(db, evaluate(ids, ids, {"a": [1, 50, 99], "b": [3, 4, math.nan], "good": [1, 2, 3], "bad": [0, 1, 2]},
                                "2024"), version)
    assert verify_store(db).ok
    plain = sqlite3.connect(db)
    before = {k: [tuple(map(repr, r)) for r in plain.execute(q, (1,))] for k, q in ROWS_SQL.items()}
    plain.close()
    with Store.open(db) as store:
        assert store.schema_version == SCHEMA_VERSION == 5
        assert rows(store, 1) == before  # the old run's rows, every cell, are what they were
        indexes = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'item_results'")}
        assert indexes == set()  # the primary key of a WITHOUT ROWID table is the table itself
        store.add(evaluate(ids, ids, {"a": [2, 60, 80], "b": [1, 9, 5], "good": [4, 2, 3], "bad": [0, 0, 2]}))
        digests = [d for (d,) in store.conn.execute("SELECT digest FROM ledger ORDER BY seq")]
        assert [columns.digest_format(d) for d in digests] == [1 if version == 3 else 2, 3]
        assert [r["period"] for r in store.unit_trend("U1")] == ["2024", "2025"]
        assert [r["period"] for r in store.indicator_trend("a", "U1")] == ["2024", "2025"]
    if sql is None:
        assert verify_store(db).ok
        return
    conn = sqlite3.connect(db)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    assert conn.execute(sql).rowcount == 1
    conn.commit()
    conn.close()
    check = verify_store(db)
    assert not check.ok and any(named in p for p in check.problems), check.problems


def test_item_rows_are_one_tree_in_the_key_trends_read_them_by(tmp_path):
    """Schema v5: item_results is WITHOUT ROWID keyed (run_id, indicator, unit, item); the indicator trend reads it by
    that key (no scan of a run's rows), verify reads a new run's rows in key order (no sort)."""
    ids = [f"U{k:02d}" for k in range(10)]
    with Store.open(tmp_path / "s.db") as store:
        run = store.add(evaluate(ids, ids, {"a": range(10), "b": range(10), "good": [1] * 10, "bad": [0] * 10})).id
        sql = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'item_results'").fetchone()[0]
        assert "WITHOUT ROWID" in sql and "PRIMARY KEY (run_id, indicator, unit, item)" in sql
        plan = " ".join(r[3] for r in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM item_results WHERE run_id = 1 AND indicator = 'a' AND unit = 'U01'"))
        assert "USING PRIMARY KEY (run_id=? AND indicator=? AND unit=?)" in plan, plan
        plan = " ".join(r[3] for r in store.conn.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM item_results WHERE run_id = 1 ORDER BY {columns.ITEM_ORDER[3]}"))
        assert "TEMP B-TREE" not in plan, plan
        stored = [r[1:] for r in store.conn.execute("SELECT run_id, indicator, unit, item FROM item_results")]
        assert stored == sorted(stored) and len(stored) == 30
        assert store.conn.execute("SELECT digest FROM ledger").fetchone()[0] == columns.stored_run_digest(store.conn, run)


def test_history_all_units_prints_every_units_trend(capsys, tmp_path):
    from pathlib import Path

    from tests.storekit import cli

    example = Path(__file__).resolve().parent.parent / "examples" / "targets"
    db = tmp_path / "history.db"
    for period in ("2024", "2025"):
        assert cli(capsys, "run", example / "scorecard.yaml", "--data", example / "data.csv", "--units",
                   example / "units.csv", "--period", period, "--store", db)[0] == 0
    code, out, _ = cli(capsys, "history", "--store", db, "--all-units", "--format", "json")
    everything = json.loads(out)
    assert code == 0 and len(everything) == 20
    for uid in sorted({row["unit"] for row in everything}):
        code, out, _ = cli(capsys, "history", "--store", db, "--unit", uid, "--format", "json")
        assert [row for row in everything if row["unit"] == uid] == json.loads(out)
    code, out, _ = cli(capsys, "history", "--store", db, "--all-units", "--format", "csv")
    assert code == 0 and out.count("\n") == 21
    code, _, err = cli(capsys, "history", "--store", db, "--all-units", "--unit", "B07")
    assert code == 64 and "--all-units" in err


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(), st.integers(), st.binary(max_size=3)), max_size=12), st.integers(1, 5))
def test_a_text_column_hashes_the_same_in_any_blocks_and_no_two_columns_alike(values, block):
    whole = columns._texts(values)
    assert b"".join(columns._texts(values[k:k + block]) for k in range(0, len(values), block)) == whole
    if all(v is None or isinstance(v, (str, int)) for v in values):
        assert whole == b"".join(columns._text_cell(v) for v in values)
        other = [*values[:-1], "x" if values and values[-1] != "x" else "y"] if values else ["z"]
        assert columns._texts(other) != whole


def test_a_unit_row_removed_by_hand_is_named_by_the_all_units_trend(tmp_path):
    ids = ["U1", "U2"]
    db = tmp_path / "s.db"
    with Store.open(db) as store:
        store.add(evaluate(ids, ids, {"a": [1, 2], "b": [3, 4], "good": [1, 1], "bad": [0, 0]}))
    conn = sqlite3.connect(db)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DELETE FROM unit_results WHERE unit = 'U2'")
    conn.commit()
    conn.close()
    for scorecard_id in (None, "cols"):
        with Store.open(db) as store, pytest.raises(evalkit.EvalkitError) as caught:
            store.units_trend(scorecard_id)
        assert caught.value.exit_code == 6 and "holds 1 rows of run 1, which scored 2 units" in str(caught.value)
