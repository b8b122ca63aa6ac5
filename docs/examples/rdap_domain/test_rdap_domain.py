"""How a plugin author tests a source: the real host, a loopback server, a recorded answer.

Run with:  python -m pytest docs/examples/rdap_domain   (needs pytest-httpserver)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.sdk.testing import run_source

HERE = Path(__file__).resolve().parent
RECORDED = HERE.parents[2] / "../shared/data/rdap/whoisit_rdap_response_domain1.json"


@pytest.fixture
def recorded() -> bytes:
    if not RECORDED.exists():
        pytest.skip("the recorded RDAP answer is not next to this checkout")
    return RECORDED.read_bytes()


def test_registrar_nameservers_and_abuse_contacts(httpserver, tmp_path, recorded) -> None:
    httpserver.expect_request("/com/v1/domain/google.com").respond_with_data(
        recorded, content_type="application/rdap+json"
    )
    result = run_source(
        HERE, ("domain", "google.com"), server_url=httpserver.url_for("/"), tmp_path=tmp_path
    ).assert_ok()
    registrar = result.assert_entity("organization", "MarkMonitor Inc.")
    assert registrar.properties["registered"] == "1997-09-15T04:00:00Z"
    assert registrar.properties["expires"] == "2028-09-14T04:00:00Z"
    assert result.values("domain") == {f"ns{i}.google.com" for i in range(1, 5)}
    assert result.values("email") == {"abusecomplaints@markmonitor.com"}
    assert result.summary.hosts_contacted == ["rdap.verisign.com"]
    assert len(result.evidence()) == 1


def test_malformed_answer_is_a_clear_error(httpserver, tmp_path) -> None:
    httpserver.expect_request("/com/v1/domain/example.com").respond_with_data("{oops")
    result = run_source(
        HERE, ("domain", "example.com"), server_url=httpserver.url_for("/"), tmp_path=tmp_path
    )
    assert result.summary.status == "error" and "malformed JSON" in result.summary.error
