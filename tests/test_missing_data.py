"""Silent zeros are not silent: units without data, blank cells scored 0 and cells re-weighted away are
counted on stderr, listed under `missing_data` in the JSON, and noted in the markdown, html and xlsx
reports (evalkit.scoring.missing)."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.cli import main
from evalkit.definition.schemas import base_schema

ROOT = Path(__file__).resolve().parent.parent
Q = ROOT / "examples" / "quickstart"
UNITS = [f"U{k:02d}" for k in range(1, 13)]
# The quickstart's items: meetings (meetings_rate) and dues (dues_on_time) score a missing value 0;
# study (study_hours) re-weights it to its siblings (examples/quickstart/scorecard.yaml).
# The quickstart leaves two cells blank on purpose: U11's satisfaction (scored 0), U06's study hours (re-weighted).
BLANK = {"scored_zero": {"satisfaction": ["U11"]}, "reweighted": {"study": ["U06"]}}
DROPPABLE = {"meetings_rate": ("meetings", "scored_zero"), "dues_on_time": ("dues", "scored_zero"),
             "study_hours": ("study", "reweighted")}


def folder_with(tmp_path: Path, drop: set[tuple[str, str]] = frozenset(), extra_unit: bool = False) -> Path:
    """A copy of the quickstart without the (unit, indicator) rows in `drop`; U13 in the units file only."""
    for name in ("scorecard.yaml", "units.csv", "adjustments.csv"):
        shutil.copy(Q / name, tmp_path / name)
    with open(Q / "data.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    with open(tmp_path / "data.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(r for r in rows if (r[0], r[1]) not in drop)
    if extra_unit:
        with open(tmp_path / "units.csv", "a", encoding="utf-8") as f:
            f.write("U13,县新设机构党支部,政府部门,\n")
    return tmp_path


def run(capsys, folder: Path, *extra: object) -> tuple[int, str, str]:
    code = main(["run", str(folder / "scorecard.yaml"), "--data", str(folder / "data.csv"), "--units",
                 str(folder / "units.csv"), *map(str, extra)])
    out, err = capsys.readouterr()
    return code, out, err


def test_nothing_missing_nothing_said(tmp_path, capsys):
    folder = folder_with(tmp_path)
    with open(folder / "data.csv", "a", encoding="utf-8") as f:
        f.write("U11,satisfaction,2025,80\nU06,study_hours,2025,30\n")
    code, out, err = run(capsys, folder, "--format", "json")
    assert code == 0 and "missing data" not in err and "缺失数据" not in err
    assert json.loads(out)["missing_data"] == {"units_without_data": [], "scored_zero": {}, "reweighted": {}}


def test_the_quickstart_says_what_it_left_blank(tmp_path, capsys):
    code, out, err = run(capsys, folder_with(tmp_path), "--format", "json", "--lang", "en")
    assert code == 0 and json.loads(out)["missing_data"] == {"units_without_data": [], **BLANK}
    assert "missing data: 1 blank cell scored 0 (1 unit, 1 item); 1 blank cell re-weighted away (1 unit, 1 item)" in err


def test_a_unit_without_data_and_blank_cells_are_counted_and_listed(tmp_path, capsys):
    folder = folder_with(tmp_path, {("U03", "meetings_rate"), ("U05", "study_hours")}, extra_unit=True)
    folder_data = (folder / "data.csv").read_text(encoding="utf-8")
    (folder / "data.csv").write_text(folder_data + "U11,satisfaction,2025,80\nU06,study_hours,2025,30\n", encoding="utf-8")
    code, out, err = run(capsys, folder, "--format", "json", "--lang", "en")
    assert code == 0
    lines = [line for line in err.splitlines() if "missing data" in line]
    assert lines == ["evalkit: note: missing data: 1 unit without any data (U13), every item scored as missing; "
                     "1 blank cell scored 0 (1 unit, 1 item); 1 blank cell re-weighted away (1 unit, 1 item) "
                     "(listed under missing_data in --format json)"]
    doc = json.loads(out)
    assert doc["missing_data"] == {"units_without_data": ["U13"], "scored_zero": {"meetings": ["U03"]},
                                   "reweighted": {"study": ["U05"]}}
    jsonschema.Draft202012Validator(base_schema("result.schema.json")).validate(doc)
    u13 = next(u for u in doc["units"] if u["id"] == "U13")
    assert u13["items"]["meetings"]["missing"] == "missing_scored_zero"

    code, _out, err = run(capsys, folder)  # Chinese scorecard: the summary in Chinese
    assert "evalkit: note: 缺失数据：1 个单位无任何数据（U13）" in err


def test_reports_note_the_missing_data(tmp_path, capsys):
    folder = folder_with(tmp_path, {("U03", "meetings_rate")}, extra_unit=True)
    note = "1 个单位无任何数据（U13）"
    code, out, _ = run(capsys, folder, "--format", "markdown")
    assert code == 0 and f"- 缺失数据：{note}" in out
    code, out, _ = run(capsys, folder, "--format", "html")
    assert code == 0 and '<p class="meta missing">缺失数据：' in out and note in out
    path = tmp_path / "r.xlsx"
    assert run(capsys, folder, "-o", path)[0] == 0
    strings = zipfile.ZipFile(path).read("xl/sharedStrings.xml").decode("utf-8") if "xl/sharedStrings.xml" in \
        zipfile.ZipFile(path).namelist() else "".join(zipfile.ZipFile(path).read(n).decode("utf-8", "replace")
                                                    for n in zipfile.ZipFile(path).namelist() if n.endswith(".xml"))
    assert note in strings and "无数据单位" in strings


@settings(max_examples=15, deadline=None)
@given(st.sets(st.tuples(st.sampled_from(UNITS), st.sampled_from(sorted(DROPPABLE))), max_size=12))
def test_every_dropped_cell_is_listed_under_its_policy(tmp_path_factory, drop):
    import contextlib
    import io

    folder = folder_with(tmp_path_factory.mktemp("drop"), drop)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["run", str(folder / "scorecard.yaml"), "--data", str(folder / "data.csv"), "--units",
                     str(folder / "units.csv"), "--format", "json", "--lang", "en"]) == 0
    expected: dict[str, dict[str, list[str]]] = {k: {i: list(u) for i, u in v.items()} for k, v in BLANK.items()}
    for unit, indicator in sorted(drop):
        item, kind = DROPPABLE[indicator]
        if unit not in expected[kind].get(item, []):
            expected[kind].setdefault(item, []).append(unit)
    for cells in expected.values():
        for item in cells:
            cells[item].sort()
    missing = json.loads(out.getvalue())["missing_data"]
    assert missing == {"units_without_data": [], **expected}
    zero_cells = sum(len(v) for v in expected["scored_zero"].values())
    assert f"{zero_cells} blank cell{'' if zero_cells == 1 else 's'} scored 0" in err.getvalue()
