"""The frozen objects a scorecard becomes once it has been validated.

Nothing here reads files or knows about plugins: `evalkit.definition.scorecard` builds these from a checked
document, and `evalkit.scoring.engine` scores them. Being frozen, a Scorecard can be shared and reused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from evalkit.errors import Problem
    from evalkit.plugins.manager import Registry

DIRECTIONS = ("higher", "lower")
MISSING_POLICIES = ("zero", "reweight", "fail")


@attrs.frozen
class Label:
    """Text for people in Chinese and English; either may be missing and falls back to the other."""

    zh: str | None = None
    en: str | None = None

    @classmethod
    def of(cls, value: str | Mapping[str, str] | Label | None) -> Label:
        """A Label from text (ASCII text serves both languages), a {zh, en} mapping, a Label, or None."""
        if value is None:
            return cls()
        if isinstance(value, Label):
            return value
        if isinstance(value, str):
            return cls(zh=value, en=value) if value.isascii() else cls(zh=value)
        return cls(zh=value.get("zh"), en=value.get("en"))

    def text(self, lang: str = "zh") -> str:
        """The text in `lang` ("zh" or "en"), else in the other language, else ""."""
        first, second = (self.zh, self.en) if lang == "zh" else (self.en, self.zh)
        return first or second or ""

    def to_dict(self) -> dict[str, str]:
        """{"zh": ..., "en": ...} with the languages given."""
        return {k: v for k, v in (("zh", self.zh), ("en", self.en)) if v is not None}


def _label(value: str | Mapping[str, str] | Label | None) -> Label:
    return Label.of(value)


def _direction(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in DIRECTIONS:
        raise ValueError(f"{attribute.name} must be 'higher' or 'lower', found {value!r}")


@attrs.frozen
class Indicator:
    """What is measured: id, names, unit of measure and whether higher or lower is better."""

    id: str
    name: Label = attrs.field(converter=_label)
    unit: str = ""
    direction: str = attrs.field(default="higher", validator=_direction)
    description: Label = attrs.field(default=None, converter=_label)
    evidence: str = "optional"  # 佐证 for a value: optional, flag (counted and flagged) or not_counted (missing)

    def to_dict(self) -> dict[str, Any]:
        """The indicator as `evalkit indicators --format json` prints it."""
        out: dict[str, Any] = {"id": self.id, "name": self.name.to_dict(), "unit": self.unit, "direction": self.direction}
        if self.description.to_dict():
            out["description"] = self.description.to_dict()
        if self.evidence != "optional":
            out["evidence"] = self.evidence
        return out


@attrs.frozen
class Item:
    """A leaf of the tree: one indicator scored by one rule, worth max_points or a weight."""

    id: str
    name: Label
    indicator: str
    rule: str
    params: Mapping[str, Any]
    max_points: float  # the item's scale: declared, or the default scale under weights
    weight: float | None
    missing: str
    path: tuple[str | int, ...] = ()
    inputs: tuple[str, ...] = ()  # every indicator the rule reads: (indicator,) or the item's `indicators`

    @property
    def indicators(self) -> tuple[str, ...]:
        """Every indicator the item's rule reads."""
        return self.inputs or (self.indicator,)


@attrs.frozen
class Dimension:
    """An inner node of the tree (一级/二级指标): its score is the sum of its children's."""

    id: str
    name: Label
    children: tuple[Node, ...]
    max_points: float | None
    weight: float | None
    path: tuple[str | int, ...] = ()
    deduction_cap: float | None = None  # 限扣: the dimension loses at most this many points


Node = Dimension | Item


@attrs.frozen
class Band:
    """A grade earned by a total of at least `min`."""

    min: float
    grade: str
    label: Label


@attrs.frozen
class Grading:
    """Score bands, highest first."""

    bands: tuple[Band, ...]


@attrs.frozen
class AdjustmentItem:
    """A bonus (加分) or deduction (扣分) item; records in the adjustments file say who gets how much."""

    id: str
    name: Label
    kind: str  # "bonus" or "deduction"
    cap: float | None = None
    block: str | None = None


