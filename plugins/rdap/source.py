"""rdap: who registered a domain or an IP network, from the registry's RDAP service.

The registry is found in IANA's bootstrap registries (bootstrap.py); the answer is kept as
evidence, read by parse.py and turned into entities: the registrar and (when public) the
registrant of a domain, its name servers and abuse contacts; the holder of an IP network
with its range and country and its abuse contacts.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from workbench.sdk import (
    Context,
    EntityResult,
    EvidenceResult,
    HttpResponse,
    HttpStatusError,
    LinkResult,
    NoteResult,
    OfflineError,
    Query,
    Result,
    RunCancelled,
    Source,
    SourceDataError,
    SourceError,
    is_valid,
    normalise,
)

from . import bootstrap as boot
from .parse import Contact, contacts, parse_response


def country_name(code: str) -> str:
    """English name of an ISO 3166 country code (from phonenumbers' data), else the code."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    names = LOCALE_DATA.get(code.upper(), {})
    name = names.get("en", "")
    for _ in range(3):  # '*aa' means "same as the 'aa' entry"
        if not name.startswith("*"):
            break
        name = names.get(name[1:], "")
    return name or code.upper()


def rdap_url(data: boot.Bootstrap, query: Query) -> str | None:
    """The RDAP URL for the query, or None when the bootstrap names no service for it."""
    if query.type == "ip":
        address = normalise("ip", query.value)
        urls = data.ip_urls(address)
        return f"{boot.preferred(urls)}ip/{address}" if urls else None
    domain = normalise("domain", query.value)
    urls = data.domain_urls(domain)
    return f"{boot.preferred(urls)}domain/{quote(domain)}" if urls else None


class Rdap(Source):
    def plan_hosts(self, query: Query, settings: Mapping[str, Any]) -> list[str]:
        data = boot.load()
        hosts = []
        url = rdap_url(data, query)
        if url:
            hosts.append(boot.host_of(url))
        if boot.refresh_due(data, int(settings["bootstrap_max_age_days"])):
            hosts.append(boot.host_of(boot.IANA_BASE))
        return hosts

    def run(self, query: Query, ctx: Context) -> Iterator[Result]:
        data = self._bootstrap(ctx)
        url = rdap_url(data, query)
        if url is None:
            what = "address" if query.type == "ip" else "top-level domain"
            subject = query.value if query.type == "ip" else "." + query.value.rsplit(".", 1)[-1]
            raise SourceError(
                f"No RDAP service is registered for the {what} {subject} in {data.describe()}. "
                "Nothing was sent. The registry may offer no RDAP service (try its web WHOIS); "
                "if the TLD is new, refresh the bootstrap (setting bootstrap_max_age_days)."
            )
        host = boot.host_of(url)
        allowed = ctx.http.policy.allowed_hosts
        if host not in allowed:
            raise SourceError(
                f"The refreshed bootstrap names {host} for {query.value}, which was not shown "
                "to you before this run, so nothing was sent to it. Run the source again."
            )
        ctx.progress(0, 2, f"asking {host}")
        response = ctx.http.get(url, headers={"Accept": "application/rdap+json"})
        if response.status == 404:
            meaning = (
                "the address is not registered there"
                if query.type == "ip"
                else "the domain is probably not registered"
            )
            yield NoteResult(
                f"RDAP: {host} has no record of {query.value} (HTTP 404 Not Found): {meaning} "
                f"(checked {response.url})."
            )
            return
        self._check_status(response, host)
        answer = response.json()
        if not isinstance(answer, dict) or "objectClassName" not in answer:
            raise SourceDataError(
                f"{host} answered, but not with an RDAP object (no objectClassName); the "
                "answer was not used."
            )
        ctx.progress(1, 2, "reading the answer")
        yield EvidenceResult(
            response.content,
            filename=f"rdap-{query.value}.json".replace("/", "_").replace(":", "_"),
            description=f"RDAP answer for {query.value} from {response.url}",
            mime_type="application/rdap+json",
            source_url=response.url,
            metadata={"bootstrap": data.describe(), "status": response.status},
            about=(query,),
        )
        parsed = parse_response(answer)
        found = list(contacts(answer))
        if parsed["type"] == "domain":
            yield from self._domain(query, parsed, found, ctx)
        elif parsed["type"] == "ip network":
            yield from self._network(query, parsed, found, ctx)
        else:
            raise SourceDataError(
                f"{host} answered with an RDAP '{parsed['type']}' object, not a domain or IP "
                "network; it was kept as evidence but not read."
            )
        ctx.progress(2, 2, "done")

    # ---- steps -------------------------------------------------------------------------
    def _bootstrap(self, ctx: Context) -> boot.Bootstrap:
        data = boot.load()
        if not boot.refresh_due(data, int(ctx.settings["bootstrap_max_age_days"])):
            return data
        ctx.progress(0, 2, "refreshing IANA's RDAP bootstrap")
        try:
            fresh = boot.refresh(ctx.http)
        except (RunCancelled, OfflineError):
            raise
        except SourceError as exc:
            ctx.log.warning(
                "could not refresh IANA's bootstrap (%s); using %s", exc, data.describe()
            )
            return data
        ctx.log.info("refreshed %s", fresh.describe())
        return fresh

    @staticmethod
    def _check_status(response: HttpResponse, host: str) -> None:
        if response.status == 429:
            wait = response.headers.get("retry-after", "")
            raise HttpStatusError(
                f"{host} is rate limiting RDAP queries (HTTP 429) and still refused after the "
                f"host's retries{f'; it asks to wait {wait} s' if wait else ''}. Nothing was "
                "added; try again later.",
                429,
            )
        if response.status >= 400:
            raise HttpStatusError(
                f"{host} answered HTTP {response.status} to the RDAP query; nothing was added. "
                "The service may be down; try again later.",
                response.status,
            )

    def _domain(
        self, query: Query, parsed: dict[str, Any], found: list[Contact], ctx: Context
    ) -> Iterator[Result]:
        facts = {
            "registered": parsed["registration_date"],
            "expires": parsed["expiration_date"],
            "last_changed": parsed["last_changed_date"],
            "status": parsed["status"],
            "dnssec": parsed["dnssec"],
            "rdap_url": parsed["url"],
        }
        registrar: EntityResult | None = None
        for contact in found:
            if "registrar" in contact.roles and contact.public_name and registrar is None:
                registrar = EntityResult(
                    "organization",
                    contact.public_name,
                    properties={
                        "kind": "registrar",
                        "iana_id": contact.handle,
                        "registrar_rdap_url": parsed.get("registrar_rdap_url", ""),
                    },
                )
                yield registrar
                yield LinkResult(
                    query,
                    registrar,
                    "registered_to",
                    confidence="confirmed",
                    properties={"role": "registrar", "source": "RDAP", **facts},
                )
            elif "registrant" in contact.roles and not contact.parent_roles:
                if contact.public_name:
                    registrant = EntityResult(
                        "organization", contact.public_name, properties={"kind": "registrant"}
                    )
                    yield registrant
                    yield LinkResult(
                        query,
                        registrant,
                        "registered_to",
                        confidence="confirmed",
                        properties={"role": "registrant", "source": "RDAP", **facts},
                    )
                else:
                    ctx.log.info("the registrant's name is withheld (redacted) in the answer")
        nameservers = []
        for name in parsed["nameservers"]:
            server = name.lower().rstrip(".")
            if is_valid("domain", server):
                nameservers.append(server)
                yield EntityResult(
                    "domain",
                    server,
                    properties={"role": "name server"},
                    link="related_to",
                    link_properties={"relation": "name server", "source": "RDAP"},
                )
        if ctx.settings["include_abuse_contacts"]:
            yield from self._abuse(found, registrar, query)
        lines = [
            f"RDAP registration of {parsed['name'] or query.value} ({parsed['url']}):",
            f"registered {parsed['registration_date'] or 'unknown'}, expires "
            f"{parsed['expiration_date'] or 'unknown'}"
            + (
                f", last changed {parsed['last_changed_date']}"
                if parsed["last_changed_date"]
                else ""
            ),
            f"registrar: {registrar.value if registrar else 'not stated'}",
            f"name servers: {', '.join(nameservers) or 'none'}",
            f"status: {', '.join(parsed['status']) or 'none'}; DNSSEC "
            f"{'signed' if parsed['dnssec'] else 'not signed'}",
        ]
        yield NoteResult("\n".join(lines))

    def _network(
        self, query: Query, parsed: dict[str, Any], found: list[Contact], ctx: Context
    ) -> Iterator[Result]:
        holder_name = next(
            (c.public_name for c in found if "registrant" in c.roles and c.public_name), ""
        )
        name = holder_name or parsed["name"] or parsed["handle"]
        description = " ".join(parsed["description"])
        country = parsed["country"].upper()
        span = f"{parsed['start_address']} - {parsed['end_address']}".strip(" -")
        network = {
            "range": span,
            "cidr": parsed["network"],
            "network_name": parsed["name"],
            "handle": parsed["handle"],
            "country": country,
            "rir": parsed["rir"],
            "assignment_type": parsed["assignment_type"],
        }
        holder = EntityResult(
            "organization",
            name,
            label=f"{name} ({description})" if description and not holder_name else name,
            properties={"kind": "network holder", "description": description, **network},
        )
        yield holder
        yield LinkResult(
            query,
            holder,
            "registered_to",
            confidence="confirmed",
            properties={"source": "RDAP", "rdap_url": parsed["url"], **network},
        )
        if country:
            place = country_name(country)
            location = EntityResult(
                "location", place, properties={"country": country, "address": place}
            )
            yield location
            yield LinkResult(
                query,
                location,
                "located_at",
                confidence="suspected",
                properties={
                    "basis": "RDAP registration country of the network (where its holder is "
                    "registered, not necessarily where the device is)",
                    "source": "RDAP",
                },
            )
        if ctx.settings["include_abuse_contacts"]:
            yield from self._abuse(found, holder, query)
        is_v6 = ipaddress.ip_address(normalise("ip", query.value)).version == 6
        yield NoteResult(
            f"RDAP registration of IPv{6 if is_v6 else 4} {query.value} ({parsed['url']}): "
            f"network {parsed['name'] or '?'} {span} ({parsed['network'] or 'no CIDR'}), "
            f"holder {name}, country {country or 'not stated'}, registry "
            f"{parsed['rir'] or parsed['whois_server'] or '?'}"
            + (f"; {description}" if description else "")
        )

    @staticmethod
    def _abuse(found: list[Contact], owner: EntityResult | None, query: Query) -> Iterator[Result]:
        seen: set[str] = set()
        for contact in found:
            if "abuse" not in contact.roles:
                continue
            for email in contact.card.emails:
                if email.lower() in seen or not is_valid("email", email):
                    continue
                seen.add(email.lower())
                entity = EntityResult("email", email, properties={"role": "abuse contact"})
                yield entity
                yield LinkResult(
                    owner or query, entity, "uses", properties={"role": "abuse contact"}
                )
            for kind, number in contact.card.phones:
                phone = number.replace(".", " ", 1) if number.startswith("+") else number
                if "fax" in kind or phone in seen or not is_valid("phone", phone):
                    continue
                seen.add(phone)
                entity = EntityResult("phone", phone, properties={"role": "abuse contact"})
                yield entity
                yield LinkResult(
                    owner or query, entity, "uses", properties={"role": "abuse contact"}
                )
