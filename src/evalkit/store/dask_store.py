"""A Dask run into the history store, a partition at a time: the same rows, result text and ledger digest as
storing the in-memory Evaluation of the same inputs (`Store.add` of a `DistributedEvaluation` comes here).

Each partition is scored again on the workers into its full Evaluation, with the global ranks, grades and
quota moves put in (`evalkit.scoring.distributed.partition_evaluation`); the workers hand back, one partition
at a time (at most two computed at once, one held by the client), that partition's rows of ``unit_results`` and
``item_results`` as columns (`EvaluationRows`, the in-memory path's own), its units' lines of the JSON result
(`evalkit.scoring.result_json.unit_lines`, the bytes `Evaluation.to_json()` writes) and its missing data
(on a distributed cluster the next partition is computed while the client writes the one before).
The client writes the rows with the in-memory path's ``executemany`` as they come, and spills the JSON lines
to a temporary file; it holds only what it held already (every unit's id, name, total, rank and grade) plus
one partition's rows and two offsets per unit.

The result text (units in rank order, across partitions) is then written into the run row through SQLite's
incremental blob I/O, a block of units at a time, after a placeholder of its exact length: it is never one
string in this process. The run's ledger digest (the in-memory path's format, its item rows in the table's key
order: indicator, unit, item) is taken from the rows read back in blocks once they are all written, as `evalkit
history verify` takes it.
Everything is one transaction: a partition that fails leaves the store as it was.
"""

from __future__ import annotations

import collections
import hashlib
import itertools
import mmap
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, cast

import attrs
import numpy as np

from evalkit.errors import UsageError
from evalkit.store import ledger
from evalkit.store.columns import BLOCK_ROWS, RUN_FIELDS, EvaluationRows, TextSha256, rows_digest

if TYPE_CHECKING:
    from evalkit.scoring.distributed import DistributedEvaluation
    from evalkit.store.history import Store, StoredRun

BLOCK_UNITS = 20_000  # units of the result text read back from the spill and written at a time
SEPARATOR = b",\n"


def stored_piece(evaluation: Any) -> dict[str, Any]:
    """On a worker: what the store needs of one partition's full Evaluation."""
    from evalkit.scoring.result_json import unit_lines

    rows = EvaluationRows(evaluation)
    n = rows.units
    # the item rows of each indicator as three float columns (units by id, then its items): the client repeats the
    # ids a block at a time
    items = []
    for indicator, results in rows.groups:
        block = next(rows.group_blocks(indicator, results, block=max(n * len(results), 1)), None)
        if block is not None:
            items.append((indicator, [r.item.id for r in results], {name: block[name] for name in ("value", "points", "score")}))
    lines = [line.encode("utf-8") for line in unit_lines(evaluation, np.arange(n, dtype=np.intp), indent="  ")]
    shares = {k: None if isinstance(r.share, np.ndarray) else float(r.share) for k, r in evaluation.items.items()}
    return {"units": rows.unit_columns, "items": items, "lines": b"".join(lines),
            "lengths": np.fromiter(map(len, lines), dtype=np.int64, count=n), "missing": evaluation.missing_data(),
            "shares": shares, "notes": tuple(evaluation.notes), "assessment": evaluation.assessment is not None}


def check_storable(run: DistributedEvaluation) -> None:
    """UsageError (exit 64) for a Dask run the store cannot take: before any work."""
    if run.plan is None:
        raise UsageError("this Dask run has no partition plan (made by an older evalkit): score it again to store it")


@attrs.frozen
class _Share:
    share: Any  # a float, or an array where some partition re-weighted the item (the JSON shows none)


class _AlreadyStored(Exception):
    def __init__(self, run_id: int) -> None:
        self.run_id = run_id


def _merge_missing(pieces: Sequence[Any], order: Sequence[str]) -> Any:
    from evalkit.scoring.missing import MissingData

    def merged(attr: str) -> dict[str, tuple[str, ...]]:
        out = {}
        for item in order:
            ids = [u for m in pieces for u in getattr(m, attr).get(item, ())]
            if ids:
                out[item] = tuple(sorted(ids))
        return out

    return MissingData(units_without_data=tuple(sorted(u for m in pieces for u in m.units_without_data)),
                       scored_zero=merged("scored_zero"), reweighted=merged("reweighted"))


