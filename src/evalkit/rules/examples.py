"""Worked examples of the built-in rules, for `evalkit rules NAME`: an item's parameters and a value to score.

Each example is scored for real (a one-item scorecard on the values given) so the sentence `evalkit rules
NAME` prints is the rule's own explanation. A plugin rule may set an `example` class attribute of the same
shape: ``{"params": {...}, "max_points": 10, "direction": "higher", "values": [value of the unit shown,
values of its peers...]}``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EXAMPLES"]

EXAMPLES: dict[str, dict[str, Any]] = {
    "linear": {"params": {"lower": 60, "upper": 100}, "max_points": 15, "values": [85]},
    "tiers": {"params": {"tiers": [{"threshold": 98, "points": 10}, {"threshold": 95, "points": 9},
                                   {"threshold": 90, "points": 7}], "otherwise": 0},
              "max_points": 10, "values": [96.5]},
    "target": {"params": {"target": 32}, "max_points": 15, "values": [28]},
    "per_event": {"params": {"per_event": 1.5, "cap": 15}, "max_points": 15, "direction": "lower", "values": [3]},
    "pass_fail": {"params": {}, "max_points": 5, "values": [1]},
    "stabilize": {"params": {"low": 95, "high": 105, "zero_below": 80, "zero_above": 120}, "max_points": 10,
                  "values": [110]},
    "okr": {"params": {"scale": 1, "pass_mark": 0.7}, "max_points": 20, "values": [0.55]},
    "percentile": {"params": {}, "max_points": 10, "values": [82, 75, 90, 68, 88]},
    "zscore": {"params": {}, "max_points": 10, "values": [82, 75, 90, 68, 88]},
    "rank_points": {"params": {"table": [10, 8, 6]}, "max_points": 10, "values": [88, 75, 90, 68, 82]},
    "shortfall": {"params": {"standard": 95, "bands": [{"below": 95, "per_point": 0.5}, {"below": 90, "per_point": 1}]},
                  "max_points": 10, "values": [88]},
}
