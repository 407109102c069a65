"""What every subcommand shares: the input options, output checks, atomic output, rich tables as text.

Commands that score a scorecard take the same inputs (SCORECARD --data FILE... --units FILE
--period P --adjustments FILE); all commands that write take `-o FILE`, which must be writable and
must not be one of the inputs (evalkit never overwrites its inputs), and is written atomically.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import shutil
import sys
from collections.abc import Iterable

from evalkit.errors import UsageError


def number_in(low: float, high: float, open_low: bool = False, open_high: bool = False, allow_inf: bool = False):
    """An argparse type: a number in [low, high] (or open at either end); a bad one is a usage error."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        ok = (not math.isnan(value)) and (allow_inf or math.isfinite(value))
        ok = ok and (value > low if open_low else value >= low) and (value < high if open_high else value <= high)
        if not ok:
            if math.isinf(high):
                wanted = f"a number {'>' if open_low else '>='} {low:g}"
            else:
                wanted = f"a number in {'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
            raise argparse.ArgumentTypeError(f"expected {wanted}, found {text!r}")
        return value

    return parse


def whole_number_in(low: int, high: float = math.inf):
    """An argparse type: a whole number from `low` to `high`."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            wanted = f">= {low}" if math.isinf(high) else f"from {low} to {high}"
            raise argparse.ArgumentTypeError(f"expected a whole number {wanted}, found {text!r}")
        return value

    return parse


def input_options(parser: argparse.ArgumentParser) -> None:
    """SCORECARD, --data (repeatable), --units, --period, --adjustments."""
    parser.add_argument("scorecard", metavar="SCORECARD",
                        help="scorecard file (.yaml or .json), or a folder of scorecard versions: the one whose "
                             "effective periods cover --period is used")
    parser.add_argument("--data", action="append", metavar="FILE",
                        help="values in long format (.csv, .xlsx or .json); repeat for several files")
    parser.add_argument("--records", action="append", metavar="NAME=FOLDER",
                        help="a department's raw records, computed by the plugin source NAME (see `evalkit plugins`); "
                             "repeatable, and combines with --data")
    parser.add_argument("--units", required=True, metavar="FILE", help="units file: id, name, type, parent")
    parser.add_argument("--period", metavar="P", help="the period to score (default: the scorecard's)")
    parser.add_argument("--adjustments", metavar="FILE",
                        help="bonus, deduction and veto records: unit, item, points, reason, evidence, authority")


def input_files(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(option, file) for every input of the input options (to keep -o off them)."""
    data = getattr(args, "data", None) or []
    named = [("SCORECARD", getattr(args, "scorecard", None)), ("--units", getattr(args, "units", None)),
             ("--adjustments", getattr(args, "adjustments", None))]
    named += [("--data", d) for d in ([data] if isinstance(data, str) else data)]
    named += [("--records", text.partition("=")[2]) for text in getattr(args, "records", None) or []]
    return [(option, name) for option, name in named if isinstance(name, str) and name]


def load_inputs(args: argparse.Namespace, registry):
    """The scorecard (its warnings printed), the units, the data of the chosen period, the adjustment records."""
    from pathlib import Path

    from evalkit import load_scorecard
    from evalkit.definition.scorecard import scorecard_in_force
    from evalkit.io.inputs import load_units, read_table
    from evalkit.scoring.adjustments import read_adjustments

    if Path(args.scorecard).is_dir():
        scorecard = scorecard_in_force(args.scorecard, args.period, registry)
    else:
        scorecard = load_scorecard(args.scorecard, registry)
    for warning in scorecard.warnings:
        print(f"evalkit: warning: {warning}", file=sys.stderr)
    units = load_units(args.units, registry)
    data = _data(args, registry, scorecard, units)
    records = ()
    if getattr(args, "adjustments", None):
        records = read_adjustments(read_table(args.adjustments, registry), units.ids, scorecard)
    return scorecard, units, data, records


