"""evalkit-discipline: what it registers and its indicators from the sample ledgers, by hand."""

import evalkit_discipline
import pytest
from evalkit_discipline import SAMPLES, RecordError, compute


def test_registers_its_indicators(register_plugin):
    registry = register_plugin(evalkit_discipline, name="discipline")
    for indicator in evalkit_discipline.INDICATORS:
        assert registry.owner("indicators", indicator.id) == "discipline"
        assert indicator.name.zh and indicator.name.en and ".csv" in indicator.description.en


def test_sample_ledgers_checked_by_hand():
    values = compute(SAMPLES, "2025")
    # Due in 2025 - J01: 5, one closed late (the one closed on its due date is on time); J02: 4, one
    # late and one never closed (one of them received in December 2024); J03: 2, both on time.
    assert values["discipline_petitions_on_time"] == {"J01": 80.0, "J02": 50.0, "J03": 100.0}
    # 30 days to propose a disposal - J01: 10, 30, 31 and 5 days; J02: 15 days and none;
    # J03: three in time, and one received on 20 December is due in 2026.
    assert values["discipline_clues_on_time"] == {"J01": 75.0, "J02": 50.0, "J03": 100.0}
    # J03's case sent back in 2024 is not counted in 2025; J02 had none sent back.
    assert values["discipline_cases_sent_back"] == {"J01": 1.0, "J02": 0.0, "J03": 1.0}


def test_cases_sent_back_scored_per_event(register_plugin, evaluate_small):
    register_plugin(evalkit_discipline, name="discipline")
    item = {"indicator": "discipline_cases_sent_back", "max_points": 10, "rule": {"name": "per_event", "params": {"per_event": 3}}}
    evaluation = evaluate_small(item, compute(SAMPLES, "2025"))
    assert [evaluation.unit(u).total for u in ("J01", "J02", "J03")] == [7, 10, 7]


def test_a_unit_not_in_the_units_list_is_named():
    with pytest.raises(RecordError, match=r"petitions.csv, row 13: unit 'J03' is not in the units list"):
        compute(SAMPLES, "2025", units=["J01", "J02"])


def test_an_unknown_answer_is_named():
    cases = [{"unit": "J01", "case": "x", "transferred": "2025-01-01", "sent_back": "maybe"}]
    with pytest.raises(RecordError, match="cases, record 0, column 'sent_back': unknown value 'maybe'"):
        compute({"cases": cases}, "2025")
