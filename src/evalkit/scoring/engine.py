"""Scoring a scorecard on a data set: column-wise, one rule call per item for all units.

The order never changes: score every item (rule on the whole column) -> apply the missing-data
policy -> round item points -> share each item's points out of the total along the tree (weights,
or max_points, re-normalised per unit where items were dropped) -> dimension totals -> bonus,
deductions and score vetoes (`evalkit.scoring.adjustments`) -> grade from bands -> gates and grade vetoes ->
quotas (`evalkit.scoring.quotas`) -> rank.
There is no Python loop over units; the loops here run over the items of the scorecard, and the roll-up
over blocks of units (`BLOCK`), so that its temporaries stay small and in the processor's cache.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from evalkit.definition.model import Dimension, Indicator, Item, Node, Scorecard
from evalkit.errors import DataError, DefinitionError, EvalkitError, PluginError, Problem
from evalkit.io.data import DataSet, Units
from evalkit.plugins.manager import Registry
from evalkit.rules.base import Rule, RuleContext, fmt
from evalkit.scoring.adjustments import AdjustmentRecord, grade_overrides
from evalkit.scoring.adjustments import apply as apply_adjustments
from evalkit.scoring.clauses import discretionary_records, with_clause_evidence, with_discretionary
from evalkit.scoring.evidence import apply_evidence
from evalkit.scoring.grading import NO_GRADE, grade_indexes
from evalkit.scoring.missing import no_data_mask
from evalkit.scoring.quotas import apply_quotas
from evalkit.scoring.ranking import rank
from evalkit.scoring.rounding import Rounding

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation

_TOLERANCE = 1e-9  # slack allowed on a rule's [0, max_points] before it is a plugin bug
STACKED_UNITS = 4096  # up to this many units, every item's points are rows of one array (see _score_stacked)


@attrs.frozen
class Plan:
    """What scoring needs from a scorecard and nothing else, worked out once per scorecard
    (`scoring_plan`): a Scorecard is frozen, so none of this can change under it."""

    items: tuple[Item, ...]  # depth first, in definition order
    indicators: tuple[Indicator, ...]  # each item's indicator
    inputs: tuple[tuple[Indicator, ...], ...]  # each item's input indicators
    dimensions: tuple[Dimension, ...]  # every dimension, each after the dimensions under it
    reweighted_dimensions: tuple[Dimension, ...]  # those whose every item may be re-weighted away
    levels: tuple[tuple[Dimension, ...], ...]  # the dimensions by height: those with no dimension under them first
    groups: tuple[tuple[Dimension, ...], ...]  # levels[0] in groups of at most group_rows items (a few units' roll-up)
    group_rows: int
    position: Mapping[str, int]  # item id -> its place in items
    reweights: bool  # some item's missing-data policy is reweight: shares may differ per unit
    shares: Mapping[str, float]  # each item's share of the total when no unit is re-weighted ({} if reweights)
    factors: Mapping[str, float]  # share / max_points
    highs: Mapping[str, float | None]  # a bound on each item's contribution (_contribution_bound)
    max_points: float  # the largest item scale
    rounding: Rounding  # the declared rounding


def scoring_plan(scorecard: Scorecard) -> Plan:
    """The scorecard's Plan, computed on first use and kept on the scorecard."""
    plan: Plan = scorecard.remember("scoring plan", lambda: _plan(scorecard))
    return plan


