"""What makes `evalkit` start quickly (issue 14, point 7), and that none of it changes a result.

- `import evalkit` imports no heavy optional module; every public name is still there on first use;
- a command imports only its own module (the table evalkit.cli.COMMANDS, checked against the modules);
- the built-in rules' params schemas are checked here (not at every start); a plugin's is checked once
  and remembered by fingerprint, as is a definition that passed its schema; a corrupted, unwritable or
  absent cache changes nothing;
- YAML is composed by libyaml where PyYAML has it, with exactly the Python parser's documents and messages;
- installed plugins are looked for without importlib.metadata only when no package declares one.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.cli import COMMAND_MODULES, COMMANDS, command_modules
from evalkit.definition import documents, schema_cache, yaml_reader
from evalkit.definition.documents import parse_yaml
from evalkit.errors import DefinitionError
from evalkit.plugins.manager import build_registry, load_plugins
from evalkit.rules.base import Rule
from tests.bad_inputs import corpus

ROOT = Path(__file__).resolve().parent.parent
QUICK = ROOT / "examples" / "quickstart"
HEAVY = ("rich", "openpyxl", "jsonschema", "pyarrow", "narwhals", "numpy", "yaml", "importlib.metadata")


def python(code: str, env: dict[str, str] | None = None) -> str:
    """Run `code` in a fresh interpreter (no module imported yet); its stdout."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **(env or {})))
    assert done.returncode == 0, done.stderr
    return done.stdout


def imported_after(code: str, env: dict[str, str] | None = None, names: tuple[str, ...] = HEAVY) -> set[str]:
    """Those of `names` (the heavy modules) in sys.modules after running `code` in a fresh interpreter."""
    out = python(code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))", env)
    modules = set(json.loads(out.strip().splitlines()[-1]))
    return {name for name in names if name in modules}


# import evalkit ----------------------------------------------------------------------------------------------

def test_import_evalkit_imports_no_heavy_module():
    assert imported_after("import evalkit") == set()


def test_every_public_name_is_there_on_first_use_and_the_same_object():
    for name in evalkit.__all__:
        value = getattr(evalkit, name)
        assert value is not None, name
    assert evalkit.load_scorecard is importlib.import_module("evalkit.definition.scorecard").load_scorecard
    assert evalkit.allocate_rewards is importlib.import_module("evalkit.analysis.rewards").allocate
    assert set(evalkit.__all__) <= set(dir(evalkit))
    star = python("from evalkit import *\nimport evalkit\nprint(sorted(set(evalkit.__all__) - set(globals())))")
    assert star.strip() == "[]"
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        evalkit.no_such_name  # noqa: B018


def test_a_public_name_imports_only_what_it_needs():
    assert "rich" not in imported_after("from evalkit import Problem, DefinitionError")
    assert "jsonschema" not in imported_after("import evalkit; evalkit.Scorecard")


# one command, one module --------------------------------------------------------------------------------------

def test_the_command_table_is_what_the_modules_add():
    added: dict[str, str] = {}
    for module in COMMAND_MODULES:
        parser = argparse.ArgumentParser(prog="evalkit")
        sub = parser.add_subparsers(dest="command")
        importlib.import_module(module).add_commands(sub, argparse.ArgumentParser(add_help=False))
        added.update(dict.fromkeys(sub.choices, module))
    assert added == COMMANDS


@pytest.mark.parametrize(("argv", "modules"), [
    (["run", "card.yaml", "--units", "u.csv"], ("evalkit.cli.run",)),
    (["explain", "card.yaml", "U1"], ("evalkit.cli.run",)),
    (["rules", "--format", "json"], ("evalkit.cli.inventory",)),
    (["--version"], ()),
    ([], COMMAND_MODULES),
    (["--help"], COMMAND_MODULES),
    (["run", "--help"], ("evalkit.cli.run",)),
    (["no-such-command"], COMMAND_MODULES),
])
def test_a_command_line_imports_only_its_command(argv, modules):
    assert command_modules(argv) == modules


