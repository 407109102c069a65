"""The four department plugins in plugins/: they load through their entry points, register indicators
with Chinese and English names, compute hand-checked values from their sample records, feed
`evalkit run`, and a broken plugin is named in the message and can be blocked.

The packages are not pip-installed into the suite's environment: `install_plugin` (evalkit.testing)
makes each look installed for one test, entry point included, and undoes it afterwards.
"""

import importlib
import json
from pathlib import Path

import pytest

import evalkit
from evalkit.cli import main
from evalkit.plugins.manager import build_registry, load_plugins

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"
PACKAGES = {"org": "evalkit_org", "tax": "evalkit_tax", "discipline": "evalkit_discipline", "township": "evalkit_township"}


def project(plugin: str) -> Path:
    return PLUGINS / f"evalkit-{plugin}"


@pytest.fixture
def installed(install_plugin):
    """Install the named department plugins for one test; returns their modules by plugin name."""
    def install(*plugins):
        for plugin in plugins:
            assert install_plugin(project(plugin)) == [plugin]
        return {plugin: importlib.import_module(PACKAGES[plugin]) for plugin in plugins}
    return install


@pytest.mark.parametrize("plugin", PACKAGES)
def test_each_plugin_loads_through_its_entry_point(plugin, installed, capsys):
    module = installed(plugin)[plugin]
    registry = build_registry(load_plugins(allow=[plugin]))
    [info] = [p for p in registry.plugins if p.name == plugin]
    assert (info.version, info.origin) == ("0.1.0", f"entry point {PACKAGES[plugin]}")
    assert len(module.INDICATORS) >= 3
    for indicator in module.INDICATORS:
        assert registry.owner("indicators", indicator.id) == plugin
        assert indicator.id.startswith(("org_", "tax_", "discipline_", "town_"))
        assert not indicator.name.zh.isascii() and indicator.name.en.isascii() and indicator.name.en
        assert indicator.unit and indicator.direction in ("higher", "lower")
        assert ".csv" in indicator.description.zh and ".csv" in indicator.description.en  # names its data source
    assert main(["plugins", "--allow", plugin]) == 0
    out = capsys.readouterr().out
    assert f"{plugin} 0.1.0 (entry point {PACKAGES[plugin]})" in out and module.INDICATORS[0].id in out


def test_the_tax_plugin_adds_a_rule_with_its_own_schema(installed, capsys):
    installed("tax")
    assert main(["rules", "--allow", "tax", "--format", "json"]) == 0
    [rule] = [r for r in json.loads(capsys.readouterr().out) if r["name"] == "forecast_accuracy"]
    assert rule["plugin"] == "tax" and set(rule["params_schema"]["properties"]) == {"tiers", "otherwise"}
    registry = build_registry(load_plugins(allow=["tax"]))
    assert "forecast_accuracy" in evalkit.definition.schemas.scorecard_schema(registry)["$defs"]["rule"]["properties"]["name"]["enum"]


def test_org_values_from_the_sample_records(installed):
    org = installed("org")["org"]
    values = org.compute(org.SAMPLES, "2025")
    # Cadence, 32 slots a year: members' meeting and party lesson each quarter, committee and group
    # meeting each month; repeats within a slot count once. D01 all; D02 misses 2 committee months,
    # 1 group month and a Q3 lesson (28); D03 2 + 6 + 6 + 2 = 16; D04 logged none.
    assert values["org_meetings_completion"] == {"D01": 100.0, "D02": 87.5, "D03": 50.0, "D04": 0.0}
    assert values["org_meetings_missed"] == {"D01": 0.0, "D02": 4.0, "D03": 16.0, "D04": 32.0}
    # Dues on after-tax pay at one rate for the whole amount (<= 3000: 0.5 %, <= 5000: 1 %,
    # <= 10000: 1.5 %, above: 2 %), paid by the month's end and in full. D02: 14.99 of 15.00, a June
    # payment made in July, 180 of 240 (12000 at 2 %): 45 of 48. D03: 6000 at 1.5 % is 90.00, paid
    # 60.00 every month: 12 of 24. D04: no payment in May: 23 of 24.
    assert values["org_dues_compliance"] == pytest.approx({"D01": 100.0, "D02": 93.75, "D03": 50.0, "D04": 23 / 24 * 100})
    assert list(org.monthly_dues([3000, 3000.01, 5000, 10000, 10000.01])) == [15.0, 30.0, 50.0, 150.0, 200.0]
    # Admitted / plan: 2/2, 2/3, 0/1; D04 has no plan.
    assert values["org_recruitment_completion"] == pytest.approx({"D01": 100.0, "D02": 200 / 3, "D03": 0.0})
    # Study minimum 32 hours, 56 for secretaries and committee members: D01 3 of 4 (a committee
    # member with 50); D02 2 of 3 (31.5 falls short); D03 1 of 2 (a secretary with 40); D04 1 of 2
    # (a committee member with 30 + 20).
    assert values["org_study_compliance"] == pytest.approx({"D01": 75.0, "D02": 200 / 3, "D03": 50.0, "D04": 50.0})


