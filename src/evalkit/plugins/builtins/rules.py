"""Registers the built-in scoring rules, exactly as a department plugin registers its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from evalkit.plugins.hookspecs import hookimpl
from evalkit.rules.achievement_improvement import AchievementImprovementRule
from evalkit.rules.base_slope import BaseSlopeRule
from evalkit.rules.clauses import ClausesRule
from evalkit.rules.grade_words import GradeWordsRule
from evalkit.rules.linear import LinearRule
from evalkit.rules.okr import OkrRule
from evalkit.rules.pass_fail import PassFailRule
from evalkit.rules.per_event import PerEventRule
from evalkit.rules.percentile import PercentileRule
from evalkit.rules.rank_points import RankPointsRule
from evalkit.rules.satisfaction import SatisfactionIndexRule
from evalkit.rules.shortfall import ShortfallRule
from evalkit.rules.stabilize import StabilizeRule
from evalkit.rules.target import TargetRule
from evalkit.rules.tiers import TiersRule
from evalkit.rules.zscore import ZScoreRule

if TYPE_CHECKING:
    from evalkit.rules.base import Rule


@hookimpl
def evalkit_register_rules(register: Callable[[Rule], None]) -> None:
    """Register the built-in rules."""
    for rule in (LinearRule(), TiersRule(), TargetRule(), PerEventRule(), BaseSlopeRule(), ShortfallRule(),
                 GradeWordsRule(), PassFailRule(), StabilizeRule(), OkrRule(), SatisfactionIndexRule(),
                 PercentileRule(), ZScoreRule(), RankPointsRule(), AchievementImprovementRule(), ClausesRule()):
        register(rule)
