"""An RDAP answer (RFC 9083) read into a flat view: dates, name servers, status, network
range, and the contacts by role.

`parse_response` gives the same facts, under the same names, as the RDAP client whoisit
(its tests are the reference in ../shared/data/rdap/expected_parsed.json); `contacts` adds
what whoisit leaves out and an investigator needs: nested entities (a registrar's abuse
desk), every e-mail and phone with its type, and the organisation field.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

RIRS = {
    "rdap.afrinic.net": "afrinic",
    "rdap.apnic.net": "apnic",
    "rdap.arin.net": "arin",
    "rdap.db.ripe.net": "ripe",
    "rdap.lacnic.net": "lacnic",
}
TERMS_TITLES = ("terms of service", "terms of use", "terms and conditions")
REDACTED_WORDS = ("redacted", "privacy", "withheld", "not disclosed", "data protected")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def iso_utc(value: Any) -> str | None:
    """An RDAP event date as 'YYYY-MM-DDTHH:MM:SSZ' (UTC), None when absent or unreadable."""
    text = _text(value)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rir_of(url: str) -> str:
    return RIRS.get((urlsplit(url).hostname or "").lower(), "")


def _self_link(obj: Mapping[str, Any]) -> str:
    url = ""
    for link in obj.get("links") or []:
        if isinstance(link, dict) and _text(link.get("rel")).lower() == "self":
            url = _text(link.get("href"))
    return url


@dataclass
class VCard:
    name: str = ""  # fn, else org
    org: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)  # (type, number)
    address: str = ""


def read_vcard(card: Any) -> VCard:
    """The useful fields of a jCard (RFC 7095) `vcardArray`; tolerant of malformed ones."""
    found = VCard()
    if not (isinstance(card, list) and len(card) == 2 and card[0] == "vcard"):
        return found
    fn = ""
    for item in card[1] if isinstance(card[1], list) else []:
        if not isinstance(item, list) or len(item) < 4:
            continue
        name, params, _kind, value = item[0], item[1], item[2], item[3]
        params = params if isinstance(params, dict) else {}
        if name == "fn":
            fn = _text(value)
        elif name == "org":
            found.org = _text(value[0] if isinstance(value, list) and value else value)
        elif name == "email" and _text(value):
            found.emails.append(_text(value))
        elif name == "tel" and _text(value):
            kind = params.get("type", "")
            kind = ",".join(kind) if isinstance(kind, list) else _text(kind)
            found.phones.append((kind, _text(value).removeprefix("tel:")))
        elif name == "adr":
            label = params.get("label")
            found.address = _text(label).replace("\\n", ", ") if label else ""
    found.name = fn or found.org
    return found


def _whoisit_vcard(card: Any) -> tuple[str, str, str]:
    """(name, email, tel) as whoisit reads them: the last text fn/org, email and tel."""
    name = email = tel = ""
    if not (isinstance(card, list) and len(card) == 2 and card[0] == "vcard"):
        return name, email, tel
    for item in card[1] if isinstance(card[1], list) else []:
        if not isinstance(item, list) or len(item) != 4:
            continue
        field_name, _params, kind, value = item
        if field_name == "tel" and _text(value):
            tel = _text(value).removeprefix("tel:")
        if kind != "text":
            continue
        if field_name in ("fn", "org"):
            name = _text(value)
        elif field_name == "email":
            email = _text(value)
    return name, email, tel


def _entities_by_role(obj: Mapping[str, Any]) -> dict[str, list[dict[str, str]]]:
    roles: dict[str, list[dict[str, str]]] = {}
    for entity in obj.get("entities") or []:
        if not isinstance(entity, dict):
            continue
        url = _self_link(entity) or _text(entity.get("url"))
        name, email, tel = _whoisit_vcard(entity.get("vcardArray"))
        view = {
            "handle": _text(entity.get("handle")).upper(),
            "url": url,
            "type": _text(entity.get("objectClassName")),
            "whois_server": _text(entity.get("port43")),
            "name": name,
            "email": email,
            "tel": tel,
            "rir": rir_of(url) if url else "",
        }
        view = {k: v for k, v in view.items() if v}
        for role in entity.get("roles") or []:
            if view:
                roles.setdefault(str(role), []).append(dict(view))
    return roles


def parse_response(data: Mapping[str, Any]) -> dict[str, Any]:
    """The flat view of a domain or IP network answer (field names as whoisit's)."""
    kind = _text(data.get("objectClassName"))
    parsed: dict[str, Any] = {
        "type": kind,
        "handle": _text(data.get("handle")).upper(),
        "parent_handle": _text(data.get("parentHandle")).upper(),
        "name": _text(data.get("name")),
        "whois_server": _text(data.get("port43")),
        "terms_of_service_url": "",
        "description": [],
        "last_changed_date": None,
        "registration_date": None,
        "expiration_date": None,
        "url": _self_link(data),
    }
    parsed["rir"] = rir_of(parsed["url"]) if parsed["url"] else ""
    for notice in data.get("notices") or []:
        if not isinstance(notice, dict):
            continue
        if _text(notice.get("title")).lower() in TERMS_TITLES:
            links = [x for x in notice.get("links") or [] if isinstance(x, dict)]
            if links:
                parsed["terms_of_service_url"] = _text(links[0].get("href"))
    remarks = [r for r in data.get("remarks") or [] if isinstance(r, dict)]
    for remark in remarks:
        lines = [str(x) for x in remark.get("description") or []]
        if lines and (len(remarks) == 1 or _text(remark.get("title")).lower() == "description"):
            parsed["description"] = lines
    for event in data.get("events") or []:
        if not isinstance(event, dict):
            continue
        action = _text(event.get("eventAction")).lower()
        key = {
            "last changed": "last_changed_date",
            "registration": "registration_date",
            "expiration": "expiration_date",
        }.get(action)
        if key:
            parsed[key] = iso_utc(event.get("eventDate"))
    parsed["entities"] = _entities_by_role(data)
    if kind == "domain":
        parsed["name"] = _text(data.get("ldhName")) or _text(data.get("unicodeName"))
        parsed["nameservers"] = [
            _text(ns.get("ldhName"))
            for ns in data.get("nameservers") or []
            if isinstance(ns, dict)
            and ns.get("objectClassName", "nameserver") == "nameserver"
            and _text(ns.get("ldhName"))
        ]
        parsed["status"] = [_text(s) for s in data.get("status") or []]
        secure = data.get("secureDNS")
        parsed["dnssec"] = bool(isinstance(secure, dict) and secure.get("delegationSigned"))
        parsed["registrar_rdap_url"] = next(
            (
                _text(link.get("href"))
                for link in data.get("links") or []
                if isinstance(link, dict)
                and _text(link.get("rel")).lower() == "related"
                and "rdap" in _text(link.get("type")).lower()
            ),
            "",
        )
    elif kind == "ip network":
        parsed["country"] = _text(data.get("country"))
        version = _text(data.get("ipVersion"))
        parsed["ip_version"] = {"v4": 4, "v6": 6}.get(version)
        parsed["assignment_type"] = _text(data.get("type")).lower()
        parsed["start_address"] = _text(data.get("startAddress"))
        parsed["end_address"] = _text(data.get("endAddress"))
        parsed["network"] = _network(data)
    return parsed


def _network(data: Mapping[str, Any]) -> str:
    """The CIDR of the network: cidr0 extension when present, else from start/end."""
    for cidr in data.get("cidr0_cidrs") or []:
        if not isinstance(cidr, dict):
            continue
        prefix = cidr.get("v4prefix") or cidr.get("v6prefix")
        if prefix and cidr.get("length") is not None:
            try:
                return str(ipaddress.ip_network(f"{prefix}/{cidr['length']}", strict=False))
            except ValueError:
                continue
    try:
        start = ipaddress.ip_address(_text(data.get("startAddress")))
        end = ipaddress.ip_address(_text(data.get("endAddress")))
        nets = list(ipaddress.summarize_address_range(start, end))
    except (ValueError, TypeError):
        return ""
    return ", ".join(str(n) for n in nets)


@dataclass
class Contact:
    """One entity of the answer, nested ones included, with all its contact details."""

    roles: tuple[str, ...]
    handle: str
    card: VCard
    parent_roles: tuple[str, ...] = ()

    @property
    def public_name(self) -> str:
        """The name unless it is a privacy placeholder ('REDACTED FOR PRIVACY'...)."""
        name = self.card.org or self.card.name
        if not name or any(word in name.lower() for word in REDACTED_WORDS):
            return ""
        return name


def contacts(data: Mapping[str, Any]) -> Iterator[Contact]:
    """Every entity of the answer, depth first, with the roles of the entity it sits in."""

    def walk(obj: Mapping[str, Any], parent: tuple[str, ...]) -> Iterator[Contact]:
        for entity in obj.get("entities") or []:
            if not isinstance(entity, dict):
                continue
            roles = tuple(str(r).lower() for r in entity.get("roles") or [])
            yield Contact(
                roles, _text(entity.get("handle")), read_vcard(entity.get("vcardArray")), parent
            )
            yield from walk(entity, roles)

    yield from walk(data, ())
