"""A helper shared by the history-store tests: run the CLI in-process and refuse any traceback."""

from __future__ import annotations

from typing import Any

from evalkit.cli import main


def cli(capsys: Any, *args: Any) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `evalkit ARGS`, run in-process."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err
