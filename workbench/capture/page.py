"""What a captured HTML page says, read without a browser: title, meta tags, language,
visible text (for search) and a sanitized copy for the safe viewer.

Built on the standard library's `html.parser`: nothing is fetched, no script runs. The
sanitized copy keeps only structural tags (headings, paragraphs, lists, tables, emphasis)
with no attributes at all, so it can reference nothing outside itself; images and frames
become a bracketed note naming their source, links show their target as text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements whose content is never shown (code, styling, embedded documents).
_HIDDEN = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math",
     "canvas", "head", "select", "textarea", "audio", "video"}
)  # fmt: skip
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)  # fmt: skip
_BLOCK = frozenset(
    {"address", "article", "aside", "blockquote", "body", "br", "dd", "div", "dl", "dt",
     "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
     "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td",
     "tfoot", "th", "thead", "title", "tr", "ul"}
)  # fmt: skip
# Tags kept (without attributes) in the sanitized copy; others keep only their text.
_SAFE = frozenset(
    {"p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "b", "strong", "i",
     "em", "u", "blockquote", "pre", "code", "table", "thead", "tbody", "tfoot", "tr", "td",
     "th", "dl", "dt", "dd", "hr", "sub", "sup", "small", "div"}
)  # fmt: skip
_SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")
MAX_TEXT_CHARS = 2_000_000


@dataclass
class PageText:
    title: str = ""
    language: str = ""
    metas: dict[str, str] = field(default_factory=dict)
    text: str = ""
    links: list[str] = field(default_factory=list)
    safe_html: str = ""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PageText()
        self._hidden = 0  # depth inside hidden elements
        self._in_title = False
        self._title: list[str] = []
        self._lines: list[str] = []
        self._line: list[str] = []
        self._safe: list[str] = []
        self._open_links: list[str] = []
        self._chars = 0

    # ---- text -------------------------------------------------------------------------
    def _break(self) -> None:
        line = _SPACE.sub(" ", "".join(self._line)).strip()
        if line:
            self._lines.append(line)
            self._chars += len(line) + 1
        self._line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "html" and values.get("lang"):
            self.page.language = values["lang"].strip()
        if tag == "meta":
            name = (values.get("name") or values.get("property") or "").strip().lower()
            if name and values.get("content"):
                self.page.metas.setdefault(name, " ".join(values["content"].split()))
        if tag == "title":
            self._in_title = True
        if tag in _HIDDEN:
            if tag not in _VOID:
                self._hidden += 1
            if tag in ("iframe", "embed", "object", "video", "audio") and self._hidden <= 1:
                source = values.get("src") or values.get("data") or ""
                self._safe.append(f"<p>[{tag} not loaded: {html.escape(source[:300])}]</p>")
            return
        if self._hidden:
            return
        if tag in _BLOCK:
            self._break()
        if tag == "a" and values.get("href"):
            self.page.links.append(values["href"])
            self._open_links.append(values["href"])
        elif tag == "a":
            self._open_links.append("")
        if tag == "img":
            alt = values.get("alt", "").strip()
            source = values.get("src", "")
            if alt:
                self._line.append(f" {alt} ")
            self._safe.append(
                f"<i>[image not loaded: {html.escape(alt or 'no description')}; "
                f"{html.escape(source[:300])}]</i>"
            )
        if tag in _SAFE:
            self._safe.append("<br>" if tag == "br" else f"<{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _HIDDEN:
            if tag not in _VOID:
                self._hidden = max(0, self._hidden - 1)
            return
        if self._hidden:
            return
        if tag in _BLOCK:
            self._break()
        if tag == "a" and self._open_links:
            target = self._open_links.pop()
            if target and not target.startswith(("#", "javascript:")):
                self._safe.append(f" <small>[{html.escape(target[:300])}]</small>")
        if tag in _SAFE and tag not in _VOID:
            self._safe.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
        if self._hidden or self._chars > MAX_TEXT_CHARS:
            return
        self._line.append(data)
        self._safe.append(html.escape(data))

    def finish(self) -> PageText:
        self.close()
        self._break()
        self.page.title = " ".join("".join(self._title).split())
        self.page.text = "\n".join(self._lines)[:MAX_TEXT_CHARS]
        body = "".join(self._safe)
        title = f"<h2>{html.escape(self.page.title)}</h2>" if self.page.title else ""
        self.page.safe_html = f"<html><body>{title}{body}</body></html>"
        return self.page


def charset_of(content_type: str, head: bytes) -> str:
    """The page's encoding: the Content-Type charset, else a <meta charset>, else UTF-8."""
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value.strip("\"' "):
            return value.strip("\"' ")
    found = re.search(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-]+)""", head[:4096], re.I)
    return found.group(1).decode("ascii") if found else "utf-8"


def decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def read_page(data: bytes, content_type: str = "") -> PageText:
    """Parse HTML bytes; never raises for malformed markup."""
    text = decode(data, charset_of(content_type, data))
    reader = _Reader()
    reader.feed(text)
    return reader.finish()


def is_html(content_type: str, head: bytes) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml"):
        return True
    if kind and kind not in ("text/plain", "application/octet-stream"):
        return False
    probe = head[:2048].lstrip().lower()
    return probe.startswith((b"<!doctype html", b"<html")) or b"<html" in probe
