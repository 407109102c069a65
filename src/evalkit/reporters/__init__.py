"""Reporters: each turns an Evaluation into one output format (`--format NAME`)."""

from evalkit.reporters.base import EXTRA_KINDS, Reporter, ReportExtras, ReportOptions

__all__ = ["EXTRA_KINDS", "ReportExtras", "ReportOptions", "Reporter"]
