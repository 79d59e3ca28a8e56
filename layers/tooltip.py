"""Escaped HTML for tooltips and panels.

Every value that reaches the browser as HTML goes through :func:`escape`: names, labels,
formatted numbers and, later, free text such as CPTED annotations. The map's JavaScript only
concatenates fragments built here (and escapes what it adds itself).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

__all__ = ["escape", "tooltip_html"]


def escape(value: object) -> str:
    """HTML-escape any value (quotes included), ``None`` as an empty string.

    >>> escape('<b>"Kerk" & zo</b>')
    '&lt;b&gt;&quot;Kerk&quot; &amp; zo&lt;/b&gt;'
    """
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def tooltip_html(
    title: object, rows: Iterable[tuple[object, object]] = (), note: object = ""
) -> str:
    """A small tooltip: a bold title, ``label: value`` rows and an optional note, all escaped.

    >>> tooltip_html("Gebouw", [("Bouwjaar", 1931)])
    '<b>Gebouw</b><br>Bouwjaar: 1931'
    """
    parts = [f"<b>{escape(title)}</b>"]
    parts += [f"{escape(label)}: {escape(value)}" for label, value in rows]
    if note:
        parts.append(f"<i>{escape(note)}</i>")
    return "<br>".join(parts)
