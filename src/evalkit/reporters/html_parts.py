"""The pieces every part of the HTML report is made of: escaping, JSON inside <script>, grade badges and
inline SVG charts (evalkit.reporters.html and its extras, evalkit.reporters.html_extras)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from typing import Any

from evalkit.reporters.common import display_width

STATIC_CHARTS = 300  # at most this many units get their chart inside the file


def e(text: object) -> str:
    """Escape any text for HTML content and attribute values."""
    return escape("" if text is None else str(text), quote=True)


def json_script(data: Any) -> str:
    """JSON that can sit inside <script>: '<', '>' and '&' are written as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def badge(position: int, text: str, code: str) -> str:
    """A grade as a coloured badge (class g<position>), its code as the tooltip."""
    return f'<span class="g g{position}" title="{e(code)}">{e(text)}</span>'


def svg(width: float, height: float, title: str, body: str, cls: str) -> str:
    """An inline SVG chart with its title (for screen readers and as a tooltip)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}" '
            f'role="img" aria-label="{e(title)}" class="{cls}"><title>{e(title)}</title>{body}</svg>')


def label_width(names: Iterable[str]) -> int:
    """Pixels for a chart's row labels: the widest name, within 60 to 220."""
    widest = max((display_width(x) for x in names), default=4)
    return int(min(max(widest * 7 + 14, 60), 220))
