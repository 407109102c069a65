"""Record sources: `evalkit run --records NAME=FOLDER` computes a department's indicators from its records."""

from pathlib import Path

import pytest

import evalkit
from evalkit.cli import main

ROOT = Path(__file__).resolve().parent.parent
ORG = ROOT / "plugins" / "evalkit-org"
SAMPLES = ORG / "src" / "evalkit_org" / "samples"

CARD = """id: org
name: 组织工作考核
period: "2025"
dimensions:
  - id: meetings
    indicator: org_meetings_completion
    max_points: 50
    rule: {name: linear, params: {lower: 50, upper: 100}}
  - id: study
    indicator: org_study_compliance
    max_points: 50
    rule: {name: linear, params: {lower: 50, upper: 100}}
"""


def test_the_org_plugin_computes_its_indicators_from_records(install_plugin, tmp_path, capsys):
    install_plugin(ORG)
    (tmp_path / "card.yaml").write_text(CARD, encoding="utf-8")
    args = ["run", str(tmp_path / "card.yaml"), "--records", f"org={SAMPLES}", "--units", str(SAMPLES / "units.csv")]
    assert main([*args, "--format", "json"]) == 0
    import json

    doc = json.loads(capsys.readouterr().out)
    from evalkit_org import compute

    expected = compute(SAMPLES, "2025")
    for unit in doc["units"]:
        assert unit["items"]["meetings"]["value"] == pytest.approx(expected["org_meetings_completion"][unit["id"]])
    assert main(["plugins"]) == 0 and "sources: org" in capsys.readouterr().out


def source_plugin(compute, indicators=("v",)):
    import types

    module = types.ModuleType("dept")
    module.evalkit_register_sources = evalkit.hookimpl(
        lambda register: register(evalkit.Source(name="dept", compute=compute, indicators=list(indicators))))
    return module


def registry_with(module):
    from evalkit.plugins.manager import build_registry, load_plugins

    return build_registry(load_plugins(entry_points=False, extra=[module]))


@pytest.mark.parametrize("compute, error, text", [
    (lambda r, p, u: {"other": {"a": 1}}, evalkit.PluginError, "returned indicators it does not declare"),
    (lambda r, p, u: [1, 2], evalkit.PluginError, "returned list"),
    (lambda r, p, u: 1 / 0, evalkit.PluginError, "source 'dept' from plugin 'dept' failed: ZeroDivisionError"),
    (lambda r, p, u: {"v": {"a": "abc"}}, evalkit.DataError, "the value is not usable"),
])
def test_a_source_that_misbehaves_is_named(compute, error, text):
    from evalkit.io.sources import read_source

    registry = registry_with(source_plugin(compute))
    with pytest.raises(error) as info:
        read_source(registry, "dept", "folder", evalkit.Units.from_ids(["a", "b"]), "2025")
    assert text in str(info.value)


def test_record_errors_are_bad_data_and_unknown_sources_a_usage_error():
    from evalkit.io.records import RecordError
    from evalkit.io.sources import parse_records_option, read_source

    def broken(records, period, units):
        raise RecordError("meetings.csv, row 4, column 'date': not a date")

    registry = registry_with(source_plugin(broken))
    with pytest.raises(evalkit.DataError) as info:
        read_source(registry, "dept", "x", evalkit.Units.from_ids(["a"]), "2025")
    assert "meetings.csv, row 4" in str(info.value)
    with pytest.raises(evalkit.errors.UsageError):
        read_source(registry, "nope", "x", evalkit.Units.from_ids(["a"]), "2025")
    with pytest.raises(evalkit.errors.UsageError):
        parse_records_option("org")
    assert parse_records_option("org=some/folder") == ("org", "some/folder")


def test_values_from_a_source_and_a_data_file_must_not_overlap(install_plugin, tmp_path, capsys):
    install_plugin(ORG)
    (tmp_path / "card.yaml").write_text(CARD, encoding="utf-8")
    unit = (SAMPLES / "units.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    (tmp_path / "more.csv").write_text(f"unit,indicator,period,value\n{unit},org_study_compliance,2025,90\n",
                                       encoding="utf-8")
    args = ["run", str(tmp_path / "card.yaml"), "--records", f"org={SAMPLES}", "--data", str(tmp_path / "more.csv"),
            "--units", str(SAMPLES / "units.csv")]
    assert main(args) == 3
    assert "is given in two data files" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "card.yaml"), "--units", str(SAMPLES / "units.csv")]) == 64
