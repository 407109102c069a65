"""From a scorecard document to a frozen Scorecard: schema first, then the checks a schema cannot make.

Every problem is collected and reported together, each with its JSON path (and YAML line): what was
expected and what was found. Only a document that passes the schema gets the semantic checks
(duplicate ids, unknown indicators, sibling weights, rule-specific params), since they rely on its shape.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from evalkit.definition.documents import Document, json_path, load_document
from evalkit.definition.model import (
    AdjustmentItem,
    Band,
    Dimension,
    Gate,
    Grading,
    Indicator,
    Item,
    Label,
    Node,
    Quota,
    Scorecard,
    Veto,
)
from evalkit.definition.schemas import scorecard_schema
from evalkit.errors import DefinitionError, FileAccessError, Problem, describe
from evalkit.plugins.manager import Registry
from evalkit.rules.base import fmt

if TYPE_CHECKING:
    import jsonschema

WEIGHT_TOTALS = (1.0, 100.0)  # siblings' weights sum to 1 (fractions) or 100 (percent)
DEFAULT_ITEM_SCALE = 100.0  # an item under weights scores on 0..100 unless it says otherwise


def load_scorecard(source: str | Path | Mapping[str, Any] | Document, registry: Registry | None = None) -> Scorecard:
    """Load, validate and build a scorecard from a YAML/JSON file path or an in-memory dict."""
    from evalkit.plugins.manager import default_registry

    registry = registry or default_registry()
    document = _as_document(source)
    problems = check_document(document, registry)
    if problems:
        raise DefinitionError(problems)
    resolved, _, warnings, ahp_results = resolve_ahp(document)
    scorecard = build(resolved, registry)
    warnings += reach_warnings(resolved, scorecard)
    return attrs.evolve(scorecard, warnings=tuple(warnings), ahp=ahp_results)


def validate(source: str | Path | Mapping[str, Any] | Document, registry: Registry | None = None) -> list[Problem]:
    """Every problem with a scorecard (empty when it is valid); file errors still raise."""
    from evalkit.plugins.manager import registry_or_default

    registry = registry_or_default(registry)
    try:
        document = _as_document(source)
    except DefinitionError as exc:
        return list(exc.problems)
    return check_document(document, registry)


def _as_document(source: Any) -> Document:
    if isinstance(source, Document):
        return source
    if isinstance(source, Mapping):
        return Document(data=dict(source), source="<scorecard>")
    return load_document(source)


def tree_depth_problem(document: Document) -> Problem | None:
    """A tree deeper than the limit (EVALKIT_MAX_TREE_DEPTH), found without recursion, before any other check."""
    from evalkit.io.limits import limits, over_limit

    most = limits().tree_depth
    data = document.data
    tops = data.get("dimensions") if isinstance(data, Mapping) else None
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = (
        [(node, 1, ("dimensions", i)) for i, node in enumerate(tops)] if isinstance(tops, list) else [])
    while stack:
        node, depth, path = stack.pop()
        if depth > most:
            return over_limit("the depth of the scorecard tree", f"level {depth}", f"{most} levels",
                              "EVALKIT_MAX_TREE_DEPTH", document.source, path=json_path(path),
                              line=document.line_of(path))
        children = node.get("children") if isinstance(node, Mapping) else None
        if isinstance(children, list):
            stack.extend((child, depth + 1, path + ("children", i)) for i, child in enumerate(children))
    return None


def check_document(document: Document, registry: Registry) -> list[Problem]:
    deep = tree_depth_problem(document)
    if deep is not None:
        return [deep]
    problems = schema_problems(document, scorecard_schema(registry)) + number_problems(document)
    if not problems:
        resolved, problems, _warnings, _results = resolve_ahp(document)
        if not problems:
            problems = list(SemanticCheck(resolved, registry).run())
    return sorted(problems, key=lambda p: p.line or 0)  # in the order a person reads the file


LARGEST_NUMBER = 1e15  # beyond any real points, weight or threshold; keeps totals far from overflow


def number_problems(document: Document) -> list[Problem]:
    """Every number in the scorecard is finite and of a sane size (YAML accepts .inf and .nan)."""
    problems: list[Problem] = []

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                walk(child, path + (key,))
        elif isinstance(value, list):
            for k, child in enumerate(value):
                walk(child, path + (k,))
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(document.problem(path, "not a finite number", expected="a number", found=repr(value)))
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > LARGEST_NUMBER:
            problems.append(document.problem(path, "the number is too large", expected=f"at most {LARGEST_NUMBER:g}",
                                             found=repr(value)))

    walk(document.data, ())
    return problems


def resolve_ahp(document: Document) -> tuple[Document, list[Problem], list[Problem], dict]:
    """Give the children of every node with an `ahp` matrix the weights the matrix implies.

    Returns the document with those weights filled in, the problems (a malformed matrix, a size that
    does not match the children, an inconsistent matrix under on_inconsistent: error), the warnings
    (inconsistent under on_inconsistent: warn) and the AhpResult of each node ("$" for the top level).
    """
    data = copy.deepcopy(document.data)
    resolved = Document(data=data, source=document.source, lines=document.lines, texts=document.texts)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    results: dict[str, Any] = {}
    groups: list[tuple[tuple[str | int, ...], str, Any, Any, str]] = [((), "$", data, data["dimensions"], "dimensions")]
    groups += [(path, node["id"], node, node["children"], "children")
               for node, path in _walk(data["dimensions"], ("dimensions",)) if "children" in node]
    for path, key, owner, children, child_key in groups:
        spec = owner.get("ahp")
        if spec is None:
            continue
        from evalkit.methods.ahp import ahp, worst_judgement  # only for a scorecard with an ahp matrix

        here = path + ("ahp",)
        weighted = [i for i, c in enumerate(children) if "weight" in c]
        if weighted:
            problems.append(resolved.problem(path + (child_key, weighted[0], "weight"),
                                             "this weight would be overridden by the AHP matrix of its parent",
                                             expected="no weight (the matrix gives it)", found=fmt(children[weighted[0]]["weight"])))
            continue
        if len(spec["matrix"]) != len(children):
            problems.append(resolved.problem(here + ("matrix",), "the matrix needs one row per child",
                                             expected=f"{len(children)} rows ({', '.join(c['id'] for c in children)})",
                                             found=f"{len(spec['matrix'])} rows"))
            continue
        labels = [c["id"] for c in children]
        try:
            result = ahp(spec["matrix"], method=spec.get("method", "eigen"), ri_table=spec.get("ri_table", "saaty"),
                         threshold=spec.get("threshold", 0.1), labels=labels,
                         lambda_method=spec.get("lambda_method", "eigen"))
        except DefinitionError as exc:
            problems.extend(_repath(resolved, here, p) for p in exc.problems)
            continue
        results[key] = result
        if not result.consistent:
            worst = worst_judgement(spec["matrix"], result.weights, labels)
            issue = resolved.problem(here + ("matrix",), f"the comparisons are not consistent enough (CR = {result.cr:.3f}); "
                                     f"most inconsistent: {worst.describe() if worst else 'n/a'}",
                                     expected=f"CR < {fmt(result.threshold)}", found=f"CR = {result.cr:.3f}")
            (warnings if spec.get("on_inconsistent", "error") == "warn" else problems).append(issue)
        for child, weight in zip(children, result.weights):
            child["weight"] = float(weight)
    return resolved, problems, warnings, results


def _repath(document: Document, base: tuple, problem: Problem) -> Problem:
    """Move a problem found inside an `ahp` block ($.matrix[1][0]) to its place in the scorecard."""
    rest = problem.path or "$"
    rest = rest[1:] if rest.startswith("$") else "." + rest
    keys = []
    for index, name in re.findall(r"\[(\d+)\]|\.?([A-Za-z_]\w*)", rest):
        keys.append(int(index) if index else name)
    path = base + tuple(keys)
    return attrs.evolve(problem, source=document.source, path=json_path(path), line=document.line_of(path))


def schema_problems(document: Document, schema: dict) -> list[Problem]:
    from evalkit.definition.schema_cache import known_valid, remember_valid

    digest = known_valid(document.data, schema)  # validated before: jsonschema is not even imported
    if digest is None:
        return []
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    problems: list[Problem] = []
    errors = sorted(validator.iter_errors(document.data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    for error in errors:
        for problem in _problems_from_error(document, error):
            if problem not in problems:  # one `required` error per missing key would say the same thing twice
                problems.append(problem)
    if not problems:
        remember_valid(digest)
    return problems


def _problems_from_error(document: Document, error: jsonschema.ValidationError) -> list[Problem]:
    """Every unknown key of an object on its own (each may be a typo of a missing one), else one problem."""
    if error.validator == "additionalProperties" and isinstance(error.instance, dict) and isinstance(error.schema, dict):
        allowed = sorted(error.schema.get("properties", {}))
        extras = [k for k in error.instance if k not in allowed]
        if len(extras) > 1:
            path = tuple(error.absolute_path)
            out = []
            for extra in extras:
                import difflib  # here only: a suggestion for a mistake, not paid at every start
                close = difflib.get_close_matches(extra, [a for a in allowed if a not in error.instance], n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                out.append(document.problem(path + (extra,), f"unknown property {extra!r}{hint}",
                                            expected="one of " + ", ".join(allowed), found=repr(extra)))
            return out
    return [_problem_from_error(document, error)]


def _problem_from_error(document: Document, error: jsonschema.ValidationError) -> Problem:
    if error.validator in ("anyOf", "oneOf") and error.context:
        from jsonschema.exceptions import best_match

        deeper = best_match(error.context)
        if deeper is not None and len(deeper.absolute_path) > len(error.absolute_path):
            error = deeper
    path = tuple(error.absolute_path)
    # jsonschema types these as possibly unset; on a reported error they are the instance, schema and keyword value
    instance: Any = error.instance
    schema: Any = error.schema
    value: Any = error.validator_value
    kind = error.validator
    if kind == "required":
        missing = [name for name in value if name not in instance] or ["?"]
        names = ", ".join(repr(name) for name in missing)
        what = f"the property {names} is missing" if len(missing) == 1 else f"the properties {names} are missing"
        return document.problem(path, what, expected=f"{'a' if len(missing) == 1 else ''} {names} "
                                f"propert{'y' if len(missing) == 1 else 'ies'}".strip(),
                                found="properties " + ", ".join(repr(k) for k in instance) if instance else "none")
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extras = [k for k in instance if k not in allowed]
        extra = extras[0] if extras else "?"
        import difflib  # here only: a suggestion for a mistake, not paid at every start
        close = difflib.get_close_matches(extra, allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return document.problem(path + (extra,), f"unknown property {extra!r}{hint}",
                                expected="one of " + ", ".join(allowed), found=repr(extra))
    if kind == "enum":
        options = [str(v) for v in value]
        import difflib  # here only: a suggestion for a mistake, not paid at every start
        close = difflib.get_close_matches(str(instance), options, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return document.problem(path, f"not an accepted value{hint}", expected="one of " + ", ".join(options),
                                found=describe(instance))
    if kind == "const":
        return document.problem(path, "not the accepted value", expected=repr(value), found=describe(instance))
    if kind == "type":
        expected = " or ".join(value) if isinstance(value, list) else value
        return document.problem(path, "wrong type", expected=expected, found=describe(instance))
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[kind]
        return document.problem(path, "out of range", expected=f"a number {sign} {fmt(value)}",
                                found=describe(instance))
    if kind in ("minItems", "minProperties"):
        return document.problem(path, "too few entries", expected=f"at least {value}", found=describe(instance))
    if kind == "pattern":
        return document.problem(path, "not a valid identifier", expected=schema.get("description", value),
                                found=describe(instance))
    if kind == "not" and isinstance(instance, dict) and {"max_points", "weight"} <= set(instance):
        return document.problem(path, "give max_points or weight, not both", expected="one of max_points, weight",
                                found="both")
    if kind in ("anyOf", "oneOf") and schema.get("description"):
        return document.problem(path, "not in an accepted form", expected=schema["description"], found=describe(instance))
    if kind == "oneOf" and isinstance(instance, dict):
        branches: list[list[str]] = [b.get("required", []) for b in value]
        forms = " or ".join("/".join(b) for b in branches if b)
        return document.problem(path, f"give exactly one of {forms}", expected=f"exactly one of {forms}",
                                found=", ".join(k for b in branches for k in b if k in instance) or "none of them")
    return document.problem(path, error.message)


class SemanticCheck:
    """The checks that need the whole document: names, references, weights, rule params."""

    def __init__(self, document: Document, registry: Registry):
        self.doc = document
        self.data = document.data
        self.registry = registry
        self.indicators = _indicators(self.data, registry)

    def run(self) -> Iterable[Problem]:
        yield from self.period_problems()
        yield from self.indicator_problems()
        yield from self.derived_problems()
        yield from self.node_problems()
        yield from self.grading_problems()
        yield from self.adjustment_problems()
        from evalkit.definition.rewards import reward_problems

        yield from reward_problems(self.doc)  # rewards: (考核结果运用)
        yield from self.discretionary_clause_problems()
        from evalkit.definition.assessment_sources import source_problems

        yield from source_problems(self.doc)  # sources: 自评 and 考评
        from evalkit.definition.run_refs import from_run_problems

        yield from from_run_problems(self.doc)  # from_run: a result file or a stored run

    def indicator_problems(self) -> Iterable[Problem]:
        seen: dict[str, int] = {}
        for i, spec in enumerate(self.data.get("indicators", [])):
            iid = spec["id"]
            path = ("indicators", i, "id")
            if iid in seen:
                yield self.doc.problem(path, f"the indicator id {iid!r} is used twice", expected="unique ids",
                                       found=f"also at $.indicators[{seen[iid]}]")
            elif iid in self.registry.indicators:
                yield self.doc.problem(path, f"the indicator {iid!r} is already provided by plugin "
                                       f"{self.registry.owner('indicators', iid)!r}",
                                       expected="a new id, or use the plugin's indicator without declaring it", found=repr(iid))
            seen.setdefault(iid, i)

    def period_problems(self) -> Iterable[Problem]:
        """The effective periods are readable, in order, and cover the scorecard's own period."""
        from evalkit.definition.periods import PERIOD_FORMS_TEXT, period_span, within

        effective = self.data.get("effective", {})
        ends = {}
        for key in ("from", "to"):
            if key in effective:
                try:
                    period_span(str(effective[key]))
                    ends[key] = str(effective[key])
                except ValueError:
                    yield self.doc.problem(("effective", key), "not a period", expected=PERIOD_FORMS_TEXT,
                                           found=repr(effective[key]))
        if len(ends) == 2 and period_span(ends["from"])[0] > period_span(ends["to"])[0]:
            yield self.doc.problem(("effective", "to"), "the scheme ends before it starts",
                                   expected=f"a period from {ends['from']} on", found=ends["to"])
        elif len(ends) == len(effective) and ends:
            try:
                covered = within(str(self.data["period"]), ends.get("from"), ends.get("to"))
            except ValueError:
                return
            if not covered:
                yield self.doc.problem(("period",), "the scorecard's own period is outside its effective periods",
                                       expected=f"a period from {ends.get('from', '…')} to {ends.get('to', '…')}",
                                       found=str(self.data["period"]))

    def derived_problems(self) -> Iterable[Problem]:
        """Formulas parse, ids are new, and every name is known with no cycle."""
        from evalkit.definition.expressions import order, parse

        declared = {spec["id"] for spec in self.data.get("indicators", [])}
        parsed = {}
        paths = {}
        for i, spec in enumerate(self.data.get("derived", [])):
            did = spec["id"]
            path = ("derived", i)
            if did in declared or did in self.registry.indicators or did in parsed:
                yield self.doc.problem(path + ("id",), f"the indicator id {did!r} is already used", expected="a new id",
                                       found=repr(did))
                continue
            try:
                parsed[did] = parse(spec["formula"], source=self.doc.source, path=json_path(path + ("formula",)))
            except DefinitionError as exc:
                for p in exc.problems:
                    yield attrs.evolve(p, line=self.doc.line_of(path + ("formula",)))
                continue
            paths[did] = json_path(path + ("formula",))
        known = set(self.indicators) - set(parsed)
        try:
            order(parsed, known, paths=paths, source=self.doc.source)
        except DefinitionError as exc:
            yield from exc.problems

    def node_problems(self) -> Iterable[Problem]:
        seen: dict[str, tuple[str | int, ...]] = {}
        for node, path in _walk(self.data["dimensions"], ("dimensions",)):
            nid = node["id"]
            if nid in seen:
                yield self.doc.problem(path + ("id",), f"the id {nid!r} is used by two nodes", expected="unique ids",
                                       found=f"also at {_jp(seen[nid])}")
            seen.setdefault(nid, path)
            if "children" in node:
                yield from self.sibling_problems(node["children"], path + ("children",), node, path)
                points = _points_of(node)
                if "deduction_cap" in node and points is not None and node["deduction_cap"] > points:
                    yield self.doc.problem(path + ("deduction_cap",), "the deduction cap is larger than the dimension's points",
                                           expected=f"at most {fmt(points)}", found=fmt(node["deduction_cap"]))
            else:
                yield from self.item_problems(node, path)
        yield from self.sibling_problems(self.data["dimensions"], ("dimensions",), None, ())
        total = self.data.get("total_points")
        tops = self.data["dimensions"]
        if total is not None and not any("weight" in n for n in tops):
            declared = sum(_points_of(n) or 0 for n in tops)
            if not math.isclose(declared, total, rel_tol=1e-9, abs_tol=1e-9):
                yield self.doc.problem(("total_points",), "total_points differs from the sum of the top nodes' max_points",
                                       expected=fmt(declared), found=fmt(total))

    def sibling_problems(self, children: list, path: tuple, parent: dict | None, parent_path: tuple) -> Iterable[Problem]:
        weighted = [i for i, c in enumerate(children) if "weight" in c]
        if weighted and len(weighted) < len(children):
            unweighted = [i for i in range(len(children)) if i not in weighted]
            yield self.doc.problem(path + (unweighted[0],), "siblings must all have a weight, or none",
                                   expected="a weight, as its siblings have", found="no weight")
            return
        if weighted:
            total = sum(c["weight"] for c in children)
            if not any(math.isclose(total, t, rel_tol=1e-9, abs_tol=1e-9) for t in WEIGHT_TOTALS):
                yield self.doc.problem(path, "the weights of these siblings do not add up",
                                       expected="a sum of 1 (or 100 for percentages)", found=f"a sum of {fmt(total)}")
            return
        for i, child in enumerate(children):
            if _points_of(child) is None:
                what = "an item" if "children" not in child else "a dimension whose children have weights"
                yield self.doc.problem(path + (i,), f"{what} needs max_points (or all siblings need weights)",
                                       expected="max_points or weight", found="neither")
        if parent is not None and "max_points" in parent:
            maybe = [_points_of(c) for c in children]
            parts = [p for p in maybe if p is not None]
            if len(parts) == len(maybe) and not math.isclose(sum(parts), parent["max_points"], rel_tol=1e-9, abs_tol=1e-9):
                yield self.doc.problem(parent_path + ("max_points",), "max_points differs from the sum of its children's",
                                       expected=fmt(sum(parts)), found=fmt(parent["max_points"]))

    def item_problems(self, node: dict, path: tuple) -> Iterable[Problem]:
        key = "indicator" if "indicator" in node else "indicators"
        names = [node["indicator"]] if key == "indicator" else node["indicators"]
        unknown = False
        for k, iid in enumerate(names):
            if iid not in self.indicators:
                unknown = True
                where = path + ((key,) if key == "indicator" else (key, k))
                yield self.doc.problem(where, "unknown indicator", expected=_one_of(self.indicators, iid), found=repr(iid))
        indicator: Any = self.indicators.get(names[0])  # a tuple of them for rules that read several
        rule_name = node["rule"]["name"]
        rule = self.registry.rules.get(rule_name)
        if rule is None or unknown:
            return
        wanted = "indicators" if rule.inputs == "many" else "indicator"
        if key != wanted:
            yield self.doc.problem(path + (key,), f"rule {rule_name!r} reads " +
                                   ("several indicators: list them under 'indicators'" if wanted == "indicators"
                                    else "one indicator: name it under 'indicator'"),
                                   expected=f"an {wanted!r} property", found=f"{key!r}")
            return
        params = node["rule"].get("params", {})
        if rule.inputs == "many":  # rules that read several indicators see all of them
            indicator = tuple(self.indicators[name] for name in names)
        scale = node.get("max_points", DEFAULT_ITEM_SCALE if "weight" in node else None) or DEFAULT_ITEM_SCALE
        params_path = path + ("rule", "params")
        try:
            issues = list(rule.check(params, scale, indicator))
            used = list(rule.indicators_used(params))
        except Exception as exc:
            yield self.doc.problem(params_path, f"rule {rule_name!r} (plugin {self.registry.owner('rules', rule_name)!r}) "
                                   f"failed to check its params: {type(exc).__name__}: {exc}")
            return
        for issue in issues:
            yield self.doc.problem(params_path + tuple(issue.path), issue.message, expected=issue.expected, found=issue.found)
        for sub, other in used:
            if other not in self.indicators:
                yield self.doc.problem(params_path + tuple(sub), "unknown indicator", expected=_one_of(self.indicators, other),
                                       found=repr(other))

    def grading_problems(self) -> Iterable[Problem]:
        grading = self.data.get("grading")
        if not grading:
            return
        grades: dict[str, int] = {}
        mins: dict[float, int] = {}
        for i, band in enumerate(grading["bands"]):
            if band["grade"] in grades:
                yield self.doc.problem(("grading", "bands", i, "grade"), f"the grade {band['grade']!r} is given twice",
                                       expected="each grade once", found=f"also at $.grading.bands[{grades[band['grade']]}]")
            if band["min"] in mins:
                yield self.doc.problem(("grading", "bands", i, "min"), "two bands start at the same score",
                                       expected="distinct minimums", found=f"{fmt(band['min'])}, as $.grading.bands[{mins[band['min']]}]")
            grades.setdefault(band["grade"], i)
            mins.setdefault(band["min"], i)
        yield from band_order_problems(self.doc, grading["bands"])
        seen_quota: dict[str, int] = {}
        for i, quota in enumerate(grading.get("quotas", [])):
            if quota["grade"] not in grades:
                yield self.doc.problem(("grading", "quotas", i, "grade"), "unknown grade",
                                       expected="a grade of $.grading.bands", found=repr(quota["grade"]))
            elif quota["grade"] in seen_quota:
                yield self.doc.problem(("grading", "quotas", i, "grade"), f"the grade {quota['grade']!r} has two quotas",
                                       expected="one quota per grade", found=f"also at $.grading.quotas[{seen_quota[quota['grade']]}]")
            seen_quota.setdefault(quota["grade"], i)


    def adjustment_problems(self) -> Iterable[Problem]:
        """Bonus, deduction and veto ids share one namespace (the adjustments file names them)."""
        seen: dict[str, tuple[str | int, ...]] = {}
        node_ids = {node["id"] for node, _ in _walk(self.data["dimensions"], ("dimensions",))}
        grades = {b["grade"] for b in self.data.get("grading", {}).get("bands", [])}
        blocks = {b["id"] for b in self.data.get("deductions", {}).get("blocks", [])}
        entries: list[tuple[tuple[str | int, ...], Any]] = [(("bonus", "items", i), x) for i, x in enumerate(self.data.get("bonus", {}).get("items", []))]
        entries += [(("deductions", "items", i), x) for i, x in enumerate(self.data.get("deductions", {}).get("items", []))]
        entries += [(("vetoes", i), x) for i, x in enumerate(self.data.get("vetoes", []))]
        for path, entry in entries:
            xid = entry["id"]
            if xid in seen or xid in node_ids:
                where = _jp(seen[xid]) if xid in seen else "an item or dimension of the tree"
                yield self.doc.problem(path + ("id",), f"the id {xid!r} is already used", expected="a unique id",
                                       found=f"also {where}")
            seen.setdefault(xid, path)
            if entry.get("block") is not None and entry["block"] not in blocks:
                yield self.doc.problem(path + ("block",), "unknown deduction block",
                                       expected="an id under $.deductions.blocks", found=repr(entry["block"]))
            if path[0] == "bonus" and "block" in entry:
                yield self.doc.problem(path + ("block",), "blocks are for deductions", expected="no block on a bonus item",
                                       found=repr(entry["block"]))
        graded: list[tuple[tuple[str | int, ...], Any]] = [(("vetoes", i), v) for i, v in enumerate(self.data.get("vetoes", [])) if "grade" in v]
        graded += [(("gates", i), g) for i, g in enumerate(self.data.get("gates", []))]
        for path, entry in graded:
            if entry["grade"] not in grades:
                yield self.doc.problem(path + ("grade",), "unknown grade",
                                       expected="a grade of $.grading.bands" if grades else "a grading scheme ($.grading)",
                                       found=repr(entry["grade"]))
        gate_ids: dict[str, int] = {}
        for i, gate in enumerate(self.data.get("gates", [])):
            if gate["indicator"] not in self.indicators:
                yield self.doc.problem(("gates", i, "indicator"), "unknown indicator",
                                       expected=_one_of(self.indicators, gate["indicator"]), found=repr(gate["indicator"]))
            if gate["id"] in gate_ids:
                yield self.doc.problem(("gates", i, "id"), f"the gate id {gate['id']!r} is used twice", expected="unique ids",
                                       found=f"also at $.gates[{gate_ids[gate['id']]}]")
            gate_ids.setdefault(gate["id"], i)


    def discretionary_clause_problems(self) -> Iterable[Problem]:
        """A discretionary clause's id is what adjustment records name, so it is unique in the whole scorecard."""
        taken: dict[str, str] = {node["id"]: "an item or dimension of the tree"
                                 for node, _ in _walk(self.data["dimensions"], ("dimensions",))}
        for key in ("bonus", "deductions"):
            taken.update({x["id"]: f"a {key} item" for x in self.data.get(key, {}).get("items", [])})
        taken.update({v["id"]: "a veto" for v in self.data.get("vetoes", [])})
        for node, path in _walk(self.data["dimensions"], ("dimensions",)):
            rule = node.get("rule") if isinstance(node.get("rule"), Mapping) else {}
            if rule.get("name") != "clauses":
                continue
            for k, clause in enumerate(rule.get("params", {}).get("clauses", [])):
                if not clause.get("discretionary"):
                    continue
                if clause["id"] in taken:
                    yield self.doc.problem(path + ("rule", "params", "clauses", k, "id"),
                                           f"the discretionary clause id {clause['id']!r} is already used "
                                           "(adjustment records name it, so it must be unique in the scorecard)",
                                           expected="a unique id", found=f"also {taken[clause['id']]}")
                taken.setdefault(clause["id"], f"a discretionary clause of {node['id']!r}")


