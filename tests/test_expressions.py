"""Derived indicators' expression language: syntax, messages, missing values, order, properties."""

import functools
import io
import re
import tokenize
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit.definition import expressions
from evalkit.definition.expressions import (
    DIVISION_BY_ZERO,
    INVALID,
    MISSING,
    NO_HISTORY,
    OK,
    REASONS,
    BinaryOp,
    Call,
    Comparison,
    Expression,
    Logical,
    Name,
    Negate,
    Not,
    Number,
    order,
    parse,
)
from evalkit.errors import DefinitionError

N = Number


def value(text, **columns):
    """Evaluate a formula over columns given as lists; returns (values, reasons) as lists."""
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in columns.items()}
    n = len(next(iter(arrays.values()))) if arrays else 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values, reasons = parse(text).evaluate(arrays, n)
    assert values.dtype == np.float64 and values.shape == (n,)
    assert reasons.dtype == np.uint8 and reasons.shape == (n,)
    return values.tolist(), reasons.tolist()


def scalar(text):
    values, reasons = value(text)
    assert reasons == [OK]
    return values[0]


def problem(text, **kwargs):
    with pytest.raises(DefinitionError) as info:
        parse(text, **kwargs)
    (only,) = info.value.problems
    return only


# ---------------------------------------------------------------------------------------------
# Syntax and precedence


@pytest.mark.parametrize("text, tree, result", [
    ("2-3-4", BinaryOp("-", BinaryOp("-", N(2), N(3)), N(4)), -5),
    ("2*3+4", BinaryOp("+", BinaryOp("*", N(2), N(3)), N(4)), 10),
    ("2+3*4", BinaryOp("+", N(2), BinaryOp("*", N(3), N(4))), 14),
    ("-2*3", BinaryOp("*", Negate(N(2)), N(3)), -6),
    ("8/4/2", BinaryOp("/", BinaryOp("/", N(8), N(4)), N(2)), 1),
    ("2-(3-4)", BinaryOp("-", N(2), BinaryOp("-", N(3), N(4))), 3),
    ("(2+3)*4", BinaryOp("*", BinaryOp("+", N(2), N(3)), N(4)), 20),
    ("--2", Negate(Negate(N(2))), 2),
    ("2--2", BinaryOp("-", N(2), Negate(N(2))), 4),
    ("1e3 + .5 + 1.25E-1", BinaryOp("+", BinaryOp("+", N(1000), N(0.5)), N(0.125)), 1000.625),
])
def test_precedence_and_associativity(text, tree, result):
    assert parse(text).root == tree
    assert scalar(text) == result


def test_whitespace_and_newlines_do_not_matter():
    assert parse(" a\n +\tb*c ") == parse("a+b*c")
    assert parse("a + b").text == "a + b"


def test_names_bare_dotted_and_braced():
    assert parse("a.b + a_b").names == {"a.b", "a_b"}
    assert parse("{on-time} - 1").names == {"on-time"}
    assert parse("on-time").root == BinaryOp("-", Name("on"), Name("time"))  # minus, not a name
    assert parse("{and} + {min} + min").names == {"and", "min"}  # a name not followed by '(' is a name
    assert parse("{plain}").root == Name("plain")


def test_functions():
    assert scalar("min(3, 1, 2)") == 1
    assert scalar("max(3, 1, 2)") == 3
    assert scalar("min(7)") == 7
    assert scalar("abs(-2.5)") == 2.5
    assert scalar("round_half_up(2.675, 2)") == 2.68  # half up on the decimal, not the binary value
    assert scalar("round_half_up(-2.5, 0)") == -3
    assert scalar("if(1 < 2, 10, 20)") == 10
    assert scalar("coalesce(5, 6)") == 5
    assert parse("min(a, max(b, 1))").root == Call("min", (Name("a"), Call("max", (Name("b"), N(1)))))


def test_conditions_and_or_not():
    tree = parse("if(a > 0 or b > 0 and not c > 0, 1, 0)").root.args[0]
    assert tree == Logical("or", Comparison(">", Name("a"), N(0)),
                           Logical("and", Comparison(">", Name("b"), N(0)), Not(Comparison(">", Name("c"), N(0)))))
    a, b, c = [1, -1, -1, -1], [-1, 1, 1, -1], [-1, -1, 1, -1]
    assert value("if(a > 0 or b > 0 and not c > 0, 1, 0)", a=a, b=b, c=c)[0] == [1, 1, 0, 0]
    assert value("if((a > 0 or b > 0) and c > 0, 1, 0)", a=a, b=b, c=c)[0] == [0, 0, 1, 0]
    for op, expected in [("<", [1, 0, 0]), ("<=", [1, 1, 0]), (">", [0, 0, 1]), (">=", [0, 1, 1]),
                         ("==", [0, 1, 0]), ("!=", [1, 0, 1])]:
        assert value(f"if(a {op} 2, 1, 0)", a=[1, 2, 3])[0] == expected, op


