"""The safe viewer: sanitized HTML in a QTextBrowser that loads nothing (no network, no
files, links not followed), plain text, and images that start blurred and greyscale when the
wellness rules say so, with a one-click Reveal that is logged to the custody log."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, Qt, QUrl, Signal
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui import wellness
from ui.views.evidence.preview import Preview


class OfflineBrowser(QTextBrowser):
    """Refuses every resource (images, style sheets) and never follows a link."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.refused: list[str] = []

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        self.refused.append(name.toString() if isinstance(name, QUrl) else str(name))
        return None


class SafeViewer(QWidget):
    revealRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.note = QLabel(objectName="muted")
        self.note.setWordWrap(True)
        self.stack = QStackedWidget()
        self.browser = OfflineBrowser()
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.image = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumHeight(120)
        self.empty = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, objectName="muted")
        self.empty.setWordWrap(True)
        image_page = QWidget()
        image_layout = QVBoxLayout(image_page)
        image_layout.setContentsMargins(0, 0, 0, 0)
        self.hidden_label = QLabel(objectName="muted", alignment=Qt.AlignmentFlag.AlignCenter)
        self.hidden_label.setWordWrap(True)
        self.reveal_button = QPushButton("Reveal this item")
        self.reveal_button.setToolTip("Show it unblurred and in colour; logged to custody")
        self.reveal_button.clicked.connect(self.revealRequested)
        image_layout.addWidget(self.image, 1)
        image_layout.addWidget(self.hidden_label)
        image_layout.addWidget(self.reveal_button, 0, Qt.AlignmentFlag.AlignHCenter)
        for widget in (self.browser, self.text, image_page, self.empty):
            self.stack.addWidget(widget)
        self._image_page = image_page
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.stack, 1)
        self._source = QImage()
        self.obscured = False
        self.clear("Select an item to see it here.")

    def clear(self, message: str) -> None:
        self.note.setText("")
        self.empty.setText(message)
        self.stack.setCurrentWidget(self.empty)
        self._source = QImage()

    def show_preview(self, preview: Preview, *, obscure: bool) -> None:
        self.note.setText(preview.note)
        self.note.setVisible(bool(preview.note))
        if preview.kind == "html":
            self.browser.setHtml(preview.html)
            self.stack.setCurrentWidget(self.browser)
        elif preview.kind == "text":
            self.text.setPlainText(preview.text)
            self.stack.setCurrentWidget(self.text)
        elif preview.kind == "image":
            image = QImage()
            image.loadFromData(QByteArray(preview.image))
            if image.isNull():
                self.clear("The image cannot be decoded; see its metadata.")
                return
            self._source = image
            self.set_obscured(obscure)
            self.stack.setCurrentWidget(self._image_page)
        else:
            self.clear(preview.note or "No preview.")

    def set_obscured(self, obscure: bool) -> None:
        self.obscured = obscure
        self.reveal_button.setVisible(obscure)
        self.hidden_label.setVisible(obscure)
        self.hidden_label.setText(
            "Blurred and greyscale (wellness setting). Reveal shows it as it is; the reveal is "
            "recorded in the custody log."
            if obscure
            else ""
        )
        self._paint()

    def _paint(self) -> None:
        if self._source.isNull():
            return
        pixmap = (
            wellness.obscured(self._source) if self.obscured else QPixmap.fromImage(self._source)
        )
        size = self.image.size()
        if pixmap.width() > size.width() or pixmap.height() > size.height():
            pixmap = pixmap.scaled(
                size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        self.image.setPixmap(pixmap)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._paint()
