"""Grade quotas: the most units a grade may hold, with declared rounding and tie rule, and the reason kept."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.scoring.quotas import places


def card(**quota):
    return evalkit.load_scorecard({
        "id": "q", "name": {"zh": "名额", "en": "Quota"}, "period": "1",
        "indicators": [{"id": "x", "name": "X"}],
        "dimensions": [{"id": "i", "indicator": "x", "max_points": 100, "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}}],
        "grading": {"bands": [{"min": 90, "grade": "excellent", "label": {"zh": "优秀", "en": "Excellent"}},
                              {"min": 60, "grade": "pass", "label": {"zh": "合格", "en": "Pass"}},
                              {"min": 0, "grade": "fail", "label": {"zh": "不合格", "en": "Fail"}}],
                    "quotas": [{"grade": "excellent", **quota}]},
    })


def grades_of(ev, ids):
    return [ev.unit(u).grade.grade for u in ids]


def test_twenty_percent_of_ten_units_and_the_reason_kept():
    ids = [f"u{i}" for i in range(10)]
    ev = evalkit.evaluate(card(share=0.2), {"x": [99, 98, 97, 96, 80, 70, 60, 50, 40, 30]}, units=ids)
    assert grades_of(ev, ids[:5]) == ["excellent", "excellent", "pass", "pass", "pass"]
    moved = ev.unit("u2")
    assert [(c.by, c.id, c.grade) for c in moved.grade_changes] == [("quota", "excellent", "pass")]
    doc = next(u for u in ev.to_dict()["units"] if u["id"] == "u2")
    assert doc["grade_from_bands"] == "excellent" and doc["grade"] == "pass"
    assert "名额限制：全部单位 共 10 个，优秀 不超过 20%，即 2 个名额" in "\n".join(ev.explain("u2", "zh"))


@pytest.mark.parametrize("ties, expected", [
    ("exclude", ["excellent", "pass", "pass", "pass"]),      # the tie at the cut moves both down
    ("include", ["excellent", "excellent", "excellent", "pass"]),  # both stay: 3 > 2 places
    ("id", ["excellent", "excellent", "pass", "pass"]),      # u1 before u2
])
def test_tie_rules_at_the_cut(ties, expected):
    ids = ["u0", "u1", "u2", "u3"]
    ev = evalkit.evaluate(card(count=2, ties=ties), {"x": [99, 95, 95, 93]}, units=ids)
    assert grades_of(ev, ids) == expected


def test_rounding_of_places():
    assert places(0.2, 12) == 2 and places(0.2, 12, "half_up") == 2 and places(0.2, 12, "ceil") == 3
    assert places(0.2, 13, "half_up") == 3  # 2.6
    assert places(0.2, 15) == 3  # 0.2 x 15 = 3.0000000000000004 in floats: still 3, not 4 under ceil
    assert places(0.2, 15, "ceil") == 3


def test_quota_per_unit_type():
    ids = ["a1", "a2", "b1", "b2", "b3", "b4", "b5"]
    units = evalkit.Units.from_ids(ids, types=["镇", "镇", "局", "局", "局", "局", "局"])
    ev = evalkit.evaluate(card(share=0.5, per="type"), {"x": [99, 98, 97, 96, 95, 94, 93]}, units=units)
    assert grades_of(ev, ids) == ["excellent", "pass", "excellent", "excellent", "pass", "pass", "pass"]


def test_quota_grade_must_exist():
    raw = card(share=0.2).raw
    raw["grading"]["quotas"] = [{"grade": "outstanding", "share": 0.1}]
    [problem] = evalkit.validate(raw, evalkit.default_registry())
    assert problem.path == "$.grading.quotas[0].grade" and problem.message == "unknown grade"


@settings(max_examples=60)
@given(values=st.lists(st.sampled_from([100, 97, 95, 95, 92, 90, 85, 70, 50]), min_size=1, max_size=40),
       share=st.sampled_from([0.1, 0.15, 0.2, 1 / 3, 0.5]), ties=st.sampled_from(["exclude", "id"]))
def test_quotas_never_exceed_their_share_and_order_is_kept(values, share, ties):
    ids = [f"u{i:02d}" for i in range(len(values))]
    ev = evalkit.evaluate(card(share=share, ties=ties), {"x": values}, units=ids)
    excellent = [u for u in ids if ev.unit(u).grade.grade == "excellent"]
    assert len(excellent) <= places(share, len(ids))
    # a unit with a higher total never gets a lower grade than another, unless the tie rule says why
    totals = np.array([ev.unit(u).total for u in ids])
    grades = np.array([ev.grades[ev.units.index[u]] for u in ids])
    for a in range(len(ids)):
        for b in range(len(ids)):
            if totals[a] > totals[b]:
                assert grades[a] <= grades[b]


def test_the_note_says_the_unit_was_moved_down_by_the_quota():
    """A remark says what happened (因名额限制由优秀调为称职), not only which quota applied (examples/civil-servants:
    GWY010 has 94.47 points, within 优秀's band, but its department's 20 % of 优秀 went to higher totals)."""
    from pathlib import Path

    from evalkit import InputFiles, evaluate_files
    from evalkit.reporters.common import notes

    folder = str(Path(__file__).resolve().parents[1] / "examples" / "civil-servants") + "/"
    ev = evaluate_files(InputFiles(scorecard=folder + "scorecard.yaml", data=[folder + "data.csv"],
                                   units=folder + "units.csv", adjustments=folder + "adjustments.csv"))
    i = ev.units.index["GWY010"]
    assert notes(ev, "zh")[i] == "因名额限制由优秀调为称职"
    assert notes(ev, "en")[i] == "moved from Excellent to Competent by the quota"
