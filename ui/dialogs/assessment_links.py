"""Pick the evidence items and graph entities of the case that support an assessment factor."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.icons import entity_icon, icon
from workbench.store.workspace import Workspace

ID_ROLE = Qt.ItemDataRole.UserRole + 1
ENTITY_LIMIT = 5000  # a picker is not a browser: huge cases are filtered in the Entities tab


def _checkable(text: str, item_id: str, checked: bool, tooltip: str = "") -> QListWidgetItem:
    item = QListWidgetItem(text)
    item.setData(ID_ROLE, item_id)
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    if tooltip:
        item.setToolTip(tooltip)
    return item


class LinkPickerDialog(QDialog):
    """Checkable lists of the case's evidence and entities. Ids chosen earlier stay chosen
    even if they are not among the entities listed."""

    def __init__(
        self,
        ws: Workspace,
        case_id: str,
        *,
        title: str,
        evidence_ids: tuple[str, ...] = (),
        entity_ids: tuple[str, ...] = (),
        with_evidence: bool = True,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumSize(560, 460)
        self._kept_entities = set(entity_ids)
        self.filter = QLineEdit(objectName="linkFilter")
        self.filter.setPlaceholderText("Filter by name, type or file…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.tabs = QTabWidget(self)
        self.evidence_list = QListWidget(objectName="evidenceList")
        self.entity_list = QListWidget(objectName="entityList")
        if with_evidence:
            for item in ws.evidence.list(case_id):
                text = item.filename + (f" — {item.description}" if item.description else "")
                self.evidence_list.addItem(
                    _checkable(text, item.id, item.id in evidence_ids, f"SHA-256 {item.sha256}")
                )
            self.tabs.addTab(
                self.evidence_list, icon("paperclip"), f"Evidence ({self.evidence_list.count()})"
            )
        self._missing_evidence = set(evidence_ids) - set(self._ids(self.evidence_list))
        listed = ws.graph.list_entities(case_id, limit=ENTITY_LIMIT)
        for entity in listed:
            row = _checkable(
                f"{entity.type}: {entity.label}", entity.id, entity.id in entity_ids, entity.value
            )
            row.setIcon(entity_icon(entity.type))
            self.entity_list.addItem(row)
        self._kept_entities -= {entity.id for entity in listed}
        self.tabs.addTab(
            self.entity_list, icon("waypoints"), f"Entities ({self.entity_list.count()})"
        )
        note = QLabel(objectName="muted")
        note.setWordWrap(True)
        total = ws.graph.count_entities(case_id)
        if total > ENTITY_LIMIT:
            note.setText(
                f"Showing the first {ENTITY_LIMIT:,} of {total:,} entities; links chosen "
                "earlier are kept."
            )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.MARGIN, theme.MARGIN, theme.MARGIN)
        layout.addWidget(self.filter)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)

    @staticmethod
    def _ids(widget: QListWidget, checked_only: bool = False) -> list[str]:
        ids = []
        for row in range(widget.count()):
            item = widget.item(row)
            if not checked_only or item.checkState() == Qt.CheckState.Checked:
                ids.append(str(item.data(ID_ROLE)))
        return ids

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for widget in (self.evidence_list, self.entity_list):
            for row in range(widget.count()):
                item = widget.item(row)
                item.setHidden(bool(needle) and needle not in item.text().lower())

    def set_checked(self, item_id: str, checked: bool = True) -> None:
        for widget in (self.evidence_list, self.entity_list):
            for row in range(widget.count()):
                item = widget.item(row)
                if item.data(ID_ROLE) == item_id:
                    item.setCheckState(
                        Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
                    )

    def evidence_ids(self) -> tuple[str, ...]:
        return (*self._ids(self.evidence_list, True), *sorted(self._missing_evidence))

    def entity_ids(self) -> tuple[str, ...]:
        return (*self._ids(self.entity_list, True), *sorted(self._kept_entities))
