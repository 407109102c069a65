"""`evalkit rank` as a library call: score and rank the units of a wide data file by SAW, TOPSIS, VIKOR or grey relational analysis.

Weights are given inline (``0.4,0.2,...``, summing to 1 or 100 unless `normalize_weights`), derived from
the data (``entropy``, ``critic`` or ``std``), or read from a weights file or an AHP matrix file with
labels. Ties share the best rank (1224). With `check_reversal` (or units to `remove`) each unit is removed
in turn, the others ranked again with the same weights, and the pairs whose order flips are reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from evalkit.errors import DataError, DefinitionError, Problem, UsageError, describe
from evalkit.io.csv_text import csv_text
from evalkit.methods.arrays import to_list
from evalkit.methods.grey import grey_relational
from evalkit.methods.matrix_input import DecisionMatrix, read_matrix
from evalkit.methods.reversal import ReversalCheck, rank_reversals, removal_indices
from evalkit.methods.saw import SAW_NORMALIZATIONS, saw
from evalkit.methods.topsis import TOPSIS_NORMALIZATIONS, topsis
from evalkit.methods.vikor import vikor
from evalkit.methods.weight_input import (
    OBJECTIVE_WEIGHTS,
    Notice,
    Notify,
    parse_directions,
    read_weights_file,
    split_list,
    weights_from_text,
    weights_in_order,
)
from evalkit.methods.weights import critic_weights, entropy_weights, std_weights
from evalkit.plugins.manager import Registry, registry_or_default
from evalkit.scoring.rounding import json_number

__all__ = ["EXTRA_COLUMNS", "MAX_REVERSAL_UNITS", "NORMALIZATIONS", "RANK_METHODS", "SCORE_NAMES", "RankReport",
           "check_rank_options", "rank_matrix", "rank_units"]

RANK_METHODS = ("saw", "topsis", "vikor", "grey")
NORMALIZATIONS = {"saw": SAW_NORMALIZATIONS, "topsis": TOPSIS_NORMALIZATIONS, "grey": ("minmax", "max"), "vikor": ()}
MAX_REVERSAL_UNITS = 2000  # removing each of n units in turn costs n re-rankings and n^2 comparisons each
SCORE_NAMES = {
    "saw": ("综合得分 Score", "weighted sum of normalised values (higher is better)"),
    "topsis": ("贴近度 Closeness", "closeness C = D- / (D+ + D-) to the ideal (higher is better)"),
    "vikor": ("Q 值 (越小越好)", "VIKOR Q (lower is better)"),
    "grey": ("关联度 Grey grade", "grey relational grade (higher is better)"),
}
EXTRA_COLUMNS = {"topsis": (("d_best", "D+"), ("d_worst", "D-")), "vikor": (("s", "S"), ("r", "R"))}
OBJECTIVE_FROM = {"entropy": "entropy weights from the data (熵权法)", "critic": "CRITIC weights from the data",
                  "std": "standard-deviation weights from the data (标准离差法)",
                  "entropy-raw": "entropy weights from the raw data, no min-max (熵权法, as pymcdm)",
                  "std-raw": "standard-deviation weights from the raw data, no min-max (标准离差法, as pymcdm)"}


def check_rank_options(method: str, normalization: str | None = None, v: float | None = None, rho: float | None = None) -> None:
    """UsageError when an option does not apply to the method (a normalisation of another method, --v, --rho)."""
    if method not in RANK_METHODS:
        raise UsageError(f"unknown ranking method {method!r}; expected one of {', '.join(RANK_METHODS)}")
    if normalization is not None:
        allowed = NORMALIZATIONS[method]
        if not allowed:
            raise UsageError(f"--normalization does not apply to --method {method}")
        if normalization not in allowed:
            raise UsageError(f"--normalization {normalization!r} is not one for {method}; expected one of {', '.join(allowed)}")
    if method != "vikor" and v is not None:
        raise UsageError("--v applies to --method vikor only")
    if method != "grey" and rho is not None:
        raise UsageError("--rho applies to --method grey only")


def _weights_detail(derived: Any, dm: DecisionMatrix) -> dict[str, Any]:
    """The figures behind objective weights, per criterion (and per unit for entropy's p_ij), named as in the
    literature: e_j and d_j (entropy), sigma_j, the conflict sum_k (1 - r_jk) and C_j (CRITIC), sigma_j (std)."""
    doc = derived.to_dict()
    out: dict[str, Any] = {"method": doc["method"]}
    for key, value in doc.items():
        if key in ("method", "weights"):
            continue
        if key == "proportions" and value is not None:
            out["p"] = dict(zip(dm.units, value))
        elif key == "correlation":
            out["correlation"] = {c: dict(zip(dm.criteria, row)) for c, row in zip(dm.criteria, value)}
        elif isinstance(value, list):
            out[key] = dict(zip(dm.criteria, value))
        else:
            out[key] = value
    return out


def _by_unit(matrix: np.ndarray | None, units: Sequence[str]) -> dict[str, list] | None:
    """A units x criteria matrix as JSON: each unit's row (in criterion order), -0.0 shown as 0."""
    if matrix is None:
        return None
    return dict(zip(units, to_list(matrix)))


def rank_matrix(method: str, X: np.ndarray, weights: np.ndarray, higher: np.ndarray, *, normalization: str | None = None,
                v: float | None = None, rho: float | None = None) -> Any:
    """Run one ranking method on a decision matrix with each method's default normalisation, v and rho."""
    if method == "saw":
        return saw(X, weights, higher, normalization=normalization or "minmax")
    if method == "topsis":
        return topsis(X, weights, higher, normalization=normalization or "vector")
    if method == "vikor":
        return vikor(X, weights, higher, v=0.5 if v is None else v)
    return grey_relational(X, weights, higher, rho=0.5 if rho is None else rho, normalization=normalization or "minmax",
                           return_coefficients=True)


def _about_file(exc: DataError, dm: DecisionMatrix) -> DataError:
    """A method's problems speak of the matrix X by index; say the file and the criterion instead."""
    fixed = []
    for p in exc.problems:
        m = re.fullmatch(r"X\[:, (\d+)\]", p.path or "")
        column = dm.criteria[int(m.group(1))] if m else p.column
        message = "the data " + p.message[2:] if p.message.startswith("X ") else p.message
        fixed.append(attrs.evolve(p, source=p.source or dm.source, path=None if (p.path or "").startswith("X") else p.path,
                                  column=column, message=message))
    return DataError(fixed)


def _unit_names(dm: DecisionMatrix, units_path: str | Path | None, registry: Registry) -> tuple[str, ...]:
    if not units_path:
        return dm.names
    from evalkit.io.inputs import load_units

    units = load_units(units_path, registry)
    problems = [Problem("the unit is not in the units file", source=dm.source, path=f"unit {uid!r}",
                        expected=f"an id from {units_path}", found=describe(uid)) for uid in dm.units if uid not in units.index]
    listed = set(dm.units)
    problems += [Problem("the unit has no row in the data", source=str(units_path), path=f"unit {uid!r}",
                         expected=f"a row in {dm.source} for every unit", found="no row") for uid in units.ids if uid not in listed]
    if problems:
        raise DataError(problems[:50])
    return tuple(units.names[units.index[uid]] for uid in dm.units)


@attrs.frozen(eq=False)
class RankReport:
    """The decision matrix, the weights and directions used, the method's result and the reversal check."""

    method: str
    matrix: DecisionMatrix
    names: tuple[str, ...]
    weights: np.ndarray
    weights_from: str
    higher: np.ndarray
    result: Any  # SawResult, TopsisResult, VikorResult or GreyResult
    reversal: ReversalCheck | None = None
    notices: tuple[Notice, ...] = ()
    derived: Any = None  # EntropyWeights, CriticWeights or StdWeights when the weights came from the data

    def _order(self) -> np.ndarray:
        """Units best first, ties by unit id."""
        rank = np.asarray(self.result.rank)
        n = rank.size
        if n and rank.dtype.kind in "iu" and rank.min() >= 1 and rank.max() <= n:
            order = np.zeros(n, dtype=np.int64)
            order[rank - 1] = np.arange(n)
            if (rank[order] == np.arange(1, n + 1)).all():
                return order  # ranks 1..n each once: no tie, and no sort needed
        order = np.argsort(rank, kind="stable")
        if not (rank[order][1:] == rank[order][:-1]).any():
            return order  # no tie: the unit ids decide nothing
        ids = np.asarray(self.matrix.units, dtype=object).astype(str)
        return np.lexsort((ids, rank))

    def _unit_rows(self) -> list[dict]:
        dm, result = self.matrix, self.result
        extras = EXTRA_COLUMNS.get(self.method, ())
        units = []
        for i in self._order().tolist():
            row = {"rank": int(result.rank[i]), "unit": dm.units[i], "name": self.names[i], "score": float(result.scores[i]) + 0.0}
            for key, _ in extras:
                row[key] = float(getattr(result, key)[i]) + 0.0
            units.append(row)
        return units

    def _by_unit_matrices(self) -> dict[str, np.ndarray]:
        """The method's units x criteria figures that the JSON document lists per unit."""
        result = self.result
        if self.method == "topsis":
            return {"weighted": result.weighted} if result.weighted is not None else {}
        if self.method == "grey":
            return {key: getattr(result, key) for key in ("delta", "coefficients") if getattr(result, key) is not None}
        return {}

    def _document(self, units: Any, by_unit: Callable[[str, np.ndarray | None], Any]) -> dict:
        dm, result, method = self.matrix, self.result, self.method
        details: dict[str, Any] = {}
        if method == "topsis":
            details = {"ideal": to_list(result.ideal), "anti_ideal": to_list(result.anti_ideal),
                       "weighted": by_unit("weighted", result.weighted)}
        elif method == "vikor":
            details = {"v": result.v, "dq": result.dq, "f_best": to_list(result.f_best),
                       "f_worst": to_list(result.f_worst), "acceptable_advantage": result.acceptable_advantage,
                       "acceptable_stability": result.acceptable_stability,
                       "compromise": [dm.units[k] for k in result.compromise.tolist()]}
        elif method == "grey":
            details = {"rho": result.rho, "delta_min": result.delta_min, "delta_max": result.delta_max,
                       "delta": by_unit("delta", result.delta), "coefficients": by_unit("coefficients", result.coefficients)}
        doc = {
            "method": method,
            "normalization": getattr(result, "normalization", None),
            "source": dm.source,
            "score": {"name": SCORE_NAMES[method][1], "higher_is_better": method != "vikor"},
            "criteria": list(dm.criteria),
            "direction": ["higher" if h else "lower" for h in self.higher.tolist()],
            "weights": dict(zip(dm.criteria, (json_number(w) for w in self.weights.tolist()))),
            "weights_from": self.weights_from,
            **({"weights_detail": _weights_detail(self.derived, dm)} if self.derived is not None else {}),
            "units": units,
            "details": details,
        }
        if self.reversal is not None:
            doc["rank_reversal"] = dict(self.reversal.to_dict(dm.units), weights="kept as used for the full ranking")
        return doc

    def to_dict(self) -> dict:
        """The JSON document of `evalkit rank --format json`: units best first, ties by unit id."""
        return self._document(self._unit_rows(), lambda _key, matrix: _by_unit(matrix, self.matrix.units))

    def json_text(self) -> str:
        """``json.dumps(self.to_dict(), ensure_ascii=False, indent=1, allow_nan=False) + "\\n"``, what `evalkit rank
        --format json` prints, with the per-unit parts written column by column (`evalkit.methods.columnar_output`)."""
        from evalkit.methods.columnar_output import indented_json, json_rows, json_rows_by_key, part_mark

        columns = self._unit_columns()
        matrices = self._by_unit_matrices()
        units = self.matrix.units
        if columns is not None and len(set(units)) == len(units) and all(np.isfinite(m).all() for m in matrices.values()):
            keys, values = columns
            parts = {"units": json_rows(keys, values, depth=1)}
            parts |= {key: json_rows_by_key(units, matrix + 0.0, depth=2) for key, matrix in matrices.items()}
            doc = self._document(part_mark("units"), lambda key, matrix: None if matrix is None else part_mark(key))
            proportions = getattr(self.derived, "proportions", None)  # entropy's p_ij, one row per unit
            if "p" in doc.get("weights_detail", {}) and proportions is not None and np.isfinite(proportions).all():
                doc["weights_detail"]["p"] = part_mark("p")
                parts["p"] = json_rows_by_key(units, proportions + 0.0, depth=2)
            text = indented_json(doc, parts)
            if text is not None:
                return text + "\n"
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, allow_nan=False) + "\n"

    def _unit_columns(self, arrow: bool = False) -> tuple[list[str], list[Any]] | None:
        """The units table in rank order as columns (rank, unit, name, score, extras); None when a score is not finite.
        `arrow`: the unit and name columns as pyarrow arrays where the matrix kept them as read."""
        result, order = self.result, self._order()
        figures = [result.scores] + [getattr(result, key) for key, _ in EXTRA_COLUMNS.get(self.method, ())]
        if any(not np.isfinite(f).all() for f in figures):
            return None
        kept = (self.matrix.arrays or {}) if arrow else {}
        if kept.get("name") is not None and self.names is not self.matrix.names:
            kept = {"unit": kept.get("unit")}  # names from a units file
        units, names = (_in_order(kept[k], order) if kept.get(k) is not None else
                        np.asarray(texts, dtype=object)[order].tolist()
                        for k, texts in (("unit", self.matrix.units), ("name", self.names)))
        keys = ["rank", "unit", "name", "score", *(key for key, _ in EXTRA_COLUMNS.get(self.method, ()))]
        return keys, [result.rank[order], units, names, *(f[order] + 0.0 for f in figures)]

    def to_csv(self) -> str:
        """rank, unit, name, score and the method's extra columns; with a BOM, as `evalkit run --format csv`."""
        from evalkit.methods.columnar_output import plain_csv

        columns = self._unit_columns(arrow=True)
        if columns is not None:
            keys, values = columns
            text = plain_csv(keys, values[:3], values[3:])
            if text is not None:
                return text
        doc = self.to_dict()
        extras = [k for k in doc["units"][0] if k not in ("rank", "unit", "name", "score")] if doc["units"] else []
        rows = ([row["rank"], row["unit"], row["name"], repr(row["score"]), *(repr(row[k]) for k in extras)]
                for row in doc["units"])
        return csv_text(rows, ["rank", "unit", "name", "score", *extras])


