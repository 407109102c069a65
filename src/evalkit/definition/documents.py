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
import yaml

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
    return parse_yaml(text, str(path))


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
            if _surrogate(key) is not None:
                problems.append(_surrogate_problem(key, source, json_path(path), None))
            out[key] = _plain_json(item, path + (key,), problems, source, depth)
        return out
    if isinstance(value, list):
        if not any(isinstance(item, (dict, list, str)) for item in value):
            return value  # numbers, booleans and nulls: nothing to check (a matrix row)
        return [_plain_json(item, path + (i,), problems, source, depth) for i, item in enumerate(value)]
    if isinstance(value, str) and _surrogate(value) is not None:
        problems.append(_surrogate_problem(value, source, json_path(path), None))
    return value


_SURROGATES = re.compile("[\ud800-\udfff]")


def _surrogate(text: str) -> int | None:
    """The index of the first lone surrogate (an escape such as \\ud800 that is no character) in `text`."""
    if text.isascii():
        return None
    found = _SURROGATES.search(text)
    return found.start() if found else None


def _surrogate_problem(text: str, source: str | None, path: str | None, line: int | None) -> Problem:
    index = _surrogate(text) or 0
    return Problem("the text holds a lone surrogate (an escape such as \\ud800 that is no Unicode character)",
                   source=source, path=path, line=line, expected="Unicode text",
                   found=f"U+{ord(text[index]):04X} at character {index + 1}")


_TAGS = {"tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp",
                                                   "merge", "value")}