def test_version_and_rules_import_only_what_they_need():
    code = "from evalkit.cli import main\nimport contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n"
    assert imported_after(code + "    try:\n        main(['--version'])\n    except SystemExit:\n        pass") == set()
    after_rules = imported_after(code + "    main(['rules'])", env={"EVALKIT_NO_CACHE": "1"})
    assert "jsonschema" not in after_rules and "importlib.metadata" not in after_rules
    card = str(QUICK / "scorecard.yaml")
    modules = python(code + f"    main(['validate', {card!r}])\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))")
    assert set(json.loads(modules.strip().splitlines()[-1])) & set(COMMAND_MODULES) == {"evalkit.cli.definitions"}


def test_help_still_lists_every_command(capsys):
    from evalkit.cli import main

    assert main([]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in COMMANDS)


def test_the_store_variable_is_the_stores():
    from evalkit.cli import store_options
    from evalkit.store import history

    assert store_options.ENV_VAR == history.ENV_VAR


# rule schemas: the built-ins here, a plugin's once ------------------------------------------------------------

def test_every_built_in_rule_has_a_valid_params_schema(registry):
    builtin = [name for name in registry.rules if registry.owner("rules", name) == "evalkit.plugins.builtins.rules"]
    assert len(builtin) >= 15
    for name in builtin:
        jsonschema.Draft202012Validator.check_schema(registry.rules[name].params_schema)
        assert isinstance(registry.rules[name].params_schema, dict), name


def schema_rule(name: str, schema: object) -> Rule:
    """A plugin rule with the given params schema."""
    return type(f"Rule_{name}", (Rule,), {"name": name, "params_schema": schema,
                                          "score": lambda self, values, context: values})()


def _plugin(*rules: Rule):  # type: ignore[no-untyped-def]
    class Plugin:
        @evalkit.hookimpl
        def evalkit_register_rules(self, register):  # type: ignore[no-untyped-def]
            for rule in rules:
                register(rule)
    return Plugin()


GOOD = {"type": "object", "properties": {"factor": {"type": "number"}}, "additionalProperties": False}
BAD = {"type": "object", "properties": {"factor": {"type": "numeric"}}}  # no such type


def _outcome(*rules: Rule) -> tuple[list[str], list[str]]:
    """The rules registered, or the problems, of a registry with these plugin rules."""
    try:
        registry = build_registry(load_plugins(entry_points=False, extra=[_plugin(*rules)]))
    except evalkit.PluginError as error:
        return [], [str(p) for p in error.problems]
    return sorted(registry.rules), []


@pytest.fixture
def counted_checks(monkeypatch):
    calls: list[object] = []
    real = schema_cache.check_schema

    def check(schema: object) -> bool:
        calls.append(schema)
        return real(schema)

    monkeypatch.setattr(schema_cache, "check_schema", check)
    return calls


def test_a_plugin_schema_is_checked_once_and_a_bad_one_every_time(tmp_path, monkeypatch, counted_checks):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = _outcome(schema_rule("good", GOOD))
    assert counted_checks == [GOOD] and (tmp_path / "evalkit" / schema_cache.SCHEMAS_FILE).exists()
    assert _outcome(schema_rule("good", GOOD)) == first and counted_checks == [GOOD]  # remembered
    bad = _outcome(schema_rule("bad", BAD))
    assert bad[1] and "not a valid JSON Schema" in bad[1][0]
    assert _outcome(schema_rule("bad", BAD)) == bad and counted_checks == [GOOD, BAD, BAD]  # never remembered
    changed = dict(GOOD, required=["factor"])
    _outcome(schema_rule("good", changed))
    assert counted_checks[-1] == changed  # another schema: checked again


