"""The store's kept inputs and its hash chain (schema version 3 of the history store).

Plain helpers on an open sqlite3 connection, used by evalkit.store.history (storing a run), evalkit.store.archive
(show, recompute, verify) and evalkit.store.appeals (publication, appeals, decisions, rectification):

- **Inputs, content-addressed.** ``blobs(sha256, size, data)`` holds every input file once: the key is the
  SHA-256 of the file's bytes, ``data`` the bytes compressed with zlib. ``run_files(run_id, role, name, sha256)``
  says which file played which role in a run (scorecard, data, units, adjustments) under which file name (the
  loaders read the suffix). The same scorecard text stored by a hundred runs is one blob.
- **Append-only with a hash chain.** ``ledger(seq, kind, ref, at, digest, prev, hash)`` has one row per record
  (a run, a publication, an appeal, a decision, a rectification entry or update): ``digest`` is the SHA-256 of
  the record's content as canonical JSON, ``prev`` the ``hash`` of the row before, and ``hash`` =
  SHA-256(prev + kind + ref + digest). A change to any kept record (its result text, a unit row, an input
  file) no longer matches its digest, and a removed or reordered row breaks the chain: ``evalkit history
  verify`` names the record. Triggers refuse UPDATE and DELETE on every kept table, so evalkit itself can only
  append.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.store.columns import digest_format, stored_run_digest

GENESIS = "0" * 64
KEPT_TABLES = ("runs", "unit_results", "item_results", "blobs", "run_files", "records", "ledger")


def canonical(doc: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text (what every digest is taken of)."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def create_tables(conn: sqlite3.Connection) -> None:
    """The v3 tables and the append-only triggers (run inside the migration's transaction)."""
    conn.execute("""CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
        size INTEGER NOT NULL,
        data BLOB NOT NULL)""")
    conn.execute("""CREATE TABLE run_files (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        role TEXT NOT NULL,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL REFERENCES blobs (sha256),
        PRIMARY KEY (run_id, role))""")
    conn.execute("""CREATE TABLE records (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        run_id INTEGER REFERENCES runs (id),
        subject INTEGER,
        at TEXT NOT NULL,
        body TEXT NOT NULL)""")
    conn.execute("CREATE INDEX records_by_kind ON records (kind, run_id, id)")
    conn.execute("""CREATE TABLE ledger (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        ref INTEGER NOT NULL,
        at TEXT NOT NULL,
        digest TEXT NOT NULL,
        prev TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE)""")
    conn.execute("ALTER TABLE runs ADD COLUMN plugins TEXT")
    conn.execute("ALTER TABLE runs ADD COLUMN supersedes INTEGER")
    conn.execute("ALTER TABLE runs ADD COLUMN appeal INTEGER")


def protect(conn: sqlite3.Connection) -> None:
    """Triggers that refuse UPDATE and DELETE on every kept table: the store is append-only."""
    for table in KEPT_TABLES:
        for action in ("UPDATE", "DELETE"):
            conn.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table} "
                         f"BEGIN SELECT RAISE(ABORT, 'the evalkit history store is append-only: {table} rows are never "
                         f"changed or removed'); END")


def put_blob(conn: sqlite3.Connection, data: bytes) -> str:
    """Keep `data` once (zlib-compressed) and return its SHA-256."""
    digest = hashlib.sha256(data).hexdigest()
    conn.execute("INSERT OR IGNORE INTO blobs (sha256, size, data) VALUES (?, ?, ?)",
                 (digest, len(data), zlib.compress(data, 9)))
    return digest


def get_blob(conn: sqlite3.Connection, digest: str) -> bytes | None:
    """The bytes kept under `digest`; None when missing, damaged or not matching its hash."""
    row = conn.execute("SELECT data FROM blobs WHERE sha256 = ?", (digest,)).fetchone()
    if row is None or not isinstance(row[0], bytes):
        return None
    try:
        data = zlib.decompress(row[0])
    except zlib.error:
        return None
    return data if hashlib.sha256(data).hexdigest() == digest else None


def link_hash(prev: str, kind: str, ref: int, digest: str) -> str:
    return sha256_text(f"{prev}\n{kind}\n{ref}\n{digest}")


