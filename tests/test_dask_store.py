"""A Dask run in the history store: stored a partition at a time (evalkit.store.dask_store), it is the run the
in-memory Evaluation of the same inputs stores: every row of every table, the result text and the ledger
digest; `history verify`, trends and compare read it as any other; a failing partition leaves nothing."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("distributed")
pytest.importorskip("dask.dataframe")

import dask
import dask.dataframe as dd
import pandas as pd

import evalkit
import evalkit.store.history as history
from evalkit.scoring.distributed import evaluate_dask
from evalkit.store.history import Store
from tests.conftest import EXAMPLES
from tests.test_dask import (
    EXAMPLE_RUNS,
    PEERS,
    client,  # noqa: F401  (the session's LocalCluster)
    parquet_inputs,
    peer_data,
    read_csv,
)

TABLES = ("runs", "unit_results", "item_results", "run_files", "blobs", "ledger", "records", "schema_version")
NOT_COMPARED = {"applied_at", "evalkit_version"}  # when the store was made; the same evalkit wrote both


def table_rows(path) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by every column (rowids left out: the tables' keys are their columns)."""
    conn = sqlite3.connect(path)
    try:
        out = {}
        for table in TABLES:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in NOT_COMPARED]
            out[table] = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY "
                                      f"{', '.join(map(str, range(1, len(columns) + 1)))}").fetchall()
        return out
    finally:
        conn.close()


@pytest.fixture
def fixed_clock(monkeypatch):
    """Both runs stored at the same second, so that their run rows and digests can be compared."""
    monkeypatch.setattr(history, "_now", lambda: "2026-12-01T08:00:00Z")


def store_both(tmp_path, evaluation, run, name="run"):
    """The in-memory Evaluation and the Dask run stored in two new stores (same fingerprint and inputs)."""
    memory, on_dask = tmp_path / f"{name}-memory.db", tmp_path / f"{name}-dask.db"
    kept = [("data", "data.csv", b"unit,value\n")]
    with Store.open(memory) as store:
        first = store.add(evaluation, "a" * 64, {"files": {}}, files=kept, plugins=[])
    with Store.open(on_dask) as store:
        second = store.add(run, "a" * 64, {"files": {}}, files=kept, plugins=[])
    assert first.created and second.created and first.id == second.id == 1
    return memory, on_dask


def read_back_spy(monkeypatch) -> list[int]:
    """Counts the Dask runs whose digest was taken by reading the rows back (every one: the digest reads the item
    rows in the table's key order, which no partition order gives)."""
    import evalkit.store.dask_store as dask_store

    calls: list[int] = []
    real = dask_store.rows_digest

    def spy(conn, run_id, row, *args, **kwargs):
        calls.append(run_id)
        return real(conn, run_id, row, *args, **kwargs)

    monkeypatch.setattr(dask_store, "rows_digest", spy)
    return calls


def same_store(memory, on_dask) -> None:
    expected, got = table_rows(memory), table_rows(on_dask)
    for table in TABLES:
        assert got[table] == expected[table], table
    with Store.open(on_dask) as store:
        checked = evalkit.verify_store(store)
        assert checked.ok and checked.runs >= 1, checked.problems


@pytest.mark.parametrize("name", sorted(EXAMPLE_RUNS))
def test_examples_stored_from_dask_are_the_in_memory_runs(client, tmp_path, fixed_clock, monkeypatch, name):  # noqa: F811
    read_back = read_back_spy(monkeypatch)
    base = EXAMPLES / name
    scorecard = evalkit.load_scorecard(base / "scorecard.yaml")
    frame = pd.concat([read_csv(base / f) for f in EXAMPLE_RUNS[name]], ignore_index=True)
    units = evalkit.load_units(base / "units.csv")
    adjustments = read_csv(base / "adjustments.csv") if (base / "adjustments.csv").exists() else ()
    evaluation = evalkit.evaluate(scorecard, frame, units=units, adjustments=adjustments)
    run = evaluate_dask(scorecard, dd.from_pandas(frame, npartitions=3, sort=False), units=units, adjustments=adjustments)
    memory, on_dask = store_both(tmp_path, evaluation, run)
    same_store(memory, on_dask)
    assert read_back == [1]
    with Store.open(on_dask) as store:  # the result text is the in-memory one, byte for byte
        assert store.load(1) == evaluation.to_dict()
        assert store.conn.execute("SELECT result FROM runs").fetchone()[0] == evaluation.to_json()


