"""A small, streaming writer of .xlsx workbooks made of plain tables: fast, and byte-for-byte deterministic.

Why not openpyxl for writing: without lxml, openpyxl serialises about 120,000 cells a second, so a
report of 10,000 units (about 1.5 million cells) took over ten seconds; this writer builds the same
SpreadsheetML directly at several times that speed. openpyxl still reads the files back in the tests.

What it writes (ECMA-376, the parts Excel itself writes for such a workbook):
- every text cell as a shared string (``t="s"``). There is no formula path at all, so text that
  begins with ``=``, ``+``, ``-``, ``@``, a tab or a CR is never a formula; such cells also get the
  ``quotePrefix`` style, so that Excel keeps them as text when someone edits the cell;
- numbers as numbers (the shortest text that reads back to the same float), with number formats;
- frozen header rows and columns, column widths, an autofilter on the header;
- fixed document dates and fixed zip entry dates: the same tables give the same bytes.
"""

from __future__ import annotations

import io
import itertools
import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO, Any, BinaryIO

import attrs
import numpy as np

FIXED_DATE = (2000, 1, 1, 0, 0, 0)  # zip entry time of every part
FIXED_W3CDTF = "2000-01-01T00:00:00Z"  # docProps/core.xml created and modified
MAX_CELL_TEXT = 32767
RISKY_START = ("=", "+", "-", "@", "\t", "\r")

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """Text escaped for XML element content; characters XML cannot hold become U+FFFD, CR stays CR."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return _ILLEGAL_XML.sub("\ufffd", text)


def xml_attr(text: str) -> str:
    return xml_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def is_risky(text: str) -> bool:
    """Text a spreadsheet could take for a formula if it were typed or pasted: = + - @ tab CR first."""
    return text.startswith(RISKY_START)


def number_text(x: float | int) -> str:
    """A number as SpreadsheetML stores it: integers without '.0', floats in their shortest exact form."""
    if isinstance(x, int):
        return str(x)
    if x.is_integer() and abs(x) < 2**53:
        return str(int(x))
    return repr(x)


@attrs.frozen
class Style:
    """A cell format. Styles are deduplicated; the same Style always gets the same index."""

    bold: bool = False
    num_format: str | None = None  # e.g. "0.00", "0.0%"
    fill: str | None = None  # "#rrggbb"
    indent: int = 0
    wrap: bool = False
    quote: bool = False  # quotePrefix: the cell is text even when edited
    size: float | None = None
    colour: str | None = None  # font colour "#rrggbb"


@attrs.frozen
class Cell:
    """A value with its own style, where the column's style does not fit."""

    value: Any
    style: Style


@attrs.frozen
class Column:
    header: str
    style: Style = Style()
    width: float | None = None  # None: from the widest text (wide characters count double)
    max_width: float = 60.0


DEFAULT_STYLE = Style()
HEADER_STYLE = Style(bold=True, fill="#e8edf3")


