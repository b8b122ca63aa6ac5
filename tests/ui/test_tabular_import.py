"""File > Import > Back-end export: the dialog guesses a mapping from the columns, saves it,
imports in the background with progress, lists rejected rows, cancels without writing."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from ui.dialogs.tabular_import import TabularImportDialog
from ui.main_window import MainWindow
from workbench.store.workspace import Workspace
from workbench.tabular.store import MappingStore

HEADER = "account,ip,login_time,user_agent,country\n"


def _export(folder: Path, rows: int) -> Path:
    lines = [
        f"user{i % 40},10.{i % 7}.{i % 11}.{i % 13 + 1},2024-03-01T10:{i % 60:02d}:00Z,Firefox,JP"
        for i in range(rows)
    ]
    lines[1] = "bob,not-an-ip,2024-03-01T10:00:00Z,curl,US"
    path = folder / "logins.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_guess_save_import_and_rejected_rows(qtbot, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.create("Dialog import")
    dialog = TabularImportDialog(ws, case.id, case.title)
    qtbot.addWidget(dialog)
    dialog.open_file(_export(tmp_path, 200))
    assert "comma-separated, utf-8" in dialog.detected_label.text()
    assert dialog.preview.columnCount() == 5 and dialog.preview.rowCount() == 50
    entities = dialog.editor.entities()
    assert [(e.type, e.value, dict(e.properties)) for e in entities] == [
        ("account", "account", {}),
        ("ip", "ip", {"country": "country"}),
    ]
    (link,) = dialog.editor.links()
    assert (link.source, link.target, link.type, link.timestamp) == (
        "account",
        "ip",
        "logged_in_from",
        "login_time",
    )
    dialog.name_edit.setText("dialog-logins")
    dialog.save_mapping()
    assert [s.mapping.name for s in MappingStore(ws).list()] == ["dialog-logins"]
    imported = []
    dialog.imported.connect(imported.append)
    dialog.start(dry_run=False)
    qtbot.waitUntil(lambda: not dialog.running, timeout=20000)
    assert imported and imported[0].rows_imported == 199
    assert "Imported 199 of 200 rows" in dialog.status.text()
    assert dialog.rejected.isVisible() or not dialog.isVisible()
    assert dialog.rejected.rowCount() == 1 and dialog.rejected.item(0, 0).text() == "3"
    assert "not-an-ip" in dialog.rejected.item(0, 1).text()
    assert {e.type for e in ws.graph.list_entities(case.id)} == {"account", "ip"}


def test_saved_mapping_loads_into_the_editor(qtbot, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.create("Saved mapping")
    first = TabularImportDialog(ws, case.id, case.title)
    qtbot.addWidget(first)
    first.open_file(_export(tmp_path, 20))
    first.name_edit.setText("ops")
    first.editor.entity_table.cellWidget(1, 4).setText("")  # type: ignore[union-attr]
    first.save_mapping()
    second = TabularImportDialog(ws, case.id, case.title)
    qtbot.addWidget(second)
    second.open_file(_export(tmp_path, 20))
    second.editor.load((), ())
    second.saved.setCurrentText("ops")
    second.load_saved()
    assert second.name_edit.text() == "ops"
    assert second.editor.entities()[1].properties == {}


def test_cancel_writes_nothing(qtbot, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.create("Cancelled import")
    dialog = TabularImportDialog(ws, case.id, case.title)
    qtbot.addWidget(dialog)
    dialog.open_file(_export(tmp_path, 30000))
    dialog.cancel_flag.set()  # as if Cancel was pressed at once: the first check stops it
    dialog.start(dry_run=False)
    dialog.cancel_flag.set()
    qtbot.waitUntil(lambda: not dialog.running, timeout=20000)
    assert "cancelled" in dialog.status.text() and "not changed" in dialog.status.text()
    assert ws.graph.list_entities(case.id) == []


def test_bad_file_is_reported_in_the_dialog(qtbot, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.create("Bad file")
    path = tmp_path / "sjis.csv"
    path.write_bytes("アカウント,ip\n山田,10.0.0.1\n".encode("cp932"))
    dialog = TabularImportDialog(ws, case.id, case.title)
    qtbot.addWidget(dialog)
    dialog.open_file(path)
    assert "not UTF-8" in dialog.detected_label.text()
    dialog.encoding.setEditText("cp932")
    dialog.reload()
    assert "cp932 (declared)" in dialog.detected_label.text()
    assert dialog.preview.horizontalHeaderItem(0).text() == "アカウント"


def test_menu_entry_needs_an_open_case(window: MainWindow, ws: Workspace) -> None:
    action = window.acts.import_backend
    assert not action.isEnabled()
    menu = window.menuBar().findChild(QWidget, "importMenu")
    assert menu is not None and action in menu.actions()
    case = ws.cases.create("Menu")
    window.open_case(case.id)
    assert action.isEnabled()
