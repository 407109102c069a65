"""Benchmarks: statistics per peer group match numpy's, gaps have the documented sign, league tables, standards."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.analysis.benchmarks import (
    compute_benchmarks,
    designated_values,
    gap,
    group_statistics,
    league_table,
    peer_groups,
    percentile_label,
    read_standards,
)
from evalkit.cli import main
from evalkit.errors import DataError
from evalkit.io.data import Units, hierarchy_levels
from evalkit.io.inputs import read_table
from evalkit.rules.achievement_improvement import baseline_thresholds

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "targets"
QUICKSTART = Path(__file__).resolve().parent.parent / "examples" / "quickstart"


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    return code, out, err


# --------------------------------------------------------------------------------------------------
# Statistics against numpy, on random data, per group


values_st = st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)), min_size=1, max_size=60)


@settings(max_examples=150)
@given(values=values_st, data=st.data(), higher=st.booleans(),
       qs=st.lists(st.one_of(st.integers(0, 100), st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 4))), max_size=3))
def test_group_statistics_match_numpy(values, data, higher, qs):
    n = len(values)
    x = np.array([np.nan if v is None else v for v in values])
    labels = data.draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=n, max_size=n))
    codes, names = peer_groups(Units.from_ids([f"u{i}" for i in range(n)], attributes={"g": labels}), "g")
    stats = group_statistics(x, codes, len(names), higher, qs)
    for g, name in enumerate(names):
        members = np.array([lab == name for lab in labels])
        vals = x[members & ~np.isnan(x)]
        assert stats["n"][g] == vals.size
        if vals.size == 0:
            assert all(np.isnan(stats[k][g]) for k in ("mean", "median", "best", "top_decile"))
            continue
        np.testing.assert_allclose(stats["mean"][g], np.mean(vals), rtol=1e-9, atol=1e-6)
        assert stats["median"][g] == np.median(vals)
        assert stats["best"][g] == (vals.max() if higher else vals.min())
        k = math.ceil(vals.size / 10)
        best_k = np.sort(vals)[-k:] if higher else np.sort(vals)[:k]
        np.testing.assert_allclose(stats["top_decile"][g], best_k.mean(), rtol=1e-12, atol=1e-9)
        for q in qs:
            expected = np.percentile(vals, q if higher else 100 - q)  # numpy's default method: linear
            assert stats[percentile_label(q)][g] == expected


def test_percentile_is_taken_on_performance():
    units = Units.from_ids(["a", "b", "c", "d", "e"])
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    codes, _names = peer_groups(units, "all")
    up = group_statistics(x, codes, 1, True, [90])
    down = group_statistics(x, codes, 1, False, [90])
    assert up["p90"][0] == pytest.approx(4.6) and down["p90"][0] == pytest.approx(1.4)
    assert up["best"][0] == 5 and down["best"][0] == 1
    assert up["top_decile"][0] == 5 and down["top_decile"][0] == 1


def test_median_and_top_decile_are_the_hvbp_rules():
    """The achievement-or-improvement rule's threshold and benchmark are these benchmarks."""
    rng = np.random.default_rng(3)
    x = rng.normal(80, 10, 57)
    x[[3, 9]] = np.nan
    labels = rng.choice(["x", "y", "z"], 57)
    units = Units.from_ids([f"u{i}" for i in range(57)], attributes={"size": labels})
    codes, names = peer_groups(units, "size")
    for higher in (True, False):
        at, bm = baseline_thresholds(x, codes, higher)
        stats = group_statistics(x, codes, len(names), higher)
        assert np.array_equal(stats["median"][codes], at, equal_nan=True)
        assert np.array_equal(stats["top_decile"][codes], bm, equal_nan=True)


