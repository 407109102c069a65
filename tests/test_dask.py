"""The Dask engine gives the in-memory results bit for bit: the example scorecards, peer rules (percentile,
zscore, rank_points, achievement_improvement), quotas per group, re-weighted missing data, vetoes and gates,
long and wide frames, scored on a LocalCluster of 2 worker processes and in memory, every per-unit column
compared (totals, item points and contributions, dimension scores, grades, ranks, quota moves, missing flags)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("distributed")
pytest.importorskip("dask.dataframe")

import dask.dataframe as dd
import pandas as pd

import evalkit
from evalkit.scoring.distributed import evaluate_dask, fast_wide_data, global_rules, result_frame
from tests.conftest import EXAMPLES


@pytest.fixture(scope="session")
def client():
    """One LocalCluster of 2 worker processes for the whole session."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    with Client(cluster) as c:
        yield c
    cluster.close()


def read_csv(path):
    """A CSV as pandas reads it, unit and period as text, numbers as pandas parses them (the same frame goes to both paths)."""
    return pd.read_csv(path, dtype={"unit": str, "period": str}, encoding="utf-8-sig")


def same_results(expected, got) -> None:
    """Every column equal: floats bit for bit (NaN where NaN), ints, flags and text exactly."""
    expected = expected.sort_values("unit").reset_index(drop=True)
    got = got.sort_values("unit").reset_index(drop=True)
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    for column in expected.columns:
        a, b = expected[column], got[column]
        if a.dtype.kind == "f":
            x, y = a.to_numpy(np.float64), b.to_numpy(np.float64)
            assert np.array_equal(np.isnan(x), np.isnan(y)), column
            assert (x[~np.isnan(x)].view(np.int64) == y[~np.isnan(y)].view(np.int64)).all(), column
        elif a.dtype.kind in "biu":
            assert (a.to_numpy() == b.to_numpy()).all(), column
        else:
            def text(s):
                return [None if v is None or v is pd.NA or v != v else str(v) for v in s.tolist()]

            assert text(a) == text(b), column


def check(scorecard, frame, npartitions=3, units=None, adjustments=(), period=None):
    expected = result_frame(evalkit.evaluate(scorecard, frame, units=units, adjustments=adjustments, period=period))
    run = evaluate_dask(scorecard, dd.from_pandas(frame, npartitions=npartitions, sort=False), units=units,
                        adjustments=adjustments, period=period)
    same_results(expected, run.compute())
    assert run.summary["units"] == len(expected)
    assert run.summary["total"]["max"] == pytest.approx(np.nanmax(expected["total"]))
    return expected, run


EXAMPLE_RUNS = {
    "quickstart": ("data.csv",),
    "civil-servants": ("data.csv",),
    "county-254": ("data.csv",),
    "five-star-clauses": ("data.csv",),
    "hvbp": ("data.csv",),
    "party-building": ("data.csv", "review.csv"),
}


@pytest.mark.parametrize("name", sorted(EXAMPLE_RUNS))
def test_examples_score_the_same_on_two_workers(client, name):
    base = EXAMPLES / name
    scorecard = evalkit.load_scorecard(base / "scorecard.yaml")
    frame = pd.concat([read_csv(base / f) for f in EXAMPLE_RUNS[name]], ignore_index=True)
    units = evalkit.load_units(base / "units.csv")
    adjustments = read_csv(base / "adjustments.csv") if (base / "adjustments.csv").exists() else ()
    expected, run = check(scorecard, frame, units=units, adjustments=adjustments)
    if name == "hvbp":  # achievement_improvement reads every unit's baseline: scored on the client
        assert global_rules(scorecard) == {"achievement_improvement"}
    if name == "party-building":  # quotas per type move units down; vetoes and gates hold
        assert run.summary["quota_moves"] and sum(run.summary["quota_moves"].values()) > 0
        assert any(c.startswith("veto:") for c in expected.columns)


PEERS = """\
evalkit: 1
id: peers-2025
name: {en: Peer rules}
period: "2025"
missing: zero
rounding: {decimals: 2, mode: half_up}
ranking: {ties: TIES}
indicators:
  - {id: a, name: {en: A}}
  - {id: b, name: {en: B}}
  - {id: c, name: {en: C}, direction: lower}
  - {id: d, name: {en: D}}
dimensions:
  - id: one
    name: {en: One}
    children:
      - {id: pa, name: {en: PA}, indicator: a, max_points: 20, rule: {name: percentile, params: {peer_group: type}}}
      - {id: zb, name: {en: ZB}, indicator: b, max_points: 20, rule: {name: zscore, params: {peer_group: region}}, missing: reweight}
  - id: two
    name: {en: Two}
    children:
      - {id: rc, name: {en: RC}, indicator: c, max_points: 30, rule: {name: rank_points, params: {table: [30, 25, 20, 15]}}}
      - {id: ld, name: {en: LD}, indicator: d, max_points: 30, rule: {name: linear, params: {lower: 10, upper: 90}}, missing: reweight}
grading:
  bands:
    - {min: 80, grade: good, label: {en: Good}}
    - {min: 60, grade: fair, label: {en: Fair}}
    - {min: 0, grade: poor, label: {en: Poor}}
  quotas:
    - {grade: good, share: 0.2, per: type, rounding: half_up, ties: QUOTA_TIES}
"""


