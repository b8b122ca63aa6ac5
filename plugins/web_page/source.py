"""web-page: fetch one URL, keep the raw response as evidence, read its metadata.

Structured data is extracted with extruct (JSON-LD, microdata, OpenGraph, microformats) as
the page states it: relative URLs stay relative in the stored extraction (so it agrees with
extruct's reference outputs) and are resolved only when we turn them into entities.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import phonenumbers

from workbench.sdk import (
    Context,
    EntityResult,
    EvidenceResult,
    HttpResponse,
    LinkResult,
    Query,
    Result,
    Source,
    is_valid,
)

SYNTAXES = ["json-ld", "microdata", "opengraph", "microformat"]
_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}\b"
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
_HTML_TYPES = ("text/html", "application/xhtml+xml")

# host -> (platform, regex over the path giving the handle, profile URL template)
SOCIAL: dict[str, tuple[str, str, str]] = {
    "twitter.com": ("X (Twitter)", r"^/([A-Za-z0-9_]{1,15})/?$", "https://x.com/{}"),
    "x.com": ("X (Twitter)", r"^/([A-Za-z0-9_]{1,15})/?$", "https://x.com/{}"),
    "facebook.com": ("Facebook", r"^/([A-Za-z0-9.]{3,80})/?$", "https://www.facebook.com/{}"),
    "instagram.com": ("Instagram", r"^/([A-Za-z0-9_.]{1,30})/?$", "https://www.instagram.com/{}"),
    "github.com": ("GitHub", r"^/([A-Za-z0-9-]{1,39})/?$", "https://github.com/{}"),
    "linkedin.com": (
        "LinkedIn",
        r"^/((?:in|company)/[A-Za-z0-9_-]{2,100})/?$",
        "https://www.linkedin.com/{}",
    ),
    "youtube.com": (
        "YouTube",
        r"^/(@[A-Za-z0-9_.-]{3,30}|c/[^/]+|user/[^/]+|channel/[^/]+)/?$",
        "https://www.youtube.com/{}",
    ),
    "tiktok.com": ("TikTok", r"^/@([A-Za-z0-9_.]{2,24})/?$", "https://www.tiktok.com/@{}"),
    "t.me": ("Telegram", r"^/([A-Za-z0-9_]{5,32})/?$", "https://t.me/{}"),
    "telegram.me": ("Telegram", r"^/([A-Za-z0-9_]{5,32})/?$", "https://t.me/{}"),
    "reddit.com": (
        "Reddit",
        r"^/(?:u|user)/([A-Za-z0-9_-]{3,20})/?$",
        "https://www.reddit.com/user/{}",
    ),
    "twitch.tv": ("Twitch", r"^/([A-Za-z0-9_]{4,25})/?$", "https://www.twitch.tv/{}"),
    "threads.net": ("Threads", r"^/@([A-Za-z0-9_.]{1,30})/?$", "https://www.threads.net/@{}"),
    "medium.com": ("Medium", r"^/@([A-Za-z0-9_.-]{1,50})/?$", "https://medium.com/@{}"),
    "pinterest.com": ("Pinterest", r"^/([A-Za-z0-9_]{3,30})/?$", "https://www.pinterest.com/{}"),
    "vk.com": ("VK", r"^/([A-Za-z0-9_.]{3,32})/?$", "https://vk.com/{}"),
}
NOT_HANDLES = {
    "share",
    "sharer",
    "sharer.php",
    "intent",
    "home",
    "search",
    "hashtag",
    "i",
    "login",
    "signup",
    "explore",
    "about",
    "help",
    "privacy",
    "terms",
    "settings",
    "dialog",
    "plugins",
    "tr",
    "watch",
    "results",
    "policies",
    "legal",
    "jobs",
    "careers",
    "p",
    "reel",
    "stories",
}


def target_url(query: Query) -> str:
    value = query.value.strip()
    if query.type == "domain" or "://" not in value:
        return f"https://{value.strip('/')}/" if query.type == "domain" else f"https://{value}"
    return value


def twin_host(host: str) -> str:
    return host[4:] if host.startswith("www.") else f"www.{host}"


def social_account(url: str) -> tuple[str, str, str] | None:
    """(platform, handle, profile URL) when `url` is a profile on a known platform."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    host = host[2:] if host.startswith("m.") else host
    if host not in SOCIAL:
        return None
    platform, pattern, template = SOCIAL[host]
    match = re.match(pattern, unquote(parts.path))
    if not match or match.group(1).lower() in NOT_HANDLES:
        return None
    handle = match.group(1)
    return platform, handle, template.format(handle)


