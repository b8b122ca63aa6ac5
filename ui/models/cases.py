"""The case list: one row per case with its counts, sortable and filterable by any column."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt

from ui import formatting as fmt
from ui.models.records import SORT_ROLE, Column, RecordTableModel
from workbench.store.cases import CaseSummary

PRIORITY_ORDER = {"P1": 1, "P2": 2, "P3": 3, "P4": 4}


def case_columns() -> list[Column[CaseSummary]]:
    return [
        Column("Reference", lambda s: s.case.reference),
        Column("Title", lambda s: s.case.title, tooltip=lambda s: s.case.title),
        Column(
            "Priority",
            lambda s: fmt.priority_text(s.case.priority),
            sort=lambda s: PRIORITY_ORDER.get(s.case.priority.value, 9),
        ),
        Column("Status", lambda s: fmt.status_text(s.case.status)),
        Column("Category", lambda s: fmt.category_text(s.case.category)),
        Column("Assignee", lambda s: s.case.assignee or "—"),
        Column(
            "Entities",
            lambda s: f"{s.entity_count:,}",
            sort=lambda s: s.entity_count,
            align_right=True,
        ),
        Column(
            "Links", lambda s: f"{s.link_count:,}", sort=lambda s: s.link_count, align_right=True
        ),
        Column(
            "Updated",
            lambda s: fmt.time_text(s.case.updated_at),
            sort=lambda s: s.case.updated_at,
            tooltip=lambda s: fmt.time_tooltip(s.case.updated_at),
        ),
    ]


class CaseListModel(RecordTableModel[CaseSummary]):
    def __init__(self, parent: QObject | None = None):
        super().__init__(case_columns(), key=lambda s: s.case.id, parent=parent)


class CaseFilterProxy(QSortFilterProxyModel):
    """Case-insensitive 'contains' over every column; sorts on typed values, not text."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self._needle = ""

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        needle = self._needle
        if not needle:
            return True
        model = self.sourceModel()
        for column in range(model.columnCount()):
            value = model.data(model.index(source_row, column, source_parent))
            if value and needle in str(value).casefold():
                return True
        return False

    def set_text(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10+
            self.beginFilterChange()
            self._needle = text.strip().casefold()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._needle = text.strip().casefold()
            self.invalidateFilter()
