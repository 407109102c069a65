"""Tables of many rows for the commands' --format table: drawn directly when rich's layout would change nothing.

rich lays a table out cell by cell (about half a millisecond a row: a minute for 10^5 units). From
`evalkit.reporters.table.FAST_ROWS` rows on, a table whose cells each fit on one line and that fits the width is
written directly, with the same characters and colour codes rich would print (`evalkit.reporters.table.plain_table`);
anything else, and every smaller table, is drawn by rich as before.
"""

from __future__ import annotations

import argparse
import sys


def render_rows(args: argparse.Namespace, title: str, header: list[str], rows: list[list[str]], numeric: list[bool]) -> str:
    """`render(args, table)` of a rich table with this title, these column headings (numbers right-aligned) and
    these rows of plain text cells."""
    from evalkit.cli.common import render
    from evalkit.reporters.table import FAST_ROWS, plain_table

    if len(rows) >= FAST_ROWS:
        from evalkit.cli.formats import output_width
        from evalkit.io.safe_text import terminal_output

        color = not getattr(args, "output", None) and sys.stdout.isatty()
        direct = plain_table(title, header, rows, numeric, output_width(color) or 200, color)
        if direct is not None:
            text = terminal_output(direct)
            return text if color else "".join(line.rstrip() + "\n" for line in text.splitlines())
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title)
    for name, right in zip(header, numeric):
        table.add_column(name, justify="right" if right else "left")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return render(args, table)
