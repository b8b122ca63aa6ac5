"""Built-in `web-page` against the real pages in ../shared/data/html_metadata: its extraction
agrees with the extractor's reference outputs stored next to each page."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from workbench.model import Case
from workbench.sdk.testing import make_host, run_source
from workbench.sources.results import Query
from workbench.store.workspace import Workspace

from .conftest import BUILTIN_PLUGINS, SHARED_DATA, loaded

PLUGIN = BUILTIN_PLUGINS / "web_page"
PAGES = SHARED_DATA / "html_metadata"
# page, syntax, expected output (the reference files of the extractor's own test-suite)
AGREEMENT = [
    ("misc/opengraph_test.html", "opengraph", "misc/opengraph_test.json"),
    ("misc/microformat_test.html", "microformat", "misc/microformat_test.json"),
    ("schema.org/CreativeWork.001.html", "microdata", "schema.org/CreativeWork.001.json"),
    ("schema.org/CreativeWork.001.html", "json-ld", "schema.org/CreativeWork.001.jsonld"),
    (
        "custom.invalid/JSONLD_with_JS_comment.html",
        "json-ld",
        "custom.invalid/JSONLD_with_JS_comment.jsonld",
    ),
]


def serve(server: HTTPServer, page: str) -> str:
    server.expect_request(f"/{page}").respond_with_data(
        (PAGES / page).read_bytes(), content_type="text/html"
    )
    return f"http://pages.example/{page}"


@pytest.mark.parametrize(("page", "syntax", "expected"), AGREEMENT)
def test_extraction_agrees_with_reference_outputs(
    server: HTTPServer, tmp_path: Path, page: str, syntax: str, expected: str
) -> None:
    url = serve(server, page)
    result = run_source(PLUGIN, ("url", url), server_url=server.url_for("/"), tmp_path=tmp_path)
    result.assert_ok()
    (evidence,) = result.evidence()
    extracted = evidence.metadata["extracted"]
    assert extracted[syntax] == json.loads((PAGES / expected).read_text(encoding="utf-8"))


def test_page_entities_and_raw_response_evidence(server: HTTPServer, tmp_path: Path) -> None:
    url = serve(server, "misc/opengraph_test.html")
    result = run_source(PLUGIN, ("url", url), server_url=server.url_for("/"), tmp_path=tmp_path)
    document = result.assert_entity("document", url)
    assert document.label == "Himanshu's Open Graph Protocol"
    assert document.properties["description"].startswith("Event Education provides free courses")
    assert document.properties["site_name"] == "Event Education"
    assert result.values("account") == {
        "https://www.facebook.com/PUBLISHER",
        "https://www.facebook.com/AUTHOR",
    }
    (evidence,) = result.evidence()
    body = (PAGES / "misc/opengraph_test.html").read_bytes()
    assert evidence.data.startswith(b"HTTP 200\r\n") and evidence.data.endswith(body)
    assert b"Content-Type: text/html" in evidence.data
    assert evidence.metadata["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert document.properties["sha256"] == hashlib.sha256(body).hexdigest()
    assert result.summary.hosts_contacted == ["pages.example"]


CONTACT_PAGE = b"""<!doctype html><html lang="en"><head><title>Contact us</title>
<meta name="description" content="How to reach the shop">
<meta name="twitter:site" content="@shop_account"></head><body>
<p>Write to <a href="mailto:Help@Shop.Example?subject=hi">help</a> or sales@shop.example,
call <a href="tel:+44-20-7946-0958">us</a> or +1 415 555 2671.</p>
<a href="/about">About</a> <a href="https://partner.example/x#frag">Partner</a>
<a href="https://github.com/shopdev">GitHub</a> <a href="https://twitter.com/intent/tweet">share</a>
<a href="https://www.instagram.com/shop.pics/">Instagram</a></body></html>"""


def test_links_emails_phones_and_social_handles(
    server: HTTPServer, tmp_path: Path, ws: Workspace, case: Case
) -> None:
    server.expect_request("/contact").respond_with_data(
        CONTACT_PAGE, content_type="text/html; charset=utf-8"
    )
    host = make_host([loaded(PLUGIN)], tmp_path=tmp_path, server_url=server.url_for("/"))
    query = Query("url", "https://shop.example/contact")
    preflight = host.preflight("web-page", [query], case.id)
    assert preflight.hosts == ("shop.example", "www.shop.example") and preflight.needs_confirmation
    summary = host.execute("web-page", query, ws=ws, case_id=case.id, confirmed=True)
    assert summary.ok, summary.error
    values = {(e.type, e.normalized) for e in ws.graph.list_entities(case.id)}
    assert {("email", "help@shop.example"), ("email", "sales@shop.example")} <= values
    assert {("phone", "+442079460958"), ("phone", "+14155552671")} <= values
    assert ("url", "https://partner.example/x") in values
    assert ("url", "https://shop.example/about") not in values  # not outbound
    accounts = {v for t, v in values if t == "account"}
    assert accounts == {
        "https://github.com/shopdev",
        "https://www.instagram.com/shop.pics",
        "https://x.com/shop_account",
    }
    (evidence,) = ws.evidence.list(case.id)
    assert evidence.mime_type == "message/http" and evidence.metadata["body_sha256"]
    document = next(e for e in ws.graph.list_entities(case.id) if e.type == "document")
    assert document.label == "Contact us"
    assert ws.graph.get_entity(document.id).provenance[-1].ref == evidence.id


def test_redirect_to_an_undeclared_host_is_refused(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/go").respond_with_data(
        "", status=302, headers={"Location": "https://tracker.example/"}
    )
    result = run_source(
        PLUGIN,
        ("url", "https://shop.example/go"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
    )
    assert result.summary.status == "error" and "tracker.example" in result.summary.error


def test_text_of_separate_elements_is_not_glued_together(
    server: HTTPServer, tmp_path: Path
) -> None:
    """Regression: `<title>Contact</title>…<body>help@x` was read as "Contacthelp@x", so the
    page "mentioned" an address that is nowhere on it."""
    page = (
        b"<!doctype html><html><head><title>Contact</title></head>"
        b"<body>help@shop.example<div>Sales</div><p>sales@shop.example</p>"
        b"<table><tr><td>Phone</td><td>+1 415 555 2671</td></tr></table>"
        b"<p>Write to <b>office</b>@shop.example</p></body></html>"
    )
    server.expect_request("/contact").respond_with_data(page, content_type="text/html")
    result = run_source(
        PLUGIN,
        ("url", "https://shop.example/contact"),
        server_url=server.url_for("/"),
        tmp_path=tmp_path,
    )
    result.assert_ok()
    assert result.values("email") == {
        "help@shop.example",
        "sales@shop.example",
        "office@shop.example",  # inline markup inside one word still reads as one word
    }
    assert result.values("phone") == {"+14155552671"}
    assert result.assert_entity("document", "https://shop.example/contact").label == "Contact"
