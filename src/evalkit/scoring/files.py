"""Scoring the files a run names: a scorecard (or a folder of its versions), units, data files,
a department's record sources, a period and adjustment records, read into one `Inputs` and scored.

This is what `evalkit run` and `evalkit explain` do before they report::

    from evalkit.scoring.files import InputFiles, evaluate_files

    files = InputFiles("scorecard.yaml", units="units.csv", data=["data.csv"], adjustments="adjustments.csv")
    evaluation = evaluate_files(files)

Warnings (a scorecard's notes on itself) go to `warn` as they arise, and are kept on `Inputs.warnings`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import attrs

from evalkit.definition.assessment_sources import SourcesSpec
from evalkit.definition.model import Scorecard
from evalkit.errors import UsageError
from evalkit.io.data import DataSet, Units
from evalkit.plugins.manager import Registry
from evalkit.scoring.adjustments import AdjustmentRecord
from evalkit.scoring.evaluation import Evaluation, Explanation

Progress = Callable[[int, int], None]
Warn = Callable[[str], None]


def _paths(value: str | Path | Sequence[str | Path] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, Path)):
        return (str(value),)
    return tuple(str(v) for v in value)


def _records(value: str | Sequence[str | tuple[str, str]] | None) -> tuple[str | tuple[str, str], ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(v if isinstance(v, str) else (str(v[0]), str(v[1])) for v in value)


def _text(value: str | Path | None) -> str | None:
    return None if value is None or value == "" else str(value)


def _as_str(value: object) -> str:
    return str(value)


def _as_tuple(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(items)


@attrs.frozen
class InputFiles:
    """The files of one run: what `SCORECARD --data FILE... --records NAME=FOLDER --units FILE --period P
    --adjustments FILE` name.

    `scorecard` is a file, or a folder of scorecard versions (the one in force for `period` is used);
    `data` one or several long-format files; `records` record sources as "NAME=FOLDER" or (name, folder);
    `period` defaults to the scorecard's.
    """

    scorecard: str = attrs.field(converter=_as_str)  # a function, not the built-in: attrs reads a built-in's signature with the tokenizer (ms at every start)
    units: str = attrs.field(converter=_as_str)
    data: tuple[str, ...] = attrs.field(default=(), converter=_paths)
    records: tuple[str | tuple[str, str], ...] = attrs.field(default=(), converter=_records)
    period: str | None = attrs.field(default=None, converter=_text)
    adjustments: str | None = attrs.field(default=None, converter=_text)
    wide: bool | None = None  # the data's shape: None detects it, True declares one column per indicator
    encoding: str | None = None  # of CSV data files; None: UTF-8, or GB18030 when the file is that
    sheets: tuple[str, ...] = attrs.field(default=(), converter=_as_tuple)  # of workbooks; "*" for all


@attrs.frozen
class Inputs:
    """What the files hold: the scorecard, the units, the data of the period and the adjustment records."""

    scorecard: Scorecard
    units: Units
    data: DataSet
    adjustments: tuple[AdjustmentRecord, ...] = ()
    warnings: tuple[str, ...] = ()
    sources: Mapping[str, DataSet] = attrs.field(factory=dict)  # each assessor's data when the scorecard has sources:

    def evaluate(self, progress: Progress | None = None) -> Evaluation:
        """Score the data against the scorecard, with the adjustments; `progress(done, total)` after each item.

        With assessment sources (自评, 考评) the combined values are scored, and the Evaluation carries each
        source's totals and the 自评虚高 flags (`Evaluation.assessment`)."""
        from evalkit.scoring.adjustments import records_from
        from evalkit.scoring.engine import evaluate

        if self.sources:
            from evalkit.definition.assessment_sources import sources_spec
            from evalkit.scoring.assessors import evaluate_declared

            spec = sources_spec(self.scorecard.raw)
            if spec is not None:
                return evaluate_declared(self.scorecard, spec, self.sources, adjustments=self.adjustments,
                                         progress=progress).combined
        records = records_from(self.adjustments, self.data.units.ids, self.scorecard)
        return evaluate(self.scorecard, self.data, self.scorecard.registry, records, progress=progress)


