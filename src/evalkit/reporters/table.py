"""A terminal table: columns sized for Chinese text (rich measures wide characters), grades coloured
by the position of their band, from green (the best) to red (the worst), whatever the number of bands."""

from __future__ import annotations

import functools
import io
import re
from typing import TYPE_CHECKING

from rich.cells import cell_len

from evalkit.io.safe_text import terminal_text
from evalkit.reporters.base import Reporter, ReportOptions
from evalkit.reporters.common import label, notes
from evalkit.reporters.summary import summary_header, summary_rows

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation

GRADE_STYLES = ("bold green", "green", "yellow", "red", "bold red")  # best to worst, in the 16 standard colours


def grade_style(position: int, count: int) -> str:
    """The style of band `position` (0 the best) among `count` bands: the best is always bold green, the
    worst always bold red, and the bands between spread over green, yellow and red in order."""
    last = len(GRADE_STYLES) - 1
    if count <= 1 or position <= 0:
        return GRADE_STYLES[0]
    if position >= count - 1:
        return GRADE_STYLES[last]
    return GRADE_STYLES[min(max(int(position * last / (count - 1)), 1), last - 1)]


_COMMON_CJK = re.compile(r"[\x20-\x7e\u3000-\u3029\u3030-\u303e\u4e00-\u9fff\uff01-\uff60]*")  # printable ASCII, CJK, full-width forms
_WIDE = re.compile(r"[^\x20-\x7e]")


def cells_of(text: str) -> int:
    """The terminal cells `text` takes, as rich measures them: its length when printable ASCII (terminal_text
    escaped the rest); for text of ASCII and common Chinese characters and punctuation (two cells each)
    its length plus the number of those characters, counted in C; else rich's measure."""
    if text.isascii():
        return len(text)
    if _COMMON_CJK.fullmatch(text):
        return len(text) + len(_WIDE.findall(text))
    return cell_len(text)


FAST_ROWS = 200  # from this many rows on, a table that fits the width is laid out directly (see _direct)


def render_table(evaluation: Evaluation, options: ReportOptions) -> str:
    """The ranking, fitted to `options.width` (200 when unknown) without ever cutting a number or an id.

    Columns no unit has a value in are left out. When the table is wider than the width, the scores of
    the top-level dimensions move to a second table (rank, id, then as many dimensions as fit, repeated
    until all are shown), and what is still too wide wraps in the unit's name and the notes.
    """
    sc = evaluation.scorecard
    title = f"{sc.name.text(options.lang)} · {evaluation.period}"
    header = summary_header(evaluation, options.lang)
    dims = len(sc.dimensions)
    numeric = [k == 0 or (3 <= k < len(header) - 1) for k in range(len(header))]
    bands = sc.grading.bands if sc.grading else ()
    grades = evaluation.grades.tolist()
    rows = list(summary_rows(evaluation, options.lang))
    styles = [grade_style(grades[i], len(bands)) if 0 <= grades[i] < len(bands) else None for i in evaluation.order()]
    if sc.vetoes or sc.gates or sc.quotas:  # say why a grade is not the one the total's band gives
        why = notes(evaluation, options.lang)
        header = header + [label("notes", options.lang)]
        numeric = numeric + [False]
        rows = [row + [why[i]] for row, i in zip(rows, evaluation.order().tolist())]
    title, header = terminal_text(title), [terminal_text(h) for h in header]
    rows = [[terminal_text(cell) for cell in row] for row in rows]  # names from files print no escape sequence
    grade_column = len(summary_header(evaluation, options.lang)) - 1
    width = options.width or 200
    # rank, id, unit and total always; a grade, notes or adjustment column only when some unit has one
    total_column = grade_column - 1
    keep = [k for k in range(len(header)) if k < 3 or k == total_column or 3 <= k < 3 + dims
            or any(row[k] for row in rows)]
    dim_columns = list(range(3, 3 + dims))
    if _natural(header, rows, keep) > width and dims:
        main = [k for k in keep if k not in dim_columns]
        parts = [main] + _chunks(header, rows, dim_columns, width)
        dims_title = f"{title} · {'各维度得分' if options.lang == 'zh' else 'dimension scores'}"
        plain: list[str | None] = [None] * len(rows)
        return "\n".join(_table(title if n == 0 else dims_title, header, rows, styles if n == 0 else plain,
                                numeric, width, options.color, grade_column, columns)
                         for n, columns in enumerate(parts))
    return _table(title, header, rows, styles, numeric, width, options.color, grade_column, keep)


