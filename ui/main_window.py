"""The main window: the Queue dock (left, the home view), the open case (centre), Inspector
dock (right), Source runs dock (bottom)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QUndoGroup
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ui.actions import Actions
from ui.dialogs import messages
from ui.dialogs.new_case import NewCaseDialog
from ui.editing import EditController, exec_dialog
from ui.search import SearchController
from ui.session import CaseSession
from ui.sources import SourcesController
from ui.views.case_view import GRAPH, CaseView
from ui.views.inspector import Inspector
from ui.views.queue import REFERENCE, TIME_LEFT, URGENCY, QueueView
from ui.views.welcome import WelcomePanel
from ui.workers import wait_for_all
from workbench import APP_NAME
from workbench.errors import WorkbenchError
from workbench.intake.queue import QueueQuery
from workbench.store.workspace import Workspace

if TYPE_CHECKING:
    from ui.dialogs.import_requests import ImportController
    from workbench.intake.importer import ImportReport

STATE_VERSION = 1
QUEUE_WIDTH = 380  # the queue dock's default width (px)


def app_settings() -> QSettings:
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "osint-workbench", "workbench-gui"
    )


class MainWindow(QMainWindow):
    def __init__(self, ws: Workspace, settings: QSettings | None = None):
        super().__init__()
        self.ws = ws
        self.settings = settings or app_settings()
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)
        self.resize(1366, 800)
        self.undo_group = QUndoGroup(self)
        self.sessions: dict[str, CaseSession] = {}
        self.session: CaseSession | None = None
        self.case_view: CaseView | None = None
        self.editing = EditController(self)
        self.importer: ImportController | None = None
        self.digest_dialog: QDialog | None = None

        self.welcome = WelcomePanel()
        self.welcome.sampleRequested.connect(self.open_sample_case)
        self.welcome.newCaseRequested.connect(self.new_case)
        self.centre = QStackedWidget(self)
        self.centre.addWidget(self.welcome)
        self.setCentralWidget(self.centre)

        self.queue_view = QueueView(ws)
        self.queue_view.caseActivated.connect(self.open_case)
        self.queue_view.caseClaimed.connect(self._case_claimed)
        self.queue_view.errorOccurred.connect(lambda exc: messages.show_error(self, exc))
        self.queue_view.importFinished.connect(self._import_finished)
        # in the dock, urgency, clock and reference show without scrolling sideways
        for column, width in ((URGENCY, 112), (TIME_LEFT, 132), (REFERENCE, 118)):
            self.queue_view.table.setColumnWidth(column, width)
        # The object name stays "casesDock" (the dock held the case list before the queue
        # replaced it), so a layout saved by an earlier version restores the queue in place.
        self.queue_dock = self._dock(
            "Queue", "casesDock", self.queue_view, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.cases_dock = self.queue_dock  # the older name, kept for callers and tests
        self.inspector = Inspector()
        self.inspector_dock = self._dock(
            "Inspector", "inspectorDock", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.resizeDocks(
            [self.queue_dock, self.inspector_dock], [QUEUE_WIDTH, 300], Qt.Orientation.Horizontal
        )
        # Case edits arrive in bursts (a source run, an undo of many steps): one queue
        # re-read after them instead of one per change.
        self._queue_timer = QTimer(self)
        self._queue_timer.setSingleShot(True)
        self._queue_timer.setInterval(300)
        self._queue_timer.timeout.connect(self.refresh_queue)
        self.sources = SourcesController(self)
        self.runs_dock = self._dock(
            "Source runs",
            "sourceRunsDock",
            self.sources.panel,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.resizeDocks([self.runs_dock], [190], Qt.Orientation.Vertical)
        # Hidden until the first run starts (SourcesController.show_panel), so the case
        # tabs keep their height on a 768-pixel screen; View > Source runs shows it.
        self.runs_dock.hide()
        self.toolbar = QToolBar("Toolbar", self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.addToolBar(self.toolbar)
        self.search = SearchController(self)  # global full-text search (issue 5)
        self.acts = Actions(self)
        self.acts.build_toolbar(self.toolbar)
        self.search.install()
        self.acts.build_menus()
        self.undo_group.canUndoChanged.connect(self._update_undo)
        self.undo_group.canRedoChanged.connect(self._update_undo)
        self.undo_group.undoTextChanged.connect(self._update_undo)
        self.undo_group.redoTextChanged.connect(self._update_undo)

        self.workspace_label = QLabel()
        self.user_label = QLabel()
        self.counts_label = QLabel()
        self.counts_label.setObjectName("countsLabel")
        for label in (self.workspace_label, self.user_label, self.counts_label):
            self.statusBar().addPermanentWidget(label)
        self.statusBar().addPermanentWidget(self.sources.status_button)

        self._default_state = self.saveState(STATE_VERSION)
        self._restore_window_state()
        self._show_workspace()

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    # ---- workspace ------------------------------------------------------------------------
    def _settings_key(self) -> str:
        return "lastCase/" + str(self.ws.root.resolve()).replace("/", "|").replace("\\", "|")

    def _show_workspace(self) -> None:
        self.workspace_label.setText(f"Workspace: {self.ws.root}")
        self.workspace_label.setToolTip(str(self.ws.root.resolve()))
        self.user_label.setText(f"User: {self.ws.actor}")
        self.refresh_queue()
        last = str(self.settings.value(self._settings_key(), "") or "")
        if last and self._case_exists(last):  # closed cases are not in the queue: still open
            self.open_case(last)
        else:
            self._show_welcome()

    def _case_exists(self, case_id: str) -> bool:
        try:
            self.ws.cases.get(case_id)
        except WorkbenchError:
            return False
        return True

    def _show_welcome(self) -> None:
        try:
            queue = self.queue_view.model.queue
            has_cases = queue.count(QueueQuery(include_closed=True), self.queue_view.model.now) > 0
        except WorkbenchError:
            has_cases = self.queue_view.model.total > 0
        self.welcome.set_state(has_cases=has_cases)
        self.centre.setCurrentWidget(self.welcome)
        self._update_state()

    def set_workspace(self, ws: Workspace) -> None:
        """Switch to another workspace: undo history and open case belong to the old one."""
        self.sources.shutdown()
        wait_for_all()
        self._close_case()
        for session in self.sessions.values():
            self.undo_group.removeStack(session.undo_stack)
        self.sessions.clear()
        if self.digest_dialog is not None:  # it shows the old workspace
            self.digest_dialog.close()
        self.importer = None
        old, self.ws = self.ws, ws
        old.close()
        self.queue_view.set_workspace(ws)
        self._show_workspace()

    def choose_workspace(self) -> None:
        from ui.app import open_workspace_interactively

        folder = QFileDialog.getExistingDirectory(
            self, "Open workspace folder", str(self.ws.root.parent)
        )
        if not folder:
            return
        ws = open_workspace_interactively(Path(folder), self, cancel_text="Cancel")
        if ws is not None:
            self.set_workspace(ws)

    # ---- cases ----------------------------------------------------------------------------
    def open_case(self, case_id: str) -> CaseSession | None:
        if self.session is not None and self.session.case_id == case_id:
            return self.session
        with messages.reporting(self):
            case = self.ws.cases.get(case_id)
            self._close_case()
            session = self.sessions.get(case_id)
            if session is None:
                session = CaseSession(self.ws, case, self)
                session.errorOccurred.connect(lambda exc: messages.show_error(self, exc))
                session.changed.connect(self._case_changed)
                session.selection.changed.connect(lambda *_: self._update_state())
                self.undo_group.addStack(session.undo_stack)
                self.sessions[case_id] = session
            else:
                session.case = case
            self.session = session
            self.undo_group.setActiveStack(session.undo_stack)
            self.case_view = CaseView(session)
            self.case_view.editRequested.connect(self.editing.edit_selected)
            self.case_view.contextMenuRequested.connect(self._context_menu)
            self.case_view.nodesMoved.connect(self.editing.nodes_moved)
            self.case_view.escalationSaved.connect(lambda _id: self.refresh_queue())
            self.case_view.verificationChanged.connect(lambda _id: self.refresh_queue())
            self.case_view.letterRequested.connect(self.show_letter_dialog)
            self.case_view.errorOccurred.connect(lambda exc: messages.show_error(self, exc))
            self.centre.addWidget(self.case_view)
            self.centre.setCurrentWidget(self.case_view)
            self.inspector.set_session(session)
            self.queue_view.select_case(case_id)
            self.settings.setValue(self._settings_key(), case_id)
            self.setWindowTitle(f"{case.reference} · {case.title} — {APP_NAME}")
            self._update_counts()
            self._update_state()
            return session
        return None

    def _close_case(self) -> None:
        if self.case_view is not None:
            wait_for_all()
            self.centre.removeWidget(self.case_view)
            self.case_view.deleteLater()
            self.case_view = None
        self.session = None
        self.undo_group.setActiveStack(None)
        self.inspector.set_session(None)
        self.counts_label.setText("")

    def new_case(self) -> None:
        dialog = NewCaseDialog(self.ws.actor, self)
        if not exec_dialog(dialog):
            return
        with messages.reporting(self):
            case = self.ws.cases.create(**dialog.values())
            self.refresh_queue()
            self.open_case(case.id)

    def open_sample_case(self) -> None:
        with messages.reporting(self):
            from workbench.demo import create_demo_case

            case = create_demo_case(self.ws)
            self.refresh_queue()
            self.open_case(case.id)

    def _case_changed(self) -> None:
        self._queue_timer.start()
        self._update_counts()
        if self.session is not None:
            case = self.session.case
            self.setWindowTitle(f"{case.reference} · {case.title} — {APP_NAME}")

    # ---- the queue, intake and claims -----------------------------------------------------
    def refresh_queue(self) -> None:
        """Re-read the queue (its view, filter and selection stay); selects the open case."""
        self._queue_timer.stop()
        self.queue_view.refresh()
        if self.session is not None and self.queue_view.current_case_id() != self.session.case_id:
            self.queue_view.select_case(self.session.case_id)

    def import_requests(self) -> None:
        """File > Import requests…: choose files, preview (dry run), import in the background."""
        from ui.dialogs.import_requests import ImportController

        self.importer = ImportController(self.ws, self)
        self.importer.finished.connect(self._import_finished)
        self.importer.failed.connect(lambda exc: messages.show_error(self, exc))
        self.importer.choose_and_start()

    def import_backend_export(self) -> None:
        """File > Import > Back-end export…: map a CSV / JSON-lines export into the open case
        (ui/dialogs/tabular_import.py); the case views re-read what the import added."""
        from ui.dialogs.tabular_import import TabularImportDialog

        session = self.session
        if session is None:
            self.statusBar().showMessage("Open a case first: the export is imported into it.", 5000)
            return
        dialog = TabularImportDialog(self.ws, session.case_id, session.case.title, self)

        def imported(_report: object) -> None:
            session.graphReloaded.emit()
            session.changed.emit()

        dialog.imported.connect(imported)
        exec_dialog(dialog)
        dialog.deleteLater()

    def _import_finished(self, report: ImportReport) -> None:
        """After File > Import requests… or files dropped on the queue: the new cases are in
        the queue; the result (created, rejected with reasons, duplicates) is shown."""
        from ui.dialogs.import_requests import ImportPreviewDialog

        self.refresh_queue()
        self.statusBar().showMessage(
            f"Import: {report.count('created')} case(s) created, "
            f"{report.count('rejected')} rejected, {report.count('duplicate')} duplicate(s)",
            8000,
        )
        dialog = ImportPreviewDialog(report, self)
        exec_dialog(dialog)
        dialog.deleteLater()

    def _case_claimed(self, case_id: str) -> None:
        self._reload_open_case(case_id)
        self.statusBar().showMessage("Case claimed: it is recorded as yours.", 5000)

    def _reload_open_case(self, case_id: str) -> None:
        """Something outside the session changed the case row (a claim): show it."""
        session = self.sessions.get(case_id)
        if session is None:
            return
        with messages.reporting(self):
            session.case = self.ws.cases.get(case_id)
            session.caseUpdated.emit(session.case)
        if session is self.session:
            case = session.case
            self.setWindowTitle(f"{case.reference} · {case.title} — {APP_NAME}")

    def show_digest(self) -> None:
        """View > Shift digest…: what changed in the workspace, in a window of its own."""
        from ui.views.digest import DigestView

        if self.digest_dialog is not None:
            self.digest_dialog.close()
        dialog = QDialog(self)
        dialog.setObjectName("digestDialog")
        dialog.setWindowTitle("Shift digest")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view = DigestView(self.ws, dialog)
        view.errorOccurred.connect(lambda exc: messages.show_error(dialog, exc))
        layout = QVBoxLayout(dialog)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(view)
        dialog.resize(820, 620)
        dialog.destroyed.connect(lambda *_: setattr(self, "digest_dialog", None))
        self.digest_dialog = dialog
        dialog.show()

    def _update_counts(self) -> None:
        if self.session is None:
            return
        graph, case_id = self.ws.graph, self.session.case_id
        self.counts_label.setText(
            f"{graph.count_entities(case_id):,} entities · {graph.count_links(case_id):,} links"
        )

    def _update_state(self) -> None:
        kind = self.session.selection.kind if self.session else ""
        self.acts.update_state(self.session is not None, kind)
        self._update_undo()

    def _update_undo(self, *_args: object) -> None:
        a = self.acts
        a.undo.setEnabled(self.undo_group.canUndo())
        a.redo.setEnabled(self.undo_group.canRedo())
        a.undo.setToolTip(f"Undo {self.undo_group.undoText()}".strip() + " (Ctrl+Z)")
        a.redo.setToolTip(f"Redo {self.undo_group.redoText()}".strip() + " (Ctrl+Shift+Z)")

    def _context_menu(self, global_pos: QPoint) -> None:
        self.acts.context_menu().exec(global_pos)

    # ---- view -----------------------------------------------------------------------------
    def show_case_tab(self, index: int) -> QWidget | None:
        if self.case_view is None:
            return None
        return self.case_view.show_tab(index)

    def graph_zoom(self, factor: float | None) -> None:
        tab = self.show_case_tab(GRAPH)
        if tab is None:
            return
        if factor is None:
            tab.view.zoom_fit()  # type: ignore[attr-defined]
        else:
            tab.view.zoom(factor)  # type: ignore[attr-defined]

    def focus_filter(self) -> None:
        self.queue_dock.show()
        self.queue_dock.raise_()
        self.queue_view.focus_filter()

    def restore_default_layout(self) -> None:
        self.restoreState(self._default_state, STATE_VERSION)
        for dock in (self.queue_dock, self.inspector_dock):
            dock.show()

    def show_shortcuts(self) -> None:
        from ui.dialogs.about import ShortcutsDialog

        ShortcutsDialog(self.acts.all, self).exec()

    def show_about(self) -> None:
        from ui.dialogs.about import AboutDialog

        AboutDialog(self).exec()

    # ---- report (issue 8) -------------------------------------------------------------------
    def show_report_dialog(self) -> None:
        if self.session is None:
            return
        from ui.report.dialog import ReportDialog

        case = self.session.case
        dialog = ReportDialog(self.ws, case.id, case.reference, self)
        dialog.exec()

    def show_letter_dialog(self) -> None:
        if self.session is None:
            return
        from ui.report.letter_dialog import LetterDialog

        case = self.session.case
        dialog = LetterDialog(self.ws, case.id, case.reference, self)
        dialog.exec()

    # ---- export ---------------------------------------------------------------------------
    def export_case_json(self) -> None:
        if self.session is None:
            return
        case = self.session.case
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export case as JSON",
            str(Path.home() / f"{case.reference}.json"),
            "JSON files (*.json)",
        )
        if not path:
            return
        with messages.reporting(self):
            from workbench.export import write_case_json

            target = write_case_json(self.ws, case.id, Path(path))
            self.statusBar().showMessage(f"Exported {case.reference} to {target}", 5000)

    # ---- window state ---------------------------------------------------------------------
    def _restore_window_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state, STATE_VERSION)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._queue_timer.stop()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(STATE_VERSION))
        self.settings.sync()
        self.sources.shutdown(final=True)
        wait_for_all()
        super().closeEvent(event)
        self._close_case()
        self.ws.close()