def store_dask_run(store: Store, run: DistributedEvaluation, fingerprint: str | None = None,
                   inputs: Mapping[str, Any] | None = None, files: Sequence[tuple[str, str, bytes]] = (),
                   plugins: Sequence[Sequence[str]] | None = None, supersedes: int | None = None,
                   appeal: int | None = None) -> StoredRun:
    """Store a Dask run (on the Dask scheduler in use) as `Store.add` stores the in-memory Evaluation."""
    from evalkit.store.history import StoredRun, canonical, evalkit_version, now, sqlite_errors

    check_storable(run)
    plan = run.plan
    assert plan is not None  # check_storable
    conn = store.conn
    try:
        with sqlite_errors(store.path), store.transaction():
            if fingerprint is not None:
                row = conn.execute("SELECT id FROM runs WHERE fingerprint = ?", (fingerprint,)).fetchone()
                if row is not None:
                    return StoredRun(id=row[0], created=False)
            run_id = int(conn.execute("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'runs'), 0), "
                                      "coalesce((SELECT max(id) FROM runs), 0)) + 1").fetchone()[0])
            with tempfile.TemporaryFile() as spill:
                lengths, missing, shares, notes = [], [], [], []
                for piece in _one_at_a_time(plan.tasks(stored_piece)):
                    if piece["assessment"]:
                        raise UsageError("storing a Dask run: several assessors' values were combined (自评与考评); "
                                         "store the in-memory run")
                    _write_rows(conn, run_id, piece)
                    spill.write(piece["lines"])
                    lengths.append(piece["lengths"])
                    missing.append(piece["missing"])
                    shares.append(piece["shares"])
                    notes.extend(piece["notes"])
                spill.flush()
                head = _head(run, plan, missing, shares, tuple(dict.fromkeys(notes))).encode("utf-8")
                offsets = np.concatenate([[0], np.cumsum(np.concatenate(lengths) if lengths else [])]).astype(np.int64)
                order = _order(plan)
                size, text_sha, result_sha = _measure(head, spill, offsets, order)
                if fingerprint is None:
                    fingerprint = result_sha
                    row = conn.execute("SELECT id FROM runs WHERE fingerprint = ?", (fingerprint,)).fetchone()
                    if row is not None:
                        raise _AlreadyStored(int(row[0]))
                stored_at = now()
                values: tuple[Any, ...] = (run_id, fingerprint, str(run.scorecard.id), run.scorecard.version, _scorecard_hash(run),
                          str(run.period), stored_at, evalkit_version(), len(plan.units), canonical(inputs or {}), size,
                          None if plugins is None else canonical([list(p) for p in plugins]), supersedes, appeal)
                blobopen = getattr(conn, "blobopen", None)  # Python 3.11 on; before, the text is written whole
                result = "CAST(zeroblob(?) AS TEXT)" if blobopen is not None else "?"
                if blobopen is None:
                    values = (*values[:10], b"".join(_chunks(head, spill, offsets, order)).decode("utf-8"), *values[11:])
                conn.execute("INSERT INTO runs (id, fingerprint, scorecard_id, scorecard_version, scorecard_hash, period, "
                             "stored_at, evalkit_version, units, inputs, result, plugins, supersedes, appeal) "
                             f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {result}, ?, ?, ?)", values)
                if blobopen is not None:
                    with blobopen("runs", "result", run_id) as blob:
                        for chunk in _chunks(head, spill, offsets, order):
                            blob.write(chunk)
            ledger.store_files(conn, run_id, files)
            fields = [f if f != "result" else "NULL" for f in RUN_FIELDS]
            kept = list(conn.execute(f"SELECT {', '.join(fields)} FROM runs WHERE id = ?", (run_id,)).fetchone())
            kept[RUN_FIELDS.index("result")] = TextSha256(text_sha)
            hexdigest = rows_digest(conn, run_id, kept)
            ledger.append(conn, "run", run_id, stored_at, hexdigest)
            return StoredRun(id=run_id, created=True)
    except _AlreadyStored as exc:  # the same result stored before (no fingerprint given): nothing written
        return StoredRun(id=exc.run_id, created=False)


def _one_at_a_time(tasks: Sequence[Any]) -> Iterator[dict[str, Any]]:
    """Each task's result in turn, one on the client at a time. On a distributed cluster the next partition is
    computed on the workers while the client writes this one (its result stays there until asked for)."""
    import dask

    client = None
    if dask.config.get("scheduler", None) == "dask.distributed":
        from distributed import default_client

        try:
            client = default_client()
        except ValueError:  # no client: the scheduler in use computes them
            client = None
    if client is None:
        for task in tasks:
            yield dask.compute(task)[0]
        return
    pending = collections.deque(client.compute(task) for task in tasks[:2])
    following = iter(tasks[2:])
    try:
        while pending:
            future = pending.popleft()
            piece = future.result()
            future.release()
            task = next(following, None)
            if task is not None:
                pending.append(client.compute(task))
            yield piece
    finally:
        for future in pending:  # a failure (or the caller stopped): nothing left running for this run
            future.cancel()


