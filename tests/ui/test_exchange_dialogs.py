"""File > Import / Export: the exchange dialogs run off the GUI thread, report progress and
honour Cancel; the window's menus carry their entries."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from tests.conftest import SHARED_DATA
from ui.exchange.archive_dialogs import ArchiveCreateDialog, ArchiveOpenDialog
from ui.exchange.export_dialog import ExportDialog
from ui.exchange.import_dialog import ImportDialog
from workbench.exchange.archive import is_encrypted
from workbench.store.workspace import Workspace

MISERABLES = SHARED_DATA / "graphs" / "miserables.graphml"


def _wait_done(qtbot, dialog) -> str:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not dialog.job.running, timeout=60000)
    return str(dialog.status.text())


def test_menus_offer_import_and_export(window) -> None:  # type: ignore[no-untyped-def]
    exports = window.acts.exchange_exports
    imports = window.acts.exchange_imports
    assert exports[0].text().startswith("&STIX")
    assert [a.text() for a in imports] == [
        "&GraphML…", "G&EXF…", "&CSV entities and links…", "&STIX 2.1 bundle…", "Case &archive…",
    ]  # fmt: skip
    assert not any(a.isEnabled() for a in exports)  # no case open
    assert imports[-1].isEnabled()  # opening an archive needs no case
    window.open_sample_case()
    assert all(a.isEnabled() for a in exports + imports)
    export_menu = window.menuBar().findChild(
        type(window.menuBar().actions()[0].menu()), "exportMenu"
    )
    assert export_menu is not None and len(export_menu.actions()) == 5


def test_export_graphml_and_cancel(window, ws: Workspace, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window.open_sample_case()
    dialog = ExportDialog(ws, window.session.case_id, "graphml", window)
    qtbot.addWidget(dialog)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "case.graphml"
    dialog.target.edit.setText(str(target))
    dialog.start()
    assert not dialog.progress.isHidden() and dialog.cancel_button.text() == "Cancel"
    assert "✓ Wrote" in _wait_done(qtbot, dialog)
    assert nx.read_graphml(target).number_of_nodes() == 32
    cancelled = out / "cancelled.graphml"
    dialog.target.edit.setText(str(cancelled))
    dialog.start()
    dialog.cancel_button.click()
    assert "Cancelled" in _wait_done(qtbot, dialog)
    assert sorted(p.name for p in out.iterdir()) == ["case.graphml"]


def test_import_check_then_import(window, ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.create("Graph import")
    window.open_case(case.id)
    dialog = ImportDialog(ws, case.id, "graphml", window)
    qtbot.addWidget(dialog)
    dialog.source.edit.setText(str(MISERABLES))
    dialog.default_type.setCurrentIndex(dialog.default_type.findData("person"))
    dialog.check_button.click()
    assert "Would import 77 entities (77 person) and 254 links" in _wait_done(qtbot, dialog)
    assert ws.graph.count_entities(case.id) == 0
    dialog.start(dry_run=False)
    dialog.cancel_button.click()  # cancelled before the first batch is written
    assert "Cancelled" in _wait_done(qtbot, dialog)
    assert ws.graph.count_entities(case.id) == 0
    with qtbot.waitSignal(dialog.imported, timeout=60000):
        dialog.import_button.click()
    assert ws.graph.count_entities(case.id) == 77 and ws.graph.count_links(case.id) == 254


def test_import_error_is_shown_in_the_dialog(ws: Workspace, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.create("Bad import")
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml><graph><node id='a'/>")
    dialog = ImportDialog(ws, case.id, "graphml")
    qtbot.addWidget(dialog)
    dialog.source.edit.setText(str(bad))
    dialog.import_button.click()
    assert "not well-formed" in _wait_done(qtbot, dialog)
    assert dialog.import_button.isEnabled() and dialog.cancel_button.text() == "Close"


def test_archive_create_and_open(window, ws: Workspace, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window.open_sample_case()
    dialog = ArchiveCreateDialog(ws, window.session.case_id, window)
    qtbot.addWidget(dialog)
    target = tmp_path / "case.wbcase"
    dialog.target.edit.setText(str(target))
    dialog.passphrase.setText("correct horse")
    dialog.repeat.setText("correct hose")
    dialog.create_button.click()
    assert "differ" in dialog.status.text() and not target.exists()
    dialog.repeat.setText("correct horse")
    dialog.create_button.click()
    assert "✓" in _wait_done(qtbot, dialog)
    assert is_encrypted(target) and dialog.passphrase.text() == ""

    other = Workspace.open(tmp_path / "other", actor="tester")
    try:
        opener = ArchiveOpenDialog(other)
        qtbot.addWidget(opener)
        opener.source.edit.setText(str(target))
        assert opener.passphrase.isEnabled()
        opener.passphrase.setText("wrong")
        opener.open_button.click()
        assert "Wrong passphrase" in _wait_done(qtbot, opener)
        opener.passphrase.setText("correct horse")
        with qtbot.waitSignal(opener.opened, timeout=60000):
            opener.open_button.click()
        assert opener.result is not None
        assert other.graph.count_entities(opener.result.case_id) == 32
    finally:
        other.close()
