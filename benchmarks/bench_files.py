"""`evalkit run` from files against a polars read + pivot + numpy script writing the same summary.

Run from the repository root:

    .venv/bin/python benchmarks/bench_files.py --sizes 100000 --rounds 3            # 10^5 units x 50
    .venv/bin/python benchmarks/bench_files.py --sizes 100000,1000000 --rounds 3    # issue 14, point 2
    .venv/bin/python benchmarks/bench_files.py --sizes 0 --national --rounds 1      # point 3: 5*10^6, wide Parquet -> CSV

The files are generated once per size (seeded) into FOLDER (default /tmp/evalkit-bench-files): the
scorecard of bench_scoring.py (50 indicators, 3 levels), a units file (units.csv: id, name) and the
values of every unit for every indicator, with two decimals, as a long CSV (unit, indicator, period,
value; 50 rows per unit), a long Parquet file and a wide Parquet file (a unit column and a column per
indicator). Each case is one `evalkit run SCORECARD --data F --units U --format csv|json -o OUT
--no-store` against `benchmarks/baseline_files.py` on the same files, which reads them with polars,
pivots the long rows into one numpy array per indicator, scores with bench_scoring.numpy_scores (the
same rules, rounding, ranks and grades) and writes the same CSV summary (rank, id, name, dimension
scores, bonus, total, grade), or for json a JSON array of per-unit records with every item's value,
points and score. Both run as commands through harness.in_command (paired, interleaved, medians; peak
RSS of the process). The script checks that evalkit's and the baseline's rank, id, total and grade
agree on every unit.

A last, unpaired run of the library calls in a forked child splits evalkit's time into reading
(load_inputs), scoring (evaluate) and writing (render_report and the file).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scoring import build_scorecard, generate_columns, item_specs
from harness import in_child, in_command, markdown_table, mib, paired, seconds_text, verdict

GOAL_TIME = 2.0  # evalkit within 2x of the baseline
GOAL_MEMORY = 2.0  # peak within 2x of the baseline's
NATIONAL = 5_000_000
NATIONAL_SECONDS = 60.0
NATIONAL_BYTES = 12 * 1024**3
SEED = 20250101
ROOT = Path(__file__).resolve().parent.parent
EVALKIT = str(Path(sys.executable).with_name("evalkit"))
BASELINE = str(Path(__file__).resolve().with_name("baseline_files.py"))
ENV = {"EVALKIT_MAX_FILE_MB": "4096", "OPENBLAS_NUM_THREADS": "1"}


def indicator_ids() -> list[str]:
    return [ind for *_, ind in item_specs()]


def generate(folder: Path, n: int, kinds: set[str]) -> dict[str, Path]:
    """The scorecard, units and data files for n units (made once; kept for later runs)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import yaml

    folder = folder / f"n{n}"
    folder.mkdir(parents=True, exist_ok=True)
    files = {"scorecard": folder / "scorecard.yaml", "units": folder / "units.csv", "long_csv": folder / "long.csv",
             "long_parquet": folder / "long.parquet", "wide_parquet": folder / "wide.parquet"}
    if not files["scorecard"].exists():
        files["scorecard"].write_text(yaml.safe_dump(build_scorecard(), sort_keys=False), encoding="utf-8")
    ids = pa.array([f"U{i:07d}" for i in range(n)])
    if not files["units"].exists():
        names = pa.array([f"unit {i}" for i in range(n)])
        _write_csv(files["units"], ["id", "name"], pa.table({"id": ids, "name": names}))
    wanted = [k for k in ("long_csv", "long_parquet", "wide_parquet") if k in kinds and not files[k].exists()]
    if wanted:
        columns = generate_columns(n, SEED, 0.0)
        inds = indicator_ids()
        if "wide_parquet" in wanted:
            pq.write_table(pa.table({"unit": ids, **{k: columns[k] for k in inds}}), files["wide_parquet"])
        if "long_csv" in wanted or "long_parquet" in wanted:
            unit_codes = np.repeat(np.arange(n, dtype=np.int32), len(inds))
            ind_codes = np.tile(np.arange(len(inds), dtype=np.int32), n)
            values = np.stack([columns[k] for k in inds], axis=1).reshape(-1)
            del columns
            long = pa.table({
                "unit": pa.DictionaryArray.from_arrays(pa.array(unit_codes), ids),
                "indicator": pa.DictionaryArray.from_arrays(pa.array(ind_codes), pa.array(inds)),
                "period": pa.DictionaryArray.from_arrays(pa.array(np.zeros(len(values), dtype=np.int32)), pa.array(["2025"])),
                "value": pa.array(values)})
            del unit_codes, ind_codes, values
            long = long.cast(pa.schema([("unit", pa.string()), ("indicator", pa.string()), ("period", pa.string()),
                                        ("value", pa.float64())]))  # plain text columns, as a DataFrame writes them
            if "long_parquet" in wanted:
                pq.write_table(long, files["long_parquet"])
            if "long_csv" in wanted:
                _write_csv(files["long_csv"], ["unit", "indicator", "period", "value"], long)
            del long
    return files


def _write_csv(path: Path, header: list[str], table) -> None:  # type: ignore[no-untyped-def]
    import pyarrow.csv as pa_csv

    with open(path, "wb") as out:
        out.write((",".join(header) + "\n").encode())
        pa_csv.write_csv(table, out, pa_csv.WriteOptions(include_header=False, quoting_style="none"))