def band_order_problems(document: Document, bands: list[Any]) -> Iterator[Problem]:
    """Bands are listed from the best grade down: each starts below the one before it.

    A band listed out of order is almost always a typo (60 where 90 was meant) that would otherwise
    silently move units between grades, so it is an error rather than something to sort.
    """
    for i in range(1, len(bands)):
        before, here = bands[i - 1], bands[i]
        if here["min"] > before["min"]:
            yield document.problem(("grading", "bands", i, "min"),
                                   f"the bands are out of order: {here['grade']!r} starts above {before['grade']!r} listed before it",
                                   expected=f"bands from the best grade down, this one starting below {fmt(before['min'])}",
                                   found=fmt(here["min"]))


def reachable_total(scorecard: Scorecard) -> float | None:
    """The highest total a unit can reach: the items' total plus every bonus at its cap (None: no bound)."""
    top = scorecard.total_points
    if top is None:
        return None
    if not scorecard.bonus_items:
        return top
    if scorecard.bonus_cap is not None:
        return top + scorecard.bonus_cap
    caps = [item.cap for item in scorecard.bonus_items]
    return None if any(cap is None for cap in caps) else top + sum(c for c in caps if c is not None)


def reach_warnings(document: Document, scorecard: Scorecard) -> list[Problem]:
    """A grade band no unit can reach (its minimum above the highest possible total) is reported.

    Such a scorecard still runs, but every unit lands below the band, usually because the bands were
    written for a 100-point scheme and the items add up to less.
    """
    highest = reachable_total(scorecard)
    if highest is None or not document.data.get("grading"):
        return []
    out = []
    for i, band in enumerate(document.data["grading"]["bands"]):
        if band["min"] > highest + 1e-9:
            out.append(document.problem(("grading", "bands", i, "min"),
                                        f"no unit can reach the grade {band['grade']!r}: the highest possible total is {fmt(highest)}",
                                        expected=f"a minimum of at most {fmt(highest)} (the items' total with every bonus)",
                                        found=fmt(band["min"])))
    return out


