"""What each grade brings (考核结果运用): the scorecard's `rewards` section, read exactly.

```yaml
rewards:
  pool: 200000            # 奖励总额, currency units, at most two decimals
  share_by: coefficient   # or points: coefficient × total
  remainder: largest_remainder   # or top_ranked
  grades:
    good: {coefficient: 1.2, honours: [先进基层党组织]}
    fairly_good: {coefficient: 1.0}
    average: {coefficient: 0.8}
```

Coefficients and the pool are read as the decimal text they were written as (Fraction of the decimal string),
never as binary floats; the allocation is in evalkit.analysis.rewards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from evalkit.definition.documents import Document
    from evalkit.errors import Problem


def exact(value: Any) -> Fraction:
    """A number as written (YAML 1.2 gives a float; its shortest repr is what was written), exactly."""
    try:
        return Fraction(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError(f"not a number: {value!r}") from None


@attrs.frozen
class GradeReward:
    grade: str
    coefficient: Fraction
    honours: tuple[str, ...]


@attrs.frozen
class RewardScheme:
    grades: Mapping[str, GradeReward]
    pool_cents: int | None  # None: no pool, honours and coefficients only
    share_by: str = "coefficient"
    remainder: str = "largest_remainder"
    currency: str = "CNY"

    def of(self, grade: str | None) -> GradeReward | None:
        return None if grade is None else self.grades.get(grade)


def reward_scheme(raw: Mapping[str, Any]) -> RewardScheme | None:
    """The scorecard's reward scheme (None when it declares none); the document was checked before."""
    spec = raw.get("rewards")
    if not spec:
        return None
    grades = {g: GradeReward(g, exact(v.get("coefficient", 0)), tuple(v.get("honours", ())))
              for g, v in spec["grades"].items()}
    pool = spec.get("pool")
    return RewardScheme(grades=grades, pool_cents=None if pool is None else int(exact(pool) * 100),
                        share_by=spec.get("share_by", "coefficient"), remainder=spec.get("remainder", "largest_remainder"),
                        currency=spec.get("currency", "CNY"))


def reward_problems(document: Document) -> Iterable[Problem]:
    """The checks the schema cannot make: grades of the scheme, the pool in whole cents, exact numbers."""
    spec = document.data.get("rewards")
    if not spec:
        return
    bands = {b["grade"] for b in document.data.get("grading", {}).get("bands", [])}
    for grade, entry in spec.get("grades", {}).items():
        if grade not in bands:
            yield document.problem(("rewards", "grades", grade), "unknown grade",
                                   expected="a grade of $.grading.bands" if bands else "a grading scheme ($.grading)",
                                   found=repr(grade))
        if "coefficient" in entry:
            try:
                if exact(entry["coefficient"]) < 0:
                    raise ValueError
            except ValueError:
                yield document.problem(("rewards", "grades", grade, "coefficient"), "a coefficient is a number of 0 or more",
                                       expected="e.g. 1.2", found=repr(entry["coefficient"]))
    if "pool" in spec:
        try:
            pool = exact(spec["pool"])
        except ValueError:
            pool = Fraction(-1)
        if pool < 0 or (pool * 100).denominator != 1:
            yield document.problem(("rewards", "pool"), "the pool is an amount of 0 or more in whole cents",
                                   expected="e.g. 200000 or 200000.50", found=repr(spec["pool"]))


__all__ = ["GradeReward", "RewardScheme", "exact", "reward_problems", "reward_scheme"]
