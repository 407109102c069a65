"""The contract every scoring rule follows, built-in or from a department plugin.

A rule scores one indicator for all units in one call: ``score(values, ctx)`` receives a float64
numpy array (NaN where a unit has no value) and returns the points for every unit, between 0 and
``ctx.max_points``. Returning NaN for a unit means "cannot be scored" (say, a target of zero) and the
item's missing-data policy then applies. Rules never loop over units in Python; a department that
only has a per-value formula can use `scalar_rule`, which lifts it (slowly) to the same contract.
"""

from __future__ import annotations

import abc
import contextlib
import contextvars
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar

import attrs
import numpy as np

from evalkit.definition.model import Indicator, Label
from evalkit.scoring.scalar_rounding import display_text

# The scorecard's declared decimals and rounding mode while a rule explains a point (see `displaying`);
# None outside explanations, where fmt writes up to 6 decimals.
DISPLAY: contextvars.ContextVar[tuple[int, str] | None] = contextvars.ContextVar("evalkit_display", default=None)


@attrs.frozen
class ParamProblem:
    """A problem with a rule's params that the JSON Schema cannot express (e.g. lower < upper)."""

    path: tuple[str | int, ...]  # inside params, e.g. ("tiers", 2, "points")
    message: str
    expected: str | None = None
    found: str | None = None


@attrs.frozen
class RuleContext:
    """What a rule may use besides the values: the item's scale, the indicator, the other columns."""

    params: Any
    max_points: float
    indicator: Indicator
    unit_ids: tuple[str, ...] = ()
    period: str = ""
    columns: Mapping[str, np.ndarray] = attrs.field(factory=dict, repr=False)
    indicators: tuple[Indicator, ...] = ()  # every input indicator, for rules with inputs = "many"
    units: Any = attrs.field(default=None, repr=False)  # evalkit.io.data.Units: types and attributes for peer groups
    history: Mapping[str, Mapping[str, np.ndarray]] = attrs.field(factory=dict, repr=False)  # other periods' columns
    decimals: int | None = None  # the scorecard's declared decimals: numbers in explanations are shown at them
    rounding: str = "half_up"  # and rounded by its declared mode
    catalogue: Mapping[str, Indicator] = attrs.field(factory=dict, repr=False)  # every indicator of the scorecard, by id
    _memo: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False, alias="_memo")

    def remember(self, key: str, compute: Callable[[], Any]) -> Any:
        """Compute a whole-column result once per item (e.g. peer percentiles) for every explain() call."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def higher_is_better(self) -> bool:
        """Whether a higher value of the item's indicator is better."""
        return self.indicator.direction == "higher"

    def peer_groups(self, by: str = "all") -> np.ndarray:
        """An int group code per unit: "all" (one group), "type", or any attribute of the units file."""
        from evalkit.analysis.peers import group_codes

        if self.units is None:
            return group_codes(None, len(self.unit_ids))
        return self.units.group_codes(by)

    def fmt(self, value: float | None, exact: bool = False) -> str:
        """A number of this item's explanation at the scorecard's declared decimals (`fmt` with `displaying`)."""
        if exact or self.decimals is None:
            return fmt(value, exact=True)
        with displaying(self.decimals, self.rounding):
            return fmt(value)

    def indicator_name(self, indicator_id: str, lang: str = "zh") -> str:
        """An indicator's name in `lang` for explanations (its id when the scorecard does not name it)."""
        known = self.catalogue.get(indicator_id)
        return (known.name.text(lang) or indicator_id) if known is not None else indicator_id

    def peer_group_name(self, by: str, index: int, lang: str = "zh") -> str:
        """The peer group of unit number `index` in words: 全部单位, or its type / attribute value (群团组织),
        never the attribute's id; the parent group names the parent unit."""
        if by == "all" or self.units is None:
            return "全部单位" if lang == "zh" else "all units"
        value = self.units.attribute(by)[index]
        if value is None or value == "":
            return group_word(by, lang) + ("（空）" if lang == "zh" else " (blank)")
        if by == "parent":
            names = dict(zip(self.units.ids, self.units.names))
            value = names.get(str(value), value)
        return str(value)

    def column(self, indicator_id: str, period: str | None = None) -> np.ndarray:
        """All units' values of an indicator (NaN where missing), of this period or of a baseline period."""
        columns = self.columns if period is None or str(period) == self.period else self.history.get(str(period), {})
        if indicator_id not in columns:
            return np.full(len(self.unit_ids), np.nan)
        return columns[indicator_id]


