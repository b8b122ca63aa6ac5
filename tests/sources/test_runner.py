"""Runs: results streamed into the case (de-duplicated, with provenance), every run audited,
and plugins that raise, hang, yield garbage or flood end with a clear error, case unharmed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from workbench.audit import iter_events, verify_chain
from workbench.model import Case, ProvenanceKind
from workbench.sdk.testing import make_host
from workbench.sources.errors import ConfirmationRequired, CredentialError, PluginUnavailableError
from workbench.sources.host import SourceHost
from workbench.sources.results import Query
from workbench.sources.runner import ResultsReceived, RunFinished, RunProgress, RunStarted
from workbench.store.workspace import Workspace

from .conftest import probe_plugin


def probe_host(tmp_path: Path, server: HTTPServer | None = None, **options: object) -> SourceHost:
    settings = options.pop("settings", {})
    info = probe_plugin(tmp_path / "plugins", **options)  # type: ignore[arg-type]
    return make_host(
        [info],
        tmp_path=tmp_path,
        server_url=server.url_for("/") if server else None,
        settings={"probe": settings} if settings else None,  # type: ignore[dict-item]
    )


def audit(ws: Workspace, case: Case) -> list[dict[str, object]]:
    with ws.read() as conn:
        assert verify_chain(conn).ok
        return [
            {"action": e.action, **e.summary}
            for e in iter_events(conn, case.id)
            if e.action.startswith("source.")
        ][::-1]


def test_results_stream_into_the_case_deduplicated_with_provenance(
    tmp_path: Path, ws: Workspace, case: Case
) -> None:
    host = probe_host(tmp_path, settings={"mode": "entities", "count": 3})
    existing = ws.graph.add_entity(case.id, "email", "USER1@probe.test")  # already in the case
    events = list(
        host.start_run(
            "probe", Query("domain", "probe.test"), ws=ws, case_id=case.id, confirmed=True
        ).events()
    )
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunFinished)
    assert any(isinstance(e, ResultsReceived) and e.new_entity_ids for e in events)
    summary = events[-1].summary
    assert summary.ok, summary.error
    entities = ws.graph.list_entities(case.id)
    emails = sorted(e.normalized for e in entities if e.type == "email")
    assert emails == ["user0@probe.test", "user1@probe.test", "user2@probe.test"]
    assert [e.value for e in entities if e.type == "domain"] == ["probe.test"]  # the input, once
    assert summary.counts["entities_new"] == 2 and summary.counts["entities_found_again"] == 1
    again = ws.graph.get_entity(existing.id)
    ref = f"probe@0.1.0#{summary.run_id}"
    assert [p.kind for p in again.provenance] == [ProvenanceKind.MANUAL, ProvenanceKind.SOURCE_RUN]
    assert again.provenance[1].ref == ref and again.provenance[1].note == "input domain:probe.test"
    links = ws.graph.list_links(case.id)
    assert {link.type for link in links} == {"mentions", "related_to"}
    assert all(ws.graph.get_link(link.id).provenance[0].ref == ref for link in links)
    # a second run adds nothing new, only provenance
    second = host.execute(
        "probe", Query("domain", "probe.test"), ws=ws, case_id=case.id, confirmed=True
    )
    assert second.counts["entities_new"] == 0 and second.counts["links"] == 0
    assert ws.graph.count_entities(case.id) == len(entities)


def test_every_run_is_audited(
    tmp_path: Path, server: HTTPServer, ws: Workspace, case: Case
) -> None:
    server.expect_request("/hello").respond_with_data("hi")
    host = probe_host(tmp_path, server, settings={"count": 2})
    summary = host.execute(
        "probe", Query("domain", "probe.test"), ws=ws, case_id=case.id, confirmed=True
    )
    start, *results, finish = audit(ws, case)
    assert start["action"] == "source.run_start" and start["planned_hosts"] == [
        "*.probe.test",
        "probe.test",
    ]
    assert start["input"] == {"type": "domain", "value": "probe.test", "entity_id": None}
    assert start["confirmed_by_user"] is True
    assert {r["action"] for r in results} == {"source.results"}
    assert sum(r["entities_added"] for r in results) == 3  # the input domain and two notes
    assert finish["action"] == "source.run_finish" and finish["status"] == "ok"
    assert finish["hosts_contacted"] == ["probe.test"] and finish["requests_sent"] == 2
    assert finish["counts"]["notes"] == 2 and finish["duration_s"] >= 0
    assert finish["run_id"] == summary.run_id


def test_a_plugin_that_raises_ends_with_a_clear_error(
    tmp_path: Path, ws: Workspace, case: Case
) -> None:
    host = probe_host(tmp_path, settings={"mode": "raise"})
    summary = host.execute(
        "probe", Query("domain", "probe.test"), ws=ws, case_id=case.id, confirmed=True
    )
    assert summary.status == "error"
    assert "KeyError: 'boom' (source.py:" in summary.error and "bug in the plugin" in summary.error
    assert "before@probe.test" in [e.value for e in ws.graph.list_entities(case.id)]
    assert audit(ws, case)[-1]["status"] == "error"


def test_a_hanging_plugin_is_stopped_at_its_time_limit(
    tmp_path: Path, ws: Workspace, case: Case
) -> None:
    host = probe_host(tmp_path, run_timeout=0.5, settings={"mode": "hang"})
    started = time.monotonic()
    summary = host.execute(
        "probe", Query("domain", "probe.test"), ws=ws, case_id=case.id, confirmed=True
    )
    assert summary.status == "timeout" and time.monotonic() - started < 1.5
    assert audit(ws, case)[-1]["status"] == "timeout"


def test_garbage_results_stop_the_run(tmp_path: Path, ws: Workspace, case: Case) -> None:
    host = probe_host(tmp_path, settings={"mode": "garbage"})
    summary = host.execute(
        "probe", Query("domain", "probe.test"), ws=ws, case_id=case.id, confirmed=True
    )
    assert summary.status == "error"
    assert "yielded int 42; a source yields EntityResult" in summary.error
    assert [e.value for e in ws.graph.list_entities(case.id) if e.type == "email"] == [
        "first@probe.test"
    ]


def test_a_flood_is_capped_at_max_results(tmp_path: Path, ws: Workspace, case: Case) -> None:
    host = probe_host(tmp_path, max_results=250, settings={"mode": "flood"})
    summary = host.execute(
        "probe", Query("domain", "probe.test"), ws=ws, case_id=case.id, confirmed=True
    )
    assert summary.status == "error" and "more than 250 results" in summary.error
    assert ws.graph.count_entities(case.id) == 250 + 1  # the results kept, plus the input
    with ws.read() as conn:
        assert verify_chain(conn).ok


def test_invalid_values_are_rejected_not_fatal(tmp_path: Path, ws: Workspace, case: Case) -> None:
    host = probe_host(tmp_path, settings={"mode": "invalid"})
    summary = host.execute(
        "probe", Query("domain", "probe.test"), ws=ws, case_id=case.id, confirmed=True
    )
    assert summary.ok and summary.counts["rejected"] == 1
    assert any("not an e-mail" in w for w in summary.warnings)


def test_progress_events_reach_the_caller(tmp_path: Path) -> None:
    host = make_host([], tmp_path=tmp_path)
    from .conftest import BUILTIN_PLUGINS, loaded

    host = make_host([loaded(BUILTIN_PLUGINS / "text_extract")], tmp_path=tmp_path)
    events = list(host.start_run("text-extract", Query("note", "mail a@b.org or c@d.org")).events())
    progress = [e for e in events if isinstance(e, RunProgress)]
    assert progress and progress[-1].done == progress[-1].total


def test_network_runs_need_confirmation_and_dont_ask_again_is_per_case(
    tmp_path: Path, server: HTTPServer, ws: Workspace, case: Case
) -> None:
    server.expect_request("/hello").respond_with_data("hi")
    host = probe_host(tmp_path, server)
    query = Query("domain", "probe.test")
    with pytest.raises(ConfirmationRequired, match=r"'probe\.test' will be sent to: probe\.test"):
        host.start_run("probe", query, ws=ws, case_id=case.id)
    assert not server.log
    preflight = host.preflight("probe", [query], case.id)
    host.confirm(preflight, dont_ask_again=True)
    assert host.execute("probe", query, ws=ws, case_id=case.id).ok  # no confirmation needed now
    other = ws.cases.create("Another case")
    with pytest.raises(ConfirmationRequired):
        host.start_run("probe", query, ws=ws, case_id=other.id)


def test_missing_credentials_and_disabled_plugins_are_refused_up_front(tmp_path: Path) -> None:
    host = probe_host(tmp_path, credentials='["api_key"]', settings={"mode": "secret"})
    with pytest.raises(CredentialError, match="needs the credential 'api_key'"):
        host.start_run("probe", Query("domain", "probe.test"), confirmed=True)
    host.set_enabled("probe", False)
    with pytest.raises(PluginUnavailableError, match="disabled"):
        host.start_run("probe", Query("domain", "probe.test"), confirmed=True)


def test_wrong_input_type_is_refused(tmp_path: Path) -> None:
    host = probe_host(tmp_path)
    with pytest.raises(Exception, match="does not take a phone"):
        host.start_run("probe", Query("phone", "+441234567890"), confirmed=True)
