"""Tier transitions (evalkit.analysis.transitions) and `evalkit compare`: properties, rules as declared, CLI errors."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from evalkit.analysis.transitions import MarkedRule, Share, bottom_places, check_result, compare, parse_bottom, rectification
from evalkit.cli import main
from evalkit.definition.schemas import base_schema
from evalkit.errors import DataError

GRADES = (("advanced", 85, "先进"), ("average", 70, "一般"), ("lagging", 0, "后进"))


def grade_of(total):
    return next(g for g, low, _ in GRADES if total >= low)


def doc(units, *, period="2024", scorecard="organs", version="1", grades=GRADES, items=None):
    """A schema-valid result document. units: (id, total[, grade]); ranks by total (ties: min)."""
    rows = []
    for u in units:
        uid, total = u[0], u[1]
        grade = u[2] if len(u) > 2 else grade_of(total)
        rows.append({"id": uid, "name": f"单位{uid}", "type": "政府部门", "total": total, "grade": grade,
                     "dimensions": {}, "items": (items or {}).get(uid, {})})
    for r in rows:
        r["rank"] = 1 + sum(other["total"] > r["total"] for other in rows)
    rows.sort(key=lambda r: (r["rank"], r["id"]))
    return {
        "evalkit_result": 1,
        "scorecard": {"id": scorecard, "name": {"zh": "县直机关党建考核", "en": "Organs"}, "version": version,
                      "period": period, "total_points": 100, "rounding": {"decimals": 2, "mode": "half_up"}, "ties": "min"},
        "grades": [{"grade": g, "min": low, "label": {"zh": zh, "en": g.title()}} for g, low, zh in grades],
        "indicators": [], "dimensions": [],
        "items": [{"id": i, "name": {"zh": i, "en": i}, "dimension": None, "indicator": i, "rule": "linear",
                   "params": {}, "max_points": m, "share": m, "missing_policy": "zero"} for i, m in (("a", 10), ("b", 20), ("c", 5))],
        "units": [{k: r[k] for k in ("id", "name", "type", "rank", "total", "grade", "dimensions", "items")} for r in rows],
    }


def test_helper_documents_are_valid_results():
    d = doc([("u1", 90.5), ("u2", 71)])
    assert not list(Draft202012Validator(base_schema("result.schema.json")).iter_errors(d))


# --------------------------------------------------------------------------------------------------
# Properties

totals = st.integers(4000, 10000).map(lambda c: c / 100)  # 40.00 .. 100.00, two decimals as published


@st.composite
def two_results(draw):
    n = draw(st.integers(0, 40))
    ids = [f"U{k:02d}" for k in range(n)]
    before, after = [], []
    for uid in ids:
        where = draw(st.sampled_from(("both",) * 6 + ("before", "after", "ungraded")))
        t0, t1 = draw(totals), draw(totals)
        if where == "ungraded":  # no grade in one of the two results
            none_before = draw(st.booleans())
            before.append((uid, t0, None) if none_before else (uid, t0))
            after.append((uid, t1) if none_before else (uid, t1, None))
            continue
        if where in ("both", "before"):
            before.append((uid, t0))
        if where in ("both", "after"):
            after.append((uid, t1))
    return doc(before, period="2024"), doc(after, period="2025")


rules = st.builds(MarkedRule, st.sampled_from(("score", "rank", "percent")),
                  st.integers(1, 200).map(lambda k: Decimal(k) / 10), st.sampled_from(("stayed", "all")))


@settings(max_examples=150)
@given(pair=two_results(), rule=st.none() | rules)
def test_transition_matrices_conserve_units(pair, rule):
    before, after = pair
    c = compare(before, after, rule)
    counts = c.counts()
    graded_both = [m.id for m in c.moves]
    before_ids = {u["id"] for u in before["units"]}
    after_ids = {u["id"] for u in after["units"]}
    # Every unit is somewhere: compared, only in one result, or ungraded in one of them.
    assert len(graded_both) + len(c.ungraded) == len(before_ids & after_ids)
    assert {u["id"] for u in c.only_before} == before_ids - after_ids
    assert {u["id"] for u in c.only_after} == after_ids - before_ids
    assert sum(map(sum, counts)) == len(graded_both)
    for k, g in enumerate(c.grade_ids):
        starting = [m for m in c.moves if m.before["grade"] == g]
        ending = [m for m in c.moves if m.after["grade"] == g]
        assert sum(counts[k]) == len(starting) == len(c.tier(g).units)
        assert sum(row[k] for row in counts) == len(ending)
    # Each unit in exactly one cell.
    cells = [uid for row in c.matrix() for cell in row for uid in cell]
    assert sorted(cells) == sorted(graded_both)
    d = c.to_dict()
    assert d["matrix"]["row_totals"] == [t["count"] for t in d["tiers"]]
    assert sum(d["matrix"]["row_totals"]) == sum(d["matrix"]["column_totals"]) == d["units_compared"]


@settings(max_examples=150)
@given(pair=two_results())
def test_shares_per_row_sum_to_one_before_rounding(pair):
    c = compare(*pair)
    for tier in c.tiers():
        if not tier.units:
            continue
        assert tier.up.fraction + tier.stayed.fraction + tier.down.fraction == 1
        assert sum(s.fraction for s in tier.to.values()) == 1
        assert set(tier.up.units) | set(tier.stayed.units) | set(tier.down.units) == set(tier.units)
        assert tier.to[tier.grade].units == tier.stayed.units


def _independent_gain_met(rule, b, a):
    tb, ta = Decimal(str(b["total"])), Decimal(str(a["total"]))
    if rule.kind == "score":
        return ta - tb >= rule.threshold
    if rule.kind == "rank":
        return b["rank"] - a["rank"] >= rule.threshold
    return tb > 0 and (ta - tb) / tb * 100 >= rule.threshold


@settings(max_examples=150)
@given(pair=two_results(), rule=rules)
def test_marked_improvement_is_exactly_the_declared_rule(pair, rule):
    before, after = pair
    c = compare(before, after, rule)
    by_before = {u["id"]: u for u in before["units"]}
    by_after = {u["id"]: u for u in after["units"]}
    for tier in c.tiers():
        expected = {m.id for m in c.moves if m.before["grade"] == tier.grade
                    and (m.steps == 0 or rule.among == "all")
                    and _independent_gain_met(rule, by_before[m.id], by_after[m.id])}
        assert set(tier.marked.units) == expected
        assert tier.marked.of == len(tier.units)
        if rule.among == "stayed":
            assert set(tier.marked.units) <= set(tier.stayed.units)


@settings(max_examples=100)
@given(pair=two_results(), rule=st.none() | rules, seed=st.integers(0, 2**32 - 1))
def test_shuffling_units_changes_nothing(pair, rule, seed):
    before, after = pair
    expected = compare(before, after, rule).to_dict()
    rng = random.Random(seed)
    for d in (before, after):
        rng.shuffle(d["units"])
    assert compare(before, after, rule).to_dict() == expected


# --------------------------------------------------------------------------------------------------
# Rules, shares and rounding


def test_gains_are_decimal_exact():
    # 8.29 - 3.29 is 4.999999999999999 in binary floating point; as published it is exactly 5.
    assert 8.29 - 3.29 < 5
    c = compare(doc([("u", 3.29, "lagging")]), doc([("u", 8.29, "lagging")], period="2025"), "score:5")
    assert c.tier("lagging").marked.units == ("u",)
    assert not MarkedRule.parse("score:5.01").met({"total": 3.29, "rank": 1}, {"total": 8.29, "rank": 1})


def test_percent_and_rank_rules():
    rule = MarkedRule.parse("percent:10%")
    assert rule.met({"total": 70, "rank": 9}, {"total": 77, "rank": 9})          # exactly 10 %
    assert not rule.met({"total": 70, "rank": 9}, {"total": 76.99, "rank": 9})
    assert not rule.met({"total": 0, "rank": 9}, {"total": 50, "rank": 9})       # no base: never marked
    rank = MarkedRule.parse("rank:10")
    assert rank.met({"total": 1, "rank": 30}, {"total": 1, "rank": 20}) and not rank.met({"total": 1, "rank": 30}, {"total": 1, "rank": 21})


@pytest.mark.parametrize("text", ["score", "score:", "score:-1", "score:0", "points:5", "rank:5%", "5", "score:abc"])
def test_bad_marked_rules_are_refused(text):
    with pytest.raises(ValueError):
        MarkedRule.parse(text)


def test_share_text_rounds_half_up():
    assert Share(tuple(f"u{k}" for k in range(44)), 174).text() == "44 / 174 (25.3 %)"
    assert Share(("a",), 16).text(2) == "1 / 16 (6.25 %)"
    assert Share(("a",), 16).text(1) == "1 / 16 (6.3 %)"      # round(6.25, 1) would give 6.2
    assert Share(("a",), 8).text(0) == "1 / 8 (13 %)"         # round(12.5) would give 12
    assert Share((), 0).text() == "0 / 0"


def test_risers_are_not_counted_as_marked_by_default_but_are_with_among_all():
    before = doc([("rise", 80), ("stay", 71), ("flat", 72)])
    after = doc([("rise", 90), ("stay", 80), ("flat", 73)], period="2025")
    stayed = compare(before, after, "score:5").tier("average")
    assert stayed.up.units == ("rise",) and stayed.marked.units == ("stay",)
    every = compare(before, after, MarkedRule.parse("score:5", among="all")).tier("average")
    assert every.marked.units == ("rise", "stay")


# --------------------------------------------------------------------------------------------------
# Checks on the two results


def test_different_scorecards_are_refused_unless_allowed():
    a, b = doc([("u", 80)]), doc([("u", 90)], period="2025", scorecard="organs-2025")
    with pytest.raises(DataError, match="different scorecards") as info:
        compare(a, b)
    assert info.value.problems[0].path == "$.scorecard.id"
    c = compare(a, b, allow_different_scorecards=True)
    assert c.counts()[1][0] == 1 and "different scorecards" in c.warnings[0]


def test_different_tiers_are_always_refused():
    other = (("good", 90, "好"), ("poor", 0, "较差"))
    with pytest.raises(DataError, match="different tiers"):
        compare(doc([("u", 80)]), doc([("u", 90, "good")], period="2025", grades=other), allow_different_scorecards=True)


def test_a_new_version_or_the_same_period_only_warns():
    c = compare(doc([("u", 80)]), doc([("u", 90)], version="2"))
    assert any("versions" in w for w in c.warnings) and any("same" in w or "both results are of period" in w for w in c.warnings)


def test_check_result_names_the_json_path():
    bad = doc([("u", 80)])
    bad["units"][0]["rank"] = "first"
    with pytest.raises(DataError) as info:
        check_result(bad, "x.json")
    assert info.value.problems[0].path == "$.units[0].rank" and info.value.problems[0].source == "x.json"
    with pytest.raises(DataError, match="no 'evalkit_result' key"):
        check_result({"units": []}, "x.json")
    with pytest.raises(DataError, match="not an evalkit result"):
        check_result([1, 2], "x.json")
    unknown = doc([("u", 80)])
    unknown["units"][0]["grade"] = "stellar"
    with pytest.raises(DataError, match="not one of the result's grades"):
        check_result(unknown)


# --------------------------------------------------------------------------------------------------
# Rectification


def test_rectification_lists_the_lowest_tier_with_weakest_items():
    items = {"low": {"a": {"value": 1, "points": 2, "weight": 10, "score": 2},         # 0.2
                     "b": {"value": 1, "points": 2, "weight": 20, "score": 2},         # 0.1
                     "c": {"value": 1, "points": 1, "weight": 5, "score": 1}}}         # 0.2, after a in order
    result = doc([("low", 60), ("mid", 75), ("lower", 50)], items=items)
    r = rectification(result, weakest=2)
    assert [u["id"] for u in r.units] == ["lower", "low"]  # worst first
    assert [i["id"] for i in r.units[1]["weakest_items"]] == ["b", "a"]
    assert r.units[1]["weakest_items"][0]["ratio"] == 0.1


def test_bottom_share_rounds_half_up_and_keeps_ties():
    assert parse_bottom("10%") == ("percent", Decimal(10)) and parse_bottom("12") == ("count", Decimal(12))
    assert bottom_places("percent", Decimal(10), 254) == 25    # 25.4
    assert bottom_places("percent", Decimal(10), 255) == 26    # 25.5, half up
    assert bottom_places("percent", Decimal(1), 20) == 1       # at least one
    result = doc([("a", 90), ("b", 80), ("c", 70), ("d", 70)])
    r = rectification(result, bottom="25%")                   # one place, but c and d tie at it
    assert [u["id"] for u in r.units] == ["c", "d"] and r.rule["ties_included"] == 1
    for bad in ("0%", "101%", "0", "1.5", "ten"):
        with pytest.raises(ValueError):
            parse_bottom(bad)


def test_shares_are_fractions():
    assert Share(("a", "b"), 3).fraction == Fraction(2, 3)


# --------------------------------------------------------------------------------------------------
# CLI


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    return code, out, err


def write(path, d):
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def pair(tmp_path):
    before = doc([("u1", 90), ("u2", 80), ("u3", 60), ("gone", 75)])
    after = doc([("u1", 84), ("u2", 88), ("u3", 72), ("new", 99)], period="2025")
    return write(tmp_path / "2024.json", before), write(tmp_path / "2025.json", after)


def test_cli_text_reports_matrix_shares_and_units_in_one_result_only(capsys, pair):
    code, out, err = run(capsys, "compare", *pair, "--marked", "score:5", "--lang", "en", "--list-units")
    assert code == 0, err
    assert "1 / 1 (100.0 %)" in out
    assert "Only in 2024" in out and "gone" in out and "Only in 2025" in out and "new" in out
    assert "Average moved up (1): u2" in out


def test_cli_json_gives_every_list(capsys, pair, tmp_path):
    target = tmp_path / "cmp.json"
    code, _, err = run(capsys, "compare", *pair, "--marked", "rank:1", "--format", "json", "-o", target, "--rectify")
    assert code == 0 and "wrote" in err
    d = json.loads(target.read_text(encoding="utf-8"))
    assert [u["id"] for u in d["only_before"]] == ["gone"] and [u["id"] for u in d["only_after"]] == ["new"]
    assert d["units_compared"] == 3 and d["marked_rule"]["spec"] == "rank:1"
    cell = next(c for c in d["matrix"]["cells"] if c["from"] == "lagging" and c["to"] == "average")
    assert cell["units"] == ["u3"]
    assert d["rectification"]["rule"]["kind"] == "lowest_grade"


def test_cli_refuses_a_file_that_is_not_a_result(capsys, pair, tmp_path):
    text = write(tmp_path / "scores.json", {"scores": [1, 2]})
    code, _, err = run(capsys, "compare", pair[0], text)
    assert code == 3 and "scores.json" in err and "$" in err and "evalkit_result" in err
    broken = json.loads(pair[1].read_text(encoding="utf-8"))
    broken["units"][1]["total"] = "high"
    code, _, err = run(capsys, "compare", pair[0], write(tmp_path / "broken.json", broken))
    assert code == 3 and "$.units[1].total" in err
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json", encoding="utf-8")
    code, _, err = run(capsys, "compare", pair[0], garbage)
    assert code == 3 and "not JSON" in err and "garbage.json" in err
    code, _, err = run(capsys, "compare", pair[0], tmp_path / "missing.json")
    assert code == 5


def test_cli_different_scorecards(capsys, pair, tmp_path):
    other = json.loads(pair[1].read_text(encoding="utf-8"))
    other["scorecard"]["id"] = "another"
    other_path = write(tmp_path / "other.json", other)
    code, _, err = run(capsys, "compare", pair[0], other_path)
    assert code == 3 and "--allow-different-scorecards" in err
    code, _, err = run(capsys, "compare", pair[0], other_path, "--allow-different-scorecards")
    assert code == 0 and "warning" in err and "different scorecards" in err


@pytest.mark.parametrize("extra", [
    [], ["x.json", "y.json"], ["--marked", "score:zero"], ["--bottom", "abc"], ["--rectify", "--bottom", "10%"],
    ["--marked-among", "all"], ["--periods", "2024", "2025"], ["--data", "d.csv"],
])
def test_cli_usage_errors_exit_64(capsys, pair, extra):
    args = ["compare", *pair, *extra] if extra != [] else ["compare", pair[0]]
    code, _, err = run(capsys, *args)
    assert code == 64, err


def test_cli_periods_need_data_and_units(capsys, quickstart):
    scorecard, data, units = quickstart
    code, _, err = run(capsys, "compare", scorecard, "--periods", "2024", "2025")
    assert code == 64 and "--data and --units" in err
    code, _, err = run(capsys, "compare", scorecard, "--data", data, "--units", units, "--periods", "2025", "2025")
    assert code == 64 and "twice" in err


def test_cli_refuses_to_overwrite_an_input(capsys, pair):
    code, _, err = run(capsys, "compare", *pair, "-o", pair[0])
    assert code == 64 and "never overwrites" in err
