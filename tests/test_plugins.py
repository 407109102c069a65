"""Plugins: built-ins go through the hooks; department rules work from a scorecard; failures name the plugin."""

import types
from typing import Any, ClassVar

import numpy as np
import pytest

import evalkit
from evalkit.cli import main
from evalkit.plugins.manager import build_registry, load_plugins


class HalfRule(evalkit.Rule):
    name = "half"
    description = "Points are half the value."
    params_schema: ClassVar[dict[str, Any]] = {"type": "object", "required": ["factor"], "additionalProperties": False,
                     "properties": {"factor": {"type": "number", "exclusiveMinimum": 0}}}

    def score(self, values, ctx):
        return np.clip(values * ctx.params["factor"] / 2, 0, ctx.max_points)


def plugin(name, **hooks):
    module = types.ModuleType(name)
    for hook, body in hooks.items():
        setattr(module, hook, evalkit.hookimpl(body))
    return module


def registry_with(*plugins, **options):
    return build_registry(load_plugins(entry_points=False, extra=plugins, **options))


def dept_scorecard(rule_params):
    return {"id": "d", "name": "Dept", "period": "2025",
            "indicators": [{"id": "v", "name": {"zh": "值", "en": "Value"}}],
            "dimensions": [{"id": "i", "indicator": "v", "max_points": 10, "rule": {"name": "half", "params": rule_params}}]}


def test_builtins_are_registered_through_the_hooks():
    registry = registry_with()
    assert {"linear", "tiers", "target", "per_event"} <= set(registry.rules)
    assert registry.owner("rules", "linear") == "evalkit.plugins.builtins.rules"
    assert set(registry.loaders) == {"csv", "json", "xlsx", "parquet"}
    assert set(registry.reporters) == {"table", "json", "csv", "xlsx", "html", "markdown"}


def test_a_department_rule_is_usable_from_a_scorecard_with_its_own_schema():
    dept = plugin("dept", evalkit_register_rules=lambda register: register(HalfRule()))
    registry = registry_with(dept)
    sc = evalkit.load_scorecard(dept_scorecard({"factor": 1}), registry)
    ev = evalkit.evaluate(sc, {"v": {"a": 8, "b": 30}})
    assert ev.unit("a").total == 4 and ev.unit("b").total == 10
    problems = evalkit.validate(dept_scorecard({"factor": -1}), registry)
    assert [p.path for p in problems] == ["$.dimensions[0].rule.params.factor"]
    assert "half" in evalkit.definition.schemas.scorecard_schema(registry)["$defs"]["rule"]["properties"]["name"]["enum"]


def test_plugin_indicators_need_no_declaration():
    ind = evalkit.Indicator(id="v", name={"zh": "值", "en": "Value"}, unit="%")
    dept = plugin("dept", evalkit_register_rules=lambda register: register(HalfRule()),
                  evalkit_register_indicators=lambda register: register(ind))
    registry = registry_with(dept)
    raw = dept_scorecard({"factor": 1})
    del raw["indicators"]
    assert evalkit.load_scorecard(raw, registry).indicators["v"].unit == "%"
    redeclared = dept_scorecard({"factor": 1})
    [problem] = evalkit.validate(redeclared, registry)
    assert "already provided by plugin 'dept'" in problem.message


def test_duplicate_names_name_both_plugins():
    one = plugin("one", evalkit_register_rules=lambda register: register(HalfRule()))
    two = plugin("two", evalkit_register_rules=lambda register: register(HalfRule()))
    with pytest.raises(evalkit.PluginError) as info:
        registry_with(one, two)
    message = str(info.value)
    assert "'half' is registered twice" in message and "'one'" in message and "'two'" in message
    assert info.value.exit_code == 4
    assert "half" in registry_with(one, two, block=["two"]).rules