def plain_table(title: str, header: list[str], rows: list[list[str]], numeric: list[bool], width: int, color: bool) -> str | None:
    """The table rich draws (default box, bold header, title centred above) of these text cells, numbers
    right-aligned, written directly, row by row, when every cell fits on one line and the table fits `width`;
    None when rich must lay it out (too wide, a line break or another control character in a cell)."""
    return _direct(title, header, rows, [None] * len(rows), numeric, width, color, -1)


def _natural(header: list[str], rows: list[list[str]], columns: list[int]) -> int:
    """The width of a table of these columns when no cell wraps."""
    widths = [max([cells_of(header[k])] + [cells_of(row[k]) for row in rows]) for k in columns]
    return sum(widths) + 3 * len(widths) + 1


def _chunks(header: list[str], rows: list[list[str]], dim_columns: list[int], width: int) -> list[list[int]]:
    """Rank, id and the dimension columns, as few tables as fit the width (at least one dimension each)."""
    out: list[list[int]] = []
    current = [0, 1]
    for k in dim_columns:
        if len(current) > 2 and _natural(header, rows, current + [k]) > width:
            out.append(current)
            current = [0, 1]
        current.append(k)
    out.append(current)
    return out


def _table(title: str, header: list[str], rows: list[list[str]], styles: list[str | None], numeric: list[bool], width: int,
           color: bool, grade_column: int, columns: list[int]) -> str:
    """The table of `columns`: drawn directly when large and it fits, else by rich with numbers kept whole."""
    head = [header[k] for k in columns]
    body = [[row[k] for k in columns] for row in rows]
    right = [numeric[k] for k in columns]
    g = columns.index(grade_column) if grade_column in columns else -1
    shown: list[str | None] = styles if g >= 0 else [None] * len(rows)
    if len(rows) >= FAST_ROWS:
        direct = _direct(title, head, body, shown, right, width, color, g)
        if direct is not None:
            return direct
    if _natural(head, body, list(range(len(head)))) <= width:
        return _rich(title, head, body, shown, right, width, color, g)
    # too wide: numbers, ids and grades keep their width; the unit's name and the notes wrap
    whole = [right[k] or columns[k] in (1, grade_column) for k in range(len(columns))]
    if len(rows) >= FAST_ROWS:
        wrapped = _wrapped(title, head, body, shown, right, width, color, g, whole)
        if wrapped is not None:
            return wrapped
    return _rich(title, head, body, shown, right, width, color, g, whole)


def _rich(title: str, header: list[str], rows: list[list[str]], styles: list[str | None], numeric: list[bool], width: int,
          color: bool, grade_column: int, whole: list[bool] | None = None) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title, style="table.title"), show_lines=False)  # Text, not markup, like the cells
    for k, text in enumerate(header):
        name = Text(text)
        if whole is not None and whole[k]:
            needed = max([cell_len(text)] + [cell_len(row[k]) for row in rows])
            table.add_column(name, justify="right" if numeric[k] else "left", no_wrap=True, min_width=needed)
            continue
        table.add_column(name, justify="right" if numeric[k] else "left", no_wrap=whole is None and k < 2,
                         overflow="fold")
    for row, style in zip(rows, styles):
        cells = [Text(cell) for cell in row]  # Text, not markup: a name like "[试点]" stays as written
        cells[grade_column] = Text(row[grade_column], style=style or "")
        table.add_row(*cells)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width,
                      color_system="standard" if color else None)
    console.print(table)
    return buffer.getvalue()


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def ansi_codes(style: str | None, color: bool) -> tuple[str, str]:
    """The escape codes that start and end `style` on a colour terminal; none without colour."""
    if not color or not style:
        return "", ""
    from rich.color import ColorSystem
    from rich.style import Style

    start, end = Style.parse(style).render("\0", color_system=ColorSystem.STANDARD).split("\0")
    return start, end