def _in_order(array: Any, order: np.ndarray) -> Any:
    """A pyarrow array's cells in `order` (taken in C++)."""
    import pyarrow as pa

    at = np.ascontiguousarray(order, dtype=np.int64)
    return array.take(pa.Array.from_buffers(pa.int64(), at.size, [None, pa.py_buffer(at)]))


def rank_units(data: str | Path, registry: Registry | None, method: str, *, weights: str | Sequence[float] | None = None,
               weights_file: str | Path | None = None, normalize_weights: bool = False,
               direction: str | Sequence[str] | None = None, criteria: str | Sequence[str] | None = None,
               units: str | Path | None = None, normalization: str | None = None, v: float | None = None,
               rho: float | None = None, check_reversal: bool = False, remove: Sequence[str] = (),
               notify: Notify | None = None, entropy_shift: float | None = None) -> RankReport:
    """Read a wide data file (one row per unit, one column per criterion) and rank its units by `method`.

    Give exactly one of `weights` (text "W1,W2,..." or "entropy"/"critic"/"std", or numbers in criterion
    order) and `weights_file`. `units` is a units file whose names label the table. Notes and warnings go
    to `notify` as they happen and are kept in the report.
    """
    notices: list[Notice] = []

    def tell(notice: Notice) -> None:
        notices.append(notice)
        if notify is not None:
            notify(notice)

    check_rank_options(method, normalization, v, rho)
    if entropy_shift is not None and not (isinstance(weights, str) and weights.strip().lower().startswith("entropy")):
        raise UsageError("--entropy-shift applies to --weights entropy or entropy-raw")
    derived: Any = None
    if (weights is None) == (weights_file is None):
        raise DefinitionError(Problem("give the weights one way", path="weights", expected="weights or weights_file",
                                      found="both" if weights is not None else "neither"))
    chosen = split_list(criteria) if isinstance(criteria, str) else criteria
    registry = registry_or_default(registry)
    dm = read_matrix(data, registry, chosen or None)
    names = _unit_names(dm, units, registry)
    higher = parse_directions(direction, dm.criteria)
    try:
        if isinstance(weights, str) and weights.strip().lower() in OBJECTIVE_WEIGHTS:
            kind = weights.strip().lower()
            derivers: dict[str, Callable[..., Any]] = {"entropy": entropy_weights, "critic": critic_weights,
                                                       "std": std_weights}
            derive = derivers[kind.removesuffix("-raw")]
            extra: dict[str, Any] = {"basis": "raw"} if kind.endswith("-raw") else {}
            if entropy_shift is not None and kind.startswith("entropy"):
                extra["shift"] = entropy_shift
            derived = derive(dm.values, higher, **extra)
            w = np.asarray(derived.weights, dtype=np.float64)
            weights_from = OBJECTIVE_FROM[kind]
        elif isinstance(weights, str):
            w, weights_from = weights_from_text(weights, dm.criteria, normalize=normalize_weights, notify=tell), "--weights"
        elif weights is not None:
            w = weights_in_order(weights, dm.criteria, normalize_weights, notify=tell)
            weights_from = "weights"
        else:
            assert weights_file is not None
            given = read_weights_file(weights_file, dm.criteria, normalize_weights, notify=tell)
            w, weights_from = given.weights, given.described
        result = rank_matrix(method, dm.values, w, higher, normalization=normalization, v=v, rho=rho)
    except DataError as exc:
        raise _about_file(exc, dm) from None
    reversal = None
    if check_reversal or remove:
        n = len(dm.units)
        targets = removal_indices(remove, dm.units, dm.source)
        if targets is None and n > MAX_REVERSAL_UNITS:
            raise UsageError(f"--check-reversal on {n} units would rank {n} times; name the units to remove with --remove UNIT")
        minimum = 3 if method == "vikor" else 2
        if n < minimum:
            raise UsageError(f"--check-reversal needs at least {minimum} units for {method}")
        reversal = rank_reversals(result.rank, lambda keep: rank_matrix(method, dm.values[keep], w, higher,
                                                                        normalization=normalization, v=v, rho=rho).rank,
                                  remove=targets)
    return RankReport(method=method, matrix=dm, names=names, weights=w, weights_from=weights_from, higher=higher,
                      result=result, reversal=reversal, notices=tuple(notices), derived=derived)

