"""The history store against plain sqlite3: adding one evaluated period, and the all-units trend.

Run from the repository root:

    .venv/bin/python benchmarks/bench_store.py                            # 1,000 and 100,000 units x 50 items
    .venv/bin/python benchmarks/bench_store.py --sizes 2000 --rounds 1    # quick

For each size N (units, x 50 items: bench_scoring.py's scorecard and seeded data, 1 % missing):

- **add**: `Store.add(evaluation)` into a fresh store file (creating it: schema, triggers, ledger) against plain
  sqlite3 writing the same rows into a fresh file: the ``runs`` row (with the same JSON result text, made by
  ``Evaluation.to_json()`` as evalkit makes it), the N ``unit_results`` rows and the N x 50 ``item_results`` rows,
  in tables created with the same CREATE TABLE statements as evalkit's (so with their primary keys: item_results
  is a WITHOUT ROWID table keyed (run_id, indicator, unit, item), the key the indicator trend reads it by), built
  from the Evaluation's arrays with numpy and ``executemany`` in one transaction, the item rows in the table's key
  order (item by item, units sorted), SQLite's default durability on both sides. The baseline has no other index,
  no triggers and no ledger. Both sides are checked to have written the same rows (counts, and the sums of every
  number column);
- **add to 3 periods**: the same, into a store that already holds 3 periods of N units (the county's case: a
  period added to its history), and plain sqlite3 into its file holding the same 3 periods' rows; each round adds
  one more run (a new fingerprint) to both, so both files grow alike (round k adds the (3 + k)-th run);
- **trend**: `Store.units_trend()` (every unit's total, rank and grade per period with the changes from its
  previous period) on a store of 3 periods against plain sqlite3 running one SQL statement that computes the same
  rows (window functions) and fetching them; the row counts are checked equal.

Each measurement runs in a forked child (`harness.in_child`): time and peak RSS are that child's, the Evaluation
built before the fork included. Medians of --rounds interleaved rounds. The goal is 1.5x for both.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scoring import build_scorecard, generate_columns
from harness import in_child, markdown_table, mib, paired, seconds_text, verdict

import evalkit
from evalkit.io.data import DataSet, Units
from evalkit.scoring.grading import NO_GRADE
from evalkit.store.history import Store

GOAL = 1.5
TABLES = ("runs", "unit_results", "item_results")
CHECK_SQL = ("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM unit_results), (SELECT count(*) FROM item_results), "
             "(SELECT total(total) + total(rank) FROM unit_results), "
             "(SELECT total(value) + total(points) + total(score) + count(value) FROM item_results)")
TREND_SQL = (  # what a person would write: no check of the cells' types
    "SELECT r.period, r.scorecard_id, r.scorecard_version, r.id, u.unit, u.name, u.total, u.rank, r.units, u.grade, "
    "u.total - lag(u.total) OVER w, CASE WHEN lag(u.rank) OVER w AND u.rank THEN lag(u.rank) OVER w - u.rank END, "
    "lag(u.grade) OVER w FROM runs r JOIN unit_results u ON u.run_id = r.id "
    "WHERE r.id IN (SELECT max(id) FROM runs GROUP BY scorecard_id, period) "
    "WINDOW w AS (PARTITION BY r.scorecard_id, u.unit ORDER BY r.period) ORDER BY u.unit, r.period, r.scorecard_id")


def evaluation(n: int, seed: int, period: str, scorecard):
    units = Units.from_ids([f"U{i:07d}" for i in range(n)])
    return evalkit.evaluate(scorecard, DataSet.from_columns(units, generate_columns(n, seed, 0.01), period=period))


def table_sql(folder: Path) -> list[str]:
    """evalkit's CREATE TABLE statements of the three tables (from a store made for the purpose)."""
    with Store.open(folder / "schema.db") as store:
        return [store.conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (t,)).fetchone()[0]
                for t in TABLES]


def counts(path: Path) -> tuple:
    conn = sqlite3.connect(path)
    try:
        return tuple(conn.execute(CHECK_SQL).fetchone())
    finally:
        conn.close()


def evalkit_add(ev, path: Path) -> tuple:
    if path.exists():
        path.unlink()
    with Store.open(path) as store:
        store.add(ev)
    return counts(path)


def plain_add(ev, path: Path, ddl: list[str], fresh: bool = True, fingerprint: str = "0" * 64) -> tuple:
    """The same rows with plain sqlite3: numpy columns converted once, executemany, one transaction; the item rows
    in the table's key order (run_id, indicator, unit, item): one indicator per item in this scorecard."""
    if fresh and path.exists():
        path.unlink()
    conn = sqlite3.connect(path, isolation_level=None)
    if fresh:
        for statement in ddl:
            conn.execute(statement)
    text = ev.to_json()
    sc = ev.scorecard
    ids = list(ev.units.ids)
    order = sorted(range(len(ids)), key=ids.__getitem__)
    perm = np.asarray(order, dtype=np.intp)
    bands = [b.grade for b in sc.grading.bands] if sc.grading else []
    conn.execute("BEGIN IMMEDIATE")
    run_id = conn.execute(
        "INSERT INTO runs (fingerprint, scorecard_id, scorecard_version, scorecard_hash, period, stored_at, evalkit_version, "
        "units, inputs, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (fingerprint, sc.id, sc.version, "0" * 64, ev.period, "2025-01-01T00:00:00Z", "0", len(ids), "{}", text)).lastrowid
    sorted_ids = [ids[i] for i in order]
    names, types = list(ev.units.names), list(ev.units.types)
    grades = [None if g == NO_GRADE else bands[g] for g in ev.grades[perm].tolist()]
    conn.executemany("INSERT INTO unit_results VALUES (?, ?, ?, ?, ?, ?, ?)",
                     zip(itertools.repeat(run_id), sorted_ids, [names[i] for i in order], [types[i] for i in order],
                         ev.totals[perm].tolist(), ev.ranks[perm].tolist(), grades))
    results = sorted(ev.items.values(), key=lambda r: (r.item.indicator, r.item.id))
    assert len({r.item.indicator for r in results}) == len(results)  # so item by item is key order
    for r in results:
        conn.executemany("INSERT INTO item_results (run_id, indicator, unit, item, value, points, score) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         zip(itertools.repeat(run_id), itertools.repeat(r.item.indicator), sorted_ids, itertools.repeat(r.item.id),
                             r.values[perm].tolist(), r.points[perm].tolist(), r.score[perm].tolist()))
    conn.execute("COMMIT")
    conn.close()
    return counts(path)


