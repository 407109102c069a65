"""Evidence (佐证) on data values: what a scorecard does with a value given without it.

A data file may carry an `evidence` column (佐证: a document number, file reference or hash; evalkit keeps
the reference, never the file). An indicator of the scorecard says what a value without evidence is worth:
`evidence: optional` (the default: nothing happens), `flag` (the value counts, and results, explanations
and reports flag it) or `not_counted` (the value is treated as missing, so the item's missing-data policy
applies). `apply_evidence` does this for all units at once, before derived indicators are computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from evalkit.definition.model import Item, Scorecard

if TYPE_CHECKING:
    from evalkit.io.data import DataSet


def apply_evidence(scorecard: Scorecard, data: DataSet) -> tuple[DataSet, dict[str, np.ndarray]]:
    """The data with `not_counted` values lacking evidence made missing, and per indicator that asks for
    evidence, the mask of values given without it."""
    lacking: dict[str, np.ndarray] = {}
    columns: dict[str, np.ndarray] | None = None
    n = len(data.units)
    for indicator in scorecard.indicators.values():
        if indicator.evidence == "optional" or indicator.id not in data.columns:
            continue
        values = data.columns[indicator.id]
        refs = data.evidence.get(indicator.id)
        given = np.zeros(n, dtype=bool) if refs is None else np.asarray(refs != "", dtype=bool)
        without = ~np.isnan(values) & ~given
        lacking[indicator.id] = without
        if indicator.evidence == "not_counted" and without.any():
            columns = dict(data.columns) if columns is None else columns
            columns[indicator.id] = np.where(without, np.nan, values)
    if columns is not None:
        data = attrs.evolve(data, columns=columns)
    return data, lacking


def evidence_entry(item: Item, i: int, evidence: Mapping[str, np.ndarray], lacking: Mapping[str, np.ndarray],
                   scorecard: Scorecard) -> dict[str, Any]:
    """The JSON keys of one unit's item about evidence: `evidence` {indicator: reference} for the values
    that have one, `without_evidence` {indicator: "flag" | "not_counted"} for those that lack it."""
    out: dict[str, Any] = {}
    refs = {name: str(evidence[name][i]) for name in item.indicators if name in evidence and evidence[name][i]}
    if refs:
        out["evidence"] = refs
    missing = {name: scorecard.indicators[name].evidence for name in item.indicators if name in lacking and lacking[name][i]}
    if missing:
        out["without_evidence"] = missing
    return out


def evidence_lines(item: Item, i: int, lacking: Mapping[str, np.ndarray], scorecard: Scorecard, lang: str,
                   pad: str) -> list[str]:
    """For `explain`: one line per value of the item that was given without the evidence it needs."""
    zh = lang == "zh"
    lines = []
    for name in item.indicators:
        if name in lacking and lacking[name][i]:
            indicator = scorecard.indicators[name]
            label = indicator.name.text(lang) or name
            if indicator.evidence == "not_counted":
                lines.append(f"{pad}  {label} 的数值未附佐证，按规定不计入" if zh
                             else f"{pad}  {label}: the value has no evidence, so it is not counted")
            else:
                lines.append(f"{pad}  {label} 的数值未附佐证（已标记）" if zh
                             else f"{pad}  {label}: the value has no evidence (flagged)")
    return lines
