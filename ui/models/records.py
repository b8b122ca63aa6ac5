"""A table model over a list of records, described by columns (for short lists: cases,
evidence, audit events). Lazy paged tables for entities and links live in graph_tables.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

# Custom roles, shared by every model of the UI.
ID_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2
SORT_ROLE = Qt.ItemDataRole.UserRole + 3

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex


class ListTableModel(QAbstractTableModel):
    """Row/column counts and horizontal headers for a model over a Python list with fixed
    headers; subclasses set `headers` and return their list from `items()`."""

    headers: Sequence[str] = ()

    def items(self) -> Sequence[Any]:
        raise NotImplementedError  # abstract: QObject's metaclass rules out abc

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items())

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None


@dataclass(frozen=True)
class Column(Generic[T]):
    header: str
    display: Callable[[T], str]
    sort: Callable[[T], Any] | None = None
    tooltip: Callable[[T], str] | None = None
    decoration: Callable[[T], QIcon | None] | None = None
    align_right: bool = False


class RecordTableModel(QAbstractTableModel, Generic[T]):
    def __init__(
        self, columns: Sequence[Column[T]], key: Callable[[T], str], parent: QObject | None = None
    ):
        super().__init__(parent)
        self.columns = list(columns)
        self._key = key
        self._rows: list[T] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        record = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(record)
        if role == SORT_ROLE:
            return column.sort(record) if column.sort else column.display(record)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip:
            return column.tooltip(record)
        if role == Qt.ItemDataRole.DecorationRole and column.decoration:
            return column.decoration(record)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ID_ROLE:
            return self._key(record)
        if role == RECORD_ROLE:
            return record
        return None

    def records(self) -> list[T]:
        return list(self._rows)

    def record(self, row: int) -> T:
        return self._rows[row]

    def row_of(self, key: str) -> int:
        for row, record in enumerate(self._rows):
            if self._key(record) == key:
                return row
        return -1

    def set_records(self, records: Sequence[T]) -> None:
        """Replace the rows; same keys in the same order update in place (keeps selection)."""
        records = list(records)
        if [self._key(r) for r in records] == [self._key(r) for r in self._rows]:
            self._rows = records
            if records:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(len(records) - 1, len(self.columns) - 1)
                )
            return
        self.beginResetModel()
        self._rows = records
        self.endResetModel()
