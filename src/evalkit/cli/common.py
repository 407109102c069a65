"""What every subcommand shares: the input options, output checks, atomic output, rich tables as text.

Commands that score a scorecard take the same inputs (SCORECARD --data FILE... --units FILE
--period P --adjustments FILE); all commands that write take `-o FILE`, which must be writable and
must not be one of the inputs (evalkit never overwrites its inputs), and is written atomically.
"""

from __future__ import annotations

import argparse
import io
import math
import re
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the library is imported when a command runs, so that `evalkit --help` starts quickly
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from evalkit.definition.model import Scorecard
    from evalkit.io.data import DataSet, Units
    from evalkit.plugins.manager import Registry
    from evalkit.scoring.adjustments import AdjustmentRecord
    from evalkit.scoring.evaluation import Evaluation
    from evalkit.scoring.files import InputFiles

__all__ = ["LazyProgress", "check_output", "default_lang", "emit", "evaluate_files", "input_files", "input_options",
           "load_inputs", "number_in", "render", "warn", "whole_number_in"]


def number_in(low: float, high: float, open_low: bool = False, open_high: bool = False,
              allow_inf: bool = False) -> Callable[[str], float]:
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


def whole_number_in(low: int, high: float = math.inf) -> Callable[[str], int]:
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
                        help="values (.csv, .xlsx, .json or .parquet), long (unit, indicator, period, value) or wide (a unit "
                             "column and a column per indicator, detected); a folder reads every workbook in it; repeatable")
    parser.add_argument("--wide", action="store_true", default=None,
                        help="the data files are wide: one row per unit, one column per indicator (id or name)")
    parser.add_argument("--encoding", metavar="ENC",
                        help="the encoding of CSV data files, such as gbk (default: UTF-8, or GB18030 when the file is that)")
    parser.add_argument("--sheet", action="append", metavar="NAME",
                        help="read this sheet of a workbook (repeatable; '*' for every sheet, read as one)")
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


def input_files_of(args: argparse.Namespace) -> InputFiles:
    """The library's InputFiles for the input options given."""
    from evalkit.scoring.files import InputFiles

    return InputFiles(scorecard=args.scorecard, units=args.units, data=getattr(args, "data", None) or (),
                      records=getattr(args, "records", None) or (), period=getattr(args, "period", None),
                      adjustments=getattr(args, "adjustments", None), wide=getattr(args, "wide", None),
                      encoding=getattr(args, "encoding", None), sheets=getattr(args, "sheet", None) or ())


def warn(text: str) -> None:
    """A warning on stderr, as every command prints them."""
    print(f"evalkit: warning: {text}", file=sys.stderr)


def load_inputs(args: argparse.Namespace, registry: Registry) -> tuple[Scorecard, Units, DataSet, tuple[AdjustmentRecord, ...]]:
    """The scorecard (its warnings printed), the units, the data of the chosen period, the adjustment records."""
    from evalkit.scoring.files import load_inputs as load

    inputs = load(input_files_of(args), registry, warn)
    return inputs.scorecard, inputs.units, inputs.data, inputs.adjustments


STAGES = {"reading": "读取数据 reading", "scoring": "计分 scoring", "extras": "对比与标杆 extras",
          "rendering": "生成报告 rendering", "writing": "写出文件 writing"}


def evaluate_files(args: argparse.Namespace, registry: Registry | None = None) -> Evaluation:
    """Score the files named by the input options, with a progress bar on a terminal if it takes a while."""
    from evalkit.cli import registry_from
    from evalkit.io.progress import reading_progress
    from evalkit.scoring.files import load_inputs as load

    registry = registry if registry is not None else registry_from(args)
    with LazyProgress(STAGES["reading"], enabled=sys.stderr.isatty()) as progress:
        with reading_progress(progress.update if progress.enabled else None):  # rows read, on a terminal only
            inputs = load(input_files_of(args), registry, warn)
        progress.stage(STAGES["scoring"])
        return inputs.evaluate(progress.update)


