"""The Report dialog: preview before saving (built off the GUI thread), the chosen profile
applied to the preview and the saved file, and the Report menu and toolbar button."""

from __future__ import annotations

import json
from pathlib import Path

from core.test_report_case import WITHHELD_VALUES, decided_case
from PySide6.QtWidgets import QMenu, QToolBar

from ui.main_window import MainWindow
from ui.report.dialog import ReportDialog
from workbench.report import set_pdf_renderer
from workbench.store.workspace import Workspace


def _choose(combo, value: str) -> None:  # type: ignore[no-untyped-def]
    combo.setCurrentIndex(combo.findData(value))


def test_preview_then_save_with_the_chosen_profile(qtbot, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = decided_case(ws, tmp_path)
    dialog = ReportDialog(ws, case.id, case.reference)
    qtbot.addWidget(dialog)
    dialog.show()
    _choose(dialog.profile, "le")
    _choose(dialog.format, "json")
    dialog.sections["audit"].setChecked(False)
    dialog.preview()
    assert dialog.busy and not dialog.preview_button.isEnabled()  # work runs in the background
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30000)
    shown = dialog.browser.toPlainText()
    assert case.reference in shown and "nightowl_rin" in shown
    assert not any(value in shown for value in WITHHELD_VALUES)
    assert "Manifest SHA-256" in dialog.manifest.text()
    target = tmp_path / "report.json"
    dialog.save_to(target)
    qtbot.waitUntil(lambda: dialog.saved_path is not None or "Not saved" in dialog.status.text())
    assert dialog.saved_path == target, dialog.status.text()
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["cover"]["profile"] == "le" and "audit" not in data
    assert data["manifest"]["sha256"][:16] in dialog.status.text()


def test_pdf_save_registers_the_qt_writer(qtbot, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    set_pdf_renderer(None)
    case = ws.cases.create("Empty case for a PDF")
    dialog = ReportDialog(ws, case.id, case.reference)
    qtbot.addWidget(dialog)
    target = tmp_path / "r.pdf"
    dialog.save_to(target)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30000)
    assert dialog.saved_path == target, dialog.status.text()
    assert target.read_bytes().startswith(b"%PDF")
    set_pdf_renderer(None)


def test_report_menu_and_toolbar(window: MainWindow) -> None:
    window.open_sample_case()
    menu = window.menuBar().findChild(QMenu, "reportMenu")
    assert menu is not None and window.acts.report in menu.actions()
    toolbar = window.findChild(QToolBar)
    assert toolbar is not None and window.acts.report in toolbar.actions()
    assert window.acts.report.isEnabled()
