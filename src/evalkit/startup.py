"""The methods attrs generates for evalkit's classes, compiled once per install instead of at every `evalkit` start.

attrs writes each class's __init__, __repr__, __eq__, __hash__, ... as Python source and compiles it when the
class is created. For the 60-100 classes one command creates, that compiling is most of the time evalkit's own
modules take to import (15-20 ms a start). So the `evalkit` command (evalkit.cli) calls `install()` before it
imports a module that defines a class: attrs' `compile` then looks the source up in a table of code objects kept
in the cache directory (evalkit.definition.schema_cache.cache_dir; one table per command), keyed by the exact
source text attrs generated. The one part of that text that differs from process to process, the number attrs
writes into a __hash__ (the hash of the class's name, salted per process), is taken out of the key (its length is kept) and
put back into the code object, so a class gets exactly the methods a compile would give it (tests/test_cli_startup.py
compares them). A source not in the table is compiled as attrs would, and `save()` writes the table when it grew.

A missing, unreadable or corrupted table, one written by another Python or attrs, or one that another user could
have written (its code would run here) is an empty table; a directory that cannot be written is not written
(never an error); EVALKIT_NO_CACHE=1, or an attrs that does not compile its methods this way, turns it off.
"""

from __future__ import annotations

import builtins
import marshal
import os
import sys
from types import CodeType
from typing import Any

FORMAT = 2
MOST = 1000  # code objects kept in one table (the newest); one pushed out is compiled again
PER_CLASS = 4  # sources kept per class: its salt's usual lengths (19 or 20 characters, 9 times in 10), older versions
PREFIX = "<attrs generated "

_state: dict[str, Any] = {}


def install(group: str) -> bool:
    """Have attrs compile through the table of `group` (a command's name); False when attrs cannot be hooked."""
    if _state or os.environ.get("EVALKIT_NO_CACHE"):
        return False
    try:
        from attr import _make
    except ImportError:
        return False
    compiles = getattr(getattr(_make, "_compile_and_eval", None), "__code__", None)
    if compiles is None or "compile" not in compiles.co_names or "compile" in vars(_make):
        return False  # another attrs (or someone else's hook): leave it alone
    _state.update(group=group, module=_make, table=None, new=0, compiled=0, reused=0, resalted=0)
    _make.compile = cached_compile  # type: ignore[attr-defined]  # a module global: found before the built-in
    return True


def uninstall() -> None:
    """Back to the built-in compile (the table is not written)."""
    module = _state.get("module")
    if module is not None and vars(module).get("compile") is cached_compile:
        del module.compile
    _state.clear()


def counts() -> dict[str, int]:
    """This start's attrs sources: compiled (not in the table), reused (from the table) and, of those, resalted
    (another process's hash salt put back); all 0 when nothing is installed."""
    return {name: int(_state.get(name, 0)) for name in ("compiled", "reused", "resalted")}


def cached_compile(source: Any, filename: Any, mode: Any, *args: Any, **kwargs: Any) -> CodeType:
    """`compile(source, filename, mode)`: from the table when attrs generated this source before."""
    if args or kwargs or mode != "exec" or not isinstance(source, str) or not isinstance(filename, str) \
            or not filename.startswith(PREFIX) or not filename.endswith(">"):
        return builtins.compile(source, filename, mode, *args, **kwargs)
    salt = hash_salt(filename)
    text = str(salt)
    if source.count(text) > 1:
        return builtins.compile(source, filename, mode)  # cannot tell which is the salt: not remembered
    salted = text in source
    from hashlib import sha256

    # the salt's length stays in the key: a salt of another length would move the columns in the code's positions
    keyed = source.replace(text, f"{{salt:{len(text)}}}") if salted else source
    key = (filename, sha256(keyed.encode("utf-8", "surrogatepass")).hexdigest())  # the text itself, in 64 characters
    table = _table()
    found = table.pop(key, None)  # put back last: the entries used lately are the ones kept
    if found is not None and (found[1] is not None) == salted:
        table[key] = found
        code = _code(found[0])
        if code is not None and (found[1] is None or found[1] == salt):
            _state["reused"] += 1
            return code
        fresh = with_constant(code, found[1], salt) if code is not None and found[1] is not None else None
        if fresh is not None:
            _state["reused"] += 1
            _state["resalted"] += 1
            return fresh
    code = builtins.compile(source, filename, mode)
    table[key] = (marshal.dumps(code), salt if salted else None)
    _state["new"] += 1  # not yet written
    _state["compiled"] += 1
    return code


