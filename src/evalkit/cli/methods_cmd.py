"""`evalkit ahp`, `rank`, `sensitivity`, `fuzzy` and `delphi`: the scientific toolbox from the command line.

Decisions (also in each command's --help):

- ahp: an inconsistent matrix (CR >= --threshold) is still a valid matrix: its weights are printed and
  the command exits 0, with a warning on stderr naming the judgement to revisit first; ``--strict``
  makes it exit 2. A malformed matrix is an invalid definition: exit 2, with the JSON path and the line.
- rank: weights are never silently changed. Weights summing to 1 or to 100 (within 1e-6; percentages,
  as a scorecard's sibling weights may be) are divided by their sum; any other sum is an error (exit 2)
  unless ``--normalize-weights`` is given, and then a note on stderr says what the sum was.
- sensitivity: a unit is fragile when its most likely grade has a probability below
  ``--fragile-threshold`` (default 0.9).
- fuzzy: the ballots file is long: unit, criterion, grade and, optionally, a count (no count column: each
  row is one ballot, counting 1). With a count column a (unit, criterion, grade) appears once; every unit
  needs at least one vote on every criterion. Grades not in --grades are errors (never dropped), and the
  grade order of --grades breaks ties of membership (the first listed wins). Weights follow the rules of
  rank and may name the criteria (政治建设=0.4,...). No --grade-values: no score and no rank.
- delphi: a long file is exactly expert, item, score; anything else is wide (expert, then one column per
  item). Every expert scores every item; a score above --full-mark is an error at its row and column.
  std uses ddof 1 (the sample standard deviation) unless --ddof 0.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import re
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from evalkit.cli.common import check_output, emit, number_in, render, whole_number_in
from evalkit.errors import DataError, DefinitionError, Problem, UsageError, describe

RANK_METHODS = ("saw", "topsis", "vikor", "grey")
OBJECTIVE_WEIGHTS = ("entropy", "critic", "std")
NORMALIZATIONS = {"saw": ("minmax", "max"), "topsis": ("vector", "minmax"), "grey": ("minmax", "max"), "vikor": ()}
WEIGHT_SUM_TOL = 1e-6
MAX_REVERSAL_UNITS = 2000  # removing each of n units in turn costs n re-rankings and n^2 comparisons each
LISTED_REVERSALS = 20  # pairs printed in text output (JSON lists up to 100)


# --------------------------------------------------------------------------------------------------
# Argument types (a bad value is a usage error, exit 64)


def _words(text: str) -> list[str]:
    """Comma-separated values (a Chinese comma or spaces after commas allowed)."""
    return [part.strip() for part in re.split(r"[,，]", text)]


# --------------------------------------------------------------------------------------------------
# Plumbing shared by the three commands


def add_commands(sub, plugin_options) -> None:
    _add_ahp(sub)
    _add_rank(sub, plugin_options)
    _add_sensitivity(sub, plugin_options)
    _add_fuzzy(sub, plugin_options)
    _add_delphi(sub, plugin_options)


def _warn(text: str) -> None:
    print(f"evalkit: warning: {text}", file=sys.stderr)


def _note(text: str) -> None:
    print(f"evalkit: note: {text}", file=sys.stderr)


def _json(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


_PATH_TOKEN = re.compile(r'\.([^.\[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def _path_key(path: str | None) -> tuple | None:
    """'$.matrix[1][0]' -> ('matrix', 1, 0): the key Document.line_of expects; None if not a $ path."""
    if not path or not path.startswith("$"):
        return None
    key: list = []
    rest = path[1:]
    while rest:
        m = _PATH_TOKEN.match(rest)
        if not m:
            return None
        name, index, quoted = m.groups()
        key.append(name if name is not None else int(index) if index is not None else json.loads(quoted))
        rest = rest[m.end():]
    return tuple(key)


def _with_lines(exc: DefinitionError, doc) -> DefinitionError:
    """The same problems, each with the YAML line of its JSON path (when the file is YAML)."""
    import attrs

    fixed = []
    for p in exc.problems:
        key = _path_key(p.path)
        line = doc.line_of(key) if key is not None and p.line is None else p.line
        fixed.append(attrs.evolve(p, line=line, source=p.source or doc.source))
    return DefinitionError(fixed)


def _inconsistency_warning(result, matrix, labels, source: str) -> str | None:
    from evalkit.methods import worst_judgement

    if result.consistent:
        return None
    worst = worst_judgement(matrix, result.weights, labels)
    text = (f"{source}: the judgements are not consistent enough (CR = {result.cr:.4f} >= {result.threshold:g}); "
            "the weights are shown, but revisit the judgements")
    if worst is not None:
        text += f", first this one: {worst.describe()}"
    return text


# --------------------------------------------------------------------------------------------------
# evalkit ahp


def _add_ahp(sub) -> None:
    from evalkit.methods import AHP_METHODS, RI_TABLES

    p = sub.add_parser(
        "ahp", help="weights and consistency of an AHP pairwise comparison matrix (层次分析法)",
        description="Weights, lambda_max, CI and CR of a pairwise comparison matrix on the 1-9 scale. FILE is YAML "
                    "or JSON with `matrix` (a square list of lists; numbers or fractions such as \"1/3\") and "
                    "optional `labels`. An inconsistent matrix (CR >= threshold) still gets its weights: exit 0 "
                    "with a warning naming the judgement to revisit (exit 2 with --strict). A malformed matrix "
                    "exits 2 with the JSON path and line.")
    p.add_argument("file", metavar="FILE", help="the matrix file (.yaml, .yml or .json)")
    p.add_argument("--method", choices=AHP_METHODS, default="eigen",
                   help="priority vector: principal eigenvector (default), row geometric mean, or column-normalised row mean")
    p.add_argument("--ri-table", choices=tuple(RI_TABLES), default="saaty",
                   help="random-index table for CR (default saaty: Saaty 1980)")
    p.add_argument("--threshold", type=number_in(0, 1, open_low=True), default=0.1,
                   help="CR below this is consistent (default 0.1)")
    p.add_argument("--strict", action="store_true", help="exit 2 when the matrix is not consistent")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=cmd_ahp)


def cmd_ahp(args: argparse.Namespace) -> int:
    import attrs

    from evalkit.definition.documents import load_document
    from evalkit.methods import RI_SOURCES, ahp, worst_judgement

    matrix, labels = _parse_ahp(load_document(args.file))
    try:
        result = ahp(matrix, method=args.method, ri_table=args.ri_table, threshold=args.threshold, labels=labels)
    except DefinitionError as exc:  # the RI table does not cover this many criteria: say which option
        raise DefinitionError([attrs.evolve(p, source=args.file, path="--ri-table") if p.path == "ri_table" else p
                               for p in exc.problems]) from None
    warning = _inconsistency_warning(result, matrix, labels, args.file)
    if args.format == "json":
        out = result.to_dict()
        out["n"] = int(matrix.shape[0])
        out["source"] = args.file
        worst = None if result.consistent else worst_judgement(matrix, result.weights, labels)
        out["worst_judgement"] = worst.to_dict() if worst is not None else None
        sys.stdout.write(_json(out))
    else:
        sys.stdout.write(_ahp_text(args, result, matrix, labels, RI_SOURCES[args.ri_table]))
    if warning:
        _warn(warning)
        if args.strict:
            return DefinitionError.exit_code
    return 0


def _ahp_text(args, result, matrix, labels, ri_source: str) -> str:
    from rich.table import Table
    from rich.text import Text

    from evalkit.methods import competition_rank, worst_judgement
    from evalkit.scoring.rounding import round_array

    n = matrix.shape[0]
    names = labels or tuple(f"C{k + 1}" for k in range(n))
    ranks = competition_rank(round_array(result.weights, 10))  # equal judgements give equal ranks despite float noise
    table = Table(title=f"层次分析法 AHP · {args.file}")
    table.add_column("#", justify="right")
    table.add_column("指标 Criterion")
    table.add_column("权重 Weight", justify="right")
    table.add_column("排序 Rank", justify="right")
    for k in range(n):
        table.add_row(str(k + 1), Text(names[k]), f"{result.weights[k]:.4f}", str(int(ranks[k])))
    figures = Table.grid(padding=(0, 2))
    figures.add_column()
    figures.add_column(justify="right")
    figures.add_column()
    sign = "<" if result.consistent else ">="
    verdict = "通过一致性检验 consistent" if result.consistent else "未通过一致性检验 NOT consistent"
    figures.add_row("最大特征值 lambda_max", f"{result.lambda_max:.4f}", "")
    figures.add_row("一致性指标 CI", f"{result.ci:.4f}", "(lambda_max - n) / (n - 1)")
    figures.add_row("随机一致性指标 RI", f"{result.ri:.4f}", f"n = {n}, table {args.ri_table}: {ri_source}")
    figures.add_row("一致性比率 CR", f"{result.cr:.4f}", f"CI / RI {sign} {result.threshold:g}: {verdict}")
    figures.add_row("权重方法 Method", "", {"eigen": "特征向量法 principal eigenvector", "geometric": "几何平均法 geometric mean",
                                           "arithmetic": "算术平均法 column-normalised arithmetic mean"}[result.method])
    if not result.consistent:
        worst = worst_judgement(matrix, result.weights, labels)
        if worst is not None:
            figures.add_row("最需复核的判断 Revisit", "", Text(worst.describe()))
    return render(args, table, figures)


# --------------------------------------------------------------------------------------------------
# evalkit rank


def _add_rank(sub, plugin_options) -> None:
    p = sub.add_parser(
        "rank", parents=[plugin_options], help="score and rank units of a wide data table by SAW, TOPSIS, VIKOR or grey relational analysis",
        description="Rank the units of DATA, a wide table (one row per unit: a unit column, also 单位 or 编号, "
                    "and one numeric column per criterion; .csv, .xlsx or .json). Weights: --weights W1,W2,... "
                    "(summing to 1 or to 100; other sums are refused unless --normalize-weights), "
                    "--weights entropy|critic|std (objective weights from the data), or --weights-file FILE "
                    "(a list, a mapping criterion: weight, or an AHP matrix with labels). Ties share the best "
                    "rank (1224).")
    p.add_argument("data", metavar="DATA", help="the decision matrix: one row per unit, one column per criterion")
    p.add_argument("--method", required=True, choices=RANK_METHODS,
                   help="saw (weighted sum), topsis, vikor (compromise; lower Q is better) or grey (grey relational grade)")
    weights = p.add_mutually_exclusive_group(required=True)
    weights.add_argument("--weights", metavar="SPEC",
                         help="W1,W2,... in criterion order (fractions such as 1/3 allowed), or entropy, critic or std")
    weights.add_argument("--weights-file", metavar="FILE", help="weights in YAML/JSON, or an AHP matrix file with labels")
    p.add_argument("--normalize-weights", action="store_true",
                   help="divide the weights by their sum when it is neither 1 nor 100 (a note says so)")
    p.add_argument("--direction", metavar="D1,D2,...",
                   help="higher or lower per criterion, in criterion order (default: all higher)")
    p.add_argument("--criteria", metavar="C1,C2,...", help="use only these columns, in this order (default: every column but the unit and name)")
    p.add_argument("--units", metavar="FILE", help="units file (id, name, ...): names for the table; every unit must be in both files")
    p.add_argument("--normalization", metavar="NAME",
                   help="saw: minmax (default) or max; topsis: vector (default) or minmax; grey: minmax (default) or max")
    p.add_argument("--v", type=number_in(0, 1), help="VIKOR: weight of group utility S against regret R (default 0.5)")
    p.add_argument("--rho", type=number_in(0, 1, open_low=True), help="grey: distinguishing coefficient (default 0.5)")
    p.add_argument("--check-reversal", action="store_true",
                   help="remove each unit in turn, rank the others again (same weights) and report pairs whose order flips")
    p.add_argument("--remove", metavar="UNIT", action="append", default=[],
                   help="check rank reversal for removing this unit only (repeatable; implies --check-reversal)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of the terminal")
    p.set_defaults(handler=cmd_rank)


def _parse_weight_text(text: str) -> float | None:
    from evalkit.io.table import parse_number

    m = re.fullmatch(r"\s*([0-9.]+)\s*/\s*([0-9.]+)\s*", text)
    if m:
        try:
            num, den = float(m.group(1)), float(m.group(2))
        except ValueError:
            return None
        return num / den if den > 0 else None
    try:
        return parse_number(text)
    except ValueError:
        return None


def _checked_weights(values: list, criteria: Sequence[str], source: str, paths: Sequence[str],
                     normalize: bool, lines: Sequence[int | None] | None = None) -> np.ndarray:
    """Weights from the user: numbers >= 0 summing to 1 or 100 (or any sum with --normalize-weights)."""
    lines = lines or [None] * len(values)
    problems = []
    cli = source.startswith("--")  # a command-line option: its path ("--weights[2]") says it all
    w = np.zeros(len(values))
    for k, (value, path) in enumerate(zip(values, paths)):
        x = value if isinstance(value, (int, float)) and not isinstance(value, bool) else (
            _parse_weight_text(value) if isinstance(value, str) else None)
        if x is None or not math.isfinite(x):
            problems.append(Problem("a weight must be a number", source=None if cli else source, path=path, line=lines[k],
                                    expected='a number >= 0 such as 0.25, 25 or "1/4"', found=describe(value)))
        elif x < 0:
            problems.append(Problem("a weight must not be negative", source=None if cli else source, path=path, line=lines[k],
                                    expected="a number >= 0", found=describe(value)))
        else:
            w[k] = x
    if problems:
        raise DefinitionError(problems)
    total = float(w.sum())
    if total <= 0:
        raise DefinitionError(Problem("the weights are all zero", source=source, expected="some weight > 0", found="a sum of 0"))
    if abs(total - 1.0) > WEIGHT_SUM_TOL and abs(total - 100.0) > 100 * WEIGHT_SUM_TOL:
        if not normalize:
            raise DefinitionError(Problem(
                "the weights do not sum to 1 or to 100", source=source,
                expected="a sum of 1 or 100 (or give --normalize-weights to divide them by their sum)",
                found=f"a sum of {total:.10g} over the criteria {', '.join(criteria)}"))
        _note(f"{source}: the weights summed to {total:.10g}; they were divided by their sum")
    return w / total


def _given_weights(args: argparse.Namespace, criteria: Sequence[str]) -> np.ndarray:
    parts = _words(args.weights)
    if len(parts) != len(criteria):
        raise DefinitionError(Problem(
            f"--weights gives {len(parts)} weight{'s' if len(parts) != 1 else ''} but the data has {len(criteria)} criteria",
            source="--weights", expected=f"{len(criteria)} weights, in the order {', '.join(criteria)}",
            found=describe(args.weights)))
    return _checked_weights(parts, criteria, "--weights", [f"--weights[{k}]" for k in range(len(parts))],
                            args.normalize_weights)


def _file_weights(args: argparse.Namespace, criteria: Sequence[str]) -> tuple[np.ndarray, str]:
    """Weights from --weights-file: an AHP matrix, {weights: ...}, a list, or a mapping criterion -> weight."""
    from evalkit.definition.documents import json_path, load_document
    from evalkit.methods import ahp

    path = args.weights_file
    doc = load_document(path)
    data = doc.data
    if isinstance(data, dict) and "matrix" in data:
        matrix, labels = _parse_ahp(doc)
        result = ahp(matrix, labels=labels)
        warning = _inconsistency_warning(result, matrix, labels, path)
        if warning:
            _warn(warning)
        described = f"AHP matrix in {path} (CR = {result.cr:.4f})"
        if labels is None:
            if matrix.shape[0] != len(criteria):
                raise DefinitionError(doc.problem(("matrix",), "the AHP matrix does not match the criteria of the data",
                                                  expected=f"{len(criteria)} rows, one per criterion ({', '.join(criteria)})",
                                                  found=f"{matrix.shape[0]} rows"))
            return np.asarray(result.weights, dtype=np.float64), described
        entries = [(label, w, ("labels", k)) for k, (label, w) in enumerate(zip(labels, result.weights.tolist()))]
        values, _ = _by_name(doc, ("labels",), entries, criteria, "label")
        return np.asarray(values, dtype=np.float64), described
    base: tuple = ("weights",) if isinstance(data, dict) and "weights" in data else ()
    spec = data["weights"] if base else data
    if isinstance(spec, list):
        if len(spec) != len(criteria):
            raise DefinitionError(doc.problem(base, "the weights do not match the criteria of the data",
                                              expected=f"{len(criteria)} weights, in the order {', '.join(criteria)}",
                                              found=f"{len(spec)} weights"))
        values, keys = spec, [base + (k,) for k in range(len(spec))]
    elif isinstance(spec, dict) and spec:
        values, keys = _by_name(doc, base, [(name, w, base + (name,)) for name, w in spec.items()], criteria, "key")
    else:
        raise DefinitionError(doc.problem(base, "the weights file holds no weights",
                                          expected="a list of weights, a mapping criterion: weight, {weights: ...} or an "
                                                   "AHP matrix with labels", found=describe(spec)))
    return _checked_weights(values, criteria, path, [json_path(k) for k in keys], args.normalize_weights,
                            [doc.line_of(k) for k in keys]), path


def _by_name(doc, base: tuple, entries: list, criteria: Sequence[str], what: str) -> tuple[list, list]:
    """(name, value, JSON path key) entries put in the data's criterion order; each criterion named once."""
    from evalkit.methods.matrix_input import same_header

    found: dict[int, tuple] = {}
    problems = []
    for name, value, key in entries:
        match = [j for j, c in enumerate(criteria) if same_header(c, str(name))]
        if not match:
            problems.append(doc.problem(key, f"the {what} {name!r} is not a criterion of the data",
                                        expected="one of " + ", ".join(criteria), found=describe(name)))
        elif match[0] in found:
            problems.append(doc.problem(key, f"the criterion {criteria[match[0]]!r} is given twice",
                                        expected="each criterion once", found=f"{found[match[0]][0]!r} and {name!r}"))
        else:
            found[match[0]] = (name, value, key)
    missing = [c for j, c in enumerate(criteria) if j not in found]
    if missing:
        problems.append(doc.problem(base, "some criteria have no weight", expected="a weight for every criterion",
                                    found="none for " + ", ".join(missing)))
    if problems:
        raise DefinitionError(problems)
    return [found[j][1] for j in range(len(criteria))], [found[j][2] for j in range(len(criteria))]


