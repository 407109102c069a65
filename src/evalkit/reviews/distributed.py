"""Multi-rater reviews on Dask: ballot rows as a Dask DataFrame, the in-memory `ReviewResult` bit for bit.

``review(definition, ballots_ddf, units)`` (or `review_dask`) counts 10^9 ballot rows on a cluster in two
phases, each running the in-memory code on whole groups of rows:

0. one pass reads each partition's length and periods: every row's position in the frame (its ``$[i]`` in
   messages, as for a list of row dicts) and the whole-file checks (columns, no rows, several periods).
1. per ballot: the frame is shuffled by ballot (the rater group as the definition spells it, and the rater),
   so that every row of a ballot, and so every duplicate row, lies in one partition, put back in frame order
   there. Each partition is checked by `read_ballots` and its void ballots found by `void_ballots` (a quota
   is per ballot), as in memory. Bad rows, void ballots and rows of other periods come back to the client,
   which orders them by row, as in memory, and raises under ``bad_ballots: stop``.
2. per unit: the counted rows (unit, group, score, category: 32 bytes a row) are shuffled by unit, and each
   partition counts its units with `aggregate`. A unit's groups are aggregated from all their scores in one
   partition, sorted as in memory, so the means are the same sums in the same order (a median and a trimmed
   mean need every score anyway); no partial sums are combined. The client puts each unit's row in place.

The client holds what the in-memory result holds (per unit and group, and the units), never the ballots.
"""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from evalkit.errors import DataError, Problem
from evalkit.io.data import Units
from evalkit.io.frames import frame_table
from evalkit.io.table import RowReader, Table, cell_text, find_columns
from evalkit.reviews.ballots import BALLOT_COLUMNS, Ballots, VoidBallot, check_ballot_table, read_ballots
from evalkit.reviews.definition import ReviewDefinition, fold_word, label_texts
from evalkit.reviews.review import ReviewResult, aggregate, void_ballots, void_list

if TYPE_CHECKING:
    from evalkit.plugins.manager import Registry

POSITION, BALLOT = "_evalkit_position", "_evalkit_ballot"
SOURCE = "dask DataFrame"  # where a row is: $[i] in the whole frame
ROW_COLUMNS = ("unit", "group", "score", "category")


def _pandas() -> Any:
    return importlib.import_module("pandas")  # a dependency of dask.dataframe (no stubs are installed for it)


def row_position(where: Mapping[str, Any]) -> int:
    """The row of a location: its row number, or i of a path ``$[i]...``."""
    if where.get("row") is not None:
        return int(where["row"])
    match = re.match(r"\$\[(\d+)\]", str(where.get("path") or ""))
    return int(match.group(1)) if match else -1


def _problem_position(problem: Problem) -> int:
    return row_position({"row": problem.row, "path": problem.path})


def _group_spellings(definition: ReviewDefinition) -> dict[str, int]:
    group_of: dict[str, int] = {}
    for k, g in enumerate(definition.groups):
        for spelling in (g.id, *label_texts(g.name.to_dict() or None), *g.aliases):
            group_of.setdefault(fold_word(spelling), k)
    return group_of


def _table(part: Any, columns: Sequence[str], positions: Sequence[int], source: str, row_style: str) -> Table:
    """A partition as the Table an in-memory reader makes of the same frame (`frame_table`: nulls empty), its rows
    numbered by their position in the whole frame: ``$[i]``, or row i + 1 (a Parquet file's rows, as read_table)."""
    table = frame_table(part[list(columns)].reset_index(drop=True), source)
    first = 1 if row_style == "row" else 0
    return Table(source=source, columns=table.columns, rows=table.rows, row_numbers=tuple(p + first for p in positions),
                 row_style=row_style)


def survey_task(part: Any, period_column: str | None) -> tuple[int, set[str]]:
    """A partition's length and its periods as text."""
    if period_column is None:
        return len(part), set()
    periods = {cell_text(row[0]) for row in frame_table(part[[period_column]].reset_index(drop=True)).rows}
    return len(part), periods


def keyed_task(part: Any, offset: int, columns: Sequence[str], group_of: Mapping[str, int], source: str,
               row_style: str) -> Any:
    """The partition with each row's position and ballot key (group position and rater, as `read_ballots` reads them;
    `columns` are the group and rater columns, read as the whole row would be)."""
    positions = list(range(offset, offset + len(part)))
    reader = RowReader(_table(part, columns, positions, source, row_style), BALLOT_COLUMNS, required=())
    keys = [f"{group_of.get(fold_word(row.text('group')), -1)}\x1f{row.text('rater')}" for row in reader]
    return part.assign(**{POSITION: np.asarray(positions, dtype=np.int64), BALLOT: keys})