def test_tax_values_from_the_sample_records(installed):
    tax = installed("tax")["tax"]
    values = tax.compute(tax.SAMPLES, "2025")
    # Accuracy = 100 - mean monthly |forecast - actual| / actual: T01 off by 10 % in 2 months of 12,
    # T02 by 4 % every month, T03 by 10 % every month.
    assert values["tax_forecast_accuracy"] == pytest.approx({"T01": 100 - 20 / 12, "T02": 96.0, "T03": 90.0})
    assert values["tax_revenue_plan_completion"] == pytest.approx({"T01": 120.0, "T02": 75.0, "T03": 100.0})  # 1200/1000 ...
    assert values["tax_arrears_change"] == pytest.approx({"T01": -20.0, "T02": 10.0, "T04": -25.0})  # T03 opened at 0
    assert values["tax_enforcement_errors"] == {"T01": 2.0, "T02": 0.0, "T03": 1.0, "T04": 0.0}


def test_discipline_values_from_the_sample_records(installed):
    discipline = installed("discipline")["discipline"]
    values = discipline.compute(discipline.SAMPLES, "2025")
    # Counted in the year their deadline falls in; closing on the due date is on time; clues need a
    # disposal proposal within 30 days.
    assert values["discipline_petitions_on_time"] == {"J01": 80.0, "J02": 50.0, "J03": 100.0}  # 4/5, 2/4, 2/2
    assert values["discipline_clues_on_time"] == {"J01": 75.0, "J02": 50.0, "J03": 100.0}  # 3/4, 1/2, 3/3
    assert values["discipline_cases_sent_back"] == {"J01": 1.0, "J02": 0.0, "J03": 1.0}


def test_township_values_from_the_sample_records(installed):
    township = installed("township")["township"]
    values = township.compute(township.SAMPLES, "2025")
    assert values["town_collective_economy"] == {"X01": 60.0, "X02": 25.0, "X03": 100.0}  # income >= 10 (万元): 3/5, 1/4, 3/3
    assert values["town_sense_of_security"] == pytest.approx({"X01": 700 / 9, "X02": 87.5, "X03": 100.0})  # 不清楚 left out
    assert values["town_skip_level_petitions"] == {"X01": 3.0, "X02": 0.0, "X03": 2.0}  # to the city, province, Beijing
    assert values["town_serious_incidents"] == {"X01": 0.0, "X02": 1.0, "X03": 0.0}  # 较大 and worse


def test_plugin_indicators_and_rule_are_usable_from_evalkit_run(installed, tmp_path, capsys):
    tax = installed("tax")["tax"]
    tax.write_long_csv(tax.compute(tax.SAMPLES, "2025"), "2025", tmp_path / "tax-2025.csv")
    (tmp_path / "tax.yaml").write_text("""\
id: tax-sections
name: {zh: 税务分局考核, en: Tax sections}
period: "2025"
dimensions:
  - id: revenue
    indicator: tax_revenue_plan_completion
    max_points: 10
    rule: {name: target, params: {target: 100}}
  - id: forecast
    indicator: tax_forecast_accuracy
    max_points: 5
    rule: {name: forecast_accuracy}
  - id: errors
    indicator: tax_enforcement_errors
    max_points: 5
    rule: {name: per_event, params: {per_event: 2}}
""", encoding="utf-8")
    args = ["run", str(tmp_path / "tax.yaml"), "--data", str(tmp_path / "tax-2025.csv"),
            "--units", str(tax.SAMPLES / "units.csv"), "--format", "json"]
    assert main(args + ["--allow", "tax"]) == 0
    totals = {u["id"]: u["total"] for u in json.loads(capsys.readouterr().out)["units"]}
    # T01: 10 + 5 (98.33 >= 98) + 5 - 2 x 2 = 16; T02: 7.5 + 4.5 + 5 = 17; T03: 10 + 4 + 3 = 17;
    # T04: no revenue or forecast (scored 0) and no error: 5.
    assert totals == {"T01": 16, "T02": 17, "T03": 17, "T04": 5}
    assert main(args + ["--block", "tax"]) == 2  # without the plugin, its rule and indicators are unknown
    assert "forecast_accuracy" in capsys.readouterr().err


