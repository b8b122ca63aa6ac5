"""Fixtures for the plugin host: isolated config/cache/plugin folders, a threaded loopback
server, a workspace with a case, and a helper that writes a plugin folder."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from workbench.model import Case
from workbench.sources.discovery import PluginInfo
from workbench.sources.ratelimit import HostRateLimiter
from workbench.store.workspace import Workspace

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT / "../shared/data"
BUILTIN_PLUGINS = REPO_ROOT / "plugins"

PROBE_MANIFEST = """
id = "{plugin_id}"
name = "Probe"
version = "0.1.0"
api_version = 1
description = "Test plugin."
entry = "source:Probe"
kind = "active"
inputs = ["domain", "note", "account"]
outputs = ["note", "email", "url", "domain"]
egress = ["probe.test", "*.probe.test"]
{extra}
"""


@pytest.fixture(autouse=True)
def _source_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("WORKBENCH_PLUGIN_DIR", str(tmp_path / "user-plugins"))
    monkeypatch.delenv("WORKBENCH_CREDENTIALS_PASSWORD", raising=False)


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A threaded loopback HTTP server (pytest-httpserver) for one test."""
    httpd = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    httpd.start()
    yield httpd
    httpd.clear()
    if httpd.is_running():
        httpd.stop()


@pytest.fixture
def case(ws: Workspace) -> Case:
    return ws.cases.create("Source run test case")


@pytest.fixture
def limiter() -> HostRateLimiter:
    return HostRateLimiter()


def write_plugin(
    folder: Path,
    code: str,
    *,
    plugin_id: str = "probe",
    extra: str = "",
    manifest: str | None = None,
) -> Path:
    """A plugin folder with plugin.toml (the probe manifest unless given) and source.py."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (
        manifest
        if manifest is not None
        else PROBE_MANIFEST.format(plugin_id=plugin_id, extra=extra)
    )
    (folder / "plugin.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    (folder / "source.py").write_text(textwrap.dedent(code), encoding="utf-8")
    return folder


def loaded(folder: Path) -> PluginInfo:
    from workbench.sdk.testing import load_plugin

    return load_plugin(folder)


PROBE_CODE = '''
import time

from workbench.sdk import EntityResult, EvidenceResult, LinkResult, NoteResult, Source


class Probe(Source):
    """Does whatever its `mode` setting says; used to test the host's policies."""

    def run(self, query, ctx):
        mode, url, count = ctx.settings["mode"], ctx.settings["url"], ctx.settings["count"]
        if mode == "requests":
            for index in range(count):
                response = ctx.http.get(url)
                yield NoteResult(f"{index} {response.status} {response.text[:40]}")
        elif mode == "entities":
            for index in range(count):
                found = EntityResult("email", f"user{index}@probe.test", link="mentions")
                yield found
                yield LinkResult(found, EntityResult("domain", "probe.test"), "related_to")
        elif mode == "hang":
            while True:
                time.sleep(0.05)  # ignores ctx.cancelled on purpose
        elif mode == "raise":
            yield EntityResult("email", "before@probe.test")
            raise KeyError("boom")
        elif mode == "garbage":
            yield EntityResult("email", "first@probe.test")
            yield 42
        elif mode == "flood":
            index = 0
            while True:
                index += 1
                yield EntityResult("email", f"flood{index}@probe.test")
        elif mode == "invalid":
            yield EntityResult("email", "not an e-mail")
            yield EntityResult("email", "fine@probe.test")
        elif mode == "secret":
            key = ctx.secret("api_key")
            auth = {"Authorization": "Bearer " + key}
            response = ctx.http.get(url, params={"key": key}, headers=auth)
            body = response.text
            ctx.log.info("server said %s", body)
            ctx.progress(1, 2, "got " + body)
            yield EntityResult("email", "owner@probe.test", properties={"raw": body}, link="uses")
            yield NoteResult("the key " + key + " worked")
            yield EvidenceResult(response.content + key.encode(), filename="resp-" + key + ".json",
                                 description="answer for " + key, source_url=url + "?key=" + key)
            raise RuntimeError("failing on purpose with " + key)
'''

PROBE_SETTINGS = """
concurrency = 4
credentials = {credentials}
rate_limit = {{ requests = {rate}, per_seconds = 1.0 }}
timeout = {{ run = {run_timeout}, request = {request_timeout} }}
retries = {{ max = {retries}, backoff = 0.05 }}
cache_ttl = {cache_ttl}
max_results = {max_results}
max_response_bytes = {max_bytes}

[settings.mode]
type = "string"
default = "requests"

[settings.url]
type = "string"
default = "http://probe.test/hello"

[settings.count]
type = "integer"
default = 1
"""


def probe_plugin(
    root: Path,
    *,
    plugin_id: str = "probe",
    rate: int = 1000,
    run_timeout: float = 20,
    request_timeout: float = 5,
    retries: int = 0,
    cache_ttl: int = 0,
    max_results: int = 1000,
    max_bytes: int = 1_048_576,
    credentials: str = "[]",
) -> PluginInfo:
    extra = PROBE_SETTINGS.format(
        rate=rate,
        run_timeout=run_timeout,
        request_timeout=request_timeout,
        retries=retries,
        cache_ttl=cache_ttl,
        max_results=max_results,
        max_bytes=max_bytes,
        credentials=credentials,
    )
    return loaded(write_plugin(root / plugin_id, PROBE_CODE, plugin_id=plugin_id, extra=extra))