def ballot_task(part: Any, columns: Sequence[str], definition: ReviewDefinition, units: Units, period: str | None,
                source: str, row_style: str) -> tuple[Any, dict[str, Any]]:
    """Phase 1 on whole ballots: the counted rows (void ballots left out) and what to report."""
    pd = _pandas()
    if not len(part):
        return pd.DataFrame({c: np.zeros(0, dtype=np.float64 if c == "score" else np.int64) for c in ROW_COLUMNS}), \
            {"skipped": [], "void": [], "other_periods": 0}
    part = part.sort_values(POSITION, kind="stable")
    positions = part[POSITION].tolist()
    table = _table(part, columns, positions, source, row_style)
    ballots = read_ballots([table], attrs.evolve(definition, bad_ballots="skip"), units, period, whole=False)
    void = void_ballots(ballots, definition)
    keep = ~void[ballots.ballot] if len(ballots.ballot) else np.zeros(0, dtype=bool)
    rows = pd.DataFrame({"unit": ballots.unit[keep].astype(np.int64), "group": ballots.group[keep].astype(np.int64),
                         "score": ballots.score[keep], "category": ballots.category[keep].astype(np.int64)})
    voids = [(row_position(v.rows[0]) if v.rows else -1, v) for v in void_list(ballots, definition, void)]
    return rows, {"skipped": list(ballots.skipped), "void": voids, "other_periods": ballots.other_periods}


def unit_task(part: Any, definition: ReviewDefinition) -> dict[str, Any] | None:
    """Phase 2 on whole units: `aggregate` of the partition's units, by their positions in the units."""
    if not len(part):
        return None
    ids, local = np.unique(part["unit"].to_numpy(np.int64), return_inverse=True)
    m = len(part)
    group = part["group"].to_numpy(np.intp)
    # each row its own ballot and never excellent: the void ballots were left out in phase 1
    ballots = Ballots(unit=local.astype(np.intp), group=group, ballot=np.arange(m, dtype=np.intp),
                      score=part["score"].to_numpy(np.float64), category=part["category"].to_numpy(np.intp),
                      excellent=np.zeros(m, dtype=bool), raters=tuple((int(g), "") for g in group.tolist()),
                      where=({},) * m)
    result = aggregate(ballots, definition, Units.from_ids([str(i) for i in range(len(ids))]))
    return {"ids": ids, "values": result.values, "counts": result.counts, "status": result.status,
            "weights": result.weights, "score": result.score, "categories": dict(result.categories),
            "trimmed": {(int(ids[i]), k): v for (i, k), v in result.trimmed.items()}}


def review_dask(definition: ReviewDefinition, ballots: Any, units: Units | Sequence[str] | str | Path,
                period: str | None = None, registry: Registry | None = None, source: str = SOURCE,
                row_style: str = "index") -> ReviewResult:
    """A review of ballot rows given as a Dask DataFrame (the columns a ballots file has), counted on the Dask
    scheduler in use: the result of `evalkit.reviews.review.review` on the same rows as one table
    (``frame_table(frame.compute(), source)``; nulls are empty cells). Rows are located as ``$[i]`` in the
    whole frame, or with ``row_style="row"`` as row i + 1 (as the in-memory reader numbers a Parquet file's rows)."""
    from evalkit.scoring.distributed import require_dask

    require_dask()
    import dask
    import dask.dataframe as dd

    if isinstance(units, (str, Path)):
        from evalkit.io.inputs import load_units
        from evalkit.plugins.manager import default_registry

        units = load_units(units, registry or default_registry())
    elif not isinstance(units, Units):
        units = Units.from_ids(units)
    columns = [str(c) for c in ballots.columns]
    header = Table(source=source, columns=tuple(columns), rows=(), row_numbers=())
    found = find_columns(header, BALLOT_COLUMNS, ())
    period_column = columns[found["period"]] if "period" in found else None
    parts = ballots.to_delayed()
    surveyed = dask.compute(*[dask.delayed(survey_task)(p, period_column) for p in parts])
    lengths = [n for n, _ in surveyed]
    periods = sorted(set().union(*[p for _, p in surveyed]))
    # the whole-file checks, on a table of the header and one row per period found (none when no rows at all)
    probe_rows = [tuple(p if c == period_column else None for c in columns) for p in (periods or [None])]
    probe = Table(source=source, columns=tuple(columns), rows=tuple(probe_rows) if sum(lengths) else (),
                  row_numbers=tuple(range(len(probe_rows))) if sum(lengths) else (), row_style=row_style)
    check_ballot_table(probe, str(period) if period is not None else definition.period)

    token = uuid.uuid4().hex
    shared_units = dask.delayed(units, name=f"evalkit-review-units-{token}")
    shared_definition = dask.delayed(definition, name=f"evalkit-review-definition-{token}")
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).tolist() if lengths else []
    pd = _pandas()
    meta = ballots._meta.assign(**{POSITION: pd.Series(dtype="int64"), BALLOT: pd.Series(dtype=object)})
    key_columns = [columns[found[k]] for k in ("group", "rater") if k in found]  # none missing, or read_ballots says so
    keyed = dd.from_delayed([dask.delayed(keyed_task)(p, int(o), key_columns, _group_spellings(definition), source,
                                                      row_style)
                             for p, o in zip(parts, offsets)], meta=meta, verify_meta=False)
    keyed = keyed.shuffle(on=BALLOT, shuffle_method="tasks")  # object columns: no p2p (Arrow) shuffle
    checked = [dask.delayed(ballot_task, nout=2)(p, columns, shared_definition, shared_units, period, source,
                                                     row_style)
               for p in keyed.to_delayed()]
    row_meta = pd.DataFrame({c: np.zeros(0, dtype=np.float64 if c == "score" else np.int64) for c in ROW_COLUMNS})
    rows = dd.from_delayed([c[0] for c in checked], meta=row_meta, verify_meta=False)
    rows = rows.shuffle(on="unit", shuffle_method="tasks")
    sides, counted = dask.compute([c[1] for c in checked],
                                  [dask.delayed(unit_task)(p, shared_definition) for p in rows.to_delayed()])

    skipped = sorted((p for side in sides for p in side["skipped"]), key=_problem_position)
    if skipped and definition.bad_ballots == "stop":
        raise DataError(skipped)
    voids: list[VoidBallot] = [v for _, v in sorted((pv for side in sides for pv in side["void"]), key=lambda pv: pv[0])]
    return _assemble(definition, units, str(period) if period is not None else definition.period,
                     [c for c in counted if c is not None], tuple(skipped), tuple(voids),
                     sum(side["other_periods"] for side in sides))


