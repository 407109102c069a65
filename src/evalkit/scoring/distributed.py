"""Scoring on Dask: the same scorecard on a Dask DataFrame partitioned by unit, with the in-memory results.

A rule is a function of whole columns. Most rules score each unit from its own values (`Rule.unit_local`),
so every partition of units is scored alone, by the in-memory engine itself. The others (percentile,
zscore, rank_points, achievement_improvement, and every plugin rule that does not declare itself
unit-local) are scored exactly, never approximately, in two phases:

1. each partition is read and prepared as in memory (derived indicators, evidence, run values) and hands
   back only the prepared input columns of those items, its unit ids and its units' attributes;
2. the client joins these columns and calls the same rule on all units, as in memory; each partition then
   gets its slice of the rule's points and scores everything else itself (missing-data policy, rounding,
   shares, dimensions, totals, adjustments, vetoes, bands and gates).

Ranks and quotas need all units: the client gathers each unit's total and grade (eight bytes and one int
each) and ranks and applies the quotas with `evalkit.scoring.ranking.rank` and
`evalkit.scoring.quotas.apply_quotas`, as in memory; each partition then takes its slice. The result is
a Dask DataFrame of one row per unit (`result_columns`) and a summary; `DistributedEvaluation.to_parquet`
writes it as partitioned Parquet beside ``summary.json``.

Dask is optional (``pip install 'evalkit[dask]'``); it is imported only when a Dask frame comes in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from evalkit.definition.model import Scorecard
from evalkit.errors import DataError, EvalkitError, PluginError, Problem, UsageError
from evalkit.io.data import Units
from evalkit.rules.base import Rule, RuleContext
from evalkit.scoring.grading import NO_GRADE

INSTALL_HINT = "pip install 'evalkit[dask]'"
FIXED_COLUMNS = ("unit", "name", "type", "parent", "total", "items_total", "rank", "grade", "grade_index",
                 "band_grade_index")


def require_dask() -> None:
    """UsageError (exit 64) saying how to install the extra, unless dask.dataframe and distributed import."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise UsageError(f"the Dask engine needs dask[dataframe] and distributed ({exc.name} is not installed): "
                         f"{INSTALL_HINT}") from None


def is_dask_frame(obj: Any) -> bool:
    """Whether `obj` is a Dask DataFrame (checked without importing dask)."""
    return type(obj).__module__.split(".")[0] == "dask" and hasattr(obj, "to_delayed") and hasattr(obj, "npartitions")


# ---------------------------------------------------------------------------------------------------------
# one row per unit


def result_columns(evaluation: Any) -> dict[str, Any]:
    """An Evaluation as columns, one row per unit in the order of its units: unit, name, type, parent, total,
    items_total, rank, grade (code, None for none), grade_index and band_grade_index (-1 for none), then
    ``dimension:ID``, ``points:ID``, ``score:ID``, ``missing:ID`` per item, then each gate, veto and quota
    mask (``gate:ID``, ``veto:ID``, ``quota:GRADE``) by name. The Dask engine's per-unit results."""
    ev = evaluation
    n = len(ev.units)
    bands = ev.scorecard.grading.bands if ev.scorecard.grading else ()
    grades = np.asarray(ev.grades, dtype=np.int64)
    band_grades = np.asarray(ev.band_grades if ev.band_grades is not None else grades, dtype=np.int64)
    totals = np.asarray(ev.totals, dtype=np.float64)
    columns: dict[str, Any] = {
        "unit": list(ev.units.ids), "name": list(ev.units.names),
        "type": list(ev.units.types), "parent": list(ev.units.parents),
        "total": totals,
        "items_total": np.asarray(ev.items_total if ev.items_total is not None else totals, dtype=np.float64),
        "rank": np.asarray(ev.ranks, dtype=np.int64),
        "grade": grade_codes(grades, bands),
        "grade_index": grades, "band_grade_index": band_grades,
    }
    for dimension, scores in ev.dimensions.items():
        columns[f"dimension:{dimension}"] = np.asarray(scores, dtype=np.float64)
    for item_id, result in ev.items.items():
        columns[f"points:{item_id}"] = np.broadcast_to(np.asarray(result.points, dtype=np.float64), (n,)).copy()
        columns[f"score:{item_id}"] = np.broadcast_to(np.asarray(result.score, dtype=np.float64), (n,)).copy()
        columns[f"missing:{item_id}"] = np.asarray(result.missing, dtype=bool)
    for key in sorted(ev.grade_masks):
        columns[str(key)] = np.asarray(ev.grade_masks[key], dtype=bool)
    return columns