def _parse_ahp(doc):
    from evalkit.methods import parse_matrix

    try:
        return parse_matrix(doc.data, source=doc.source)
    except DefinitionError as exc:
        raise _with_lines(exc, doc) from None


def _directions(args: argparse.Namespace, criteria: Sequence[str]) -> np.ndarray:
    if not args.direction:
        return np.ones(len(criteria), dtype=bool)
    words = _words(args.direction)
    if len(words) != len(criteria):
        raise DefinitionError(Problem(
            f"--direction gives {len(words)} direction{'s' if len(words) != 1 else ''} but the data has {len(criteria)} criteria",
            source="--direction", expected=f"higher or lower for each of {', '.join(criteria)}", found=describe(args.direction)))
    bad = [Problem("unknown direction", path=f"--direction[{k}]", expected="higher or lower",
                   found=describe(w)) for k, w in enumerate(words) if w.lower() not in ("higher", "lower")]
    if bad:
        raise DefinitionError(bad)
    return np.array([w.lower() == "higher" for w in words])


def _run_method(method: str, X: np.ndarray, w: np.ndarray, higher: np.ndarray, args: argparse.Namespace):
    from evalkit.methods import grey_relational, saw, topsis, vikor

    norm = args.normalization
    if method == "saw":
        return saw(X, w, higher, normalization=norm or "minmax")
    if method == "topsis":
        return topsis(X, w, higher, normalization=norm or "vector")
    if method == "vikor":
        return vikor(X, w, higher, v=0.5 if args.v is None else args.v)
    return grey_relational(X, w, higher, rho=0.5 if args.rho is None else args.rho, normalization=norm or "minmax")


