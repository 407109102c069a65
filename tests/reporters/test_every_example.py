"""Every runnable example under examples/ renders in every format, from the CLI, in both languages."""

from __future__ import annotations

import io
import json
import zipfile

import openpyxl
import pytest

from evalkit.cli import main

from .conftest import EXAMPLES, runnable_examples

FORMATS = ("table", "json", "csv", "xlsx", "html", "markdown")
CASES = runnable_examples()


def test_the_examples_are_found():
    names = {name for name, _ in CASES}
    assert {"quickstart", "quickstart+adjustments"} <= names


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name,args", CASES, ids=[c[0] for c in CASES])
def test_every_example_in_every_format(tmp_path, capsys, name, args, lang):
    outputs = {}
    for fmt in FORMATS:
        out = tmp_path / f"report.{fmt}"
        code = main(["run", *args, "--format", fmt, "--lang", lang, "-o", str(out)])
        _, err = capsys.readouterr()
        assert code == 0, err
        assert "Traceback" not in err and "internal error" not in err
        outputs[fmt] = out.read_bytes()
        assert outputs[fmt], fmt
    result = json.loads(outputs["json"])
    first = result["units"][0]
    # Each human-readable report names the best unit and shows its total with the declared decimals.
    total = f"{first['total']:.{result['scorecard']['rounding']['decimals']}f}"
    for fmt in ("table", "csv", "html", "markdown"):
        text = outputs[fmt].decode("utf-8")
        assert first["name"] in text, fmt
        assert total in text, fmt
    workbook = openpyxl.load_workbook(io.BytesIO(outputs["xlsx"]), read_only=True)
    summary = workbook.worksheets[0]
    assert summary.title == ("汇总" if lang == "zh" else "Summary")
    row = next(summary.iter_rows(min_row=2, max_row=2, values_only=True))
    assert row[1] == first["id"] and row[2] == first["name"]
    workbook.close()
    assert zipfile.ZipFile(io.BytesIO(outputs["xlsx"])).testzip() is None
    html = outputs["html"].decode("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in html
    assert len(result["units"]) == html.count('<details class="unit"')


def test_the_reviews_example_after_its_review_step(tmp_path, capsys):
    """examples/reviews scores the output of `evalkit review`: run that first, as its README does."""
    folder = EXAMPLES / "reviews"
    if not (folder / "review.yaml").is_file():
        pytest.skip("examples/reviews is not there")
    units = EXAMPLES / "quickstart" / "units.csv"
    review = tmp_path / "review.csv"
    code = main(["review", str(folder / "review.yaml"), "--ballots", str(folder / "ballots.csv"), "--units", str(units),
                 "--format", "csv", "-o", str(review)])
    capsys.readouterr()
    assert code == 0
    for fmt in FORMATS:
        out = tmp_path / f"report.{fmt}"
        code = main(["run", str(folder / "scorecard.yaml"), "--data", str(review), "--units", str(units),
                     "--format", fmt, "-o", str(out)])
        _, err = capsys.readouterr()
        assert code == 0, err
        assert out.stat().st_size > 0
