"""The register hooks are called through pluggy: wrappers, hook-call monitoring and tracing see them,
and every registration is still attributed to the plugin that made it."""

import types
from typing import Any, ClassVar

import numpy as np
import pytest

import evalkit
from evalkit.plugins.manager import KINDS, build_registry, load_plugins


class HalfRule(evalkit.Rule):
    name = "half"
    description = "Points are half the value."
    params_schema: ClassVar[dict[str, Any]] = {"type": "object"}

    def score(self, values, ctx):
        return np.clip(values / 2, 0, ctx.max_points)


def plugin(name, **hooks):
    module = types.ModuleType(name)
    for hook, body in hooks.items():
        setattr(module, hook, body if getattr(body, "evalkit_impl", None) else evalkit.hookimpl(body))
    return module


def dept():
    return plugin("dept", evalkit_register_rules=lambda register: register(HalfRule()),
                  evalkit_register_indicators=lambda register: register(
                      evalkit.Indicator(id="v", name={"zh": "值", "en": "Value"})))


def new_style_wrapper(seen):
    @evalkit.hookimpl(wrapper=True)
    def evalkit_register_rules(register):
        seen.append("before")
        result = yield
        seen.append(("after", result))
        return result

    return plugin("watcher", evalkit_register_rules=evalkit_register_rules)


def old_style_wrapper(seen):
    @evalkit.hookimpl(hookwrapper=True)
    def evalkit_register_rules(register):
        seen.append("before")
        outcome = yield
        seen.append(("after", outcome.get_result()))

    return plugin("old_watcher", evalkit_register_rules=evalkit_register_rules)


def rule_owners(registry):
    return {name: owner for (kind, name), owner in registry.owners.items() if kind == "rules"}


@pytest.mark.parametrize("make", [new_style_wrapper, old_style_wrapper])
def test_a_wrapper_sees_every_call_and_attribution_is_unchanged(make):
    seen = []
    plain = build_registry(load_plugins(entry_points=False, extra=[dept()]))
    wrapped = build_registry(load_plugins(entry_points=False, extra=[dept(), make(seen)]))
    # one call for each plugin that registers rules: the built-in rules and dept
    assert seen == ["before", ("after", []), "before", ("after", [])]
    assert wrapped.owners == plain.owners
    assert wrapped.owner("rules", "half") == "dept"
    assert wrapped.owner("rules", "linear") == "evalkit.plugins.builtins.rules"
    assert set(wrapped.rules) == set(plain.rules)


def test_monitoring_sees_every_hook_call_and_whose_it_is():
    plugins = load_plugins(entry_points=False, extra=[dept()])
    calls = []

    def before(hook_name, hook_impls, kwargs):
        calls.append((hook_name, [impl.plugin_name for impl in hook_impls]))

    def after(outcome, hook_name, hook_impls, kwargs):
        assert outcome.exception is None

    undo = plugins.manager.add_hookcall_monitoring(before, after)
    registry = build_registry(plugins)
    undo()
    expected = {(KINDS[kind], owner) for (kind, _), owner in registry.owners.items()}
    assert {(hook, owner) for hook, [owner] in calls} == expected  # one plain implementation per call
    assert len(calls) == len(expected)  # each plugin's hook is called once
    assert ("evalkit_register_rules", ["dept"]) in calls and ("evalkit_register_indicators", ["dept"]) in calls
    assert ("evalkit_register_loaders", ["evalkit.plugins.builtins.loaders"]) in calls


def test_pluggy_tracing_sees_the_calls():
    plugins = load_plugins(entry_points=False, extra=[dept()])
    lines = []
    plugins.manager.trace.root.setwriter(lines.append)
    undo = plugins.manager.enable_tracing()
    build_registry(plugins)
    undo()
    text = "".join(lines)
    assert all(hook in text for hook in KINDS.values() if hook != "evalkit_register_sources")  # no source is loaded


def test_duplicate_names_still_name_both_plugins_with_a_wrapper():
    one = plugin("one", evalkit_register_rules=lambda register: register(HalfRule()))
    two = plugin("two", evalkit_register_rules=lambda register: register(HalfRule()))
    with pytest.raises(evalkit.PluginError) as info:
        build_registry(load_plugins(entry_points=False, extra=[one, two, new_style_wrapper([])]))
    assert "the rule 'half' is registered twice: by plugin 'two' and by plugin 'one'" in str(info.value)


def test_a_plugin_that_raises_is_named_and_the_wrapper_sees_the_exception():
    seen = []

    @evalkit.hookimpl(wrapper=True)
    def evalkit_register_rules(register):
        try:
            return (yield)
        except RuntimeError as exc:
            seen.append(str(exc))
            raise

    def boom(register):
        raise RuntimeError("database offline")

    with pytest.raises(evalkit.PluginError) as info:
        build_registry(load_plugins(entry_points=False, extra=[
            plugin("broken", evalkit_register_rules=boom), plugin("watcher", evalkit_register_rules=evalkit_register_rules),
            dept()]))
    assert seen == ["database offline"]
    assert str(info.value).count("raised in") == 1
    assert "plugin 'broken' raised in evalkit_register_rules: RuntimeError: database offline" in str(info.value)


def test_a_wrapper_that_raises_is_named():
    @evalkit.hookimpl(wrapper=True)
    def evalkit_register_indicators(register):
        raise ValueError("wrapper bug")
        yield

    with pytest.raises(evalkit.PluginError) as info:
        build_registry(load_plugins(entry_points=False, extra=[
            dept(), plugin("clumsy", evalkit_register_indicators=evalkit_register_indicators)]))
    assert "plugin 'clumsy' raised in evalkit_register_indicators: ValueError: wrapper bug" in str(info.value)


def test_a_wrapper_that_registers_is_refused_with_the_reason():
    @evalkit.hookimpl(wrapper=True)
    def evalkit_register_rules(register):
        register(HalfRule())
        return (yield)

    with pytest.raises(evalkit.PluginError) as info:
        build_registry(load_plugins(entry_points=False, extra=[plugin("sneaky", evalkit_register_rules=evalkit_register_rules)]))
    message = str(info.value)
    assert "plugin 'sneaky' called register in its wrapper of evalkit_register_rules" in message
    assert "registered twice" not in message


def test_a_wrapper_that_is_not_a_generator_is_refused_when_loaded():
    def evalkit_register_sources(register):
        return None

    with pytest.raises(evalkit.PluginError) as info:
        load_plugins(entry_points=False, extra=[
            plugin("flat", evalkit_register_sources=evalkit.hookimpl(wrapper=True)(evalkit_register_sources))])
    assert "plugin 'flat' cannot be registered" in str(info.value)


def test_a_returned_value_still_names_the_plugin():
    with pytest.raises(evalkit.PluginError) as info:
        build_registry(load_plugins(entry_points=False, extra=[
            plugin("returns", evalkit_register_loaders=lambda register: ["x"]), new_style_wrapper([])]))
    assert "plugin 'returns': evalkit_register_loaders returned list" in str(info.value)


def test_register_plugin_accepts_a_wrapper(register_plugin):
    seen = []
    registry = register_plugin(new_style_wrapper(seen))
    assert seen and registry.owner("rules", "linear") == "evalkit.plugins.builtins.rules"
    registry = register_plugin(plugin("reporters_too", evalkit_register_reporters=lambda register: None))
    assert "watcher" in [info.name for info in registry.plugins]
