"""The history of runs: an SQLite file (stdlib sqlite3) that keeps every stored evaluation.

``evalkit run ... --store PATH`` (or, when ``--store`` is not given, the path in the environment variable
``EVALKIT_STORE``; ``--no-store`` skips it) stores the run after it succeeds: the scorecard's id,
version and content hash, the period, a SHA-256 fingerprint of the inputs, and the full JSON result
(the same document as ``--format json``). The file is created on first use.

Decisions:

- **One run per set of inputs.** The fingerprint is the SHA-256 of a canonical JSON document holding
  the SHA-256 of the bytes of the scorecard, data, units and adjustments files (their paths do not
  count: the same files elsewhere are the same inputs) and the options that change the result (the
  period scored, and the loaded plugins with their versions). ``runs.fingerprint`` is UNIQUE;
  storing the same inputs again returns the run already stored.
- **Concurrency.** Every write is one transaction opened with ``BEGIN IMMEDIATE`` (the write lock is
  taken first, so two writers never deadlock), on a connection whose busy timeout is 60 s: two
  ``evalkit run --store`` processes on one file queue for the lock and both runs are kept. The journal
  is SQLite's default rollback journal, so the evalkit mark in the file header (below) is always in the
  main file, and a process killed half-way leaves a hot journal that the next opener rolls back.
- **All or nothing.** The run row and its per-unit rows go in one transaction: a failure half-way
  rolls back and the store is as it was. Migrations run in one transaction too.
- **Foreign files are never touched.** Before SQLite opens the file, its first 100 bytes are read:
  it must be empty (a new store) or an SQLite database whose header carries evalkit's application id
  (``PRAGMA application_id`` = 0x45564B53, "EVKS", written in the same transaction that creates the
  tables). A text file, an SQLite database of another program, or an evalkit store with a schema newer
  than this evalkit knows is refused, with the file left byte for byte as it was.
- **Exit codes.** 5 (file error): the store cannot be read or written (missing for ``history``, a
  folder, no permission, damaged or truncated SQLite, locked for longer than the busy timeout).
  6 (not an evalkit history store): the file is readable but is not a store this evalkit may use:
  not SQLite, SQLite without the evalkit mark, or a newer schema version. A run id that is not in the
  store is a data error (3), as an unknown unit is.

Schema version 5 (``schema_version`` lists the migrations applied, in order)::

    schema_version(version INTEGER PRIMARY KEY, description, applied_at, evalkit_version)
    runs(id INTEGER PRIMARY KEY AUTOINCREMENT, fingerprint TEXT UNIQUE, scorecard_id, scorecard_version,
         scorecard_hash, period, stored_at, evalkit_version, units, inputs JSON, result JSON)
    unit_results(run_id, unit, name, type, total, rank, grade)            -- v2, for trends
    item_results(run_id, unit, item, indicator, value, points, score)     -- v2, for trends
    runs + (plugins JSON, supersedes, appeal)                             -- v3
    blobs(sha256, size, data zlib), run_files(run_id, role, name, sha256)  -- v3, the inputs kept
    records(id, kind, run_id, subject, at, body JSON)                     -- v3, publication, appeals, rectification
    ledger(seq, kind, ref, at, digest, prev, hash)                        -- v3, the hash chain (evalkit.store.ledger)

    item_results index (run_id, indicator, unit) replaces (indicator, unit, run_id)    -- v4
    ledger.digest of runs stored from v4 on: format 2, "2:" + hex (evalkit.store.columns)  -- v4
    item_results WITHOUT ROWID, PRIMARY KEY (run_id, indicator, unit, item); no other index  -- v5
    ledger.digest of runs stored from v5 on: format 3, "3:" + hex, item rows in key order    -- v5

From v3 on the store is append-only (triggers refuse UPDATE and DELETE).

**Writing a large run** (v4, v5): the unit and item rows come from the Evaluation's arrays, written with
``executemany`` in blocks inside the run's one transaction; the JSON result is stored as text and never parsed
again; the ledger digest (format 3) is taken from the same columns as they are written, not by reading them back.
From v5 on, ``item_results`` is a ``WITHOUT ROWID`` table whose primary key is the key trends read it by, (run_id,
indicator, unit, item): a row is written once, into one B-tree, where v4 wrote it into the table, its primary key
index and a (run_id, indicator, unit) index; and a run's rows are inserted in key order, so they are appended at the
end of the tree (the new run id is the largest), however many periods the store holds. Durability is SQLite's
default and is kept: the rollback journal (``journal_mode=DELETE``) and ``synchronous=FULL``, so a committed run
survives a crash or power loss and a killed writer leaves nothing half-written (no ``synchronous=OFF``, no
``journal_mode=OFF`` or ``MEMORY``, no WAL: the evalkit mark must stay in the main file). No PRAGMA is changed for a
write: a larger ``cache_size`` did not make a measurable difference (rows appended in key order touch few pages at
once) and would add its size to the writer's memory.

`load_run(store, run_id or (scorecard_id, period))` returns a stored result document (the latest run
for a scorecard and period when several were stored, e.g. after a data correction).
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import math
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypedDict

import attrs
import numpy as np

from evalkit.errors import DataError, EvalkitError, FileAccessError, Problem
from evalkit.scoring.rounding import json_number
from evalkit.store import ledger
from evalkit.store.columns import EvaluationRows, RunDigest, stored_run_digest

if TYPE_CHECKING:
    from evalkit.definition.model import Scorecard
    from evalkit.plugins.manager import Registry
    from evalkit.scoring.distributed import DistributedEvaluation
    from evalkit.scoring.evaluation import Evaluation

SCHEMA_VERSION = 5
APPLICATION_ID = 0x45564B53  # "EVKS"
BUSY_TIMEOUT = 60.0  # seconds a writer waits for another one
ENV_VAR = "EVALKIT_STORE"
SQLITE_MAGIC = b"SQLite format 3\x00"
FINGERPRINT_FORMAT = 1


class StoreError(EvalkitError):
    """The file is readable but is not an evalkit history store this evalkit may use."""

    exit_code = 6
    kind = "history store"


class RunNotFound(DataError):
    """No stored run matches the run id, or the scorecard and period, asked for."""

    kind = "no such run"


class RunRow(TypedDict):
    """A stored run, without its result (`Store.runs`)."""

    id: int
    stored_at: str
    scorecard_id: str
    scorecard_version: str | None
    scorecard_hash: str
    period: str
    units: int
    fingerprint: str
    evalkit_version: str


class UnitTrendRow(TypedDict):
    """A unit in one period (`Store.unit_trend`); the changes are from the previous period of the same scorecard."""

    period: str
    scorecard_id: str
    scorecard_version: str | None
    run: int
    unit: str
    name: str | None
    total: float | None
    rank: int | None
    of: int
    grade: str | None
    total_change: float | int | None
    rank_change: int | None
    grade_before: str | None


class IndicatorTrendRow(TypedDict):
    """An indicator's value for one unit in one period (`Store.indicator_trend`)."""

    period: str
    scorecard_id: str
    run: int
    unit: str
    name: str | None
    value: float | None
    points: float | None
    item: str


