"""Period roll-ups: quarterly or routine results, and reviews, rolled into one annual score.

A roll-up definition (YAML or JSON) lists parts with weights. A part is one file, or several
``periods`` that share the part's weight equally (the four quarters 95 % together, 23.75 % each); the
leaders' review 5 % is another part. Weights are divided by their sum. A file is the JSON result of
``evalkit run --format json`` (its units' totals), the JSON of ``evalkit review --format json`` (its
review scores), or a long-format table (unit, indicator, period, value) read for one ``indicator``.

Every value is first put on the annual scale: value x total_points / scale, where a part's scale is
its scorecard's total_points for results, the review's scale maximum for reviews, and 100 (or the
declared ``scale``) for tables. A unit's contribution from a part is its weight times that value;
the annual score is the sum of the contributions, computed unrounded and then rounded by the
declared rule (half up by default, never Python's round()); displayed contributions are rounded on
their own, so they may differ from the annual score by a unit in the last decimal.

A unit with no value in a file (not in it, or its total is null) is handled by ``missing``:
``reweight``: the other periods of the same part share the missing one's weight (three quarters
carry the quarters' 95 %), and a part with no value at all shares its weight among the other parts
in proportion; a unit with no value anywhere is missing. ``zero``: the missing file counts 0 and the
weights stay as declared.

From Python, ``rollup({"Q1": ev1, "Q2": ev2, "review": review_result}, {"Q1": 47.5, "Q2": 47.5,
"review": 5})`` takes Evaluations, ReviewResults or {unit: value} mappings directly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from evalkit.definition.documents import Document, load_document
from evalkit.definition.model import Label
from evalkit.errors import DataError, DefinitionError, Problem, describe
from evalkit.io.csv_text import csv_text
from evalkit.reviews.definition import plain_number
from evalkit.scoring.ranking import TIE_RULES, rank
from evalkit.scoring.rounding import Rounding

if TYPE_CHECKING:
    from evalkit.plugins.manager import Registry

ROLLUP_FORMAT = 1
MISSING_POLICIES = ("reweight", "zero")
DEFAULT_ROUNDING = Rounding()  # half up at 2 decimals
DEFAULT_NAME = Label(zh="年度综合", en="Annual roll-up")

_LEAF_PROPERTIES = {
    "file": {"type": "string", "minLength": 1,
             "description": "A result (evalkit run --format json), a review (evalkit review --format json) or a "
                            "long-format table; relative to the definition's folder."},
    "indicator": {"type": "string", "minLength": 1,
                  "description": "For a long-format table: the indicator to read; for a review: review_score "
                                 "(default) or one group's indicator."},
    "period": {"type": ["string", "integer"],
               "description": "For a table: the period to read; for a result: the period it must hold."},
    "scale": {"type": "number", "exclusiveMinimum": 0,
              "description": "Full marks of the values read (default: the result's total_points, the review's "
                             "scale maximum, or 100)."},
}
ROLLUP_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://evalkit.dev/schemas/rollup.schema.json",
    "title": "evalkit period roll-up",
    "type": "object",
    "required": ["id", "name", "parts"],
    "additionalProperties": False,
    "properties": {
        "$schema": {"type": "string"},
        "evalkit_rollup": {"const": 1, "description": "Version of the roll-up format."},
        "id": {"$ref": "#/$defs/identifier"},
        "name": {"$ref": "#/$defs/label"},
        "description": {"$ref": "#/$defs/label"},
        "period": {"type": ["string", "integer"], "description": "The period of the roll-up, e.g. \"2025\"."},
        "total_points": {"type": "number", "exclusiveMinimum": 0, "default": 100,
                         "description": "The scale of the annual score (default 100)."},
        "missing": {"enum": list(MISSING_POLICIES), "default": "reweight",
                    "description": "A unit with no value in a part: reweight (the other parts share its weight) "
                                   "or zero (the part counts 0)."},
        "rounding": {"type": "object", "additionalProperties": False, "properties": {
            "decimals": {"type": "integer", "minimum": 0, "maximum": 10, "default": 2},
            "mode": {"enum": ["half_up", "half_even", "down", "up"], "default": "half_up"}}},
        "ranking": {"type": "object", "additionalProperties": False,
                    "properties": {"ties": {"enum": list(TIE_RULES), "default": "min"}}},
        "parts": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/part"}},
    },
    "$defs": {
        "identifier": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_.-]*$",
                       "description": "Letters, digits, _ . - ; starts with a letter or _. Chinese goes in labels."},
        "label": {"description": "Text for people: a plain string, or {zh, en}.", "anyOf": [
            {"type": "string", "minLength": 1},
            {"type": "object", "additionalProperties": False, "minProperties": 1,
             "properties": {"zh": {"type": "string", "minLength": 1}, "en": {"type": "string", "minLength": 1}}}]},
        "part": {
            "type": "object",
            "required": ["id", "weight"],
            "additionalProperties": False,
            "properties": {
                "id": {"$ref": "#/$defs/identifier"},
                "name": {"$ref": "#/$defs/label"},
                "weight": {"type": "number", "exclusiveMinimum": 0,
                           "description": "The part's weight; weights are divided by their sum."},
                **_LEAF_PROPERTIES,
                "periods": {"type": "array", "minItems": 1,
                            "description": "Files that share the part's weight equally: a file name, or {id, file, ...}.",
                            "items": {"anyOf": [
                                {"type": "string", "minLength": 1},
                                {"type": "object", "required": ["file"], "additionalProperties": False,
                                 "properties": {"id": {"$ref": "#/$defs/identifier"}, "name": {"$ref": "#/$defs/label"},
                                                **_LEAF_PROPERTIES}}]}},
            },
            "oneOf": [{"required": ["file"]}, {"required": ["periods"]}],
        },
    },
}


@attrs.frozen
class RollupPart:
    """One file of a roll-up with its share of the annual score."""

    id: str
    name: Label
    group: str  # the id of the declared part it belongs to (its own id for a single file)
    share: float  # of the whole, after dividing the declared weights by their sum
    file: str | None = None
    indicator: str | None = None
    period: str | None = None
    scale: float | None = None
    path: tuple = ()  # JSON path of its declaration, for messages

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"id": self.id, "name": self.name.to_dict(), "part": self.group,
                               "share": plain_number(self.share)}
        for key in ("file", "indicator", "period", "scale"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@attrs.frozen
class RollupDefinition:
    id: str
    name: Label
    parts: tuple[RollupPart, ...]
    weights: Mapping[str, float]  # declared weight per declared part
    period: str | None = None
    total_points: float = 100.0
    missing: str = "reweight"
    rounding: Rounding = DEFAULT_ROUNDING
    ties: str = "min"
    source: str | None = None
    document: Document | None = attrs.field(default=None, eq=False, repr=False)

    def base(self) -> Path:
        """The folder the parts' files are relative to (the definition's own)."""
        return Path(self.source).parent if self.source and not self.source.startswith("<") else Path(".")

    def files(self) -> list[str]:
        """Every part's file, as a path from here."""
        return [str(self.base() / p.file) for p in self.parts if p.file]


