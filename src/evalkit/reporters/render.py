"""Rendering reports from Python: an Evaluation, a format name and report options in, text or bytes out.

The same path `evalkit run --format NAME` takes, for every format (table, json, csv, xlsx, html, markdown
and those plugins add)::

    from evalkit.reporters.render import render_report

    html = render_report(evaluation, "html")               # labels in the scorecard's language
    xlsx = render_report(evaluation, "xlsx", ReportOptions(lang="en"))

`run_report` does a whole run: read the files, score them, compute the extras asked for and render.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs

from evalkit.errors import PluginError, Problem, UsageError
from evalkit.plugins.manager import Registry
from evalkit.reporters.base import Reporter, ReportExtras, ReportOptions
from evalkit.reporters.report_extras import ExtrasRequest, compute_report_extras
from evalkit.scoring.evaluation import Evaluation, default_lang
from evalkit.scoring.files import InputFiles, Progress, Warn, load_inputs

__all__ = ["Report", "default_lang", "render_report", "reporter_for", "run_report", "write_report"]


def reporter_for(format: str, registry: Registry) -> Reporter:
    """The reporter registered for `format`; a UsageError listing the formats there are when none is."""
    reporter = registry.reporters.get(format)
    if reporter is None:
        raise UsageError(f"unknown --format {format!r}; expected one of {', '.join(sorted(registry.reporters))}")
    return reporter


def render_report(evaluation: Evaluation, format: str, options: ReportOptions | None = None,
                  registry: Registry | None = None) -> str | bytes:
    """The report of `evaluation` in `format` (text, or bytes for binary formats such as xlsx).

    `options` default to the scorecard's language, no colour, no extras; `registry` to the scorecard's.
    A reporter that fails or returns something else is a PluginError naming its plugin.
    """
    registry = registry if registry is not None else evaluation.scorecard.registry
    reporter = reporter_for(format, registry)
    if options is None:
        options = ReportOptions(lang=default_lang(evaluation.scorecard))
    owner = registry.owner("reporters", reporter.name)
    try:
        content = reporter.render(evaluation, options)
    except Exception as exc:  # a reporter is a plugin: name it, and write nothing
        raise PluginError(Problem(f"reporter {reporter.name!r} from plugin {owner!r} failed: "
                                  f"{type(exc).__name__}: {exc}")) from exc
    if not isinstance(content, (str, bytes)):
        raise PluginError(Problem(f"reporter {reporter.name!r} from plugin {owner!r} returned {type(content).__name__}",
                                  expected="text or bytes"))
    return content


def write_report(evaluation: Evaluation, format: str, path: str | Path, options: ReportOptions | None = None,
                 registry: Registry | None = None) -> None:
    """Write the report of `evaluation` in `format` to the file `path`, atomically.

    A format whose reporter can stream (json, csv, xlsx) is written as it is made, without holding the whole
    output; any other is rendered (`render_report`), then written. Either way the file appears only when it
    is complete: on any failure nothing is left at `path` (an existing file stays as it was). A reporter that
    fails is a PluginError naming its plugin, as in `render_report`.
    """
    from evalkit.io.output import atomic_file, write_atomic

    registry = registry if registry is not None else evaluation.scorecard.registry
    reporter = reporter_for(format, registry)
    if options is None:
        options = ReportOptions(lang=default_lang(evaluation.scorecard))
    if reporter.write is None:
        write_atomic(path, render_report(evaluation, format, options, registry))
        return
    owner = registry.owner("reporters", reporter.name)
    with atomic_file(path) as handle:
        try:
            reporter.write(evaluation, options, handle)
        except OSError:  # the file could not be written (disk full): a FileAccessError from atomic_file
            raise
        except Exception as exc:  # a reporter is a plugin: name it; atomic_file removes what it wrote
            raise PluginError(Problem(f"reporter {reporter.name!r} from plugin {owner!r} failed: "
                                      f"{type(exc).__name__}: {exc}")) from exc


@attrs.define(eq=False)
class Report:
    """One run's report: the evaluation, the extras computed for it and the report itself.

    `content` is the rendered report; `run_report(..., render=False)` leaves it to be made when first read,
    or streamed straight into a file by `write`."""

    evaluation: Evaluation
    format: str
    rendered: str | bytes | None = attrs.field(default=None, alias="content")
    extras: ReportExtras | None = None
    warnings: tuple[str, ...] = ()
    options: ReportOptions | None = None
    registry: Registry | None = None

    @property
    def content(self) -> str | bytes:
        """The report as text, or bytes for binary formats (rendered on first use)."""
        if self.rendered is None:
            self.rendered = render_report(self.evaluation, self.format, self.options, self.registry)
        return self.rendered

    def write(self, path: str | Path) -> None:
        """Write the report to `path` atomically, streamed for the formats that can (`write_report`)."""
        if self.rendered is not None:
            from evalkit.io.output import write_atomic

            write_atomic(path, self.rendered)
        else:
            write_report(self.evaluation, self.format, path, self.options, self.registry)


def run_report(files: InputFiles, format: str = "table", *, lang: str | None = None, color: bool = False,
               width: int | None = None, extras: ExtrasRequest | None = None, registry: Registry | None = None,
               progress: Progress | None = None, stage: Callable[[str], None] | None = None,
               warn: Warn | None = None, render: bool = True) -> Report:
    """Read and score the files of a run, compute the extras asked for and render the report (`evalkit run`).

    `lang` defaults to the scorecard's language. `stage(name)` is told "reading", "scoring", "extras" and
    "rendering" as the run gets there, `progress(done, total)` the items scored; `warn` receives each warning
    as it arises (a scorecard's, the comparison's, extras the format does not show), in that order.
    With `render=False` the report is not rendered here: `Report.write(path)` streams it into a file
    (json and csv without holding the whole output), or `Report.content` renders it when first read.
    """
    if registry is None:
        from evalkit.plugins.manager import default_registry

        registry = default_registry()
    reporter = reporter_for(format, registry)
    said: list[str] = []

    def note(text: str) -> None:
        said.append(text)
        if warn is not None:
            warn(text)

    wanted = extras if extras else None
    before = wanted.read_before() if wanted is not None else None  # a bad earlier result fails before any scoring
    if stage is not None:
        stage("reading")
    inputs = load_inputs(files, registry, note)
    if stage is not None:
        stage("scoring")
    evaluation = inputs.evaluate(progress)
    computed = None
    if wanted is not None:
        if stage is not None:
            stage("extras")
        computed = compute_report_extras(evaluation, inputs.data, wanted, registry, before=before,
                                         source=files.scorecard, warn=note)
        missing = [k for k in computed.kinds() if k not in reporter.extras]
        if missing:
            note(f"--format {reporter.name} does not show {', '.join(missing)}; "
                 "xlsx, html and markdown do (or see evalkit compare, benchmarks and targets)")
    options = ReportOptions(lang=lang or default_lang(evaluation.scorecard), color=color, width=width, extras=computed)
    report = Report(evaluation=evaluation, format=reporter.name, extras=computed, warnings=tuple(said), options=options,
                    registry=registry)
    if render:
        if stage is not None:
            stage("rendering")
        report.content  # noqa: B018  (rendered now: a failing reporter fails the run here)
    return report