def test_unnamed_wrong_type_and_raising_registrations_are_reported():
    class Nameless(HalfRule):
        name = ""

    def boom(register):
        raise RuntimeError("database offline")

    cases = [
        (plugin("p1", evalkit_register_rules=lambda register: register(Nameless())), "a rule with no name"),
        (plugin("p2", evalkit_register_rules=lambda register: register("linear")), "not a rule"),
        (plugin("p3", evalkit_register_rules=boom), "plugin 'p3' raised in evalkit_register_rules: RuntimeError: database offline"),
    ]
    for bad, text in cases:
        with pytest.raises(evalkit.PluginError) as info:
            registry_with(bad)
        assert text in str(info.value)


def _raise(values, ctx):
    raise ValueError("bad row")


@pytest.mark.parametrize("score, text", [
    (lambda values, ctx: values[:1], "returned the wrong thing"),
    (lambda values, ctx: values * 100, "returned points outside the item's range"),
    (_raise, "failed on item 'i': ValueError: bad row"),
    (lambda values, ctx: [1.0] * len(values), "returned the wrong thing"),
])
def test_a_rule_that_misbehaves_is_named(score, text):
    Faulty = type("Faulty", (HalfRule,), {"score": lambda self, values, ctx: score(values, ctx)})
    registry = registry_with(plugin("faulty", evalkit_register_rules=lambda register: register(Faulty())))
    sc = evalkit.load_scorecard(dept_scorecard({"factor": 1}), registry)
    with pytest.raises(evalkit.PluginError) as info:
        evalkit.evaluate(sc, {"v": {"a": 1, "b": 2}})
    assert text in str(info.value) and "plugin 'faulty'" in str(info.value)


def test_scalar_rule_lifts_a_per_value_formula():
    @evalkit.scalar_rule("square_capped", {"type": "object"}, description="value squared, capped")
    def square(value, params, max_points, higher_is_better):
        return min(value * value, max_points)

    registry = registry_with(plugin("sq", evalkit_register_rules=lambda register: register(square)))
    raw = dept_scorecard({})
    raw["dimensions"][0]["rule"] = {"name": "square_capped"}
    ev = evalkit.evaluate(evalkit.load_scorecard(raw, registry), {"v": {"a": 2, "b": 5}})
    assert (ev.unit("a").total, ev.unit("b").total) == (4, 10)


PLUGIN_SOURCE = '''
import numpy as np
import evalkit

class Third(evalkit.Rule):
    name = "third"
    description = "A third of the value."
    params_schema = {"type": "object"}
    def score(self, values, ctx):
        return np.clip(values / 3, 0, ctx.max_points)

@evalkit.hookimpl
def evalkit_register_rules(register):
    register(Third())
'''