def evalkit_add_to(ev, path: Path, fingerprint: str) -> tuple:
    with Store.open(path) as store:
        assert store.add(ev, fingerprint).created
    return counts(path)


def evalkit_trend(path: Path) -> int:
    with Store.open(path, create=False) as store:
        return len(store.units_trend())


def plain_trend(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return len(conn.execute(TREND_SQL).fetchall())
    finally:
        conn.close()


def measure(n: int, scorecard, folder: Path, ddl: list[str], rounds: int) -> list[list[str]]:
    """The table rows of size n: add one period to a new store, add one to a store of 3 periods, and the all-units
    trend over 3 periods."""
    ev = evaluation(n, 1, "2025", scorecard)
    ours, theirs = folder / f"add_evalkit_{n}.db", folder / f"add_sqlite_{n}.db"
    add = paired({"evalkit": lambda: in_child(lambda: evalkit_add(ev, ours)),
                  "sqlite3": lambda: in_child(lambda: plain_add(ev, theirs, ddl))}, rounds=rounds)
    assert add.result("evalkit") == add.result("sqlite3"), \
        f"different rows: evalkit {add.result('evalkit')}, sqlite3 {add.result('sqlite3')}"
    to_json = in_child(ev.to_json)
    trend_db, plain_db = folder / f"trend_{n}.db", folder / f"plain_{n}.db"
    trend_db.unlink(missing_ok=True)
    with Store.open(trend_db) as store:  # 3 periods, untimed, and the same rows in the plain file
        for k, period in enumerate(("2023", "2024", "2025")):
            earlier = evaluation(n, 10 + k, period, scorecard)
            store.add(earlier, f"{k:064d}")
            plain_add(earlier, plain_db, ddl, fresh=k == 0, fingerprint=f"{k:064d}")
            del earlier
    assert counts(trend_db) == counts(plain_db)
    trend = paired({"evalkit": lambda: in_child(lambda: evalkit_trend(trend_db)),
                    "sqlite3": lambda: in_child(lambda: plain_trend(trend_db))}, rounds=rounds)
    assert trend.result("evalkit") == trend.result("sqlite3") == 3 * n
    def each_round(work):  # a new run (fingerprint) each time, counted in this process: both files grow alike
        counter = itertools.count(3)
        return lambda: (lambda fp: in_child(lambda: work(fp)))(f"{next(counter):064d}")

    more = paired({"evalkit": each_round(lambda fp: evalkit_add_to(ev, trend_db, fp)),
                   "sqlite3": each_round(lambda fp: plain_add(ev, plain_db, ddl, fresh=False, fingerprint=fp))},
                  rounds=rounds)
    assert more.result("evalkit") == more.result("sqlite3"), \
        f"different rows: evalkit {more.result('evalkit')}, sqlite3 {more.result('sqlite3')}"
    c = add.result("evalkit")
    out = []
    for what, result, note in ((f"add 1 period to a new store ({c[0]} run, {c[1]:,} unit rows, {c[2]:,} item rows; "
                                f"to_json alone {seconds_text(to_json.seconds)})", add, "same rows"),
                               (f"add 1 period to a store of 3+ periods ({more.result('evalkit')[0]} runs after)", more,
                                "same rows"),
                               (f"all-units trend, 3 periods ({3 * n:,} rows)", trend, "same row count")):
        ratio = result.ratio("evalkit", "sqlite3")
        out.append([f"{n:,}", what, seconds_text(result.seconds("evalkit")), seconds_text(result.seconds("sqlite3")),
                    f"{ratio:.2f}", mib(result.peak("evalkit")), mib(result.peak("sqlite3")),
                    f"{result.memory_ratio('evalkit', 'sqlite3'):.2f}", note, verdict(ratio, GOAL)])
    for path in (ours, theirs, trend_db, plain_db):
        path.unlink(missing_ok=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="units, comma-separated (x 50 items)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", help="folder for the store files (default: a temporary folder)")
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="bench_store_"))
    scorecard = evalkit.load_scorecard(build_scorecard())
    ddl = table_sql(folder)
    print(f"evalkit {evalkit.__version__}, SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}; "
          f"{args.rounds} rounds, medians; store files in {folder}\n")
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        rows += measure(n, scorecard, folder, ddl, args.rounds)
    print(markdown_table(["units", "work", "evalkit", "plain sqlite3", "ratio", "evalkit peak", "sqlite3 peak",
                          "memory ratio", "check", f"goal {GOAL}x"], rows))
    if not args.dir:
        for leftover in folder.iterdir():
            leftover.unlink()
        os.rmdir(folder)


if __name__ == "__main__":
    main()
