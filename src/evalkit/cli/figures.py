"""What `benchmarks`, `targets` and `history` share: the data inputs, JSON text, and numbers in tables."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from typing import Any

FORMATS = ("table", "json", "csv")

HEAD = {
    "indicator": ("指标", "Indicator"), "group": ("同类组", "Peer group"), "n": ("数量", "n"),
    "mean": ("均值", "Mean"), "median": ("中位数", "Median"), "best": ("最佳", "Best"),
    "top_decile": ("前10%均值", "Top 10% mean"), "designated": ("标杆单位", "Benchmark unit"),
    "value": ("值", "Value"), "rank": ("排名", "Rank"), "benchmark": ("标杆", "Benchmark"), "gap": ("差距", "Gap"),
    "unit": ("单位", "Unit"), "id": ("编号", "ID"), "baseline": ("基期", "Baseline"), "target": ("目标", "Target"),
    "due": ("期限", "Due"), "expected": ("应达", "Expected"), "actual": ("实际", "Actual"), "progress": ("进度", "Progress"),
    "status": ("状态", "Status"),
}


def heading(key: str, lang: str) -> str:
    """A column heading in the label language."""
    zh, en = HEAD.get(key, (key, key))
    return zh if lang == "zh" else en


def data_inputs(parser: argparse.ArgumentParser, formats: Sequence[str] = FORMATS, format_help: str | None = None) -> None:
    """SCORECARD, --data, --units, --period, --lang, --format and -o."""
    parser.add_argument("scorecard", metavar="SCORECARD", help="scorecard file (.yaml or .json): indicators and directions")
    parser.add_argument("--data", required=True, metavar="FILE", help="values in long format (.csv, .xlsx or .json)")
    parser.add_argument("--units", required=True, metavar="FILE", help="units file: id, name, type, parent, other columns")
    parser.add_argument("--period", metavar="P", help="the period (default: the scorecard's)")
    from evalkit.cli.formats import output_options

    output_options(parser, formats, format_help)


def load(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """(scorecard, data of the period, registry), read the way every scoring command reads them."""
    from evalkit.cli import registry_from
    from evalkit.cli.common import load_inputs

    registry = registry_from(args)
    scorecard, _units, data, _records = load_inputs(args, registry)
    return scorecard, data, registry


def lang_of(args: argparse.Namespace, scorecard: Any) -> str:
    from evalkit.cli.common import default_lang

    return args.lang or default_lang(scorecard)


def json_text(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def number(value: float | None, decimals: int = 2, signed: bool = False) -> str:
    """A number for a table: rounded half up to `decimals`, trailing zeros dropped; '' for none."""
    from evalkit.rules.base import fmt
    from evalkit.scoring.rounding import round_array

    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    text = fmt(float(round_array(float(value), decimals)))
    return ("+" + text if signed and not text.startswith("-") and text != "0" else text)


def text(value: object) -> Any:
    """A cell shown as it is (no rich markup)."""
    from rich.text import Text

    return Text(str(value))
