"""What went into a stored run, re-scoring it from the kept inputs, and checking the whole store.

- `show_run(store, run)`: the run's scorecard, period, versions, its kept input files (role, name, SHA-256,
  size), the run it supersedes and the runs superseding it (`evalkit history show RUN`).
- `recompute_run(store, run)`: writes the kept files to a temporary folder under their own names, scores them
  as `evalkit run` did (same period, the plugins loaded now) and compares the JSON result with the stored one,
  byte for byte; any difference is reported per unit (`evalkit history recompute RUN`). Runs stored before
  schema version 3, or with `--records` sources, have no kept inputs and say so.
- `verify_store(store)`: SQLite's integrity check, the hash chain (every run and record as it was stored), every
  kept file against its SHA-256, every result readable (`evalkit history verify`; `recompute=True` also re-scores
  every run that kept its inputs).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from evalkit.errors import EvalkitError, Problem
from evalkit.store import ledger
from evalkit.store.diff import ResultDiff, diff_results
from evalkit.store.history import Store, StoreError, stored_json

if TYPE_CHECKING:
    from evalkit.plugins.manager import Registry
    from evalkit.scoring.evaluation import Evaluation

StoreLike = str | os.PathLike | Store


def _opened(store: StoreLike) -> tuple[Store, bool]:
    if isinstance(store, Store):
        return store, False
    return Store.open(store, create=False), True


@attrs.frozen
class KeptFile:
    role: str
    name: str
    sha256: str
    size: int | None  # None: the file is missing from the store

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "sha256": self.sha256, "bytes": self.size}


@attrs.frozen
class RunRecord:
    """What went into a stored run (`evalkit history show RUN`)."""

    id: int
    scorecard_id: str
    scorecard_version: str | None
    period: str
    stored_at: str
    evalkit_version: str
    plugins: tuple[tuple[str, str], ...] | None
    files: tuple[KeptFile, ...]
    fingerprint: str
    supersedes: int | None
    appeal: int | None
    superseded_by: tuple[int, ...]
    units: int
    records: tuple[tuple[int, str], ...] = ()  # (record id, kind): publication, appeals, decisions, rectification
    not_kept: tuple[str, ...] = ()  # what went in that the store does not keep, each said precisely
    made_by: tuple[tuple[str, int], ...] = ()  # (role, review record id): kept files an `evalkit review --store` wrote


    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "scorecard_id": self.scorecard_id, "scorecard_version": self.scorecard_version,
                "period": self.period, "stored_at": self.stored_at, "evalkit_version": self.evalkit_version,
                "plugins": None if self.plugins is None else [list(p) for p in self.plugins],
                "files": [f.to_dict() for f in self.files], "fingerprint": self.fingerprint, "units": self.units,
                "supersedes": self.supersedes, "appeal": self.appeal, "superseded_by": list(self.superseded_by),
                "records": [{"id": r, "kind": k} for r, k in self.records], "not_kept": list(self.not_kept),
                "made_by": [{"role": role, "review": r} for role, r in self.made_by]}

    def text(self) -> str:
        lines = [f"run {self.id}: {self.scorecard_id} {self.scorecard_version or ''} period {self.period}, {self.units} units",
                 f"  stored {self.stored_at} by evalkit {self.evalkit_version}",
                 "  plugins: " + ("not recorded" if self.plugins is None else
                                  (", ".join(f"{n} {v}" for n, v in self.plugins) or "none"))]
        if not self.files:
            lines.append("  inputs: not kept (stored before schema version 3)")
        lines += [f"  not kept: {what}" for what in self.not_kept]
        made = dict(self.made_by)
        for f in self.files:
            lines.append(f"  {f.role}: {f.name} ({f.size if f.size is not None else 'MISSING'} bytes, sha256 {f.sha256[:12]})"
                         + (f", the output of review record {made[f.role]} (its definition and ballots are kept)"
                            if f.role in made else ""))
        if self.supersedes is not None:
            lines.append(f"  supersedes run {self.supersedes}" + (f" after appeal {self.appeal}" if self.appeal else ""))
        if self.superseded_by:
            lines.append("  superseded by run " + ", ".join(str(r) for r in self.superseded_by))
        kinds: dict[str, list[int]] = {}
        for record_id, kind in self.records:
            kinds.setdefault(kind, []).append(record_id)
        for kind, ids in kinds.items():
            lines.append(f"  {kind.replace('_', ' ')} records: " + ", ".join(str(i) for i in ids))
        return "\n".join(lines) + "\n"


def run_record(store: StoreLike, run: int | str) -> RunRecord:
    opened, close = _opened(store)
    try:
        run_id = opened.run_id(run)
        conn = opened.conn
        row = conn.execute("SELECT scorecard_id, scorecard_version, period, stored_at, evalkit_version, plugins, fingerprint, "
                           "supersedes, appeal, units FROM runs WHERE id = ?", (run_id,)).fetchone()
        files = tuple(KeptFile(role, name, sha, size) for role, name, sha, size in conn.execute(
            "SELECT f.role, f.name, f.sha256, b.size FROM run_files f LEFT JOIN blobs b ON b.sha256 = f.sha256 "
            "WHERE f.run_id = ? ORDER BY f.role", (run_id,)).fetchall())
        later = tuple(r for (r,) in conn.execute("SELECT id FROM runs WHERE supersedes = ? ORDER BY id", (run_id,)))
        kept = tuple((int(r), str(k)) for r, k in conn.execute("SELECT id, kind FROM records WHERE run_id = ? ORDER BY id",
                                                              (run_id,)))
        from evalkit.store.provenance import review_outputs

        outputs = review_outputs(opened)
        made_by = tuple((f.role, outputs[f.sha256][-1].id) for f in files if f.sha256 in outputs)
        inputs = conn.execute("SELECT inputs FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
        options = stored_json(opened.path, run_id, "inputs", inputs).get("options", {}) if inputs else {}
    finally:
        if close:
            opened.close()
    plugins = None if row[5] is None else tuple((str(n), str(v)) for n, v in json.loads(row[5]))
    return RunRecord(id=run_id, scorecard_id=row[0], scorecard_version=row[1], period=row[2], stored_at=row[3],
                     evalkit_version=row[4], plugins=plugins, files=files, fingerprint=row[6], supersedes=row[7],
                     appeal=row[8], superseded_by=later, units=row[9], records=kept,
                     not_kept=not_kept(files, options, plugins), made_by=made_by)


def not_kept(files: tuple[KeptFile, ...], options: Mapping[str, Any], plugins: tuple[tuple[str, str], ...] | None) -> tuple[str, ...]:
    """What went into a run that the store does not keep: every input of a run stored without them, the files of
    record sources stored before they were kept, and the plugins' code (only their names and versions are kept)."""
    out = []
    if not files:
        out.append("every input file (scorecard, data, units, adjustments): the run was stored before schema version 3 "
                   "or from a result document")
    kept = {f.role.split(":")[1] for f in files if f.role.startswith("records:")}
    if not options.get("records_kept"):
        out += [f"the files of the record source --records {r} (only its name and folder were noted)"
                for r in not_kept_sources(options, kept)]
    outside = [(n, v) for n, v in plugins or () if not n.startswith("evalkit.plugins.builtins.")]  # evalkit's own
    if outside:
        out.append("the code of the plugins " + ", ".join(f"{n} {v}" for n, v in outside)
                   + " (their names and versions are kept; recompute uses the plugins installed now)")
    return tuple(out)


