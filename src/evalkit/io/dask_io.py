"""Dask in and out for the Dask engine (`evalkit.scoring.distributed`): Parquet data files read as one Dask
DataFrame, and the scheduler to run on (a cluster's address, a local cluster of N worker processes, or
Dask's default threads). dask and distributed are imported only here and only when asked for."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from evalkit.errors import FileAccessError, Problem, UsageError

PARQUET = (".parquet", ".pq", ".parq")


def read_parquet_frame(paths: Sequence[str | Path]) -> Any:
    """The data files (Parquet files, or folders of them, on storage every worker reaches) as one Dask
    DataFrame, read lazily by the workers, one partition per file or row group."""
    import dask.dataframe as dd

    if not paths:
        raise UsageError("give the values: --data FILE.parquet (Parquet files or folders of them)")
    for path in paths:
        p = Path(path)
        if not p.exists():
            raise FileAccessError(Problem("file not found", source=str(path)))
        if p.is_file() and p.suffix.lower() not in PARQUET:
            raise UsageError(f"--engine dask reads Parquet data files (.parquet); {path} is not one: convert it "
                             "(pandas.read_csv(...).to_parquet(...)) or run without --engine dask")
    return dd.read_parquet([str(p) for p in paths])


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """Within the block, Dask runs on the scheduler at `scheduler` (tcp://HOST:8786), or on a local cluster of
    `workers` processes, or (neither given) on Dask's default threads (yields None)."""
    if scheduler is None and workers is None:
        yield None
        return
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
        with client:
            yield client
        return
    if workers is not None and workers < 1:
        raise UsageError(f"--workers: expected 1 or more worker processes, found {workers}")
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        yield client