def test_dhis2_style_ratio():
    values, reasons = value("party_members / staff * 100", party_members=[3, 5, 2, np.nan], staff=[12, 5, 0, 4])
    assert values[:2] == [25.0, 100.0]
    assert np.isnan(values[2:]).all()
    assert reasons == [OK, OK, DIVISION_BY_ZERO, MISSING]


# ---------------------------------------------------------------------------------------------
# Missing values and reasons


def test_missing_inputs_propagate_with_reason_1():
    values, reasons = value("a + b * 2", a=[1, np.nan, 1, np.inf], b=[1, 1, np.nan, 1])
    assert values[0] == 3 and np.isnan(values[1:]).all()
    assert reasons == [OK, MISSING, MISSING, MISSING]  # an infinite input counts as missing
    for text in ["min(a, b)", "max(a, b)", "abs(a) + b", "-a + b", "round_half_up(a, 1) + b", "if(a > 0, b, 1)"]:
        assert value(text, a=[np.nan, 1], b=[1, np.nan])[1] == [MISSING, MISSING], text


def test_coalesce_replaces_missing_whatever_the_reason():
    a, b = [np.nan, 4, 1, np.nan], [2, 2, 0, np.nan]
    values, reasons = value("coalesce(a, 0) + b", a=a, b=b)
    assert values[:3] == [2, 6, 1] and np.isnan(values[3]) and reasons == [OK, OK, OK, MISSING]
    assert value("coalesce(a / b, 0)", a=a, b=b) == ([0, 2, 0, 0], [OK] * 4)
    values, reasons = value("coalesce(a / b, b, 9)", a=a, b=b)
    assert values == [2, 2, 0, 9] and reasons == [OK] * 4
    values, reasons = value("coalesce(a, 1 / b)", a=[np.nan, np.nan], b=[0, np.nan])
    assert np.isnan(values).all() and reasons == [DIVISION_BY_ZERO, MISSING]


def test_division_by_zero_is_missing_with_reason_2_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values, reasons = parse("a / b").evaluate(
            {"a": np.array([1.0, 0.0, -1.0, 6.0]), "b": np.array([0.0, 0.0, 0.0, 3.0])}, 4)
    assert np.isnan(values[:3]).all() and values[3] == 2
    assert not np.isinf(values).any()
    assert reasons.tolist() == [DIVISION_BY_ZERO] * 3 + [OK]
    assert value("1 / (a - a)", a=[1, 2])[1] == [DIVISION_BY_ZERO] * 2
    assert value("1 / 0")[1] == [DIVISION_BY_ZERO]


def test_if_ignores_the_branch_not_chosen():
    values, reasons = value("if(b != 0, a / b, 0)", a=[1, 1], b=[0, 4])
    assert values == [0, 0.25] and reasons == [OK, OK]


def test_overflow_is_an_invalid_result_with_reason_3():
    values, reasons = value("a * a", a=[1e200, 2])
    assert np.isnan(values[0]) and values[1] == 4
    assert reasons == [INVALID, OK]
    assert value("a / b", a=[1e300], b=[1e-300])[1] == [INVALID]


def test_the_leftmost_reason_wins():
    assert value("a / b + c", a=[1], b=[0], c=[np.nan])[1] == [DIVISION_BY_ZERO]
    assert value("c + a / b", a=[1], b=[0], c=[np.nan])[1] == [MISSING]


def test_reasons_in_english_and_chinese():
    assert set(REASONS) == {OK, MISSING, DIVISION_BY_ZERO, INVALID, NO_HISTORY} == {0, 1, 2, 3, 4}
    assert REASONS[DIVISION_BY_ZERO] == {"en": "division by zero", "zh": "除数为零"}
    for texts in REASONS.values():
        assert set(texts) == {"en", "zh"} and all(texts.values())


def test_evaluate_returns_fresh_arrays_and_checks_columns():
    a = np.array([1.0, 2.0])
    values, _ = parse("a").evaluate({"a": a}, 2)
    values[0] = 99
    assert a[0] == 1
    assert parse("2").evaluate({}, 3)[0].tolist() == [2, 2, 2]
    with pytest.raises(KeyError, match="'b'"):
        parse("a + b").evaluate({"a": a}, 2)
    with pytest.raises(ValueError, match="shape"):
        parse("a").evaluate({"a": a}, 3)


