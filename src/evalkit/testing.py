"""Fixtures for testing evalkit plugins: a pytest plugin, installed with evalkit.

evalkit declares this module under the ``pytest11`` entry point, so in any environment where evalkit
is installed a plugin's tests can use the fixtures without importing anything::

    import my_plugin

    def test_registers_its_rule(register_plugin):
        registry = register_plugin(my_plugin)           # built-ins + my_plugin, nothing installed
        assert registry.owner("rules", "my_rule") == "my_plugin"

    def test_scores(register_plugin, evaluate_small):
        register_plugin(my_plugin)
        evaluation = evaluate_small({"indicator": "my_indicator", "max_points": 10, "rule": {"name": "my_rule"}},
                                    {"my_indicator": {"a": 80, "b": 95}})
        assert evaluation.unit("b").total == 10

Fixtures (each test gets fresh ones):

``evalkit_plugin_manager``
    The built-in plugins only, loaded the way the host loads them, without installed entry points
    and without any ``--plugins-dir``: an ``evalkit.plugins.manager.Plugins`` (``.manager`` is the pluggy
    PluginManager). ``evalkit.build_registry(evalkit_plugin_manager)`` gives its Registry.
``evalkit_registry``
    The Registry of the built-ins alone.
``register_plugin``
    ``register_plugin(plugin, name=None) -> Registry``: registers a module, an object with hook
    functions, or a module's dotted name into this test's plugin manager and returns the registry
    built from everything registered so far. It is stricter than the host, to catch an author's
    mistakes early: a function marked ``@evalkit.hookimpl`` whose name is not a hook (a typo) is an
    error. Everything the host rejects (a duplicate name, a wrong type, a hook that raises, a hook
    that returns something instead of calling ``register``) raises ``evalkit.PluginError`` naming
    the plugin, and the plugin is unregistered again so the test can go on.
``evaluate_small``
    ``evaluate_small(scorecard, values, units=None, adjustments=(), registry=None) -> Evaluation``:
    scores a small scorecard given as a dict on ``{indicator: {unit: value}}``. Missing ``id``,
    ``name`` and ``period`` are filled in; a dict that is one item (it has ``rule`` but no
    ``dimensions``) becomes a scorecard of that one item (``max_points`` 100 unless given), its
    indicator declared (name = id, higher is better) unless a plugin registers it. The registry
    defaults to this test's: built-ins plus whatever ``register_plugin`` registered.
``install_plugin``
    ``install_plugin(project_dir) -> [plugin names]``: makes a plugin package folder (the one with
    its pyproject.toml) look installed for one test, without pip: its ``src`` folder goes on
    ``sys.path`` and its ``[project.entry-points.evalkit]`` where ``importlib.metadata`` finds them,
    so ``evalkit.load_plugins()`` and the CLI load it through its entry point, as after ``pip
    install``. This checks the entry point itself. Everything is undone after the test.

Disable with ``pytest -p no:evalkit``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from evalkit.plugins.manager import Plugins, Registry
    from evalkit.scoring.evaluation import Evaluation


def pytest_collection_finish(session: pytest.Session) -> None:
    """With pytester in use, import all of evalkit's public names before the first test runs.

    `import evalkit` imports each public name on first use, and pytester's in-process runs unload the
    modules first imported during them: evalkit's classes (evalkit.Rule, ...) would then exist twice.
    """
    if session.config.pluginmanager.has_plugin("pytester"):
        import evalkit

        for name in evalkit.__all__:
            getattr(evalkit, name)


@pytest.fixture
def evalkit_plugin_manager() -> Plugins:
    """The built-in plugins only, loaded as the host loads them (no installed entry points)."""
    from evalkit.plugins.manager import load_plugins

    return load_plugins(entry_points=False)


@pytest.fixture
def evalkit_registry(evalkit_plugin_manager: Plugins) -> Registry:
    """The Registry of the built-ins alone."""
    from evalkit.plugins.manager import build_registry

    return build_registry(evalkit_plugin_manager)


@pytest.fixture
def register_plugin(evalkit_plugin_manager: Plugins) -> Callable[..., Registry]:
    """Register a plugin for this test; returns the registry of the built-ins and the plugins registered."""
    import pluggy

    from evalkit.errors import PluginError, Problem
    from evalkit.plugins.manager import PluginInfo, build_registry

    plugins = evalkit_plugin_manager
    pm = plugins.manager

    def _forget(name: str) -> None:
        pm.unregister(name=name)
        plugins.origins.pop(name, None)

    def register(plugin: Any, name: str | None = None) -> Registry:
        if isinstance(plugin, str):
            plugin = importlib.import_module(plugin)
        name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        try:
            pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            raise PluginError(Problem(f"plugin {name!r} cannot be registered: {exc}")) from None
        plugins.origins[name] = PluginInfo(name=name, version=getattr(plugin, "__version__", None),
                                           origin="registered by the test")
        hooks = {hook for hook, caller in vars(pm.hook).items() if not hook.startswith("_") and caller.has_spec()}
        for attr in dir(plugin):
            marked = getattr(getattr(plugin, attr, None), "evalkit_impl", None) is not None
            if marked and attr not in hooks:
                _forget(name)
                raise PluginError(Problem(f"plugin {name!r} marks {attr!r} as a hook, but there is no such hook",
                                          expected="one of " + ", ".join(sorted(hooks)), found=repr(attr)))
        try:
            return build_registry(plugins)
        except PluginError:
            _forget(name)  # the test can go on with the plugins registered before
            raise

    return register


@pytest.fixture
def evaluate_small(evalkit_plugin_manager: Plugins) -> Callable[..., Evaluation]:
    """Score a small scorecard dict on {indicator: {unit: value}} and return the Evaluation."""
    import evalkit
    from evalkit.plugins.manager import build_registry

    def evaluate(scorecard: Mapping[str, Any], values: Mapping[str, Any], units: Iterable[str] | None = None,
                 adjustments: Iterable[Mapping[str, Any]] = (), registry: Registry | None = None) -> Evaluation:
        registry = registry if registry is not None else build_registry(evalkit_plugin_manager)
        document = dict(scorecard)
        if "dimensions" not in document and "rule" in document:
            item = {"id": "item", "max_points": 100, **document}
            if "weight" in item:
                item.pop("max_points")
            named = item.get("indicators") or [item.get("indicator")]
            document = {"dimensions": [item],
                        "indicators": [{"id": i, "name": i} for i in named if i and i not in registry.indicators]}
        document.setdefault("id", "small")
        document.setdefault("name", {"zh": "测试", "en": "test"})
        document.setdefault("period", "test")
        card = evalkit.load_scorecard(document, registry)
        return evalkit.evaluate(card, values, units=list(units) if units is not None else None,
                                adjustments=adjustments)

    return evaluate


@pytest.fixture
def install_plugin(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str | Path], list[str]]]:
    """Make a plugin package folder look pip-installed for one test (entry point included)."""
    from evalkit.plugins import manager as host

    before = set(sys.modules)
    sources: list[str] = []

    def install(project: str | Path) -> list[str]:
        project = Path(project)
        meta = _pyproject(project / "pyproject.toml").get("project", {})
        entry_points = meta.get("entry-points", {}).get("evalkit", {})
        if not entry_points:
            raise ValueError(f"{project / 'pyproject.toml'} declares no [project.entry-points.evalkit]")
        name, version = meta.get("name", project.name), meta.get("version", "0")
        site = tmp_path_factory.mktemp("site")
        dist = site / f"{name.replace('-', '_')}-{version}.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
        (dist / "entry_points.txt").write_text(
            "[evalkit]\n" + "".join(f"{key} = {value}\n" for key, value in entry_points.items()), encoding="utf-8")
        source = project / "src" if (project / "src").is_dir() else project
        sources.append(str(source.resolve()))
        monkeypatch.syspath_prepend(str(source))
        monkeypatch.syspath_prepend(str(site))
        importlib.invalidate_caches()
        host._installed_registry.cache_clear()  # evalkit.default_registry() must see it
        return sorted(entry_points)

    yield install
    host._installed_registry.cache_clear()
    for module_name in set(sys.modules) - before:  # forget the plugin's modules with the test
        module_file = getattr(sys.modules[module_name], "__file__", None) or ""
        if any(module_file.startswith(source) for source in sources):
            del sys.modules[module_name]


def _pyproject(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml needs Python 3.11 or tomli")
    with open(path, "rb") as handle:
        return tomllib.load(handle)
