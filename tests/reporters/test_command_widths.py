"""Every command's human table fits the terminal width it is printed in (issue 18's bar: COLUMNS=80, 100
and 120): no line wider, nothing cut with "…", and every decimal number the command prints at a width of
200 is printed whole at the narrower width too (a number is never truncated or wrapped)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from evalkit.cli import main

ROOT = Path(__file__).resolve().parents[2]
E = ROOT / "examples"
T, Q, C = E / "targets", E / "quickstart", E / "county-254"
DECIMAL = re.compile(r"(?<![\w.])-?\d+\.\d+%?(?![\w.])")


def _files(folder: Path) -> list[str]:
    return [str(folder / "scorecard.yaml"), "--data", str(folder / "data.csv"), "--units", str(folder / "units.csv")]


COMMANDS = {
    "compare": ["compare", *_files(C), "--periods", "2024", "2025", "--marked", "score:5"],
    "benchmarks": ["benchmarks", *_files(T), "--peer-group", "type", "--standards", str(T / "standards.csv")],
    "targets": ["targets", *_files(T), "--plan", str(T / "plan.yaml"), "--targets", str(T / "targets.csv")],
    "review": ["review", str(E / "reviews" / "review.yaml"), "--ballots", str(E / "reviews" / "ballots.csv"),
               "--units", str(Q / "units.csv")],
    "sensitivity": ["sensitivity", *_files(Q)],
}


def printed(capsys, monkeypatch, argv: list[str], columns: int) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(argv) == 0, argv
    return capsys.readouterr().out


def check(text: str, wide: str, columns: int) -> None:
    lines = text.splitlines()
    assert all(cell_len(line) <= columns for line in lines), max(lines, key=cell_len)
    assert "…" not in text and "\x1b" not in text
    missing = set(DECIMAL.findall(wide)) - set(DECIMAL.findall(text))
    assert not missing, sorted(missing)[:10]


@pytest.mark.parametrize("columns", [80, 100, 120])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_tables_fit(capsys, monkeypatch, command, columns):
    argv = COMMANDS[command]
    wide = printed(capsys, monkeypatch, argv, 200)
    assert DECIMAL.search(wide), "the command prints numbers"
    check(printed(capsys, monkeypatch, argv, columns), wide, columns)


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_history_tables_fit(capsys, monkeypatch, tmp_path, columns):
    store = str(tmp_path / "history.db")
    for period in ("2023", "2024", "2025"):
        assert main(["run", *_files(T), "--period", period, "--store", store, "--format", "json",
                     "-o", str(tmp_path / f"{period}.json")]) == 0
    capsys.readouterr()
    for argv in (["history", "--store", store], ["history", "--store", store, "--unit", "B07"]):
        wide = printed(capsys, monkeypatch, argv, 200)
        check(printed(capsys, monkeypatch, argv, columns), wide, columns)