def append(conn: sqlite3.Connection, kind: str, ref: int, at: str, digest: str) -> str:
    """Add a record to the chain (inside the caller's write transaction); returns its hash."""
    row = conn.execute("SELECT hash FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS
    link = link_hash(prev, kind, ref, digest)
    conn.execute("INSERT INTO ledger (kind, ref, at, digest, prev, hash) VALUES (?, ?, ?, ?, ?, ?)",
                 (kind, ref, at, digest, prev, link))
    return link


RUN_FIELDS = ("fingerprint", "scorecard_id", "scorecard_version", "scorecard_hash", "period", "stored_at",
              "evalkit_version", "units", "inputs", "result", "plugins", "supersedes", "appeal")


def run_digest(conn: sqlite3.Connection, run_id: int) -> str | None:
    """The digest (format 1: runs stored before schema v4) of a run as it is now: its row, its unit and item rows
    and its kept files (None: no such run). Runs stored from v4 on: `evalkit.store.columns.stored_run_digest`."""
    row = conn.execute(f"SELECT {', '.join(RUN_FIELDS)} FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        return None
    units = conn.execute("SELECT unit, name, type, total, rank, grade FROM unit_results WHERE run_id = ? ORDER BY unit",
                         (run_id,)).fetchall()
    items = conn.execute("SELECT unit, item, indicator, value, points, score FROM item_results WHERE run_id = ? "
                         "ORDER BY unit, item", (run_id,)).fetchall()
    files = conn.execute("SELECT role, name, sha256 FROM run_files WHERE run_id = ? ORDER BY role", (run_id,)).fetchall()
    return sha256_text(canonical({"run": [repr(v) for v in row], "units": [[repr(v) for v in u] for u in units],
                                  "items": [[repr(v) for v in i] for i in items], "files": [list(f) for f in files]}))


def record_digest(conn: sqlite3.Connection, record_id: int) -> str | None:
    """The digest of a record (publication, appeal, decision, rectification) as it is now."""
    row = conn.execute("SELECT kind, run_id, subject, at, body FROM records WHERE id = ?", (record_id,)).fetchone()
    if row is None:
        return None
    return sha256_text(canonical([repr(v) for v in row]))


def check_chain(conn: sqlite3.Connection) -> list[str]:
    """Every break in the chain and every record whose content no longer matches its digest, as sentences."""
    problems: list[str] = []
    prev = GENESIS
    chained: dict[str, set[int]] = {"run": set(), "record": set()}
    for seq, kind, ref, digest, before, link in conn.execute(
            "SELECT seq, kind, ref, digest, prev, hash FROM ledger ORDER BY seq").fetchall():
        what = f"run {ref}" if kind == "run" else f"record {ref}"
        if before != prev:
            problems.append(f"ledger entry {seq} ({what}) does not follow the entry before it: a record was removed, "
                            "inserted or reordered")
        if link != link_hash(str(before), str(kind), int(ref), str(digest)):
            problems.append(f"ledger entry {seq} ({what}) does not hash to what it says")
        if kind == "run":
            fmt = digest_format(str(digest))
            now = stored_run_digest(conn, ref, digest_format=fmt) if fmt > 1 else run_digest(conn, ref)
        else:
            now = record_digest(conn, ref)
        if now is None:
            problems.append(f"{what} is in the ledger but missing from the store")
        elif now != digest:
            problems.append(f"{what} was changed after it was stored (its content no longer matches the ledger)")
        chained["run" if kind == "run" else "record"].add(int(ref))
        prev = str(link)
    for (run_id,) in conn.execute("SELECT id FROM runs ORDER BY id").fetchall():
        if run_id not in chained["run"]:
            problems.append(f"run {run_id} is not in the ledger: it was added outside evalkit")
    for (record_id,) in conn.execute("SELECT id FROM records ORDER BY id").fetchall():
        if record_id not in chained["record"]:
            problems.append(f"record {record_id} is not in the ledger: it was added outside evalkit")
    return problems


def store_files(conn: sqlite3.Connection, run_id: int, files: Sequence[tuple[str, str, bytes]]) -> None:
    """Keep a run's input files: (role, file name, bytes) each."""
    for role, name, data in files:
        conn.execute("INSERT INTO run_files (run_id, role, name, sha256) VALUES (?, ?, ?, ?)",
                     (run_id, role, name, put_blob(conn, data)))


def add_record(conn: sqlite3.Connection, kind: str, run_id: int | None, subject: int | None, at: str,
               body: Mapping[str, Any]) -> int:
    """Append a record (inside the caller's write transaction) and chain it; returns its id."""
    cursor = conn.execute("INSERT INTO records (kind, run_id, subject, at, body) VALUES (?, ?, ?, ?, ?)",
                          (kind, run_id, subject, at, canonical(dict(body))))
    record_id = int(cursor.lastrowid or 0)
    append(conn, "record", record_id, at, record_digest(conn, record_id) or "")
    return record_id


__all__ = ["GENESIS", "KEPT_TABLES", "add_record", "append", "canonical", "check_chain", "get_blob", "protect",
           "put_blob", "record_digest", "run_digest", "sha256_text", "store_files"]
