"""Text from inputs made safe for the places evalkit writes it: spreadsheets (CSV) and terminals.

Names of units, dimensions and bands come from files a user was sent. Written raw they can do harm:

* a CSV cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula
  when the CSV is opened in Excel or WPS (CSV injection). `spreadsheet_text` puts an apostrophe before
  such a text, as OWASP advises; Excel shows the text as written. A text that is a plain number
  ("-3.5", "+2") is left as it is, and numbers are never altered.
* control characters (ESC starts terminal escape sequences that clear the screen or plant OSC 8 links;
  C1 controls, DEL, NUL) are replaced by a visible escape such as ``\\x1b``: `terminal_text`.

Every text writer uses these two functions: `evalkit.io.csv_text` (every CSV), the Markdown report,
the terminal table, `evalkit explain` and the other text reports. The xlsx writer quotes formulas its own way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?%?\Z")
# C0 controls except tab and line feed, DEL, C1 controls; and carriage return, shown as an escape in
# terminal text (a lone CR rewrites the line a person is reading)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_KEEP_CR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def terminal_text(text: str, *, newlines: bool = True) -> str:
    """`text` with every control character but tab (and line feed, unless `newlines` is false) shown as \\xNN."""
    text = _CONTROL.sub(_visible, text)
    return text if newlines else text.replace("\n", "\\x0a")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read `text` as a formula: it starts with = + - @ tab or CR and is no number."""
    return text.startswith(FORMULA_PREFIXES) and not _NUMBER.match(text.strip())


def spreadsheet_text(value: Any) -> Any:
    """A CSV cell's value made safe: text without control characters (line breaks kept, CSV quotes them)
    and with an apostrophe before a formula prefix; any other value (a number, None) unchanged."""
    if not isinstance(value, str):
        return value
    text = _CONTROL_KEEP_CR.sub(_visible, value)
    return "'" + text if is_formula_like(text) else text


def unquote_spreadsheet_text(text: str) -> str:
    """The text `spreadsheet_text` protected, as it was: "'=A1" is read back as "=A1"."""
    return text[1:] if text.startswith("'") and is_formula_like(text[1:]) else text


def spreadsheet_row(cells: Any) -> list[Any]:
    """Every cell of a CSV row through `spreadsheet_text`."""
    return [spreadsheet_text(cell) for cell in cells]


def spreadsheet_column(cells: Sequence[Any]) -> Sequence[Any]:
    """`spreadsheet_text` of every cell of a column, worked out once per distinct text.

    A column of texts is checked as a whole first (one scan in C for control characters, and a search
    for each formula prefix at the start of a text): when nothing in it needs protecting, it is returned as
    it is. Otherwise every distinct text goes through `spreadsheet_text` once and the results are spread
    back over the column. A column with other cells (numbers, None) goes through `spreadsheet_text` cell by
    cell."""
    return spreadsheet_column_joined(cells)[0]


def spreadsheet_column_joined(cells: Sequence[Any]) -> tuple[Sequence[Any], str | None]:
    """`spreadsheet_column(cells)`, and the cells joined by line feeds when the column is all text and was
    left unchanged (None otherwise): what a writer can search once for characters it must quote."""
    try:
        joined = "\n".join(cells)
    except TypeError:  # numbers or None among the cells (1 and True would be one dict key): cell by cell
        return list(map(spreadsheet_text, cells)), None
    if not _needs_protection(joined):
        return cells, joined
    safe = {cell: spreadsheet_text(cell) for cell in dict.fromkeys(cells)}
    if all(k is v for k, v in safe.items()):
        return cells, joined
    return list(map(safe.__getitem__, cells)), None


def _needs_protection(joined: str) -> bool:
    """Whether any of the line-feed-joined texts has a control character or starts with a formula prefix
    (a false alarm for a line inside a text is fine: the caller then checks text by text)."""
    return joined.startswith(FORMULA_PREFIXES) or any("\n" + p in joined for p in FORMULA_PREFIXES) \
        or _CONTROL_KEEP_CR.search(joined) is not None


_SGR = re.compile("(\x1b\\[[0-9;]*m)")  # a colour or style sequence, what rich writes for a terminal


def terminal_output(text: str) -> str:
    """Rendered terminal text with its colours kept and every other escape or control character shown as
    \\xNN: rich's colour codes pass, a name's ESC[2J (clear screen) or OSC 8 link does not."""
    parts = _SGR.split(text)
    return "".join(part if k % 2 else terminal_text(part) for k, part in enumerate(parts))