def _plan(scorecard: Scorecard) -> Plan:
    items = tuple(scorecard.items())
    dims = tuple(_walk_dimensions(scorecard.dimensions))
    reweights = any(item.missing == "reweight" for item in items)
    shares: dict[str, float] = {}
    if not reweights:
        everyone = np.zeros(0, dtype=bool)  # nobody missing: every node available, scalar shares
        shares = _shares(scorecard, {item.id: (None, None, everyone) for item in items}, 0)[0]  # type: ignore[assignment]
    factors = {item.id: shares[item.id] / item.max_points for item in items if item.id in shares}
    levels = _levels(dims)
    # A few units' contributions are computed for a group of dimensions at a time: an eighth of the items at most
    # (one dimension's items at least), so that they take little memory beside the points.
    rows = max([len(items) // 8 + 1] + [len(d.children) for d in levels[0]] if levels else [1])
    groups: list[tuple[Dimension, ...]] = []
    for dim in levels[0] if levels else ():
        if groups and sum(len(d.children) for d in groups[-1]) + len(dim.children) <= rows:
            groups[-1] += (dim,)
        else:
            groups.append((dim,))
    return Plan(items=items, indicators=tuple(scorecard.indicators[item.indicator] for item in items),
                inputs=tuple(tuple(scorecard.indicators[name] for name in item.indicators) for item in items),
                dimensions=dims,
                reweighted_dimensions=tuple(d for d in dims if all(leaf.missing == "reweight" for leaf in _leaves(d))),
                levels=levels, groups=tuple(groups), group_rows=rows, position={item.id: k for k, item in enumerate(items)},
                reweights=reweights, shares=shares, factors=factors,
                highs={item.id: _contribution_bound(item.max_points, factors[item.id]) for item in items if item.id in factors},
                max_points=max((item.max_points for item in items), default=0.0),
                rounding=Rounding(scorecard.rounding_decimals, scorecard.rounding_mode))


@attrs.frozen
class ItemResult:
    """One item for all units: raw values, rule points, share of the total and flags.

    The contribution to the total (`score`) is derived from the points on first use when it was not
    given: ``points`` where the item's factor (share / max_points) is one, else
    ``rounding(points * factor)``, the very expression the engine sums. An evaluation keeps no second
    array per item that it can recompute.
    """

    item: Item
    values: np.ndarray  # raw indicator values, NaN where missing
    points: np.ndarray  # rounded points on the item's own scale (0..max_points)
    share: np.ndarray | float  # the item's weight on the total's scale, per unit when re-weighted
    stored_score: np.ndarray | None = attrs.field(alias="score", repr=False, eq=False)  # None: derived
    missing: np.ndarray = attrs.field(kw_only=True)  # True where the unit had no value or the rule could not score it
    rule: Rule = attrs.field(repr=False, kw_only=True)
    context: RuleContext = attrs.field(repr=False, kw_only=True)
    score_rounding: Callable[..., np.ndarray] | None = attrs.field(default=None, repr=False, eq=False, kw_only=True)
    _cache: list = attrs.field(factory=list, init=False, repr=False, eq=False)

    @property
    def score(self) -> np.ndarray:
        """Rounded contribution to the total: points / max_points * share."""
        if self.stored_score is not None:
            return self.stored_score
        if not self._cache:
            self._cache.append(contribution(self.points, self.share / self.item.max_points,
                                            self.score_rounding or _exact))
        return self._cache[0]


def contribution(points: np.ndarray, factor: np.ndarray | float, rounding: Callable[..., np.ndarray],
                 out: np.ndarray | None = None, high: float | None = None) -> np.ndarray:
    """An item's rounded contribution to the total: its points times share / max_points.

    `high`: a bound the caller knows the contributions stay under (they are never negative)."""
    if _is_one(factor):
        return points
    product = np.multiply(points, factor, out=out)
    if rounding is _exact:
        return product
    return rounding(product, out=product, bounds=None if high is None else (0.0, high))


def evaluate(scorecard: Scorecard, data: DataSet, registry: Registry,
             adjustments: Sequence[AdjustmentRecord] = (), progress: Callable[[int, int], None] | None = None
             ) -> Evaluation:
    """Score every unit of `data` against `scorecard`; raises DataError or PluginError for people.

    `progress(done, total)` is called after each item is scored (the CLI draws a progress bar with it).
    """
    from evalkit.scoring.evaluation import Evaluation

    plan = scoring_plan(scorecard)
    period = data.period or scorecard.period
    if not scorecard.in_force(period):
        raise DefinitionError(Problem(f"scorecard {scorecard.id!r} is not in force for period {period!r}",
                                      source=scorecard.source, path="$.effective",
                                      expected=f"a period from {scorecard.effective_from or '…'} to {scorecard.effective_to or '…'}, "
                                      "or the scorecard in force then", found=period))
    final_rounding = plan.rounding
    rounding = stage_rounding(scorecard, final_rounding)  # the steps before the total
    n = len(data.units)
    from evalkit.io.runs import with_run_values

    data = with_run_values(scorecard, data, only_absent=True)  # from_run values the data does not give
    data, lacking_evidence = apply_evidence(scorecard, data)  # 佐证: values without it flagged or not counted
    no_data = no_data_mask(data.columns, n)
    data, derived_reasons = with_derived(scorecard, data)
    data = with_discretionary(scorecard, data, adjustments)  # 酌情 records: one column per discretionary clause
    data = with_clause_evidence(scorecard, data)  # 佐证 marks for clauses whose applying value needs evidence
    item_results: dict[str, ItemResult] = {}
    problems: list[Problem] = []
    scored: dict[str, tuple] = {}
    items = plan.items
    stacked = None  # a few units: every item's points in the rows of one array (see _score_stacked)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # rules meet NaN and inf: theirs to handle
        if 0 < n <= STACKED_UNITS and items:
            scored, stacked = _score_stacked(plan, scorecard, data, registry, problems, rounding, progress)
        else:
            for done, item in enumerate(items, start=1):
                outcome = _score_item(item, scorecard, data, registry, problems, rounding, checked=True)
                if outcome is not None:
                    scored[item.id] = outcome
                if progress is not None:
                    progress(done, len(items))
    if problems:
        raise DataError(problems)

    shares: Mapping[str, np.ndarray | float]
    scorable: np.ndarray | bool
    if plan.reweights:
        shares, scorable = _shares(scorecard, scored, n)
    else:  # no item is ever re-weighted away: the shares are the scorecard's own (what _shares gives then)
        shares, scorable = plan.shares, True
    for item in items:
        values, points, missing, ctx = scored[item.id]
        item_results[item.id] = ItemResult(item=item, values=values, points=points, share=shares[item.id], score=None,
                                           missing=missing, rule=registry.rules[item.rule], context=ctx,
                                           score_rounding=rounding)
    dimension_scores, restored = _roll_up(scorecard, item_results, registry, rounding, n, plan=plan, stacked=stacked)
    totals = np.zeros(n)
    for node in scorecard.dimensions:
        if isinstance(node, Dimension):
            score = dimension_scores[node.id]
            totals += score if math.isfinite(np.add.reduce(score)) else np.nan_to_num(score)  # NaN: re-weighted away
        else:
            totals += item_results[node.id].score
    totals = final_rounding(totals)
    if rounding is not final_rounding:  # rounded only at the total: the parts are shown at the declared decimals
        item_results, dimension_scores = shown_rounded(item_results, dimension_scores, final_rounding)
    if scorable is not True:  # no value for any item, all re-weighted away: no total, so no grade and last rank
        totals[~scorable] = np.nan
    adjusted = None
    if scorecard.bonus_items or scorecard.deduction_items or scorecard.vetoes:
        adjusted = apply_adjustments(totals, data.units.ids, scorecard, adjustments, final_rounding)
    final = adjusted.total if adjusted is not None else totals
    band_grades, grades, grade_masks = grade_totals(final, scorecard, data.units, data.columns,
                                                    adjusted.veto_masks if adjusted is not None else {})
    ranks = rank(final, data.units.ids, ties=scorecard.ties)
    return Evaluation(scorecard=scorecard, units=data.units, period=data.period or scorecard.period, items=item_results,
                      dimensions=dimension_scores, totals=final, grades=grades, ranks=ranks, items_total=totals,
                      band_grades=band_grades, adjusted=adjusted, grade_masks=grade_masks,
                      derived_reasons=derived_reasons, cap_restored=restored,
                      clause_records=discretionary_records(adjustments, scorecard),
                      evidence=data.evidence, lacking_evidence=lacking_evidence,
                      notes=tuple(data.notes), no_data=no_data)


def grade_totals(final: np.ndarray, scorecard: Scorecard, units: Units, columns: Mapping[str, np.ndarray],
                 veto_masks: Mapping[str, np.ndarray], hits: Mapping[str, np.ndarray] | None = None
                 ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The grading path of a run: band grades of the final totals -> gates and grade vetoes -> quotas.

    Returns (band grades, final grades, each gate's, veto's and quota's unit mask). `hits` (the
    ``gate:ID`` / ``veto:ID`` masks of an earlier run) stands in for `columns` and `veto_masks`, so that
    weight sensitivity can grade re-totalled draws exactly as a run does.
    """
    n = final.shape[0]
    band_grades = grade_indexes(final, scorecard.grading) if scorecard.grading else np.full(n, NO_GRADE, dtype=np.int64)
    grades, grade_masks = grade_overrides(band_grades, scorecard, columns, veto_masks, hits=hits)
    if scorecard.quotas:
        grades, moved = apply_quotas(grades, final, units.ids, scorecard, units.attribute, codes=units.group_codes)
        grade_masks = {**grade_masks, **moved}
    return band_grades, grades, grade_masks


BLOCK = 1 << 15  # units per block of the roll-up: a block's few arrays stay in the processor's cache


def _roll_up(scorecard: Scorecard, items: Mapping[str, ItemResult], registry: Registry,
             rounding: Callable[..., np.ndarray], n: int, block: int | None = None, plan: Plan | None = None,
             stacked: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every dimension's score, and the points its deduction cap (限扣) restored, for all units.

    A dimension's score is its children's scores added in order and rounded, then its cap applied;
    every step is per unit, so the units are taken in blocks: the item contributions are computed
    into one reused buffer and added, never kept, and no temporary is larger than a block. `stacked`
    (every item's points as the rows of one array, in the plan's order, for a few units in one block):
    all contributions are computed and rounded at once, the same bits with a few calls in all.
    """
    plan = plan or scoring_plan(scorecard)
    dims = plan.dimensions
    scores = {node.id: np.empty(n) for node in dims} if stacked is None or n > (block or BLOCK) else {}
    restored = {node.id: np.empty(n) for node in dims if node.deduction_cap is not None}
    deducts = {leaf.id: registry.rules[leaf.rule].deducts(leaf.params) for node in dims if node.deduction_cap is not None
               for leaf in _leaves(node)}
    factors: Mapping[str, np.ndarray | float]
    highs: Mapping[str, float | None]
    if plan.reweights:
        factors = {item_id: r.share / r.item.max_points for item_id, r in items.items()}
        highs = {item_id: _contribution_bound(r.item.max_points, factors[item_id]) for item_id, r in items.items()}
    else:  # the scorecard's own shares: worked out once
        factors, highs = plan.factors, plan.highs
    block = block or BLOCK
    scratch = np.empty(min(block, n))

    def part(value: np.ndarray | float, lo: int, hi: int) -> np.ndarray | float:
        return value[lo:hi] if isinstance(value, np.ndarray) else value

    def score_of(item_id: str, lo: int, hi: int, out: np.ndarray) -> np.ndarray:
        return contribution(items[item_id].points[lo:hi], part(factors[item_id], lo, hi), rounding, out=out,
                            high=highs[item_id])

    def capped(node: Dimension, acc: np.ndarray, lo: int, hi: int, buffer: np.ndarray) -> None:
        """The points a dimension's deduction cap gives back, added to its rounded score `acc`."""
        # Only deductions (per-event deduct, shortfall) count against the cap; points an ordinary
        # item did not earn are not deductions.
        lost = np.zeros(hi - lo)
        for leaf in _leaves(node):
            if deducts[leaf.id]:
                lost += part(items[leaf.id].share, lo, hi) - score_of(leaf.id, lo, hi, buffer)
        back = restored[node.id][lo:hi]
        assert node.deduction_cap is not None  # only called for a dimension with a cap
        np.subtract(lost, node.deduction_cap, out=back)
        np.maximum(back, 0.0, out=back)
        rounding(back, out=back)
        acc += back
        rounding(acc, out=acc)

    def roll(node: Dimension, lo: int, hi: int) -> np.ndarray:
        acc = scores[node.id][lo:hi]
        acc.fill(0.0)
        buffer = scratch[:hi - lo]
        for child in node.children:
            acc += roll(child, lo, hi) if isinstance(child, Dimension) else score_of(child.id, lo, hi, buffer)
        rounding(acc, out=acc)
        if node.deduction_cap is not None:
            capped(node, acc, lo, hi, buffer)
        return acc

    if stacked is not None and n <= block:  # one block: contributions a group of dimensions at a time, levels at once
        table = np.empty((len(dims), n))  # a row per dimension, level by level (those under others first)
        rows: dict[str, np.ndarray] = {}
        spare = np.empty((plan.group_rows, n))  # the contributions of one group's items
        start = 0
        for depth, level in enumerate(plan.levels):
            if depth == 0:  # dimensions of items only: each one's items are consecutive rows of `stacked`
                for group in plan.groups:
                    _group_contributions(stacked, group, plan, factors, highs, rounding, spare)
                    used = 0
                    for dim in group:
                        acc = rows[dim.id] = table[len(rows)]
                        acc.fill(0.0)
                        for child in dim.children:
                            acc += stacked[plan.position[child.id]] if _is_one(factors[child.id]) else spare[used]
                            used += 1
            else:
                for dim in level:
                    acc = rows[dim.id] = table[len(rows)]
                    acc.fill(0.0)
                    for child in dim.children:
                        acc += rows[child.id] if isinstance(child, Dimension) else score_of(child.id, 0, n, scratch)
            done = table[start:len(rows)]
            rounding(done, out=done)  # each row as roll() rounds it
            for dim in level:
                if dim.deduction_cap is not None:
                    capped(dim, rows[dim.id], 0, n, scratch)
            start = len(rows)
        scores = {dim.id: rows[dim.id] for dim in dims}
    else:
        for lo in range(0, n, block):
            hi = min(lo + block, n)
            for node in scorecard.dimensions:
                if isinstance(node, Dimension):
                    roll(node, lo, hi)
    for node in plan.reweighted_dimensions:
        gone = _reweighted_away(node, items)
        if gone.any():
            scores[node.id][gone] = np.nan
    return scores, restored


def _group_contributions(stacked: np.ndarray, group: Sequence[Dimension], plan: Plan,
                         factors: Mapping[str, np.ndarray | float], highs: Mapping[str, float | None],
                         rounding: Callable[..., np.ndarray], out: np.ndarray) -> None:
    """The rounded contributions (`contribution`, element for element) of the items of `group` (dimensions of
    items only) into the first rows of `out`, in order: multiplied a dimension at a time, rounded at once."""
    used = 0
    bounds: list[float | None] = []
    for dim in group:
        first, count = plan.position[dim.children[0].id], len(dim.children)
        shared = [factors[child.id] for child in dim.children]
        if all(isinstance(f, float) for f in shared):
            np.multiply(stacked[first:first + count], np.array(shared, dtype=np.float64)[:, None], out=out[used:used + count])
        else:
            for k, factor in enumerate(shared):
                np.multiply(stacked[first + k], factor, out=out[used + k])
        bounds += [highs[child.id] for child in dim.children]
        used += count
    if rounding is not _exact:
        top = None if None in bounds else max(b for b in bounds if b is not None)
        rounding(out[:used], out=out[:used], bounds=None if top is None else (0.0, top))


def _contribution_bound(max_points: float, factor: np.ndarray | float) -> float | None:
    """A bound on points (0..max_points) times `factor`, or None where the factor could be negative."""
    low, high = (factor, factor) if not isinstance(factor, np.ndarray) else \
        (np.fmin.reduce(factor, axis=None), np.fmax.reduce(factor, axis=None)) if factor.size else (0.0, 0.0)
    if not (low >= 0.0 and high < np.inf):
        return None
    return float(max_points) * float(high) * (1.0 + 1e-9) + 1e-300


def _levels(dims: Sequence[Dimension]) -> tuple[tuple[Dimension, ...], ...]:
    """`dims` (each after those under it) grouped by height: 0 for a dimension with items only, else one more
    than the highest dimension under it; no dimension's score depends on another of its level."""
    height: dict[str, int] = {}
    for node in dims:
        height[node.id] = 1 + max((height[c.id] for c in node.children if isinstance(c, Dimension)), default=-1)
    return tuple(tuple(d for d in dims if height[d.id] == h) for h in range(max(height.values(), default=-1) + 1))


def _walk_dimensions(nodes: Sequence[Node]) -> Iterator[Dimension]:
    """Every dimension, each after the dimensions under it (the order their scores are completed in)."""
    for node in nodes:
        if isinstance(node, Dimension):
            yield from _walk_dimensions(node.children)
            yield node


def stage_rounding(scorecard: Scorecard, rounding: Rounding) -> Callable[..., np.ndarray]:
    """The rounding of the steps before the total: the declared one (``rounding.stage: item``, the default),
    or none at all (``stage: total``: contributions are summed unrounded, only the total is rounded, as
    CMS HVBP computes its Total Performance Score)."""
    if scorecard.rounding_stage == "total":
        return _exact
    return rounding


def _exact(values: Any, out: np.ndarray | None = None, bounds: Any = None) -> np.ndarray:
    result = np.asarray(values, dtype=np.float64)
    if out is None or out is result:
        return result
    out[...] = result
    return out


def shown_rounded(items: Mapping[str, ItemResult], dimensions: Mapping[str, np.ndarray], rounding: Rounding
                  ) -> tuple[dict[str, ItemResult], dict[str, np.ndarray]]:
    """Item points, contributions and dimension scores at the declared decimals, as text and JSON show them
    (the total was computed from the unrounded parts)."""
    shown = {k: attrs.evolve(r, points=rounding(r.points), score=rounding(r.score)) for k, r in items.items()}
    return shown, {k: rounding(v) for k, v in dimensions.items()}


def _reweighted_away(node: Dimension, items: Mapping[str, ItemResult]) -> np.ndarray:
    """Per unit: every item under `node` was dropped by the ``reweight`` policy (the dimension has no value)."""
    gone: np.ndarray | None = None
    for leaf in _leaves(node):
        if leaf.missing != "reweight":
            return np.zeros(len(items[leaf.id].missing), dtype=bool)
        gone = items[leaf.id].missing if gone is None else gone & items[leaf.id].missing
    assert gone is not None  # a dimension has at least one item
    return gone


def with_derived(scorecard: Scorecard, data: DataSet) -> tuple[DataSet, dict[str, np.ndarray]]:
    """Compute derived indicators (in dependency order) into extra columns, with why values are missing.

    Other periods (baselines) get them too, so a rule comparing with a baseline year sees the same formula.
    """
    if not scorecard.derived:
        return data, {}
    n = len(data.units)

    history: dict[str, Mapping[str, np.ndarray]] = dict(data.history)

    def computed(columns: Mapping[str, np.ndarray], period: str | None) -> tuple[dict, dict]:
        columns = dict(columns)
        reasons: dict[str, np.ndarray] = {}
        for name, expression in scorecard.derived.items():
            inputs = {used: columns[used] if used in columns else np.full(n, np.nan) for used in expression.names}
            columns[name], reasons[name] = expression.evaluate(inputs, n, history, period)  # history: lag, yoy
        return columns, reasons

    for period in sorted(history, key=_period_key):  # earliest first, so lag() of a derived indicator finds it
        history[period] = computed(history[period], period)[0]
    columns, reasons = computed(data.columns, data.period or scorecard.period)
    return attrs.evolve(data, columns=columns, history=history), reasons


def _period_key(period: str) -> tuple:
    """Chronological order of period texts; text that is not a period sorts first, by itself."""
    from evalkit.definition.periods import period_span

    try:
        return (1, period_span(period)[0], period)
    except ValueError:
        return (0, 0, period)


def _score_item(item: Item, scorecard: Scorecard, data: DataSet, registry: Registry, problems: list[Problem],
                rounding: Callable[..., np.ndarray] | None = None, checked: bool = False
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, RuleContext] | None:
    rule = registry.rules[item.rule]
    owner = registry.owner("rules", item.rule)
    indicator = scorecard.indicators[item.indicator]
    inputs = tuple(scorecard.indicators[name] for name in item.indicators)
    if rule.inputs == "many":
        values = np.column_stack([data.column(name) for name in item.indicators])
    else:
        values = data.column(item.indicator)
    if rounding is None:
        rounding = stage_rounding(scorecard, Rounding(scorecard.rounding_decimals, scorecard.rounding_mode))
    n = len(values)
    complete = False  # known to have a value for every unit
    if rule.value_range is not None:
        low, high = rule.value_range
        complete, bad = _range_check(values, low, high)
        if bad is not None:
            problems.extend(_unit_problems(f"values of {item.indicator!r} outside what rule {item.rule!r} accepts",
                                           data, bad, values, expected=f"values from {fmt(low)} to {fmt(high)}",
                                           indicator=item.indicator))
            return None
    try:
        subject: Any = inputs if rule.inputs == "many" else indicator  # Rule.prepare's documented tuple case
        prepared = rule.prepare(item.params, item.max_points, subject)
        ctx = RuleContext(params=prepared, max_points=item.max_points, indicator=indicator, unit_ids=data.units.ids,
                          period=data.period or scorecard.period, columns=data.columns, indicators=inputs,
                          units=data.units, history=data.history,
                          decimals=scorecard.rounding_decimals, rounding=scorecard.rounding_mode,
                          catalogue=scorecard.indicators)
        if checked:  # the caller has set np.errstate
            points = _rule_points(rule, values, ctx)
        else:
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                points = _rule_points(rule, values, ctx)
    except EvalkitError:
        raise  # a rule may report bad input itself (e.g. an unknown peer-group attribute)
    except Exception as exc:
        raise PluginError(Problem(f"rule {item.rule!r} from plugin {owner!r} failed on item {item.id!r}: "
                                  f"{type(exc).__name__}: {exc}")) from exc
    refs = _holders(points)  # counted here, where only this frame holds a fresh result
    owned = _owned(points, refs)
    points, points_nan = _checked_points(points, item, owner, n, owned)
    if n and not points_nan and (complete or not np.isnan(np.minimum.reduce(values, axis=None))):  # all given and scored
        missing = np.zeros(n, dtype=bool)
        return values, rounding(points, out=points, bounds=(0.0, item.max_points)), missing, ctx
    missing = np.isnan(values) if values.ndim == 1 else np.isnan(values).any(axis=1)
    missing |= np.isnan(points)
    if missing.any():
        if item.missing == "fail":
            problems.extend(_missing_fails(item, data, missing, values))
            return None
        np.copyto(points, 0.0, where=missing)
    return values, rounding(points, out=points, bounds=(0.0, item.max_points)), missing, ctx


def _score_stacked(plan: Plan, scorecard: Scorecard, data: DataSet, registry: Registry, problems: list[Problem],
                   rounding: Callable[..., np.ndarray], progress: Callable[[int, int], None] | None
                   ) -> tuple[dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, RuleContext]], np.ndarray]:
    """`_score_item` for every item, for a few units: what `_score_item` does per item with a call per step
    (range checks, rounding) is done here for all items at once, on one array whose rows are the items'
    points, written by the engine from each rule's result (a rule's array is never changed). Same points,
    same problems in the same order, the same first error raised. Returns the scored items and the array.
    The caller has set np.errstate."""
    items = plan.items
    k, n = len(items), len(data.units)
    stacked = np.empty((k, n))
    given: list[tuple[np.ndarray, RuleContext, bool] | None] = [None] * k
    refused: dict[int, list[Problem]] = {}  # item position -> its value problems
    period = data.period or scorecard.period
    done = 0
    try:
        for done, item in enumerate(items):
            rule = registry.rules[item.rule]
            if rule.inputs == "many":
                values = np.column_stack([data.column(name) for name in item.indicators])
            else:
                values = data.column(item.indicator)
            complete = False  # known to have a value for every unit
            if rule.value_range is not None:
                low, high = rule.value_range
                complete, bad = _range_check(values, low, high)
                if bad is not None:
                    refused[done] = _unit_problems(f"values of {item.indicator!r} outside what rule {item.rule!r} accepts",
                                                   data, bad, values, expected=f"values from {fmt(low)} to {fmt(high)}",
                                                   indicator=item.indicator)
                    if progress is not None:
                        progress(done + 1, k)
                    continue
            try:
                subject: Any = plan.inputs[done] if rule.inputs == "many" else plan.indicators[done]
                prepared = rule.prepare(item.params, item.max_points, subject)
                ctx = RuleContext(params=prepared, max_points=item.max_points, indicator=plan.indicators[done],
                                  unit_ids=data.units.ids, period=period, columns=data.columns, indicators=plan.inputs[done],
                                  units=data.units, history=data.history, decimals=scorecard.rounding_decimals,
                                  rounding=scorecard.rounding_mode, catalogue=scorecard.indicators)
                points = _rule_points(rule, values, ctx)
            except EvalkitError:
                raise
            except Exception as exc:
                raise PluginError(Problem(f"rule {item.rule!r} from plugin {registry.owner('rules', item.rule)!r} failed on "
                                          f"item {item.id!r}: {type(exc).__name__}: {exc}")) from exc
            if type(points) is np.ndarray and points.dtype == np.float64 and points.shape == (n,):
                stacked[done] = points
            else:  # checked (and converted) as _checked_points does
                stacked[done] = _points_array(points, item, registry.owner("rules", item.rule), n)
            given[done] = (values, ctx, complete)
            if progress is not None:
                progress(done + 1, k)
        done = k
    finally:  # an item's points out of its range raise before any later item's error, as item by item
        has_nan = _checked_rows(stacked, done, items, given, registry)
    order: list[Problem] = []
    scored: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, RuleContext]] = {}
    none_missing = np.zeros((k, n), dtype=bool)
    for row, item in enumerate(items):
        entry = given[row]
        if entry is None:
            order.extend(refused[row])
            continue
        values, ctx, complete = entry
        points = stacked[row]
        if not has_nan[row] and (complete or (low := np.minimum.reduce(values, axis=None)) == low):  # all given and scored
            scored[item.id] = (values, points, none_missing[row], ctx)
            continue
        missing = np.isnan(values) if values.ndim == 1 else np.isnan(values).any(axis=1)
        missing |= np.isnan(points)
        if missing.any():
            if item.missing == "fail":
                order.extend(_missing_fails(item, data, missing, values))
                continue
            np.copyto(points, 0.0, where=missing)
        scored[item.id] = (values, points, missing, ctx)
    if order:
        problems.extend(order)
    else:
        rounding(stacked, out=stacked, bounds=(0.0, plan.max_points))
    return scored, stacked


