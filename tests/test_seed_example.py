"""The county-254 example reproduces the seed study's published tier-transition figures exactly.

Source: the seed study (/work/shared/seed, a county organs work committee's report on 机关党建), in its
account of 三分类三升级: "对全县254个机关基层党组织进行了科学认定 ... 65个先进基层党组织有13个有大幅提升，
提升率达20.0%；174个一般基层党组织中有44个一般基层党组织晋位升级为先进基层党组织，升级率达25.3%，70个一般
基层党组织有大幅提升，提升率达40.2%；15个后进基层党组织中有14个后进基层党组织晋位升级成功，升级率达93.3%".

Reading: "大幅提升" (improved markedly) counts units that stayed in their tier with a total at least 5 points
higher (``--marked score:5``, among units that stayed); a unit that rose a tier is counted as 晋位升级.
The tiers come from scoring raw indicator values with examples/county-254/scorecard.yaml.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

from evalkit.cli import main
from tests.conftest import EXAMPLES, ROOT

EXAMPLE = EXAMPLES / "county-254"


def readme_command() -> list[str]:
    """The `evalkit compare` command exactly as the example's README shows it."""
    text = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.strip().startswith(".venv/bin/evalkit compare") and "--periods" in line)
    return shlex.split(line.strip())[1:]


def test_readme_command_reproduces_the_seed_text(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = main(readme_command())
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    start = lines.index("按原等次统计")
    per_tier = {line.split()[0]: line for line in lines[start + 2:start + 5]}
    assert " 65 " in per_tier["先进"] and "13 / 65 (20.0 %)" in per_tier["先进"]
    assert "44 / 174 (25.3 %)" in per_tier["一般"] and "70 / 174 (40.2 %)" in per_tier["一般"]
    assert "14 / 15 (93.3 %)" in per_tier["后进"]
    assert "一般 → 先进  44 / 174 (25.3 %)" in out
    # The README shows the output as it is.
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    assert out in readme


def test_seed_figures_exactly(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = main(readme_command() + ["--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    d = json.loads(out)
    tiers = {t["grade"]: t for t in d["tiers"]}
    assert d["units_compared"] == 254 and not d["only_before"] and not d["only_after"] and not d["ungraded"]
    assert d["marked_rule"]["spec"] == "score:5" and d["marked_rule"]["among"] == "stayed"

    advanced, average, lagging = tiers["advanced"], tiers["average"], tiers["lagging"]
    assert (advanced["count"], average["count"], lagging["count"]) == (65, 174, 15)
    # 65 个先进基层党组织有 13 个有大幅提升，提升率达 20.0%
    assert (advanced["improved_markedly"]["count"], advanced["improved_markedly"]["percent"]) == (13, 20.0)
    # 174 个一般基层党组织中有 44 个晋位升级为先进基层党组织，升级率达 25.3%
    assert (average["to"]["advanced"]["count"], average["to"]["advanced"]["percent"]) == (44, 25.3)
    assert average["up"]["count"] == 44
    # 70 个一般基层党组织有大幅提升，提升率达 40.2%
    assert (average["improved_markedly"]["count"], average["improved_markedly"]["percent"]) == (70, 40.2)
    # 15 个后进基层党组织中有 14 个晋位升级成功，升级率达 93.3%
    assert (lagging["up"]["count"], lagging["up"]["percent"]) == (14, 93.3)

    # The lists behind the figures agree with every unit's own record.
    units = {u["id"]: u for u in d["units"]}
    for tier in d["tiers"]:
        for uid in tier["improved_markedly"]["units"]:
            u = units[uid]
            assert u["move"] == "stayed" and u["total_gain"] >= 5 and u["before"]["grade"] == tier["grade"]
        for uid in tier["stayed"]["units"]:
            assert (uid in tier["improved_markedly"]["units"]) == (units[uid]["total_gain"] >= 5)


def test_tiers_come_from_scoring_the_raw_values():
    import evalkit

    scorecard = evalkit.load_scorecard(EXAMPLE / "scorecard.yaml")
    units = evalkit.load_units(EXAMPLE / "units.csv", scorecard.registry)
    assert len(units) == 254 and all(not name.isascii() for name in units.names)
    for period in ("2024", "2025"):
        evaluation = evalkit.evaluate(scorecard, evalkit.load_data(EXAMPLE / "data.csv", units, scorecard, period=period))
        bands = scorecard.grading.bands
        for u in evaluation:
            assert u.grade.grade == next(b.grade for b in bands if u.total >= b.min)
            assert not any(item.missing for item in u.items.values())
    header = (EXAMPLE / "data.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "unit,indicator,period,value"


def test_generator_writes_the_committed_files(tmp_path):
    subprocess.run([sys.executable, str(EXAMPLE / "generate.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True, timeout=120)
    for name in ("units.csv", "data.csv"):
        assert (tmp_path / name).read_bytes() == (EXAMPLE / name).read_bytes(), name
