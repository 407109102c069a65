"""Record sources: a plugin's computation from a department's raw records to indicator values.

`evalkit run ... --records NAME=FOLDER` calls the source registered as NAME with the folder, the
period and the units, then checks the values as any in-memory data is checked and reads them beside
the `--data` files (a value given twice is an error naming both).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from evalkit.errors import DataError, EvalkitError, PluginError, Problem, UsageError
from evalkit.io.data import DataSet, Units

if TYPE_CHECKING:
    from evalkit.plugins.manager import Registry


def _as_tuple(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(items)


@attrs.frozen
class Source:
    """`compute(records, period, units) -> {indicator: {unit: value}}` for the `indicators` it declares."""

    name: str
    compute: Callable[[Any, str, Sequence[str]], Mapping[str, Mapping[str, float]]]
    indicators: tuple[str, ...] = attrs.field(converter=_as_tuple, default=())  # a function, not the built-in: attrs reads a built-in's signature with the tokenizer (ms at every start)
    description: str = ""


def parse_records_option(text: str) -> tuple[str, str]:
    """NAME=FOLDER from the command line."""
    name, sep, folder = text.partition("=")
    if not sep or not name.strip() or not folder.strip():
        raise UsageError(f"--records takes NAME=FOLDER (a source from `evalkit plugins` and its records), not {text!r}")
    return name.strip(), folder.strip()


def read_source(registry: Registry, name: str, records: Any, units: Units, period: str) -> DataSet:
    """Run one registered source and check its values; errors name the plugin or the record."""
    from evalkit.io.records import RecordError

    source = registry.sources.get(name)
    if source is None:
        known = ", ".join(sorted(registry.sources)) or "none installed"
        raise UsageError(f"no record source named {name!r} (sources: {known})")
    owner = registry.owner("sources", name)
    try:
        values = source.compute(records, period, list(units.ids))
    except RecordError as exc:
        raise DataError(Problem(f"records for source {name!r}: {exc}")) from None
    except EvalkitError:
        raise
    except Exception as exc:
        raise PluginError(Problem(f"source {name!r} from plugin {owner!r} failed: {type(exc).__name__}: {exc}")) from exc
    if not isinstance(values, Mapping):
        raise PluginError(Problem(f"source {name!r} from plugin {owner!r} returned {type(values).__name__}",
                                  expected="a mapping {indicator: {unit: value}}"))
    undeclared = sorted(set(values) - set(source.indicators))
    if undeclared:
        raise PluginError(Problem(f"source {name!r} from plugin {owner!r} returned indicators it does not declare",
                                  expected=", ".join(source.indicators) or "declared indicators",
                                  found=", ".join(undeclared)))
    columns = {indicator: {unit: value for unit, value in by_unit.items() if unit in units.index}
               for indicator, by_unit in values.items()}
    return DataSet.from_columns(units, columns, period=period)
