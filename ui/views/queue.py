"""The triage queue, the app's home view: a lazy table model over the core's SQL queue query
and the widget around it (filter box, saved views, claim, a live deadline countdown).

The model never holds more rows than were scrolled to: it reads pages of 200 through
`workbench.intake.queue.Queue.page` (canFetchMore / fetchMore). Clicking a header re-runs the
query with another ORDER BY; the filter box re-runs it with a text filter. One QTimer ticks
every second and repaints only the countdown column of the visible rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui import formatting as fmt
from ui import theme
from ui.icons import icon
from ui.models.records import ID_ROLE, RECORD_ROLE, ListTableModel
from workbench.intake.model import OVERALL_TEXT, OverallResult
from workbench.intake.queue import BUILTIN_VIEWS, Queue, QueueQuery, QueueRow
from workbench.model import Priority
from workbench.store.workspace import Workspace
from workbench.timeutil import utcnow

PAGE_SIZE = 200
Index = QModelIndex | QPersistentModelIndex

# Urgency is read from the text and the shape, never from colour alone.
URGENCY_SHAPE = {
    Priority.P1: "▲",  # filled triangle: critical
    Priority.P2: "◆",  # diamond: high
    Priority.P3: "●",  # disc: medium
    Priority.P4: "○",  # ring: low
}
VERIFICATION_SHAPE = {
    OverallResult.NOT_STARTED: "○",
    OverallResult.INCOMPLETE: "◐",
    OverallResult.VERIFIED: "✔",
    OverallResult.SKIPPED_FOR_URGENCY: "⚠",
    OverallResult.FAILED: "✖",
}
VERIFICATION_SHORT = {
    OverallResult.NOT_STARTED: "Not started",
    OverallResult.INCOMPLETE: "Incomplete",
    OverallResult.VERIFIED: "Verified",
    OverallResult.SKIPPED_FOR_URGENCY: "Unverified (urgency)",
    OverallResult.FAILED: "FAILED",
}

URGENCY, TIME_LEFT, REFERENCE, TITLE, STATUS, ASSIGNEE, AGENCY, COUNTRY, CATEGORY = range(9)
VERIFICATION, RECEIVED = 9, 10
HEADERS = (
    "Urgency",
    "Time left",
    "Reference",
    "Title",
    "Status",
    "Assignee",
    "Agency",
    "Country",
    "Category",
    "Verification",
    "Received",
)
SORT_KEYS = (
    "urgency",
    "deadline",
    "reference",
    "title",
    "status",
    "assignee",
    "agency",
    "country",
    "category",
    "verification",
    "received",
)


def urgency_text(priority: Priority) -> str:
    return f"{URGENCY_SHAPE[priority]} {fmt.priority_text(priority)}"


def countdown_text(row: QueueRow, now: datetime) -> str:
    """'0:42:07 left', '⚠ OVERDUE 0:05:12', or why the clock is not running."""
    left = row.remaining(now)
    if left is None:
        if row.deadline_at is None:
            return "— no deadline"
        return "■ clock stopped"
    seconds = int(left.total_seconds())
    magnitude = abs(seconds)
    days, rest = divmod(magnitude, 86400)
    clock = f"{rest // 3600}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    if days:
        clock = f"{days}d {clock}"
    if seconds < 0:
        return f"⚠ OVERDUE {clock}"
    return f"{clock} left"


class QueueModel(ListTableModel):
    """Rows of one queue view, read a page at a time from SQL."""

    headers = HEADERS

    totalChanged = Signal(int)

    def __init__(self, ws: Workspace, parent: QObject | None = None, page_size: int = PAGE_SIZE):
        super().__init__(parent)
        self.queue = Queue(ws)
        self.query = QueueQuery()
        self.page_size = page_size
        self.now = utcnow()
        self._rows: list[QueueRow] = []
        self._total = 0
        self.fetch_calls = 0  # pages read (tests and benchmarks look)
        self.queries = 0  # how many times the view was (re)run

    # ---- the query -------------------------------------------------------------------------
    def set_query(self, query: QueueQuery) -> None:
        self.beginResetModel()
        self.query = query
        self.now = utcnow()
        self.queue.invalidate()
        self._total = self.queue.count(query, self.now)
        self._rows = []
        self.queries += 1
        self._fetch()
        self.endResetModel()
        self.totalChanged.emit(self._total)

    def refresh(self) -> None:
        self.set_query(self.query)

    @property
    def total(self) -> int:
        return self._total

    def _fetch(self) -> list[QueueRow]:
        page = self.queue.page(
            self.query, len(self._rows), self.page_size, matches=self._total, now=self.now
        )
        self.fetch_calls += 1
        self._rows.extend(page)
        if not page:
            self._total = len(self._rows)
        return page

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self.canFetchMore():
            return
        first = len(self._rows)
        page = self.queue.page(self.query, first, self.page_size, matches=self._total, now=self.now)
        self.fetch_calls += 1
        if not page:
            self._total = first
            return
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Header clicks: the database sorts (ORDER BY), not Qt."""
        if not 0 <= column < len(SORT_KEYS):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (SORT_KEYS[column], descending) == (self.query.sort, self.query.descending):
            return  # Qt re-announces the current order (enabling sorting, indicators)
        self.set_query(self.query.with_changes(sort=SORT_KEYS[column], descending=descending))

    # ---- reading ------------------------------------------------------------------------------
    def items(self) -> list[Any]:
        return self._rows

    def record(self, row: int) -> QueueRow:
        return self._rows[row]

    def row_of(self, case_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.case_id == case_id), -1)

    def tick(self, first: int, last: int) -> None:
        """A second passed: repaint only the countdown cells of rows first..last."""
        self.now = datetime.now(UTC)
        if not self._rows:
            return
        first = max(0, first)
        last = min(len(self._rows) - 1, last)
        if first <= last:
            self.dataChanged.emit(
                self.index(first, TIME_LEFT),
                self.index(last, TIME_LEFT),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole],
            )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            colours = theme.colours()
            if column == TIME_LEFT and row.overdue(self.now):
                return QColor(colours.bad)
            if column == URGENCY and row.priority == Priority.P1:
                return QColor(colours.bad)
            if column == VERIFICATION and row.verification == OverallResult.FAILED:
                return QColor(colours.bad)
            return None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == TIME_LEFT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ID_ROLE:
            return row.case_id
        if role == RECORD_ROLE:
            return row
        return None

    def _display(self, row: QueueRow, column: int) -> str:
        if column == URGENCY:
            return urgency_text(row.priority)
        if column == TIME_LEFT:
            return countdown_text(row, self.now)
        if column == REFERENCE:
            return row.reference
        if column == TITLE:
            return row.title
        if column == STATUS:
            return fmt.status_text(row.status)
        if column == ASSIGNEE:
            return row.assignee or "— unassigned"
        if column == AGENCY:
            return row.agency or "—"
        if column == COUNTRY:
            return row.country or "—"
        if column == CATEGORY:
            return fmt.category_text(row.category)
        if column == VERIFICATION:
            return f"{VERIFICATION_SHAPE[row.verification]} {VERIFICATION_SHORT[row.verification]}"
        if column == RECEIVED:
            return fmt.time_text(row.received_at)
        return ""

    def _tooltip(self, row: QueueRow, column: int) -> str:
        if column == TIME_LEFT and row.deadline_at is not None:
            return "Deadline\n" + fmt.time_tooltip(row.deadline_at)
        if column == RECEIVED:
            return fmt.time_tooltip(row.received_at)
        if column == VERIFICATION:
            return OVERALL_TEXT[row.verification]
        if column == TITLE:
            return row.title
        return self._display(row, column)


