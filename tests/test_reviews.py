"""Multi-rater reviews: the definition, ballot checks by file and row, aggregation, quotas, the CLI."""

from __future__ import annotations

import csv
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.cli import main
from evalkit.errors import DataError, DefinitionError
from evalkit.io.data import Units
from evalkit.reviews import (
    BELOW_MINIMUM,
    FALLBACK,
    NO_BALLOTS,
    OK,
    Quota,
    aggregate,
    ballots_table,
    load_review,
    read_ballots,
    review,
    void_ballots,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "reviews"
UNITS_FILE = Path(__file__).resolve().parent.parent / "examples" / "quickstart" / "units.csv"
UNITS = Units.from_ids(["A", "B", "C", "D"], names=["甲单位", "乙单位", "丙单位", "丁单位"])


def definition(**changes) -> dict:
    base = {
        "id": "r", "name": {"zh": "评议", "en": "Review"}, "period": "2025",
        "grades": [{"word": "优秀", "score": 95, "excellent": True, "aliases": ["excellent"]},
                   {"word": "良好", "score": 85}, {"word": "一般", "score": 70}, {"word": "较差", "score": 50}],
        "groups": [{"id": "leaders", "name": {"zh": "领导点评", "en": "Leaders"}, "weight": 3, "aggregation": "trimmed_mean"},
                   {"id": "members", "name": {"zh": "党员互评", "en": "Members"}, "weight": 3},
                   {"id": "public", "name": {"zh": "群众评议", "en": "Public"}, "weight": 4, "aggregation": "satisfaction"}],
        "bad_ballots": "skip",
    }
    base.update(changes)
    return base


def ballot(group, rater, unit, score=None, grade=None, rater_unit=None) -> dict:
    return {"rater_group": group, "rater": rater, "rater_unit": rater_unit, "unit": unit, "score": score, "grade": grade}


def run_review(rows, units=UNITS, **changes):
    return review(load_review(definition(**changes)), rows, units)


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    return code, out, err


# --------------------------------------------------------------------------------------------------
# The definition


def test_the_example_loads_and_its_weights_are_normalised_and_stated():
    d = load_review(EXAMPLE / "review.yaml")
    assert [g.id for g in d.groups] == ["leaders", "members", "public"]
    assert d.shares.tolist() == pytest.approx([0.3, 0.3, 0.4]) and d.shares.sum() == pytest.approx(1)
    assert d.to_dict()["groups"][0]["share"] == pytest.approx(0.3) and d.to_dict()["groups"][0]["weight"] == 3
    assert d.groups[1].quota == Quota(share=Fraction(1, 3), rounding="down")
    assert [c.score for c in d.groups[2].categories] == [100, 80, 60, 30, 0]  # the statistics bureau's


@pytest.mark.parametrize("weights, shares", [((3, 6, 3, 3), (0.2, 0.4, 0.2, 0.2)), ((20,) * 5, (0.2,) * 5),
                                             ((0.3, 0.3, 0.4), (0.3, 0.3, 0.4))])
def test_group_weights_in_any_notation(weights, shares):
    d = load_review(definition(groups=[{"id": f"g{k}", "weight": w} for k, w in enumerate(weights)]))
    assert d.shares.tolist() == pytest.approx(shares)


def test_schema_problems_have_path_and_line(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("id: r\nname: R\ngroups:\n  - id: leaders\n    weight: 3\n    aggregation: trimed_mean\n"
                    "  - id: public\n    weight: -1\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_review(path)
    text = [str(p) for p in info.value.problems]
    assert any(t.startswith(f"{path}:6, $.groups[0].aggregation: not an accepted value (did you mean 'trimmed_mean'?)")
               for t in text), text
    assert any(t.startswith(f"{path}:8, $.groups[1].weight: out of range (expected a number > 0") for t in text), text


@pytest.mark.parametrize("changes, path, message", [
    ({"groups": [{"id": "a", "weight": 1, "fallback": "median"}]}, "$.groups[0].fallback", "trimmed_mean only"),
    ({"groups": [{"id": "a", "weight": 1, "categories": [{"word": "x", "score": 1}, {"word": "y", "score": 0}]}]},
     "$.groups[0].categories", "satisfaction only"),
    ({"grades": [{"word": "优秀", "score": 95}], "groups": [{"id": "a", "weight": 1, "excellent_quota": {"max": 2}}]},
     "$.groups[0].excellent_quota", "cannot tell which marks are excellent"),
    ({"groups": [{"id": "a", "weight": 1, "aggregation": "satisfaction", "excellent_quota": {"max": 2}}]},
     "$.groups[0].excellent_quota", "no excellent quota"),
    ({"grades": [{"word": "优秀", "score": 120}]}, "$.grades[0].score", "outside the scale"),
    ({"grades": [{"word": "优秀", "score": 95}, {"word": "好", "score": 85, "aliases": ["优秀"]}]}, "$.grades[1]",
     "already word 0"),
    ({"groups": [{"id": "a", "name": "领导", "weight": 1}, {"id": "b", "name": "领导", "weight": 1}]}, "$.groups[1]",
     "already names group 'a'"),
    ({"scale": {"min": 10, "max": 5}}, "$.scale.max", "above its min"),
    ({"groups": [{"id": "a", "weight": 1, "excellent_quota": {"share": "4/3"}}]}, "$.groups[0].excellent_quota.share",
     "cannot be above 1"),
    ({"groups": [{"id": "a", "weight": 1, "aggregation": "satisfaction",
                  "categories": [{"word": "差", "score": 0}, {"word": "好", "score": 100}]}]},
     "$.groups[0].categories", "must not increase"),
])
def test_semantic_problems(changes, path, message):
    with pytest.raises(DefinitionError) as info:
        load_review(definition(**changes))
    assert any(p.path == path and message in p.message for p in info.value.problems), info.value.problems


# --------------------------------------------------------------------------------------------------
# Aggregation


def test_mean_median_trimmed_and_the_weighted_score():
    rows = [ballot("leaders", f"L{k}", "A", s) for k, s in enumerate([60, 90, 80, 100, 85])]
    rows += [ballot("members", f"M{k}", "A", s) for k, s in enumerate([70, 80, 95])]
    rows += [ballot("public", f"P{k}", "A", grade=g) for k, g in enumerate(["非常满意", "满意", "满意", "基本满意"])]
    r = run_review(rows)
    # trimmed: drop 60 and 100 -> (90 + 80 + 85) / 3 = 85; members mean 81.67; public (100+80+80+60)/4 = 80.
    assert r.values[0].tolist() == pytest.approx([85, 245 / 3, 80])
    assert r.score[0] == pytest.approx(0.3 * 85 + 0.3 * 245 / 3 + 0.4 * 80)
    assert r.counts[0].tolist() == [5, 3, 4]
    assert r.categories["public"][0].tolist() == [1, 2, 1, 0, 0]
    assert r.indicators() == {"review_score": {"A": 82}, "review_score.leaders": {"A": 85},
                              "review_score.members": {"A": 81.67}, "review_score.public": {"A": 80}}
    median = run_review(rows[5:8], groups=[{"id": "members", "weight": 1, "aggregation": "median"}])
    assert median.values[0, 0] == 80


def test_satisfaction_index_worked_example():
    counts = [20, 15, 10, 3, 2]  # the satisfaction rule's worked example: 77.8
    words = ["非常满意", "满意", "基本满意", "不太满意", "不满意"]
    rows = [ballot("public", f"P{k}-{j}", "A", grade=w) for k, (w, n) in enumerate(zip(words, counts)) for j in range(n)]
    r = run_review(rows, groups=[{"id": "public", "weight": 1, "aggregation": "satisfaction"}])
    assert r.values[0, 0] == pytest.approx(77.8) and r.categories["public"][0].tolist() == counts


def test_trimmed_mean_fallback_below_three_ballots():
    rows = [ballot("leaders", "L1", "A", 80), ballot("leaders", "L2", "A", 90)]
    for fallback, expected, status in (("mean", 85, FALLBACK), ("median", 85, FALLBACK), ("missing", None, None)):
        group = {"id": "leaders", "weight": 1, "aggregation": "trimmed_mean", "fallback": fallback}
        r = run_review(rows, groups=[group])
        if expected is None:
            assert np.isnan(r.values[0, 0]) and np.isnan(r.score[0])
        else:
            assert r.values[0, 0] == expected and r.status[0, 0] == status
    default = run_review(rows, groups=[{"id": "leaders", "weight": 1, "aggregation": "trimmed_mean"}])
    assert default.values[0, 0] == 85  # plain mean by default


def test_below_minimum_reweights_or_makes_the_review_missing():
    rows = [ballot("leaders", f"L{k}", "A", 90) for k in range(3)] + [ballot("members", "M1", "A", 60)]
    groups = [{"id": "leaders", "weight": 1, "min_ballots": 3}, {"id": "members", "weight": 1, "min_ballots": 2}]
    r = run_review(rows, groups=groups)
    assert r.score[0] == 90 and r.weights[0].tolist() == [1, 0] and r.status[0].tolist() == [OK, BELOW_MINIMUM]
    assert r.status[1].tolist() == [NO_BALLOTS, NO_BALLOTS] and np.isnan(r.score[1])
    assert r.unit_reasons(0) == ["members: 1 ballots, fewer than 2", "the other groups re-weighted"]
    missing = run_review(rows, groups=groups, below_minimum="missing")
    assert np.isnan(missing.score[0]) and "A" not in missing.indicators()["review_score"]
    assert missing.indicators()["review_score.leaders"] == {"A": 90}


def test_grade_words_aliases_full_width_and_group_names():
    rows = [ballot("领导点评", "L1", "A", grade="EXCELLENT"), ballot("Leaders", "L2", "A", grade="良好"),
            ballot("leaders", "L3", "A", score="７０")]
    r = run_review(rows, groups=[{"id": "leaders", "name": {"zh": "领导点评", "en": "Leaders"}, "weight": 1}])
    assert r.values[0, 0] == pytest.approx((95 + 85 + 70) / 3)


def test_rounding_is_half_up_and_declared():
    rows = [ballot("members", f"M{k}", "A", s) for k, s in enumerate([80.125, 80.125])]
    r = run_review(rows, groups=[{"id": "members", "weight": 1}], rounding={"decimals": 2, "mode": "half_up"})
    assert r.indicators()["review_score"]["A"] == 80.13
    r = run_review(rows, groups=[{"id": "members", "weight": 1}], rounding={"decimals": 1})
    assert r.indicators()["review_score"]["A"] == 80.1


# --------------------------------------------------------------------------------------------------
# Quotas


def test_a_ballot_over_the_quota_is_void_and_reported():
    groups = [{"id": "members", "weight": 1, "excellent_quota": {"share": "1/3"}}]
    units = Units.from_ids([f"U{k}" for k in range(9)])
    ok = [ballot("members", "M1", f"U{k}", grade="优秀" if k < 3 else "良好") for k in range(9)]  # 3 of 9: allowed
    over = [ballot("members", "M2", f"U{k}", grade="优秀" if k < 4 else "良好") for k in range(9)]  # 4 of 9: void
    r = run_review(ok + over, units=units, groups=groups)
    assert [(v.rater, v.excellent, v.allowed, v.rated) for v in r.void] == [("M2", 4, 3, 9)]
    assert r.counts[:, 0].tolist() == [1] * 9
    problem = str(r.void[0].problem(r.definition))
    assert "the ballot of rater 'M2' (members) is void: it names 4 units excellent of 9 rated ($[9], $[10]" in problem
    assert "expected at most 3 excellent (1/3 of the units rated, rounded down)" in problem


def test_quota_counts_are_exact_and_rounded_as_declared():
    rated = np.array([3, 9, 10, 14])
    assert Quota(share=Fraction(1, 3)).allowed(rated).tolist() == [1, 3, 3, 4]
    assert Quota(share=Fraction(1, 3), rounding="up").allowed(rated).tolist() == [1, 3, 4, 5]
    assert Quota(share=Fraction(1, 5), rounding="half_up").allowed(np.array([2, 3, 12])).tolist() == [0, 1, 2]
    assert Quota(max=2, share=Fraction(1, 2)).allowed(np.array([2, 10])).tolist() == [1, 2]
    d = load_review(definition(groups=[{"id": "m", "weight": 1, "excellent_quota": {"share": 0.2}}]))
    assert d.groups[0].quota.share == Fraction(1, 5)  # 0.2 read exactly


def test_numeric_scores_count_as_excellent_from_the_threshold():
    groups = [{"id": "members", "weight": 1, "excellent_quota": {"max": 1}}]
    rows = [ballot("members", "M1", "A", 90), ballot("members", "M1", "B", 89.9), ballot("members", "M2", "A", 92),
            ballot("members", "M2", "B", 95)]
    r = run_review(rows, groups=groups, excellent_min_score=90)
    assert [v.rater for v in r.void] == ["M2"]


# --------------------------------------------------------------------------------------------------
# Bad ballots by file and row


BAD = [
    (["leaders", "L1", "", "Z", "90", ""], "被评单位", "unknown unit"),
    (["leaders", "L1", "", "a", "90", ""], "被评单位", "unknown unit; did you mean 'A'?"),
    (["members", "M1", "B", "B", "90", ""], "被评单位", "a rater never rates their own unit"),
    (["members", "M1", "乙单位", "C", "90", ""], "评议人单位", "the rater's unit is written as '乙单位'; write its id 'B'"),
    (["leaders", "L1", "", "B", "101", ""], "分数", "the score is out of range (expected a number from 0 to 100; found 101)"),
    (["leaders", "L1", "", "A", "85", ""], "被评单位", "duplicate ballot: this rater already rated this unit"),
    (["experts", "E1", "", "A", "90", ""], "评议组", "unknown rater group"),
    (["leaders", "L1", "", "C", "", "特优"], "等次", "not a grade word of the review"),
    (["public", "P1", "", "C", "", "优秀"], "等次", "not a satisfaction category of group 'public'"),
    (["public", "P1", "", "D", "80", ""], "分数", "group 'public' takes satisfaction categories, not scores"),
    (["leaders", "L1", "", "D", "", ""], "分数", "the ballot has neither a score nor a grade"),
    (["leaders", "L2", "", "D", "80", "良好"], "等次", "the ballot has both a score and a grade"),
    (["leaders", "L2", "", "C", "abc", ""], "分数", "the score is not usable"),
    (["leaders", "", "", "C", "80", ""], "评议人", "the rater is empty"),
]
HEADER = ["评议组", "评议人", "评议人单位", "被评单位", "分数", "等次"]
GOOD = [["leaders", "L1", "", "A", "90", ""], ["members", "M1", "B", "A", "", "良好"], ["public", "P1", "", "A", "", "满意"]]


def write_ballots(path: Path, rows):
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        book.active.append(HEADER)
        for row in rows:
            book.active.append([c if c != "" else None for c in row])
        book.save(path)
    elif path.suffix == ".json":
        path.write_text(json.dumps([dict(zip(HEADER, r)) for r in rows], ensure_ascii=False), encoding="utf-8")
    else:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([HEADER, *rows])
    return path


def location(path: Path, index: int, column: str) -> str:
    if path.suffix == ".json":
        return f"{path}, $[{index}].{column}"
    source = f"{path} (sheet Sheet)" if path.suffix == ".xlsx" else str(path)
    return f"{source}, row {index + 2}, column '{column}'"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json"])
def test_every_bad_ballot_is_located_and_stop_lists_them_all(tmp_path, suffix):
    path = write_ballots(tmp_path / f"ballots{suffix}", GOOD + [row for row, _, _ in BAD])
    d = load_review(definition(bad_ballots="stop"))
    with pytest.raises(DataError) as info:
        review(d, path, UNITS)
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == len(BAD)
    for k, (_, column, message) in enumerate(BAD):
        assert problems[k].startswith(f"{location(path, len(GOOD) + k, column)}: {message}"), (problems[k], message)


def test_skip_leaves_bad_ballots_out_and_reports_each(tmp_path):
    path = write_ballots(tmp_path / "ballots.csv", GOOD + [row for row, _, _ in BAD])
    r = review(load_review(definition(bad_ballots="skip")), path, UNITS)
    assert len(r.skipped) == len(BAD)
    assert r.counts[0].tolist() == [1, 1, 1] and r.counts[1:].sum() == 0  # only the good rows count
    assert r.values[0].tolist() == [90, 85, 80]


def test_the_first_of_duplicate_ballots_counts():
    rows = [ballot("members", "M1", "A", 60), ballot("members", "M1", "A", 100), ballot("members", "M2", "A", 80)]
    r = run_review(rows, groups=[{"id": "members", "weight": 1}])
    assert r.values[0, 0] == 70 and "also $[0]" in str(r.skipped[0])


def test_rater_ids_are_scoped_by_group():
    rows = [ballot("leaders", "001", "A", 90), ballot("members", "001", "A", 80)]
    r = run_review(rows)
    assert not r.skipped and r.counts[0].tolist() == [1, 1, 0]


def test_a_duplicate_across_two_files_names_both(tmp_path):
    first = write_ballots(tmp_path / "leaders.csv", [["leaders", "L1", "", "A", "90", ""]])
    second = write_ballots(tmp_path / "again.csv", [["leaders", "L1", "", "A", "80", ""]])
    with pytest.raises(DataError) as info:
        review(load_review(definition(bad_ballots="stop")), [first, second], UNITS)
    assert f"found also {first} row 2" in str(info.value)


def test_structural_problems_always_stop(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("评议组,评议人,被评单位,分数\nleaders,L1,A,90\n", encoding="utf-8")
    with pytest.raises(DataError, match="the column 'rater_unit' is missing"):
        review(load_review(definition()), path, UNITS)
    path.write_text("unit,indicator,period,value\nA,x,2025,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="this looks like a data file"):
        review(load_review(definition()), path, UNITS)
    path.write_text("评议组,评议人,评议人单位,被评单位\nleaders,L1,,A\n", encoding="utf-8")
    with pytest.raises(DataError, match="neither a score nor a grade column"):
        review(load_review(definition()), path, UNITS)


def test_periods_in_the_ballots(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("rater_group,rater,rater_unit,unit,score,period\nleaders,L1,,A,90,2025\nleaders,L1,,A,10,2024\n"
                    "leaders,L2,,A,80,\n", encoding="utf-8")
    d = load_review(definition())
    r = review(d, path, UNITS)
    assert r.values[0, 0] == 85 and r.other_periods == 1
    with pytest.raises(DataError, match="no ballots for period '2023'"):
        review(d, path, UNITS, period="2023")
    with pytest.raises(DataError, match="several periods; choose one"):
        review(load_review({k: v for k, v in definition().items() if k != "period"}), path, UNITS)


# --------------------------------------------------------------------------------------------------
# Properties


scores = st.lists(st.integers(0, 200).map(lambda x: x / 2), min_size=3, max_size=12)


@given(scores, st.data())
@settings(max_examples=60)
def test_trimmed_mean_ignores_exactly_one_highest_and_one_lowest(values, data):
    groups = [{"id": "g", "weight": 1, "aggregation": "trimmed_mean"}]
    d = load_review(definition(groups=groups))
    units = Units.from_ids(["A"])

    def trimmed(vals):
        rows = [ballot("g", f"R{k}", "A", v) for k, v in enumerate(vals)]
        return review(d, rows, units).values[0, 0]

    base = trimmed(values)
    ordered = sorted(values)
    assert base == pytest.approx(sum(ordered[1:-1]) / (len(values) - 2), abs=1e-9)
    hi, lo = values.index(max(values)), values.index(min(values))
    raised, lowered = list(values), list(values)
    raised[hi] = data.draw(st.integers(int(max(values) * 2), 200).map(lambda x: x / 2), label="higher")
    lowered[lo] = data.draw(st.integers(0, int(min(values) * 2)).map(lambda x: x / 2), label="lower")
    assert trimmed(raised) == base and trimmed(lowered) == base  # exactly, not approximately


ballot_rows = st.lists(st.tuples(st.sampled_from(["g1", "g2"]), st.integers(0, 5), st.sampled_from("ABCD"),
                                 st.integers(0, 100)), min_size=1, max_size=40)


@given(ballot_rows, st.sampled_from(["mean", "median", "trimmed_mean"]))
@settings(max_examples=60)
def test_column_wise_aggregation_matches_a_plain_python_reference(rows, how):
    groups = [{"id": "g1", "weight": 2, "aggregation": how}, {"id": "g2", "weight": 1, "aggregation": how}]
    d = load_review(definition(groups=groups))
    seen, kept = set(), []
    for g, rater, unit, s in rows:
        if (g, rater, unit) not in seen:  # the first of duplicates counts
            seen.add((g, rater, unit))
            kept.append((g, rater, unit, s))
    r = review(d, [ballot(g, f"R{k}", u, s) for g, k, u, s in rows], UNITS)
    for i, unit in enumerate("ABCD"):
        for k, g in enumerate(("g1", "g2")):
            vals = sorted(s for gg, _, uu, s in kept if gg == g and uu == unit)
            if not vals:
                expected = math.nan
            elif how == "mean" or (how == "trimmed_mean" and len(vals) < 3):
                expected = sum(vals) / len(vals)
            elif how == "median":
                expected = (vals[(len(vals) - 1) // 2] + vals[len(vals) // 2]) / 2
            else:
                expected = sum(vals[1:-1]) / (len(vals) - 2)
            assert r.counts[i, k] == len(vals)
            assert r.values[i, k] == pytest.approx(expected, nan_ok=True)


@given(ballot_rows, st.lists(st.tuples(st.sampled_from(["g1", "g2"]), st.integers(0, 5), st.sampled_from("ABCD"),
                                       st.integers(0, 100)), max_size=10), st.integers(0, 15))
@settings(max_examples=60)
def test_a_raters_ballot_for_their_own_unit_never_changes_any_result(rows, own, position):
    groups = [{"id": "g1", "weight": 1, "aggregation": "trimmed_mean", "excellent_quota": {"share": "1/3"}},
              {"id": "g2", "weight": 1, "aggregation": "median", "min_ballots": 2}]
    d = load_review(definition(groups=groups, excellent_min_score=90))
    home = {(g, k): "ABCD"[k % 4] for g in ("g1", "g2") for k in range(6)}  # each rater belongs to a unit
    base = [ballot(g, f"R{k}", u, s, rater_unit=home[(g, k)]) for g, k, u, s in rows if u != home[(g, k)]]
    extra = [ballot(g, f"R{k}", home[(g, k)], s, rater_unit=home[(g, k)]) for g, k, _, s in own]
    mixed = base[:position] + extra + base[position:]
    before, after = review(d, base, UNITS), review(d, mixed, UNITS)
    assert len(after.skipped) == len(extra) + len(before.skipped)
    assert all("never rates their own unit" in str(p) or "duplicate" in str(p) for p in after.skipped)
    np.testing.assert_array_equal(before.values, after.values)
    np.testing.assert_array_equal(before.score, after.score)
    np.testing.assert_array_equal(before.counts, after.counts)
    assert [v.rater for v in before.void] == [v.rater for v in after.void]


@given(st.lists(st.floats(0.01, 1000), min_size=1, max_size=6), st.data())
@settings(max_examples=60)
def test_group_weights_sum_to_one_for_every_unit(weights, data):
    groups = [{"id": f"g{k}", "weight": w, "min_ballots": 2} for k, w in enumerate(weights)]
    d = load_review(definition(groups=groups))
    assert d.shares.sum() == pytest.approx(1.0, abs=1e-12)
    counts = data.draw(st.lists(st.lists(st.integers(0, 3), min_size=len(weights), max_size=len(weights)),
                                min_size=4, max_size=4), label="ballots per unit and group")
    rows = [ballot(f"g{k}", f"R{j}", unit, 50 + j) for unit, per in zip("ABCD", counts)
            for k, n in enumerate(per) for j in range(n)]
    r = review(d, rows, UNITS)
    for i in range(4):
        if np.isnan(r.score[i]):
            assert r.weights[i].sum() == 0 and all(n < 2 for n in counts[i])
        else:
            assert r.weights[i].sum() == pytest.approx(1.0, abs=1e-12)
            assert (r.weights[i][np.array(counts[i]) < 2] == 0).all()


@given(st.lists(st.tuples(st.sampled_from(["g1", "g2"]), st.integers(0, 6), st.sampled_from("ABCDEFGH"),
                          st.booleans()), min_size=1, max_size=60),
       st.sampled_from(["1/3", "1/4", 0.2, "1/2"]), st.sampled_from(["down", "half_up", "up"]),
       st.one_of(st.none(), st.integers(0, 3)))
@settings(max_examples=80)
def test_void_ballots_are_exactly_those_over_the_quota(rows, share, rounding, most):
    quota = {"share": share, "rounding": rounding} | ({"max": most} if most is not None else {})
    groups = [{"id": "g1", "weight": 1, "excellent_quota": quota}, {"id": "g2", "weight": 1}]
    d = load_review(definition(groups=groups))
    units = Units.from_ids(list("ABCDEFGH"))
    seen, kept = set(), []
    for g, k, u, excellent in rows:
        if (g, k, u) not in seen:
            seen.add((g, k, u))
            kept.append((g, k, u, excellent))
    table = ballots_table([ballot(g, f"R{k}", u, grade="优秀" if e else "良好") for g, k, u, e in rows])
    ballots = read_ballots(table, d, units)
    void = void_ballots(ballots, d)
    got = {ballots.raters[b] for b in np.flatnonzero(void)}
    fraction = Fraction(share) if isinstance(share, str) else Fraction(str(share))
    expected = set()
    for k in range(7):
        mine = [e for g, kk, _, e in kept if g == "g1" and kk == k]
        if not mine:
            continue
        exact = fraction * len(mine)
        allowed = {"down": math.floor(exact), "up": math.ceil(exact), "half_up": math.floor(exact + Fraction(1, 2))}[rounding]
        if most is not None:
            allowed = min(allowed, most)
        if sum(mine) > allowed:
            expected.add((0, f"R{k}"))
    assert got == expected  # and group g2, with no quota, never has a void ballot
    result = aggregate(ballots, d, units)
    assert {(v.group, v.rater) for v in result.void} == {("g1", r) for _, r in expected}


# --------------------------------------------------------------------------------------------------
# The CLI and the scorecard that consumes the review


def test_cli_table_reports_skipped_and_void_ballots(capsys):
    code, out, err = run(capsys, "review", EXAMPLE / "review.yaml", "--ballots", EXAMPLE / "ballots.csv", "--units", UNITS_FILE)
    assert code == 0
    assert "领导点评" in out and "去最高最低" in out and "评议得分" in out and "3:3:4" in out
    assert "群众评议有效票 2 张，少于 3 张" in out
    assert err.count("evalkit: warning: bad ballot skipped:") == 5
    assert "row 86, column '被评单位': a rater never rates their own unit" in err
    assert "evalkit: warning: void ballot: " in err and "rater 'M6' (members) is void" in err


def test_cli_stop_policy_exits_3_listing_every_bad_ballot(capsys, tmp_path):
    strict = tmp_path / "review.yaml"
    strict.write_text((EXAMPLE / "review.yaml").read_text(encoding="utf-8").replace("bad_ballots: skip", "bad_ballots: stop"),
                      encoding="utf-8")
    code, out, err = run(capsys, "review", strict, "--ballots", EXAMPLE / "ballots.csv", "--units", UNITS_FILE)
    assert code == 3 and out == ""
    assert "evalkit: invalid data: 5 problems" in err and "row 219, column '被评单位': unknown unit" in err


def test_cli_json(capsys):
    code, out, _ = run(capsys, "review", EXAMPLE / "review.yaml", "--ballots", EXAMPLE / "ballots.csv",
                       "--units", UNITS_FILE, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["evalkit_review_result"] == 1
    u12 = next(u for u in doc["units"] if u["id"] == "U12")
    assert u12["groups"]["public"] == {"value": None, "ballots": 2, "weight": 0, "status": "below_minimum",
                                       "categories": u12["groups"]["public"]["categories"]}
    assert u12["groups"]["leaders"]["weight"] == 0.5 and len(doc["void_ballots"]) == 1
    assert len(doc["skipped_ballots"]) == 5 and doc["review"]["groups"][2]["share"] == 0.4


def test_cli_csv_feeds_evalkit_run(capsys, tmp_path):
    out_csv = tmp_path / "review.csv"
    code, _, err = run(capsys, "review", EXAMPLE / "review.yaml", "--ballots", EXAMPLE / "ballots.csv",
                       "--units", UNITS_FILE, "--format", "csv", "-o", out_csv)
    assert code == 0 and f"wrote {out_csv}" in err
    lines = out_csv.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "unit,indicator,period,value" and lines[1] == "U01,review_score,2025,92.13"
    assert "U12,review_score.public" not in "\n".join(lines)  # below the minimum: no value, not 0
    code, out, _ = run(capsys, "run", EXAMPLE / "scorecard.yaml", "--data", out_csv, "--units", UNITS_FILE,
                       "--format", "json")
    units = {u["id"]: u for u in json.loads(out)["units"]}
    assert code == 0 and units["U01"]["total"] == 92.13 and units["U01"]["grade"] == "good"


def test_cli_merge_with_a_data_file(capsys, tmp_path):
    import yaml

    quick = UNITS_FILE.parent
    card = yaml.safe_load((quick / "scorecard.yaml").read_text(encoding="utf-8"))
    card["indicators"].append({"id": "review_score", "name": "综合评议"})
    card["dimensions"][-1]["children"].append({"id": "review_points", "name": "综合评议", "indicator": "review_score",
                                               "max_points": 10, "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}})
    scorecard = tmp_path / "card.yaml"
    scorecard.write_text(yaml.safe_dump(card, allow_unicode=True), encoding="utf-8")
    merged = tmp_path / "merged.csv"
    code, _, _ = run(capsys, "review", EXAMPLE / "review.yaml", "--ballots", EXAMPLE / "ballots.csv", "--units", UNITS_FILE,
                     "--format", "csv", "--indicators", "review_score", "--merge-with", quick / "data.csv", "-o", merged)
    assert code == 0
    data_rows = (quick / "data.csv").read_text(encoding="utf-8").splitlines()
    merged_rows = merged.read_text(encoding="utf-8-sig").splitlines()
    assert merged_rows[:len(data_rows)] == data_rows and len(merged_rows) == len(data_rows) + 12
    code, out, err = run(capsys, "run", scorecard, "--data", merged, "--units", UNITS_FILE, "--format", "json")
    assert code == 0, err
    u01 = next(u for u in json.loads(out)["units"] if u["id"] == "U01")
    assert u01["items"]["review_points"]["value"] == 92.13 and u01["items"]["review_points"]["points"] == 9.21
    # merging again into the merged file would give review_score twice: refused, located
    code, _, err = run(capsys, "review", EXAMPLE / "review.yaml", "--ballots", EXAMPLE / "ballots.csv", "--units", UNITS_FILE,
                       "--format", "csv", "--merge-with", merged)
    assert code == 3 and "the data already holds 'review_score', which the review writes" in err


def test_cli_usage_errors(capsys):
    base = ("review", EXAMPLE / "review.yaml", "--ballots", EXAMPLE / "ballots.csv", "--units", UNITS_FILE)
    code, _, err = run(capsys, *base, "--merge-with", "x.csv")
    assert code == 64 and "use it with --format csv" in err
    code, _, err = run(capsys, *base, "--format", "csv", "--indicators", "nope")
    assert code == 64 and "expected some of review_score, review_score.leaders" in err
    code, _, err = run(capsys, *base, "-o", EXAMPLE / "ballots.csv")
    assert code == 64 and "never overwrites its inputs" in err


def test_validate_checks_review_definitions_too(tmp_path, capsys):
    from evalkit.cli import main

    good = Path(__file__).resolve().parent.parent / "examples" / "reviews" / "review.yaml"
    assert main(["validate", str(good)]) == 0
    assert capsys.readouterr().out.strip().endswith("valid review definition")
    bad = tmp_path / "review.yaml"
    bad.write_text(good.read_text(encoding="utf-8").replace("weight: 3", "weight: -3", 1), encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "weight" in err and "Traceback" not in err


# --------------------------------------------------------------------------------------------------
# Issue 17: a trimmed mean that drops k (or a share) at each end


def test_trimmed_mean_drops_k_at_each_end():
    """Seven judges 60, 70, 80, 85, 90, 95, 100 with trim count 2: 60, 70, 95, 100 dropped, (80 + 85 + 90) / 3 = 85."""
    rows = [ballot("leaders", f"L{k}", "A", s) for k, s in enumerate([90, 60, 100, 85, 70, 95, 80])]
    group = {"id": "leaders", "weight": 1, "aggregation": "trimmed_mean", "trim": {"count": 2}}
    r = run_review(rows, groups=[group])
    assert r.values[0, 0] == 85 and r.status[0, 0] == OK
    # Below 2k + 1 = 5 ballots the fallback applies.
    short = run_review(rows[:4], groups=[group])
    assert short.values[0, 0] == pytest.approx((90 + 60 + 100 + 85) / 4) and short.status[0, 0] == FALLBACK
    assert r.definition.groups[0].to_dict()["trim"] == {"count": 2}


def test_trimmed_mean_by_share_is_scipys_trim_mean():
    """scipy.stats.trim_mean(a, proportiontocut) docs: it cuts int(proportiontocut * n) from each end;
    trim_mean(range(20), 0.1) = 9.5. Here a skewed set of 10 scores with share 0.25: int(2.5) = 2 at each end."""
    scores = [10, 20, 30, 40, 50, 60, 70, 80, 90, 1000]
    rows = [ballot("leaders", f"L{k}", "A", s) for k, s in enumerate(scores)]
    group = {"id": "leaders", "weight": 1, "aggregation": "trimmed_mean", "trim": {"share": 0.25}}
    r = run_review(rows, groups=[group], scale={"min": 0, "max": 1000})
    assert r.values[0, 0] == pytest.approx(np.mean(sorted(scores)[2:-2]))
    twenty = [ballot("leaders", f"L{k}", "A", k) for k in range(20)]
    r = run_review(twenty, groups=[dict(group, trim={"share": 0.1})], scale={"min": 0, "max": 1000})
    assert r.values[0, 0] == 9.5


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 100), min_size=1, max_size=30), st.integers(1, 4))
def test_trimmed_mean_by_count_is_the_mean_of_the_middle(scores, k):
    rows = [ballot("leaders", f"L{j}", "A", s) for j, s in enumerate(scores)]
    group = {"id": "leaders", "weight": 1, "aggregation": "trimmed_mean", "trim": {"count": k}}
    r = run_review(rows, groups=[group])
    expected = np.mean(sorted(scores)[k:-k]) if len(scores) > 2 * k else np.mean(scores)
    assert r.values[0, 0] == pytest.approx(expected)


def test_trim_needs_trimmed_mean():
    with pytest.raises(DefinitionError) as info:
        load_review(definition(groups=[{"id": "leaders", "weight": 1, "trim": {"count": 2}}]))
    assert any("trim applies to trimmed_mean only" in p.message for p in info.value.problems)


def test_the_judges_scores_kept_after_trimming_are_reported():
    rows = [ballot("leaders", f"L{k}", "A", s) for k, s in enumerate([90, 60, 100, 85, 70, 95, 80])]
    group = {"id": "leaders", "weight": 1, "aggregation": "trimmed_mean", "trim": {"count": 2}}
    r = run_review(rows, groups=[group])
    entry = r.to_dict()["units"][0]["groups"]["leaders"]
    assert entry["kept"] == [80, 85, 90] and entry["dropped"] == [60, 70, 95, 100] and entry["value"] == 85
    plain = run_review(rows, groups=[{"id": "leaders", "weight": 1}])
    assert "kept" not in plain.to_dict()["units"][0]["groups"]["leaders"]
