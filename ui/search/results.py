"""The Search results dock's content: scope and kind filters, a status line, and the hits,
each with its kind, case reference, title and a snippet with the matches in bold.

Snippets come from the core with private-use markers; `to_html` escapes the text before the
markers become <b>, so a document containing HTML shows as text, never as markup.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.icons import icon
from workbench.search import SearchHit, SearchResults
from workbench.search.snippets import plain, to_html

KIND_LABELS = {"case": "Case", "entity": "Entity", "note": "Note", "evidence": "Evidence"}
KIND_ICONS = {"case": "briefcase", "entity": "user", "note": "sticky-note", "evidence": "paperclip"}
SCOPES = (("all", "All cases"), ("case", "Open case"))
KIND_FILTERS = (
    ("", "Everything"),
    ("entity", "Entities"),
    ("note", "Notes"),
    ("evidence", "Evidence"),
    ("case", "Cases"),
)
HIT_ROLE = Qt.ItemDataRole.UserRole + 1


TITLE_CHARS = 90


def hit_html(hit: SearchHit) -> str:
    """Title (elided), kind and case, then the snippet; a snippet that only repeats the
    title (short notes, entity names) becomes the title line itself, matches in bold."""
    reference = html.escape(hit.case_reference)
    kind = KIND_LABELS.get(hit.kind, hit.kind)
    meta = f"<span style='color:#667085'>{kind} · {reference}</span>"
    title = hit.title or "(untitled)"
    if plain(hit.snippet).strip("…") == title:
        return f"<div>{to_html(hit.snippet)}</div><div>{meta}</div>"
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1] + "…"
    return (
        f"<div><span style='font-weight:600'>{html.escape(title)}</span> · {meta}</div>"
        f"<div>{to_html(hit.snippet)}</div>"
    )


class _HitList(QListWidget):
    activated_hit = Signal(object)  # SearchHit

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("searchHits")
        self.setIconSize(QSize(16, 16))
        self.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        # rows are rich-text labels: a light selection keeps their text readable
        self.setStyleSheet(
            "QListWidget#searchHits::item:selected { background: #dbe8fe; color: black; }"
        )
        self.itemActivated.connect(self._activate)

    def _activate(self, item: QListWidgetItem) -> None:
        hit = item.data(HIT_ROLE)
        if hit is not None:
            self.activated_hit.emit(hit)

    def fit_rows(self) -> None:
        """Each row as tall as its wrapped text at the current width."""
        width = max(200, self.viewport().width() - self.iconSize().width() - 12)
        for row in range(self.count()):
            item = self.item(row)
            widget = self.itemWidget(item)
            if widget is not None:
                item.setSizeHint(QSize(0, widget.heightForWidth(width) + 4))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_rows()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem():
            self._activate(self.currentItem())
            return
        super().keyPressEvent(event)


class SearchResultsPanel(QWidget):
    """Filters on top, the status line, then the hits. Emits `hitActivated(SearchHit)`."""

    hitActivated = Signal(object)
    filtersChanged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("searchResultsPanel")
        self.scope = QComboBox()
        self.scope.setObjectName("searchScope")
        for key, text in SCOPES:
            self.scope.addItem(text, key)
        self.scope.setToolTip("Search every case, or only the case open in the window")
        self.kind = QComboBox()
        self.kind.setObjectName("searchKind")
        for key, text in KIND_FILTERS:
            self.kind.addItem(text, key)
        self.kind.setToolTip("Only this kind of item")
        self.status = QLabel("Type in the search box (Ctrl+K) and press Enter.")
        self.status.setObjectName("searchStatus")
        self.status.setWordWrap(True)
        self.list = _HitList(self)
        self.list.activated_hit.connect(self.hitActivated)
        filters = QHBoxLayout()
        filters.addWidget(self.scope)
        filters.addWidget(self.kind)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(filters)
        layout.addWidget(self.status)
        layout.addWidget(self.list, 1)
        self.scope.currentIndexChanged.connect(lambda _i: self.filtersChanged.emit())
        self.kind.currentIndexChanged.connect(lambda _i: self.filtersChanged.emit())

    def scope_is_case(self) -> bool:
        return bool(self.scope.currentData() == "case")

    def kinds(self) -> list[str]:
        kind = str(self.kind.currentData() or "")
        return [kind] if kind else []

    def set_case_available(self, available: bool) -> None:
        """Without an open case the scope is all cases."""
        item = self.scope.model().item(1)  # type: ignore[attr-defined]
        item.setEnabled(available)
        if not available and self.scope_is_case():
            self.scope.setCurrentIndex(0)

    def show_message(self, text: str) -> None:
        self.list.clear()
        self.status.setText(text)

    def show_results(self, results: SearchResults) -> None:
        self.list.clear()
        for hit in results.hits:
            item = QListWidgetItem(icon(KIND_ICONS.get(hit.kind, "search")), "")
            item.setData(HIT_ROLE, hit)
            item.setToolTip(
                f"{KIND_LABELS.get(hit.kind, hit.kind)} in {hit.case_reference}: "
                "press Enter or double-click to open it"
            )
            label = QLabel(hit_html(hit))
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            label.setContentsMargins(4, 3, 4, 3)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            self.list.addItem(item)
            self.list.setItemWidget(item, label)
        self.list.fit_rows()
        count = len(results.hits)
        if count == 0:
            text = "No results."
        else:
            order = "by relevance" if results.ranked else "newest first"
            more = " (more exist: add a word to narrow the search)" if results.more else ""
            text = f"{count} result{'s' if count != 1 else ''}, {order}{more}."
        if results.note:
            text += " " + results.note
        self.status.setText(text)
        if count:
            self.list.setCurrentRow(0)
