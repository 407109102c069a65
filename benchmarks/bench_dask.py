"""The Dask engine against the in-memory engine: seconds per 10^6 units, on a LocalCluster of 1 and 2 workers.

For each size N it writes the data once as wide Parquet files (N units x 50 indicators, the scorecard of
bench_scoring.py, one file per 250,000 units) with a units file, then measures, interleaved
(`harness.paired`), each in its own forked process (`harness.in_child`, peak RSS of that process):

- ``memory``: what ``evalkit run`` does in memory: `evaluate_files` on the Parquet files, then the per-unit
  results (`evalkit.scoring.distributed.result_frame`) written as one Parquet file;
- ``memory, columns``: the best a user could write in memory: pandas reads the Parquet files, the columns
  go into `DataSet.from_columns`, `evalkit.evaluate`, the same results written;
- ``dask, 1 worker`` / ``dask, 2 workers``: ``evalkit run --engine dask --workers W`` (`evaluate_parquet`): a
  LocalCluster of W worker processes started (its start is counted), the files scored by partition, the
  results written as partitioned Parquet with summary.json.

After the rounds it checks that the four results are the same, bit for bit (every column of every unit).

With ``--store`` it measures, in a second table, the same run kept in a new history store: ``memory
--store`` (`evaluate_files`, then `Store.add` of the Evaluation, as ``evalkit run --store`` does) against
``dask, 2 workers --store`` (``evalkit run --engine dask --workers 2 --store``: `evaluate_parquet`, then
`Store.add` of the Dask run, a partition at a time), and checks that the two stores hold the same rows and
result text and that both verify (the data in files of 25,000 units, one partition each).
The peak of a Dask run is the client process's (the workers' own peaks are printed beside it from the
largest child process, as the kernel reports it). Run from the repository root:

    .venv/bin/python benchmarks/bench_dask.py --sizes 100000,1000000 --rounds 3
    .venv/bin/python benchmarks/bench_dask.py --sizes 100000 --rounds 1 --store
"""

from __future__ import annotations

import argparse
import functools
import resource
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scoring import build_scorecard, generate_columns
from harness import MiB, Paired, in_child, paired

ROWS_PER_FILE = 250_000


def write_inputs(n: int, folder: Path, rows_per_file: int = ROWS_PER_FILE) -> tuple[Path, Path, list[Path]]:
    import pandas as pd
    import yaml

    scorecard = folder / "scorecard.yaml"
    scorecard.write_text(yaml.safe_dump(build_scorecard(), allow_unicode=True), encoding="utf-8")
    ids = np.array([f"U{i:07d}" for i in range(n)], dtype=object)
    units = folder / "units.csv"
    pd.DataFrame({"id": ids, "name": ids}).to_csv(units, index=False)
    columns = generate_columns(n, 20250101, 0.02)
    data_dir = folder / "data"
    data_dir.mkdir()
    files = []
    for k, start in enumerate(range(0, n, rows_per_file)):
        part = slice(start, min(n, start + rows_per_file))
        path = data_dir / f"part-{k:03d}.parquet"
        pd.DataFrame({"unit": ids[part], **{name: values[part] for name, values in columns.items()}}).to_parquet(path)
        files.append(path)
    return scorecard, units, files


def in_memory(scorecard: Path, units: Path, files: list[Path], out: Path) -> int:
    from evalkit.scoring.distributed import result_frame
    from evalkit.scoring.files import InputFiles, evaluate_files

    evaluation = evaluate_files(InputFiles(str(scorecard), units=str(units), data=[str(f) for f in files]))
    result_frame(evaluation).to_parquet(out)
    return len(evaluation.units)


def in_memory_columns(scorecard: Path, files: list[Path], out: Path) -> int:
    import pandas as pd

    import evalkit
    from evalkit.scoring.distributed import result_frame

    frame = pd.read_parquet(files)
    card = evalkit.load_scorecard(scorecard)
    ids = frame.pop("unit").tolist()
    data = evalkit.DataSet.from_columns(evalkit.Units.from_ids(ids),
                                        {name: frame[name].to_numpy() for name in frame.columns})
    evaluation = evalkit.evaluate(card, data)
    result_frame(evaluation).to_parquet(out)
    return len(evaluation.units)


def on_dask(scorecard: Path, units: Path, files: list[Path], out: Path, workers: int) -> int:
    from evalkit.scoring.distributed import evaluate_parquet
    from evalkit.scoring.files import InputFiles

    result = evaluate_parquet(InputFiles(str(scorecard), units=str(units), data=[str(f) for f in files]),
                              workers=workers, output=out)
    return int(result.summary["units"])


def stored(scorecard: Path, units: Path, files: list[Path], path: Path, workers: int | None) -> int:
    """The run kept in a new store at `path`: in memory (`workers` None) or on a LocalCluster of `workers`."""
    from evalkit.scoring.distributed import evaluate_parquet
    from evalkit.scoring.files import InputFiles, evaluate_files
    from evalkit.store.history import pending_run, run_files

    path.unlink(missing_ok=True)
    inputs = InputFiles(str(scorecard), units=str(units), data=[str(f) for f in files])
    pending = pending_run(str(path), run_files(scorecard, [str(f) for f in files], units))
    assert pending is not None
    if workers is None:
        evaluation = evaluate_files(inputs)
        pending.store(evaluation)
        return len(evaluation.units)
    result = evaluate_parquet(inputs, workers=workers, then=pending.store)
    return int(result.summary["units"])