def grade_codes(grades: np.ndarray, bands: Sequence[Any]) -> list[str | None]:
    """Grade indexes as the bands' codes (None for no grade)."""
    codes = [b.grade for b in bands]
    return [codes[g] if g != NO_GRADE else None for g in grades.tolist()]


def result_frame(evaluation: Any) -> Any:
    """`result_columns` as a pandas DataFrame."""
    import importlib

    pandas = importlib.import_module("pandas")  # a dependency of dask.dataframe (no stubs are installed for it)
    return pandas.DataFrame(result_columns(evaluation))


# ---------------------------------------------------------------------------------------------------------
# rules that need all units


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def item_key(rule: str, params: Mapping[str, Any], max_points: float, subject: Any) -> str:
    """What a rule's points are a function of (besides the data): rule, input indicators, max_points, params.
    Two items with the same key get the same points, so the key names an item's column of points."""
    ids = [i.id for i in subject] if isinstance(subject, tuple) else subject.id
    return json.dumps([rule, ids, float(max_points), _plain(params)], sort_keys=True, default=repr, ensure_ascii=False)


ScoreHook = Callable[[Rule, str, Any, Mapping[str, Any], np.ndarray, RuleContext], np.ndarray]


def stand_in(rule: Rule, hook: ScoreHook, details: Mapping[str, Mapping[str, np.ndarray]] | None = None) -> Rule:
    """A rule that behaves as `rule` for the engine (inputs, value range, deductions) and whose score is
    `hook(rule, key, prepared params, params, values, ctx)`; its per-unit details (`Rule.details`) are
    `details[key]` when given (computed on all units), else none."""

    class StandIn(Rule):
        name = rule.name
        title = rule.title
        params_schema = rule.params_schema
        value_range = rule.value_range
        inputs = rule.inputs
        unit_local = rule.unit_local

        def deducts(self, params: Mapping[str, Any]) -> bool:
            return rule.deducts(params)

        def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Any) -> Any:
            return (item_key(rule.name, params, max_points, indicator), rule.prepare(params, max_points, indicator), params)

        def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
            key, prepared, params = ctx.params
            return hook(rule, key, prepared, params, values, ctx)

        def details(self, values: np.ndarray, ctx: RuleContext) -> Mapping[str, np.ndarray] | None:
            return None if details is None else details.get(ctx.params[0])

    return StandIn()


def global_rules(scorecard: Scorecard) -> set[str]:
    """The rules of the scorecard's items that need all units (not `Rule.unit_local`)."""
    rules = scorecard.registry.rules
    return {item.rule for item in scorecard.items() if not getattr(rules[item.rule], "unit_local", False)}


def _with_rules(scorecard: Scorecard, replaced: Mapping[str, Rule], quotas: bool = False) -> Scorecard:
    registry = attrs.evolve(scorecard.registry, rules={**scorecard.registry.rules, **replaced})
    return attrs.evolve(scorecard, registry=registry, quotas=scorecard.quotas if quotas else ())


def _read_indicators(rule: Rule, params: Mapping[str, Any], ctx: RuleContext) -> list[str] | None:
    """The indicators a built-in rule reads (its inputs and the ones its params name); None for a plugin
    rule, which may read any column (all are gathered, so it is exact)."""
    if not type(rule).__module__.startswith("evalkit.rules."):
        return None
    names = [i.id for i in ctx.indicators] or [ctx.indicator.id]
    names += [name for _path, name in rule.indicators_used(params)]
    return list(dict.fromkeys(names))