def test_names_and_equality():
    e = parse("a / (b + {c-d}) * a")
    assert e.names == frozenset({"a", "b", "c-d"})
    assert parse("a+b") == parse(" a + b ") and parse("a+b") != parse("b+a")
    assert hash(parse("a+b")) == hash(parse("a + b"))


# ---------------------------------------------------------------------------------------------
# Messages for malformed formulas

MESSAGE = re.compile(r"^expected (.+) at character (\d+); found (.+)$")


@pytest.mark.parametrize("text, column, expected, found", [
    ("a +", 4, "a number, a name or '('", "end of expression"),
    ("(a", 3, "')'", "end of expression"),
    ("a b", 3, "an operator or end of expression", "the name 'b'"),
    ("min()", 5, "a number, a name or '('", "')'"),
    ("1..2", 3, "a digit after '.'", "'.'"),
    ("a $ b", 3, "a number, a name, an operator or a parenthesis", "'$'"),
    ("", 1, "a number, a name or '('", "end of expression"),
    ("   ", 4, "a number, a name or '('", "end of expression"),
    ("(a + b) * (c - d", 17, "')'", "end of expression"),
    ("a + b)", 6, "an operator or end of expression", "')'"),
    ("min(a b)", 7, "',' or ')'", "the name 'b'"),
    ("min(a,)", 7, "a number, a name or '('", "')'"),
    ("a = b", 3, "'=='", "'='"),
    ("a ! b", 3, "'!='", "'!'"),
    ("2e", 3, "a digit in the exponent", "end of expression"),
    ("1e999", 1, "a number below 1.8e308", "the number 1e999"),
    ("{on-time", 9, "'}'", "end of expression"),
    ("{}", 2, "an indicator id", "'}'"),
    ("{a b}", 3, "'}'", "' '"),
    ("foo(a)", 1, "a function: abs, coalesce, if, max, min, round_half_up", "'foo' followed by '('"),
    ("abs(a, b)", 1, "1 argument: abs(x)", "2 arguments"),
    ("if(a > 0, 1)", 1, "3 arguments", "2 arguments"),
    ("coalesce(a)", 1, "at least 2 arguments", "1 argument"),
    ("round_half_up(a, 1.5)", 18, "a whole number from 0 to 10", "the number 1.5"),
    ("round_half_up(a, b)", 18, "a whole number from 0 to 10", "an expression"),
    ("and + 1", 1, "{and}", "'and'"),
    ("党员数 / 2", 1, "a number, a name, an operator or a parenthesis", "'党'"),
    # conditions and numbers in the wrong place
    ("a > 0", 1, "a number as the result", "a condition"),
    ("if(a, 1, 0)", 4, "a condition", "a number"),
    ("(a > 0) + 1", 1, "a number before '+'", "a condition"),
    ("1 + (a > 0)", 5, "a number after '+'", "a condition"),
    ("if(not a, 1, 0)", 8, "a condition", "a number"),
    ("if(a and b > 0, 1, 0)", 4, "a condition", "a number"),
    ("if(a < b < c, 1, 0)", 10, "'and' or 'or' between two comparisons", "'<'"),
    ("min(a > 0, 1)", 5, "a number as the first argument of min", "a condition"),
])
def test_every_syntax_error_names_the_character_and_what_was_expected_and_found(text, column, expected, found):
    p = problem(text, source="card.yaml", path="$.derived[2].formula")
    match = MESSAGE.match(p.message)
    assert match, p.message
    assert expected in match.group(1), p.message
    assert int(match.group(2)) == column, p.message
    assert match.group(3) == found, p.message
    assert p.source == "card.yaml" and p.path == "$.derived[2].formula"
    assert str(p).startswith("card.yaml, $.derived[2].formula: expected ")


def test_the_example_message_reads_as_documented():
    assert problem("(a + b) * (c - d").message == "expected ')' at character 17; found end of expression"


def test_not_text_is_a_definition_error():
    with pytest.raises(DefinitionError, match="expected a formula"):
        parse(12, path="$.derived[0].formula")


def test_deep_formulas_are_definition_errors_not_crashes():
    assert "levels of parentheses" in problem("(" * 1000 + "a" + ")" * 1000).message
    assert "levels of parentheses" in problem("-" * 1000 + "a").message
    assert "levels deep" in problem(" + ".join(["a"] * 1000)).message
    long_sum = " + ".join(f"x{k}" for k in range(expressions.MAX_DEPTH))  # 200 terms: 199 levels
    e = parse(long_sum)
    assert parse(e.to_text()) == e
    columns = {f"x{k}": np.ones(2) for k in range(expressions.MAX_DEPTH)}
    assert e.evaluate(columns, 2)[0].tolist() == [expressions.MAX_DEPTH] * 2
    nested = "(" * 40 + "a" + ")" * 40
    assert parse(nested).root == Name("a")


