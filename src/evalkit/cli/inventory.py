"""`evalkit plugins` and `evalkit rules`: what is installed and what it provides."""

from __future__ import annotations

import argparse
import json


def add_commands(sub, plugin_options) -> None:
    plugins = sub.add_parser("plugins", parents=[plugin_options], help="list plugins and what each registers")
    plugins.add_argument("--format", choices=("text", "json"), default="text")
    plugins.set_defaults(handler=cmd_plugins)
    rules = sub.add_parser("rules", parents=[plugin_options], help="list scoring rules and their parameters")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.set_defaults(handler=cmd_rules)


def cmd_plugins(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from
    from evalkit.plugins.manager import KINDS

    registry = registry_from(args)
    listing = []
    for info in registry.plugins:
        provides = {kind: sorted(name for (k, name), owner in registry.owners.items() if k == kind and owner == info.name)
                    for kind in KINDS}
        listing.append({"name": info.name, "version": info.version, "origin": info.origin,
                        "provides": {k: v for k, v in provides.items() if v}})
    if args.format == "json":
        print(json.dumps(listing, ensure_ascii=False, indent=1))
        return 0
    for entry in listing:
        print(f"{entry['name']} {entry['version'] or ''} ({entry['origin']})".replace("  ", " "))
        for kind, names in entry["provides"].items():
            print(f"  {kind}: {', '.join(names)}")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from

    registry = registry_from(args)
    summaries = [dict(registry.rules[name].summary(), plugin=registry.owner("rules", name)) for name in sorted(registry.rules)]
    if args.format == "json":
        print(json.dumps(summaries, ensure_ascii=False, indent=1))
        return 0
    for s in summaries:
        props = s["params_schema"].get("properties", {})
        required = set(s["params_schema"].get("required", []))
        params = ", ".join(f"{k}{'' if k in required else '?'}" for k in props)
        title = s["title"].get("zh") or s["title"].get("en") or ""
        print(f"{s['name']:<12} {title}  ({s['plugin']})")
        print(f"{'':<12} {s['description']}")
        print(f"{'':<12} params: {params or '-'}")
    return 0
