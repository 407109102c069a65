"""`--store PATH` / `--no-store` for `evalkit run`, and the message once a run is stored.

The store itself is `evalkit.store.history` (a plain library); this module only turns the options into a
`PendingRun` and prints what happened.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.store.history import PendingRun, StoredRun

ENV_VAR = "EVALKIT_STORE"  # evalkit.store.history.ENV_VAR; the store is imported only when a run is stored


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """--store PATH and --no-store, for `evalkit run`."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--store", metavar="PATH",
                       help=f"keep the run in this history store (SQLite; created on first use; default ${ENV_VAR})")
    group.add_argument("--no-store", action="store_true", help=f"do not store the run even when ${ENV_VAR} is set")


def prepare_run_store(args: argparse.Namespace) -> PendingRun | None:
    """None unless --store or $EVALKIT_STORE names a store; the store is checked before any work."""
    if getattr(args, "no_store", False) or not (getattr(args, "store", None) or os.environ.get(ENV_VAR)):
        return None  # no store: evalkit.store.history (and sqlite3) are not imported
    from evalkit.store.history import pending_run, read_options, run_files, store_path

    path = store_path(getattr(args, "store", None), getattr(args, "no_store", False))
    if path is None:
        return None
    records = getattr(args, "records", None) or ()  # the record sources' files are kept as inputs too
    return pending_run(path, run_files(args.scorecard, args.data, args.units, getattr(args, "adjustments", None), records),
                       read_options(getattr(args, "wide", None), getattr(args, "encoding", None),
                                    getattr(args, "sheet", None) or (), records))


def save_run(pending: PendingRun, evaluation: Any, registry: Any = None) -> StoredRun:
    """Store the run and say so on stderr ('stored as run N in PATH ...' or 'already stored as run N ...')."""
    stored = pending.store(evaluation, registry)
    print(pending.message(stored, evaluation), file=sys.stderr)
    return stored
