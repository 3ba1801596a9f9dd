"""Highlights from the engine → the matched words in bold, as written, escaped for HTML.

The engine highlights each field on its own: whole words (stems, synonyms) on the
French field, typed prefixes on its ``prefix`` sub-field (« <b>Rééd</b>ucation »).
It marks them with private-use characters that no text of ours contains (control
characters would not do: the engine trims them off a value's ends); this module
merges the marks of every field over the same value and writes the HTML. Pure.
"""
from __future__ import annotations

from markupsafe import Markup, escape

PRE, POST = "\ue000", "\ue001"   # tags asked of the engine: never in a label, unlike "<b>"
TAGS = {"pre_tags": [PRE], "post_tags": [POST]}


def _marks(marked: str) -> tuple[str, set[int]]:
    """The plain text of an engine highlight and the positions of its highlighted characters."""
    plain: list[str] = []
    bold: set[int] = set()
    inside = False
    for char in marked:
        if char == PRE:
            inside = True
        elif char == POST:
            inside = False
        else:
            if inside:
                bold.add(len(plain))
            plain.append(char)
    return "".join(plain), bold


def to_html(text: str, bold: set[int]) -> Markup:
    """``text`` escaped, its ``bold`` characters in <b>…</b>."""
    parts: list[str] = []
    start = 0
    for end in range(1, len(text) + 1):
        if end == len(text) or (end in bold) != (start in bold):
            segment = str(escape(text[start:end]))
            parts.append(f"<b>{segment}</b>" if start in bold else segment)
            start = end
    return Markup("".join(parts))


def highlighted(values: list[str], highlight: dict[str, list[str]]) -> dict[str, Markup]:
    """Each of ``values`` that some field highlights → its HTML with every field's marks merged."""
    bold: dict[str, set[int]] = {}
    for fragments in highlight.values():
        for fragment in fragments:
            plain, marks = _marks(fragment)
            if marks:
                bold.setdefault(plain, set()).update(marks)
    return {value: to_html(value, bold[value]) for value in values if value in bold}


def highlight_request(fields: tuple[str, ...], query: dict | None = None) -> dict:
    """The ``highlight`` part of a request: each field and its ``prefix`` sub-field, whole values."""
    names = [n for field in fields for n in (field, f"{field}.prefix")]
    body = {**TAGS, "number_of_fragments": 0, "fields": {name: {} for name in names}}
    if query is not None:
        body["highlight_query"] = query
    return body
