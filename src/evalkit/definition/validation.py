"""Checking a definition file: a scorecard, or a review or roll-up definition, told apart by their marker
keys (`evalkit validate FILE`). Every problem is reported at once, as a DefinitionError.

Review and roll-up definitions are read by their own packages (evalkit.reviews.review and
evalkit.analysis.period_rollup), imported here only when the file is one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from evalkit.errors import DefinitionError
from evalkit.plugins.manager import Registry

KIND_NAMES = {"scorecard": "scorecard", "review": "review definition", "rollup": "roll-up definition"}


def definition_kind(data: Any) -> str:
    """"review" (an ``evalkit_review`` key), "rollup" (``parts`` and no ``dimensions``) or "scorecard"."""
    data = data if isinstance(data, dict) else {}
    if "evalkit_review" in data:
        return "review"
    if "parts" in data and "dimensions" not in data:
        return "rollup"
    return "scorecard"


@attrs.frozen
class ValidationReport:
    """A definition file that passed every check: what it is and the warnings about it (a scorecard's)."""

    file: str
    kind: str  # scorecard, review or rollup
    warnings: tuple[str, ...] = ()

    @property
    def what(self) -> str:
        """The kind in words: scorecard, review definition, roll-up definition."""
        return KIND_NAMES[self.kind]

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON: the file, that it is valid, its kind and the warnings."""
        return {"file": self.file, "valid": True, "kind": self.kind, "warnings": list(self.warnings)}

    def text(self) -> str:
        """The line `evalkit validate` prints: "FILE: valid scorecard"."""
        return f"{self.file}: valid {self.what}"


def validate_file(path: str | Path, registry: Registry | Callable[[], Registry] | None = None) -> ValidationReport:
    """Check a scorecard, review or roll-up definition file against its schema and the checks a schema cannot make.

    `registry` (or a function that makes one, called only for a scorecard; default: the installed plugins)
    resolves a scorecard's rules. Raises DefinitionError listing every problem.
    """
    from evalkit.definition.documents import load_document

    document = load_document(path)
    kind = definition_kind(document.data)
    if kind == "review":
        from evalkit.reviews.review import load_review

        load_review(document)
        return ValidationReport(file=str(path), kind=kind)
    if kind == "rollup":
        from evalkit.analysis.period_rollup import load_rollup

        load_rollup(document)
        return ValidationReport(file=str(path), kind=kind)
    from evalkit.definition.scorecard import load_scorecard, validate

    if registry is None:
        from evalkit.plugins.manager import default_registry

        registry = default_registry()
    elif not isinstance(registry, Registry):
        registry = registry()
    problems = validate(document, registry)
    if problems:
        raise DefinitionError(problems)
    return ValidationReport(file=str(path), kind=kind, warnings=tuple(str(w) for w in load_scorecard(document, registry).warnings))
