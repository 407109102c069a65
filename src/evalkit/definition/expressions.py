"""Derived indicators: a small, safe expression language over indicator columns.

A derived indicator is computed from other indicators, the way a DHIS2 indicator is
``numerator / denominator * factor``::

    party_members / staff * 100
    if(complaints > 0, resolved / complaints * 100, 100)
    coalesce({on-time-reports}, 0) + max(a.1, a.2)

The text is read by a hand-written tokenizer and recursive-descent parser into a small immutable
tree (attrs frozen classes), which is evaluated with numpy over whole columns at once. Nothing is
ever handed to Python's own evaluator, so a formula can do arithmetic and nothing else.

Grammar (EBNF; spaces, tabs and newlines separate tokens and are otherwise ignored)::

    formula     = condition ;                          the result must be a number
    condition   = conjunction { "or" conjunction } ;
    conjunction = negation { "and" negation } ;
    negation    = "not" negation | comparison ;
    comparison  = sum [ ( "<" | "<=" | ">" | ">=" | "==" | "!=" ) sum ] ;   never chained
    sum         = product { ( "+" | "-" ) product } ;                       left-associative
    product     = unary { ( "*" | "/" ) unary } ;                           left-associative
    unary       = "-" unary | primary ;
    primary     = NUMBER | NAME | "{" ID "}"
                | FUNCTION "(" condition { "," condition } ")"
                | "(" condition ")" ;
    NUMBER      = digits [ "." digits ] [ ( "e" | "E" ) [ "+" | "-" ] digits ] | "." digits ;
    NAME        = ( letter | "_" ) { letter | digit | "_" | "." } ;   but not and, or, not
    ID          = ( letter | "_" ) { letter | digit | "_" | "." | "-" } ;   any indicator id

Letters and digits are ASCII. Precedence, loosest first: ``or``, ``and``, ``not``, comparisons,
``+ -``, ``* /``, unary ``-``. So ``2-3-4`` is ``(2-3)-4``, ``8/4/2`` is ``(8/4)/2`` and
``-2*3`` is ``(-2)*3``.

Names. An indicator id may contain ``-`` (the scorecard allows ``[A-Za-z_][A-Za-z0-9_.-]*``), but
``a-b`` in a formula always means ``a`` minus ``b``. Write such an id in braces, as DHIS2 writes
``#{...}``: ``{on-time-reports}``. Braces also quote an indicator whose id is a keyword
(``{and}``) or a function name (``{min}``). Ids with only letters, digits, ``_`` and ``.`` can be
written bare: ``a.b``, ``a_b``. A name directly followed by ``(`` is a function call.

Two kinds of value. Arithmetic, functions and the whole formula give *numbers*; comparisons and
``and``/``or``/``not`` give *conditions*, which are only allowed as the first argument of ``if``
(or inside another condition). Mixing them up is a definition error found when parsing.

Functions:

    min(x, ...), max(x, ...)     the smallest / largest of one or more numbers
    abs(x)                       the absolute value
    if(condition, a, b)          a where the condition holds, b elsewhere (only the chosen
                                 branch matters: a division by zero in the other is ignored)
    coalesce(x, y, ...)          the first of its arguments that is not missing
    round_half_up(x, decimals)   x rounded half away from zero (as Excel's ROUND and
                                 evalkit.scoring.rounding), decimals a whole number from 0 to 10
    lag(x, k)                    x in the period k periods earlier (of the same kind: the year
                                 before a year, the quarter before a quarter), k a whole number
                                 from 1 to 20; x may be any number expression
    yoy(x)                       year-on-year change in percent: (x - x a year earlier) / (x a year
                                 earlier) x 100 (a year earlier: lag 1 for years, 4 for quarters,
                                 12 for months, 2 for half years)
    consecutive(condition, k)    how many periods in a row, ending with this one, the condition
                                 holds, counting back at most k periods (k from 1 to 20):
                                 ``consecutive(recruited == 0, 3) >= 3`` is 连续三年未发展党员

Earlier periods. `lag`, `yoy` and `consecutive` read the other periods of the data (the DataSet's
history). Where the earlier period is absent, or a unit has no value there, the result is missing
with reason 4, "no value for an earlier period"; `consecutive` is missing only when its count could
still change (the run of periods reaches a period without data before k periods or a period where
the condition fails).

Missing values. Columns are float64 arrays with NaN for a missing value. Every unit's result comes
with a reason code (see `REASONS`): 0 ok, 1 an input is missing (NaN or infinite input), 2
division by zero, 3 invalid result (an overflow to infinity, or inf - inf). A result is NaN exactly
where its reason is not 0, and finite elsewhere: never inf, and never a numpy warning. Missing
values propagate through everything (arithmetic, min, max, comparisons, and, or, not) except
`coalesce`, which replaces a missing value whatever its reason (``coalesce(a / b, 0)`` gives 0 for a
zero denominator), and the branch of `if` that is not chosen. When several inputs of one
operation are missing, the reason of the leftmost one is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple, NoReturn

import attrs
import numpy as np

from evalkit.errors import DefinitionError, Problem
from evalkit.scoring.rounding import round_array

__all__ = [
    "DIVISION_BY_ZERO",
    "FUNCTIONS",
    "INVALID",
    "MISSING",
    "NO_HISTORY",
    "OK",
    "REASONS",
    "BinaryOp",
    "Call",
    "Comparison",
    "Expression",
    "Logical",
    "Name",
    "Negate",
    "Node",
    "Not",
    "Number",
    "order",
    "parse",
]

# ---------------------------------------------------------------------------------------------
# Reason codes

OK = 0
MISSING = 1
DIVISION_BY_ZERO = 2
INVALID = 3
NO_HISTORY = 4

REASONS: Mapping[int, Mapping[str, str]] = MappingProxyType({
    OK: MappingProxyType({"en": "ok", "zh": "正常"}),
    MISSING: MappingProxyType({"en": "an input is missing", "zh": "输入数据缺失"}),
    DIVISION_BY_ZERO: MappingProxyType({"en": "division by zero", "zh": "除数为零"}),
    INVALID: MappingProxyType({"en": "invalid result (not a finite number)", "zh": "结果无效（非有限数值）"}),
    NO_HISTORY: MappingProxyType({"en": "no value for an earlier period", "zh": "缺少往期数据"}),
})
"""Reason code -> {"en": ..., "zh": ...}: why a unit's derived value is missing."""