def load_rollup(source: str | Path | Mapping[str, Any] | Document) -> RollupDefinition:
    """Load and check a roll-up definition; DefinitionError lists every problem with its path and line."""
    from evalkit.definition.scorecard import schema_problems

    if isinstance(source, Document):
        doc = source
    elif isinstance(source, Mapping):
        doc = Document(data=dict(source), source="<rollup>")
    else:
        doc = load_document(source)
    problems = schema_problems(doc, ROLLUP_SCHEMA)
    if problems:
        raise DefinitionError(sorted(problems, key=lambda p: p.line or 0))
    data = doc.data
    weights = np.array([p["weight"] for p in data["parts"]], dtype=np.float64)
    shares = weights / weights.sum()
    leaves: list[RollupPart] = []
    seen: dict[str, tuple] = {}
    for k, (part, share) in enumerate(zip(data["parts"], shares)):
        here = ("parts", k)
        inherit = {key: part.get(key) for key in ("indicator", "period", "scale")}
        if "file" in part:
            entries: list[tuple[tuple[Any, ...], str, Any, dict[str, Any]]] = [
                (here, part["id"], part.get("name", part["id"]), {**inherit, "file": part["file"]})]
        else:
            entries = []
            for j, entry in enumerate(part["periods"]):
                entry = {"file": entry} if isinstance(entry, str) else entry
                leaf_id = entry.get("id") or Path(entry["file"]).stem
                merged = {**inherit, **{key: entry[key] for key in ("file", "indicator", "period", "scale") if key in entry}}
                entries.append((here + ("periods", j), leaf_id, entry.get("name", leaf_id), merged))
        for path, leaf_id, name, spec in entries:
            if leaf_id in seen:
                problems.append(doc.problem(path, f"the part id {leaf_id!r} is used twice (a file name gives the id "
                                            "when none is written)", expected="distinct ids: write `id` for each period",
                                            found=repr(leaf_id)))
                continue
            seen[leaf_id] = path
            leaves.append(RollupPart(id=leaf_id, name=Label.of(name), group=part["id"], share=float(share) / len(entries),
                                     file=spec["file"], indicator=spec.get("indicator"),
                                     period=str(spec["period"]) if spec.get("period") is not None else None,
                                     scale=float(spec["scale"]) if spec.get("scale") is not None else None, path=path))
    if problems:
        raise DefinitionError(problems)
    rounding = data.get("rounding", {})
    period = data.get("period")
    return RollupDefinition(
        id=data["id"], name=Label.of(data["name"]), parts=tuple(leaves),
        weights={p["id"]: float(p["weight"]) for p in data["parts"]},
        period=str(period) if period is not None else None, total_points=float(data.get("total_points", 100)),
        missing=data.get("missing", "reweight"),
        rounding=Rounding(int(rounding.get("decimals", 2)), rounding.get("mode", "half_up")),
        ties=data.get("ranking", {}).get("ties", "min"), source=doc.source, document=doc)


