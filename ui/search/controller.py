"""The global search: a box at the top right of the window (Ctrl+K), a Search results dock,
and the jump from a result to its item.

Typing waits for a short pause, then the core search runs on a worker thread; only the answer
to the latest text is shown. Activating a result opens its case and goes to the item: an
entity or note is selected through the session's one selection (Entities tab, or the Graph
if that is where you are), evidence goes to the Evidence tab (when this build has one), a
case to its Overview.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDockWidget, QHBoxLayout, QLineEdit, QWidget

from ui.icons import icon
from ui.search.results import SearchResultsPanel
from ui.workers import run_in_background
from workbench.errors import WorkbenchError
from workbench.search import SearchHit, SearchResults, search

if TYPE_CHECKING:
    from ui.main_window import MainWindow

DEBOUNCE_MS = 250
RESULT_LIMIT = 50
EVIDENCE_TAB_TITLE = "Evidence"
EVIDENCE_SELECTORS = ("select_evidence", "show_evidence", "select_item")


class SearchBox(QLineEdit):
    """The toolbar field; Down moves into the results, Escape clears."""

    downPressed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("globalSearch")
        self.setPlaceholderText("Search cases, entities, notes, evidence (Ctrl+K)")
        self.setClearButtonEnabled(True)
        self.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.setMinimumWidth(160)
        self.setMaximumWidth(360)
        self.setToolTip(
            "Full-text search, Japanese included. Words must all occur (also inside longer "
            'words); "a phrase" in quotes; a OR b; -word leaves out. Enter opens the results.'
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.downPressed.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.clear()
            return
        super().keyPressEvent(event)


class SearchController(QObject):
    """Owns the box, the dock and the jump. `evidenceRequested(case_id, evidence_id)` is
    emitted for an evidence hit, after the case is open, for views that want to react."""

    evidenceRequested = Signal(str, str)
    searched = Signal(object)  # SearchResults, after they are shown (tests, status)

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.box = SearchBox()
        self.panel = SearchResultsPanel()
        self.dock = QDockWidget("Search results", window)
        self.dock.setObjectName("searchDock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self._generation = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_now)
        self.box.textEdited.connect(lambda _t: self._timer.start())
        self.box.returnPressed.connect(self.run_now)
        self.box.downPressed.connect(self.focus_results)
        self.panel.filtersChanged.connect(self.run_now)
        self.panel.hitActivated.connect(self.open_hit)

    def install(self) -> None:
        """The box sits at the right end of the menu bar row: always visible, whatever the
        main toolbar holds (at 1366 pixels the toolbar has no room left for a text field,
        and a widget in a toolbar's overflow menu cannot be seen or typed into)."""
        bar = self.window.menuBar()
        self.holder = QWidget(bar)  # owned by the menu bar (a parentless one would be freed)
        layout = QHBoxLayout(self.holder)
        layout.setContentsMargins(0, 2, 6, 2)
        layout.addWidget(self.box)
        bar.setCornerWidget(self.holder, Qt.Corner.TopRightCorner)

    # ---- searching -----------------------------------------------------------------------
    def focus(self) -> None:
        """Ctrl+K: put the cursor in the box, text selected for retyping."""
        self.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.box.selectAll()

    def focus_results(self) -> None:
        if self.panel.list.count():
            self._show_dock()
            self.panel.list.setFocus()

    def run_now(self) -> None:
        self._timer.stop()
        text = self.box.text()
        session = self.window.session
        self.panel.set_case_available(session is not None)
        self._generation += 1
        if not text.strip():
            self.panel.show_message("Type in the search box (Ctrl+K) and press Enter.")
            return
        case_id = session.case_id if session is not None and self.panel.scope_is_case() else None
        kinds = self.panel.kinds()
        ws = self.window.ws
        generation = self._generation
        self._show_dock()
        self.panel.status.setText("Searching…")

        def job() -> SearchResults:
            with ws.read() as conn:
                return search(conn, text, case_id=case_id, kinds=kinds, limit=RESULT_LIMIT)

        run_in_background(
            self,
            job,
            self._answer(generation, self._show),
            self._answer(generation, self._failed),
        )

    def _show_dock(self) -> None:
        if self.dock.isVisible():
            return
        self.dock.show()
        window = self.window
        if window.inspector_dock.isVisible() and not self.dock.isFloating():
            window.resizeDocks([window.inspector_dock, self.dock], [1, 2], Qt.Orientation.Vertical)

    def _answer(self, generation: int, handler: Callable[[Any], None]) -> Callable[[Any], None]:
        def deliver(value: Any) -> None:
            if generation == self._generation:  # an older text's answer is dropped
                handler(value)

        return deliver

    def _show(self, results: SearchResults) -> None:
        self.panel.show_results(results)
        self.searched.emit(results)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, WorkbenchError):  # SearchQueryError and friends: say how to fix
            self.panel.show_message(str(exc))
            self.searched.emit(exc)
            return
        from ui.dialogs.messages import show_error

        self.panel.show_message("The search failed; see the message.")
        show_error(self.window, exc)

    # ---- jumping -------------------------------------------------------------------------
    def open_hit(self, hit: SearchHit) -> None:
        window = self.window
        if not self._still_there(hit):
            window.statusBar().showMessage(
                f"{hit.title} was changed or deleted after the search; search again.", 6000
            )
            return
        session = window.open_case(hit.case_id)
        if session is None or window.case_view is None:
            return
        from ui.views.case_view import ENTITIES, GRAPH, OVERVIEW

        if hit.kind in ("entity", "note"):
            if window.case_view.tabs.currentIndex() != GRAPH:
                window.show_case_tab(ENTITIES)
            session.selection.select("entity", hit.ref_id)
        elif hit.kind == "evidence":
            self._open_evidence(hit)
        else:
            window.show_case_tab(OVERVIEW)
        window.statusBar().showMessage(f"Opened {hit.title} ({hit.case_reference})", 4000)

    def _still_there(self, hit: SearchHit) -> bool:
        ws = self.window.ws
        try:
            if hit.kind in ("entity", "note"):
                ws.graph.get_entity(hit.ref_id)
            elif hit.kind == "evidence":
                ws.evidence.get(hit.ref_id)
            else:
                ws.cases.get(hit.ref_id)
        except WorkbenchError:
            return False
        return True

    def _open_evidence(self, hit: SearchHit) -> None:
        """The Evidence tab, found by its title so this works whether or not it exists."""
        case_view = self.window.case_view
        assert case_view is not None
        tabs = case_view.tabs
        for index in range(tabs.count()):
            if tabs.tabText(index).replace("&", "") == EVIDENCE_TAB_TITLE:
                content = case_view.show_tab(index)
                for name in EVIDENCE_SELECTORS:
                    select = getattr(content, name, None)
                    if callable(select):
                        select(hit.ref_id)
                        break
                break
        else:
            self.window.statusBar().showMessage(
                f"Evidence {hit.title}: this window has no Evidence tab to show it in.", 6000
            )
        self.evidenceRequested.emit(hit.case_id, hit.ref_id)