class Workbook:
    """Sheets of header + rows; `to_bytes()` gives the .xlsx file."""

    max_rows = 1_048_576  # rows per sheet in Excel, the header row included

    def __init__(self, title: str = "", creator: str = "evalkit", language: str = "") -> None:
        self.title = title
        self.creator = creator
        self.language = language
        self._sheets: list[tuple[str, _SheetXml, str | None]] = []  # (name, xml, autofilter ref)
        self._strings: dict[str, int] = {}
        self._string_refs = 0
        self._styles: dict[Style, int] = {DEFAULT_STYLE: 0}
        self._num_formats: dict[str, int] = {}

    # ---------------------------------------------------------------------------------------------

    def style_index(self, style: Style) -> int:
        index = self._styles.get(style)
        if index is None:
            index = self._styles[style] = len(self._styles)
            if style.num_format and style.num_format not in self._num_formats:
                self._num_formats[style.num_format] = 164 + len(self._num_formats)
        return index

    def _string(self, text: str) -> int:
        self._string_refs += 1
        index = self._strings.get(text)
        if index is None:
            index = self._strings[text] = len(self._strings)
        return index

    def add_sheet(self, name: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]],
                  freeze: tuple[int, int] = (1, 0), autofilter: bool = True, header_style: Style = HEADER_STYLE) -> None:
        """Add a sheet: a header row from `columns`, then `rows` (values, or Cell for a value with its own style).

        `freeze` is (rows, columns) kept in view while scrolling. Values: None (an empty cell), int,
        float (NaN and infinities are left empty), str, or bool. Rows beyond what a sheet can hold
        (MAX_ROWS, header included) continue on sheets named "NAME (2)", "NAME (3)" with the same header.
        """
        if not 0 < len(name) <= 31 or any(ch in name for ch in "[]:*?/\\"):
            raise ValueError(f"invalid sheet name {name!r}")
        remaining = iter(rows)
        part = 1
        while True:
            chunk = itertools.islice(remaining, self.max_rows - 1)
            title = name if part == 1 else f"{name[:31 - len(f' ({part})')]} ({part})"
            self._add_sheet(title, columns, chunk, freeze, autofilter, header_style)
            try:
                first = next(remaining)
            except StopIteration:
                return
            remaining = itertools.chain([first], remaining)
            part += 1

    def _add_sheet(self, name: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]],
                   freeze: tuple[int, int], autofilter: bool, header_style: Style) -> None:
        letters = [_column_letter(k) for k in range(len(columns))]
        col_styles = [self.style_index(c.style) for c in columns]
        quote_styles: dict[int, int] = {}  # style index -> the same style with quotePrefix
        widths = [display_width(c.header) for c in columns]
        caps = [c.max_width - 2 for c in columns]
        out: list[str] = [self._header_row(columns, letters, header_style)]
        append = out.append
        body = _Spool()
        r = 1
        strings = self._strings
        refs = 0
        isnan, isinf = math.isnan, math.isinf
        # The start of each cell's XML by column and style, built once: '<c s="3" r="B'.
        starts: dict[tuple[int, int], str] = {}

        def start(k: int, style: int) -> str:
            style_attr = f' s="{style}"' if style else ""
            text = starts[(k, style)] = f'<c{style_attr} r="{letters[k]}'
            return text

        for row in rows:
            r += 1
            parts = []
            for k, value in enumerate(row):
                if value is None:
                    continue
                style = col_styles[k]
                if type(value) is Cell:
                    style = self.style_index(value.style)
                    value = value.value
                    if value is None:
                        parts.append(f'<c r="{letters[k]}{r}" s="{style}"/>')
                        continue
                kind = type(value)
                if kind is str:
                    if not value:
                        continue
                    if len(value) > MAX_CELL_TEXT:
                        value = value[:MAX_CELL_TEXT]
                    if value.startswith(RISKY_START):
                        quoted = quote_styles.get(style)
                        if quoted is None:
                            base = next(s for s, i in self._styles.items() if i == style)
                            quoted = quote_styles[style] = self.style_index(attrs.evolve(base, quote=True))
                        style = quoted
                    n = len(value)
                    if 2 * n > widths[k] < caps[k]:  # measure only what could widen the column
                        w = n if value.isascii() else text_width(value)
                        if w > widths[k]:
                            widths[k] = w
                    index = strings.get(value)
                    if index is None:
                        index = strings[value] = len(strings)
                    refs += 1
                    parts.append(f'{starts.get((k, style)) or start(k, style)}{r}" t="s"><v>{index}</v></c>')
                elif kind is bool:
                    parts.append(f'<c r="{letters[k]}{r}" t="b"><v>{int(value)}</v></c>')
                else:
                    if kind is int:
                        text = str(value)
                    else:
                        x = float(value)
                        if isnan(x) or isinf(x):
                            continue
                        text = repr(x)
                        if text.endswith(".0"):
                            text = text[:-2]
                    if len(text) > widths[k]:
                        widths[k] = len(text)
                    parts.append(f'{starts.get((k, style)) or start(k, style)}{r}"><v>{text}</v></c>')
            append(f'<row r="{r}">{"".join(parts)}</row>')
            if len(out) >= _ROWS_PER_WRITE:
                body.write("".join(out))
                out.clear()
        body.write("".join(out))
        out.clear()
        self._string_refs += refs
        self._finish_sheet(name, columns, letters, widths, r, body, freeze, autofilter)

    def add_column_sheet(self, name: str, columns: Sequence[Column], blocks: Iterable[Sequence[Values]],
                         freeze: tuple[int, int] = (1, 0), autofilter: bool = True,
                         header_style: Style = HEADER_STYLE) -> None:
        """`add_sheet` for a sheet given as blocks of whole columns: the same bytes, without Python work per cell.

        Each block is one `Values` per column, all of one length (the block's rows, in order). Every
        distinct value of a column is turned into its cell's XML once; the rows are joined from those
        texts. Shared strings and cell styles are numbered in the order `add_sheet` meets them (row by
        row, left to right), and column widths are measured in that order, so the file is the same."""
        if not 0 < len(name) <= 31 or any(ch in name for ch in "[]:*?/\\"):
            raise ValueError(f"invalid sheet name {name!r}")
        per_sheet = self.max_rows - 1
        part, state = 1, _ColumnSheet(self, name, columns, header_style)
        for block in blocks:
            n = len(block[0]) if block else 0
            start = 0
            while start < n:
                if state.rows == per_sheet:
                    state.finish(freeze, autofilter)
                    part += 1
                    state = _ColumnSheet(self, f"{name[:31 - len(f' ({part})')]} ({part})", columns, header_style)
                stop = min(n, start + per_sheet - state.rows)
                state.add([v.slice(start, stop) for v in block] if (start, stop) != (0, n) else block)
                start = stop
        state.finish(freeze, autofilter)

    def _header_row(self, columns: Sequence[Column], letters: list[str], header_style: Style) -> str:
        """The header row's XML (after the columns' styles are registered, as the rows expect)."""
        header_index = self.style_index(header_style)
        cells = []
        for k, c in enumerate(columns):
            style = self.style_index(attrs.evolve(header_style, quote=True)) if is_risky(c.header) else header_index
            cells.append(self._text_cell(f"{letters[k]}1", c.header, style))
        return f'<row r="1">{"".join(cells)}</row>'

    def _finish_sheet(self, name: str, columns: Sequence[Column], letters: list[str], widths: list[int], r: int,
                      body: _Spool, freeze: tuple[int, int], autofilter: bool) -> None:
        last = f"{letters[-1]}{r}" if columns else "A1"
        ref = f"A1:{last}"
        cols = "".join(
            f'<col min="{k + 1}" max="{k + 1}" width="{_width(c, widths[k])}" customWidth="1"/>'
            for k, c in enumerate(columns))
        selected = "" if self._sheets else ' tabSelected="1"'
        # Printing: landscape A4, every column on one page's width, the header row repeated on every page
        # (the print titles are defined in the workbook, see _workbook).
        head = (f'{_HEAD}<worksheet xmlns="{_NS}" xmlns:r="{_REL_NS}">'
                '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
                f'<dimension ref="{ref}"/>'
                f'<sheetViews><sheetView{selected} workbookViewId="0">{_pane(*freeze)}</sheetView></sheetViews>'
                f'<sheetFormatPr defaultRowHeight="15"/>'
                + (f"<cols>{cols}</cols>" if cols else "")
                + "<sheetData>")
        tail = ("</sheetData>"
                + (f'<autoFilter ref="{ref}"/>' if autofilter and columns else "")
                + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                + '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
                + "</worksheet>")
        self._sheets.append((name, _SheetXml(head.encode("utf-8"), body, tail.encode("utf-8")),
                             ref if autofilter and columns else None))

    def _text_cell(self, ref: str, text: str, style: int) -> str:
        s = f' s="{style}"' if style else ""
        return f'<c r="{ref}"{s} t="s"><v>{self._string(text[:MAX_CELL_TEXT])}</v></c>'

    # ---------------------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()

    def save(self, handle: BinaryIO) -> None:
        """Write the .xlsx file (the bytes of `to_bytes`) to a seekable binary `handle`, a sheet at a time.

        The sheets' rows wait in temporary files (in memory up to a few MiB each) until the workbook is
        saved, so a workbook of millions of rows is never one string in memory."""
        if not self._sheets:
            raise ValueError("a workbook needs at least one sheet")
        parts: list[tuple[str, str | _SheetXml]] = [
            ("[Content_Types].xml", self._content_types()),
            ("_rels/.rels", self._root_rels()),
            ("docProps/app.xml", self._app()),
            ("docProps/core.xml", self._core()),
            ("xl/workbook.xml", self._workbook()),
            ("xl/_rels/workbook.xml.rels", self._workbook_rels()),
            ("xl/styles.xml", self._stylesheet()),
        ]
        parts += [(f"xl/worksheets/sheet{k + 1}.xml", xml) for k, (_, xml, _) in enumerate(self._sheets)]
        parts.append(("xl/sharedStrings.xml", self._shared_strings()))
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in parts:
                info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 0  # the same bytes whatever system writes the file
                info.external_attr = 0
                if isinstance(content, str):
                    archive.writestr(info, content.encode("utf-8"), compresslevel=6)
                else:  # what writestr does, with the sheet's rows copied from their temporary file
                    info.file_size = content.size  # decides zip64 as writestr would, before anything is written
                    with archive.open(info, "w") as entry:
                        content.copy_to(entry)

    def _content_types(self) -> str:
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{k + 1}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for k in range(len(self._sheets)))
        return (f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                f"{sheets}"
                '<Override PartName="/xl/styles.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                '<Override PartName="/xl/sharedStrings.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
                '<Override PartName="/docProps/app.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
                "</Types>")

    def _root_rels(self) -> str:
        return (f'{_HEAD}<Relationships xmlns="{_PKG_REL_NS}">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                'Target="xl/workbook.xml"/>'
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
                'Target="docProps/core.xml"/>'
                '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" '
                'Target="docProps/app.xml"/>'
                "</Relationships>")

    def _app(self) -> str:
        return (f'{_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
                'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
                f"<Application>{xml_text(self.creator)}</Application></Properties>")

    def _core(self) -> str:
        lang = f"<dc:language>{xml_text(self.language)}</dc:language>" if self.language else ""
        return (f'{_HEAD}<cp:coreProperties '
                'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
                'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f"<dc:title>{xml_text(self.title)}</dc:title><dc:creator>{xml_text(self.creator)}</dc:creator>{lang}"
                f'<dcterms:created xsi:type="dcterms:W3CDTF">{FIXED_W3CDTF}</dcterms:created>'
                f'<dcterms:modified xsi:type="dcterms:W3CDTF">{FIXED_W3CDTF}</dcterms:modified>'
                "</cp:coreProperties>")

    def _workbook(self) -> str:
        sheets = "".join(f'<sheet name="{xml_attr(name)}" sheetId="{k + 1}" r:id="rId{k + 1}"/>'
                         for k, (name, _, _) in enumerate(self._sheets))
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{k}" hidden="1">'
            f"{xml_text(_quote_sheet(name))}!{_absolute(ref)}</definedName>"
            for k, (name, _, ref) in enumerate(self._sheets) if ref)
        names += "".join(  # the header row printed on top of every page
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{k}">{xml_text(_quote_sheet(name))}!$1:$1</definedName>'
            for k, (name, _, _) in enumerate(self._sheets))
        return (f'{_HEAD}<workbook xmlns="{_NS}" xmlns:r="{_REL_NS}">'
                '<workbookPr/><bookViews><workbookView activeTab="0"/></bookViews>'
                f"<sheets>{sheets}</sheets>" + (f"<definedNames>{names}</definedNames>" if names else "")
                + "</workbook>")

    def _workbook_rels(self) -> str:
        n = len(self._sheets)
        rels = "".join(
            f'<Relationship Id="rId{k + 1}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{k + 1}.xml"/>'
            for k in range(n))
        return (f'{_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{rels}'
                f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
                f'<Relationship Id="rId{n + 2}" Type="{_REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
                "</Relationships>")

    def _stylesheet(self) -> str:
        styles = sorted(self._styles.items(), key=lambda kv: kv[1])
        fonts: dict[tuple, int] = {(False, None, None): 0}
        fills: dict[str, int] = {}
        xfs = []
        for style, _ in styles:
            font_key = (style.bold, style.size, style.colour)
            font = fonts.setdefault(font_key, len(fonts))
            fill = 0 if style.fill is None else 2 + fills.setdefault(style.fill, len(fills))
            num = self._num_formats[style.num_format] if style.num_format else 0
            attrs_ = [f'numFmtId="{num}"', f'fontId="{font}"', f'fillId="{fill}"', 'borderId="0"', 'xfId="0"']
            if num:
                attrs_.append('applyNumberFormat="1"')
            if font:
                attrs_.append('applyFont="1"')
            if fill:
                attrs_.append('applyFill="1"')
            if style.quote:
                attrs_.append('quotePrefix="1"')
            align = ""
            if style.indent or style.wrap:
                attrs_.append('applyAlignment="1"')
                align = "<alignment" + (f' indent="{style.indent}"' if style.indent else "") + \
                        (' horizontal="left"' if style.indent else "") + \
                        (' vertical="top" wrapText="1"' if style.wrap else "") + "/>"
            xfs.append(f"<xf {' '.join(attrs_)}>{align}</xf>" if align else f"<xf {' '.join(attrs_)}/>")
        num_formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{xml_attr(code)}"/>'
                              for code, i in sorted(self._num_formats.items(), key=lambda kv: kv[1]))
        font_xml = "".join(
            "<font>" + ("<b/>" if bold else "") + f'<sz val="{number_text(size or 11)}"/>'
            + (f'<color rgb="FF{colour[1:].upper()}"/>' if colour else "")
            + '<name val="Calibri"/><family val="2"/></font>'
            for (bold, size, colour), _ in sorted(fonts.items(), key=lambda kv: kv[1]))
        fill_xml = '<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>' + "".join(
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{colour[1:].upper()}"/><bgColor indexed="64"/></patternFill></fill>'
            for colour, _ in sorted(fills.items(), key=lambda kv: kv[1]))
        return (f'{_HEAD}<styleSheet xmlns="{_NS}">'
                + (f'<numFmts count="{len(self._num_formats)}">{num_formats}</numFmts>' if self._num_formats else "")
                + f'<fonts count="{len(fonts)}">{font_xml}</fonts>'
                + f'<fills count="{2 + len(fills)}">{fill_xml}</fills>'
                + '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                + f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
                + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                + "</styleSheet>")

    def _shared_strings(self) -> str:
        items = "".join(
            f'<si><t xml:space="preserve">{xml_text(s)}</t></si>' if s[:1].isspace() or s[-1:].isspace()
            else f"<si><t>{xml_text(s)}</t></si>" for s in self._strings)
        return (f'{_HEAD}<sst xmlns="{_NS}" count="{self._string_refs}" uniqueCount="{len(self._strings)}">'
                f"{items}</sst>")