@pytest.mark.parametrize("content", [b"", b"\x00\xff garbage", b"[1, 2]", b'{"evalkit_cache": 1, "fingerprints": 7}',
                                     b'{"evalkit_cache": 1, "fingerprints": ["short", 5, null]}', b"{" * 5000])
def test_a_corrupted_cache_changes_nothing(tmp_path, monkeypatch, content):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = tmp_path / "evalkit"
    folder.mkdir()
    for name in (schema_cache.SCHEMAS_FILE, schema_cache.DOCUMENTS_FILE):
        (folder / name).write_bytes(content)
    monkeypatch.setenv("EVALKIT_NO_CACHE", "1")
    expected = _outcome(schema_rule("good", GOOD), schema_rule("bad", BAD))
    report = evalkit.validate_file(QUICK / "scorecard.yaml")
    monkeypatch.delenv("EVALKIT_NO_CACHE")
    for _ in range(2):
        assert _outcome(schema_rule("good", GOOD), schema_rule("bad", BAD)) == expected
        assert evalkit.validate_file(QUICK / "scorecard.yaml") == report


def test_an_unwritable_cache_is_never_an_error(tmp_path, monkeypatch, counted_checks):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # $XDG_CACHE_HOME/evalkit cannot be made
    assert _outcome(schema_rule("good", GOOD)) == _outcome(schema_rule("good", GOOD))
    assert counted_checks == [GOOD, GOOD]  # checked every time, as without a cache
    assert evalkit.validate_file(QUICK / "scorecard.yaml").valid
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ~/.cache, per the XDG spec
    monkeypatch.setenv("HOME", str(blocker))
    assert _outcome(schema_rule("good", GOOD))[0]


def test_no_cache_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("EVALKIT_NO_CACHE", "1")
    _outcome(schema_rule("good", GOOD))
    evalkit.validate_file(QUICK / "scorecard.yaml")
    assert not (tmp_path / "evalkit").exists()


def test_a_valid_definition_is_validated_once_and_an_invalid_one_every_time(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    validated: list[object] = []
    real = jsonschema.Draft202012Validator

    def validator(schema, *args, **kwargs):  # type: ignore[no-untyped-def]
        validated.append(schema)
        return real(schema, *args, **kwargs)

    validator.check_schema = real.check_schema  # type: ignore[attr-defined]
    monkeypatch.setattr(jsonschema, "Draft202012Validator", validator)
    good = evalkit.validate_file(QUICK / "scorecard.yaml")
    assert good.valid and len(validated) == 1
    assert evalkit.validate_file(QUICK / "scorecard.yaml") == good and len(validated) == 1
    broken = tmp_path / "broken.yaml"
    broken.write_text((QUICK / "scorecard.yaml").read_text(encoding="utf-8").replace("max_points: 15", "max_points: x", 1),
                      encoding="utf-8")
    first = evalkit.validate_file(broken)
    assert not first.valid and "max_points" in first.text()
    assert evalkit.validate_file(broken) == first and len(validated) == 3


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                    max_leaves=8))
def test_fingerprints_tell_apart_what_jsonschema_tells_apart(value):
    digest = schema_cache.fingerprint("document", {}, value)
    assert digest is not None and len(digest) == 64
    assert schema_cache.fingerprint("document", {}, [value]) != digest
    if isinstance(value, bool) or value in (0, 1):
        assert schema_cache.fingerprint("document", {}, 1.0 if value is True else float(value)) != \
            schema_cache.fingerprint("document", {}, value if isinstance(value, bool) else int(value)) or value is False
    assert schema_cache.fingerprint("document", {}, (value,)) is None  # a tuple is not JSON data here
    assert schema_cache.fingerprint("document", {}, {1: value}) is None


# YAML: libyaml and the Python parser agree --------------------------------------------------------------------

pytestmark_c = pytest.mark.skipif(yaml_reader.CSafeLoader is None, reason="PyYAML without libyaml")


