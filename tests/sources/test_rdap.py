"""Built-in `rdap` against the real RDAP answers in ../shared/data/rdap (Verisign for
GOOGLE.COM, APNIC for 1.1.1.1) on a loopback server: parsing agrees with the facts whoisit's
own tests assert, the entities and links follow, and the faults give clear messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from plugins.rdap import bootstrap as boot
from plugins.rdap.parse import parse_response
from workbench.model import Case
from workbench.sdk import OfflineError
from workbench.sdk.testing import make_host, run_source
from workbench.sources.results import Query
from workbench.sources.runner import RunLog
from workbench.store.workspace import Workspace

from .conftest import BUILTIN_PLUGINS, SHARED_DATA, loaded

PLUGIN = BUILTIN_PLUGINS / "rdap"
DATA = SHARED_DATA / "rdap"
DOMAIN = "whoisit_rdap_response_domain1.json"
IPV4 = "whoisit_rdap_response_ip_v4.json"
NO_REFRESH = {"bootstrap_max_age_days": 0}


def answer(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.mark.parametrize("name", [DOMAIN, IPV4])
def test_parsing_agrees_with_whoisit_on_real_answers(name: str) -> None:
    expected = json.loads((DATA / "expected_parsed.json").read_text(encoding="utf-8"))[name]
    parsed = parse_response(json.loads(answer(name)))
    for key, value in expected.items():
        if key == "query":
            continue
        if key.startswith("entities."):
            assert parsed["entities"][key.partition(".")[2]] == value, key
        else:
            assert parsed[key] == value, key


def test_domain_registrar_dates_nameservers_and_abuse_desk(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/com/v1/domain/google.com").respond_with_data(
        answer(DOMAIN), content_type="application/rdap+json"
    )
    result = run_source(
        PLUGIN,
        ("domain", "GOOGLE.com"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
        settings=NO_REFRESH,
    ).assert_ok()
    registrar = result.assert_entity("organization", "MarkMonitor Inc.")
    assert registrar.properties["kind"] == "registrar" and registrar.properties["iana_id"] == "292"
    link = next(x for x in result.links() if x.target is registrar)
    assert link.type == "registered_to" and link.confidence == "confirmed"
    assert link.properties["registered"] == "1997-09-15T04:00:00Z"
    assert link.properties["expires"] == "2028-09-14T04:00:00Z"
    assert link.properties["dnssec"] is True
    assert result.values("domain") == {f"ns{i}.google.com" for i in range(1, 5)}
    assert result.values("email") == {"abusecomplaints@markmonitor.com"}
    assert result.values("phone") == {"+1 2083895740"}
    (note,) = result.notes()
    assert "expires 2028-09-14T04:00:00Z" in note.text and "MarkMonitor Inc." in note.text
    (evidence,) = result.evidence()
    assert evidence.data == answer(DOMAIN) and evidence.mime_type == "application/rdap+json"
    assert result.summary.hosts_contacted == ["rdap.verisign.com"]
    assert result.summary.requests_sent == 1


def test_ip_network_range_holder_country_and_abuse_email(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/ip/1.1.1.1").respond_with_data(
        answer(IPV4), content_type="application/rdap+json"
    )
    result = run_source(
        PLUGIN,
        ("ip", "1.1.1.1"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
        settings=NO_REFRESH,
    ).assert_ok()
    holder = result.assert_entity("organization", "APNIC-LABS")
    assert holder.properties["range"] == "1.1.1.0 - 1.1.1.255"
    assert holder.properties["cidr"] == "1.1.1.0/24"
    assert holder.properties["country"] == "AU" and holder.properties["rir"] == "apnic"
    assert "Cloudflare DNS Resolver" in (holder.label or "")
    place = result.assert_entity("location", "Australia")
    located = next(x for x in result.links() if x.target is place)
    assert located.type == "located_at" and located.confidence == "suspected"
    # the abuse desk only: research@ is the administrative contact, not an abuse address
    assert result.values("email") == {"helpdesk@apnic.net"}
    assert result.summary.hosts_contacted == ["rdap.apnic.net"]


def test_results_land_in_the_case_with_provenance(
    server: HTTPServer, tmp_path: Path, ws: Workspace, case: Case
) -> None:
    server.expect_request("/com/v1/domain/google.com").respond_with_data(
        answer(DOMAIN), content_type="application/rdap+json"
    )
    host = make_host(
        [loaded(PLUGIN)],
        tmp_path=tmp_path,
        server_url=server.url_for("/"),
        settings={"rdap": NO_REFRESH},
    )
    query = Query("domain", "google.com")
    preflight = host.preflight("rdap", [query], case.id)
    assert preflight.hosts == ("rdap.verisign.com",) and preflight.needs_confirmation
    summary = host.execute("rdap", query, ws=ws, case_id=case.id, confirmed=True)
    assert summary.ok, summary.error
    values = {(e.type, e.normalized) for e in ws.graph.list_entities(case.id)}
    assert ("organization", "MarkMonitor Inc.") in values
    assert ("domain", "ns1.google.com") in values
    (evidence,) = ws.evidence.list(case.id)
    assert evidence.mime_type == "application/rdap+json"
    registrar = next(e for e in ws.graph.list_entities(case.id) if e.type == "organization")
    assert ws.graph.get_entity(registrar.id).provenance[0].ref.startswith("rdap@1.0.0#")


def test_unknown_tld_is_a_clear_message_and_nothing_is_sent(
    server: HTTPServer, tmp_path: Path
) -> None:
    host = make_host([loaded(PLUGIN)], tmp_path=tmp_path, settings={"rdap": NO_REFRESH})
    assert host.preflight("rdap", [Query("domain", "shop.notatld")]).hosts == ()
    result = run_source(
        PLUGIN,
        ("domain", "shop.notatld"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
        settings=NO_REFRESH,
    )
    assert result.summary.status == "error"
    assert "No RDAP service is registered for the top-level domain .notatld" in (
        result.summary.error
    )
    assert "Nothing was sent" in result.summary.error
    assert result.summary.requests_sent == 0 and not server.log


def test_not_found_is_a_note_not_an_error(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/com/v1/domain/no-such-name-here.com").respond_with_json(
        {"errorCode": 404, "title": "Not Found"}, status=404
    )
    result = run_source(
        PLUGIN,
        ("domain", "no-such-name-here.com"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
        settings=NO_REFRESH,
    ).assert_ok()
    (note,) = result.notes()
    assert "has no record of no-such-name-here.com" in note.text and "404" in note.text
    assert not result.entities() or {e.type for e in result.entities()} == {"note"}


def test_rate_limiting_is_retried_then_explained(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/com/v1/domain/google.com").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "0"}
    )
    result = run_source(
        PLUGIN,
        ("domain", "google.com"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
        settings=NO_REFRESH,
    )
    assert result.summary.status == "error"
    assert "rate limiting RDAP queries (HTTP 429)" in result.summary.error
    assert result.summary.requests_sent == 4  # the first try and the manifest's 3 retries


def test_rate_limit_that_clears_gives_the_answer(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_ordered_request("/ip/1.1.1.1").respond_with_data(
        "", status=429, headers={"Retry-After": "0"}
    )
    server.expect_ordered_request("/ip/1.1.1.1").respond_with_data(
        answer(IPV4), content_type="application/rdap+json"
    )
    result = run_source(
        PLUGIN,
        ("ip", "1.1.1.1"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
        settings=NO_REFRESH,
    ).assert_ok()
    result.assert_entity("organization", "APNIC-LABS")
    assert result.summary.requests_sent == 2


def test_malformed_answer_is_a_clear_error(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/com/v1/domain/google.com").respond_with_data("{not json")
    result = run_source(
        PLUGIN,
        ("domain", "google.com"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
        settings=NO_REFRESH,
    )
    assert result.summary.status == "error" and "malformed JSON" in result.summary.error
    assert not result.entities()


def test_offline_mode_blocks_the_run(server: HTTPServer, tmp_path: Path) -> None:
    with pytest.raises(OfflineError, match="Offline mode is on"):
        run_source(
            PLUGIN,
            ("domain", "google.com"),
            server_url=server.url_for("/"),
            tmp_path=tmp_path,
            settings=NO_REFRESH,
            offline=True,
        )
    assert not server.log


def _serve_bootstrap(server: HTTPServer, publication: str) -> None:
    for kind in boot.KINDS:
        doc = json.loads((boot.bundled_folder() / f"{kind}.json").read_text(encoding="utf-8"))
        doc["publication"] = publication
        server.expect_request(f"/rdap/{kind}.json").respond_with_json(doc)


def test_bootstrap_refresh_downloads_through_the_host_and_is_used_next_time(
    server: HTTPServer, tmp_path: Path
) -> None:
    _serve_bootstrap(server, "2030-01-01T00:00:00Z")
    server.expect_request("/com/v1/domain/google.com").respond_with_data(
        answer(DOMAIN), content_type="application/rdap+json"
    )
    host = make_host([loaded(PLUGIN)], tmp_path=tmp_path, server_url=server.url_for("/"))
    query = Query("domain", "google.com")
    assert host.preflight("rdap", [query]).hosts == ("data.iana.org", "rdap.verisign.com")
    summary = host.execute("rdap", query, confirmed=True)
    assert summary.ok, summary.error
    assert summary.hosts_contacted == ["data.iana.org", "rdap.verisign.com"]
    folder = boot.cache_folder()
    assert {p.name for p in folder.iterdir()} == {"dns.json", "ipv4.json", "ipv6.json", "meta.json"}
    fresh = boot.load()
    assert fresh.fetched_at is not None and fresh.publication["dns"] == "2030-01-01T00:00:00Z"
    assert host.preflight("rdap", [query]).hosts == ("rdap.verisign.com",)  # fresh now


def test_failed_refresh_keeps_the_snapshot_and_says_so(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/rdap/dns.json").respond_with_data("{broken")
    server.expect_request("/com/v1/domain/google.com").respond_with_data(
        answer(DOMAIN), content_type="application/rdap+json"
    )
    result = run_source(
        PLUGIN, ("domain", "google.com"), server_url=server.url_for("/"), tmp_path=tmp_path
    ).assert_ok()
    result.assert_entity("organization", "MarkMonitor Inc.")
    logs = [e.message for e in result.events if isinstance(e, RunLog)]
    assert any("could not refresh IANA's bootstrap" in m and "malformed JSON" in m for m in logs)
    assert not (boot.cache_folder() / "meta.json").exists()
    assert boot.load().fetched_at is None


def test_bootstrap_lookups_longest_match() -> None:
    data = boot.load()
    assert data.fetched_at is None and data.publication["dns"] == "2022-07-06T16:00:02Z"
    assert boot.preferred(data.domain_urls("www.Google.COM")) == (
        "https://rdap.verisign.com/com/v1/"
    )
    assert boot.preferred(data.domain_urls("example.berlin")) == "https://rdap.nic.berlin/v1/"
    assert data.domain_urls("example.notatld") == ()
    assert boot.preferred(data.ip_urls("8.8.8.8")) == "https://rdap.arin.net/registry/"
    assert boot.preferred(data.ip_urls("2a00:1450:4001::1")) == "https://rdap.db.ripe.net/"
    assert data.ip_urls("3fff::1") == ()  # not allocated to any registry
    overlapping = boot.parse_documents(
        {
            "dns": {"services": [[["uk"], ["https://a.test/"]], [["co.uk"], ["https://b.test"]]]},
            "ipv4": {
                "services": [
                    [["10.0.0.0/8"], ["https://c.test/"]],
                    [["10.1.0.0/16"], ["https://d.test/"]],
                ]
            },
            "ipv6": {"services": [[["2001::/16"], ["http://e.test/", "https://e.test/"]]]},
        },
        "test",
    )
    assert boot.preferred(overlapping.domain_urls("x.co.uk")) == "https://b.test/"
    assert boot.preferred(overlapping.domain_urls("x.uk")) == "https://a.test/"
    assert boot.preferred(overlapping.ip_urls("10.1.2.3")) == "https://d.test/"
    assert boot.preferred(overlapping.ip_urls("10.2.0.1")) == "https://c.test/"
    assert boot.preferred(overlapping.ip_urls("2001::1")) == "https://e.test/"


def test_a_broken_bootstrap_file_is_refused_by_name() -> None:
    with pytest.raises(Exception, match="service 0 is not"):
        boot.parse_documents({"dns": {"services": [["com"]]}, "ipv4": {}, "ipv6": {}}, "downloaded")
