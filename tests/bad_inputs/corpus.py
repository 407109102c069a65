"""Hostile and careless inputs, made small and on the spot (issue 12): each maker writes its file into a folder.

The test module tests/test_bad_inputs.py runs each through the CLI in a subprocess bounded in time and memory.
"""

from __future__ import annotations

import re
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart"


def quickstart(folder: Path) -> tuple[Path, Path, Path]:
    """A copy of the quickstart example (scorecard, data, units) in `folder`."""
    names = ("scorecard.yaml", "data.csv", "units.csv")
    for name in names:
        shutil.copy(QUICKSTART / name, folder / name)
    return folder / names[0], folder / names[1], folder / names[2]


def billion_laughs(levels: int = 9) -> str:
    """A YAML alias bomb: 10**levels strings from a few hundred bytes."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for k in range(1, levels + 1):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def deep_yaml(depth: int = 10_000) -> str:
    return "evalkit: 1\nid: deep\nx: " + "[" * depth + "]" * depth + "\n"


def deep_json(depth: int = 10_000) -> str:
    return '{"evalkit": 1, "x": ' + "[" * depth + "]" * depth + "}"


def scorecard_tree(levels: int) -> str:
    """A scorecard whose tree is `levels` deep (JSON, one dimension per level)."""
    import json

    item = {"id": "leaf", "name": "leaf", "indicator": "x", "max_points": 10, "rule": {"name": "linear",
                                                                                        "params": {"lower": 0, "upper": 1}}}
    node: dict = item
    for k in range(levels - 1):
        node = {"id": f"d{k}", "name": f"d{k}", "children": [node]}
    return json.dumps({"evalkit": 1, "id": "tree", "name": "tree", "period": "2025",
                       "indicators": [{"id": "x", "name": "x"}], "dimensions": [node]})


def workbook(path: Path, rows: list[list[object]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def rewrite_sheet(path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    """Apply `change` (text -> text) to the first sheet's XML inside the workbook at `path`."""
    tmp = path.with_suffix(".tmp.zip")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode("utf-8")).encode("utf-8")
            dst.writestr(info, data)
    tmp.replace(path)
    return path


def short_dimension(path: Path, rows: list[list[object]]) -> Path:
    """A workbook whose <dimension> declares A1:D3 though it holds every row in `rows`."""
    workbook(path, rows)
    return rewrite_sheet(path, lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:D3"/>', xml))


def far_cell(path: Path) -> Path:
    """A small workbook with one cell at XFD1048576 and a dimension declaring the whole sheet."""
    workbook(path, [["unit", "indicator", "period", "value"], ["U01", "meetings_rate", "2025", 90]])

    def change(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml)
        far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        return xml.replace("</sheetData>", far + "</sheetData>")

    return rewrite_sheet(path, change)


def wide_rows(path: Path, rows: int) -> Path:
    """A workbook of `rows` rows each with a cell in column XFD: 16,384 cells a row."""
    workbook(path, [["unit", "indicator", "period", "value"]])

    def change(xml: str) -> str:
        body = "".join(f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(2, rows + 2))
        return xml.replace("</sheetData>", body + "</sheetData>")

    return rewrite_sheet(path, change)


def blank_bomb(path: Path, megabytes: int) -> Path:
    """A workbook whose sheet XML holds `megabytes` MB of spaces (a tiny file once zipped)."""
    workbook(path, [["unit", "indicator", "period", "value"]])
    return rewrite_sheet(path, lambda xml: xml.replace("<sheetData>", "<sheetData>" + " " * (megabytes << 20)))


if __name__ == "__main__":  # write the corpus's files into a folder, to look at them
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    (out / "billion_laughs.yaml").write_text(billion_laughs())
    (out / "deep.yaml").write_text(deep_yaml())
    (out / "deep.json").write_text(deep_json())
