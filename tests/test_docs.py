"""The user documentation keeps up with the code: every example in docs/*.md runs as shown.

For every page under docs/ (docs/plugins.md excepted: tests/test_plugin_docs.py runs its examples, which
are plugins and plugin tests rather than scripts):

- each ```python block is executed with the repository root as working directory; the blocks of one
  page share one namespace, in order, as a reader typing them into one session would;
- each ```console block is a list of commands, lines starting with ``$ evalkit ...``, each followed by
  the lines of output it shows. The command is run with the virtual environment's `evalkit` (cwd: the
  repository root; no shell). It must exit 0, or N when the command line ends with ``# exit N``; every
  output line shown must appear in what the command printed (stdout and stderr; runs of spaces count as
  one; a line ``...`` stands for lines left out). A file a command writes with ``-o``/``--output``, or a
  ``--store`` that is not a file of the repository, goes to a temporary folder of the page, and a later
  command of the page that names it reads it there.
- ```text, ```yaml, ```csv and ```sh blocks are shown only.

Every page must have at least one example that runs.
"""

from __future__ import annotations

import os
import re
import runpy
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EVALKIT = Path(sys.executable).with_name("evalkit")
SKIP = {"plugins.md"}  # tests/test_plugin_docs.py runs its examples
PAGES = sorted(p for p in DOCS.glob("*.md") if p.name not in SKIP)
OUTPUTS = {"-o", "--output"}
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)


def blocks(page: Path) -> list[tuple[str, str, int]]:
    """(language, body, line number of the fence) of every fenced block of the page."""
    text = page.read_text(encoding="utf-8")
    return [(m.group(1), m.group(2), text[: m.start()].count("\n") + 1) for m in FENCE.finditer(text)]


def commands(body: str) -> list[tuple[str, list[str]]]:
    """The ``$ evalkit ...`` lines of a console block, each with the output lines shown after it."""
    found: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        elif found and line.strip() and line.strip() != "...":
            found[-1][1].append(line)
    return found


def squeeze(text: str) -> str:
    return " ".join(text.split())


def run_command(line: str, outputs: dict[str, Path], folder: Path) -> tuple[subprocess.CompletedProcess, int]:
    match = re.search(r"#\s*exit\s+(\d+)\s*$", line)
    expected = int(match.group(1)) if match else 0
    words = shlex.split(line, comments=True)
    assert words and words[0] == "evalkit", f"a console command must start with 'evalkit': {line!r}"
    assert not set(words) & {">", ">>", "|", "&&", ";"}, f"no shell syntax in a console command: {line!r}"
    argv = [str(EVALKIT)]
    for k, word in enumerate(words[1:], start=1):
        if words[k - 1] in OUTPUTS or (words[k - 1] == "--store" and word not in outputs and not (ROOT / word).exists()):
            outputs[word] = folder / Path(word).name
        argv.append(str(outputs.get(word, word)))
    env = {k: v for k, v in os.environ.items() if k != "EVALKIT_STORE"}
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, encoding="utf-8", env=env, timeout=60)
    return done, expected


def examples(page: Path) -> list[tuple[str, str, int]]:
    return [(lang, body, line) for lang, body, line in blocks(page)
            if lang == "python" or (lang == "console" and commands(body))]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_page_has_a_running_example(page):
    assert examples(page), f"{page.name} has no ```python block and no ```console block with '$ evalkit' commands"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_the_examples_of_the_page_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    outputs: dict[str, Path] = {}
    for lang, body, line in examples(page):
        where = f"docs/{page.name}, the block at line {line}"
        if lang == "python":
            script = tmp_path / f"{page.stem}_line_{line}.py"
            script.write_text(body, encoding="utf-8")
            namespace = runpy.run_path(str(script), init_globals=namespace, run_name="__main__")
            continue
        for command, shown in commands(body):
            done, expected = run_command(command, outputs, tmp_path)
            printed = done.stdout + done.stderr
            assert done.returncode == expected, (f"{where}: `{command}` exited {done.returncode}, "
                                                 f"expected {expected}\n{printed[-3000:]}")
            lines = [squeeze(x) for x in printed.splitlines()]
            missing = [s for s in shown if not any(squeeze(s) in x for x in lines)]
            assert not missing, f"{where}: `{command}` did not print {missing}\nit printed:\n{printed[-3000:]}"


def test_every_page_is_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [p.name for p in DOCS.glob("*.md") if f"docs/{p.name}" not in readme] == []
