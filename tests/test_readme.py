"""The README's promises: its Python snippets run, its commands exist, and CI runs its test command."""

import re
import runpy
import shlex

import pytest

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_snippets_run(index, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    script = tmp_path / f"snippet_{index}.py"
    script.write_text(blocks("python")[index], encoding="utf-8")
    runpy.run_path(str(script), run_name="__main__")


def test_ci_runs_the_readme_test_command():
    test_command = next(line for block in blocks("sh") for line in block.splitlines() if "pytest" in line)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.strip() in ci


def test_example_command_points_at_files_that_exist():
    run_line = next(line for block in blocks("sh") for line in block.splitlines() if "evalkit run" in line)
    words = shlex.split(run_line.split("evalkit run", 1)[1])
    paths = [w for w in words if "/" in w]
    assert paths and all((ROOT / p).is_file() for p in paths)


def test_the_tutorial_scorecard_is_valid():
    import yaml

    import evalkit

    card = yaml.safe_load(blocks("yaml")[0])
    assert evalkit.validate(card, evalkit.default_registry()) == []
