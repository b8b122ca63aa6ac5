"""Test kit for plugin authors: run a source against a loopback HTTP server, assert results.

    from workbench.sdk.testing import run_source

    def test_lookup(httpserver, tmp_path):           # pytest-httpserver's fixture
        httpserver.expect_request("/lookup/alice").respond_with_json({"emails": ["a@x.org"]})
        result = run_source("path/to/my-plugin", ("account", "alice"),
                            server_url=httpserver.url_for("/"), tmp_path=tmp_path)
        result.assert_ok()
        assert result.values("email") == {"a@x.org"}

The plugin runs through the real host: manifest validation, private import, the policy
HTTP session (egress list, timeouts, retries, size cap...) and the runner. Only the
destination changes: every request to a declared host is sent to `server_url` instead,
with the original `Host` header, so one server can play several sites. Secrets given in
`secrets` live in memory for the test only.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from keyring.backend import KeyringBackend

from workbench.sources.cancel import CancelToken
from workbench.sources.credentials import CredentialStore
from workbench.sources.discovery import PluginInfo, PluginRegistry, check_plugin_folder
from workbench.sources.errors import SourceError
from workbench.sources.host import SourceHost
from workbench.sources.http import Router, host_matches
from workbench.sources.ratelimit import HostRateLimiter
from workbench.sources.results import (
    EntityResult,
    EvidenceResult,
    LinkResult,
    NoteResult,
    Query,
    Result,
)
from workbench.sources.runner import RunEvent, RunFinished, RunSummary
from workbench.sources.settings import SettingsStore

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace


class MemoryKeyring(KeyringBackend):
    """A keyring that forgets everything when the test ends (for plugin tests only)."""

    priority = 0.1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._values.pop((service, username), None)


def loopback_router(server_url: str, hosts: Iterable[str] | None = None) -> Router:
    """Send requests for `hosts` (patterns; default: every host) to `server_url`."""
    patterns = tuple(hosts) if hosts is not None else None

    def route(scheme: str, netloc: str) -> str | None:
        parts = urlsplit(f"//{netloc}")
        host, port = parts.hostname or "", parts.port
        if patterns is None or any(host_matches(host, port, p) for p in patterns):
            return server_url
        return None

    return route


@dataclass
class SourceRunResult:
    """Everything a run produced, with helpers for assertions."""

    summary: RunSummary
    events: list[RunEvent] = field(default_factory=list)

    @property
    def results(self) -> list[Result]:
        return list(self.summary.results)

    def entities(self, entity_type: str | None = None) -> list[EntityResult]:
        found = [r for r in self.results if isinstance(r, EntityResult)]
        return [e for e in found if entity_type is None or e.type == entity_type]

    def values(self, entity_type: str) -> set[str]:
        return {e.value for e in self.entities(entity_type)}

    def links(self) -> list[LinkResult]:
        return [r for r in self.results if isinstance(r, LinkResult)]

    def evidence(self) -> list[EvidenceResult]:
        return [r for r in self.results if isinstance(r, EvidenceResult)]

    def notes(self) -> list[NoteResult]:
        return [r for r in self.results if isinstance(r, NoteResult)]

    def assert_ok(self) -> SourceRunResult:
        assert self.summary.ok, f"run ended {self.summary.status}: {self.summary.error}"
        return self

    def assert_entity(self, entity_type: str, value: str) -> EntityResult:
        for entity in self.entities(entity_type):
            if entity.value == value:
                return entity
        raise AssertionError(
            f"no {entity_type} {value!r} among {sorted(self.values(entity_type))[:20]}"
        )


def load_plugin(plugin: str | Path | PluginInfo) -> PluginInfo:
    """A plugin folder loaded as the host would (raises if its manifest or import fails)."""
    info = plugin if isinstance(plugin, PluginInfo) else check_plugin_folder(Path(plugin))
    if not info.ok:
        raise SourceError(f"plugin {info.key} does not load: {info.error}")
    return info


def make_host(
    plugins: Iterable[PluginInfo],
    *,
    tmp_path: Path,
    server_url: str | None = None,
    route_hosts: Iterable[str] | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    secrets: Mapping[str, Mapping[str, str]] | None = None,
    offline: bool = False,
    proxy: str = "",
    user_agent: str = "",
) -> SourceHost:
    """A SourceHost over exactly `plugins`, with settings and cache in `tmp_path`.

    `settings` and `secrets` map plugin id -> {name: value}.
    """
    plugin_list = list(plugins)
    store = SettingsStore(tmp_path / "settings.json")
    by_id = {p.id: p for p in plugin_list}
    for plugin_id, values in (settings or {}).items():
        manifest = by_id[plugin_id].manifest
        assert manifest is not None
        for name, value in values.items():
            store.set_plugin_setting(manifest, name, value)
    if offline or proxy or user_agent:
        store.set_network(offline=offline, proxy=proxy, user_agent=user_agent)
    credentials = CredentialStore(MemoryKeyring(), "memory", "test")
    for plugin_id, named in (secrets or {}).items():
        for name, value in named.items():
            credentials.set(plugin_id, name, value)
    return SourceHost(
        registry=PluginRegistry.of(plugin_list),
        settings=store,
        credentials=credentials,
        limiter=HostRateLimiter(),
        cache_root=tmp_path / "cache",
        router=loopback_router(server_url, route_hosts) if server_url else None,
    )


def run_source(
    plugin: str | Path | PluginInfo,
    query: Query | tuple[str, str],
    *,
    server_url: str | None = None,
    tmp_path: Path | None = None,
    settings: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str] | None = None,
    ws: Workspace | None = None,
    case_id: str | None = None,
    cancel: CancelToken | None = None,
    bypass_cache: bool = False,
    run_timeout: float | None = None,
    offline: bool = False,
    proxy: str = "",
    user_agent: str = "",
) -> SourceRunResult:
    """Run `plugin` (a folder, or a loaded PluginInfo) for `query`, confirmed, and collect.

    Without `ws`/`case_id` the results are kept in memory (`SourceRunResult.results`);
    with them they are written to the case as in the app.
    """
    info = load_plugin(plugin)
    folder = tmp_path or Path(tempfile.mkdtemp(prefix="workbench-plugin-test-"))
    host = make_host(
        [info],
        tmp_path=folder,
        server_url=server_url,
        settings={info.id: settings} if settings else None,
        secrets={info.id: secrets} if secrets else None,
        offline=offline,
        proxy=proxy,
        user_agent=user_agent,
    )
    if isinstance(query, tuple):
        query = Query(query[0], query[1])
    run = host.start_run(
        info.id,
        query,
        ws=ws,
        case_id=case_id,
        cancel=cancel,
        confirmed=True,
        bypass_cache=bypass_cache,
        run_timeout=run_timeout,
    )
    outcome = SourceRunResult(run.summary)
    for event in run.events():
        outcome.events.append(event)
        if isinstance(event, RunFinished):
            outcome.summary = event.summary
    return outcome


__all__ = [
    "MemoryKeyring",
    "SourceRunResult",
    "load_plugin",
    "loopback_router",
    "make_host",
    "run_source",
]
