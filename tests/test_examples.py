"""Every example under examples/ validates and runs from the CLI, in-process, with the commands its README shows.

The commands are read from the ```sh blocks of each example's README.md (an example without a README:
the `# Run it:` lines of its YAML files), so a README and this test cannot drift apart. A small
interpreter runs them: `VAR=value` lines, `$VAR`, `for X in ...; do ...; done`, `&&`, `\\` line
continuations and `# comments`; `evalkit ...` runs `evalkit.cli.main` in-process; `pip install
./plugins/NAME` makes that plugin look installed for the test (`install_plugin`, evalkit.testing);
`python -m PACKAGE ...` calls the package's `__main__.main`; `python examples/X/generate.py` runs the
seeded generator; `mkdir -p DIR` makes a folder. Any other command fails the test.

Nothing is written into the repository. The commands run in a temporary folder; a path under
examples/ after `-o`/`--output` is written to a temporary copy instead, and when that file is committed
(`expected.json`, the party-building `review.csv`, the tax bureau's `tax-2025.csv`) the new bytes must
equal the committed ones: these are the golden outputs. Generators run with `--out` a temporary folder
and must write the committed files byte for byte.

Updating golden outputs is explicit, never a side effect: run the README's commands from the
repository's root (they write the committed files), or

    EVALKIT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_examples.py

which writes every output that differs to its committed file and then fails, naming the files it
rewrote (run again without the variable to see the suite pass).
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import json
import math
import os
import re
import shlex
from collections import Counter
from pathlib import Path

import pytest
import yaml

from evalkit.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FOLDERS = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
NEW = ("party-building", "tax-bureau", "civil-servants", "hvbp")  # the examples with a golden expected.json
UPDATE = os.environ.get("EVALKIT_UPDATE_GOLDEN") == "1"
# Generators whose README line is not run here, and why.
GENERATORS_ELSEWHERE = {"county-254": "tests/test_seed_example.py runs it and checks the seed's figures"}


# --------------------------------------------------------------------------------------------------
# Reading the commands


def command_lines(folder: Path) -> list[str]:
    """The shell lines of the example's README ```sh blocks (or its YAML files' `# Run it:` lines)."""
    readme = folder / "README.md"
    if readme.is_file():
        blocks = re.findall(r"```sh\n(.*?)```", readme.read_text(encoding="utf-8"), flags=re.S)
    else:
        blocks = [line for path in sorted(folder.glob("*.y*ml"))
                  for line in re.findall(r"^#\s*Run it:\s*(.+)$", path.read_text(encoding="utf-8"), flags=re.M)]
    lines = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip() and not line.strip().startswith("#"):
                lines.append(line.strip())
    return lines


def commands(folder: Path) -> list[list[str]]:
    """Each simple command as its words, with variables expanded and loops unrolled."""
    env: dict[str, str] = {}
    out: list[list[str]] = []

    def expand(text: str, extra=None) -> str:
        names = {**env, **(extra or {})}
        return re.sub(r"\$\{?(\w+)\}?", lambda m: names[m.group(1)], text)

    for line in command_lines(folder):
        if m := re.fullmatch(r"(\w+)=(\S+)", line):
            env[m.group(1)] = expand(m.group(2))
            continue
        if m := re.fullmatch(r"for (\w+) in (.+?); do (.+?); done", line):
            for value in m.group(2).split():
                for part in m.group(3).split("&&"):
                    out.append(shlex.split(expand(part, {m.group(1): value}), comments=True))
            continue
        for part in line.split("&&"):
            out.append(shlex.split(expand(part), comments=True))
    return [words for words in out if words]


def program(words: list[str]) -> str:
    return Path(words[0]).name


def is_generator(words: list[str]) -> bool:
    return program(words).startswith("python") and len(words) > 1 and words[1].endswith("generate.py")


def plugin_projects(folder: Path) -> list[Path]:
    """The plugin packages the README installs (`pip install ./plugins/NAME`)."""
    return [project for words in commands(folder) if program(words) == "pip" for project in plugin_projects_of(words[2:])]


def plugin_projects_of(targets: list[str]) -> list[Path]:
    projects = [ROOT / t for t in targets if t.lstrip("./").startswith("plugins/")]
    assert projects, f"pip install {' '.join(targets)}: only plugin packages under plugins/ are installed here"
    return projects


# --------------------------------------------------------------------------------------------------
# Running them


class Runner:
    """Runs one example's commands in a temporary folder; collects golden mismatches and updates."""

    def __init__(self, folder: Path, tmp: Path, capsys, install_plugin):
        self.folder, self.tmp, self.capsys, self.install_plugin = folder, tmp, capsys, install_plugin
        self.outputs = tmp / "outputs"  # where files meant for examples/ go
        self.mismatched: list[str] = []
        self.updated: list[str] = []
        self.before = snapshot(folder)  # the committed files, to name those an update rewrites

    def run_all(self, words_list: list[list[str]]) -> None:
        # Generators first: they write the inputs the other commands read.
        for words in sorted(words_list, key=lambda w: not is_generator(w)):
            self.run(words)

    def run(self, words: list[str]) -> None:
        prog, args = program(words), words[1:]
        shown = " ".join(words)
        if prog == "mkdir":
            assert args[:1] == ["-p"] and all(not a.startswith(("/", "..")) for a in args[1:]), shown
            for folder in args[1:]:
                Path(folder).mkdir(parents=True, exist_ok=True)
            return
        if prog == "pip":
            assert args[:1] == ["install"], shown
            for project in plugin_projects_of(args[1:]):
                self.install_plugin(project)
            return
        if prog.startswith("python") and args[:1] == ["-m"]:
            module, argv, golden = args[1], *self.redirect(args[2:])
            if module == "venv":
                return
            code = importlib.import_module(f"{module}.__main__").main(argv)
            self.finish(shown, code, argv, golden)
            return
        if is_generator(words):
            self.generate(Path(args[0]), shown)
            return
        assert prog == "evalkit", f"{self.folder.name}/README.md: a command this test cannot run: {shown}"
        argv, golden = self.redirect(args)
        self.finish(shown, main(argv), argv, golden)

    def redirect(self, args: list[str]) -> tuple[list[str], list[tuple[Path, Path]]]:
        """Absolute paths for the repository's files; outputs meant for examples/ go to a temporary copy."""
        argv, golden = [], []
        for i, word in enumerate(args):
            if word.startswith(("examples/", "plugins/")):
                target = ROOT / word
                if i > 0 and args[i - 1] in ("-o", "--output") and not UPDATE:
                    copy = self.outputs / word
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    golden.append((copy, target))
                    target = copy
                elif i > 0 and args[i - 1] in ("-o", "--output"):
                    golden.append((target, target))
                word = str(target)
            argv.append(word)
        return argv, golden

    def finish(self, shown: str, code: int, argv: list[str], golden: list[tuple[Path, Path]]) -> None:
        out, err = self.capsys.readouterr()
        assert code == 0, f"`{shown}` exited {code}:\n{err}"
        assert "Traceback" not in out + err and "internal error" not in err, err
        files = [Path(argv[i + 1]) for i, word in enumerate(argv[:-1]) if word in ("-o", "--output")]
        assert out.strip() or (files and all(p.is_file() for p in files)), f"`{shown}` printed and wrote nothing"
        for written, committed in golden:
            self.compare(written, committed)

    def compare(self, written: Path, committed: Path) -> None:
        name = str(committed.relative_to(ROOT))
        if UPDATE:
            if written != committed:
                committed.parent.mkdir(parents=True, exist_ok=True)
                committed.write_bytes(written.read_bytes())
            if self.before.get(name) != committed.read_bytes():
                self.updated.append(name)
        elif not committed.is_file() or committed.read_bytes() != written.read_bytes():
            self.mismatched.append(name)

    def generate(self, script: Path, shown: str) -> None:
        name = script.parent.name
        if name in GENERATORS_ELSEWHERE:
            return
        spec = importlib.util.spec_from_file_location(f"example_generator_{name.replace('-', '_')}", ROOT / script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out = (ROOT / script).parent if UPDATE else self.tmp / "generated" / name
        code = module.main(["--out", str(out)])
        self.capsys.readouterr()
        assert code == 0, f"`{shown}` exited {code}"
        written = sorted(p for p in out.rglob("*") if p.is_file())
        assert written, f"`{shown}` wrote nothing"
        for path in written:
            self.compare(path, (ROOT / script).parent / path.relative_to(out))



def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(ROOT)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def runner(tmp_path, capsys, install_plugin, monkeypatch):
    monkeypatch.delenv("EVALKIT_STORE", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    return lambda name: Runner(EXAMPLES / name, tmp_path, capsys, install_plugin)


def report(r: Runner) -> None:
    if r.updated:
        pytest.fail("EVALKIT_UPDATE_GOLDEN=1 rewrote " + ", ".join(r.updated) + "; run again without it to check")
    assert not r.mismatched, (
        "committed outputs differ from what the README's commands write now: " + ", ".join(r.mismatched)
        + " (if the change is intended, regenerate with the README's commands or EVALKIT_UPDATE_GOLDEN=1)")


# --------------------------------------------------------------------------------------------------
# The tests


def test_the_examples_are_all_here():
    assert set(NEW) <= set(FOLDERS)
    assert {"quickstart", "county-254", "reviews", "targets", "ahp"} <= set(FOLDERS)


@pytest.mark.parametrize("name", FOLDERS)
def test_every_example_shows_commands_this_test_can_run(name):
    words_list = commands(EXAMPLES / name)
    assert any(program(w) == "evalkit" for w in words_list), f"examples/{name}: no evalkit command to run"
    for words in words_list:
        assert program(words) in ("evalkit", "pip", "mkdir") or program(words).startswith("python"), " ".join(words)


@pytest.mark.parametrize("name", FOLDERS)
def test_readme_commands_work_as_written_and_write_only_into_ignored_or_committed_places(name):
    """After the top README's set-up, `evalkit` is .venv/bin/evalkit (it is not on the PATH), and a command
    writes either a committed golden file under examples/ or into scratch/, which .gitignore covers."""
    ignored = [line.strip() for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()]
    assert "scratch/" in ignored
    for words in commands(EXAMPLES / name):
        shown = " ".join(words)
        if program(words) in ("evalkit", "pip") or program(words).startswith("python"):
            assert words[0].startswith(".venv/bin/"), f"examples/{name}/README.md: {shown}"
        for i, word in enumerate(words[:-1]):
            if word in ("-o", "--output", "--store"):
                target = words[i + 1]
                assert target.startswith(("examples/", "scratch/")), f"examples/{name}/README.md writes {target}: {shown}"


def scorecards(folder: Path) -> list[Path]:
    """The folder's scorecards: YAML or JSON definitions with a tree of dimensions."""
    found = []
    for path in sorted(folder.iterdir()):
        if path.suffix in (".yaml", ".yml", ".json") and path.name != "expected.json":
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            if isinstance(document, dict) and "dimensions" in document:
                found.append(path)
    return found


@pytest.mark.parametrize("name", [n for n in FOLDERS if scorecards(EXAMPLES / n)])
def test_every_scorecard_validates(name, install_plugin, capsys):
    for project in plugin_projects(EXAMPLES / name):
        install_plugin(project)
    for path in scorecards(EXAMPLES / name):
        code = main(["validate", str(path)])
        out, err = capsys.readouterr()
        assert code == 0, f"{path.relative_to(ROOT)}:\n{err}"
        assert "valid" in out


@pytest.mark.parametrize("name", FOLDERS)
def test_readme_commands_run_and_reproduce_the_committed_outputs(name, runner):
    r = runner(name)
    r.run_all(commands(EXAMPLES / name))
    report(r)


def golden_command(name: str) -> list[str]:
    [words] = [w for w in commands(EXAMPLES / name)
               if program(w) == "evalkit" and w[1] == "run" and f"examples/{name}/expected.json" in w]
    return words


@pytest.mark.parametrize("name", NEW)
def test_golden_json(name, runner):
    """`evalkit run ... --format json` equals the committed expected.json byte for byte."""
    words = golden_command(name)
    assert words[words.index("--format") + 1] == "json"
    assert words[words.index("-o") + 1] == f"examples/{name}/expected.json"
    r = runner(name)
    r.run_all([w for w in commands(EXAMPLES / name) if program(w) == "pip"] + [words])
    report(r)


# --------------------------------------------------------------------------------------------------
# What each new example is there to show, read from its golden output


def expected(name: str) -> dict:
    return json.loads((EXAMPLES / name / "expected.json").read_text(encoding="utf-8"))


def units_file(name: str) -> dict[str, dict]:
    with open(EXAMPLES / name / "units.csv", encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def test_party_building_is_a_balanced_scorecard_with_review_adjustments_and_quota():
    result = expected("party-building")
    units = result["units"]
    assert len(units) == 254
    assert [d["name"]["zh"] for d in result["dimensions"] if d["level"] == 1] == ["政治方向", "服务群众", "内部流程", "学习成长"]
    assert {"党委部门", "政府部门", "群团组织", "事业单位"} <= {u["type"] for u in units}
    assert not any(u["name"].isascii() for u in units)  # Chinese names
    # The review's CSV is the second data file: every unit has a review score.
    assert all(u["items"]["review"]["value"] is not None for u in units)
    # Grades, the 20 % quota per unit type (half up), and who was moved by it.
    assert set(Counter(u["grade"] for u in units)) == {"good", "fairly_good", "average", "poor"}
    size = Counter(u["type"] for u in units)
    good = Counter(u["type"] for u in units if u["grade"] == "good")
    assert all(good[t] <= math.floor(0.2 * size[t] + 0.5) for t in size)
    moved = [u for u in units if any(c["by"] == "quota" for c in u["grade_changes"])]
    assert moved and all(u["grade_from_bands"] == "good" and u["grade"] == "fairly_good" for u in moved)
    # Bonus, deductions and vetoes, each with its evidence; vetoes with their authority.
    by_id = {u["id"]: u for u in units}
    assert any(u["bonus"] > 0 for u in units) and any(u["deduction"] > 0 for u in units)
    assert by_id["DZ132"]["grade"] == "average" and by_id["DZ132"]["grade_from_bands"] == "good"
    vetoes = [v for u in units for v in u["vetoes"]]
    assert len(vetoes) == 3 and all(rec["authority"] and rec["evidence"] for v in vetoes for rec in v["records"])
    assert not all(u["honours_eligible"] for u in units)


def test_tax_bureau_uses_the_plugin_indicators_without_declaring_them(install_plugin, capsys):
    card = yaml.safe_load((EXAMPLES / "tax-bureau" / "scorecard.yaml").read_text(encoding="utf-8"))
    declared = {i["id"] for i in card.get("indicators", [])}
    result = expected("tax-bureau")
    used = {i["indicator"] for i in result["items"]}
    plugin = {"tax_revenue_plan_completion", "tax_forecast_accuracy", "tax_arrears_change", "tax_enforcement_errors"}
    assert plugin <= used
    assert not any(i.startswith("tax_") for i in declared)
    assert "forecast_accuracy" in {i["rule"] for i in result["items"]}
    # Without the plugin the scorecard is refused, naming its rule.
    install_plugin(ROOT / "plugins" / "evalkit-tax")
    assert main(["validate", str(EXAMPLES / "tax-bureau" / "scorecard.yaml"), "--block", "tax"]) == 2
    assert "forecast_accuracy" in capsys.readouterr().err


def test_civil_servants_quota_is_counted_per_department():
    result = expected("civil-servants")
    people = units_file("civil-servants")
    staff = Counter(p["部门"] for p in people.values())
    excellent = Counter(people[u["id"]]["部门"] for u in result["units"] if u["grade"] == "excellent")
    assert all(excellent[d] <= math.floor(0.2 * staff[d]) for d in staff)
    assert {u["grade"] for u in result["units"]} == {"excellent", "competent", "basically_competent", "not_competent"}
    by_id = {u["id"]: u for u in result["units"]}
    # The README's cases: GWY010 pushed down by the quota; GWY046 and GWY047 tied at the cut, both moved.
    for pid in ("GWY010", "GWY046", "GWY047"):
        assert [c["by"] for c in by_id[pid]["grade_changes"]] == ["quota"] and by_id[pid]["grade"] == "competent"
    assert by_id["GWY046"]["total"] == by_id["GWY047"]["total"]
    assert excellent["县财政局"] == math.floor(0.2 * staff["县财政局"]) - 1


def test_civil_servants_explain_gives_the_quota_as_the_reason(capsys):
    words = next(w for w in commands(EXAMPLES / "civil-servants") if w[1:2] == ["explain"] and w[-1] == "GWY010")
    assert main([str(ROOT / w) if w.startswith("examples/") else w for w in words[1:]]) == 0
    out = capsys.readouterr().out
    assert "名额限制：部门「县委办公室」 共 14 个，优秀 不超过 20%，即 2 个名额" in out and "等次 称职" in out


def test_hvbp_scores_against_a_baseline_in_the_same_file():
    card = yaml.safe_load((EXAMPLES / "hvbp" / "scorecard.yaml").read_text(encoding="utf-8"))
    result = expected("hvbp")
    rows = csv.DictReader((EXAMPLES / "hvbp" / "data.csv").read_text(encoding="utf-8").splitlines())
    periods = {row["period"] for row in rows}
    assert periods == {"2024", "2025"} and result["scorecard"]["period"] == "2025"
    assert {i["rule"] for i in result["items"]} == {"achievement_improvement"}
    assert all(i["params"]["baseline_period"] == "2024" for i in result["items"])
    assert "lower" in {i["direction"] for i in card["indicators"]}
    # HVBP points are whole numbers 0-10 per measure, x 2 here.
    assert all(item["points"] in range(0, 21, 2) for u in result["units"] for item in u["items"].values())
