"""Shared helpers of the reporter tests: the runnable examples, evaluations of them, synthetic runs."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

import evalkit
from evalkit.io.data import DataSet, Units
from evalkit.reporters.base import ReportOptions

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
QUICKSTART = EXAMPLES / "quickstart"


def _first(folder: Path, stem: str) -> Path | None:
    return next((p for ext in ("yaml", "yml", "json", "csv", "xlsx") if (p := folder / f"{stem}.{ext}").is_file()), None)


def runnable_examples() -> list[tuple[str, list[str]]]:
    """Every example folder that `evalkit run` can run: (id, arguments), with and without its adjustments."""
    out = []
    for folder in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        scorecard, data, units = _first(folder, "scorecard"), _first(folder, "data"), _first(folder, "units")
        if not (scorecard and data and units):
            continue
        args = [str(scorecard), "--data", str(data), "--units", str(units)]
        out.append((folder.name, args))
        adjustments = _first(folder, "adjustments")
        if adjustments:
            out.append((f"{folder.name}+adjustments", args + ["--adjustments", str(adjustments)]))
    return out


def evaluate_example(args: list[str]):
    """The Evaluation `evalkit run ARGS` computes."""
    from evalkit.cli.run import evaluate_files

    parser = argparse.ArgumentParser()
    parser.add_argument("scorecard")
    for option in ("--data", "--units", "--period", "--adjustments", "--plugins-dir"):
        parser.add_argument(option)
    namespace = parser.parse_args(args)
    namespace.block, namespace.allow = [], None
    return evaluate_files(namespace)


QUICKSTART_ARGS = [str(QUICKSTART / "scorecard.yaml"), "--data", str(QUICKSTART / "data.csv"),
                   "--units", str(QUICKSTART / "units.csv")]
QUICKSTART_ADJUSTED = QUICKSTART_ARGS + ["--adjustments", str(QUICKSTART / "adjustments.csv")]


@pytest.fixture(scope="session")
def quickstart_eval():
    """The quickstart with its adjustments (bonus, deductions, a veto and a gate)."""
    return evaluate_example(QUICKSTART_ADJUSTED)


def synthetic(n: int, names=None, seed: int = 7, adjustments=()):
    """The quickstart scorecard scored on n units with seeded random values (2 % missing)."""
    scorecard = evalkit.load_scorecard(QUICKSTART / "scorecard.yaml")
    rng = np.random.default_rng(seed)
    ids = [f"S{i:05d}" for i in range(n)]
    names = list(names) if names is not None else [f"第{i}党支部" for i in range(n)]
    units = Units(ids=tuple(ids), names=tuple(names), types=tuple("部门" for _ in ids), parents=tuple(None for _ in ids))

    def column(low, high):
        x = np.round(rng.uniform(low, high, n), 1)
        x[rng.random(n) < 0.02] = np.nan
        return x

    columns = {"meetings_rate": column(50, 100), "study_hours": column(10, 40), "dues_on_time": column(88, 100),
               "recruitment": rng.integers(0, 4, n).astype(float), "recruitment_plan": rng.integers(1, 4, n).astype(float),
               "missed_meetings": rng.poisson(1.0, n).astype(float), "satisfaction": column(55, 100)}
    return evalkit.evaluate(scorecard, DataSet.from_columns(units, columns, period="2025"), adjustments=list(adjustments))


def render(evaluation, fmt: str, lang: str = "zh"):
    return evalkit.default_registry().reporters[fmt].render(evaluation, ReportOptions(lang=lang))
