"""The main window: Cases dock (left), the open case (centre), Inspector dock (right),
Source runs dock (bottom)."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QUndoGroup
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from ui.actions import Actions
from ui.dialogs import messages
from ui.dialogs.new_case import NewCaseDialog
from ui.editing import EditController, exec_dialog
from ui.session import CaseSession
from ui.sources import SourcesController
from ui.views.case_list import CaseListPanel
from ui.views.case_view import GRAPH, CaseView
from ui.views.inspector import Inspector
from ui.views.welcome import WelcomePanel
from ui.workers import wait_for_all
from workbench import APP_NAME
from workbench.store.workspace import Workspace

STATE_VERSION = 1


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

        self.welcome = WelcomePanel()
        self.welcome.sampleRequested.connect(self.open_sample_case)
        self.welcome.newCaseRequested.connect(self.new_case)
        self.centre = QStackedWidget(self)
        self.centre.addWidget(self.welcome)
        self.setCentralWidget(self.centre)

        self.case_list = CaseListPanel(ws)
        self.case_list.caseActivated.connect(self.open_case)
        self.cases_dock = self._dock(
            "Cases", "casesDock", self.case_list, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.inspector = Inspector()
        self.inspector_dock = self._dock(
            "Inspector", "inspectorDock", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.resizeDocks(
            [self.cases_dock, self.inspector_dock], [340, 300], Qt.Orientation.Horizontal
        )
        self.sources = SourcesController(self)
        self.runs_dock = self._dock(
            "Source runs",
            "sourceRunsDock",
            self.sources.panel,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.resizeDocks([self.runs_dock], [190], Qt.Orientation.Vertical)
        self.toolbar = QToolBar("Toolbar", self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.addToolBar(self.toolbar)
        self.acts = Actions(self)
        self.acts.build_toolbar(self.toolbar)
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
        self.case_list.reload()
        last = self.settings.value(self._settings_key(), "")
        if last and self.case_list.model.row_of(str(last)) >= 0:
            self.open_case(str(last))
        else:
            self._show_welcome()

    def _show_welcome(self) -> None:
        self.welcome.set_state(has_cases=self.case_list.model.rowCount() > 0)
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
        old, self.ws = self.ws, ws
        old.close()
        self.case_list.ws = ws
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
            self.centre.addWidget(self.case_view)
            self.centre.setCurrentWidget(self.case_view)
            self.inspector.set_session(session)
            self.case_list.select_case(case_id)
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
            self.case_list.reload()
            self.open_case(case.id)

    def open_sample_case(self) -> None:
        with messages.reporting(self):
            from workbench.demo import create_demo_case

            case = create_demo_case(self.ws)
            self.case_list.reload()
            self.open_case(case.id)

    def _case_changed(self) -> None:
        self.case_list.reload()
        self._update_counts()
        if self.session is not None:
            case = self.session.case
            self.setWindowTitle(f"{case.reference} · {case.title} — {APP_NAME}")

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
        self.cases_dock.show()
        self.cases_dock.raise_()
        self.case_list.filter_edit.setFocus()
        self.case_list.filter_edit.selectAll()

    def restore_default_layout(self) -> None:
        self.restoreState(self._default_state, STATE_VERSION)
        for dock in (self.cases_dock, self.inspector_dock, self.runs_dock):
            dock.show()

    def show_shortcuts(self) -> None:
        from ui.dialogs.about import ShortcutsDialog

        ShortcutsDialog(self.acts.all, self).exec()

    def show_about(self) -> None:
        from ui.dialogs.about import AboutDialog

        AboutDialog(self).exec()

    # ---- export ---------------------------------------------------------------------------
    @staticmethod
    def can_export_json() -> bool:
        return importlib.util.find_spec("workbench.export") is not None

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
            from workbench.export import export_case_json  # type: ignore[import-not-found]

            data = export_case_json(self.ws, case.id)
            target = Path(path)
            partial = target.with_name(target.name + ".partial")
            partial.write_text(
                json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
            )
            os.replace(partial, target)
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
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(STATE_VERSION))
        self.settings.sync()
        self.sources.shutdown(final=True)
        wait_for_all()
        super().closeEvent(event)
        self._close_case()
        self.ws.close()
