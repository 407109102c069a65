"""Data files with several periods (baselines) and units files with extra columns (peer groups)."""

import evalkit
from evalkit.cli import main

CARD = """id: peers
name: 同类比较
period: "2025"
indicators:
  - {id: rate, name: {zh: 办结率, en: Closure rate}, unit: "%"}
dimensions:
  - id: pct
    indicator: rate
    max_points: 10
    rule: {name: percentile, params: {peer_group: 片区, definition: weak}}
  - id: vbp
    indicator: rate
    max_points: 10
    rule: {name: achievement_improvement, params: {baseline_period: "2024", threshold: 50, benchmark: 90}}
"""


def write(tmp_path):
    (tmp_path / "card.yaml").write_text(CARD, encoding="utf-8")
    (tmp_path / "units.csv").write_text("id,name,type,片区\nA,甲,局,东\nB,乙,局,东\nC,丙,镇,西\nD,丁,镇,西\n", encoding="utf-8")
    rows = ["unit,indicator,period,value"]
    rows += [f"{u},rate,2025,{v}" for u, v in zip("ABCD", [80, 60, 70, 95])]
    rows += [f"{u},rate,2024,{v}" for u, v in zip("ABCD", [40, 59, 75, 91])]
    (tmp_path / "data.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return [str(tmp_path / "card.yaml"), "--data", str(tmp_path / "data.csv"), "--units", str(tmp_path / "units.csv")]


def test_attribute_peer_groups_and_baseline_period_from_files(tmp_path):
    args = write(tmp_path)
    registry = evalkit.default_registry()
    sc = evalkit.load_scorecard(args[0], registry)
    units = evalkit.load_units(args[4], registry)
    assert units.attribute("片区") == ("东", "东", "西", "西")
    data = evalkit.load_data(args[2], units, sc)
    assert list(data.column("rate", "2024")) == [40, 59, 75, 91]
    ev = evalkit.evaluate(sc, data)
    pct = {u: ev.unit(u).items["pct"].points for u in "ABCD"}
    assert pct == {"A": 10, "B": 5, "C": 5, "D": 10}  # best of each 片区 gets full points
    # A: achievement 9 x 30/40 + 0.5 = 7.25 -> 7; improvement 10 x 40/50 - 0.5 = 7.5 -> 8: 8 points
    assert ev.unit("A").items["vbp"].points == 8


def test_unknown_peer_attribute_is_a_data_error(tmp_path, capsys):
    args = write(tmp_path)
    (tmp_path / "card.yaml").write_text(CARD.replace("peer_group: 片区", "peer_group: 规模"), encoding="utf-8")
    assert main(["run", *args]) == 3
    err = capsys.readouterr().err
    assert "no attribute '规模'" in err and "'片区'" in err


def test_derived_values_are_not_accepted_from_a_data_file(tmp_path, capsys):
    args = write(tmp_path)
    card = CARD.replace("dimensions:", "derived:\n  - {id: twice, name: T, formula: rate * 2}\ndimensions:")
    (tmp_path / "card.yaml").write_text(card, encoding="utf-8")
    with open(tmp_path / "data.csv", "a", encoding="utf-8") as f:
        f.write("A,twice,2025,1\n")
    assert main(["run", *args]) == 3
    assert "unknown indicator" in capsys.readouterr().err


def test_several_data_files_are_read_as_one_and_overlaps_are_named(tmp_path, capsys):
    args = write(tmp_path)
    data = (tmp_path / "data.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "a.csv").write_text("\n".join(data[:5]) + "\n", encoding="utf-8")  # header + 2025 rows
    (tmp_path / "b.csv").write_text("\n".join([data[0], *data[5:]]) + "\n", encoding="utf-8")  # header + 2024 rows
    split = [args[0], "--data", str(tmp_path / "a.csv"), "--data", str(tmp_path / "b.csv"), "--units", args[4]]
    assert main(["run", *split, "--format", "json"]) == 0
    together = capsys.readouterr().out
    assert main(["run", *args, "--format", "json"]) == 0
    assert capsys.readouterr().out == together
    clash = [args[0], "--data", args[2], "--data", str(tmp_path / "a.csv"), "--units", args[4]]
    assert main(["run", *clash]) == 3
    err = capsys.readouterr().err
    assert "given in two data files" in err and "a.csv" in err and "data.csv" in err


def test_a_value_a_rule_refuses_is_named_by_file_and_row(tmp_path, capsys):
    card = CARD.replace("rule: {name: percentile, params: {peer_group: 片区, definition: weak}}",
                        "rule: {name: per_event, params: {per_event: 1, mode: add}}")
    (tmp_path / "card.yaml").write_text(card, encoding="utf-8")
    args = write(tmp_path)
    (tmp_path / "card.yaml").write_text(card, encoding="utf-8")
    text = (tmp_path / "data.csv").read_text(encoding="utf-8").replace("B,rate,2025,60", "B,rate,2025,-3")
    (tmp_path / "data.csv").write_text(text, encoding="utf-8")
    assert main(["run", *args]) == 3
    err = capsys.readouterr().err
    assert f"{tmp_path / 'data.csv'}, row 3, column 'value': values of 'rate' outside what rule 'per_event' accepts (unit 'B')" in err
