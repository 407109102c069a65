"""Input checks and ranking shared by the methods; one place so every method speaks the same way.

Conventions used everywhere in ``evalkit.methods``:

- A decision matrix ``X`` has shape ``(n_units, n_criteria)`` and is float64; it is *data*, so a bad
  value raises :class:`evalkit.errors.DataError` naming the unit index and criterion index (counted
  from 0, as in numpy: ``X[2, 0]`` is the third unit's first criterion).
- Weights and directions are *definitions*, so bad ones raise :class:`evalkit.errors.DefinitionError`.
  Weights must be finite, non-negative and sum to 1 within ``WEIGHT_SUM_TOL`` (1e-9); they are never
  silently re-normalised.
- Direction per criterion: ``None`` (every criterion is higher-is-better), a boolean array (True means
  higher is better) or a sequence of the words ``"higher"`` / ``"lower"``.
- Ranks: 1 is the best; ties share the best rank of their group (standard competition ranking "1224");
  two scores tie only when they are exactly equal as float64 (no tolerance).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from evalkit.errors import DataError, DefinitionError, Problem, describe

WEIGHT_SUM_TOL = 1e-9
"""How far the sum of a weight vector may be from 1."""

DIRECTION_WORDS = ("higher", "lower")
_MAX_LISTED = 10  # problems listed one by one before the rest are summarised


def readonly(array: np.ndarray) -> np.ndarray:
    """Mark an array read-only so that a frozen result cannot be changed through it."""
    array.flags.writeable = False
    return array


def _bad_cells(values: np.ndarray, name: str, axes: Sequence[str] | None, source: str | None) -> list[Problem]:
    bad = np.argwhere(~np.isfinite(values))
    problems = []
    for index in bad[:_MAX_LISTED]:
        idx = tuple(int(i) for i in index)
        found = values[idx]
        found_text = "NaN (missing)" if np.isnan(found) else ("infinity" if found > 0 else "-infinity")
        if axes and len(axes) == len(idx):
            where = ", ".join(f"{axis} {i}" for axis, i in zip(axes, idx)) + " (counted from 0)"
        else:
            where = "position " + ", ".join(str(i) for i in idx) + " (counted from 0)"
        problems.append(
            Problem(
                message=f"{name} has a missing or infinite value at {where}",
                source=source,
                path=f"{name}[{', '.join(str(i) for i in idx)}]",
                expected="a finite number",
                found=found_text,
            )
        )
    if len(bad) > _MAX_LISTED:
        problems.append(
            Problem(
                message=f"{name} has {len(bad) - _MAX_LISTED} more missing or infinite values not listed here",
                source=source,
                path=name,
            )
        )
    return problems


def as_float_array(
    values: Any,
    name: str,
    ndim: int | tuple[int, ...],
    error: type = DataError,
    source: str | None = None,
    axes: Sequence[str] | None = None,
) -> np.ndarray:
    """Convert to a float64 array with `ndim` dimensions, every value finite, or raise `error`.

    `axes` names the dimensions for messages, e.g. ("unit", "criterion").
    """
    if isinstance(values, (str, bytes)):
        raise error(Problem(f"{name} must be an array of numbers", source=source, path=name, expected="numbers", found=describe(values)))
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise error(
            Problem(
                message=f"{name} must be an array of numbers",
                source=source,
                path=name,
                expected="numbers only, with rows of equal length",
                found=describe(str(exc)),
            )
        ) from None
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if array.ndim not in allowed:
        dims = " or ".join(str(d) for d in allowed)
        raise error(
            Problem(
                message=f"{name} has the wrong number of dimensions",
                source=source,
                path=name,
                expected=f"{dims} dimension(s)" + (f" ({', '.join(axes)})" if axes and len(allowed) == 1 else ""),
                found=f"shape {array.shape}",
            )
        )
    if not np.isfinite(array).all():
        raise error(_bad_cells(array, name, axes, source))
    return array


def as_matrix(X: Any, name: str = "X", min_units: int = 1, source: str | None = None) -> np.ndarray:
    """A decision matrix (n_units, n_criteria): float64, finite, at least `min_units` rows and one column."""
    matrix = as_float_array(X, name, 2, DataError, source, axes=("unit", "criterion"))
    n, m = matrix.shape
    if m == 0:
        raise DataError(Problem(f"{name} has no criteria (columns)", source=source, path=name, expected="at least 1 column", found="0"))
    if n < min_units:
        raise DataError(
            Problem(
                f"{name} has too few units (rows) for this method",
                source=source,
                path=name,
                expected=f"at least {min_units} row{'s' if min_units != 1 else ''}",
                found=str(n),
            )
        )
    return matrix


def as_weights(weights: Any, n: int, name: str = "weights", source: str | None = None) -> np.ndarray:
    """A weight vector of length `n`: finite, non-negative, summing to 1 within 1e-9. Never re-normalised."""
    w = as_float_array(weights, name, 1, DefinitionError, source, axes=("criterion",))
    if w.shape[0] != n:
        raise DefinitionError(
            Problem(
                f"{name} has the wrong length",
                source=source,
                path=name,
                expected=f"one weight per criterion ({n})",
                found=str(w.shape[0]),
            )
        )
    problems = []
    negative = np.flatnonzero(w < 0)
    for j in negative[:_MAX_LISTED]:
        problems.append(
            Problem(f"{name} has a negative weight", source=source, path=f"{name}[{int(j)}]", expected="a weight >= 0", found=repr(float(w[j])))
        )
    total = float(w.sum())
    if abs(total - 1.0) > WEIGHT_SUM_TOL:
        problems.append(
            Problem(
                f"{name} do not sum to 1",
                source=source,
                path=name,
                expected=f"a sum of 1 (within {WEIGHT_SUM_TOL:g})",
                found=f"a sum of {total!r}",
            )
        )
    if problems:
        raise DefinitionError(problems)
    return w


def as_direction(direction: Any, n: int, name: str = "direction", source: str | None = None) -> np.ndarray:
    """Per-criterion direction as a boolean array, True = higher is better.

    Accepts None (all higher-is-better), booleans, or the words "higher" / "lower".
    """
    if direction is None:
        return np.ones(n, dtype=bool)
    if isinstance(direction, str):
        items: Sequence[Any] = [direction]
    else:
        items = list(np.asarray(direction, dtype=object).ravel()) if isinstance(direction, np.ndarray) else list(direction)
    if len(items) != n:
        raise DefinitionError(
            Problem(
                f"{name} has the wrong length",
                source=source,
                path=name,
                expected=f"one direction per criterion ({n})",
                found=str(len(items)),
            )
        )
    out = np.empty(n, dtype=bool)
    problems = []
    for j, item in enumerate(items):
        if isinstance(item, (bool, np.bool_)):
            out[j] = bool(item)
        elif isinstance(item, str) and item in DIRECTION_WORDS:
            out[j] = item == "higher"
        else:
            problems.append(
                Problem(
                    f"{name} has an unknown direction",
                    source=source,
                    path=f"{name}[{j}]",
                    expected='"higher" or "lower" (or True for higher, False for lower)',
                    found=describe(item),
                )
            )
    if problems:
        raise DefinitionError(problems)
    return out


def check_choice(value: str, choices: Sequence[str], name: str) -> str:
    """Raise DefinitionError unless `value` is one of the named `choices`."""
    if value not in choices:
        raise DefinitionError(
            Problem(
                f"unknown {name}",
                path=name,
                expected="one of " + ", ".join(repr(c) for c in choices),
                found=describe(value),
            )
        )
    return value


def check_fraction(value: float, name: str, low: float = 0.0, high: float = 1.0, open_low: bool = False) -> float:
    """Raise DefinitionError unless low <= value <= high (or low < value when `open_low`)."""
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool) and np.isfinite(value)
    if ok:
        ok = (value > low if open_low else value >= low) and value <= high
    if not ok:
        bracket = "(" if open_low else "["
        raise DefinitionError(
            Problem(f"{name} is out of range", path=name, expected=f"a number in {bracket}{low:g}, {high:g}]", found=describe(value))
        )
    return float(value)


def competition_rank(scores: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """Rank 1 = best; ties (exactly equal float64 scores) share the best rank of the group ("1224").

    One stable argsort over all units; NaN scores (which the methods never produce) would rank last.
    """
    x = np.asarray(scores, dtype=np.float64)
    n = x.shape[0]
    ranks = np.empty(n, dtype=np.int64)
    if n == 0:
        return ranks
    key = -x if higher_is_better else x
    key = np.where(np.isnan(key), np.inf, key)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=new_group[1:])
    positions = np.arange(1, n + 1)
    ranks[order] = np.maximum.accumulate(np.where(new_group, positions, 0))
    return ranks


def to_list(value: Any) -> Any:
    """Arrays and numpy scalars to plain Python values for JSON (a float -0.0 becomes 0.0)."""
    if isinstance(value, np.ndarray):
        return (value + 0.0).tolist() if value.dtype.kind == "f" else value.tolist()
    if isinstance(value, np.generic):
        return value.item() + 0.0 if isinstance(value, np.floating) else value.item()
    if isinstance(value, float):
        return value + 0.0
    return value


def result_to_dict(obj: Any, **extra: Any) -> dict:
    """An attrs result as plain JSON-ready values (arrays become lists), plus `extra` keys first."""
    return {**extra, **{k: to_list(v) for k, v in attrs.asdict(obj, recurse=False).items()}}
