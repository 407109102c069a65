"""Where a stored run's data came from, when evalkit made it: `evalkit review ... --store S` keeps the review's
definition, ballots and units files (content-addressed, like a run's inputs) and records the SHA-256 of the file it
wrote, so that a run that reads that file as its data is known to be the review's output, and `evalkit history
show` names the review record and its kept ballots (evalkit.store.archive).

- `keep_review(store, output, definition, ballots, units, ...)`: a "review" record: each file's role, name and
  SHA-256 (the bytes are kept once in the store), the period and the SHA-256 of the output.
- `review_outputs(store)`: output SHA-256 -> the review records that wrote it.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.errors import FileAccessError, Problem
from evalkit.store import ledger
from evalkit.store.appeals import Record, records
from evalkit.store.history import Store


def _read(path: str | os.PathLike) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise FileAccessError(Problem(f"cannot read the file: {exc.strerror or exc}", source=os.fspath(path))) from None


def keep_review(store: Store, output: bytes, definition: str | os.PathLike, ballots: Sequence[str | os.PathLike],
                units: str | os.PathLike, merge_with: str | os.PathLike | None = None,
                period: str | None = None) -> Record:
    """Keep a review's inputs and record the SHA-256 of its `output` (the bytes written for `evalkit run --data`)."""
    named = [("definition", definition), *((f"ballots.{k + 1}", b) for k, b in enumerate(ballots)), ("units", units),
             *((("merge_with", merge_with),) if merge_with else ())]
    files = []
    with store.transaction():
        for role, path in named:
            digest = ledger.put_blob(store.conn, _read(path))
            files.append({"role": role, "name": Path(path).name, "sha256": digest})
        body: dict[str, Any] = {"files": files, "period": period, "output_sha256": hashlib.sha256(output).hexdigest()}
        at = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        record_id = ledger.add_record(store.conn, "review", None, None, at, body)
    return next(r for r in records(store, "review") if r.id == record_id)


def review_outputs(store: Store) -> dict[str, list[Record]]:
    """Output SHA-256 -> the review records that wrote a file with those bytes, oldest first."""
    out: dict[str, list[Record]] = {}
    for r in records(store, "review"):
        out.setdefault(str(r.body.get("output_sha256")), []).append(r)
    return out


__all__ = ["keep_review", "review_outputs"]
