"""Reading definition files (YAML or JSON) while remembering where every value was written.

Problems are reported with a JSON path; for YAML we also give the line, which is what a person
looks for in an editor. PyYAML's composer gives each node its position, so we build the data and
a path -> line map in one walk. Duplicate keys, which YAML parsers silently collapse, are reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import yaml

from evalkit.errors import DefinitionError, FileAccessError, Problem

PathKey = tuple  # a JSON path as a tuple of keys and indexes


@attrs.frozen
class Document:
    """Loaded definition data plus the line of each JSON path (empty for dicts given in memory)."""

    data: Any
    source: str | None = None
    lines: dict = attrs.field(factory=dict)

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
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise FileAccessError(Problem("file not found", source=str(path))) from None
    except IsADirectoryError:
        raise FileAccessError(Problem("is a directory, expected a file", source=str(path))) from None
    except OSError as exc:
        raise FileAccessError(Problem(f"cannot read the file: {exc.strerror or exc}", source=str(path))) from None
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
    return parse_yaml(text, str(path))


def parse_json(text: str, source: str | None = None) -> Document:
    if not text.strip():
        raise DefinitionError(Problem("the file is empty", source=source, expected="a JSON object"))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DefinitionError(Problem(f"not valid JSON: {exc.msg}", source=source, line=exc.lineno)) from None
    return Document(data=data, source=source)


def parse_yaml(text: str, source: str | None = None) -> Document:
    if not text.strip():
        raise DefinitionError(Problem("the file is empty", source=source, expected="a YAML mapping"))
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError(Problem(f"not valid YAML: {reason}", source=source, line=line)) from None
    if node is None:
        raise DefinitionError(Problem("the file holds no data", source=source, expected="a YAML mapping"))
    lines: dict = {}
    problems: list[Problem] = []
    constructor = yaml.SafeLoader("")
    data = _build(node, (), lines, problems, constructor, source)
    if problems:
        raise DefinitionError(problems)
    return Document(data=data, source=source, lines=lines)


def _build(node: yaml.Node, path: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int], problems: list[Problem],
           constructor: yaml.SafeLoader, source: str | None) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        constructor.flatten_mapping(node)  # resolves YAML merge keys (<<)
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                problems.append(Problem("a mapping key must be a plain value", source=source,
                                        path=json_path(path), line=key_node.start_mark.line + 1))
                continue
            key = key if isinstance(key, str) else str(key)
            if key in result:
                problems.append(Problem(f"the key {key!r} is given twice in the same mapping", source=source,
                                        path=json_path(path + (key,)), line=key_node.start_mark.line + 1,
                                        expected="each key once", found=f"again on line {key_node.start_mark.line + 1}"))
            result[key] = _build(value_node, path + (key,), lines, problems, constructor, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, path + (i,), lines, problems, constructor, source) for i, child in enumerate(node.value)]
    value = constructor.construct_object(node, deep=True)
    if hasattr(value, "isoformat"):  # YAML turns 2025-01-01 into a date; definitions keep it as text
        value = value.isoformat()
    return value
