"""examples/five-star-clauses: a published reference standard (基层党组织"五星创评"参考标准, 附件1; source in the
example's README), encoded clause by clause. The six branches' points were worked out by hand from the
published clauses (the README's table)."""

from __future__ import annotations

from pathlib import Path

import pytest

import evalkit

FOLDER = Path(__file__).resolve().parent.parent / "examples" / "five-star-clauses"
BY_HAND = {  # unit: (领导班子, 骨干队伍, 活动阵地, total, grade)
    "Z01": (15, 10, 10, 35, "good"),
    "Z02": (10, 10, 5, 25, "average"),          # election overdue 5; room without facilities 5
    "Z03": (13, 0, 10, 23, "average"),          # irregular recruitment 15 on a 10-point item; 2 at discretion
    "Z04": (0, 5, 0, 5, "poor"),                # 5+5+5 off 15; 3+2 off 10; 10+5 off 10
    "Z05": (15, 7, 8.5, 30.5, "fairly_good"),   # pledges 3; 1.5 at discretion on premises
    "Z06": (15, 8, 10, 33, "good"),             # pioneer system 2
}


@pytest.fixture(scope="module")
def evaluation():
    files = evalkit.InputFiles(FOLDER / "scorecard.yaml", units=FOLDER / "units.csv", data=[FOLDER / "data.csv"],
                               adjustments=FOLDER / "adjustments.csv")
    return evalkit.evaluate_files(files)


@pytest.mark.parametrize("unit", sorted(BY_HAND))
def test_each_branch_scores_as_worked_out_by_hand(evaluation, unit):
    lead, core, premises, total, grade = BY_HAND[unit]
    u = evaluation.unit(unit)
    points = [u.items[k].points for k in ("leadership", "core_team", "premises")]
    assert (points, u.total, u.grade.grade) == ([lead, core, premises], total, grade)


def test_the_explanation_names_the_published_clauses(evaluation):
    text = evaluation.explanation("Z03", lang="zh").text()
    assert "发展党员工作不规范（扣 15 分）；扣完为止，得 0 分" in text
    assert "酌情扣 2 分（其他指标酌情扣分）：班子成员学习记录不全，佐证 考核组现场检查记录 Z03-1，考评人 考核组" in text
    z04 = evaluation.explanation("Z04", lang="en").text()
    assert "no activity room (10 off); room without education facilities (5 off); deductions stop at zero: 0 points" in z04


def test_the_scorecard_is_valid_without_warnings():
    assert evalkit.validate_file(FOLDER / "scorecard.yaml").warnings == ()
