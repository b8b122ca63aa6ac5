"""Built-in `geocode` against real Nominatim jsonv2 answers (recordings/geocode, see its
README) on a loopback server, and Nominatim's usage policy: an identifying User-Agent, one
request per second, cached answers, attribution."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from workbench.sdk import OfflineError
from workbench.sdk.testing import make_host, run_source
from workbench.sources.results import Query

from .conftest import BUILTIN_PLUGINS, loaded

PLUGIN = BUILTIN_PLUGINS / "geocode"
RECORDINGS = Path(__file__).parent / "recordings" / "geocode"
AGENT = "OSINT-Workbench/1.0 (trust-safety@example.org)"
ATTRIBUTION = "Data © OpenStreetMap contributors, ODbL 1.0"


def recording(name: str) -> bytes:
    return (RECORDINGS / name).read_bytes()


def test_place_name_to_candidates_with_coordinates(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request(
        "/search", query_string={"format": "jsonv2", "q": "Pensacola", "limit": "8"}
    ).respond_with_data(recording("search_pensacola.json"), content_type="application/json")
    result = run_source(
        PLUGIN,
        ("location", "Pensacola"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
        user_agent=AGENT,
        settings={"limit": 8},
    ).assert_ok()
    assert len(result.entities("location")) == 8
    florida = result.assert_entity("location", "Pensacola, Escambia County, Florida, United States")
    assert florida.properties["latitude"] == pytest.approx(30.421309)
    assert florida.properties["longitude"] == pytest.approx(-87.2169149)
    assert florida.properties["osm"] == "relation/119016"
    assert florida.properties["attribution"].startswith(ATTRIBUTION)
    link = next(x for x in result.links() if x.target is florida)
    assert link.properties["rank"] == 1 and link.confidence == "suspected"
    assert link.properties["relation"] == "geocoded"
    result.assert_entity(
        "location",
        "Pensacola, 33, Благодатная улица, округ Новоизмайловское, Санкт-Петербург, "
        "Северо-Западный федеральный округ, 196128, Россия",
    )
    (note,) = result.notes()
    assert "1. Pensacola, Escambia County" in note.text and ATTRIBUTION in note.text
    request = server.log[0][0]
    assert request.headers["User-Agent"] == AGENT
    assert request.headers["Host"] == "nominatim.openstreetmap.org"
    assert result.summary.hosts_contacted == ["nominatim.openstreetmap.org"]


def test_coordinates_are_reverse_geocoded(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request(
        "/reverse", query_string={"format": "jsonv2", "lat": "51.228", "lon": "6.7205"}
    ).respond_with_data(recording("reverse_duesseldorf.json"), content_type="application/json")
    result = run_source(
        PLUGIN,
        ("location", "51.228, 6.7205"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
        user_agent=AGENT,
    ).assert_ok()
    (place,) = result.entities("location")
    assert place.value.startswith("9, Rheinallee, Heerdt") and place.value.endswith("Deutschland")
    assert place.properties["country"] == "DE"
    assert place.properties["latitude"] == pytest.approx(51.228067, abs=1e-6)
    (link,) = result.links()
    assert link.properties["relation"] == "reverse geocoded" and link.confidence == "confirmed"


def test_generic_user_agent_is_refused_before_anything_is_sent(
    server: HTTPServer, tmp_path: Path
) -> None:
    for agent in ("", "python-requests/2.32", "MyTool/1.0"):
        result = run_source(
            PLUGIN,
            ("location", "Pensacola"),
            server_url=server.url_for("/"),
            tmp_path=tmp_path,
            user_agent=agent,
        )
        assert result.summary.status == "error", agent
        assert "usage policy requires a User-Agent that identifies you" in result.summary.error
        assert "Nothing was sent" in result.summary.error
    assert not server.log


def test_one_request_per_second_and_cached_answers(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request(
        "/search", query_string={"format": "jsonv2", "q": "Pensacola", "limit": "5"}
    ).respond_with_data(recording("search_pensacola.json"))
    server.expect_request(
        "/search", query_string={"format": "jsonv2", "q": "Marienplatz", "limit": "5"}
    ).respond_with_data(recording("search_marienplatz.json"))
    host = make_host(
        [loaded(PLUGIN)], tmp_path=tmp_path, server_url=server.url_for("/"), user_agent=AGENT
    )
    started = time.monotonic()
    first = host.execute("geocode", Query("location", "Pensacola"), confirmed=True)
    second = host.execute("geocode", Query("location", "Marienplatz"), confirmed=True)
    elapsed = time.monotonic() - started
    assert first.ok and second.ok, (first.error, second.error)
    assert elapsed >= 0.95  # the second request waited for the host's 1 request/s slot
    again = host.execute("geocode", Query("location", "Pensacola"), confirmed=True)
    assert again.ok and again.cache_hits == 1 and again.requests_sent == 0
    assert len(server.log) == 2


def test_nothing_found_and_unable_to_geocode(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/search").respond_with_data("[]")  # written by us
    server.expect_request("/reverse").respond_with_json({"error": "Unable to geocode"})  # ditto
    empty = run_source(
        PLUGIN,
        ("location", "Xqzzyplace"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
        user_agent=AGENT,
    ).assert_ok()
    assert "found no place for 'Xqzzyplace'" in empty.notes()[0].text
    sea = run_source(
        PLUGIN,
        ("location", "0.0, -30.0"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
        user_agent=AGENT,
    ).assert_ok()
    assert "at these coordinates" in sea.notes()[0].text and not sea.entities("location")


def test_faults_give_clear_messages(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request(
        "/search", query_string={"format": "jsonv2", "q": "a", "limit": "5"}
    ).respond_with_data("busy", status=503, headers={"Retry-After": "0"})
    server.expect_request(
        "/search", query_string={"format": "jsonv2", "q": "b", "limit": "5"}
    ).respond_with_json({"not": "a list"})
    down = run_source(
        PLUGIN,
        ("location", "a"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
        user_agent=AGENT,
    )
    assert down.summary.status == "error" and "answered HTTP 503" in down.summary.error
    odd = run_source(
        PLUGIN,
        ("location", "b"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
        user_agent=AGENT,
    )
    assert odd.summary.status == "error" and "not a list of places" in odd.summary.error


def test_offline_mode_blocks_it(server: HTTPServer, tmp_path: Path) -> None:
    with pytest.raises(OfflineError):
        run_source(
            PLUGIN,
            ("location", "Pensacola"),
            server_url=server.url_for("/"),
            tmp_path=tmp_path,
            user_agent=AGENT,
            offline=True,
        )
    assert not server.log


def test_self_hosted_nominatim(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/search").respond_with_data(recording("search_marienplatz.json"))
    base = server.url_for("/").rstrip("/")
    host = make_host([loaded(PLUGIN)], tmp_path=tmp_path, settings={"geocode": {"base_url": base}})
    query = Query("location", "Marienplatz")
    assert host.preflight("geocode", [query]).hosts == (f"127.0.0.1:{server.port}",)
    # the public instance's User-Agent rule does not apply to your own Nominatim
    summary = host.execute("geocode", query, confirmed=True)
    assert summary.ok, summary.error
    assert summary.hosts_contacted == ["127.0.0.1"]
