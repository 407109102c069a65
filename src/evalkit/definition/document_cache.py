"""Parsed YAML definitions remembered by their text, so that a start with an unchanged scorecard neither imports
PyYAML nor parses: the same Document as `parse_yaml` gives, read back from a small JSON file.

Only a text that parsed without a problem is remembered; a text with any problem is parsed every time, so every
message comes from the parser as before. The file of a text is named by the SHA-256 of the text and of all
that decides what it parses to: the format of these files, the installed PyYAML's version, the size and time of
evalkit's YAML reading code, and the limits in force (EVALKIT_MAX_YAML_ALIASES, EVALKIT_MAX_DEPTH,
EVALKIT_MAX_YAML_NODES); the file repeats its name, which is checked when it is read. The files live in the
cache directory of evalkit.definition.schema_cache ($XDG_CACHE_HOME/evalkit/yaml-documents, the newest MOST
kept) under the same rules: a missing, unreadable or corrupted file is parsed again, a directory that cannot
be written is not written (never an error), and EVALKIT_NO_CACHE=1 turns the cache off.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from evalkit.definition.documents import Document, parse_yaml
from evalkit.definition.schema_cache import cache_dir, installed_version

FOLDER = "yaml-documents"
FORMAT = 1
MOST = 64  # documents kept (the newest written); one pushed out is parsed again


def cached_yaml(text: str, source: str | None = None) -> Document:
    """`parse_yaml(text, source)`: from the cache when this text parsed before under the same conditions."""
    directory = cache_dir()
    key = document_key(text) if directory is not None else None
    if directory is None or key is None:
        return parse_yaml(text, source)
    folder = directory / FOLDER
    found = read_document(folder / f"{key}.json", key, source)
    if found is not None:
        return found
    document = parse_yaml(text, source)  # a text with a problem raises here: never remembered
    write_document(folder, key, document)
    return document


def document_key(text: str) -> str | None:
    """The name of the file that holds the Document of `text` (a SHA-256 in hex); None when it cannot be made."""
    from hashlib import sha256

    from evalkit.io.limits import limits

    code = []
    for name in ("documents.py", "yaml_reader.py"):
        try:
            info = os.stat(Path(__file__).with_name(name))
        except OSError:
            return None
        code.append([name, info.st_size, info.st_mtime_ns])
    limit = limits()
    head = json.dumps(["evalkit yaml document", FORMAT, installed_version("PyYAML"), code,
                       [limit.yaml_aliases, limit.depth, limit.yaml_nodes]])
    return sha256((head + "\n" + text).encode("utf-8", "surrogatepass")).hexdigest()


def read_document(path: Path, key: str, source: str | None) -> Document | None:
    """The Document stored in `path` for `key`; None when there is none or it is not what write_document wrote."""
    try:
        with open(path, encoding="utf-8") as handle:
            stored = json.load(handle)
        if not isinstance(stored, dict) or stored.get("evalkit_cache") != FORMAT or stored.get("key") != key:
            return None
        lines = {tuple(where): line for where, line in stored["lines"]}
        texts = {tuple(where): written for where, written in stored["texts"]}
        if not all(type(line) is int for line in lines.values()) or not all(type(t) is str for t in texts.values()):
            return None
        return Document(data=stored["data"], source=source, lines=lines, texts=texts)
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        return None


def write_document(folder: Path, key: str, document: Document) -> None:
    """Store `document` as the file of `key` (atomically), and keep the newest MOST; never an error."""
    import tempfile

    try:
        text = json.dumps({"evalkit_cache": FORMAT, "key": key, "data": document.data,
                           "lines": [[list(where), line] for where, line in document.lines.items()],
                           "texts": [[list(where), written] for where, written in document.texts.items()]},
                          ensure_ascii=True)
    except (TypeError, ValueError, RecursionError):
        return
    if _reads_back_as(text, document) is False:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".evalkit-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, folder / f"{key}.json")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _prune(folder)
    except OSError:
        return


def _reads_back_as(text: str, document: Document) -> bool:
    """Whether the stored text gives the same data back (JSON has no tuples, no other types: checked, not assumed)."""
    try:
        stored = json.loads(text)
    except (ValueError, RecursionError):
        return False
    return _same(stored["data"], document.data)


def _same(a: Any, b: Any) -> bool:
    """Equal with the same types throughout (1 is not 1.0 nor True; NaN is NaN, -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return repr(a) == repr(b)  # NaN is NaN, -0.0 is not 0.0
    return bool(a == b)


def _prune(folder: Path) -> None:
    """Remove all but the MOST newest documents."""
    entries = []
    for name in os.listdir(folder):
        if name.endswith(".json"):
            try:
                entries.append((os.stat(folder / name).st_mtime_ns, name))
            except OSError:
                continue
    for _, name in sorted(entries)[:-MOST]:
        try:
            os.unlink(folder / name)
        except OSError:
            continue
