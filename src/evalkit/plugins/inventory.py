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
