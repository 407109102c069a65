"""Entry forms: the workbook a county sends out to collect a year's values, and reads back as it comes.

`write_entry_forms(scorecard, units, output)` writes one workbook with a row per unit and a column per
indicator (its Chinese name and unit of measure in the header, the allowed range in the cell's input
message and as data validation), the period filled in, a notes column, an instructions sheet listing
each indicator's items, rules and points, and headers and unit columns protected against editing
(the sheet has no password: the protection guards against slips, not people). With `per_unit`, one
workbook per unit goes into the folder `output`, for departments to fill their own. A filled
workbook (or a folder of them) reads back with `--data` as a wide sheet.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from evalkit.definition.model import Indicator, Item, Scorecard
from evalkit.io.data import Units
from evalkit.io.output import write_atomic
from evalkit.io.table import header_key
from evalkit.io.wide import PERCENT_UNITS

DATA_SHEET = "填报数据"
HELP_SHEET = "填报说明"
UNIT_HEADER, NAME_HEADER, PERIOD_HEADER, NOTES_HEADER = "单位编号", "单位名称", "年度", "备注"


@attrs.frozen
class EntryForms:
    """The workbooks written: their paths, the indicators asked for and the units."""

    paths: tuple[str, ...]
    indicators: tuple[str, ...]
    units: int

    def to_dict(self) -> dict[str, Any]:
        return {"paths": list(self.paths), "indicators": list(self.indicators), "units": self.units}

    def text(self) -> str:
        where = self.paths[0] if len(self.paths) == 1 else f"{len(self.paths)} workbooks in {Path(self.paths[0]).parent}"
        return f"wrote {where} ({self.units} units, {len(self.indicators)} indicators)\n"


def asked_indicators(scorecard: Scorecard) -> list[Indicator]:
    """The indicators a county must collect: those the scorecard declares and those of plugins its items
    read, not the derived ones (computed), in the scorecard's order."""
    used = {ind for item in scorecard.items() for ind in item.indicators}
    ordered = [ind for key, ind in scorecard.indicators.items() if key not in scorecard.derived]
    plugin = [scorecard.registry.indicators[i] for i in sorted(used - set(scorecard.indicators))
              if i in scorecard.registry.indicators and i not in scorecard.derived]
    return ordered + plugin


def allowed_range(indicator: Indicator) -> tuple[float | None, float | None]:
    """The range a value must lie in: 0-100 for a percentage, at least 0 otherwise (counts, hours, points)."""
    if header_key(indicator.unit) in PERCENT_UNITS:
        return 0.0, 100.0
    return 0.0, None


def header_of(indicator: Indicator, shared: set[str]) -> str:
    """The column header: the Chinese name with the unit in brackets; the id where names are shared."""
    name = indicator.name.text("zh") or indicator.id
    if header_key(name) in shared:
        name = indicator.id
    return f"{name}（{indicator.unit}）" if indicator.unit else name


def write_entry_forms(scorecard: Scorecard, units: Units, output: str | Path, per_unit: bool = False) -> EntryForms:
    """Write the entry workbook (or, `per_unit`, one per unit into the folder `output`)."""
    indicators = asked_indicators(scorecard)
    names = [header_key(i.name.text("zh")) for i in indicators]
    ids = {header_key(i.id) for i in indicators}
    shared = {n for n in names if names.count(n) > 1 or n in ids}  # a name two indicators share: headed by id
    output = Path(output)
    if not per_unit:
        write_atomic(output, _workbook(scorecard, indicators, shared, units, range(len(units))))
        return EntryForms(paths=(str(output),), indicators=tuple(i.id for i in indicators), units=len(units))
    output.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, uid in enumerate(units.ids):
        path = output / f"{_safe(uid)}.xlsx"
        write_atomic(path, _workbook(scorecard, indicators, shared, units, [i]))
        paths.append(str(path))
    return EntryForms(paths=tuple(paths), indicators=tuple(i.id for i in indicators), units=len(units))


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text) or "unit"


