"""Reading definition files (YAML or JSON) while remembering where every value was written.

Problems are reported with a JSON path; for YAML we also give the line, which is what a person
looks for in an editor. PyYAML's composer gives each node its position, so we build the data and
a path -> line map in one walk. Duplicate keys, which YAML parsers silently collapse, are reported.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import attrs

from evalkit.errors import DefinitionError, FileAccessError, Problem

PathKey = tuple  # a JSON path as a tuple of keys and indexes


@attrs.frozen
class Document:
    """Loaded definition data plus the line of each JSON path (empty for dicts given in memory)."""

    data: Any
    source: str | None = None
    lines: dict = attrs.field(factory=dict)
    texts: dict = attrs.field(factory=dict)  # path -> a number's text as written in YAML (2025.10)

    def text_of(self, path: PathKey, value: Any) -> str:
        """A value as text: a number as it was written (version: 2025.10 stays "2025.10", not "2025.1")."""
        return self.texts.get(tuple(path), str(value))

    def line_of(self, path: PathKey) -> int | None:
        """The line of the nearest enclosing value that has a known position."""
        path = tuple(path)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def problem(self, path: PathKey, message: str, expected: str | None = None, found: str | None = None) -> Problem:
        return Problem(message=message, source=self.source, path=json_path(path), line=self.line_of(path),
                       expected=expected, found=found)


def json_path(path: PathKey) -> str:
    """Render ('dimensions', 0, 'weight') as $.dimensions[0].weight."""
    text = "$"
    for key in path:
        if isinstance(key, int):
            text += f"[{key}]"
        elif isinstance(key, str) and key.isidentifier():
            text += f".{key}"
        else:
            text += f"[{json.dumps(key, ensure_ascii=False)}]"
    return text


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file (with or without BOM) or raise a FileAccessError for people.

    UTF-16 with a BOM (Excel's "Unicode Text") is read too. Any other encoding is refused with a
    message that says what the file seems to be (GBK, an Excel workbook, ...) and how to save it.
    """
    from evalkit.io.limits import read_input_bytes

    raw = read_input_bytes(path)  # a regular file within the size limit (no FIFO, no /dev/zero)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileAccessError(_not_utf8(raw, exc, str(path))) from None


def _not_utf8(raw: bytes, exc: UnicodeDecodeError, source: str) -> Problem:
    """Say what a file that is not UTF-8 seems to be, and how to save it as UTF-8."""
    tabular = source.lower().endswith((".csv", ".tsv", ".txt"))
    how = ("in Excel, Save As 'CSV UTF-8 (逗号分隔)'" if tabular else "save it as UTF-8 in your editor")
    if raw.startswith(b"PK\x03\x04"):
        return Problem("the file is not text but a zip archive, such as an Excel workbook", source=source,
                       expected="UTF-8 text (if it is a workbook, give it the ending .xlsx)", found="a zip archive")
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        return Problem("the file is not text but an old-format Excel (.xls) or Word file", source=source,
                       expected=f"UTF-8 text: {how}", found="a binary Office file")
    line = raw.count(b"\n", 0, exc.start) + 1
    if b"\x00" in raw[:4096]:
        return Problem("the file is not text", source=source, line=line, expected="UTF-8 text", found="binary data")
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        found = "another encoding"
    else:
        found = "probably GBK, what Excel writes for plain 'CSV'" if tabular else "probably GBK"
    return Problem("the file is not UTF-8 text", source=source, line=line,
                   expected=f"UTF-8: {how}", found=found)


def load_document(path: str | Path) -> Document:
    """Load a YAML (.yaml/.yml) or JSON file into a Document; other endings are tried as YAML."""
    text = read_text(path)
    if str(path).lower().endswith(".json"):
        return parse_json(text, str(path))
    from evalkit.definition.document_cache import cached_yaml

    return cached_yaml(text, str(path))  # parse_yaml's Document, remembered for this text once it has none of problems