def _data(args: argparse.Namespace, registry, scorecard, units):
    """The --data files and the --records sources' values, read as one data set."""
    from evalkit.io.inputs import load_data, merge_data
    from evalkit.io.sources import parse_records_option, read_source

    sources = [parse_records_option(text) for text in getattr(args, "records", None) or []]
    if not args.data and not sources:
        raise UsageError("give the values: --data FILE (long format) or --records NAME=FOLDER (a plugin's records)")
    period = str(args.period) if args.period else scorecard.period
    sets = [(", ".join(args.data), load_data(args.data, units, scorecard, period=period))] if args.data else []
    sets += [(f"--records {name}={folder}", read_source(registry, name, folder, units, period)) for name, folder in sources]
    return sets[0][1] if len(sets) == 1 else merge_data(sets)


def evaluate_files(args: argparse.Namespace, registry=None):
    """Score the files named by the input options, with a progress bar on a terminal if it takes a while."""
    from evalkit import evaluate
    from evalkit.cli import registry_from

    registry = registry if registry is not None else registry_from(args)
    with LazyProgress("读取数据 reading", enabled=sys.stderr.isatty()) as progress:
        scorecard, _units, data, records = load_inputs(args, registry)
        progress.stage("计分 scoring")
        return evaluate(scorecard, data, adjustments=records, progress=progress.update)


class LazyProgress:
    """A progress bar on stderr that appears only once a run has taken longer than `delay` seconds.

    Short runs print nothing extra; long ones show the stage and the items scored. The bar is
    transient: it disappears when the work is done, so the results table stays clean.
    """

    def __init__(self, stage: str, enabled: bool = True, delay: float = 1.0, console=None, clock=None):
        import time

        self.enabled, self.delay, self.console = enabled, delay, console
        self.clock = clock or time.monotonic
        self.started = self.clock()
        self.description, self.done, self.total = stage, 0, None
        self.bar = None
        self.task = None

    def __enter__(self) -> LazyProgress:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()

    def stage(self, description: str) -> None:
        self.description, self.done, self.total = description, 0, None
        self._refresh()

    def update(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self._refresh()

    def _refresh(self) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if self.clock() - self.started < self.delay:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                console=self.console or Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=self.total)
        self.bar.update(self.task, description=self.description, completed=self.done, total=self.total)


def default_lang(scorecard) -> str:
    """Chinese when the scorecard's name is Chinese, English otherwise."""
    return "zh" if scorecard.name.zh and not scorecard.name.zh.isascii() else "en"


def check_output(args: argparse.Namespace, inputs: Iterable[str | None] = ()) -> None:
    """Before any work: -o must be writable and must not be one of the inputs."""
    from evalkit.io.output import check_writable

    output = getattr(args, "output", None)
    if not output:
        return
    check_writable(output)
    for option, given in [*(("an input", n) for n in _flat(inputs)), *input_files(args)]:
        if not given:
            continue
        try:
            same = os.path.samefile(output, given)
        except OSError:
            same = False  # the output does not exist yet, or the input is missing (reported later)
        if same:
            what = "one of the input files" if option == "an input" else f"the {option} file"
            raise UsageError(f"-o {output} is {what} ({given}); evalkit never overwrites its inputs "
                             "(choose another output file)")


def _flat(names: Iterable) -> list:
    out = []
    for name in names:
        out.extend(name if isinstance(name, (list, tuple)) else [name])
    return out


def emit(args: argparse.Namespace, content: str | bytes, what: str) -> None:
    """Write to -o atomically (saying so on stderr), or to standard output."""
    from evalkit.io.output import write_atomic

    output = getattr(args, "output", None)
    if output:
        write_atomic(output, content)
        print(f"wrote {output} ({what})", file=sys.stderr)
    elif isinstance(content, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
    else:
        sys.stdout.write(content)


def render(args: argparse.Namespace, *renderables) -> str:
    """Rich tables as text: sized for the terminal, with colour, there; 200 columns, plain, elsewhere."""
    from rich.console import Console

    buffer = io.StringIO()
    color = not getattr(args, "output", None) and sys.stdout.isatty()
    width = shutil.get_terminal_size().columns if color else 200
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width,
                      color_system="standard" if color else None)
    for renderable in renderables:
        console.print(renderable)
    text = buffer.getvalue()
    return text if color else "".join(line.rstrip() + "\n" for line in text.splitlines())