def peer_data(seed: int, n: int = 240):
    rng = np.random.default_rng(seed)
    ids = [f"U{i:04d}" for i in rng.permutation(n)]
    values = {k: np.round(rng.uniform(0, 100, n), 1) for k in "abcd"}
    values["a"][rng.random(n) < 0.05] = np.nan
    values["b"][rng.random(n) < 0.15] = np.nan  # re-weighted away
    values["d"][rng.random(n) < 0.15] = np.nan
    values["c"] = np.round(values["c"] / 10)  # many ties for rank points
    rows = [(u, k, "2025", float(values[k][i])) for i, u in enumerate(ids) for k in "abcd" if not np.isnan(values[k][i])]
    frame = pd.DataFrame(rows, columns=["unit", "indicator", "period", "value"])
    units = evalkit.Units.from_ids(ids, types=[("x", "y", "z")[i % 3] for i in range(n)],
                                   attributes={"region": [("north", "south")[i % 2] for i in range(n)]})
    return frame, units


@pytest.mark.parametrize(("seed", "ties", "quota_ties"), [(1, "min", "exclude"), (2, "dense", "include"), (3, "ordinal", "id")])
def test_peer_rules_quotas_and_reweighting_score_the_same(client, tmp_path, seed, ties, quota_ties):
    path = tmp_path / "peers.yaml"
    path.write_text(PEERS.replace("QUOTA_TIES", quota_ties).replace("TIES", ties), encoding="utf-8")
    scorecard = evalkit.load_scorecard(path)
    assert global_rules(scorecard) == {"percentile", "zscore", "rank_points"}
    frame, units = peer_data(seed)
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # a unit's rows spread over partitions
    expected, run = check(scorecard, frame, npartitions=4, units=units)
    assert expected["missing:zb"].any() and np.isnan(expected["dimension:one"]).sum() >= 0
    assert run.summary["quota_moves"]["quota:good"] == int(expected["quota:good"].sum())


def test_wide_frame_and_units_from_the_ids(client):
    scorecard = evalkit.load_scorecard(EXAMPLES / "quickstart" / "scorecard.yaml")
    long = read_csv(EXAMPLES / "quickstart" / "data.csv")
    wide = long.pivot(index="unit", columns="indicator", values="value").reset_index()
    wide.columns.name = None
    units = evalkit.Units.from_ids(sorted(wide["unit"]))
    assert fast_wide_data(wide, units, scorecard, None) is not None  # read straight into columns
    check(scorecard, wide, npartitions=2)
    wide["missed_meetings"] = -1.0  # per_event counts are never negative: the general path's message
    with pytest.raises(evalkit.DataError) as in_memory:
        evalkit.evaluate(scorecard, wide)
    with pytest.raises(evalkit.DataError) as on_dask:
        evaluate_dask(scorecard, dd.from_pandas(wide, npartitions=1))
    assert str(on_dask.value) == str(in_memory.value)
    wide["unit"] = " " + wide["unit"]  # ids as the reader trims them: not the plain case
    assert fast_wide_data(wide, units, scorecard, None) is None


def test_plugin_rule_without_the_attribute_is_scored_on_all_units(client, tmp_path):
    """A rule that does not say it is unit-local reads other units: scored once on all of them."""
    from evalkit.rules.base import Rule

    class ShareOfBest(Rule):
        name = "share_of_best"

        def score(self, values, ctx):
            return values / np.nanmax(values) * ctx.max_points

    assert ShareOfBest.unit_local is False
    registry = evalkit.default_registry()
    registry.rules["share_of_best"] = ShareOfBest()
    path = tmp_path / "best.yaml"
    path.write_text(PEERS.replace("name: linear, params: {lower: 10, upper: 90}", "name: share_of_best")
                    .replace("QUOTA_TIES", "id").replace("TIES", "min"), encoding="utf-8")
    scorecard = evalkit.load_scorecard(path, registry=registry)
    frame, units = peer_data(5, n=60)
    check(scorecard, frame, npartitions=3, units=units)


