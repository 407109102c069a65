"""evalkit-township: what it registers, its indicators from the sample records by hand, and the veto."""

import evalkit_township
import pytest
from evalkit_township import SAMPLES, compute


def test_registers_its_indicators(register_plugin):
    registry = register_plugin(evalkit_township, name="township")
    for indicator in evalkit_township.INDICATORS:
        assert registry.owner("indicators", indicator.id) == "township"
        assert indicator.name.zh and indicator.name.en and ".csv" in indicator.description.en


def test_sample_records_checked_by_hand():
    values = compute(SAMPLES, "2025")
    # Standard 10 (万元), reached at 10 itself - X01: 12, 10, 30 of five (8.5 and 9.99 fall short);
    # X02: 11 of four; X03: all three. X01's 2024 report is not counted.
    assert values["town_collective_economy"] == {"X01": 60.0, "X02": 25.0, "X03": 100.0}
    # X01: 4 安全 + 3 基本安全 of 9 valid answers (不清楚 is not valid); X02: 7 of 8; X03's two 2024
    # answers are not counted.
    assert values["town_sense_of_security"] == pytest.approx({"X01": 700 / 9, "X02": 87.5, "X03": 100.0})
    # Above the county - X01: two to the city, one to the province; X02: only the county; X03: 进京 and
    # 市 in 2025 (the 2024 one does not count).
    assert values["town_skip_level_petitions"] == {"X01": 3.0, "X02": 0.0, "X03": 2.0}
    # 较大 and worse: X02's August incident; X03's 重大 was in 2024.
    assert values["town_serious_incidents"] == {"X01": 0.0, "X02": 1.0, "X03": 0.0}


def test_a_serious_incident_vetoes_the_grade(register_plugin, evaluate_small):
    register_plugin(evalkit_township, name="township")
    scorecard = {
        "dimensions": [{"id": "security", "indicator": "town_sense_of_security", "max_points": 100,
                        "rule": {"name": "linear", "params": {"lower": 60, "upper": 90}}}],
        "gates": [{"id": "safety_veto", "name": {"zh": "较大及以上安全事故一票否决", "en": "Serious incident veto"},
                   "indicator": "town_serious_incidents", "above": 0, "effect": "force_grade", "grade": "poor"}],
        "grading": {"bands": [{"min": 80, "grade": "good", "label": "好"}, {"min": 0, "grade": "poor", "label": "较差"}]},
    }
    evaluation = evaluate_small(scorecard, compute(SAMPLES, "2025"))
    # Linear from 60 to 90 - X01: (77.78 - 60) / 30 x 100 = 59.26, poor on points; X02: (87.5 - 60) / 30
    # x 100 = 91.67, good on points but vetoed by its serious incident; X03: 100, good.
    assert [evaluation.unit(u).total for u in ("X01", "X02", "X03")] == [59.26, 91.67, 100]
    assert {u: evaluation.unit(u).grade.grade for u in ("X01", "X02", "X03")} == {"X01": "poor", "X02": "poor", "X03": "good"}
