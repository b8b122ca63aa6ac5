"""The settings file, the pre-flight description, and the SDK facade plugins are held to."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

import workbench.sdk as sdk
from plugins.rdap import bootstrap as rdap_bootstrap
from workbench.sdk.testing import loopback_router, make_host
from workbench.sources import cache as response_cache
from workbench.sources.errors import SettingsError
from workbench.sources.http import HttpPolicy, PolicySession
from workbench.sources.ratelimit import HostRateLimiter
from workbench.sources.results import Query
from workbench.sources.settings import SETTINGS_VERSION, SettingsStore

from .conftest import BUILTIN_PLUGINS, REPO_ROOT, loaded


def test_settings_file_is_typed_versioned_and_in_the_config_dir(tmp_path: Path) -> None:
    store = SettingsStore()
    assert store.path == tmp_path / "config" / "settings.json"  # WORKBENCH_CONFIG_DIR
    manifest = loaded(BUILTIN_PLUGINS / "web_page").manifest
    assert manifest is not None
    store.set_plugin_setting(manifest, "max_links", 7)
    store.set_network(offline=True, proxy="http://proxy.example:3128", user_agent="UA/1")
    store.set_skip_confirmation("case-1", "web-page")
    data = json.loads(store.path.read_text())
    assert data["version"] == SETTINGS_VERSION
    again = SettingsStore()
    assert again.plugin_settings(manifest) == {"max_links": 7, "default_region": ""}
    assert again.network.offline and again.network.proxy == "http://proxy.example:3128"
    assert again.skips_confirmation("case-1", "web-page")
    assert not again.skips_confirmation("case-2", "web-page")
    with pytest.raises(SettingsError, match="must be at most 1000"):
        store.set_plugin_setting(manifest, "max_links", 5000)
    with pytest.raises(SettingsError, match="has no setting 'depth'"):
        store.set_plugin_setting(manifest, "depth", 1)


def test_settings_errors_name_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "config" / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": 1, "network": {"offline": "yes"}}))
    with pytest.raises(
        SettingsError, match=r"settings.json: field 'network.offline' must be a bool"
    ):
        SettingsStore()


def test_a_newer_settings_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "config" / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps({"version": SETTINGS_VERSION + 1, "plugins": {"x": {"enabled": False}}})
    )
    store = SettingsStore()
    assert not store.is_enabled("x")
    with pytest.raises(SettingsError, match="newer OSINT Workbench"):
        store.set_enabled("x", True)


def test_preflight_lists_values_and_hosts(tmp_path: Path) -> None:
    host = make_host(
        [loaded(BUILTIN_PLUGINS / name) for name in ("web_page", "text_extract")], tmp_path=tmp_path
    )
    queries = [Query("url", "https://a.example/x"), Query("domain", "b.example")]
    preflight = host.preflight("web-page", queries, "case-9")
    assert [item.hosts for item in preflight.items] == [
        ("a.example", "www.a.example"),
        ("b.example", "www.b.example"),
    ]
    assert preflight.needs_confirmation and preflight.kind == "active"
    text = preflight.describe()
    assert "url 'https://a.example/x' will be sent to: a.example, www.a.example" in text
    local = host.preflight("text-extract", [Query("note", "hello")])
    assert not local.needs_confirmation and "nothing is sent" in local.describe()


def test_sdk_is_a_documented_facade() -> None:
    for name in sdk.__all__:
        assert getattr(sdk, name) is not None
    assert sdk.normalise("phone", "+44 20 7946 0958") == "+442079460958"
    assert not sdk.is_valid("email", "nope")
    assert sdk.resource("sites", "wmn-data.json").is_file()


def test_builtin_plugins_import_only_the_sdk_from_workbench() -> None:
    offenders = []
    for path in sorted((REPO_ROOT / "plugins").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.startswith("workbench") and n != "workbench.sdk"
            ]
    assert not offenders


def test_atomic_write_replaces_a_file_in_one_step(tmp_path: Path) -> None:
    target = tmp_path / "list.json"
    sdk.atomic_write(target, b"old")
    sdk.atomic_write(str(target), b'{"new": true}')
    assert target.read_bytes() == b'{"new": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["list.json"]  # no temporary file left
    assert response_cache.atomic_write is sdk.atomic_write  # one implementation for all


def test_atomic_write_refuses_bad_input_with_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "list.json"
    target.write_bytes(b"old")
    with pytest.raises(TypeError, match=r"needs bytes to write to list\.json, not str.*encode"):
        sdk.atomic_write(target, "text")  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match=r"the folder .*missing does not exist"):
        sdk.atomic_write(tmp_path / "missing" / "list.json", b"data")
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        sdk.atomic_write(tmp_path, b"data")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["list.json"]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_atomic_write_keeps_the_old_file_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "list.json"
    target.write_bytes(b"old")

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, disk_full)
    with pytest.raises(OSError, match="No space left"):
        sdk.atomic_write(target, b"new" * 1000)
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["list.json"]


def test_a_failed_bootstrap_write_keeps_the_previous_download(
    server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for kind in rdap_bootstrap.KINDS:
        body = (rdap_bootstrap.bundled_folder() / f"{kind}.json").read_bytes()
        server.expect_request(f"/rdap/{kind}.json").respond_with_data(body)
    http = PolicySession(
        HttpPolicy("rdap", ("data.iana.org",)),
        limiter=HostRateLimiter(),
        router=loopback_router(server.url_for("/")),
    )
    folder = tmp_path / "bootstrap"
    first = rdap_bootstrap.refresh(http, folder=folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert set(before) == {"dns.json", "ipv4.json", "ipv6.json", "meta.json"}

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        rdap_bootstrap.refresh(http, folder=folder)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # no temp file either
    assert json.loads(before["meta.json"])["fetched_at"] == first.fetched_at