# What each column read back must hold: SQLite keeps whatever a hand edit wrote, so a cell is checked before
# it is used ("int", "real" or "text"; "?" allows NULL).
RUN_COLUMNS = {"id": "int", "stored_at": "text", "scorecard_id": "text", "scorecard_version": "text?",
               "scorecard_hash": "text", "period": "text", "units": "int", "fingerprint": "text", "evalkit_version": "text"}
_EXPECTED = {"int": "a whole number", "real": "a number", "text": "text"}


def _kind_ok(value: Any, kind: str) -> bool:
    if value is None:
        return kind.endswith("?")
    base = kind.rstrip("?")
    if base == "int":
        return isinstance(value, int)
    if base == "real":
        return isinstance(value, (int, float))
    return isinstance(value, str)


def _sql_type(value: Any) -> str:
    return {int: "a whole number", float: "a number", str: "text", bytes: "binary data"}.get(type(value), "NULL")


def check_cells(path: str, table: str, key: str, row: Mapping[str, Any], kinds: Mapping[str, str]) -> None:
    """StoreError (exit 6) naming the table, the row and the column when a cell does not hold what evalkit wrote.

    Rows are only ever written by evalkit; a wrong type means the file was edited by hand (or by another program).
    """
    for column, kind in kinds.items():
        value = row[column]
        if not _kind_ok(value, kind):
            raise StoreError(Problem(f"the history store was changed outside evalkit: table {table}, {key}, column {column} "
                                     "holds a value evalkit never writes; it was left as it is",
                                     source=path, expected=_EXPECTED[kind.rstrip("?")] + (" or empty" if kind.endswith("?") else ""),
                                     found=f"{value!r} ({_sql_type(value)})"))


def stored_json(path: str, run_id: int, column: str, text: Any) -> dict[str, Any]:
    """A run's stored JSON document (its result or its inputs); StoreError when a hand edit broke it."""
    where = f"table runs, run {run_id}, column {column}"
    if not isinstance(text, str):
        raise StoreError(Problem(f"the history store was changed outside evalkit: {where} does not hold JSON text; "
                                 "it was left as it is", source=path, expected="a JSON object",
                                 found=f"{text!r} ({_sql_type(text)})"))
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StoreError(Problem(f"the history store was changed outside evalkit: {where} is not valid JSON "
                                 f"({exc.msg} at line {exc.lineno}, column {exc.colno}); it was left as it is",
                                 source=path, expected="a JSON object")) from None
    except (RecursionError, ValueError):  # nested thousands deep, or an integer of over 4,300 digits
        raise StoreError(Problem(f"the history store was changed outside evalkit: {where} holds JSON evalkit never "
                                 "writes (nested too deeply, or a number too long); it was left as it is",
                                 source=path, expected="a JSON object")) from None
    if not isinstance(doc, dict):
        raise StoreError(Problem(f"the history store was changed outside evalkit: {where} is not a JSON object; "
                                 "it was left as it is", source=path, expected="a JSON object",
                                 found=f"a JSON {type(doc).__name__}"))
    return doc


# --------------------------------------------------------------------------------------------------
# Migrations, in order; each runs inside the transaction that records it in schema_version.


def _v1(conn: sqlite3.Connection) -> None:
    conn.execute("""CREATE TABLE schema_version (
        version INTEGER PRIMARY KEY,
        description TEXT NOT NULL,
        applied_at TEXT NOT NULL,
        evalkit_version TEXT NOT NULL)""")
    conn.execute("""CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        fingerprint TEXT NOT NULL UNIQUE CHECK (length(fingerprint) = 64),
        scorecard_id TEXT NOT NULL,
        scorecard_version TEXT,
        scorecard_hash TEXT NOT NULL,
        period TEXT NOT NULL,
        stored_at TEXT NOT NULL,
        evalkit_version TEXT NOT NULL,
        units INTEGER NOT NULL,
        inputs TEXT NOT NULL,
        result TEXT NOT NULL)""")
    conn.execute("CREATE INDEX runs_by_scorecard_period ON runs (scorecard_id, period, id)")


def _v2(conn: sqlite3.Connection) -> None:
    conn.execute("""CREATE TABLE unit_results (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        unit TEXT NOT NULL,
        name TEXT,
        type TEXT,
        total REAL,
        rank INTEGER,
        grade TEXT,
        PRIMARY KEY (run_id, unit))""")
    conn.execute("""CREATE TABLE item_results (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        unit TEXT NOT NULL,
        item TEXT NOT NULL,
        indicator TEXT NOT NULL,
        value REAL,
        points REAL,
        score REAL,
        PRIMARY KEY (run_id, unit, item))""")
    conn.execute("CREATE INDEX unit_results_by_unit ON unit_results (unit, run_id)")
    conn.execute("CREATE INDEX item_results_by_indicator ON item_results (indicator, unit, run_id)")
    for run_id, result in conn.execute("SELECT id, result FROM runs ORDER BY id").fetchall():
        _index_result(conn, run_id, json.loads(result))