def test_without_a_fingerprint_the_result_stands_in_for_it(client, tmp_path, fixed_clock):  # noqa: F811
    base = EXAMPLES / "county-254"
    scorecard = evalkit.load_scorecard(base / "scorecard.yaml")
    frame = read_csv(base / "data.csv")
    evaluation = evalkit.evaluate(scorecard, frame)
    run = evaluate_dask(scorecard, dd.from_pandas(frame, npartitions=4, sort=False))
    with Store.open(tmp_path / "s.db") as store:
        first = store.add(evaluation)
        again = store.add(run)  # the same result: already stored, nothing written
        assert first.created and not again.created and again.id == first.id
        assert store.conn.execute("SELECT count(*) FROM unit_results").fetchone()[0] == 254
    with Store.open(tmp_path / "d.db") as store:
        assert store.add(run).created
    assert table_rows(tmp_path / "s.db") == table_rows(tmp_path / "d.db")


def test_a_second_period_gives_the_in_memory_trends(client, tmp_path, fixed_clock):  # noqa: F811
    """Two periods stored from Dask answer unit and indicator trends and the all-units trend as two in-memory runs."""
    base = EXAMPLES / "quickstart"
    scorecard = evalkit.load_scorecard(base / "scorecard.yaml")
    units = evalkit.load_units(base / "units.csv")
    first = read_csv(base / "data.csv")
    first["period"] = "2023"
    second = first.copy()
    second["period"] = "2024"
    second["value"] = second["value"] * 1.1
    stores = {}
    for kind in ("memory", "dask"):
        path = tmp_path / f"{kind}.db"
        with Store.open(path) as store:
            for k, (frame, period) in enumerate(((first, "2023"), (second, "2024"))):
                if kind == "memory":
                    got = evalkit.evaluate(scorecard, frame, units=units, period=period)
                else:
                    got = evaluate_dask(scorecard, dd.from_pandas(frame, npartitions=2, sort=False), units=units, period=period)
                store.add(got, str(k) * 64, {})
        stores[kind] = path
    same_store(stores["memory"], stores["dask"])
    with Store.open(stores["memory"]) as a, Store.open(stores["dask"]) as b:
        assert a.units_trend() == b.units_trend() and len(a.units_trend()) == 24
        unit = units.ids[0]
        assert a.unit_trend(unit) == b.unit_trend(unit)
        indicator = next(iter(scorecard.indicators))
        assert a.indicator_trend(indicator) == b.indicator_trend(indicator)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**16), npartitions=st.integers(1, 6), ties=st.sampled_from(["min", "dense", "ordinal"]))
def test_any_partitioning_stores_the_in_memory_run(tmp_path_factory, seed, npartitions, ties):
    """Property: however the rows are split (a unit's rows over several partitions, units in any order), the
    stored Dask run is the stored in-memory run (peer rules, quotas per group, re-weighting; sync scheduler)."""
    tmp = tmp_path_factory.mktemp("store")
    path = tmp / "peers.yaml"
    path.write_text(PEERS.replace("QUOTA_TIES", "exclude").replace("TIES", ties), encoding="utf-8")
    scorecard = evalkit.load_scorecard(path)
    frame, units = peer_data(seed, n=48)
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    clock = history._now
    history._now = lambda: "2026-12-01T08:00:00Z"
    try:
        with dask.config.set(scheduler="sync"):
            evaluation = evalkit.evaluate(scorecard, frame, units=units)
            run = evaluate_dask(scorecard, dd.from_pandas(frame, npartitions=npartitions, sort=False), units=units)
            memory, on_dask = store_both(tmp, evaluation, run)
    finally:
        history._now = clock
    same_store(memory, on_dask)


def test_a_failing_partition_leaves_the_store_without_the_run(client, tmp_path, monkeypatch):  # noqa: F811
    """A partition that fails while the run is stored: the exception comes through and the store is as it was."""
    import evalkit.store.dask_store as dask_store

    base = EXAMPLES / "quickstart"
    scorecard = evalkit.load_scorecard(base / "scorecard.yaml")
    frame = read_csv(base / "data.csv")
    path = tmp_path / "s.db"
    with Store.open(path) as store:
        store.add(evalkit.evaluate(scorecard, frame.assign(period="2023"), period="2023"), "b" * 64, {})
    before = table_rows(path)
    run = evaluate_dask(scorecard, dd.from_pandas(frame, npartitions=3, sort=False))
    calls = []

    def failing(evaluation):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("worker disk gone")
        return dask_store.stored_piece(evaluation)

    monkeypatch.setattr(dask_store, "stored_piece", failing)
    with dask.config.set(scheduler="sync"), Store.open(path) as store, pytest.raises(OSError, match="worker disk gone"):
        store.add(run, "c" * 64, {})
    assert len(calls) == 2  # the first partition was written, then rolled back
    assert table_rows(path) == before
    with Store.open(path) as store:
        assert evalkit.verify_store(store).ok


