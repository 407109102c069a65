"""What a report shows beside the results, computed for an Evaluation: tier transitions from an earlier
result, benchmark gaps and target status (`ReportExtras`), the figures `evalkit compare`, `benchmarks` and
`targets` compute (evalkit.analysis.transitions, .benchmarks, .targets), asked for with an `ExtrasRequest`
(`evalkit run --compare-with/--marked/--benchmarks/--peer-group/--targets/--plan`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from evalkit.definition.model import Indicator, Item, Scorecard
from evalkit.io.data import DataSet
from evalkit.plugins.manager import Registry
from evalkit.reporters.base import ReportExtras
from evalkit.scoring.evaluation import Evaluation

if TYPE_CHECKING:
    from evalkit.analysis.transitions import MarkedRule  # imported when a report compares (a run starts without it)


@attrs.frozen
class ExtrasRequest:
    """The extras asked for; all off by default.

    - `compare_with`: an earlier result file (`evalkit run --format json -o`); `marked` declares "improved
      markedly" (a `MarkedRule`), `marked_among` overrides its ``stayed``/``all``; `allow_different_scorecards`
      compares with a result of another scorecard (a warning says so);
    - `benchmarks`: every indicator the items read that has values in the period, against its peers (`peer_group`:
      all, type, parent, level or a column of the units file);
    - `targets` (a table) and/or `plan` (a YAML/JSON plan): improvement targets assessed at the run's period;
      a targets row replaces the plan's for the same unit and indicator;
    - `rectification`: a history store (`evalkit run --store`): the register entries of the run's scorecard and
      period (opened from a stored run of it, or closed/flagged by one) and the open entries of its units.
    """

    compare_with: str | None = None
    marked: MarkedRule | str | None = None
    marked_among: str | None = None
    allow_different_scorecards: bool = False
    benchmarks: bool = False
    peer_group: str | None = None
    targets: str | None = None
    plan: str | None = None
    rectification: str | None = None

    def __bool__(self) -> bool:
        """Whether any extra is asked for."""
        return bool(self.compare_with or self.benchmarks or self.targets or self.plan or self.rectification)

    def files(self) -> tuple[str, ...]:
        """The files the request reads (an output must not be one of them)."""
        return tuple(f for f in (self.compare_with, self.targets, self.plan) if f)

    def marked_rule(self) -> MarkedRule | None:
        """The MarkedRule to apply, with `marked_among` in place of its own when given (None: none declared)."""
        from evalkit.analysis.transitions import MarkedRule

        marked = self.marked
        if isinstance(marked, str):
            marked = MarkedRule.parse(marked)
        if marked is not None and self.marked_among and self.marked_among != marked.among:
            marked = MarkedRule(marked.kind, marked.threshold, self.marked_among)
        return marked

    def read_before(self) -> dict[str, Any] | None:
        """The earlier result named by `compare_with`, checked (None when there is none)."""
        from evalkit.analysis.transitions import read_result

        return read_result(self.compare_with) if self.compare_with else None


def benchmarked_indicators(scorecard: Scorecard, data: DataSet) -> dict[str, Indicator]:
    """The indicators the scorecard's items read that have values in the period, in the scorecard's order.

    Not every declared indicator: a column that only feeds a rule's parameters (a target such as
    ``recruitment.target``) is no performance to benchmark.
    """
    read = {i for node, _, _ in scorecard.walk() if isinstance(node, Item) for i in node.indicators}
    return {k: v for k, v in scorecard.indicators.items() if k in read and k in data.columns}


def compute_report_extras(evaluation: Evaluation, data: DataSet, request: ExtrasRequest, registry: Registry | None = None, *,
                          before: Mapping[str, Any] | None = None, source: str | None = None,
                          warn: Callable[[str], None] | None = None) -> ReportExtras:
    """The extras `request` asks for, for `evaluation` scored on `data`: what xlsx, html and markdown reports show.

    `before` is the earlier result when already read (else `request.compare_with` is read); `source` names this
    run in messages (default: the scorecard's file); `warn` receives the comparison's warnings.
    """
    registry = registry if registry is not None else evaluation.scorecard.registry
    scorecard = evaluation.scorecard
    transitions = benchmarks = assessment = None
    if before is None and request.compare_with:
        before = request.read_before()
    if before is not None:
        from evalkit.analysis.transitions import compare

        transitions = compare(before, evaluation.to_dict(), request.marked_rule(),
                              allow_different_scorecards=request.allow_different_scorecards,
                              sources=(str(request.compare_with) if request.compare_with else None,
                                       str(source if source is not None else scorecard.source)))
        for warning in transitions.warnings:
            if warn is not None:
                warn(warning)
    if request.benchmarks or request.targets or request.plan:
        from evalkit.scoring.engine import with_derived

        data = with_derived(scorecard, data)[0]  # derived indicators of every period, as the benchmarks and targets commands
        indicators = dict(scorecard.indicators)
        if request.benchmarks:
            from evalkit.analysis.benchmarks import compute_benchmarks

            benchmarks = compute_benchmarks(data, benchmarked_indicators(scorecard, data),
                                            peer_group=request.peer_group or "all")
        if request.targets or request.plan:
            from evalkit.analysis.targets import Targets, assess, fast_targets, load_plan, read_targets, targets_from_plan
            from evalkit.io.inputs import read_table

            targets = Targets.from_rows(data.units, [])
            if request.plan:
                entries, _ = load_plan(request.plan, indicators, data.units)
                targets = targets_from_plan(entries, data, indicators, decimals=scorecard.rounding_decimals,
                                            rounding_mode=scorecard.rounding_mode, source=request.plan)
            if request.targets:  # a clean CSV column by column, anything else (and any problem) row by row
                explicit = fast_targets(request.targets, registry, data, indicators)
                if explicit is None:
                    explicit = read_targets(read_table(request.targets, registry), data, indicators)
                targets = targets.merged(explicit)
            assessment = assess(targets, data, indicators, evaluation.period)
    register = None
    if request.rectification:
        from evalkit.store.rectification import stored_report_entries

        register = stored_report_entries(request.rectification, str(scorecard.id), str(evaluation.period),
                                         list(evaluation.units.ids))
    return ReportExtras(transitions=transitions, benchmarks=benchmarks, targets=assessment, rectification=register)
