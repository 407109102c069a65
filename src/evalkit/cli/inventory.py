"""`evalkit plugins` and `evalkit rules`: what is installed and what it provides (evalkit.plugins.inventory)."""

from __future__ import annotations

import argparse
import json

from evalkit.cli.common import check_output, emit
from evalkit.cli.formats import BILINGUAL, output_options


def add_commands(sub: argparse._SubParsersAction, plugin_options: argparse.ArgumentParser) -> None:
    plugins = sub.add_parser("plugins", parents=[plugin_options], help="list plugins and what each registers")
    output_options(plugins, ("table", "json"), lang=BILINGUAL)
    plugins.set_defaults(handler=cmd_plugins)
    rules = sub.add_parser("rules", parents=[plugin_options], help="list scoring rules and their parameters")
    output_options(rules, ("table", "json"), lang=BILINGUAL)
    rules.set_defaults(handler=cmd_rules)


def cmd_plugins(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from
    from evalkit.plugins.inventory import plugin_inventory

    inventory = plugin_inventory(registry_from(args))
    check_output(args)
    emit(args, json.dumps(inventory.to_dict(), ensure_ascii=False, indent=1) + "\n" if args.format == "json"
         else inventory.text(), f"format {args.format}")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from
    from evalkit.plugins.inventory import rule_inventory

    inventory = rule_inventory(registry_from(args))
    check_output(args)
    emit(args, json.dumps(inventory.to_dict(), ensure_ascii=False, indent=1) + "\n" if args.format == "json"
         else inventory.text(), f"format {args.format}")
    return 0
