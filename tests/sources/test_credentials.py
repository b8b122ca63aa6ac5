"""Secrets live in a real keyring backend (keyrings.cryptfile in tmp_path, no mock) and never
appear in a database row, an audit event, a log line, an evidence blob or an export."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from workbench.export import write_case_json
from workbench.model import Case
from workbench.sdk.testing import loopback_router
from workbench.sources.credentials import CredentialStore, system_backend
from workbench.sources.discovery import PluginRegistry
from workbench.sources.errors import CredentialError
from workbench.sources.host import SourceHost
from workbench.sources.ratelimit import HostRateLimiter
from workbench.sources.results import Query
from workbench.sources.runner import RunFinished, RunLog, RunProgress
from workbench.sources.settings import SettingsStore
from workbench.store.workspace import Workspace

from .conftest import probe_plugin

CANARY = "canary-7f3b9c41-do-not-leak"
MASTER = "correct horse battery staple"


@pytest.fixture
def encrypted_store(tmp_path: Path) -> CredentialStore:
    return CredentialStore.open(
        prefer="file",
        file_path=tmp_path / "config" / "credentials.cfg",
        master_password=lambda: MASTER,
    )


def test_encrypted_file_backend_round_trip_and_wrong_password(tmp_path: Path) -> None:
    path = tmp_path / "config" / "credentials.cfg"
    store = CredentialStore.open(prefer="file", file_path=path, master_password=lambda: MASTER)
    assert store.kind == "encrypted-file" and "master password" in store.describe()
    store.set("probe", "api_key", CANARY)
    assert CANARY.encode() not in path.read_bytes()  # encrypted, never plaintext
    assert path.stat().st_mode & 0o077 == 0
    reopened = CredentialStore.open(prefer="file", file_path=path, master_password=lambda: MASTER)
    assert reopened.get("probe", "api_key") == CANARY
    with pytest.raises(CredentialError, match="master password does not open"):
        CredentialStore.open(prefer="file", file_path=path, master_password=lambda: "wrong")


def test_without_a_system_keychain_the_file_backend_needs_a_master_password(tmp_path: Path) -> None:
    if system_backend() is not None:
        pytest.skip("this machine has a system keychain")
    with pytest.raises(CredentialError, match="needs a master password"):
        CredentialStore.open(file_path=tmp_path / "c.cfg")
    with pytest.raises(CredentialError, match="No system keychain"):
        CredentialStore.open(prefer="system")


def _all_rows(db_path: Path) -> str:
    conn = sqlite3.connect(db_path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(
            str(row) for table in tables for row in conn.execute(f'SELECT * FROM "{table}"')
        )
    finally:
        conn.close()


def test_canary_secret_appears_nowhere(
    tmp_path: Path,
    server: HTTPServer,
    ws: Workspace,
    case: Case,
    encrypted_store: CredentialStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def echo(request: Request) -> Response:  # a careless API that echoes the key back
        body = {"echo": request.args.get("key"), "auth": request.headers.get("Authorization")}
        return Response(json.dumps(body), content_type="application/json")

    server.expect_request("/hello").respond_with_handler(echo)
    encrypted_store.set("probe", "api_key", CANARY)
    info = probe_plugin(tmp_path / "plugins", credentials='["api_key"]')
    settings = SettingsStore()
    assert info.manifest is not None
    settings.set_plugin_setting(info.manifest, "mode", "secret")
    host = SourceHost(
        registry=PluginRegistry.of([info]),
        settings=settings,
        credentials=encrypted_store,
        limiter=HostRateLimiter(),
        router=loopback_router(server.url_for("/")),
    )
    caplog.set_level(logging.DEBUG)
    run = host.start_run(
        "probe", Query("domain", "probe.test"), ws=ws, case_id=case.id, confirmed=True
    )
    events = list(run.events())
    summary = events[-1].summary if isinstance(events[-1], RunFinished) else None
    assert summary is not None and summary.status == "error"
    assert "[secret api_key removed]" in summary.error
    # the secret did reach the server (the plugin works) ...
    (request, _), *_ = server.log
    assert request.args["key"] == CANARY
    # ... and is nowhere on our side
    messages = [e.message for e in events if isinstance(e, RunLog | RunProgress)]
    assert any("[secret api_key removed]" in m for m in messages)
    assert not [m for m in messages if CANARY in m]
    ours = [r for r in caplog.records if not r.name.startswith("werkzeug")]  # server-side log
    assert not [r.getMessage() for r in ours if CANARY in r.getMessage()]
    assert CANARY not in _all_rows(ws.db_path)
    for path in ws.root.rglob("*"):  # database, WAL, evidence blobs, caches
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path
    with ws.read() as conn:
        audit_text = "\n".join(
            str(row) for row in conn.exec_driver_sql("SELECT * FROM audit_events")
        )
    assert "[secret api_key removed]" in audit_text and CANARY not in audit_text
    export = write_case_json(ws, case.id, tmp_path / "export.json").read_text(encoding="utf-8")
    assert "owner@probe.test" in export and CANARY not in export
    assert CANARY not in settings.path.read_text(encoding="utf-8")
    evidence = ws.evidence.list(case.id)
    assert evidence and all(CANARY.encode() not in ws.evidence.read(e.id) for e in evidence)