def test_cli_store_of_a_dask_run_is_the_in_memory_one(client, tmp_path, capsys, fixed_clock):  # noqa: F811
    from evalkit.cli import main

    base, data = parquet_inputs(tmp_path)
    argv = ["run", str(base / "scorecard.yaml"), "--data", str(data), "--units", str(base / "units.csv"),
            "--adjustments", str(base / "adjustments.csv"), "--period", "2025"]
    memory, on_dask = tmp_path / "memory.db", tmp_path / "dask.db"
    assert main([*argv, "--store", str(memory), "-o", str(tmp_path / "out.json")]) == 0
    assert "stored as run 1" in capsys.readouterr().err
    dask_argv = [*argv, "--engine", "dask", "--scheduler", client.scheduler.address, "-o", str(tmp_path / "out")]
    assert main([*dask_argv, "--store", str(on_dask)]) == 0
    assert f"stored as run 1 in {on_dask}" in capsys.readouterr().err
    same_store(memory, on_dask)
    assert main([*dask_argv, "--store", str(on_dask)]) == 0  # the same inputs again
    assert f"already stored as run 1 in {on_dask}" in capsys.readouterr().err
    assert main(["history", "verify", "--store", str(on_dask)]) == 0
    capsys.readouterr()
    assert main(["history", "--store", str(on_dask), "--format", "json"]) == 0
    on_dask_history = capsys.readouterr().out
    assert main(["history", "--store", str(memory), "--format", "json"]) == 0
    assert capsys.readouterr().out == on_dask_history


def test_cli_bad_stores_are_refused_as_in_memory(client, tmp_path, capsys):  # noqa: F811
    """A file that is not a store, and a folder of Parquet files: the in-memory messages and exit codes, before any work."""
    from evalkit.cli import main

    base, data = parquet_inputs(tmp_path)
    argv = ["run", str(base / "scorecard.yaml"), "--data", str(data), "--units", str(base / "units.csv")]
    text = tmp_path / "notes.txt"
    text.write_text("not a store\n", encoding="utf-8")
    assert main([*argv, "--store", str(text), "-o", str(tmp_path / "m.json")]) == 6
    in_memory = capsys.readouterr().err
    dask_argv = [*argv, "--engine", "dask", "--scheduler", client.scheduler.address, "-o", str(tmp_path / "out")]
    assert main([*dask_argv, "--store", str(text)]) == 6
    assert capsys.readouterr().err == in_memory and "not an SQLite database" in in_memory
    assert text.read_text(encoding="utf-8") == "not a store\n"
    assert not (tmp_path / "out").exists()  # refused before any work
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "part.0.parquet").write_bytes(data.read_bytes())
    folder_argv = ["run", str(base / "scorecard.yaml"), "--data", str(folder), "--units", str(base / "units.csv"),
                   "--engine", "dask", "--scheduler", client.scheduler.address, "-o", str(tmp_path / "out2")]
    assert main([*folder_argv, "--store", str(tmp_path / "s.db")]) == 64
    assert "not the folder" in capsys.readouterr().err
    assert not (tmp_path / "s.db").exists()


def test_a_period_clash_is_the_in_memory_data_error(client, tmp_path, capsys):  # noqa: F811
    """Data of two periods without --period: the run (and so the store) stops with the in-memory message, exit 3."""
    from evalkit.cli import main

    base = EXAMPLES / "quickstart"
    frame = read_csv(base / "data.csv")
    other = frame.copy()
    other["period"] = "2025"
    data = tmp_path / "data.parquet"
    pd.concat([frame, other], ignore_index=True).to_parquet(data)
    argv = ["run", str(base / "scorecard.yaml"), "--data", str(data), "--units", str(base / "units.csv")]
    assert main([*argv, "--store", str(tmp_path / "m.db"), "-o", str(tmp_path / "m.json")]) == 3
    in_memory = capsys.readouterr().err
    code = main([*argv, "--engine", "dask", "--scheduler", client.scheduler.address, "-o", str(tmp_path / "out"),
                 "--store", str(tmp_path / "d.db")])
    on_dask = capsys.readouterr().err
    assert code == 3, on_dask
    assert on_dask.splitlines()[0].split(": ", 1)[-1] == in_memory.splitlines()[0].split(": ", 1)[-1]
    with Store.open(tmp_path / "d.db") as store:
        assert store.runs() == []


