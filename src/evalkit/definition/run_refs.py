"""Checks of `from_run` (an indicator's values from another run): a result file, or a run of a history store."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from evalkit.definition.documents import Document
from evalkit.errors import Problem

STORE_KEYS = ("store", "run", "scorecard", "period")


def from_run_problems(document: Document) -> Iterator[Problem]:
    """`file` or the store's keys, not both; `run: latest` (the default) names the scorecard."""
    for k, spec in enumerate(document.data.get("indicators", []) or []):
        if not isinstance(spec, Mapping) or not isinstance(spec.get("from_run"), Mapping):
            continue
        ref = spec["from_run"]
        path = ("indicators", k, "from_run")
        store_keys = [key for key in STORE_KEYS if key in ref]
        if "file" in ref and store_keys:
            yield document.problem(path, "from_run names a result file and a stored run",
                                   expected="file: PATH, or store/run/scorecard/period", found="file and " + ", ".join(store_keys))
        elif "file" not in ref and ref.get("run", "latest") == "latest" and "scorecard" not in ref:
            yield document.problem(path, "from_run takes the latest stored run, and does not say of which scorecard",
                                   expected="file: PATH, scorecard: ID (with run: latest), or run: N",
                                   found="none of them")
