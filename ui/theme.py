"""One accent colour, light and dark palettes following the system, and the spacing rules."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QWidget

SPACING = 8  # the one spacing unit: layouts use multiples of it
MARGIN = 12


@dataclass(frozen=True)
class Colours:
    dark: bool
    accent: str
    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    icon: str
    disabled: str
    border: str
    ok: str
    bad: str
    warn_bg: str
    refuted: str


LIGHT = Colours(
    dark=False,
    accent="#2557d6",
    window="#f5f6f8",
    base="#ffffff",
    alt_base="#f7f8fa",
    text="#1f2430",
    muted="#5b6372",
    icon="#3a4252",
    disabled="#a3a9b4",
    border="#d5d9e0",
    ok="#15803d",
    bad="#b91c1c",
    warn_bg="#fff4d6",
    refuted="#9aa1ad",
)
DARK = Colours(
    dark=True,
    accent="#6b93f0",
    window="#1f2228",
    base="#181a1f",
    alt_base="#20232a",
    text="#e6e8ec",
    muted="#a0a7b4",
    icon="#d0d4dc",
    disabled="#5d636e",
    border="#3a3f49",
    ok="#4ade80",
    bad="#f87171",
    warn_bg="#3d3420",
    refuted="#7d8490",
)

_current: Colours = LIGHT


def colours() -> Colours:
    return _current


def _system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return bool(scheme is not None and scheme() == Qt.ColorScheme.Dark)


class WorkbenchStyle(QProxyStyle):
    """Fusion without the stock bitmap icons on dialog buttons: one icon family only."""

    def styleHint(
        self,
        hint: QStyle.StyleHint,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
        returnData: object = None,
    ) -> int:
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 0
        return super().styleHint(hint, option, widget, returnData)


def apply(app: QApplication) -> Colours:
    """Fusion style with our palette (light or dark, as the system is) and a small stylesheet."""
    global _current
    _current = DARK if _system_is_dark() else LIGHT
    c = _current
    app.setStyle(WorkbenchStyle("Fusion"))
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: c.window,
        QPalette.ColorRole.WindowText: c.text,
        QPalette.ColorRole.Base: c.base,
        QPalette.ColorRole.AlternateBase: c.alt_base,
        QPalette.ColorRole.Text: c.text,
        QPalette.ColorRole.Button: c.window,
        QPalette.ColorRole.ButtonText: c.text,
        QPalette.ColorRole.ToolTipBase: c.base,
        QPalette.ColorRole.ToolTipText: c.text,
        QPalette.ColorRole.Highlight: c.accent,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: c.accent,
        QPalette.ColorRole.PlaceholderText: c.muted,
        QPalette.ColorRole.Mid: c.border,
    }
    for role, value in roles.items():
        palette.setColor(role, QColor(value))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(c.disabled))
    app.setPalette(palette)
    app.setStyleSheet(stylesheet(c))
    return c


def stylesheet(c: Colours) -> str:
    return f"""
QMainWindow::separator {{ background: {c.border}; width: 1px; height: 1px; }}
QDockWidget {{ font-weight: 600; }}
QDockWidget::title {{ padding: 6px 8px; background: {c.window}; }}
QToolBar {{ border: none; border-bottom: 1px solid {c.border}; padding: 4px; spacing: 4px; }}
QToolButton {{ padding: 4px 8px; border-radius: 4px; }}
QToolButton:hover {{ background: {c.alt_base}; border: 1px solid {c.border}; }}
QTabWidget::pane {{ border: 1px solid {c.border}; border-top: none; }}
QTabBar::tab {{ padding: 6px 10px; border: none; border-bottom: 2px solid transparent; }}
QTabBar::tab:selected {{ border-bottom: 2px solid {c.accent}; color: {c.accent}; }}
/* a tab bar's scroll arrows: with only the QToolButton rule above they are drawn blank */
QTabBar QToolButton {{ padding: 0; border: 1px solid {c.border}; border-radius: 0;
    background: {c.window}; }}
QHeaderView::section {{ padding: 4px 6px; border: none; border-right: 1px solid {c.border};
    border-bottom: 1px solid {c.border}; background: {c.window}; font-weight: 600; }}
QTableView {{ gridline-color: {c.border}; border: 1px solid {c.border}; }}
QLineEdit, QComboBox, QPlainTextEdit {{ padding: 3px 6px; }}
QLabel#heading {{ font-size: 15pt; font-weight: 600; }}
QLabel#subheading {{ font-weight: 600; color: {c.muted}; padding-top: 8px; }}
QLabel#muted {{ color: {c.muted}; }}
QLabel#banner {{ background: {c.warn_bg}; padding: 6px 10px;
    border-bottom: 1px solid {c.border}; }}
QPushButton#primary {{ background: {c.accent}; color: white; border: none;
    padding: 8px 16px; border-radius: 4px; font-weight: 600; }}
QPushButton#primary:hover {{ background: {QColor(c.accent).darker(110).name()}; }}
QStatusBar QLabel {{ padding: 0 8px; color: {c.muted}; }}
"""
