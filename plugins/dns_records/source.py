"""dns-records: A, AAAA, MX, NS, TXT and CNAME records of a domain, via dnspython.

Queries go to the resolvers of the `resolvers` setting (or the system's), over UDP (TCP on
truncation) or TCP. DNS does not travel through the host's HTTP session, so this source
applies the host's rules itself with the session's own check: before the first query each
resolver is checked against offline mode and the run's planned egress (`check_egress`), and
every resolver asked is recorded among the run's hosts contacted (audit). Each record type
gets its own outcome line: records, "no records", NXDOMAIN, SERVFAIL/REFUSED or no answer.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver

from workbench.sdk import (
    Context,
    EntityResult,
    EvidenceResult,
    NoteResult,
    Query,
    Result,
    Source,
    SourceError,
    SourceNetworkError,
    is_valid,
    normalise,
)

SUPPORTED = ("A", "AAAA", "MX", "NS", "TXT", "CNAME")
RCODE_TEXT = {
    "SERVFAIL": "SERVFAIL (the resolver could not get an answer from the domain's name servers)",
    "REFUSED": "REFUSED (the resolver will not answer this query for you)",
    "FORMERR": "FORMERR (the resolver could not read the query)",
    "NOTIMP": "NOTIMP (the resolver does not support this query)",
}


@dataclass(frozen=True)
class Resolver:
    address: str
    port: int

    @property
    def label(self) -> str:
        """host:port as the pre-flight and the egress list write it."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"


@dataclass
class Outcome:
    """What one record type gave."""

    rdtype: str
    records: list[tuple[str, str, int]] = field(default_factory=list)  # (owner, rdata, ttl)
    problem: str = ""  # '' when answered (records may be empty: "no records")
    network_failure: bool = False
    nxdomain: bool = False
    wire: list[str] = field(default_factory=list)  # the answers in presentation format


