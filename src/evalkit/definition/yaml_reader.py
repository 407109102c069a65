"""YAML definitions read with PyYAML: the YAML 1.2 core schema, libyaml's parser where present, and the line of
every value (evalkit.definition.documents.parse_yaml is the entry; this module is imported only when a text has to
be parsed, so a start whose definition comes from the parsed-document cache does not import PyYAML).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from evalkit.definition.documents import Document, json_path, surrogate_index, surrogate_problem
from evalkit.errors import DefinitionError, Problem

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


def parse_yaml_text(text: str, source: str | None = None, c_parser: bool | None = None) -> Document:
    """evalkit.definition.documents.parse_yaml (see there): the text parsed and built into a Document."""
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
            if surrogate_index(key) is not None:
                problems.append(surrogate_problem(key, source, json_path(path), key_node.start_mark.line + 1))
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
    if isinstance(value, str) and surrogate_index(value) is not None:
        problems.append(surrogate_problem(value, source, json_path(path), node.start_mark.line + 1))
    return value
