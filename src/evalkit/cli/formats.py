"""The output options every command shares: `--format`, `-o FILE` and `--lang`, settled the same way.

- `--format table` is the human format of every command; `--format text` is accepted as its alias
  (older scripts used it for explain, sensitivity, compare, ahp, rules and plugins).
- Without `--format`, `-o FILE` picks the format from FILE's extension (.xlsx, .html, .json, .csv, .md,
  .txt) when the command writes that format; an extension the command cannot write is a usage error
  (exit 64) rather than a file of the wrong kind; any other extension gets the human format.
- A binary format (xlsx) to a terminal is refused (exit 64): give `-o FILE` or redirect standard output.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from evalkit.errors import UsageError

__all__ = ["ALIASES", "BILINGUAL", "BINARY", "EXTENSIONS", "format_from_extension", "format_name", "output_options",
           "output_width", "settle_format"]

EXTENSIONS = {".xlsx": "xlsx", ".html": "html", ".htm": "html", ".json": "json", ".csv": "csv", ".md": "markdown",
              ".markdown": "markdown", ".txt": "table"}
BINARY = frozenset({"xlsx"})
ALIASES = {"text": "table"}
BILINGUAL = "accepted by every command; this command's labels are bilingual (中文 English) whichever is given"
LANG_HELP = "label language (default: zh when the scorecard or definition has Chinese names)"


def format_name(text: str) -> str:
    """An argparse type: the format's name, with `text` read as `table`."""
    name = text.strip().lower()
    return ALIASES.get(name, name)


def output_options(parser: argparse.ArgumentParser, formats: Sequence[str] | None = ("table", "json"),
                   format_help: str | None = None, lang: bool | str = True) -> None:
    """`--format` (one of `formats`; None: any a reporter plugin provides), `-o FILE` and `--lang zh|en`.

    `lang` may be a help text for commands whose labels are bilingual whatever the language.
    """
    names = tuple(formats) if formats else None
    shown = ", ".join(names) if names else "table, json, csv, xlsx, html, markdown, or one a plugin adds"
    parser.add_argument("--format", type=format_name, choices=names, default=None, metavar="FORMAT",
                        help=format_help or f"output format: {shown} (default: from -o FILE's extension, else table; "
                                            "text is another name for table)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of the terminal")
    if lang:
        parser.add_argument("--lang", choices=("zh", "en"), help=lang if isinstance(lang, str) else LANG_HELP)
    parser.set_defaults(formats=names)


def format_from_extension(path: str) -> str | None:
    """The format a file name's extension asks for, or None."""
    return EXTENSIONS.get(os.path.splitext(path)[1].lower())


def settle_format(args: argparse.Namespace, to_terminal: bool | None = None) -> None:
    """Fill in `args.format` from `-o`'s extension (or `table`), and refuse a binary format to a terminal."""
    if not hasattr(args, "formats"):
        return
    command = f"evalkit {args.command}"
    formats: tuple[str, ...] | None = args.formats
    output = getattr(args, "output", None)
    if args.format is None:
        wanted = format_from_extension(output) if output else None
        if wanted is not None and formats is not None and wanted not in formats:
            raise UsageError(f"{command}: -o {output}: {command} cannot write {wanted} "
                             f"(it writes {', '.join(formats)}); give --format or another file name")
        args.format = wanted or "table"
    if args.format in BINARY and not output:
        terminal = sys.stdout.isatty() if to_terminal is None else to_terminal
        if terminal:
            raise UsageError(f"{command}: --format {args.format} is a binary format and standard output is a terminal; "
                             f"write it to a file with -o FILE.{args.format} (or redirect standard output)")


def output_width(to_terminal: bool) -> int | None:
    """The width to lay tables out in: the terminal's; elsewhere $COLUMNS when set (None: the reporter's default)."""
    if to_terminal:
        import shutil  # only here: shutil imports the compression modules, a cost at every start

        return shutil.get_terminal_size().columns
    text = os.environ.get("COLUMNS", "")
    return int(text) if text.isdigit() and int(text) > 0 else None
