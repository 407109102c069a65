"""Results put to use (考核结果运用): each unit's honours, coefficient and share of the reward pool, to the cent.

`allocate(scheme, units)` shares the scorecard's pool (evalkit.definition.rewards.RewardScheme) among the units
by their grade's coefficient (share_by: coefficient) or by coefficient × total (share_by: points). Arithmetic is
exact: the pool in integer cents, coefficients and totals as fractions of the decimal text they were written
as; each exact share is rounded half-up to the cent, and the cents the rounded shares then miss or exceed the
pool by are given to, or taken from, the units the declared remainder rule names, one cent each in turn:

- largest_remainder: the units whose rounding cost them most (gave them most), ties by rank then id;
- top_ranked: the best-ranked units first.

So the shares always add up to the pool exactly, whenever some unit has a coefficient (otherwise nothing is
shared and the whole pool is reported undistributed); no share is negative.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs

from evalkit.definition.rewards import RewardScheme, exact


def cents_text(cents: int) -> str:
    """12345 -> "123.45" (exact, no float)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def half_up(value: Fraction) -> int:
    """The nearest whole number, halves away from zero (values here are never negative)."""
    return int((value + Fraction(1, 2)) // 1) if value >= 0 else -int((-value + Fraction(1, 2)) // 1)


@attrs.frozen
class UnitReward:
    unit: str
    rank: int | None
    grade: str | None
    coefficient: Fraction
    honours: tuple[str, ...]
    weight: Fraction
    share_cents: int | None  # None: the scheme has no pool
    exact_cents: Fraction | None

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "rank": self.rank, "grade": self.grade, "coefficient": _decimal(self.coefficient),
                "honours": list(self.honours),
                **({} if self.share_cents is None else {"share": cents_text(self.share_cents), "share_cents": self.share_cents})}


def _decimal(value: Fraction) -> str:
    """A fraction with a finite decimal expansion as its decimal text ("1.2"); others to 6 places."""
    if value.denominator == 1:
        return str(value.numerator)
    scaled = value * 10**6
    digits = half_up(scaled)
    text = f"{digits // 10**6}.{digits % 10**6:06d}".rstrip("0")
    return text.rstrip(".")


@attrs.frozen
class RewardAllocation:
    """The reward section of a result: per unit its honours, coefficient and share; the totals reconcile to the pool."""

    pool_cents: int | None
    share_by: str
    remainder: str
    currency: str
    units: tuple[UnitReward, ...]
    adjusted: Mapping[str, int] = attrs.field(factory=dict)  # unit -> cents moved by the remainder rule

    @property
    def distributed_cents(self) -> int:
        return sum(u.share_cents or 0 for u in self.units)

    @property
    def undistributed_cents(self) -> int:
        return 0 if self.pool_cents is None else self.pool_cents - self.distributed_cents

    def honours(self) -> dict[str, list[str]]:
        """Honour -> the units eligible for it, in rank order."""
        out: dict[str, list[str]] = {}
        for u in self.units:
            for honour in u.honours:
                out.setdefault(honour, []).append(u.unit)
        return out

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"share_by": self.share_by, "remainder": self.remainder, "currency": self.currency,
                               "units": [u.to_dict() for u in self.units], "honours": self.honours()}
        if self.pool_cents is not None:
            doc.update({"pool": cents_text(self.pool_cents), "distributed": cents_text(self.distributed_cents),
                        "undistributed": cents_text(self.undistributed_cents),
                        "remainder_cents": {k: v for k, v in self.adjusted.items() if v}})
        return doc

    def text(self) -> str:
        lines = [f"考核结果运用 rewards ({self.share_by}" + (f", pool {cents_text(self.pool_cents)} {self.currency}"
                                                         if self.pool_cents is not None else "") + ")"]
        for u in self.units:
            share = "" if u.share_cents is None else f"  {cents_text(u.share_cents):>12}"
            lines.append(f"  {u.unit:<10} {u.grade or '—':<14} ×{_decimal(u.coefficient):<6}{share}  {', '.join(u.honours)}")
        if self.pool_cents is not None:
            lines.append(f"  distributed {cents_text(self.distributed_cents)}, undistributed {cents_text(self.undistributed_cents)}")
        return "\n".join(lines) + "\n"


def allocate(scheme: RewardScheme, units: Iterable[Mapping[str, Any]]) -> RewardAllocation:
    """Share the pool among `units` (result entries with id, rank, grade and total), in rank order."""
    rows = sorted(units, key=lambda u: (u.get("rank") is None, u.get("rank") or 0, str(u["id"])))
    weights: list[Fraction] = []
    rewards = []
    for u in rows:
        grade = scheme.of(u.get("grade"))
        coefficient = grade.coefficient if grade else Fraction(0)
        if scheme.share_by == "points":
            total = u.get("total")
            weight = coefficient * max(exact(total), Fraction(0)) if total is not None else Fraction(0)
        else:
            weight = coefficient
        weights.append(weight)
        rewards.append((u, grade, coefficient, weight))
    shares, moved, exacts = share_out(scheme.pool_cents, weights, scheme.remainder)
    out = tuple(UnitReward(unit=str(u["id"]), rank=u.get("rank"), grade=u.get("grade"), coefficient=c,
                           honours=grade.honours if grade else (), weight=w,
                           share_cents=None if shares is None else shares[k], exact_cents=None if exacts is None else exacts[k])
                for k, (u, grade, c, w) in enumerate(rewards))
    return RewardAllocation(pool_cents=scheme.pool_cents, share_by=scheme.share_by, remainder=scheme.remainder,
                            currency=scheme.currency, units=out,
                            adjusted={out[k].unit: v for k, v in enumerate(moved or []) if v})


def share_out(pool_cents: int | None, weights: Sequence[Fraction], remainder: str = "largest_remainder"
              ) -> tuple[list[int] | None, list[int] | None, list[Fraction] | None]:
    """(shares in cents, cents moved by the remainder rule, exact shares) of `pool_cents` by `weights` (in rank order).

    Shares add up to the pool exactly when some weight is positive; all are 0 otherwise.
    """
    if pool_cents is None:
        return None, None, None
    n = len(weights)
    total = sum(weights, Fraction(0))
    if total <= 0:
        return [0] * n, [0] * n, [Fraction(0)] * n
    exacts = [pool_cents * w / total for w in weights]
    shares = [half_up(x) for x in exacts]
    moved = [0] * n
    missing = pool_cents - sum(shares)
    step = 1 if missing > 0 else -1
    while missing:
        if remainder == "top_ranked":
            order = list(range(n))
        else:  # largest_remainder: the units the rounding cost (or gave) most first; ties in rank order. Each
            # rounding error is within half a cent, so more units were rounded the wrong way than cents are missing:
            # every unit moves at most one cent, and ends within a cent of its exact share.
            order = sorted(range(n), key=lambda k: (step * (shares[k] - exacts[k]), k))
        changed = False
        for k in order:
            if not missing:
                break
            if weights[k] <= 0 or shares[k] + step < 0:
                continue
            shares[k] += step
            moved[k] += step
            missing -= step
            changed = True
        if not changed:  # cannot happen with a positive weight; guards the loop
            break
    return shares, moved, exacts


__all__ = ["RewardAllocation", "UnitReward", "allocate", "cents_text", "half_up", "share_out"]
