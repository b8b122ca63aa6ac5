"""Account identifiers in free text: e-mail addresses, URLs, phone numbers, @handles, user IDs.

A small extractor of our own (the `text-extract` source plugin does more; the core may not
depend on plugins). Each hit keeps its position so callers can tell the requester's signature
from the targets in the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.intake.model import Target, TargetKind

EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'()\[\]{}、。「」]+", re.IGNORECASE)
HANDLE_RE = re.compile(r"(?<![\w@./])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)")
USER_ID_RE = re.compile(
    r"(?:user[\s_-]?id|account[\s_-]?id|uid|id de usuario|id do usuário|id de usuário|"
    r"ユーザーid|ユーザid|ユーザー ?ＩＤ)\s*[:#：]?\s*\(?([A-Za-z0-9_-]{3,40})",
    re.IGNORECASE,
)
TRAILING = ".,;:!?)]}>'\"。、"
PROFILE_HINT = re.compile(r"^/(?:@)?[\w.-]+/?$")
CONTENT_HINT = re.compile(
    r"/(?:p|post|posts|status|statuses|video|videos|watch|reel|live|s)/", re.I
)

# ccTLD -> phonenumbers region, to read national-format numbers in a request from that country
CCTLD_REGION = {
    "uk": "GB",
    "jp": "JP",
    "br": "BR",
    "es": "ES",
    "mx": "MX",
    "ca": "CA",
    "au": "AU",
    "fr": "FR",
    "de": "DE",
    "it": "IT",
    "pt": "PT",
    "ar": "AR",
    "co": "CO",
    "cl": "CL",
    "in": "IN",
    "nz": "NZ",
    "us": "US",
    "gov": "US",
    "mil": "US",
}


@dataclass(frozen=True)
class Found:
    kind: TargetKind
    value: str
    start: int


def region_for_domain(domain: str) -> str | None:
    tld = domain.rsplit(".", 1)[-1].lower() if domain else ""
    return CCTLD_REGION.get(tld)


def _clean_url(text: str) -> str:
    text = text.rstrip(TRAILING)
    if text.lower().startswith("www."):
        text = "https://" + text
    return text


def url_kind(url: str) -> TargetKind:
    """A profile URL is one path segment (/name, /@name); anything deeper is content."""
    from urllib.parse import urlsplit

    path = urlsplit(url).path or "/"
    if CONTENT_HINT.search(path):
        return TargetKind.CONTENT_URL
    if PROFILE_HINT.match(path) and path not in ("/", ""):
        return TargetKind.PROFILE_URL
    return TargetKind.CONTENT_URL


def find_identifiers(text: str, region: str | None = None) -> list[Found]:
    """Every identifier in `text`, in order of appearance, without duplicates."""
    import phonenumbers

    found: list[Found] = []
    seen: set[tuple[TargetKind, str]] = set()

    def add(kind: TargetKind, value: str, start: int) -> None:
        key = (kind, value.casefold())
        if value and key not in seen:
            seen.add(key)
            found.append(Found(kind, value, start))

    url_spans: list[tuple[int, int]] = []
    for match in URL_RE.finditer(text):
        url = _clean_url(match.group(0))
        url_spans.append(match.span())
        add(url_kind(url), url, match.start())
    email_spans: list[tuple[int, int]] = []
    for match in EMAIL_RE.finditer(text):
        if _inside(match.start(), url_spans):
            continue
        email_spans.append(match.span())
        add(TargetKind.EMAIL, match.group(0).rstrip(TRAILING), match.start())
    for match in HANDLE_RE.finditer(text):
        if _inside(match.start(), url_spans) or _inside(match.start(), email_spans):
            continue
        add(TargetKind.USERNAME, match.group(1), match.start())
    for match in USER_ID_RE.finditer(text):
        add(TargetKind.USER_ID, match.group(1), match.start(1))
    # POSSIBLE, not VALID: numbers from reserved fiction ranges and new allocations count too
    leniency = phonenumbers.Leniency.POSSIBLE
    for number in phonenumbers.PhoneNumberMatcher(text, region or "ZZ", leniency=leniency):
        if _inside(number.start, url_spans) or _inside(number.start, email_spans):
            continue
        if len(re.sub(r"\D", "", number.raw_string)) < 8:
            continue
        e164 = phonenumbers.format_number(number.number, phonenumbers.PhoneNumberFormat.E164)
        add(TargetKind.PHONE, e164, number.start)
    found.sort(key=lambda item: item.start)
    return found


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def parse_target(text: str) -> Target:
    """A target from a portal cell: "kind:value", or a bare value recognised by its shape."""
    from workbench.errors import ValidationError

    text = text.strip()
    if not text:
        raise ValidationError("An empty target was given.")
    kind_text, sep, rest = text.partition(":")
    if sep and kind_text.strip().lower() in {k.value for k in TargetKind}:
        return Target(TargetKind(kind_text.strip().lower()), rest.strip())
    if re.match(r"^(?:https?://|www\.)", text, re.I):
        url = _clean_url(text)
        return Target(url_kind(url), url)
    if EMAIL_RE.fullmatch(text):
        return Target(TargetKind.EMAIL, text)
    if text.startswith("@"):
        return Target(TargetKind.USERNAME, text[1:])
    if re.fullmatch(r"\+?[\d\s().-]{7,}", text):
        return Target(TargetKind.PHONE, text)
    if text.isdigit():
        return Target(TargetKind.USER_ID, text)
    return Target(TargetKind.USERNAME, text)
