"""Registers the built-in scoring rules, exactly as a department plugin registers its own."""

from evalkit.hookspecs import hookimpl
from evalkit.rules.linear import LinearRule
from evalkit.rules.per_event import PerEventRule
from evalkit.rules.target import TargetRule
from evalkit.rules.tiers import TiersRule


@hookimpl
def evalkit_register_rules(register):
    for rule in (LinearRule(), TiersRule(), TargetRule(), PerEventRule()):
        register(rule)
