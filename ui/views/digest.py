"""Shift hand-off digest as a view: what changed since a time, rendered from the core's
Markdown, with a button that copies the Markdown for the hand-off note."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, QTimeZone, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.icons import icon
from workbench.intake.digest import Digest, build_digest, to_markdown
from workbench.store.workspace import Workspace


class DigestView(QWidget):
    errorOccurred = Signal(object)

    def __init__(self, ws_or_session: Any, parent: QWidget | None = None, hours: int = 12):
        super().__init__(parent)
        self.ws: Workspace = (
            ws_or_session if isinstance(ws_or_session, Workspace) else ws_or_session.ws
        )
        self.digest: Digest | None = None
        self.markdown = ""
        self.since = QDateTimeEdit(objectName="digestSince")
        self.since.setTimeZone(QTimeZone.utc())
        self.since.setDisplayFormat("yyyy-MM-dd HH:mm 'UTC'")
        self.since.setCalendarPopup(True)
        start = datetime.now(UTC) - timedelta(hours=hours)
        self.since.setDateTime(
            QDateTime.fromSecsSinceEpoch(int(start.timestamp()), QTimeZone.utc())
        )
        self.refresh_button = QPushButton(icon("refresh-cw"), "Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.copy_button = QPushButton(icon("scroll-text"), "Copy as Markdown")
        self.copy_button.clicked.connect(self.copy_markdown)
        self.browser = QTextBrowser(objectName="digestText")
        top = QHBoxLayout()
        top.addWidget(QLabel("Changes since"))
        top.addWidget(self.since)
        top.addStretch(1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.MARGIN, theme.MARGIN, theme.MARGIN)
        layout.addLayout(top)
        layout.addWidget(self.browser, 1)
        self.refresh()

    def refresh(self) -> None:
        since = datetime.fromtimestamp(self.since.dateTime().toSecsSinceEpoch(), UTC)
        try:
            self.digest = build_digest(self.ws, since)
        except Exception as exc:
            self.errorOccurred.emit(exc)
            return
        self.markdown = to_markdown(self.digest)
        self.browser.setMarkdown(self.markdown)

    def copy_markdown(self) -> None:
        QGuiApplication.clipboard().setText(self.markdown)
