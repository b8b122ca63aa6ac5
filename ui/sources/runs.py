"""The Source runs panel (bottom dock): one row per run with its progress, what it found, its
error, and a Cancel button; the selected run's details and log beside the table."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QMouseEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.icons import icon
from ui.models.records import ListTableModel
from workbench.sources.cancel import CancelToken
from workbench.sources.results import Query

Index = QModelIndex | QPersistentModelIndex
RUN_ROLE = Qt.ItemDataRole.UserRole + 40  # the RunRecord of a row

QUEUED, RUNNING, OK, ERROR, CANCELLED, TIMEOUT, REFUSED = (
    "queued",
    "running",
    "ok",
    "error",
    "cancelled",
    "timeout",
    "refused",
)
FINISHED = frozenset({OK, ERROR, CANCELLED, TIMEOUT, REFUSED})
STATUS_TEXT = {
    QUEUED: "Queued",
    RUNNING: "Running",
    OK: "Done",
    ERROR: "Failed",
    CANCELLED: "Cancelled",
    TIMEOUT: "Timed out",
    REFUSED: "Not run",
}
STATUS_ICON = {
    QUEUED: "history",
    RUNNING: "play",
    OK: "circle-check",
    ERROR: "circle-alert",
    CANCELLED: "circle-x",
    TIMEOUT: "circle-alert",
    REFUSED: "ban",
}
SOURCE, INPUT, STATUS, PROGRESS, FOUND, DETAILS, CANCEL = range(7)
HEADERS = ("Source", "Input", "Status", "Progress", "Found", "Details", "")
MAX_LOG_LINES = 500


@dataclass
class RunRecord:
    """What the panel knows about one run (or one refused attempt)."""

    key: int
    plugin_id: str
    plugin_name: str
    version: str
    query: Query
    input_label: str
    case_id: str | None
    cancel: CancelToken | None = None
    status: str = QUEUED
    run_id: str = ""
    done: int = 0
    total: int | None = None
    message: str = ""
    error: str = ""
    new_entities: int = 0
    found_again: int = 0
    links: int = 0
    evidence: int = 0
    rejected: int = 0
    planned_hosts: tuple[str, ...] = ()
    hosts_contacted: list[str] = field(default_factory=list)
    requests_sent: int = 0
    warnings: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.monotonic)
    duration: float | None = None
    cancelling: bool = False

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def status_text(self) -> str:
        if self.cancelling and not self.finished:
            return "Cancelling…"
        return STATUS_TEXT.get(self.status, self.status)

    def found_text(self) -> str:
        if self.status in (QUEUED, REFUSED):
            return ""
        parts = [f"{self.new_entities} new"]
        if self.found_again:
            parts.append(f"{self.found_again} known")
        if self.links:
            parts.append(f"{self.links} links")
        if self.evidence:
            parts.append(f"{self.evidence} evidence")
        return " · ".join(parts)

    def details_text(self) -> str:
        if self.error:
            return self.error.splitlines()[0]
        if self.status == OK and self.warnings:
            return f"Done with {len(self.warnings)} warning(s): {self.warnings[0]}"
        if self.status == OK:
            took = f" in {self.duration:.1f} s" if self.duration is not None else ""
            hosts = (
                f"; contacted {', '.join(self.hosts_contacted[:3])}"
                + (
                    f" and {len(self.hosts_contacted) - 3} more"
                    if len(self.hosts_contacted) > 3
                    else ""
                )
                if self.hosts_contacted
                else "; nothing was sent off this machine"
            )
            return f"Finished{took}{hosts}."
        return self.message

    def log_line(self, text: str) -> None:
        if len(self.log) < MAX_LOG_LINES:
            self.log.append(text)
        elif len(self.log) == MAX_LOG_LINES:
            self.log.append("… (further log lines are not shown)")

    def report(self) -> str:
        """The full description shown beside the table for the selected run."""
        lines = [
            f"{self.plugin_name} {self.version} ({self.plugin_id})",
            f"Input: {self.query.type} {self.input_label}",
            f"Status: {self.status_text}"
            + (f" after {self.duration:.1f} s" if self.duration is not None else ""),
        ]
        if self.error:
            lines += ["", "Error:", self.error]
        if self.status not in (QUEUED, REFUSED):
            lines += [
                "",
                f"Found: {self.new_entities} new entities, {self.found_again} already in the "
                f"case, {self.links} links, {self.evidence} evidence items"
                + (f", {self.rejected} rejected" if self.rejected else ""),
            ]
        if self.planned_hosts:
            shown = ", ".join(self.planned_hosts[:10])
            more = (
                f" and {len(self.planned_hosts) - 10} more" if len(self.planned_hosts) > 10 else ""
            )
            lines.append(f"Allowed to contact: {shown}{more}")
        elif self.status != REFUSED:
            lines.append("Runs on this machine only: nothing is sent anywhere.")
        if self.finished and self.status != REFUSED:
            contacted = ", ".join(self.hosts_contacted[:20]) or "none"
            lines.append(f"Hosts contacted: {contacted} ({self.requests_sent} requests)")
        if self.warnings:
            lines += ["", "Warnings:", *(f"  {w}" for w in self.warnings[:20])]
        if self.log:
            lines += ["", "Log:", *(f"  {line}" for line in self.log)]
        return "\n".join(lines)


class RunsModel(ListTableModel):
    """The runs of this window, newest first."""

    headers = HEADERS

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.records: list[RunRecord] = []

    def items(self) -> list[Any]:
        return self.records

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.records):
            return None
        record = self.records[index.row()]
        column = index.column()
        if role == RUN_ROLE:
            return record
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(record, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == DETAILS:
                return record.error or self._display(record, column)
            if column == INPUT:
                return f"{record.query.type}: {record.query.value[:500]}"
            if column == CANCEL and not record.finished:
                return "Stop this run (it ends within a second)"
            return self._display(record, column) or None
        if role == Qt.ItemDataRole.DecorationRole and column == STATUS:
            return icon(STATUS_ICON.get(record.status, "info"), self._status_colour(record))
        if role == Qt.ItemDataRole.ForegroundRole and column == DETAILS and record.error:
            from PySide6.QtGui import QColor

            return QColor(theme.colours().bad)
        return None

    @staticmethod
    def _status_colour(record: RunRecord) -> str | None:
        c = theme.colours()
        if record.status in (ERROR, TIMEOUT):
            return c.bad
        if record.status == OK:
            return c.ok
        if record.status == RUNNING:
            return c.accent
        return None

    @staticmethod
    def _display(record: RunRecord, column: int) -> str:
        if column == SOURCE:
            return record.plugin_name
        if column == INPUT:
            return record.input_label
        if column == STATUS:
            return record.status_text
        if column == PROGRESS:
            return progress_text(record)
        if column == FOUND:
            return record.found_text()
        if column == DETAILS:
            return record.details_text()
        return ""

    # ---- changes ----------------------------------------------------------------------------
    def add(self, record: RunRecord) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self.records.insert(0, record)
        self.endInsertRows()

    def row_of(self, key: int) -> int:
        return next((row for row, r in enumerate(self.records) if r.key == key), -1)

    def record(self, key: int) -> RunRecord | None:
        row = self.row_of(key)
        return self.records[row] if row >= 0 else None

    def changed(self, key: int) -> None:
        row = self.row_of(key)
        if row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    def clear_finished(self) -> None:
        keep = [r for r in self.records if not r.finished]
        if len(keep) != len(self.records):
            self.beginResetModel()
            self.records = keep
            self.endResetModel()


def progress_text(record: RunRecord) -> str:
    if record.status == QUEUED:
        return "waiting…"
    if record.status == REFUSED:
        return ""
    if record.total:
        return f"{record.done:,} / {record.total:,}"
    if record.finished:
        return "100%" if record.status == OK else ""
    return f"{record.done:,}" if record.done else "working…"


class RunsDelegate(QStyledItemDelegate):
    """Draws the Progress column as a progress bar and the last column as a Cancel button."""

    cancelClicked = Signal(int)  # run key

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        record = index.data(RUN_ROLE)
        if record is None or index.column() not in (PROGRESS, CANCEL):
            super().paint(painter, option, index)
            return
        style = option.widget.style() if option.widget else QApplication.style()
        # the row background and selection as for any cell
        base = QStyleOptionViewItem(option)
        self.initStyleOption(base, index)
        base.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, base, painter, option.widget)
        rect: QRect = option.rect.adjusted(4, 4, -4, -4)
        if index.column() == PROGRESS:
            if record.status == REFUSED:
                return
            bar = QStyleOptionProgressBar()
            bar.rect = rect
            bar.minimum = 0
            bar.maximum = max(1, record.total or 1)
            if record.total:
                bar.progress = min(record.done, record.total)
            else:
                bar.progress = bar.maximum if record.status == OK else 0
            bar.text = progress_text(record)
            bar.textVisible = True
            bar.textAlignment = Qt.AlignmentFlag.AlignCenter
            bar.state = option.state
            bar.palette = option.palette
            style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)
            return
        if record.finished or record.cancelling:
            return
        button = QStyleOptionButton()
        button.rect = rect
        button.text = "Cancel"
        button.icon = icon("circle-stop")
        button.iconSize = QSize(14, 14)
        button.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Raised
        button.palette = option.palette
        style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, option.widget)

    def editorEvent(
        self, event: QEvent, model: Any, option: QStyleOptionViewItem, index: Index
    ) -> bool:
        if (
            index.column() == CANCEL
            and event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
        ):
            record = index.data(RUN_ROLE)
            if record is not None and not record.finished:
                self.cancelClicked.emit(record.key)
                return True
        return super().editorEvent(event, model, option, index)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), max(hint.height(), 26))


class RunsPanel(QWidget):
    """The content of the Source runs dock."""

    cancelRequested = Signal(int)  # run key

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("runsPanel")
        self.model = RunsModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("runsTable")
        self.table.setModel(self.model)
        self.delegate = RunsDelegate(self.table)
        self.delegate.cancelClicked.connect(self.cancelRequested)
        self.table.setItemDelegate(self.delegate)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        widths = ((SOURCE, 150), (INPUT, 170), (STATUS, 100), (PROGRESS, 96), (FOUND, 190))
        for column, width in widths:
            self.table.setColumnWidth(column, width)
        self.table.setColumnWidth(CANCEL, 86)
        header.setSectionResizeMode(DETAILS, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(CANCEL, QHeaderView.ResizeMode.Fixed)

        self.placeholder = QLabel(
            "No source runs yet. Right-click an entity in the Entities table or the Graph and "
            "choose Run source, or press Ctrl+R. Runs show their progress here and can be "
            "cancelled.",
            objectName="muted",
        )
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.table)

        self.details = QPlainTextEdit(self)
        self.details.setObjectName("runDetails")
        self.details.setReadOnly(True)
        self.details.setPlaceholderText("Select a run to see its details and log.")
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self._shown_key = -1

        self.summary = QLabel(objectName="muted")
        self.cancel_button = QPushButton(icon("circle-stop"), "Cancel")
        self.cancel_button.setObjectName("cancelSelectedRuns")
        self.cancel_button.setToolTip("Cancel the selected runs")
        self.cancel_all_button = QPushButton("Cancel all")
        self.cancel_all_button.setObjectName("cancelAllRuns")
        self.cancel_all_button.setToolTip("Cancel every run that has not finished")
        self.clear_button = QPushButton(icon("trash-2"), "Clear finished")
        self.clear_button.setObjectName("clearFinishedRuns")
        self.clear_button.setToolTip(
            "Remove finished runs from this list (the audit log keeps them)"
        )
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.cancel_all_button.clicked.connect(self.cancel_all)
        self.clear_button.clicked.connect(self.clear_finished)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(theme.SPACING // 2)
        for button in (self.cancel_button, self.cancel_all_button, self.clear_button):
            bar.addWidget(button)
        bar.addStretch(1)
        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.setSpacing(theme.SPACING // 2)
        side_layout.addLayout(bar)
        side_layout.addWidget(self.summary)
        side_layout.addWidget(self.details, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.stack)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([1000, 340])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(
            theme.SPACING, theme.SPACING // 2, theme.SPACING, theme.SPACING // 2
        )
        layout.addWidget(splitter, 1)

        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.model.rowsInserted.connect(self._update_summary)
        self.model.modelReset.connect(self._update_summary)
        self.model.dataChanged.connect(self._data_changed)
        self._update_summary()

    # ---- records ----------------------------------------------------------------------------
    def add(self, record: RunRecord) -> None:
        self.model.add(record)
        if len(self.model.records) == 1 or not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def changed(self, key: int) -> None:
        self.model.changed(key)

    def selected_records(self) -> list[RunRecord]:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        return [self.model.records[row] for row in sorted(rows) if row < len(self.model.records)]

    def cancel_selected(self) -> None:
        for record in self.selected_records():
            if not record.finished:
                self.cancelRequested.emit(record.key)

    def cancel_all(self) -> None:
        for record in list(self.model.records):
            if not record.finished:
                self.cancelRequested.emit(record.key)

    def clear_finished(self) -> None:
        self.model.clear_finished()
        self._selection_changed()

    # ---- display ----------------------------------------------------------------------------
    def _data_changed(self, *_args: object) -> None:
        self._update_summary()
        selected = self.selected_records()
        if len(selected) == 1:
            self._show_details(selected[0])

    def _selection_changed(self) -> None:
        selected = self.selected_records()
        if len(selected) == 1:
            self._show_details(selected[0])
        elif selected:
            self.details.setPlainText(f"{len(selected)} runs selected.")
        else:
            self.details.clear()
        self.cancel_button.setEnabled(any(not r.finished for r in selected))

    def _show_details(self, record: RunRecord) -> None:
        text = record.report()
        if text == self.details.toPlainText():
            return
        bar = self.details.verticalScrollBar()
        same_run = self._shown_key == record.key
        at_end = same_run and bar.value() >= bar.maximum() - 2 and bar.maximum() > 0
        position = bar.value() if same_run else 0
        self.details.setPlainText(text)
        self._shown_key = record.key
        bar.setValue(bar.maximum() if at_end and not record.finished else position)

    def _update_summary(self, *_args: object) -> None:
        records = self.model.records
        self.stack.setCurrentWidget(self.table if records else self.placeholder)
        running = sum(r.status == RUNNING for r in records)
        queued = sum(r.status == QUEUED for r in records)
        failed = sum(r.status in (ERROR, TIMEOUT, REFUSED) for r in records)
        parts = []
        if running:
            parts.append(f"{running} running")
        if queued:
            parts.append(f"{queued} queued")
        finished = sum(r.finished for r in records)
        if finished:
            parts.append(f"{finished} finished" + (f" ({failed} with errors)" if failed else ""))
        self.summary.setText(" · ".join(parts) if parts else "No runs in this window yet.")
        active = running + queued > 0
        self.cancel_all_button.setEnabled(active)
        self.cancel_button.setEnabled(any(not r.finished for r in self.selected_records()))
        self.clear_button.setEnabled(finished > 0)
