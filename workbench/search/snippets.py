"""Snippets: a short window of a document's text around the first match, matches marked.

Markers are two private-use characters that real text does not contain (they are removed
from the text first); the CLI turns them into [brackets], the window into <b>bold</b> after
escaping the text as HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

MARK_START = "\ue000"
MARK_END = "\ue001"
ELLIPSIS = "…"
SNIPPET_CHARS = 160


def term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for all terms, longest first (so phrases win)."""
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def make_snippet(text: str, terms: Iterable[str], width: int = SNIPPET_CHARS) -> str:
    """`width` characters of `text` (whitespace collapsed) around the first match, marked."""
    clean = " ".join(text.replace(MARK_START, "").replace(MARK_END, "").split())
    pattern = term_pattern(terms)
    match = pattern.search(clean) if pattern else None
    start = 0
    if match is not None and match.end() > width:
        start = max(0, match.start() - width // 3)
        space = clean.find(" ", start, start + 15)
        if space >= 0 and space < match.start():
            start = space + 1
    end = min(len(clean), start + width)
    if end < len(clean):
        space = clean.rfind(" ", end - 15, end)
        if space > start and (match is None or space >= match.end()):
            end = space
    window = clean[start:end]
    if pattern is not None:
        window = pattern.sub(lambda m: f"{MARK_START}{m.group(0)}{MARK_END}", window)
    return (ELLIPSIS if start > 0 else "") + window + (ELLIPSIS if end < len(clean) else "")


def to_brackets(snippet: str) -> str:
    """For a terminal: matches in [square brackets]."""
    return snippet.replace(MARK_START, "[").replace(MARK_END, "]")


def to_html(snippet: str) -> str:
    """For a rich-text label: the text HTML-escaped, matches in <b>bold</b>."""
    escaped = html.escape(snippet, quote=True)
    return escaped.replace(MARK_START, "<b>").replace(MARK_END, "</b>")


def plain(snippet: str) -> str:
    return snippet.replace(MARK_START, "").replace(MARK_END, "")