def _v3(conn: sqlite3.Connection) -> None:
    ledger.create_tables(conn)
    for (run_id,) in conn.execute("SELECT id FROM runs ORDER BY id").fetchall():  # runs stored before: chained as they are
        stored_at = conn.execute("SELECT stored_at FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
        ledger.append(conn, "run", run_id, str(stored_at), ledger.run_digest(conn, run_id) or "")
    ledger.protect(conn)


def _v4(conn: sqlite3.Connection) -> None:
    # Trends look item rows up by run and indicator: (run_id, indicator, unit) keeps a new run's index entries
    # together at the end of the index, where (indicator, unit, run_id) spread them among every earlier run's.
    conn.execute("DROP INDEX IF EXISTS item_results_by_indicator")
    conn.execute("CREATE INDEX item_results_by_run_indicator ON item_results (run_id, indicator, unit)")


def _v5(conn: sqlite3.Connection) -> None:
    # item_results becomes one B-tree keyed the way trends read it, (run_id, indicator, unit, item): the rows are their
    # own index, so a new run's rows are written once, in key order at the end of the tree, instead of into the table
    # and into two indexes. (run_id, indicator, unit, item) is unique exactly when (run_id, unit, item) is: an item
    # scores one indicator. The rows are copied in key order, the old table (its index and triggers with it) dropped,
    # and the append-only triggers made again; the columns keep their order and types.
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'item_results'").fetchone()
    if sql is not None and "WITHOUT ROWID" in str(sql[0]).upper():  # schema_version's row of v5 removed by hand
        raise sqlite3.OperationalError("table item_results keyed (run_id, indicator, unit, item) already exists")
    conn.execute("""CREATE TABLE item_results_v5 (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        unit TEXT NOT NULL,
        item TEXT NOT NULL,
        indicator TEXT NOT NULL,
        value REAL,
        points REAL,
        score REAL,
        PRIMARY KEY (run_id, indicator, unit, item)) WITHOUT ROWID""")
    conn.execute("INSERT INTO item_results_v5 (run_id, unit, item, indicator, value, points, score) "
                 "SELECT run_id, unit, item, indicator, value, points, score FROM item_results "
                 "ORDER BY run_id, indicator, unit, item")
    conn.execute("DROP TABLE item_results")
    conn.execute("ALTER TABLE item_results_v5 RENAME TO item_results")
    ledger.protect(conn)


@attrs.frozen
class Migration:
    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "runs: one row per stored evaluation, unique by input fingerprint", _v1),
    Migration(2, "unit_results and item_results: per-unit rows for trends, filled from the stored results", _v2),
    Migration(3, "blobs, run_files, records and ledger: kept inputs, appeals and rectification, a hash chain; "
                 "append-only", _v3),
    Migration(4, "runs digested column by column (ledger digest format 2) from now on; item_results indexed by "
                 "(run_id, indicator, unit)", _v4),
    Migration(5, "item_results keyed (run_id, indicator, unit, item) without rowid, written in key order; runs digested "
                 "in that order (ledger digest format 3) from now on", _v5),
)
assert [m.version for m in MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))


def _index_result(conn: sqlite3.Connection, run_id: int, doc: Mapping[str, Any] | EvaluationRows) -> None:
    """The per-unit rows of one result: from an Evaluation's columns (`EvaluationRows`, its digest taken as they are
    written), or from a result document (a loop over units, for documents given as such and the v2 migration)."""
    if isinstance(doc, EvaluationRows):
        doc.write(conn, run_id)
        return
    indicator_of = {item["id"]: item["indicator"] for item in doc.get("items", ())}
    units = doc.get("units", ())
    conn.executemany("INSERT INTO unit_results (run_id, unit, name, type, total, rank, grade) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(run_id, u["id"], u.get("name"), u.get("type"), u.get("total"), u.get("rank"), u.get("grade"))
                      for u in units])
    conn.executemany("INSERT INTO item_results (run_id, unit, item, indicator, value, points, score) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(run_id, u["id"], item_id, indicator_of.get(item_id, item_id),
                       entry.get("value") if not isinstance(entry.get("value"), list) else None,
                       entry.get("points"), entry.get("score"))
                      for u in units for item_id, entry in u.get("items", {}).items()])


# --------------------------------------------------------------------------------------------------
# Errors for people


@contextlib.contextmanager
def _sqlite_errors(path: str) -> Iterator[None]:
    """sqlite3 errors as FileAccessError (exit 5), with what to do."""
    try:
        yield
    except sqlite3.Error as exc:
        text = str(exc)
        lowered = text.lower()
        if "locked" in lowered or "busy" in lowered:
            message = f"the history store is locked by another process for more than {BUSY_TIMEOUT:g} s; try again"
        elif "readonly" in lowered or "read-only" in lowered:
            message = "cannot write the history store: it is read-only"
        elif "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
            message = "the history store is damaged (SQLite says: " + text + "); it was left as it is"
        elif "unable to open" in lowered:
            message = "cannot open the history store"
        elif "disk" in lowered and "full" in lowered:
            message = "cannot write the history store: the disk is full"
        else:
            message = f"cannot use the history store: {text}"
        raise FileAccessError(Problem(message, source=path)) from None


def _inspect(path: Path) -> str:
    """'new' (no file, or an empty one) or 'store' (an SQLite file with evalkit's mark); raises otherwise.

    Only reads the first 100 bytes: a foreign file is never opened by SQLite, so never changed.
    """
    source = str(path)
    try:
        if path.is_dir():
            raise FileAccessError(Problem("is a folder, expected the history store file", source=source))
        if not path.exists():
            return "new"
        with open(path, "rb") as handle:
            head = handle.read(100)
    except OSError as exc:
        raise FileAccessError(Problem(f"cannot read the history store: {exc.strerror or exc}", source=source)) from None
    if not head:
        return "new"
    if not SQLITE_MAGIC.startswith(head[:16]):
        raise StoreError(Problem("the file is not an SQLite database, so not an evalkit history store; it was left as it is",
                                 source=source, expected="an evalkit history store (SQLite), or a new file name",
                                 found=_first_bytes(head)))
    if len(head) < 100:
        raise FileAccessError(Problem("the history store is truncated (shorter than an SQLite header); it was left as it is",
                                      source=source))
    app = int.from_bytes(head[68:72], "big")
    if app != APPLICATION_ID:
        whose = "without evalkit's mark" if app == 0 else f"of another program (application id {app:#010x})"
        raise StoreError(Problem(f"the file is an SQLite database {whose}, not an evalkit history store; it was left as it is",
                                 source=source, expected="a store written by evalkit run --store, or a new file name"))
    return "store"