def _indicators(data: Mapping, registry: Registry) -> dict[str, Indicator]:
    found = dict(registry.indicators)
    specs = list(data.get("indicators", [])) + list(data.get("derived", [])) if isinstance(data, Mapping) else []
    for spec in specs:
        if isinstance(spec, Mapping) and isinstance(spec.get("id"), str):
            found.setdefault(spec["id"], Indicator(id=spec["id"], name=spec.get("name"), unit=spec.get("unit", ""),
                                                   direction=spec.get("direction", "higher"),
                                                   description=spec.get("description"),
                                                   evidence=spec.get("evidence", "optional")))
    return found


def _walk(nodes: list[Any], path: tuple[str | int, ...]) -> Iterator[tuple[Any, tuple[str | int, ...]]]:
    for i, node in enumerate(nodes):
        here = path + (i,)
        yield node, here
        if "children" in node:
            yield from _walk(node["children"], here + ("children",))


def _points_of(node: Mapping) -> float | None:
    """A node's max_points, declared or (for a dimension over points) the sum of its children's."""
    if "max_points" in node:
        return float(node["max_points"])
    if "children" in node and not any("weight" in c for c in node["children"]):
        maybe = [_points_of(c) for c in node["children"]]
        parts = [p for p in maybe if p is not None]
        return None if len(parts) < len(maybe) else float(sum(parts))
    return None