class QueueTable(QTableView):
    """The table: Enter opens the current case (arrow keys, Page Up/Down, Home/End move)."""

    activated_row = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            current = self.currentIndex()
            if current.isValid():
                self.activated_row.emit(current.row())
                event.accept()
                return
        super().keyPressEvent(event)


def _workspace_of(source: Any) -> Workspace:
    """A Workspace, or anything that carries one (a window, a case session)."""
    return source if isinstance(source, Workspace) else source.ws  # type: ignore[no-any-return]


class QueueView(QWidget):
    """The queue dock's content. `caseActivated(case_id)` when the user opens a case (Enter,
    double-click); `caseClaimed(case_id)` after a claim."""

    caseActivated = Signal(str)
    caseClaimed = Signal(str)
    errorOccurred = Signal(object)
    importFinished = Signal(object)  # workbench.intake.importer.ImportReport

    def __init__(self, ws_or_session: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = _workspace_of(ws_or_session)
        self.model = QueueModel(self.ws, self)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("queueFilter")
        self.filter_edit.setPlaceholderText("Filter: reference, title, agency, requester, target…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.filter_edit.setAccessibleName("Queue filter")
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(lambda _text: self._debounce.start())
        self.filter_edit.returnPressed.connect(self._filter_enter)

        self.views = QComboBox(self)
        self.views.setObjectName("queueViews")
        self.views.setAccessibleName("Saved queue views")
        self.views.activated.connect(self._view_chosen)
        self.save_view_button = QPushButton(icon("save"), "Save view…", self)
        self.save_view_button.clicked.connect(self.save_view_interactively)

        self.claim_action = QAction(icon("user"), "&Claim case", self)
        self.claim_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.claim_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.claim_action.setToolTip(
            "Take the selected case: records that you have it (Ctrl+Shift+M)"
        )
        self.claim_action.triggered.connect(lambda _checked=False: self.claim_current())
        self.addAction(self.claim_action)
        self.claim_button = QPushButton(icon("user"), "Claim", self)
        self.claim_button.setToolTip(self.claim_action.toolTip())
        self.claim_button.clicked.connect(lambda: self.claim_current())
        focus_filter = QAction(self)
        focus_filter.setShortcut(QKeySequence("Ctrl+Shift+F"))
        focus_filter.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        focus_filter.triggered.connect(self.focus_filter)
        self.addAction(focus_filter)

        self.count_label = QLabel(objectName="muted")
        self.count_label.setAccessibleName("Number of cases in this view")
        self.model.totalChanged.connect(self._show_total)

        self.table = QueueTable(self)
        self.table.setObjectName("queueTable")
        self.table.setModel(self.model)
        # indicator first: enabling sorting re-sorts by the indicator (Qt's default: descending)
        self.table.horizontalHeader().setSortIndicator(URGENCY, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        for column, width in enumerate((120, 180, 120, 260, 130, 110, 150, 70, 130, 150, 140)):
            self.table.setColumnWidth(column, width)
        self.table.activated_row.connect(self._activate_row)
        self.table.doubleClicked.connect(lambda index: self._activate_row(index.row()))
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_actions())

        # the filter on a row of its own: the queue lives in a narrow dock beside the case
        view_row = QHBoxLayout()
        view_row.setSpacing(theme.SPACING)
        view_row.addWidget(self.views, 1)
        view_row.addWidget(self.save_view_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.claim_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.SPACING, theme.SPACING, theme.SPACING, theme.SPACING)
        layout.setSpacing(theme.SPACING)
        layout.addWidget(self.filter_edit)
        layout.addLayout(view_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.setTabOrder(self.filter_edit, self.views)
        self.setTabOrder(self.views, self.save_view_button)
        self.setTabOrder(self.save_view_button, self.table)
        self.setTabOrder(self.table, self.claim_button)

        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self._tick)
        self.clock.start()

        self.setAcceptDrops(True)
        self.reload_views()
        self.model.set_query(QueueQuery())
        self._update_actions()

    # ---- dropping files: .eml and portal exports become cases ------------------------------------
    @staticmethod
    def _dropped_files(event: QDropEvent | QDragEnterEvent) -> list[Path]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = self._dropped_files(event)
        if files:
            event.acceptProposedAction()
            self.import_files(files)

    def import_files(self, files: list[Path]) -> None:
        """Import dropped files off the GUI thread; refresh and emit `importFinished`."""
        from ui.workers import run_in_background
        from workbench.intake.importer import Importer

        ws = self.ws
        self.count_label.setText(f"Importing {len(files)} file(s)…")
        run_in_background(
            self, lambda: Importer(ws).import_paths(files), self._imported, self._import_failed
        )

    def _imported(self, report: object) -> None:
        self.refresh()
        self.importFinished.emit(report)

    def _import_failed(self, error: BaseException) -> None:
        self._show_total(self.model.total)
        self.errorOccurred.emit(error)

    # ---- view and filter -------------------------------------------------------------------------
    def reload_views(self) -> None:
        current = self.views.currentText()
        self.views.clear()
        for name in BUILTIN_VIEWS:
            self.views.addItem(name, ("builtin", name))
        try:
            saved = self.model.queue.views()
        except Exception as exc:  # shown, never a crash at start-up
            self.errorOccurred.emit(exc)
            saved = []
        if saved:
            self.views.insertSeparator(self.views.count())
        for view in saved:
            label = view.name + ("" if view.owner == self.ws.actor else f" ({view.owner})")
            self.views.addItem(label, ("saved", view.name))
        index = self.views.findText(current)
        self.views.setCurrentIndex(max(0, index))

    def _view_chosen(self, index: int) -> None:
        data = self.views.itemData(index)
        if not data:
            return
        try:
            query = self.model.queue.view_query(data[1])
        except Exception as exc:
            self.errorOccurred.emit(exc)
            return
        self.filter_edit.blockSignals(True)
        self.filter_edit.setText(query.text)
        self.filter_edit.blockSignals(False)
        self._set_query(query)

    def select_view(self, name: str) -> None:
        index = self.views.findText(name)
        if index >= 0:
            self.views.setCurrentIndex(index)
            self._view_chosen(index)

    def apply_filter(self) -> None:
        self._debounce.stop()
        text = self.filter_edit.text().strip()
        if text != self.model.query.text:
            self._set_query(self.model.query.with_changes(text=text))

    def _filter_enter(self) -> None:
        self.apply_filter()
        self.table.setFocus()
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.select_row(0)

    def _set_query(self, query: QueueQuery) -> None:
        selected = self.current_case_id()
        try:
            self.model.set_query(query)
        except Exception as exc:
            self.errorOccurred.emit(exc)
            return
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(
            SORT_KEYS.index(query.sort),
            Qt.SortOrder.DescendingOrder if query.descending else Qt.SortOrder.AscendingOrder,
        )
        header.blockSignals(False)
        if selected:
            self.select_case(selected)
        self._update_actions()

    def save_view_interactively(self) -> None:
        name, ok = QInputDialog.getText(self, "Save queue view", "Name of this view:")
        if ok and name.strip():
            self.save_view(name.strip())

    def save_view(self, name: str, shared: bool = False) -> None:
        try:
            self.model.queue.save_view(name, self.model.query, shared=shared)
        except Exception as exc:
            self.errorOccurred.emit(exc)
            return
        self.reload_views()
        self.views.setCurrentIndex(self.views.findText(name))

    def focus_filter(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    def refresh(self) -> None:
        """Re-read the view (after an import or a change elsewhere), keeping the selection."""
        self._set_query(self.model.query)

    def set_workspace(self, ws: Workspace) -> None:
        """Another workspace was opened: same view settings, its cases and saved views."""
        query = self.model.query
        self.ws = ws
        self.model.queue = Queue(ws)
        self.reload_views()
        self._set_query(query)

    def _show_total(self, total: int) -> None:
        shown = "case" if total == 1 else "cases"
        self.count_label.setText(f"{total:,} {shown} in this view")

    # ---- selection, opening, claiming ---------------------------------------------------------
    def current_case_id(self) -> str | None:
        index = self.table.currentIndex()
        return str(index.data(ID_ROLE)) if index.isValid() else None

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def select_case(self, case_id: str) -> bool:
        row = self.model.row_of(case_id)
        if row >= 0:
            self.select_row(row)
        return row >= 0

    def _activate_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.caseActivated.emit(self.model.record(row).case_id)

    def claim_current(self, force: bool = False) -> None:
        case_id = self.current_case_id()
        if not case_id:
            return
        from workbench.intake.repository import EscalationRepository

        try:
            EscalationRepository(self.ws).claim(case_id, force=force)
        except Exception as exc:
            self.errorOccurred.emit(exc)
            return
        self.refresh()
        self.caseClaimed.emit(case_id)

    def _update_actions(self) -> None:
        has = self.table.currentIndex().isValid()
        self.claim_action.setEnabled(has)
        self.claim_button.setEnabled(has)

    # ---- the clock -----------------------------------------------------------------------------
    def _tick(self) -> None:
        viewport = self.table.viewport()
        first = self.table.rowAt(0)
        last = self.table.rowAt(viewport.height() - 1)
        if first < 0:
            return
        if last < 0:
            last = self.model.rowCount() - 1
        self.model.tick(first, last)