def test_gap_is_positive_when_better():
    assert gap(np.array([90.0]), 80.0, higher_is_better=True)[0] == 10
    assert gap(np.array([70.0]), 80.0, higher_is_better=True)[0] == -10
    assert gap(np.array([1.0]), 3.0, higher_is_better=False)[0] == 2  # fewer absences than the benchmark: better
    assert gap(np.array([5.0]), 3.0, higher_is_better=False)[0] == -2
    assert np.isnan(gap(np.array([np.nan]), 3.0)[0])


# --------------------------------------------------------------------------------------------------
# Peer groups


def test_hierarchy_levels_and_level_groups():
    units = Units.from_ids(["root", "a", "b", "a1", "a2", "b1", "a1x"],
                           parents=[None, "root", "root", "a", "a", "b", "a1"])
    assert hierarchy_levels(units).tolist() == [1, 2, 2, 3, 3, 3, 4]
    codes, names = peer_groups(units, "level")
    assert names == ("1", "2", "3", "4")
    assert [names[c] for c in codes] == ["1", "2", "2", "3", "3", "3", "4"]
    codes, names = peer_groups(units, "parent")  # siblings
    assert codes[3] == codes[4] != codes[5]


def test_a_level_column_in_the_units_file_wins():
    units = Units.from_ids(["a", "b"], attributes={"level": ["county", "town"]})
    assert peer_groups(units, "level")[1] == ("county", "town")


def test_unknown_peer_group_is_a_data_error():
    with pytest.raises(DataError, match="no attribute 'size'"):
        peer_groups(Units.from_ids(["a"]), "size")


# --------------------------------------------------------------------------------------------------
# League tables


def test_league_table_five_above_and_below():
    ids = [f"u{i:02d}" for i in range(20)]
    x = np.arange(20, dtype=float)  # u19 best
    codes = np.zeros(20, dtype=np.int64)
    table = league_table(x, ids, codes, position=10, higher_is_better=True)
    assert [ids[p] for p in table.positions] == [f"u{i:02d}" for i in range(15, 4, -1)]
    assert table.focus == 5 and table.ranks.tolist() == list(range(5, 16)) and table.size == 20
    top = league_table(x, ids, codes, position=19)
    assert top.focus == 0 and len(top.positions) == 6
    bottom = league_table(x, ids, codes, position=0)
    assert bottom.focus == 5 and len(bottom.positions) == 6 and bottom.ranks[-1] == 20
    lower = league_table(x, ids, codes, position=0, higher_is_better=False)
    assert lower.focus == 0 and lower.ranks[0] == 1


def test_league_table_ties_nan_and_groups():
    ids = ["a", "b", "c", "d", "e"]
    x = np.array([5.0, 7.0, 7.0, np.nan, 1.0])
    codes = np.array([0, 0, 0, 0, 1])
    table = league_table(x, ids, codes, position=0)
    assert [ids[p] for p in table.positions] == ["b", "c", "a"] and table.ranks.tolist() == [1, 1, 3]
    assert table.size == 3  # e is in another group, d has no value
    missing = league_table(x, ids, codes, position=3)
    assert missing.focus == -1 and [ids[p] for p in missing.positions] == ["b", "c", "a"]


# --------------------------------------------------------------------------------------------------
# Designated units and standards


def test_designated_units_are_benchmarks_of_their_group():
    x = np.array([80.0, 90.0, 70.0, 60.0, np.nan])
    codes = np.array([0, 0, 1, 1, 2])
    mask = np.array([False, True, True, True, True])
    out = designated_values(x, codes, 3, mask)
    assert out[0] == 90 and out[1] == 65 and np.isnan(out[2])


def _quickstart():
    scorecard = evalkit.load_scorecard(QUICKSTART / "scorecard.yaml")
    units = evalkit.load_units(QUICKSTART / "units.csv", scorecard.registry)
    return scorecard, evalkit.load_data(QUICKSTART / "data.csv", units, scorecard)


