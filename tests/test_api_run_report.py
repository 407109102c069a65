"""`evalkit run`, `explain`, `validate`, `schema`, `plugins`, `rules` and `new-plugin` driven through the
public library alone give what the commands print and write, byte for byte.

Reports: every format rendered with `render_report` (and a whole run with `run_report`) equals the file
`evalkit run --format X -o FILE` writes, with and without the report extras.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import evalkit
from evalkit.cli import main
from evalkit.definition.schemas import scorecard_schema
from evalkit.definition.validation import validate_file
from evalkit.errors import DataError, DefinitionError, PluginError, UsageError
from evalkit.plugins.inventory import plugin_inventory, rule_inventory
from evalkit.plugins.scaffold import new_plugin
from evalkit.reporters.base import Reporter, ReportOptions
from evalkit.reporters.render import render_report, reporter_for, run_report
from evalkit.reporters.report_extras import ExtrasRequest, compute_report_extras
from evalkit.scoring.evaluation import default_lang
from evalkit.scoring.files import InputFiles, evaluate_files, explain_files, load_inputs

ROOT = Path(__file__).resolve().parents[1]
QUICK = ROOT / "examples" / "quickstart"
TARGETS = ROOT / "examples" / "targets"
FORMATS = ("table", "json", "csv", "xlsx", "html", "markdown")

QUICK_FILES = InputFiles(QUICK / "scorecard.yaml", units=QUICK / "units.csv", data=QUICK / "data.csv",
                         adjustments=QUICK / "adjustments.csv")
QUICK_ARGS = [str(QUICK / "scorecard.yaml"), "--data", str(QUICK / "data.csv"), "--units", str(QUICK / "units.csv"),
              "--adjustments", str(QUICK / "adjustments.csv")]


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def as_bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


@pytest.fixture(scope="module")
def quick():
    return evaluate_files(QUICK_FILES)


# -- run: every format ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", [None, "en"])
def test_render_report_is_what_run_writes(quick, fmt, lang, tmp_path, capsys):
    out = tmp_path / f"report.{fmt}"
    code, _, err = cli(capsys, "run", *QUICK_ARGS, "--format", fmt, "-o", out, *(["--lang", lang] if lang else []))
    assert code == 0, err
    options = None if lang is None else ReportOptions(lang=lang)
    assert as_bytes(render_report(quick, fmt, options)) == out.read_bytes()
    report = run_report(QUICK_FILES, fmt, lang=lang)
    assert as_bytes(report.content) == out.read_bytes() and report.extras is None


def test_render_report_defaults_to_the_scorecards_language(quick):
    assert default_lang(quick.scorecard) == "zh"
    assert render_report(quick, "csv") == render_report(quick, "csv", ReportOptions(lang="zh"))
    assert render_report(quick, "csv") != render_report(quick, "csv", ReportOptions(lang="en"))


def test_run_json_is_the_evaluations_document(quick, capsys):
    code, out, _ = cli(capsys, "run", *QUICK_ARGS, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc == quick.to_dict() == json.loads(quick.to_json())
    assert [u.to_dict() for u in quick] == doc["units"]
    assert quick.unit(doc["units"][-1]["id"]).to_dict() == doc["units"][-1]


def test_a_plugin_format_renders_the_same_from_python(tmp_path, capsys):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "lines_reporter.py").write_text(
        "import evalkit\n\n"
        "def render_lines(evaluation, options):\n"
        "    return ''.join(f'{u.id} {u.total} {options.lang}\\n' for u in evaluation)\n\n"
        "@evalkit.hookimpl\n"
        "def evalkit_register_reporters(register):\n"
        "    register(evalkit.Reporter(name='lines', extension='.txt', render=render_lines))\n", encoding="utf-8")
    out = tmp_path / "lines.txt"
    code, _, err = cli(capsys, "run", *QUICK_ARGS, "--plugins-dir", plugins, "--format", "lines", "-o", out)
    assert code == 0, err
    registry = evalkit.default_registry(plugins_dir=str(plugins))
    evaluation = evaluate_files(QUICK_FILES, registry)
    assert render_report(evaluation, "lines", registry=registry).encode("utf-8") == out.read_bytes()
    assert run_report(QUICK_FILES, "lines", registry=registry).content.encode("utf-8") == out.read_bytes()


def test_unknown_formats_and_failing_reporters(quick):
    with pytest.raises(UsageError, match="unknown --format 'pdf'; expected one of csv, html, json"):
        render_report(quick, "pdf")

    def broken(evaluation, options):
        raise RuntimeError("no ink")

    registry = quick.scorecard.registry
    reporters = dict(registry.reporters, broken=Reporter(name="broken", extension=".x", render=broken),
                     number=Reporter(name="number", extension=".x", render=lambda e, o: 42))
    import attrs

    patched = attrs.evolve(registry, reporters=reporters)
    assert reporter_for("broken", patched).name == "broken"
    with pytest.raises(PluginError, match="reporter 'broken' from plugin '\\?' failed: RuntimeError: no ink"):
        render_report(quick, "broken", registry=patched)
    with pytest.raises(PluginError, match="returned int"):
        render_report(quick, "number", registry=patched)


# -- run: report extras ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def extras_case(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("api_extras")
    files = InputFiles(TARGETS / "scorecard.yaml", units=TARGETS / "units.csv", data=TARGETS / "data.csv")
    before = tmp / "2024.json"
    assert main(["run", files.scorecard, "--data", files.data[0], "--units", files.units, "--period", "2024",
                 "--format", "json", "-o", str(before)]) == 0
    request = ExtrasRequest(compare_with=str(before), marked="score:3", marked_among="all", benchmarks=True,
                            peer_group="type", plan=str(TARGETS / "plan.yaml"), targets=str(TARGETS / "targets.csv"))
    args = ["run", files.scorecard, "--data", files.data[0], "--units", files.units, "--compare-with", str(before),
            "--marked", "score:3", "--marked-among", "all", "--benchmarks", "--peer-group", "type",
            "--plan", str(TARGETS / "plan.yaml"), "--targets", str(TARGETS / "targets.csv")]
    return {"tmp": tmp, "files": files, "request": request, "args": args}


@pytest.mark.parametrize("fmt", FORMATS)
def test_reports_with_extras_render_the_same_from_python(extras_case, fmt, capsys):
    out = extras_case["tmp"] / f"extras.{fmt}"
    code, _, err = cli(capsys, *extras_case["args"], "--format", fmt, "--lang", "en", "-o", out)
    assert code == 0, err
    files, request = extras_case["files"], extras_case["request"]
    inputs = load_inputs(files)
    evaluation = inputs.evaluate()
    extras = compute_report_extras(evaluation, inputs.data, request, source=files.scorecard)
    assert extras.kinds() == ("transitions", "benchmarks", "targets")
    content = render_report(evaluation, fmt, ReportOptions(lang="en", extras=extras))
    assert as_bytes(content) == out.read_bytes()
    warned: list[str] = []
    report = run_report(files, fmt, lang="en", extras=request, warn=warned.append)
    assert as_bytes(report.content) == out.read_bytes()
    assert report.warnings == tuple(warned)
    printed = [line.removeprefix("evalkit: warning: ") for line in err.splitlines() if line.startswith("evalkit: warning: ")]
    assert list(report.warnings) == printed
    shown = fmt in ("xlsx", "html", "markdown")
    assert shown != any("does not show" in w for w in report.warnings)


def test_extras_request():
    assert not ExtrasRequest() and ExtrasRequest(benchmarks=True) and ExtrasRequest(plan="p.yaml")
    request = ExtrasRequest(compare_with="a.json", marked="rank:2", marked_among="all", targets="t.csv")
    assert request.files() == ("a.json", "t.csv")
    rule = request.marked_rule()
    assert (rule.kind, rule.among, str(rule.threshold)) == ("rank", "all", "2")
    assert ExtrasRequest().marked_rule() is None and ExtrasRequest().read_before() is None


# -- explain ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explain_through_the_api(quick, lang, capsys):
    code, out, _ = cli(capsys, "explain", *QUICK_ARGS, "U03", "--format", "json", "--lang", lang)
    assert code == 0
    explanation = explain_files(QUICK_FILES, "U03", lang)
    assert json.loads(out) == explanation.to_dict() == quick.explanation("U03", lang).to_dict()
    assert out == json.dumps(explanation.to_dict(), ensure_ascii=False, indent=1) + "\n"
    code, out, _ = cli(capsys, "explain", *QUICK_ARGS, "U03", "--lang", lang)
    assert out == explanation.text() + "\n"
    assert explanation.to_dict()["explanation"] == quick.explain("U03", lang)


def test_explain_an_unknown_unit(quick, capsys):
    code, _, err = cli(capsys, "explain", *QUICK_ARGS, "NOPE")
    with pytest.raises(DataError) as caught:
        quick.explanation("NOPE", source=str(QUICK / "units.csv"))
    assert code == caught.value.exit_code and str(caught.value.problems[0]) in err


# -- validate and schema ---------------------------------------------------------------------------


@pytest.mark.parametrize("path, kind", [(QUICK / "scorecard.yaml", "scorecard"),
                                        (ROOT / "examples" / "reviews" / "review.yaml", "review")])
def test_validate_through_the_api(path, kind, capsys):
    if not path.is_file():
        pytest.skip(f"no {path.name} in the examples")
    code, out, err = cli(capsys, "validate", path)
    report = validate_file(path)
    assert code == 0 and out == report.text() + "\n" and report.kind == kind
    assert report.valid and report.to_dict() == {"file": str(path), "valid": True, "kind": kind, "problems": [],
                                                 "warnings": list(report.warnings)}
    assert [f"evalkit: warning: {w}" for w in report.warnings] == [line for line in err.splitlines() if line]
    code, out, _ = cli(capsys, "validate", path, "--format", "json")
    assert code == 0 and json.loads(out) == report.to_dict()


def test_validate_reports_every_problem(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: {zh: 坏}\nperiod: '2025'\ndimensions: []\n", encoding="utf-8")
    code, _, err = cli(capsys, "validate", bad)
    report = validate_file(bad)
    assert code == 2 and not report.valid and report.problems
    assert all(str(p) in err for p in report.problems)
    with pytest.raises(DefinitionError) as caught:
        report.raise_for_problems()
    assert caught.value.exit_code == 2 and list(caught.value.problems) == list(report.problems)
    code, out, _ = cli(capsys, "validate", bad, "--format", "json")
    assert code == 2 and json.loads(out) == json.loads(json.dumps(report.to_dict()))
    assert json.loads(out)["valid"] is False and len(json.loads(out)["problems"]) == len(report.problems)


def test_schema_through_the_api(tmp_path, capsys):
    code, out, _ = cli(capsys, "schema")
    assert code == 0 and json.loads(out) == scorecard_schema(evalkit.default_registry())


# -- plugins and rules -----------------------------------------------------------------------------


def test_plugins_and_rules_through_the_api(capsys):
    registry = evalkit.default_registry()
    for command, inventory in (("plugins", plugin_inventory(registry)), ("rules", rule_inventory(registry))):
        code, out, _ = cli(capsys, command, "--format", "json")
        assert code == 0 and json.loads(out) == inventory.to_dict()
        code, out, _ = cli(capsys, command)
        assert code == 0 and out == inventory.text()
    assert {p.origin for p in plugin_inventory(registry).plugins} >= {"builtin"}
    assert [r["name"] for r in rule_inventory(registry).to_dict()] == sorted(registry.rules)


# -- new-plugin ------------------------------------------------------------------------------------


def test_new_plugin_through_the_api(tmp_path, capsys):
    (tmp_path / "cli").mkdir()
    (tmp_path / "api").mkdir()
    code, out, _ = cli(capsys, "new-plugin", "evalkit-audit", "--dir", tmp_path / "cli")
    package = new_plugin("evalkit-audit", tmp_path / "api")
    assert code == 0
    assert out == package.text().replace(str(tmp_path / "api"), str(tmp_path / "cli"))
    made = sorted(str(p.relative_to(tmp_path / "cli" / "evalkit-audit"))
                  for p in (tmp_path / "cli" / "evalkit-audit").rglob("*") if p.is_file())
    assert list(package.files) == made
    assert package.to_dict()["rule"] == "audit_share" and package.to_dict()["package"] == "evalkit_audit"


def test_definition_kinds_and_output_checks(tmp_path):
    from evalkit.definition.validation import definition_kind
    from evalkit.io.output import check_output_path

    assert definition_kind({"evalkit_review": 1}) == "review"
    assert definition_kind({"parts": []}) == "rollup"
    assert definition_kind({"parts": [], "dimensions": []}) == definition_kind([]) == "scorecard"
    units = tmp_path / "units.csv"
    units.write_text("id,name\n", encoding="utf-8")
    check_output_path(tmp_path / "out.csv", [("--units", str(units)), ("--data", None)], option="-o")
    with pytest.raises(UsageError, match=r"-o .*units.csv is the --units file \(.*\); evalkit never overwrites its inputs"):
        check_output_path(units, [("--units", str(units))], option="-o")
    with pytest.raises(UsageError, match="is one of the input files"):
        check_output_path(units, [("an input", str(units))], option="-o")


def test_report_targets_read_column_by_column_as_row_by_row(extras_case, monkeypatch):
    """The --targets file of a report goes through the column reader (here even though it is small) and gives the
    assessment the row reader gives."""
    import evalkit.analysis.targets
    import evalkit.io.inputs

    monkeypatch.setattr(evalkit.io.inputs, "SMALL_CSV_BYTES", 0)
    files, request = extras_case["files"], extras_case["request"]
    inputs = load_inputs(files)
    evaluation = inputs.evaluate()
    taken = []
    real = evalkit.analysis.targets.fast_targets
    monkeypatch.setattr(evalkit.analysis.targets, "fast_targets", lambda *a, **k: taken.append(real(*a, **k)) or taken[-1])
    fast = compute_report_extras(evaluation, inputs.data, request, source=files.scorecard).targets
    assert taken and taken[0] is not None  # read column by column
    monkeypatch.setattr(evalkit.analysis.targets, "fast_targets", lambda *a, **k: None)
    exact = compute_report_extras(evaluation, inputs.data, request, source=files.scorecard).targets
    assert fast is not None and exact is not None and fast.to_dict() == exact.to_dict()
