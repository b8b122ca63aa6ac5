"""The plugin manager (broken plugins, enable/disable, settings) and the source settings
dialog (network, credentials in a real encrypted keyring file with a master password)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QPushButton, QSpinBox
from ui_helpers import ModalDriver

from ui.main_window import MainWindow
from ui.session import ENTITY
from ui.sources.credentials import MasterPasswordDialog
from ui.sources.plugin_manager import NAME, STATUS, PluginManagerDialog
from ui.sources.settings_dialog import CREDENTIALS, SourceSettingsDialog
from workbench.sources.credentials import system_backend
from workbench.sources.settings import SettingsStore
from workbench.store.workspace import Workspace

BAD_MANIFEST = """
id = "Bad Plugin"
name = "Bad plugin"
version = "one"
api_version = 1
entry = "source:Bad"
kind = "passive"
inputs = "domain"
"""
KEYED_MANIFEST = """
id = "keyed-lookup"
name = "Keyed lookup"
version = "1.2.0"
api_version = 1
description = "Looks a domain up in a keyed API."
entry = "source:Keyed"
kind = "passive"
inputs = ["domain"]
outputs = ["ip"]
egress = ["api.keyed.example"]

[credentials.api_key]
description = "API key from the keyed.example account page"
required = true
"""
KEYED_CODE = """
from workbench.sdk import EntityResult, Source


class Keyed(Source):
    def run(self, query, ctx):
        ctx.secret("api_key")
        yield EntityResult("ip", "192.0.2.1", link="resolves_to")
