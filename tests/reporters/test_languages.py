"""Every label follows --lang: in English, a report of English names holds no Chinese character at all."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from evalkit.reporters.common import LABELS

from .conftest import render, synthetic

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def test_every_label_has_both_languages():
    for key, (zh, en) in LABELS.items():
        assert zh and en is not None, key
        assert CJK.search(zh) or not zh.strip() or key == "units_suffix", key
        assert not CJK.search(en), key


@pytest.mark.parametrize("fmt", ["table", "csv", "xlsx", "html", "markdown"])
def test_english_reports_have_no_chinese_label(fmt):
    records = [{"unit": "S00001", "item": "honours", "points": 2, "reason": "city award", "evidence": "doc 18"},
               {"unit": "S00002", "item": "reporting", "points": 1, "reason": "late"},
               {"unit": "S00003", "item": "discipline_case", "authority": "commission"}]
    ev = synthetic(40, names=[f"Branch {i}" for i in range(40)], adjustments=records)
    content = render(ev, fmt, "en")
    if isinstance(content, bytes):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    measures = "".join(ind.unit for ind in ev.scorecard.indicators.values())  # 人, 次: the scorecard's own data
    found = sorted(set(CJK.findall(content)) - set(measures))
    assert not found, found


@pytest.mark.parametrize("fmt", ["xlsx", "html", "markdown"])
def test_chinese_reports_use_chinese_labels(quickstart_eval, fmt):
    content = render(quickstart_eval, fmt, "zh")
    if fmt == "html":
        content = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", content, flags=re.S)
    if isinstance(content, bytes):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = archive.read("xl/sharedStrings.xml").decode("utf-8") + archive.read("xl/workbook.xml").decode()
    for word in ("排名", "总分", "等次"):
        assert word in content
    for word in ("Rank", "Total", "Grade"):
        assert word not in content
