"""The CLI guides a newcomer: `evalkit rules NAME` shows one rule with its parameters, a worked example and the
sentence explain writes; suggestions compare whole ids (T1 -> T01, not T21); a wrong rule parameter names the
unknown keys and every missing one once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit.cli import main
from evalkit.io.table import closest, edit_distance, unknown_text
from evalkit.rules.examples import EXAMPLES

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_rules_name_shows_parameters_example_and_sentence(capsys):
    code, out, err = run(capsys, "rules", "tiers")
    assert code == 0 and err == ""
    assert out.startswith("tiers  分档计分 / Tiers")
    assert "  tiers: array, required 必填" in out and "  otherwise: number, default 默认 0." in out
    assert "→ 实际值 96.5 ≥ 95，该档得 9 分" in out  # 96.5 reaches the 95 threshold, which earns 9 of 10
    code, out, _ = run(capsys, "rules", "tiers", "--lang", "en", "--format", "json")
    doc = json.loads(out)
    assert doc["name"] == "tiers" and doc["example"]["values"] == [96.5] and "9" in doc["explanation"]["en"]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_worked_example_scores(capsys, name):
    code, out, _ = run(capsys, "rules", name, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["explanation"] and doc["explanation"]["zh"] and doc["explanation"]["en"]


def test_rules_unknown_name_suggests(capsys):
    code, _out, err = run(capsys, "rules", "tier")
    assert code == 64 and "evalkit rules: no rule 'tier'; did you mean 'tiers'?" in err


def test_suggestions_use_whole_ids():
    assert closest("T1", ["T21", "T01", "T11"]) == ["T01"]
    assert closest("u07", ["U17", "U07"]) == ["U07"]
    assert closest("meetngs", ["meetings", "meeting_rate", "dues"]) == ["meetings"]
    assert closest("xyz", ["meetings", "dues"]) == []
    assert unknown_text("unit", "T1", ["T21", "T01"], {}) == "unknown unit; did you mean 'T01'?"


@given(st.text("abcdefgh0123456789", min_size=1, max_size=8), st.text("abcdefgh0123456789", min_size=1, max_size=8))
def test_edit_distance_is_a_metric(a, b):
    assert edit_distance(a, b) == edit_distance(b, a)
    assert (edit_distance(a, b) == 0) == (a == b)
    assert abs(len(a) - len(b)) <= edit_distance(a, b) <= max(len(a), len(b))


@given(st.lists(st.text("ABT0123456789", min_size=1, max_size=5), min_size=1, max_size=20, unique=True))
def test_an_exact_id_is_its_own_closest(ids):
    for uid in ids:
        assert uid in closest(uid, ids, limit=len(ids))


def test_wrong_rule_parameters_name_unknown_and_missing_keys_once(tmp_path, capsys):
    for name in ("scorecard.yaml", "data.csv", "units.csv"):
        shutil.copy(ROOT / "examples" / "quickstart" / name, tmp_path / name)
    card = tmp_path / "scorecard.yaml"
    card.write_text(card.read_text(encoding="utf-8").replace("params: {lower: 60, upper: 100}", "params: {min: 60, max: 100}", 1),
                    encoding="utf-8")
    code, _out, err = run(capsys, "validate", card)
    assert code == 2
    assert err.count("the properties 'lower', 'upper' are missing") == 1
    assert "rule.params.min: unknown property 'min'" in err and "rule.params.max: unknown property 'max'" in err
    assert "3 problems" in err
