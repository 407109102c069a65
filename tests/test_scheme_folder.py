"""A folder of scorecard versions: each period is scored under the version in force then."""

import json

from evalkit.cli import main

VERSION = """id: scheme
name: Scheme
version: "{version}"
period: "{first}"
effective: {{from: "{first}"{last}}}
indicators: [{{id: x, name: X}}]
dimensions:
  - {{id: i, indicator: x, max_points: 10, rule: {{name: linear, params: {{lower: 0, upper: {upper}}}}}}}
"""


def setup(tmp_path):
    folder = tmp_path / "scheme"
    folder.mkdir()
    (folder / "2023.yaml").write_text(VERSION.format(version="2023", first="2023", last=', to: "2024"', upper=100), encoding="utf-8")
    (folder / "2025.yaml").write_text(VERSION.format(version="2025", first="2025", last="", upper=50), encoding="utf-8")
    (tmp_path / "units.csv").write_text("id,name\nu,甲\n", encoding="utf-8")
    (tmp_path / "data.csv").write_text("unit,indicator,period,value\nu,x,2024,40\nu,x,2025,40\n", encoding="utf-8")
    return [str(folder), "--data", str(tmp_path / "data.csv"), "--units", str(tmp_path / "units.csv")]


def test_each_period_is_scored_under_the_scheme_in_force(tmp_path, capsys):
    args = setup(tmp_path)
    for period, version, total in [("2024", "2023", 4), ("2025", "2025", 8)]:
        assert main(["run", *args, "--period", period, "--format", "json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["scorecard"]["version"] == version and doc["units"][0]["total"] == total
    store = tmp_path / "runs.db"
    assert main(["run", *args, "--period", "2024", "--store", str(store)]) == 0


def test_a_folder_needs_a_period_and_a_version_for_it(tmp_path, capsys):
    args = setup(tmp_path)
    assert main(["run", *args]) == 2
    assert "say which period" in capsys.readouterr().err
    assert main(["run", *args, "--period", "2022"]) == 2
    assert "no scorecard is in force for period '2022'" in capsys.readouterr().err
