"""Analytic hierarchy process (层次分析法): weights from a pairwise comparison matrix, and its consistency.

Conventions (each is a parameter with this default):

- Entries are on Saaty's 1-9 scale: a number or a fraction written as text ("1/3"). a_ij says how many
  times criterion i is more important than j. The matrix must be square, positive, with 1 on the
  diagonal and reciprocal: a_ij * a_ji = 1 within ``reciprocal_tol`` (default 0.01, so 0.333 for 1/3 is
  accepted but 0.3 is not; write "1/3"). Entries outside [1/9, 9] are refused unless ``scale_max=None``.
  The matrix is used as given; it is never "repaired".
- Priority vector ``method``: ``"eigen"`` (default; principal right eigenvector from numpy.linalg.eig,
  real part, normalised to sum 1), ``"geometric"`` (row geometric means, normalised) or ``"arithmetic"``
  (each column divided by its sum, then row means).
- ``lambda_max`` is the principal eigenvalue of the matrix by default (``lambda_method="eigen"``,
  whatever the weight method). ``lambda_method="mean_ratio"`` uses the estimate mean_i((A w)_i / w_i)
  with the weights w of the chosen method, as the sum-product (和积法) and root (方根法) methods of
  Chinese AHP textbooks do; for the eigenvector weights both are the same. CI = (lambda_max - n) / (n - 1);
  CR = CI / RI(n) from a NAMED random-index table (``RI_TABLES``, default ``"saaty"``); for n <= 2,
  CI = CR = 0. ``consistent`` means CR < ``threshold`` (default 0.1, strict).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from evalkit.errors import DefinitionError, Problem, describe

from .arrays import check_choice, readonly, to_list

__all__ = [
    "AHP_METHODS",
    "LAMBDA_METHODS",
    "RI_SOURCES",
    "RI_TABLES",
    "SAATY_SCALE",
    "AhpResult",
    "Judgement",
    "ahp",
    "global_weights",
    "judgements_by_deviation",
    "pairwise_matrix",
    "parse_matrix",
    "principal_eigen",
    "priority_vector",
    "random_index",
    "worst_judgement",
]

AHP_METHODS = ("eigen", "geometric", "arithmetic")
LAMBDA_METHODS = ("eigen", "mean_ratio")
"""How lambda_max is found: the principal eigenvalue, or mean_i((A w)_i / w_i) with the method's weights."""

# Random consistency index RI(n), indexed by n - 1 (n = 1, 2, ...).
RI_TABLES: dict[str, tuple[float, ...]] = {
    # Saaty, T. L. (1980). The Analytic Hierarchy Process. McGraw-Hill: the original table, n = 1..10.
    "saaty": (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49),
    # Alonso, J. A. & Lamata, M. T. (2006). Consistency in the analytic hierarchy process: a new
    # approach. Int. J. of Uncertainty, Fuzziness and Knowledge-Based Systems 14(4), 445-459;
    # 100,000 random reciprocal matrices per order, n = 1..15.
    "alonso_lamata": (
        0.0, 0.0, 0.5245, 0.8815, 1.1086, 1.2479, 1.3417, 1.4056,
        1.4499, 1.4854, 1.5141, 1.5365, 1.5551, 1.5713, 1.5838,
    ),
    # The table printed in Chinese AHP textbooks and modelling courses (平均随机一致性指标, 1000 random
    # reciprocal matrices per order), n = 1..15; usually credited to 许树柏《实用决策方法——层次分析法
    # 原理》(天津大学出版社, 1988). The values are the ones in common use; the attribution to that book
    # was not checked against the book itself.
    "cn_1000": (
        0.0, 0.0, 0.52, 0.89, 1.12, 1.26, 1.36, 1.41,
        1.46, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59,
    ),
    # Saaty, T. L. (2005). Theory and Applications of the Analytic Network Process. RWS Publications, p. 31;
    # n = 1..15, the table AHPy uses with random_index="saaty" (AHPy 2.0, ahpy.py).
    "saaty_2005": (
        0.0, 0.0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40,
        1.45, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59,
    ),
    # Tummala, V. M. R. & Ling, H. (1998). A note on the computation of the mean random consistency index
    # of the AHP. Theory and Decision 44(3), 221-230; n = 1..15, pymcdm's AHP.RI_M (pymcdm 1.x).
    "tummala_ling": (
        0.0, 0.0, 0.5799, 0.8921, 1.1159, 1.2358, 1.3322, 1.3952,
        1.4537, 1.4882, 1.5117, 1.5356, 1.5571, 1.5714, 1.5831,
    ),
    # Donegan, H. A. & Dodd, F. J. (1991). A note on Saaty's random indexes. Mathematical and Computer
    # Modelling 15(10), 135-137; n = 1..20, AHPy's default table (random_index="dd").
    "donegan_dodd": (
        0.0, 0.0, 0.4914, 0.8286, 1.0591, 1.1797, 1.2519, 1.3171, 1.3733, 1.4055,
        1.4213, 1.4497, 1.4643, 1.4822, 1.4969, 1.5078, 1.5153, 1.5262, 1.5313, 1.5371,
    ),
}