# ---------------------------------------------------------------------------------------------
# Order of derived indicators


def test_order_puts_dependencies_first_and_keeps_definition_order_otherwise():
    definitions = {"rate": parse("done / total * 100"), "score": parse("rate * weight"),
                   "total": parse("a + b"), "other": parse("a * 2"), "done": parse("a")}
    result = order(definitions, {"a", "b", "weight"})
    assert sorted(result) == sorted(definitions)
    for name, expression in definitions.items():
        for used in expression.names & set(definitions):
            assert result.index(used) < result.index(name)
    assert order({"x": parse("a"), "y": parse("b"), "z": parse("a + b")}, {"a", "b"}) == ["x", "y", "z"]
    assert order({}, {"a"}) == []


def test_order_reports_every_unknown_name_with_its_path():
    definitions = {"x": parse("y + q"), "y": parse("totl * 2 + r")}
    paths = {"x": "$.derived[0].formula", "y": "$.derived[1].formula"}
    with pytest.raises(DefinitionError) as info:
        order(definitions, {"total"}, paths=paths, source="card.yaml")
    problems = info.value.problems
    assert [(p.path, p.source) for p in problems] == [
        ("$.derived[0].formula", "card.yaml"), ("$.derived[1].formula", "card.yaml"), ("$.derived[1].formula", "card.yaml")]
    assert "'q'" in problems[0].message and "'x'" in problems[0].message
    assert "'r'" in problems[1].message
    assert "'totl'" in problems[2].message and "did you mean 'total'" in problems[2].message


def test_order_names_each_cycle():
    definitions = {"a": parse("b + 1"), "b": parse("c * 2"), "c": parse("a - data"), "d": parse("d"),
                   "e": parse("a + data")}
    paths = {k: f"$.derived[{i}].formula" for i, k in enumerate(definitions)}
    with pytest.raises(DefinitionError) as info:
        order(definitions, {"data"}, paths=paths)
    messages = [(p.path, p.message) for p in info.value.problems]
    assert messages == [
        ("$.derived[0].formula", "derived indicators depend on each other in a cycle: a -> b -> c -> a"),
        ("$.derived[3].formula", "derived indicators depend on each other in a cycle: d -> d"),
    ]


def test_order_reports_unknown_names_and_cycles_together():
    with pytest.raises(DefinitionError) as info:
        order({"a": parse("b + zz"), "b": parse("a")}, set())
    text = str(info.value)
    assert "'zz'" in text and "a -> b -> a" in text
    assert info.value.exit_code == 2


# ---------------------------------------------------------------------------------------------
# Safety


def test_the_module_never_uses_python_evaluation():
    source = Path(expressions.__file__).read_text(encoding="utf-8")
    names = {tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline)
             if tok.type == tokenize.NAME}
    assert not names & {"eval", "exec", "compile", "__import__", "ast", "getattr", "globals", "locals", "vars"}


def test_formulas_cannot_reach_python():
    for text in ["__import__('os')", "a.__class__", "exec(1)", "eval(1)", "lambda: 1", "a[0]", "a if b else c"]:
        try:
            e = parse(text)
        except DefinitionError:
            continue
        assert e.names <= {"a.__class__"}  # a dotted name is only ever looked up in the columns


# ---------------------------------------------------------------------------------------------
# Properties

NAMES = ["a", "b", "c.d", "on-time", "and", "min", "x_1"]
numbers = st.floats(min_value=0, max_value=1e6, allow_nan=False) | st.sampled_from([0.0, 1.0, 2.5, 1e20, 1e-7])
leaf = st.builds(Number, numbers.map(abs)) | st.builds(Name, st.sampled_from(NAMES))


@functools.cache
def numeric(depth):
    if depth == 0:
        return leaf
    sub, cond = numeric(depth - 1), condition(depth - 1)
    return st.one_of(
        leaf,
        st.builds(Negate, sub),
        st.builds(BinaryOp, st.sampled_from(["+", "-", "*", "/"]), sub, sub),
        st.builds(Call, st.sampled_from(["min", "max"]), st.lists(sub, min_size=1, max_size=3)),
        st.builds(Call, st.just("abs"), st.tuples(sub)),
        st.builds(Call, st.just("coalesce"), st.lists(sub, min_size=2, max_size=3)),
        st.builds(Call, st.just("if"), st.tuples(cond, sub, sub)),
        st.builds(Call, st.just("round_half_up"), st.tuples(sub, st.integers(0, 10).map(Number))),
    )