class Values:
    """One column of a block of rows for `Workbook.add_column_sheet`.

    Either numbers (`numbers`: a 1-D numpy array, one per row; NaN and infinities are empty cells) or
    coded values (`values`: the distinct values, each None, str, int, float, bool or Cell, and `codes`: an
    integer array, one per row, indexing them; without codes, `values` holds one value per row)."""

    __slots__ = ("codes", "numbers", "values")

    def __init__(self, values: Sequence[Any] | None = None, codes: np.ndarray | None = None,
                 numbers: np.ndarray | None = None) -> None:
        if (numbers is None) == (values is None):
            raise ValueError("Values needs either numbers or values")
        self.numbers = numbers
        self.values = values
        self.codes = codes

    def __repr__(self) -> str:
        if self.numbers is not None:
            return f"Values(numbers={self.numbers!r})"
        return f"Values({self.values!r}, codes={self.codes!r})"

    def __len__(self) -> int:
        if self.numbers is not None:
            return len(self.numbers)
        return len(self.codes) if self.codes is not None else len(self.values or ())

    def slice(self, start: int, stop: int) -> Values:
        if self.numbers is not None:
            return Values(numbers=self.numbers[start:stop])
        if self.codes is not None:
            return Values(self.values, codes=self.codes[start:stop])
        return Values(list(self.values or ())[start:stop])

    def encoded(self) -> tuple[np.ndarray, list[Any]]:
        """(codes, distinct values), every code used at least once and the values in order of first use."""
        if self.numbers is not None:
            x = np.asarray(self.numbers)
            if x.dtype.kind == "f":  # distinct by bits: -0.0 and 0.0 are different texts
                bits = np.ascontiguousarray(x, dtype=np.float64).view(np.int64)
                _, first, codes = np.unique(bits, return_index=True, return_inverse=True)
            else:
                _, first, codes = np.unique(x, return_index=True, return_inverse=True)
            return _first_use(codes.reshape(-1), x[first].tolist(), first)
        if self.codes is None:  # distinct by type and text: 0.0, -0.0, 0 and False are different cells
            index: dict[Any, int] = {}
            distinct: list[Any] = []
            codes = np.empty(len(self.values or ()), dtype=np.int64)
            for k, v in enumerate(self.values or ()):
                key = v if type(v) is str else (type(v), repr(v))
                code = index.get(key)
                if code is None:
                    code = index[key] = len(distinct)
                    distinct.append(v)
                codes[k] = code
            return codes, distinct
        used, first, codes = np.unique(self.codes, return_index=True, return_inverse=True)
        values = self.values or ()
        return _first_use(codes.reshape(-1), [values[int(u)] for u in used], first)