def parse_yaml(text: str, source: str | None = None, c_parser: bool | None = None) -> Document:
    """YAML (1.2 core schema, safe) into a Document with the line of every value.

    Refused with the line: unknown tags (!!python/..., !custom), a key given twice in one mapping (a key that
    overrides one brought in by a merge key << is fine), lone surrogates, aliases or nesting over the limits,
    an alias that contains itself, and a document that aliases expand past the node limit (a "billion laughs").

    The text is parsed by libyaml (PyYAML's C parser) when PyYAML has it, about ten times faster than its
    Python parser, and by the Python parser otherwise (`c_parser=False` always, `True` only when present).
    Both give the same nodes, resolved and built here by the same code; whenever the C parser refuses the
    text, or the document goes over the alias or nesting limits, the Python parser reads it again, so every
    message is the Python parser's, word for word (tests/test_cli_startup.py compares the two). The parsing
    lives in evalkit.definition.yaml_reader, imported (with PyYAML) on the first call.
    """
    from evalkit.definition.yaml_reader import parse_yaml_text

    return parse_yaml_text(text, source, c_parser)


def parse_json(text: str, source: str | None = None) -> Document:
    """JSON into a Document: a key given twice in one object, a lone surrogate or too deep a nesting is an error."""
    from evalkit.io.limits import limits, over_limit

    if not text.strip():
        raise DefinitionError(Problem("the file is empty", source=source, expected="a JSON object"))
    try:
        data = json.loads(text, object_pairs_hook=_JsonObject.of)
    except json.JSONDecodeError as exc:
        raise DefinitionError(Problem(f"not valid JSON: {exc.msg}", source=source, line=exc.lineno)) from None
    except RecursionError:
        limit = limits().depth
        raise DefinitionError(over_limit("the nesting of lists and objects", "deeper than Python can read", limit,
                                         "EVALKIT_MAX_DEPTH", source)) from None
    except ValueError:  # an integer of more than 4,300 digits
        raise DefinitionError(Problem("not usable JSON: a number has more than 4,300 digits", source=source,
                                      expected="numbers of at most 4,300 digits")) from None
    problems: list[Problem] = []
    data = _plain_json(data, (), problems, source, limits().depth)
    if problems:
        raise DefinitionError(problems)
    return Document(data=data, source=source)


class _JsonObject(dict[str, Any]):
    """A JSON object that remembers the keys given more than once (json keeps only the last)."""

    repeated: tuple[str, ...] = ()

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> _JsonObject:
        obj = cls()
        repeated = []
        for key, value in pairs:
            if key in obj:
                repeated.append(key)
            obj[key] = value
        obj.repeated = tuple(repeated)
        return obj


def _plain_json(value: Any, path: tuple[str | int, ...], problems: list[Problem], source: str | None,
                depth: int) -> Any:
    """Plain dicts and lists again, with repeated keys, lone surrogates and too deep a nesting reported."""
    from evalkit.io.limits import over_limit

    if isinstance(value, (dict, list)) and len(path) >= depth:
        shown = json_path(path[:6]) + f"... ({len(path)} levels down)"
        problems.append(over_limit("the nesting of lists and objects", f"deeper than {depth}", depth,
                                   "EVALKIT_MAX_DEPTH", source, path=shown))
        return None
    if isinstance(value, dict):
        for key in getattr(value, "repeated", ()):
            problems.append(Problem(f"the key {key!r} is given twice in the same object", source=source,
                                    path=json_path(path + (key,)), expected="each key once"))
        out = {}
        for key, item in value.items():
            if surrogate_index(key) is not None:
                problems.append(surrogate_problem(key, source, json_path(path), None))
            out[key] = _plain_json(item, path + (key,), problems, source, depth)
        return out
    if isinstance(value, list):
        if not any(isinstance(item, (dict, list, str)) for item in value):
            return value  # numbers, booleans and nulls: nothing to check (a matrix row)
        return [_plain_json(item, path + (i,), problems, source, depth) for i, item in enumerate(value)]
    if isinstance(value, str) and surrogate_index(value) is not None:
        problems.append(surrogate_problem(value, source, json_path(path), None))
    return value


_SURROGATES = re.compile("[\ud800-\udfff]")


def surrogate_index(text: str) -> int | None:
    """The index of the first lone surrogate (an escape such as \\ud800 that is no character) in `text`."""
    if text.isascii():
        return None
    found = _SURROGATES.search(text)
    return found.start() if found else None


def surrogate_problem(text: str, source: str | None, path: str | None, line: int | None) -> Problem:
    index = surrogate_index(text) or 0
    return Problem("the text holds a lone surrogate (an escape such as \\ud800 that is no Unicode character)",
                   source=source, path=path, line=line, expected="Unicode text",
                   found=f"U+{ord(text[index]):04X} at character {index + 1}")


