"""Every hook a plugin can implement. This module is the one place hooks are declared.

A plugin is a module (or package) with functions marked ``@evalkit.hookimpl`` whose names match the
specs below. Each ``register`` hook receives a callback; call it once per thing you provide::

    import evalkit

    @evalkit.hookimpl
    def evalkit_register_rules(register: Callable[[Rule], None]) -> None:
        register(MyRule())

Plugins are found through the ``evalkit`` entry-point group (``[project.entry-points.evalkit]`` in a
package's pyproject.toml) and in modules of a ``--plugins-dir``. The built-in rules, loaders and
reporters are registered through these same hooks by the modules in ``evalkit.plugins.builtins``.

The host checks what is registered: every item needs a name, and a name registered twice is an
error that names both plugins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from evalkit.definition.model import Indicator
    from evalkit.io.sources import Source
    from evalkit.io.table import Loader
    from evalkit.reporters.base import Reporter
    from evalkit.rules.base import Rule

hookspec = pluggy.HookspecMarker("evalkit")
hookimpl = pluggy.HookimplMarker("evalkit")


@hookspec
def evalkit_register_rules(register: Callable[[Rule], None]) -> None:
    """Register scoring rules: call ``register(rule)`` with an instance of ``evalkit.Rule``.

    A rule scores one indicator for all units at once (``rule.score(values, ctx)`` receives a numpy
    array) and declares the JSON Schema of its parameters, which `evalkit schema` and `evalkit
    validate` use. See ``evalkit.rules.base`` for the contract and ``evalkit.scalar_rule`` to lift a
    per-value function (slow path).
    """


@hookspec
def evalkit_register_indicators(register: Callable[[Indicator], None]) -> None:
    """Register indicators: call ``register(indicator)`` with an ``evalkit.Indicator``.

    A registered indicator (id, Chinese and English name, unit of measure, direction, description of
    its data source) can be used by any scorecard without declaring it again.
    """


@hookspec
def evalkit_register_loaders(register: Callable[[Loader], None]) -> None:
    """Register data loaders: call ``register(loader)`` with an ``evalkit.Loader``.

    A loader reads one file format (chosen by file extension) into a table of named columns; evalkit
    checks the table (numbers, units, duplicates) the same way whatever the format.
    """


@hookspec
def evalkit_register_reporters(register: Callable[[Reporter], None]) -> None:
    """Register reporters: call ``register(reporter)`` with an ``evalkit.Reporter``.

    A reporter turns an ``Evaluation`` into text or bytes for one ``--format`` name; the host writes
    the output file atomically.
    """


@hookspec
def evalkit_register_sources(register: Callable[[Source], None]) -> None:
    """Register record sources: call ``register(source)`` with an ``evalkit.Source``.

    A source turns a department's own records (a folder of CSV files: meeting logs, dues ledgers,
    tax returns ...) into indicator values, so an evaluator can run ``evalkit run SCORECARD
    --records org=FOLDER --units units.csv`` without a separate step. evalkit checks what the
    computation returns as it checks any data (known units, numbers, only the declared indicators)
    and names the plugin when it fails.
    """
