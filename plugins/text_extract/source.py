"""text-extract: identifiers in free text, found locally (no network).

Defanged indicators (hxxp://, example[.]org, name[@]example[.]org) are re-fanged first; a
value that only appears defanged in the text is marked `defanged = true`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import phonenumbers

from workbench.sdk import Context, EntityResult, Query, Source, is_valid, normalise

_REFANG = [
    (re.compile(r"\bhxxp(s?)://", re.IGNORECASE), r"http\1://"),
    (re.compile(r"\bhxxp(s?)\[:\]//", re.IGNORECASE), r"http\1://"),
    (re.compile(r"\[:\]//|\[://\]"), "://"),
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE), "."),
    (re.compile(r"\[@\]|\[at\]|\(at\)", re.IGNORECASE), "@"),
]
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`{}|\\^]+", re.IGNORECASE)
_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b"
)
_DOMAIN = re.compile(
    r"(?<![\w@.-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24})\b(?![.-]?\w)"
)
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)")
_IPV6 = re.compile(
    r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])"
)
_HANDLE = re.compile(r"(?<![\w@./])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![\w@])")
_BTC_BASE58 = re.compile(r"\b[13][a-km-zA-HJ-NP-Z1-9]{25,34}\b")
_BTC_BECH32 = re.compile(r"\b(bc1[ac-hj-np-z02-9]{11,71})\b", re.IGNORECASE)
_ETH = re.compile(r"\b0x[a-fA-F0-9]{40}\b")
_HASHES = {64: "sha256", 40: "sha1", 32: "md5"}
_HEX = re.compile(r"\b[a-fA-F0-9]{32}(?:[a-fA-F0-9]{8})?(?:[a-fA-F0-9]{24})?\b")
_TRAILING = ".,;:!?'\"»>"
# Bare domains are only reported for these TLDs (and any two-letter country code): without
# the Public Suffix List, "file.txt" or "Mr.Smith" would otherwise become domains.
_COMMON_TLDS = frozenset(
    [
        "com",
        "net",
        "org",
        "info",
        "biz",
        "edu",
        "gov",
        "mil",
        "int",
        "io",
        "co",
        "ai",
        "app",
        "dev",
        "xyz",
        "online",
        "site",
        "top",
        "club",
        "shop",
        "store",
        "tech",
        "blog",
        "news",
        "live",
        "life",
        "world",
        "cloud",
        "space",
        "website",
        "email",
        "link",
        "click",
        "social",
        "media",
        "network",
        "digital",
        "agency",
        "solutions",
        "services",
        "systems",
        "group",
        "company",
        "global",
        "center",
        "page",
        "art",
        "design",
        "today",
        "name",
        "pro",
        "mobi",
        "asia",
        "tel",
        "travel",
        "jobs",
        "museum",
        "aero",
        "coop",
        "cat",
        "onion",
        "example",
        "test",
        "invalid",
        "localhost",
        "local",
        "internal",
    ]
)
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def refang(text: str) -> str:
    for pattern, replacement in _REFANG:
        text = pattern.sub(replacement, text)
    return text


def _base58check_ok(address: str) -> bool:
    number = 0
    for char in address:
        number = number * 58 + _BASE58.index(char)
    raw = number.to_bytes(25, "big") if number.bit_length() <= 200 else b""
    if len(raw) != 25:
        return False
    checksum = hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()[:4]
    return checksum == raw[-4:]


def _bech32_ok(address: str) -> bool:
    address = address.lower()
    hrp, _, data = address.rpartition("1")
    if hrp != "bc" or len(data) < 6 or any(c not in _BECH32 for c in data):
        return False
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    values += [_BECH32.index(c) for c in data]
    generator = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for index in range(5):
            checksum ^= generator[index] if (top >> index) & 1 else 0
    return checksum in (1, 0x2BC830A3)  # bech32 (segwit v0) or bech32m (v1+)


def _clean_url(url: str) -> str:
    url = url.rstrip(_TRAILING)
    while url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1].rstrip(_TRAILING)
    while url.endswith("]") and url.count("[") < url.count("]"):
        url = url[:-1].rstrip(_TRAILING)
    if url.lower().startswith("www."):
        url = "http://" + url
    return url


@dataclass
class Found:
    type: str
    value: str
    label: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


def extract(text: str, default_region: str = "", bare_domains: bool = True) -> list[Found]:
    """Every identifier in `text`, de-duplicated by type and normalised value, in order."""
    clean = refang(text)
    found: list[Found] = []
    seen: set[tuple[str, str]] = set()

    def add(item: Found, raw: str | None = None) -> None:
        try:
            key = (item.type, normalise(item.type, item.value))
        except ValueError:
            return
        if key in seen:
            return
        seen.add(key)
        if (raw or item.value) not in text and item.type in ("url", "email", "domain", "ip"):
            item.properties["defanged"] = True  # only written defanged in the text
        found.append(item)

    hosts: list[tuple[str, str]] = []
    for match in _URL.finditer(clean):
        raw = match.group(0).rstrip(_TRAILING)
        url = _clean_url(raw)
        host = urlsplit(url).hostname
        if host and is_valid("url", url):
            add(Found("url", url), raw)
            hosts.append((host, raw))
    for match in _EMAIL.finditer(clean):
        address = match.group(0).rstrip(".")
        add(Found("email", address))
        hosts.append((address.rpartition("@")[2], address))
    for host, raw in hosts:
        if not _is_ip(host):
            add(Found("domain", host.lower()), raw)
    if bare_domains:
        for match in _DOMAIN.finditer(clean):
            tld = match.group(1).lower()
            if len(tld) == 2 or tld in _COMMON_TLDS:
                add(Found("domain", match.group(0).lower()))
    for match in _IPV4.finditer(clean):
        if _is_ip(match.group(0)):
            add(Found("ip", match.group(0), properties={"version": 4}))
    for match in _IPV6.finditer(clean):
        candidate = match.group(0)
        if candidate.count(":") >= 2 and any(c not in ":" for c in candidate) and _is_ip(candidate):
            add(Found("ip", candidate, properties={"version": 6}))
    region = default_region.strip().upper() or None
    for number in phonenumbers.PhoneNumberMatcher(
        clean, region, leniency=phonenumbers.Leniency.VALID
    ):
        e164 = phonenumbers.format_number(number.number, phonenumbers.PhoneNumberFormat.E164)
        country = phonenumbers.region_code_for_number(number.number) or ""
        add(Found("phone", e164, number.raw_string.strip(), {"country": country}))
    for match in _HANDLE.finditer(clean):
        handle = match.group(1)
        add(Found("account", handle, f"@{handle}", {"handle": handle}))
    for match in _BTC_BASE58.finditer(clean):
        if _base58check_ok(match.group(0)):
            add(Found("wallet", match.group(0), properties={"chain": "bitcoin"}))
    for match in _BTC_BECH32.finditer(clean):
        if _bech32_ok(match.group(1)):
            add(Found("wallet", match.group(1).lower(), properties={"chain": "bitcoin"}))
    for match in _ETH.finditer(clean):
        address = match.group(0)
        add(Found("wallet", address.lower(), address, {"chain": "ethereum"}))
    for match in _HEX.finditer(clean):
        digest = match.group(0)
        algorithm = _HASHES.get(len(digest))
        if algorithm and not digest.isdigit():
            add(Found("hash", digest.lower(), None, {"algorithm": algorithm}))
    return found


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


class TextExtract(Source):
    def run(self, query: Query, ctx: Context) -> Iterator[EntityResult]:
        items = extract(query.value, ctx.settings["default_region"], ctx.settings["domains"])
        ctx.progress(0, len(items), "extracting")
        for index, item in enumerate(items, 1):
            yield EntityResult(
                item.type,
                item.value,
                label=item.label,
                properties=item.properties,
                link="mentions",
            )
            ctx.progress(index, len(items))
