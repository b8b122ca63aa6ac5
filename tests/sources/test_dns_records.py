"""Built-in `dns-records` against a tiny DNS server on 127.0.0.1 (UDP and TCP, answers built
with dnspython's dns.message.make_response): records become entities, each record type
gets a clear outcome (NXDOMAIN, SERVFAIL, no records, no answer), offline mode blocks it and
the only host asked is the planned resolver."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from workbench.model import Case
from workbench.sdk import OfflineError
from workbench.sdk.testing import make_host, run_source
from workbench.sources.results import Query
from workbench.store.workspace import Workspace

from .conftest import BUILTIN_PLUGINS, loaded

PLUGIN = BUILTIN_PLUGINS / "dns_records"

ZONE = {
    ("shop.example.", "A"): ["192.0.2.10", "192.0.2.11"],
    ("shop.example.", "AAAA"): ["2001:db8::10"],
    ("shop.example.", "MX"): ["10 mail.shop.example.", "20 backup-mx.example.net."],
    ("shop.example.", "NS"): ["ns1.example.net.", "ns2.example.net."],
    ("shop.example.", "TXT"): ['"v=spf1 include:_spf.example.net -all"'],
    ("www.shop.example.", "CNAME"): ["shop.example."],
    ("partial.example.", "A"): ["198.51.100.7"],
}
NXDOMAIN = {"gone.example."}
SERVFAIL = {("partial.example.", "MX")}


def answer(wire: bytes) -> bytes | None:
    """The zone's answer to one query, or None to stay silent."""
    query = dns.message.from_wire(wire)
    question = query.question[0]
    name, rdtype = question.name.to_text().lower(), dns.rdatatype.to_text(question.rdtype)
    response = dns.message.make_response(query)
    if name.startswith("silent."):
        return None
    if name in NXDOMAIN:
        response.set_rcode(dns.rcode.NXDOMAIN)
    elif (name, rdtype) in SERVFAIL:
        response.set_rcode(dns.rcode.SERVFAIL)
    else:
        cname = ZONE.get((name, "CNAME"))
        owner = name
        if cname and rdtype != "CNAME":
            response.answer.append(dns.rrset.from_text(name, 300, "IN", "CNAME", *cname))
            owner = cname[0]
        records = ZONE.get((owner, rdtype))
        if records:
            response.answer.append(dns.rrset.from_text(owner, 3600, "IN", rdtype, *records))
    return response.to_wire()


class LoopbackDns:
    """UDP and TCP DNS on 127.0.0.1, one port for both, answering from ZONE."""

    def __init__(self) -> None:
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.port = self.udp.getsockname()[1]
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", self.port))
        self.tcp.listen(8)
        self.queries: list[tuple[str, str]] = []
        self._threads = [
            threading.Thread(target=self._serve_udp, daemon=True),
            threading.Thread(target=self._serve_tcp, daemon=True),
        ]

    def _serve_udp(self) -> None:
        while True:
            try:
                wire, peer = self.udp.recvfrom(4096)
            except OSError:
                return
            self.queries.append(("udp", dns.message.from_wire(wire).question[0].to_text()))
            reply = answer(wire)
            if reply is not None:
                self.udp.sendto(reply, peer)

    def _serve_tcp(self) -> None:
        while True:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            with suppress(Exception), conn:
                wire, _ = dns.query.receive_tcp(conn, expiration=None)
                self.queries.append(("tcp", wire.question[0].to_text()))
                reply = answer(wire.to_wire())
                if reply is not None:
                    dns.query.send_tcp(conn, reply)

    def start(self) -> LoopbackDns:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        for sock in (self.udp, self.tcp):
            with suppress(OSError):
                sock.close()


@pytest.fixture
def resolver() -> Iterator[LoopbackDns]:
    server = LoopbackDns().start()
    yield server
    server.stop()


def settings(server: LoopbackDns, **extra: object) -> dict[str, object]:
    return {"resolvers": f"127.0.0.1:{server.port}", "timeout": 1.0, **extra}


def test_records_become_entities_and_links(resolver: LoopbackDns, tmp_path: Path) -> None:
    result = run_source(
        PLUGIN, ("domain", "Shop.Example"), tmp_path=tmp_path, settings=settings(resolver)
    ).assert_ok()
    assert result.values("ip") == {"192.0.2.10", "192.0.2.11", "2001:db8::10"}
    address = result.assert_entity("ip", "192.0.2.10")
    assert address.link == "resolves_to" and address.link_properties["record"] == "A"
    assert address.link_properties["ttl"] == 3600
    mail = result.assert_entity("domain", "mail.shop.example")
    assert mail.link_properties["relation"] == "mail exchanger (MX)"
    assert mail.link_properties["preference"] == "10"
    assert {"ns1.example.net", "ns2.example.net", "backup-mx.example.net"} <= result.values(
        "domain"
    )
    (note,) = result.notes()
    assert 'TXT: "v=spf1 include:_spf.example.net -all" (TTL 3600)' in note.text
    assert "CNAME: no records" in note.text
    (evidence,) = result.evidence()
    assert b"192.0.2.11" in evidence.data and b'"protocol": "UDP"' in evidence.data
    assert result.summary.hosts_contacted == ["127.0.0.1"]
    assert {q for q, _ in resolver.queries} == {"udp"}


