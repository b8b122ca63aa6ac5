"""rdap-domain: registration data of a domain from its registry's RDAP service."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from workbench.sdk import (
    Context,
    EntityResult,
    EvidenceResult,
    LinkResult,
    NoteResult,
    Query,
    Result,
    Source,
    is_valid,
)

# A real source would read IANA's bootstrap file (https://data.iana.org/rdap/dns.json);
# the example keeps two registries so that its egress list stays short and exact.
REGISTRIES = {
    "com": "https://rdap.verisign.com/com/v1",
    "net": "https://rdap.verisign.com/net/v1",
    "org": "https://rdap.publicinterestregistry.org/rdap",
}


def vcard(entity: Mapping[str, Any], field: str) -> list[str]:
    """Values of one vCard field (fn, email, tel...) of an RDAP entity."""
    card = entity.get("vcardArray") or ["vcard", []]
    return [str(item[3]) for item in card[1] if item[0] == field and item[3]]


class RdapDomain(Source):
    def plan_hosts(self, query: Query, settings: Mapping[str, Any]) -> list[str]:
        base = REGISTRIES.get(query.value.rsplit(".", 1)[-1].lower())
        return [base.split("/")[2]] if base else []

    def run(self, query: Query, ctx: Context) -> Iterator[Result]:
        domain = query.value.strip().lower().rstrip(".")
        base = REGISTRIES.get(domain.rsplit(".", 1)[-1])
        if base is None:
            yield NoteResult(f"No RDAP registry known to this source for {domain}.")
            return
        response = ctx.http.get(
            f"{base}/domain/{domain}", headers={"Accept": "application/rdap+json"}
        )
        if response.status == 404:
            yield NoteResult(f"The registry has no record of {domain}.")
            return
        data = response.raise_for_status().json()  # malformed JSON: a clear run error
        yield EvidenceResult(
            response.content,
            filename=f"rdap-{domain}.json",
            description=f"RDAP record of {domain} from {response.url}",
            mime_type="application/rdap+json",
            source_url=response.url,
            about=(query,),
        )
        events = {e.get("eventAction"): e.get("eventDate") for e in data.get("events", [])}
        ctx.log.info(
            "registered %s, expires %s", events.get("registration"), events.get("expiration")
        )
        for server in data.get("nameservers", []):
            name = str(server.get("ldhName", "")).lower()
            if is_valid("domain", name):
                yield EntityResult(
                    "domain",
                    name,
                    properties={"role": "name server"},
                    link="related_to",
                    link_properties={"relation": "name server"},
                )
        for entity in data.get("entities", []):
            if "registrar" not in entity.get("roles", []):
                continue
            names = vcard(entity, "fn")
            if not names:
                continue
            registrar = EntityResult(
                "organization",
                names[0],
                properties={
                    "kind": "registrar",
                    "iana_id": entity.get("handle", ""),
                    "registered": events.get("registration", ""),
                    "expires": events.get("expiration", ""),
                },
            )
            yield registrar
            yield LinkResult(
                query,
                registrar,
                "registered_to",
                confidence="confirmed",
                properties={"source": "RDAP", "registered": events.get("registration")},
            )
            if ctx.settings["include_abuse_contacts"]:
                for contact in entity.get("entities", []):
                    for email in vcard(contact, "email"):
                        found = EntityResult("email", email, properties={"role": "abuse contact"})
                        yield found
                        yield LinkResult(registrar, found, "uses")
                    for tel in vcard(contact, "tel"):
                        number = tel.removeprefix("tel:").replace(".", " ")
                        if is_valid("phone", number):
                            found = EntityResult(
                                "phone", number, properties={"role": "abuse contact"}
                            )
                            yield found
                            yield LinkResult(registrar, found, "uses")
