"""Built-in `text-extract`: identifiers from free text, on this machine only."""

from __future__ import annotations

from pathlib import Path

from workbench.model import Case
from workbench.sdk.testing import make_host, run_source
from workbench.sources.results import Query
from workbench.store.workspace import Workspace

from .conftest import BUILTIN_PLUGINS, loaded

PLUGIN = BUILTIN_PLUGINS / "text_extract"
TEXT = """Report from the moderator queue (defanged by the reporter):
User wrote to rin.nightowl@mailbox.example and b0b[@]evil-mail[.]com, call +44 20 7946 0958.
Links: hxxps://paste[.]example/raw/Xy12 and https://photoshare.example/p/88213
(see also www.example.org/about).
Seen from 203.0.113.7 and 2001:db8::42; not an IP: 10.0.0.300; a time: 12:30:45.
Handles @nightowl_rin and @kenji_t asked for BTC to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 or
bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq, ETH 0x52908400098527886E0F7030069857D2E4169EE7.
Attachment hashes: md5 d41d8cd98f00b204e9800998ecf8427e,
sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709,
sha256 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855. Not a domain: report.pdf.
"""


def test_extracts_every_kind_of_identifier(tmp_path: Path) -> None:
    result = run_source(PLUGIN, ("note", TEXT), tmp_path=tmp_path).assert_ok()
    assert result.values("email") == {"rin.nightowl@mailbox.example", "b0b@evil-mail.com"}
    assert result.values("phone") == {"+442079460958"}
    assert result.values("url") == {
        "https://paste.example/raw/Xy12",
        "https://photoshare.example/p/88213",
        "http://www.example.org/about",
    }
    assert result.values("ip") == {"203.0.113.7", "2001:db8::42"}
    assert {
        "evil-mail.com",
        "paste.example",
        "photoshare.example",
        "www.example.org",
    } <= result.values("domain")
    assert "report.pdf" not in result.values("domain")
    assert result.values("account") == {"nightowl_rin", "kenji_t"}
    assert result.values("wallet") == {
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        "0x52908400098527886e0f7030069857d2e4169ee7",
    }
    hashes = {e.value: e.properties["algorithm"] for e in result.entities("hash")}
    assert hashes == {
        "d41d8cd98f00b204e9800998ecf8427e": "md5",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709": "sha1",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855": "sha256",
    }
    assert result.assert_entity("url", "https://paste.example/raw/Xy12").properties["defanged"]
    assert (
        "defanged"
        not in result.assert_entity("url", "https://photoshare.example/p/88213").properties
    )
    assert not result.summary.hosts_contacted and result.summary.requests_sent == 0


def test_runs_in_offline_mode_without_confirmation_and_writes_the_case(
    tmp_path: Path, ws: Workspace, case: Case
) -> None:
    host = make_host([loaded(PLUGIN)], tmp_path=tmp_path, offline=True)
    note = ws.graph.add_entity(case.id, "note", TEXT)
    query = Query("note", TEXT, note.id)
    assert not host.preflight("text-extract", [query], case.id).needs_confirmation
    summary = host.execute("text-extract", query, ws=ws, case_id=case.id)  # not confirmed
    assert summary.ok, summary.error
    types = {e.type for e in ws.graph.list_entities(case.id)}
    assert {"email", "phone", "url", "ip", "domain", "account", "wallet", "hash"} <= types
    links = ws.graph.links_of(note.id)
    assert links and {link.type for link in links} == {"mentions"}
    assert all(link.source_id == note.id for link in links)
