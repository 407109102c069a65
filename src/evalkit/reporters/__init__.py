"""Reporters: each turns an Evaluation into one output format (`--format NAME`)."""

from evalkit.reporters.base import Reporter

__all__ = ["Reporter"]