def _first_bytes(head: bytes) -> str:
    text = head[:24].decode("utf-8", errors="replace")
    printable = "".join(c if c.isprintable() else "." for c in text)
    return f"a file starting with {printable!r}"


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _evalkit_version() -> str:
    from evalkit import __version__

    return __version__


# Public names of the helpers above, for evalkit.store.dask_store (which writes runs the same way).
sqlite_errors = _sqlite_errors
evalkit_version = _evalkit_version


def now() -> str:
    """The time a run is stored (`_now`, looked up when called)."""
    return _now()


# --------------------------------------------------------------------------------------------------
# The store


@attrs.frozen
class StoredRun:
    id: int
    created: bool  # False when the same inputs were already stored


class Store:
    """An open history store. Use `Store.open(path)` (a context manager) rather than the constructor."""

    def __init__(self, path: str, connection: sqlite3.Connection):
        self.path = path
        self.conn = connection

    # ---- opening

    @classmethod
    def open(cls, path: str | os.PathLike, create: bool = True) -> Store:
        """Open the store at `path`, creating it (`create`) or upgrading its schema when needed.

        FileAccessError (exit 5) or StoreError (exit 6) for files that cannot be used; never changes them.
        """
        path_obj = Path(path)
        source = str(path_obj)
        state = _inspect(path_obj)
        if state == "new":
            if not create:
                raise FileAccessError(Problem("no history store here (evalkit run --store PATH creates one)", source=source))
            _check_folder(path_obj)
        with _sqlite_errors(source):
            conn = sqlite3.connect(source, timeout=BUSY_TIMEOUT, isolation_level=None)
        store = cls(source, conn)
        try:
            store._prepare()
        except BaseException:
            conn.close()
            raise
        return store

    def _look(self) -> tuple[int, int, set]:
        """(application id, schema version, table names), reading only."""
        app = self.conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = 0
        if "schema_version" in tables:
            version = self.conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        return app, version, tables

    def _verify(self, app: int, version: int, tables: set) -> None:
        """Refuse what is not ours, or is newer than this evalkit (before anything is written)."""
        if app not in (0, APPLICATION_ID) or (app == 0 and tables):
            raise StoreError(Problem("the file is an SQLite database of another program, not an evalkit history store; "
                                     "it was left as it is", source=self.path,
                                     found="tables " + ", ".join(sorted(tables)) if tables else None))
        if app == APPLICATION_ID and "schema_version" not in tables:
            raise StoreError(Problem("the file carries evalkit's mark but has no schema_version table; it was left as it is",
                                     source=self.path))
        if version > SCHEMA_VERSION:
            raise StoreError(Problem("the history store was written by a newer evalkit; it was left as it is", source=self.path,
                                     expected=f"schema version {SCHEMA_VERSION} or older (upgrade evalkit to use this store)",
                                     found=f"schema version {version}"))

    def _prepare(self) -> None:
        with _sqlite_errors(self.path):
            # One read transaction, so the mark and the tables are seen as of one moment: read apart, another
            # process creating the store between the two reads made a new store look like a foreign one.
            self.conn.execute("BEGIN")
            try:
                look = self._look()
            finally:
                self.conn.execute("COMMIT")
            self._verify(*look)
            if look[0] == APPLICATION_ID and look[1] == SCHEMA_VERSION:
                return
            with self._write():
                app, version, tables = self._look()  # again, now that this process holds the write lock
                self._verify(app, version, tables)
                if app == 0:
                    self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                for migration in MIGRATIONS:
                    if migration.version > version:
                        self._apply(migration, version, tables)
                        self.conn.execute("INSERT INTO schema_version (version, description, applied_at, evalkit_version) "
                                          "VALUES (?, ?, ?, ?)",
                                          (migration.version, migration.description, _now(), _evalkit_version()))

    def _apply(self, migration: Any, version: int, tables: set) -> None:
        """Run one migration; StoreError when its tables are there already though schema_version does not list it
        (a row of schema_version was removed by hand)."""
        try:
            migration.apply(self.conn)
        except sqlite3.OperationalError as exc:
            if "already exists" not in str(exc) or not tables:
                raise
            raise StoreError(Problem("the history store was changed outside evalkit: table schema_version lists "
                                     f"migrations up to {version}, but the tables of migration {migration.version} are "
                                     f"there ({exc}); it was left as it is", source=self.path,
                                     expected=f"schema version {SCHEMA_VERSION}", found=f"schema version {version}")) from None

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any failure (inside one already open: part of it)."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """One write transaction (the write lock taken first): everything written inside is kept together or not at all."""
        return self._write()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with _sqlite_errors(self.path):
            return self._look()[1]

    # ---- writing

    def add(self, evaluation: Evaluation | DistributedEvaluation | Mapping[str, Any], fingerprint: str | None = None, inputs: Mapping[str, Any] | None = None,
            files: Sequence[tuple[str, str, bytes]] = (), plugins: Sequence[Sequence[str]] | None = None,
            supersedes: int | None = None, appeal: int | None = None) -> StoredRun:
        """Store an Evaluation (or a result document, or a Dask run: `evalkit.store.dask_store`) unless a run with the
        same fingerprint is stored.

        Without a fingerprint (results made in memory), the SHA-256 of the JSON result stands in for it.
        `files` are the input files kept with the run, (role, file name, bytes) each, so that it can be recomputed
        (`evalkit.store.archive.recompute`); `plugins` the (name, version) of the plugins loaded; `supersedes` the
        run this one replaces, after the decision on `appeal` (a record id).
        """
        from evalkit.scoring.distributed import DistributedEvaluation

        if isinstance(evaluation, DistributedEvaluation):  # a Dask run: a partition at a time (evalkit.store.dask_store)
            from evalkit.store.dask_store import store_dask_run

            return store_dask_run(self, evaluation, fingerprint, inputs, files, plugins, supersedes, appeal)
        rows: EvaluationRows | None = None
        if isinstance(evaluation, Mapping):
            doc = dict(evaluation)
            text = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
            sc_hash = hashlib.sha256(_canonical(doc.get("scorecard", {})).encode("utf-8")).hexdigest()
            scorecard = doc.get("scorecard", {})
            sc_id, sc_version, period, units = scorecard.get("id", ""), scorecard.get("version"), scorecard.get("period", ""), \
                len(doc.get("units", ()))
        else:  # the rows come from the Evaluation's arrays: the JSON text is stored, never parsed again
            text = evaluation.to_json()
            sc_hash = scorecard_hash(evaluation.scorecard)
            rows = EvaluationRows(evaluation)
            sc_id, sc_version, period, units = evaluation.scorecard.id, evaluation.scorecard.version, evaluation.period, rows.units
        if fingerprint is None:
            fingerprint = hashlib.sha256(b"evalkit result\0" + text.encode("utf-8")).hexdigest()
        with _sqlite_errors(self.path), self._write():
            row = self.conn.execute("SELECT id FROM runs WHERE fingerprint = ?", (fingerprint,)).fetchone()
            if row is not None:
                return StoredRun(id=row[0], created=False)
            cursor = self.conn.execute(
                "INSERT INTO runs (fingerprint, scorecard_id, scorecard_version, scorecard_hash, period, stored_at, "
                "evalkit_version, units, inputs, result, plugins, supersedes, appeal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (fingerprint, str(sc_id), sc_version, sc_hash, str(period),
                 stored_at := _now(), _evalkit_version(), units, _canonical(inputs or {}), text,
                 None if plugins is None else _canonical([list(p) for p in plugins]), supersedes, appeal))
            run_id = int(cursor.lastrowid or 0)  # always set after an INSERT
            ledger.store_files(self.conn, run_id, files)
            if rows is None:
                _index_result(self.conn, run_id, doc)
                digest = stored_run_digest(self.conn, run_id) or ""
            else:
                # The run row as SQLite keeps it (its column affinities applied), the result text as it was given.
                fields = [f if f != "result" else "NULL" for f in ledger.RUN_FIELDS]
                kept = list(self.conn.execute(f"SELECT {', '.join(fields)} FROM runs WHERE id = ?", (run_id,)).fetchone())
                kept[ledger.RUN_FIELDS.index("result")] = text
                kept_files = self.conn.execute("SELECT role, name, sha256 FROM run_files WHERE run_id = ? ORDER BY role",
                                               (run_id,)).fetchall()
                rows.digest = RunDigest(kept, kept_files)
                _index_result(self.conn, run_id, rows)
                digest = rows.digest.hexdigest()
            ledger.append(self.conn, "run", run_id, stored_at, digest)
            return StoredRun(id=run_id, created=True)

    # ---- reading

    def runs(self, scorecard_id: str | None = None) -> list[RunRow]:
        """Every stored run (without its result), oldest first."""
        sql = ("SELECT id, stored_at, scorecard_id, scorecard_version, scorecard_hash, period, units, fingerprint, "
               "evalkit_version FROM runs" + (" WHERE scorecard_id = ?" if scorecard_id else "") + " ORDER BY id")
        with _sqlite_errors(self.path):
            rows = self.conn.execute(sql, (scorecard_id,) if scorecard_id else ()).fetchall()
        out: list[RunRow] = []
        for row in rows:
            entry = dict(zip(RUN_COLUMNS, row))
            check_cells(self.path, "runs", f"run {entry['id']}", entry, RUN_COLUMNS)
            out.append(RunRow(**entry))  # type: ignore[typeddict-item]  # the cells were checked just above
        return out

    def run_id(self, which: int | str | tuple[str, str]) -> int:
        """The id of a run given by id, or the latest for (scorecard_id, period); RunNotFound otherwise."""
        with _sqlite_errors(self.path):
            if isinstance(which, tuple):
                scorecard_id, period = (str(x) for x in which)
                row = self.conn.execute("SELECT max(id) FROM runs WHERE scorecard_id = ? AND period = ?",
                                        (scorecard_id, period)).fetchone()
                if row[0] is None:
                    raise RunNotFound(Problem(f"no stored run of scorecard {scorecard_id!r} for period {period!r}",
                                              source=self.path, expected="one of " + self._listing()))
                return int(row[0])
            try:
                run_id = int(which)
            except (TypeError, ValueError):
                raise RunNotFound(Problem("a run is given by its number", source=self.path, expected="a run id such as 3",
                                          found=repr(which))) from None
            if self.conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                self._check_not_removed(run_id)
                raise RunNotFound(Problem(f"no run {run_id} in the history store", source=self.path,
                                          expected="one of " + self._listing()))
            return run_id

    def _check_not_removed(self, run_id: int) -> None:
        """StoreError when run `run_id` was stored once and is gone: evalkit never removes a run (the store is
        append-only), so a run id below the highest ever given that is missing was deleted by hand."""
        seq = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'runs'").fetchone()
        if seq is not None and isinstance(seq[0], int) and 1 <= run_id <= seq[0]:
            raise StoreError(Problem(f"the history store was changed outside evalkit: table runs, run {run_id} was "
                                     "stored and has been removed (evalkit never removes a run); it was left as it is",
                                     source=self.path, expected=f"run {run_id}", found="no row"))

    def _check_unit_counts(self) -> None:
        """StoreError when a run's unit rows are not as many as the units it records: a row of table unit_results
        was removed (or added) by hand."""
        sql = ("SELECT r.id, r.units, (SELECT count(*) FROM unit_results u WHERE u.run_id = r.id) AS n FROM runs r "
               f"WHERE r.id IN ({self._LATEST}) AND typeof(r.units) = 'integer' AND r.units != n")
        with _sqlite_errors(self.path):
            row = self.conn.execute(sql).fetchone()
        if row is not None:
            self._unit_count_error(*row)

    def _unit_count_error(self, run_id: int, units: int, found: int) -> NoReturn:
        raise StoreError(Problem(f"the history store was changed outside evalkit: table unit_results holds {found} "
                                 f"rows of run {run_id}, which scored {units} units; it was left as it is",
                                 source=self.path, expected=f"{units} rows", found=f"{found} rows"))

    def _listing(self) -> str:
        runs = self.runs()
        if not runs:
            return "the stored runs (there are none yet)"
        shown = ", ".join(f"{r['id']} ({r['scorecard_id']} {r['period']})" for r in runs[-10:])
        return ("runs " if len(runs) <= 10 else f"runs ... {len(runs) - 10} more, ") + shown

    def load(self, which: int | str | tuple[str, str]) -> dict[str, Any]:
        """The stored JSON result of a run, as `Evaluation.to_dict()` gave it."""
        run_id = self.run_id(which)
        with _sqlite_errors(self.path):
            text = self.conn.execute("SELECT result FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
        doc = stored_json(self.path, run_id, "result", text)
        if "evalkit_result" not in doc:
            raise StoreError(Problem(f"the history store was changed outside evalkit: table runs, run {run_id}, column "
                                     "result is not an evalkit result; it was left as it is", source=self.path,
                                     expected="an object with the key 'evalkit_result'",
                                     found="an object with " + (", ".join(repr(k) for k in list(doc)[:5]) or "no key")))
        return doc

    def inputs(self, run_id: int) -> dict[str, Any]:
        """The inputs a run was stored with: each file's SHA-256, size and path, and the options."""
        found = self.run_id(run_id)
        with _sqlite_errors(self.path):
            row = self.conn.execute("SELECT inputs FROM runs WHERE id = ?", (found,)).fetchone()
        return stored_json(self.path, found, "inputs", row[0])

    _LATEST = "SELECT max(id) FROM runs GROUP BY scorecard_id, period"

    def unit_trend(self, unit: str, scorecard_id: str | None = None) -> list[UnitTrendRow]:
        """A unit's total, rank and grade per period (the latest run of each scorecard and period),
        with the change from the previous period of the same scorecard (rank_change > 0: moved up)."""
        sql = ("SELECT r.period, r.scorecard_id, r.scorecard_version, r.id, r.units, u.name, u.total, u.rank, u.grade "
               "FROM runs r JOIN unit_results u ON u.run_id = r.id "
               f"WHERE u.unit = ? AND r.id IN ({self._LATEST})" + (" AND r.scorecard_id = ?" if scorecard_id else "")
               + " ORDER BY r.scorecard_id, r.period")
        with _sqlite_errors(self.path):
            rows = self.conn.execute(sql, (unit, scorecard_id) if scorecard_id else (unit,)).fetchall()
        self._check_unit_counts()
        out: list[UnitTrendRow] = []
        previous: dict[str, UnitTrendRow] = {}
        kinds = {"period": "text", "scorecard_id": "text", "scorecard_version": "text?", "run": "int", "of": "int",
                 "name": "text?", "total": "real?", "rank": "int?", "grade": "text?"}
        for row in rows:
            check_cells(self.path, "runs and unit_results", f"run {row[3]!r}, unit {unit!r}", dict(zip(kinds, row)), kinds)
            period, sc_id, version, run_id, n, name, total, rank, grade = row
            before = previous.get(sc_id)
            entry: UnitTrendRow = {"period": period, "scorecard_id": sc_id, "scorecard_version": version, "run": run_id, "unit": unit,
                     "name": name, "total": total, "rank": rank, "of": n, "grade": grade,
                     "total_change": _diff(total, before["total"]) if before else None,
                     "rank_change": (before["rank"] - rank) if before and before["rank"] and rank else None,
                     "grade_before": before["grade"] if before else None}
            previous[sc_id] = entry
            out.append(entry)
        return sorted(out, key=lambda e: (e["period"], e["scorecard_id"]))

    # Every unit's total, rank and grade per period with the changes from its previous period of the same scorecard,
    # in one statement (window functions).
    UNITS_TREND_SQL = (
        "SELECT r.period, r.scorecard_id, r.scorecard_version, r.id, u.unit, u.name, u.total, u.rank, r.units, u.grade, "
        "u.total - lag(u.total) OVER w, "
        "CASE WHEN lag(u.rank) OVER w AND u.rank THEN lag(u.rank) OVER w - u.rank END, "
        "lag(u.grade) OVER w "
        "FROM runs r JOIN unit_results u ON u.run_id = r.id "
        f"WHERE r.id IN ({_LATEST}){{where}} "
        "WINDOW w AS (PARTITION BY r.scorecard_id, u.unit ORDER BY r.period) "
        "ORDER BY u.unit, r.period, r.scorecard_id")
    # A unit row holding a cell of a type evalkit never writes; per latest run, its unit rows counted and whether
    # any is such a row (one scan, no sorting), then the first such row, to name it.
    _BAD_UNIT_CELL = ("(typeof(unit) != 'text' OR typeof(name) NOT IN ('text', 'null') "
                      "OR typeof(total) NOT IN ('real', 'integer', 'null') OR typeof(rank) NOT IN ('integer', 'null') "
                      "OR typeof(grade) NOT IN ('text', 'null'))")
    UNIT_ROWS_SQL = f"SELECT run_id, count(*), max({_BAD_UNIT_CELL}) FROM unit_results WHERE run_id IN ({_LATEST}) GROUP BY run_id"
    UNIT_CELLS_SQL = (f"SELECT run_id, unit, name, total, rank, grade FROM unit_results WHERE run_id IN ({_LATEST}) "
                      f"AND {_BAD_UNIT_CELL} LIMIT 1")

    def units_trend(self, scorecard_id: str | None = None) -> list[UnitTrendRow]:
        """`unit_trend` of every unit at once (rows by unit, then period and scorecard): one SQL statement computes
        the changes; the cells' types are checked by one more (a StoreError, exit 6, names a hand-edited cell)."""
        sql = self.UNITS_TREND_SQL.format(where=" AND r.scorecard_id = ?" if scorecard_id else "")
        run_kinds = {"id": "int", "period": "text", "scorecard_id": "text", "scorecard_version": "text?", "units": "int"}
        unit_kinds = {"run_id": "int", "unit": "text", "name": "text?", "total": "real?", "rank": "int?", "grade": "text?"}
        with _sqlite_errors(self.path):
            runs = self.conn.execute(f"SELECT id, period, scorecard_id, scorecard_version, units FROM runs "
                                     f"WHERE id IN ({self._LATEST})").fetchall()
            for run in runs:
                check_cells(self.path, "runs", f"run {run[0]!r}", dict(zip(run_kinds, run)), run_kinds)
            stats = {run_id: (n, bad) for run_id, n, bad in self.conn.execute(self.UNIT_ROWS_SQL)}
            if any(bad for _, bad in stats.values()):
                row = self.conn.execute(self.UNIT_CELLS_SQL).fetchone()
                check_cells(self.path, "unit_results", f"run {row[0]!r}, unit {row[1]!r}", dict(zip(unit_kinds, row)), unit_kinds)
            for run in runs:
                if run[4] != stats.get(run[0], (0, 0))[0]:
                    self._unit_count_error(run[0], run[4], stats.get(run[0], (0, 0))[0])
            rows = self.conn.execute(sql, (scorecard_id,) if scorecard_id else ()).fetchall()
        changes = json_numbers([row[10] for row in rows])
        return [{"period": r[0], "scorecard_id": r[1], "scorecard_version": r[2], "run": r[3], "unit": r[4], "name": r[5],
                 "total": r[6], "rank": r[7], "of": r[8], "grade": r[9], "total_change": change, "rank_change": r[11],
                 "grade_before": r[12]} for r, change in zip(rows, changes)]

    def indicator_trend(self, indicator: str, unit: str | None = None,
                        scorecard_id: str | None = None) -> list[IndicatorTrendRow]:
        """An indicator's value (and the points of the first item scoring it) per unit and period."""
        sql = ("SELECT r.period, r.scorecard_id, r.id, i.unit, u.name, i.value, i.points, i.item "
               "FROM runs r JOIN item_results i ON i.run_id = r.id "
               "JOIN unit_results u ON u.run_id = r.id AND u.unit = i.unit "
               f"WHERE i.indicator = ? AND r.id IN ({self._LATEST})"
               + (" AND i.unit = ?" if unit else "") + (" AND r.scorecard_id = ?" if scorecard_id else "")
               + " ORDER BY r.period, r.scorecard_id, i.unit, i.item")
        params = [indicator] + ([unit] if unit else []) + ([scorecard_id] if scorecard_id else [])
        with _sqlite_errors(self.path):
            rows = self.conn.execute(sql, params).fetchall()
        out: list[IndicatorTrendRow] = []
        seen = set()
        kinds = {"period": "text", "scorecard_id": "text", "run": "int", "unit": "text", "name": "text?", "value": "real?",
                 "points": "real?", "item": "text"}
        for row in rows:
            check_cells(self.path, "runs and item_results", f"run {row[2]!r}, unit {row[3]!r}, item {row[7]!r}",
                        dict(zip(kinds, row)), kinds)
            period, sc_id, run_id, uid, name, value, points, item = row
            if (run_id, uid) in seen:  # an indicator scored by two items: one value
                continue
            seen.add((run_id, uid))
            out.append({"period": period, "scorecard_id": sc_id, "run": run_id, "unit": uid, "name": name,
                        "value": value, "points": points, "item": item})
        return out