def _outcomes(text: str) -> tuple[object, object]:
    def parse(c_parser: bool) -> object:
        try:
            return parse_yaml(text, "card.yaml", c_parser=c_parser)
        except DefinitionError as error:
            return [str(p) for p in error.problems]
    return parse(True), parse(False)


scalars = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, width=32)
           | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FFF, blacklist_categories=("Cs",)), max_size=8)
           | st.sampled_from(["yes", "on", "1:30", "010", "0x1F", "0o17", "2025-01-01", "2025.10", ".inf", "~", "<<",
                              "a: b", "- x", "#c", "&a", "*a", "!x", "'", '"', "null", "True", "1e3", "1_000"]))
trees = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(min_size=1, max_size=4), inner, max_size=4), max_leaves=12)


@pytestmark_c
@settings(max_examples=int(os.environ.get("YAML_EXAMPLES", "300")), suppress_health_check=[HealthCheck.too_slow])
@given(trees, st.sampled_from([None, True, False]), st.booleans(), st.booleans())
def test_c_and_python_parsers_agree_on_dumped_documents(tree, flow, unicode, shared):
    if shared and isinstance(tree, (list, dict)):
        tree = {"first": tree, "again": tree, "<<": {"merged": 1}}  # the same object twice: an anchor and an alias
    text = yaml.safe_dump({"root": tree}, default_flow_style=flow, allow_unicode=unicode, sort_keys=False)
    c, p = _outcomes(text)
    assert c == p


@pytestmark_c
@settings(max_examples=int(os.environ.get("YAML_EXAMPLES", "600")), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(list("ab1:-,[]{}&*!#'\"<> \n\t|>?%@`.") + ["\r\n", "  ", "- ", ": ", "&a ", "*a",
                                                                          "<<: ", "!!str ", "!!python/none ", "\x00",
                                                                          "\u00e9", "\U0001F600", "\ufeff", "\x85", "\r", "\u2028",
                                                                          "\n  ", "\n- ", "|\n", ">-\n", "'a'",
                                                                          "\"\\n\"", "...", "---"]),
                max_size=40).map("".join))
def test_c_and_python_parsers_agree_on_arbitrary_text(text):
    c, p = _outcomes(text)
    assert c == p


@pytestmark_c
@pytest.mark.parametrize("text", [
    "evalkit: 1\nid: bomb\n" + corpus.billion_laughs(),
    corpus.billion_laughs() + "matrix: *a9\n",
    "evalkit: 1\nid: r\nx: &a [1, *a]\n",
    corpus.deep_yaml(),
    corpus.deep_yaml(150),
    corpus.deep_yaml(99),
    "base: &b {x: 1}\n" + "".join(f"k{n}: *b\n" for n in range(10)),
    "a: 1:30\nb: yes\nc: on\nd: no\ne: 010\nf: 0x1F\ng: 1e3\nh: true\nversion: 2025.10\n",
    "base: &b {lower: 0, upper: 100}\nrule:\n  <<: *b\n  upper: 90\n",
    "base: &b {lower: 0}\nrule:\n  <<: *b\n  upper: 90\n  upper: 80\n",
    "rule: {name: linear, params: {<<: {lower: 50, upper: 100}, lower: 60}}\n",
    'period: "20\x0025"\n',
    'name: {zh: "三会一课\\ud800"}\n',
    "max_points: " + "9" * 5000 + "\n",
    "a: !!python/name:os.system x\n", "a: !!python/object/apply:os.system [ls]\n", "a: !custom {a: 1}\n",
    "a: !!binary aGVsbG8=\n", "a: 1\na: 2\n", "? [a, b]\n: 1\n", "a: *missing\n", "--- 1\n--- 2\n", "%YAML 1.3\n--- a\n",
    "%YAML 2.0\n--- a\n", "a:\n\t- b\n", "", "# only a comment\n", "---\n", "a: 2025-01-01\nb: 2025-01-01 10:00:00\n",
])
def test_c_and_python_parsers_agree_on_the_bad_input_cases(text):
    c, p = _outcomes(text)
    assert c == p