MAX_NESTING = 50
"""Most parentheses, function calls, unary minus and `not` that may enclose one another."""

MAX_DEPTH = 200
"""Most levels in a formula's tree (a sum of 200 terms is 200 levels deep)."""

# ---------------------------------------------------------------------------------------------
# The tree

ARITHMETIC = ("+", "-", "*", "/")
COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")
KEYWORDS = ("and", "or", "not")


def _finite_non_negative(instance: Any, attribute: attrs.Attribute[float], value: Any) -> None:
    if not isinstance(value, float) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{attribute.name} must be a finite float >= 0 (write -x as Negate), found {value!r}")


def _as_tuple(items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(items)


def _as_float(value: Any) -> float:
    return float(value)


@attrs.frozen
class Number:
    """A literal number; negative numbers are `Negate(Number(...))`, as they are written."""

    value: float = attrs.field(converter=_as_float, validator=_finite_non_negative)  # a function, not the built-in: attrs reads a built-in's signature with the tokenizer (ms at every start)


@attrs.frozen
class Name:
    """An indicator, by id."""

    name: str = attrs.field(validator=attrs.validators.instance_of(str))


@attrs.frozen
class Negate:
    """Unary minus."""

    operand: Node


@attrs.frozen
class BinaryOp:
    """`left op right` for op in + - * /."""

    op: str = attrs.field(validator=attrs.validators.in_(ARITHMETIC))
    left: Node
    right: Node


@attrs.frozen
class Comparison:
    """`left op right` for op in < <= > >= == != (a condition)."""

    op: str = attrs.field(validator=attrs.validators.in_(COMPARISONS))
    left: Node
    right: Node


@attrs.frozen
class Logical:
    """`left and right` or `left or right` (a condition)."""

    op: str = attrs.field(validator=attrs.validators.in_(("and", "or")))
    left: Node
    right: Node


@attrs.frozen
class Not:
    """`not operand` (a condition)."""

    operand: Node


@attrs.frozen
class Call:
    """A function call, `function(args...)`."""

    function: str
    args: tuple[Node, ...] = attrs.field(converter=_as_tuple)


Node = Number | Name | Negate | BinaryOp | Comparison | Logical | Not | Call


class _Signature(NamedTuple):
    minimum: int
    maximum: int | None  # None: any number
    usage: str


FUNCTIONS: Mapping[str, _Signature] = MappingProxyType({
    "abs": _Signature(1, 1, "abs(x)"),
    "coalesce": _Signature(2, None, "coalesce(x, default, ...)"),
    "if": _Signature(3, 3, "if(condition, value if true, value if false)"),
    "max": _Signature(1, None, "max(x, ...)"),
    "min": _Signature(1, None, "min(x, ...)"),
    "round_half_up": _Signature(2, 2, "round_half_up(x, decimals)"),
    "lag": _Signature(2, 2, "lag(x, periods back)"),
    "yoy": _Signature(1, 1, "yoy(x)"),
    "consecutive": _Signature(2, 2, "consecutive(condition, most periods)"),
})
"""The functions a formula may call, with their number of arguments and usage."""

MAX_DECIMALS = 10
MAX_LAG = 20  # the most periods lag and consecutive look back


def _is_condition(node: Node) -> bool:
    return isinstance(node, (Comparison, Logical, Not))


# ---------------------------------------------------------------------------------------------
# Tokens

_DIGITS = frozenset("0123456789")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _LETTERS | _DIGITS | {"."}
_ID_CHARS = _NAME_CHARS | {"-"}
_SPACE = frozenset(" \t\r\n")
_ID_RULE = "an indicator id (letters, digits, _ . -, starting with a letter or _)"


class _Token(NamedTuple):
    kind: str  # number, name, keyword, op, end
    text: str  # as written (for a braced name, with its braces)
    column: int  # 1-based character position of its first character
    value: Any = None  # float for number, the id for name, the operator or keyword otherwise


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "end of expression"
    if token.kind == "number":
        return f"the number {token.text}"
    if token.kind == "name":
        return f"the name {token.text if token.text.startswith('{') else repr(token.text)}"
    return repr(token.text)


def _found_char(text: str, i: int) -> str:
    return "end of expression" if i >= len(text) else repr(text[i])


class _Failure(Exception):
    def __init__(self, expected: str, column: int, found: str):
        super().__init__(expected, column, found)
        self.expected, self.column, self.found = expected, column, found


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _SPACE:
            i += 1
        elif c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            start = i
            while i < n and text[i] in _DIGITS:
                i += 1
            if i < n and text[i] == ".":
                i += 1
                if i >= n or text[i] not in _DIGITS:
                    raise _Failure("a digit after '.'", i + 1, _found_char(text, i))
                while i < n and text[i] in _DIGITS:
                    i += 1
            if i < n and text[i] in "eE":
                i += 1
                if i < n and text[i] in "+-":
                    i += 1
                if i >= n or text[i] not in _DIGITS:
                    raise _Failure("a digit in the exponent", i + 1, _found_char(text, i))
                while i < n and text[i] in _DIGITS:
                    i += 1
            written = text[start:i]
            value = float(written)
            if not np.isfinite(value):
                raise _Failure("a number below 1.8e308", start + 1, f"the number {written}")
            tokens.append(_Token("number", written, start + 1, value))
        elif c in _LETTERS:
            start = i
            while i < n and text[i] in _NAME_CHARS:
                i += 1
            word = text[start:i]
            kind = "keyword" if word in KEYWORDS else "name"
            tokens.append(_Token(kind, word, start + 1, word))
        elif c == "{":
            start = i
            i += 1
            if i >= n or text[i] not in _LETTERS:
                raise _Failure(_ID_RULE, i + 1, _found_char(text, i))
            while i < n and text[i] in _ID_CHARS:
                i += 1
            if i >= n or text[i] != "}":
                expected = "'}'" if i >= n or text[i] in _SPACE else f"'}}' or {_ID_RULE}"
                raise _Failure(expected, i + 1, _found_char(text, i))
            i += 1
            tokens.append(_Token("name", text[start:i], start + 1, text[start + 1:i - 1]))
        elif c in "<>=!":
            two = text[i:i + 2]
            if two in ("<=", ">=", "==", "!="):
                tokens.append(_Token("op", two, i + 1, two))
                i += 2
            elif c in "<>":
                tokens.append(_Token("op", c, i + 1, c))
                i += 1
            else:
                raise _Failure(f"'{c}='", i + 1, repr(c))
        elif c in "+-*/(),":
            tokens.append(_Token("op", c, i + 1, c))
            i += 1
        else:
            raise _Failure("a number, a name, an operator or a parenthesis", i + 1, repr(c))
    tokens.append(_Token("end", "", n + 1))
    return tokens


# ---------------------------------------------------------------------------------------------
# Parser


class _Parsed(NamedTuple):
    node: Node
    column: int  # where the sub-expression starts (1-based)
    depth: int


_NUMBER_EXPECTED = "a number, a name or '('"


class _Parser:
    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.i = 0
        self.nesting = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at(self, kind: str, *values: str) -> bool:
        token = self.tokens[self.i]
        return token.kind == kind and (not values or token.value in values)

    def fail(self, expected: str, token: _Token | None = None) -> NoReturn:
        token = token or self.token
        raise _Failure(expected, token.column, _describe(token))

    def enter(self, token: _Token) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise _Failure(f"at most {MAX_NESTING} levels of parentheses, functions, '-' and 'not'",
                           token.column, "deeper nesting")

    def make(self, node: Node, column: int, *children: _Parsed) -> _Parsed:
        depth = 1 + max((c.depth for c in children), default=0)
        if depth > MAX_DEPTH:
            raise _Failure(f"a formula at most {MAX_DEPTH} levels deep", column, "a deeper formula")
        return _Parsed(node, column, depth)

    @staticmethod
    def need_number(part: _Parsed, where: str) -> None:
        if _is_condition(part.node):
            raise _Failure(f"a number {where}", part.column, "a condition")

    @staticmethod
    def need_condition(part: _Parsed, where: str) -> None:
        if not _is_condition(part.node):
            raise _Failure(f"a condition (a comparison such as x > 0) {where}", part.column, "a number")

    # formula = condition, which must be a number
    def formula(self) -> _Parsed:
        result = self.condition()
        if not self.at("end"):
            self.fail("an operator or end of expression")
        if _is_condition(result.node):
            raise _Failure("a number as the result (for a yes/no indicator write if(condition, 1, 0))",
                           result.column, "a condition")
        return result

    def condition(self) -> _Parsed:
        left = self.conjunction()
        while self.at("keyword", "or"):
            self.need_condition(left, "before 'or'")
            self.take()
            right = self.conjunction()
            self.need_condition(right, "after 'or'")
            left = self.make(Logical("or", left.node, right.node), left.column, left, right)
        return left

    def conjunction(self) -> _Parsed:
        left = self.negation()
        while self.at("keyword", "and"):
            self.need_condition(left, "before 'and'")
            self.take()
            right = self.negation()
            self.need_condition(right, "after 'and'")
            left = self.make(Logical("and", left.node, right.node), left.column, left, right)
        return left

    def negation(self) -> _Parsed:
        if self.at("keyword", "not"):
            token = self.take()
            self.enter(token)
            operand = self.negation()
            self.nesting -= 1
            self.need_condition(operand, "after 'not'")
            return self.make(Not(operand.node), token.column, operand)
        return self.comparison()

    def comparison(self) -> _Parsed:
        left = self.sum()
        if self.at("op", *COMPARISONS):
            op = self.take().value
            self.need_number(left, f"before '{op}'")
            right = self.sum()
            self.need_number(right, f"after '{op}'")
            if self.at("op", *COMPARISONS):
                self.fail("'and' or 'or' between two comparisons (they cannot be chained)")
            return self.make(Comparison(op, left.node, right.node), left.column, left, right)
        return left

    def sum(self) -> _Parsed:
        left = self.product()
        while self.at("op", "+", "-"):
            op = self.take().value
            self.need_number(left, f"before '{op}'")
            right = self.product()
            self.need_number(right, f"after '{op}'")
            left = self.make(BinaryOp(op, left.node, right.node), left.column, left, right)
        return left

    def product(self) -> _Parsed:
        left = self.unary()
        while self.at("op", "*", "/"):
            op = self.take().value
            self.need_number(left, f"before '{op}'")
            right = self.unary()
            self.need_number(right, f"after '{op}'")
            left = self.make(BinaryOp(op, left.node, right.node), left.column, left, right)
        return left

    def unary(self) -> _Parsed:
        if self.at("op", "-"):
            token = self.take()
            self.enter(token)
            operand = self.unary()
            self.nesting -= 1
            self.need_number(operand, "after '-'")
            return self.make(Negate(operand.node), token.column, operand)
        return self.primary()

    def primary(self) -> _Parsed:
        token = self.token
        if token.kind == "number":
            self.take()
            return self.make(Number(token.value), token.column)
        if token.kind == "name":
            self.take()
            if self.at("op", "(") and not token.text.startswith("{"):
                return self.call(token)
            return self.make(Name(token.value), token.column)
        if self.at("op", "("):
            self.take()
            self.enter(token)
            inner = self.condition()
            if not self.at("op", ")"):
                self.fail("')'")
            self.take()
            self.nesting -= 1
            return _Parsed(inner.node, token.column, inner.depth)
        if token.kind == "keyword":
            self.fail(f"{_NUMBER_EXPECTED} (write an indicator named {token.text!r} as {{{token.text}}})")
        self.fail(_NUMBER_EXPECTED)

    def call(self, name: _Token) -> _Parsed:
        function = name.value
        signature = FUNCTIONS.get(function)
        if signature is None:
            raise _Failure("a function: " + ", ".join(FUNCTIONS), name.column,
                           f"{function!r} followed by '('")
        self.enter(name)
        self.take()  # "("
        args = [self.condition()]
        while not self.at("op", ")"):
            if not self.at("op", ","):
                self.fail("',' or ')'")
            self.take()
            args.append(self.condition())
        self.take()  # ")"
        self.nesting -= 1
        count = len(args)
        if count < signature.minimum or (signature.maximum is not None and count > signature.maximum):
            if signature.maximum == signature.minimum:
                wanted = f"{signature.minimum} argument{'s' if signature.minimum > 1 else ''}"
            else:
                wanted = f"at least {signature.minimum} argument{'s' if signature.minimum > 1 else ''}"
            raise _Failure(f"{wanted}: {signature.usage}", name.column,
                           f"{count} argument{'s' if count > 1 else ''}")
        for k, arg in enumerate(args):
            ordinal = _ORDINALS[k] if k < len(_ORDINALS) else f"#{k + 1}"
            if function in ("if", "consecutive") and k == 0:
                self.need_condition(arg, f"as the first argument of {function}")
            else:
                self.need_number(arg, f"as the {ordinal} argument of {function}")
        if function == "round_half_up":
            decimals = args[1].node
            if not (isinstance(decimals, Number) and decimals.value.is_integer() and decimals.value <= MAX_DECIMALS):
                found = f"the number {_render_number(decimals.value)}" if isinstance(decimals, Number) else "an expression"
                raise _Failure(f"a whole number from 0 to {MAX_DECIMALS} as the decimals of round_half_up",
                               args[1].column, found)
        if function in ("lag", "consecutive"):
            steps = args[1].node
            if not (isinstance(steps, Number) and steps.value.is_integer() and 1 <= steps.value <= MAX_LAG):
                found = f"the number {_render_number(steps.value)}" if isinstance(steps, Number) else "an expression"
                raise _Failure(f"a whole number from 1 to {MAX_LAG} as the periods of {function}", args[1].column, found)
        return self.make(Call(function, tuple(a.node for a in args)), name.column, *args)


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def parse(text: str, source: str | None = None, path: str | None = None) -> Expression:
    """Read a formula; raise DefinitionError (one Problem, at `source` and `path`) if it is malformed.

    The problem's message reads "expected X at character N; found Y", N counting from 1 over the
    whole text.
    """
    if not isinstance(text, str):
        raise DefinitionError(Problem(f"expected a formula (text); found {type(text).__name__}",
                                      source=source, path=path))
    try:
        parsed = _Parser(_tokenize(text)).formula()
    except _Failure as failure:
        raise DefinitionError(Problem(f"expected {failure.expected} at character {failure.column}; "
                                      f"found {failure.found}", source=source, path=path)) from None
    return Expression(parsed.node, text)


# ---------------------------------------------------------------------------------------------
# Rendering

_LEVEL = {"or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5, "*": 6, "/": 6, "negate": 7, "atom": 8}


def _level(node: Node) -> int:
    if isinstance(node, (BinaryOp, Logical)):
        return _LEVEL[node.op]
    if isinstance(node, Comparison):
        return _LEVEL["compare"]
    if isinstance(node, Not):
        return _LEVEL["not"]
    if isinstance(node, Negate):
        return _LEVEL["negate"]
    return _LEVEL["atom"]


def _render_number(value: float) -> str:
    if value.is_integer() and value < 1e16:
        return str(int(value))
    return repr(value)


def _render_name(name: str) -> str:
    bare = (bool(name) and name[0] in _LETTERS and all(c in _NAME_CHARS for c in name)
            and name not in KEYWORDS and name not in FUNCTIONS)
    return name if bare else "{" + name + "}"


def _wrap(node: Node, parenthesise: bool) -> str:
    text = _render(node)
    return f"({text})" if parenthesise else text


def _render(node: Node) -> str:
    if isinstance(node, Number):
        return _render_number(node.value)
    if isinstance(node, Name):
        return _render_name(node.name)
    if isinstance(node, Call):
        return f"{node.function}({', '.join(_render(a) for a in node.args)})"
    if isinstance(node, Negate):
        return "-" + _wrap(node.operand, _level(node.operand) < _LEVEL["negate"])
    if isinstance(node, Not):
        return "not " + _wrap(node.operand, _level(node.operand) < _LEVEL["not"])
    if isinstance(node, (BinaryOp, Logical, Comparison)):
        level = _level(node)
        # left-associative: the left side may sit at the same level, the right side may not;
        # comparisons do not chain, so neither side may be a comparison
        left_needs = _level(node.left) < level or (level == _LEVEL["compare"] and _level(node.left) == level)
        left = _wrap(node.left, left_needs)
        right = _wrap(node.right, _level(node.right) <= level)
        return f"{left} {node.op} {right}"
    raise TypeError(f"not a formula node: {node!r}")


def _collect_names(root: Node) -> frozenset:
    names = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Name):
            names.add(node.name)
        elif isinstance(node, (Negate, Not)):
            stack.append(node.operand)
        elif isinstance(node, (BinaryOp, Comparison, Logical)):
            stack.extend((node.left, node.right))
        elif isinstance(node, Call):
            stack.extend(node.args)
    return frozenset(names)


# ---------------------------------------------------------------------------------------------
# Evaluation
#
# A value during evaluation is (values, reasons): values a float64 (or, for a condition, bool)
# array of shape (n,) or () for a constant; reasons a uint8 array of the same kind, or None when
# every unit is ok. Invariant: values are NaN (False for a condition) exactly where reasons != 0,
# and finite elsewhere.

_Value = tuple  # (np.ndarray, np.ndarray | None)
_NAN = np.float64(np.nan)


def _first_reason(*reasons: np.ndarray | None) -> np.ndarray | None:
    """Per unit, the first non-zero reason in argument order (None if every one is None)."""
    result = None
    for r in reasons:
        if r is None:
            continue
        result = r if result is None else np.where(result != OK, result, r)
    return result


def _settle(values: np.ndarray, reasons: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Mark non-finite results of ok inputs as invalid, then blank every unit that has a reason."""
    bad = ~np.isfinite(values)
    if bad.any():
        fresh = bad if reasons is None else bad & (reasons == OK)
        if fresh.any():
            reasons = np.where(fresh, np.uint8(INVALID), np.uint8(OK) if reasons is None else reasons)
    if reasons is not None:
        values = np.where(reasons != OK, _NAN, values)
    return values, reasons


def _blank_condition(values: np.ndarray, reasons: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    if reasons is not None:
        values = np.where(reasons != OK, False, values)
    return values, reasons


_ARITHMETIC: Mapping[str, Callable] = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}
_COMPARE: Mapping[str, Callable] = {"<": np.less, "<=": np.less_equal, ">": np.greater,
                                    ">=": np.greater_equal, "==": np.equal, "!=": np.not_equal}


class _Evaluator:
    def __init__(self, columns: Mapping[str, np.ndarray], n: int, text: str,
                 history: Mapping[str, Mapping[str, np.ndarray]] | None = None, period: str | None = None,
                 earlier: bool = False):
        self.columns = columns
        self.n = n
        self.text = text
        self.inputs: dict[str, _Value] = {}
        self.history = history or {}
        self.period = period
        self.earlier = earlier  # evaluating inside lag/consecutive: a missing value is missing history

    def before(self, steps: int) -> _Evaluator | None:
        """An evaluator over the period `steps` periods earlier (None: that period is not in the history)."""
        from evalkit.definition.periods import period_before

        try:
            target = period_before(str(self.period), steps)
        except ValueError:
            return None
        columns = self.history.get(target)
        if columns is None:
            return None
        return _Evaluator(columns, self.n, self.text, self.history, target, earlier=True)

    def no_history(self) -> _Value:
        return np.full(self.n, _NAN), np.full(self.n, NO_HISTORY, dtype=np.uint8)

    def lag(self, node: Node, steps: int) -> _Value:
        other = self.before(steps)
        return self.no_history() if other is None else other.visit(node)

    def consecutive(self, node: Node, most: int) -> _Value:
        held, reasons = self.visit(node)
        held = np.broadcast_to(held, (self.n,))
        count = np.where(held, 1.0, 0.0)
        open_ = held.copy() if reasons is None else held & (reasons == OK)  # the run may still go on
        undetermined = np.zeros(self.n, dtype=bool)
        for steps in range(1, most):
            if not open_.any():
                break
            other = self.before(steps)
            if other is None:
                undetermined |= open_
                break
            earlier, why = other.visit(node)
            earlier = np.broadcast_to(earlier, (self.n,))
            unknown = open_ & (np.zeros(self.n, dtype=bool) if why is None else why != OK)
            undetermined |= unknown
            go_on = open_ & ~unknown & earlier
            count = np.where(go_on, count + 1.0, count)
            open_ = go_on
        out_reasons = reasons
        if undetermined.any():
            base = np.zeros(self.n, dtype=np.uint8) if reasons is None else np.broadcast_to(reasons, (self.n,))
            out_reasons = np.where(undetermined & (base == OK), np.uint8(NO_HISTORY), base)
        return _settle(count, out_reasons)

    def visit(self, node: Node) -> _Value:
        return _DISPATCH[type(node)](self, node)

    def number(self, node: Number) -> _Value:
        return np.float64(node.value), None

    def name(self, node: Name) -> _Value:
        if node.name in self.inputs:
            return self.inputs[node.name]
        if self.earlier and node.name not in self.columns:
            return self.no_history()
        try:
            column = self.columns[node.name]
        except KeyError:
            raise KeyError(f"the formula {self.text!r} uses the indicator {node.name!r}, "
                           f"which is not among the {len(self.columns)} columns given") from None
        column = np.asarray(column, dtype=np.float64)
        if column.shape != (self.n,):
            raise ValueError(f"the column {node.name!r} has shape {column.shape}; expected ({self.n},)")
        bad = ~np.isfinite(column)
        if bad.any():  # reason 1 = MISSING, or 4 = NO_HISTORY in an earlier period
            value = (np.where(bad, _NAN, column), bad.astype(np.uint8) * np.uint8(NO_HISTORY if self.earlier else MISSING))
        else:
            value = (column, None)
        self.inputs[node.name] = value
        return value

    def negate(self, node: Negate) -> _Value:
        values, reasons = self.visit(node.operand)
        return np.negative(values), reasons

    def binary(self, node: BinaryOp) -> _Value:
        a, ra = self.visit(node.left)
        b, rb = self.visit(node.right)
        reasons = _first_reason(ra, rb)
        if node.op == "/":
            zero = b == 0  # a missing b is NaN, never 0
            if zero.any():
                fresh = zero if reasons is None else zero & (reasons == OK)
                reasons = np.where(fresh, np.uint8(DIVISION_BY_ZERO), np.uint8(OK) if reasons is None else reasons)
        return _settle(_ARITHMETIC[node.op](a, b), reasons)

    def comparison(self, node: Comparison) -> _Value:
        a, ra = self.visit(node.left)
        b, rb = self.visit(node.right)
        return _blank_condition(_COMPARE[node.op](a, b), _first_reason(ra, rb))

    def logical(self, node: Logical) -> _Value:
        a, ra = self.visit(node.left)
        b, rb = self.visit(node.right)
        values = np.logical_and(a, b) if node.op == "and" else np.logical_or(a, b)
        return _blank_condition(values, _first_reason(ra, rb))

    def not_(self, node: Not) -> _Value:
        values, reasons = self.visit(node.operand)
        return _blank_condition(np.logical_not(values), reasons)

    def call(self, node: Call) -> _Value:
        function = node.function
        if function == "if":
            (c, rc), (a, ra), (b, rb) = (self.visit(arg) for arg in node.args)
            values = np.where(c, a, b)
            branch = None if ra is None and rb is None else np.where(
                c, np.uint8(OK) if ra is None else ra, np.uint8(OK) if rb is None else rb)
            return _settle(values, _first_reason(rc, branch))
        if function == "coalesce":
            evaluated = [self.visit(arg) for arg in node.args]
            values, reasons = evaluated[-1]
            for v, r in reversed(evaluated[:-1]):
                if r is None:  # never missing: the later arguments do not matter
                    values, reasons = v, None
                else:  # where v is missing, the later arguments' value and reason stand
                    ok = r == OK
                    values = np.where(ok, v, values)
                    reasons = None if reasons is None else np.where(ok, np.uint8(OK), reasons)
            return _settle(values, reasons)
        if function in ("min", "max"):
            combine = np.minimum if function == "min" else np.maximum
            values, reasons = self.visit(node.args[0])
            for arg in node.args[1:]:
                v, r = self.visit(arg)
                values, reasons = combine(values, v), _first_reason(reasons, r)
            return _settle(values, reasons)
        if function == "abs":
            values, reasons = self.visit(node.args[0])
            return np.abs(values), reasons
        if function == "round_half_up":
            values, reasons = self.visit(node.args[0])
            decimals = node.args[1]
            assert isinstance(decimals, Number)  # the parser accepts only a whole number here
            return _settle(round_array(values, int(decimals.value), "half_up"), reasons)
        if function in ("lag", "consecutive"):
            steps = node.args[1]
            assert isinstance(steps, Number)  # the parser accepts only a whole number here
            if function == "lag":
                return self.lag(node.args[0], int(steps.value))
            return self.consecutive(node.args[0], int(steps.value))
        if function == "yoy":
            from evalkit.definition.periods import periods_per_year

            try:
                back = periods_per_year(str(self.period))
            except ValueError:
                return self.no_history()
            x = node.args[0]
            before = Call("lag", (x, Number(float(back))))
            return self.visit(BinaryOp("*", BinaryOp("/", BinaryOp("-", x, before), before), Number(100.0)))
        raise ValueError(f"unknown function {function!r} in the formula {self.text!r}")


_DISPATCH: Mapping[type, Callable] = {
    Number: _Evaluator.number, Name: _Evaluator.name, Negate: _Evaluator.negate,
    BinaryOp: _Evaluator.binary, Comparison: _Evaluator.comparison, Logical: _Evaluator.logical,
    Not: _Evaluator.not_, Call: _Evaluator.call,
}


@attrs.frozen
class Expression:
    """A parsed formula: its tree (`root`), the text it came from, and the indicators it uses.

    Two expressions are equal when their trees are, whatever the spacing of their texts.
    """

    root: Node
    text: str | None = attrs.field(default=None, eq=False)
    names: frozenset = attrs.field(init=False, eq=False, repr=False,
                                   default=attrs.Factory(lambda self: _collect_names(self.root), takes_self=True))

    def to_text(self) -> str:
        """The formula written canonically: single spaces around operators, only needed parentheses."""
        return _render(self.root)

    def evaluate(self, columns: Mapping[str, np.ndarray], n: int,
                 history: Mapping[str, Mapping[str, np.ndarray]] | None = None,
                 period: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Compute the formula for all `n` units at once.

        `history` (period -> columns of that period, aligned with `columns`) and `period` (the period of
        `columns`) are what `lag`, `yoy` and `consecutive` read; without them those give NO_HISTORY.

        `columns` maps each indicator id the formula uses to a float64 array of length n (NaN for a
        missing value). Returns (values, reasons): values a new float64 array, NaN exactly where
        reasons (a uint8 array, codes in `REASONS`) is not 0. Raises KeyError for an indicator
        that is not in `columns`. Never emits a numpy warning.
        """
        if _is_condition(self.root):
            raise ValueError(f"the formula {self.to_text()!r} is a condition, not a number")
        with np.errstate(all="ignore"):
            values, reasons = _Evaluator(columns, n, self.text or self.to_text(), history, period).visit(self.root)
        values = np.array(np.broadcast_to(values, (n,)), dtype=np.float64)
        if reasons is None:
            reasons = np.zeros(n, dtype=np.uint8)
        else:
            reasons = np.array(np.broadcast_to(reasons, (n,)), dtype=np.uint8)
        return values, reasons

    def __str__(self) -> str:
        return self.to_text()


# ---------------------------------------------------------------------------------------------
# Order of derived indicators


def order(definitions: Mapping[str, Expression], known: Iterable[str],
          paths: Mapping[str, str] | None = None, source: str | None = None) -> list[str]:
    """The derived indicators in an order where each comes after every derived one it uses.

    `definitions` maps a derived indicator's id to its formula, `known` holds the ids of the other
    indicators (data), and `paths` maps a derived id to the JSON path of its definition (e.g.
    ``$.derived[2].formula``) for the problems. A formula may use known indicators and other derived
    ones. Raises DefinitionError with one Problem for every unknown name in every formula and one
    for every cycle found (``a -> b -> a``: a uses b, which uses a). Ties keep the order of
    `definitions`.
    """
    paths = paths or {}
    known = set(known)
    problems: list[Problem] = []
    candidates = sorted(known | set(definitions))
    for name, expression in definitions.items():
        for used in sorted(expression.names):
            if used in definitions or used in known:
                continue
            import difflib  # here only: a suggestion for a mistake, not paid at every start
            close = difflib.get_close_matches(used, candidates, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(Problem(
                f"the formula of derived indicator {name!r} uses the unknown indicator {used!r}{hint}",
                source=source, path=paths.get(name),
                expected="the id of a data indicator or of another derived indicator"))

    position = {name: k for k, name in enumerate(definitions)}
    edges = {name: sorted((u for u in expr.names if u in definitions), key=position.__getitem__)
             for name, expr in definitions.items()}
    result: list[str] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    cycles: list[tuple[str, ...]] = []
    seen_cycles: set[tuple[str, ...]] = set()
    for start in definitions:
        if state.get(start):
            continue
        path = [start]
        iterators = [iter(edges[start])]
        state[start] = 1
        while path:
            following = next(iterators[-1], None)
            if following is None:
                done = path.pop()
                iterators.pop()
                state[done] = 2
                result.append(done)
            elif state.get(following) == 1:
                loop = path[path.index(following):]
                first = min(range(len(loop)), key=lambda k: position[loop[k]])
                cycle = tuple(loop[first:] + loop[:first])
                if cycle not in seen_cycles:
                    seen_cycles.add(cycle)
                    cycles.append(cycle)
            elif not state.get(following):
                state[following] = 1
                path.append(following)
                iterators.append(iter(edges[following]))
    for cycle in cycles:
        problems.append(Problem(
            "derived indicators depend on each other in a cycle: " + " -> ".join(cycle + cycle[:1]),
            source=source, path=paths.get(cycle[0])))
    if problems:
        raise DefinitionError(problems)
    return result
