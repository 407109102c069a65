"""Weights and directions as people give them: inline (``0.4,0.2,...`` or ``政治建设=0.4,...``), in a file, or by AHP.

Weights are never silently changed. Numbers >= 0 summing to 1 or to 100 (within 1e-6; percentages, as a
scorecard's sibling weights may be) are divided by their sum; any other sum is an error unless
``normalize`` is true, and then a note says what the sum was. Fractions such as ``1/3`` are accepted.

A weights file (YAML or JSON) holds a list (in criterion order), a mapping criterion: weight,
``{weights: ...}`` with either, or an AHP pairwise matrix (``matrix`` and optional ``labels``): its
weights are used, with a warning naming the judgement to revisit first when it is not consistent.

Warnings and notes are not printed: each is a `Notice`, handed to the caller's ``notify`` as it
happens (the CLI prints them on stderr) and kept in the result.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from evalkit.definition.documents import Document, json_path, load_document
from evalkit.errors import DefinitionError, Problem, describe
from evalkit.io.table import header_key, parse_number
from evalkit.methods.ahp import AhpResult, ahp, parse_matrix, worst_judgement

__all__ = [
    "OBJECTIVE_WEIGHTS",
    "WEIGHT_SUM_TOL",
    "AhpMatrix",
    "FileWeights",
    "Notice",
    "Notify",
    "ahp_matrix_of",
    "check_weights",
    "inconsistency_warning",
    "parse_directions",
    "parse_weight_text",
    "read_ahp_matrix",
    "read_weights_file",
    "split_list",
    "weights_from_text",
    "weights_in_order",
]

WEIGHT_SUM_TOL = 1e-6
OBJECTIVE_WEIGHTS = ("entropy", "critic", "std", "entropy-raw", "std-raw")  # -raw: on the data as given (no min-max)


@attrs.frozen
class Notice:
    """A warning or a note for the person running the method (the work went on)."""

    kind: str  # "warning" or "note"
    text: str


Notify = Callable[[Notice], None]


def _tell(notify: Notify | None, kind: str, text: str) -> None:
    if notify is not None:
        notify(Notice(kind, text))


def split_list(text: str) -> list[str]:
    """Comma-separated values (a Chinese comma or spaces after commas allowed)."""
    return [part.strip() for part in re.split(r"[,，]", text)]


def parse_weight_text(text: str) -> float | None:
    """A weight as typed: a number ("0.25", "25") or a fraction ("1/4"); None when it is neither."""
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


def check_weights(values: Sequence[Any], criteria: Sequence[str], source: str, paths: Sequence[str],
                  normalize: bool, lines: Sequence[int | None] | None = None, notify: Notify | None = None) -> np.ndarray:
    """Weights from people: numbers >= 0 summing to 1 or 100 (any sum with `normalize`), divided by their sum."""
    lines = lines or [None] * len(values)
    problems = []
    cli = source.startswith("--")  # a command-line option: its path ("--weights[2]") says it all
    w = np.zeros(len(values))
    for k, (value, path) in enumerate(zip(values, paths)):
        x = value if isinstance(value, (int, float)) and not isinstance(value, bool) else (
            parse_weight_text(value) if isinstance(value, str) else None)
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
        _tell(notify, "note", f"{source}: the weights summed to {total:.10g}; they were divided by their sum")
    return w / total


def weights_from_text(text: str, criteria: Sequence[str], *, normalize: bool = False, named: bool = False,
                      holder: str = "the data has", option: str = "--weights", notify: Notify | None = None) -> np.ndarray:
    """Inline weights W1,W2,... in criterion order, or (with `named`) NAME=W,... naming every criterion once.

    `holder` and `option` word the messages: "--weights gives 3 weights but the data has 4 criteria".
    """
    parts = split_list(text)
    pieces = [re.split(r"[=＝]", part, maxsplit=1) for part in parts] if named else [[part] for part in parts]
    has_name = [len(p) == 2 for p in pieces]
    paths = [f"{option}[{k}]" for k in range(len(parts))]
    if not any(has_name):
        if len(parts) != len(criteria):
            expected = f"{len(criteria)} weights, in the order {', '.join(criteria)}" + (" (or NAME=W for each)" if named else "")
            raise DefinitionError(Problem(
                f"{option} gives {len(parts)} weight{'s' if len(parts) != 1 else ''} but {holder} {len(criteria)} criteria",
                source=option, expected=expected, found=describe(text)))
        return check_weights(parts, criteria, option, paths, normalize, notify=notify)
    problems = [Problem("a weight without a criterion name among named weights", path=paths[k],
                        expected="NAME=W for every weight, or plain weights in criterion order", found=describe(parts[k]))
                for k, has in enumerate(has_name) if not has]
    found: dict[int, int] = {}
    for k, entry in enumerate(pieces):
        if len(entry) != 2:
            continue
        name = entry[0].strip()
        match = [j for j, c in enumerate(criteria) if header_key(c) == header_key(name)]
        if not match:
            problems.append(Problem(f"{name!r} is not a criterion of the ballots", path=paths[k],
                                    expected="one of " + ", ".join(criteria), found=describe(name)))
        elif match[0] in found:
            problems.append(Problem(f"the criterion {criteria[match[0]]!r} is given twice", path=paths[k],
                                    expected="each criterion once", found=describe(parts[k])))
        else:
            found[match[0]] = k
    missing = [c for j, c in enumerate(criteria) if j not in found]
    if missing:
        problems.append(Problem("some criteria have no weight", source=option, expected="a weight for every criterion",
                                found="none for " + ", ".join(missing)))
    if problems:
        raise DefinitionError(problems)
    order = [found[j] for j in range(len(criteria))]
    return check_weights([pieces[k][1].strip() for k in order], criteria, option, [paths[k] for k in order], normalize,
                         notify=notify)


def weights_in_order(values: Sequence[Any], criteria: Sequence[str], normalize: bool = False,
                     notify: Notify | None = None) -> np.ndarray:
    """Weights given in memory, one per criterion in the criteria's order, checked as `check_weights` does."""
    if len(values) != len(criteria):
        raise DefinitionError(Problem(f"{len(values)} weights for {len(criteria)} criteria", path="weights",
                                      expected="one weight per criterion, in the order " + ", ".join(criteria),
                                      found=describe(list(values))))
    return check_weights(list(values), criteria, "weights", [f"weights[{k}]" for k in range(len(values))], normalize,
                         notify=notify)


