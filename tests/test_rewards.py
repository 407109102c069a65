"""Results put to use (考核结果运用, issue 16 item 4): honours, coefficients and a reward pool shared to the cent."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.analysis.rewards import allocate, cents_text, half_up, share_out
from evalkit.definition.rewards import reward_scheme
from evalkit.definition.schemas import base_schema
from evalkit.errors import DefinitionError

ROOT = Path(__file__).resolve().parent.parent
COUNTY = ROOT / "examples" / "county-254"

weights = st.lists(st.fractions(min_value=0, max_value=1000, max_denominator=1000), min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(pool=st.integers(min_value=0, max_value=10**11), weights=weights,
       rule=st.sampled_from(["largest_remainder", "top_ranked"]))
def test_shares_always_add_up_to_the_pool_to_the_cent(pool, weights, rule):
    shares, moved, exacts = share_out(pool, weights, rule)
    if sum(weights) == 0:
        assert shares == [0] * len(weights)
        return
    assert sum(shares) == pool
    assert all(s >= 0 for s in shares)
    assert all(s == 0 for s, w in zip(shares, weights) if w == 0)  # no coefficient, no share
    assert [s - m for s, m in zip(shares, moved)] == [half_up(x) for x in exacts]  # half-up, then the remainder rule
    if rule == "largest_remainder":
        assert all(abs(s - x) < 1 for s, x in zip(shares, exacts))  # each within a cent of its exact share


def test_half_up_and_the_remainder_rules():
    assert [half_up(Fraction(x)) for x in ("0.5", "1.5", "2.4999", "2.5")] == [1, 2, 2, 3]
    # 100.00 among three equal units: 33.33 each after rounding, one cent left over
    shares, moved, _ = share_out(10000, [Fraction(1)] * 3, "largest_remainder")
    assert shares == [3334, 3333, 3333] and moved == [1, 0, 0]  # equal remainders: the best-ranked first
    shares, _, _ = share_out(10000, [Fraction(1), Fraction(2), Fraction(2)], "top_ranked")
    assert shares == [2000, 4000, 4000]
    # 0.05 among 1.2 : 1.0 : 1.0 → exact 1.875, 1.5625, 1.5625 cents → half-up 2, 2, 2 = 6: one cent too many
    shares, moved, _ = share_out(5, [Fraction("1.2"), Fraction(1), Fraction(1)], "largest_remainder")
    assert sum(shares) == 5 and moved.count(-1) == 1 and shares[0] == 2
    assert cents_text(50000000) == "500000.00" and cents_text(5) == "0.05"


def test_the_county_example_shares_its_pool_by_tier():
    files = evalkit.InputFiles(scorecard=COUNTY / "scorecard.yaml", data=COUNTY / "data.csv", units=COUNTY / "units.csv",
                               period="2025")
    evaluation = evalkit.evaluate_files(files)
    doc = evaluation.to_dict()
    jsonschema.Draft202012Validator(base_schema("result.schema.json")).validate(doc)
    rewards = doc["rewards"]
    assert rewards["pool"] == "500000.00" and rewards["distributed"] == "500000.00" and rewards["undistributed"] == "0.00"
    assert sum(u["share_cents"] for u in rewards["units"]) == 50000000
    by_grade: dict[str, set[int]] = {}
    for u in rewards["units"]:
        by_grade.setdefault(u["grade"], set()).add(u["share_cents"])
    # 104 advanced ×1.2 and 144 average ×1.0 (the seed's 2025 tiers): 500000 / (104×1.2 + 144) = 1860.119... per 1.0
    assert by_grade["lagging"] == {0}
    assert by_grade["average"] <= {186011, 186012} and by_grade["advanced"] <= {223214, 223215}
    assert len(rewards["honours"]["先进基层党组织"]) == 104


def scorecard_with(rewards):
    raw = yaml.safe_load((COUNTY / "scorecard.yaml").read_text(encoding="utf-8"))
    raw = copy.deepcopy(raw)
    raw["rewards"] = rewards
    return raw


@pytest.mark.parametrize(("rewards", "message"), [
    ({"grades": {"excellent": {"coefficient": 1}}}, "$.rewards.grades.excellent"),
    ({"grades": {"advanced": {"coefficient": 1}}, "pool": "100.001"}, "$.rewards.pool"),
    ({"grades": {"advanced": {"coefficient": -1}}}, "$.rewards.grades.advanced.coefficient"),
    ({"grades": {"advanced": {"coefficient": 1}}, "remainder": "random"}, "$.rewards.remainder"),
])
def test_a_bad_reward_scheme_is_a_definition_error_with_its_path(rewards, message):
    with pytest.raises(DefinitionError) as caught:
        evalkit.load_scorecard(scorecard_with(rewards))
    assert message in str(caught.value)


def test_rewards_by_points_and_without_a_pool():
    scheme = reward_scheme({"rewards": {"grades": {"a": {"coefficient": "1.5", "honours": ["x"]}, "b": {"coefficient": 1}},
                                        "pool": 1000, "share_by": "points"}})
    units = [{"id": "U1", "rank": 1, "grade": "a", "total": 90}, {"id": "U2", "rank": 2, "grade": "b", "total": 65},
             {"id": "U3", "rank": 3, "grade": None, "total": 10}]
    result = allocate(scheme, units).to_dict()
    # weights 1.5 × 90 = 135 and 65: 1000 × 135/200 = 675.00, 1000 × 65/200 = 325.00
    assert [u["share"] for u in result["units"]] == ["675.00", "325.00", "0.00"]
    assert result["honours"] == {"x": ["U1"]}
    free = reward_scheme({"rewards": {"grades": {"a": {"coefficient": 1}}}})
    assert "pool" not in allocate(free, units).to_dict() and "share" not in allocate(free, units).to_dict()["units"][0]


def test_run_reports_the_shares_in_json_and_markdown(capsys):
    from evalkit.cli import main

    args = ["run", str(COUNTY / "scorecard.yaml"), "--data", str(COUNTY / "data.csv"), "--units", str(COUNTY / "units.csv"),
            "--period", "2025"]
    assert main([*args, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["rewards"]["distributed"] == "500000.00"
    assert main([*args, "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "## 考核结果运用" in out and "奖励总额 500000.00，已分配 500000.00，未分配 0.00" in out


def test_the_xlsx_and_html_reports_show_the_shares(tmp_path, capsys):
    import io

    import openpyxl

    from evalkit.cli import main

    args = ["run", str(COUNTY / "scorecard.yaml"), "--data", str(COUNTY / "data.csv"), "--units", str(COUNTY / "units.csv"),
            "--period", "2025"]
    assert main([*args, "--format", "xlsx", "-o", str(tmp_path / "r.xlsx")]) == 0
    sheet = openpyxl.load_workbook(io.BytesIO((tmp_path / "r.xlsx").read_bytes()))["考核结果运用"]
    shares = [row[4].value for row in sheet.iter_rows(min_row=2, max_row=255)]
    assert sum(int(Decimal(str(s)) * 100) for s in shares) == 50000000 and sheet["E2"].number_format == "#,##0.00"
    assert main([*args, "--format", "html", "-o", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<section id="rewards"><h2>考核结果运用</h2>' in html and "奖励总额 500000.00" in html
    capsys.readouterr()