def json_numbers(values: Sequence[float | int | None]) -> list[float | int | None]:
    """`json_number` of every value of a column at once (the same rounding: numpy's at 12 decimals)."""
    array = np.round(np.array(values, dtype=np.float64), 12)
    return [None if not math.isfinite(x) else (int(x) if x.is_integer() and abs(x) < 2**53 else x) for x in array.tolist()]


def _diff(a: float | None, b: float | None) -> float | int | None:
    if a is None or b is None:
        return None
    return json_number(a - b)  # 83.1 - 82.8 shows as 0.3, not 0.29999999999999716


def _check_folder(path: Path) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileAccessError(Problem("the folder of the history store does not exist", source=str(path),
                                      expected="an existing folder", found=str(directory)))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise FileAccessError(Problem("cannot create the history store: permission denied in its folder", source=str(path)))


def check_store(path: str | os.PathLike) -> None:
    """Before any work: the store at `path` can be used (an evalkit store of a known schema, or a new file
    in an existing folder). Reads only."""
    path_obj = Path(path)
    if _inspect(path_obj) == "new":
        _check_folder(path_obj)
        return
    source = str(path_obj)
    with _sqlite_errors(source):
        conn = sqlite3.connect(source, timeout=BUSY_TIMEOUT, isolation_level=None)
    try:
        store = Store(source, conn)
        with _sqlite_errors(source):
            store._verify(*store._look())
    finally:
        conn.close()