def parse_directions(text: str | Sequence[str] | None, criteria: Sequence[str], option: str = "--direction") -> np.ndarray:
    """higher or lower per criterion, in criterion order (None: all higher); True means higher is better."""
    if not text:
        return np.ones(len(criteria), dtype=bool)
    words = split_list(text) if isinstance(text, str) else [str(w).strip() for w in text]
    shown = text if isinstance(text, str) else ",".join(words)
    if len(words) != len(criteria):
        raise DefinitionError(Problem(
            f"{option} gives {len(words)} direction{'s' if len(words) != 1 else ''} but the data has {len(criteria)} criteria",
            source=option, expected=f"higher or lower for each of {', '.join(criteria)}", found=describe(shown)))
    bad = [Problem("unknown direction", path=f"{option}[{k}]", expected="higher or lower",
                   found=describe(w)) for k, w in enumerate(words) if w.lower() not in ("higher", "lower")]
    if bad:
        raise DefinitionError(bad)
    return np.array([w.lower() == "higher" for w in words])


# --------------------------------------------------------------------------------------------------
# AHP matrix files and weights files


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


def _with_lines(exc: DefinitionError, doc: Document) -> DefinitionError:
    """The same problems, each with the YAML line of its JSON path (when the file is YAML)."""
    fixed = []
    for p in exc.problems:
        key = _path_key(p.path)
        line = doc.line_of(key) if key is not None and p.line is None else p.line
        fixed.append(attrs.evolve(p, line=line, source=p.source or doc.source))
    return DefinitionError(fixed)