def _assemble(definition: ReviewDefinition, units: Units, period: str | None, counted: Sequence[dict[str, Any]],
              skipped: tuple[Problem, ...], voids: tuple[VoidBallot, ...], other_periods: int) -> ReviewResult:
    """The per-unit rows of every partition in place; units without a counted ballot as `aggregate` leaves them."""
    n, ng = len(units), len(definition.groups)
    empty = Ballots(unit=np.zeros(0, dtype=np.intp), group=np.zeros(0, dtype=np.intp), ballot=np.zeros(0, dtype=np.intp),
                    score=np.zeros(0), category=np.zeros(0, dtype=np.intp), excellent=np.zeros(0, dtype=bool),
                    raters=(), where=())
    blank = aggregate(empty, definition, Units.from_ids(["-"]))
    values = np.repeat(blank.values, n, axis=0)
    counts = np.repeat(blank.counts, n, axis=0)
    status = np.repeat(blank.status, n, axis=0)
    weights = np.repeat(blank.weights, n, axis=0)
    score = np.repeat(blank.score, n, axis=0)
    categories = {g: np.repeat(c, n, axis=0) for g, c in blank.categories.items()}
    trimmed: dict[tuple[int, int], tuple[tuple[float, ...], tuple[float, ...]]] = {}
    for part in counted:
        ids = part["ids"]
        values[ids], counts[ids], status[ids] = part["values"], part["counts"], part["status"]
        weights[ids], score[ids] = part["weights"], part["score"]
        for g, c in part["categories"].items():
            categories[g][ids] = c
        trimmed.update(part["trimmed"])
    assert values.shape == (n, ng)
    return ReviewResult(definition=definition, units=units, period=period, values=values, counts=counts, status=status,
                        weights=weights, score=score, categories=categories, void=voids, skipped=skipped,
                        other_periods=other_periods, trimmed=dict(sorted(trimmed.items())))


def review_parquet(definition: ReviewDefinition | str | Path | Mapping[str, Any], ballots: str | Path,
                   units: Units | Sequence[str] | str | Path, period: str | None = None, registry: Registry | None = None,
                   scheduler: str | None = None, workers: int | None = None) -> ReviewResult:
    """`evalkit review --engine dask`: the ballots of one Parquet file (or a folder of them, one dataset) counted on
    the Dask cluster at `scheduler`, on a local cluster of `workers` processes, or on Dask's threads. Rows are
    located as the in-memory reader locates a Parquet file's rows (row i + 1 of the file, or of the folder)."""
    from evalkit.io.dask_io import dask_client, read_parquet_frame
    from evalkit.reviews.definition import load_review
    from evalkit.scoring.distributed import require_dask

    require_dask()
    if not isinstance(definition, ReviewDefinition):
        definition = load_review(definition)
    frame = read_parquet_frame([ballots])
    with dask_client(scheduler, workers):
        return review_dask(definition, frame, units, period, registry, source=str(ballots), row_style="row")