def _capture(captured: dict[str, dict[str, Any]]) -> ScoreHook:
    def hook(rule: Rule, key: str, prepared: Any, params: Mapping[str, Any], values: np.ndarray,
             ctx: RuleContext) -> np.ndarray:
        if key not in captured:
            names = _read_indicators(rule, params, ctx)
            columns = {k: v for k, v in ctx.columns.items() if names is None or k in names}
            history = {p: {k: v for k, v in cols.items() if names is None or k in names} for p, cols in ctx.history.items()}
            captured[key] = {"values": np.array(values, copy=True), "columns": columns, "history": history,
                             "prepared": prepared, "meta": ctx_meta(ctx)}
        return np.zeros(values.shape[0])

    return hook


def ctx_meta(ctx: RuleContext) -> dict[str, Any]:
    """A rule context without its columns and units (what travels from a partition to the client)."""
    return {"max_points": ctx.max_points, "indicator": ctx.indicator, "period": ctx.period, "indicators": ctx.indicators,
            "decimals": ctx.decimals, "rounding": ctx.rounding, "catalogue": ctx.catalogue}


def _precomputed(points: Mapping[str, np.ndarray]) -> ScoreHook:
    def hook(rule: Rule, key: str, prepared: Any, params: Mapping[str, Any], values: np.ndarray,
             ctx: RuleContext) -> np.ndarray:
        return points[key]

    return hook


# ---------------------------------------------------------------------------------------------------------
# the tasks run on the workers


def partition_units(units: Units, ids: Sequence[str]) -> Units:
    """The units of one partition, in the order given (their attributes kept)."""
    index = units.index
    pos = [index[u] for u in ids]
    return Units(ids=tuple(str(u) for u in ids), names=tuple(units.names[i] for i in pos), types=tuple(units.types[i] for i in pos),
                 parents=tuple(units.parents[i] for i in pos),
                 attributes={k: tuple(v[i] for i in pos) for k, v in units.attributes.items()})


def frame_ids(frame: Any, column: str) -> list[str]:
    """The distinct unit ids of a pandas partition, as the in-memory path reads them (trimmed, NFKC)."""
    from evalkit.io.frames import is_missing
    from evalkit.io.table import cell_text

    return sorted({t for t in (cell_text(v) for v in frame[column].unique() if not is_missing(v)) if t})


def _evaluate_part(scorecard: Scorecard, frame: Any, units: Units, period: str | None, records: Sequence[Any]) -> Any:
    """One partition scored as `evalkit.evaluate` scores a pandas frame. A clean wide partition (a unit column
    of trimmed ids given once, float columns headed by indicator ids) is read straight into columns; when
    that reading or the scoring fails, the partition is read and scored again the general way, so every
    message is the in-memory one."""
    from evalkit import evaluate

    data = fast_wide_data(frame, units, scorecard, period)
    if data is not None:
        from evalkit.scoring.adjustments import records_from
        from evalkit.scoring.engine import evaluate as run

        try:
            return run(scorecard, data, scorecard.registry, records_from(records, units.ids, scorecard))
        except EvalkitError:
            pass  # the general path below reports it, with the file-like messages of the frame reader
    return evaluate(scorecard, frame, units=units, period=period, adjustments=records)


def fast_wide_data(frame: Any, units: Units, scorecard: Scorecard, period: str | None) -> Any:
    """A wide pandas partition as a DataSet without a Python object per cell, or None when it is anything but
    plain: one unit column of ids as the units have them, each once; every other column a number column
    headed by the id of a given (not derived) indicator, with no infinity."""
    from evalkit.io.data import DataSet

    try:
        column = unit_column(frame)
    except DataError:
        return None
    names = [str(c) for c in frame.columns if str(c) != column]
    if len(names) + 1 != len(frame.columns) or not names:
        return None
    if any(n not in scorecard.indicators or n in scorecard.derived or frame[n].dtype.kind not in "fiu" for n in names):
        return None
    ids = frame[column].tolist()
    index = units.index
    if not all(type(u) is str and u in index for u in ids) or len(set(ids)) != len(ids):
        return None
    rows = np.fromiter((index[u] for u in ids), dtype=np.int64, count=len(ids))
    columns: dict[str, np.ndarray] = {}
    for name in names:
        values = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(values).any():
            return None
        out = np.full(len(units), np.nan)
        out[rows] = values
        columns[name] = out
    return DataSet(units=units, columns=columns, period=period or scorecard.period)