def parse_resolvers(settings: Mapping[str, Any]) -> list[Resolver]:
    """The resolvers to ask, from the setting or the system configuration."""
    default_port = int(settings["port"])
    text = str(settings["resolvers"]).strip()
    if not text:
        try:
            system = dns.resolver.Resolver(configure=True)
        except (dns.resolver.NoResolverConfiguration, OSError) as exc:
            raise SourceError(
                "This computer has no DNS resolver configured that dnspython can read "
                f"({exc}). Set resolver addresses in the dns-records source's `resolvers` "
                "setting (e.g. 1.1.1.1)."
            ) from exc
        return [Resolver(str(ip), int(system.port)) for ip in system.nameservers]
    found = []
    for raw in (part.strip() for part in text.split(",")):
        if not raw:
            continue
        address, port = raw, default_port
        if raw.startswith("[") and "]" in raw:
            address, _, rest = raw[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else default_port
        elif raw.count(":") == 1:
            address, _, port_text = raw.partition(":")
            if not port_text.isdigit():
                address = raw
            else:
                port = int(port_text)
        try:
            address = str(ipaddress.ip_address(address))
        except ValueError as exc:
            raise SourceError(
                f"The dns-records setting `resolvers` has {raw!r}, which is not an IP address "
                "(write e.g. 1.1.1.1, 192.0.2.53:5353 or [2001:db8::53]:5353)."
            ) from exc
        if not 0 < port < 65536:
            raise SourceError(f"The resolver port in {raw!r} is not 1-65535.")
        found.append(Resolver(address, port))
    if not found:
        raise SourceError("The dns-records setting `resolvers` lists no address.")
    return found


def record_types(settings: Mapping[str, Any]) -> list[str]:
    wanted = [t.strip().upper() for t in str(settings["record_types"]).split(",") if t.strip()]
    unknown = [t for t in wanted if t not in SUPPORTED]
    if unknown or not wanted:
        raise SourceError(
            f"The dns-records setting `record_types` has {', '.join(unknown) or 'nothing'}; "
            f"choose among {', '.join(SUPPORTED)}."
        )
    return list(dict.fromkeys(wanted))


class DnsRecords(Source):
    def plan_hosts(self, query: Query, settings: Mapping[str, Any]) -> list[str]:
        return [r.label for r in parse_resolvers(settings)]

    def run(self, query: Query, ctx: Context) -> Iterator[Result]:
        domain = normalise("domain", query.value)
        resolvers = parse_resolvers(ctx.settings)
        types = record_types(ctx.settings)
        for resolver in resolvers:  # offline mode and the planned egress, as for HTTP
            ctx.http.check_egress(f"http://{resolver.label}/")
        tcp = ctx.settings["protocol"] == "tcp"
        timeout = float(ctx.settings["timeout"])
        outcomes: list[Outcome] = []
        for index, rdtype in enumerate(types):
            ctx.check_cancelled()
            ctx.progress(index, len(types), f"{rdtype} records")
            outcome = self._ask(domain, rdtype, resolvers, tcp, timeout, ctx)
            outcomes.append(outcome)
            if outcome.nxdomain:
                break  # the name does not exist: every other type would say so too
        asked = ", ".join(r.label for r in resolvers)
        protocol = "TCP" if tcp else "UDP"
        yield EvidenceResult(
            json.dumps(
                {
                    "domain": domain,
                    "resolvers": [r.label for r in resolvers],
                    "protocol": protocol,
                    "queried_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "answers": {o.rdtype: o.wire for o in outcomes},
                    "problems": {o.rdtype: o.problem for o in outcomes if o.problem},
                },
                indent=2,
                ensure_ascii=False,
            ).encode("utf-8"),
            filename=f"dns-{domain}.json",
            description=f"DNS answers for {domain} from {asked} ({protocol})",
            mime_type="application/json",
            about=(query,),
        )
        if outcomes and outcomes[-1].nxdomain:
            yield NoteResult(
                f"DNS: {domain} does not exist: the resolver ({asked}) answered NXDOMAIN "
                f"(non-existent domain) to the {outcomes[-1].rdtype} query."
            )
            return
        if all(o.network_failure for o in outcomes):
            raise SourceNetworkError(
                f"No DNS answer for {domain} from {asked} ({protocol}) within {timeout:g} s for "
                f"any record type ({'; '.join(o.problem for o in outcomes[:1])}). Check the "
                "resolvers setting and your network (a firewall may block DNS to them)."
            )
        lines = [f"DNS records of {domain} from {asked} ({protocol}):"]
        for outcome in outcomes:
            if outcome.problem:
                lines.append(f"{outcome.rdtype}: {outcome.problem}")
            elif not outcome.records:
                lines.append(f"{outcome.rdtype}: no records")
            else:
                lines.append(
                    f"{outcome.rdtype}: "
                    + "; ".join(
                        (f"{owner} " if owner != domain else "") + f"{data} (TTL {ttl})"
                        for owner, data, ttl in outcome.records
                    )
                )
            yield from self._entities(domain, outcome)
        yield NoteResult("\n".join(lines))
        ctx.progress(len(types), len(types), "done")

    # ---- one record type -------------------------------------------------------------
    def _ask(
        self,
        domain: str,
        rdtype: str,
        resolvers: list[Resolver],
        tcp: bool,
        timeout: float,
        ctx: Context,
    ) -> Outcome:
        outcome = Outcome(rdtype)
        problems = []
        for resolver in resolvers:
            request = dns.message.make_query(dns.name.from_text(domain), rdtype)
            ctx.http.hosts_contacted.add(resolver.address)  # recorded in the run's audit
            try:
                if tcp:
                    response = dns.query.tcp(
                        request, resolver.address, timeout=timeout, port=resolver.port
                    )
                else:
                    response, _ = dns.query.udp_with_fallback(
                        request, resolver.address, timeout=timeout, port=resolver.port
                    )
            except dns.exception.Timeout:
                problems.append(f"no answer from {resolver.label} within {timeout:g} s")
                continue
            except (OSError, dns.exception.DNSException) as exc:
                problems.append(
                    f"{resolver.label} could not be asked ({type(exc).__name__}: {exc})"
                )
                continue
            rcode = dns.rcode.to_text(response.rcode())
            outcome.wire.append(f";; from {resolver.label}\n{response.to_text()}")
            if rcode == "NXDOMAIN":
                outcome.nxdomain = True
                outcome.problem = f"NXDOMAIN ({domain} does not exist)"
                return outcome
            if rcode != "NOERROR":
                problems.append(f"{resolver.label} answered {RCODE_TEXT.get(rcode, rcode)}")
                continue
            for rrset in response.answer:
                kind = dns.rdatatype.to_text(rrset.rdtype)
                if kind not in (rdtype, "CNAME"):
                    continue
                owner = rrset.name.to_text(omit_final_dot=True).lower()
                for rdata in rrset:
                    outcome.records.append(
                        (
                            owner,
                            f"{kind} {rdata.to_text()}" if kind != rdtype else rdata.to_text(),
                            rrset.ttl,
                        )
                    )
            return outcome
        outcome.problem = "; ".join(problems)
        outcome.network_failure = all("answered" not in p for p in problems)
        return outcome

    @staticmethod
    def _entities(domain: str, outcome: Outcome) -> Iterator[Result]:
        for owner, data, ttl in outcome.records:
            base = {"record": outcome.rdtype, "ttl": ttl, "source": "DNS"}
            if owner != domain:
                base["via"] = owner  # reached through a CNAME
            if data.startswith("CNAME ") or outcome.rdtype == "CNAME":
                target = data.removeprefix("CNAME ").rstrip(".").lower()
                if is_valid("domain", target):
                    yield EntityResult(
                        "domain",
                        target,
                        link="related_to",
                        link_properties={
                            **base,
                            "record": "CNAME",
                            "relation": "canonical name (CNAME)",
                            "alias": owner,
                        },
                    )
            elif outcome.rdtype in ("A", "AAAA"):
                yield EntityResult("ip", data, link="resolves_to", link_properties=base)
            elif outcome.rdtype == "MX":
                preference, _, exchange = data.partition(" ")
                exchange = exchange.rstrip(".").lower()
                if exchange and is_valid("domain", exchange):
                    yield EntityResult(
                        "domain",
                        exchange,
                        properties={"role": "mail exchanger"},
                        link="related_to",
                        link_properties={
                            **base,
                            "relation": "mail exchanger (MX)",
                            "preference": preference,
                        },
                    )
            elif outcome.rdtype == "NS":
                server = data.rstrip(".").lower()
                if is_valid("domain", server):
                    yield EntityResult(
                        "domain",
                        server,
                        properties={"role": "name server"},
                        link="related_to",
                        link_properties={**base, "relation": "name server (NS)"},
                    )
