"""Multi-rater reviews on Dask give the in-memory `ReviewResult` bit for bit: ballots as a Dask DataFrame,
counted on the session's LocalCluster of 2 worker processes (tests/test_dask.py), against `review` on the same
rows as one in-memory table (`frame_table` of the pandas frame): every group aggregate, ballot count, status, weight, review score, satisfaction
category count, trimmed judge list, void ballot, skipped bad row and message, in the same order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("distributed")
pytest.importorskip("dask.dataframe")

import dask.dataframe as dd
import pandas as pd

import evalkit
from evalkit.io.frames import frame_table
from evalkit.reviews.review import review
from tests.conftest import EXAMPLES
from tests.test_dask import client  # noqa: F401  (the session's LocalCluster)

REVIEW = EXAMPLES / "reviews" / "review.yaml"
UNITS = EXAMPLES / "quickstart" / "units.csv"


def same_review(a, b) -> None:
    """Every array equal (floats bit for bit, NaN where NaN), and everything reported equal."""
    for name in ("values", "weights", "score"):
        x, y = getattr(a, name), getattr(b, name)
        assert np.array_equal(np.isnan(x), np.isnan(y)), name
        assert (x[~np.isnan(x)].view(np.int64) == y[~np.isnan(y)].view(np.int64)).all(), name
    assert np.array_equal(a.counts, b.counts) and np.array_equal(a.status, b.status)
    assert a.categories.keys() == b.categories.keys()
    assert all(np.array_equal(a.categories[g], b.categories[g]) for g in a.categories)
    assert a.trimmed == b.trimmed and list(a.trimmed) == list(b.trimmed)
    assert a.void == b.void and a.skipped == b.skipped and a.other_periods == b.other_periods
    assert a.period == b.period
    assert a.to_dict() == b.to_dict() and a.notices() == b.notices()


def example_frame() -> pd.DataFrame:
    """The example ballots as pandas reads them: scores as numbers, NaN where a row has a grade word instead."""
    return pd.read_csv(EXAMPLES / "reviews" / "ballots.csv", dtype={"被评单位": str, "评议人单位": str}, encoding="utf-8-sig")


def table(frame: pd.DataFrame):
    return frame_table(frame, "dask DataFrame")


def test_example_review_counts_the_same_on_two_workers(client):  # noqa: F811
    frame = example_frame()
    expected = review(REVIEW, table(frame), UNITS)
    assert len(expected.void) == 1 and len(expected.skipped) == 5  # the example has both (docs/reviews.md)
    for npartitions in (1, 3, 7):
        got = evalkit.review(REVIEW, dd.from_pandas(frame, npartitions=npartitions, sort=False), UNITS)
        same_review(expected, got)
    assert got.indicators()["review_score"]["U01"] == 92.13


def test_bad_ballots_stop_gives_the_in_memory_error(client):  # noqa: F811
    frame = example_frame()
    import attrs

    stop = attrs.evolve(evalkit.load_review(REVIEW), bad_ballots="stop")
    with pytest.raises(evalkit.DataError) as in_memory:
        review(stop, table(frame), UNITS)
    with pytest.raises(evalkit.DataError) as on_dask:
        review(stop, dd.from_pandas(frame, npartitions=4, sort=False), UNITS)
    assert str(on_dask.value) == str(in_memory.value)
    assert "row" in str(on_dask.value) or "$[" in str(on_dask.value)


def test_whole_file_checks_are_the_in_memory_ones(client):  # noqa: F811
    frame = example_frame()
    frame = frame.assign(period=["2024" if i % 5 == 0 else "2025" for i in range(len(frame))])
    import attrs

    no_period = attrs.evolve(evalkit.load_review(REVIEW), period=None)
    for definition, period, message in [(no_period, None, "several periods"), (REVIEW, "2023", "no ballots for period")]:
        with pytest.raises(evalkit.DataError) as in_memory:
            review(definition, table(frame), UNITS, period=period)
        with pytest.raises(evalkit.DataError) as on_dask:
            review(definition, dd.from_pandas(frame, npartitions=3, sort=False), UNITS, period=period)
        assert str(on_dask.value) == str(in_memory.value) and message in str(on_dask.value)
    # the definition's period 2025: rows of 2024 are counted as other periods
    same_review(review("examples/reviews/review.yaml", table(frame), UNITS),
                review(REVIEW, dd.from_pandas(frame, npartitions=3, sort=False), UNITS))
    with pytest.raises(evalkit.DataError) as on_dask:
        review(REVIEW, dd.from_pandas(frame.drop(columns=["分数", "等次"]), npartitions=2), UNITS)
    assert "neither a score nor a grade column" in str(on_dask.value)


UNIT_IDS = [f"U{i:02d}" for i in range(1, 10)]
DEFINITION = {
    "id": "random", "name": "评议", "period": "2025", "excellent_min_score": 88.5,
    "grades": [{"word": "优秀", "score": 95, "excellent": True}, {"word": "良好", "score": 85.25}],
    "groups": [
        {"id": "leaders", "name": "领导点评", "weight": 3, "aggregation": "trimmed_mean", "fallback": "median",
         "min_ballots": 2},
        {"id": "members", "name": "党员互评", "weight": 2.5, "aggregation": "mean", "min_ballots": 2,
         "excellent_quota": {"share": "1/3", "rounding": "down"}},
        {"id": "staff", "name": "职工评议", "weight": 1, "aggregation": "trimmed_mean", "trim": {"share": 0.2},
         "excellent_quota": {"max": 2}},
        {"id": "public", "name": "群众评议", "weight": 3.5, "aggregation": "satisfaction", "min_ballots": 3}],
    "below_minimum": "reweight", "bad_ballots": "skip"}
CATEGORIES = ["非常满意", "满意", "基本满意", "不太满意", "不满意", "很好"]  # the last one is not a category


@st.composite
def ballot_rows(draw):
    rows = []
    for group, spelling in [("leaders", "领导点评"), ("members", "members"), ("staff", "职工评议"), ("public", "群众评议")]:
        for rater in range(draw(st.integers(0, 8))):
            rated = draw(st.lists(st.sampled_from(UNIT_IDS + ["U99"]), min_size=1, max_size=6))  # repeats: duplicates
            for unit in rated:
                row = {"rater_group": spelling if rater % 2 else group, "rater": f"R{rater}", "rater_unit": "",
                       "unit": unit, "score": None, "grade": None}
                if group == "public":
                    row["grade"] = draw(st.sampled_from(CATEGORIES))
                elif draw(st.booleans()):
                    row["grade"] = draw(st.sampled_from(["优秀", "良好", "差"]))
                else:
                    row["score"] = draw(st.sampled_from([60, 75.5, 80.1, 88.5, 90, 99.95, 100, 101]))
                rows.append(row)
    order = draw(st.permutations(range(len(rows))))
    return [rows[i] for i in order]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ballot_rows(), npartitions=st.integers(1, 5), below=st.sampled_from(["reweight", "missing"]))
def test_any_ballots_and_partitioning_give_the_in_memory_review(client, rows, npartitions, below):  # noqa: F811
    definition = evalkit.load_review(DEFINITION | {"below_minimum": below})
    if not rows:
        return
    frame = pd.DataFrame(rows)  # score: float64 with NaN where a grade is given; grade: text or None
    expected = review(definition, table(frame), UNIT_IDS)
    same_review(expected, review(definition, dd.from_pandas(frame, npartitions=npartitions, sort=False), UNIT_IDS))


def test_cli_review_engine_dask_prints_the_in_memory_review(client, tmp_path, capsys):  # noqa: F811
    from evalkit.cli import main

    ballots = tmp_path / "ballots.parquet"
    example_frame().to_parquet(ballots, row_group_size=50)  # 5 row groups: 5 partitions
    argv = ["review", str(REVIEW), "--ballots", str(ballots), "--units", str(UNITS), "--format", "json"]
    assert main(argv) == 0
    in_memory = capsys.readouterr()
    assert main([*argv, "--engine", "dask", "--scheduler", client.scheduler.address]) == 0
    on_dask = capsys.readouterr()
    assert on_dask.out == in_memory.out and on_dask.err == in_memory.err
    assert "row 221, column '被评单位': duplicate ballot" in on_dask.err and "(rows 117-127)" in on_dask.err


def test_cli_review_engine_dask_usage(tmp_path, capsys):
    from evalkit.cli import main

    ballots = str(EXAMPLES / "reviews" / "ballots.csv")
    base = ["review", str(REVIEW), "--units", str(UNITS)]
    assert main([*base, "--ballots", ballots, "--workers", "2"]) == 64
    assert "--workers goes with --engine dask" in capsys.readouterr().err
    assert main([*base, "--ballots", ballots, "--ballots", ballots, "--engine", "dask"]) == 64
    assert "one --ballots" in capsys.readouterr().err
    assert main([*base, "--ballots", ballots, "--engine", "dask"]) == 64
    assert "reads Parquet data files" in capsys.readouterr().err
    assert main([*base, "--ballots", str(tmp_path), "--engine", "dask", "--format", "csv", "--store",
                 str(tmp_path / "s.db")]) == 64
    assert "give one Parquet file, not the folder" in capsys.readouterr().err
    assert not (tmp_path / "s.db").exists()


def test_cli_review_engine_dask_store_keeps_the_review(client, tmp_path, capsys):  # noqa: F811
    from evalkit.cli import main

    ballots = tmp_path / "ballots.parquet"
    example_frame().to_parquet(ballots, row_group_size=80)
    argv = ["review", str(REVIEW), "--ballots", str(ballots), "--units", str(UNITS), "--format", "csv"]
    assert main([*argv, "-o", str(tmp_path / "memory.csv")]) == 0
    assert main([*argv, "-o", str(tmp_path / "dask.csv"), "--engine", "dask", "--scheduler", client.scheduler.address,
                 "--store", str(tmp_path / "s.db")]) == 0
    assert "kept as record 1" in capsys.readouterr().err
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "memory.csv").read_bytes()