def fmt(value: float | None, exact: bool = False) -> str:
    """A number as a person writes it: 95, 0.5, 12.25 (no trailing zeros, no exponent).

    Inside `displaying(decimals, mode)` (while a rule explains a point) the number is rounded to the
    scorecard's declared decimals by its declared mode, as the JSON shows scores: 41.594828 -> 41.59.
    A non-zero number that would read 0 at those decimals keeps two significant digits (0.0012, not 0),
    the one case where an explanation shows more digits than declared. `exact=True` writes up to 6
    decimals whatever is displayed (for figures a rule needs to show as written).
    """
    if value is None:
        return "n/a"
    number = float(value)
    if number != number:  # NaN, without numpy's per-call overhead (this runs for every explained point)
        return "n/a"
    display = None if exact else DISPLAY.get()
    if display is not None and number not in (float("inf"), float("-inf")):
        return display_text(number, *display)  # rounded by the declared rule; worked out once per value
    text = f"{number:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@contextlib.contextmanager
def displaying(decimals: int | None, mode: str = "half_up") -> Iterator[None]:
    """Within the block, `fmt` shows numbers at `decimals` rounded by `mode` (None: as written, up to 6)."""
    token = DISPLAY.set(None if decimals is None else (int(decimals), mode))
    try:
        yield
    finally:
        DISPLAY.reset(token)


GROUP_WORDS = {"all": ("全部单位", "all units"), "type": ("单位类型", "unit type"), "parent": ("上级单位", "parent unit"),
               "level": ("层级", "level")}


def group_word(by: str, lang: str = "zh") -> str:
    """An attribute that forms peer groups or quota groups in words (type -> 单位类型); other attributes by name."""
    words = GROUP_WORDS.get(by)
    return (words[0] if lang == "zh" else words[1]) if words else by


class Rule(abc.ABC):
    """Base class of scoring rules. Subclasses set the class attributes and implement `score`.

    `check` and `prepare` receive the item's Indicator, or a tuple of them when `inputs` is "many".
    """

    name: ClassVar[str] = ""
    title: ClassVar[Label] = Label()
    description: ClassVar[str] = ""
    params_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    # Values outside this closed range are data errors (e.g. a negative count of events).
    value_range: ClassVar[tuple[float, float] | None] = None
    # "one": the item names one `indicator` and score() gets a 1-d array; "many": the item names
    # `indicators` and score() gets a 2-d array, one column per indicator in the order given.
    inputs: ClassVar[str] = "one"
    # True: a unit's points depend only on that unit's own values (its columns and baseline periods), so a
    # distributed run may score each partition of units alone. False (the default, always exact): the rule
    # may read other units (peer groups, percentiles, ranks), and a distributed run scores it on all units.
    unit_local: ClassVar[bool] = False

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        """Checks the schema cannot express; return problems, never raise."""
        return ()

    def deducts(self, params: Mapping[str, Any]) -> bool:
        """Whether the item's lost points are deductions (扣分), which a dimension's deduction_cap limits."""
        return False

    def indicators_used(self, params: Mapping[str, Any]) -> Iterable[tuple[tuple[str | int, ...], str]]:
        """Other indicators the params name, as (path inside params, indicator id), so they can be checked."""
        return ()

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        """Turn checked params into whatever `score` wants (sorted arrays, floats); runs once per item."""
        return params

    @abc.abstractmethod
    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        """Points for every unit (NaN in, or NaN out, means missing), within [0, ctx.max_points]."""

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        """One sentence on why unit number `index` with `value` earned `points`, in Chinese and English."""
        return Label(zh=f"{fmt(value)} 按规则 {self.name} 得 {fmt(points)} 分",
                     en=f"{fmt(value)} scores {fmt(points)} under rule {self.name}")

    def details(self, values: np.ndarray, ctx: RuleContext) -> Mapping[str, np.ndarray] | None:
        """Per-unit intermediate quantities of the rule, shown under the item in the JSON result (``details``),
        named as in the rule's source; None (the default) shows none."""
        return None

    def summary(self) -> dict[str, Any]:
        """Name, title, description and params schema, as `evalkit rules` lists them."""
        return {"name": self.name, "title": self.title.to_dict(), "description": self.description,
                "params_schema": self.params_schema}


ScalarFormula = Callable[[float, Mapping[str, Any], float, bool], float]


def scalar_rule(name: str, params_schema: dict[str, Any], description: str = "",
                title: Label | None = None) -> Callable[[ScalarFormula], Rule]:
    """Lift ``func(value, params, max_points, higher_is_better) -> points`` into a Rule.

    This is the slow path, about 1 million values a second: use it for a formula you only have per
    value; write a numpy `score` for anything that runs on many units.
    """

    def wrap(func: ScalarFormula) -> Rule:
        class ScalarRule(Rule):
            def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
                ufunc = np.frompyfunc(lambda v: func(v, ctx.params, ctx.max_points, ctx.higher_is_better), 1, 1)
                return ufunc(values).astype(np.float64)

        ScalarRule.name = name
        ScalarRule.params_schema = params_schema
        doc_lines = (func.__doc__ or "").strip().splitlines()
        ScalarRule.description = description or (doc_lines[0] if doc_lines else "")
        ScalarRule.title = title or Label(en=name)
        ScalarRule.__name__ = f"ScalarRule_{name}"
        return ScalarRule()

    return wrap
