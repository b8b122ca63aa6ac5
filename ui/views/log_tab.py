"""Log tab: the case's audit events, newest first, and a check of the whole hash chain."""

from __future__ import annotations

import html
import json

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui import formatting as fmt
from ui import theme
from ui.icons import icon
from ui.models.records import Column, RecordTableModel
from ui.session import CaseSession
from ui.workers import run_in_background
from workbench.audit import ChainReport, iter_events, verify_chain
from workbench.model import AuditEvent

LOG_LIMIT = 5000


def _summary(event: AuditEvent) -> str:
    return json.dumps(event.summary, ensure_ascii=False, sort_keys=True, default=str)


LOG_COLUMNS: list[Column[AuditEvent]] = [
    Column("#", lambda e: str(e.seq), sort=lambda e: e.seq, align_right=True),
    Column("When", lambda e: fmt.time_text(e.at), tooltip=lambda e: fmt.time_tooltip(e.at)),
    Column("Who", lambda e: e.actor),
    Column("Action", lambda e: e.action),
    Column(
        "Object",
        lambda e: f"{e.object_type} {e.object_id[:8]}",
        tooltip=lambda e: f"{e.object_type} {e.object_id}",
    ),
    Column("Details", _summary, tooltip=_summary),
]


class LogTab(QWidget):
    def __init__(self, session: CaseSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.model = RecordTableModel(LOG_COLUMNS, key=lambda e: str(e.seq), parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("logTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((60, 140, 110, 130, 150)):
            self.table.setColumnWidth(column, width)
        self.caption = QLabel(objectName="subheading")
        self.verify_button = QPushButton(icon("shield-check"), "Verify chain", self)
        self.verify_button.setToolTip(
            "Re-hash every audit event of the workspace and check "
            "that none was changed, removed or reordered."
        )
        self.verify_button.clicked.connect(self.verify)
        self.result = QLabel(self)
        self.result.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.caption)
        bar.addStretch(1)
        bar.addWidget(self.result, 2)
        bar.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.SPACING, theme.MARGIN, theme.MARGIN)
        layout.setSpacing(theme.SPACING)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self._dirty = True
        session.changed.connect(self._mark_dirty)

    def _mark_dirty(self) -> None:
        self._dirty = True
        if self.isVisible():
            self.refresh()

    def activate(self) -> None:
        if self._dirty:
            self.refresh()

    def refresh(self) -> None:
        self._dirty = False
        with self.session.ws.read() as conn:
            events = list(iter_events(conn, self.session.case_id, limit=LOG_LIMIT))
        self.model.set_records(events)
        more = " (newest shown)" if len(events) >= LOG_LIMIT else ""
        self.caption.setText(f"{len(events):,} audit events for this case{more}")

    def verify(self) -> None:
        """Verifying re-hashes the whole workspace log: done off the GUI thread."""
        self.verify_button.setEnabled(False)
        self.result.setText("Verifying…")
        ws = self.session.ws

        def check() -> ChainReport:
            with ws.read() as conn:
                return verify_chain(conn)

        run_in_background(self, check, self._verified, self._failed)

    def _verified(self, report: ChainReport) -> None:
        self.verify_button.setEnabled(True)
        colour = theme.colours().ok if report.ok else theme.colours().bad
        mark = "✔" if report.ok else "✖"
        self.result.setText(
            f'<span style="color:{colour}; font-weight:600">{mark} '
            f"{html.escape(report.describe())}</span>"
        )

    def _failed(self, error: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.result.setText(f"Could not verify: {error}")
