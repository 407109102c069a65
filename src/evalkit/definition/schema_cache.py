"""Remembering which JSON Schemas, and which documents under which schema, were checked valid: once per install.

Checking a schema against the draft 2020-12 meta-schema takes jsonschema milliseconds per rule, validating
a scorecard against the combined scorecard schema tens of milliseconds, and importing jsonschema tens more:
paid at every `evalkit` start when done each time. So:

- the built-in rules' params schemas are not checked when a registry is built: the test suite checks
  every one (tests/test_cli_startup.py), so a wheel never ships one that is not valid;
- a plugin rule's params schema is checked the first time it is registered; when valid, its fingerprint
  is remembered (`SchemaChecks`);
- a definition (scorecard, review, roll-up, plan) that passes its JSON Schema has the fingerprint of the
  document and the schema remembered (`known_valid` / `remember_valid`): the same file under the same
  rules is not validated again. Anything else (a problem found, a document that is not plain JSON
  data) is validated every time, so every message comes from jsonschema as before.

A fingerprint is the SHA-256 of the canonical JSON of what was checked and of the jsonschema version that
checked it: a schema or document whose text changes, another rule set or a new jsonschema has another
fingerprint and is checked again. The fingerprints live in small files in the user's cache directory
($XDG_CACHE_HOME/evalkit, else ~/.cache/evalkit). The cache never changes a result: a missing, unreadable
or corrupted file is an empty cache, a directory that cannot be written is not written (never an error),
and EVALKIT_NO_CACHE=1 turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

SCHEMAS_FILE = "checked-schemas.json"  # plugin rules' params schemas found valid
DOCUMENTS_FILE = "valid-documents.json"  # (document, schema) pairs found valid
MOST = {SCHEMAS_FILE: 2048, DOCUMENTS_FILE: 256}  # fingerprints kept (the newest); one pushed out is checked again


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


def fingerprint(*parts: Any) -> str | None:
    """SHA-256 of the parts' canonical JSON and the jsonschema version; None when a part is not plain JSON data."""
    version = _checker_version()
    if version == "?" or not all(_plain(part) for part in parts):  # no version known: nothing is remembered
        return None
    try:
        text = json.dumps(["jsonschema " + version, *parts], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return None
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _plain(value: Any, depth: int = 0) -> bool:
    """Only dicts with text keys, lists, text, numbers, booleans and None (exact types: a tuple is not a list)."""
    if depth > 500:
        return False
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain(v, depth + 1) for k, v in value.items())
    if kind is list:
        return all(_plain(v, depth + 1) for v in value)
    return kind in (str, int, float, bool) or value is None


def _checker_version() -> str:
    """The installed jsonschema's version (see installed_version)."""
    return installed_version("jsonschema")


_VERSIONS: dict[str, str] = {}


def installed_version(project: str) -> str:
    """The installed version of `project` (jsonschema, PyYAML), from the name of its dist-info directory on sys.path
    (as pip installs it, without importing it or importlib.metadata); "?" when there is not exactly one."""
    if project not in _VERSIONS:
        version = "?"
        prefix = project.lower() + "-"
        for entry in sys.path:  # the dist-info directory's name carries the version: jsonschema-4.23.0.dist-info
            try:
                names = os.listdir(entry or ".")
            except OSError:
                continue
            found = [n for n in names if n.lower().startswith(prefix) and n.endswith(".dist-info")]
            if found:
                version = found[0][len(prefix):-len(".dist-info")] if len(found) == 1 else "?"
                break
        _VERSIONS[project] = version
    return _VERSIONS[project]


class Fingerprints:
    """A set of fingerprints kept in one file of the cache directory (read on first use, written by save())."""

    def __init__(self, name: str, directory: Path | None = None, use_cache: bool = True) -> None:
        self.name = name
        self.directory = (directory if directory is not None else cache_dir()) if use_cache else None
        self.known: list[str] | None = None
        self.found: list[str] = []

    def __contains__(self, digest: str) -> bool:
        return digest in self.found or digest in self._known()

    def add(self, digest: str) -> None:
        if digest not in self:
            self.found.append(digest)

    def save(self) -> None:
        """Write the fingerprints found (atomically); a directory that cannot be written is left alone."""
        if self.directory is None or not self.found:
            return
        import tempfile

        kept = ([d for d in self._known() if d not in self.found] + self.found)[-MOST.get(self.name, 256):]
        text = json.dumps({"evalkit_cache": 1, "fingerprints": kept})
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".evalkit-", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(text)
                os.replace(temporary, self.directory / self.name)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            return
        self.known, self.found = kept, []

    def _known(self) -> list[str]:
        if self.known is None:
            self.known = read_fingerprints(self.directory / self.name) if self.directory is not None else []
        return self.known


def read_fingerprints(path: Path) -> list[str]:
    """The fingerprints in a cache file; [] when it is missing, unreadable or not what evalkit wrote."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    found = data.get("fingerprints") if isinstance(data, dict) and data.get("evalkit_cache") == 1 else None
    if not isinstance(found, list):
        return []
    return [d for d in found if isinstance(d, str) and len(d) == 64]


class SchemaChecks:
    """The params-schema checks of one registry build: known valid from the cache, or checked now and remembered."""

    def __init__(self, directory: Path | None = None, use_cache: bool = True) -> None:
        self.fingerprints = Fingerprints(SCHEMAS_FILE, directory, use_cache)

    def valid(self, schema: Any) -> bool:
        """Whether `schema` is a valid params schema: from the cache when it was checked before, else checked now."""
        digest = fingerprint("params schema", schema) if self.fingerprints.directory is not None else None
        if digest is None:
            return check_schema(schema)
        if digest in self.fingerprints:
            return True
        ok = check_schema(schema)
        if ok:
            self.fingerprints.add(digest)
        return ok

    def save(self) -> None:
        self.fingerprints.save()


def known_valid(data: Any, schema: Any) -> str | None:
    """None when `data` is known to pass `schema` (validated before); else the fingerprint to remember once it
    passes ("" when it cannot be remembered: no cache, or not plain JSON data)."""
    cache = Fingerprints(DOCUMENTS_FILE)
    if cache.directory is None:
        return ""
    digest = fingerprint("document", schema, data)
    if digest is None:
        return ""
    return None if digest in cache else digest


def remember_valid(digest: str) -> None:
    """Remember that the document of fingerprint `digest` passed its schema (see known_valid)."""
    if digest:
        cache = Fingerprints(DOCUMENTS_FILE)
        cache.add(digest)
        cache.save()