def test_cname_is_followed_and_reported(resolver: LoopbackDns, tmp_path: Path) -> None:
    result = run_source(
        PLUGIN,
        ("domain", "www.shop.example"),
        tmp_path=tmp_path,
        settings=settings(resolver, record_types="A, CNAME"),
    ).assert_ok()
    target = result.assert_entity("domain", "shop.example")
    assert target.link_properties["relation"] == "canonical name (CNAME)"
    via = result.assert_entity("ip", "192.0.2.10")
    assert via.link_properties["via"] == "shop.example"


def test_tcp_transport(resolver: LoopbackDns, tmp_path: Path) -> None:
    result = run_source(
        PLUGIN,
        ("domain", "shop.example"),
        tmp_path=tmp_path,
        settings=settings(resolver, protocol="tcp", record_types="A"),
    ).assert_ok()
    assert result.values("ip") == {"192.0.2.10", "192.0.2.11"}
    assert [q for q, _ in resolver.queries] == ["tcp"]


def test_nxdomain_is_a_clear_note(resolver: LoopbackDns, tmp_path: Path) -> None:
    result = run_source(
        PLUGIN, ("domain", "gone.example"), tmp_path=tmp_path, settings=settings(resolver)
    ).assert_ok()
    (note,) = result.notes()
    assert "gone.example does not exist" in note.text and "NXDOMAIN" in note.text
    assert len(resolver.queries) == 1  # no point asking for the other types
    assert not result.entities("ip")


def test_servfail_and_missing_types_are_reported_per_type(
    resolver: LoopbackDns, tmp_path: Path
) -> None:
    result = run_source(
        PLUGIN,
        ("domain", "partial.example"),
        tmp_path=tmp_path,
        settings=settings(resolver, record_types="A, AAAA, MX"),
    ).assert_ok()
    (note,) = result.notes()
    assert "A: 198.51.100.7 (TTL 3600)" in note.text
    assert "AAAA: no records" in note.text
    assert f"MX: 127.0.0.1:{resolver.port} answered SERVFAIL" in note.text
    assert result.values("ip") == {"198.51.100.7"}


def test_a_silent_resolver_is_a_clear_timeout(resolver: LoopbackDns, tmp_path: Path) -> None:
    result = run_source(
        PLUGIN,
        ("domain", "silent.example"),
        tmp_path=tmp_path,
        settings=settings(resolver, timeout=0.2, record_types="A, MX"),
    )
    assert result.summary.status == "error"
    assert "No DNS answer for silent.example" in result.summary.error
    assert f"no answer from 127.0.0.1:{resolver.port} within 0.2 s" in result.summary.error


def test_offline_mode_blocks_it(resolver: LoopbackDns, tmp_path: Path) -> None:
    with pytest.raises(OfflineError):
        run_source(
            PLUGIN,
            ("domain", "shop.example"),
            tmp_path=tmp_path,
            settings=settings(resolver),
            offline=True,
        )
    assert resolver.queries == []


def test_preflight_lists_the_resolvers_and_results_reach_the_case(
    resolver: LoopbackDns, tmp_path: Path, ws: Workspace, case: Case
) -> None:
    host = make_host(
        [loaded(PLUGIN)],
        tmp_path=tmp_path,
        settings={"dns-records": settings(resolver, record_types="A, NS")},
    )
    query = Query("domain", "shop.example")
    preflight = host.preflight("dns-records", [query], case.id)
    assert preflight.hosts == (f"127.0.0.1:{resolver.port}",) and preflight.needs_confirmation
    assert loaded(PLUGIN).manifest.dns_egress  # type: ignore[union-attr]
    summary = host.execute("dns-records", query, ws=ws, case_id=case.id, confirmed=True)
    assert summary.ok, summary.error
    assert summary.hosts_contacted == ["127.0.0.1"]
    values = {(e.type, e.normalized) for e in ws.graph.list_entities(case.id)}
    assert {("ip", "192.0.2.10"), ("domain", "ns1.example.net")} <= values


def test_bad_settings_are_refused_with_the_fix(tmp_path: Path) -> None:
    host = make_host(
        [loaded(PLUGIN)],
        tmp_path=tmp_path,
        settings={"dns-records": {"resolvers": "dns.google"}},
    )
    with pytest.raises(Exception, match=r"'dns\.google', which is not an IP address"):
        host.preflight("dns-records", [Query("domain", "shop.example")])
    bad_types = run_source(
        PLUGIN,
        ("domain", "shop.example"),
        tmp_path=tmp_path,
        settings={"resolvers": "127.0.0.1:9", "record_types": "A, SOA"},
    )
    assert bad_types.summary.status == "error" and "SOA" in bad_types.summary.error


def test_manifest_dns_egress_must_name_its_resolvers(tmp_path: Path) -> None:
    from workbench.sources.errors import ManifestError
    from workbench.sources.manifest import parse_manifest

    base = {
        "id": "dns-probe",
        "name": "DNS probe",
        "version": "1.0.0",
        "api_version": 1,
        "description": "Test.",
        "entry": "source:Probe",
        "kind": "passive",
        "inputs": ["domain"],
        "dns_egress": True,
    }
    with pytest.raises(ManifestError, match="must say to which resolvers"):
        parse_manifest(base, tmp_path / "plugin.toml")
    fixed = parse_manifest({**base, "egress": ["192.0.2.53:53"]}, tmp_path / "plugin.toml")
    assert fixed.dns_egress and fixed.uses_network
    legacy = parse_manifest({**base, "dns_egress": False}, tmp_path / "plugin.toml")
    assert not legacy.dns_egress  # the field is optional: older manifests load unchanged