@pytestmark_c
def test_c_and_python_parsers_agree_under_tight_limits(monkeypatch):
    text = "base: &b {x: [[1]]}\n" + "".join(f"k{n}: *b\n" for n in range(10))
    monkeypatch.setenv("EVALKIT_MAX_YAML_ALIASES", "5")
    c, p = _outcomes(text)
    assert c == p and "more than 5 aliases" in str(c)
    monkeypatch.setenv("EVALKIT_MAX_YAML_ALIASES", "1000")
    monkeypatch.setenv("EVALKIT_MAX_DEPTH", "3")
    c, p = _outcomes(text)
    assert c == p and "nested deeper than 3" in str(c)


@pytestmark_c
def test_every_example_definition_reads_the_same_with_both_parsers():
    files = sorted(ROOT.glob("examples/**/*.yaml")) + sorted(ROOT.glob("plugins/**/*.yaml"))
    assert len(files) >= 10
    for path in files:
        text = documents.read_text(path)
        c, p = _outcomes(text)
        assert c == p, path
        assert not isinstance(c, list), path


@pytestmark_c
def test_the_c_parser_is_used_and_the_python_parser_says_why_when_it_refuses(monkeypatch):
    composed: list[str] = []
    real = yaml_reader.Yaml12Loader.get_single_node

    def python_compose(self):  # type: ignore[no-untyped-def]
        composed.append("python")
        return real(self)

    monkeypatch.setattr(yaml_reader.Yaml12Loader, "get_single_node", python_compose)
    parse_yaml("a: [1, 2]\n")
    assert composed == []  # libyaml composed it
    with pytest.raises(DefinitionError, match="not valid YAML"):
        parse_yaml("a: [1, 2\n")
    assert composed == ["python"]  # libyaml refused: the Python parser read it again for its message


def test_without_libyaml_the_python_parser_reads_everything(monkeypatch):
    expected = parse_yaml((QUICK / "scorecard.yaml").read_text(encoding="utf-8"), "card.yaml", c_parser=False)
    monkeypatch.setattr(yaml_reader, "CSafeLoader", None)
    assert parse_yaml((QUICK / "scorecard.yaml").read_text(encoding="utf-8"), "card.yaml") == expected


# entry points without importlib.metadata -----------------------------------------------------------------------

def test_installed_plugins_are_found_without_importlib_metadata_only_when_none_is_declared(tmp_path):
    code = ("from evalkit.plugins.discovery import entry_points_possible, distribution_version\n"
            "import sys\nfound = [entry_points_possible(), 'importlib.metadata' in sys.modules]\n"
            "versions = [distribution_version(n) for n in ('evalkit', 'numpy', 'PyYAML', 'no-such-dist')]\n"
            "import importlib.metadata as m\n"
            "def real(n):\n    try:\n        return m.version(n)\n    except m.PackageNotFoundError:\n        return None\n"
            "print(found, versions == [real(n) for n in ('evalkit', 'numpy', 'PyYAML', 'no-such-dist')], versions[0])")
    assert python(code).split() == ["[False,", "False]", "True", evalkit.__version__]
    info = tmp_path / "dept_fake-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dept-fake\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[console_scripts]\nx = y\n\n[evalkit]\nfake = dept_fake\n", encoding="utf-8")
    (tmp_path / "dept_fake.py").write_text("", encoding="utf-8")
    env = {"PYTHONPATH": str(tmp_path)}
    assert python(code, env).split()[0] == "[True,"
    listed = python("from evalkit.cli import main\nmain(['plugins', '--format', 'json'])", env)
    assert any(p["name"] == "fake" and p["version"] == "1.0" for p in json.loads(listed))


# the reporters imported when they render -----------------------------------------------------------------------