def load_inputs(files: InputFiles, registry: Registry | None = None, warn: Warn | None = None) -> Inputs:
    """Read a run's files (scorecard, units, data, records, adjustments), so that they can be scored and reported on."""
    from evalkit.definition.scorecard import load_scorecard, scorecard_in_force
    from evalkit.io.inputs import load_units_noted
    from evalkit.scoring.adjustments import read_adjustments

    if registry is None:
        from evalkit.plugins.manager import default_registry

        registry = default_registry()
    if Path(files.scorecard).is_dir():
        scorecard = scorecard_in_force(files.scorecard, files.period, registry)
    else:
        scorecard = load_scorecard(files.scorecard, registry)
    warnings = tuple(str(problem) for problem in scorecard.warnings)
    for warning in warnings:
        if warn is not None:
            warn(warning)
    units, notes = load_units_noted(files.units, registry)  # detected; --encoding names the data files
    for note in notes:
        if warn is not None:
            warn(note)
    warnings += tuple(notes)
    from evalkit.definition.assessment_sources import sources_spec

    spec = sources_spec(scorecard.raw)
    sources: dict[str, DataSet] = {}
    if spec is not None:  # 自评 and 考评: every data row names its assessor
        sources = load_sources_data(files, scorecard, units, spec)
        from evalkit.scoring.assessors import combine_values

        data = combine_values(sources, spec.weights(), None if spec.combine == "weights" else spec.order)
    else:
        data = load_period_data(files, registry, scorecard, units)
    for note in data.notes:  # how the data was read (an encoding, percent cells): said as it is read
        if warn is not None:
            warn(note)
    records: tuple[AdjustmentRecord, ...] = ()
    if files.adjustments:  # a CSV in GBK as the data may be: detected and noted the same way
        from evalkit.io.readers import read_tables

        (table, *_), notes = read_tables(files.adjustments, registry)
        for note in notes:
            if warn is not None:
                warn(note)
        warnings += tuple(notes)
        records = tuple(read_adjustments(table, units.ids, scorecard))
    return Inputs(scorecard=scorecard, units=units, data=data, adjustments=records, warnings=warnings, sources=sources)


def load_sources_data(files: InputFiles, scorecard: Scorecard, units: Units, spec: SourcesSpec) -> dict[str, DataSet]:
    """Each assessor's data from the data files (rows named by a source column), with `from_run` values filled in."""
    from evalkit.io.runs import with_run_values
    from evalkit.io.source_data import load_source_data

    if files.records:
        raise UsageError("a scorecard with assessment sources (sources:) reads its values from --data files whose rows "
                         "name their source; --records cannot say which assessor gave a value")
    if not files.data:
        raise UsageError("give the values: --data FILE (rows with a source column: self, superior ...)")
    period = files.period or scorecard.period
    sets = load_source_data(list(files.data), units, scorecard, spec, period, wide=files.wide, encoding=files.encoding,
                            sheets=files.sheets)
    return {name: with_run_values(scorecard, data) for name, data in sets.items()}


def load_period_data(files: InputFiles, registry: Registry, scorecard: Scorecard, units: Units) -> DataSet:
    """The data files and the record sources' values of the period, read as one data set (overlaps are errors)."""
    from evalkit.io.inputs import load_data, merge_data
    from evalkit.io.sources import parse_records_option, read_source

    sources = [parse_records_option(r) if isinstance(r, str) else r for r in files.records]
    if not files.data and not sources:
        raise UsageError("give the values: --data FILE (long format) or --records NAME=FOLDER (a plugin's records)")
    period = files.period or scorecard.period
    sets = [(", ".join(files.data), load_data(list(files.data), units, scorecard, period=period,
                                                           wide=files.wide, encoding=files.encoding, sheets=files.sheets))] if files.data else []
    sets += [(f"--records {name}={folder}", read_source(registry, name, folder, units, period)) for name, folder in sources]
    data = sets[0][1] if len(sets) == 1 else merge_data(sets)
    from evalkit.io.runs import with_run_values

    return with_run_values(scorecard, data)  # indicators whose values come from another run's result


def evaluate_files(files: InputFiles, registry: Registry | None = None, progress: Progress | None = None,
                   warn: Warn | None = None) -> Evaluation:
    """Score the files of a run: the Evaluation `evalkit run` reports."""
    return load_inputs(files, registry, warn).evaluate(progress)


def explain_files(files: InputFiles, unit: str, lang: str | None = None, registry: Registry | None = None,
                  progress: Progress | None = None, warn: Warn | None = None) -> Explanation:
    """Score the files of a run and explain every point of one unit (`evalkit explain`)."""
    evaluation = evaluate_files(files, registry, progress, warn)
    return evaluation.explanation(unit, lang, source=files.units)
