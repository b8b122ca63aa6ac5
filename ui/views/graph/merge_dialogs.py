"""Dialogs of the graph's merge commands: choose the entity to keep, pick a merge to undo,
review duplicate suggestions (from `workbench.graph.duplicates`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import formatting as fmt

if TYPE_CHECKING:
    from ui.views.graph.tab import GraphTab


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def _choice_list(dialog: QWidget, rows: list[tuple[str, str]], name: str) -> QListWidget:
    widget = QListWidget(objectName=name)
    for key, text in rows:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, key)
        widget.addItem(item)
    widget.setCurrentRow(0)
    return widget


class MergeDialog(QDialog):
    """Which of the selected entities stays; the others are merged into it."""

    def __init__(self, tab: GraphTab, entity_ids: list[str]):
        super().__init__(tab)
        self.setWindowTitle("Merge entities")
        m = tab.model
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Merge {len(entity_ids)} entities into one. Choose the one to keep: the others' "
            "links, provenance and evidence move to it, their values are kept in its history, "
            "and Unmerge puts everything back."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        rows = []
        for entity_id in entity_ids:
            i = m.index[entity_id]
            type_label = tab.style.type_label(m.type_names[m.types[i]])
            rows.append((entity_id, f"{m.labels[i]}  ({type_label}: {m.values[i]})"))
        self.list = _choice_list(self, rows, "mergeKeep")
        layout.addWidget(self.list)
        self.reason_edit = QLineEdit(placeholderText="Why they are the same (recorded in the log)")
        layout.addWidget(self.reason_edit)
        layout.addWidget(_buttons(self, "Merge"))
        self.resize(520, 320)

    def kept(self) -> str:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else ""

    def reason(self) -> str:
        return self.reason_edit.text().strip()


class UnmergeDialog(QDialog):
    def __init__(self, tab: GraphTab):
        from workbench.graph.merge import MergeRepository

        super().__init__(tab)
        self.setWindowTitle("Unmerge")
        records = [
            r
            for r in MergeRepository(tab.session.ws).list_merges(tab.session.case_id)
            if r.status == "merged"
        ]
        self.empty = not records
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Choose the merge to undo (newest first):"))
        rows = []
        for r in sorted(records, key=lambda r: r.merged_at, reverse=True):
            keep = tab.session.entity_label(r.keep_id)
            rows.append(
                (
                    r.id,
                    f"{fmt.time_text(r.merged_at)} · {len(r.duplicate_ids)} merged into '{keep}'"
                    f" by {r.merged_by}" + (f" — {r.reason}" if r.reason else ""),
                )
            )
        self.list = _choice_list(self, rows, "unmergeList")
        layout.addWidget(self.list)
        layout.addWidget(_buttons(self, "Unmerge"))
        self.resize(560, 320)

    def chosen(self) -> str:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else ""


class SuggestionsDialog(QDialog):
    """Likely duplicates, best first; choosing one selects it and opens the merge dialog."""

    def __init__(self, tab: GraphTab):
        from workbench.graph.duplicates import suggest_duplicates

        super().__init__(tab)
        self.setWindowTitle("Duplicate suggestions")
        self.suggestions = suggest_duplicates(tab.session.ws, tab.session.case_id)
        layout = QVBoxLayout(self)
        text = (
            f"{len(self.suggestions)} groups look like the same thing. Choose one to review "
            "and merge it; nothing is merged without your choice."
            if self.suggestions
            else "No likely duplicates found in this case."
        )
        hint = QLabel(text)
        hint.setWordWrap(True)
        layout.addWidget(hint)
        rows = []
        for k, s in enumerate(self.suggestions):
            names = " / ".join(s.labels or s.ids)
            rows.append((str(k), f"{names}  — {s.reason} ({s.score:.2f})"))
        self.list = _choice_list(self, rows, "duplicateList")
        layout.addWidget(self.list)
        layout.addWidget(_buttons(self, "Review and merge…"))
        self.resize(640, 420)

    def chosen_group(self) -> list[str]:
        item = self.list.currentItem()
        if item is None or not self.suggestions:
            return []
        return list(self.suggestions[int(item.data(Qt.ItemDataRole.UserRole))].ids)
