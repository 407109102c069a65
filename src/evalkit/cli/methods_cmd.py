"""`evalkit ahp`, `evalkit rank` and `evalkit sensitivity`: the scientific toolbox from the command line.

Decisions (also in each command's --help):

- ahp: an inconsistent matrix (CR >= --threshold) is still a valid matrix: its weights are printed and
  the command exits 0, with a warning on stderr naming the judgement to revisit first; ``--strict``
  makes it exit 2. A malformed matrix is an invalid definition: exit 2, with the JSON path and the line.
- rank: weights are never silently changed. Weights summing to 1 or to 100 (within 1e-6; percentages,
  as a scorecard's sibling weights may be) are divided by their sum; any other sum is an error (exit 2)
  unless ``--normalize-weights`` is given, and then a note on stderr says what the sum was.
- sensitivity: a unit is fragile when its most likely grade has a probability below
  ``--fragile-threshold`` (default 0.9).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import re
import shutil
import sys
from typing import Any, Sequence

import numpy as np

from evalkit.cli.common import check_output, emit, render
from evalkit.errors import DataError, DefinitionError, Problem, UsageError, describe

RANK_METHODS = ("saw", "topsis", "vikor", "grey")
OBJECTIVE_WEIGHTS = ("entropy", "critic", "std")
NORMALIZATIONS = {"saw": ("minmax", "max"), "topsis": ("vector", "minmax"), "grey": ("minmax", "max"), "vikor": ()}
WEIGHT_SUM_TOL = 1e-6
MAX_REVERSAL_UNITS = 2000  # removing each of n units in turn costs n re-rankings and n^2 comparisons each
LISTED_REVERSALS = 20  # pairs printed in text output (JSON lists up to 100)


# --------------------------------------------------------------------------------------------------
# Argument types (a bad value is a usage error, exit 64)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, found {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, found {text!r}")
    return value


def _number_in(low: float, high: float, open_low: bool = False, open_high: bool = False, allow_inf: bool = False):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        ok = (not math.isnan(value)) and (allow_inf or math.isfinite(value))
        ok = ok and (value > low if open_low else value >= low) and (value < high if open_high else value <= high)
        if not ok:
            lo = "(" if open_low else "["
            hi = ")" if open_high else "]"
            raise argparse.ArgumentTypeError(f"expected a number in {lo}{low:g}, {high:g}{hi}, found {text!r}")
        return value

    return parse


def _words(text: str) -> list[str]:
    """Comma-separated values (a Chinese comma or spaces after commas allowed)."""
    return [part.strip() for part in re.split(r"[,，]", text)]


# --------------------------------------------------------------------------------------------------
# Plumbing shared by the three commands


def add_commands(sub, plugin_options) -> None:
    _add_ahp(sub)
    _add_rank(sub, plugin_options)
    _add_sensitivity(sub, plugin_options)


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
    p.add_argument("--threshold", type=_number_in(0, 1, open_low=True), default=0.1,
                   help="CR below this is consistent (default 0.1)")
    p.add_argument("--strict", action="store_true", help="exit 2 when the matrix is not consistent")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=cmd_ahp)


def cmd_ahp(args: argparse.Namespace) -> int:
    import attrs

    from evalkit.methods import RI_SOURCES, ahp, worst_judgement
    from evalkit.source import load_document

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
    from evalkit.rounding import round_array

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
    p.add_argument("--v", type=_number_in(0, 1), help="VIKOR: weight of group utility S against regret R (default 0.5)")
    p.add_argument("--rho", type=_number_in(0, 1, open_low=True), help="grey: distinguishing coefficient (default 0.5)")
    p.add_argument("--check-reversal", action="store_true",
                   help="remove each unit in turn, rank the others again (same weights) and report pairs whose order flips")
    p.add_argument("--remove", metavar="UNIT", action="append", default=[],
                   help="check rank reversal for removing this unit only (repeatable; implies --check-reversal)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of the terminal")
    p.set_defaults(handler=cmd_rank)


def _parse_weight_text(text: str) -> float | None:
    from evalkit.data import parse_number

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
    from evalkit.methods import ahp
    from evalkit.source import json_path, load_document

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
    from evalkit.inputs import load_units

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
    from evalkit.methods.sensitivity import rank_reversals

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
    from evalkit.methods._common import to_list

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
    from evalkit.cli.common import input_options
    from evalkit.methods.sensitivity import SAMPLING_MODES

    p = sub.add_parser(
        "sensitivity", parents=[plugin_options], help="how robust ranks and grades are to the scorecard's weights",
        description="Score SCORECARD once, then draw weights around the declared ones (seeded Dirichlet, or +/- a "
                    "percentage then renormalised) for the top-level dimensions (--level top) or every sibling group "
                    "(--level all), re-total without running the rules again, and report every unit's rank range, "
                    "5th-95th percentile ranks, grade probabilities and whether its grade is fragile (the most likely "
                    "grade has a probability below --fragile-threshold). A weighted-sum scorecard cannot reverse the "
                    "order of other units when one is removed; --remove UNIT re-scores without it to check.")
    input_options(p)
    p.add_argument("--samples", type=_positive_int, default=1000, help="weight draws (default 1000)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1): the same seed gives the same report")
    p.add_argument("--mode", choices=SAMPLING_MODES, default="dirichlet",
                   help="dirichlet (default): alpha = concentration x weight; percent: each weight x (1 +/- up to p %%), renormalised")
    p.add_argument("--concentration", type=_number_in(0, math.inf, open_low=True, allow_inf=True), default=None,
                   help="Dirichlet concentration (default 200; larger is tighter, inf is no perturbation)")
    p.add_argument("--percent", type=_number_in(0, 100, open_high=True), default=None,
                   help="largest relative change of a weight in percent mode (default 10)")
    p.add_argument("--level", choices=("top", "all"), default="top",
                   help="perturb the top-level dimensions only (default) or every sibling group of the tree")
    p.add_argument("--fragile-threshold", type=_number_in(0, 1, open_low=True), default=0.9,
                   help="a grade is fragile when its probability is below this (default 0.9)")
    p.add_argument("--remove", metavar="UNIT", action="append", default=[],
                   help="re-score without UNIT and report pairs of other units whose order changes (repeatable)")
    p.add_argument("--fragile-only", action="store_true", help="list only the fragile units (text format)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of the terminal")
    p.add_argument("--lang", choices=("zh", "en"), help="label language (default: zh when the scorecard has Chinese names)")
    p.set_defaults(handler=cmd_sensitivity)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from evalkit import evaluate, load_scorecard
    from evalkit.cli import registry_from
    from evalkit.cli.common import default_lang
    from evalkit.inputs import load_data, load_units
    from evalkit.methods.sensitivity import rank_reversals, scorecard_sensitivity, scorecard_weights

    if args.mode == "dirichlet" and args.percent is not None:
        raise UsageError("--percent applies to --mode percent; the Dirichlet mode takes --concentration")
    if args.mode == "percent" and args.concentration is not None:
        raise UsageError("--concentration applies to --mode dirichlet; the percent mode takes --percent")
    concentration = 200.0 if args.concentration is None else args.concentration
    percent = 10.0 if args.percent is None else args.percent
    check_output(args, [args.scorecard, args.data, args.units])
    registry = registry_from(args)
    scorecard = load_scorecard(args.scorecard, registry)
    units = load_units(args.units, registry)
    data = load_data(args.data, units, scorecard, period=args.period and str(args.period))
    remove = _removal_indices(args, units.ids, args.units)
    evaluation = evaluate(scorecard, data)
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
    from evalkit.data import DataSet, Units

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
    from evalkit.methods.sensitivity import groups_of

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
    from evalkit.rounding import round_array

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
