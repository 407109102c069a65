"""Hostile cells in files large enough for the column-wise paths: they reach no output as formulas.

Found by hand from the CLI (issue 14 review): a units file and a rank matrix over SMALL_CSV_BYTES, with
names that a spreadsheet would run, written back as CSV by `evalkit run` and `evalkit rank`.
"""

from __future__ import annotations

import csv

from evalkit.cli import main
from evalkit.io.safe_text import is_formula_like, spreadsheet_text

from .conftest import EXAMPLES

QUICK = EXAMPLES / "quickstart"
HOSTILE = ("=cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "+1")  # "+1" is a signed number, not a formula: kept


def rows_of(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_a_large_units_file_with_formula_names_gives_a_csv_without_formulas(tmp_path):
    data_rows = rows_of(QUICK / "data.csv")
    first = [r for r in data_rows[1:] if r[0] == "U01"]
    n = 3000  # data file well over SMALL_CSV_BYTES: read column by column
    units = ["id,name,type,parent"] + [f"X{i},{HOSTILE[i % 4] if i < 8 else f'党支部{i}'},党委部门," for i in range(n)]
    (tmp_path / "units.csv").write_text("\n".join(units) + "\n", encoding="utf-8")
    lines = ["unit,indicator,period,value"] + [f"X{i},{r[1]},{r[2]},{r[3]}" for i in range(n) for r in first]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["run", str(QUICK / "scorecard.yaml"), "--data", str(tmp_path / "data.csv"),
                 "--units", str(tmp_path / "units.csv"), "-o", str(out)]) == 0
    cells = [cell for row in rows_of(out) for cell in row]
    assert not [c for c in cells if is_formula_like(c)]
    assert "'=cmd|' /C calc'!A0" in cells and "'-2+3" in cells and "'@SUM(A1)" in cells and "+1" in cells
    assert "党支部2999" in cells


def test_a_large_rank_matrix_with_formula_names_gives_a_csv_without_formulas(tmp_path):
    n = 20000
    lines = ["unit,name,c1,c2"] + [f"U{i},{HOSTILE[i % 4] if i < 8 else f'单位{i}'},{i % 97 + 1},{i % 89 + 1}"
                                   for i in range(n)]
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["rank", str(tmp_path / "m.csv"), "--method", "topsis", "--weights", "1/2,1/2", "-o", str(out)]) == 0
    names = [row[2] for row in rows_of(out)[1:]]
    assert not [name for name in names if is_formula_like(name)]
    assert sorted([name for name in names if not name.startswith("单位")]) == sorted(
        spreadsheet_text(h) for h in HOSTILE for _ in range(2))
    assert "单位19999" in names
