"""`evalkit delphi` as a library call: the statistics of a Delphi round read from a file, as one report.

Per item the mean, the standard deviation (ddof 1 unless 0 is asked for), CV = std / |mean| and the
full-mark rate; for the round Kendall's W with its chi2 and p-value. Undefined figures (a CV with a
mean of 0, Kendall's W of one item) are null in the JSON document.
"""

from __future__ import annotations

import math
from pathlib import Path

import attrs

from evalkit.io.csv_text import csv_text
from evalkit.methods.delphi import DelphiResult, delphi_round
from evalkit.methods.inputs import DelphiScores, read_delphi_scores
from evalkit.plugins.manager import Registry, registry_or_default

__all__ = ["DelphiReport", "delphi_from_file"]


def finite_or_none(x: float) -> float | None:
    """A float for JSON: NaN (undefined) becomes null."""
    x = float(x)
    return x if math.isfinite(x) else None


@attrs.frozen(eq=False)
class DelphiReport:
    """A Delphi round's scores and their statistics."""

    scores: DelphiScores
    result: DelphiResult

    def to_dict(self) -> dict:
        """The JSON document of `evalkit delphi --format json`."""
        result, rnd = self.result, self.scores
        k = result.kendall
        items = [{"item": name, "mean": float(result.mean[j]), "std": float(result.std[j]), "cv": finite_or_none(result.cv[j]),
                  "full_mark_rate": float(result.full_mark_rate[j])} for j, name in enumerate(rnd.items)]
        return {
            "method": "delphi",
            "source": rnd.source,
            "layout": rnd.layout,
            "full_mark": result.full_mark,
            "ddof": result.ddof,
            "experts": list(rnd.experts),
            "items": items,
            "kendall": {"w": finite_or_none(k.w), "chi2": finite_or_none(k.chi2), "df": k.df, "p_value": finite_or_none(k.p_value),
                        "n_experts": k.n_raters, "n_items": k.n_items, "tie_correction": k.tie_correction},
        }

    def to_csv(self) -> str:
        """One row per item (item, mean, std, cv, full_mark_rate), with a BOM so that Excel shows Chinese names."""
        rows = ([it["item"], repr(it["mean"]), repr(it["std"]), "" if it["cv"] is None else repr(it["cv"]),
                 repr(it["full_mark_rate"])] for it in self.to_dict()["items"])
        return csv_text(rows, ["item", "mean", "std", "cv", "full_mark_rate"])


def delphi_from_file(path: str | Path, registry: Registry | None, full_mark: float, *, ddof: int = 1) -> DelphiReport:
    """Read a Delphi round's scores (wide or long) and compute its statistics."""
    scores = read_delphi_scores(path, registry_or_default(registry), full_mark)
    return DelphiReport(scores=scores, result=delphi_round(scores.scores, full_mark, ddof=ddof))