def test_the_deferred_reporters_declare_what_their_modules_do(registry):
    from evalkit.plugins.builtins.reporters import DEFERRED

    for name, (module, attribute, *_declared) in DEFERRED.items():
        own = getattr(importlib.import_module(module), attribute)
        registered = registry.reporters[name]
        assert (registered.name, registered.extension, registered.description, registered.extras) == \
            (own.name, own.extension, own.description, own.extras), name


def test_a_deferred_reporter_renders_what_its_module_renders(registry):
    from evalkit.reporters.markdown import MARKDOWN_REPORTER

    inputs = evalkit.InputFiles(scorecard=QUICK / "scorecard.yaml", data=[QUICK / "data.csv"], units=QUICK / "units.csv",
                                adjustments=QUICK / "adjustments.csv")
    evaluation = evalkit.evaluate_files(inputs)
    options = evalkit.ReportOptions(lang="en")
    assert registry.reporters["markdown"].render(evaluation, options) == MARKDOWN_REPORTER.render(evaluation, options)
    deferred = ("evalkit.reporters.xlsx", "evalkit.reporters.html", "evalkit.reporters.markdown", "zipfile", "rich")
    code = "from evalkit.cli import main\nimport contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n"
    card = str(QUICK / "scorecard.yaml")
    assert imported_after(code + f"    main(['validate', {card!r}])", names=deferred) == set()


def test_a_county_run_reads_its_csv_files_without_pyarrow(tmp_path):
    """Files under SMALL_CSV_BYTES are read row by row (same DataSet), so pyarrow's import is not paid."""
    code = ("from evalkit.cli import main\n"
            f"main(['run', {str(QUICK / 'scorecard.yaml')!r}, '--data', {str(QUICK / 'data.csv')!r}, "
            f"'--units', {str(QUICK / 'units.csv')!r}, '-o', {str(tmp_path / 'out.json')!r}])")
    assert "pyarrow" not in imported_after(code)
    assert (tmp_path / "out.json").stat().st_size > 0


# a second start: no YAML parser, no jsonschema ---------------------------------------------------------------

QUICK_RUN = ["run", str(QUICK / "scorecard.yaml"), "--data", str(QUICK / "data.csv"), "--units", str(QUICK / "units.csv"),
             "--adjustments", str(QUICK / "adjustments.csv")]
# what a quickstart run must not import once the caches are warm (issue 14, point 7): each was part of every start
NOT_ON_A_WARM_START = ("yaml", "jsonschema", "rich", "pyarrow", "openpyxl", "importlib.metadata", "evalkit.definition.yaml_reader",
                       "evalkit.reporters.table", "evalkit.cli.definitions", "difflib")