def load_run(store: str | os.PathLike | Store, which: int | str | tuple[str, str]) -> dict[str, Any]:
    """The stored JSON result of a run: by run id, or the latest for (scorecard_id, period).

    `store` is a path (opened read-mostly, never created) or an open Store. RunNotFound (a DataError,
    exit 3) when there is no such run; FileAccessError / StoreError for a file that is not a usable store.
    """
    if isinstance(store, Store):
        return store.load(which)
    with Store.open(store, create=False) as opened:
        return opened.load(which)


# --------------------------------------------------------------------------------------------------
# Fingerprints and the `run --store` glue


def _canonical(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


canonical = _canonical  # public name, for evalkit.store.dask_store


def scorecard_hash(scorecard: Scorecard) -> str:
    """SHA-256 of the scorecard's content (its parsed document as canonical JSON): comments and layout do not count."""
    return hashlib.sha256(_canonical(scorecard.raw).encode("utf-8")).hexdigest()


def input_fingerprint(files: Mapping[str, str | os.PathLike | bytes | None],
                      options: Mapping[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """(fingerprint, description) of the inputs: the SHA-256 of each file's bytes, by role, and the options.

    The description (stored with the run) adds each file's path and size; the fingerprint does not
    depend on paths, so the same files copied elsewhere are the same inputs.
    """
    hashes: dict[str, str | None] = {}
    described: dict[str, Any] = {}
    for role in sorted(files):
        given = files[role]
        if given is None:
            hashes[role] = None
            described[role] = None
            continue
        if isinstance(given, (bytes, bytearray)):
            data, where = bytes(given), None
        else:
            try:
                data = Path(given).read_bytes()
            except OSError as exc:
                raise FileAccessError(Problem(f"cannot read the file: {exc.strerror or exc}", source=str(given))) from None
            where = str(given)
        hashes[role] = hashlib.sha256(data).hexdigest()
        described[role] = {"sha256": hashes[role], "bytes": len(data), **({"path": where} if where else {})}
    options = dict(options or {})
    fingerprint = hashlib.sha256(_canonical({"evalkit_fingerprint": FINGERPRINT_FORMAT, "files": hashes,
                                             "options": options}).encode("utf-8")).hexdigest()
    return fingerprint, {"fingerprint_format": FINGERPRINT_FORMAT, "files": described, "options": options}


def store_path(explicit: str | None = None, disabled: bool = False) -> str | None:
    """The store to use: `explicit` (--store), else $EVALKIT_STORE, else none; none with --no-store."""
    if disabled:
        return None
    if explicit:
        return explicit
    return os.environ.get(ENV_VAR) or None


@attrs.frozen
class PendingRun:
    """A run to store once it has succeeded (the store was checked before the work began)."""

    path: str
    files: Mapping[str, str | None]
    options: Mapping[str, Any]

    def store(self, evaluation: Evaluation | DistributedEvaluation, registry: Registry | None = None) -> StoredRun:
        """Store the evaluation (once per set of inputs): the period scored and the plugins loaded count as options."""
        options = dict(self.options)
        options["period"] = str(evaluation.period)  # the period scored, whether given with --period or not
        if registry is not None:
            options["plugins"] = [[p.name, p.version] for p in registry.plugins]
        fingerprint, inputs = input_fingerprint(self.files, options)
        kept = kept_files(self.files)
        with Store.open(self.path) as store:
            return store.add(evaluation, fingerprint, inputs, files=kept, plugins=options.get("plugins", []))

    def message(self, stored: StoredRun, evaluation: Evaluation | DistributedEvaluation) -> str:
        """What to tell the person: 'stored as run 3 in PATH (...)', or that the same inputs were already stored."""
        what = f"scorecard {evaluation.scorecard.id}, period {evaluation.period}"
        return (f"stored as run {stored.id} in {self.path} ({what})" if stored.created
                else f"already stored as run {stored.id} in {self.path} (same inputs; {what})")


def kept_files(files: Mapping[str, str | None]) -> list[tuple[str, str, bytes]]:
    """(role, file name, bytes) of each input file named, to keep with the run."""
    kept = []
    for role in sorted(files):
        given = files[role]
        if given is None:
            continue
        try:
            kept.append((role, Path(given).name, Path(given).read_bytes()))
        except OSError as exc:
            raise FileAccessError(Problem(f"cannot read the file: {exc.strerror or exc}", source=str(given))) from None
    return kept


def run_files(scorecard: str | os.PathLike, data: str | os.PathLike | Sequence[str | os.PathLike], units: str | os.PathLike,
              adjustments: str | os.PathLike | None = None,
              records: Sequence[str | tuple[str, str]] = ()) -> dict[str, str | None]:
    """The input files of a run by role, as the fingerprint names them.

    A folder of scheme versions counts every file in it ("scorecard:<name>"); several data files are
    "data", "data.2", ... (one file: "data"); a record source NAME=FOLDER every file under FOLDER
    ("records:NAME:<path in FOLDER>", or "records:NAME:." when FOLDER is a file), so that it is kept too.
    """
    paths = [data] if isinstance(data, (str, os.PathLike)) else list(data or ())
    files: dict[str, str | None] = {"units": str(units), "adjustments": str(adjustments) if adjustments else None}
    if Path(scorecard).is_dir():  # a folder of scheme versions: every version is an input
        files.update({f"scorecard:{p.name}": str(p) for p in sorted(Path(scorecard).iterdir()) if p.is_file()})
    else:
        files["scorecard"] = str(scorecard)
    files.update({"data" if k == 0 else f"data.{k + 1}": str(path) for k, path in enumerate(paths)})
    for source in records:
        name, folder = source if isinstance(source, tuple) else str(source).partition("=")[::2]
        files.update(record_files(name, folder))
    return files


def record_files(name: str, folder: str | os.PathLike) -> dict[str, str | None]:
    """The files of the record source NAME=FOLDER by role: "records:NAME:<posix path in FOLDER>" for every regular
    file under FOLDER (hidden ones too: a source may read them), "records:NAME:." when FOLDER is one file."""
    root = Path(folder)
    if root.is_file():
        return {f"records:{name}:.": str(root)}
    if not root.is_dir():
        return {}  # the source reports a missing folder itself, when the run reads it
    return {f"records:{name}:{p.relative_to(root).as_posix()}": str(p) for p in sorted(root.rglob("*")) if p.is_file()}


def read_options(wide: bool | None = None, encoding: str | None = None, sheets: Sequence[str] = (),
                 records: Sequence[str | tuple[str, str]] = ()) -> dict[str, Any]:
    """The options of a run that change how its kept files are read, as stored with it (only those given, so that a
    run without them keeps the fingerprint it always had): recompute reads the files the same way."""
    out: dict[str, Any] = {}
    if records:
        out["records"] = [s if isinstance(s, str) else f"{s[0]}={s[1]}" for s in records]
        out["records_kept"] = True  # the sources' files are kept (runs stored before this have the names only)
    if wide is not None:
        out["wide"] = bool(wide)
    if encoding:
        out["encoding"] = str(encoding)
    if sheets:
        out["sheets"] = [str(x) for x in sheets]
    return out


def pending_run(path: str | None, files: Mapping[str, str | None], options: Mapping[str, Any] | None = None) -> PendingRun | None:
    """A run to store in the store at `path` (None: no store), after checking that the store can be used."""
    if path is None:
        return None
    check_store(path)
    return PendingRun(path=str(path), files=dict(files), options=dict(options or {}))


__all__ = ["APPLICATION_ID", "ENV_VAR", "MIGRATIONS", "SCHEMA_VERSION", "IndicatorTrendRow", "PendingRun", "RunNotFound",
           "RunRow", "Store", "StoreError", "StoredRun", "UnitTrendRow", "check_cells", "check_store",
           "input_fingerprint", "json_numbers", "kept_files", "load_run", "pending_run", "read_options", "record_files", "run_files",
           "scorecard_hash", "store_path",
           "stored_json"]