@functools.cache
def condition(depth):
    sub = numeric(max(depth - 1, 0))
    compare = st.builds(Comparison, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), sub, sub)
    if depth == 0:
        return compare
    inner = condition(depth - 1)
    return st.one_of(compare, st.builds(Logical, st.sampled_from(["and", "or"]), inner, inner),
                     st.builds(Not, inner))


@functools.cache
def arithmetic(depth):
    if depth == 0:
        return leaf
    sub = arithmetic(depth - 1)
    return st.one_of(leaf, st.builds(Negate, sub), st.builds(BinaryOp, st.sampled_from(["+", "-", "*", "/"]), sub, sub))


UNITS = 6
cell = st.sampled_from([0.0, 1.0, -1.0, np.nan, 1e200, -1e-200, 3.0]) | st.floats(-1e6, 1e6)
columns_strategy = st.fixed_dictionaries(
    {name: st.lists(cell, min_size=UNITS, max_size=UNITS).map(np.array) for name in NAMES})


@given(numeric(4))
def test_to_text_parses_back_to_the_same_tree(tree):
    text = Expression(tree).to_text()
    again = parse(text)
    assert again.root == tree, text
    assert again.to_text() == text


@given(numeric(3), columns_strategy)
def test_results_are_nan_exactly_where_there_is_a_reason_and_finite_elsewhere(tree, columns):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values, reasons = Expression(tree).evaluate(columns, UNITS)
    assert set(reasons.tolist()) <= set(REASONS)
    assert (np.isnan(values) == (reasons != OK)).all()
    assert np.isfinite(values[reasons == OK]).all()


@given(numeric(3), columns_strategy, st.permutations(range(UNITS)))
def test_evaluation_is_elementwise(tree, columns, permutation):
    expression = Expression(tree)
    values, reasons = expression.evaluate(columns, UNITS)
    permuted = {k: v[list(permutation)] for k, v in columns.items()}
    values_p, reasons_p = expression.evaluate(permuted, UNITS)
    np.testing.assert_array_equal(values_p, values[list(permutation)])
    np.testing.assert_array_equal(reasons_p, reasons[list(permutation)])


def reference(node, columns):
    """Plain numpy, one operation at a time; a non-finite intermediate (x/0 too) becomes NaN."""
    if isinstance(node, Number):
        return np.float64(node.value)
    if isinstance(node, Name):
        column = columns[node.name]
        return np.where(np.isfinite(column), column, np.nan)
    if isinstance(node, Negate):
        return -reference(node.operand, columns)
    a, b = reference(node.left, columns), reference(node.right, columns)
    result = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[node.op](a, b)
    return np.where(np.isfinite(result) & ~((node.op == "/") & (b == 0)), result, np.nan)


@given(arithmetic(4), columns_strategy)
def test_arithmetic_matches_numpy(tree, columns):
    with np.errstate(all="ignore"):
        expected = np.broadcast_to(reference(tree, columns), (UNITS,))
    values, reasons = Expression(tree).evaluate(columns, UNITS)
    np.testing.assert_array_equal(values, expected)
    assert (reasons[np.isfinite(expected)] == OK).all()


def test_a_fixed_formula_matches_numpy_bit_for_bit():
    rng = np.random.default_rng(7)
    a, b, c = (rng.uniform(0.5, 100, 10_000) for _ in range(3))
    values, reasons = parse("(a + b) * c - a / b * 100 + -c").evaluate({"a": a, "b": b, "c": c}, 10_000)
    np.testing.assert_array_equal(values, (a + b) * c - a / b * 100 + -c)
    assert not reasons.any()


@given(st.text(alphabet="ab{}-.e1 0()+*/<>=!,_" + "minaxbsfotdr", max_size=30)
       | st.lists(st.sampled_from(["a", "{on-time}", "1.5", "(", ")", "+", "-", "*", "/", ">", "==", ",", "and",
                                   "or", "not", "if(", "min(", "coalesce(", "abs(", "round_half_up(", "2", " "]),
                  max_size=14).map("".join))
def test_any_text_parses_or_gives_a_definition_error(text):
    try:
        expression = parse(text)
    except DefinitionError as error:
        (only,) = error.problems
        assert MESSAGE.match(only.message), only.message
        return
    assert parse(expression.to_text()) == expression
