"""Assessment sources declared in a scorecard: self-assessment (自评), the superior's assessment (考评), a group.

A scorecard that takes several assessors' values for the same items says so in a top-level block::

    sources:
      combine: weights            # or override (the first source in `order` that has a value wins)
      assessors:
        - {id: self, name: {zh: 自评, en: self-assessment}, weight: 0.3}
        - {id: superior, name: {zh: 上级考评, en: superior's assessment}, weight: 0.7}
      gap: 5                      # 自评虚高: self total at least 5 points above the superior's
      self: self                  # which assessors the gap compares (these are the defaults)
      superior: superior

The data rows then carry a `source` column (来源, 评价主体) naming an assessor by id or name.
`sources_spec` reads the block; `source_problems` checks it (exit 2 on a bad one).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from evalkit.definition.documents import Document
from evalkit.errors import Problem


@attrs.frozen
class Assessor:
    id: str
    name_zh: str
    name_en: str
    weight: float | None = None

    def label(self, lang: str) -> str:
        return (self.name_zh if lang == "zh" else self.name_en) or self.name_zh or self.name_en or self.id


@attrs.frozen
class SourcesSpec:
    """The scorecard's `sources:` block, read."""

    combine: str  # "weights" or "override"
    assessors: tuple[Assessor, ...]
    order: tuple[str, ...]  # for override: first wins
    gap: float | None
    self_source: str
    superior_source: str

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.assessors)

    def weights(self) -> dict[str, float] | None:
        return {a.id: float(a.weight or 0.0) for a in self.assessors} if self.combine == "weights" else None

    def label(self, source: str, lang: str) -> str:
        for a in self.assessors:
            if a.id == source:
                return a.label(lang)
        return source

    def lookup(self) -> dict[str, str]:
        """Cell text (id, zh or en name, case folded) -> assessor id."""
        out: dict[str, str] = {}
        for a in self.assessors:
            for text in (a.id, a.name_zh, a.name_en):
                if text:
                    out.setdefault(text.strip().casefold(), a.id)
        return out


def _name(value: Any) -> tuple[str, str]:
    if isinstance(value, Mapping):
        return str(value.get("zh") or ""), str(value.get("en") or "")
    return (str(value), str(value)) if value else ("", "")


def sources_spec(raw: Mapping[str, Any]) -> SourcesSpec | None:
    """The scorecard's sources block (None when it declares none); assumes `source_problems` found nothing."""
    block = raw.get("sources")
    if not isinstance(block, Mapping):
        return None
    assessors = tuple(Assessor(id=str(a["id"]), name_zh=_name(a.get("name"))[0], name_en=_name(a.get("name"))[1],
                               weight=float(a["weight"]) if a.get("weight") is not None else None)
                      for a in block.get("assessors", []))
    order = tuple(block.get("order") or (a.id for a in assessors))
    gap = block.get("gap")
    return SourcesSpec(combine=str(block.get("combine", "weights")), assessors=assessors, order=order,
                       gap=float(gap) if gap is not None else None, self_source=str(block.get("self", "self")),
                       superior_source=str(block.get("superior", "superior")))


def source_problems(document: Document) -> Iterator[Problem]:
    """Unique assessor ids; weights for `combine: weights`; order, self and superior naming assessors."""
    block = document.data.get("sources")
    if not isinstance(block, Mapping):
        return
    base = ("sources",)
    assessors = [a for a in block.get("assessors", []) if isinstance(a, Mapping)]
    ids: list[str] = []
    for k, a in enumerate(assessors):
        if a.get("id") in ids:
            yield document.problem(base + ("assessors", k, "id"), f"the assessor id {a.get('id')!r} is used twice",
                                   expected="a unique id", found=repr(a.get("id")))
        ids.append(str(a.get("id")))
    known = ", ".join(ids)
    if block.get("combine", "weights") == "weights":
        for k, a in enumerate(assessors):
            w = a.get("weight")
            if not isinstance(w, (int, float)) or isinstance(w, bool) or w < 0:
                yield document.problem(base + ("assessors", k, "weight"),
                                       f"the assessor {a.get('id')!r} needs a weight (combine: weights)",
                                       expected="a number >= 0", found=repr(w) if w is not None else "none")
        if assessors and all(isinstance(a.get("weight"), (int, float)) and a.get("weight") == 0 for a in assessors):
            yield document.problem(base + ("assessors",), "every assessor's weight is 0", expected="a positive weight",
                                   found="all 0")
    for k, name in enumerate(block.get("order") or ()):
        if name not in ids:
            yield document.problem(base + ("order", k), f"unknown assessor {name!r}", expected="one of " + known,
                                   found=repr(name))
    if "order" in block and block.get("combine", "weights") != "override":
        yield document.problem(base + ("order",), "order is for combine: override", expected="weights on the assessors",
                               found="order with combine: weights")
    for key in ("self", "superior"):
        if key in block and block[key] not in ids:
            yield document.problem(base + (key,), f"unknown assessor {block[key]!r}", expected="one of " + known,
                                   found=repr(block[key]))
    if "gap" in block and not all(x in ids for x in (block.get("self", "self"), block.get("superior", "superior"))):
        yield document.problem(base + ("gap",), "the gap (自评虚高) compares the self and superior assessors",
                               expected="assessors with ids self and superior, or self: and superior: naming two",
                               found="assessors " + known)
