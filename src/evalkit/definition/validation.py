"""Checking a definition file: a scorecard, or a review or roll-up definition, told apart by their marker
keys (`evalkit validate FILE`). Every problem is reported at once, in a ValidationReport.

Review and roll-up definitions are read by their own packages (evalkit.reviews.review and
evalkit.analysis.period_rollup), imported here only when the file is one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from evalkit.errors import DefinitionError, Problem
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
    """What a definition file is, every problem that makes it invalid, and the warnings about it (a scorecard's)."""

    file: str
    kind: str  # scorecard, review or rollup
    warnings: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def valid(self) -> bool:
        """True when the file passed every check (warnings do not count)."""
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise the DefinitionError that lists every problem, if there is any."""
        if self.problems:
            raise DefinitionError(list(self.problems))

    @property
    def what(self) -> str:
        """The kind in words: scorecard, review definition, roll-up definition."""
        return KIND_NAMES[self.kind]

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON (`evalkit validate --format json`): file, valid, kind, problems, warnings."""
        return {"file": self.file, "valid": self.valid, "kind": self.kind,
                "problems": [p.to_dict() for p in self.problems], "warnings": list(self.warnings)}

    def text(self) -> str:
        """What `evalkit validate` prints: "FILE: valid scorecard", or every problem, one a line."""
        if self.valid:
            return f"{self.file}: valid {self.what}"
        return "\n".join(str(p) for p in self.problems)


def validate_file(path: str | Path, registry: Registry | Callable[[], Registry] | None = None) -> ValidationReport:
    """Check a scorecard, review or roll-up definition file against its schema and the checks a schema cannot make.

    `registry` (or a function that makes one, called only for a scorecard; default: the installed plugins)
    resolves a scorecard's rules. Every problem found is in the report (`valid` is then False); a file that
    cannot be read raises FileAccessError.
    """
    from evalkit.definition.documents import load_document

    kind = "scorecard"
    try:
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
            return ValidationReport(file=str(path), kind=kind, problems=tuple(problems))
        warnings = tuple(str(w) for w in load_scorecard(document, registry).warnings)
        return ValidationReport(file=str(path), kind=kind, warnings=warnings)
    except DefinitionError as error:
        return ValidationReport(file=str(path), kind=kind, problems=tuple(error.problems))
