"""The reporter contract: an Evaluation in, text or bytes out; the host writes the file atomically.

A reporter is called as ``reporter.render(evaluation, options)``. `options.extras` carries what a run
computed beside the evaluation when asked to (``evalkit run --compare-with``, ``--targets``/``--plan``,
``--benchmarks``): the tier transitions against an earlier result, benchmark gaps and target status.
It is None when nothing was asked for, so a reporter written before extras existed keeps working
unchanged; a reporter that shows some of them names them in `Reporter.extras`, and the host warns when
extras were asked for that the chosen format does not show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, BinaryIO

import attrs

if TYPE_CHECKING:
    from evalkit.analysis.benchmarks import Benchmarks
    from evalkit.analysis.targets import Assessment
    from evalkit.analysis.transitions import Comparison
    from evalkit.scoring.evaluation import Evaluation
    from evalkit.store.rectification import Register

EXTRA_KINDS = ("transitions", "benchmarks", "targets")


@attrs.frozen(eq=False)
class ReportExtras:
    """What a report may show beside the evaluation; each is None when it was not asked for.

    - `transitions`: `evalkit.analysis.transitions.compare(before_doc, evaluation.to_dict(), ...)`, the earlier
      result first: the tier matrix, per-tier shares and the units behind every move;
    - `benchmarks`: `evalkit.analysis.benchmarks.compute_benchmarks(data, indicators, peer_group=...)` on the
      evaluation's data: per unit and indicator the value, the peers' median and top-decile mean and the
      gaps to them (positive = better than the benchmark);
    - `targets`: `evalkit.analysis.targets.assess(targets, data, indicators)` at the evaluation's period: per
      target the baseline, target, expected value on the trajectory, actual value, progress and status;
    - `rectification`: the rectification register entries of a stored run (`evalkit.store.rectification.
      report_entries`): xlsx, html and markdown show them in a section of their own (整改台账). It is not one of
      EXTRA_KINDS: it comes with the store (`evalkit run --store`), not asked for, and no format is warned about.
    """

    transitions: Comparison | None = None
    benchmarks: Benchmarks | None = None
    targets: Assessment | None = None
    rectification: Register | None = None

    def kinds(self) -> tuple[str, ...]:
        """The extras present, in EXTRA_KINDS order."""
        return tuple(k for k in EXTRA_KINDS if getattr(self, k) is not None)

    def __bool__(self) -> bool:
        return bool(self.kinds())


@attrs.frozen
class ReportOptions:
    """Choices a reporter honours: label language, whether the output goes to a colour terminal, and
    the extras computed for the report (None: none asked for)."""

    lang: str = "zh"
    color: bool = False
    width: int | None = None
    extras: ReportExtras | None = attrs.field(default=None, eq=False)


def _names(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(names)


@attrs.frozen
class Reporter:
    """An output format: its --format name, default file ending and render function.

    `extras` names the kinds of `ReportOptions.extras` the format shows (a subset of EXTRA_KINDS, and
    "rectification" for a format that shows a stored run's register: `evalkit run --store` reads it only then);
    the default, none, is what every reporter written before extras existed declares.

    `write`, when a format has it, streams the same bytes `render` returns into a binary file handle
    (UTF-8 for text formats) without holding the whole output: `evalkit.reporters.render.write_report`
    and `evalkit run -o FILE` use it. A reporter without it is rendered, then written.
    """

    name: str
    extension: str
    render: Callable[[Evaluation, ReportOptions], str | bytes]
    description: str = ""
    extras: tuple[str, ...] = attrs.field(default=(), converter=_names)
    write: Callable[[Evaluation, ReportOptions, BinaryIO], None] | None = None