@pytest.mark.parametrize("shuffled", [True, False])
def test_more_units_than_a_block_keep_the_rank_order(client, tmp_path, fixed_clock, monkeypatch, shuffled):  # noqa: F811
    """Units in several blocks of the result text and of item rows; partitions in no particular unit order or in
    unit order."""
    import evalkit.store.dask_store as dask_store

    read_back = read_back_spy(monkeypatch)
    monkeypatch.setattr(dask_store, "BLOCK_UNITS", 7)  # units of the result text at a time
    monkeypatch.setattr(dask_store, "BLOCK_ROWS", 5)  # item rows per executemany
    frame, units = peer_data(11, n=60)
    path = tmp_path / "peers.yaml"
    path.write_text(PEERS.replace("QUOTA_TIES", "include").replace("TIES", "min"), encoding="utf-8")
    scorecard = evalkit.load_scorecard(path)
    evaluation = evalkit.evaluate(scorecard, frame, units=units)
    ids = sorted(units.ids)
    if shuffled:
        np.random.default_rng(3).shuffle(ids)
    # five partitions of whole units: in unit order, or not
    parts = [dd.from_pandas(frame[frame["unit"].isin(chunk)], npartitions=1) for chunk in np.array_split(ids, 5)]
    run = evaluate_dask(scorecard, dd.concat(parts), units=units)
    memory, on_dask = store_both(tmp_path, evaluation, run)
    same_store(memory, on_dask)
    assert read_back == [1]
    assert np.isfinite([r[4] for r in table_rows(on_dask)["unit_results"] if r[4] is not None]).all()


class NoBlobIO:
    """A connection as Python 3.10 has it: no `blobopen` (the result text is then inserted whole)."""

    def __init__(self, conn):
        self._conn = conn

    def __getattr__(self, name):
        if name == "blobopen":
            raise AttributeError(name)
        return getattr(self._conn, name)


def test_without_blob_io_the_same_run_is_stored(client, tmp_path, fixed_clock):  # noqa: F811
    base = EXAMPLES / "county-254"
    scorecard = evalkit.load_scorecard(base / "scorecard.yaml")
    frame = read_csv(base / "data.csv")
    run = evaluate_dask(scorecard, dd.from_pandas(frame, npartitions=3, sort=False))
    with Store.open(tmp_path / "blob.db") as store:
        store.add(run, "d" * 64, {})
    with Store.open(tmp_path / "whole.db") as store:
        store.conn = NoBlobIO(store.conn)
        store.add(run, "d" * 64, {})
        store.conn = store.conn._conn
    same_store(tmp_path / "blob.db", tmp_path / "whole.db")


def test_a_partition_failing_on_the_cluster_leaves_nothing(client, tmp_path, monkeypatch):  # noqa: F811
    """On the 2 workers (the next partition computed while one is written): the worker's exception comes through,
    nothing of the run is kept, and the store takes the run afterwards."""
    import evalkit.store.dask_store as dask_store

    real = dask_store.stored_piece

    def failing(evaluation):  # pickled by value (a local function): runs on the workers
        if "U05" in evaluation.units.ids:
            raise RuntimeError("partition with U05 failed")
        return real(evaluation)

    base = EXAMPLES / "quickstart"
    scorecard = evalkit.load_scorecard(base / "scorecard.yaml")
    frame = read_csv(base / "data.csv")
    run = evaluate_dask(scorecard, dd.from_pandas(frame, npartitions=4, sort=False))
    path = tmp_path / "s.db"
    with Store.open(path) as store:
        pass
    before = table_rows(path)
    monkeypatch.setattr(dask_store, "stored_piece", failing)
    assert dask.config.get("scheduler") == "dask.distributed"  # the cluster's route, futures computed ahead
    with Store.open(path) as store, pytest.raises(RuntimeError, match="partition with U05 failed"):
        store.add(run, "e" * 64, {})
    assert table_rows(path) == before
    monkeypatch.setattr(dask_store, "stored_piece", real)
    with Store.open(path) as store:
        assert store.add(run, "e" * 64, {}).created
        assert store.conn.execute("SELECT count(*) FROM unit_results").fetchone()[0] == 12
