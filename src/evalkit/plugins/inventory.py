"""What is installed: every plugin and what it registers (`evalkit plugins`), every scoring rule with its
parameters and the plugin that provides it (`evalkit rules`), as JSON documents and as text."""

from __future__ import annotations

from typing import Any

import attrs

from evalkit.plugins.manager import KINDS, Registry, registry_or_default


@attrs.frozen
class PluginEntry:
    """One loaded plugin: name, version, where it came from, and the names it registered per kind."""

    name: str
    version: str | None
    origin: str
    provides: dict[str, list[str]]  # kind -> sorted names, only kinds with some

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "origin": self.origin, "provides": self.provides}


@attrs.frozen
class PluginInventory:
    """The plugins loaded, in load order (built-ins first)."""

    plugins: tuple[PluginEntry, ...]

    def to_dict(self) -> list[dict[str, Any]]:
        """The JSON document `evalkit plugins --format json` prints: a list, one entry per plugin."""
        return [p.to_dict() for p in self.plugins]

    def text(self) -> str:
        """The text `evalkit plugins` prints: a line per plugin, then a line per kind it registers."""
        lines = []
        for entry in self.plugins:
            lines.append(f"{entry.name} {entry.version or ''} ({entry.origin})".replace("  ", " "))
            lines.extend(f"  {kind}: {', '.join(names)}" for kind, names in entry.provides.items())
        return "".join(line + "\n" for line in lines)


def plugin_inventory(registry: Registry | None = None) -> PluginInventory:
    """Every plugin of `registry` (default: the installed ones) and what it registers."""
    registry = registry_or_default(registry)
    entries = []
    for info in registry.plugins:
        provides = {kind: sorted(name for (k, name), owner in registry.owners.items() if k == kind and owner == info.name)
                    for kind in KINDS}
        entries.append(PluginEntry(name=info.name, version=info.version, origin=info.origin,
                                   provides={k: v for k, v in provides.items() if v}))
    return PluginInventory(plugins=tuple(entries))


@attrs.frozen
class RuleInventory:
    """Every scoring rule, by name: its summary (title, description, params schema) and its plugin."""

    rules: tuple[dict[str, Any], ...]

    def to_dict(self) -> list[dict[str, Any]]:
        """The JSON document `evalkit rules --format json` prints: a list, one entry per rule."""
        return [dict(rule) for rule in self.rules]

    def text(self) -> str:
        """The text `evalkit rules` prints: name, title and plugin; description; parameters (? when optional)."""
        lines = []
        for s in self.rules:
            props = s["params_schema"].get("properties", {})
            required = set(s["params_schema"].get("required", []))
            params = ", ".join(f"{k}{'' if k in required else '?'}" for k in props)
            title = s["title"].get("zh") or s["title"].get("en") or ""
            lines.append(f"{s['name']:<12} {title}  ({s['plugin']})")
            lines.append(f"{'':<12} {s['description']}")
            lines.append(f"{'':<12} params: {params or '-'}")
        return "".join(line + "\n" for line in lines)


def rule_inventory(registry: Registry | None = None) -> RuleInventory:
    """Every rule of `registry` (default: the installed ones) with its parameters and plugin."""
    registry = registry_or_default(registry)
    return RuleInventory(rules=tuple(dict(registry.rules[name].summary(), plugin=registry.owner("rules", name))
                                     for name in sorted(registry.rules)))


