"""Add or edit a link: two entity pickers that search the case, the link type, confidence and
the Admiralty grading (source reliability A-F, information credibility 1-6)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ui import formatting as fmt
from ui import theme
from ui.icons import entity_icon
from ui.session import CaseSession
from workbench.errors import ValidationError
from workbench.model import Confidence, Link

PICKER_LIMIT = 5000  # entities offered in the lists; others are found by id or type:value


class EntityPicker(QComboBox):
    """An editable combo over the case's entities; typing filters by any part of the text.
    Text that matches no item is resolved by the core (`type:value` or an id)."""

    def __init__(self, session: CaseSession, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setObjectName(name)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(15)
        self.setMinimumContentsLength(32)
        for entity in session.ws.graph.list_entities(session.case_id, limit=PICKER_LIMIT):
            type_label = (
                session.vocabulary.entity_types[entity.type].label
                if entity.type in session.vocabulary.entity_types
                else entity.type
            )
            text = (
                entity.label if entity.label == entity.value else f"{entity.label} — {entity.value}"
            )
            self.addItem(entity_icon(entity.type), f"{text}  [{type_label}]", entity.id)
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self.lineEdit().setPlaceholderText("type to search, or type:value, or an id")
        self.setCurrentIndex(-1)

    def select_entity(self, entity_id: str) -> None:
        index = self.findData(entity_id)
        if index >= 0:
            self.setCurrentIndex(index)

    def entity_id(self) -> str:
        text = self.currentText().strip()
        index = self.findText(text, Qt.MatchFlag.MatchExactly)
        if index >= 0:
            return str(self.itemData(index))
        if not text:
            raise ValidationError("Choose both ends of the link.")
        return self.session.ws.graph.resolve_entity(self.session.case_id, text).id


def _grading_combo(name: str, texts: dict[str, str]) -> QComboBox:
    combo = QComboBox(objectName=name)
    combo.addItem("— ungraded", None)
    for code, text in texts.items():
        combo.addItem(text, code)
    return combo


class LinkDialog(QDialog):
    """`link` None: add; otherwise edit (the ends of an existing link are fixed)."""

    def __init__(
        self,
        session: CaseSession,
        link: Link | None = None,
        source_id: str | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.session = session
        self.link = link
        self.setWindowTitle("Edit link" if link else "Add link")
        self.setMinimumWidth(560)
        self.source = EntityPicker(session, "sourcePicker")
        self.target = EntityPicker(session, "targetPicker")
        self.type_combo = QComboBox(objectName="linkTypeCombo")
        for name, link_type in session.vocabulary.link_types.items():
            self.type_combo.addItem(link_type.label, name)
        self.confidence = QComboBox(objectName="confidenceCombo")
        for member in Confidence:
            self.confidence.addItem(fmt.confidence_text(member), member.value)
        self.confidence.setCurrentIndex(self.confidence.findData(Confidence.SUSPECTED.value))
        self.reliability = _grading_combo("reliabilityCombo", fmt.RELIABILITY_TEXT)
        self.credibility = _grading_combo("credibilityCombo", fmt.CREDIBILITY_TEXT)
        self.error = QLabel(objectName="error")
        self.error.setStyleSheet(f"color: {theme.colours().bad}")
        self.error.setWordWrap(True)
        self.error.hide()

        form = QFormLayout()
        form.setVerticalSpacing(theme.SPACING)
        form.addRow("&From", self.source)
        form.addRow("&Link type", self.type_combo)
        form.addRow("&To", self.target)
        form.addRow("&Confidence", self.confidence)
        form.addRow("Source &reliability", self.reliability)
        form.addRow("Information c&redibility", self.credibility)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(
            theme.MARGIN * 2, theme.MARGIN * 2, theme.MARGIN * 2, theme.MARGIN
        )
        layout.setSpacing(theme.MARGIN)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        if link is not None:
            self.source.select_entity(link.source_id)
            self.target.select_entity(link.target_id)
            for picker in (self.source, self.target):
                picker.setEnabled(False)
            self.type_combo.setCurrentIndex(self.type_combo.findData(link.type))
            self.confidence.setCurrentIndex(self.confidence.findData(link.confidence.value))
            self.reliability.setCurrentIndex(self.reliability.findData(link.reliability))
            self.credibility.setCurrentIndex(self.credibility.findData(link.credibility))
        elif source_id:
            self.source.select_entity(source_id)
            self.target.setFocus()

    def grading(self) -> dict[str, Any]:
        return {
            "confidence": self.confidence.currentData(),
            "reliability": self.reliability.currentData(),
            "credibility": self.credibility.currentData(),
        }

    def values(self) -> dict[str, Any]:
        source_id = self.link.source_id if self.link else self.source.entity_id()
        target_id = self.link.target_id if self.link else self.target.entity_id()
        if source_id == target_id:
            raise ValidationError("A link joins two different entities; choose another end.")
        return {
            "source_id": source_id,
            "target_id": target_id,
            "type": self.type_combo.currentData(),
            **self.grading(),
        }

    def _accept(self) -> None:
        try:
            self.resolved = self.values()
        except Exception as exc:  # NotFound / Validation from the core: shown in the dialog
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()