def border(widths: list[int], left: str, fill: str, cross: str, right: str) -> str:
    """A horizontal rule of a box-drawn table whose columns have `widths` (one space of padding each side)."""
    return left + cross.join(fill * (w + 2) for w in widths) + right


def _direct(title: str, header: list[str], rows: list[list[str]], styles: list[str | None], numeric: list[bool], width: int,
            color: bool, grade_column: int) -> str | None:
    """The table rich draws when every cell fits on one line, written directly (rich takes about half a
    millisecond a row; this, a hundredth of that). None when rich must lay it out: the table or its title
    is wider than the terminal, or a cell holds a line break or another control character.
    tests/reporters test that both give the same characters and colour codes."""
    columns = len(header)
    widths = [cell_len(h) for h in header]
    for row in rows:
        for k, cell in enumerate(row):
            n = cell_len(cell)
            if n > widths[k]:
                widths[k] = n
    total = sum(widths) + 3 * columns + 1
    if total > width or cell_len(title) > total:
        return None
    if any(_CONTROL.search(cell) for row in rows for cell in row) or any(_CONTROL.search(t) for t in (title, *header)):
        return None

    def fit(text: str, k: int) -> str:
        pad = " " * (widths[k] - cell_len(text))
        return pad + text if numeric[k] else text + pad

    italic, bold = ansi_codes("italic", color), ansi_codes("bold", color)
    left = (total - cell_len(title)) // 2
    out = [f"{italic[0]}{' ' * left}{title}{' ' * (total - left - cell_len(title))}{italic[1]}",
           border(widths, "┏", "━", "┳", "┓")]
    if bold[0]:
        sp = f"{bold[0]} {bold[1]}"
        out.append("┃" + "┃".join(f"{sp}{bold[0]}{fit(h, k)}{bold[1]}{sp}" for k, h in enumerate(header)) + "┃")
    else:
        out.append("┃" + "┃".join(f" {fit(h, k)} " for k, h in enumerate(header)) + "┃")
    out.append(border(widths, "┡", "━", "╇", "┩"))
    codes = {style: ansi_codes(style, color) for style in set(styles)}
    g = grade_column
    for row, style in zip(rows, styles):
        start, end = codes[style]
        cells = [f" {fit(cell, k)} " for k, cell in enumerate(row)]
        if start and row[g]:
            cells[g] = f" {start}{fit(row[g], g)}{end} "
        out.append("│" + "│".join(cells) + "│")
    out.append(border(widths, "└", "─", "┴", "┘"))
    return "\n".join(out) + "\n"


_FOLD_TOKEN = re.compile(r"\s+|[\x21-\x7e]+|.")  # spaces, a run of ASCII (a word, a number), one other character