def _one_of(known: Mapping[str, Any], wanted: str) -> str:
    import difflib  # here only: a suggestion for a mistake, not paid at every start
    close = difflib.get_close_matches(wanted, list(known), n=3)
    if close:
        return "a known indicator, such as " + ", ".join(repr(c) for c in close)
    return "an indicator declared under $.indicators or provided by a plugin"


def _jp(path: tuple) -> str:
    return json_path(path)


def build(document: Document, registry: Registry) -> Scorecard:
    """Turn a checked document into a frozen Scorecard."""
    data = document.data
    default_missing = data.get("missing", "zero")

    def node(spec: Mapping[str, Any], path: tuple[str | int, ...]) -> Node:
        name = Label.of(spec.get("name", spec["id"]))
        if "children" in spec:
            children = tuple(node(c, path + ("children", i)) for i, c in enumerate(spec["children"]))
            return Dimension(id=spec["id"], name=name, children=children, max_points=_points_of(spec),
                             weight=spec.get("weight"), path=path, deduction_cap=spec.get("deduction_cap"))
        scale = spec.get("max_points", DEFAULT_ITEM_SCALE)
        inputs = tuple(spec["indicators"]) if "indicators" in spec else (spec["indicator"],)
        return Item(id=spec["id"], name=name, indicator=inputs[0], rule=spec["rule"]["name"],
                    params=dict(spec["rule"].get("params", {})), max_points=float(scale), weight=spec.get("weight"),
                    missing=spec.get("missing", default_missing), path=path, inputs=inputs)

    dimensions = tuple(node(spec, ("dimensions", i)) for i, spec in enumerate(data["dimensions"]))
    grading = None
    if data.get("grading"):
        bands = sorted(data["grading"]["bands"], key=lambda b: b["min"], reverse=True)
        grading = Grading(bands=tuple(Band(min=float(b["min"]), grade=b["grade"], label=Label.of(b.get("label", b["grade"])))
                                      for b in bands))
    rounding = data.get("rounding", {})
    all_indicators = _indicators(data, registry)
    used = {name for item in _items(dimensions) for name in item.indicators}
    for item in _items(dimensions):
        rule = registry.rules[item.rule]
        used.update(other for _, other in rule.indicators_used(item.params))
    derived = _derived(data)
    for expression in derived.values():
        used.update(expression.names)
    used.update(gate["indicator"] for gate in data.get("gates", []))
    declared = {spec["id"] for spec in data.get("indicators", [])} | set(derived)
    indicators = {k: v for k, v in all_indicators.items() if k in used or k in declared}
    tops = data["dimensions"]
    total = data.get("total_points")
    if total is None:
        total = DEFAULT_ITEM_SCALE if any("weight" in n for n in tops) else sum(_points_of(n) for n in tops)
    return Scorecard(
        id=data["id"], name=Label.of(data["name"]), version=None if data.get("version") is None else document.text_of(("version",), data["version"]),
        period=str(data["period"]), dimensions=dimensions, indicators=indicators, grading=grading,
        rounding_decimals=int(rounding.get("decimals", 2)), rounding_mode=rounding.get("mode", "half_up"), rounding_stage=rounding.get("stage", "item"),
        ties=data.get("ranking", {}).get("ties", "min"), total_points=float(total), source=document.source, raw=data,
        registry=registry, derived=derived, **_adjustments(data),
        effective_from=_text_or_none(data.get("effective", {}).get("from")),
        effective_to=_text_or_none(data.get("effective", {}).get("to")),
    )


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def scorecard_for(period: str, scorecards: Iterable[Scorecard]) -> Scorecard:
    """The one scorecard in force for `period` among several versions of a scheme."""
    cards = list(scorecards)
    matching = [sc for sc in cards if sc.in_force(period)]
    if len(matching) != 1:
        spans = ", ".join(f"{sc.source or sc.id}: {sc.effective_from or '…'}–{sc.effective_to or '…'}" for sc in cards)
        raise DefinitionError(Problem(f"{'no' if not matching else 'more than one'} scorecard is in force for period {period!r}",
                                      expected="exactly one scorecard whose effective periods cover it", found=spans))
    return matching[0]