show_run = run_record


def materialize(store: Store, run_id: int, folder: Path, replace: dict[str, tuple[str, bytes]] | None = None) -> dict[str, Any]:
    """Write a run's kept files into `folder`; returns the InputFiles arguments (scorecard, data, units, adjustments, period).

    `replace` gives other bytes for a role (role: (name, bytes)), as a decision's corrected data does.
    """
    rows = store.conn.execute("SELECT role, name, sha256 FROM run_files WHERE run_id = ? ORDER BY role", (run_id,)).fetchall()
    if not rows:
        raise StoreError(Problem(f"run {run_id} has no kept inputs (it was stored before schema version 3, or from a "
                                 "result document); it cannot be recomputed", source=store.path))
    args: dict[str, Any] = {"data": []}
    sources: dict[str, Path] = {}
    for role, name, sha in rows:
        if replace and role in replace:
            name, data = replace[role]
        else:
            kept = ledger.get_blob(store.conn, sha)
            if kept is None:
                raise StoreError(Problem(f"run {run_id}: the kept {role} file {name} is missing or damaged", source=store.path))
            data = kept
        if role.startswith("records:"):  # a record source's file: FOLDER rebuilt under records/NAME
            _, source, inner = role.split(":", 2)
            base = folder / "records" / source
            target = base / name if inner == "." else base.joinpath(*inner.split("/"))
            sources[source] = target if inner == "." else base
        elif role.startswith("scorecard:"):
            target = folder / "scorecard" / name
            args["scorecard"] = str(folder / "scorecard")
        else:
            target = folder / role / name
            if role == "scorecard":
                args["scorecard"] = str(target)
            elif role.startswith("data"):
                args["data"].append((role, str(target)))
            else:
                args[role] = str(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    args["data"] = [p for _, p in sorted(args["data"], key=lambda rp: (len(rp[0]), rp[0]))]
    options = stored_json(store.path, run_id, "inputs", store.conn.execute(
        "SELECT inputs FROM runs WHERE id = ?", (run_id,)).fetchone()[0]).get("options", {})
    missing = not_kept_sources(options, sources)
    if missing and options.get("records_kept"):  # kept, but the folder was empty: an empty folder again
        for name in (r.partition("=")[0] for r in missing):
            sources[name] = folder / "records" / name
            sources[name].mkdir(parents=True, exist_ok=True)
        missing = []
    if missing:
        raise StoreError(Problem(f"run {run_id} read record sources whose files the store does not keep "
                                 f"({', '.join(missing)}; stored before evalkit kept them); it cannot be recomputed "
                                 "from the store", source=store.path))
    names = [str(r).partition("=")[0] for r in options.get("records", ())]
    args["records"] = [(n, str(sources[n])) for n in names]
    args["period"] = options.get("period")
    for key in ("wide", "encoding"):
        if options.get(key) is not None:
            args[key] = options[key]
    if options.get("sheets"):
        args["sheets"] = tuple(options["sheets"])
    return args


def not_kept_sources(options: Mapping[str, Any], kept: Collection[str]) -> list[str]:
    """The record sources (NAME=FOLDER as given) of a run's options whose files are not among the kept ones."""
    return [str(r) for r in options.get("records", ()) if str(r).partition("=")[0] not in kept]


@attrs.frozen
class Recomputation:
    """A stored run scored again from its kept inputs (`evalkit history recompute RUN`)."""

    run: int
    identical: bool  # the JSON result is the stored one, byte for byte
    diff: ResultDiff
    stored_versions: dict[str, Any]
    current_versions: dict[str, Any]
    not_kept: tuple[str, ...] = ()  # what went in that the store does not keep (`RunRecord.not_kept`)

    def to_dict(self) -> dict[str, Any]:
        return {"run": self.run, "identical": self.identical, "diff": self.diff.to_dict(),
                "stored_versions": self.stored_versions, "current_versions": self.current_versions,
                "not_kept": list(self.not_kept)}

    def text(self) -> str:
        notes = "".join(f"  not kept: {what}\n" for what in self.not_kept)
        if self.identical:
            return f"run {self.run}: recomputed from the kept inputs; the result is identical, byte for byte\n" + notes
        versions = ("" if self.stored_versions == self.current_versions else
                    f"  versions then: {self.stored_versions}; now: {self.current_versions}\n")
        return f"run {self.run}: recomputed from the kept inputs; the result DIFFERS\n" + versions + notes + self.diff.text()


def recompute_run(store: StoreLike, run: int | str, registry: Registry | None = None) -> Recomputation:
    """Score a stored run again from its kept inputs and compare with the stored result."""
    from evalkit import __version__
    from evalkit.scoring.files import InputFiles, evaluate_files

    if registry is None:
        from evalkit.plugins.manager import default_registry

        registry = default_registry()
    opened, close = _opened(store)
    try:
        run_id = opened.run_id(run)
        record = run_record(opened, run_id)
        stored_text = opened.conn.execute("SELECT result FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
        stored = stored_json(opened.path, run_id, "result", stored_text)
        with tempfile.TemporaryDirectory(prefix="evalkit-recompute-") as folder:
            args = materialize(opened, run_id, Path(folder))
            evaluation = evaluate_files(InputFiles(**args), registry)
            evaluation = _at_stored_paths(opened, run_id, Path(folder), evaluation)
            text = evaluation.to_json()
    finally:
        if close:
            opened.close()
    now = json.loads(text)
    return Recomputation(run=run_id, identical=text == stored_text,
                         diff=diff_results(stored, now, f"run {run_id} (stored)", f"run {run_id} (recomputed)"),
                         stored_versions={"evalkit": record.evalkit_version,
                                          "plugins": None if record.plugins is None else [list(p) for p in record.plugins]},
                         current_versions={"evalkit": __version__, "plugins": [[p.name, p.version] for p in registry.plugins]},
                         not_kept=record.not_kept)


def _at_stored_paths(store: Store, run_id: int, folder: Path, evaluation: Evaluation) -> Evaluation:
    """The evaluation's notes name the files where the run read them, not where recompute put their copies
    (a note such as "data.csv: read as GB18030 text" carries the path it was given)."""
    if not evaluation.notes:
        return evaluation
    described = stored_json(store.path, run_id, "inputs", store.conn.execute(
        "SELECT inputs FROM runs WHERE id = ?", (run_id,)).fetchone()[0]).get("files", {})
    moved = {}
    for role, name in store.conn.execute("SELECT role, name FROM run_files WHERE run_id = ?", (run_id,)).fetchall():
        original = (described.get(role) or {}).get("path") if isinstance(described, dict) else None
        if ":" not in role and isinstance(original, str):
            moved[str(folder / role / name)] = original
    notes = []
    for note in evaluation.notes:
        for copy, original in sorted(moved.items(), key=lambda kv: -len(kv[0])):
            note = note.replace(copy, original)
        notes.append(note)
    return attrs.evolve(evaluation, notes=tuple(notes))


@attrs.frozen
class Verification:
    """The store checked (`evalkit history verify`): ok when nothing is wrong."""

    path: str
    runs: int
    records: int
    problems: tuple[str, ...]
    recomputed: tuple[Recomputation, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "ok": self.ok, "runs": self.runs, "records": self.records,
                "problems": list(self.problems), "recomputed": [r.to_dict() for r in self.recomputed]}

    def text(self) -> str:
        head = (f"{self.path}: {self.runs} runs and {self.records} records checked: "
                + ("the store is intact" if self.ok else f"{len(self.problems)} problems"))
        lines = [head, *(f"  - {p}" for p in self.problems)]
        lines += [f"  run {r.run}: recomputed, " + ("identical" if r.identical else "DIFFERENT") for r in self.recomputed]
        return "\n".join(lines) + "\n"


def verify_store(store: StoreLike, recompute: bool = False, registry: Registry | None = None) -> Verification:
    """Check the store: SQLite integrity, the hash chain, kept files, results; with `recompute`, re-score every run."""
    opened, close = _opened(store)
    problems: list[str] = []
    recomputed: list[Recomputation] = []
    try:
        conn = opened.conn
        try:
            check = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
            if check != ["ok"]:
                problems.append("SQLite integrity check: " + "; ".join(str(c) for c in check[:5]))
            problems += ledger.check_chain(conn)
            run_ids = [r for (r,) in conn.execute("SELECT id FROM runs ORDER BY id").fetchall()]
            for run_id in run_ids:
                text = conn.execute("SELECT result FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
                try:
                    stored_json(opened.path, run_id, "result", text)
                except StoreError as exc:
                    problems.append(f"run {run_id}: {exc.problems[0].message}")
                for role, name, sha in conn.execute("SELECT role, name, sha256 FROM run_files WHERE run_id = ?", (run_id,)):
                    if ledger.get_blob(conn, sha) is None:
                        problems.append(f"run {run_id}: the kept {role} file {name} is missing or does not match its SHA-256")
            records = conn.execute("SELECT count(*) FROM records").fetchone()[0]
            triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
            missing = [t for t in ledger.KEPT_TABLES if f"{t}_no_update" not in triggers or f"{t}_no_delete" not in triggers]
            if missing:
                problems.append("the append-only triggers were removed from " + ", ".join(missing))
        except sqlite3.Error as exc:
            problems.append(f"SQLite: {exc}")
            run_ids, records = [], 0
        if recompute and not problems:
            has_inputs = {r for (r,) in conn.execute("SELECT DISTINCT run_id FROM run_files")}
            for run_id in run_ids:
                if run_id in has_inputs:
                    try:
                        result = recompute_run(opened, run_id, registry)
                    except EvalkitError as exc:
                        problems.append(f"run {run_id}: cannot be recomputed: {exc.problems[0]}")
                        continue
                    recomputed.append(result)
                    if not result.identical:
                        problems.append(f"run {run_id}: recomputed from its kept inputs, the result differs")
    finally:
        if close:
            opened.close()
    return Verification(opened.path, len(run_ids), records, tuple(problems), tuple(recomputed))


__all__ = ["KeptFile", "Recomputation", "RunRecord", "Verification", "materialize", "recompute_run", "run_record",
           "show_run", "verify_store"]
