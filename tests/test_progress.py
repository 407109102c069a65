"""The progress bar appears only for runs that take longer than a second, and only on a terminal."""

import io
from pathlib import Path

from rich.console import Console

import evalkit
from evalkit.cli.common import LazyProgress


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_short_runs_print_nothing_and_long_runs_show_the_items():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80)
    clock = Clock()
    with LazyProgress("reading", console=console, clock=clock) as progress:
        progress.stage("scoring")
        progress.update(1, 50)
        assert progress.bar is None  # under a second: no bar
        clock.now = 1.5
        progress.update(2, 50)
        assert progress.bar is not None and progress.bar.tasks[0].completed == 2
        assert progress.bar.tasks[0].total == 50 and progress.bar.tasks[0].description == "scoring"
    assert progress.bar.finished or not progress.bar.live.is_started


def test_disabled_when_not_a_terminal():
    clock = Clock()
    clock.now = 10
    progress = LazyProgress("reading", enabled=False, clock=clock)
    progress.update(1, 2)
    assert progress.bar is None


def test_evaluate_reports_each_item(quickstart):
    seen = []
    sc = evalkit.load_scorecard(quickstart[0])
    evalkit.evaluate(sc, {"meetings_rate": {"U01": 90}}, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(k, 6) for k in range(1, 7)]


def test_writing_the_file_is_a_stage_and_the_bar_is_gone_before_wrote(tmp_path, capsys):
    import argparse

    from evalkit.cli.common import emit

    out = io.StringIO()
    clock = Clock()
    progress = LazyProgress("reading", console=Console(file=out, force_terminal=True, width=80), clock=clock)
    clock.now = 2.0
    progress.update(1, 2)
    assert progress.bar is not None
    target = tmp_path / "r.txt"
    emit(argparse.Namespace(output=str(target)), "x\n", "1 unit", progress)
    assert progress.bar.tasks[0].description == "写出文件 writing"
    assert not progress.bar.live.is_started and not progress.enabled  # stopped before "wrote" is printed
    assert target.read_text() == "x\n" and capsys.readouterr().err == f"wrote {target} (1 unit)\n"
    progress.update(2, 2)  # nothing is drawn after the bar stopped
    assert not progress.bar.live.is_started


def _big_csv(tmp_path, n):
    units = tmp_path / "units.csv"
    units.write_text("id,name\n" + "".join(f"U{i:06d},单位{i}\n" for i in range(n)), encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text("unit,indicator,period,value\n" + "".join(f"U{i:06d},meetings_rate,2025,{i % 100}\n" for i in range(n)),
                    encoding="utf-8")
    return units, data


def test_reading_a_large_csv_reports_rows_to_the_bar(tmp_path):
    """Issue 18: reading took about 10 s with nothing on screen; the CSV loader now counts rows read."""
    from evalkit.io.csv_loader import read_csv
    from evalkit.io.progress import EVERY, reading_progress

    _, data = _big_csv(tmp_path, 25_000)
    out = io.StringIO()
    clock = Clock()
    clock.now = 5.0  # the run has already taken longer than the bar's delay
    progress = LazyProgress("reading", console=Console(file=out, force_terminal=True, width=80), clock=clock)
    progress.started = 0.0
    seen = []
    with progress, reading_progress(lambda done, total: (seen.append((done, total)), progress.update(done, total))):
        table = read_csv(data)
    assert len(table.rows) == 25_000
    assert [d for d, _ in seen] == [EVERY, 2 * EVERY, 25_001]  # the header row is a record too
    assert all(total == 25_001 for _, total in seen)
    assert progress.bar is not None and progress.bar.tasks[0].completed == 25_001


def test_reading_an_xlsx_reports_rows(tmp_path):
    import openpyxl

    from evalkit.io.progress import reading_progress
    from evalkit.io.xlsx_loader import read_xlsx

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["unit", "indicator", "value"])
    for i in range(12_000):
        sheet.append([f"U{i}", "x", i])
    path = tmp_path / "d.xlsx"
    book.save(path)
    seen = []
    with reading_progress(lambda done, total: seen.append((done, total))):
        read_xlsx(path)
    assert seen[0] == (10_000, 12_001) and seen[-1] == (12_001, 12_001)


def test_nothing_is_reported_without_a_listener_and_nothing_printed_off_a_terminal(tmp_path, capsys):
    from evalkit.cli import main
    from evalkit.io.progress import listening

    assert listening() is None
    units, data = _big_csv(tmp_path, 20_000)
    scorecard = Path(__file__).resolve().parent.parent / "examples" / "quickstart" / "scorecard.yaml"
    assert main(["run", str(scorecard), "--data", str(data), "--units", str(units), "--format", "json",
          "-o", str(tmp_path / "r.json")]) == 0
    err = capsys.readouterr().err
    assert "读取数据" not in err and "\r" not in err and "\x1b" not in err  # stderr is not a terminal here
