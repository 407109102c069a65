"""Finding plugins and collecting what they register into a checked Registry.

Plugins come from three places, in this order: the built-ins (`evalkit.plugins.builtins.*`, registered exactly
like any department plugin), the ``evalkit`` entry-point group of installed packages, and the
modules of a plugins directory. A plugin can be blocked by name, or only an allow-list loaded (the
built-ins are always loaded unless blocked by their own name). A plugin that fails to import, raises
in a hook, or registers something unnamed or twice is reported by name.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

from evalkit.definition.schema_cache import SchemaChecks, check_schema
from evalkit.errors import PluginError, Problem
from evalkit.plugins import hookspecs
from evalkit.plugins.discovery import distribution_version, entry_points_possible

if TYPE_CHECKING:
    from evalkit.definition.model import Indicator
    from evalkit.io.sources import Source
    from evalkit.io.table import Loader
    from evalkit.reporters.base import Reporter
    from evalkit.rules.base import Rule

BUILTIN_MODULES = ("evalkit.plugins.builtins.rules", "evalkit.plugins.builtins.loaders", "evalkit.plugins.builtins.reporters")
KINDS = {
    "rules": "evalkit_register_rules",
    "indicators": "evalkit_register_indicators",
    "loaders": "evalkit_register_loaders",
    "reporters": "evalkit_register_reporters",
    "sources": "evalkit_register_sources",
}


@attrs.frozen
class PluginInfo:
    name: str
    version: str | None
    origin: str  # "builtin", "entry point", or the file it was loaded from


@attrs.frozen
class Registry:
    """Everything registered, by kind and name, with the plugin that registered each."""

    rules: dict[str, Rule]
    indicators: dict[str, Indicator]
    loaders: dict[str, Loader]
    reporters: dict[str, Reporter]
    sources: dict[str, Source]
    owners: dict[tuple[str, str], str]  # (kind, name) -> plugin name
    plugins: tuple[PluginInfo, ...]

    def owner(self, kind: str, name: str) -> str:
        """The name of the plugin that registered `name` of `kind` ("rules", "indicators", ...), or "?"."""
        return self.owners.get((kind, name), "?")

    def loader_for(self, path: str | Path) -> Loader | None:
        """The loader whose extension matches the file, or None."""
        suffix = Path(path).suffix.lower()
        for loader in self.loaders.values():
            if suffix in loader.extensions:
                return loader
        return None


@attrs.frozen
class Plugins:
    """A pluggy manager with the loaded plugins, and where each came from."""

    manager: pluggy.PluginManager
    origins: dict[str, PluginInfo]  # plugin name -> PluginInfo

    def infos(self) -> tuple[PluginInfo, ...]:
        """Every registered plugin, in registration order, with its version and origin."""
        return tuple(self.origins.get(name) or PluginInfo(name=name, version=None, origin="registered")
                     for name, _ in self.manager.list_name_plugin())


def load_plugins(
    entry_points: bool = True,
    plugins_dir: str | Path | None = None,
    block: Iterable[str] = (),
    allow: Iterable[str] | None = None,
    extra: Iterable[Any] = (),
) -> Plugins:
    """Load the built-ins, installed plugins and a directory's modules into one plugin manager.

    `extra` takes plugin objects (modules or instances) to register directly, as tests and
    integrators do. `allow`, when given, limits entry-point and directory plugins to those names.
    """
    pm = pluggy.PluginManager("evalkit")
    origins: dict[str, PluginInfo] = {}
    pm.add_hookspecs(hookspecs)
    blocked = set(block)
    allowed = set(allow) if allow is not None else None
    for name in blocked:
        pm.set_blocked(name)
    problems: list[Problem] = []
    own_version = _own_version()  # read once (from evalkit's metadata file), not once per built-in plugin
    for module_name in BUILTIN_MODULES:
        if module_name not in blocked:
            pm.register(importlib.import_module(module_name), name=module_name)
            origins[module_name] = PluginInfo(name=module_name, version=own_version, origin="builtin")
    if entry_points and entry_points_possible():  # importlib.metadata only when a package may declare a plugin
        from importlib.metadata import entry_points as installed_entry_points

        for ep in sorted(installed_entry_points(group="evalkit"), key=lambda e: e.name):
            if ep.name in blocked or (allowed is not None and ep.name not in allowed) or pm.has_plugin(ep.name):
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # a broken plugin must not hide behind a traceback
                problems.append(Problem(f"plugin {ep.name!r} failed to load: {type(exc).__name__}: {exc}",
                                        source=f"entry point {ep.value}",
                                        expected="an importable module", found="an error on import"))
                continue
            if not _register(pm, plugin, ep.name, problems):
                continue
            dist = getattr(ep, "dist", None)
            origins[ep.name] = PluginInfo(name=ep.name, version=dist.version if dist is not None else None,
                                          origin=f"entry point {ep.value}")
    if plugins_dir is not None:
        problems.extend(_load_directory(pm, Path(plugins_dir), blocked, allowed, origins))
    for plugin in extra:
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        if name not in blocked:
            _register(pm, plugin, name, problems)
    try:
        pm.check_pending()  # a function marked as a hook whose name matches no hook (a typo) is an error
    except pluggy.PluginValidationError as exc:
        culprit = (pm.get_name(exc.plugin) if exc.plugin is not None else None) or "?"
        problems.append(Problem(f"plugin {culprit!r}: {exc}", expected="hooks named as in evalkit.plugins.hookspecs: "
                                + ", ".join(KINDS.values())))
    if problems:
        raise PluginError(problems)
    return Plugins(manager=pm, origins=origins)


def _register(pm: pluggy.PluginManager, plugin: Any, name: str, problems: list[Problem]) -> bool:
    """Register one plugin; a hook with the wrong arguments is reported by plugin name, not raised."""
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        problems.append(Problem(f"plugin {name!r} cannot be registered: {exc}",
                                expected="hooks with the arguments evalkit.plugins.hookspecs declares (register)"))
        return False
    return True


def _own_version() -> str | None:
    found = distribution_version("evalkit")  # read as importlib.metadata would, without importing it
    if found is not None:
        return found
    import importlib.metadata

    try:
        return importlib.metadata.version("evalkit")
    except importlib.metadata.PackageNotFoundError:
        return None


def _load_directory(pm: pluggy.PluginManager, directory: Path, blocked: set[str], allowed: set[str] | None,
                    origins: dict[str, PluginInfo]) -> list[Problem]:
    if not directory.is_dir():
        return [Problem("the plugins directory does not exist", source=str(directory), expected="a directory of .py files")]
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.py")):
        name = path.stem
        if name.startswith("_") or name in blocked or (allowed is not None and name not in allowed):
            continue
        if pm.has_plugin(name):
            problems.append(Problem(f"plugin {name!r} is already loaded from elsewhere", source=str(path),
                                    expected="a unique plugin name", found=name))
            continue
        module_name = f"evalkit_plugins_dir.{name}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            problems.append(Problem(f"plugin {name!r} cannot be imported", source=str(path), expected="a Python module"))
            continue
        module = importlib.util.module_from_spec(spec)
        try:
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(module_name, None)
            problems.append(Problem(f"plugin {name!r} failed to load: {type(exc).__name__}: {exc}", source=str(path)))
            continue
        if not _register(pm, module, name, problems):
            continue
        origins[name] = PluginInfo(name=name, version=getattr(module, "__version__", None), origin=str(path))
    return problems


def build_registry(plugins: Plugins) -> Registry:
    """Call every register hook through pluggy, once per plugin that implements it, and check what comes back.

    Each plugin's implementation is called through ``pm.subset_hook_caller`` (the hook with every other
    plugin's plain implementation left out), so what it registers is attributed to it, an exception or
    a returned value names it, and the other plugins still run. Wrappers (``wrapper=True`` or
    ``hookwrapper=True``) wrap each of these calls, and ``pm.add_hookcall_monitoring`` and
    ``pm.enable_tracing`` see every one of them.
    """
    pm = plugins.manager
    checks = SchemaChecks()  # a plugin rule's params schema is checked once per install (evalkit.definition.schema_cache)
    tables: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
    owners: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    for kind, hook_name in KINDS.items():
        impls = getattr(pm.hook, hook_name).get_hookimpls()
        plain = [impl for impl in impls if not (impl.wrapper or impl.hookwrapper)]
        wrappers = {_code(impl): impl.plugin_name for impl in impls if impl.wrapper or impl.hookwrapper}
        callers: dict[str, object] = {}
        for impl in reversed(plain):  # pluggy's call order
            callers.setdefault(impl.plugin_name, impl.plugin)
        for plugin_name, plugin in callers.items():
            call = pm.subset_hook_caller(hook_name, remove_plugins=[impl.plugin for impl in plain if impl.plugin is not plugin])
            register = _registrar(kind, plugin_name, tables[kind], owners, problems, hook_name, wrappers, checks)
            try:
                returned = call(register=register)
            except Exception as exc:
                culprit = _raised_in(exc, impls) or plugin_name
                problems.append(Problem(f"plugin {culprit!r} raised in {hook_name}: {type(exc).__name__}: {exc}"))
                continue
            for value in returned if isinstance(returned, list) else [returned]:
                if value is not None:  # a common slip: `return [MyRule()]` registers nothing
                    problems.append(Problem(f"plugin {plugin_name!r}: {hook_name} returned {type(value).__name__}; "
                                            "a register hook calls register(...) for each thing and returns nothing",
                                            expected="register(thing) calls", found=f"a returned {type(value).__name__}"))
    checks.save()
    if problems:
        raise PluginError(problems)
    return Registry(plugins=plugins.infos(), owners=owners, **tables)


def _code(impl: pluggy.HookImpl) -> CodeType | None:
    """The code object of a hook implementation (a function or a bound method), to find it on a stack."""
    code = getattr(impl.function, "__code__", None)
    return code if isinstance(code, CodeType) else None


def _raised_in(exc: BaseException, impls: list[pluggy.HookImpl]) -> str | None:
    """The plugin whose hook function is innermost in the traceback: the one that raised."""
    codes = {_code(impl): impl.plugin_name for impl in impls}
    culprit = None
    tb = exc.__traceback__
    while tb is not None:
        culprit = codes.get(tb.tb_frame.f_code, culprit)
        tb = tb.tb_next
    return culprit


def _calling_wrapper(wrappers: dict[CodeType | None, str]) -> str | None:
    """The plugin whose wrapper is running on the stack (a wrapper's frame is there only while it runs)."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        if frame.f_code in wrappers:
            return wrappers[frame.f_code]
        frame = frame.f_back
    return None


def _registrar(kind: str, plugin_name: str, table: dict[str, Any], owners: dict[tuple[str, str], str],
               problems: list[Problem], hook_name: str = "", wrappers: dict[CodeType | None, str] | None = None,
               checks: SchemaChecks | None = None) -> Callable[[Any], None]:
    from evalkit.definition.model import Indicator
    from evalkit.io.sources import Source
    from evalkit.io.table import Loader
    from evalkit.reporters.base import Reporter
    from evalkit.rules.base import Rule

    expected_type: type[Any] = {"rules": Rule, "indicators": Indicator, "loaders": Loader, "reporters": Reporter,
                           "sources": Source}[kind]
    singular = kind[:-1]

    def register(thing: Any) -> None:
        wrapper = _calling_wrapper(wrappers) if wrappers else None
        if wrapper is not None:
            problems.append(Problem(f"plugin {wrapper!r} called register in its wrapper of {hook_name}; a wrapper "
                                    "runs around each plugin's call and would register once per plugin",
                                    expected="register(...) calls in a plain @evalkit.hookimpl; a wrapper only observes",
                                    found=f"a {singular} registered by a wrapper"))
            return
        if not isinstance(thing, expected_type):
            article = "an" if singular[0] in "aeiou" else "a"
            problems.append(Problem(f"plugin {plugin_name!r} registered something that is not {article} {singular}",
                                    expected=f"an instance of evalkit.{expected_type.__name__}", found=type(thing).__name__))
            return
        name = thing.id if kind == "indicators" else thing.name
        if kind == "rules" and plugin_name not in BUILTIN_MODULES and not (
                checks.valid(thing.params_schema) if checks is not None else check_schema(thing.params_schema)):
            problems.append(Problem(f"plugin {plugin_name!r} registered rule {name!r} with a params_schema that is not "
                                    "a valid JSON Schema", expected="a draft 2020-12 schema", found=repr(thing.params_schema)[:80]))
            return
        if kind == "loaders":
            clash = [(e, other) for other, loader in table.items() for e in thing.extensions if e in loader.extensions]
            if clash:
                ending, other = clash[0]
                problems.append(Problem(f"the file ending {ending!r} is read by loader {other!r} of plugin "
                                        f"{owners[('loaders', other)]!r} and by loader {name!r} of plugin {plugin_name!r}",
                                        expected="each file ending read by one loader; block one plugin with --block"))
                return
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(f"plugin {plugin_name!r} registered a {singular} with no name",
                                    expected="a non-empty name", found=repr(name)))
            return
        if name in table:
            problems.append(Problem(f"the {singular} {name!r} is registered twice: by plugin {owners[(kind, name)]!r} "
                                    f"and by plugin {plugin_name!r}", expected="unique names; block one plugin with --block"))
            return
        table[name] = thing
        owners[(kind, name)] = plugin_name

    return register


def default_registry(**options: Any) -> Registry:
    """The registry of the built-ins and installed plugins; built once per process without options."""
    if options:
        return build_registry(load_plugins(**options))
    return _installed_registry()


def registry_or_default(registry: Registry | None) -> Registry:
    """`registry`, or the default one when None: every public function that takes a registry accepts None."""
    return registry if registry is not None else default_registry()


@functools.lru_cache(maxsize=1)
def _installed_registry() -> Registry:
    return build_registry(load_plugins())
