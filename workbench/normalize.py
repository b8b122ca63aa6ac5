"""Canonical forms of entity values, so that the same phone or domain is recognised twice."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from workbench.errors import ValidationError

_SPACES = re.compile(r"\s+")


def normalise_text(value: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def normalise_lower(value: str) -> str:
    return normalise_text(value).casefold()


def normalise_email(value: str) -> str:
    text = normalise_text(value).lower()
    local, sep, host = text.rpartition("@")
    if not sep or not local or not host:
        raise ValidationError(f"{value!r} is not an e-mail address (expected name@domain).")
    return f"{local}@{normalise_domain(host)}"


def normalise_domain(value: str) -> str:
    text = normalise_text(value).lower().rstrip(".")
    if not text or " " in text or "/" in text:
        raise ValidationError(f"{value!r} is not a domain name (expected e.g. example.org).")
    try:
        return text.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValidationError(f"{value!r} is not a valid internationalised domain: {exc}") from exc


def normalise_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(normalise_text(value)))
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not an IPv4 or IPv6 address.") from exc


def normalise_url(value: str) -> str:
    text = normalise_text(value)
    if "://" not in text:
        text = "http://" + text
    try:  # urlsplit and .port raise ValueError for "http://[::1/" or a port above 65535
        parts = urlsplit(text)
        hostname, port = parts.hostname, parts.port
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not a valid URL ({exc}).") from None
    if not hostname:
        raise ValidationError(f"{value!r} is not a URL (expected e.g. https://example.org/page).")
    scheme = parts.scheme.lower()
    host = normalise_domain(hostname) if not _is_ip(hostname) else hostname
    default_port = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def normalise_phone(value: str) -> str:
    """E.164 where phonenumbers can parse it (a leading + is needed to know the country)."""
    import phonenumbers

    text = normalise_text(value)
    digits = re.sub(r"[^\d+]", "", text)
    if len(re.sub(r"\D", "", digits)) < 3:
        raise ValidationError(f"{value!r} is not a phone number (too few digits).")
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return digits
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


NORMALISERS: dict[str, Callable[[str], str]] = {
    "text": normalise_text,
    "lower": normalise_lower,
    "email": normalise_email,
    "domain": normalise_domain,
    "ip": normalise_ip,
    "url": normalise_url,
    "phone": normalise_phone,
}
