"""`evalkit ahp` as a library call: the weights and consistency of an AHP matrix file, as one report.

An inconsistent matrix (CR >= threshold) is still a valid matrix: the report has its weights and a
warning naming the judgement to revisit first. A malformed matrix raises DefinitionError with the JSON
path and the line.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import numpy as np

from evalkit.errors import DefinitionError
from evalkit.methods.ahp import RI_SOURCES, AhpResult, Judgement, ahp, worst_judgement
from evalkit.methods.arrays import competition_rank
from evalkit.methods.weight_input import inconsistency_warning, read_ahp_matrix
from evalkit.scoring.rounding import round_array

__all__ = ["AhpReport", "ahp_from_file"]


@attrs.frozen(eq=False)
class AhpReport:
    """The AHP result of one matrix file, with the judgement to revisit when it is not consistent."""

    source: str
    matrix: np.ndarray
    labels: tuple[str, ...] | None
    result: AhpResult
    worst: Judgement | None
    warning: str | None

    @property
    def n(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def names(self) -> tuple[str, ...]:
        """The labels, or C1, C2, ... when the file has none."""
        return self.labels or tuple(f"C{k + 1}" for k in range(self.n))

    @property
    def ranks(self) -> np.ndarray:
        """Rank of each criterion by weight (1224); equal judgements give equal ranks despite float noise."""
        return competition_rank(round_array(self.result.weights, 10))

    @property
    def ri_source(self) -> str:
        return RI_SOURCES[self.result.ri_table]

    def to_dict(self) -> dict:
        """The JSON document of `evalkit ahp --format json`."""
        out = self.result.to_dict()
        out["n"] = self.n
        out["source"] = self.source
        out["worst_judgement"] = self.worst.to_dict() if self.worst is not None else None
        return out


def ahp_from_file(path: str | Path, *, method: str = "eigen", ri_table: str = "saaty", threshold: float = 0.1,
                  lambda_method: str = "eigen") -> AhpReport:
    """Read an AHP matrix file (YAML or JSON) and compute its weights, lambda_max, CI and CR."""
    source = str(path)
    m = read_ahp_matrix(path)
    try:
        result = ahp(m.matrix, method=method, ri_table=ri_table, threshold=threshold, labels=m.labels,
                     lambda_method=lambda_method)
    except DefinitionError as exc:  # the RI table does not cover this many criteria: say which option
        raise DefinitionError([attrs.evolve(p, source=source, path="--ri-table") if p.path == "ri_table" else p
                               for p in exc.problems]) from None
    worst = None if result.consistent else worst_judgement(m.matrix, result.weights, m.labels)
    return AhpReport(source=source, matrix=m.matrix, labels=m.labels, result=result, worst=worst,
                     warning=inconsistency_warning(result, m.matrix, m.labels, source))
