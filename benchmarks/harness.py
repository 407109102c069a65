"""Paired, interleaved measurement of evalkit against its baseline: medians of rounds, all memory counted.

Every benchmark script under benchmarks/ measures through these functions so that the numbers mean
the same thing everywhere:

- each measurement runs in its own process: a fork of the benchmark (``in_child``) for library calls,
  or a command (``in_command``) for CLI runs and baseline scripts. Its peak memory is that process's
  peak resident set (``ru_maxrss`` from ``wait4``), which counts everything the process touched: the
  interpreter, the imported libraries, the input and every copy of it, the result. A forked child
  shares the parent's pages until it touches them, and touched pages are resident in the child, so the
  input built in the parent before the fork counts in both contenders alike;
- contenders alternate within each round, and the order flips every round (A B, B A, A B, ...), so a
  machine that slows down or warms up during the run touches both sides alike;
- the reported figure is the median of the rounds, time and memory each.

A contender is a name and a callable (``in_child``) or an argv list (``in_command``). Do not fork after
polars or another library with its own thread pool has run in the parent: measure those as commands.
"""

from __future__ import annotations

import os
import pickle
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MiB = 1024 * 1024


@dataclass
class Sample:
    """One measurement: wall seconds and peak resident bytes of the process that did the work."""

    seconds: float
    peak_bytes: int
    result: Any = None


@dataclass
class Paired:
    """Every contender's samples over the rounds, in the order they were given."""

    samples: dict[str, list[Sample]] = field(default_factory=dict)

    def seconds(self, name: str) -> float:
        return statistics.median(s.seconds for s in self.samples[name])

    def peak(self, name: str) -> float:
        return statistics.median(s.peak_bytes for s in self.samples[name])

    def ratio(self, name: str, baseline: str) -> float:
        return self.seconds(name) / self.seconds(baseline)

    def memory_ratio(self, name: str, baseline: str) -> float:
        return self.peak(name) / self.peak(baseline)

    def result(self, name: str) -> Any:
        return self.samples[name][-1].result


def _peak_bytes(rusage: Any) -> int:
    """ru_maxrss is KiB on Linux, bytes on macOS."""
    return int(rusage.ru_maxrss) * (1 if sys.platform == "darwin" else 1024)


def in_child(work: Callable[[], Any]) -> Sample:
    """Run `work()` once in a forked child; its wall time, its peak RSS and its (picklable) result."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: time the work, send (seconds, result) back, exit without cleanup
        os.close(read_end)
        status = 0
        try:
            start = time.perf_counter()
            result = work()
            seconds = time.perf_counter() - start
            payload = pickle.dumps((seconds, result, None))
        except BaseException as exc:  # reported by the parent, with the child's message
            payload = pickle.dumps((0.0, None, f"{type(exc).__name__}: {exc}"))
            status = 1
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    _, _, rusage = os.wait4(pid, 0)
    seconds, result, error = pickle.loads(payload)
    if error is not None:
        raise RuntimeError(f"measured work failed in the child: {error}")
    return Sample(seconds=seconds, peak_bytes=_peak_bytes(rusage), result=result)


def in_command(argv: Sequence[str], env: Mapping[str, str] | None = None, stdout: Any = subprocess.DEVNULL) -> Sample:
    """Run a command once; its wall time and peak RSS. A failing command stops the benchmark.

    The command is started by a small launcher process (this file run as a script), not by the
    benchmark itself: Linux keeps a process's peak RSS across exec, so a command forked straight from a
    benchmark holding gigabytes of input would report the benchmark's peak as its own.
    """
    read_end, write_end = os.pipe()
    process = subprocess.Popen([sys.executable, os.path.abspath(__file__), str(write_end), *argv], stdout=stdout,
                               stderr=subprocess.PIPE, pass_fds=(write_end,),
                               env=None if env is None else {**os.environ, **env})
    os.close(write_end)
    assert process.stderr is not None
    error = process.stderr.read()
    with os.fdopen(read_end, "rb") as pipe:
        report = pipe.read().decode()
    process.wait()
    if process.returncode != 0 or not report:
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}: {error.decode(errors='replace')[-2000:]}")
    launched_seconds, peak = report.split()
    return Sample(seconds=float(launched_seconds), peak_bytes=int(peak))


def _launch(report_fd: int, argv: Sequence[str]) -> int:
    """The launcher: run `argv`, write "seconds peak_bytes" of that process alone to `report_fd`."""
    start = time.perf_counter()
    process = subprocess.Popen(list(argv))
    _, status, rusage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        with os.fdopen(report_fd, "w") as report:
            report.write(f"{seconds} {_peak_bytes(rusage)}")
    return code


def paired(contenders: Mapping[str, Callable[[], Sample]], rounds: int = 5, warmup: bool = True) -> Paired:
    """Measure every contender `rounds` times, interleaved, the order flipped every round.

    Each contender is a zero-argument callable that makes one measurement, e.g.
    ``lambda: in_child(lambda: evalkit.evaluate(card, data))`` or ``lambda: in_command([...])``.
    `warmup` runs each once, unrecorded, first (file caches, compiled code).
    """
    names = list(contenders)
    if warmup:
        for name in names:
            contenders[name]()
    out = Paired({name: [] for name in names})
    for k in range(rounds):
        for name in names if k % 2 == 0 else reversed(names):
            out.samples[name].append(contenders[name]())
    return out


def mib(n: float) -> str:
    return f"{n / MiB:,.0f} MiB" if n >= 10 * MiB else f"{n / MiB:,.1f} MiB"


def seconds_text(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (what the README records), right-aligned numbers."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(value: float, goal: float) -> str:
    return "ok" if value <= goal else "OVER"


if __name__ == "__main__":  # the launcher of in_command
    sys.exit(_launch(int(sys.argv[1]), sys.argv[2:]))
