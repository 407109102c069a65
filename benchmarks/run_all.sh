#!/bin/sh
# Every measurement of the README's "Speed and memory" table, at the sizes issue 14 names, one after the
# other (never two at once: they would measure each other). Each script prints its own Markdown table.
# About an hour on a 2-core machine; needs about 12 GiB of memory and 6 GB of disk under $BENCH_FILES.
# Run from the repository root: sh benchmarks/run_all.sh > tables.md
set -e
PY=${PY:-.venv/bin/python}
FILES=${BENCH_FILES:-/tmp/evalkit-bench-files}
$PY benchmarks/bench_scoring.py --sizes 1000,100000,1000000,5000000 --rounds 3
$PY benchmarks/bench_quotas.py --rounds 5
$PY benchmarks/bench_files.py "$FILES" --sizes 100000 --rounds 3
$PY benchmarks/bench_files.py "$FILES" --sizes 1000000 --formats csv --rounds 2
$PY benchmarks/bench_files.py "$FILES" --sizes 0 --national --rounds 1
$PY benchmarks/bench_writers.py --sizes 100000 --formats json,csv --rounds 3
$PY benchmarks/bench_writers.py --sizes 10000 --formats xlsx,html --rounds 3
$PY benchmarks/bench_store.py --sizes 1000,100000 --rounds 3
$PY benchmarks/bench_methods.py --sizes 100000,1000000 --ballots 200000 --rounds 3
$PY benchmarks/bench_cli.py --rounds 9
$PY benchmarks/bench_dask.py --sizes 100000,1000000 --rounds 1
