"""The plugin author's kit: `evalkit new-plugin` and the fixtures of `evalkit.testing`.

`evalkit new-plugin` must create a package that loads through its entry point and whose own tests
pass as created; it is checked here without pip (the package is made to look installed for one test
by `install_plugin`, and its tests are run in-process by pytester), so the suite's environment is
left as it was. The fixtures are tested directly: they are available here because evalkit declares
`evalkit.testing` under the `pytest11` entry point.
"""

import json
import types
from typing import Any, ClassVar

import numpy as np
import pytest

import evalkit
from evalkit.cli import main, new_plugin
from evalkit.plugins import scaffold

pytest_plugins = ["pytester"]


# -- evalkit new-plugin ------------------------------------------------------------------------------

def test_new_plugin_makes_a_package_that_loads_and_whose_tests_pass(tmp_path, capsys, install_plugin, pytester):
    assert main(["new-plugin", "evalkit-audit", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    root = tmp_path / "evalkit-audit"
    assert "plugin 'audit', package evalkit_audit, indicator audit_completion, rule audit_share" in out
    assert f"pip install {root}" in out and "tests/test_evalkit_audit.py" in out
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert 'name = "evalkit-audit"' in pyproject and '[project.entry-points.evalkit]\naudit = "evalkit_audit"' in pyproject
    assert not list(root.rglob("*.tmpl")) and not list(tmp_path.glob(".evalkit-audit.*"))

    # Installed (without pip), the host finds it through its entry point, as `evalkit rules` and `plugins` show.
    assert install_plugin(root) == ["audit"]
    assert main(["rules", "--allow", "audit"]) == 0
    assert "audit_share" in capsys.readouterr().out
    assert main(["plugins", "--allow", "audit", "--format", "json"]) == 0
    [audit] = [p for p in json.loads(capsys.readouterr().out) if p["name"] == "audit"]
    assert audit == {"name": "audit", "version": "0.1.0", "origin": "entry point evalkit_audit",
                     "provides": {"rules": ["audit_share"], "indicators": ["audit_completion"]}}

    # Its own tests pass as created, with its own pytest configuration.
    result = pytester.runpytest_inprocess(str(root / "tests"), "-c", str(root / "pyproject.toml"),
                                          "--rootdir", str(root), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_new_plugin_names(tmp_path):
    assert new_plugin.names_for("evalkit-tax-office") == {
        "name": "evalkit-tax-office", "package": "evalkit_tax_office", "plugin": "tax-office", "prefix": "tax_office"}
    assert new_plugin.names_for("Audit_2") == {"name": "Audit_2", "package": "audit_2", "plugin": "audit_2", "prefix": "audit_2"}


@pytest.mark.parametrize("name, text", [
    ("9lives", "'9lives' cannot name a plugin package"),
    ("my plugin", "'my plugin' cannot name a plugin package"),
    ("evalkit-", "'evalkit-' cannot name a plugin package"),
    ("../up", "'../up' cannot name a plugin package"),
    ("evalkit", "'evalkit' is a reserved name"),
    ("class", "'class' is a reserved name"),
    ("json", "a module named 'json' can already be imported here"),
])
def test_new_plugin_refuses_a_bad_name_with_exit_64(name, text, tmp_path, capsys):
    assert main(["new-plugin", name, "--dir", str(tmp_path)]) == 64
    err = capsys.readouterr().err
    assert text in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_new_plugin_never_overwrites_and_needs_an_existing_folder(tmp_path, capsys):
    (tmp_path / "evalkit-audit").mkdir()
    (tmp_path / "evalkit-audit" / "keep.txt").write_text("mine", encoding="utf-8")
    assert main(["new-plugin", "evalkit-audit", "--dir", str(tmp_path)]) == 5
    assert "evalkit-audit: already exists; evalkit never overwrites it" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "evalkit-audit").iterdir()] == ["keep.txt"]
    assert main(["new-plugin", "evalkit-audit", "--dir", str(tmp_path / "missing")]) == 5
    assert "the folder to create the plugin in does not exist" in capsys.readouterr().err


def test_new_plugin_leaves_nothing_behind_when_it_fails(tmp_path, capsys, monkeypatch):
    def broken_copy(source, destination, names):
        (destination / "half.txt").write_text("half", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scaffold, "copy_template", broken_copy)
    assert main(["new-plugin", "evalkit-audit", "--dir", str(tmp_path)]) == 5
    assert "cannot create the plugin: No space left on device" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# -- evalkit.testing -----------------------------------------------------------------------------------

class Double(evalkit.Rule):
    name = "double"
    description = "Twice the value, capped."
    params_schema: ClassVar[dict[str, Any]] = {"type": "object", "additionalProperties": False, "properties": {}}

    def score(self, values, ctx):
        return np.clip(values * 2, 0, ctx.max_points)


def plugin(name, **hooks):
    module = types.ModuleType(name)
    for hook, body in hooks.items():
        setattr(module, hook, evalkit.hookimpl(body))
    return module


DOUBLE = plugin("double_plugin", evalkit_register_rules=lambda register: register(Double()))


def test_the_plugin_manager_holds_the_builtins_only(evalkit_plugin_manager, evalkit_registry, install_plugin):
    from evalkit.plugins.manager import BUILTIN_MODULES

    assert [name for name, _ in evalkit_plugin_manager.manager.list_name_plugin()] == list(BUILTIN_MODULES)
    assert {"linear", "tiers"} <= set(evalkit_registry.rules) and not evalkit_registry.indicators
    assert all(owner.startswith("evalkit.plugins.builtins.") for owner in evalkit_registry.owners.values())


def test_register_plugin_returns_the_registry_so_far(register_plugin, evalkit_plugin_manager):
    registry = register_plugin(DOUBLE)
    assert registry.owner("rules", "double") == "double_plugin" and "linear" in registry.rules
    indicator = evalkit.Indicator(id="v", name={"zh": "值", "en": "Value"})
    registry = register_plugin(plugin("values", evalkit_register_indicators=lambda register: register(indicator)), name="vals")
    assert registry.owner("indicators", "v") == "vals" and registry.owner("rules", "double") == "double_plugin"
    assert evalkit_plugin_manager.manager.has_plugin("vals")


def test_register_plugin_takes_a_module_name(register_plugin, tmp_path, monkeypatch):
    (tmp_path / "named_plugin_for_test.py").write_text(
        "import evalkit\n\n@evalkit.hookimpl\ndef evalkit_register_indicators(register):\n"
        "    register(evalkit.Indicator(id='named', name={'zh': '名', 'en': 'Named'}))\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(__import__("sys").modules, "named_plugin_for_test", raising=False)
    registry = register_plugin("named_plugin_for_test")
    assert registry.owner("indicators", "named") == "named_plugin_for_test"
    with pytest.raises(evalkit.PluginError, match="plugin 'again' cannot be registered: Plugin already registered"):
        register_plugin("named_plugin_for_test", name="again")


@pytest.mark.parametrize("bad, text", [
    (plugin("typo", evalkit_register_rule=lambda register: register(Double())),
     "plugin 'typo' marks 'evalkit_register_rule' as a hook, but there is no such hook"),
    (plugin("returns", evalkit_register_rules=lambda register: [Double()]),
     "plugin 'returns': evalkit_register_rules returned list; a register hook calls register(...)"),
    (plugin("argname", evalkit_register_rules=lambda reg: reg(Double())),
     "plugin 'argname' cannot be registered"),
    (plugin("twice", evalkit_register_rules=lambda register: register(Double())),
     "the rule 'double' is registered twice: by plugin 'twice' and by plugin 'double_plugin'"),
    (plugin("wrong", evalkit_register_indicators=lambda register: register("v")),
     "plugin 'wrong' registered something that is not an indicator"),
])
def test_register_plugin_names_the_plugin_in_every_error(bad, text, register_plugin):
    register_plugin(DOUBLE)
    with pytest.raises(evalkit.PluginError) as info:
        register_plugin(bad)
    assert text in str(info.value)
    registry = register_plugin(plugin("later", evalkit_register_indicators=lambda register: None))  # the test goes on
    assert registry.owner("rules", "double") == "double_plugin" and not registry.indicators


def test_evaluate_small_takes_one_item_or_a_whole_scorecard(register_plugin, evaluate_small):
    register_plugin(DOUBLE)
    evaluation = evaluate_small({"indicator": "v", "max_points": 10, "rule": {"name": "double"}}, {"v": {"a": 3, "b": 8}})
    assert (evaluation.unit("a").total, evaluation.unit("b").total) == (6, 10)
    scorecard = {"period": "2025", "indicators": [{"id": "v", "name": "v", "direction": "lower"}],
                 "dimensions": [{"id": "d", "indicator": "v", "max_points": 5,
                                 "rule": {"name": "per_event", "params": {"per_event": 1}}}],
                 "grading": {"bands": [{"min": 4, "grade": "good", "label": "好"}, {"min": 0, "grade": "poor", "label": "差"}]}}
    evaluation = evaluate_small(scorecard, {"v": {"a": 0, "b": 2}}, units=["a", "b", "c"])
    assert [(u.id, u.total, u.grade.grade) for u in evaluation] == [("a", 5, "good"), ("b", 3, "poor"), ("c", 0, "poor")]
    with pytest.raises(evalkit.DefinitionError, match="rule"):
        evaluate_small({"indicator": "v", "rule": {"name": "no_such_rule"}}, {"v": {"a": 1}})


PSV_AND_LINES = '''
import evalkit


def read_psv(path):
    numbered = [(n, line.split("|")) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                if line.strip()]
    (_, header), body = numbered[0], numbered[1:]
    return evalkit.Table(source=str(path), columns=tuple(header), rows=tuple(tuple(r) for _, r in body),
                         row_numbers=tuple(n for n, _ in body))


def render_lines(evaluation, options):
    return "".join(f"{u.rank} {u.id} {u.total:g}\\n" for u in evaluation)


@evalkit.hookimpl
def evalkit_register_loaders(register):
    register(evalkit.Loader(name="psv", extensions=(".psv",), read=read_psv, description="pipe-separated"))


@evalkit.hookimpl
def evalkit_register_reporters(register):
    register(evalkit.Reporter(name="lines", extension=".txt", render=render_lines, description="a line per unit"))
'''


def test_loader_and_reporter_hooks_through_register_plugin(register_plugin, evaluate_small, tmp_path):
    import importlib.util

    path = tmp_path / "formats.py"
    path.write_text(PSV_AND_LINES, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("formats", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    registry = register_plugin(module)
    assert registry.owner("loaders", "psv") == "formats" and registry.owner("reporters", "lines") == "formats"
    (tmp_path / "d.psv").write_text("unit|indicator|period|value\na|v|2025|4\nb|v|2025|1\n", encoding="utf-8")
    card = evalkit.load_scorecard({"id": "s", "name": "s", "period": "2025", "indicators": [{"id": "v", "name": "v"}],
                                   "dimensions": [{"id": "i", "indicator": "v", "max_points": 4,
                                                   "rule": {"name": "linear", "params": {"lower": 0, "upper": 4}}}]}, registry)
    evaluation = evalkit.evaluate(card, evalkit.load_data(tmp_path / "d.psv", evalkit.Units.from_ids(["a", "b"]), card))
    assert registry.reporters["lines"].render(evaluation, evalkit.ReportOptions()) == "1 a 4\n2 b 1\n"


def test_loader_and_reporter_hooks_from_the_command_line(tmp_path, capsys):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "formats.py").write_text(PSV_AND_LINES, encoding="utf-8")
    (tmp_path / "card.yaml").write_text(
        "id: s\nname: s\nperiod: '2025'\nindicators: [{id: v, name: v}]\n"
        "dimensions: [{id: i, indicator: v, max_points: 4, rule: {name: linear, params: {lower: 0, upper: 4}}}]\n",
        encoding="utf-8")
    (tmp_path / "d.psv").write_text("unit|indicator|period|value\na|v|2025|2\nb|v|2025|3\n", encoding="utf-8")
    (tmp_path / "units.csv").write_text("id,name\na,A\nb,B\n", encoding="utf-8")
    args = ["run", str(tmp_path / "card.yaml"), "--data", str(tmp_path / "d.psv"), "--units", str(tmp_path / "units.csv"),
            "--format", "lines", "--plugins-dir", str(plugins)]
    assert main(args) == 0
    assert capsys.readouterr().out == "1 b 3\n2 a 2\n"
    args[args.index("lines")] = "table"
    assert main(args + ["--block", "formats"]) == 3  # without the plugin a .psv file cannot be read
    assert "unsupported file type" in capsys.readouterr().err
