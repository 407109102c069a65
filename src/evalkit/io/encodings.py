"""Text files in the encodings Chinese offices save them in: UTF-8 (with or without BOM), and GBK/GB18030.

Excel on a Chinese Windows saves "CSV (逗号分隔)" in GBK. A file is read as UTF-8 when it decodes as
UTF-8; otherwise as GB18030 (a superset of GBK and GB2312) when every byte of it decodes cleanly, which
text in another encoding practically never does; else it is refused as before. `--encoding` names
the encoding outright. The encoding used is kept in the data's notes.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from evalkit.definition.documents import read_text
from evalkit.errors import DataError, FileAccessError, Problem, UsageError

GUESSED = "gb18030"


def decode_table_text(path: str | Path, encoding: str | None = None) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in ('utf-8' unless another was needed or named)."""
    path = Path(path)
    if encoding is not None:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise UsageError(f"--encoding {encoding!r} is not an encoding Python knows (try utf-8, gbk, gb18030, big5)") from None
        raw = _bytes(path)
        try:
            text = raw.decode("utf-8-sig" if name == "utf-8" else name)
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise DataError(Problem(f"the file is not valid {name}", source=str(path), line=line,
                                    expected=f"text in {name} (as --encoding says)",
                                    found=f"the bytes {raw[exc.start:exc.start + 4]!r}")) from None
        return text, name
    try:
        return read_text(path), "utf-8"
    except FileAccessError as refused:
        raw = _bytes(path)
        if b"\x00" in raw[:4096] or raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
            raise
        try:
            return raw.decode(GUESSED), GUESSED
        except UnicodeDecodeError:
            raise refused from None


def _bytes(path: Path) -> bytes:
    """The file's bytes, through the same checks as every input (a regular file within the size limit)."""
    from evalkit.io.limits import read_input_bytes

    return read_input_bytes(path)


def encoding_note(source: str, encoding: str) -> str:
    """The note a result carries when a file was not UTF-8."""
    return f"{source}: read as {encoding.upper()} text (not UTF-8)"
