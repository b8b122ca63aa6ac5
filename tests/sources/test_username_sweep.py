"""Built-in `username-sweep` against a loopback server that answers as the real sites of the
WhatsMyName list would (their own e_code/e_string and m_code/m_string rules)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from workbench.model import Case
from workbench.sdk.testing import make_host
from workbench.sources.results import Query
from workbench.store.workspace import Workspace

from .conftest import BUILTIN_PLUGINS, REPO_ROOT, SHARED_DATA, loaded

PLUGIN = BUILTIN_PLUGINS / "username_sweep"
SHIPPED = REPO_ROOT / "resources" / "sites" / "wmn-data.json"
UPSTREAM = SHARED_DATA / "username_sites" / "wmn-data.json"
USERNAME = "nightowl"


def test_shipped_site_list_is_the_upstream_file_with_its_licence() -> None:
    assert (
        hashlib.sha256(SHIPPED.read_bytes()).digest()
        == hashlib.sha256(UPSTREAM.read_bytes()).digest()
    )
    licence = (SHIPPED.parent / "LICENSE-WhatsMyName.md").read_text(encoding="utf-8")
    assert "Creative Commons Attribution-ShareAlike 4.0" in licence
    readme = (SHIPPED.parent / "README.md").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in readme and "Micah Hoffman" in readme
    manifest = loaded(PLUGIN).manifest
    assert manifest is not None and manifest.bundled_data[0].licence == "CC-BY-SA-4.0"


def pick_sites() -> tuple[list[dict], dict[str, str]]:
    """Real sites: GET and POST ones (with their headers), each given a planned outcome."""
    sites = [
        s
        for s in json.loads(UPSTREAM.read_text())["sites"]
        if s.get("valid", True) and s["cat"] != "xx NSFW xx"
    ]
    posts = [s for s in sites if "post_body" in s][:3]
    gets = [s for s in sites if "post_body" not in s and "{account}" in s["uri_check"]][:12]
    chosen = gets + posts
    outcomes = {}
    for index, site in enumerate(chosen):
        outcomes[site["name"]] = ("found", "missing", "unknown")[index % 3]
    outcomes[posts[0]["name"]] = "found"
    return chosen, outcomes


def site_server(server: HTTPServer, sites: list[dict], outcomes: dict[str, str]) -> list[str]:
    """One handler playing every site, told apart by the Host header and path."""
    problems: list[str] = []
    by_key = {}
    for site in sites:
        url = site["uri_check"].replace("{account}", USERNAME)
        host, _, rest = url.split("://", 1)[1].partition("/")
        by_key[(host, "/" + rest.split("?")[0])] = site

    def handler(request: Request) -> Response:
        site = by_key.get((request.headers["Host"], request.path))
        if site is None:
            problems.append(f"unexpected {request.method} {request.headers['Host']}{request.path}")
            return Response("?", status=599)
        if "post_body" in site:
            expected = site["post_body"].replace("{account}", USERNAME)
            if request.method != "POST" or request.get_data(as_text=True) != expected:
                problems.append(f"{site['name']}: wrong POST body {request.get_data()!r}")
        for name, value in (site.get("headers") or {}).items():
            if request.headers.get(name) != value:
                problems.append(f"{site['name']}: header {name} missing")
        outcome = outcomes[site["name"]]
        if outcome == "found":
            return Response(f"<html>{site['e_string']} profile</html>", status=site["e_code"])
        if outcome == "missing":
            return Response(f"<html>{site['m_string']}</html>", status=site["m_code"])
        return Response("<html>captcha</html>", status=418)

    server.expect_request("").respond_with_handler(handler)
    return problems


def test_sweep_finds_accounts_by_the_sites_rules(
    server: HTTPServer, tmp_path: Path, ws: Workspace, case: Case
) -> None:
    sites, outcomes = pick_sites()
    data = json.loads(UPSTREAM.read_text())
    data["sites"] = sites
    site_file = tmp_path / "subset-wmn-data.json"
    site_file.write_text(json.dumps(data))
    problems = site_server(server, sites, outcomes)
    host = make_host(
        [loaded(PLUGIN)],
        tmp_path=tmp_path,
        server_url=server.url_for("/"),
        settings={"username-sweep": {"sites_file": str(site_file)}},
    )
    query = Query("account", USERNAME)
    preflight = host.preflight("username-sweep", [query], case.id)
    planned = {s["uri_check"].replace("{account}", USERNAME).split("/")[2] for s in sites}
    assert set(preflight.hosts) == planned
    summary = host.execute("username-sweep", query, ws=ws, case_id=case.id, confirmed=True)
    assert summary.ok, summary.error
    assert not problems, problems
    expected = {
        (s.get("uri_pretty") or s["uri_check"]).replace("{account}", USERNAME).lower()
        for s in sites
        if outcomes[s["name"]] == "found"
    }
    accounts = [e for e in ws.graph.list_entities(case.id) if e.type == "account"]
    found = {e.normalized for e in accounts if e.normalized != USERNAME}
    assert found == expected
    one = next(e for e in accounts if e.normalized != USERNAME)
    assert (
        one.properties["profile_url"].lower() == one.normalized
        and one.properties["handle"] == USERNAME
    )
    same_as = [link for link in ws.graph.list_links(case.id) if link.type == "same_as"]
    assert len(same_as) == len(expected)
    evidence = ws.evidence.list(case.id)
    log = next(e for e in evidence if e.filename.endswith("-checks.jsonl"))
    checks = [json.loads(line) for line in ws.evidence.read(log.id).decode().splitlines()]
    assert len(checks) == len(sites)
    verdicts = {c["site"]: c["verdict"] for c in checks}
    assert verdicts == {
        name: {"found": "found", "missing": "not found", "unknown": "unknown"}[o]
        for name, o in outcomes.items()
    }
    bodies = [e for e in evidence if e.mime_type == "message/http"]
    assert len(bodies) == len(expected)  # the full response of each account found
    assert set(summary.hosts_contacted) == planned


def test_a_broken_site_list_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"sites": [')
    host = make_host(
        [loaded(PLUGIN)], tmp_path=tmp_path, settings={"username-sweep": {"sites_file": str(bad)}}
    )
    try:
        host.preflight("username-sweep", [Query("account", USERNAME)])
    except Exception as exc:
        assert "is not valid JSON" in str(exc) and "sites_file" in str(exc)
    else:
        raise AssertionError("a broken site list must be refused")
