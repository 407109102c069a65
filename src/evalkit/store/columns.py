"""A run's per-unit rows built from whole columns, and the run digest taken column by column (schema v4 on).

`Store.add` of an Evaluation writes the rows of ``unit_results`` and ``item_results`` from the Evaluation's
arrays (each column converted once with ``.tolist()``, in blocks, through ``executemany``), never from the JSON
result it stores beside them, and takes the run's ledger digest from the same columns while it writes them,
instead of reading every row back. From schema v5 on, ``item_results`` is one B-tree keyed (run_id, indicator,
unit, item) (``WITHOUT ROWID``) and the item rows are written in that key order: item by item (grouped by
indicator), every unit of an item at once, each column a slice of the item's own array.

**Digest format 3** (the ``ledger.digest`` of runs stored from schema v5 on: ``"3:"`` + 64 hex digits). It
is the SHA-256 of a small canonical header (the format, the run row cell by cell, the kept files, the row
counts) followed by one SHA-256 per column, in a fixed order: the ``unit_results`` columns (rows ordered by
unit id) and the ``item_results`` columns (rows in the table's key order: indicator, unit id, item id). A text
column hashes each cell as its UTF-8 bytes followed by a NUL (an empty cell, or one holding a NUL, as 0xFF, its
JSON and a NUL: never the bytes of a text); a number column (REAL, and the INTEGER rank) hashes the cells as
float64 bytes, empty (NULL) as NaN, -0.0 as 0.0. Both encodings are the same however the rows are split into
blocks, so `evalkit history verify` recomputes the digest by reading the rows back in blocks, in key order with
no sort (`stored_run_digest`), and compares. A cell of a type evalkit never writes there (text in a number
column, a BLOB anywhere) hashes as a marker that no stored value gives, so the edit shows.

**Digest format 2** (runs stored by schema v4, ``"2:"``) is the same with the item rows ordered by unit id, then
item id; those runs keep it and are checked as they were (reading their rows back sorted). Runs stored before v4
keep their digest of format 1 (`evalkit.store.ledger.run_digest`).
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

DIGEST_FORMAT = 3  # of runs stored now
DIGEST_PREFIX = "3:"
DIGEST_PREFIXES = {"2:": 2, "3:": 3}  # the digest formats `stored_run_digest` recomputes (format 1: ledger.run_digest)
BLOCK_ROWS = 1 << 17  # item rows per block written
ITEM_ORDER = {2: "unit, item", 3: "indicator, unit, item"}  # the item rows' order in a digest of each format

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
    """The digest of a run (format 3, or 2), fed block by block: `units(...)` and `items(...)` take columns by name,
    the item rows in the format's order (`ITEM_ORDER`)."""

    def __init__(self, run_row: Sequence[Any], files: Sequence[Sequence[Any]], digest_format: int = DIGEST_FORMAT) -> None:
        if digest_format not in ITEM_ORDER:
            raise ValueError(f"no run digest of format {digest_format}")
        self.format = digest_format
        self.run(run_row, files)
        self._columns = {f"units.{c}": hashlib.sha256() for c in UNIT_FIELDS}
        self._columns.update({f"items.{c}": hashlib.sha256() for c in ITEM_FIELDS})
        self._counts = {"units": 0, "items": 0}

    def run(self, run_row: Sequence[Any], files: Sequence[Sequence[Any]]) -> None:
        """The run row (cells in `RUN_FIELDS` order) and kept files: given when the digest is made, or later when
        the rows are fed before the run row is complete."""
        self._head = hashlib.sha256(b"evalkit run digest %d\n" % self.format)
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
        """A block of item rows (in the order of the digest's format), as columns."""
        self._feed("items", columns, checked)

    def hexdigest(self) -> str:
        head = json.dumps({"format": self.format, "files": self._files, "counts": self._counts},
                          sort_keys=True, ensure_ascii=True, separators=(",", ":"))
        total = hashlib.sha256(head.encode())
        total.update(self._head.digest())
        for name in sorted(self._columns):
            total.update(name.encode() + b"=" + self._columns[name].digest())
        return f"{self.format}:" + total.hexdigest()


def digest_format(digest: str) -> int:
    """The format of a run's ledger digest: 3 or 2 (``"3:"`` / ``"2:"`` + hex), else 1 (`ledger.run_digest`)."""
    return DIGEST_PREFIXES.get(digest[:2], 1)