def fold(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells: breaks at spaces or between Chinese characters, inside a
    run of ASCII only when the run alone is wider than the line."""
    if cells_of(text) <= width:
        return [text]
    lines: list[str] = []
    current, used = "", 0  # the line being filled and its width in cells, kept as it grows
    for token in _FOLD_TOKEN.findall(text):
        n = token_cells(token)
        if token.isspace():
            if current and used + n <= width:
                current, used = current + token, used + n
            elif current:
                lines.append(current.rstrip())
                current, used = "", 0
            continue
        if used + n <= width:
            current, used = current + token, used + n
            continue
        if current:
            lines.append(current.rstrip())
        while n > width:  # a run of ASCII wider than the line: folded by characters
            lines.append(token[:width])
            token = token[width:]
            n = len(token)
        current, used = token, n
    if current or not lines:
        lines.append(current.rstrip())
    return lines


@functools.lru_cache(maxsize=4096)
def token_cells(token: str) -> int:
    """cells_of for the short tokens fold works with (one character, a word), remembered."""
    return cells_of(token)


def _wrapped(title: str, header: list[str], rows: list[list[str]], styles: list[str | None], numeric: list[bool],
             width: int, color: bool, grade_column: int, whole: list[bool]) -> str | None:
    """A table wider than the terminal laid out directly (rich takes about half a second per thousand rows
    for this; this, a twentieth of that): the `whole` columns (numbers, ids, grades) keep their widest
    cell's width, the others (the unit's name, the notes) share what is left and fold their text. Column
    widths are measured once, in terminal cells. None when rich must lay it out (even one Chinese
    character a line would not fit, or a cell holds a control character)."""
    columns = len(header)
    natural = [cells_of(h) for h in header]
    for row in rows:
        for k, cell in enumerate(row):
            n = cells_of(cell)
            if n > natural[k]:
                natural[k] = n
    folding = [k for k in range(columns) if not whole[k]]
    room = width - (3 * columns + 1) - sum(natural[k] for k in range(columns) if whole[k])
    if not folding or room < 2 * len(folding):
        return None
    if any(_CONTROL.search(cell) for row in rows for cell in row) or any(_CONTROL.search(t) for t in (title, *header)):
        return None
    widths = list(natural)
    cap = max(natural[k] for k in folding)
    while sum(min(natural[k], cap) for k in folding) > room:  # the widest folding columns give way first
        cap -= 1
    for k in folding:
        widths[k] = max(min(natural[k], cap), 2)
    total = sum(widths) + 3 * columns + 1

    def fit(text: str, k: int) -> str:
        pad = " " * (widths[k] - cells_of(text))
        return pad + text if numeric[k] else text + pad

    def block(cells: list[str]) -> list[list[str]]:
        """The cells of one row as lines: folded where the column folds, blank below the others."""
        parts = [fold(cell, widths[k]) if not whole[k] else [cell] for k, cell in enumerate(cells)]
        height = max(len(p) for p in parts)
        return [[p[i] if i < len(p) else "" for p in parts] for i in range(height)]

    italic, bold = ansi_codes("italic", color), ansi_codes("bold", color)
    out = []
    for piece in fold(title, total):
        left = (total - cells_of(piece)) // 2
        out.append(f"{italic[0]}{' ' * left}{piece}{' ' * (total - left - cells_of(piece))}{italic[1]}")
    out.append(border(widths, "┏", "━", "┳", "┓"))
    sp = f"{bold[0]} {bold[1]}" if bold[0] else " "
    for cells in block(header):
        out.append("┃" + "┃".join(f"{sp}{bold[0]}{fit(h, k)}{bold[1]}{sp}" for k, h in enumerate(cells)) + "┃")
    out.append(border(widths, "┡", "━", "╇", "┩"))
    codes = {style: ansi_codes(style, color) for style in set(styles)}
    g = grade_column
    for row, style in zip(rows, styles):
        start, end = codes[style]
        for n, cells in enumerate(block(row)):
            texts = [f" {fit(cell, k)} " for k, cell in enumerate(cells)]
            if start and n == 0 and g >= 0 and row[g]:
                texts[g] = f" {start}{fit(row[g], g)}{end} "
            out.append("│" + "│".join(texts) + "│")
    out.append(border(widths, "└", "─", "┴", "┘"))
    return "\n".join(out) + "\n"


TABLE_REPORTER = Reporter(name="table", extension=".txt", render=render_table,
                          description="Results table for the terminal (rank, unit, dimensions, total, grade)")