"""


@pytest.fixture(autouse=True)
def _sources_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("WORKBENCH_PLUGIN_DIR", str(tmp_path / "user-plugins"))


def user_plugin(tmp_path: Path, folder: str, manifest: str, code: str = "") -> Path:
    path = tmp_path / "user-plugins" / folder
    path.mkdir(parents=True)
    (path / "plugin.toml").write_text(textwrap.dedent(manifest), encoding="utf-8")
    (path / "source.py").write_text(textwrap.dedent(code), encoding="utf-8")
    return path


def row_of(dialog: PluginManagerDialog, plugin_id: str) -> int:
    return next(r for r, s in enumerate(dialog.model.rows) if s.info.id == plugin_id)


def test_plugin_manager_lists_a_broken_plugin_with_its_error(
    window: MainWindow, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    user_plugin(tmp_path, "bad_plugin", BAD_MANIFEST)
    dialog = PluginManagerDialog(window.sources, window)
    qtbot.addWidget(dialog)
    dialog.show()
    model = dialog.model
    ids = [s.info.id for s in model.rows]
    assert {"text-extract", "username-sweep", "web-page", "bad_plugin"} <= set(ids)

    row = row_of(dialog, "bad_plugin")
    status_text = model.data(model.index(row, STATUS))
    assert status_text.startswith("Broken: ")
    error = model.rows[row].info.error
    for field in ("'id'", "'version'", "'description'", "'inputs'"):
        assert field in error
    assert "plugin.toml" in error and "Fix:" in error
    assert not (model.flags(model.index(row, NAME)) & Qt.ItemFlag.ItemIsUserCheckable)
    dialog.select_plugin("bad_plugin")
    assert "Why it does not load" in dialog.details.toHtml()
    assert "field" in dialog.details.toPlainText()
    assert not dialog.toggle_button.isEnabled()

    web = row_of(dialog, "web-page")
    assert model.data(model.index(web, 3)) == "url, domain → document, url, email, phone, account"
    assert model.data(model.index(web, 4)) == "hosts that depend on the input"
    text = row_of(dialog, "text-extract")
    assert model.data(model.index(text, 4)) == "nothing (runs on this machine)"
    # the others still work: the broken one crashed nothing
    assert [i.id for i in window.sources.host.sources_for("note")] == ["text-extract"]


def test_disabling_a_source_is_remembered_and_hides_it_from_run_source(
    window: MainWindow, ws: Workspace, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.create("Plugin manager")
    note = ws.graph.add_entity(case.id, "note", "mail bob@example.org")
    window.open_case(case.id)
    window.session.selection.select(ENTITY, note.id)
    dialog = PluginManagerDialog(window.sources, window)
    qtbot.addWidget(dialog)
    row = row_of(dialog, "text-extract")
    index = dialog.model.index(row, NAME)
    assert dialog.model.setData(index, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert dialog.model.data(dialog.model.index(row, STATUS)) == "Disabled"
    assert SettingsStore(tmp_path / "config" / "settings.json").is_enabled("text-extract") is False
    names = [a.objectName() for a in window.sources.run_menu().actions()]
    assert "runSource_text-extract" not in names
    assert any(
        "No enabled source takes a note" in a.text() for a in window.sources.run_menu().actions()
    )

    dialog.select_plugin("text-extract")
    assert dialog.toggle_button.text() == "Enable"
    dialog.toggle_button.click()
    assert SettingsStore(tmp_path / "config" / "settings.json").is_enabled("text-extract")
    assert "runSource_text-extract" in [a.objectName() for a in window.sources.run_menu().actions()]


def test_plugin_settings_are_edited_typed_and_saved(
    window: MainWindow, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    dialog = PluginManagerDialog(window.sources, window)
    qtbot.addWidget(dialog)
    dialog.select_plugin("web-page")
    spin = dialog.findChild(QSpinBox, "setting_max_links")
    assert spin.value() == 100 and spin.maximum() == 1000
    spin.setValue(7)
    dialog.findChild(QPushButton, "saveSettings").click()
    manifest = window.sources.host.plugin("web-page").manifest
    stored = SettingsStore(tmp_path / "config" / "settings.json").plugin_settings(manifest)
    assert stored["max_links"] == 7
    dialog.findChild(QPushButton, "resetSettings").click()
    assert dialog.findChild(QSpinBox, "setting_max_links").value() == 100


def test_network_settings_validate_the_proxy_and_save(
    window: MainWindow, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    dialog = SourceSettingsDialog(window.sources, parent=window)
    qtbot.addWidget(dialog)
    page = dialog.network
    page.proxy_mode.setCurrentIndex(2)
    page.proxy_url.setText("ftp://nope")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.result() == 0 and "is not a proxy URL" in page.error.text()

    page.proxy_url.setText("socks5h://127.0.0.1:9050")
    page.user_agent.setText("Analyst-Lab/1.0")
    page.offline.setChecked(True)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    network = SettingsStore(tmp_path / "config" / "settings.json").network
    assert (network.offline, network.proxy, network.user_agent) == (
        True,
        "socks5h://127.0.0.1:9050",
        "Analyst-Lab/1.0",
    )
    assert window.sources.status_button.text() == "Offline mode"
    assert window.acts.offline_mode.isChecked()


@pytest.mark.skipif(system_backend() is not None, reason="this machine has a system keychain")
def test_credentials_go_to_the_encrypted_file_after_a_master_password(
    window: MainWindow, qtbot, tmp_path: Path, modal: ModalDriver
) -> None:  # type: ignore[no-untyped-def]
    user_plugin(tmp_path, "keyed", KEYED_MANIFEST, KEYED_CODE)
    secret = "canary-Zq81-never-shown"
    dialog = SourceSettingsDialog(window.sources, CREDENTIALS, "keyed-lookup", window)
    qtbot.addWidget(dialog)
    page = dialog.credentials
    assert "Encrypted file (no system keychain found)" in page.backend.text()
    assert "locked" in page.backend.text() and page.unlock_button.isVisibleTo(dialog)
    edit = dialog.findChild(QLineEdit, "secret_keyed-lookup_api_key")
    assert not edit.isEnabled()

    def create_password(box) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(box, MasterPasswordDialog) and box.creating
        box.password.setText("correct horse battery")
        assert not box.ok.isEnabled()  # not repeated yet
        box.confirm.setText("correct horse battery")
        box.ok.click()

    modal.next(create_password)
    page.unlock_button.click()
    assert modal.handled == ["MasterPasswordDialog"]
    assert not page.unlock_button.isVisibleTo(dialog)
    assert edit.isEnabled() and edit.echoMode() == QLineEdit.EchoMode.Password
    edit.setText(secret)
    dialog.findChild(QPushButton, "store_keyed-lookup_api_key").click()
    assert edit.text() == "" and "stored" in edit.placeholderText()
    assert "Stored" in page.rows[0].state.text()

    path = tmp_path / "config" / "credentials.cfg"
    assert path.is_file() and secret.encode() not in path.read_bytes()
    assert window.sources.host.credentials.get("keyed-lookup", "api_key") == secret
    settings_file = tmp_path / "config" / "settings.json"
    assert not settings_file.exists() or secret not in settings_file.read_text()

    # reopened: the value is never shown again, only that one is stored
    again = SourceSettingsDialog(window.sources, CREDENTIALS, "keyed-lookup", window)
    qtbot.addWidget(again)
    field = again.findChild(QLineEdit, "secret_keyed-lookup_api_key")
    assert field.text() == "" and "stored" in field.placeholderText()
    assert modal.handled == ["MasterPasswordDialog"]  # unlocked once per session
    again.findChild(QPushButton, "remove_keyed-lookup_api_key").click()
    assert window.sources.host.credentials.get("keyed-lookup", "api_key") is None


@pytest.mark.skipif(system_backend() is not None, reason="this machine has a system keychain")
def test_a_wrong_master_password_is_asked_again_and_cancel_leaves_it_locked(
    window: MainWindow, qtbot, tmp_path: Path, modal: ModalDriver
) -> None:  # type: ignore[no-untyped-def]
    from workbench.sources.credentials import CredentialStore

    path = tmp_path / "config" / "credentials.cfg"
    CredentialStore.open(prefer="file", file_path=path, master_password=lambda: "right-one-123")
    user_plugin(tmp_path, "keyed", KEYED_MANIFEST, KEYED_CODE)
    dialog = SourceSettingsDialog(window.sources, CREDENTIALS, parent=window)
    qtbot.addWidget(dialog)
    messages: list[str] = []

    def wrong(box) -> None:  # type: ignore[no-untyped-def]
        assert not box.creating
        box.password.setText("wrong-one-456")
        box.ok.click()

    def give_up(box) -> None:  # type: ignore[no-untyped-def]
        messages.append(box.error.text())
        box.reject()

    modal.next(wrong)
    modal.next(give_up)
    page = dialog.credentials
    page.unlock_button.click()
    assert "does not open" in messages[0]
    assert "stays locked" in page.error.text() and page.unlock_button.isVisibleTo(dialog)


def test_a_run_needing_a_missing_credential_is_refused_with_the_fix(
    window: MainWindow, ws: Workspace, qtbot, tmp_path: Path, modal: ModalDriver
) -> None:  # type: ignore[no-untyped-def]
    from workbench.sdk.testing import MemoryKeyring
    from workbench.sources.credentials import CredentialStore

    user_plugin(tmp_path, "keyed", KEYED_MANIFEST, KEYED_CODE)
    window.sources.access.store = CredentialStore(MemoryKeyring(), "memory", "test")
    case = ws.cases.create("Credentials")
    domain = ws.graph.add_entity(case.id, "domain", "keyed.example")
    window.open_case(case.id)
    modal.next(lambda dialog: dialog.send_button.click())
    (record,) = window.sources.run_source("keyed-lookup", [domain])
    assert record.status == "refused"
    assert "needs the credential 'api_key'" in record.error
    assert window.sources.panel.model.data(window.sources.panel.model.index(0, 5)).startswith(
        "Keyed lookup needs the credential"
    )