def _workbook(scorecard: Scorecard, indicators: Sequence[Indicator], shared: set[str], units: Units,
              rows: Sequence[int] | range) -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = DATA_SHEET
    headers = [UNIT_HEADER, NAME_HEADER, PERIOD_HEADER] + [header_of(i, shared) for i in indicators] + [NOTES_HEADER]
    sheet.append(headers)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for j, indicator in enumerate(indicators, start=4):
        low, high = allowed_range(indicator)
        allowed = f"{low:g} 至 {high:g}" if high is not None else f"不小于 {low:g}"
        sheet.cell(1, j).comment = Comment(f"{indicator.id}: {indicator.name.text('zh')}\n单位: {indicator.unit or '-'}\n"
                                           f"允许范围: {allowed}", "evalkit")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for i in rows:
        sheet.append([units.ids[i], units.names[i], scorecard.period] + [None] * len(indicators) + [None])
    last = sheet.max_row
    unlocked = Protection(locked=False)
    for r in range(2, last + 1):
        for c in range(4, len(headers) + 1):
            sheet.cell(r, c).protection = unlocked
    for j, indicator in enumerate(indicators, start=4):
        low, high = allowed_range(indicator)
        letter = get_column_letter(j)
        rule = DataValidation(type="decimal", operator="between" if high is not None else "greaterThanOrEqual",
                              formula1=f"{low:g}", formula2=f"{high:g}" if high is not None else None, allow_blank=True)
        rule.showErrorMessage = rule.showInputMessage = True
        rule.errorTitle, rule.promptTitle = "数值不在允许范围内", indicator.name.text("zh")[:32]
        rule.error = f"请填写数字（{indicator.unit or '无单位'}）" + (f"，{low:g} 至 {high:g}" if high is not None else f"，不小于 {low:g}")
        rule.prompt = (f"单位: {indicator.unit or '-'}；" + (f"{low:g} 至 {high:g}" if high is not None else f"不小于 {low:g}")
                       + ("；百分比填 95.4，不填 0.954" if high == 100.0 else "") + "；无数据请留空")
        sheet.add_data_validation(rule)
        rule.add(f"{letter}2:{letter}{max(last, 2)}")
    for j, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = max(10, min(30, len(header) * 2 + 2))
    sheet.freeze_panes = "D2"
    sheet.protection.sheet = True  # headers, unit ids and names locked; values and notes open
    sheet.protection.formatColumns = False
    _instructions(workbook.create_sheet(HELP_SHEET), scorecard, indicators, shared)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _instructions(sheet: Any, scorecard: Scorecard, indicators: Sequence[Indicator], shared: set[str]) -> None:
    from openpyxl.styles import Font

    sheet.append([f"{scorecard.name.text('zh')}（{scorecard.period}）填报说明"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["每个单位一行，每个指标一列；按表头的单位填写数字（百分比填 95.4，不填 0.954 或 95.4%）；无数据请留空，不要填 0、“无”或“-”。"
                  "不要修改表头、单位编号和单位名称。"])
    sheet.append([])
    sheet.append(["表头", "指标编号", "指标名称", "计量单位", "方向", "允许范围", "计分项目", "规则", "分值"])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    items_of: dict[str, list[Item]] = {}
    for item in scorecard.items():
        for ind in item.indicators:
            items_of.setdefault(ind, []).append(item)
    for indicator in indicators:
        low, high = allowed_range(indicator)
        allowed = f"{low:g} 至 {high:g}" if high is not None else f"不小于 {low:g}"
        direction = "越高越好" if indicator.direction == "higher" else "越低越好"
        items = items_of.get(indicator.id, [])
        sheet.append([header_of(indicator, shared), indicator.id, indicator.name.text("zh"), indicator.unit, direction, allowed,
                      "；".join(item.name.text("zh") or item.id for item in items),
                      "；".join(item.rule for item in items),
                      "；".join(f"{item.max_points:g}" for item in items)])
    for letter, width in zip("ABCDEFGHI", (24, 18, 24, 8, 10, 14, 30, 16, 10)):
        sheet.column_dimensions[letter].width = width
