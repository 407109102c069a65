"""Period roll-ups: declared weights, equal shares inside a part, missing-period policies, files and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.analysis.period_rollup import PartValues, load_rollup, rollup, run_rollup
from evalkit.cli import main
from evalkit.errors import DataError, DefinitionError
from evalkit.scoring.rounding import Rounding

ROOT = Path(__file__).resolve().parent.parent
QUICK = ROOT / "examples" / "quickstart"
REVIEWS = ROOT / "examples" / "reviews"


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    return code, out, err


def annual(**changes) -> dict:
    base = {"id": "annual", "name": {"zh": "年度综合考核", "en": "Annual"}, "period": "2025",
            "parts": [{"id": "quarters", "weight": 95, "periods": [{"id": f"Q{q}", "file": f"q{q}.json"} for q in range(1, 5)]},
                      {"id": "review", "weight": 5, "file": "review.csv", "indicator": "review_score"}]}
    base.update(changes)
    return base


def test_quarters_share_their_weight_equally():
    d = load_rollup(annual())
    assert [(p.id, p.group) for p in d.parts] == [("Q1", "quarters"), ("Q2", "quarters"), ("Q3", "quarters"),
                                                  ("Q4", "quarters"), ("review", "review")]
    assert [p.share for p in d.parts] == pytest.approx([0.2375] * 4 + [0.05])


def test_definition_problems(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("id: a\nname: A\nparts:\n  - id: q\n    weight: 1\n  - id: r\n    weight: 0\n    file: r.csv\n",
                    encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_rollup(path)
    text = "\n".join(str(p) for p in info.value.problems)
    assert f"{path}:4, $.parts[0]: give exactly one of file or periods" in text
    assert f"{path}:7, $.parts[1].weight: out of range (expected a number > 0" in text
    with pytest.raises(DefinitionError, match="the part id 'q1' is used twice"):
        load_rollup(annual(parts=[{"id": "a", "weight": 1, "periods": ["q1.json", "x/q1.json"]}]))


def test_weighted_sum_with_scales():
    result = rollup({"Q1": {"A": 80, "B": 90}, "Q2": {"A": 90, "B": 70}, "review": {"A": 9, "B": 10}},
                    {"Q1": 47.5, "Q2": 47.5, "review": 5}, scales={"review": 10})
    # A: 0.475 x 80 + 0.475 x 90 + 0.05 x 90 = 85.25; B: 0.475 x 90 + 0.475 x 70 + 0.05 x 100 = 81
    assert result.annual.tolist() == [85.25, 81] and result.ranks.tolist() == [1, 2]
    assert result.contributions[0].tolist() == pytest.approx([38, 42.75, 4.5])


def test_missing_periods_reweight_inside_the_part_first_or_count_zero():
    d = load_rollup(annual())
    sources = {f"Q{q}": {"A": 80, "B": 80} for q in range(1, 5)} | {"review": {"A": 100, "B": 100}}
    sources["Q3"] = {"A": 80}  # B has no Q3 result
    weights = {p.id: p.share for p in d.parts}
    reweighted = rollup(sources, weights, parts=d.parts)
    # the other three quarters carry the quarters' 95 %; the review keeps its 5 %
    assert reweighted.weights[1].tolist() == pytest.approx([0.95 / 3] * 2 + [0] + [0.95 / 3, 0.05])
    assert reweighted.annual.tolist() == [81, 81]
    assert reweighted.notes(1) == ["Q3: no value, its weight shared by the others"]
    zero = rollup(sources, weights, parts=d.parts, missing="zero")
    assert zero.annual.tolist() == [81, 62]  # 0.7125 x 80 + 0.05 x 100
    no_review = dict(sources, review={"A": 100})
    across = rollup(no_review, weights, parts=d.parts)
    assert across.annual.tolist() == [81, 80] and across.weights[1].sum() == pytest.approx(1)
    nothing = rollup({"Q1": {"A": 1, "B": None}}, {"Q1": 1})
    assert np.isnan(nothing.annual[1]) and nothing.ranks.tolist() == [1, 2]


def test_rounding_is_declared_half_up():
    # 0.5 x 80.005 + 0.5 x 80.0 = 80.0025 -> 80.00; 0.5 x 80.01 + 0.5 x 80 = 80.005 -> 80.01 (half up)
    result = rollup({"a": {"A": 80.01, "B": 80.005}, "b": {"A": 80, "B": 80}}, {"a": 1, "b": 1})
    assert result.annual.tolist() == [80.01, 80]
    one = rollup({"a": {"A": 80.05}, "b": {"A": 80}}, {"a": 1, "b": 1}, rounding=Rounding(1, "half_up"))
    assert one.annual.tolist() == [80.0]  # 80.025 -> 80.0 with one decimal


def test_evaluations_and_reviews_from_the_api():
    card = evalkit.load_scorecard(QUICK / "scorecard.yaml")
    data = evalkit.load_data(QUICK / "data.csv", QUICK / "units.csv", card)
    ev = evalkit.evaluate(card, data)
    from evalkit.reviews import review

    rv = review(REVIEWS / "review.yaml", REVIEWS / "ballots.csv", QUICK / "units.csv")
    result = rollup({"Q1": ev, "Q2": ev, "review": rv}, {"Q1": 47.5, "Q2": 47.5, "review": 5})
    i = result.unit_ids.index("U01")
    expected = Rounding()(0.95 * ev.unit("U01").total * 100 / card.total_points + 0.05 * 92.13)
    assert result.annual[i] == expected and result.names[i] == "县委办公室党支部"


equal_values = st.floats(0, 100, allow_nan=False).map(lambda x: float(Rounding(2)(x)))


@given(equal_values, st.lists(st.floats(0.01, 100), min_size=1, max_size=6), st.sampled_from(["reweight", "zero"]),
       st.integers(0, 3))
@settings(max_examples=100)
def test_rolling_up_equal_periods_gives_that_value(value, weights, missing, decimals):
    sources = {f"p{k}": {"A": value, "B": value} for k in range(len(weights))}
    result = rollup(sources, {f"p{k}": w for k, w in enumerate(weights)}, missing=missing,
                    rounding=Rounding(decimals, "half_up"))
    assert result.annual.tolist() == [Rounding(decimals)(value)] * 2
    assert result.weights.sum(axis=1) == pytest.approx([1, 1])


@given(equal_values, st.lists(st.booleans(), min_size=2, max_size=6))
@settings(max_examples=60)
def test_reweighting_missing_equal_periods_still_gives_that_value(value, present):
    sources = {f"p{k}": ({"A": value} if here else {"A": None}) for k, here in enumerate(present)}
    result = rollup(sources, {f"p{k}": k + 1 for k in range(len(present))})
    if any(present):
        assert result.annual[0] == Rounding()(value) and result.weights[0].sum() == pytest.approx(1)
    else:
        assert np.isnan(result.annual[0])


# --------------------------------------------------------------------------------------------------
# Files and the CLI


@pytest.fixture(scope="module")
def periods(tmp_path_factory):
    """Four quarterly results of the quickstart scorecard (U05 absent from Q3) and the review as CSV and JSON."""
    folder = tmp_path_factory.mktemp("periods")
    card = evalkit.load_scorecard(QUICK / "scorecard.yaml")
    data = evalkit.load_data(QUICK / "data.csv", QUICK / "units.csv", card)
    doc = evalkit.evaluate(card, data).to_dict()
    for q in range(1, 5):
        quarter = json.loads(json.dumps(doc))
        quarter["scorecard"]["period"] = f"2025Q{q}"
        if q == 3:
            quarter["units"] = [u for u in quarter["units"] if u["id"] != "U05"]
        (folder / f"q{q}.json").write_text(json.dumps(quarter, ensure_ascii=False), encoding="utf-8")
    assert main(["review", str(REVIEWS / "review.yaml"), "--ballots", str(REVIEWS / "ballots.csv"), "--units",
                 str(QUICK / "units.csv"), "--format", "csv", "-o", str(folder / "review.csv")]) == 0
    assert main(["review", str(REVIEWS / "review.yaml"), "--ballots", str(REVIEWS / "ballots.csv"), "--units",
                 str(QUICK / "units.csv"), "--format", "json", "-o", str(folder / "review.json")]) == 0
    totals = {u["id"]: u["total"] for u in doc["units"]}
    return folder, totals


def write_definition(folder: Path, name="annual.yaml", **changes) -> Path:
    import yaml

    path = folder / name
    path.write_text(yaml.safe_dump(annual(**changes), allow_unicode=True), encoding="utf-8")
    return path


def test_run_rollup_reads_results_reviews_and_tables(periods):
    folder, totals = periods
    result = run_rollup(write_definition(folder))
    i = result.unit_ids.index("U01")
    assert result.values[i].tolist() == [totals["U01"]] * 4 + [92.13]
    assert result.annual[i] == Rounding()(0.95 * totals["U01"] + 0.05 * 92.13)
    j = result.unit_ids.index("U05")
    assert np.isnan(result.values[j, 2]) and result.weights[j].tolist() == pytest.approx([0.95 / 3] * 2 + [0, 0.95 / 3, 0.05])
    from_json = run_rollup(write_definition(folder, parts=[
        {"id": "leaders", "weight": 1, "file": "review.json", "indicator": "review_score.leaders"}]))
    assert from_json.values[from_json.unit_ids.index("U01"), 0] == 91


def test_cli_rollup_table_json_csv(capsys, periods):
    folder, _totals = periods
    definition = write_definition(folder)
    code, out, err = run(capsys, "rollup", definition)
    assert code == 0 and "年度综合考核 · 2025" in out and err == ""
    assert "Q3无成绩，其权重由其余部分按比例分担" in out
    code, out, _ = run(capsys, "rollup", definition, "--format", "json", "--units", QUICK / "units.csv")
    doc = json.loads(out)
    assert doc["evalkit_rollup_result"] == 1 and [p["share"] for p in doc["rollup"]["parts"]] == [0.2375] * 4 + [0.05]
    u05 = next(u for u in doc["units"] if u["id"] == "U05")
    assert u05["parts"]["Q3"] == {"value": None, "weight": 0, "contribution": 0, "missing": True}
    assert u05["name"] == "县教育局机关党支部"
    code, out, _ = run(capsys, "rollup", definition, "--format", "csv", "--lang", "en")
    header = out.lstrip("\ufeff").splitlines()[0].split(",")
    assert header[:6] == ["rank", "unit", "name", "Q1", "Q1 weight", "Q1 contribution"] and header[-1] == "annual"


def test_cli_rollup_errors(capsys, periods, tmp_path):
    folder, _ = periods
    units = tmp_path / "units.csv"
    units.write_text("id,name\nU01,甲\n", encoding="utf-8")
    code, _, err = run(capsys, "rollup", write_definition(folder), "--units", units)
    assert code == 3 and "a unit that is not in the units list" in err and "q1.json" in err
    code, _, err = run(capsys, "rollup", write_definition(folder, "b.yaml", parts=[{"id": "r", "weight": 1, "file": "review.csv"}]))
    assert code == 2 and "b.yaml" in err and "a long-format table needs the indicator to read" in err
    (folder / "broken.json").write_text('{"evalkit_result": 1, "units": []}', encoding="utf-8")
    code, _, err = run(capsys, "rollup", write_definition(folder, "c.yaml", parts=[{"id": "r", "weight": 1, "file": "broken.json"}]))
    assert code == 3 and "broken.json" in err and "the properties 'scorecard', 'grades', 'indicators', 'dimensions', 'items' are missing" in err
    code, _, err = run(capsys, "rollup", write_definition(folder, "d.yaml", parts=[
        {"id": "r", "weight": 1, "file": "q1.json", "period": "2024"}]))
    assert code == 3 and "the result is of period '2025Q1', not '2024'" in err
    code, _, err = run(capsys, "rollup", write_definition(folder, "e.yaml", parts=[{"id": "r", "weight": 1, "file": "nope.json"}]))
    assert code == 5 and "nope.json: file not found" in err


def test_the_same_period_twice_is_a_warning(capsys, periods):
    folder, _ = periods
    definition = write_definition(folder, "same.yaml", parts=[
        {"id": "quarters", "weight": 1, "periods": [{"id": "a", "file": "q1.json"}, {"id": "b", "file": "q1.json"}]}])
    code, _, err = run(capsys, "rollup", definition)
    assert code == 0 and "both hold period '2025Q1': is one file given twice?" in err


def test_part_values_from_python():
    result = rollup({"x": PartValues(values={"A": 4}, scale=5)}, {"x": 1})
    assert result.annual.tolist() == [80]
    with pytest.raises(DataError):
        rollup({"x": {"Z": 1}}, {"x": 1}, units=["A"])


def test_the_example_readme_rollup_definition_loads():
    import re

    import yaml

    text = (REVIEWS / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, flags=re.S).group(1)
    d = load_rollup(yaml.safe_load(block))
    assert [p.id for p in d.parts] == ["q1", "q2", "q3", "q4", "leaders"]
    assert [p.share for p in d.parts] == pytest.approx([0.2375] * 4 + [0.05])