def broken_package(tmp_path: Path, name: str, init: str) -> Path:
    root = tmp_path / f"evalkit-{name}"
    (root / "src" / f"evalkit_{name}").mkdir(parents=True)
    (root / "src" / f"evalkit_{name}" / "__init__.py").write_text(init, encoding="utf-8")
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "evalkit-{name}"\nversion = "0.0.1"\n\n'
        f'[project.entry-points.evalkit]\n{name} = "evalkit_{name}"\n', encoding="utf-8")
    return root


COPYCAT = """
import evalkit

@evalkit.hookimpl
def evalkit_register_indicators(register):
    register(evalkit.Indicator(id="org_meetings_completion", name={"zh": "三会一课", "en": "Meetings"}))
"""
WRONG_TYPE = """
import evalkit

@evalkit.hookimpl
def evalkit_register_indicators(register):
    register({"id": "wrong_indicator", "name": "not an Indicator"})
"""
BAD_SCORE = """
import numpy as np
import evalkit

class Short(evalkit.Rule):
    name = "short"
    params_schema = {"type": "object"}
    def score(self, values, ctx):
        return values[:1]

@evalkit.hookimpl
def evalkit_register_rules(register):
    register(Short())
"""


@pytest.mark.parametrize("name, init, text", [
    ("broken", "import not_a_real_module_xyz\n", "plugin 'broken' failed to load: ModuleNotFoundError"),
    ("copycat", COPYCAT, "the indicator 'org_meetings_completion' is registered twice: by plugin 'org' and by plugin 'copycat'"),
    ("wrongtype", WRONG_TYPE, "plugin 'wrongtype' registered something that is not an indicator"),
])
def test_a_broken_plugin_is_named_and_can_be_blocked(name, init, text, installed, install_plugin, tmp_path, capsys):
    installed("org")
    install_plugin(broken_package(tmp_path, name, init))
    assert main(["plugins", "--allow", "org", "--allow", name]) == 4
    err = capsys.readouterr().err
    assert text in err and "Traceback" not in err
    assert main(["plugins", "--allow", "org", "--allow", name, "--block", name]) == 0
    assert "org_meetings_completion" in capsys.readouterr().out


def test_a_rule_that_returns_a_bad_value_is_named(install_plugin, tmp_path):
    install_plugin(broken_package(tmp_path, "badscore", BAD_SCORE))
    registry = build_registry(load_plugins(allow=["badscore"]))
    card = evalkit.load_scorecard({"id": "s", "name": "s", "period": "2025", "indicators": [{"id": "v", "name": "v"}],
                                   "dimensions": [{"id": "i", "indicator": "v", "max_points": 5, "rule": {"name": "short"}}]},
                                  registry)
    with pytest.raises(evalkit.PluginError) as info:
        evalkit.evaluate(card, {"v": {"a": 1, "b": 2}})
    assert "plugin 'badscore'" in str(info.value) and "returned the wrong thing" in str(info.value)


def test_the_plugins_use_evalkit_records_rather_than_copies():
    assert not list(PLUGINS.glob("*/src/*/records.py")), "plugins import evalkit.io.records; they keep no copy"
    users = [p for p in PLUGINS.glob("*/src/*/*.py") if "from evalkit.io.records import" in p.read_text(encoding="utf-8")]
    assert {p.parent.name for p in users} == set(PACKAGES.values())


def test_every_plugin_has_its_own_tests_and_samples():
    for plugin, package in PACKAGES.items():
        root = project(plugin)
        assert list((root / "tests").glob("test_*.py")), f"{root} has no tests"
        assert (root / "src" / package / "samples" / "units.csv").is_file()
        assert f'{plugin} = "{package}"' in (root / "pyproject.toml").read_text(encoding="utf-8")
