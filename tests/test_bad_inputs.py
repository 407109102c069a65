"""The bad-input corpus of issue 12: hostile and careless inputs get a clear message and the documented exit
code, never a traceback, a silent wrong result, unbounded memory or time, or a damaged file.

Each case runs the CLI in a subprocess with a wall-clock timeout and an address-space limit
(`resource.setrlimit(RLIMIT_AS)`), so a regression fails fast instead of eating the machine.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bad_inputs import corpus

MEMORY_MB = 1536  # each case must stay under this much address space
POSIX = os.name == "posix"


def _bounded(mb: int):  # type: ignore[no-untyped-def]
    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))
    return limit


def evalkit(*args: object, cwd: Path | None = None, timeout: float = 60, mb: int = MEMORY_MB,
            env: dict[str, str] | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run `evalkit ARGS` bounded in time and memory; a hang or a blow-up fails the test."""
    full_env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", COLUMNS="200", **(env or {}))
    full_env.pop("EVALKIT_DEBUG", None)
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", "import sys; from evalkit.cli import main; sys.exit(main())", *map(str, args)], cwd=cwd, env=full_env, timeout=timeout,
                          capture_output=True, text=True, input=stdin.decode() if stdin is not None else None,
                          preexec_fn=_bounded(mb) if POSIX else None)
    done.seconds = time.monotonic() - start  # type: ignore[attr-defined]
    assert "Traceback" not in done.stderr, done.stderr
    assert "internal error" not in done.stderr, done.stderr
    return done


def refused(done: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert done.returncode == code, (done.returncode, done.stderr)
    for word in words:
        assert word in done.stderr, (word, done.stderr)


@pytest.fixture
def qs(tmp_path: Path) -> tuple[Path, Path, Path]:
    return corpus.quickstart(tmp_path)


# 1. -o onto a device node or a FIFO: refused, the node left as it was ------------------------------------------

@pytest.mark.skipif(not POSIX, reason="FIFOs are POSIX")
def test_output_onto_a_fifo_is_refused_and_left_a_fifo(qs, tmp_path):
    scorecard, data, units = qs
    fifo = tmp_path / "x"
    os.mkfifo(fifo)
    done = evalkit("run", scorecard, "--data", data, "--units", units, "--format", "json", "-o", fifo, "--no-store",
                   timeout=30)
    refused(done, 5, "writes only regular files", "named pipe")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(not POSIX or os.geteuid() != 0, reason="mknod of a character device needs root")
def test_output_onto_a_device_node_is_refused_and_left_a_device(qs, tmp_path):
    scorecard, data, units = qs
    node = tmp_path / "x"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null twin
    done = evalkit("run", scorecard, "--data", data, "--units", units, "--format", "json", "-o", node, "--no-store")
    refused(done, 5, "writes only regular files", "device")
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_output_dash_is_standard_output(qs, tmp_path):
    scorecard, data, units = qs
    done = evalkit("run", scorecard, "--data", data, "--units", units, "--format", "json", "-o", "-", "--no-store",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["units"]
    assert not (tmp_path / "-").exists()


def test_killed_write_leaves_temp_files_the_next_write_sweeps(tmp_path):
    from evalkit.io.output import temp_name, write_atomic

    out = tmp_path / "out.json"
    dead = 2 ** 22 + 12345  # above Linux's default pid_max: no such process
    stale = temp_name(out, dead)
    stale.write_bytes(b"half a file")
    write_atomic(out, "{}")
    assert out.read_text() == "{}"
    assert not stale.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_failed_write_leaves_no_temp_file(tmp_path, monkeypatch):
    from evalkit.errors import FileAccessError
    from evalkit.io import output

    out = tmp_path / "out.json"
    out.write_text("old")

    def boom(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "replace", boom)
    with pytest.raises(FileAccessError):
        output.write_atomic(out, "new")
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


# 2. silent wrong results ----------------------------------------------------------------------------------------

def test_xlsx_with_a_short_declared_dimension_is_read_whole(qs, tmp_path):
    scorecard, data, units = qs
    lines = [line.split(",") for line in data.read_text(encoding="utf-8-sig").splitlines()]
    rows = [lines[0]] + [[u, i, p, float(v)] for u, i, p, v in lines[1:]]
    book = corpus.short_dimension(tmp_path / "data.xlsx", rows)
    from_csv = evalkit("run", scorecard, "--data", data, "--units", units, "--format", "json", "--no-store")
    from_xlsx = evalkit("run", scorecard, "--data", book, "--units", units, "--format", "json", "--no-store")
    assert from_xlsx.returncode == 0, from_xlsx.stderr
    totals = {u["id"]: u["total"] for u in json.loads(from_xlsx.stdout)["units"]}
    assert totals == {u["id"]: u["total"] for u in json.loads(from_csv.stdout)["units"]}
    assert len(totals) == 12 and min(totals.values()) > 0
