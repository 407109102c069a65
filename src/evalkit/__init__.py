"""evalkit: performance-based assessment of public organisations.

Load a scorecard, score units column-wise, grade and rank them, and explain every point::

    import evalkit

    scorecard = evalkit.load_scorecard("examples/quickstart/scorecard.yaml")
    evaluation = evalkit.evaluate(scorecard, {"meeting_rate": {"u1": 96, "u2": 80}}, units=["u1", "u2"])
    evaluation.unit("u1").total

Plugins implement the hooks in `evalkit.plugins.hookspecs` with `@evalkit.hookimpl`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # for type checkers; at run time each name is imported on first use (__getattr__ below)
    # Every command's work, callable from Python: each returns a result whose to_dict() is the command's JSON.
    from evalkit.analysis.benchmarks import benchmark_report  # evalkit benchmarks
    from evalkit.analysis.comparison import compare_report  # evalkit compare
    from evalkit.analysis.period_rollup import load_rollup, rollup_files, run_rollup  # evalkit rollup
    from evalkit.analysis.rewards import allocate as allocate_rewards  # the rewards section of a result
    from evalkit.analysis.sensitivity import sensitivity_of, sensitivity_settings  # evalkit sensitivity
    from evalkit.analysis.targets import assess_targets  # evalkit targets
    from evalkit.definition.model import Indicator, Label, Scorecard
    from evalkit.definition.scorecard import load_scorecard, validate
    from evalkit.definition.validation import validate_file  # evalkit validate
    from evalkit.errors import DataError, DefinitionError, EvalkitError, FileAccessError, PluginError, Problem
    from evalkit.io.data import DataSet, Units
    from evalkit.io.inputs import load_data, load_units
    from evalkit.io.limits import Limits, check_input_file, limits
    from evalkit.io.progress import reading_progress
    from evalkit.io.safe_text import spreadsheet_text, terminal_text
    from evalkit.io.sources import Source
    from evalkit.io.table import Loader, Table
    from evalkit.methods import ahp_from_file, delphi_from_file, fuzzy_from_files, rank_units  # ahp, delphi, fuzzy, rank
    from evalkit.plugins.hookspecs import hookimpl
    from evalkit.plugins.inventory import plugin_inventory, rule_inventory  # evalkit plugins, evalkit rules
    from evalkit.plugins.manager import Registry, build_registry, default_registry, load_plugins
    from evalkit.plugins.scaffold import new_plugin  # evalkit new-plugin
    from evalkit.reporters.base import Reporter, ReportOptions
    from evalkit.reporters.render import render_report, run_report, write_report  # evalkit run (reports)
    from evalkit.reporters.report_extras import ExtrasRequest, compute_report_extras  # --compare-with, --benchmarks, --targets
    from evalkit.reviews import load_review  # evalkit review
    from evalkit.reviews.review import review
    from evalkit.rules.base import ParamProblem, Rule, RuleContext, scalar_rule
    from evalkit.scoring.adjustments import AdjustmentRecord
    from evalkit.scoring.assessors import AssessedEvaluation, combine_values, evaluate_sources  # 自评 and 考评 combined
    from evalkit.scoring.distributed import DistributedEvaluation, evaluate_dask, evaluate_parquet  # --engine dask
    from evalkit.scoring.evaluation import Evaluation, Explanation, UnitResult
    from evalkit.scoring.files import InputFiles, evaluate_files, explain_files, load_inputs  # evalkit run / explain
    from evalkit.scoring.rounding import Rounding, round_array
    from evalkit.store.appeals import appeal_list, decide, file_appeal, publish  # evalkit appeal
    from evalkit.store.archive import recompute_run, run_record, verify_store  # evalkit history show|recompute|verify
    from evalkit.store.diff import diff_results  # evalkit diff
    from evalkit.store.history import Store  # evalkit run --store
    from evalkit.store.provenance import keep_review  # evalkit review --store
    from evalkit.store.rectification import check_entries, open_entries, update_entries  # evalkit rectify
    from evalkit.store.rectification import register as rectification_register
    from evalkit.store.rectification import report_entries as rectification_report_entries  # the reports' 整改台账
    from evalkit.store.trends import read_history  # evalkit history

__version__ = "0.1.0"

# Each public name -> the module that defines it ("module:name" where it is exported under another name).
# `import evalkit` imports none of them, so that the CLI and `import evalkit` start quickly; the first
# `evalkit.X` (or `from evalkit import X`) imports X's module, as an eager import would have.
_LAZY: dict[str, str] = {
    "AdjustmentRecord": "evalkit.scoring.adjustments",
    "AssessedEvaluation": "evalkit.scoring.assessors",
    "DataError": "evalkit.errors",
    "DataSet": "evalkit.io.data",
    "DistributedEvaluation": "evalkit.scoring.distributed",
    "DefinitionError": "evalkit.errors",
    "EvalkitError": "evalkit.errors",
    "Evaluation": "evalkit.scoring.evaluation",
    "Explanation": "evalkit.scoring.evaluation",
    "ExtrasRequest": "evalkit.reporters.report_extras",
    "FileAccessError": "evalkit.errors",
    "Indicator": "evalkit.definition.model",
    "InputFiles": "evalkit.scoring.files",
    "Label": "evalkit.definition.model",
    "Limits": "evalkit.io.limits",
    "Loader": "evalkit.io.table",
    "ParamProblem": "evalkit.rules.base",
    "PluginError": "evalkit.errors",
    "Problem": "evalkit.errors",
    "Registry": "evalkit.plugins.manager",
    "ReportOptions": "evalkit.reporters.base",
    "Reporter": "evalkit.reporters.base",
    "Rounding": "evalkit.scoring.rounding",
    "Rule": "evalkit.rules.base",
    "RuleContext": "evalkit.rules.base",
    "Scorecard": "evalkit.definition.model",
    "Source": "evalkit.io.sources",
    "Store": "evalkit.store.history",
    "Table": "evalkit.io.table",
    "UnitResult": "evalkit.scoring.evaluation",
    "Units": "evalkit.io.data",
    "ahp_from_file": "evalkit.methods",
    "allocate_rewards": "evalkit.analysis.rewards:allocate",
    "appeal_list": "evalkit.store.appeals",
    "assess_targets": "evalkit.analysis.targets",
    "benchmark_report": "evalkit.analysis.benchmarks",
    "build_registry": "evalkit.plugins.manager",
    "check_entries": "evalkit.store.rectification",
    "check_input_file": "evalkit.io.limits",
    "combine_values": "evalkit.scoring.assessors",
    "compare_report": "evalkit.analysis.comparison",
    "compute_report_extras": "evalkit.reporters.report_extras",
    "decide": "evalkit.store.appeals",
    "default_registry": "evalkit.plugins.manager",
    "delphi_from_file": "evalkit.methods",
    "diff_results": "evalkit.store.diff",
    "evaluate_dask": "evalkit.scoring.distributed",
    "evaluate_files": "evalkit.scoring.files",
    "evaluate_parquet": "evalkit.scoring.distributed",
    "evaluate_sources": "evalkit.scoring.assessors",
    "explain_files": "evalkit.scoring.files",
    "file_appeal": "evalkit.store.appeals",
    "fuzzy_from_files": "evalkit.methods",
    "hookimpl": "evalkit.plugins.hookspecs",
    "keep_review": "evalkit.store.provenance",
    "limits": "evalkit.io.limits",
    "load_data": "evalkit.io.inputs",
    "load_inputs": "evalkit.scoring.files",
    "load_plugins": "evalkit.plugins.manager",
    "load_review": "evalkit.reviews",
    "load_rollup": "evalkit.analysis.period_rollup",
    "load_scorecard": "evalkit.definition.scorecard",
    "load_units": "evalkit.io.inputs",
    "new_plugin": "evalkit.plugins.scaffold",
    "open_entries": "evalkit.store.rectification",
    "plugin_inventory": "evalkit.plugins.inventory",
    "publish": "evalkit.store.appeals",
    "rank_units": "evalkit.methods",
    "read_history": "evalkit.store.trends",
    "reading_progress": "evalkit.io.progress",
    "recompute_run": "evalkit.store.archive",
    "rectification_register": "evalkit.store.rectification:register",
    "rectification_report_entries": "evalkit.store.rectification:report_entries",
    "render_report": "evalkit.reporters.render",
    "review": "evalkit.reviews",
    "rollup_files": "evalkit.analysis.period_rollup",
    "round_array": "evalkit.scoring.rounding",
    "rule_inventory": "evalkit.plugins.inventory",
    "run_record": "evalkit.store.archive",
    "run_report": "evalkit.reporters.render",
    "run_rollup": "evalkit.analysis.period_rollup",
    "scalar_rule": "evalkit.rules.base",
    "sensitivity_of": "evalkit.analysis.sensitivity",
    "sensitivity_settings": "evalkit.analysis.sensitivity",
    "spreadsheet_text": "evalkit.io.safe_text",
    "terminal_text": "evalkit.io.safe_text",
    "update_entries": "evalkit.store.rectification",
    "validate": "evalkit.definition.scorecard",
    "validate_file": "evalkit.definition.validation",
    "verify_store": "evalkit.store.archive",
    "write_report": "evalkit.reporters.render",
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
    import importlib

    module_name, _, attribute = target.partition(":")
    value = getattr(importlib.import_module(module_name), attribute or name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))



def evaluate(scorecard: Scorecard, data: DataSet | Mapping[str, Any] | Any, units: Units | Sequence[str] | Any = None,
             period: str | None = None, adjustments: Iterable[Mapping[str, Any] | AdjustmentRecord] | Any = (),
             progress: Callable[[int, int], None] | None = None) -> Evaluation:
    """Score `data` against `scorecard`.

    `data` is a DataSet; or a DataFrame (pandas, polars, pyarrow) in long shape (unit, indicator, period,
    value) or wide (a unit column and one column per indicator), its rows matched to units by id; or
    ``{indicator: {unit_id: value}}``, ``{indicator: pandas Series indexed by unit id}`` or
    ``{indicator: array}`` aligned with `units` (a list of unit ids, Units with names and types, or a
    units DataFrame). NaN, None and NA mean "no value". `adjustments` are bonus,
    deduction and veto records: dicts with unit, item, points, reason, evidence, authority.
    `progress(done, total)` is called after each item is scored. A Dask DataFrame is scored on Dask
    (``pip install 'evalkit[dask]'``) and gives a `DistributedEvaluation` (per-unit results as a Dask
    DataFrame and a summary) with the in-memory results, bit for bit; see docs/dask.md. A scorecard that declares assessment
    sources (`sources:`, 自评与考评) takes ``{source id: DataSet}``: their combined values are scored.
    """
    from evalkit.io.data import DataSet, Units
    from evalkit.io.inputs import load_data, load_units
    from evalkit.scoring.distributed import evaluate_dask, is_dask_frame

    if is_dask_frame(data):  # a Dask DataFrame: scored partition by partition (evalkit[dask]), see docs/dask.md
        if units is not None and not isinstance(units, Units):
            units = load_units(units) if not isinstance(units, (list, tuple)) else Units.from_ids(units)
        return cast("Evaluation", evaluate_dask(scorecard, data, units=units, period=period, adjustments=adjustments))
    from evalkit.definition.assessment_sources import sources_spec
    from evalkit.errors import DataError, Problem
    from evalkit.io.frames import align_columns, frame_unit_ids, is_frame, is_records, unit_ids_of
    from evalkit.scoring.adjustments import records_from
    from evalkit.scoring.engine import evaluate as run

    spec = sources_spec(scorecard.raw)  # 自评与考评: {source id: DataSet} when the scorecard declares sources:
    if isinstance(data, Mapping) and data and all(isinstance(v, DataSet) for v in data.values()):
        if spec is None:
            raise DataError(Problem("the data is one DataSet per assessment source, and the scorecard declares no "
                                    "sources:", source="data", expected="a sources: block, or evaluate_sources(..., "
                                    "weights=...)", found="sources " + ", ".join(map(str, data))))
        unknown = [str(k) for k in data if k not in spec.ids]
        missing = [k for k in spec.ids if k not in data]
        if unknown or missing:
            raise DataError(Problem("the data's assessment sources are not the scorecard's", source="data",
                                    expected="one DataSet for each of " + ", ".join(spec.ids),
                                    found=", ".join(unknown) + " unknown" if unknown else ", ".join(missing) + " missing"))
        from evalkit.scoring.assessors import evaluate_declared

        return evaluate_declared(scorecard, spec, data, adjustments=tuple(adjustments), progress=progress).combined
    if spec is not None:
        raise DataError(Problem("the scorecard declares assessment sources (sources:), and the data is one set of values",
                                source="data", expected="{" + ", ".join(f"{s!r}: DataSet" for s in spec.ids) + "}",
                                found=type(data).__name__))

    if units is not None and not isinstance(units, Units) and (is_frame(units) or is_records(units)):
        units = load_units(units)  # a units table in memory: id, name, type, parent
    if not isinstance(data, DataSet) and (is_frame(data) or is_records(data)):
        if units is None:  # the ids in its unit column, sorted, as for a dict of columns
            units = frame_unit_ids(data)
        if not isinstance(units, Units):
            units = Units.from_ids(units)
        data = load_data(data, units, scorecard, period=period)
    if not isinstance(data, (DataSet, Mapping)):
        raise DataError(Problem("the data is not something evalkit reads", source="data",
                                expected="a DataSet, a DataFrame (pandas, polars, pyarrow), a list of dict rows, "
                                         "or {indicator: {unit: value} | Series | array}", found=type(data).__name__))
    if not isinstance(data, DataSet):
        data = align_columns(data)  # a pandas Series is matched to units by its index, never by position
        if units is None:
            units = Units.from_ids(unit_ids_of(data))
        data = DataSet.from_columns(units, data, period=period or scorecard.period)
        unknown = [k for k in data.columns if k not in scorecard.indicators and k not in scorecard.registry.indicators]
        computed = [k for k in data.columns if k in scorecard.derived]
        if unknown or computed:
            raise DataError([Problem("unknown indicator", source="data", path=f"$[{k!r}]",
                                     expected="an indicator of the scorecard", found=repr(k)) for k in unknown]
                            + [Problem("a derived indicator is computed from its formula, not given", source="data",
                                       path=f"$[{k!r}]", expected="no values for it", found=repr(k)) for k in computed])
    records = records_from(adjustments, data.units.ids, scorecard)
    return run(scorecard, data, scorecard.registry, records, progress=progress)


__all__ = [
    "AdjustmentRecord",
    "AssessedEvaluation",
    "DataError",
    "DataSet",
    "DefinitionError",
    "DistributedEvaluation",
    "EvalkitError",
    "Evaluation",
    "Explanation",
    "ExtrasRequest",
    "FileAccessError",
    "Indicator",
    "InputFiles",
    "Label",
    "Limits",
    "Loader",
    "ParamProblem",
    "PluginError",
    "Problem",
    "Registry",
    "ReportOptions",
    "Reporter",
    "Rounding",
    "Rule",
    "RuleContext",
    "Scorecard",
    "Source",
    "Store",
    "Table",
    "UnitResult",
    "Units",
    "ahp_from_file",
    "allocate_rewards",
    "appeal_list",
    "assess_targets",
    "benchmark_report",
    "build_registry",
    "check_entries",
    "check_input_file",
    "combine_values",
    "compare_report",
    "compute_report_extras",
    "decide",
    "default_registry",
    "delphi_from_file",
    "diff_results",
    "evaluate",
    "evaluate_dask",
    "evaluate_files",
    "evaluate_parquet",
    "evaluate_sources",
    "explain_files",
    "file_appeal",
    "fuzzy_from_files",
    "hookimpl",
    "keep_review",
    "limits",
    "load_data",
    "load_inputs",
    "load_plugins",
    "load_review",
    "load_rollup",
    "load_scorecard",
    "load_units",
    "new_plugin",
    "open_entries",
    "plugin_inventory",
    "publish",
    "rank_units",
    "read_history",
    "reading_progress",
    "recompute_run",
    "rectification_register",
    "rectification_report_entries",
    "render_report",
    "review",
    "rollup_files",
    "round_array",
    "rule_inventory",
    "run_record",
    "run_report",
    "run_rollup",
    "scalar_rule",
    "sensitivity_of",
    "sensitivity_settings",
    "spreadsheet_text",
    "terminal_text",
    "update_entries",
    "validate",
    "validate_file",
    "verify_store",
    "write_report",
]