RI_SOURCES: dict[str, str] = {
    "saaty": "Saaty (1980), The Analytic Hierarchy Process, McGraw-Hill",
    "alonso_lamata": "Alonso & Lamata (2006), Int. J. Uncertainty, Fuzziness and Knowledge-Based Systems 14(4)",
    "cn_1000": "Chinese textbook table from 1000 random matrices per order (commonly credited to Xu Shubai, 1988)",
    "saaty_2005": "Saaty (2005), Theory and Applications of the Analytic Network Process, RWS Publications, p. 31 (AHPy 'saaty')",
    "tummala_ling": "Tummala & Ling (1998), Theory and Decision 44(3), 221-230 (pymcdm AHP.RI_M)",
    "donegan_dodd": "Donegan & Dodd (1991), Mathematical and Computer Modelling 15(10), 135-137 (AHPy default 'dd')",
}

SAATY_SCALE: tuple[float, ...] = tuple([1.0 / k for k in range(9, 1, -1)] + [float(k) for k in range(1, 10)])
"""The 17 values of Saaty's scale, 1/9 .. 1 .. 9."""

_DIAGONAL_TOL = 1e-9
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_ENTRY = re.compile(rf"^\s*({_NUMBER})\s*(?:/\s*({_NUMBER})\s*)?$")


# --------------------------------------------------------------------------------------------------
# Results


def _to_float_or_none(x: Any) -> Any:
    return None if x is None else float(x)


@attrs.frozen(eq=False)
class AhpResult:
    """Weights of one pairwise comparison matrix and how consistent its judgements are.

    ``weights`` sum to 1 and are in the matrix's row order; ``labels`` (if given) name the rows.
    """

    weights: np.ndarray
    lambda_max: float
    ci: float
    ri: float
    cr: float
    consistent: bool
    method: str
    ri_table: str
    threshold: float = 0.1
    labels: tuple[str, ...] | None = None
    lambda_method: str = "eigen"

    def as_mapping(self) -> dict[str, float]:
        """Weights keyed by label (labels must have been given)."""
        if self.labels is None:
            raise DefinitionError(Problem("this AHP result has no labels", path="labels", expected="labels for the rows", found="none"))
        return dict(zip(self.labels, self.weights.tolist()))

    def to_dict(self) -> dict:
        return {
            "weights": to_list(self.weights),
            "labels": list(self.labels) if self.labels is not None else None,
            "lambda_max": float(self.lambda_max),
            "ci": float(self.ci),
            "ri": float(self.ri),
            "cr": float(self.cr),
            "consistent": bool(self.consistent),
            "threshold": float(self.threshold),
            "method": self.method,
            "ri_table": self.ri_table,
            "ri_source": RI_SOURCES[self.ri_table],
            **({"lambda_method": self.lambda_method} if self.lambda_method != "eigen" else {}),
        }