# --------------------------------------------------------------------------------------------------
# Reading one part


@attrs.frozen
class PartValues:
    """The values one part gives: unit -> value (None for a unit listed without a value), and its scale."""

    values: Mapping[str, float | None]
    scale: float
    names: Mapping[str, str] = attrs.field(factory=dict)
    period: str | None = None
    source: str | None = None


def read_part(part: RollupPart, definition: RollupDefinition | None = None, registry: Registry | None = None) -> PartValues:
    """Read one part's file: an evalkit result, an evalkit review, or a long-format table."""
    base = definition.base() if definition is not None else Path(".")
    if part.file is None:
        raise ValueError(f"part {part.id!r} names no file")
    path = Path(part.file)
    path = path if path.is_absolute() else base / path
    source = str(path)
    if path.suffix.lower() == ".json":
        doc = load_document(path)
        data = doc.data
        if isinstance(data, dict) and "evalkit_result" in data:
            return _from_result(doc, part)
        if isinstance(data, dict) and "evalkit_review_result" in data:
            return _from_review(doc, part)
        if not isinstance(data, list):
            raise DataError(Problem("not a file a roll-up can read", source=source,
                                    expected="an evalkit result (evalkit run --format json), an evalkit review "
                                             "(evalkit review --format json) or an array of long-format rows",
                                    found="a JSON object" if isinstance(data, dict) else describe(data)))
    return _from_table(path, part, definition, registry)


def _from_result(doc: Document, part: RollupPart) -> PartValues:
    from evalkit.definition.schemas import base_schema
    from evalkit.definition.scorecard import schema_problems

    problems = schema_problems(doc, base_schema("result.schema.json"))
    if problems:
        raise DataError(problems[:20])
    data = doc.data
    held = data["scorecard"]["period"]
    if part.period is not None and held != part.period:
        raise DataError(Problem(f"the result is of period {held!r}, not {part.period!r}", source=doc.source,
                                path="$.scorecard.period", expected=repr(part.period), found=repr(held)))
    values = {u["id"]: u.get("total") for u in data["units"]}
    names = {u["id"]: u.get("name") or u["id"] for u in data["units"]}
    return PartValues(values=values, scale=part.scale or float(data["scorecard"]["total_points"]), names=names,
                      period=held, source=doc.source)


def _from_review(doc: Document, part: RollupPart) -> PartValues:
    data = doc.data
    try:
        review = data["review"]
        indicator = review["indicator"]
        wanted = part.indicator or indicator
        groups = {f"{indicator}.{g['id']}": g["id"] for g in review["groups"]}
        if wanted != indicator and wanted not in groups:
            raise DataError(Problem(f"the review has no indicator {wanted!r}", source=doc.source,
                                    expected="one of " + ", ".join([indicator, *groups]), found=repr(wanted)))
        if wanted == indicator:
            values = {u["id"]: u["score"] for u in data["units"]}
        else:
            values = {u["id"]: u["groups"][groups[wanted]]["value"] for u in data["units"]}
        names = {u["id"]: u.get("name") or u["id"] for u in data["units"]}
        scale = part.scale or float(review["scale"]["max"])
    except (KeyError, TypeError) as exc:
        raise DataError(Problem("the review result is incomplete", source=doc.source,
                                expected="what evalkit review --format json writes", found=f"no {exc}")) from None
    return PartValues(values=values, scale=scale, names=names, period=review.get("period"), source=doc.source)


