"""The package layout keeps the pipeline visible: checked from the source, so a regression fails CI.

Rules (ARCHITECTURE.md, "Layout"): few top-level modules; the CLI only parses and prints, in files
of at most 400 lines; core layers never import the CLI or the reporters; no private name is imported
from another module; module-level imports form no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "evalkit"
CORE = ("definition", "io", "scoring", "rules", "analysis", "methods", "reviews", "store")  # plugins/ is the host: it knows reporters
STAGES = {*CORE, "plugins", "reporters", "cli", "templates", "schemas"}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "templates" not in p.parts}


def imports(path: Path, top_level_only: bool = False) -> list[tuple[str, tuple[str, ...], int]]:
    """(module imported from, names imported, line) for every evalkit import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    if top_level_only:  # imports under `if TYPE_CHECKING:` are for the type checker, not the runtime
        nodes = [n for n in nodes if not (isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test))]
    found = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base == "evalkit" or base.startswith("evalkit."):
                found.append((base, tuple(a.name for a in node.names), node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, (), node.lineno) for a in node.names if a.name.startswith("evalkit")]
    return found


def test_few_top_level_modules():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top
    packages = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert set(packages) <= STAGES, set(packages) - STAGES


@pytest.mark.parametrize("path", sorted((PACKAGE / "cli").glob("*.py")), ids=lambda p: p.name)
def test_cli_modules_only_parse_and_print(path: Path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 400, f"{path.name} has {len(text.splitlines())} lines: move the work into the library"
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            assert not any(n.split(".")[0] in ("numpy", "csv") for n in names), f"{path.name}:{node.lineno} imports {names}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
            raise AssertionError(f"{path.name}:{node.lineno} opens a file: readers belong in the library")


@pytest.mark.parametrize("name", [m for m in MODULES if m.split(".")[1:2] and m.split(".")[1] in CORE])
def test_core_never_imports_cli_or_reporters(name: str):
    for module, _names, line in imports(MODULES[name]):
        assert not module.startswith(("evalkit.cli", "evalkit.reporters")), f"{name}:{line} imports {module}"


@pytest.mark.parametrize("name", list(MODULES))
def test_no_private_name_crosses_modules(name: str):
    for module, names, line in imports(MODULES[name]):
        if module == name:
            continue
        private = [n for n in names if n.startswith("_") and n != "__version__"]
        assert not private, f"{name}:{line} imports {private} from {module}"
        assert not any(part.startswith("_") for part in module.split(".")), f"{name}:{line} imports private module {module}"


def test_module_level_imports_have_no_cycle():
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        targets = set()
        for module, names, _line in imports(path, top_level_only=True):
            for candidate in [f"{module}.{n}" for n in names] + [module]:
                if candidate in MODULES and candidate != name:
                    targets.add(candidate)
                    break
        graph[name] = targets
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