@attrs.frozen
class Veto:
    """一票否决: an event whose effect overrides the score or the grade of the unit it is recorded for."""

    id: str
    name: Label
    effect: str  # force_grade | cap_grade | disqualify_honours | zero | deduct
    grade: str | None = None
    points: float | None = None


@attrs.frozen
class Gate:
    """A condition on an indicator that forces or caps a grade (e.g. satisfaction below 60 -> lagging)."""

    id: str
    name: Label
    indicator: str
    effect: str  # force_grade | cap_grade
    grade: str
    below: float | None = None
    above: float | None = None
    when_missing: str = "ignore"


@attrs.frozen
class Quota:
    """名额比例: the most units `grade` may hold in each group (`share` of the group, or `count`)."""

    grade: str
    share: float | None = None
    count: int | None = None
    per: str = "all"
    rounding: str = "floor"
    ties: str = "exclude"


@attrs.frozen
class Scorecard:
    """A validated scorecard. Build one with `evalkit.load_scorecard`."""

    id: str
    name: Label
    version: str | None
    period: str
    dimensions: tuple[Node, ...]
    indicators: Mapping[str, Indicator]
    grading: Grading | None
    rounding_decimals: int = 2
    rounding_mode: str = "half_up"
    ties: str = "min"
    rounding_stage: str = attrs.field(default="item", kw_only=True)  # "item": every step; "total": only the total
    total_points: float | None = None
    source: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)
    registry: Registry = attrs.field(kw_only=True, repr=False, eq=False)  # the rules it was checked against
    bonus_items: tuple[AdjustmentItem, ...] = ()
    bonus_cap: float | None = None
    deduction_items: tuple[AdjustmentItem, ...] = ()
    deduction_blocks: Mapping[str, float] = attrs.field(factory=dict)
    vetoes: tuple[Veto, ...] = ()
    gates: tuple[Gate, ...] = ()
    quotas: tuple[Quota, ...] = ()
    effective_from: str | None = None  # the first period the scheme is in force (None: open)
    effective_to: str | None = None  # the last period it is in force (None: open)
    derived: Mapping[str, Any] = attrs.field(factory=dict)  # id -> Expression, in evaluation order
    warnings: tuple[Problem, ...] = ()  # Problems that do not stop a run (e.g. an AHP matrix accepted with a high CR)
    ahp: Mapping[str, Any] = attrs.field(factory=dict)  # node id ("$" for the top) -> AhpResult
    # What is derived from this frozen scorecard alone (its items, the scoring plan), computed once: see `remember`.
    _memo: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)

    def remember(self, key: str, compute: Callable[[], Any]) -> Any:
        """`compute()` once per scorecard: for what follows from its frozen fields alone (attrs.evolve gives a
        new scorecard, which computes it again)."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def in_force(self, period: str) -> bool:
        """Whether the scheme applies to `period` (see `effective` in the schema)."""
        from evalkit.definition.periods import within

        if self.effective_from is None and self.effective_to is None:
            return True
        return within(str(period), self.effective_from, self.effective_to)

    def adjustment_targets(self) -> dict[str, AdjustmentItem | Veto]:
        """Every id an adjustments record may name: bonus and deduction items and vetoes."""
        targets: list[AdjustmentItem | Veto] = [*self.bonus_items, *self.deduction_items, *self.vetoes]
        return {x.id: x for x in targets}

    def band_index(self, grade: str) -> int:
        """Position of a grade in the bands (0 is the best); -1 if there is no such grade."""
        for i, band in enumerate(self.grading.bands if self.grading else ()):
            if band.grade == grade:
                return i
        return -1

    def walk(self) -> Iterator[tuple[Node, int, Dimension | None]]:
        """Yield (node, depth, parent) for every node, depth first, in definition order."""
        stack: list[tuple[Node, int, Dimension | None]] = [(node, 0, None) for node in reversed(self.dimensions)]
        while stack:
            node, depth, parent = stack.pop()
            yield node, depth, parent
            if isinstance(node, Dimension):
                stack.extend((child, depth + 1, node) for child in reversed(node.children))

    def items(self) -> list[Item]:
        """Every item, depth first, in definition order (a new list each call)."""
        return list(self.remember("items", lambda: tuple(node for node, _, _ in self.walk() if isinstance(node, Item))))