def summary_rows(path: Path) -> dict[str, tuple[str, str, str]]:
    """id -> (rank, total, grade) of a CSV summary (evalkit's or the baseline's)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        at = {name.lstrip("\ufeff"): k for k, name in enumerate(header)}
        r, i, t, g = (at[k] for k in ("Rank", "ID", "Total", "Grade"))
        return {row[i]: (row[r], f"{float(row[t]):.2f}", row[g]) for row in reader}


def json_rows(path: Path) -> dict[str, tuple[str, str, str]]:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    units = data["units"] if isinstance(data, dict) else data
    return {u["id"]: (str(u["rank"]), f"{float(u['total']):.2f}", str(u["grade"])) for u in units}


def check_same(evalkit_out: Path, baseline_out: Path, fmt: str) -> None:
    read = summary_rows if fmt == "csv" else json_rows
    mine, theirs = read(evalkit_out), read(baseline_out)
    if mine != theirs:
        diff = next(k for k in sorted(set(mine) | set(theirs)) if mine.get(k) != theirs.get(k))
        raise SystemExit(f"evalkit and the baseline disagree on unit {diff}: {mine.get(diff)} vs {theirs.get(diff)}")


def stage_split(files: dict[str, Path], data: Path, fmt: str, out: Path) -> tuple[float, float, float]:
    """Seconds of reading, scoring and writing in one library run (a forked child)."""
    def work() -> tuple[float, float, float]:
        os.environ.update(ENV)
        from evalkit.io.output import write_atomic
        from evalkit.reporters.render import ReportOptions, render_report
        from evalkit.scoring.files import InputFiles, load_inputs

        start = time.perf_counter()
        inputs = load_inputs(InputFiles(str(files["scorecard"]), units=str(files["units"]), data=[str(data)]))
        read = time.perf_counter()
        evaluation = inputs.evaluate()
        scored = time.perf_counter()
        write_atomic(out, render_report(evaluation, fmt, ReportOptions(lang="en")))
        return read - start, scored - read, time.perf_counter() - scored

    return in_child(work).result  # type: ignore[no-any-return]


def measure(files: dict[str, Path], kind: str, fmt: str, rounds: int, scratch: Path) -> dict:
    data = files[kind]
    ours, theirs = scratch / f"evalkit.{fmt}", scratch / f"baseline.{fmt}"
    common = [str(files["scorecard"]), "--data", str(data), "--units", str(files["units"])]
    contenders = {
        "evalkit": lambda: in_command([EVALKIT, "run", *common, "--format", fmt, "-o", str(ours), "--no-store",
                                       "--lang", "en"], env=ENV),
        "baseline": lambda: in_command([sys.executable, BASELINE, *common, "--format", fmt, "-o", str(theirs)], env=ENV),
    }
    result = paired(contenders, rounds=rounds, warmup=False)
    check_same(ours, theirs, fmt)
    split = stage_split(files, data, fmt, scratch / f"split.{fmt}")
    return {"result": result, "split": split}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default="/tmp/evalkit-bench-files", help="where the files are made and kept")
    parser.add_argument("--sizes", default="100000", help="numbers of units, comma-separated (0: none)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of each contender (medians)")
    parser.add_argument("--kinds", default="long_csv,long_parquet,wide_parquet", help="data files to measure")
    parser.add_argument("--formats", default="csv,json", help="output formats to measure")
    parser.add_argument("--national", action="store_true", help="also 5,000,000 units from a Parquet file to CSV")
    parser.add_argument("--national-kind", default="wide_parquet", choices=("wide_parquet", "long_parquet"),
                        help="the national file: wide (a column per indicator, 2 GB of values) or long (250 M rows)")
    args = parser.parse_args(argv)
    folder = Path(args.folder)
    scratch = folder / "out"
    scratch.mkdir(parents=True, exist_ok=True)
    kinds = [k for k in args.kinds.split(",") if k]
    cases = [(int(s), k, f) for s in args.sizes.split(",") if int(s) > 0 for k in kinds for f in args.formats.split(",")]
    if args.national:
        cases.append((NATIONAL, args.national_kind, "csv"))
    rows = []
    version = subprocess.run([EVALKIT, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{version}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs; rounds {args.rounds}", file=sys.stderr)
    for n, kind, fmt in cases:
        files = generate(folder, n, {kind})
        print(f"measuring {n:,} units, {kind} -> {fmt} ...", file=sys.stderr)
        got = measure(files, kind, fmt, args.rounds, scratch)
        r = got["result"]
        t_ratio, m_ratio = r.ratio("evalkit", "baseline"), r.memory_ratio("evalkit", "baseline")
        read, score, write = got["split"]
        if n == NATIONAL:
            ok = verdict(r.seconds("evalkit"), NATIONAL_SECONDS) == "ok" and r.peak("evalkit") <= NATIONAL_BYTES
        else:
            ok = t_ratio <= GOAL_TIME and m_ratio <= GOAL_MEMORY
        rows.append([f"{n:,}", f"{kind} -> {fmt}", seconds_text(r.seconds("evalkit")), seconds_text(r.seconds("baseline")),
                     f"{t_ratio:.2f}", mib(r.peak("evalkit")), mib(r.peak("baseline")), f"{m_ratio:.2f}",
                     f"{seconds_text(read)} / {seconds_text(score)} / {seconds_text(write)}", "ok" if ok else "OVER"])
    print(markdown_table(["units", "file -> output", "evalkit", "baseline", "ratio", "evalkit peak", "baseline peak",
                          "memory ratio", "read / score / write", "goal"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