class LazyProgress:
    """A progress bar on stderr that appears only once a run has taken longer than `delay` seconds.

    Short runs print nothing extra; long ones show the stage and the items scored. The bar is
    transient: it disappears when the work is done, so the results table stays clean.
    """

    def __init__(self, stage: str, enabled: bool = True, delay: float = 1.0, console: Console | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        import time

        self.enabled, self.delay, self.console = enabled, delay, console
        self.clock = clock or time.monotonic
        self.started = self.clock()
        self.description, self.done = stage, 0
        self.total: int | None = None
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> LazyProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
        self.enabled = False  # stopped: never drawn again

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
        if self.task is not None:
            self.bar.update(self.task, description=self.description, completed=self.done, total=self.total)


def default_lang(scorecard: Scorecard) -> str:
    """Chinese when the scorecard's name is Chinese, English otherwise (evalkit.scoring.evaluation.default_lang)."""
    from evalkit.scoring.evaluation import default_lang as lang_of

    return lang_of(scorecard)


def check_output(args: argparse.Namespace, inputs: Iterable[str | None] = ()) -> None:
    """Before any work: -o must be writable and must not be one of the inputs."""
    from evalkit.io.output import check_output_path

    output = getattr(args, "output", None)
    if output:
        check_output_path(output, [*(("an input", n) for n in _flat(inputs)), *input_files(args)], option="-o")


def _flat(names: Iterable[str | list[str] | tuple[str, ...] | None]) -> list[str | None]:
    out: list[str | None] = []
    for name in names:
        out.extend(name if isinstance(name, (list, tuple)) else [name])
    return out


def emit(args: argparse.Namespace, content: str | bytes, what: str, progress: LazyProgress | None = None,
         write: Callable[[str], None] | None = None) -> None:
    """Write to -o atomically (saying so on stderr), or to standard output.

    With `progress`, writing the file is a stage of its bar (shown when the run has taken over a second),
    and the bar is gone before "wrote FILE" is printed. `write(path)`, when given, writes the file instead
    of `content` (a report streamed into it, `evalkit.reporters.render.Report.write`)."""
    from evalkit.io.output import write_atomic

    output = getattr(args, "output", None)
    if output and output != "-":
        if progress is not None:
            progress.stage(STAGES["writing"])
        if write is not None:
            write(output)
        else:
            write_atomic(output, content)
        if progress is not None:
            progress.__exit__()
        print(f"wrote {output} ({what})", file=sys.stderr)
        return
    if progress is not None:
        progress.__exit__()
    if isinstance(content, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
    else:
        sys.stdout.write(content)


NUMBER_CELL = re.compile(r"^[-+]?[\d,]*\.?\d+%?$|^[-+]?\d+/\d+$|^-$|^$")


def fit_table(renderable: Any, width: int) -> Any:
    """A rich Table that is wider than `width` made to fit without cutting a number: columns of numbers keep
    their numbers' width (their heading folds), every other column folds its text (a name over two lines)
    instead of ending in "…". Anything else, and a table that fits, is returned as it is."""
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    if not isinstance(renderable, Table):
        return renderable
    if Console(width=10_000, file=io.StringIO()).measure(renderable).maximum <= width:
        return renderable
    for column in renderable.columns:
        cells = [c.plain if isinstance(c, Text) else str(c) for c in column.cells]
        column.overflow = "fold"
        if cells and all(NUMBER_CELL.match(c.strip()) for c in cells) and any(c.strip() for c in cells):
            header = column.header.plain if isinstance(column.header, Text) else str(column.header)
            # the numbers' width, and room for two Chinese characters of the heading per line
            column.width = max(max(cell_len(c) for c in cells), min(cell_len(header), 4))
            column.no_wrap = False
    return renderable


FOLD_TOKEN = re.compile(r"\s+|[\x21-\x7e]+|.")  # spaces, runs of ASCII (numbers, ids: never split), one other character


def fold_lines(text: str, width: int | None) -> str:
    """Plain text whose lines are wider than `width` folded, the rest indented under the line's start: breaks
    fall at spaces or between Chinese characters, never inside a run of ASCII (a number, an id, 93.3)."""
    from rich.cells import cell_len

    if not width or all(cell_len(line) <= width for line in text.splitlines()):
        return text
    out = []
    for line in text.splitlines():
        if cell_len(line) <= width:
            out.append(line)
            continue
        indent = line[:len(line) - len(line.lstrip())]
        hang = indent + "    " if cell_len(indent) + 4 < width // 2 else indent
        current = indent
        for token in FOLD_TOKEN.findall(line.lstrip()):
            if cell_len(current) + cell_len(token) > width and current.strip():
                out.append(current.rstrip())
                current = hang
                if token.isspace():
                    continue
            current += token
        if current.strip():
            out.append(current.rstrip())
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def render(args: argparse.Namespace, *renderables: Any) -> str:
    """Rich tables as text: sized for the terminal, with colour, there; 200 columns, plain, elsewhere."""
    from rich.console import Console

    from evalkit.io.safe_text import terminal_output

    buffer = io.StringIO()
    color = not getattr(args, "output", None) and sys.stdout.isatty()
    from evalkit.cli.formats import output_width

    width = output_width(color) or 200
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width,
                      color_system="standard" if color else None)
    for renderable in renderables:
        console.print(fit_table(neutral(renderable), width))
    text = terminal_output(buffer.getvalue())  # what rich wrote: its colours pass, nothing else (evalkit.io.safe_text)
    return text if color else "".join(line.rstrip() + "\n" for line in text.splitlines())


def neutral(renderable: Any) -> Any:
    """`renderable` with text from files made inert before rich styles it: every control character (ESC, C1, NUL)
    shown as \\xNN, and a plain string's rich markup ("[red]x[/red]") shown as written, not applied.

    A string becomes a `Text` (no markup); a `Text` keeps its styles; a table's title, caption, headers and cells
    are made neutral in place. The styles evalkit's own code gives (grade colours, bold headers) still apply."""
    from rich.table import Table
    from rich.text import Span, Text

    from evalkit.io.safe_text import terminal_text

    if isinstance(renderable, str):
        return Text(terminal_text(renderable))
    if isinstance(renderable, Text):
        plain = renderable.plain
        if terminal_text(plain) == plain:
            return renderable
        ends = [0]  # where each character of `plain` ends in the neutral text
        for ch in plain:
            ends.append(ends[-1] + len(terminal_text(ch)))
        out = Text(terminal_text(plain), style=renderable.style, justify=renderable.justify,
                   overflow=renderable.overflow, no_wrap=renderable.no_wrap, end=renderable.end)
        out.spans = [Span(ends[s.start], ends[s.end], s.style) for s in renderable.spans]
        return out
    if isinstance(renderable, Table):
        if isinstance(renderable.title, (str, Text)):  # a plain title keeps the style rich gives titles
            renderable.title = _styled(neutral(renderable.title), renderable.title_style or "table.title")
        if isinstance(renderable.caption, (str, Text)):
            renderable.caption = _styled(neutral(renderable.caption), renderable.caption_style or "table.caption")
        for column in renderable.columns:
            column.header = neutral(column.header)
            column.footer = neutral(column.footer)
            column._cells = [neutral(cell) for cell in column._cells]
    return renderable


def plain_lines(lines: Iterable[str]) -> str:
    """Lines of plain text printed after a table, with every control character from files shown as \\xNN."""
    from evalkit.io.safe_text import terminal_text

    return terminal_text("\n".join(lines)) + "\n"


def _styled(text: Any, style: Any) -> Any:
    """A title or caption Text with the style rich gives a plain string one, unless it has its own."""
    if not text.style and not text.spans:
        text.style = style
    return text