def _checked_rows(stacked: np.ndarray, count: int, items: Sequence[Item], given: Sequence[Any], registry: Registry
                  ) -> list[bool]:
    """`_checked_points` for the first `count` rows of `stacked` (the rows of items given points): a PluginError
    for the first out of its range, rows within the tolerance clipped in place; whether each has a NaN."""
    lows = np.minimum.reduce(stacked[:count], axis=1).tolist() if count else []
    highs = np.maximum.reduce(stacked[:count], axis=1).tolist() if count else []
    has_nan = [False] * len(items)
    for row in range(count):
        item = items[row]
        if given[row] is None or (lows[row] >= 0.0 and highs[row] <= item.max_points):
            continue
        has_nan[row] = _checked_points(stacked[row], item, registry.owner("rules", item.rule), stacked.shape[1], owned=True)[1]
    return has_nan


def _rule_points(rule: Rule, values: np.ndarray, ctx: RuleContext) -> Any:
    """The rule's points for `values`, given to it read-only: no copy of the input is made for it. A rule
    that writes into its input (allowed before) is given a copy of its own."""
    if values.flags.writeable:
        view = values.view()
        view.flags.writeable = False
    else:  # read-only already (DataSet.from_columns(copy=False) gives such views)
        view = values
    try:
        return rule.score(view, ctx)
    except ValueError as exc:
        if "read-only" not in str(exc):
            raise
    return rule.score(values.copy(), ctx)


