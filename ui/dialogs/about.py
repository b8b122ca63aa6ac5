"""Help dialogs: the keyboard shortcuts (read from the real actions) and About with licences."""

from __future__ import annotations

import platform
from html import escape

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from workbench import APP_NAME, __version__
from workbench.paths import resource


def third_party() -> list[tuple[str, str, str]]:
    """(name, licence, note) of shipped third-party software, from resources/third_party.toml."""
    import tomllib

    with resource("third_party.toml").open("rb") as handle:
        components = tomllib.load(handle)["component"]
    return [(c["name"], c["licence"], c.get("note", "")) for c in components]


def _dialog_layout(dialog: QDialog) -> QVBoxLayout:
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(theme.MARGIN * 2, theme.MARGIN * 2, theme.MARGIN * 2, theme.MARGIN)
    layout.setSpacing(theme.MARGIN)
    return layout


def _close_buttons(dialog: QDialog) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    return buttons


class ShortcutsDialog(QDialog):
    def __init__(self, actions: list[QAction], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setMinimumSize(460, 460)
        rows = [
            (a.text().replace("&", "").rstrip("…"), a.shortcuts()) for a in actions if a.shortcuts()
        ]
        table = QTableWidget(len(rows), 2, self)
        table.setObjectName("shortcutTable")
        table.setHorizontalHeaderLabels(["Action", "Shortcut"])
        table.verticalHeader().hide()
        table.setShowGrid(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for row, (text, keys) in enumerate(rows):
            table.setItem(row, 0, QTableWidgetItem(text))
            shown = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
            table.setItem(row, 1, QTableWidgetItem(shown))
        layout = _dialog_layout(self)
        layout.addWidget(table)
        layout.addWidget(_close_buttons(self))


def about_html() -> str:
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td><b>{escape(licence)}</b></td><td>{escape(note)}</td></tr>"
        for name, licence, note in third_party()
    )
    try:
        lucide = resource("icons", "LICENSE-lucide.txt").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        lucide = str(exc)
    return (
        f"<h2>{escape(APP_NAME)} {escape(__version__)}</h2>"
        "<p>A desktop workbench for Trust &amp; Safety emergency-response investigations.</p>"
        f"<p>Qt {escape(qVersion())} · PySide6 {escape(PySide6.__version__)} · "
        f"Python {escape(platform.python_version())}</p>"
        "<h3>Third-party software</h3>"
        f"<table cellpadding='3'>{rows}</table>"
        "<h3>Lucide icons licence</h3>"
        f"<pre style='white-space: pre-wrap'>{escape(lucide)}</pre>"
    )


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.setMinimumSize(600, 560)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("aboutText")
        self.browser.setOpenExternalLinks(False)
        self.browser.setHtml(about_html())
        layout = _dialog_layout(self)
        layout.addWidget(QLabel("Version, components and licences", objectName="subheading"))
        layout.addWidget(self.browser)
        layout.addWidget(_close_buttons(self))
