"""Entities tab: the entity table above the link table, both lazy, both tied to the selection.

The entity table takes several rows (Ctrl/Shift-click, Shift+arrows) so that Run source can
work on all of them; its *current* row is what the session's one selection (graph, inspector)
follows. The link table selects one row.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.models.graph_tables import EntityTableModel, LinkTableModel, PagedModel
from ui.session import ENTITY, LINK, CaseSession

STRETCH = -1


def make_table(
    parent: QWidget,
    name: str,
    model: PagedModel,
    widths: tuple[int, ...],
    mode: QAbstractItemView.SelectionMode = QAbstractItemView.SelectionMode.SingleSelection,
) -> QTableView:
    table = QTableView(parent)
    table.setModel(model)
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(mode)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(26)
    table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    for column, width in enumerate(widths):
        if width == STRETCH:  # text columns share what the window has (1366 px and up)
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        else:
            table.setColumnWidth(column, width)
    return table


class EntitiesTab(QWidget):
    editRequested = Signal()
    contextMenuRequested = Signal(QPoint)

    def __init__(self, session: CaseSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.entity_model = EntityTableModel(session)
        self.link_model = LinkTableModel(session)
        self.entity_table = make_table(
            self,
            "entityTable",
            self.entity_model,
            (115, STRETCH, STRETCH, 95, 150),
            QAbstractItemView.SelectionMode.ExtendedSelection,
        )
        self.link_table = make_table(
            self, "linkTable", self.link_model, (STRETCH, 140, STRETCH, 90, 65, 150)
        )
        self.entity_caption = QLabel(objectName="subheading")
        self.link_caption = QLabel(objectName="subheading")
        self._applying = False
        self._origin = ""  # the kind of table whose current row is being sent to the session

        for table, model, kind in (
            (self.entity_table, self.entity_model, ENTITY),
            (self.link_table, self.link_model, LINK),
        ):
            if model.canFetchMore():  # the first page now, so the first paint has rows
                model.fetchMore()
            table.selectionModel().currentRowChanged.connect(
                lambda current, _prev, k=kind, m=model: self._current_changed(k, m, current)
            )
            table.doubleClicked.connect(lambda _index: self.editRequested.emit())
            table.customContextMenuRequested.connect(
                lambda pos, t=table: self._context_menu(t, pos)
            )
            model.rowsInserted.connect(self._update_captions)
            model.rowsRemoved.connect(self._update_captions)
            model.modelReset.connect(self._update_captions)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        for caption, table in (
            (self.entity_caption, self.entity_table),
            (self.link_caption, self.link_table),
        ):
            box = QWidget(splitter)
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.setSpacing(theme.SPACING // 2)
            box_layout.addWidget(caption)
            box_layout.addWidget(table)
            splitter.addWidget(box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.SPACING, theme.MARGIN, theme.MARGIN)
        layout.addWidget(splitter)
        session.selection.changed.connect(self.apply_selection)
        self._update_captions()
        self.apply_selection(session.selection.kind, session.selection.object_id)

    def _update_captions(self) -> None:
        for caption, model, noun in (
            (self.entity_caption, self.entity_model, "entities"),
            (self.link_caption, self.link_model, "links"),
        ):
            shown = model.rowCount()
            text = f"{model.total:,} {noun}"
            if shown < model.total:
                text += f"  (first {shown:,} loaded; scroll for more)"
            caption.setText(text)

    def _current_changed(self, kind: str, model: PagedModel, current: QModelIndex) -> None:
        if self._applying or not current.isValid():
            return
        self._origin = kind
        try:
            self.session.selection.select(kind, model.record(current.row()).id)
        finally:
            self._origin = ""

    def selected_entity_ids(self) -> list[str]:
        """The ids of the selected entity rows, top to bottom."""
        rows = sorted(i.row() for i in self.entity_table.selectionModel().selectedRows())
        return [self.entity_model.record(row).id for row in rows]

    def _context_menu(self, table: QTableView, pos: QPoint) -> None:
        index = table.indexAt(pos)
        if index.isValid():
            selection = table.selectionModel()
            if selection.isRowSelected(index.row(), QModelIndex()):
                # a right-click inside a multi-selection keeps it (Run source takes them all)
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
            else:
                table.selectRow(index.row())
        self.contextMenuRequested.emit(table.viewport().mapToGlobal(pos))

    def apply_selection(self, kind: str, object_id: str) -> None:
        """Show the session's selection here without echoing it back. A change that came
        from a table's own current row leaves that table's selection to Qt, so Ctrl- and
        Shift-clicks extend it instead of collapsing it to the current row."""
        self._applying = True
        try:
            for table, model, table_kind in (
                (self.entity_table, self.entity_model, ENTITY),
                (self.link_table, self.link_model, LINK),
            ):
                if table_kind == self._origin and kind == table_kind:
                    continue
                row = model.row_of(object_id) if kind == table_kind and object_id else -1
                selection = table.selectionModel()
                if row < 0:
                    selection.clearSelection()
                    selection.setCurrentIndex(
                        QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate
                    )
                    continue
                index = model.index(row, 0)
                selection.setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                table.scrollTo(index)
        finally:
            self._applying = False
        self._update_captions()