def _from_table(path: Path, part: RollupPart, definition: RollupDefinition | None, registry: Registry | None) -> PartValues:
    from evalkit.io.data import OBSERVATION_COLUMNS
    from evalkit.io.inputs import read_table
    from evalkit.io.table import RowReader, cell_text
    from evalkit.plugins.manager import default_registry

    if part.indicator is None:
        doc = definition.document if definition is not None else None
        problem = (doc.problem(part.path, "a long-format table needs the indicator to read", expected="`indicator: ...`",
                               found=f"none for {part.file}") if doc is not None else
                   Problem("a long-format table needs the indicator to read", source=str(path)))
        raise DefinitionError(problem)
    fast = _fast_table(path, part, registry or default_registry())
    if fast is not None:
        return fast
    table = read_table(path, registry or default_registry())
    reader = RowReader(table, OBSERVATION_COLUMNS, required=("unit", "indicator", "value"))
    values: dict[str, float | None] = {}
    periods: set[str] = set()
    for row in reader:
        if cell_text(row.cell("indicator")) != part.indicator:
            continue
        row_period = cell_text(row.cell("period"))
        if part.period is not None and row_period and row_period != part.period:
            continue
        if row_period:
            periods.add(row_period)
        uid = row.text("unit")
        if not uid:
            if row.ok:
                row.problem("the unit is empty", "unit", expected="a unit id")
            continue
        value = row.number("value")
        if not row.ok or not reader.unique(row, (uid,), f"duplicate row: unit {uid!r} already has a value for "
                                           f"{part.indicator!r}", expected="one row per unit and period", column="unit"):
            continue
        values[uid] = value
    if part.period is None and len(periods) > 1:
        reader.problems.append(Problem(f"the rows of {part.indicator!r} hold several periods; declare the part's period",
                                       source=table.source, expected="`period: ...` on the part",
                                       found=", ".join(sorted(periods))))
    reader.raise_problems()
    if not values:
        raise DataError(Problem(f"no rows for indicator {part.indicator!r}" +
                                (f" in period {part.period!r}" if part.period else ""), source=table.source,
                                expected="rows of the indicator the part names"))
    return PartValues(values=values, scale=part.scale or 100.0, period=part.period or next(iter(periods), None),
                      source=table.source)


def _fast_table(path: Path, part: RollupPart, registry: Registry) -> PartValues | None:
    """`_from_table` of a clean CSV read column by column (`evalkit.io.columnar`); None when the file
    is not one the columnar path reads exactly or when it has anything to report (then it is read row by row)."""
    from evalkit.io.columnar import optional_numbers, read_table_columns, row_codes
    from evalkit.io.data import OBSERVATION_COLUMNS
    from evalkit.io.table import RowReader

    columns = read_table_columns(path, registry)
    if columns is None:
        return None
    try:
        at = RowReader(columns.header(), OBSERVATION_COLUMNS, required=("unit", "indicator", "value")).columns
    except DataError:
        return None
    codes, names = row_codes(columns.column(at["indicator"]))
    if part.indicator not in names:
        return None
    keep = codes == names.index(part.indicator)
    periods: set[str] = set()
    if "period" in at:
        period_codes, period_names = row_codes(columns.column(at["period"]))
        if part.period is not None:
            counted = np.array([not p or p == part.period for p in period_names])
            keep &= counted[period_codes]
        present = np.flatnonzero(np.bincount(period_codes[keep], minlength=len(period_names))).tolist()
        periods = {period_names[k] for k in present} - {""}
    if part.period is None and len(periods) > 1:
        return None
    rows = np.flatnonzero(keep)
    unit_codes, unit_names = row_codes(columns.column(at["unit"]), rows)
    read = optional_numbers(columns.column(at["value"]))
    if read is None or not rows.size or np.bincount(unit_codes).max() > 1:
        return None  # a value that is no number, a repeated unit: the exact path names the rows
    if "" in unit_names and (unit_codes == unit_names.index("")).any():
        return None
    values, given = read[0][rows], read[1][rows]
    figures = [float(v) if g else None for v, g in zip(values.tolist(), given.tolist())]
    return PartValues(values=dict(zip((unit_names[k] for k in unit_codes.tolist()), figures)), scale=part.scale or 100.0,
                      period=part.period or next(iter(periods), None), source=columns.source)


