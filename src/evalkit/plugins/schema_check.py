"""Checking a plugin rule's params_schema against JSON Schema draft 2020-12, once per schema, not once per start.

Checking a schema against the draft 2020-12 meta-schema takes jsonschema a few milliseconds per rule (and
importing jsonschema tens of milliseconds), paid at every `evalkit` start when done each time. So:

- the built-in rules' schemas are not checked when a registry is built: the test suite checks every one
  (tests/test_cli_startup.py), so a wheel never ships one that is not valid;
- a plugin's schema is checked the first time it is registered, and its fingerprint (SHA-256 of its
  canonical JSON and of the jsonschema version that checked it) is remembered in a small file in the
  user's cache directory ($XDG_CACHE_HOME/evalkit, else ~/.cache/evalkit): a later start finds the
  fingerprint and skips the check. A schema whose text changes, or a new jsonschema, has another
  fingerprint and is checked again; only schemas found valid are remembered.

The cache never changes a result: a missing, unreadable or corrupted file is an empty cache, a cache
that cannot be written is not written, and a schema that is not plain JSON data (a tuple, a key that is
not text) is checked every time. EVALKIT_NO_CACHE=1 turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

CACHE_NAME = "checked-schemas.json"
MOST = 4096  # fingerprints kept (the newest); a schema pushed out is simply checked again


def cache_dir() -> Path | None:
    """$XDG_CACHE_HOME/evalkit (an absolute path), else ~/.cache/evalkit (%LOCALAPPDATA% on Windows); None without one."""
    if os.environ.get("EVALKIT_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.environ.get("LOCALAPPDATA", "") if sys.platform == "win32" else ""
        if not base:
            try:
                base = str(Path.home() / ".cache")
            except (RuntimeError, KeyError, OSError):  # no home directory
                return None
    return Path(base) / "evalkit"


def check_schema(schema: Any) -> bool:
    """True when `schema` is a dict that is a valid draft 2020-12 JSON Schema (checked now, never cached)."""
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError:
        return False
    return isinstance(schema, dict)


def fingerprint(schema: Any, checker_version: str) -> str | None:
    """SHA-256 of the schema's canonical JSON and the checker's version; None when it is not plain JSON data."""
    if not _plain(schema):
        return None
    try:
        text = json.dumps([checker_version, schema], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _plain(value: Any, depth: int = 0) -> bool:
    """Only dicts with text keys, lists, text, numbers, booleans and None (exact types: a tuple is not a list)."""
    if depth > 200:
        return False
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain(v, depth + 1) for k, v in value.items())
    if kind is list:
        return all(_plain(v, depth + 1) for v in value)
    return kind in (str, int, float, bool) or value is None


class SchemaChecks:
    """The schema checks of one registry build: what the cache knows is valid, and what this build found valid."""

    def __init__(self, directory: Path | None = None, use_cache: bool = True) -> None:
        self.directory = (directory if directory is not None else cache_dir()) if use_cache else None
        self.known: list[str] | None = None  # read on first use
        self.found: list[str] = []
        self.version: str | None = None

    def valid(self, schema: Any) -> bool:
        """Whether `schema` is a valid params schema: from the cache when it was checked before, else checked now."""
        if self.directory is None or type(schema) is not dict:
            return check_schema(schema)
        digest = fingerprint(schema, self._checker_version())
        if digest is None:
            return check_schema(schema)
        if digest in self._known() or digest in self.found:
            return True
        ok = check_schema(schema)
        if ok:
            self.found.append(digest)
        return ok

    def save(self) -> None:
        """Remember the schemas found valid (atomically; a directory that cannot be written is left alone)."""
        if self.directory is None or not self.found:
            return
        kept = [d for d in self._known() if d not in self.found] + self.found
        import tempfile

        text = json.dumps({"evalkit_schema_cache": 1, "valid": kept[-MOST:]})
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".checked-", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(text)
                os.replace(temporary, self.directory / CACHE_NAME)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            return
        self.known, self.found = kept[-MOST:], []

    def _known(self) -> list[str]:
        if self.known is None:
            self.known = read_cache(self.directory) if self.directory is not None else []
        return self.known

    def _checker_version(self) -> str:
        if self.version is None:
            import importlib.metadata

            try:
                self.version = "jsonschema " + importlib.metadata.version("jsonschema")
            except importlib.metadata.PackageNotFoundError:
                self.version = "jsonschema ?"
        return self.version


def read_cache(directory: Path) -> list[str]:
    """The fingerprints in the cache file; [] when it is missing, unreadable or not what evalkit wrote."""
    try:
        data = json.loads((directory / CACHE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    valid = data.get("valid") if isinstance(data, dict) and data.get("evalkit_schema_cache") == 1 else None
    if not isinstance(valid, list):
        return []
    return [d for d in valid if isinstance(d, str) and len(d) == 64]