def stored_run_digest(conn: sqlite3.Connection, run_id: int, block: int = 65536,
                      digest_format: int = DIGEST_FORMAT) -> str | None:
    """The digest (format 3, or 2) of a run as it is now, its rows read back in blocks (None: no such run)."""
    row = conn.execute(f"SELECT {', '.join(RUN_FIELDS)} FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        return None
    return rows_digest(conn, run_id, row, block, digest_format)


def rows_digest(conn: sqlite3.Connection, run_id: int, row: Sequence[Any], block: int = 65536,
                digest_format: int = DIGEST_FORMAT) -> str:
    """The digest of run `run_id` whose run row is `row` (cells in `RUN_FIELDS` order; the result may be given as
    its `TextSha256`), its files and per-unit rows read back in blocks."""
    files = conn.execute("SELECT role, name, sha256 FROM run_files WHERE run_id = ? ORDER BY role", (run_id,)).fetchall()
    digest = RunDigest(row, files, digest_format)
    for table, fields, order in (("unit_results", UNIT_FIELDS, "unit"), ("item_results", ITEM_FIELDS, ITEM_ORDER[digest_format])):
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
    """The unit_results and item_results rows of an Evaluation, as columns: unit rows ordered by unit id, item rows in
    the table's key order (indicator, unit id, item id).

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
        groups: dict[str, list[Any]] = {}
        for key in sorted(ev.items):
            groups.setdefault(ev.items[key].item.indicator, []).append(ev.items[key])
        self.groups = sorted(groups.items())  # (indicator, its items' results by item id), by indicator
        self.digest: RunDigest | None = None  # fed the rows as `write` inserts them

    @property
    def units(self) -> int:
        return len(self.ids)

    def unit_rows(self, run_id: int) -> Iterator[tuple[Any, ...]]:
        c = self.unit_columns
        return zip(itertools.repeat(run_id), c["unit"], c["name"], c["type"], c["total"].tolist(), c["rank"], c["grade"])

    def item_blocks(self, block: int = BLOCK_ROWS) -> Iterator[dict[str, Any]]:
        """The item rows in key order, about `block` rows at a time, as columns (numbers as float64 arrays): an
        indicator's items together, unit by unit (one item per indicator, the usual case: the item's own columns)."""
        for indicator, results in self.groups:
            yield from self.group_blocks(indicator, results, block)

    def group_blocks(self, indicator: str, results: Sequence[Any], block: int = BLOCK_ROWS) -> Iterator[dict[str, Any]]:
        """The item rows of one indicator (`results`: its items' results, by item id), about `block` rows at a time."""
        k = len(results)
        step = max(1, block // k)
        for start in range(0, len(self.ids), step):
            rows = self.perm[start:start + step]
            ids = self.ids[start:start + step]
            columns: dict[str, Any] = {name: np.empty((len(rows), k), dtype=np.float64) for name in ("value", "points", "score")}
            for j, r in enumerate(results):
                values = np.asarray(r.values)
                columns["value"][:, j] = values[rows] if values.ndim == 1 else np.nan
                columns["points"][:, j] = r.points[rows]
                columns["score"][:, j] = r.score[rows]
            for name in ("value", "points", "score"):
                columns[name] = (columns[name] + 0.0).ravel()  # -0.0 as 0.0
            columns["unit"] = ids if k == 1 else [u for u in ids for _ in range(k)]
            columns["item"] = [r.item.id for r in results] * len(rows)
            columns["indicator"] = [indicator] * (len(rows) * k)
            yield columns

    def write(self, conn: sqlite3.Connection, run_id: int) -> None:
        """Insert the rows (inside the caller's transaction) and feed them to `self.digest`."""
        digest = self.digest if self.digest is not None else RunDigest((), ())
        digest.units(self.unit_columns)
        conn.executemany("INSERT INTO unit_results (run_id, unit, name, type, total, rank, grade) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         self.unit_rows(run_id))
        sql = "INSERT INTO item_results (run_id, indicator, unit, item, value, points, score) VALUES (?, ?, ?, ?, ?, ?, ?)"
        for columns in self.item_blocks():
            digest.items(columns)
            conn.executemany(sql, zip(itertools.repeat(run_id), columns["indicator"], columns["unit"], columns["item"],
                                      columns["value"].tolist(), columns["points"].tolist(), columns["score"].tolist()))


__all__ = ["BLOCK_ROWS", "DIGEST_FORMAT", "DIGEST_PREFIX", "DIGEST_PREFIXES", "ITEM_FIELDS", "ITEM_ORDER", "RUN_FIELDS", "UNIT_FIELDS",
           "EvaluationRows",
           "RunDigest", "TextSha256", "digest_format", "rows_digest", "stored_run_digest"]