def test_compute_benchmarks_and_gaps():
    scorecard, data = _quickstart()
    bm = compute_benchmarks(data, scorecard.indicators, peer_group="type", percentiles=[75], designated=["U02"])
    rate = bm.indicators["meetings_rate"]
    gov = bm.labels.index("政府部门")
    values = data.column("meetings_rate")
    members = np.array([t == "政府部门" for t in data.units.types])
    assert rate.table["mean"][gov] == pytest.approx(np.nanmean(values[members]))
    assert rate.table["designated"][gov] == values[data.units.index["U02"]]
    assert np.isnan(rate.table["designated"][bm.labels.index("党委部门")])  # U02 is not one of theirs
    gaps = bm.gaps("missed_meetings")
    i = data.units.index["U05"]
    mm = bm.indicators["missed_meetings"]
    assert gaps["best"][i] == mm.table["best"][bm.codes[i]] - mm.values[i]  # lower is better: benchmark - value
    doc = bm.to_dict(unit_ids=["U05"], league=True)
    json.dumps(doc, allow_nan=False)
    unit = doc["units"][0]
    assert unit["group"] == "政府部门" and "league" in unit["indicators"]["meetings_rate"]
    assert sum(row["this_unit"] for row in unit["indicators"]["meetings_rate"]["league"]) == 1


def test_unknown_designated_unit_and_bad_percentile():
    scorecard, data = _quickstart()
    with pytest.raises(DataError) as info:
        compute_benchmarks(data, scorecard.indicators, designated=["U99"], percentiles=[120])
    assert len(info.value.problems) == 2


def test_standards_by_group(tmp_path, registry):
    scorecard, data = _quickstart()
    path = tmp_path / "standards.csv"
    path.write_text("indicator,value,group,name\nsatisfaction,85,,\nsatisfaction,90,政府部门,\n"
                    "satisfaction,80,,市标\n", encoding="utf-8")
    standards = read_standards(read_table(path, registry), scorecard.indicators)
    bm = compute_benchmarks(data, {"satisfaction": scorecard.indicators["satisfaction"]}, peer_group="type", standards=standards)
    table = bm.indicators["satisfaction"].table
    assert table["standard"][bm.labels.index("政府部门")] == 90
    assert table["standard"][bm.labels.index("党委部门")] == 85
    assert (table["standard:市标"] == 80).all()
    with pytest.raises(DataError, match="no peer group '政府部门' when peers are grouped by 'all'"):
        compute_benchmarks(data, scorecard.indicators, peer_group="all", standards=standards)


