"""Shared frame of the exchange dialogs: a form, a progress bar, a status line, and buttons
whose Cancel stops the running job (or closes the dialog when nothing runs)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.exchange.job import Job, Work


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{count} bytes"


class PathField(QWidget):
    """A path line edit with a Browse… button."""

    def __init__(self, chooser: Callable[[str], str], parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.browse = QPushButton("Browse…", self)
        self.browse.clicked.connect(lambda: self._choose(chooser))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.browse)

    def _choose(self, chooser: Callable[[str], str]) -> None:
        chosen = chooser(self.edit.text())
        if chosen:
            self.edit.setText(chosen)

    def path(self) -> Path | None:
        text = self.edit.text().strip()
        return Path(text).expanduser() if text else None


def save_file(parent: QWidget, title: str, filters: str) -> Callable[[str], str]:
    return lambda current: QFileDialog.getSaveFileName(parent, title, current, filters)[0]


def open_file(parent: QWidget, title: str, filters: str) -> Callable[[str], str]:
    return lambda current: QFileDialog.getOpenFileName(parent, title, current, filters)[0]


class JobDialog(QDialog):
    """Subclasses fill `self.form` and call `self.run(...)` from their action buttons."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self.job = Job(self)
        self.job.progressed.connect(self._progressed)
        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("exchangeProgress")
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.status = QLabel("", self)
        self.status.setObjectName("exchangeStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(self)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.clicked.connect(self._cancel_or_close)
        layout.addWidget(self.buttons)
        self._bytes = False
        self._off_before: set[int] = set()

    def say(self, text: str) -> None:
        """Show a status line; the dialog grows so a long message (hashes) is not cut."""
        self.status.setText(text)
        self.adjustSize()

    def add_button(self, text: str, slot: Callable[[], None], default: bool = False) -> QPushButton:
        button = self.buttons.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
        button.clicked.connect(slot)
        button.setDefault(default)
        return button

    def run(
        self,
        message: str,
        work: Work,
        on_done: Callable[[Any], None],
        *,
        measured_in_bytes: bool = False,
        determinate: bool = True,
    ) -> None:
        self._bytes = measured_in_bytes
        self._set_busy(True)
        self.progress.setRange(0, 1000 if determinate else 0)
        self.progress.setValue(0)
        self.say(message)
        self.job.start(work, lambda result: self._finished(on_done, result), self._failed)

    def _set_busy(self, busy: bool) -> None:
        """Lock the form while a job runs; afterwards a field that was off (say the links
        CSV of a GraphML import) stays off."""
        self.progress.setVisible(busy)
        for button in self.buttons.buttons():
            if button is not self.cancel_button:
                button.setEnabled(not busy)
        widgets = [
            item.widget()
            for item in (self.form.itemAt(i) for i in range(self.form.count()))
            if item is not None and item.widget() is not None
        ]
        if busy:
            self._off_before = {id(w) for w in widgets if not w.isEnabled()}
        for widget in widgets:
            widget.setEnabled(not busy and id(widget) not in self._off_before)
        self.cancel_button.setText("Cancel" if busy else "Close")

    def _progressed(self, done: int, total: int) -> None:
        if self.progress.maximum() == 0 or total <= 0:
            return
        self.progress.setValue(int(1000 * min(done, total) / total))
        if self._bytes:
            self.progress.setFormat(f"{human_bytes(done)} of {human_bytes(total)}")
        else:
            self.progress.setFormat(f"{done:,} of {total:,}")

    def _finished(self, on_done: Callable[[Any], None], result: Any) -> None:
        self._set_busy(False)
        on_done(result)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if self.job.cancelled:
            self.say("Cancelled; nothing was written.")
            return
        from workbench.errors import WorkbenchError

        if isinstance(error, WorkbenchError):
            self.say(f"⚠ {error}")
        else:
            from ui.dialogs.messages import show_error

            self.say("Failed; see the error message.")
            show_error(self, error)

    def _cancel_or_close(self) -> None:
        if self.job.running:
            self.job.cancel()
            self.say("Cancelling…")
        else:
            self.reject()

    def reject(self) -> None:
        if self.job.running:  # Esc while running cancels first
            self.job.cancel()
            self.say("Cancelling…")
            return
        super().reject()