def _first_use(codes: np.ndarray, values: list[Any], first: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Renumber distinct values (and their codes) in the order of their first row."""
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[codes], [values[int(k)] for k in order]


class _ColumnSheet:
    """A sheet being written from blocks of columns: what `_add_sheet` keeps while it walks the rows."""

    def __init__(self, book: Workbook, name: str, columns: Sequence[Column], header_style: Style) -> None:
        self.book, self.name, self.columns = book, name, columns
        self.letters = [_column_letter(k) for k in range(len(columns))]
        self.col_styles = [book.style_index(c.style) for c in columns]
        self.widths = [display_width(c.header) for c in columns]
        self.caps = [c.max_width - 2 for c in columns]
        self.body = _Spool()
        self.body.write(book._header_row(columns, self.letters, header_style))
        self.rows = 0  # rows written below the header

    def add(self, block: Sequence[Values]) -> None:
        n = len(block[0]) if block else 0
        if n == 0:
            return
        book, letters = self.book, self.letters
        first_row = self.rows + 2  # the sheet's row number of the block's first row
        # Per column: the distinct values and the rows' codes; the cells' XML before and after the row number.
        encoded = [v.encoded() for v in block]
        pre: list[list[str]] = [[""] * len(values) for _, values in encoded]
        post: list[list[str]] = [[""] * len(values) for _, values in encoded]
        refs = 0
        # Values that add shared strings or styles, or widen a text column, in the order the rows meet them
        # (row, then column); numbers only widen their column by their length, in any order.
        ordered: list[tuple[int, int, int]] = []
        isnan, isinf = math.isnan, math.isinf
        for k, (codes, values) in enumerate(encoded):
            if block[k].numbers is not None:
                style = self.col_styles[k]
                head = f'<c s="{style}" r="{letters[k]}' if style else f'<c r="{letters[k]}'
                widest = self.widths[k]
                for j, value in enumerate(values):
                    if type(value) is int:
                        text = str(value)
                    else:
                        x = float(value)
                        if isnan(x) or isinf(x):
                            continue
                        text = repr(x)
                        if text.endswith(".0"):
                            text = text[:-2]
                    widest = max(widest, len(text))
                    pre[k][j] = head
                    post[k][j] = f'"><v>{text}</v></c>'
                self.widths[k] = widest
                continue
            _, firsts = np.unique(codes, return_index=True)  # codes are numbered in order of first use
            ordered += [(f, k, j) for j, f in enumerate(firsts.tolist())]
        ordered.sort()
        quote_styles: dict[int, int] = {}
        strings = book._strings
        styles_by_index: dict[int, Style] | None = None
        string_codes: list[list[int]] = [[] for _ in encoded]
        for _, k, j in ordered:
            value = encoded[k][1][j]
            if value is None:
                continue
            style = self.col_styles[k]
            letter = letters[k]
            if type(value) is Cell:
                style = book.style_index(value.style)
                value = value.value
                if value is None:
                    pre[k][j], post[k][j] = f'<c r="{letter}', f'" s="{style}"/>'
                    continue
            kind = type(value)
            if kind is str:
                if not value:
                    continue
                if len(value) > MAX_CELL_TEXT:
                    value = value[:MAX_CELL_TEXT]
                if value.startswith(RISKY_START):
                    quoted = quote_styles.get(style)
                    if quoted is None:
                        if styles_by_index is None or style not in styles_by_index:
                            styles_by_index = {i: s for s, i in book._styles.items()}
                        quoted = quote_styles[style] = book.style_index(attrs.evolve(styles_by_index[style], quote=True))
                    style = quoted
                m = len(value)
                widths, caps = self.widths, self.caps
                if 2 * m > widths[k] < caps[k]:  # measured as add_sheet measures: only what could widen the column
                    w = m if value.isascii() else text_width(value)
                    if w > widths[k]:
                        widths[k] = w
                index = strings.get(value)
                if index is None:
                    index = strings[value] = len(strings)
                string_codes[k].append(j)
                pre[k][j] = f'<c s="{style}" r="{letter}' if style else f'<c r="{letter}'
                post[k][j] = f'" t="s"><v>{index}</v></c>'
            elif kind is bool:
                pre[k][j], post[k][j] = f'<c r="{letter}', f'" t="b"><v>{int(value)}</v></c>'
            else:
                if kind is int:
                    text = str(value)
                else:
                    x = float(value)
                    if isnan(x) or isinf(x):
                        continue
                    text = repr(x)
                    if text.endswith(".0"):
                        text = text[:-2]
                if len(text) > self.widths[k]:
                    self.widths[k] = len(text)
                pre[k][j] = f'<c s="{style}" r="{letter}' if style else f'<c r="{letter}'
                post[k][j] = f'"><v>{text}</v></c>'
        numbers = [str(r) for r in range(first_row, first_row + n)]
        row_numbers = np.array(numbers, dtype=object)
        pieces: list[Any] = [[f'<row r="{r}">' for r in numbers]]
        for k, (codes, values) in enumerate(encoded):
            if string_codes[k]:
                counts = np.bincount(codes, minlength=len(values))
                refs += int(counts[string_codes[k]].sum())
            empty = np.array([not p for p in pre[k]], dtype=bool)
            if empty.all():
                continue
            before = np.array(pre[k], dtype=object)[codes]
            after = np.array(post[k], dtype=object)[codes]
            rows_k = np.where(empty[codes], "", row_numbers) if empty.any() else row_numbers
            pieces += [before.tolist(), rows_k.tolist(), after.tolist()]
        pieces.append(["</row>"] * n)
        for start in range(0, n, _ROWS_PER_WRITE):
            self.body.write("".join(map("".join, zip(*(p[start:start + _ROWS_PER_WRITE] for p in pieces)))))
        book._string_refs += refs
        self.rows += n

    def finish(self, freeze: tuple[int, int], autofilter: bool) -> None:
        self.book._finish_sheet(self.name, self.columns, self.letters, self.widths, self.rows + 1, self.body,
                                freeze, autofilter)


_ROWS_PER_WRITE = 20_000  # rows of XML joined and moved to the sheet's temporary file at a time


class _Spool:
    """A sheet's rows as UTF-8: in memory up to 8 MiB, then in a temporary file."""

    def __init__(self) -> None:
        self.file = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115  (closed when the workbook is dropped)
        self.size = 0

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.file.write(data)
        self.size += len(data)


@attrs.frozen(eq=False)
class _SheetXml:
    """A sheet's XML: the part before its rows, the rows (spooled), the part after them."""

    head: bytes
    body: _Spool
    tail: bytes

    @property
    def size(self) -> int:
        return len(self.head) + self.body.size + len(self.tail)

    def copy_to(self, out: IO[bytes]) -> None:
        out.write(self.head)
        self.body.file.seek(0)
        shutil.copyfileobj(self.body.file, out, 1 << 20)
        out.write(self.tail)


def text_width(text: str) -> int:
    """About the columns a text takes, quickly: ASCII 1, CJK (3 bytes in UTF-8) 2, others 1.5 or 2.5."""
    return (len(text) + len(text.encode("utf-8", "surrogatepass"))) // 2


def display_width(text: str) -> int:
    from evalkit.reporters.common import display_width as width

    return width(text)


def _width(column: Column, widest: int) -> str:
    if column.width is not None:
        return number_text(float(column.width))
    return number_text(float(min(max(widest + 2, 6), column.max_width)))


def _column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _pane(rows: int, cols: int) -> str:
    if not rows and not cols:
        return ""
    top_left = f"{_column_letter(cols)}{rows + 1}"
    pane = "bottomRight" if rows and cols else ("bottomLeft" if rows else "topRight")
    split = (f' xSplit="{cols}"' if cols else "") + (f' ySplit="{rows}"' if rows else "")
    return (f'<pane{split} topLeftCell="{top_left}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{top_left}" sqref="{top_left}"/>')


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    """A1:M70 -> $A$1:$M$70"""
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in ref.split(":"))
