"""Scoring rules: the contract (`base`) and the built-in rules, one module each."""

from evalkit.rules.base import ParamProblem, Rule, RuleContext, scalar_rule

__all__ = ["ParamProblem", "Rule", "RuleContext", "scalar_rule"]
