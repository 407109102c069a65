"""Progress while a data file is read: the loaders report rows read to whoever is listening.

The CLI listens (its progress bar, drawn only on a terminal); the library does not by default, so a
loader's only cost is one context-variable look-up per file. ``with reading_progress(callback):``
makes the loaders call ``callback(rows_done, rows_total)`` every `EVERY` rows while they read a CSV or
an xlsx sheet (`rows_total` is the file's line count, or the sheet's declared size; 0 when unknown).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
Listener = Callable[[int, int], None]

EVERY = 10_000  # rows between two reports: frequent enough for a bar, rare enough to cost nothing
LISTENER: contextvars.ContextVar[Listener | None] = contextvars.ContextVar("evalkit_read_progress", default=None)


@contextlib.contextmanager
def reading_progress(listener: Listener | None) -> Iterator[None]:
    """Within the block, loaders report rows read to `listener(done, total)`."""
    token = LISTENER.set(listener)
    try:
        yield
    finally:
        LISTENER.reset(token)


def listening() -> Listener | None:
    """The current listener, or None (then a loader reads as fast as it can, with no reports)."""
    return LISTENER.get()


def counted(rows: Iterable[T], total: int, listener: Listener | None = None) -> Iterator[T]:
    """The rows, unchanged, reporting how many have gone by every `EVERY` rows and at the end."""
    listener = listener or LISTENER.get()
    if listener is None:
        yield from rows
        return
    done = 0
    for done, row in enumerate(rows, start=1):
        if done % EVERY == 0:
            listener(done, max(total, done))
        yield row
    listener(done, max(total, done))
