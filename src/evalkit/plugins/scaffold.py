"""Creating a plugin package from the template (`evalkit new-plugin NAME`): it installs with pip and its
tests pass as created.

The package comes from the template folder ``evalkit/templates/plugin``: every file ending in
``.tmpl`` is copied without that ending, ``__package__`` in a path becomes the import name, and
``{{name}}``, ``{{package}}``, ``{{plugin}}`` and ``{{prefix}}`` in the text become the
distribution name, the import name, the plugin name (the entry point) and the prefix of the ids
it registers. With NAME ``evalkit-audit``: package ``evalkit_audit``, plugin ``audit``, indicator
``audit_completion``, rule ``audit_share``.

The folder is built beside its final place and renamed into it at the end, so a failure leaves no
half-made package behind.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import keyword
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import attrs

from evalkit.errors import FileAccessError, Problem, UsageError

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*")
RESERVED = {"evalkit", "test", "tests", "src", "plugins"}


def names_for(name: str) -> dict[str, str]:
    """The names a plugin package needs, derived from NAME; UsageError when NAME cannot make them."""
    if len(name) > 60 or not NAME_PATTERN.fullmatch(name):
        raise UsageError(Problem(f"new-plugin: {name!r} cannot name a plugin package",
                                 expected="letters, digits, '-' and '_', starting with a letter, such as evalkit-audit",
                                 found=repr(name)))
    package = name.lower().replace("-", "_")
    plugin = re.sub(r"^evalkit[-_]", "", name.lower())
    if package in RESERVED or plugin in RESERVED or keyword.iskeyword(package) or plugin == "evalkit":
        raise UsageError(Problem(f"new-plugin: {name!r} is a reserved name", expected="a department's name, such as evalkit-audit",
                                 found=repr(name)))
    if importlib.util.find_spec(package) is not None:
        raise UsageError(Problem(f"new-plugin: a module named {package!r} can already be imported here; the plugin "
                                 "would clash with it", expected="a name of its own, such as evalkit-" + plugin,
                                 found=repr(name)))
    return {"name": name, "package": package, "plugin": plugin, "prefix": plugin.replace("-", "_")}


def create(name: str, directory: str | os.PathLike = ".") -> Path:
    """Create the plugin package NAME inside `directory` and return its folder (see `new_plugin` for a report)."""
    names = names_for(name)
    parent = Path(directory)
    if not parent.is_dir():
        raise FileAccessError(Problem("the folder to create the plugin in does not exist", source=str(parent),
                                      expected="an existing folder"))
    target = parent / name
    if target.exists() or target.is_symlink():
        raise FileAccessError(Problem("already exists; evalkit never overwrites it (choose another NAME or --dir)",
                                      source=str(target)))
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=parent))
    except OSError as exc:
        raise FileAccessError(Problem(f"cannot write here: {exc.strerror or exc}", source=str(parent))) from None
    try:
        copy_template(importlib.resources.files("evalkit") / "templates" / "plugin", staging, names)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; the package folder should not be
        os.rename(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise FileAccessError(Problem(f"cannot create the plugin: {exc.strerror or exc}", source=str(target))) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def copy_template(source: Any, destination: Path, names: dict[str, str]) -> None:
    """Copy the template folder `source` (a Traversable) into `destination`, filling in `names`."""
    for entry in sorted(source.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        target = destination / entry.name.replace("__package__", names["package"]).removesuffix(".tmpl")
        if entry.is_dir():
            target.mkdir()
            copy_template(entry, target, names)
            continue
        text = entry.read_text(encoding="utf-8")
        for key, value in names.items():
            text = text.replace("{{" + key + "}}", value)
        target.write_text(text, encoding="utf-8")




@attrs.frozen
class PluginPackage:
    """A plugin package just created: its folder, the names derived from NAME and its files."""

    path: Path
    names: dict[str, str]
    files: tuple[str, ...]  # relative to `path`, sorted

    @property
    def shown(self) -> str:
        """The folder as a command line should name it (./NAME: `pip install NAME` would look NAME up on the index)."""
        shown = str(self.path)
        return shown if os.path.isabs(shown) or shown.startswith(".") else f"./{shown}"

    def to_dict(self) -> dict[str, Any]:
        """The package as JSON: folder, names, files, and the indicator and rule the template registers."""
        prefix = self.names["prefix"]
        return {"path": str(self.path), **self.names, "indicator": f"{prefix}_completion", "rule": f"{prefix}_share",
                "files": list(self.files)}

    def text(self) -> str:
        """What `evalkit new-plugin` prints: what was created, its files, and what to do next."""
        names, shown = self.names, self.shown
        lines = [f"created {shown}/: plugin {names['plugin']!r}, package {names['package']}, "
                 f"indicator {names['prefix']}_completion, rule {names['prefix']}_share"]
        lines += [f"  {path}" for path in self.files]
        lines += ["next:", f"  pip install {shown}         # then `evalkit plugins` lists {names['plugin']!r}",
                  f"  cd {shown} && python -m pytest"]
        return "".join(line + "\n" for line in lines)


def new_plugin(name: str, directory: str | os.PathLike = ".") -> PluginPackage:
    """Create the plugin package NAME inside `directory`, so a department can start from a package that works."""
    names = names_for(name)
    target = create(name, directory)
    files = tuple(str(p.relative_to(target)) for p in sorted(p for p in target.rglob("*") if p.is_file()))
    return PluginPackage(path=target, names=names, files=files)