def test_plugins_dir_block_and_allow(tmp_path, capsys):
    (tmp_path / "third.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    registry = build_registry(load_plugins(entry_points=False, plugins_dir=tmp_path))
    assert registry.owner("rules", "third") == "third"
    assert "third" not in build_registry(load_plugins(entry_points=False, plugins_dir=tmp_path, block=["third"])).rules
    assert "third" not in build_registry(load_plugins(entry_points=False, plugins_dir=tmp_path, allow=["other"])).rules
    assert main(["rules", "--plugins-dir", str(tmp_path)]) == 0
    assert "third" in capsys.readouterr().out
    assert main(["plugins", "--plugins-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "third" in out and "rules: third" in out


def test_a_plugin_that_fails_to_import_is_named_and_can_be_blocked(tmp_path, capsys):
    (tmp_path / "broken.py").write_text("import not_a_real_module_xyz\n", encoding="utf-8")
    assert main(["rules", "--plugins-dir", str(tmp_path)]) == 4
    err = capsys.readouterr().err
    assert "plugin 'broken' failed to load: ModuleNotFoundError" in err and "Traceback" not in err
    assert main(["rules", "--plugins-dir", str(tmp_path), "--block", "broken"]) == 0


def test_entry_point_plugins_are_found_and_named_when_broken(tmp_path, monkeypatch, capsys):
    import importlib.metadata
    import sys

    (tmp_path / "dept_third.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    (tmp_path / "dept_broken.py").write_text("raise RuntimeError('missing licence file')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    points = [importlib.metadata.EntryPoint(name="third", value="dept_third", group="evalkit"),
              importlib.metadata.EntryPoint(name="broken", value="dept_broken", group="evalkit")]
    monkeypatch.setattr("evalkit.plugins.manager.importlib.metadata.entry_points",
                        lambda group: [p for p in points if p.group == group])
    with pytest.raises(evalkit.PluginError) as info:
        load_plugins()
    assert "plugin 'broken' failed to load: RuntimeError: missing licence file" in str(info.value)
    registry = build_registry(load_plugins(block=["broken"]))
    assert registry.owner("rules", "third") == "third"
    assert [p.origin for p in registry.plugins if p.name == "third"] == ["entry point dept_third"]
    assert "third" not in build_registry(load_plugins(allow=["nothing"])).rules
    assert main(["rules", "--block", "broken"]) == 0 and "third" in capsys.readouterr().out
    sys.modules.pop("dept_third", None)


def test_star_ratings_are_a_grading_scheme_like_any_other():
    stars = [{"min": m, "grade": f"star{k}", "label": {"zh": "★" * k, "en": f"{k} stars"}}
             for k, m in zip(range(5, 0, -1), (9, 8, 7, 6, 0))]  # the item is worth 10
    raw = dept_scorecard({"factor": 2}) | {"grading": {"bands": stars}}
    registry = registry_with(plugin("dept", evalkit_register_rules=lambda register: register(HalfRule())))
    ev = evalkit.evaluate(evalkit.load_scorecard(raw, registry), {"v": {"a": 9.5, "b": 7.2, "c": 1}})
    assert [ev.unit(u).grade.label.zh for u in "abc"] == ["★★★★★", "★★★", "★"]


def test_a_misspelt_hook_and_a_returning_hook_are_named():
    typo = plugin("typo")
    typo.evalkit_register_rule = evalkit.hookimpl(lambda register: None)  # no such hook: rules
    with pytest.raises(evalkit.PluginError) as info:
        load_plugins(entry_points=False, extra=[typo])
    assert "plugin 'typo': unknown hook 'evalkit_register_rule'" in str(info.value)
    returns = plugin("returns", evalkit_register_rules=lambda register: [HalfRule()])
    with pytest.raises(evalkit.PluginError) as info:
        registry_with(returns)
    assert "evalkit_register_rules returned list" in str(info.value)


def test_bad_hook_arguments_bad_schemas_and_clashing_loaders_are_named(tmp_path):
    wrong_args = plugin("wrongargs")
    wrong_args.evalkit_register_rules = evalkit.hookimpl(lambda reg: None)  # the argument must be `register`
    with pytest.raises(evalkit.PluginError) as info:
        load_plugins(entry_points=False, extra=[wrong_args])
    assert "plugin 'wrongargs' cannot be registered" in str(info.value)

    class Nonsense(HalfRule):
        name = "nonsense"
        params_schema: ClassVar[dict[str, Any]] = {"type": "nonsense"}

    with pytest.raises(evalkit.PluginError) as info:
        registry_with(plugin("bad", evalkit_register_rules=lambda register: register(Nonsense())))
    assert "params_schema that is not a valid JSON Schema" in str(info.value)
    other_csv = evalkit.Loader(name="mycsv", extensions=(".csv",), read=lambda path: None)
    with pytest.raises(evalkit.PluginError) as info:
        registry_with(plugin("clash", evalkit_register_loaders=lambda register: register(other_csv)))
    message = str(info.value)
    assert "the file ending '.csv' is read by loader" in message
    assert "'csv' of plugin 'evalkit.plugins.builtins.loaders'" in message and "'mycsv' of plugin 'clash'" in message