def _scorecard_hash(run: DistributedEvaluation) -> str:
    from evalkit.store.history import scorecard_hash

    return scorecard_hash(run.scorecard)


def _write_rows(conn: Any, run_id: int, piece: Mapping[str, Any]) -> None:
    """One partition's unit and item rows, with the in-memory path's statements (`EvaluationRows.write`)."""
    c = piece["units"]
    conn.executemany("INSERT INTO unit_results (run_id, unit, name, type, total, rank, grade) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     zip(itertools.repeat(run_id), c["unit"], c["name"], c["type"], c["total"].tolist(), c["rank"], c["grade"]))
    ids = c["unit"]
    sql = "INSERT INTO item_results (run_id, indicator, unit, item, value, points, score) VALUES (?, ?, ?, ?, ?, ?, ?)"
    for indicator, item_ids, columns in piece["items"]:
        k = len(item_ids)
        step = max(1, BLOCK_ROWS // k)
        for start in range(0, len(ids), step):  # as `EvaluationRows.item_blocks`: a block of units at a time
            units = ids[start:start + step]
            cut = slice(start * k, (start + len(units)) * k)
            unit_column = units if k == 1 else [u for u in units for _ in range(k)]
            conn.executemany(sql, zip(itertools.repeat(run_id), itertools.repeat(indicator), unit_column, item_ids * len(units),
                                      columns["value"][cut].tolist(), columns["points"][cut].tolist(),
                                      columns["score"][cut].tolist()))


def _head_evaluation(run: DistributedEvaluation, shares: Sequence[Mapping[str, float | None]], notes: tuple[str, ...]) -> Any:
    """An Evaluation of every unit holding what the result's head reads: ids, totals, ranks, grades (rewards and
    the report order), each item's share (a number when every partition has the same one), notes."""
    from evalkit.scoring.evaluation import Evaluation

    plan = run.plan
    assert plan is not None
    items: dict[str, _Share] = {}
    for item_id in (shares[0] if shares else {}):
        given = {s[item_id] for s in shares}
        one = next(iter(given))
        items[item_id] = _Share(one if len(given) == 1 and one is not None else np.zeros(0))
    return Evaluation(scorecard=run.scorecard, units=plan.units, period=run.period, items=cast(Any, items), dimensions={},
                      totals=plan.totals, grades=plan.grades, ranks=plan.ranks, notes=notes)


def _head(run: DistributedEvaluation, plan: Any, missing: Sequence[Any], shares: Sequence[Mapping[str, float | None]],
          notes: tuple[str, ...]) -> str:
    from evalkit.scoring.result_json import head_text

    order = list(shares[0]) if shares else []
    return head_text(_head_evaluation(run, shares, notes), missing=_merge_missing(missing, order))


def _order(plan: Any) -> np.ndarray:
    """Unit positions by rank, ties by id (`Evaluation.order`)."""
    ids = np.asarray(plan.units.ids, dtype=object).astype(str)
    return np.lexsort((ids, plan.ranks))


def _chunks(head: bytes, spill: IO[bytes], offsets: np.ndarray, order: np.ndarray) -> Iterator[bytes]:
    """The result text's bytes: the head, the units' lines in `order` joined by ",\\n", the tail."""
    from evalkit.scoring.result_json import TAIL

    yield head
    if len(order):
        offsets_list = offsets.tolist()
        with mmap.mmap(spill.fileno(), 0, access=mmap.ACCESS_READ) as lines:
            for start in range(0, len(order), BLOCK_UNITS):
                block = order[start:start + BLOCK_UNITS].tolist()
                text = SEPARATOR.join([lines[offsets_list[i]:offsets_list[i + 1]] for i in block])
                yield (SEPARATOR if start else b"") + text
    yield TAIL.encode("utf-8")


def _measure(head: bytes, spill: IO[bytes], offsets: np.ndarray, order: np.ndarray) -> tuple[int, bytes, str]:
    """(bytes, SHA-256 of the text, the fingerprint `Store.add` gives a result stored without one)."""
    text = hashlib.sha256()
    result = hashlib.sha256(b"evalkit result\0")
    size = 0
    for chunk in _chunks(head, spill, offsets, order):
        text.update(chunk)
        result.update(chunk)
        size += len(chunk)
    return size, text.digest(), result.hexdigest()


__all__ = ["check_storable", "store_dask_run", "stored_piece"]
