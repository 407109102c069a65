"""The HTML report's per-unit parts built from whole columns: the ranking table's rows and the head of each
unit's section. Every text is escaped once per column (the column joined, escaped, split again) and every
number formatted once per distinct value; the rows are joined from those column texts. Only the
explanation below each unit's head is made unit by unit (`Evaluation.explain`).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation


def escaped(texts: Sequence[Any]) -> list[str]:
    """`html_parts.e` of every text (None as ""): one escape call for the whole column where it can be split again."""
    column = ["" if t is None else str(t) for t in texts]
    joined = "\0".join(column)
    if "\0" in "".join(column):  # a NUL inside a text: no separator is safe, escape one by one
        return [escape(t, quote=True) for t in column]
    return escape(joined, quote=True).split("\0") if column else []


def points_column(values: np.ndarray, decimals: int) -> list[str]:
    """`common.points_text` of every value (a float array; NaN as ""), formatted once per distinct value."""
    x = np.ascontiguousarray(values, dtype=np.float64)
    if not x.size:
        return []
    _, first, codes = np.unique(x.view(np.int64), return_index=True, return_inverse=True)
    texts = np.array(["" if v != v else f"{v:.{decimals}f}" for v in x[first].tolist()], dtype=object)
    return texts[codes.reshape(-1)].tolist()


def int_column(values: np.ndarray) -> list[str]:
    """str() of every value of an integer (or float) column, once per distinct value."""
    x = np.asarray(values)
    if not x.size:
        return []
    distinct, codes = np.unique(x, return_inverse=True)
    return np.array([str(v) for v in distinct.tolist()], dtype=object)[codes.reshape(-1)].tolist()


def ranking_rows(ev: Evaluation, order: np.ndarray, scores: list[np.ndarray], net: np.ndarray | None, note_list: list[str],
                 badges: list[str], codes: list[str], decimals: int) -> str:
    """The ranking table's <tr> rows, in `order` (the same text as one f-string per unit)."""
    n = len(order)
    if not n:
        return ""
    nb = len(badges)
    ids = np.asarray(ev.units.ids, dtype=object)[order].tolist()
    names = np.asarray(ev.units.names, dtype=object)[order].tolist()
    e_ids, e_names = escaped(ids), escaped(names)
    grades = np.asarray(ev.grades)[order]
    known = (grades >= 0) & (grades < nb)
    slot = np.where(known, grades, nb)
    e_codes = np.array(escaped(codes) + [""], dtype=object)[slot].tolist()
    badge_cells = np.array([f'<td data-v="{g}">{b}</td>' for g, b in enumerate(badges)] + [f'<td data-v="{nb}"></td>'],
                           dtype=object)[slot].tolist()
    notes_e = np.array(escaped(note_list), dtype=object)[order].tolist()
    anchors = [f"u{k}" for k in range(n)]
    pieces: list[Any] = [["<tr data-u=\""] * n, anchors, ['" data-g="'] * n, e_codes, ['" data-k="'] * n, e_ids, [" "] * n,
                         e_names, ['"><td class="n">'] * n, int_column(np.asarray(ev.ranks)[order]),
                         ["</td><td><code>"] * n, e_ids, ['</code></td><td class="u"><a href="#'] * n, anchors,
                         ['">'] * n, e_names, ["</a></td>"] * n]
    for s in [*scores, *([net] if net is not None else [])]:
        pieces += [['<td class="n">'] * n, points_column(np.asarray(s)[order], decimals), ["</td>"] * n]
    pieces += [['<td class="n"><b>'] * n, points_column(np.asarray(ev.totals)[order], decimals), ["</b></td>"] * n,
               badge_cells, ['<td class="note">'] * n, notes_e, ["</td></tr>\n"] * n]
    return "".join(map("".join, zip(*pieces)))


def unit_heads(ev: Evaluation, order: np.ndarray, scores: list[np.ndarray], badges: list[str], decimals: int,
               static: bool) -> list[str]:
    """Each unit section's opening, up to where its chart goes (the same text as one f-string per unit)."""
    n = len(order)
    if not n:
        return []
    nb = len(badges)
    grades = np.asarray(ev.grades)[order]
    slot = np.where((grades >= 0) & (grades < nb), grades, nb)
    badge_texts = np.array([*badges, ""], dtype=object)[slot].tolist()
    names = escaped(np.asarray(ev.units.names, dtype=object)[order].tolist())
    ids = escaped(np.asarray(ev.units.ids, dtype=object)[order].tolist())
    if static:
        data_s = [""] * n
    else:
        columns = [points_column(np.asarray(s)[order], decimals) for s in scores]
        data_s = [' data-s="' + ",".join(texts) + '"' for texts in zip(*columns)] if columns else [' data-s=""'] * n
    pieces: list[Any] = [['<details class="unit" id="u'] * n, [str(k) for k in range(n)], ['"'] * n, data_s,
                         ['><summary><span class="rk">'] * n, int_column(np.asarray(ev.ranks)[order]), ["</span>"] * n,
                         names, [" <code>"] * n, ids, ['</code><span class="t">'] * n,
                         points_column(np.asarray(ev.totals)[order], decimals), ["</span>"] * n, badge_texts,
                         ['</summary>\n<div class="ub"><div class="uc">'] * n]
    return list(map("".join, zip(*pieces)))
