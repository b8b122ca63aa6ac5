"""The intake views in the window: the queue dock as the home view, the Escalation and
Verification tabs, File > Import requests…, Case > Claim case, the shift digest, the Ctrl+<n>
tab shortcuts, and several selected rows in the entity table."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QPlainTextEdit, QPushButton
from ui_helpers import ModalDriver

from ui.dialogs.about import ShortcutsDialog
from ui.session import ENTITY
from ui.views.case_view import (
    ENTITIES,
    ESCALATION,
    GRAPH,
    LOG,
    OVERVIEW,
    TAB_TITLES,
    VERIFICATION,
)
from ui.views.escalation import EscalationForm
from ui.views.queue import ASSIGNEE, QueueView
from ui.views.verification import VerificationPanel
from workbench.intake.importer import Importer
from workbench.intake.model import CheckResult
from workbench.store.workspace import Workspace

POLICE = (
    b"From: DS Maria Okafor <m.okafor@harbour-police.example>\r\n"
    b"Subject: EMERGENCY request from the harbour\r\n"
    b"Message-ID: <window@harbour-police.example>\r\n"
    b"Date: Mon, 10 Oct 2022 20:11:32 +0000\r\n"
    b"Authentication-Results: mx.example; spf=pass smtp.mailfrom=m.okafor@harbour-police.example;"
    b" dkim=pass header.d=harbour-police.example; dmarc=pass header.from=harbour-police.example\r\n"
    b"\r\nThe user @nightowl_rin intends to harm herself tonight.\r\n"
)


def _queue_row_text(window, case_id: str, column: int) -> str:  # type: ignore[no-untyped-def]
    model = window.queue_view.model
    return str(model.index(model.row_of(case_id), column).data())


def test_queue_dock_is_the_home_view_and_enter_opens_a_case(window, ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(window.queue_dock.widget(), QueueView)
    assert window.queue_dock.windowTitle() == "Queue"
    assert window.queue_dock.objectName() == "casesDock"  # saved layouts still restore it
    assert window.cases_dock is window.queue_dock
    first = ws.cases.create("First request", priority="P2")
    second = ws.cases.create("Second request", priority="P1")
    window.refresh_queue()
    assert window.queue_view.model.total == 2
    view = window.queue_view
    view.select_case(first.id)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert window.session is not None and window.session.case_id == first.id
    assert window.centre.currentWidget() is window.case_view
    view.select_case(second.id)
    qtbot.keyClick(view.table, Qt.Key.Key_Enter)
    assert window.session.case_id == second.id
    # opening a case from elsewhere selects it in the queue
    window.open_case(first.id)
    assert view.current_case_id() == first.id


def test_ctrl_f_focuses_the_queue_filter(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.queue_dock.hide()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.queue_dock.isVisible()
    qtbot.waitUntil(lambda: window.queue_view.filter_edit.hasFocus(), timeout=3000)


def test_escalation_and_verification_tabs_are_lazy_and_refresh_the_queue(  # type: ignore[no-untyped-def]
    window, ws: Workspace, qtbot
) -> None:
    item = Importer(ws).import_eml_bytes(POLICE, "window.eml")
    case_id = item.case_id or ""
    window.refresh_queue()
    window.open_case(case_id)
    view = window.case_view
    titles = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert titles == [
        "Overview",
        "Escalation",
        "Verification",
        "Entities",
        "Graph",
        "Evidence",
        "Assessment",
        "Decision",
        "Log",
    ]
    assert titles == [title for title, _icon in TAB_TITLES]
    assert view.existing_tab(ESCALATION) is None and view.existing_tab(VERIFICATION) is None

    form = window.show_case_tab(ESCALATION)
    assert isinstance(form, EscalationForm) and view.existing_tab(VERIFICATION) is None
    form.findChild(QLineEdit, "agencyEdit").setText("Harbour Police Marine Unit")
    form.findChild(QPlainTextEdit, "narrativeEdit").setPlainText("A threat to self tonight.")
    with qtbot.waitSignal(view.escalationSaved, timeout=2000):
        assert form.save()
    assert _queue_row_text(window, case_id, 6) == "Harbour Police Marine Unit"  # Agency

    panel = window.show_case_tab(VERIFICATION)
    assert isinstance(panel, VerificationPanel)
    assert _queue_row_text(window, case_id, 9).startswith("◐")  # incomplete: call-back to do
    panel.check_combo.setCurrentIndex(panel.check_combo.findData("callback"))
    panel.result_combo.setCurrentIndex(panel.result_combo.findData(CheckResult.PASS.value))
    panel.note.setPlainText("Called the harbour police switchboard from its website; confirmed.")
    with qtbot.waitSignal(view.verificationChanged, timeout=2000):
        assert panel.record()
    assert _queue_row_text(window, case_id, 9).startswith("✔ Verified")


def test_tab_errors_reach_the_window_error_box(window, ws: Workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ui.dialogs import messages

    shown: list[BaseException] = []
    monkeypatch.setattr(messages, "show_error", lambda _parent, exc, title="": shown.append(exc))
    case = ws.cases.create("Errors")
    window.refresh_queue()
    window.open_case(case.id)
    form = window.show_case_tab(ESCALATION)
    form.errorOccurred.emit(RuntimeError("disk full"))
    window.queue_view.errorOccurred.emit(RuntimeError("queue broke"))
    assert [str(e) for e in shown] == ["disk full", "queue broke"]


def test_ctrl_number_shortcuts_select_their_tabs(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.open_sample_case()
    view = window.case_view
    assert len(window.acts.tabs) == view.tabs.count() == len(TAB_TITLES)
    for index, action in enumerate(window.acts.tabs):
        assert action.shortcut().toString() == f"Ctrl+{index + 1}"
        assert action.text() == f"Show {view.tabs.tabText(index)}"
        action.trigger()
        assert view.tabs.currentIndex() == index
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    for index in (GRAPH, ESCALATION, LOG, VERIFICATION, ENTITIES, OVERVIEW):
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + index), Qt.KeyboardModifier.ControlModifier)
        assert view.tabs.currentIndex() == index, view.tabs.tabText(index)


def test_menus_and_shortcut_list_name_the_new_commands(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = window.menuBar()
    menus = [action.text().replace("&", "") for action in bar.actions()]
    assert menus[:3] == ["File", "Edit", "Case"]
    assert {"Graph", "Sources", "Evidence", "Report", "View", "Help"} <= set(menus)
    case_menu = next(a.menu() for a in bar.actions() if a.text() == "&Case")
    assert window.acts.new_case in case_menu.actions()
    assert window.queue_view.claim_action in case_menu.actions()
    file_menu = next(a.menu() for a in bar.actions() if a.text() == "&File")
    assert window.acts.import_requests in file_menu.actions()
    view_menu = next(a.menu() for a in bar.actions() if a.text() == "&View")
    assert window.queue_dock.toggleViewAction() in view_menu.actions()
    assert window.acts.digest in view_menu.actions()
    toolbar_texts = [a.iconText() for a in window.toolbar.actions()]
    assert "Import .eml" in toolbar_texts

    dialog = ShortcutsDialog(window.acts.all, window)
    qtbot.addWidget(dialog)
    from PySide6.QtWidgets import QTableWidget

    table = dialog.findChild(QTableWidget, "shortcutTable")
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows["Import requests"] == "Ctrl+I"
    assert rows["Claim case"] == "Ctrl+Shift+M"
    assert rows["Filter queue"] == "Ctrl+F"
    assert rows["Show Overview"] == "Ctrl+1"
    assert rows["Show Escalation"] == "Ctrl+2"
    assert rows["Show Verification"] == "Ctrl+3"
    assert rows["Show Graph"] == "Ctrl+5"
    assert rows["Show Log"] == "Ctrl+9"


def test_claim_case_from_the_case_menu(window, ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.create("To be claimed")
    window.refresh_queue()
    window.open_case(case.id)
    assert window.acts.claim.isEnabled()
    window.case_view.tabs.setFocus()  # the shortcut works outside the queue too
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    with qtbot.waitSignal(window.queue_view.caseClaimed, timeout=2000):
        qtbot.keyClick(
            window,
            Qt.Key.Key_M,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert ws.cases.get(case.id).assignee == "tester"
    assert window.session.case.assignee == "tester"  # the open case shows it too
    assert _queue_row_text(window, case.id, ASSIGNEE) == "tester"


def test_import_requests_previews_imports_and_refreshes_the_queue(  # type: ignore[no-untyped-def]
    window, ws: Workspace, qtbot, tmp_path: Path, monkeypatch, modal: ModalDriver
) -> None:
    mail = tmp_path / "request.eml"
    mail.write_bytes(POLICE)
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", staticmethod(lambda *_a, **_k: ([str(mail)], ""))
    )
    seen: list[str] = []

    def close_result(dialog) -> None:  # type: ignore[no-untyped-def]
        seen.append(dialog.windowTitle())
        dialog.reject()

    def accept_preview(dialog) -> None:  # type: ignore[no-untyped-def]
        seen.append(dialog.windowTitle())
        assert dialog.table.rowCount() == 1
        modal.next(close_result)
        next(b for b in dialog.findChildren(QPushButton) if b.text() == "Import 1 case(s)").click()

    modal.next(accept_preview)
    assert window.queue_view.model.total == 0
    window.acts.import_requests.trigger()
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=15000)
    assert seen == ["Import preview", "Import result"]
    assert window.queue_view.model.total == 1
    assert window.queue_view.model.record(0).title == "EMERGENCY request from the harbour"


def test_shift_digest_opens_in_a_window(window, ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.views.digest import DigestView

    ws.cases.create("Handed over", priority="P1")
    window.acts.digest.trigger()
    dialog = window.digest_dialog
    assert dialog is not None and dialog.isVisible()
    digest = dialog.findChild(DigestView)
    assert "Shift hand-off" in digest.markdown
    dialog.close()
    qtbot.waitUntil(lambda: window.digest_dialog is None, timeout=2000)


def test_entity_table_takes_several_rows_for_run_source(window, ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.open_sample_case()
    session = window.session
    tab = window.show_case_tab(ENTITIES)
    table, model = tab.entity_table, tab.entity_model
    assert table.selectionMode() == table.SelectionMode.ExtendedSelection
    assert tab.link_table.selectionMode() == table.SelectionMode.SingleSelection

    def click(row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
        rect = table.visualRect(model.index(row, 1))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())

    click(0)
    click(1, Qt.KeyboardModifier.ControlModifier)
    click(2, Qt.KeyboardModifier.ControlModifier)
    ids = [model.record(row).id for row in range(3)]
    assert tab.selected_entity_ids() == ids  # not collapsed to the current row
    assert session.selection.entity_id() == ids[2]  # the current row drives the inspector
    qtbot.waitUntil(lambda: window.inspector.shown == ("entity", ids[2]), timeout=2000)
    assert [e.id for e in window.sources.selected_entities()] == ids

    # a right-click inside the selection keeps it and makes the clicked row current
    def close_menu() -> None:
        popup = QApplication.activePopupWidget()
        if popup is None:
            QTimer.singleShot(10, close_menu)
        else:
            popup.close()

    QTimer.singleShot(0, close_menu)
    point: QPoint = table.visualRect(model.index(1, 1)).center()
    table.customContextMenuRequested.emit(point)
    assert tab.selected_entity_ids() == ids
    assert session.selection.entity_id() == ids[1]

    # a selection made elsewhere (the graph) replaces the table's
    other = model.record(5).id
    session.selection.select(ENTITY, other)
    assert tab.selected_entity_ids() == [other]
    # Shift+Down extends from the current row again
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert tab.selected_entity_ids() == [other, model.record(6).id]
    assert session.selection.entity_id() == model.record(6).id
    # choosing a link clears the entity rows
    tab.link_table.selectionModel().setCurrentIndex(
        tab.link_model.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert session.selection.kind == "link" and tab.selected_entity_ids() == []


def test_every_case_tab_title_shows_at_1366(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.open_sample_case()
    view = window.case_view
    bar = view.tabs.tabBar()
    qtbot.waitUntil(lambda: bar.tabRect(bar.count() - 1).right() <= bar.width(), timeout=3000)
    assert all(bar.tabIcon(i).isNull() for i in range(bar.count()))  # no room for icons
    view._fit_tabs(3000)  # a wide window has room for them
    assert not any(bar.tabIcon(i).isNull() for i in range(bar.count()))