@attrs.frozen
class Judgement:
    """One judgement a_ij compared with what the weights imply (w_i / w_j).

    ``deviation`` = max(a_ij * w_j / w_i, its inverse) >= 1; 1 means the judgement agrees with the weights.
    ``nearest_scale_value`` is the value on Saaty's 1-9 scale closest (in ratio) to ``consistent_value``.
    """

    row: int
    column: int
    given: float
    consistent_value: float
    deviation: float
    nearest_scale_value: float
    nearest_scale_text: str
    row_label: str | None = None
    column_label: str | None = None

    def describe(self) -> str:
        a = self.row_label or f"row {self.row}"
        b = self.column_label or f"column {self.column}"
        return (
            f"{a} compared with {b}: the matrix says {_format_scale(self.given)}, the other judgements imply "
            f"{self.consistent_value:.3g} (nearest scale value {self.nearest_scale_text}); "
            f"off by a factor of {self.deviation:.3g}"
        )

    def to_dict(self) -> dict:
        d = attrs.asdict(self)
        d["description"] = self.describe()
        return d


# --------------------------------------------------------------------------------------------------
# Parsing and validation


def _parse_entry(value: Any) -> float | None:
    """A number or a text like "3", "1/3", "0.5", " 1 / 7 "; None when it is neither."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, str):
        m = _ENTRY.match(value)
        if not m:
            return None
        num = float(m.group(1))
        if m.group(2) is None:
            return num
        den = float(m.group(2))
        return num / den if den != 0 else math.inf
    return None


def _format_scale(x: float) -> str:
    if x >= 1:
        return f"{x:g}"
    inv = 1.0 / x
    if abs(inv - _nearest_int(inv)) < 1e-9:
        return f"1/{_nearest_int(inv)}"
    return f"{x:.4g}"


def _show(x: float) -> str:
    """A comparison the way a person writes it: 2, 1/3, 0.4, -1, inf."""
    if not math.isfinite(x) or x <= 0:
        return f"{x:g}"
    return _format_scale(x)


def _nearest_int(x: float) -> int:
    """Nearest integer, halves away from zero (used only to print fractions such as 1/3)."""
    return math.floor(abs(x) + 0.5) * (1 if x >= 0 else -1)


def _check_pairwise(
    A: np.ndarray, path: str, source: str | None, reciprocal_tol: float, scale_max: float | None
) -> list[Problem]:
    """All problems of a square float matrix as a pairwise comparison matrix."""
    problems: list[Problem] = []
    n = A.shape[0]
    finite = np.isfinite(A)
    positive = finite & (A > 0)
    for i, j in np.argwhere(~positive):
        problems.append(
            Problem(
                "a pairwise comparison must be a positive number",
                source=source,
                path=f"{path}[{i}][{j}]",
                expected='a number > 0 such as 3 or "1/3"',
                found=_show(float(A[i, j])),
            )
        )
    diag = np.diagonal(A)
    for i in np.flatnonzero(positive[np.arange(n), np.arange(n)] & (np.abs(diag - 1.0) > _DIAGONAL_TOL)):
        problems.append(
            Problem(
                "a criterion compared with itself must be 1 (the diagonal)",
                source=source,
                path=f"{path}[{i}][{i}]",
                expected="1",
                found=_show(float(A[i, i])),
            )
        )
    if scale_max is not None:
        low = (1.0 / scale_max) * (1.0 - reciprocal_tol)
        high = scale_max * (1.0 + 1e-12)
        for i, j in np.argwhere(positive & ((low > A) | (high < A))):
            problems.append(
                Problem(
                    f"a pairwise comparison is outside the 1-{scale_max:g} scale",
                    source=source,
                    path=f"{path}[{i}][{j}]",
                    expected=f"a value from 1/{scale_max:g} to {scale_max:g}",
                    found=_show(float(A[i, j])),
                )
            )
    iu, ju = np.triu_indices(n, k=1)
    both = positive[iu, ju] & positive[ju, iu]
    with np.errstate(all="ignore"):
        product = A[iu, ju] * A[ju, iu]
    bad = both & (np.abs(product - 1.0) > reciprocal_tol)
    for i, j in zip(iu[bad], ju[bad]):
        problems.append(
            Problem(
                f"comparisons [{i}][{j}] and [{j}][{i}] are not reciprocal (their product must be 1)",
                source=source,
                path=f"{path}[{j}][{i}]",
                expected=f"1/{_format_scale(float(A[i, j]))} (= {1.0 / A[i, j]:.4g}) since {path}[{i}][{j}] is {_format_scale(float(A[i, j]))}",
                found=_show(float(A[j, i])),
            )
        )
    return problems


def _check_size(n: int, source: str | None, path: str) -> None:
    """Refuse a matrix over the size limit before any work (EVALKIT_MAX_MATRIX)."""
    from evalkit.io.limits import limits, over_limit

    most = limits().matrix
    if n > most:
        raise DefinitionError(over_limit("the number of criteria in a pairwise comparison matrix", f"{n} rows", most,
                                         "EVALKIT_MAX_MATRIX", source, path=path))


def pairwise_matrix(
    entries: Any,
    *,
    reciprocal_tol: float = 1e-2,
    scale_max: float | None = 9.0,
    source: str | None = None,
    path: str = "matrix",
) -> np.ndarray:
    """Parse and check a pairwise comparison matrix given as an array or nested lists.

    Entries may be numbers or texts like "1/3". Checks (all problems reported at once, as
    DefinitionError with paths like ``matrix[2][0]``): square, every entry a positive number, diagonal
    1, reciprocal within ``reciprocal_tol``, on the 1..``scale_max`` scale (``None`` skips the scale check).
    """
    problems: list[Problem] = []
    if isinstance(entries, np.ndarray) and entries.dtype.kind in "fiu":
        A = entries.astype(np.float64)
        if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
            raise DefinitionError(
                Problem("a pairwise comparison matrix must be square", source=source, path=path, expected="n rows of n entries (n >= 1)", found=f"shape {A.shape}")
            )
        _check_size(A.shape[0], source, path)
    else:
        rows = entries.tolist() if isinstance(entries, np.ndarray) else entries
        if not isinstance(rows, (list, tuple)) or len(rows) == 0:
            raise DefinitionError(
                Problem("a pairwise comparison matrix must be a list of rows", source=source, path=path, expected="a non-empty list of lists", found=describe(rows))
            )
        n = len(rows)
        _check_size(n, source, path)
        A = np.full((n, n), np.nan)
        for i, row in enumerate(rows):
            if not isinstance(row, (list, tuple)):
                problems.append(Problem("each row of the matrix must be a list", source=source, path=f"{path}[{i}]", expected=f"a list of {n} entries", found=describe(row)))
                continue
            if len(row) != n:
                problems.append(
                    Problem(
                        "the matrix is not square: a row has the wrong number of entries",
                        source=source,
                        path=f"{path}[{i}]",
                        expected=f"{n} entries (one per row of the matrix)",
                        found=f"{len(row)} entries",
                    )
                )
                continue
            for j, value in enumerate(row):
                x = _parse_entry(value)
                if x is None:
                    problems.append(
                        Problem(
                            "a pairwise comparison must be a number or a fraction",
                            source=source,
                            path=f"{path}[{i}][{j}]",
                            expected='a positive number such as 3, 0.5 or "1/3"',
                            found=describe(value),
                        )
                    )
                else:
                    A[i, j] = x
        if problems:
            raise DefinitionError(problems)
    problems = _check_pairwise(A, path, source, reciprocal_tol, scale_max)
    if problems:
        raise DefinitionError(problems)
    return A


def parse_matrix(obj: Any, source: str | None = None) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """Read a loaded YAML/JSON document ``{"matrix": [[...], ...], "labels": [...]}``.

    Returns the checked matrix (float64) and the labels (a tuple, or None when absent). Problems raise
    DefinitionError with JSON paths such as ``$.matrix[2][0]`` or ``$.labels[1]``. Uses the default
    checks of :func:`pairwise_matrix` (1-9 scale, reciprocal within 0.01).
    """
    if not isinstance(obj, Mapping):
        raise DefinitionError(
            Problem("an AHP definition must be an object", source=source, path="$", expected="an object with a 'matrix' list of lists", found=describe(obj))
        )
    if "matrix" not in obj:
        raise DefinitionError(Problem("the AHP definition has no matrix", source=source, path="$.matrix", expected="a list of lists of comparisons", found="nothing"))
    problems: list[Problem] = []
    labels: tuple[str, ...] | None = None
    raw_labels = obj.get("labels")
    try:
        A = pairwise_matrix(obj["matrix"], source=source, path="$.matrix")
    except DefinitionError as exc:
        problems.extend(exc.problems)
        A = None
    if raw_labels is not None:
        n = len(obj["matrix"]) if isinstance(obj["matrix"], (list, tuple)) else None
        if not isinstance(raw_labels, (list, tuple)):
            problems.append(Problem("labels must be a list", source=source, path="$.labels", expected="a list of names, one per row", found=describe(raw_labels)))
        else:
            if n is not None and len(raw_labels) != n:
                problems.append(
                    Problem("labels do not match the matrix", source=source, path="$.labels", expected=f"{n} names (one per row)", found=f"{len(raw_labels)} names")
                )
            seen: dict[str, int] = {}
            for k, label in enumerate(raw_labels):
                if not isinstance(label, str) or not label.strip():
                    problems.append(Problem("a label must be a non-empty text", source=source, path=f"$.labels[{k}]", expected="a name", found=describe(label)))
                elif label in seen:
                    problems.append(
                        Problem(f"label {label!r} is used twice", source=source, path=f"$.labels[{k}]", expected=f"a name not already used at $.labels[{seen[label]}]", found=describe(label))
                    )
                else:
                    seen[label] = k
            labels = tuple(str(x) for x in raw_labels)
    if problems:
        raise DefinitionError(problems)
    assert A is not None
    return A, labels


# --------------------------------------------------------------------------------------------------
# Computation


def principal_eigen(A: np.ndarray) -> tuple[float, np.ndarray]:
    """The principal (largest real part) eigenvalue of A and its eigenvector normalised to sum 1.

    Uses numpy.linalg.eig and takes the real parts; for a positive matrix (Perron) the vector is positive.
    """
    values, vectors = np.linalg.eig(np.asarray(A, dtype=np.float64))
    k = int(np.argmax(values.real))
    v = vectors[:, k].real
    return float(values[k].real), v / v.sum()


def priority_vector(A: np.ndarray, method: str = "eigen") -> np.ndarray:
    """Weights (sum 1) from a checked pairwise matrix by ``eigen``, ``geometric`` or ``arithmetic``."""
    check_choice(method, AHP_METHODS, "method")
    A = np.asarray(A, dtype=np.float64)
    if method == "eigen":
        return principal_eigen(A)[1]
    if method == "geometric":
        g = np.exp(np.log(A).mean(axis=1))
        return g / g.sum()
    return (A / A.sum(axis=0)).mean(axis=1)


def random_index(n: int, table: str = "saaty") -> float:
    """RI(n) from the named table; DefinitionError when the table does not cover n."""
    check_choice(table, tuple(RI_TABLES), "ri_table")
    values = RI_TABLES[table]
    if n < 1 or n > len(values):
        covering = [name for name, t in RI_TABLES.items() if len(t) >= n]
        raise DefinitionError(
            Problem(
                f"random-index table {table!r} does not cover a {n} x {n} matrix",
                path="ri_table",
                expected=f"at most {len(values)} criteria for {table!r}"
                + (f", or a table that covers {n}: {', '.join(covering)}" if covering else ""),
                found=f"{n} criteria",
            )
        )
    return values[n - 1]


def ahp(
    matrix: Any,
    method: str = "eigen",
    ri_table: str = "saaty",
    threshold: float = 0.1,
    labels: Sequence[str] | None = None,
    *,
    reciprocal_tol: float = 1e-2,
    scale_max: float | None = 9.0,
    lambda_method: str = "eigen",
) -> AhpResult:
    """Weights, lambda_max, CI, RI, CR of a pairwise comparison matrix (see the module conventions).

    ``matrix`` may be an array or nested lists with numbers or "a/b" texts; it is checked by
    :func:`pairwise_matrix`. CR = CI / RI with RI from the named ``ri_table``; n <= 2 gives CR = 0.
    ``consistent`` is CR < ``threshold``. ``lambda_method``: ``"eigen"`` (the principal eigenvalue) or
    ``"mean_ratio"`` (mean_i((A w)_i / w_i) with this method's weights, the textbook sum-product estimate).
    """
    check_choice(method, AHP_METHODS, "method")
    check_choice(lambda_method, LAMBDA_METHODS, "lambda_method")
    check_choice(ri_table, tuple(RI_TABLES), "ri_table")
    A = pairwise_matrix(matrix, reciprocal_tol=reciprocal_tol, scale_max=scale_max)
    n = A.shape[0]
    if labels is not None:
        labels = tuple(labels)
        if len(labels) != n:
            raise DefinitionError(Problem("labels do not match the matrix", path="labels", expected=f"{n} names", found=f"{len(labels)} names"))
    ri = random_index(n, ri_table)
    lam, eigvec = principal_eigen(A)
    weights = eigvec if method == "eigen" else priority_vector(A, method)
    if lambda_method == "mean_ratio":
        lam = float(np.mean((A @ weights) / weights))
    if n <= 2:
        ci = 0.0
        cr = 0.0
    else:
        ci = (lam - n) / (n - 1)
        cr = ci / ri
    return AhpResult(
        weights=readonly(np.asarray(weights, dtype=np.float64)),
        lambda_max=lam,
        ci=ci,
        ri=ri,
        cr=cr,
        consistent=bool(cr < threshold),
        method=method,
        ri_table=ri_table,
        threshold=float(threshold),
        labels=labels,
        lambda_method=lambda_method,
    )


def _nearest_scale(x: float) -> tuple[float, str]:
    scale = np.asarray(SAATY_SCALE)
    k = int(np.argmin(np.abs(np.log(scale) - math.log(x))))
    value = float(scale[k])
    text = f"{int(value)}" if value >= 1 else f"1/{_nearest_int(1.0 / value)}"
    return value, text


def judgements_by_deviation(matrix: Any, weights: Any = None, labels: Sequence[str] | None = None, *, scale_max: float | None = 9.0) -> list[Judgement]:
    """Every upper-triangle judgement a_ij (i < j), the most inconsistent first.

    The deviation of a_ij is max(a_ij * w_j / w_i, w_i / (a_ij * w_j)) where w are ``weights`` (default:
    the principal eigenvector); the value consistent with the other judgements is w_i / w_j.
    Ties in deviation keep row-major order.
    """
    A = pairwise_matrix(matrix, scale_max=scale_max)
    n = A.shape[0]
    w = principal_eigen(A)[1] if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise DefinitionError(Problem("weights do not fit the matrix", path="weights", expected=f"{n} positive weights", found=describe(to_list(w))))
    iu, ju = np.triu_indices(n, k=1)
    ratio = A[iu, ju] * w[ju] / w[iu]
    deviation = np.maximum(ratio, 1.0 / ratio)
    order = np.argsort(-deviation, kind="stable")
    out = []
    for k in order:
        i, j = int(iu[k]), int(ju[k])
        consistent = float(w[i] / w[j])
        value, text = _nearest_scale(consistent)
        out.append(
            Judgement(
                row=i,
                column=j,
                given=float(A[i, j]),
                consistent_value=consistent,
                deviation=float(deviation[k]),
                nearest_scale_value=value,
                nearest_scale_text=text,
                row_label=labels[i] if labels is not None else None,
                column_label=labels[j] if labels is not None else None,
            )
        )
    return out


def worst_judgement(matrix: Any, weights: Any = None, labels: Sequence[str] | None = None, *, scale_max: float | None = 9.0) -> Judgement | None:
    """The judgement that contributes most to the inconsistency (largest deviation), or None if n < 2.

    Use it when CR is too high: revisiting this comparison, towards ``consistent_value``, lowers CR most
    in the usual case (a single bad judgement).
    """
    found = judgements_by_deviation(matrix, weights, labels, scale_max=scale_max)
    return found[0] if found else None


def global_weights(local: Mapping[str, Mapping[str, float] | AhpResult], root: str) -> dict[str, float]:
    """Combine local weights down a hierarchy into global weights of its leaves.

    ``local`` maps each inner node to its children's local weights (a mapping child -> weight, or an
    AhpResult with labels). A leaf is a child that is not itself a key. The global weight of a node is
    its parent's global weight times its local weight; a leaf reached along several paths (the usual AHP
    synthesis, where every alternative sits under every criterion) gets the sum over the paths. Each
    node's local weights must be >= 0 and sum to 1 within 1e-9; cycles and nodes unreachable from
    ``root`` are refused. Leaves are returned in the order they are first met (depth first).
    """
    problems: list[Problem] = []
    children: dict[str, dict[str, float]] = {}
    for node, spec in local.items():
        if isinstance(spec, AhpResult):
            if spec.labels is None:
                problems.append(Problem("an AHP result in a hierarchy needs labels", path=f'$["{node}"]', expected="labels naming the children", found="none"))
                continue
            spec = dict(zip(spec.labels, spec.weights.tolist()))
        if not isinstance(spec, Mapping) or not spec:
            problems.append(Problem("local weights must map child names to weights", path=f'$["{node}"]', expected="a non-empty mapping", found=describe(spec)))
            continue
        ws = {}
        for child, w in spec.items():
            ok = isinstance(w, (int, float, np.integer, np.floating)) and not isinstance(w, bool) and math.isfinite(w) and w >= 0
            if not ok:
                problems.append(Problem("a local weight must be a number >= 0", path=f'$["{node}"]["{child}"]', expected="a weight >= 0", found=describe(w)))
            else:
                ws[str(child)] = float(w)
        total = math.fsum(ws.values())
        if len(ws) == len(spec) and abs(total - 1.0) > 1e-9:
            problems.append(Problem(f"the local weights under {node!r} do not sum to 1", path=f'$["{node}"]', expected="a sum of 1 (within 1e-09)", found=f"a sum of {total!r}"))
        children[str(node)] = ws
    if root not in local:
        problems.append(Problem("the root of the hierarchy has no local weights", path=f'$["{root}"]', expected=f"local weights for {root!r}", found="nothing"))
    if problems:
        raise DefinitionError(problems)

    result: dict[str, float] = {}
    reached: set[str] = set()

    def walk(node: str, weight: float, trail: tuple[str, ...]) -> None:
        reached.add(node)
        for child, w in children[node].items():
            if child in trail or child == node:
                raise DefinitionError(
                    Problem("the hierarchy has a cycle", path=f'$["{node}"]["{child}"]', expected="a tree or a layered hierarchy", found=" -> ".join(trail + (node, child)))
                )
            if child in children:
                walk(child, weight * w, trail + (node,))
            else:
                result[child] = result.get(child, 0.0) + weight * w

    walk(root, 1.0, ())
    unreachable = [node for node in children if node not in reached]
    if unreachable:
        raise DefinitionError(
            [Problem(f"node {node!r} cannot be reached from the root {root!r}", path=f'$["{node}"]', expected=f"a child of some node under {root!r}", found="no parent") for node in unreachable]
        )
    return result