def capture_task(frame: Any, units: Units, scorecard: Scorecard, rules: Sequence[str],
                 period: str | None, records: Sequence[Any]) -> dict[str, Any]:
    """Phase 1 on one partition: the prepared input columns of the items whose rules need all units."""
    captured: dict[str, dict[str, Any]] = {}
    hook = _capture(captured)
    registry = scorecard.registry.rules
    _evaluate_part(_with_rules(scorecard, {r: stand_in(registry[r], hook) for r in rules}), frame,
                   units, period, records)
    return captured


def score_task(frame: Any, units: Units, scorecard: Scorecard, points: Mapping[str, np.ndarray],
               period: str | None, records: Sequence[Any]) -> Any:
    """Phase 2 on one partition: every result but ranks and quotas, as a pandas frame of `result_columns`."""
    registry = scorecard.registry.rules
    hook = _precomputed(points)
    rules = {name: stand_in(registry[name], hook) for name in set(_rule_names(points))}
    evaluation = _evaluate_part(_with_rules(scorecard, rules), frame, units, period, records)
    return result_frame(evaluation)


def _rule_names(points: Mapping[str, Any]) -> list[str]:
    return [json.loads(key)[0] for key in points]


def finish_task(frame: Any, ranks: np.ndarray, grades: np.ndarray, codes: np.ndarray,
                masks: Mapping[str, np.ndarray]) -> Any:
    """Phase 3 on one partition: the global ranks and quota grades put in."""
    frame = frame.copy()
    frame["rank"] = ranks
    if masks:
        frame["grade"] = codes
        frame["grade_index"] = grades
        for key, mask in masks.items():
            frame[key] = mask
    fixed = [c for c in frame.columns if not c.startswith(("gate:", "veto:", "quota:"))]
    return frame[fixed + sorted(c for c in frame.columns if c.startswith(("gate:", "veto:", "quota:")))]


def partition_evaluation(frame: Any, units: Units, scorecard: Scorecard, points: Mapping[str, np.ndarray],
                         period: str | None, records: Sequence[Any], ranks: np.ndarray, grades: np.ndarray,
                         masks: Mapping[str, np.ndarray], details: Mapping[str, Mapping[str, np.ndarray]] | None = None) -> Any:
    """One partition's full Evaluation with the global ranks, grades and quota moves put in: scored as
    `score_task` scores it (the points of rules that need all units given), its scorecard the whole one (its
    quotas too), so that its per-unit JSON lines and store rows are those of the in-memory Evaluation."""
    registry = scorecard.registry.rules
    hook = _precomputed(points)
    rules = {name: stand_in(registry[name], hook, details or {}) for name in set(_rule_names(points))}
    evaluation = _evaluate_part(_with_rules(scorecard, rules), frame, units, period, records)
    return attrs.evolve(evaluation, scorecard=scorecard, ranks=np.asarray(ranks), grades=np.asarray(grades),
                        grade_masks={**evaluation.grade_masks, **masks})