# --------------------------------------------------------------------------------------------------
# Rolling up


@attrs.frozen
class RollupRow:
    """One unit of a roll-up, as a table shows it."""

    rank: int
    id: str
    name: str
    parts: tuple[tuple[float | None, float, float | None], ...]  # (value or None, weight, rounded contribution) per part
    annual: float | None
    notes: tuple[str, ...]


def _plain(value: float | np.ndarray) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


@attrs.frozen
class RollupResult:
    """Per unit and part: the value, the weight it got and its contribution; and the annual score."""

    unit_ids: tuple[str, ...]
    names: tuple[str, ...]
    parts: tuple[RollupPart, ...]
    values: np.ndarray  # (units, parts) on each part's own scale, NaN where missing
    scales: np.ndarray  # (parts,) full marks of each part's values
    shares: np.ndarray  # (parts,) declared shares (sum 1)
    weights: np.ndarray  # (units, parts) weight used (rows sum to 1 under reweight; the shares under zero)
    contributions: np.ndarray  # (units, parts) points on the annual scale (unrounded)
    annual: np.ndarray  # (units,) rounded; NaN when missing
    ranks: np.ndarray
    total_points: float = 100.0
    missing: str = "reweight"
    rounding: Rounding = DEFAULT_ROUNDING
    ties: str = "min"
    id: str = "rollup"
    name: Label = DEFAULT_NAME
    period: str | None = None
    warnings: tuple[Problem, ...] = ()

    def order(self) -> np.ndarray:
        ids = np.asarray(self.unit_ids, dtype=object).astype(str)
        return np.lexsort((ids, self.ranks))

    def notes(self, i: int, lang: str = "en") -> list[str]:
        missing = [p.name.text(lang) for k, p in enumerate(self.parts) if np.isnan(self.values[i, k])]
        if not missing:
            return []
        zh = lang == "zh"
        names = "、".join(missing) if zh else ", ".join(missing)
        if np.isnan(self.annual[i]):
            return [f"{names}均无成绩" if zh else "no value in any part"]
        if self.missing == "reweight":
            return [f"{names}无成绩，其权重由其余部分按比例分担" if zh else f"{names}: no value, its weight shared by the others"]
        return [f"{names}无成绩，计 0 分" if zh else f"{names}: no value, counted as 0"]

    def table_rows(self, lang: str = "en") -> list[RollupRow]:
        """Per unit, best first: each part's value (None: missing) and rounded contribution, the annual score, notes."""
        out = []
        for i in self.order().tolist():
            parts = tuple((_plain(self.values[i, k]), float(self.weights[i, k]), _plain(self.rounding(self.contributions[i, k])))
                          for k in range(len(self.parts)))
            out.append(RollupRow(rank=int(self.ranks[i]), id=self.unit_ids[i], name=self.names[i], parts=parts,
                                 annual=_plain(self.annual[i]), notes=tuple(self.notes(int(i), lang))))
        return out

    def to_csv(self, lang: str = "en") -> str:
        """CSV (with a BOM): rank, unit, name, each part's value, weight and contribution, and the annual score."""
        zh = lang == "zh"
        d = self.rounding.decimals
        header = ["排名", "编号", "单位"] if zh else ["rank", "unit", "name"]
        for p in self.parts:
            name = p.name.text(lang)
            header += [name, f"{name}权重" if zh else f"{name} weight", f"{name}折算分" if zh else f"{name} contribution"]
        header.append("年度得分" if zh else "annual")
        rows = []
        for r in self.table_rows(lang):
            cells = [str(r.rank), r.id, r.name]
            for value, weight, contribution in r.parts:
                cells += ["" if value is None else f"{value:.10f}".rstrip("0").rstrip("."), f"{weight:.6g}", "" if contribution is None else f"{contribution:.{d}f}"]
            cells.append("" if r.annual is None else f"{r.annual:.{d}f}")
            rows.append(cells)
        return csv_text(rows, header, lineterminator="\r\n")

    def to_dict(self) -> dict:
        r = self.rounding
        units = []
        for i in self.order():
            i = int(i)
            parts = {}
            for k, p in enumerate(self.parts):
                parts[p.id] = {"value": plain_number(self.values[i, k]), "weight": plain_number(np.round(self.weights[i, k], 10)),
                               "contribution": plain_number(r(self.contributions[i, k])),
                               **({"missing": True} if np.isnan(self.values[i, k]) else {})}
            units.append({"id": self.unit_ids[i], "name": self.names[i], "rank": int(self.ranks[i]),
                          "annual": plain_number(self.annual[i]), "parts": parts, "notes": self.notes(i)})
        return {
            "evalkit_rollup_result": ROLLUP_FORMAT,
            "rollup": {"id": self.id, "name": self.name.to_dict(), "period": self.period,
                       "total_points": plain_number(self.total_points), "missing": self.missing,
                       "rounding": {"decimals": r.decimals, "mode": r.mode}, "ties": self.ties,
                       "parts": [p.to_dict() | {"scale": plain_number(self.scales[k])} for k, p in enumerate(self.parts)]},
            "units": units,
            "warnings": [w.to_dict() for w in self.warnings],
        }


