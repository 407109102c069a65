"""An Excel workbook of the results: summary, item detail, explanations, grade distribution, scorecard.

Sheets (Chinese names and headers by default, English with --lang en):

- 汇总 / Summary: rank, unit id and name, the top dimensions' scores, the net of bonus, deductions and
  score vetoes (when the run had adjustments), total, grade (tinted by band) and notes (vetoes, gates);
- 指标明细 / Item detail: one row per unit and item: value, rule, points, max points, share of the
  total (the item's weight in points), the points it counts for, and the missing-data flag;
- 得分说明 / Explanations: the lines of `Evaluation.explain` per unit, indented as the tree;
- 等次分布 / Grade distribution: grade, label, minimum score, units and share;
- 指标体系 / Scorecard: the tree with weights and points, then bonus, deduction, veto and gate items;
- 加减分与否决 / Adjustments (when the run had adjustments): every record with reason and evidence;
- 等次变动 / Tier transitions (with `evalkit run --compare-with`): the transition matrix, the per-tier
  counts and shares that moved up, stayed, moved down (and improved markedly), then one row per unit
  behind the moves (tiers, totals and ranks of both results), and the units that were not compared;
- 标杆对比 / Benchmarks (with --benchmarks): per unit and indicator the value, peers, rank among them,
  the peers' median and top-decile mean and the gap to each (positive = better, in the indicator's unit);
- 目标进度 / Targets (with --targets / --plan): per target the baseline, target, due period, expected
  value on the trajectory, actual value, progress and status (tinted);
- 考核信息 / About: scorecard, period, rounding, tie rule and the evalkit version (and, with extras,
  what the transitions were compared with, the peer grouping, the gap convention and the status rule).

Scores are numbers with the scorecard's decimals as number format; text is never a formula (see
`xlsx_writer`). The same evaluation gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from evalkit.definition.model import Dimension, Item
from evalkit.reporters.base import Reporter, ReportOptions
from evalkit.reporters.clause_report import sheet_rows
from evalkit.reporters.clause_report import text as clause_text
from evalkit.reporters.common import (
    adjustment_net,
    band_tint,
    distribution,
    item_paths,
    label,
    nominal_shares,
    notes,
    top_nodes,
    value_text,
)
from evalkit.reporters.extras import extras_of
from evalkit.reporters.source_report import has_evidence, item_evidence
from evalkit.reporters.source_report import sheet_rows as assessor_rows
from evalkit.reporters.source_report import text as assessor_text
from evalkit.reporters.summary import summary_header
from evalkit.reporters.xlsx_writer import Cell, Column, Style, Values, Workbook

if TYPE_CHECKING:
    from evalkit.reporters.base import ReportExtras
    from evalkit.scoring.evaluation import Evaluation

TEXT = Style()
INT = Style(num_format="0")
GENERAL = Style()
PERCENT = Style(num_format="0.0%")
BOLD = Style(bold=True)


def points_format(decimals: int) -> str:
    return "0" if decimals <= 0 else "0." + "0" * decimals


def render_xlsx(evaluation: Evaluation, options: ReportOptions) -> bytes:
    return workbook(evaluation, options).to_bytes()


def write_xlsx(evaluation: Evaluation, options: ReportOptions, handle: BinaryIO) -> None:
    """The same bytes as `render_xlsx`, written into `handle` a sheet at a time (the rows of each sheet
    wait in a temporary file, not in memory)."""
    workbook(evaluation, options).save(handle)


def workbook(evaluation: Evaluation, options: ReportOptions) -> Workbook:
    """The report's sheets, ready to be saved."""
    lang = options.lang
    sc = evaluation.scorecard
    book = Workbook(title=f"{sc.name.text(lang)} · {evaluation.period}", language="zh-CN" if lang == "zh" else "en")
    points = Style(num_format=points_format(sc.rounding_decimals))
    positions = np.asarray(evaluation.order(), dtype=np.int64)
    order = positions.tolist()
    _summary(book, evaluation, positions, lang, points)
    _items(book, evaluation, positions, lang, points)
    _explanations(book, evaluation, positions, lang)
    _grades(book, evaluation, lang)
    _scorecard(book, evaluation, lang, points)
    if evaluation.adjusted is not None:
        _adjustments(book, evaluation, order, lang)
    from evalkit.reporters.rewards import add_reward_sheet

    add_reward_sheet(book, evaluation, lang)  # 考核结果运用, when the scorecard declares rewards
    from evalkit.reporters.rectification import add_register_sheet

    add_register_sheet(book, evaluation, options, lang)  # 整改台账, for a stored run with register entries
    _clauses(book, evaluation, lang)
    _assessors(book, evaluation, lang, points)
    extras = extras_of(options)
    if extras is not None:
        from evalkit.reporters.xlsx_extras import add_extra_sheets

        add_extra_sheets(book, evaluation, extras, order, lang, points)
    _about(book, evaluation, lang, extras)
    return book


