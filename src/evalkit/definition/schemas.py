"""The JSON Schemas shipped inside the package, and the scorecard schema combined with rule params.

The base files live in ``evalkit/schemas/`` (the repository's top-level ``schemas/`` points there).
Each registered rule contributes the schema of its params, so `evalkit schema` prints one schema an
editor can use to check a whole scorecard, plugin rules included.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.plugins.manager import Registry


@cache
def _load(name: str) -> str:
    beside = Path(__file__).resolve().parent.parent / "schemas" / name  # installed as files: no importlib.resources
    if beside.is_file():
        return beside.read_text(encoding="utf-8")
    from importlib import resources  # inside a zip, say

    return resources.files("evalkit").joinpath("schemas").joinpath(name).read_text(encoding="utf-8")


def base_schema(name: str) -> dict[str, Any]:
    """A shipped schema by file name, e.g. "scorecard.schema.json" (a fresh copy each call)."""
    return json.loads(_load(name))


def scorecard_schema(registry: Registry) -> dict[str, Any]:
    """The scorecard schema with every registered rule's params schema filled in."""
    schema = base_schema("scorecard.schema.json")
    rule = copy.deepcopy(schema["$defs"]["rule"])
    names = sorted(registry.rules)
    rule["properties"]["name"] = {
        "enum": names,
        "description": "A registered rule: " + ", ".join(names) + ".",
    }
    branches: list[dict[str, Any]] = []
    for name in names:
        params = copy.deepcopy(registry.rules[name].params_schema)
        schema["$defs"][f"params.{name}"] = params
        then: dict[str, Any] = {"properties": {"params": {"$ref": f"#/$defs/params.{name}"}}}
        if params.get("required"):
            then["required"] = ["params"]
        branches.append({"if": {"properties": {"name": {"const": name}}, "required": ["name"]}, "then": then})
    rule["allOf"] = branches
    schema["$defs"]["rule"] = rule
    return schema
