"""Discovery: built-in folder, user folder, entry points; private import; broken plugins
isolated."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from workbench.sources.discovery import PRIVATE_ROOT, PluginRegistry, check_plugin_folder
from workbench.sources.errors import PluginUnavailableError
from workbench.sources.host import SourceHost
from workbench.sources.settings import SettingsStore

from .conftest import BUILTIN_PLUGINS, write_plugin

GOOD_CODE = """
from workbench.sdk import NoteResult, Source

class Probe(Source):
    def run(self, query, ctx):
        yield NoteResult("hello " + query.value)
"""


BUILTIN_IDS = [
    "dns-records",
    "exif",
    "geocode",
    "phone",
    "rdap",
    "text-extract",
    "username-sweep",
    "wayback",
    "web-page",
]


def test_builtins_load_from_their_folder_without_entry_points(tmp_path: Path) -> None:
    registry = PluginRegistry(
        builtin_dir=BUILTIN_PLUGINS, user_dir=tmp_path / "none", use_entry_points=False
    )
    infos = registry.all()
    assert sorted(i.id for i in infos if i.ok) == BUILTIN_IDS
    assert not registry.broken(), [
        b.error for b in registry.broken()
    ]  # a broken built-in fails here
    for info in infos:
        assert info.origin == "built-in"
        assert info.source_class is not None
        assert info.source_class.__module__.startswith(f"{PRIVATE_ROOT}.")


def test_folder_plugins_are_imported_privately_without_touching_sys_path(tmp_path: Path) -> None:
    before = list(sys.path)
    user = tmp_path / "user-plugins"
    write_plugin(user / "probe", GOOD_CODE)
    registry = PluginRegistry(builtin_dir=BUILTIN_PLUGINS, user_dir=user, use_entry_points=False)
    info = registry.get("probe")
    assert info.ok and info.origin == "user"
    assert info.source_class is not None
    assert info.source_class.__module__ == f"{PRIVATE_ROOT}.probe.source"
    assert "source" not in sys.modules or sys.modules["source"].__file__ != str(
        user / "probe" / "source.py"
    )
    assert sys.path == before


def test_user_folder_comes_from_environment(tmp_path: Path) -> None:
    write_plugin(tmp_path / "user-plugins" / "probe", GOOD_CODE)  # WORKBENCH_PLUGIN_DIR (conftest)
    assert PluginRegistry(use_entry_points=False).get("probe").origin == "user"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("def broken(:\n", "SyntaxError"),
        (
            "raise RuntimeError('import-time failure')\n",
            "RuntimeError: import-time failure (source.py:1)",
        ),
        ("x = 1\n", "has no such name"),
        ("class Probe:\n    pass\n", "is not a subclass of workbench.sdk.Source"),
    ],
)
def test_broken_plugin_is_listed_with_its_error_and_others_still_load(
    tmp_path: Path, code: str, expected: str
) -> None:
    user = tmp_path / "plugins"
    write_plugin(user / "broken", code, plugin_id="broken")
    write_plugin(user / "working", GOOD_CODE, plugin_id="working")
    registry = PluginRegistry(builtin_dir=BUILTIN_PLUGINS, user_dir=user, use_entry_points=False)
    assert registry.get("working").ok
    (broken,) = registry.broken()
    assert broken.id == "broken" and expected in broken.error
    with pytest.raises(PluginUnavailableError, match="broken"):
        registry.get("broken")
    statuses = {s.info.id: s.status for s in SourceHost(registry=registry).plugins()}
    assert statuses["broken"] == "broken" and statuses["working"] == "enabled"


def test_invalid_manifest_is_reported_before_import(tmp_path: Path) -> None:
    folder = write_plugin(
        tmp_path / "bad",
        "raise SystemExit('must never be imported')\n",
        manifest='id = "bad"\nname = 3\n',
    )
    info = check_plugin_folder(folder)
    assert not info.ok
    assert "field 'name'" in info.error and "field 'version': is missing" in info.error


def test_duplicate_id_keeps_the_builtin(tmp_path: Path) -> None:
    write_plugin(tmp_path / "user" / "copy", GOOD_CODE, plugin_id="text-extract")
    registry = PluginRegistry(
        builtin_dir=BUILTIN_PLUGINS, user_dir=tmp_path / "user", use_entry_points=False
    )
    assert registry.get("text-extract").origin == "built-in"
    assert "already has the id" in registry.broken()[0].error


def test_entry_point_plugins_are_discovered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    write_plugin(site / "ep_probe_pkg", GOOD_CODE, plugin_id="ep-probe")
    (site / "ep_probe_pkg" / "__init__.py").write_text("")
    dist = site / "ep_probe-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ep-probe\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[workbench.sources]\nep-probe = ep_probe_pkg\n")
    monkeypatch.syspath_prepend(str(site))  # a pip-installed distribution, as pip would place it
    registry = PluginRegistry(builtin_dir=tmp_path / "none", user_dir=tmp_path / "none")
    info = registry.get("ep-probe")
    assert info.ok and info.origin == "entry point"


def test_enable_disable_is_remembered(tmp_path: Path) -> None:
    registry = PluginRegistry(
        builtin_dir=BUILTIN_PLUGINS, user_dir=tmp_path / "none", use_entry_points=False
    )
    host = SourceHost(registry=registry, settings=SettingsStore())
    host.set_enabled("web-page", False)
    again = SourceHost(registry=registry, settings=SettingsStore())  # re-read from disk
    assert not again.settings.is_enabled("web-page")
    assert "web-page" not in [i.id for i in again.sources_for("url")]
    assert [i.id for i in again.sources_for("note")] == ["text-extract"]