def rollup(sources: Mapping[str, Any], weights: Mapping[str, float], *, missing: str = "reweight",
           total_points: float = 100.0, rounding: Rounding = DEFAULT_ROUNDING, ties: str = "min",
           scales: Mapping[str, float] | None = None, units: Sequence[str] | None = None,
           names: Mapping[str, str] | None = None, parts: Sequence[RollupPart] | None = None,
           id: str = "rollup", name: Label | None = None, period: str | None = None,
           warnings: Iterable[Problem] = ()) -> RollupResult:
    """Roll the totals of several periods (or reviews) into one score per unit.

    `sources` maps a part id to an Evaluation, a ReviewResult, a PartValues or a {unit: value} mapping;
    `weights` gives each part's weight (divided by their sum). `scales` gives the full marks of a
    mapping's values (default `total_points`). `units` fixes the units and their order (a unit in a
    source but not in `units` is an error); by default every unit of any source, sorted by id.
    """
    if missing not in MISSING_POLICIES:
        raise ValueError(f"unknown missing policy {missing!r}; expected one of {', '.join(MISSING_POLICIES)}")
    keys = list(sources)
    unknown = [k for k in keys if k not in weights] + [k for k in weights if k not in sources]
    if unknown:
        raise ValueError(f"every part needs a source and a weight; unmatched: {', '.join(map(repr, unknown))}")
    w = np.array([float(weights[k]) for k in keys], dtype=np.float64)
    if not (np.isfinite(w).all() and (w > 0).all()):
        raise ValueError("weights must be positive numbers")
    shares = w / w.sum()
    columns, scale_list, found_names = [], [], dict(names or {})
    for key in keys:
        given, scale, part_names, _ = _source_values(sources[key], (scales or {}).get(key, total_points))
        columns.append(given)
        scale_list.append(scale)
        for uid, label in part_names.items():
            found_names.setdefault(uid, label)
    if units is None:
        ids = sorted({uid for column in columns for uid in column})
    else:
        ids = [str(u) for u in units]
        index = set(ids)
        problems = [Problem("a unit that is not in the units list", source=_source_name(sources[key], key),
                            expected="an id from the units file", found=repr(uid))
                    for key, column in zip(keys, columns) for uid in column if uid not in index]
        if problems:
            raise DataError(problems[:50])
    position = {uid: i for i, uid in enumerate(ids)}
    n, p = len(ids), len(keys)
    values = np.full((n, p), np.nan)
    for k, column in enumerate(columns):
        for uid, value in column.items():
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                values[position[uid], k] = float(value)
    scale_arr = np.array(scale_list, dtype=np.float64)
    present = ~np.isnan(values)
    on_scale = np.where(present, values, 0.0) * (total_points / scale_arr)[None, :]
    if parts is None:
        parts = tuple(RollupPart(id=k, name=Label.of(k), group=k, share=float(s)) for k, s in zip(keys, shares))
    elif [part.id for part in parts] != keys:
        raise ValueError("`parts` must describe the sources, in their order")
    if missing == "reweight":
        # First inside a declared part (the other quarters share a missing quarter's weight), then across
        # parts (a part with no value at all shares its weight among the others, in proportion).
        group_ids = list(dict.fromkeys(part.group for part in parts))
        onehot = np.zeros((p, len(group_ids)))
        onehot[np.arange(p), [group_ids.index(part.group) for part in parts]] = 1.0
        used = np.where(present, shares[None, :], 0.0)
        group_share = shares @ onehot
        present_share = used @ onehot
        factor = np.divide(group_share[None, :], present_share, out=np.zeros_like(present_share), where=present_share > 0)
        used = used * (factor @ onehot.T)
        total = used.sum(axis=1, keepdims=True)
        used_w = np.divide(used, total, out=np.zeros_like(used), where=total > 0)
        contributions = used_w * on_scale
        raw = np.where(total[:, 0] > 0, contributions.sum(axis=1), np.nan)
    else:
        used_w = np.broadcast_to(shares, (n, p)).copy()
        contributions = used_w * on_scale
        raw = contributions.sum(axis=1)
    annual = rounding(raw)
    return RollupResult(unit_ids=tuple(ids), names=tuple(found_names.get(u, u) for u in ids), parts=tuple(parts),
                        values=values, scales=scale_arr, shares=shares, weights=used_w, contributions=contributions,
                        annual=annual, ranks=rank(annual, ids, ties), total_points=float(total_points), missing=missing,
                        rounding=rounding, ties=ties, id=id, name=name or DEFAULT_NAME,
                        period=period, warnings=tuple(warnings))


