"""A run's per-unit rows built from whole columns, and the run digest taken column by column (schema v4 on).

`Store.add` of an Evaluation writes the rows of ``unit_results`` and ``item_results`` from the Evaluation's
arrays (each column converted once with ``.tolist()``, in blocks of units, through ``executemany``), never
from the JSON result it stores beside them, and takes the run's ledger digest from the same columns while it
writes them, instead of reading every row back.

**Digest format 2** (the ``ledger.digest`` of runs stored from schema v4 on: ``"2:"`` + 64 hex digits). It
is the SHA-256 of a small canonical header (the format, the run row cell by cell, the kept files, the row
counts) followed by one SHA-256 per column, in a fixed order: the ``unit_results`` columns (rows ordered by
unit id) and the ``item_results`` columns (rows ordered by unit id, then item id). A text column hashes each
cell as its UTF-8 bytes followed by a NUL (an empty cell, or one holding a NUL, as 0xFF, its JSON and a NUL:
never the bytes of a text); a number column (REAL, and the INTEGER rank) hashes the cells as float64 bytes,
empty (NULL) as NaN, -0.0 as 0.0. Both encodings are the same however the rows are
split into blocks, so `evalkit history verify` recomputes the digest by reading the rows back in blocks
(`stored_run_digest`) and compares. A cell of a type evalkit never writes there (text in a number column,
a BLOB anywhere) hashes as a marker that no stored value gives, so the edit shows. Runs stored before v4
keep their digest of format 1 (`evalkit.store.ledger.run_digest`), checked as they were.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation

DIGEST_FORMAT = 2
DIGEST_PREFIX = "2:"
BLOCK_UNITS = 4096  # units per block of item rows written (x items rows each)

UNIT_FIELDS = ("unit", "name", "type", "total", "rank", "grade")
ITEM_FIELDS = ("unit", "item", "indicator", "value", "points", "score")
NUMBER_FIELDS = frozenset({"total", "rank", "value", "points", "score"})
RUN_FIELDS = ("fingerprint", "scorecard_id", "scorecard_version", "scorecard_hash", "period", "stored_at",
              "evalkit_version", "units", "inputs", "result", "plugins", "supersedes", "appeal")
_WRONG_TYPE = b"\xff not a value evalkit writes \xff"
_NONE = type(None)


class TextSha256(bytes):
    """The SHA-256 of a text cell's UTF-8 bytes, taken while the text was written a piece at a time (a Dask run's
    result): the digest counts it as it counts the text itself."""


def _cell(value: Any) -> bytes:
    """One cell of the run row, typed: text as the SHA-256 of its UTF-8 bytes (the result text is not copied into a
    JSON document, nor encoded whole)."""
    if value is None:
        return b"N;"
    if isinstance(value, TextSha256):
        return b"T" + bytes(value)
    if isinstance(value, bool) or not isinstance(value, (int, float, str, bytes)):
        return _WRONG_TYPE
    if isinstance(value, int):
        return b"I%d;" % value
    if isinstance(value, float):
        return b"F" + repr(value).encode() + b";"
    if isinstance(value, bytes):
        return b"B%d:" % len(value) + value
    text = hashlib.sha256()  # the SHA-256 of the UTF-8 bytes, encoded a slice at a time: no copy of a large result
    for start in range(0, len(value), 1 << 20):
        text.update(value[start:start + (1 << 20)].encode("utf-8", "surrogatepass"))
    return b"T" + text.digest()


def _numbers(values: Any) -> bytes:
    """float64 bytes of a number column: NaN (canonical) for empty, 0.0 for -0.0."""
    array = np.array(values, dtype=np.float64) + 0.0  # a copy; -0.0 + 0.0 is 0.0
    array[np.isnan(array)] = np.nan
    return array.tobytes()


_EMPTY_TEXT_CELL = b"\xffnull\x00"  # an empty (NULL) cell of a text column: 0xFF, its JSON and a NUL


def _text_cell(value: Any) -> bytes:
    """One cell of a text column: its UTF-8 bytes and a NUL; anything else (empty, a NUL inside, a number, a BLOB)
    as 0xFF (never in UTF-8), its JSON (no NUL: escaped) and a NUL, so no two cells read the same."""
    if value is None:
        return _EMPTY_TEXT_CELL
    if isinstance(value, str) and "\x00" not in value:
        return value.encode("utf-8", "surrogatepass") + b"\x00"
    try:
        return b"\xff" + json.dumps(value, ensure_ascii=True, allow_nan=False).encode() + b"\x00"
    except (TypeError, ValueError):  # a BLOB where evalkit writes text
        return _WRONG_TYPE


def _texts(values: Sequence[Any]) -> bytes:
    """A text column's cells, each encoded by `_text_cell` (the same bytes however the column is split in blocks);
    a column of plain text, the usual case, in one join."""
    try:
        joined = "\x00".join(values)
    except TypeError:  # an empty cell, or a value that is not text
        empty = values.count(None)
        if empty == len(values):  # a column left empty (a unit's type when the data gives none): no cell to encode
            return _EMPTY_TEXT_CELL * empty
        return b"".join(map(_text_cell, values))
    if joined.count("\x00") != max(len(values) - 1, 0):
        return b"".join(map(_text_cell, values))
    return (joined + "\x00").encode("utf-8", "surrogatepass") if values else b""


class RunDigest:
    """The format 2 digest of a run, fed block by block: `units(...)` and `items(...)` take columns by name."""

    def __init__(self, run_row: Sequence[Any], files: Sequence[Sequence[Any]]) -> None:
        self.run(run_row, files)
        self._columns = {f"units.{c}": hashlib.sha256() for c in UNIT_FIELDS}
        self._columns.update({f"items.{c}": hashlib.sha256() for c in ITEM_FIELDS})
        self._counts = {"units": 0, "items": 0}

    def run(self, run_row: Sequence[Any], files: Sequence[Sequence[Any]]) -> None:
        """The run row (cells in `RUN_FIELDS` order) and kept files: given when the digest is made, or later when
        the rows are fed before the run row exists (a Dask run, `evalkit.store.dask_store`)."""
        self._head = hashlib.sha256(b"evalkit run digest 2\n")
        for value in run_row:
            self._head.update(_cell(value))
        self._files = [[str(x) for x in f] for f in files]

    def _feed(self, table: str, columns: Mapping[str, Any], checked: bool) -> None:
        fields = UNIT_FIELDS if table == "units" else ITEM_FIELDS
        self._counts[table] += len(columns[fields[0]])
        for name in fields:
            values = columns[name]
            if name in NUMBER_FIELDS:
                allowed = {float, _NONE} if name != "rank" else {int, _NONE}
                ok = not checked or set(map(type, values)) <= allowed
                self._columns[f"{table}.{name}"].update(_numbers(values) if ok else _WRONG_TYPE)
            else:
                self._columns[f"{table}.{name}"].update(_texts(values))

    def units(self, columns: Mapping[str, Any], checked: bool = False) -> None:
        """A block of unit rows (ordered by unit id), as columns; `checked`: refuse cells of the wrong type (read back)."""
        self._feed("units", columns, checked)

    def items(self, columns: Mapping[str, Any], checked: bool = False) -> None:
        """A block of item rows (ordered by unit id, then item id), as columns."""
        self._feed("items", columns, checked)

    def hexdigest(self) -> str:
        head = json.dumps({"format": DIGEST_FORMAT, "files": self._files, "counts": self._counts},
                          sort_keys=True, ensure_ascii=True, separators=(",", ":"))
        total = hashlib.sha256(head.encode())
        total.update(self._head.digest())
        for name in sorted(self._columns):
            total.update(name.encode() + b"=" + self._columns[name].digest())
        return DIGEST_PREFIX + total.hexdigest()


def stored_run_digest(conn: sqlite3.Connection, run_id: int, block: int = 65536) -> str | None:
    """The format 2 digest of a run as it is now, its rows read back in blocks (None: no such run)."""
    row = conn.execute(f"SELECT {', '.join(RUN_FIELDS)} FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        return None
    return rows_digest(conn, run_id, row, block)


def rows_digest(conn: sqlite3.Connection, run_id: int, row: Sequence[Any], block: int = 65536) -> str:
    """The format 2 digest of run `run_id` whose run row is `row` (cells in `RUN_FIELDS` order; the result may be
    given as its `TextSha256`), its files and per-unit rows read back in blocks."""
    files = conn.execute("SELECT role, name, sha256 FROM run_files WHERE run_id = ? ORDER BY role", (run_id,)).fetchall()
    digest = RunDigest(row, files)
    for table, fields, order in (("unit_results", UNIT_FIELDS, "unit"), ("item_results", ITEM_FIELDS, "unit, item")):
        cursor = conn.execute(f"SELECT {', '.join(fields)} FROM {table} WHERE run_id = ? ORDER BY {order}", (run_id,))
        while rows := cursor.fetchmany(block):
            columns = dict(zip(fields, zip(*rows)))
            (digest.units if table == "unit_results" else digest.items)(columns, checked=True)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------------
# The rows of an Evaluation, from its arrays


def _texts_or_none(values: Sequence[Any]) -> list[str | None]:
    return [None if v is None else str(v) for v in values]


class EvaluationRows:
    """The unit_results and item_results rows of an Evaluation, ordered by unit id (then item id), as columns.

    The same cells `Evaluation.to_dict()` gives, as SQLite keeps them: numbers as floats (NaN: empty), a rule
    reading several indicators has no single value (empty), -0.0 as 0.0.
    """

    def __init__(self, evaluation: Evaluation) -> None:
        from evalkit.scoring.grading import NO_GRADE

        ev = evaluation
        ids = list(ev.units.ids)
        order = sorted(range(len(ids)), key=ids.__getitem__)
        self.perm = np.asarray(order, dtype=np.intp)
        self.ids = [ids[i] for i in order]
        names, types = ev.units.names, ev.units.types
        bands = [b.grade for b in ev.scorecard.grading.bands] if ev.scorecard.grading is not None else []
        grades = ev.grades[self.perm].tolist()
        self.unit_columns: dict[str, Any] = {
            "unit": self.ids,
            "name": _texts_or_none([names[i] for i in order]),
            "type": _texts_or_none([types[i] for i in order]),
            "total": np.asarray(ev.totals, dtype=np.float64)[self.perm] + 0.0,
            "rank": [int(x) for x in np.asarray(ev.ranks)[self.perm].tolist()],
            "grade": [None if g == NO_GRADE or not bands else bands[g] for g in grades],
        }
        self.item_ids = sorted(ev.items)
        self.indicators = [ev.items[k].item.indicator for k in self.item_ids]
        self._results = [ev.items[k] for k in self.item_ids]
        self.digest: RunDigest | None = None  # fed the rows as `write` inserts them

    @property
    def units(self) -> int:
        return len(self.ids)

    def unit_rows(self, run_id: int) -> Iterator[tuple[Any, ...]]:
        c = self.unit_columns
        return zip(itertools.repeat(run_id), c["unit"], c["name"], c["type"], c["total"].tolist(), c["rank"], c["grade"])

    def item_blocks(self, block: int = BLOCK_UNITS) -> Iterator[dict[str, Any]]:
        """The item rows of `block` units at a time, as columns (numbers as float64 arrays)."""
        m = len(self.item_ids)
        for start in range(0, len(self.ids), block):
            rows = self.perm[start:start + block]
            k = len(rows)
            matrices = {name: np.empty((k, m), dtype=np.float64) for name in ("value", "points", "score")}
            for j, r in enumerate(self._results):
                values = np.asarray(r.values)
                matrices["value"][:, j] = values[rows] if values.ndim == 1 else np.nan
                matrices["points"][:, j] = r.points[rows]
                matrices["score"][:, j] = r.score[rows]
            chunk_ids = self.ids[start:start + block]
            yield {"unit": [u for u in chunk_ids for _ in range(m)], "item": self.item_ids * k,
                   "indicator": self.indicators * k,
                   **{name: (x + 0.0).ravel() for name, x in matrices.items()}}

    def write(self, conn: sqlite3.Connection, run_id: int) -> None:
        """Insert the rows (inside the caller's transaction) and feed them to `self.digest`."""
        digest = self.digest if self.digest is not None else RunDigest((), ())
        digest.units(self.unit_columns)
        conn.executemany("INSERT INTO unit_results (run_id, unit, name, type, total, rank, grade) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         self.unit_rows(run_id))
        sql = "INSERT INTO item_results (run_id, unit, item, indicator, value, points, score) VALUES (?, ?, ?, ?, ?, ?, ?)"
        for columns in self.item_blocks():
            digest.items(columns)
            conn.executemany(sql, zip(itertools.repeat(run_id), columns["unit"], columns["item"], columns["indicator"],
                                      columns["value"].tolist(), columns["points"].tolist(), columns["score"].tolist()))


__all__ = ["BLOCK_UNITS", "DIGEST_FORMAT", "DIGEST_PREFIX", "ITEM_FIELDS", "RUN_FIELDS", "UNIT_FIELDS", "EvaluationRows",
           "RunDigest", "TextSha256", "rows_digest", "stored_run_digest"]