def _holders(array: Any) -> int:
    """References to `array`, counted from a function its one holder calls with it."""
    return sys.getrefcount(array)


def _calibrated() -> int:
    fresh = np.empty(1)  # held by this frame alone, as a rule's fresh result is by _score_item's
    return _holders(fresh)


_FRESH_REFS = _calibrated()


def _owned(points: Any, refs: int) -> bool:
    """Whether nobody but the engine holds `points` (a rule's fresh result), so it may be changed in place."""
    return (isinstance(points, np.ndarray) and refs <= _FRESH_REFS and points.base is None and points.flags.owndata
            and points.flags.writeable and points.flags.c_contiguous)


def _points_array(points: Any, item: Item, owner: str, n: int) -> np.ndarray:
    """A rule's result as a float64 array of `n` points (not checked for range), or the PluginError
    `_checked_points` raises for it."""
    where = f"rule {item.rule!r} from plugin {owner!r} (item {item.id!r})"
    if not isinstance(points, np.ndarray) or points.shape != (n,):
        found = f"shape {points.shape}" if isinstance(points, np.ndarray) else type(points).__name__
        raise PluginError(Problem(f"{where} returned the wrong thing", expected=f"a numpy array of {n} points", found=found))
    try:
        return points.astype(np.float64, copy=False)
    except (TypeError, ValueError):
        raise PluginError(Problem(f"{where} returned values that are not numbers", found=str(points.dtype))) from None


