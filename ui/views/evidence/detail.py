"""The detail pane of the Evidence tab: an integrity banner (a mismatch is shown loudly, in
words and colour), the safe viewer, metadata and hashes, the custody log and the graph
elements the item supports, contradicts or mentions."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui import formatting as fmt
from ui import theme
from ui.views.evidence.model import size_text
from ui.views.evidence.viewer import SafeViewer
from workbench.evidence.model import (
    CustodyEvent,
    EvidenceDetails,
    EvidenceLink,
    EvidenceRelation,
    Integrity,
)
from workbench.model import Evidence


class EvidenceDetail(QWidget):
    verifyRequested = Signal()
    stripRequested = Signal()
    exportRequested = Signal()
    linkRequested = Signal(str)  # relation
    goTo = Signal(str, str)  # kind, id

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.banner = QLabel()
        self.banner.setObjectName("integrityBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.title = QLabel(objectName="heading")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel(objectName="muted")
        self.subtitle.setWordWrap(True)
        self.verify_button = QPushButton("Verify hash")
        self.verify_button.clicked.connect(self.verifyRequested)
        self.strip_button = QPushButton("Copy without metadata")
        self.strip_button.clicked.connect(self.stripRequested)
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self.exportRequested)
        self.relation = QComboBox()
        self.relation.addItems([r.value for r in EvidenceRelation])
        self.relation.setToolTip("How this item relates to the entity or link selected")
        self.link_button = QPushButton("Link to selection")
        self.link_button.setToolTip(
            "Record that this item supports / contradicts / mentions the entity or link "
            "selected in the Entities or Graph tab"
        )
        self.link_button.clicked.connect(
            lambda: self.linkRequested.emit(self.relation.currentText())
        )
        buttons = QHBoxLayout()
        for widget in (self.verify_button, self.strip_button, self.export_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.relation)
        buttons.addWidget(self.link_button)
        self.viewer = SafeViewer()
        self.metadata = QTextBrowser()
        self.metadata.setOpenLinks(False)
        self.custody = QTableWidget(0, 6)
        self.custody.setHorizontalHeaderLabels(
            ["When", "Who", "Action", "Integrity", "Purpose", "Hash after"]
        )
        self.custody.verticalHeader().hide()
        self.custody.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.custody.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.links = QTextBrowser()
        self.links.setOpenLinks(False)
        self.links.anchorClicked.connect(lambda url: self._go(url.toString()))
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.viewer, "View")
        self.tabs.addTab(self.metadata, "Metadata && hashes")
        self.tabs.addTab(self.custody, "Custody log")
        self.tabs.addTab(self.links, "Graph links")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, theme.SPACING, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addLayout(buttons)
        layout.addWidget(self.tabs, 1)
        self.item: Evidence | None = None
        self.show_nothing()

    def show_nothing(self) -> None:
        self.item = None
        self.banner.hide()
        self.title.setText("No item selected")
        self.subtitle.setText(
            "Capture a page with the address field, add files with Add evidence… or drop "
            "files here. Select an item to see it, its hashes and its custody log."
        )
        for widget in (self.verify_button, self.strip_button, self.export_button, self.link_button):
            widget.setEnabled(False)
        self.viewer.clear("Select an item to see it here.")
        self.metadata.clear()
        self.custody.setRowCount(0)
        self.links.clear()

    def show_item(
        self,
        item: Evidence,
        details: EvidenceDetails | None,
        custody: list[CustodyEvent],
        links: list[EvidenceLink],
    ) -> None:
        self.item = item
        self.title.setText(item.filename)
        parts = [item.mime_type, size_text(item.size)]
        if details is not None:
            parts.append(f"{details.copy_type.value} ({details.kind.value.replace('_', ' ')})")
        if item.sensitivity:
            parts.append(f"SENSITIVE: {item.sensitivity}")
        self.subtitle.setText(
            " · ".join(parts) + (f"\n{item.description}" if item.description else "")
        )
        self._banner(details)
        for widget in (self.verify_button, self.export_button, self.link_button):
            widget.setEnabled(True)
        blocked = details is not None and details.integrity.blocks_export
        self.strip_button.setEnabled(item.mime_type.startswith("image/") and not blocked)
        self.export_button.setEnabled(not blocked)
        self.export_button.setToolTip(
            "Export is blocked: the item no longer matches its recorded hash" if blocked else
            "Copy the original out of the workspace (hash checked, logged)"
        )  # fmt: skip
        self.metadata.setHtml(_metadata_html(item, details))
        self._custody(custody)
        self._links(links)
        self.tabs.setTabText(2, f"Custody log ({len(custody)})")
        self.tabs.setTabText(3, f"Graph links ({len(links)})")

    def _banner(self, details: EvidenceDetails | None) -> None:
        colours = theme.colours()
        if details is not None and details.integrity.blocks_export:
            word = "MODIFIED" if details.integrity is Integrity.MISMATCH else "MISSING"
            self.banner.setText(
                f"<b>⚠ INTEGRITY FAILURE — {word}.</b> This item no longer matches the SHA-256 "
                "recorded when it was collected. Do not rely on it; export is blocked. "
                f"{escape(details.integrity_detail)}"
            )
            self.banner.setStyleSheet(
                f"background: {colours.bad}; color: white; padding: 8px; border-radius: 4px;"
            )
            self.banner.show()
        elif details is None or details.integrity is Integrity.UNVERIFIED:
            self.banner.setText("Integrity not checked yet: press Verify hash.")
            self.banner.setStyleSheet(f"background: {colours.warn_bg}; padding: 6px;")
            self.banner.show()
        else:
            self.banner.hide()

    def _custody(self, events: list[CustodyEvent]) -> None:
        self.custody.setRowCount(len(events))
        for row, event in enumerate(events):
            values = [
                fmt.time_text(event.at),
                event.actor,
                event.action.value.replace("_", " "),
                event.integrity or "",
                event.purpose,
                (event.hash_after or "")[:16],
            ]
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if column == 0:
                    cell.setToolTip(fmt.time_tooltip(event.at))
                if column == 5:
                    cell.setToolTip(event.hash_after or "")
                if column == 3 and value in ("mismatch", "missing"):
                    cell.setText(value.upper())
                    cell.setForeground(Qt.GlobalColor.red)
                self.custody.setItem(row, column, cell)
        self.custody.resizeColumnsToContents()
        self.custody.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)

    def _links(self, links: list[EvidenceLink]) -> None:
        if not links:
            self.links.setHtml(
                "<p>Not linked to the graph yet. Select an entity or link in the Entities or "
                "Graph tab, choose supports / contradicts / mentions above and press "
                "<i>Link to selection</i>.</p>"
            )
            return
        rows = "".join(
            f"<li><b>{escape(x.relation.value)}</b> {escape(x.object_type)} "
            + (
                f'<a href="{x.object_type}:{x.object_id}">{escape(x.label)}</a>'
                if x.label
                else "(deleted)"
            )
            + (f" — {escape(x.note)}" if x.note else "")
            + "</li>"
            for x in links
        )
        self.links.setHtml(f"<ul>{rows}</ul>")

    def _go(self, href: str) -> None:
        kind, _, object_id = href.partition(":")
        self.goTo.emit(kind, object_id)


def _metadata_html(item: Evidence, details: EvidenceDetails | None) -> str:
    rows: list[tuple[str, str]] = [
        ("SHA-256", item.sha256),
        ("Size", f"{item.size:,} bytes"),
        ("MIME type", item.mime_type),
        ("Collected", f"{fmt.time_text(item.collected_at)} by {item.collected_by}"),
        ("Evidence id", item.id),
    ]
    if item.source_url:
        rows.append(("Source URL", item.source_url))
    if details is not None:
        rows.append(("Integrity", f"{details.integrity.value} — {details.integrity_detail}"))
        if details.checked_at:
            rows.append(("Last checked", fmt.time_text(details.checked_at)))
        if details.parent_id:
            rows.append(("Derived from", f"{details.parent_id} ({details.derivation})"))
    capture = item.metadata.get("capture")
    if isinstance(capture, dict):
        rows += [
            ("Final URL", str(capture.get("final_url", ""))),
            ("HTTP status", str(capture.get("status", ""))),
            ("Server IP", str(capture.get("server_ip") or "unknown")),
            ("Captured (UTC)", str(capture.get("captured_at", ""))),
            ("Payload SHA-256", str(capture.get("payload_sha256", ""))),
            (
                "Redirect chain",
                " → ".join(f"{h['status']} {h['url']}" for h in capture.get("redirect_chain", [])),
            ),
        ]
    table = "".join(
        f"<tr><td style='color:{theme.colours().muted};padding-right:12px'>{escape(k)}</td>"
        f"<td>{escape(v)}</td></tr>"
        for k, v in rows
    )
    rest = {k: v for k, v in item.metadata.items() if k != "capture"}
    extra = _json_block("Collector, file and content metadata", rest)
    if isinstance(capture, dict):
        extra += _json_block(
            "HTTP headers (final hop)",
            {k: capture.get(k) for k in ("request_headers", "response_headers", "tls")},
        )
    return f"<table>{table}</table>{extra}"


def _json_block(title: str, value: Any) -> str:
    if not value:
        return ""
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return f"<h4>{escape(title)}</h4><pre>{escape(text)}</pre>"
