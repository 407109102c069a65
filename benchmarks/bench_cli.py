"""Start-up cost of the CLI at county scale: each call against `python -c "import numpy"`, medians of paired rounds.

Run from the repository root:

    .venv/bin/python benchmarks/bench_cli.py                  # 15 rounds (default)
    .venv/bin/python benchmarks/bench_cli.py --rounds 5

Measured, each as its own process started by benchmarks/harness.py's `in_command` (wall time from start
to exit, peak RSS of that process): the README's first command (the party-building example: 254
organs, two data files, units and adjustments, printed as a table), the quickstart (12 units) to a table
and to JSON, `evalkit validate` of the quickstart scorecard, `evalkit --version` and `evalkit rules`.
The floor is `python -c "import numpy"` with the same interpreter: every evalkit command that scores
imports numpy, so this is the least such a command can cost. The contenders alternate with the floor
in every round (the order flipped each round), and the table shows the medians.

The goal (issue 14, point 7) is every call in at most GOAL_SECONDS on the 2-core development machine.
The commands run with bytecode caching on (as after `pip install`, which compiles the package), and
one unrecorded run of each fills the caches first. Each output is checked: the JSON run's units and
totals must equal those the library computes for the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import in_command, markdown_table, mib, paired, seconds_text, verdict

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 0.2
QUICK = ROOT / "examples" / "quickstart"
PARTY = ROOT / "examples" / "party-building"
QUICK_INPUTS = [str(QUICK / "scorecard.yaml"), "--data", str(QUICK / "data.csv"), "--units", str(QUICK / "units.csv"),
                "--adjustments", str(QUICK / "adjustments.csv")]
PARTY_INPUTS = [str(PARTY / "scorecard.yaml"), "--data", str(PARTY / "data.csv"), "--data", str(PARTY / "review.csv"),
                "--units", str(PARTY / "units.csv"), "--adjustments", str(PARTY / "adjustments.csv")]


def evalkit_command() -> list[str]:
    """The installed `evalkit` script beside this interpreter (what a user runs), else `python -c` of its main."""
    script = Path(sys.executable).with_name("evalkit")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from evalkit.cli import run; sys.argv[0] = 'evalkit'; run()"]


def calls(out_dir: Path) -> dict[str, list[str]]:
    return {
        "README: run party-building (254 units) → table": ["run", *PARTY_INPUTS],
        "run quickstart → table": ["run", *QUICK_INPUTS],
        "run quickstart → json": ["run", *QUICK_INPUTS, "--format", "json", "-o", str(out_dir / "quick.json")],
        "validate quickstart": ["validate", str(QUICK / "scorecard.yaml")],
        "--version": ["--version"],
        "rules": ["rules"],
    }


def check_json(path: Path) -> None:
    """The CLI's JSON result has the units and totals the library computes from the same files."""
    import evalkit

    inputs = evalkit.InputFiles(scorecard=str(QUICK / "scorecard.yaml"), data=[str(QUICK / "data.csv")],
                                units=str(QUICK / "units.csv"), adjustments=str(QUICK / "adjustments.csv"))
    expected = evalkit.evaluate_files(inputs).to_dict()
    found = json.loads(path.read_text(encoding="utf-8"))
    assert [(u["id"], u["total"]) for u in found["units"]] == [(u["id"], u["total"]) for u in expected["units"]], \
        "the CLI's JSON differs from the library's result"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="paired rounds (medians are reported)")
    parser.add_argument("--only", action="append", help="measure only the calls whose name contains this (repeatable)")
    options = parser.parse_args()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["EVALKIT_STORE"] = ""
    floor = [sys.executable, "-c", "import numpy"]
    command = evalkit_command()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__import__("evalkit").__file__).parent)],
                   check=False, env=env)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, argv in calls(Path(tmp)).items():
            if options.only and not any(part in name for part in options.only):
                continue
            result = paired({"evalkit": lambda argv=argv: in_command([*command, *argv], env=env),
                             "numpy": lambda: in_command(floor, env=env)}, rounds=options.rounds)
            seconds, base = result.seconds("evalkit"), result.seconds("numpy")
            rows.append([name, seconds_text(seconds), seconds_text(base), f"{seconds / base:.2f}",
                         mib(result.peak("evalkit")), mib(result.peak("numpy")),
                         f"{result.memory_ratio('evalkit', 'numpy'):.2f}", verdict(seconds, GOAL_SECONDS)])
            print(f"{name}: {seconds_text(seconds)}", file=sys.stderr)
        if (Path(tmp) / "quick.json").exists():
            check_json(Path(tmp) / "quick.json")
    print(f"CLI start-up, medians of {options.rounds} paired rounds; goal ≤ {GOAL_SECONDS} s per call\n")
    print(markdown_table(["call", "evalkit", "import numpy", "ratio", "peak", "peak numpy", "memory ratio",
                          f"≤ {GOAL_SECONDS} s"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
