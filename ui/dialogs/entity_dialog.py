"""Add or edit an entity: its type, value, label and the typed properties the type declares."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ui import formatting as fmt
from ui import theme
from ui.icons import entity_icon
from workbench.errors import ValidationError
from workbench.model import Entity
from workbench.vocabulary import Vocabulary

PLACEHOLDERS = {
    "number": "a number",
    "datetime": "ISO 8601, e.g. 2026-05-01T22:00Z",
    "url": "https://…",
    "text": "",
}


def parse_field(kind: str, name: str, text: str) -> Any:
    """Turn what was typed into the property value; errors name the field and the fix."""
    text = text.strip()
    if kind == "number":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise ValidationError(
                f"{fmt.humanise_key(name)} must be a number; {text!r} is not."
            ) from None
        return int(number) if number.is_integer() and "." not in text else number
    if kind == "datetime":
        try:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                f"{fmt.humanise_key(name)} must be a date and time such as "
                f"2026-05-01T22:00Z; {text!r} is not."
            ) from None
    return text


class EntityDialog(QDialog):
    """`entity` None: add; otherwise edit (the type of an existing entity is fixed)."""

    def __init__(
        self, vocabulary: Vocabulary, entity: Entity | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.vocabulary = vocabulary
        self.entity = entity
        self.setWindowTitle("Edit entity" if entity else "Add entity")
        self.setMinimumWidth(500)
        self.type_combo = QComboBox(objectName="typeCombo")
        for name, entity_type in vocabulary.entity_types.items():
            self.type_combo.addItem(entity_icon(name), entity_type.label, name)
        self.value_edit = QLineEdit(objectName="valueEdit")
        self.label_edit = QLineEdit(objectName="labelEdit")
        self.label_edit.setPlaceholderText("optional: how it reads on the graph")
        self.fields_box = QGroupBox("Properties")
        self.fields_form = QFormLayout(self.fields_box)
        self.fields_form.setVerticalSpacing(theme.SPACING)
        self.field_edits: dict[str, tuple[str, QLineEdit]] = {}
        self.extra_note = QLabel(objectName="muted")
        self.extra_note.setWordWrap(True)

        form = QFormLayout()
        form.setVerticalSpacing(theme.SPACING)
        form.addRow("&Type", self.type_combo)
        form.addRow("&Value", self.value_edit)
        form.addRow("&Label", self.label_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.error = QLabel(objectName="error")
        self.error.setStyleSheet(f"color: {theme.colours().bad}")
        self.error.setWordWrap(True)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(
            theme.MARGIN * 2, theme.MARGIN * 2, theme.MARGIN * 2, theme.MARGIN
        )
        layout.setSpacing(theme.MARGIN)
        layout.addLayout(form)
        layout.addWidget(self.fields_box)
        layout.addWidget(self.extra_note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.type_combo.currentIndexChanged.connect(self._type_changed)
        if entity is not None:
            self.type_combo.setCurrentIndex(self.type_combo.findData(entity.type))
            self.type_combo.setEnabled(False)
            self.value_edit.setText(entity.value)
            self.label_edit.setText(entity.label if entity.label != entity.value else "")
        self._type_changed()

    def type_name(self) -> str:
        return str(self.type_combo.currentData())

    def _type_changed(self) -> None:
        while self.fields_form.rowCount():
            self.fields_form.removeRow(0)
        self.field_edits = {}
        entity_type = self.vocabulary.entity_types[self.type_name()]
        self.value_edit.setPlaceholderText(f"{entity_type.label} value (required)")
        current = self.entity.properties if self.entity else {}
        for name, kind in entity_type.fields.items():
            edit = QLineEdit(objectName=f"field_{name}")
            edit.setPlaceholderText(PLACEHOLDERS.get(kind, ""))
            if kind == "number":
                edit.setValidator(QDoubleValidator(edit))
            if name in current:
                edit.setText(fmt.property_text(current[name]))
            self.fields_form.addRow(fmt.humanise_key(name), edit)
            self.field_edits[name] = (kind, edit)
        self.fields_box.setVisible(bool(entity_type.fields))
        extra = sorted(set(current) - set(entity_type.fields))
        self.extra_note.setText(
            f"Also kept unchanged: {', '.join(fmt.humanise_key(k) for k in extra)}."
            if extra
            else ""
        )
        self.extra_note.setVisible(bool(extra))

    def properties(self) -> dict[str, Any]:
        """Typed fields, plus properties of the entity this form does not show (kept)."""
        result: dict[str, Any] = {}
        if self.entity is not None:
            entity_type = self.vocabulary.entity_types[self.type_name()]
            result = {
                k: v for k, v in self.entity.properties.items() if k not in entity_type.fields
            }
        for name, (kind, edit) in self.field_edits.items():
            if edit.text().strip():
                result[name] = parse_field(kind, name, edit.text())
        return result

    def values(self) -> dict[str, Any]:
        return {
            "type": self.type_name(),
            "value": self.value_edit.text().strip(),
            "label": self.label_edit.text().strip() or None,
            "properties": self.properties(),
        }

    def _accept(self) -> None:
        try:
            values = self.values()
            if not values["value"]:
                raise ValidationError(
                    "Give the value of the entity (for example the handle, "
                    "the address or the number)."
                )
        except ValidationError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()