@attrs.frozen(eq=False)
class AhpMatrix:
    """A checked pairwise comparison matrix read from a file, with its labels and the document (for lines)."""

    matrix: np.ndarray
    labels: tuple[str, ...] | None
    document: Document

    @property
    def source(self) -> str:
        return str(self.document.source)


def ahp_matrix_of(doc: Document) -> AhpMatrix:
    """The AHP matrix of a loaded document; problems carry the YAML line of their JSON path."""
    try:
        matrix, labels = parse_matrix(doc.data, source=doc.source)
    except DefinitionError as exc:
        raise _with_lines(exc, doc) from None
    return AhpMatrix(matrix=matrix, labels=labels, document=doc)


def read_ahp_matrix(path: str | Path) -> AhpMatrix:
    """Read an AHP matrix file (YAML or JSON: `matrix` and optional `labels`), every problem with its line."""
    return ahp_matrix_of(load_document(path))


def inconsistency_warning(result: AhpResult, matrix: np.ndarray, labels: Sequence[str] | None, source: str) -> str | None:
    """The warning for judgements not consistent enough (None when they are), naming the one to revisit first."""
    if result.consistent:
        return None
    worst = worst_judgement(matrix, result.weights, labels)
    text = (f"{source}: the judgements are not consistent enough (CR = {result.cr:.4f} >= {result.threshold:g}); "
            "the weights are shown, but revisit the judgements")
    if worst is not None:
        text += f", first this one: {worst.describe()}"
    return text


@attrs.frozen(eq=False)
class FileWeights:
    """Weights read from a file, in the criteria's order, and how to say where they came from."""

    weights: np.ndarray
    described: str


def read_weights_file(path: str | Path, criteria: Sequence[str], normalize: bool = False,
                      notify: Notify | None = None) -> FileWeights:
    """Weights for `criteria` from a file: an AHP matrix, {weights: ...}, a list, or a mapping criterion: weight."""
    path = str(path)
    doc = load_document(path)
    data = doc.data
    if isinstance(data, dict) and "matrix" in data:
        m = ahp_matrix_of(doc)
        result = ahp(m.matrix, labels=m.labels)
        warning = inconsistency_warning(result, m.matrix, m.labels, path)
        if warning:
            _tell(notify, "warning", warning)
        described = f"AHP matrix in {path} (CR = {result.cr:.4f})"
        if m.labels is None:
            if m.matrix.shape[0] != len(criteria):
                raise DefinitionError(doc.problem(("matrix",), "the AHP matrix does not match the criteria of the data",
                                                  expected=f"{len(criteria)} rows, one per criterion ({', '.join(criteria)})",
                                                  found=f"{m.matrix.shape[0]} rows"))
            return FileWeights(np.asarray(result.weights, dtype=np.float64), described)
        entries = [(label, w, ("labels", k)) for k, (label, w) in enumerate(zip(m.labels, result.weights.tolist()))]
        values, _ = _by_name(doc, ("labels",), entries, criteria, "label")
        return FileWeights(np.asarray(values, dtype=np.float64), described)
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
    weights = check_weights(values, criteria, path, [json_path(k) for k in keys], normalize,
                            [doc.line_of(k) for k in keys], notify=notify)
    return FileWeights(weights, path)


def _by_name(doc: Document, base: tuple, entries: list, criteria: Sequence[str], what: str) -> tuple[list, list]:
    """(name, value, JSON path key) entries put in the data's criterion order; each criterion named once."""
    found: dict[int, tuple] = {}
    problems = []
    for name, value, key in entries:
        match = [j for j, c in enumerate(criteria) if header_key(c) == header_key(str(name))]
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