@attrs.frozen
class PartitionPlan:
    """What rebuilds each partition's full Evaluation on the workers (`partition_evaluation`), kept by
    `evaluate_dask` for the history store (`evalkit.store.dask_store`): the partitions (delayed), their units,
    each one's points of the rules that need all units and adjustment records, and the global columns the
    client holds anyway (ranks, grades after quotas, quota moves; positions in `present` order)."""

    parts: Sequence[Any] = attrs.field(repr=False)
    part_units: Sequence[Any] = attrs.field(repr=False)
    scorecard: Any = attrs.field(repr=False)  # the scorecard as a delayed object (one copy in the graph)
    points: Sequence[Mapping[str, np.ndarray]] = attrs.field(repr=False)
    records: Sequence[Sequence[Any]] = attrs.field(repr=False)
    details: Sequence[Mapping[str, Mapping[str, np.ndarray]]] = attrs.field(repr=False)  # of rules with `details`
    period: str | None
    units: Units = attrs.field(repr=False)  # every unit scored, in `present` order
    totals: np.ndarray = attrs.field(repr=False)
    ranks: np.ndarray = attrs.field(repr=False)
    grades: np.ndarray = attrs.field(repr=False)
    moved: Mapping[str, np.ndarray] = attrs.field(repr=False)
    bounds: np.ndarray = attrs.field(repr=False)

    def tasks(self, task: Callable[..., Any]) -> list[Any]:
        """`task(evaluation)` on each partition's full Evaluation, as one delayed object per partition."""
        from dask import delayed

        out = []
        for k, (part, units, points, records, details) in enumerate(zip(self.parts, self.part_units, self.points,
                                                                          self.records, self.details)):
            cut = slice(int(self.bounds[k]), int(self.bounds[k + 1]))
            evaluation = delayed(partition_evaluation)(part, units, self.scorecard, points, self.period, records,
                                                       self.ranks[cut], self.grades[cut],
                                                       {key: mask[cut] for key, mask in self.moved.items()}, details)
            out.append(delayed(task)(evaluation))
        return out


def _summary_columns(frame: Any) -> tuple[np.ndarray, np.ndarray]:
    return frame["total"].to_numpy(dtype=np.float64), frame["grade_index"].to_numpy(dtype=np.int64)


# ---------------------------------------------------------------------------------------------------------
# on the client