SCORE_NAMES = {
    "saw": ("综合得分 Score", "weighted sum of normalised values (higher is better)"),
    "topsis": ("贴近度 Closeness", "closeness C = D- / (D+ + D-) to the ideal (higher is better)"),
    "vikor": ("Q 值 (越小越好)", "VIKOR Q (lower is better)"),
    "grey": ("关联度 Grey grade", "grey relational grade (higher is better)"),
}
EXTRA_COLUMNS = {"topsis": (("d_best", "D+"), ("d_worst", "D-")), "vikor": (("s", "S"), ("r", "R"))}


def cmd_rank(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from
    from evalkit.methods.matrix_input import read_matrix

    method = args.method
    if args.normalization is not None:
        allowed = NORMALIZATIONS[method]
        if not allowed:
            raise UsageError(f"--normalization does not apply to --method {method}")
        if args.normalization not in allowed:
            raise UsageError(f"--normalization {args.normalization!r} is not one for {method}; expected one of {', '.join(allowed)}")
    if method != "vikor" and args.v is not None:
        raise UsageError("--v applies to --method vikor only")
    if method != "grey" and args.rho is not None:
        raise UsageError("--rho applies to --method grey only")
    check_output(args, [args.data, args.weights_file, args.units])
    registry = registry_from(args)
    dm = read_matrix(args.data, registry, _words(args.criteria) if args.criteria else None)
    names = _unit_names(args, dm, registry)
    higher = _directions(args, dm.criteria)
    try:
        if args.weights is not None and args.weights.strip().lower() in OBJECTIVE_WEIGHTS:
            from evalkit.methods import critic_weights, entropy_weights, std_weights

            kind = args.weights.strip().lower()
            derive = {"entropy": entropy_weights, "critic": critic_weights, "std": std_weights}[kind]
            weights = np.asarray(derive(dm.values, higher).weights, dtype=np.float64)
            weights_from = {"entropy": "entropy weights from the data (熵权法)", "critic": "CRITIC weights from the data",
                            "std": "standard-deviation weights from the data (标准离差法)"}[kind]
        elif args.weights is not None:
            weights = _given_weights(args, dm.criteria)
            weights_from = "--weights"
        else:
            weights, weights_from = _file_weights(args, dm.criteria)
        result = _run_method(method, dm.values, weights, higher, args)
    except DataError as exc:
        raise _about_file(exc, dm) from None
    reversal = None
    if args.check_reversal or args.remove:
        reversal = _rank_reversal(args, dm, weights, higher, result)
    doc = _rank_document(args, dm, names, weights, weights_from, higher, result, reversal)
    if args.format == "json":
        text = _json(doc)
    elif args.format == "csv":
        text = _rank_csv(doc)
    else:
        text = _rank_text(args, doc)
    emit(args, text, f"{len(dm.units)} units, format {args.format}")
    return 0


def _about_file(exc: DataError, dm) -> DataError:
    """A method's problems speak of the matrix X by index; say the file and the criterion instead."""
    import attrs

    fixed = []
    for p in exc.problems:
        m = re.fullmatch(r"X\[:, (\d+)\]", p.path or "")
        column = dm.criteria[int(m.group(1))] if m else p.column
        message = "the data " + p.message[2:] if p.message.startswith("X ") else p.message
        fixed.append(attrs.evolve(p, source=p.source or dm.source, path=None if (p.path or "").startswith("X") else p.path,
                                  column=column, message=message))
    return DataError(fixed)


def _unit_names(args: argparse.Namespace, dm, registry) -> tuple[str, ...]:
    if not args.units:
        return dm.names
    from evalkit.io.inputs import load_units

    units = load_units(args.units, registry)
    problems = [Problem("the unit is not in the units file", source=dm.source, path=f"unit {uid!r}",
                        expected=f"an id from {args.units}", found=describe(uid)) for uid in dm.units if uid not in units.index]
    listed = set(dm.units)
    problems += [Problem("the unit has no row in the data", source=args.units, path=f"unit {uid!r}",
                         expected=f"a row in {dm.source} for every unit", found="no row") for uid in units.ids if uid not in listed]
    if problems:
        raise DataError(problems[:50])
    return tuple(units.names[units.index[uid]] for uid in dm.units)


def _removal_indices(args: argparse.Namespace, ids: Sequence[str], source: str) -> list[int] | None:
    if not args.remove:
        return None
    index = {uid: k for k, uid in enumerate(ids)}
    unknown = [u for u in args.remove if u not in index]
    if unknown:
        raise UsageError(f"--remove: no unit {', '.join(repr(u) for u in unknown)} in {source}")
    return sorted({index[u] for u in args.remove})


def _rank_reversal(args, dm, weights, higher, result):
    from evalkit.analysis.sensitivity import rank_reversals

    n = len(dm.units)
    remove = _removal_indices(args, dm.units, dm.source)
    if remove is None and n > MAX_REVERSAL_UNITS:
        raise UsageError(f"--check-reversal on {n} units would rank {n} times; name the units to remove with --remove UNIT")
    minimum = 3 if args.method == "vikor" else 2
    if n < minimum:
        raise UsageError(f"--check-reversal needs at least {minimum} units for {args.method}")
    return rank_reversals(result.rank, lambda keep: _run_method(args.method, dm.values[keep], weights, higher, args).rank,
                          remove=remove)


def _reversal_doc(check, ids: Sequence[str]) -> dict:
    return {
        "removed": [ids[k] for k in check.removed.tolist()],
        "pairs_reversed": check.total,
        "by_removed": {ids[k]: int(c) for k, c in zip(check.removed.tolist(), check.counts.tolist()) if c},
        "pairs": [{"removed": ids[r.removed], "better_before": ids[r.better], "worse_before": ids[r.worse],
                   "ranks_before": list(r.ranks_before), "ranks_after": list(r.ranks_after)} for r in check.reversals],
        "listed_at_most": check.limit,
    }


def _rank_document(args, dm, names, weights, weights_from, higher, result, reversal) -> dict:
    from evalkit.methods.arrays import to_list

    ids = np.asarray(dm.units, dtype=object).astype(str)
    order = np.lexsort((ids, result.rank))
    extras = EXTRA_COLUMNS.get(args.method, ())
    units = []
    for i in order.tolist():
        row = {"rank": int(result.rank[i]), "unit": dm.units[i], "name": names[i], "score": float(result.scores[i])}
        for key, _ in extras:
            row[key] = float(getattr(result, key)[i])
        units.append(row)
    details: dict[str, Any] = {}
    if args.method == "topsis":
        details = {"ideal": to_list(result.ideal), "anti_ideal": to_list(result.anti_ideal)}
    elif args.method == "vikor":
        details = {"v": result.v, "dq": result.dq, "acceptable_advantage": result.acceptable_advantage,
                   "acceptable_stability": result.acceptable_stability,
                   "compromise": [dm.units[k] for k in result.compromise.tolist()]}
    elif args.method == "grey":
        details = {"rho": result.rho, "delta_min": result.delta_min, "delta_max": result.delta_max}
    doc = {
        "method": args.method,
        "normalization": getattr(result, "normalization", None),
        "source": dm.source,
        "score": {"name": SCORE_NAMES[args.method][1], "higher_is_better": args.method != "vikor"},
        "criteria": list(dm.criteria),
        "direction": ["higher" if h else "lower" for h in higher.tolist()],
        "weights": dict(zip(dm.criteria, weights.tolist())),
        "weights_from": weights_from,
        "units": units,
        "details": details,
    }
    if reversal is not None:
        doc["rank_reversal"] = dict(_reversal_doc(reversal, dm.units), weights="kept as used for the full ranking")
    return doc


def _rank_csv(doc: dict) -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    extras = [k for k in doc["units"][0] if k not in ("rank", "unit", "name", "score")] if doc["units"] else []
    writer.writerow(["rank", "unit", "name", "score", *extras])
    for row in doc["units"]:
        writer.writerow([row["rank"], row["unit"], row["name"], repr(row["score"]), *(repr(row[k]) for k in extras)])
    return "\ufeff" + buffer.getvalue()  # a BOM so that Excel shows Chinese names, as `evalkit run --format csv`


def _rank_text(args, doc: dict) -> str:
    from rich.table import Table
    from rich.text import Text

    title = {"saw": "SAW 加权求和", "topsis": "TOPSIS 逼近理想解排序", "vikor": "VIKOR 折衷排序", "grey": "灰色关联分析 grey relational"}
    table = Table(title=f"{title[doc['method']]} · {doc['source']} · {len(doc['units'])} 个单位 units")
    table.add_column("排名 Rank", justify="right")
    table.add_column("单位 Unit")
    show_names = any(u["name"] != u["unit"] for u in doc["units"])
    if show_names:
        table.add_column("名称 Name")
    table.add_column(SCORE_NAMES[doc["method"]][0], justify="right")
    extras = EXTRA_COLUMNS.get(doc["method"], ())
    for _, label in extras:
        table.add_column(label, justify="right")
    for u in doc["units"]:
        cells = [str(u["rank"]), Text(u["unit"])] + ([Text(u["name"])] if show_names else [])
        cells += [f"{u['score']:.4f}"] + [f"{u[key]:.4f}" for key, _ in extras]
        table.add_row(*cells)
    lines = [f"权重 weights ({doc['weights_from']}): " + ", ".join(f"{c} {w:.4f}" for c, w in doc["weights"].items())]
    lower = [c for c, d in zip(doc["criteria"], doc["direction"]) if d == "lower"]
    lines.append("越小越好 lower is better: " + (", ".join(lower) if lower else "none (all higher is better)"))
    if doc["normalization"]:
        lines.append(f"规范化 normalisation: {doc['normalization']}")
    d = doc["details"]
    if doc["method"] == "vikor":
        lines.append(f"折衷解 compromise solution: {', '.join(d['compromise'])} (v = {d['v']:g}; acceptable advantage "
                     f"{'yes' if d['acceptable_advantage'] else 'no'}, acceptable stability {'yes' if d['acceptable_stability'] else 'no'})")
    rr = doc.get("rank_reversal")
    if rr is not None:
        lines.extend(_reversal_lines(rr, doc["units"], "the same weights"))
    return render(args, table) + "\n".join(lines) + "\n"


def _reversal_lines(rr: dict, units: list, kept: str) -> list[str]:
    names = {u.get("unit", u.get("id")): u["name"] for u in units}

    def who(uid: str) -> str:
        return uid if names.get(uid, uid) == uid else f"{uid} {names[uid]}"

    removed = rr["removed"]
    scope = f"removing each of {len(removed)} units in turn" if len(removed) > 1 else f"removing {who(removed[0])}"
    if not rr["pairs_reversed"]:
        return [f"排序逆转 rank reversal ({scope}, {kept}): none; no pair of the other units changes order"]
    lines = [f"排序逆转 rank reversal ({scope}, {kept}): {rr['pairs_reversed']} pair(s) change order "
             f"after {len(rr['by_removed'])} of {len(removed)} removal(s)"]
    n = len(units)
    for p in rr["pairs"][:LISTED_REVERSALS]:
        (b1, b2), (a1, a2) = p["ranks_before"], p["ranks_after"]
        lines.append(f"  去掉 without {who(p['removed'])}: {who(p['better_before'])} / {who(p['worse_before'])} "
                     f"逆转 swap: ranks {b1}, {b2} of {n} -> {a1}, {a2} of {n - 1}")
    if rr["pairs_reversed"] > min(len(rr["pairs"]), LISTED_REVERSALS):
        lines.append(f"  ... {rr['pairs_reversed'] - min(len(rr['pairs']), LISTED_REVERSALS)} more (see --format json)")
    return lines


# --------------------------------------------------------------------------------------------------
# evalkit sensitivity


def _add_sensitivity(sub, plugin_options) -> None:
    from evalkit.analysis.sensitivity import SAMPLING_MODES
    from evalkit.cli.common import input_options

    p = sub.add_parser(
        "sensitivity", parents=[plugin_options], help="how robust ranks and grades are to the scorecard's weights",
        description="Score SCORECARD once, then draw weights around the declared ones (seeded Dirichlet, or +/- a "
                    "percentage then renormalised) for the top-level dimensions (--level top) or every sibling group "
                    "(--level all), re-total without running the rules again, and report every unit's rank range, "
                    "5th-95th percentile ranks, grade probabilities and whether its grade is fragile (the most likely "
                    "grade has a probability below --fragile-threshold). A weighted-sum scorecard cannot reverse the "
                    "order of other units when one is removed; --remove UNIT re-scores without it to check.")
    input_options(p)
    p.add_argument("--samples", type=whole_number_in(1), default=1000, help="weight draws (default 1000)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1): the same seed gives the same report")
    p.add_argument("--mode", choices=SAMPLING_MODES, default="dirichlet",
                   help="dirichlet (default): alpha = concentration x weight; percent: each weight x (1 +/- up to p %%), renormalised")
    p.add_argument("--concentration", type=number_in(0, math.inf, open_low=True, allow_inf=True), default=None,
                   help="Dirichlet concentration (default 200; larger is tighter, inf is no perturbation)")
    p.add_argument("--percent", type=number_in(0, 100, open_high=True), default=None,
                   help="largest relative change of a weight in percent mode (default 10)")
    p.add_argument("--level", choices=("top", "all"), default="top",
                   help="perturb the top-level dimensions only (default) or every sibling group of the tree")
    p.add_argument("--fragile-threshold", type=number_in(0, 1, open_low=True), default=0.9,
                   help="a grade is fragile when its probability is below this (default 0.9)")
    p.add_argument("--remove", metavar="UNIT", action="append", default=[],
                   help="re-score without UNIT and report pairs of other units whose order changes (repeatable)")
    p.add_argument("--fragile-only", action="store_true", help="list only the fragile units (text format)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of the terminal")
    p.add_argument("--lang", choices=("zh", "en"), help="label language (default: zh when the scorecard has Chinese names)")
    p.set_defaults(handler=cmd_sensitivity)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from evalkit import evaluate
    from evalkit.analysis.sensitivity import rank_reversals, scorecard_sensitivity, scorecard_weights
    from evalkit.cli import registry_from
    from evalkit.cli.common import default_lang, load_inputs

    if args.mode == "dirichlet" and args.percent is not None:
        raise UsageError("--percent applies to --mode percent; the Dirichlet mode takes --concentration")
    if args.mode == "percent" and args.concentration is not None:
        raise UsageError("--concentration applies to --mode dirichlet; the percent mode takes --percent")
    concentration = 200.0 if args.concentration is None else args.concentration
    percent = 10.0 if args.percent is None else args.percent
    check_output(args)
    registry = registry_from(args)
    scorecard, units, data, records = load_inputs(args, registry)
    remove = _removal_indices(args, units.ids, args.units)
    evaluation = evaluate(scorecard, data, adjustments=records)
    prepared = scorecard_weights(evaluation, args.level)
    result = scorecard_sensitivity(evaluation, args.samples, args.seed, mode=args.mode, concentration=concentration,
                                   percent=percent, fragile_threshold=args.fragile_threshold, prepared=prepared)
    check = None
    if remove is not None:
        check = rank_reversals(evaluation.ranks, lambda keep: evaluate(scorecard, _without(data, keep)).ranks, remove=remove)
    lang = args.lang or default_lang(scorecard)
    doc = _sensitivity_document(args, evaluation, prepared, result, check, concentration, percent, lang)
    if args.format == "json":
        text = _json(doc)
    else:
        text = _sensitivity_text(args, doc, lang)
    emit(args, text, f"{len(evaluation.units)} units, {args.samples} draws, format {args.format}")
    return 0


def _without(data, keep: np.ndarray):
    """The data set without the units not in `keep` (a parent that is gone becomes no parent)."""
    from evalkit.io.data import DataSet, Units

    u = data.units
    ids = tuple(u.ids[i] for i in keep)
    kept = set(ids)
    units = Units(ids=ids, names=tuple(u.names[i] for i in keep), types=tuple(u.types[i] for i in keep),
                  parents=tuple(u.parents[i] if u.parents[i] in kept else None for i in keep))
    return DataSet(units=units, columns={k: v[keep] for k, v in data.columns.items()}, period=data.period)


REVERSAL_NOTE = {
    "zh": "考核表按加权求和计分：去掉一个单位不改变其他单位的得分（只要规则只按本单位的数据计分），其他单位的相对顺序不会逆转；"
          "用 --remove UNIT 可去掉该单位重新计分核验。",
    "en": "The scorecard adds up weighted points: removing a unit changes no other unit's total (as long as no rule "
          "scores a unit against the others), so the order of the other units cannot reverse; --remove UNIT re-scores "
          "without that unit to check.",
}


def _sensitivity_document(args, evaluation, prepared, result, check, concentration, percent, lang) -> dict:
    from evalkit.analysis.sensitivity import groups_of

    sc = evaluation.scorecard
    bands = sc.grading.bands if sc.grading else ()
    none_possible = bool(bands) and (bands[-1].min > 0 or sc.gates or sc.vetoes)
    grade_keys = [b.grade for b in bands] + (["no_grade"] if none_possible else [])
    settings = {"samples": result.samples, "seed": args.seed, "mode": args.mode, "level": args.level,
                "fragile_threshold": result.fragile_threshold}
    if args.mode == "dirichlet":
        settings["concentration"] = concentration if math.isfinite(concentration) else "inf"  # JSON has no infinity
    else:
        settings["percent"] = percent
    units = []
    d = sc.rounding_decimals
    for i in evaluation.order().tolist():
        grade = evaluation.grade_of(i)
        row = {"id": evaluation.units.ids[i], "name": evaluation.units.names[i], "rank": int(evaluation.ranks[i]),
               "total": round_to(evaluation.totals[i], d), "grade": grade.grade if grade else None,
               "rank_min": int(result.rank_min[i]), "rank_max": int(result.rank_max[i]),
               "rank_p05": int(result.rank_p05[i]), "rank_median": int(result.rank_median[i]),
               "rank_p95": int(result.rank_p95[i]),
               "total_min": round_to(result.total_min[i], d), "total_max": round_to(result.total_max[i], d)}
        if result.grade_probability is not None:
            probs = result.grade_probability[i]
            row["grade_probability"] = {key: float(probs[k]) for k, key in enumerate(grade_keys[:len(bands)])}
            if none_possible:
                row["grade_probability"]["no_grade"] = float(probs[len(bands)])
            modal = int(result.modal_grade[i])
            row["modal_grade"] = bands[modal].grade if modal >= 0 else None
            row["modal_probability"] = float(result.modal_probability[i])
            row["fragile"] = bool(result.fragile[i])
        units.append(row)
    names = {node.id: node.name.text(lang) for node, _, _ in sc.walk()}
    weights = {g.name: {label: w for label, w in zip(g.labels, g.base.tolist())} for g in groups_of(prepared.tree)}
    reversal: dict[str, Any] = {"possible": False, "note": REVERSAL_NOTE[lang]}
    if check is not None:
        reversal["checked"] = _reversal_doc(check, evaluation.units.ids)
    return {
        "scorecard": {"id": sc.id, "name": sc.name.to_dict(), "period": evaluation.period, "decimals": d},
        "settings": settings,
        "weights": weights,
        "names": names,
        "grades": [{"grade": b.grade, "min": b.min, "label": b.label.to_dict()} for b in bands],
        "units": units,
        "fragile": [u["id"] for u in units if u.get("fragile")],
        "rank_reversal": reversal,
    }


def round_to(x: float, decimals: int) -> float:
    """A total as the scorecard publishes it (already rounded by the scorecard's rule; this only trims noise)."""
    from evalkit.scoring.rounding import round_array

    return float(round_array(float(x), decimals))


def _sensitivity_text(args, doc: dict, lang: str) -> str:
    from rich.table import Table
    from rich.text import Text

    from evalkit.reporters.summary import points_text

    zh = lang == "zh"
    d = doc["scorecard"]["decimals"]
    s = doc["settings"]
    labels = {g["grade"]: (g["label"].get(lang) or g["label"].get("zh") or g["label"].get("en") or g["grade"]) for g in doc["grades"]}
    labels["no_grade"] = "无等次" if zh else "no grade"
    graded = bool(doc["grades"])
    name = doc["scorecard"]["name"].get(lang) or doc["scorecard"]["name"].get("zh") or doc["scorecard"]["name"].get("en") or doc["scorecard"]["id"]
    table = Table(title=f"{name} · {'权重敏感性分析' if zh else 'weight sensitivity'} · {doc['scorecard']['period']}")
    head = [("排名" if zh else "Rank", "right"), ("编号" if zh else "ID", "left"), ("单位" if zh else "Unit", "left"),
            ("总分" if zh else "Total", "right")]
    head += [("等次" if zh else "Grade", "left")] if graded else []
    head += [("排名区间" if zh else "Rank range", "right"), ("5%-95%" if zh else "5-95 %", "right"),
             ("总分区间" if zh else "Total range", "right")]
    head += [("等次概率" if zh else "Grade odds", "left"), ("脆弱" if zh else "Fragile", "left")] if graded else []
    for k, (h, justify) in enumerate(head):
        table.add_column(h, justify=justify, no_wrap=k < 2)
    rows = [u for u in doc["units"] if u.get("fragile")] if args.fragile_only else doc["units"]
    for u in rows:
        low, high = points_text(u["total_min"], d), points_text(u["total_max"], d)
        cells = [str(u["rank"]), Text(u["id"]), Text(u["name"]), points_text(u["total"], d)]
        cells += [labels.get(u["grade"], "") if u["grade"] else ""] if graded else []
        cells += [f"{u['rank_min']}-{u['rank_max']}" if u["rank_min"] != u["rank_max"] else str(u["rank_min"]),
                 f"{u['rank_p05']}-{u['rank_p95']}" if u["rank_p05"] != u["rank_p95"] else str(u["rank_p05"]),
                 f"{low}-{high}" if low != high else low]
        if graded:
            odds = sorted(((p, g) for g, p in u["grade_probability"].items() if p > 0), reverse=True)
            cells.append(" / ".join(f"{labels[g]} {p:.2f}" for p, g in odds))
            cells.append(("脆弱" if zh else "fragile") if u["fragile"] else "")
        table.add_row(*cells)
    if s["mode"] == "dirichlet":
        how = "Dirichlet, concentration " + (s["concentration"] if isinstance(s["concentration"], str) else f"{s['concentration']:g}")
    else:
        how = f"+/- {s['percent']:g} %"
    lines = [(f"{s['samples']} 次抽样（{how}，种子 {s['seed']}，扰动{'一级指标' if s['level'] == 'top' else '各级同级指标'}权重）" if zh
              else f"{s['samples']} draws ({how}, seed {s['seed']}, perturbing {'the top-level' if s['level'] == 'top' else 'every sibling group of'} weights)")]
    names = doc["names"]
    for group, ws in doc["weights"].items():
        where = ("一级指标" if zh else "top level") if group == "(top)" else names.get(group, group)
        lines.append(f"  {where}: " + ", ".join(f"{names.get(k, k)} {w:.4g}" for k, w in ws.items()))
    if graded:
        fragile = doc["fragile"]
        t = s["fragile_threshold"]
        lines.append((f"等次不稳定的单位 {len(fragile)} 个（最可能等次的概率 < {t:g}）" if zh
                      else f"{len(fragile)} unit(s) with a fragile grade (most likely grade has probability < {t:g})")
                     + (": " + ", ".join(fragile[:30]) + (" ..." if len(fragile) > 30 else "") if fragile else ""))
    else:
        lines.append("考核表没有等次分档，未计算等次概率" if zh else "the scorecard has no grade bands: no grade probabilities")
    rr = doc["rank_reversal"]
    lines.append(("排序逆转：" if zh else "Rank reversal: ") + rr["note"])
    if "checked" in rr:
        lines.extend(_reversal_lines(rr["checked"], doc["units"], "re-scored" if not zh else "重新计分"))
    return render(args, table) + "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------
# Long tables with named columns (the ballots of `evalkit fuzzy`, the scores of `evalkit delphi`)

FUZZY_GRADES = ("优秀", "良好", "一般", "较差")
CRITERION_HEADERS = ("criterion", "indicator", "item", "指标", "考核指标", "评价指标", "测评项目")
GRADE_HEADERS = ("grade", "等次", "等级", "评价等次", "评价等级", "评定等次")
COUNT_HEADERS = ("count", "votes", "票数", "计票", "人数")
BALLOT_HEADERS = ("ballot", "voter", "票号", "选票编号", "评议人")
EXPERT_HEADERS = ("expert", "expert_id", "rater", "专家", "专家编号", "专家姓名", "评分专家")
ITEM_HEADERS = ("item", "indicator", "criterion", "指标", "条目", "评价指标", "咨询项目")
SCORE_HEADERS = ("score", "rating", "评分", "分值", "得分", "打分")
MAX_TABLE_PROBLEMS = 50


def _key(text: Any) -> str:
    """A header or grade as compared: NFKC, trimmed, case-folded (so 'Unit', 'unit ' and 'ｕｎｉｔ' are the same)."""
    import unicodedata

    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def _column_roles(table, roles: dict[str, tuple[str, ...]]) -> tuple[dict[str, int], list[int]]:
    """The position of the column playing each role (found by its header) and the positions of the others."""
    source = table.source
    keys = {role: {_key(a) for a in aliases} for role, aliases in roles.items()}
    found: dict[str, int] = {}
    others: list[int] = []
    seen: dict[str, int] = {}
    problems = []
    for pos, header in enumerate(table.columns):
        h = _key(header)
        if not h:
            problems.append(Problem("a column has no header", source=source, column=f"#{pos + 1}",
                                    expected="a name in the header row"))
            continue
        if h in seen:
            problems.append(Problem(f"the column {header!r} appears twice in the header", source=source, column=header,
                                    expected="each column once"))
            continue
        seen[h] = pos
        role = next((r for r, k in keys.items() if h in k), None)
        if role is None:
            others.append(pos)
        elif role in found:
            problems.append(Problem(f"several columns are the {role} column", source=source, column=header,
                                    expected="one of " + ", ".join(repr(a) for a in roles[role]),
                                    found=f"{table.columns[found[role]]!r} and {header!r}"))
        else:
            found[role] = pos
    if problems:
        raise DataError(problems)
    return found, others


def _missing_column(table, role: str, aliases: Sequence[str]) -> Problem:
    return Problem(f"the {role} column is missing", source=table.source,
                   expected="a column named " + " or ".join(repr(a) for a in aliases),
                   found="columns " + ", ".join(repr(c) for c in table.columns))


def _cell(row: Sequence, pos: int | None):
    return row[pos] if pos is not None and pos < len(row) else None


def _first_at(table, i: int) -> str:
    where = table.where(i)
    return f"row {where['row']}" if where.get("row") is not None else where.get("path", "?")


def _number_problem(table, i: int, column: str, raw: Any, what: str, expected_extra: str) -> Problem | None:
    """None when the cell holds a number; otherwise the problem (not a number, or empty)."""
    from evalkit.io.table import parse_number

    try:
        value = parse_number(raw)
    except ValueError as exc:
        return Problem(f"the {what} is not a number", **table.where(i, column), expected=str(exc),
                       found=describe(raw) if isinstance(raw, (int, float, str)) else describe(str(raw)))
    if value is None:
        return Problem(f"the {what} is empty", **table.where(i, column), expected=expected_extra, found="an empty cell")
    return None


def _finite(x: float) -> float | None:
    """A float for JSON: NaN (undefined) becomes null."""
    x = float(x)
    return x if math.isfinite(x) else None


def _checked_list(text: str, option: str) -> list[str]:
    parts = _words(text)
    empty = [k for k, p in enumerate(parts) if not p]
    if empty:
        raise DefinitionError([Problem(f"{option} has an empty entry", path=f"{option}[{k}]", expected="a value between the commas",
                                       found=describe(text)) for k in empty])
    return parts


# --------------------------------------------------------------------------------------------------
# evalkit fuzzy


def _add_fuzzy(sub, plugin_options) -> None:
    from evalkit.methods import FUZZY_OPERATORS

    p = sub.add_parser(
        "fuzzy", parents=[plugin_options], help="fuzzy comprehensive evaluation of units from grade ballots (模糊综合评价)",
        description="Membership of each unit in each grade from BALLOTS, a long table (.csv, .xlsx or .json) with the "
                    "columns unit (单位), criterion (指标), grade (等次) and count (票数): how many voters gave the unit "
                    "that grade on that criterion; without a count column every row is one ballot (an optional ballot "
                    "column, 票号, catches a ballot that grades a unit twice on one criterion). R = the votes per "
                    "criterion divided by their total; B = W o R (weighted average by default, or max-min then "
                    "normalised); the grade is the one of largest membership (ties: the grade listed first in "
                    "--grades); with --grade-values the score is B . values and units are ranked by it (ties share "
                    "the best rank, 1224). Weights follow the criteria in the order they first appear in BALLOTS, or "
                    "name them: --weights 政治建设=0.4,思想建设=0.2,...; they must sum to 1 or 100 unless "
                    "--normalize-weights.")
    p.add_argument("ballots", metavar="BALLOTS", help="the ballots: unit, criterion, grade[, count] (Chinese headers 单位, 指标, 等次, 票数)")
    weights = p.add_mutually_exclusive_group(required=True)
    weights.add_argument("--weights", metavar="SPEC",
                         help="W1,W2,... in the order the criteria first appear in BALLOTS, or NAME=W,... naming every criterion")
    weights.add_argument("--weights-file", metavar="FILE",
                         help="weights in YAML/JSON (a list, a mapping criterion: weight) or an AHP matrix file with labels")
    p.add_argument("--normalize-weights", action="store_true",
                   help="divide the weights by their sum when it is neither 1 nor 100 (a note says so)")
    p.add_argument("--grades", metavar="G1,G2,...", default=",".join(FUZZY_GRADES),
                   help=f"the grades, best first (default {','.join(FUZZY_GRADES)}); any other grade in BALLOTS is an error")
    p.add_argument("--grade-values", metavar="V1,V2,...",
                   help="one number per grade (e.g. 95,85,70,50): score = membership . values; without it no score or rank")
    p.add_argument("--operator", choices=FUZZY_OPERATORS, default="weighted_average",
                   help="weighted_average (default): b_k = sum_j w_j r_jk; max_min: b_k = max_j min(w_j, r_jk), normalised to sum 1")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of the terminal")
    p.set_defaults(handler=cmd_fuzzy)



class Ballots(NamedTuple):
    """The ballots file as counts (n_units, n_criteria, n_grades), with names in file order."""

    source: str
    units: tuple[str, ...]
    names: tuple[str, ...]
    criteria: tuple[str, ...]
    counts: np.ndarray
    counted: bool  # True: a count column; False: one row per ballot
    rows: int


def _grade_names(text: str) -> tuple[str, ...]:
    grades = _checked_list(text, "--grades")
    problems = []
    first: dict[str, int] = {}
    for k, g in enumerate(grades):
        if _key(g) in first:
            problems.append(Problem("a grade is listed twice", path=f"--grades[{k}]", expected="each grade once",
                                    found=f"{grades[first[_key(g)]]!r} and {g!r}"))
        first.setdefault(_key(g), k)
    if len(grades) < 2:
        problems.append(Problem("fuzzy evaluation needs at least two grades", path="--grades",
                                expected="G1,G2,... best first, e.g. " + ",".join(FUZZY_GRADES), found=describe(text)))
    if problems:
        raise DefinitionError(problems)
    return tuple(grades)


def _grade_values(text: str, grades: Sequence[str]) -> np.ndarray:
    from evalkit.io.table import parse_number

    parts = _checked_list(text, "--grade-values")
    if len(parts) != len(grades):
        raise DefinitionError(Problem(
            f"--grade-values gives {len(parts)} value{'s' if len(parts) != 1 else ''} but there are {len(grades)} grades",
            source="--grade-values", expected=f"one value per grade, in the order {', '.join(grades)}", found=describe(text)))
    values, problems = [], []
    for k, part in enumerate(parts):
        try:
            value = parse_number(part)
        except ValueError:
            value = None
        if value is None:
            problems.append(Problem("a grade value must be a number", path=f"--grade-values[{k}]",
                                    expected=f"a number for the grade {grades[k]!r}, such as 95", found=describe(part)))
        values.append(value)
    if problems:
        raise DefinitionError(problems)
    return np.asarray(values, dtype=np.float64)


def _read_ballots(path: str, registry, grades: Sequence[str]) -> Ballots:
    """Read and check the ballots file: every problem located by file, row and column, all reported at once."""
    from evalkit.io.inputs import read_table
    from evalkit.io.table import cell_text, parse_number
    from evalkit.methods.matrix_input import NAME_HEADERS, UNIT_HEADERS

    table = read_table(path, registry)
    source = table.source
    layout = "unit (单位), criterion (指标), grade (等次) and, optionally, count (票数)"
    if not table.columns:
        raise DataError(Problem("the file is empty", source=source, expected="a header row: " + layout))
    aliases = {"unit": UNIT_HEADERS, "name": NAME_HEADERS, "criterion": CRITERION_HEADERS, "grade": GRADE_HEADERS,
               "count": COUNT_HEADERS, "ballot": BALLOT_HEADERS}
    roles, others = _column_roles(table, aliases)
    problems = [_missing_column(table, role, aliases[role]) for role in ("unit", "criterion", "grade") if role not in roles]
    problems += [Problem(f"unknown column {table.columns[pos]!r}", source=source, column=table.columns[pos],
                         expected="only the columns " + layout + ", an optional name (名称) and, without a count, an "
                                  "optional ballot (票号)", found=describe(table.columns[pos])) for pos in others]
    if "count" in roles and "ballot" in roles:
        problems.append(Problem("a ballot column and a count column together", source=source, column=table.columns[roles["ballot"]],
                                expected="either one row per ballot (with an optional ballot column) or counts per grade (a count column)",
                                found="both"))
    if problems:
        raise DataError(problems)
    if not table.rows:
        raise DataError(Problem("the file has a header but no ballots", source=source, expected="one row per unit, criterion and grade"))

    col = {role: table.columns[pos] for role, pos in roles.items()}
    counted = "count" in roles
    grade_index = {_key(g): k for k, g in enumerate(grades)}
    units: dict[str, int] = {}
    names: list[str] = []
    criteria: dict[str, int] = {}
    votes: dict[tuple[int, int, int], float] = {}
    first_row: dict[tuple, int] = {}
    rows_of: set[tuple[int, int]] = set()
    for i, row in enumerate(table.rows):
        if len(problems) >= MAX_TABLE_PROBLEMS:
            problems.append(Problem(f"stopped after {MAX_TABLE_PROBLEMS} problems; is this the right file?", source=source))
            break
        uid = cell_text(_cell(row, roles["unit"]))
        criterion = cell_text(_cell(row, roles["criterion"]))
        raw_grade = _cell(row, roles["grade"])
        grade = cell_text(raw_grade)
        bad = len(problems)
        if not uid:
            problems.append(Problem("the unit is empty", **table.where(i, col["unit"]), expected="a unit id or name"))
        if not criterion:
            problems.append(Problem("the criterion is empty", **table.where(i, col["criterion"]), expected="a criterion name"))
        if not grade:
            problems.append(Problem("the grade is empty", **table.where(i, col["grade"]), expected="one of " + ", ".join(grades),
                                    found="an empty cell"))
        elif _key(grade) not in grade_index:
            problems.append(Problem(f"unknown grade {grade!r}", **table.where(i, col["grade"]),
                                    expected="one of " + ", ".join(grades) + ", the grades of --grades",
                                    found=describe(raw_grade if isinstance(raw_grade, str) else grade)))
        count = 1.0
        if counted:
            raw = _cell(row, roles["count"])
            problem = _number_problem(table, i, col["count"], raw, "count", "a number of votes >= 0 (0 for none)")
            if problem is not None:
                problems.append(problem)
            else:
                count = parse_number(raw)
                if count < 0:
                    problems.append(Problem("the count is negative", **table.where(i, col["count"]), expected="a number of votes >= 0",
                                            found=describe(raw)))
        if len(problems) > bad:
            continue
        if uid not in units:
            units[uid] = len(units)
            names.append("")
        u = units[uid]
        if "name" in roles:
            name = cell_text(_cell(row, roles["name"]))
            if name and not names[u]:
                names[u] = name
            elif name and name != names[u]:
                problems.append(Problem(f"the unit {uid!r} has another name here", **table.where(i, col["name"]),
                                        expected=f"{names[u]!r}, as on its first row", found=describe(name)))
                continue
        c = criteria.setdefault(criterion, len(criteria))
        g = grade_index[_key(grade)]
        if counted:
            key: tuple = (u, c, g)
            dup = f"the unit {uid!r}, criterion {criterion!r}, grade {grades[g]!r} is given twice"
            dup_expected = "one row per unit, criterion and grade (add the votes up in one row)"
        else:
            ballot = cell_text(_cell(row, roles.get("ballot")))
            key = (ballot, u, c) if ballot else ()
            dup = f"the ballot {ballot!r} grades the unit {uid!r} on the criterion {criterion!r} twice"
            dup_expected = "one grade per ballot, unit and criterion"
        if key and key in first_row:
            problems.append(Problem(dup, **table.where(i, col["grade"] if counted else col["ballot"]), expected=dup_expected,
                                    found="also at " + _first_at(table, first_row[key])))
            continue
        if key:
            first_row[key] = i
        votes[(u, c, g)] = votes.get((u, c, g), 0.0) + count
        rows_of.add((u, c))
    if problems:
        raise DataError(problems)
    counts = np.zeros((len(units), len(criteria), len(grades)))
    if votes:
        index = np.array(list(votes.keys()), dtype=np.int64)
        counts[index[:, 0], index[:, 1], index[:, 2]] = np.fromiter(votes.values(), dtype=np.float64, count=len(votes))
    unit_ids, criterion_names = tuple(units), tuple(criteria)
    for u, c in np.argwhere(counts.sum(axis=2) <= 0).tolist():
        if len(problems) >= MAX_TABLE_PROBLEMS:
            problems.append(Problem("more units and criteria have no votes; not listed here", source=source))
            break
        problems.append(Problem(f"the unit {unit_ids[u]!r} has no votes on the criterion {criterion_names[c]!r}", source=source,
                                column=col.get("count") if (u, c) in rows_of else None,
                                expected="at least one vote for every unit on every criterion",
                                found="only counts of 0" if (u, c) in rows_of else "no row"))
    if problems:
        raise DataError(problems)
    return Ballots(source=source, units=unit_ids, names=tuple(n or uid for n, uid in zip(names, unit_ids)),
                   criteria=criterion_names, counts=counts, counted=counted, rows=len(table.rows))


def _fuzzy_weights(args: argparse.Namespace, criteria: Sequence[str]) -> np.ndarray:
    """--weights W1,W2,... in the criterion order of the ballots, or NAME=W,... naming every criterion once."""
    from evalkit.methods.matrix_input import same_header

    parts = _words(args.weights)
    named = [re.split(r"[=＝]", part, maxsplit=1) for part in parts]
    has_name = [len(n) == 2 for n in named]
    if not any(has_name):
        if len(parts) != len(criteria):
            raise DefinitionError(Problem(
                f"--weights gives {len(parts)} weight{'s' if len(parts) != 1 else ''} but the ballots have {len(criteria)} criteria",
                source="--weights", expected=f"{len(criteria)} weights, in the order {', '.join(criteria)} (or NAME=W for each)",
                found=describe(args.weights)))
        return _checked_weights(parts, criteria, "--weights", [f"--weights[{k}]" for k in range(len(parts))],
                                args.normalize_weights)
    problems = [Problem("a weight without a criterion name among named weights", path=f"--weights[{k}]",
                        expected="NAME=W for every weight, or plain weights in criterion order", found=describe(parts[k]))
                for k, has in enumerate(has_name) if not has]
    found: dict[int, int] = {}
    for k, entry in enumerate(named):
        if len(entry) != 2:
            continue
        name = entry[0].strip()
        match = [j for j, c in enumerate(criteria) if same_header(c, name)]
        if not match:
            problems.append(Problem(f"{name!r} is not a criterion of the ballots", path=f"--weights[{k}]",
                                    expected="one of " + ", ".join(criteria), found=describe(name)))
        elif match[0] in found:
            problems.append(Problem(f"the criterion {criteria[match[0]]!r} is given twice", path=f"--weights[{k}]",
                                    expected="each criterion once", found=describe(parts[k])))
        else:
            found[match[0]] = k
    missing = [c for j, c in enumerate(criteria) if j not in found]
    if missing:
        problems.append(Problem("some criteria have no weight", source="--weights", expected="a weight for every criterion",
                                found="none for " + ", ".join(missing)))
    if problems:
        raise DefinitionError(problems)
    order = [found[j] for j in range(len(criteria))]
    return _checked_weights([named[k][1].strip() for k in order], criteria, "--weights",
                            [f"--weights[{k}]" for k in order], args.normalize_weights)


def cmd_fuzzy(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from
    from evalkit.methods import fuzzy_evaluation

    grades = _grade_names(args.grades)
    values = _grade_values(args.grade_values, grades) if args.grade_values is not None else None
    check_output(args, [args.ballots, args.weights_file])
    ballots = _read_ballots(args.ballots, registry_from(args), grades)
    if args.weights is not None:
        weights, weights_from = _fuzzy_weights(args, ballots.criteria), "--weights"
    else:
        weights, weights_from = _file_weights(args, ballots.criteria)
    result = fuzzy_evaluation(weights, ballots.counts, values, grades, operator=args.operator)
    doc = _fuzzy_document(args, ballots, grades, values, weights, weights_from, result)
    if args.format == "json":
        text = _json(doc)
    elif args.format == "csv":
        text = _fuzzy_csv(doc)
    else:
        text = _fuzzy_text(args, doc)
    emit(args, text, f"{len(ballots.units)} units, format {args.format}")
    return 0


def _fuzzy_document(args, ballots: Ballots, grades, values, weights, weights_from, result) -> dict:
    from evalkit.methods import membership_matrix

    R = membership_matrix(ballots.counts)
    scored = result.scores is not None
    order = np.argsort(result.rank, kind="stable") if scored else np.arange(len(ballots.units))
    units = []
    for i in order.tolist():
        row: dict[str, Any] = {"rank": int(result.rank[i]) if scored else None, "unit": ballots.units[i], "name": ballots.names[i],
                               "grade": result.grade[i], "score": float(result.scores[i]) if scored else None,
                               "membership": dict(zip(grades, result.membership[i].tolist()))}
        if args.operator == "max_min":
            row["raw_membership"] = dict(zip(grades, result.raw_membership[i].tolist()))
        row["votes"] = {c: {g: float(v) for g, v in zip(grades, ballots.counts[i, j].tolist())} for j, c in enumerate(ballots.criteria)}
        row["membership_matrix"] = {c: dict(zip(grades, R[i, j].tolist())) for j, c in enumerate(ballots.criteria)}
        units.append(row)
    return {
        "method": "fuzzy_evaluation",
        "operator": args.operator,
        "source": ballots.source,
        "ballots": "counts per grade" if ballots.counted else "one row per ballot",
        "grades": list(grades),
        "grade_values": dict(zip(grades, values.tolist())) if values is not None else None,
        "criteria": list(ballots.criteria),
        "weights": dict(zip(ballots.criteria, weights.tolist())),
        "weights_from": weights_from,
        "units": units,
    }


def _fuzzy_csv(doc: dict) -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    scored = doc["grade_values"] is not None
    writer.writerow((["rank"] if scored else []) + ["unit", "name", "grade"] + (["score"] if scored else []) + doc["grades"])
    for u in doc["units"]:
        writer.writerow(([u["rank"]] if scored else []) + [u["unit"], u["name"], u["grade"]]
                        + ([repr(u["score"])] if scored else []) + [repr(u["membership"][g]) for g in doc["grades"]])
    return "\ufeff" + buffer.getvalue()  # a BOM so that Excel shows Chinese names


OPERATOR_TEXT = {
    "weighted_average": "加权平均型 M(·,+): b_k = Σ_j w_j r_jk",
    "max_min": "主因素决定型 M(∧,∨): b_k = max_j min(w_j, r_jk), 归一化 normalised to sum 1",
}


def _fuzzy_text(args, doc: dict) -> str:
    from rich.table import Table
    from rich.text import Text

    scored = doc["grade_values"] is not None
    grades = doc["grades"]
    table = Table(title=f"模糊综合评价 fuzzy comprehensive evaluation · {doc['source']} · {len(doc['units'])} 个单位 units")
    if scored:
        table.add_column("排名 Rank", justify="right")
    table.add_column("单位 Unit")
    show_names = any(u["name"] != u["unit"] for u in doc["units"])
    if show_names:
        table.add_column("名称 Name")
    for g in grades:
        table.add_column(Text(g), justify="right")
    table.add_column("等次 Grade")
    if scored:
        table.add_column("得分 Score", justify="right")
    for u in doc["units"]:
        cells = ([str(u["rank"])] if scored else []) + [Text(u["unit"])] + ([Text(u["name"])] if show_names else [])
        cells += [f"{u['membership'][g]:.4f}" for g in grades] + [Text(u["grade"])]
        cells += [f"{u['score']:.2f}"] if scored else []
        table.add_row(*cells)
    lines = [f"隶属度 membership B = W o R, 算子 operator {doc['operator']}: {OPERATOR_TEXT[doc['operator']]}",
             f"权重 weights ({doc['weights_from']}): " + ", ".join(f"{c} {w:.4f}" for c, w in doc["weights"].items()),
             "等次 grade: 最大隶属度原则 the grade of largest membership (a tie goes to the grade listed first)"]
    if scored:
        lines.append("得分 score = Σ_k b_k v_k, 等次分值 grade values: " + ", ".join(f"{g} {v:g}" for g, v in doc["grade_values"].items()))
    else:
        lines.append("no score or rank: give --grade-values V1,V2,... (one number per grade) to score the units")
    return render(args, table) + "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------
# evalkit delphi


def _add_delphi(sub, plugin_options) -> None:
    p = sub.add_parser(
        "delphi", parents=[plugin_options], help="statistics of a Delphi round: concentration, dispersion, Kendall's W (德尔菲法)",
        description="Per item: the mean, the standard deviation (ddof 1, the sample standard deviation, unless --ddof 0), "
                    "the coefficient of variation CV = std / |mean| and the full-mark rate (the share of experts giving "
                    "exactly --full-mark); for the round: Kendall's W over the items (average ranks for ties, with the "
                    "tie correction), chi2 = m (n - 1) W with n - 1 degrees of freedom and its p-value. SCORES (.csv, "
                    ".xlsx or .json) is wide (an expert column, 专家, then one column per item) or long (exactly the "
                    "columns expert, item and score; 专家, 指标, 评分). Every expert scores every item; a score above "
                    "--full-mark is an error.")
    p.add_argument("scores", metavar="SCORES", help="the round's scores: expert, then one column per item; or expert, item, score")
    p.add_argument("--full-mark", required=True, type=number_in(0, math.inf, open_low=True),
                   help="the top of the scale (e.g. 5 or 10): the full-mark rate counts scores equal to it")
    p.add_argument("--ddof", type=int, choices=(0, 1), default=1,
                   help="standard deviation divisor m - ddof: 1 (default, sample) or 0 (population)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of the terminal")
    p.set_defaults(handler=cmd_delphi)


class Round(NamedTuple):
    """A Delphi round's scores (n_experts, n_items) in file order."""

    source: str
    experts: tuple[str, ...]
    items: tuple[str, ...]
    scores: np.ndarray
    layout: str  # "wide" or "long"


def _score_value(table, i: int, column: str, raw: Any, full_mark: float, problems: list, missing: str) -> float | None:
    from evalkit.io.table import parse_number

    problem = _number_problem(table, i, column, raw, "score", missing)
    if problem is not None:
        problems.append(problem)
        return None
    value = parse_number(raw)
    if value > full_mark:
        problems.append(Problem("the score is above the full mark", **table.where(i, column),
                                expected=f"at most {full_mark:g} (--full-mark)", found=describe(raw)))
        return None
    return value


def _read_round(path: str, registry, full_mark: float) -> Round:
    from evalkit.io.inputs import read_table
    from evalkit.io.table import cell_text

    table = read_table(path, registry)
    source = table.source
    if not table.columns:
        raise DataError(Problem("the file is empty", source=source,
                                expected="a header row: expert (专家) and one column per item, or expert, item, score"))
    aliases = {"expert": EXPERT_HEADERS, "item": ITEM_HEADERS, "score": SCORE_HEADERS}
    roles, others = _column_roles(table, aliases)
    long = "item" in roles or "score" in roles
    problems = [_missing_column(table, role, aliases[role]) for role in (("expert", "item", "score") if long else ("expert",))
                if role not in roles]
    if long:
        problems += [Problem(f"unknown column {table.columns[pos]!r}", source=source, column=table.columns[pos],
                             expected="only expert, item and score in a long table (a wide table has no item or score "
                                      "column: expert, then one column per item)", found=describe(table.columns[pos]))
                     for pos in others]
    elif not others:
        problems.append(Problem("the file has no item columns", source=source,
                                expected="one column of scores per item besides the expert column",
                                found="columns " + ", ".join(repr(c) for c in table.columns)))
    if problems:
        raise DataError(problems)
    if not table.rows:
        raise DataError(Problem("the file has a header but no scores", source=source, expected="one row per expert" if not long
                                else "one row per expert and item"))
    expert_col = table.columns[roles["expert"]]
    experts: dict[str, int] = {}
    first_row: dict[Any, int] = {}
    if long:
        item_col, score_col = table.columns[roles["item"]], table.columns[roles["score"]]
        items: dict[str, int] = {}
        values: dict[tuple[int, int], float] = {}
        for i, row in enumerate(table.rows):
            if len(problems) >= MAX_TABLE_PROBLEMS:
                problems.append(Problem(f"stopped after {MAX_TABLE_PROBLEMS} problems; is this the right file?", source=source))
                break
            expert, item = cell_text(_cell(row, roles["expert"])), cell_text(_cell(row, roles["item"]))
            bad = len(problems)
            if not expert:
                problems.append(Problem("the expert is empty", **table.where(i, expert_col), expected="an expert id or name"))
            if not item:
                problems.append(Problem("the item is empty", **table.where(i, item_col), expected="an item (indicator) name"))
            value = _score_value(table, i, score_col, _cell(row, roles["score"]), full_mark, problems,
                                 "a score: every expert scores every item (Kendall's W needs complete rankings)")
            if len(problems) > bad:
                continue
            if (expert, item) in first_row:
                problems.append(Problem(f"the expert {expert!r} scores the item {item!r} twice", **table.where(i, score_col),
                                        expected="one score per expert and item", found="also at " + _first_at(table, first_row[(expert, item)])))
                continue
            first_row[(expert, item)] = i
            values[(experts.setdefault(expert, len(experts)), items.setdefault(item, len(items)))] = value
        if problems:
            raise DataError(problems)
        S = np.full((len(experts), len(items)), np.nan)
        for (e, j), v in values.items():
            S[e, j] = v
        expert_ids, item_names = tuple(experts), tuple(items)
        for e, j in np.argwhere(np.isnan(S))[:MAX_TABLE_PROBLEMS].tolist():
            problems.append(Problem(f"the expert {expert_ids[e]!r} has no score for the item {item_names[j]!r}", source=source,
                                    expected="a score from every expert on every item (Kendall's W needs complete rankings)",
                                    found="no row"))
        if problems:
            raise DataError(problems)
    else:
        item_names = tuple(table.columns[pos] for pos in others)
        S = np.zeros((len(table.rows), len(others)))
        ids = []
        for i, row in enumerate(table.rows):
            if len(problems) >= MAX_TABLE_PROBLEMS:
                problems.append(Problem(f"stopped after {MAX_TABLE_PROBLEMS} problems; is this the right file?", source=source))
                break
            expert = cell_text(_cell(row, roles["expert"]))
            if not expert:
                problems.append(Problem("the expert is empty", **table.where(i, expert_col), expected="an expert id or name"))
            elif expert in first_row:
                problems.append(Problem(f"the expert {expert!r} is given twice", **table.where(i, expert_col),
                                        expected="one row per expert", found="also at " + _first_at(table, first_row[expert])))
            else:
                first_row[expert] = i
            ids.append(expert)
            for j, pos in enumerate(others):
                value = _score_value(table, i, table.columns[pos], _cell(row, pos), full_mark, problems,
                                     "a score: every expert scores every item (Kendall's W needs complete rankings)")
                if value is not None:
                    S[i, j] = value
        if problems:
            raise DataError(problems)
        expert_ids = tuple(ids)
    if len(expert_ids) < 2:
        raise DataError(Problem("a Delphi round needs at least two experts", source=source,
                                expected="scores from 2 or more experts", found=f"{len(expert_ids)} expert"))
    return Round(source=source, experts=expert_ids, items=item_names, scores=S, layout="long" if long else "wide")


def cmd_delphi(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from
    from evalkit.methods import delphi_round

    check_output(args, [args.scores])
    rnd = _read_round(args.scores, registry_from(args), args.full_mark)
    result = delphi_round(rnd.scores, args.full_mark, ddof=args.ddof)
    doc = _delphi_document(rnd, result)
    if args.format == "json":
        text = _json(doc)
    elif args.format == "csv":
        text = _delphi_csv(doc)
    else:
        text = _delphi_text(args, doc)
    emit(args, text, f"{len(rnd.items)} items, {len(rnd.experts)} experts, format {args.format}")
    return 0


def _delphi_document(rnd: Round, result) -> dict:
    k = result.kendall
    items = [{"item": name, "mean": float(result.mean[j]), "std": float(result.std[j]), "cv": _finite(result.cv[j]),
              "full_mark_rate": float(result.full_mark_rate[j])} for j, name in enumerate(rnd.items)]
    return {
        "method": "delphi",
        "source": rnd.source,
        "layout": rnd.layout,
        "full_mark": result.full_mark,
        "ddof": result.ddof,
        "experts": list(rnd.experts),
        "items": items,
        "kendall": {"w": _finite(k.w), "chi2": _finite(k.chi2), "df": k.df, "p_value": _finite(k.p_value),
                    "n_experts": k.n_raters, "n_items": k.n_items, "tie_correction": k.tie_correction},
    }


def _delphi_csv(doc: dict) -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["item", "mean", "std", "cv", "full_mark_rate"])
    for it in doc["items"]:
        writer.writerow([it["item"], repr(it["mean"]), repr(it["std"]), "" if it["cv"] is None else repr(it["cv"]),
                         repr(it["full_mark_rate"])])
    return "\ufeff" + buffer.getvalue()


def _p_text(p: float) -> str:
    return "< 0.0001" if p < 0.0001 else f"= {p:.4f}"


def _delphi_text(args, doc: dict) -> str:
    from rich.table import Table
    from rich.text import Text

    m = len(doc["experts"])
    table = Table(title=f"德尔菲法专家咨询 Delphi round · {doc['source']} · {m} 位专家 experts")
    table.add_column("#", justify="right")
    table.add_column("指标 Item")
    table.add_column("均值 Mean", justify="right")
    table.add_column(f"标准差 Std (ddof={doc['ddof']})", justify="right")
    table.add_column("变异系数 CV", justify="right")
    table.add_column("满分率 Full-mark rate", justify="right")
    for n, it in enumerate(doc["items"], 1):
        cv = "n/a (mean 0)" if it["cv"] is None else f"{it['cv']:.4f}"
        table.add_row(str(n), Text(it["item"]), f"{it['mean']:.4f}", f"{it['std']:.4f}", cv, f"{100 * it['full_mark_rate']:.1f}%")
    k = doc["kendall"]
    if k["w"] is None:
        kendall = ("肯德尔和谐系数 Kendall's W: undefined (one item, or every expert gave every item the same score)")
    else:
        verdict = ("专家意见协调性显著 the agreement is significant at 0.05" if k["p_value"] < 0.05
                   else "专家意见协调性不显著 the agreement is not significant at 0.05")
        kendall = (f"肯德尔和谐系数 Kendall's W = {k['w']:.4f}, chi2 = {k['chi2']:.4f}, df = {k['df']}, "
                   f"p {_p_text(k['p_value'])}: {verdict}")
    lines = [kendall,
             f"满分 full mark {doc['full_mark']:g}; CV = std / |mean|; Kendall's W ranks each expert's scores "
             "(ties: average ranks, tie-corrected); chi2 = m (n - 1) W"]
    return render(args, table) + "\n".join(lines) + "\n"