def _code(stored: bytes) -> CodeType | None:
    try:
        code = marshal.loads(stored)
    except (ValueError, EOFError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def hash_salt(filename: str) -> int:
    """The number attrs writes into the __hash__ of the class that `filename` ("<attrs generated methods M.C>") is of."""
    name = filename[len(PREFIX):-1].split(" ", 1)[-1]
    return hash(f"{PREFIX}hash {name}>")


def with_constant(code: CodeType, old: int, new: int) -> CodeType | None:
    """`code` with the integer constant `old` replaced by `new` wherever it is (nested code too); None unless it is
    there exactly once."""
    found = [0]

    def replace(unit: CodeType) -> CodeType:
        consts = []
        for value in unit.co_consts:
            if type(value) is int and value == old:
                found[0] += 1
                value = new
            elif isinstance(value, CodeType):
                value = replace(value)
            consts.append(value)
        return unit.replace(co_consts=tuple(consts))

    result = replace(code)
    return result if found[0] == 1 else None


def _path() -> Any:
    from evalkit.definition.schema_cache import cache_dir, installed_version

    directory = cache_dir()
    if directory is None or installed_version("attrs") == "?":
        return None
    group = "".join(c if c.isalnum() or c in "-_" else "_" for c in _state["group"])
    return directory / f"attrs-code-{group}.marshal"


def _signature() -> list[str]:
    """What the table's code depends on besides the source: the Python and the attrs (its version from its dist-info
    directory: attr.__version__ would import importlib.metadata, the slowest import of all)."""
    from evalkit.definition.schema_cache import installed_version

    return [str(FORMAT), sys.version, sys.implementation.cache_tag or "", installed_version("attrs")]


def _table() -> dict[tuple[str, str], tuple[bytes, int | None]]:
    if _state["table"] is None:
        _state["table"] = read_table(_path())
    return _state["table"]


def read_table(path: Any) -> dict[tuple[str, str], tuple[bytes, int | None]]:
    """The table in `path`: {} when missing, unreadable, not written by this Python and attrs, or writable by others."""
    if path is None:
        return {}
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022):
                return {}  # code another user could have written is never run
            stored = marshal.loads(handle.read())
        if not isinstance(stored, tuple) or len(stored) != 2 or stored[0] != _signature():
            return {}
        table = stored[1]
        if not isinstance(table, dict):
            return {}
        for key, value in table.items():
            if not (isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, str) for k in key)
                    and isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], bytes)
                    and (value[1] is None or type(value[1]) is int)):
                return {}
        return table
    except (OSError, ValueError, EOFError, TypeError):
        return {}


def save() -> None:
    """Write the table when this start compiled something new (atomically; never an error)."""
    if not _state or not _state["new"]:
        return
    path = _path()
    if path is None:
        return
    import tempfile

    kept: dict[tuple[str, str], tuple[bytes, int | None]] = {}
    per_class: dict[str, int] = {}
    for key, value in reversed(list(_table().items())):  # the newest first: a class's last sources, salt lengths
        per_class[key[0]] = per_class.get(key[0], 0) + 1
        if per_class[key[0]] <= PER_CLASS and len(kept) < MOST:
            kept[key] = value
    kept = dict(reversed(list(kept.items())))
    try:
        data = marshal.dumps((_signature(), kept))
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".evalkit-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except (OSError, ValueError):
        return
    _state["new"] = 0
