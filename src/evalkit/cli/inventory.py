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
    rules = sub.add_parser("rules", parents=[plugin_options], help="list scoring rules; one rule with its parameters and an example",
                           description="List every scoring rule, or with NAME show one: its parameters (type, required "
                                       "or default, meaning), a worked example and the sentence explain writes for it.")
    rules.add_argument("name", metavar="NAME", nargs="?", help="show this rule only")
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
    from evalkit.plugins.inventory import rule_detail, rule_inventory

    if args.name:
        detail = rule_detail(registry_from(args), args.name)
        check_output(args)
        emit(args, json.dumps(detail.to_dict(), ensure_ascii=False, indent=1) + "\n" if args.format == "json"
             else detail.text(args.lang or "zh"), f"rule {args.name}, format {args.format}")
        return 0
    inventory = rule_inventory(registry_from(args))
    check_output(args)
    emit(args, json.dumps(inventory.to_dict(), ensure_ascii=False, indent=1) + "\n" if args.format == "json"
         else inventory.text(), f"format {args.format}")
    return 0
