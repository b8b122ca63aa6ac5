"""Driving the real dialogs of the window from tests."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QWidget,
)


class ModalDriver:
    """Answers the next modal dialog (QDialog.exec / QMessageBox) from inside its event loop."""

    def __init__(self) -> None:
        self.handled: list[str] = []

    def next(self, handler: Callable[[QWidget], None]) -> None:
        def poll() -> None:
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                QTimer.singleShot(5, poll)
                return
            self.handled.append(type(dialog).__name__)
            handler(dialog)

        QTimer.singleShot(0, poll)


def fill_entity_dialog(
    modal: ModalDriver,
    type_name: str,
    value: str,
    label: str = "",
    fields: dict[str, str] | None = None,
) -> None:
    def handle(dialog: QWidget) -> None:
        combo = dialog.findChild(QComboBox, "typeCombo")
        combo.setCurrentIndex(combo.findData(type_name))
        dialog.findChild(QLineEdit, "valueEdit").setText(value)
        dialog.findChild(QLineEdit, "labelEdit").setText(label)
        for name, text in (fields or {}).items():
            dialog.findChild(QLineEdit, f"field_{name}").setText(text)
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    modal.next(handle)


def fill_link_dialog(
    modal: ModalDriver,
    source_text: str,
    target_text: str,
    link_type: str,
    confidence: str = "confirmed",
    reliability: str | None = "B",
    credibility: str | None = "2",
) -> None:
    def handle(dialog: QWidget) -> None:
        for name, text in (("sourcePicker", source_text), ("targetPicker", target_text)):
            picker = dialog.findChild(QComboBox, name)
            index = picker.findText(text)
            if index >= 0:
                picker.setCurrentIndex(index)
            else:
                picker.setEditText(text)
        for name, data in (
            ("linkTypeCombo", link_type),
            ("confidenceCombo", confidence),
            ("reliabilityCombo", reliability),
            ("credibilityCombo", credibility),
        ):
            combo = dialog.findChild(QComboBox, name)
            combo.setCurrentIndex(combo.findData(data))
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    modal.next(handle)


def accept_message_box(modal: ModalDriver, button_text: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    def handle(dialog: QWidget) -> None:
        assert isinstance(dialog, QMessageBox), type(dialog)
        for button in dialog.buttons():
            if button.text() == button_text:
                button.click()
                return
        raise AssertionError(f"no button {button_text!r} in {dialog.text()!r}")

    modal.next(handle)


def reject(modal: ModalDriver) -> None:
    modal.next(lambda dialog: dialog.reject() if isinstance(dialog, QDialog) else None)
