"""New case dialog: the few fields a case starts with; the core validates and audits."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui import formatting as fmt
from ui import theme
from workbench.model import Category, Priority


class NewCaseDialog(QDialog):
    def __init__(self, actor: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("New case")
        self.setMinimumWidth(480)
        self.title_edit = QLineEdit(objectName="titleEdit")
        self.title_edit.setPlaceholderText("e.g. Threat against school in a live stream")
        self.priority = QComboBox(objectName="priorityCombo")
        for member in Priority:
            self.priority.addItem(fmt.priority_text(member), member.value)
        self.priority.setCurrentIndex(self.priority.findData(Priority.P2.value))
        self.category = QComboBox(objectName="categoryCombo")
        for member in Category:
            self.category.addItem(fmt.category_text(member), member.value)
        self.category.setCurrentIndex(self.category.findData(Category.OTHER.value))
        self.assignee = QLineEdit(actor, objectName="assigneeEdit")
        self.tags = QLineEdit(objectName="tagsEdit")
        self.tags.setPlaceholderText("comma-separated, e.g. emergency, minor")
        self.description = QPlainTextEdit(objectName="descriptionEdit")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(110)

        form = QFormLayout()
        form.setVerticalSpacing(theme.SPACING)
        form.addRow("&Title", self.title_edit)
        form.addRow("&Priority", self.priority)
        form.addRow("&Category", self.category)
        form.addRow("&Assignee", self.assignee)
        form.addRow("Ta&gs", self.tags)
        form.addRow("&Description", self.description)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create case")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(
            theme.MARGIN * 2, theme.MARGIN * 2, theme.MARGIN * 2, theme.MARGIN
        )
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title_edit.text(),
            "priority": self.priority.currentData(),
            "category": self.category.currentData(),
            "assignee": self.assignee.text().strip() or None,
            "tags": [t for t in (part.strip() for part in self.tags.text().split(",")) if t],
            "description": self.description.toPlainText().strip(),
        }