def _grade_styles(evaluation: Evaluation) -> list[Style]:
    bands = evaluation.scorecard.grading.bands if evaluation.scorecard.grading else ()
    return [Style(fill=band_tint(k, len(bands))) for k in range(len(bands))]


UNITS_PER_BLOCK = 2_000  # units whose item and explanation rows are made at a time (constant memory)


def _unit_blocks(order: np.ndarray, size: int) -> list[np.ndarray]:
    return [order[k:k + size] for k in range(0, len(order), size)] or [order[:0]]


def _summary(book: Workbook, ev: Evaluation, order: np.ndarray, lang: str, points: Style) -> None:
    header = summary_header(ev, lang) + [label("notes", lang)]
    tops = top_nodes(ev, lang)
    net = adjustment_net(ev)
    numeric = len(tops) + (net is not None) + 1  # dimensions, adjustment, total
    columns = ([Column(header[0], INT), Column(header[1], TEXT), Column(header[2], TEXT)]
               + [Column(h, points) for h in header[3:3 + numeric]]
               + [Column(header[-2], TEXT), Column(header[-1], TEXT)])
    ids, names = ev.units.ids, ev.units.names
    note_list = notes(ev, lang)
    styles = _grade_styles(ev)
    bands = ev.scorecard.grading.bands if ev.scorecard.grading else ()
    grade_cells: list[Any] = [Cell(b.label.text(lang), styles[g]) for g, b in enumerate(bands)] + [None]
    grades = np.asarray(ev.grades)

    def blocks():
        for rows in _unit_blocks(order, 100_000):
            g = grades[rows]
            block = [Values(numbers=ev.ranks[rows]), Values(ids, codes=rows), Values(names, codes=rows)]
            block += [Values(numbers=np.asarray(t.scores)[rows]) for t in tops]
            if net is not None:
                block.append(Values(numbers=np.asarray(net)[rows]))
            block += [Values(numbers=ev.totals[rows]),
                      Values(grade_cells, codes=np.where((g >= 0) & (g < len(bands)), g, len(bands))),
                      Values(note_list, codes=rows)]
            yield block

    book.add_column_sheet(label("sheet_summary", lang), columns, blocks(), freeze=(1, 3))


