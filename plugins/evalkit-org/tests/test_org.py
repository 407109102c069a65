"""evalkit-org: what it registers, the official cadence and dues rates, and the sample records by hand.

Uses the fixtures of `evalkit.testing` (register_plugin, evaluate_small), which evalkit installs as a
pytest plugin.
"""

import evalkit_org
import pytest
from evalkit_org import SAMPLES, RecordError, compute, long_rows, monthly_dues, write_long_csv

import evalkit


def test_registers_its_indicators_with_both_names(register_plugin):
    registry = register_plugin(evalkit_org, name="org")
    for indicator in evalkit_org.INDICATORS:
        assert registry.owner("indicators", indicator.id) == "org"
        assert indicator.name.zh and indicator.name.en and indicator.unit
        assert ".csv" in indicator.description.en  # says which record it comes from


@pytest.mark.parametrize("pay, dues", [
    (2800, 14.00), (3000, 15.00),           # up to 3000 yuan: 0.5 % (3000 itself included)
    (3000.01, 30.00), (5000, 50.00),        # up to 5000: 1 %
    (5000.01, 75.00), (10000, 150.00),      # up to 10000: 1.5 %
    (10000.01, 200.00), (12345.67, 246.91),  # above 10000: 2 %, on the whole amount
    (2999.99, 15.00),                       # 14.99995 rounds half up to the fen
])
def test_official_dues_rates(pay, dues):
    assert monthly_dues([pay])[0] == pytest.approx(dues, abs=1e-9)


def test_sample_records_checked_by_hand():
    values = compute(SAMPLES, "2025")
    # 32 slots a year: members' meeting and lesson 4 each, committee and group meeting 12 each.
    # D01 holds all 32 (two theme days do not count). D02: committee misses April and August (10),
    # group misses July (two in June count once: 11), no lesson in Q3 (two in Q4 count once: 3),
    # 4 members' meetings: 28 / 32. D03: 2 + 6 + 6 + 2 = 16 / 32. D04 logged no meeting at all.
    assert values["org_meetings_completion"] == {"D01": 100.0, "D02": 87.5, "D03": 50.0, "D04": 0.0}
    assert values["org_meetings_missed"] == {"D01": 0.0, "D02": 4.0, "D03": 16.0, "D04": 32.0}
    # D02: 48 member-months; 9 月 赵六 paid 14.99 of 15.00, 6 月 钱七 paid in July, 3 月 周九 paid 180 of
    # 240 (12000 yuan is 2 %): 45 / 48. Paying in advance (赵六, January) and on the 31st is on time.
    # D03: 吴十 earns 6000 (1.5 %: 90.00) but pays 60.00 each month: 12 / 24. D04: 陈三 paid nothing in May.
    assert values["org_dues_compliance"] == pytest.approx({"D01": 100.0, "D02": 93.75, "D03": 50.0, "D04": 23 / 24 * 100})
    # plan 2/2, 2/3, 0/1; D04 has no plan (0), so no value.
    assert values["org_recruitment_completion"] == pytest.approx({"D01": 100.0, "D02": 200 / 3, "D03": 0.0})
    # D01: secretary 60 >= 56, committee member 50 < 56, members 40 and 32 >= 32: 3 / 4. D02: 孙八's two
    # rows add up to 35. D04: 陈三 is a committee member in one row, so 30 + 20 = 50 < 56.
    assert values["org_study_compliance"] == pytest.approx({"D01": 75.0, "D02": 200 / 3, "D03": 50.0, "D04": 50.0})


def test_other_years_are_left_out():
    values = compute(SAMPLES, "2024")
    assert values["org_meetings_completion"]["D01"] == 100 / 32  # one committee meeting in December 2024
    assert values["org_dues_compliance"] == {"D01": 0.0}  # December's dues paid on 6 January: late
    assert values["org_recruitment_completion"] == {"D01": 100.0}


def test_records_in_memory_and_an_explicit_units_list():
    meetings = [{"unit": "A", "date": "2025-01-05", "kind": "committee_meeting"},
                {"unit": "A", "date": "2025-01-25", "kind": "committee_meeting"},
                {"unit": "A", "date": "2025-02-05", "kind": "party_lesson"}]
    values = compute({"meetings": meetings}, "2025", units=["A", "B"])
    assert values == {"org_meetings_completion": {"A": 2 / 32 * 100, "B": 0.0},
                      "org_meetings_missed": {"A": 30.0, "B": 32.0}}


@pytest.mark.parametrize("records, message", [
    ({"meetings": [{"unit": "A", "date": "2025-01-05", "kind": "coffee"}]}, "meetings, record 0, column 'kind': unknown value 'coffee'"),
    ({"meetings": [{"unit": "A", "date": "2025-13-05", "kind": "党课"}]}, "column 'date': not a date: '2025-13-05'"),
    ({"meetings": [{"unit": "A", "kind": "党课"}]}, "meetings: missing column 'date'"),
    ({"dues": [{"unit": "A", "member": "x", "month": "2025-01", "pay": "lots", "paid": 1, "paid_on": ""}]}, "column 'pay': not a number: 'lots'"),
    ({"meeting": []}, "unknown kind of record 'meeting'"),
])
def test_bad_records_are_named(records, message):
    with pytest.raises(RecordError) as info:
        compute(records, "2025")
    assert message in str(info.value)


def test_a_bad_csv_row_is_named_by_file_and_row(tmp_path):
    (tmp_path / "study.csv").write_text("unit,member,role,year,hours\nD01,a,member,2025,3x\n", encoding="utf-8-sig")
    with pytest.raises(RecordError, match=r"study.csv, row 2, column 'hours': not a number: '3x'"):
        compute(tmp_path, "2025")


def test_the_long_csv_is_what_evalkit_run_reads(tmp_path, register_plugin):
    registry = register_plugin(evalkit_org, name="org")
    out = write_long_csv(compute(SAMPLES, "2025"), "2025", tmp_path / "org.csv")
    assert out.read_text(encoding="utf-8").splitlines()[:3] == [
        "unit,indicator,period,value", "D01,org_dues_compliance,2025,100", "D01,org_meetings_completion,2025,100"]
    scorecard = evalkit.load_scorecard({
        "id": "org", "name": "组织工作", "period": "2025",
        "dimensions": [
            {"id": "meetings", "indicator": "org_meetings_completion", "max_points": 10,
             "rule": {"name": "linear", "params": {"lower": 60, "upper": 100}}},
            {"id": "missed", "indicator": "org_meetings_missed", "max_points": 5,
             "rule": {"name": "per_event", "params": {"per_event": 0.5}}},
        ]}, registry)
    units = evalkit.load_units(SAMPLES / "units.csv", registry)
    evaluation = evalkit.evaluate(scorecard, evalkit.load_data(out, units, scorecard))
    # D02: (87.5 - 60) / 40 x 10 = 6.875 -> 6.88; 4 missed x 0.5 = 2 off 5.
    assert [evaluation.unit(u).total for u in ("D01", "D02", "D03", "D04")] == [15, 9.88, 0, 0]


def test_python_dash_m_writes_the_long_csv(tmp_path, capsys):
    from evalkit_org.__main__ import main

    assert main([str(SAMPLES), "2025", "-o", str(tmp_path / "out.csv")]) == 0
    assert len(long_rows(compute(SAMPLES, "2025"), "2025")) == len((tmp_path / "out.csv").read_text().splitlines()) - 1
    assert main([str(tmp_path / "nowhere"), "2025", "-o", str(tmp_path / "x.csv")]) == 3
    assert "not a folder of record files" in capsys.readouterr().err
