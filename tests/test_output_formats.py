"""Every command that writes output takes `-o FILE`, `--format` and `--lang` alike (evalkit.cli.formats).

`-o x.json` without `--format` writes JSON, `-o x.xlsx` an Excel workbook and `-o x.html` an HTML page
where the command writes those formats; an extension the command cannot write is a usage error (64)
instead of a text table in a file named .xlsx; `--format text` is `--format table`; a binary format to a
terminal is refused (64).
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest

from evalkit.cli import main

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
Q = EX / "quickstart"
QUICK = [Q / "scorecard.yaml", "--data", Q / "data.csv", "--units", Q / "units.csv", "--adjustments", Q / "adjustments.csv"]
T = EX / "targets"
TARGETS = [T / "scorecard.yaml", "--data", T / "data.csv", "--units", T / "units.csv"]
AHP = EX / "ahp"


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    return code, out, err


def store(tmp_path: Path, capsys) -> Path:
    db = tmp_path / "history.db"
    for period in ("2024", "2025"):
        assert run(capsys, "run", *TARGETS, "--period", period, "--store", db, "-o", tmp_path / f"{period}.json")[0] == 0
    return db


# Every command that writes output, with arguments that work, and the formats it writes.
COMMANDS: dict[str, tuple[list, tuple[str, ...]]] = {
    "run": (["run", *QUICK], ("json", "xlsx", "html", "csv", "markdown")),
    "explain": (["explain", *QUICK, "U12"], ("json",)),
    "sensitivity": (["sensitivity", *QUICK, "--samples", "20"], ("json",)),
    "ahp": (["ahp", AHP / "criteria.yaml"], ("json",)),
    "rank": (["rank", AHP / "units_matrix.csv", "--method", "topsis", "--weights-file", AHP / "criteria.yaml"], ("json", "csv")),
    "fuzzy": (["fuzzy", AHP / "fuzzy_ballots.csv", "--weights-file", AHP / "criteria.yaml"], ("json", "csv")),
    "delphi": (["delphi", AHP / "delphi_round1.csv", "--full-mark", "5"], ("json", "csv")),
    "review": (["review", EX / "reviews" / "review.yaml", "--ballots", EX / "reviews" / "ballots.csv", "--units",
                Q / "units.csv"], ("json", "csv")),
    "rollup": (["rollup", ROOT / "docs" / "examples" / "rollup" / "annual.yaml"], ("json", "csv")),
    "benchmarks": (["benchmarks", *TARGETS], ("json", "csv")),
    "targets": (["targets", *TARGETS, "--plan", T / "plan.yaml"], ("json", "csv")),
    "compare": (["compare", *TARGETS, "--periods", "2024", "2025"], ("json",)),
    "rules": (["rules"], ("json",)),
    "plugins": (["plugins"], ("json",)),
    "history": (["history", "--store", "{store}"], ("json", "csv")),
}
EXTENSION = {"json": "json", "xlsx": "xlsx", "html": "html", "csv": "csv", "markdown": "md"}


def argv_of(name: str, tmp_path: Path, capsys) -> list:
    argv = list(COMMANDS[name][0])
    if "{store}" in argv:
        argv[argv.index("{store}")] = store(tmp_path, capsys)
    return argv


def looks_like(path: Path, fmt: str) -> None:
    data = path.read_bytes()
    if fmt == "json":
        json.loads(data)
    elif fmt == "xlsx":
        assert zipfile.ZipFile(path).namelist()[0] and "xl/workbook.xml" in zipfile.ZipFile(path).namelist()
    elif fmt == "html":
        assert data.lstrip().lower().startswith(b"<!doctype html")
    elif fmt == "csv":
        first = data.decode("utf-8-sig").splitlines()[0]
        assert "," in first and "─" not in first and not first.startswith(("{", "["))
    elif fmt == "markdown":
        assert b"| " in data and b"---" in data


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_o_picks_the_format_from_the_extension(tmp_path, capsys, name):
    argv = argv_of(name, tmp_path, capsys)
    writes = COMMANDS[name][1]
    for fmt in writes:
        path = tmp_path / f"x.{EXTENSION[fmt]}"
        code, out, err = run(capsys, *argv, "-o", path)
        assert code == 0, err
        assert out == "" and f"wrote {path}" in err and f"format {fmt}" in err
        looks_like(path, fmt)
    for fmt in ("xlsx", "html"):  # formats the command cannot write: refused, nothing written
        if fmt in writes:
            continue
        path = tmp_path / f"y.{EXTENSION[fmt]}"
        code, _out, err = run(capsys, *argv, "-o", path)
        assert code == 64 and not path.exists()
        assert err.startswith(f"evalkit: usage error: evalkit {name}: -o {path}: evalkit {name} cannot write {fmt}")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_the_same_output_options(tmp_path, capsys, name):
    argv = argv_of(name, tmp_path, capsys)
    code, table, _ = run(capsys, *argv, "--format", "table", "--lang", "en")
    assert code == 0
    code, text, _ = run(capsys, *argv, "--format", "text", "--lang", "en")
    assert code == 0 and text == table  # text is another name for table
    path = tmp_path / "out.txt"
    code, out, err = run(capsys, *argv, "--format", "json", "-o", path)
    assert code == 0 and out == "" and "format json" in err
    json.loads(path.read_text(encoding="utf-8"))


def test_explicit_format_wins_over_the_extension(tmp_path, capsys):
    path = tmp_path / "results.txt"
    assert run(capsys, "run", *QUICK, "--format", "json", "-o", path)[0] == 0
    assert json.loads(path.read_text(encoding="utf-8"))["units"]


def test_binary_format_to_a_terminal_is_refused(capsys, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, err = run(capsys, "run", *QUICK, "--format", "xlsx")
    assert code == 64 and out == ""
    assert "evalkit run: --format xlsx is a binary format and standard output is a terminal" in err


def test_history_shows_grade_labels_in_the_chosen_language(tmp_path, capsys):
    db = store(tmp_path, capsys)  # examples/targets: grades good / fair / poor ..., labelled 好 / 一般 / 较差
    code, out, _ = run(capsys, "history", "--store", db, "--unit", "B07")
    assert code == 0 and "等次" in out and "较差" in out and "poor" not in out
    code, out, _ = run(capsys, "history", "--store", db, "--unit", "B07", "--lang", "en")
    assert code == 0 and "Grade" in out and "Poor" in out and "较差" not in out


@pytest.mark.parametrize("name", ["explain", "run", "compare", "history"])
def test_errors_name_the_command(tmp_path, capsys, name):
    argv = argv_of(name, tmp_path, capsys)
    code, _out, err = run(capsys, *argv, "--bogus")
    assert code == 64
    assert err == f"evalkit: usage error: evalkit {name}: unrecognized arguments: --bogus (see evalkit {name} --help)\n"