def same_stores(expected: Path, got: Path) -> None:
    """The same per-unit rows and result text in both stores, and both verify."""
    import sqlite3

    import evalkit
    from evalkit.store.history import Store

    for path in (expected, got):
        with Store.open(path) as store:
            assert evalkit.verify_store(store).ok, path
    a, b = sqlite3.connect(expected), sqlite3.connect(got)
    for sql in ("SELECT unit, name, type, total, rank, grade FROM unit_results ORDER BY unit",
                "SELECT unit, item, indicator, value, points, score FROM item_results ORDER BY unit, item",
                "SELECT fingerprint, units, result, inputs FROM runs"):
        assert a.execute(sql).fetchall() == b.execute(sql).fetchall(), f"{got}: {sql}"


STORE_CONTENDERS = ("memory --store", "dask, 2 workers --store")
STORE_ROWS_PER_FILE = 25_000  # one partition per file: the Dask client holds one partition's rows at a time


def measure_store(n: int, rounds: int) -> Paired:
    with tempfile.TemporaryDirectory(prefix="bench_dask_store_") as tmp:
        folder = Path(tmp)
        scorecard, units, files = write_inputs(n, folder, STORE_ROWS_PER_FILE)  # several partitions at 10^5
        paths = {name: folder / f"store-{k}.db" for k, name in enumerate(STORE_CONTENDERS)}
        work = {
            "memory --store": lambda: stored(scorecard, units, files, paths["memory --store"], None),
            "dask, 2 workers --store": lambda: stored(scorecard, units, files, paths["dask, 2 workers --store"], 2),
        }
        result = paired({name: functools.partial(in_child, w) for name, w in work.items()}, rounds=rounds, warmup=False)
        same_stores(paths["memory --store"], paths["dask, 2 workers --store"])
        return result


def same(expected_path: Path, got_path: Path) -> None:
    import pandas as pd

    a = pd.read_parquet(expected_path).sort_values("unit").reset_index(drop=True)
    b = pd.read_parquet(got_path).sort_values("unit").reset_index(drop=True)
    assert list(a.columns) == list(b.columns), f"{got_path}: other columns"
    for column in a.columns:
        x, y = a[column], b[column]
        if x.dtype.kind == "f":
            assert np.array_equal(x.to_numpy(), y.to_numpy(), equal_nan=True), f"{got_path}: {column} differs"
            finite = ~np.isnan(x.to_numpy())
            assert (x.to_numpy()[finite].view(np.int64) == y.to_numpy()[finite].view(np.int64)).all(), column
        else:
            assert x.astype(str).tolist() == y.astype(str).tolist(), f"{got_path}: {column} differs"


CONTENDERS = ("memory", "memory, columns", "dask, 1 worker", "dask, 2 workers")


def measure(n: int, rounds: int) -> Paired:
    """The four contenders on N units, interleaved; their results checked equal afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench_dask_") as tmp:
        folder = Path(tmp)
        scorecard, units, files = write_inputs(n, folder)
        outs = {name: folder / f"out-{k}" for k, name in enumerate(CONTENDERS)}
        work = {
            "memory": lambda: in_memory(scorecard, units, files, outs["memory"]),
            "memory, columns": lambda: in_memory_columns(scorecard, files, outs["memory, columns"]),
            "dask, 1 worker": lambda: on_dask(scorecard, units, files, outs["dask, 1 worker"], 1),
            "dask, 2 workers": lambda: on_dask(scorecard, units, files, outs["dask, 2 workers"], 2),
        }
        result = paired({name: functools.partial(in_child, w) for name, w in work.items()}, rounds=rounds, warmup=False)
        same(outs["memory"], outs["memory, columns"])
        same(outs["memory"], outs["dask, 1 worker"] / "units")
        same(outs["memory"], outs["dask, 2 workers"] / "units")
        return result


def children_peak() -> int:
    return int(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="numbers of units, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are shown (default 3)")
    parser.add_argument("--store", action="store_true", help="measure the runs kept in a history store instead")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.store:
        print("| units | memory --store s | dask, 2 workers --store s | memory --store peak MiB | "
              "dask, 2 workers --store peak MiB (client) | dask / memory |")
        print("|---" * 6 + "|")
        for n in sizes:
            result = measure_store(n, args.rounds)
            print(f"| {n:,} | {result.seconds('memory --store'):.2f} | {result.seconds('dask, 2 workers --store'):.2f} | "
                  f"{result.peak('memory --store') / MiB:.0f} | {result.peak('dask, 2 workers --store') / MiB:.0f} | "
                  f"{result.ratio('dask, 2 workers --store', 'memory --store'):.2f} |")
        print(f"\nmedians of {args.rounds} interleaved rounds; both stores hold the same rows and result and verify; "
              f"largest child process (a Dask worker included) {children_peak() / MiB:.0f} MiB")
        return 0
    rows = [(n, measure(n, args.rounds)) for n in sizes]
    contenders = CONTENDERS
    per = 1_000_000
    print(f"| units | {' | '.join(f'{name} s per 10^6' for name in contenders)} | "
          f"{' | '.join(f'{name} peak MiB' for name in contenders)} | dask 2 workers / memory |")
    print("|---" * (2 * len(contenders) + 2) + "|")
    for n, result in rows:
        times = [result.seconds(name) * per / n for name in contenders]
        peaks = [result.peak(name) / MiB for name in contenders]
        print(f"| {n:,} | {' | '.join(f'{t:.2f}' for t in times)} | {' | '.join(f'{p:.0f}' for p in peaks)} | "
              f"{result.ratio('dask, 2 workers', 'memory'):.2f} |")
    print(f"\nmedians of {args.rounds} interleaved rounds; every result equal to the in-memory one, bit for bit; "
          f"largest child process (a Dask worker included) {children_peak() / MiB:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