def page_encoding(response: HttpResponse) -> str:
    if "charset=" in response.headers.get("content-type", "").lower():
        return response.encoding
    found = _META_CHARSET.search(response.content[:4096])
    return found.group(1).decode("ascii") if found else "utf-8"


def extract_structured(html: bytes, encoding: str) -> dict[str, Any]:
    """extruct's output for our syntaxes, as plain JSON (lists, not tuples)."""
    import extruct

    data = extruct.extract(html, encoding=encoding, syntaxes=SYNTAXES, uniform=False, errors="log")
    plain: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return plain


# Elements whose text stands apart from what is around it: their boundaries separate words
# (lxml's text_content() glues `<title>Contact</title>…<body>help@x` into "Contacthelp@x").
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "option",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "ul",
    }
)


def visible_text(root: Any) -> str:
    """The text of an lxml tree, one line per block element (title, paragraph, cell…), white
    space collapsed inside each line; inline elements (`<b>`, `<a>`, `<span>`) join their
    neighbours as the browser shows them. Comments are skipped, their tails kept."""
    segments: list[list[str]] = [[]]

    def boundary() -> None:
        if segments[-1]:
            segments.append([])

    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:  # iterative: deeply nested pages cannot exhaust the recursion limit
        element, closing = stack.pop()
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if closing or tag is None:  # the end of an element, or a comment / PI
            if tag in _BLOCK_TAGS:
                boundary()
            if element.tail and element is not root:
                segments[-1].append(element.tail)
            continue
        if tag in _BLOCK_TAGS:
            boundary()
        if element.text:
            segments[-1].append(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    lines = (" ".join("".join(segment).split()) for segment in segments)
    return "\n".join(line for line in lines if line)


def _text_and_links(html: bytes, encoding: str) -> tuple[str, dict[str, str], str, list[str], str]:
    """(title, meta name/property -> content, visible text, hrefs, language) of the page."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html, parser=lxml.html.HTMLParser(encoding=encoding))
    except (ValueError, LookupError, lxml.etree.LxmlError):
        return "", {}, "", [], ""
    title = " ".join((tree.findtext(".//title") or "").split())
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").lower()
        if name and meta.get("content"):
            metas.setdefault(name, " ".join(meta.get("content", "").split()))
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    text = visible_text(tree)
    hrefs = [a.get("href", "") for a in tree.iter("a") if a.get("href")]
    language = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    return title, metas, text, hrefs, language


def _og_values(structured: dict[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for block in structured.get("opengraph", []):
        for key, value in block.get("properties", []):
            values.setdefault(key, value)
    return values


def _types(items: Iterable[Any], key: str) -> list[str]:
    found: list[str] = []
    for item in items:
        if isinstance(item, dict):
            value = item.get(key)
            for name in value if isinstance(value, list) else [value]:
                if isinstance(name, str) and name not in found:
                    found.append(name)
    return found


def raw_http(response: HttpResponse) -> bytes:
    head = [f"HTTP {response.status}"] + [f"{k}: {v}" for k, v in response.headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("utf-8", "replace") + response.content


class WebPage(Source):
    def plan_hosts(self, query: Query, settings: Any) -> list[str]:
        host = (urlsplit(target_url(query)).hostname or "").lower()
        return [host, twin_host(host)] if host else []

    def run(self, query: Query, ctx: Context) -> Iterator[Result]:
        url = target_url(query)
        ctx.progress(0, 3, f"fetching {urlsplit(url).hostname}")
        response = ctx.http.get(
            url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.5"}
        )
        body_sha256 = hashlib.sha256(response.content).hexdigest()
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        is_html = content_type in _HTML_TYPES or (
            not content_type and b"<html" in response.content[:2048].lower()
        )
        ctx.progress(1, 3, "extracting")
        structured: dict[str, Any] = {}
        title = text = language = ""
        metas: dict[str, str] = {}
        hrefs: list[str] = []
        if is_html and response.content:
            encoding = page_encoding(response)
            structured = extract_structured(response.content, encoding)
            title, metas, text, hrefs, language = _text_and_links(response.content, encoding)
        og = {**metas, **_og_values(structured)}
        description = metas.get("description", "")
        document = EntityResult(
            "document",
            response.url,
            label=title or og.get("og:title") or response.url,
            properties={
                "title": title or og.get("og:title", ""),
                "description": description or og.get("og:description", ""),
                "url": response.url,
                "status": response.status,
                "mime_type": content_type,
                "sha256": body_sha256,
                "language": language,
                "site_name": og.get("og:site_name", ""),
                "og_type": og.get("og:type", ""),
                "image": og.get("og:image", ""),
                "published": og.get("article:published_time", ""),
                "jsonld_types": _types(structured.get("json-ld", []), "@type"),
                "microdata_types": _types(structured.get("microdata", []), "type"),
                "microformat_types": _types(structured.get("microformat", []), "type"),
            },
            link="related_to",
        )
        yield document
        yield EvidenceResult(
            raw_http(response),
            filename=f"{urlsplit(response.url).hostname or 'page'}.http",
            description=f"HTTP {response.status} response of {response.url}",
            mime_type="message/http",
            source_url=response.url,
            metadata={
                "status": response.status,
                "headers": dict(response.headers),
                "body_sha256": body_sha256,
                "body_bytes": len(response.content),
                "title": title,
                "description": description,
                "extracted": structured,
            },
            about=(document,),
        )
        ctx.progress(2, 3, "entities")
        yield from self._entities(document, response.url, hrefs, text, og, ctx)
        ctx.progress(3, 3, "done")

    def _entities(
        self,
        document: EntityResult,
        page_url: str,
        hrefs: list[str],
        text: str,
        og: dict[str, str],
        ctx: Context,
    ) -> Iterator[Result]:
        page_host = (urlsplit(page_url).hostname or "").lower()
        seen: set[tuple[str, str]] = set()

        def found(
            entity_type: str, value: str, label: str | None = None, **props: Any
        ) -> Iterator[Result]:
            key = (entity_type, value.lower())
            if key in seen or not is_valid(entity_type, value):
                return
            seen.add(key)
            entity = EntityResult(entity_type, value, label=label, properties=props)
            yield entity
            yield LinkResult(document, entity, "mentions")

        emails: list[str] = []
        phones: list[str] = []
        urls: list[str] = []
        for href in hrefs:
            lowered = href.strip().lower()
            if lowered.startswith("mailto:"):
                emails.append(unquote(href.strip()[7:].split("?")[0]))
            elif lowered.startswith("tel:"):
                phones.append(unquote(href.strip()[4:]))
            else:
                absolute = urljoin(page_url, href.strip())
                if absolute.startswith(("http://", "https://")):
                    urls.append(absolute.split("#")[0])
        urls += [
            v
            for k, v in og.items()
            if isinstance(v, str)
            and v.startswith(("http://", "https://"))
            and not any(media in k for media in ("image", "video", "audio"))
        ]
        for key in ("twitter:site", "twitter:creator"):
            if og.get(key, "").startswith("@"):
                urls.append(f"https://x.com/{og[key][1:]}")
        emails += _EMAIL.findall(text)
        for email in emails:
            yield from found("email", email.strip())
        region = str(ctx.settings["default_region"]).strip().upper() or None
        for raw in phones:
            try:
                number = phonenumbers.parse(raw, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                yield from found("phone", e164, raw.strip())
        for match in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.VALID
        ):
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            yield from found("phone", e164, match.raw_string.strip())
        outbound = 0
        for url in urls:
            account = social_account(url)
            if account is not None:
                platform, handle, profile = account
                yield from found(
                    "account",
                    profile,
                    f"{handle} ({platform})",
                    platform=platform,
                    handle=handle,
                    profile_url=profile,
                )
                continue
            host = (urlsplit(url).hostname or "").lower()
            if (
                host
                and host not in (page_host, twin_host(page_host))
                and outbound < ctx.settings["max_links"]
            ):
                before = len(seen)
                yield from found("url", url)
                outbound += len(seen) - before
