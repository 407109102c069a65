"""The plugin author's guide keeps up with the code: every hook documented and tested, every example runs.

Fails when a hook declared in `evalkit.plugins.hookspecs` has no section in docs/plugins.md or is named by
no test under tests/, when a fixture of `evalkit.testing` is not in the guide, or when a ```python
example of the guide does not run: blocks that implement hooks are loaded as plugins (and must
register something through every hook they implement), blocks with test functions are run by pytest.
"""

import re
import types
from pathlib import Path

import pytest

import evalkit
from evalkit.plugins import hookspecs
from evalkit.plugins.manager import KINDS, build_registry, load_plugins

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "plugins.md"
TEXT = GUIDE.read_text(encoding="utf-8")
HOOKS = sorted(name for name, spec in vars(hookspecs).items() if getattr(spec, "evalkit_spec", None) is not None)
BLOCKS = [(m.group(1), TEXT[: m.start()].count("\n") + 2)
          for m in re.finditer(r"^```python\n(.*?)^```", TEXT, re.S | re.M)]


def test_the_hooks_are_found():
    assert set(KINDS.values()) <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_section_in_the_guide(hook):
    headings = [line for line in TEXT.splitlines() if line.startswith("#")]
    assert any(f"`{hook}(" in heading for heading in headings), f"docs/plugins.md has no '## `{hook}(...)`' section"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_exercised_by_a_test(hook):
    users = [path.name for path in (ROOT / "tests").rglob("*.py")
             if path.name != Path(__file__).name and hook in path.read_text(encoding="utf-8")]
    assert users, f"no test under tests/ implements {hook}"


def test_every_fixture_of_evalkit_testing_is_in_the_guide():
    source = (ROOT / "src" / "evalkit" / "testing.py").read_text(encoding="utf-8")
    fixtures = re.findall(r"^@pytest\.fixture\ndef (\w+)", source, re.M)
    assert len(fixtures) >= 4
    assert [name for name in fixtures if f"`{name}" not in TEXT] == []


def _run(source: str, line: int) -> types.ModuleType:
    """Import the example as a module of its own (from a temporary file named after its line)."""
    import importlib.util
    import tempfile

    folder = Path(tempfile.mkdtemp())
    path = folder / f"plugins_md_line_{line}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("source, line", BLOCKS, ids=[f"line {line}" for _, line in BLOCKS])
def test_every_python_example_runs(source, line, pytester):
    module = _run(source, line)
    hooks = [name for name in HOOKS if getattr(getattr(module, name, None), "evalkit_impl", None) is not None]
    if hooks:
        registry = build_registry(load_plugins(entry_points=False, extra=[module]))
        for kind, hook in KINDS.items():
            if hook in hooks:
                assert [n for (k, n), owner in registry.owners.items() if k == kind and owner == module.__name__], \
                    f"the example at line {line} registers nothing through {hook}"
    if re.search(r"^def test_", source, re.M):
        pytester.makepyfile(**{f"test_guide_{line}": source})
        pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=len(re.findall(r"^def test_", source, re.M)))
    assert hooks or "def test_" in source, f"the example at line {line} neither implements a hook nor tests"


def test_every_hook_has_a_running_example():
    implemented = {name for source, line in BLOCKS for name in HOOKS if f"def {name}(" in source}
    assert implemented == set(HOOKS)


def test_the_examples_work_from_a_scorecard(tmp_path):
    """The guide's rules, loader and reporter, used together the way an evaluator would."""
    modules = [_run(source, line) for source, line in BLOCKS if "@evalkit.hookimpl" in source]
    registry = build_registry(load_plugins(entry_points=False, extra=modules))
    (tmp_path / "data.psv").write_text("unit|indicator|period|value\nu1|audit_reports_on_time|2025|50\n"
                                       "u2|audit_reports_on_time|2025|75\nu2|received|2025|4\nu2|closed|2025|3\n",
                                       encoding="utf-8")
    card = evalkit.load_scorecard({
        "id": "guide", "name": {"zh": "示例", "en": "Guide"}, "period": "2025",
        "indicators": [{"id": "received", "name": "received"}, {"id": "closed", "name": "closed"}],
        "dimensions": [
            {"id": "band", "indicator": "audit_reports_on_time", "max_points": 10,
             "rule": {"name": "inside_band", "params": {"low": 40, "high": 60}}},
            {"id": "closure", "indicators": ["closed", "received"], "max_points": 10, "rule": {"name": "closed_share"},
             "missing": "zero"},
            {"id": "root", "indicator": "audit_reports_on_time", "max_points": 10, "rule": {"name": "sqrt_points"}},
        ]}, registry)
    units = evalkit.Units.from_ids(["u1", "u2"])
    evaluation = evalkit.evaluate(card, evalkit.load_data(tmp_path / "data.psv", units, card))
    # u1: 50 is inside [40, 60] -> 10; nothing received -> 0; sqrt(50) = 7.07. u2: 0 + 7.5 + 8.66.
    assert (evaluation.unit("u1").total, evaluation.unit("u2").total) == (17.07, 16.16)
    text = registry.reporters["lines"].render(evaluation, evalkit.ReportOptions(lang="en"))
    assert text.splitlines()[0].split("\t")[:4] == ["1", "u1", "u1", "17.07"]
    assert "50 is inside [40, 60]: 10 points" in "\n".join(evaluation.explain("u1", lang="en"))
    problems = evalkit.validate({**card.raw, "dimensions": [
        {"id": "band", "indicator": "audit_reports_on_time", "max_points": 10,
         "rule": {"name": "inside_band", "params": {"low": 60, "high": 40}}}]}, registry)
    assert [(p.path, p.message) for p in problems] == [("$.dimensions[0].rule.params.high", "the band is empty")]