def scorecard_in_force(folder: str | Path, period: str | None, registry: Registry) -> Scorecard:
    """The scorecard of `folder` (every .yaml/.yml/.json in it) in force for `period`.

    A scheme changes over the years; keeping each version in one folder with its `effective`
    periods lets a past period be scored under the scheme of its time.
    """
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json") and p.is_file())
    inside = folder.resolve()
    for path in files:
        if path.is_symlink() and inside not in path.resolve().parents:
            raise FileAccessError(Problem("a link in the scorecard folder leads out of it; evalkit follows no link out "
                                          "of an input folder", source=str(path), expected="a file in the folder",
                                          found=f"a link to {path.resolve()}"))
    if not files:
        raise DefinitionError(Problem("the folder holds no scorecard", source=str(folder),
                                      expected="scorecard files (.yaml, .yml or .json)", found="none"))
    cards = [load_scorecard(path, registry) for path in files]
    if period is None:
        if len(cards) == 1:
            return cards[0]
        raise DefinitionError(Problem("several scorecards: say which period to score", source=str(folder),
                                      expected="--period P", found=f"{len(cards)} scorecards"))
    return scorecard_for(str(period), cards)


def _derived(data: Mapping) -> dict:
    """Derived indicators' formulas, in an order where each follows those it uses."""
    from evalkit.definition.expressions import order, parse

    parsed = {spec["id"]: parse(spec["formula"]) for spec in data.get("derived", [])}
    known = {spec["id"] for spec in data.get("indicators", [])}
    known |= {name for expression in parsed.values() for name in expression.names} - set(parsed)
    return {name: parsed[name] for name in order(parsed, known)}


