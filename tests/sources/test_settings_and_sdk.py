"""The settings file, the pre-flight description, and the SDK facade plugins are held to."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import workbench.sdk as sdk
from workbench.sdk.testing import make_host
from workbench.sources.errors import SettingsError
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
