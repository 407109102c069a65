"""Clauses: an item scored by its 评分细则, clause by clause ("不按期换届扣5分", "每少1名扣1分，最多扣3分").

A clause item starts at its max_points (or at `start`) and each clause that applies takes its points
off (or, with `kind: add`, puts them back on). A clause reads one of the item's `indicators`:

- `flag: x`: applies once where x is non-zero (yes/true);
- `count: x`: applies x times (x >= 0), e.g. the number of members short;
- `when: {indicator: x, below: 12}` (or above, at_least, at_most, equals): applies once where the
  condition holds.

Each clause has `points` per occurrence and an optional `cap` (the most that clause moves). The item's
points are `start - deductions + additions`, kept within 0..max_points: clauses may add up to more than
the item, and the item stops at zero (扣完为止). Every clause is one vectorised computation for all
units; `breakdown` gives each clause's occurrences and points so explanations and reports can name them.
A clause may also say `discretionary: true` (酌情扣分): its points come from adjustment records that
name the item and the clause (see docs/adjustments.md), counted inside the clause's cap and the item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import attrs
import numpy as np

from evalkit.definition.model import Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt

CONDITIONS = {"below": np.less, "above": np.greater, "at_least": np.greater_equal, "at_most": np.less_equal,
              "equals": np.equal}
CONDITION_WORDS = {"below": ("低于", "below"), "above": ("高于", "above"), "at_least": ("不低于", "at least"),
                   "at_most": ("不高于", "at most"), "equals": ("等于", "equal to")}
SOURCES = ("flag", "count", "when", "discretionary")
EVIDENCE_PREFIX = "@evidence:"  # column key of an indicator's evidence marks (1 given, 0 not) for clauses requiring it
DISCRETIONARY_PREFIX = "@discretionary:"  # column key of a discretionary clause's recorded points: prefix + item/clause

_TEXT = {"oneOf": [{"type": "string", "minLength": 1},
                   {"type": "object", "additionalProperties": False, "minProperties": 1,
                    "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}}],
         "description": "The clause as written (text, or {zh, en})."}

CLAUSE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "points"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_.-]*$", "description": "a letter or _, then letters, digits, _ . -"},
        "text": _TEXT,
        "kind": {"enum": ["deduct", "add"], "default": "deduct", "description": "deduct (扣分) or add (加分)."},
        "flag": {"type": "string", "description": "Applies once where this indicator is non-zero (yes)."},
        "count": {"type": "string", "description": "Applies as many times as this indicator's value."},
        "when": {
            "type": "object", "required": ["indicator"], "additionalProperties": False, "minProperties": 2,
            "maxProperties": 2, "description": "Applies once where the condition holds: indicator and one comparison.",
            "properties": {"indicator": {"type": "string"}, **{k: {"type": "number"} for k in CONDITIONS}},
        },
        "discretionary": {"const": True, "description": "酌情: points come from adjustment records naming this clause."},
        "points": {"type": "number", "exclusiveMinimum": 0,
                   "description": "Points per occurrence (the most one record may give, for a discretionary clause)."},
        "cap": {"type": "number", "exclusiveMinimum": 0, "description": "The most this clause moves the item (限扣)."},
        "evidence": {"enum": ["required", "optional"], "default": "optional",
                     "description": "Whether the clause needs evidence (佐证): a record for a discretionary clause must name "
                                    "it; for a clause on an indicator, the value that makes the clause apply needs the "
                                    "data's evidence column (see without_evidence)."},
        "without_evidence": {"enum": ["not_counted", "flag"], "default": "not_counted",
                             "description": "With evidence: required on an indicator's clause, what a value that makes "
                                            "the clause apply without evidence does: not_counted (the clause does not "
                                            "apply) or flag (it applies, flagged in results and reports)."},
    },
    "oneOf": [{"required": [k]} for k in SOURCES],
}


@attrs.frozen
class Clause:
    """One prepared clause: where its occurrences come from, points each, cap and wording."""

    id: str
    text: Label
    kind: str
    source: str  # flag | count | when | discretionary
    column: int  # position of its indicator among the item's indicators (-1: discretionary)
    indicator: str | None
    comparison: str | None
    threshold: float | None
    points: float
    cap: float | None
    evidence: str
    without_evidence: str = "not_counted"

    def moved(self, occurrences: np.ndarray) -> np.ndarray:
        """Points this clause moves for every unit: occurrences x points, at most its cap."""
        amount = occurrences * self.points
        return amount if self.cap is None else np.minimum(amount, self.cap)


@attrs.frozen
class Prepared:
    clauses: tuple[Clause, ...]
    start: float


@attrs.frozen
class Breakdown:
    """Every clause for every unit: occurrences and points moved, shape (units, clauses)."""

    clauses: tuple[Clause, ...]
    occurrences: np.ndarray
    moved: np.ndarray  # after each clause's cap
    claimed: np.ndarray  # before each clause's cap
    start: float
    raw: np.ndarray  # start - deductions + additions, before it is kept within 0..max_points
    unsupported: np.ndarray | None = None  # (units, clauses): the value made the clause apply, without its evidence

    def without_evidence(self, index: int) -> list[tuple[Clause, str]]:
        """The clauses whose applying value had no evidence for unit `index`: (clause, "flag" | "not_counted")."""
        if self.unsupported is None:
            return []
        return [(c, c.without_evidence) for k, c in enumerate(self.clauses) if self.unsupported[index, k]]

    def applied(self, index: int) -> list[tuple[Clause, float, float]]:
        """The clauses that moved unit `index`'s points: (clause, occurrences, points moved)."""
        occ, moved = self.occurrences[index], self.moved[index]
        return [(c, float(occ[k]), float(moved[k])) for k, c in enumerate(self.clauses) if occ[k] > 0]

    def capped(self, index: int, clause: Clause) -> bool:
        """Whether the clause's cap held unit `index` back."""
        k = self.clauses.index(clause)
        return bool(self.claimed[index, k] > self.moved[index, k] + 1e-9)