def _adjustments(data: Mapping[str, Any]) -> dict[str, Any]:
    def items(kind: str, key: str) -> tuple[AdjustmentItem, ...]:
        return tuple(AdjustmentItem(id=x["id"], name=Label.of(x["name"]), kind=kind, cap=x.get("cap"), block=x.get("block"))
                     for x in data.get(key, {}).get("items", []))

    return {
        "bonus_items": items("bonus", "bonus"),
        "bonus_cap": data.get("bonus", {}).get("cap"),
        "deduction_items": items("deduction", "deductions"),
        "deduction_blocks": {b["id"]: float(b["cap"]) for b in data.get("deductions", {}).get("blocks", [])},
        "vetoes": tuple(Veto(id=v["id"], name=Label.of(v["name"]), effect=v["effect"], grade=v.get("grade"),
                             points=v.get("points")) for v in data.get("vetoes", [])),
        "quotas": tuple(Quota(grade=q["grade"], share=q.get("share"), count=q.get("count"), per=q.get("per", "all"),
                              rounding=q.get("rounding", "floor"), ties=q.get("ties", "exclude"))
                        for q in data.get("grading", {}).get("quotas", [])),
        "gates": tuple(Gate(id=g["id"], name=Label.of(g.get("name", g["id"])), indicator=g["indicator"], effect=g["effect"],
                            grade=g["grade"], below=g.get("below"), above=g.get("above"),
                            when_missing=g.get("when_missing", "ignore")) for g in data.get("gates", [])),
    }


def _items(nodes: Iterable[Node]) -> Iterable[Item]:
    for n in nodes:
        if isinstance(n, Dimension):
            yield from _items(n.children)
        else:
            yield n
