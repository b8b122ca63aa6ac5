"""Entity and link tables of a case: lazy, paged models over the core.

Only the first page is read when a case opens; the view asks for more (canFetchMore /
fetchMore) as the user scrolls, so a 100k-entity case paints its first rows at once.
Changes arrive as session signals and are applied row by row, keeping scroll and selection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ui import formatting as fmt
from ui.icons import entity_icon
from ui.models.records import ID_ROLE, RECORD_ROLE
from ui.session import CaseSession
from workbench.model import Confidence, Entity, Link

PAGE_SIZE = 500
Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T", Entity, Link)


class PagedModel(QAbstractTableModel, Generic[T]):
    headers: Sequence[str] = ()

    def __init__(self, session: CaseSession, page_size: int = PAGE_SIZE):
        super().__init__(session)
        self.session = session
        self.page_size = page_size
        self._rows: list[T] = []
        self._total = self._count()
        self.fetch_calls = 0  # how many pages were read (tests and benchmarks look)
        # Bulk edits, merges and their undo change many rows at once: read again from the top.
        session.graphReloaded.connect(self.reload)

    # subclasses: where the rows come from
    def _count(self) -> int:
        raise NotImplementedError

    def _page(self, offset: int, limit: int) -> list[T]:
        raise NotImplementedError

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        page = self._page(len(self._rows), self.page_size)
        self.fetch_calls += 1
        if not page:
            self._total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()
        self._loaded(page)

    def _loaded(self, page: list[T]) -> None:
        """Hook for subclasses after a page arrives."""

    @property
    def total(self) -> int:
        return self._total

    def record(self, row: int) -> T:
        return self._rows[row]

    def row_of(self, object_id: str, fetch_limit: int = 5000) -> int:
        """The row of an object, reading further pages (up to `fetch_limit` rows) to find it."""
        while True:
            for row, record in enumerate(self._rows):
                if record.id == object_id:
                    return row
            if not self.canFetchMore() or len(self._rows) >= fetch_limit:
                return -1
            self.fetchMore()

    def _find(self, object_id: str) -> int:
        return next((row for row, r in enumerate(self._rows) if r.id == object_id), -1)

    # ---- applying session changes ---------------------------------------------------------
    def added(self, record: T) -> None:
        self._total += 1
        if len(self._rows) == self._total - 1:  # fully loaded: show it at the end
            row = len(self._rows)
            self.beginInsertRows(QModelIndex(), row, row)
            self._rows.append(record)
            self.endInsertRows()

    def updated(self, record: T) -> None:
        row = self._find(record.id)
        if row >= 0:
            self._rows[row] = record
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.headers) - 1))

    def removed(self, object_id: str) -> None:
        self._total = max(0, self._total - 1)
        row = self._find(object_id)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._total = self._count()
        self.endResetModel()
        if self.canFetchMore():
            self.fetchMore()

    def refresh_display(self) -> None:
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(self.headers) - 1)
            )


class EntityTableModel(PagedModel[Entity]):
    headers = ("Type", "Value", "Label", "Provenance", "Created")

    def __init__(self, session: CaseSession, page_size: int = PAGE_SIZE):
        super().__init__(session, page_size)
        session.entityAdded.connect(self.added)
        session.entityUpdated.connect(self.updated)
        session.entityRemoved.connect(self.removed)

    def _count(self) -> int:
        return self.session.ws.graph.count_entities(self.session.case_id)

    def _page(self, offset: int, limit: int) -> list[Entity]:
        return self.session.ws.graph.list_entities(self.session.case_id, offset=offset, limit=limit)

    def _loaded(self, page: list[Entity]) -> None:
        self.session.remember(page)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        entity = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entity, column)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return entity_icon(entity.type)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 4:
                return fmt.time_tooltip(entity.created_at)
            if column in (1, 2):
                return self._display(entity, column)
        if role == ID_ROLE:
            return entity.id
        if role == RECORD_ROLE:
            return entity
        return None

    def _display(self, entity: Entity, column: int) -> str:
        if column == 0:
            known = self.session.vocabulary.entity_types.get(entity.type)
            return known.label if known else entity.type
        if column == 1:
            return entity.value
        if column == 2:
            return entity.label
        if column == 3:
            kinds = self.session.provenance_kind(entity.id)
            return ", ".join(fmt.PROVENANCE_TEXT.get(k, k) for k in kinds.split(", ") if k)
        return fmt.time_text(entity.created_at)


class LinkTableModel(PagedModel[Link]):
    headers = ("Source", "Link", "Target", "Confidence", "Grading", "Created")

    def __init__(self, session: CaseSession, page_size: int = PAGE_SIZE):
        super().__init__(session, page_size)
        session.linkAdded.connect(self.added)
        session.linkUpdated.connect(self.updated)
        session.linkRemoved.connect(self.removed)
        session.entityUpdated.connect(lambda _entity: self.refresh_display())

    def _count(self) -> int:
        return self.session.ws.graph.count_links(self.session.case_id)

    def _page(self, offset: int, limit: int) -> list[Link]:
        return self.session.ws.graph.list_links(self.session.case_id, offset=offset, limit=limit)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        link = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _LINK_CELLS[column](self, link)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 5:
                return fmt.time_tooltip(link.created_at)
            if column == 4 and link.grading:
                return (
                    f"{fmt.RELIABILITY_TEXT.get(link.reliability or '', 'ungraded')}\n"
                    f"{fmt.CREDIBILITY_TEXT.get(link.credibility or '', 'ungraded')}"
                )
            return _LINK_CELLS[column](self, link)
        if role == Qt.ItemDataRole.ForegroundRole and link.confidence == Confidence.REFUTED:
            from PySide6.QtGui import QColor

            from ui import theme

            return QColor(theme.colours().muted)
        if role == ID_ROLE:
            return link.id
        if role == RECORD_ROLE:
            return link
        return None

    def type_label(self, link: Link) -> str:
        known = self.session.vocabulary.link_types.get(link.type)
        return known.label if known else link.type


_LINK_CELLS: list[Callable[[LinkTableModel, Link], str]] = [
    lambda m, link: m.session.entity_label(link.source_id),
    lambda m, link: m.type_label(link),
    lambda m, link: m.session.entity_label(link.target_id),
    lambda m, link: fmt.confidence_text(link.confidence),
    lambda m, link: fmt.grading_text(link.reliability, link.credibility),
    lambda m, link: fmt.time_text(link.created_at),
]

__all__ = ["PAGE_SIZE", "EntityTableModel", "LinkTableModel"]
