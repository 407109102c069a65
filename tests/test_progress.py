"""The progress bar appears only for runs that take longer than a second, and only on a terminal."""

import io

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