def _checked_points(points: Any, item: Item, owner: str, n: int, owned: bool = False) -> tuple[np.ndarray, bool]:
    """The rule's points as a float64 array of the engine's own (clipped to 0..max_points), and whether
    any is NaN; a PluginError for a wrong shape, type or range."""
    where = f"rule {item.rule!r} from plugin {owner!r} (item {item.id!r})"
    if not isinstance(points, np.ndarray) or points.shape != (n,):
        found = f"shape {points.shape}" if isinstance(points, np.ndarray) else type(points).__name__
        raise PluginError(Problem(f"{where} returned the wrong thing", expected=f"a numpy array of {n} points", found=found))
    try:
        converted = points.astype(np.float64, copy=False)
    except (TypeError, ValueError):
        raise PluginError(Problem(f"{where} returned values that are not numbers", found=str(points.dtype))) from None
    owned = owned or converted is not points
    points = converted
    low = np.minimum.reduce(points) if n else np.nan
    if np.isnan(low):  # some (or no) points: check the numbers there are
        finite = points[~np.isnan(points)]
        low, high = (finite.min(), finite.max()) if finite.size else (0.0, 0.0)
        has_nan = bool(n)
    else:
        high, has_nan = np.maximum.reduce(points), False
    if low < -_TOLERANCE or high > item.max_points + _TOLERANCE:
        raise PluginError(Problem(f"{where} returned points outside the item's range",
                                  expected=f"0 to {fmt(item.max_points)}", found=f"{fmt(low)} to {fmt(high)}"))
    if not owned:
        return np.clip(points, 0.0, item.max_points), has_nan
    if low < 0.0 or high > item.max_points:  # within the tolerance: clipped. (A -0.0 that clip would make 0.0
        np.clip(points, 0.0, item.max_points, out=points)  # is made 0.0 by the rounding, or by the rounding for display)
    return points, has_nan