@attrs.frozen
class DistributedEvaluation:
    """The result of a Dask run: `results`, a Dask DataFrame of one row per unit (`result_columns`), and
    `summary` (units, partitions, grade counts, totals, quota moves)."""

    scorecard: Scorecard = attrs.field(repr=False)
    period: str
    results: Any = attrs.field(repr=False)
    summary: dict[str, Any]
    plan: PartitionPlan | None = attrs.field(default=None, repr=False, eq=False)  # for the history store

    def compute(self) -> Any:
        """The per-unit results as one pandas DataFrame (for data that fits in memory)."""
        return self.results.compute()

    def to_dict(self) -> dict[str, Any]:
        """The summary (what ``evalkit run --engine dask`` prints)."""
        return dict(self.summary)

    def to_parquet(self, directory: str | Path) -> Path:
        """Write the per-unit results as partitioned Parquet in DIRECTORY/units/ (written by the workers: on a
        cluster, a path they all reach) and the summary as DIRECTORY/summary.json; returns DIRECTORY."""
        from evalkit.io.output import write_atomic

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.results.to_parquet(str(directory / "units"), write_index=False, overwrite=True)
        write_atomic(directory / "summary.json", json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n")
        return directory


def unit_column(frame: Any) -> str:
    """The unit column of a frame's header (DataError naming the headers that would do)."""
    from evalkit.io.data import OBSERVATION_COLUMNS, UNIT_COLUMNS
    from evalkit.io.table import header_key

    wanted = {header_key(a) for a in (*OBSERVATION_COLUMNS["unit"], *UNIT_COLUMNS["id"])}
    for column in frame.columns:
        if header_key(str(column)) in wanted:
            return str(column)
    raise DataError(Problem("the Dask DataFrame has no unit column", source="dask DataFrame",
                            expected="a column " + ", ".join(OBSERVATION_COLUMNS["unit"]),
                            found=", ".join(map(str, frame.columns))))


def evaluate_dask(scorecard: Scorecard, frame: Any, units: Units | None = None, period: str | None = None,
                  adjustments: Any = ()) -> DistributedEvaluation:
    """Score a Dask DataFrame (long or wide, as `evalkit.evaluate` reads a pandas one) on the current Dask
    scheduler (a `distributed.Client` if one is active): the in-memory results, bit for bit.

    Rows of one unit must lie in one partition; when they do not, the frame is shuffled by unit first.
    Without `units`, the units are the distinct ids of the unit column (as in memory).
    """
    require_dask()
    import dask
    from dask import delayed

    from evalkit.scoring.adjustments import records_from

    column = unit_column(frame)
    parts, ids = _by_unit(frame, column)
    present = [u for part in ids for u in part]
    if units is None:
        units = Units.from_ids(sorted(present))
    else:
        known = set(units.ids)
        given = set(present)
        leftover = [u for u in units.ids if u not in given]
        # ids the units do not know stay in their partition, whose reader reports them as in memory
        ids = [[u for u in part if u in known] for part in ids]
        if leftover:  # units without data rows are scored (with no values) in the first partition
            ids[0] = ids[0] + leftover
        ids = [sorted(part, key=units.index.__getitem__) for part in ids]
        present = [u for part in ids for u in part]
    records = records_from(adjustments, units.ids, scorecard)  # checked as in memory: known units and items
    where = {u: i for i, part in enumerate(ids) for u in part} if records else {}
    part_records: list[list[Any]] = [[] for _ in ids]
    for record in records:
        part_records[where[record.unit]].append(record)
    # each task gets its partition's units (one copy of each unit in the graph, never the whole list per task),
    # wrapped in a delayed object so that dask does not look into its tuples element by element
    part_units = [delayed(partition_units(units, part), pure=True) for part in ids]
    scorecard_d = delayed(scorecard, pure=True)
    lengths = [len(p) for p in ids]

    rules = sorted(global_rules(scorecard))
    points: list[dict[str, np.ndarray]] = [{} for _ in ids]
    details: list[dict[str, dict[str, np.ndarray]]] = [{} for _ in ids]
    if rules:
        captured = dask.compute(*[delayed(capture_task)(p, u, scorecard_d, rules, period, r)
                                  for p, u, r in zip(parts, part_units, part_records)])
        everyone = partition_units(units, present)
        for key, column_points in _score_globally(scorecard, list(captured), everyone, lengths, details).items():
            for i, piece in enumerate(column_points):
                points[i][key] = piece
    scored = dask.persist(*[delayed(score_task)(p, u, scorecard_d, pts, period, r)
                            for p, u, pts, r in zip(parts, part_units, points, part_records)])
    gathered = dask.compute(*[delayed(_summary_columns)(s) for s in scored])
    totals = np.concatenate([g[0] for g in gathered]) if gathered else np.zeros(0)
    grades = np.concatenate([g[1] for g in gathered]) if gathered else np.zeros(0, dtype=np.int64)

    from evalkit.scoring.quotas import apply_quotas
    from evalkit.scoring.ranking import rank

    ranks = rank(totals, present, ties=scorecard.ties)
    moved: dict[str, np.ndarray] = {}
    if scorecard.quotas:
        everyone = partition_units(units, present)
        grades, moved = apply_quotas(grades, totals, present, scorecard, everyone.attribute)
    bands = scorecard.grading.bands if scorecard.grading else ()
    bounds = np.cumsum([0, *lengths])
    finished = []
    for k, s in enumerate(scored):
        cut = slice(int(bounds[k]), int(bounds[k + 1]))
        finished.append(delayed(finish_task)(s, ranks[cut], grades[cut], np.asarray(grade_codes(grades[cut], bands) if moved else [], dtype=object),
                                             {key: mask[cut] for key, mask in moved.items()}))
    import dask.dataframe as dd

    meta = dask.compute(delayed(_empty)(finished[0]))[0] if finished else None
    results = dd.from_delayed(finished, meta=meta, verify_meta=False) if finished else None
    period_text = period or scorecard.period
    summary = _summary(scorecard, period_text, totals, grades, ranks, moved, len(finished))
    plan = PartitionPlan(parts=parts, part_units=part_units, scorecard=scorecard_d, points=points, records=part_records,
                         details=details, period=period, units=partition_units(units, present), totals=totals, ranks=ranks, grades=grades,
                         moved=moved, bounds=bounds)
    return DistributedEvaluation(scorecard=scorecard, period=period_text, results=results, summary=summary, plan=plan)


def _empty(frame: Any) -> Any:
    return frame.iloc[:0]


def _by_unit(frame: Any, column: str) -> tuple[list[Any], list[list[str]]]:
    """The frame's partitions (as delayed pandas frames) with each one's unit ids; shuffled by unit when a
    unit's rows lie in several partitions; empty partitions left out."""
    import dask

    for attempt in (0, 1):
        parts = frame.to_delayed()
        # only the unit column is read here (Parquet columns are projected), the rest when the partition is scored
        ids = [list(i) for i in dask.compute(*[dask.delayed(frame_ids)(p, column) for p in frame[[column]].to_delayed()])]
        seen: dict[str, int] = {}
        split = None
        for k, part in enumerate(ids):
            for u in part:
                if seen.setdefault(u, k) != k:
                    split = u
                    break
            if split is not None:
                break
        if split is None:
            kept = [(p, i) for p, i in zip(parts, ids) if i]
            return [p for p, _ in kept], [i for _, i in kept]
        if attempt == 0:
            # p2p needs the distributed scheduler; with a client made but another scheduler in use, by tasks
            on_cluster = dask.config.get("scheduler", None) == "dask.distributed"
            frame = frame.shuffle(on=column, shuffle_method="p2p" if on_cluster else "tasks")
    raise DataError(Problem(f"the rows of unit {split!r} are in several partitions after shuffling by unit",
                            source="dask DataFrame", column=column, expected="one unit id per unit"))


def _score_globally(scorecard: Scorecard, captured: list[dict[str, dict[str, Any]]], units: Units,
                    lengths: Sequence[int], details: Sequence[dict[str, dict[str, np.ndarray]]] = ()) -> dict[str, list[np.ndarray]]:
    """Each captured item's rule on all units (the same call as in memory), split back into partitions; the
    per-unit details of a rule that shows them (`Rule.details`) put in `details` (one dict per partition)."""
    n = sum(lengths)
    bounds = np.cumsum([0, *lengths])[1:-1]
    out: dict[str, list[np.ndarray]] = {}
    keys = list(dict.fromkeys(k for part in captured for k in part))
    for key in keys:
        entries = [part[key] for part in captured]
        first = entries[0]
        names = list(dict.fromkeys(k for e in entries for k in e["columns"]))
        periods = list(dict.fromkeys(p for e in entries for p in e["history"]))

        columns = {name: _joined([e["columns"].get(name) for e in entries], lengths) for name in names}
        history = {p: {name: _joined([e["history"].get(p, {}).get(name) for e in entries], lengths)
                       for name in dict.fromkeys(k for e in entries for k in e["history"].get(p, {}))}
                   for p in periods}
        values = np.concatenate([e["values"] for e in entries])
        meta = first["meta"]
        rule_name = json.loads(key)[0]
        rule = scorecard.registry.rules[rule_name]
        ctx = RuleContext(params=first["prepared"], max_points=meta["max_points"], indicator=meta["indicator"],
                          unit_ids=units.ids, period=meta["period"], columns=columns, indicators=meta["indicators"],
                          units=units, history=history, decimals=meta["decimals"], rounding=meta["rounding"],
                          catalogue=meta["catalogue"])
        try:
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                points = rule.score(values.copy(), ctx)
        except EvalkitError:
            raise
        except Exception as exc:
            owner = scorecard.registry.owner("rules", rule_name)
            raise PluginError(Problem(f"rule {rule_name!r} from plugin {owner!r} failed on all units: "
                                      f"{type(exc).__name__}: {exc}")) from exc
        if not isinstance(points, np.ndarray) or points.shape != (n,):
            found = f"shape {points.shape}" if isinstance(points, np.ndarray) else type(points).__name__
            raise PluginError(Problem(f"rule {rule_name!r} from plugin {scorecard.registry.owner('rules', rule_name)!r} "
                                      "returned the wrong thing", expected=f"a numpy array of {n} points", found=found))
        out[key] = np.split(points, bounds)
        if details and type(rule).details is not Rule.details:
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                shown = rule.details(values.copy(), ctx)
            for name, column in (shown or {}).items():
                for i, piece in enumerate(np.split(np.asarray(column), bounds)):
                    details[i].setdefault(key, {})[name] = piece
    return out


def _joined(pieces: Sequence[np.ndarray | None], lengths: Sequence[int]) -> np.ndarray:
    """One column from its partitions' pieces; a partition without the column has no values there (NaN)."""
    return np.concatenate([p if p is not None else np.full(length, np.nan) for p, length in zip(pieces, lengths)])


def _summary(scorecard: Scorecard, period: str, totals: np.ndarray, grades: np.ndarray, ranks: np.ndarray,
             moved: Mapping[str, np.ndarray], partitions: int) -> dict[str, Any]:
    bands = scorecard.grading.bands if scorecard.grading else ()
    counts = np.bincount(grades[grades != NO_GRADE], minlength=len(bands)) if len(bands) else np.zeros(0, dtype=np.int64)
    scored = totals[~np.isnan(totals)]
    return {
        "scorecard": scorecard.id, "period": period, "engine": "dask", "units": int(totals.shape[0]),
        "partitions": partitions,
        "grades": {band.grade: int(c) for band, c in zip(bands, counts.tolist())},
        "no_grade": int(np.count_nonzero(grades == NO_GRADE)),
        "total": {"min": float(scored.min()) if scored.size else None, "max": float(scored.max()) if scored.size else None,
                  "mean": float(scored.mean()) if scored.size else None, "no_total": int(totals.shape[0] - scored.size)},
        "quota_moves": {key: int(np.count_nonzero(mask)) for key, mask in moved.items()},
    }


def evaluate_parquet(files: Any, registry: Any = None, scheduler: str | None = None, workers: int | None = None,
                     output: str | Path | None = None, warn: Callable[[str], None] | None = None,
                     then: Callable[[DistributedEvaluation], Any] | None = None) -> DistributedEvaluation:
    """`evalkit run --engine dask`: the run's files (`evalkit.scoring.files.InputFiles`, data in Parquet) scored
    on Dask (`scheduler` address, or a local cluster of `workers` processes, or Dask's threads); with `output`,
    the per-unit results written there as partitioned Parquet beside summary.json; `then(result)` is called
    while the cluster is still up (`evalkit run --engine dask --store` stores the run there)."""
    require_dask()
    from evalkit.definition.scorecard import load_scorecard, scorecard_in_force
    from evalkit.io.dask_io import dask_client, read_parquet_frame
    from evalkit.io.inputs import load_units_noted
    from evalkit.plugins.manager import default_registry
    from evalkit.scoring.adjustments import read_adjustments

    if files.records or files.sheets:
        raise UsageError("--engine dask reads Parquet --data files; --records and --sheet are for the in-memory engine")
    registry = registry if registry is not None else default_registry()
    if Path(files.scorecard).is_dir():
        scorecard = scorecard_in_force(files.scorecard, files.period, registry)
    else:
        scorecard = load_scorecard(files.scorecard, registry)
    units, notes = load_units_noted(files.units, registry)
    for note in (*(str(p) for p in scorecard.warnings), *notes):
        if warn is not None:
            warn(note)
    records: tuple[Any, ...] = ()
    if files.adjustments:
        from evalkit.io.readers import read_tables

        (table, *_), _notes = read_tables(files.adjustments, registry)
        records = tuple(read_adjustments(table, units.ids, scorecard))
    frame = read_parquet_frame(files.data)
    with dask_client(scheduler, workers):
        result = evaluate_dask(scorecard, frame, units=units, period=files.period, adjustments=records)
        if output is not None:
            result.to_parquet(output)
        if then is not None:
            then(result)
    return result