@attrs.frozen
class RuleDetail:
    """One rule for `evalkit rules NAME`: its summary, parameters, a worked example and its explanation."""

    summary: dict[str, Any]
    example: dict[str, Any] | None = None  # params, max_points, direction, values (the first is the unit shown)
    sentence: dict[str, str] | None = None  # the rule's explanation of the example, zh and en

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary, "example": self.example, "explanation": self.sentence}

    def text(self, lang: str = "zh") -> str:
        """Name and title, description, every parameter (type, required or default, description), the example."""
        import json

        s = self.summary
        title = " / ".join(t for t in (s["title"].get("zh"), s["title"].get("en")) if t)
        lines = [f"{s['name']}  {title}  ({s['plugin']})", f"  {s['description']}", "", "参数 parameters:"]
        schema = s["params_schema"]
        required = set(schema.get("required", []))
        for alternative in schema.get("oneOf", []):
            lines.append(f"  one of 其一: {' | '.join(alternative.get('required', []))}")
        for key, spec in schema.get("properties", {}).items():
            kind = spec.get("type") or ("one of " + ", ".join(map(str, spec["enum"])) if "enum" in spec else "") \
                or ("= " + json.dumps(spec["const"]) if "const" in spec else "")
            need = "required 必填" if key in required else \
                (f"default 默认 {json.dumps(spec['default'], ensure_ascii=False)}" if "default" in spec else "optional 可选")
            lines.append(f"  {key}: {kind}, {need}" + (f". {spec['description']}" if spec.get("description") else ""))
        if not schema.get("properties"):
            lines.append("  (none)")
        if self.example is not None:
            ex = self.example
            params = json.dumps(ex["params"], ensure_ascii=False)
            lines += ["", "示例 example:",
                      f"  rule: {{name: {s['name']}, params: {params}}}",
                      f"  max_points: {ex['max_points']}, direction: {ex.get('direction', 'higher')}, "
                      f"value: {ex['values'][0]}" + (f" (peers: {', '.join(map(str, ex['values'][1:]))})"
                                                     if len(ex["values"]) > 1 else "")]
            if self.sentence:
                lines.append(f"  → {self.sentence.get(lang) or self.sentence.get('en', '')}")
        return "".join(line + "\n" for line in lines)


def rule_detail(registry: Registry, name: str) -> RuleDetail:
    """One rule of `registry`, with a worked example scored for real; UsageError naming the closest rules if unknown."""
    from evalkit.errors import UsageError
    from evalkit.rules.examples import EXAMPLES

    if name not in registry.rules:
        from evalkit.io.table import closest

        near = closest(name, sorted(registry.rules))
        raise UsageError(f"evalkit rules: no rule {name!r}" + (f"; did you mean {' or '.join(map(repr, near))}?" if near
                                                                 else f"; the rules are {', '.join(sorted(registry.rules))}"))
    rule = registry.rules[name]
    summary = dict(rule.summary(), plugin=registry.owner("rules", name))
    example = getattr(rule, "example", None) or EXAMPLES.get(name)
    if example is None:
        return RuleDetail(summary=summary)
    return RuleDetail(summary=summary, example=dict(example), sentence=_example_sentence(registry, name, example))


def _example_sentence(registry: Registry, name: str, example: dict[str, Any]) -> dict[str, str] | None:
    """The rule's explanation of the example's first value, from a one-item scorecard scored for real."""
    from evalkit.definition.scorecard import load_scorecard
    from evalkit.errors import EvalkitError
    from evalkit.io.data import DataSet
    from evalkit.scoring.engine import evaluate

    values = list(example["values"])
    ids = [f"U{k + 1}" for k in range(len(values))]
    document = {"id": "example", "name": {"zh": "示例", "en": "example"}, "period": "example",
                "indicators": [{"id": "x", "name": {"zh": "指标", "en": "indicator"},
                                "direction": example.get("direction", "higher")}],
                "dimensions": [{"id": "item", "name": {"zh": "示例项", "en": "item"}, "indicator": "x",
                                "max_points": example["max_points"], "rule": {"name": name, "params": example["params"]}}]}
    try:
        card = load_scorecard(document, registry)
        ev = evaluate(card, DataSet.from_columns(ids, {"x": values}, period="example"), registry)
        r = ev.items["item"]
        return {lang: r.rule.explain(float(r.values[0]), float(r.points[0]), r.context, 0).text(lang) for lang in ("zh", "en")}
    except EvalkitError:
        return None