def _items(book: Workbook, ev: Evaluation, order: np.ndarray, lang: str, points: Style) -> None:
    keys: tuple[str, ...] = ("rank", "id", "unit", "dimension", "item_id", "item", "indicator", "measure", "value",
                             "rule", "points", "max_points", "share", "score", "missing")
    with_evidence = has_evidence(ev)  # 佐证: the references of the values, where the data has them
    if with_evidence:
        keys += ("evidence",)
    # The raw value is stored exactly and shown at the scorecard's decimals (73.85, not 73.85424492862509).
    styles = {"rank": INT, "value": points, "points": points, "max_points": points, "share": points, "score": points}
    columns = [Column(label(k, lang), styles.get(k, TEXT), max_width=40 if k in ("dimension", "item") else 60.0)
               for k in keys]
    paths = item_paths(ev.scorecard, lang)
    indicators = ev.scorecard.indicators
    results = list(ev.items.values())
    per_item: list[list[Any]] = [[], [], [], [], [], []]  # path, item id, name, indicators, measure, rule
    flags: list[Any] = [None]
    flag_codes = []
    for r in results:
        item = r.item
        ind = indicators.get(item.indicator)
        for k, text in enumerate((paths[item.id], item.id, item.name.text(lang), ", ".join(item.indicators),
                                  ind.unit if ind is not None else "", item.rule)):
            per_item[k].append(text)
        flag = label("missing_reweighted" if item.missing == "reweight" else "missing_scored_zero", lang)
        if flag not in flags:
            flags.append(flag)
        flag_codes.append(flags.index(flag))
    n_items = len(results)
    max_points = np.array([float(r.item.max_points) for r in results], dtype=np.float64)
    flag_code = np.array(flag_codes, dtype=np.int64)
    numeric_values = all(np.asarray(r.values).ndim == 1 and np.asarray(r.values).dtype.kind in "fiu" for r in results)
    ids, names = ev.units.ids, ev.units.names

    def share_of(r: Any, rows: np.ndarray) -> np.ndarray:
        return r.share[rows] if isinstance(r.share, np.ndarray) else np.full(len(rows), float(r.share))

    def value_cells(rows: np.ndarray) -> Values:
        if numeric_values:
            return Values(numbers=np.stack([np.asarray(r.values)[rows] for r in results], axis=1).reshape(-1))
        per: list[list[Any]] = []
        for r in results:
            values = np.asarray(r.values)
            if values.ndim == 1:
                per.append(values[rows].tolist())
            else:
                per.append([value_text(tuple(None if np.isnan(v) else float(v) for v in row), lang) for row in values[rows]])
        return Values([v for unit in zip(*per) for v in unit])

    def blocks():
        per_block = max(1, 100_000 // max(1, n_items))
        for rows in _unit_blocks(order, per_block):
            m = len(rows)
            units = np.repeat(rows, n_items)
            each = np.tile(np.arange(n_items), m)
            if n_items == 0:
                yield [Values(numbers=np.empty(0)) for _ in keys]
                continue
            block = [Values(numbers=np.asarray(ev.ranks)[units]), Values(ids, codes=units), Values(names, codes=units)]
            block += [Values(texts, codes=each) for texts in per_item[:5]]
            block += [value_cells(rows), Values(per_item[5], codes=each),
                      Values(numbers=np.stack([r.points[rows] for r in results], axis=1).reshape(-1)),
                      Values(numbers=np.tile(max_points, m)),
                      Values(numbers=np.stack([share_of(r, rows) for r in results], axis=1).reshape(-1)),
                      Values(numbers=np.stack([r.score[rows] for r in results], axis=1).reshape(-1)),
                      Values(flags, codes=np.where(np.stack([r.missing[rows] for r in results], axis=1), flag_code, 0).reshape(-1))]
            if with_evidence:
                block.append(Values([item_evidence(ev, r.item.id, i, lang) or None for i in rows.tolist() for r in results]))
            yield block

    book.add_column_sheet(label("sheet_items", lang), columns, blocks(), freeze=(1, 3))


def explanation_lines(ev: Evaluation, unit_id: str, lang: str) -> list[tuple[int, str]]:
    """(depth, text) for each explanation line of a unit, without the first line (the unit's name)."""
    out = []
    for line in ev.explain(unit_id, lang)[1:]:
        stripped = line.lstrip(" ")
        out.append(((len(line) - len(stripped)) // 2, stripped))
    return out


def _explanations(book: Workbook, ev: Evaluation, order: np.ndarray, lang: str) -> None:
    columns = [Column(label("rank", lang), INT), Column(label("id", lang)), Column(label("unit", lang)),
               Column(label("line", lang), INT), Column(label("explanation", lang), max_width=100.0)]
    indents = [Style(indent=k) for k in range(8)]
    ids, names = ev.units.ids, ev.units.names
    ranks = np.asarray(ev.ranks)

    def blocks():
        for rows in _unit_blocks(order, 1_000):
            counts: list[int] = []
            index: dict[tuple[str, int], int] = {}
            codes: list[int] = []
            for i in rows.tolist():
                lines = ev.explain(ids[i], lang)
                counts.append(len(lines) - 1)
                for line in lines[1:]:  # the first line is the unit's name
                    text = line.lstrip(" ")
                    key = (text, min((len(line) - len(text)) // 2, 7))
                    code = index.get(key)
                    if code is None:
                        code = index[key] = len(index)
                    codes.append(code)
            units = np.repeat(rows, counts)
            line_numbers = np.concatenate([np.arange(1, c + 1) for c in counts]) if counts else np.empty(0, dtype=np.int64)
            texts = [Cell(text, indents[depth]) if depth else text for text, depth in index]
            yield [Values(numbers=ranks[units]), Values(ids, codes=units), Values(names, codes=units),
                   Values(numbers=line_numbers), Values(texts, codes=np.array(codes, dtype=np.int64))]

    book.add_column_sheet(label("sheet_explain", lang), columns, blocks(), freeze=(1, 3))


def _grades(book: Workbook, ev: Evaluation, lang: str) -> None:
    rows_ = distribution(ev, lang)
    columns = [Column(label("grade_code", lang)), Column(label("grade", lang)), Column(label("min_score", lang), GENERAL),
               Column(label("count", lang), INT), Column(label("share_units", lang), PERCENT)]
    styles = _grade_styles(ev)
    rows = [[r.grade, Cell(r.label, styles[r.position]) if r.position is not None else r.label, r.min, r.count, r.share]
            for r in rows_]
    n = len(ev.units)
    rows.append([Cell(label("sum", lang), BOLD), None, None, Cell(n, Style(bold=True, num_format="0")),
                 Cell(1.0 if n else 0.0, Style(bold=True, num_format="0.0%"))])
    book.add_sheet(label("sheet_grades", lang), columns, rows, freeze=(1, 0), autofilter=False)


def _params_text(params: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(params), ensure_ascii=False, sort_keys=True, separators=(", ", ": ")) if params else ""


def _scorecard(book: Workbook, ev: Evaluation, lang: str, points: Style) -> None:
    sc = ev.scorecard
    keys = ("level", "kind", "id", "name", "indicator", "rule", "params", "max_points", "weight", "share", "missing_policy")
    styles = {"level": INT, "max_points": GENERAL, "weight": GENERAL, "share": points}
    columns = [Column(label(k, lang), styles.get(k, TEXT), max_width=50.0 if k == "params" else 60.0) for k in keys]
    shares = nominal_shares(sc)
    indents = [Style(indent=k) for k in range(8)]
    rows = []
    for node, depth, _ in sc.walk():
        name = node.name.text(lang)
        name_cell = Cell(name, indents[min(depth, 7)]) if depth else name
        if isinstance(node, Dimension):
            rows.append([depth + 1, label("kind_dimension", lang), node.id, name_cell, None, None, None,
                         node.max_points, node.weight, shares[node.id], None])
        elif isinstance(node, Item):
            rows.append([depth + 1, label("kind_item", lang), node.id, name_cell, ", ".join(node.indicators), node.rule,
                         _params_text(node.params), node.max_points, node.weight, shares[node.id], node.missing])
    for item in (*sc.bonus_items, *sc.deduction_items):
        params: dict[str, Any] = {k: v for k, v in (("block", item.block),) if v}
        rows.append([None, label(f"kind_{item.kind}", lang), item.id, item.name.text(lang), None, None,
                     _params_text(params), item.cap, None, None, None])
    if sc.bonus_cap is not None or sc.deduction_blocks:
        caps = {**({"bonus_cap": sc.bonus_cap} if sc.bonus_cap is not None else {}),
                **({"deduction_blocks": dict(sc.deduction_blocks)} if sc.deduction_blocks else {})}
        rows.append([None, label("kind_bonus", lang) + "/" + label("kind_deduction", lang), "", label("sum", lang), None,
                     None, _params_text(caps), None, None, None, None])
    for veto in sc.vetoes:
        params = {k: v for k, v in (("effect", veto.effect), ("grade", veto.grade), ("points", veto.points)) if v is not None}
        rows.append([None, label("kind_veto", lang), veto.id, veto.name.text(lang), None, None, _params_text(params),
                     None, None, None, None])
    for gate in sc.gates:
        params = {k: v for k, v in (("below", gate.below), ("above", gate.above), ("effect", gate.effect),
                                    ("grade", gate.grade), ("when_missing", gate.when_missing)) if v is not None}
        rows.append([None, label("kind_gate", lang), gate.id, gate.name.text(lang), gate.indicator, None,
                     _params_text(params), None, None, None, None])
    book.add_sheet(label("sheet_scorecard", lang), columns, rows, freeze=(1, 0))


def _adjustments(book: Workbook, ev: Evaluation, order: list[int], lang: str) -> None:
    sc = ev.scorecard
    keys = ("rank", "id", "unit", "kind", "adj_item_id", "adj_item", "claimed", "reason", "evidence", "authority")
    columns = [Column(label(k, lang), INT if k == "rank" else GENERAL if k == "claimed" else TEXT) for k in keys]
    position = {int(i): k for k, i in enumerate(order)}
    targets = sc.adjustment_targets()
    index = ev.units.index
    records = sorted(ev.adjusted.records if ev.adjusted is not None else (),
                     key=lambda r: position.get(index.get(r.unit, -1), len(order)))
    ranks = ev.ranks.tolist()
    rows = []
    for r in records:
        i = index.get(r.unit)
        target = targets.get(r.item)
        kind = getattr(target, "kind", "veto") if target is not None else ""
        rows.append([ranks[i] if i is not None else None, r.unit, ev.units.names[i] if i is not None else "",
                     label(f"kind_{kind}", lang) if kind else "", r.item,
                     target.name.text(lang) if target is not None else "", r.points, r.reason, r.evidence, r.authority])
    book.add_sheet(label("sheet_adjust", lang), columns, rows, freeze=(1, 3))


def _clauses(book: Workbook, ev: Evaluation, lang: str) -> None:
    """扣分明细: one row per unit and clause that applied, when the scorecard has clause items."""
    headers, rows = sheet_rows(ev, lang)
    if rows:
        numeric = {0: INT, 6: GENERAL, 7: GENERAL}
        columns = [Column(h, numeric.get(k, TEXT)) for k, h in enumerate(headers)]
        book.add_sheet(clause_text("sheet", lang), columns, rows, freeze=(1, 3))


def _assessors(book: Workbook, ev: Evaluation, lang: str, points: Style) -> None:
    """自评与考评: each unit's combined total, each source's total, the gap and 自评虚高, when sources were combined."""
    headers, rows = assessor_rows(ev, lang)
    if rows:
        columns = [Column(h, INT if k == 0 else TEXT if k in (1, 2) or h == assessor_text("flag", lang) else points)
                   for k, h in enumerate(headers)]
        book.add_sheet(assessor_text("sheet", lang), columns, rows, freeze=(1, 3))


def _about(book: Workbook, ev: Evaluation, lang: str, extras: ReportExtras | None = None) -> None:
    from evalkit import __version__

    sc = ev.scorecard
    rows: list[list[Any]] = [
        [label("scorecard", lang), sc.name.text(lang)],
        [label("scorecard_id", lang), sc.id],
        [label("version", lang), sc.version or ""],
        [label("period", lang), ev.period],
        [label("units_count", lang), len(ev.units)],
        [label("total_points", lang), sc.total_points],
        [label("rounding", lang), f"{sc.rounding_decimals} {'位小数' if lang == 'zh' else 'decimals'}, {sc.rounding_mode}"],
        [label("ties", lang), sc.ties],
        [label("generator", lang), f"evalkit {__version__}"],
    ]
    missing = ev.missing_data()
    if missing:  # units without data, blank cells scored 0 or re-weighted: counted here, listed in the JSON
        rows.append(["缺失数据" if lang == "zh" else "Missing data", missing.summary(lang)])
        if missing.units_without_data:
            rows.append(["无数据单位" if lang == "zh" else "Units without data", ", ".join(missing.units_without_data)])
    if extras is not None:
        from evalkit.reporters.xlsx_extras import about_rows

        rows += about_rows(extras, lang)
    columns = [Column(label("about_key", lang), BOLD), Column(label("about_value", lang), GENERAL)]
    book.add_sheet(label("sheet_about", lang), columns, rows, freeze=(0, 0), autofilter=False)


XLSX_REPORTER = Reporter(name="xlsx", extension=".xlsx", render=render_xlsx,
                         description="Excel workbook: summary, item detail, explanations, grade distribution, scorecard",
                         extras=("transitions", "benchmarks", "targets", "rectification"), write=write_xlsx)