def cli_start(argv: list[str], cache: Path, env: dict[str, str] | None = None) -> dict:
    """`evalkit ARGV` as the console script runs it (evalkit.cli.run), in a fresh interpreter with its own cache
    directory: its exit code, what it printed and the modules it imported."""
    code = ("import sys, json, contextlib, io\n"
            f"sys.argv = ['evalkit', *{argv!r}]\n"
            "out = io.StringIO()\n"
            "from evalkit import cli\n"
            "with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):\n"
            "    try:\n        cli.run()\n    except SystemExit as stop:\n        status = stop.code\n"
            "print(json.dumps({'status': status, 'out': out.getvalue(), 'modules': sorted(sys.modules)}))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, XDG_CACHE_HOME=str(cache), **(env or {})))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_warm_quickstart_run_imports_no_parser_nor_validator(tmp_path):
    cold = cli_start([*QUICK_RUN, "--format", "json"], tmp_path / "cache")
    assert cold["status"] == 0
    assert {"yaml", "jsonschema"} <= set(cold["modules"])  # the first start parsed the YAML and validated the scorecard
    warm = cli_start([*QUICK_RUN, "--format", "json"], tmp_path / "cache")
    assert set(NOT_ON_A_WARM_START) & set(warm["modules"]) == set()
    uncached = cli_start([*QUICK_RUN, "--format", "json"], tmp_path / "none", env={"EVALKIT_NO_CACHE": "1"})
    assert "yaml" in uncached["modules"] and not (tmp_path / "none").exists()
    assert warm["out"] == cold["out"] == uncached["out"] and json.loads(warm["out"])["units"]
    table = cli_start(QUICK_RUN, tmp_path / "cache")  # the table format: rich is imported to render, nothing else
    assert table["status"] == 0 and not set(NOT_ON_A_WARM_START) - {"rich", "evalkit.reporters.table"} & set(table["modules"])
    assert table["out"] == cli_start(QUICK_RUN, tmp_path / "none", env={"EVALKIT_NO_CACHE": "1"})["out"]


# parsed YAML definitions remembered by their text ----------------------------------------------------------------

@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(trees, st.sampled_from([None, False]))
def test_a_remembered_yaml_document_is_the_document_parsed(tmp_path, tree, flow):
    from evalkit.definition import document_cache

    text = yaml.safe_dump({"root": tree, "version": 2025.10}, default_flow_style=flow, allow_unicode=True,
                          sort_keys=False).replace("2025.1\n", "2025.10\n")
    path = tmp_path / "card.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        expected = parse_yaml(text, str(path))
    except DefinitionError as error:
        with pytest.raises(DefinitionError) as again:
            documents.load_document(path)
        assert again.value.problems == error.problems
        return
    first, second = documents.load_document(path), documents.load_document(path)
    assert first == second == expected
    assert document_cache._same(second.data, expected.data)  # same types too (1 is not 1.0 nor True)


def test_yaml_documents_are_remembered_only_when_they_have_no_problem(tmp_path, monkeypatch):
    from evalkit.definition import document_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "evalkit" / document_cache.FOLDER
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("evalkit: 1\nversion: 2025.10\nname: {zh: 甲}\nlist: [1, 1.0, true, null, '1']\n", encoding="utf-8")
    bad.write_text("a: 1\na: 2\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(DefinitionError, match="given twice"):
            documents.load_document(bad)
    assert not folder.exists()
    document = documents.load_document(good)
    assert document.texts == {("version",): "2025.10"} and document.line_of(("list", 2)) == 4
    stored = list(folder.iterdir())
    assert len(stored) == 1
    calls: list[str] = []
    real = document_cache.parse_yaml

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append("parsed")
        return real(*args, **kwargs)

    monkeypatch.setattr(document_cache, "parse_yaml", counted)
    assert documents.load_document(good) == document and calls == []  # from the cache
    stored[0].write_text('{"evalkit_cache": 1, "key": "x"', encoding="utf-8")  # corrupted: parsed again
    documents.load_document(good)
    assert calls == ["parsed"]
    monkeypatch.setenv("EVALKIT_MAX_DEPTH", "50")  # other limits: another file
    documents.load_document(good)
    assert calls == ["parsed", "parsed"]


# the allocator the `evalkit` command gives pyarrow ------------------------------------------------------------

POOL_AFTER_RUN = ("import sys\nfrom evalkit import cli\nsys.argv = ['evalkit', '--version']\n"
                  "try:\n    cli.run()\nexcept SystemExit:\n    pass\n"
                  "import pyarrow as pa\nprint(pa.default_memory_pool().backend_name)")


def test_the_evalkit_command_gives_pyarrow_the_system_allocator_unless_one_was_chosen():
    assert python(POOL_AFTER_RUN).split()[-1] == "system"
    pa = pytest.importorskip("pyarrow")
    others = [name for name in ("mimalloc", "jemalloc") if name in pa.supported_memory_backends()]
    if not others:
        pytest.skip("this pyarrow has no allocator but the system's")
    assert python(POOL_AFTER_RUN, {"ARROW_DEFAULT_MEMORY_POOL": others[0]}).split()[-1] == others[0]
