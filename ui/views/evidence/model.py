"""Lazy table of a case's evidence items: pages of 200 rows fetched as the view scrolls."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from ui import formatting as fmt
from ui import theme
from ui.models.records import ID_ROLE, RECORD_ROLE
from workbench.evidence.model import EvidenceDetails, Integrity
from workbench.model import Evidence
from workbench.store.workspace import Workspace

PAGE = 200
Index = QModelIndex | QPersistentModelIndex
Row = tuple[Evidence, EvidenceDetails | None]
HEADERS = ("Integrity", "File", "Type", "Size", "Copy", "Sensitivity", "Collected")
INTEGRITY_TEXT = {
    Integrity.OK: "OK",
    Integrity.UNVERIFIED: "not checked",
    Integrity.MISMATCH: "MODIFIED",
    Integrity.MISSING: "MISSING",
}


def size_text(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


class EvidenceTableModel(QAbstractTableModel):
    def __init__(self, ws: Workspace, case_id: str, parent: QObject | None = None):
        super().__init__(parent)
        self.ws = ws
        self.case_id = case_id
        self._rows: list[Row] = []
        self._total = 0

    def reload(self) -> None:
        self.beginResetModel()
        self._total = self.ws.evidence.count(self.case_id)
        self._rows = self.ws.evidence.page(self.case_id, 0, PAGE)
        self.endResetModel()

    def refresh(self) -> None:
        """Re-read the loaded rows; the same items in the same order update in place (the
        selection stays, so the viewer does not open the item again), new ones append."""
        total = self.ws.evidence.count(self.case_id)
        rows = self.ws.evidence.page(self.case_id, 0, max(len(self._rows), PAGE))
        known = [item.id for item, _ in self._rows]
        if [item.id for item, _ in rows[: len(known)]] != known:
            self.beginResetModel()
            self._total, self._rows = total, rows
            self.endResetModel()
            return
        self._total = total
        self._rows[:] = rows[: len(known)]
        if known:
            self.dataChanged.emit(self.index(0, 0), self.index(len(known) - 1, len(HEADERS) - 1))
        if len(rows) > len(known):
            self.beginInsertRows(QModelIndex(), len(known), len(rows) - 1)
            self._rows.extend(rows[len(known) :])
            self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        more = self.ws.evidence.page(self.case_id, len(self._rows), PAGE)
        if not more:
            self._total = len(self._rows)
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def row(self, index: int) -> Row:
        return self._rows[index]

    def row_of(self, evidence_id: str) -> int:
        while True:
            for number, (item, _details) in enumerate(self._rows):
                if item.id == evidence_id:
                    return number
            if not self.canFetchMore():
                return -1
            self.fetchMore()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        item, details = self._rows[index.row()]
        column = index.column()
        integrity = details.integrity if details else Integrity.UNVERIFIED
        if role == Qt.ItemDataRole.DisplayRole:
            copy = details.copy_type.value if details else "original"
            return (
                INTEGRITY_TEXT[integrity],
                item.filename,
                item.mime_type,
                size_text(item.size),
                copy,
                item.sensitivity or "",
                fmt.time_text(item.collected_at),
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            colours = theme.colours()
            if integrity.blocks_export:
                return QColor(colours.bad)
            return QColor(colours.ok if integrity is Integrity.OK else colours.muted)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0 and details is not None:
                return details.integrity_detail
            if column == 6:
                return fmt.time_tooltip(item.collected_at)
            if column == 1:
                return f"{item.filename}\n{item.description}\ncollected by {item.collected_by}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ID_ROLE:
            return item.id
        if role == RECORD_ROLE:
            return item
        return None
