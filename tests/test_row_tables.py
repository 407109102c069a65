"""`evalkit rank --format table` of many units is written directly, character for character what rich draws."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit.cli.rank_cmd import rank_text
from evalkit.methods.rank_report import rank_units
from evalkit.plugins.manager import default_registry

NAMES = st.sampled_from(["组织部", "县委办公室", "Finance", "西区 街道", "[试点]", "a" * 30, "Ｆｕｌｌ", "e\u0301"])


def matrix_file(path, names, seed) -> str:
    rng = np.random.default_rng(seed)
    lines = ["unit,name,c1,c2,c3"]
    for k, name in enumerate(names):
        values = np.round(rng.uniform(0, 100, 3), rng.integers(0, 3))
        lines.append(f"U{k:04d},{name}," + ",".join(repr(float(v)) for v in values))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def both(monkeypatch, path: str, method: str) -> tuple[str, str]:
    import evalkit.reporters.table

    doc = rank_units(path, default_registry(), method, weights="entropy").to_dict()
    args = argparse.Namespace(output="out.txt")  # not a terminal: 200 columns, no colour
    direct = rank_text(args, doc)
    with monkeypatch.context() as patch:
        patch.setattr(evalkit.reporters.table, "FAST_ROWS", 10**9)
        drawn = rank_text(args, doc)
    return direct, drawn


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(NAMES, min_size=200, max_size=260), method=st.sampled_from(["topsis", "vikor", "grey", "saw"]),
       seed=st.integers(0, 99))
def test_a_large_rank_table_is_what_rich_draws(tmp_path, monkeypatch, names, method, seed):
    path = matrix_file(tmp_path / "m.csv", names, seed)
    direct, drawn = both(monkeypatch, path, method)
    assert direct == drawn
    assert "┏" in direct and direct.count("\n") > len(names)


def test_a_cell_with_a_control_character_is_left_to_rich(tmp_path, monkeypatch):
    import evalkit.reporters.table

    calls = []
    real = evalkit.reporters.table.plain_table
    monkeypatch.setattr(evalkit.reporters.table, "plain_table", lambda *a: calls.append(real(*a)) or calls[-1])
    path = matrix_file(tmp_path / "m.csv", ["a\x1bb"] + ["组织部"] * 250, 1)
    direct, drawn = both(monkeypatch, path, "topsis")
    assert calls and calls[0] is None  # not drawn directly ...
    assert direct == drawn and "\\x1b" in direct  # ... and rich shows the control character escaped, as before


@pytest.mark.parametrize("rows", [10, 199])
def test_small_tables_are_drawn_by_rich(tmp_path, monkeypatch, rows):
    import evalkit.reporters.table

    monkeypatch.setattr(evalkit.reporters.table, "plain_table", lambda *a: pytest.fail("drawn directly"))
    path = matrix_file(tmp_path / "m.csv", ["组织部"] * rows, 2)
    doc = rank_units(path, default_registry(), "topsis", weights="entropy").to_dict()
    assert "┏" in rank_text(argparse.Namespace(output="out.txt"), doc)
