"""Built-in `wayback` against real CDX answers of web.archive.org (recordings/wayback, see
its README) on a loopback server: snapshots become URL entities with first/last seen, and an
empty index, malformed JSON and a 503 give clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from workbench.model import Case
from workbench.sdk import OfflineError
from workbench.sdk.testing import make_host, run_source
from workbench.sources.results import Query
from workbench.store.workspace import Workspace

from .conftest import BUILTIN_PLUGINS, loaded

PLUGIN = BUILTIN_PLUGINS / "wayback"
RECORDINGS = Path(__file__).parent / "recordings" / "wayback"
CDX = "/cdx/search/cdx"


def recording(name: str) -> bytes:
    return (RECORDINGS / name).read_bytes()


def test_snapshots_with_first_and_last_seen(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request(
        CDX,
        query_string={
            "url": "https://www.oaklandca.gov/",
            "output": "json",
            "fl": "timestamp,original,statuscode,mimetype,digest,length",
            "limit": "1000",
            "collapse": "digest",
        },
    ).respond_with_data(recording("oaklandca.json"), content_type="application/json")
    result = run_source(
        PLUGIN,
        ("url", "https://www.oaklandca.gov/"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
    ).assert_ok()
    snapshots = result.entities("url")
    assert len(snapshots) == 5
    newest = result.assert_entity(
        "url", "https://web.archive.org/web/20180427140438/https://www.oaklandca.gov/"
    )
    assert newest.properties["captured_at"] == "2018-04-27T14:04:38Z"
    assert newest.properties["status"] == "200" and newest.properties["length"] == "6255"
    assert newest.properties["digest"] == "363S4MF44CU6AKEZJEBRIG3ZQOXMPSWI"
    assert newest.link == "related_to"
    assert newest.link_properties["relation"] == "archived snapshot"
    (note,) = result.notes()
    assert "5 capture(s)" in note.text
    assert "first seen 2018-04-27T02:39:14Z (http://www.oaklandca.gov:80/)" in note.text
    assert "last seen 2018-04-28T03:20:17Z (http://oaklandca.gov/)" in note.text
    assert "HTTP statuses 200, 301" in note.text
    (evidence,) = result.evidence()
    assert evidence.data == recording("oaklandca.json")
    assert result.summary.hosts_contacted == ["web.archive.org"]


def test_columns_are_read_by_name_and_the_limit_is_respected(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request(CDX).respond_with_data(recording("kamaloff.json"))
    result = run_source(
        PLUGIN,
        ("domain", "kamaloff.ru"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
        settings={"max_snapshots": 2, "collapse": "none"},
    ).assert_ok()
    assert [e.properties["timestamp"] for e in result.entities("url")] == [
        "20130522121421",
        "20130801111119",
    ]  # the oldest two
    robots = result.assert_entity(
        "url", "https://web.archive.org/web/20130801111119/http://kamaloff.ru/robots.txt"
    )
    assert robots.properties["status"] == "404"
    (note,) = result.notes()
    assert "4 capture(s)" in note.text and "2 added as URL entities" in note.text
    assert "collapse" not in server.log[0][0].args


def test_empty_index_is_a_clear_note(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request(CDX).respond_with_data("[]")  # written by us: the API's empty answer
    result = run_source(
        PLUGIN,
        ("url", "https://never-archived.example/"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
    ).assert_ok()
    (note,) = result.notes()
    assert "has no capture of https://never-archived.example/" in note.text
    assert not result.entities("url")


def test_malformed_json_is_a_clear_error(server: HTTPServer, tmp_path: Path) -> None:
    truncated = recording("oaklandca.json")[:300]  # an answer cut off mid-row
    server.expect_request(CDX).respond_with_data(truncated)
    result = run_source(
        PLUGIN,
        ("url", "https://www.oaklandca.gov/"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
    )
    assert result.summary.status == "error" and "malformed JSON" in result.summary.error
    assert not result.entities()


def test_unexpected_json_shape_is_refused(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request(CDX).respond_with_json({"error": "not a cdx list"})
    result = run_source(
        PLUGIN,
        ("url", "https://www.oaklandca.gov/"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
    )
    assert result.summary.status == "error" and "not a CDX list" in result.summary.error


def test_unavailable_archive_is_retried_then_explained(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request(CDX).respond_with_data(
        "Service Unavailable", status=503, headers={"Retry-After": "0"}
    )
    result = run_source(
        PLUGIN,
        ("url", "https://www.oaklandca.gov/"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
    )
    assert result.summary.status == "error"
    assert "is unavailable (HTTP 503) even after retrying" in result.summary.error
    assert result.summary.requests_sent == 3  # the first try and the manifest's 2 retries


def test_offline_mode_blocks_it(server: HTTPServer, tmp_path: Path) -> None:
    with pytest.raises(OfflineError):
        run_source(
            PLUGIN,
            ("url", "https://www.oaklandca.gov/"),
            server_url=server.url_for("/"),
            tmp_path=tmp_path,
            offline=True,
        )
    assert not server.log


def test_self_hosted_archive_and_case_entities(
    server: HTTPServer, tmp_path: Path, ws: Workspace, case: Case
) -> None:
    server.expect_request(CDX).respond_with_data(recording("oaklandca.json"))
    base = server.url_for("/").rstrip("/")
    host = make_host([loaded(PLUGIN)], tmp_path=tmp_path, settings={"wayback": {"base_url": base}})
    query = Query("url", "https://www.oaklandca.gov/")
    port = server.port
    assert host.preflight("wayback", [query], case.id).hosts == (f"127.0.0.1:{port}",)
    summary = host.execute("wayback", query, ws=ws, case_id=case.id, confirmed=True)
    assert summary.ok, summary.error
    assert summary.hosts_contacted == ["127.0.0.1"]
    urls = {e.normalized for e in ws.graph.list_entities(case.id) if e.type == "url"}
    assert f"{base}/web/20180427140438/https://www.oaklandca.gov/" in urls


def test_bad_base_url_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    host = make_host(
        [loaded(PLUGIN)], tmp_path=tmp_path, settings={"wayback": {"base_url": "web.archive.org"}}
    )
    with pytest.raises(Exception, match="is not an http\\(s\\) URL"):
        host.preflight("wayback", [Query("url", "https://www.oaklandca.gov/")])
