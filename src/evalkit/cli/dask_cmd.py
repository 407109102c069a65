"""`evalkit run --engine dask [--scheduler ADDRESS | --workers N]`: the run on Dask (evalkit[dask]).

The data files are Parquet (files or folders of them, on storage every worker reaches); the results are
the in-memory results bit for bit, written as partitioned Parquet (-o DIRECTORY/units/) beside
DIRECTORY/summary.json, and the summary is printed. With --store (or $EVALKIT_STORE) the run is kept in the
history store as the in-memory run would be (`evalkit.store.dask_store`, a partition at a time). Without dask and distributed installed the run
stops with exit 64 and says how to install them (`pip install 'evalkit[dask]'`). See docs/dask.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from evalkit.cli.common import input_files_of, warn
from evalkit.errors import UsageError

ENGINES = ("memory", "dask")


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("engine", "where the scoring runs (docs/dask.md)")
    group.add_argument("--engine", choices=ENGINES, default="memory",
                       help="memory (default): in this process; dask: on Dask, Parquet data in, partitioned Parquet "
                            "results out (-o DIRECTORY); needs pip install 'evalkit[dask]'")
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="with --engine dask: the Dask scheduler of a cluster (tcp://HOST:8786); default: this machine")
    group.add_argument("--workers", type=int, metavar="N",
                       help="with --engine dask and no --scheduler: a local cluster of N worker processes "
                            "(default: Dask's threads in this process)")


def check_engine(args: argparse.Namespace) -> None:
    """--scheduler and --workers go with --engine dask (exit 64 before any work)."""
    if getattr(args, "engine", "memory") != "dask":
        for option, value in (("--scheduler", getattr(args, "scheduler", None)), ("--workers", getattr(args, "workers", None))):
            if value is not None:
                raise UsageError(f"evalkit run: {option} goes with --engine dask")


def cmd_run_dask(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from
    from evalkit.cli.store_options import prepare_run_store, save_run
    from evalkit.scoring.distributed import evaluate_parquet, require_dask

    require_dask()  # exit 64 with the install command when dask or distributed is missing
    if args.scheduler is not None and args.workers is not None:
        raise UsageError("evalkit run: --scheduler (a cluster's) or --workers (a local cluster), not both")
    if not args.output or args.output == "-":
        raise UsageError("evalkit run --engine dask writes the per-unit results as partitioned Parquet: give -o DIRECTORY")
    unsupported = [option for option, value in (
        ("--format", args.format not in (None, "table", "json")), ("--compare-with", args.compare_with),
        ("--benchmarks", args.benchmarks or None), ("--targets", args.targets), ("--plan", args.plan),
        ("--records", getattr(args, "records", None)), ("--sheet", getattr(args, "sheet", None))) if value]
    if unsupported:
        raise UsageError(f"evalkit run --engine dask: {', '.join(unsupported)} is for the in-memory engine "
                         "(the Dask engine writes Parquet results and a JSON summary)")
    pending = prepare_run_store(args)  # --store or $EVALKIT_STORE: the store is checked before any work
    folders = [str(p) for p in (args.data or ()) if Path(p).is_dir()]
    if pending is not None and folders:
        raise UsageError(f"evalkit run --engine dask --store: the store keeps the input files with the run; give the data "
                         f"as Parquet files, not the folder {folders[0]} (or --no-store)")
    registry = registry_from(args)
    result = evaluate_parquet(input_files_of(args), registry, scheduler=args.scheduler, workers=args.workers,
                              output=args.output, warn=warn,
                              then=None if pending is None else (lambda run: save_run(pending, run, registry)))
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    print(f"evalkit: wrote {args.output} ({result.summary['units']} units in {result.summary['partitions']} "
          "partitions: units/*.parquet and summary.json)", file=sys.stderr)
    return 0