def clause_indicator(spec: Mapping[str, Any]) -> str | None:
    """The indicator a clause reads (None for a discretionary clause)."""
    if "flag" in spec:
        return str(spec["flag"])
    if "count" in spec:
        return str(spec["count"])
    if "when" in spec:
        return str(spec["when"]["indicator"])
    return None


class ClausesRule(Rule):
    name = "clauses"
    unit_local = True  # scores each unit from its own values
    title = Label(zh="评分细则（逐条扣分）", en="Clauses")
    description = ("The item's scoring clauses one by one: each a flag, a count or a condition on one of the item's "
                   "indicators, with points per occurrence and an optional cap; starts at max_points, never below zero.")
    inputs = "many"
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["clauses"],
        "additionalProperties": False,
        "properties": {
            "clauses": {"type": "array", "minItems": 1, "items": CLAUSE_SCHEMA},
            "start": {"type": "number", "minimum": 0,
                      "description": "Points before any clause (default max_points: 扣分制; 0 for an item of additions)."},
        },
    }

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Any) -> Iterable[ParamProblem]:
        inputs = [i.id for i in (indicator if isinstance(indicator, tuple) else (indicator,))]
        seen: dict[str, int] = {}
        clauses = params["clauses"]
        for k, spec in enumerate(clauses):
            if spec["id"] in seen:
                yield ParamProblem(("clauses", k, "id"), f"the clause id {spec['id']!r} is used twice", expected="unique ids",
                                   found=f"also clauses[{seen[spec['id']]}]")
            seen.setdefault(spec["id"], k)
            name = clause_indicator(spec)
            key = next(s for s in SOURCES if s in spec)
            if name is not None and name not in inputs:
                where: tuple[str | int, ...] = ("clauses", k, key) + (("indicator",) if key == "when" else ())
                yield ParamProblem(where, "the clause reads an indicator the item does not list",
                                   expected="one of the item's indicators: " + ", ".join(inputs), found=repr(name))
            if "cap" in spec and spec["cap"] > max_points:
                yield ParamProblem(("clauses", k, "cap"), "the clause's cap is larger than the item's max_points",
                                   expected=f"at most {fmt(max_points)}", found=fmt(spec["cap"]))
            if key in ("flag", "when") and "cap" in spec and spec["cap"] < spec["points"]:
                yield ParamProblem(("clauses", k, "cap"), "a clause that applies once is capped below its own points",
                                   expected=f"no cap, or at least {fmt(spec['points'])}", found=fmt(spec["cap"]))
            if key == "discretionary" and "cap" not in spec:
                yield ParamProblem(("clauses", k), "a discretionary clause (酌情) needs a cap", expected="a 'cap' property",
                                   found="none")
        start = params.get("start", max_points)
        if start > max_points:
            yield ParamProblem(("start",), "the item starts above its max_points", expected=f"at most {fmt(max_points)}",
                               found=fmt(start))
        kinds = {spec.get("kind", "deduct") for spec in clauses}
        if start <= 0 and kinds == {"deduct"}:
            yield ParamProblem(("start",), "an item that starts at 0 has nothing to deduct from",
                               expected="start above 0, or some clause with kind: add", found=fmt(start))
        if start >= max_points and kinds == {"add"}:
            yield ParamProblem(("start",), "an item that starts at its max_points cannot gain from additions",
                               expected="start: 0 (or lower than max_points)", found=fmt(start))

    def deducts(self, params: Mapping[str, Any]) -> bool:
        return any(spec.get("kind", "deduct") == "deduct" for spec in params["clauses"])

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Any) -> Any:
        inputs = [i.id for i in (indicator if isinstance(indicator, tuple) else (indicator,))]
        clauses = []
        for spec in params["clauses"]:
            name = clause_indicator(spec)
            source = next(s for s in SOURCES if s in spec)
            comparison = next((k for k in CONDITIONS if k in spec.get("when", {})), None)
            clauses.append(Clause(
                id=spec["id"], text=Label.of(spec.get("text", spec["id"])), kind=spec.get("kind", "deduct"), source=source,
                column=inputs.index(name) if name is not None else -1, indicator=name, comparison=comparison,
                threshold=float(spec["when"][comparison]) if comparison else None, points=float(spec["points"]),
                cap=None if spec.get("cap") is None else float(spec["cap"]), evidence=spec.get("evidence", "optional"),
                without_evidence=spec.get("without_evidence", "not_counted")))
        return Prepared(clauses=tuple(clauses), start=float(params.get("start", max_points)))

    def breakdown(self, values: np.ndarray, ctx: RuleContext) -> Breakdown:
        """Each clause's occurrences and points for all units (one numpy expression per clause)."""
        p: Prepared = ctx.params
        values = values.reshape(len(values), -1)
        n = values.shape[0]
        occurrences = np.zeros((n, len(p.clauses)))
        moved = np.zeros((n, len(p.clauses)))
        claimed = np.zeros((n, len(p.clauses)))
        unsupported = np.zeros((n, len(p.clauses)), dtype=bool)
        with np.errstate(invalid="ignore"):
            for k, clause in enumerate(p.clauses):
                if clause.source == "discretionary":
                    recorded = ctx.columns.get(DISCRETIONARY_PREFIX + clause.id)
                    count = ctx.columns.get(DISCRETIONARY_PREFIX + clause.id + "#records")
                    amount = np.zeros(n) if recorded is None else np.asarray(recorded, dtype=np.float64)
                    occurrences[:, k] = (amount > 0).astype(np.float64) if count is None else count
                    claimed[:, k] = amount
                    moved[:, k] = amount if clause.cap is None else np.minimum(amount, clause.cap)
                    continue
                column = values[:, clause.column]
                if clause.source == "flag":
                    occ = np.where(np.isnan(column), np.nan, (column != 0).astype(np.float64))
                elif clause.source == "count":
                    occ = np.where(column < 0, np.nan, column)  # a negative count cannot be scored
                else:
                    assert clause.comparison is not None and clause.threshold is not None
                    held = CONDITIONS[clause.comparison](column, clause.threshold)
                    occ = np.where(np.isnan(column), np.nan, held.astype(np.float64))
                if clause.evidence == "required":  # the value that makes the clause apply needs its evidence
                    marks = ctx.columns.get(EVIDENCE_PREFIX + str(clause.indicator))
                    given = np.zeros(n, dtype=bool) if marks is None else np.asarray(marks) != 0
                    lacking = (occ > 0) & ~given
                    unsupported[:, k] = lacking
                    if clause.without_evidence == "not_counted":
                        occ = np.where(lacking, 0.0, occ)
                occurrences[:, k] = occ
                claimed[:, k] = occ * clause.points
                moved[:, k] = clause.moved(occ)
        sign = np.array([1.0 if c.kind == "add" else -1.0 for c in p.clauses])
        raw = p.start + moved @ sign if len(p.clauses) else np.full(n, p.start)
        return Breakdown(clauses=p.clauses, occurrences=occurrences, moved=moved, claimed=claimed, start=p.start, raw=raw,
                         unsupported=unsupported if unsupported.any() else None)

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        result = self.breakdown(values, ctx)
        ctx.remember("clauses", lambda: result)
        return np.clip(result.raw, 0.0, ctx.max_points)

    def explain(self, value: Any, points: float, ctx: RuleContext, index: int) -> Label:
        result: Breakdown = ctx.remember("clauses", lambda: None)
        if result is None:
            return super().explain(value, points, ctx, index)
        applied = result.applied(index)
        unsupported = dict(result.without_evidence(index))
        dropped = [c for c, what in unsupported.items() if what == "not_counted"]
        if not applied and not dropped:
            return Label(zh=f"无扣分情形，得 {fmt(points)} 分", en=f"no clause applies: {fmt(points)} points")
        zh_parts, en_parts = [], []
        for clause, occ, moved in applied:
            capped = result.capped(index, clause)
            flagged = clause in unsupported
            zh_parts.append(clause_words(clause, occ, moved, "zh", capped) + ("（未附佐证，已标记）" if flagged else ""))
            en_parts.append(clause_words(clause, occ, moved, "en", capped) + (" (no evidence, flagged)" if flagged else ""))
        for clause in dropped:
            zh_parts.append(f"{clause.text.text('zh')}（未附佐证，按规定不计）")
            en_parts.append(f"{clause.text.text('en')} (no evidence: not counted)")
        zh_end = f"得 {fmt(points)} 分"
        en_end = f"{fmt(points)} points"
        if result.raw[index] < 0:
            zh_end = f"扣完为止，{zh_end}"
            en_end = f"deductions stop at zero: {en_end}"
        elif result.raw[index] > ctx.max_points:
            zh_end = f"最高 {fmt(ctx.max_points)} 分，{zh_end}"
            en_end = f"at most {fmt(ctx.max_points)}: {en_end}"
        return Label(zh=f"{'；'.join(zh_parts)}；{zh_end}", en=f"{'; '.join(en_parts)}; {en_end}")


