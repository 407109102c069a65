"""The HTML report: self-contained, escaped, deterministic, and small for 10,000 units (the content at that size is
checked in test_column_built.py; its time is measured in benchmarks/bench_writers.py, not here)."""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser

import pytest

from evalkit.reporters.html import STATIC_CHARTS

from .conftest import render, synthetic

NASTY = ['<script>alert("x")</script>', "A & B 党支部", "\"quoted\" 'single'", "</details><b>", "]]>--><!--", "=1+2",
         "\u2028line"]


class Collector(HTMLParser):
    """Tags, attributes and text as a browser's parser sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)


def parse(html: str) -> Collector:
    c = Collector()
    c.feed(html)
    c.close()
    return c


def test_unit_names_and_reasons_are_escaped_everywhere():
    records = [{"unit": "S00001", "item": "honours", "points": 1, "reason": "<img src=x onerror=alert(1)>",
                "evidence": "a&b"}]
    plain = [f"单位{i}" for i in range(len(NASTY))]
    html = render(synthetic(len(NASTY), names=NASTY, adjustments=records), "html")
    parsed = parse(html)
    reference = parse(render(synthetic(len(NASTY), names=plain, adjustments=[{**records[0], "reason": "x", "evidence": "y"}]),
                             "html"))
    # The same elements and attributes as with harmless names: nothing was injected, nothing was cut.
    assert [(t, sorted(a)) for t, a in parsed.tags] == [(t, sorted(a)) for t, a in reference.tags]
    text = "".join(parsed.text)
    for name in NASTY:
        assert name in text  # shown as written
    assert "<img src=x onerror=alert(1)>" in text and "a&b" in text
    data = next(s for s in parsed.scripts if s.startswith("{"))
    assert "<" not in data and json.loads(data)["decimals"] == 2


def test_self_contained_nothing_from_the_network():
    html = render(synthetic(20), "html")
    parsed = parse(html)
    for tag, attrs in parsed.tags:
        assert "src" not in attrs, tag
        if tag == "link":
            pytest.fail("no <link>: styles are inline")
        href = attrs.get("href")
        assert href is None or href.startswith("#"), href
    assert "@import" not in html and "url(" not in html and "@font-face" not in html
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", html)  # the SVG namespace is a name, not a request


def test_language_and_labels_follow_lang():
    ev = synthetic(12)
    zh, en = render(ev, "html", "zh"), render(ev, "html", "en")
    assert '<html lang="zh-CN">' in zh and "排名" in zh and "各单位得分说明" in zh
    assert '<html lang="en">' in en and "Ranking" in en and "Each unit's points explained" in en.replace("&#x27;", "'")
    assert "排名" not in en and "各单位" not in en


def test_two_renders_are_byte_identical(monkeypatch):
    ev = synthetic(50)
    first = render(ev, "html")
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)
    assert render(ev, "html") == first


def test_sections_hold_every_explanation_line(quickstart_eval):
    html = render(quickstart_eval, "html")
    text = "".join(parse(html).text)
    for uid in quickstart_eval.units.ids:
        for line in quickstart_eval.explain(uid, "zh")[1:]:
            assert line in text
    assert "一票否决「发生严重违纪案件」" in text  # the veto line
    assert html.count("<svg") == len(quickstart_eval.units) + 3  # a chart per unit plus three summaries


def test_a_large_report_summarises_and_draws_unit_charts_on_demand():
    n = STATIC_CHARTS + 100
    ev = synthetic(n)
    html = render(ev, "html")
    assert html.count("<svg") == 3  # only the summaries; unit charts come from data-s when a section is opened
    assert html.count('<details class="unit"') == n
    assert len(re.findall(r'data-s="[0-9.,]*"', html)) == n
    assert html.count("<tr data-u=") == n