def test_bad_standards_rows_are_named(tmp_path, registry):
    path = tmp_path / "standards.csv"
    path.write_text("indicator,value\nsatisfactoin,85\nsatisfaction,85%\nsatisfaction,\nsatisfaction,1\nsatisfaction,2\n",
                    encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_standards(read_table(path, registry), ["satisfaction"])
    rows = [(p.row, p.message) for p in info.value.problems]
    assert [r for r, _ in rows] == [2, 3, 4, 6]
    assert "unknown indicator" in rows[0][1] and "already have a standard" in rows[3][1]


# --------------------------------------------------------------------------------------------------
# The command


def test_cli_benchmarks_formats(capsys, tmp_path):
    args = (EXAMPLE / "scorecard.yaml", "--data", EXAMPLE / "data.csv", "--units", EXAMPLE / "units.csv")
    code, out, err = run(capsys, "benchmarks", *args, "--peer-group", "type", "--standards", EXAMPLE / "standards.csv")
    assert code == 0 and "前10%均值" in out and "省标准" in out and "机关党委" in out
    code, out, err = run(capsys, "benchmarks", *args, "--peer-group", "type", "--standards", EXAMPLE / "standards.csv",
                         "--indicator", "satisfaction")
    assert code == 0 and "省标准" in out and "三会一课" not in out
    code, out, err = run(capsys, "benchmarks", *args, "--peer-group", "level", "--standards", EXAMPLE / "standards.csv")
    assert code == 3 and "no peer group '机关党委' when peers are grouped by 'level'" in err
    code, out, err = run(capsys, "benchmarks", *args, "--peer-group", "level", "--format", "json")
    assert code == 0 and [g["group"] for g in json.loads(out)["indicators"][0]["groups"]] == ["1", "2"]
    code, out, _ = run(capsys, "benchmarks", *args, "--unit", "B07", "--peer-group", "type", "--benchmark-unit", "B02",
                       "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["peer_group"] == "type" and [u["id"] for u in doc["units"]] == ["B07"]
    assert doc["units"][0]["indicators"]["meetings_rate"]["gaps"]["designated"] == pytest.approx(83.3 - 100)
    code, out, _ = run(capsys, "benchmarks", *args, "--format", "csv", "--indicator", "satisfaction", "--percentile", "50")
    lines = out.lstrip("\ufeff").splitlines()
    assert code == 0 and lines[0] == "indicator,group,n,benchmark,value" and any(",p50," in line for line in lines)
    code, out, _ = run(capsys, "benchmarks", *args, "--unit", "B03", "--lang", "en")
    assert code == 0 and "◀" in out and "league" in out
    out_file = tmp_path / "b.csv"
    code, _, err = run(capsys, "benchmarks", *args, "--unit", "B03", "--format", "csv", "-o", out_file)
    assert code == 0 and out_file.read_text(encoding="utf-8-sig").startswith("unit,indicator,group,value,rank")


def test_cli_benchmarks_errors(capsys):
    args = (EXAMPLE / "scorecard.yaml", "--data", EXAMPLE / "data.csv", "--units", EXAMPLE / "units.csv")
    code, _, err = run(capsys, "benchmarks", *args, "--peer-group", "size")
    assert code == 3 and "片区" in err
    code, _, err = run(capsys, "benchmarks", *args, "--unit", "B99")
    assert code == 3 and "unknown unit" in err
    code, _, err = run(capsys, "benchmarks", *args, "--percentile", "101")
    assert code == 64
    code, _, err = run(capsys, "benchmarks", *args, "--indicator", "nope")
    assert code == 3 and "unknown indicator" in err


# ------------------------------------------------------------------------------------------------
# Issue 17: quantile methods other than numpy's linear


def test_quantile_methods_reproduce_excel_percentile_exc():
    """Microsoft's PERCENTILE.EXC help page: data 1, 2, 3, 6, 6, 6, 7, 8, 9; PERCENTILE.EXC(A2:A10, 0.25) = 2.5
    (numpy method "weibull", Hyndman & Fan 6); PERCENTILE.INC(…, 0.25) = 3 (numpy "linear", the default)."""
    from evalkit.analysis.benchmarks import group_percentiles

    v = np.array([1, 2, 3, 6, 6, 6, 7, 8, 9.0])
    codes = np.zeros(9, dtype=np.int64)
    assert group_percentiles(v, codes, 1, [25], method="weibull")[25.0][0] == 2.5
    assert group_percentiles(v, codes, 1, [25])[25.0][0] == 3
    assert group_percentiles(v, codes, 1, [25], method="inverted_cdf")[25.0][0] == 3
    assert group_percentiles(v, codes, 1, [50], method="hazen")[50.0][0] == 6


def test_benchmarks_cli_takes_the_quantile_method(capsys):
    from evalkit.cli import main

    args = ["benchmarks", "examples/quickstart/scorecard.yaml", "--data", "examples/quickstart/data.csv",
            "--units", "examples/quickstart/units.csv", "--format", "json"]
    assert main(args + ["--quantile-method", "weibull"]) == 0
    weibull = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    linear = json.loads(capsys.readouterr().out)
    assert weibull["quantile_method"] == "weibull" and "quantile_method" not in linear
    p90 = [g["benchmarks"]["p90"] for i in weibull["indicators"] for g in i["groups"]]
    assert p90 != [g["benchmarks"]["p90"] for i in linear["indicators"] for g in i["groups"]]
