"""Whether any installed package declares an ``evalkit`` entry point, found without importing importlib.metadata.

Importing importlib.metadata (with the email, zipfile and csv modules it needs) costs more than everything
else evalkit does to start when no plugin is installed, the usual case. Its discovery is simple to repeat
for the question "is there any evalkit entry point at all?": every ``*.dist-info`` and ``*.egg-info``
directory in the folders on sys.path, and the ``[evalkit]`` section of its ``entry_points.txt``. When
that finds one, or when anything is not a plain folder this scan understands (a zip on sys.path, a
meta-path finder of its own that lists distributions), evalkit.plugins.manager asks importlib.metadata
as before, so the plugins loaded are always the ones importlib.metadata finds. So it does when
importlib.metadata is already imported (by the host program, a plugin or a test that patches it): then
the scan would save nothing.

`distribution_version` reads a distribution's version from its metadata the same way, for evalkit's own
version in the plugin list; None means "ask importlib.metadata".
"""

from __future__ import annotations

import os
import re
import sys

_SECTION = re.compile(r"^\s*\[\s*evalkit\s*\]\s*$", re.MULTILINE)
_SUFFIXES = (".dist-info", ".egg-info")


def _plain_path() -> list[str] | None:
    """The folders on sys.path, or None when a distribution could come from somewhere this scan does not read."""
    if "importlib.metadata" in sys.modules:  # already imported (by a plugin, a test, the host): ask it, it is as cheap
        return None
    from importlib.machinery import PathFinder

    for finder in sys.meta_path:  # importlib.metadata asks every finder that has find_distributions
        if getattr(finder, "find_distributions", None) is not None and finder is not PathFinder:
            return None
    folders = []
    for entry in sys.path:
        if not isinstance(entry, str):
            return None
        root = entry or "."
        if os.path.isdir(root):
            folders.append(root)
        elif os.path.exists(root):  # a zip file (or anything else): importlib.metadata reads those
            return None
    return folders


def entry_points_possible(group: str = "evalkit") -> bool:
    """False only when no distribution on sys.path can declare an entry point in `group` ("evalkit")."""
    folders = _plain_path()
    if folders is None or group != "evalkit":
        return True
    for root in folders:
        try:
            names = os.listdir(root)
        except OSError:
            continue
        for name in names:
            if not name.lower().endswith(_SUFFIXES):
                continue
            path = os.path.join(root, name, "entry_points.txt")
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except FileNotFoundError:
                continue
            except OSError:  # there but unreadable here: let importlib.metadata decide
                return True
            if _SECTION.search(text):
                return True
    return False


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def distribution_version(distribution: str) -> str | None:
    """The Version: of the first distribution of that name on sys.path, as importlib.metadata.version finds it
    (a dist-info folder before an egg-info one in each folder); None when not found or not plainly readable."""
    folders = _plain_path()
    if folders is None:
        return None
    wanted = _normalized(distribution)
    for root in folders:
        try:
            names = sorted(os.listdir(root))
        except OSError:
            continue
        infos = [n for n in names if n.lower().endswith(".dist-info")
                 and _normalized(n[:-len(".dist-info")].partition("-")[0]) == wanted]
        eggs = [n for n in names if n.lower().endswith(".egg-info")
                and _normalized(n[:-len(".egg-info")].partition("-")[0]) == wanted]
        if len(infos) + len(eggs) > 1:
            return None  # several: which one importlib.metadata picks is its business
        for name in infos + eggs:
            folder = os.path.join(root, name)
            metadata = os.path.join(folder, "METADATA" if name.lower().endswith(".dist-info") else "PKG-INFO")
            if not os.path.isdir(folder):
                metadata = folder  # an egg-info file is the PKG-INFO itself
            try:
                with open(metadata, encoding="utf-8") as handle:
                    for line in handle:
                        if not line.strip():
                            break  # the end of the headers
                        key, colon, value = line.partition(":")
                        if colon and key == "Version":
                            return value.strip() or None
            except (OSError, UnicodeDecodeError):
                return None
            return None
    return None