_YAML12_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_YAML12_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_YAML12_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                           r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with the YAML 1.2 core schema: `yes`/`no`/`on`/`off` stay text, 1:30 stays text
    (no base-60), 010 is ten; aliases and nesting are limited while composing (see evalkit.io.limits)."""

    max_aliases = 1000
    max_depth = 100

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > self.max_aliases:
                raise yaml.composer.ComposerError(
                    None, None, f"more than {self.max_aliases} aliases (*name), over evalkit's limit "
                    "(set EVALKIT_MAX_YAML_ALIASES to allow more)", self.peek_event().start_mark)
        self.depth += 1
        try:
            if self.depth > self.max_depth:
                raise yaml.composer.ComposerError(
                    None, None, f"lists and mappings nested deeper than {self.max_depth}, over evalkit's limit "
                    "(set EVALKIT_MAX_DEPTH to allow more)", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node)).replace("_", "")
        try:
            if text[:2] in ("0o", "0x"):
                return int(text[2:], 8 if text[1] == "o" else 16)
            return int(text, 10)
        except ValueError as exc:  # more than 4,300 digits
            raise yaml.constructor.ConstructorError(None, None, f"the number {text[:20]}... has more than 4,300 digits"
                                                    if len(text) > 4300 else f"not a number: {exc}", node.start_mark) from None


Yaml12Loader.yaml_implicit_resolvers = {  # the safe loader's, less YAML 1.1's booleans and numbers
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _YAML12_BOOL, list("tTfF"))
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:int", _YAML12_INT, list("-+0123456789"))
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:float", _YAML12_FLOAT, list("-+0123456789."))
Yaml12Loader.add_constructor("tag:yaml.org,2002:int", Yaml12Loader.construct_yaml_int)


CSafeLoader = getattr(yaml, "CSafeLoader", None)  # PyYAML's parser in C (libyaml), when PyYAML was built with it
# what libyaml reads otherwise than PyYAML's Python parser (see _c_compose): a tab, a byte-order mark, the
# Unicode line breaks, a block scalar's header with a comment right after it (|#), anything that may be a tag (!x)
_C_DIFFERS = re.compile("[\t\ufeff\x85\u2028\u2029]|[|>][-+0-9]*#|(?:^|[\\s,\\[\\]{}])!", re.MULTILINE)


def parse_yaml(text: str, source: str | None = None, c_parser: bool | None = None) -> Document:
    """YAML (1.2 core schema, safe) into a Document with the line of every value.

    Refused with the line: unknown tags (!!python/..., !custom), a key given twice in one mapping (a key that
    overrides one brought in by a merge key << is fine), lone surrogates, aliases or nesting over the limits,
    an alias that contains itself, and a document that aliases expand past the node limit (a "billion laughs").

    The text is parsed by libyaml (PyYAML's C parser) when PyYAML has it, about ten times faster than its
    Python parser, and by the Python parser otherwise (`c_parser=False` always, `True` only when present).
    Both give the same nodes, resolved and built here by the same code; whenever the C parser refuses the
    text, or the document goes over the alias or nesting limits, the Python parser reads it again, so every
    message is the Python parser's, word for word (tests/test_yaml_parsers.py compares the two).
    """
    from evalkit.io.limits import limits

    if not text.strip():
        raise DefinitionError(Problem("the file is empty", source=source, expected="a YAML mapping"))
    limit = limits()
    node = None
    if c_parser is not False and CSafeLoader is not None and text.endswith("\n") and not _C_DIFFERS.search(text):
        node = _c_compose(text, limit.yaml_aliases, limit.depth)  # see _c_compose on what it is not given
    if node is None:
        node = _python_compose(text, source, limit.yaml_aliases, limit.depth)
    if node is None:
        raise DefinitionError(Problem("the file holds no data", source=source, expected="a YAML mapping"))
    _check_expansion(node, source, limit.yaml_nodes)
    lines: dict = {}
    texts: dict = {}
    problems: list[Problem] = []
    constructor = Yaml12Loader("")
    data = _build(node, (), lines, problems, constructor, source, texts, {})
    if problems:
        raise DefinitionError(problems)
    return Document(data=data, source=source, lines=lines, texts=texts)


def _python_compose(text: str, source: str | None, max_aliases: int, max_depth: int) -> yaml.Node | None:
    """The document's node graph from PyYAML's Python parser; its errors as DefinitionErrors with the line."""
    loader = None
    try:
        loader = Yaml12Loader(text)
        loader.max_aliases, loader.max_depth = max_aliases, max_depth
        node: yaml.Node | None = loader.get_single_node()
        return node
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        found = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise DefinitionError(Problem("the file holds a control character that YAML does not allow", source=source,
                                      line=line, expected="text without NUL or other control characters",
                                      found=f"{found} at column {column}")) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError(Problem(f"not valid YAML: {reason}", source=source, line=where)) from None
    finally:
        if loader is not None:
            loader.dispose()


class _CYaml12Loader(*((CSafeLoader,) if CSafeLoader is not None else ())):  # type: ignore[misc]
    """libyaml's parser and composer with Yaml12Loader's resolvers (YAML 1.2 core schema)."""

    yaml_implicit_resolvers = Yaml12Loader.yaml_implicit_resolvers

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit == (False, False):
            # only a scalar with the non-specific tag "!" gets here so: libyaml calls it not implicit where the
            # Python parser calls an empty one implicit (null); leave the text to the Python parser
            raise yaml.YAMLError("the non-specific tag '!'")
        return super().resolve(kind, value, implicit)


def _c_compose(text: str, max_aliases: int, max_depth: int) -> yaml.Node | None:
    """The document's node graph from libyaml, as Yaml12Loader composes it; None when libyaml refuses the text or
    the graph goes over the alias or nesting limits (the Python parser then reads it and says why).

    Not called for a text with a tab: libyaml takes a tab as white space where the YAML spec allows it
    (``a:\tb``, ``a\t``), PyYAML's Python scanner refuses some of those, and what evalkit accepts does not change.
    Nor for a text with a byte-order mark after its start (libyaml drops it, Python keeps it in the value),
    the Unicode line breaks NEL, LS and PS, a block scalar header with a comment right after it (``|#``,
    which libyaml takes and Python refuses), or anything that may be a tag (``!x``: the two check a tag's
    syntax differently, and evalkit refuses tags anyway); nor for one whose last line has no line break:
    there the two parsers can place an empty value (``---`` at the very end) on different lines. Scorecards
    have none of these, so that costs little; tests/test_cli_startup.py compares the parsers on generated texts.
    """
    try:
        loader = _CYaml12Loader(text)
        try:
            node: yaml.Node | None = loader.get_single_node()
        finally:
            loader.dispose()
    except Exception:  # a YAML error, or text libyaml cannot take (a lone surrogate): the Python parser says why
        return None
    if node is None:
        return None  # no document: the Python parser finds the same
    return node if _as_python_composes(node, max_aliases, max_depth) else None


def _as_python_composes(root: yaml.Node, max_aliases: int, max_depth: int) -> bool:
    """Check the limits Yaml12Loader checks while composing, on libyaml's graph, and make its nodes the same.

    Walked in document order, a node met again is an alias (*name), and a node's depth is its nesting in the
    text, as Yaml12Loader.compose_node counts them. libyaml marks a plain scalar with style '' where PyYAML's
    Python parser leaves None: set to None, so the nodes are the same.
    """
    seen: set[int] = set()
    aliases = 0
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return False
        if id(node) in seen:
            aliases += 1
            if aliases > max_aliases:
                return False
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.style == "":
                node.style = None
            continue
        stack.extend((child, depth + 1) for child in reversed(_children(node)))
    return True


def _check_expansion(root: yaml.Node, source: str | None, most: int) -> None:
    """Refuse an alias that contains itself, or a document whose aliases expand past `most` values."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            open_nodes.discard(key)
            if sizes[key] > most:
                raise DefinitionError(Problem(
                    f"aliases expand the file past {most:,} values, over evalkit's limit (a 'billion laughs'?; "
                    "set EVALKIT_MAX_YAML_NODES to allow more)", source=source, line=node.start_mark.line + 1,
                    expected=f"at most {most:,} values", found="more"))
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise DefinitionError(Problem("an alias refers to a list or mapping that contains it", source=source,
                                          line=node.start_mark.line + 1, expected="no recursive alias",
                                          found="an alias inside its own anchor"))
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _build(node: yaml.Node, path: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int], problems: list[Problem],
           constructor: yaml.SafeLoader, source: str | None, texts: dict[tuple[str | int, ...], str],
           own_counts: dict[int, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if node.tag not in _TAGS:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        problems.append(Problem(f"the YAML tag {tag} is not allowed", source=source, path=json_path(path),
                                line=node.start_mark.line + 1, expected="plain values, lists and mappings (no tags)",
                                found=tag))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        if id(node) not in own_counts:
            own_counts[id(node)] = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
        try:
            constructor.flatten_mapping(node)  # resolves YAML merge keys (<<)
        except yaml.YAMLError as exc:
            problems.append(Problem(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", source=source,
                                    path=json_path(path), line=node.start_mark.line + 1))
            return result
        first_own = len(node.value) - own_counts[id(node)]
        own: set[str] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            try:
                key = constructor.construct_object(key_node, deep=True) if key_node.tag in _TAGS else None
            except yaml.YAMLError as exc:
                problems.append(Problem(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", source=source,
                                        path=json_path(path), line=key_node.start_mark.line + 1))
                continue
            if not isinstance(key, (str, int, float, bool)) or key is None:
                problems.append(Problem("a mapping key must be a plain value", source=source,
                                        path=json_path(path), line=key_node.start_mark.line + 1))
                continue
            key = key if isinstance(key, str) else str(key)
            if _surrogate(key) is not None:
                problems.append(_surrogate_problem(key, source, json_path(path), key_node.start_mark.line + 1))
            if index < first_own:  # brought in by a merge key: the first mapping merged wins, own keys override
                if key not in result:
                    result[key] = _build(value_node, path + (key,), lines, problems, constructor, source, texts,
                                         own_counts)
                continue
            if key in own:
                problems.append(Problem(f"the key {key!r} is given twice in the same mapping", source=source,
                                        path=json_path(path + (key,)), line=key_node.start_mark.line + 1,
                                        expected="each key once", found=f"again on line {key_node.start_mark.line + 1}"))
            own.add(key)
            result[key] = _build(value_node, path + (key,), lines, problems, constructor, source, texts, own_counts)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, path + (i,), lines, problems, constructor, source, texts, own_counts)
                for i, child in enumerate(node.value)]
    try:
        value = constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        problems.append(Problem(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", source=source,
                                path=json_path(path), line=node.start_mark.line + 1))
        return None
    if hasattr(value, "isoformat"):  # YAML turns 2025-01-01 into a date; definitions keep it as text
        value = value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and getattr(node, "style", None) is None \
            and str(value) != node.value:
        texts[path] = node.value  # as written: version 2025.10 stays "2025.10" where text is expected
    if isinstance(value, str) and _surrogate(value) is not None:
        problems.append(_surrogate_problem(value, source, json_path(path), node.start_mark.line + 1))
    return value
