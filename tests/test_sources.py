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


def test_a_stored_run_keeps_its_record_sources_and_recomputes_from_them(install_plugin, tmp_path, capsys):
    """The org plugin's sample records are kept with the run (issue 16): recomputed from the store alone, byte for
    byte, after the records folder is gone."""
    import shutil

    from evalkit.store.archive import recompute_run, run_record

    install_plugin(ORG)
    (tmp_path / "card.yaml").write_text(CARD, encoding="utf-8")
    records = tmp_path / "records"
    shutil.copytree(SAMPLES, records)
    db = tmp_path / "h.db"
    args = ["run", str(tmp_path / "card.yaml"), "--records", f"org={records}", "--units", str(SAMPLES / "units.csv"),
            "--store", str(db), "--format", "json", "-o", str(tmp_path / "out.json")]
    assert main(args) == 0
    record = run_record(db, 1)
    roles = [f.role for f in record.files]
    assert sorted(r for r in roles if r.startswith("records:")) == sorted(
        f"records:org:{p.name}" for p in SAMPLES.iterdir() if p.is_file())
    assert not any("record source" in n for n in record.not_kept)
    shutil.rmtree(records)
    again = recompute_run(db, 1)
    assert again.identical and again.to_dict()["not_kept"] == list(record.not_kept)
    assert len(record.not_kept) == 1 and record.not_kept[0].startswith("the code of the plugins ")
    assert "evalkit.plugins.builtins" not in record.not_kept[0]  # evalkit's own code goes with its version
    # changed records are other inputs: a second run, not the first again
    shutil.copytree(SAMPLES, records)
    (records / "study.csv").write_text((SAMPLES / "study.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert main(args) == 0 and "stored as run 2" in capsys.readouterr().err


def test_a_run_stored_with_record_source_names_only_says_which(tmp_path):
    import json

    from evalkit.store.archive import recompute_run, run_record
    from evalkit.store.history import Store

    doc = json.loads((ROOT / "examples" / "hvbp" / "expected.json").read_text(encoding="utf-8"))
    with Store.open(tmp_path / "h.db") as store:
        store.add(doc, inputs={"options": {"period": "2025", "records": ["org=/data/org", "tax=/data/tax"]}},
                  files=[("scorecard", "s.yaml", b"id: x\n")])
    assert [n for n in run_record(tmp_path / "h.db", 1).not_kept if "record source" in n] == [
        "the files of the record source --records org=/data/org (only its name and folder were noted)",
        "the files of the record source --records tax=/data/tax (only its name and folder were noted)"]
    with pytest.raises(Exception, match="org=/data/org, tax=/data/tax"):
        recompute_run(tmp_path / "h.db", 1)