def clause_words(clause: Clause, occurrences: float, moved: float, lang: str, capped: bool = False) -> str:
    """One applied clause in words: its text, how often, points each and in all, and its cap when it bit."""
    zh = lang == "zh"
    verb = ("加" if clause.kind == "add" else "扣") if zh else ("added" if clause.kind == "add" else "off")
    text = clause.text.text(lang)
    if clause.source == "discretionary":
        core = (f"{text}（{fmt(occurrences)} 条记录，酌情{verb} {fmt(moved)} 分" if zh
                else f"{text} ({fmt(occurrences)} record{'' if occurrences == 1 else 's'}, discretionary: {fmt(moved)} {verb}")
    elif clause.source == "count":
        core = (f"{text}（{fmt(occurrences)} 次，每次{verb} {fmt(clause.points, exact=True)} 分，共{verb} {fmt(moved)} 分" if zh
                else f"{text} ({fmt(occurrences)} × {fmt(clause.points, exact=True)} {verb}: {fmt(moved)}")
    else:
        core = f"{text}（{verb} {fmt(moved)} 分" if zh else f"{text} ({fmt(moved)} {verb}"
    if capped:
        core += f"，本条最多{verb} {fmt(clause.cap, exact=True)} 分" if zh else f", this clause at most {fmt(clause.cap, exact=True)}"
    return core + ("）" if zh else ")")