def _missing_fails(item: Item, data: DataSet, missing: np.ndarray, values: np.ndarray) -> list[Problem]:
    """The problems of the units an item with missing-data policy 'fail' has no points for."""
    return _unit_problems(f"no value, or one its rule cannot score, for item {item.id!r} (indicator "
                          f"{item.indicator!r}) and its missing-data policy is 'fail'", data, missing, values,
                          expected="a value for every unit, or missing: zero / reweight", indicator=item.indicator)


def _range_check(values: np.ndarray, low: float, high: float) -> tuple[bool, np.ndarray | None]:
    """(whether every unit has a value within [low, high], the units outside it or None): two reductions when
    the values are all within, the elementwise test only when some are not."""
    least = np.minimum.reduce(values, axis=None) if values.size else np.nan  # NaN where a value is missing
    complete = bool(least == least and least >= low and np.maximum.reduce(values, axis=None) <= high)
    if complete or (values.size and np.fmin.reduce(values, axis=None) >= low and np.fmax.reduce(values, axis=None) <= high):
        return complete, None
    bad = np.asarray((values < low) | (values > high))
    if bad.ndim == 2:
        bad = np.asarray(bad.any(axis=1))
    return complete, bad if bad.any() else None


def _unit_problems(message: str, data: DataSet, mask: np.ndarray, values: np.ndarray, expected: str,
                   indicator: str, limit: int = 10) -> list[Problem]:
    positions = np.flatnonzero(mask)
    problems = [Problem(f"{message} (unit {data.units.ids[i]!r})", **data.where(indicator, int(i)), expected=expected,
                        found=_value_text(values[i]))
                for i in positions[:limit]]
    if positions.size > limit:
        problems.append(Problem(f"... and {positions.size - limit} more units", source="data"))
    return problems