def _source_values(source: Any, default_scale: float) -> tuple[dict, float, dict, str | None]:
    """(unit -> value, scale, unit -> name, period) from any kind of source."""
    from evalkit.reviews.review import ReviewResult
    from evalkit.scoring.evaluation import Evaluation

    if isinstance(source, PartValues):
        return dict(source.values), source.scale, dict(source.names), source.period
    if isinstance(source, Evaluation):
        ids = source.units.ids
        if source.scorecard.total_points is None:
            raise ValueError("the evaluation's scorecard declares no total_points: give the part's scale")
        return ({u: float(v) for u, v in zip(ids, source.totals)}, float(source.scorecard.total_points),
                dict(zip(ids, source.units.names)), source.period)
    if isinstance(source, ReviewResult):
        ids = source.units.ids
        score = source.rounded(source.score)
        return ({u: float(v) for u, v in zip(ids, score)}, float(source.definition.scale[1]),
                dict(zip(ids, source.units.names)), source.period)
    if isinstance(source, Mapping):
        return {str(u): v for u, v in source.items()}, float(default_scale), {}, None
    raise TypeError(f"a roll-up source is an Evaluation, a ReviewResult, PartValues or a mapping, not {type(source).__name__}")


def _source_name(source: Any, key: str) -> str:
    return getattr(source, "source", None) or f"part {key!r}"


def run_rollup(definition: RollupDefinition | str | Path | Mapping[str, Any], registry: Registry | None = None,
               units: Sequence[str] | None = None, names: Mapping[str, str] | None = None) -> RollupResult:
    """Read every part's file and roll them up as the definition says."""
    if not isinstance(definition, RollupDefinition):
        definition = load_rollup(definition)
    sources = {}
    warnings = []
    period_of: dict[tuple[str, str], str] = {}
    for part in definition.parts:
        values = read_part(part, definition, registry)
        sources[part.id] = values
        if values.period is not None and part.group != part.id:
            key = (part.group, values.period)
            if key in period_of:
                warnings.append(Problem(f"{period_of[key]} and {values.source} of part {part.group!r} both hold period "
                                        f"{values.period!r}: is one file given twice?", source=definition.source))
            period_of.setdefault(key, values.source or part.id)
    return rollup(sources, {p.id: p.share for p in definition.parts}, missing=definition.missing,
                  total_points=definition.total_points, rounding=definition.rounding, ties=definition.ties,
                  units=units, names=names, parts=definition.parts, id=definition.id, name=definition.name,
                  period=definition.period, warnings=warnings)



def rollup_files(definition: RollupDefinition | str | Path | Mapping[str, Any], units: str | Path | None = None,
                 registry: Registry | None = None) -> RollupResult:
    """`evalkit rollup`: read every part's file and roll them up; a units file fixes the units and their names."""
    ids = names = None
    if units is not None:
        from evalkit.io.inputs import load_units
        from evalkit.plugins.manager import default_registry

        loaded = load_units(units, registry if registry is not None else default_registry())
        ids, names = loaded.ids, dict(zip(loaded.ids, loaded.names))
    return run_rollup(definition, registry, units=ids, names=names)
