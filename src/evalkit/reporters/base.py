"""The reporter contract: an Evaluation in, text or bytes out; the host writes the file atomically."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import attrs

if TYPE_CHECKING:
    from evalkit.result import Evaluation


@attrs.frozen
class ReportOptions:
    """Choices a reporter honours: label language and whether the output goes to a colour terminal."""

    lang: str = "zh"
    color: bool = False
    width: int | None = None


@attrs.frozen
class Reporter:
    """An output format: its --format name, default file ending and render function."""

    name: str
    extension: str
    render: Callable[["Evaluation", ReportOptions], "str | bytes"]
    description: str = ""