def test_data_errors_are_the_in_memory_ones(client):
    scorecard = evalkit.load_scorecard(EXAMPLES / "quickstart" / "scorecard.yaml")
    frame = read_csv(EXAMPLES / "quickstart" / "data.csv")
    units = evalkit.load_units(EXAMPLES / "quickstart" / "units.csv")
    frame.loc[frame["indicator"] == "missed_meetings", "value"] = -3.0  # per_event: counts are never negative
    with pytest.raises(evalkit.DataError) as in_memory:
        evalkit.evaluate(scorecard, frame, units=units)
    with pytest.raises(evalkit.DataError) as on_dask:
        evaluate_dask(scorecard, dd.from_pandas(frame, npartitions=1), units=units)
    assert str(on_dask.value) == str(in_memory.value)


def test_results_written_as_partitioned_parquet(client, tmp_path):
    scorecard = evalkit.load_scorecard(EXAMPLES / "quickstart" / "scorecard.yaml")
    frame = read_csv(EXAMPLES / "quickstart" / "data.csv")
    run = evaluate_dask(scorecard, dd.from_pandas(frame, npartitions=3))
    run.to_parquet(tmp_path / "out")
    back = pd.read_parquet(tmp_path / "out" / "units")
    same_results(result_frame(evalkit.evaluate(scorecard, frame)), back)
    assert len(list((tmp_path / "out" / "units").glob("*.parquet"))) == 3

    assert json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8")) == run.to_dict()


def parquet_inputs(tmp_path, name="quickstart"):
    base = EXAMPLES / name
    data = tmp_path / "data.parquet"
    read_csv(base / "data.csv").to_parquet(data)
    return base, data


def test_cli_engine_dask_writes_the_in_memory_results(client, tmp_path, capsys):
    from evalkit.cli import main
    from evalkit.scoring.files import InputFiles, evaluate_files

    base, data = parquet_inputs(tmp_path)
    argv = [str(base / "scorecard.yaml"), "--data", str(data), "--units", str(base / "units.csv"),
            "--adjustments", str(base / "adjustments.csv")]
    out = tmp_path / "out"
    assert main(["run", *argv, "--engine", "dask", "--scheduler", client.scheduler.address, "-o", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary == json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["units"] == 12 and summary["engine"] == "dask"
    files = InputFiles(base / "scorecard.yaml", units=base / "units.csv", data=[data], adjustments=base / "adjustments.csv")
    same_results(result_frame(evaluate_files(files)), pd.read_parquet(out / "units"))


def test_cli_engine_dask_usage(tmp_path, capsys, monkeypatch):
    from evalkit.cli import main

    base, data = parquet_inputs(tmp_path)
    argv = ["run", str(base / "scorecard.yaml"), "--data", str(data), "--units", str(base / "units.csv")]
    assert main([*argv, "--engine", "dask"]) == 64  # no -o DIRECTORY
    assert "-o DIRECTORY" in capsys.readouterr().err
    assert main([*argv, "--scheduler", "tcp://127.0.0.1:1"]) == 64  # --scheduler without --engine dask
    assert "goes with --engine dask" in capsys.readouterr().err
    assert main([*argv, "--engine", "dask", "--format", "html", "-o", str(tmp_path / "o")]) == 64
    assert "--format" in capsys.readouterr().err
    csv_argv = ["run", str(base / "scorecard.yaml"), "--data", str(base / "data.csv"), "--units", str(base / "units.csv")]
    assert main([*csv_argv, "--engine", "dask", "-o", str(tmp_path / "o")]) == 64
    assert "reads Parquet data files" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if evalkit[dask] were not installed
    assert main([*argv, "--engine", "dask", "-o", str(tmp_path / "o")]) == 64
    assert "pip install 'evalkit[dask]'" in capsys.readouterr().err


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**16), npartitions=st.integers(1, 6), ties=st.sampled_from(["min", "dense", "ordinal"]))
def test_any_partitioning_gives_the_in_memory_results(tmp_path_factory, seed, npartitions, ties):
    """Property: however the rows are split into partitions (a unit's rows spread over several), the Dask
    engine gives the in-memory results (Dask's synchronous scheduler, no cluster: quick)."""
    import dask

    path = tmp_path_factory.mktemp("peers") / "peers.yaml"
    path.write_text(PEERS.replace("QUOTA_TIES", "exclude").replace("TIES", ties), encoding="utf-8")
    scorecard = evalkit.load_scorecard(path)
    frame, units = peer_data(seed, n=48)
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    with dask.config.set(scheduler="sync"):
        check(scorecard, frame, npartitions=npartitions, units=units)
