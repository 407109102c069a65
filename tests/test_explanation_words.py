"""Explanations read as the scorecard is written: weights at its declared decimals (权重 13.33 分, not
13.333333), and in Chinese text the rule's Chinese title ([线性插值], not [linear])."""

from __future__ import annotations

import re

import pytest

from tests.reporters.conftest import evaluate_example, runnable_examples

EXAMPLES = runnable_examples()
WEIGHT = re.compile(r"权重 (-?[0-9.]+) 分，计入 (-?[0-9.]+) 分|worth (-?[0-9.]+) of the total: counts (-?[0-9.]+)")
BRACKET = re.compile(r"^\s+\S.* \[([^\]]+)\]: ")


@pytest.mark.parametrize("example,args", EXAMPLES, ids=[e for e, _ in EXAMPLES])
def test_weights_at_declared_decimals_and_chinese_rule_titles(example, args):
    ev = evaluate_example(args)
    d = ev.scorecard.rounding_decimals
    registry_titles = {r.rule.name: r.rule.title for r in ev.items.values()}
    for unit in ev.units.ids[:20]:
        for lang in ("zh", "en"):
            for line in ev.explain(unit, lang):
                for number in (n for m in WEIGHT.finditer(line) for n in m.groups() if n):
                    assert len(number.partition(".")[2]) <= d, (example, unit, line)
                m = BRACKET.match(line)
                if m and lang == "zh":
                    title = m.group(1)
                    named = [t for t in registry_titles.values() if t.zh == title]
                    assert named or not title.isascii(), (example, line)


def test_a_weight_of_a_third_reads_13_33():
    """Three items sharing 40 points: 13.333... each, written at the scorecard's 2 decimals."""
    import evalkit

    card = evalkit.load_scorecard({
        "id": "thirds", "name": {"zh": "三分之一", "en": "thirds"}, "period": "2025",
        "indicators": [{"id": k, "name": k} for k in ("a", "b", "c")],
        "dimensions": [{"id": "d", "name": "维度", "max_points": 40, "children": [
            {"id": k, "name": k, "indicator": k, "weight": 1 / 3, "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}}
            for k in ("a", "b", "c")]}]})
    ev = evalkit.evaluate(card, {"a": {"u": 50}, "b": {"u": 100}, "c": {"u": 0}})
    text = "\n".join(ev.explain("u", "zh"))
    assert "权重 13.33 分，计入 6.67 分" in text and "[线性插值]" in text and "13.333333" not in text