def _value_text(value: Any) -> str:
    """A unit's input as a person reads it: one number, or several for multi-indicator rules."""
    if np.ndim(value) == 0:
        return "no value" if np.isnan(value) else fmt(value)
    return "(" + ", ".join("no value" if np.isnan(v) else fmt(v) for v in value) + ")"


def _shares(scorecard: Scorecard, scored: Mapping[str, tuple[Any, ...]],
            n: int) -> tuple[dict[str, np.ndarray | float], np.ndarray | bool]:
    """Each item's share of the total (scalar, or per unit where re-weighting dropped siblings), and
    whether each unit has anything to be scored on (False: every item was dropped by re-weighting)."""
    available: dict[int, np.ndarray | bool] = {}

    def availability(node: Node) -> np.ndarray | bool:
        if isinstance(node, Item):
            missing = scored[node.id][2]
            result = ~missing if node.missing == "reweight" and missing.any() else True
        else:
            parts = [availability(c) for c in node.children]
            result = True if any(p is True for p in parts) else np.logical_or.reduce(np.asarray(parts))
        available[id(node)] = result
        return result

    tops = [availability(top) for top in scorecard.dimensions]
    scorable = True if any(t is True for t in tops) else np.logical_or.reduce(np.asarray(tops))

    shares: dict[str, np.ndarray | float] = {}

    def distribute(nodes: Sequence[Node], parent_share: np.ndarray | float) -> None:
        amounts = [_amount(c) for c in nodes]
        avails = [available[id(c)] for c in nodes]
        if all(a is True for a in avails):
            denominator = float(sum(amounts))
            child_shares = [parent_share * a / denominator for a in amounts]
        else:
            weighted = [a * np.asarray(av, dtype=np.float64) if av is not True else np.full(n, a)
                        for a, av in zip(amounts, avails)]
            denominator = np.sum(weighted, axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                child_shares = [np.where(denominator > 0, parent_share * w / denominator, 0.0) for w in weighted]
        for child, share in zip(nodes, child_shares):
            if isinstance(child, Item):
                shares[child.id] = share
            else:
                distribute(child.children, share)

    total = scorecard.total_points
    assert total is not None  # load_scorecard always sets it
    distribute(scorecard.dimensions, total)
    return shares, scorable


def _amount(node: Node) -> float:
    """A node's weight, or its max_points where its siblings are weighted by points."""
    amount = node.weight if node.weight is not None else node.max_points
    assert amount is not None  # validation asks every node for max_points or weight
    return amount


def _leaves(node: Dimension) -> Iterator[Item]:
    for child in node.children:
        if isinstance(child, Item):
            yield child
        else:
            yield from _leaves(child)


def _is_one(factor: Any) -> bool:
    return isinstance(factor, float) and abs(factor - 1.0) < 1e-12
