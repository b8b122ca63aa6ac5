"""The frame both tabs share: status line, Save / Discard, messages and what stops a save,
a scrolling form, and keeping the draft when the tab is hidden."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.views.assessment.document import document_for
from workbench.store.workspace import Workspace

FORM_RIGHT_MARGIN = theme.SPACING  # between the form and the scroll bar
PROBLEMS_SHOWN = 6  # more would push the form out of sight; the rest are marked in the form


def problems_text(problems: list[tuple[str, str]]) -> str:
    lines = [f"• {message}" for _field, message in problems[:PROBLEMS_SHOWN]]
    if len(problems) > PROBLEMS_SHOWN:
        lines.append(f"• and {len(problems) - PROBLEMS_SHOWN} more, marked in the form")
    return "\n".join(lines)


class FormPanel(QWidget):
    """Subclasses put their form in `self.form_scroll` (see `form_widget`), call `finish_layout`,
    and implement `refresh()` to show the document in the form. `loading` is true while the
    form is being filled from the document, so its change signals are not taken as edits."""

    def __init__(self, ws: Workspace, case_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document_for(ws, case_id)
        self.loading = False
        self.status = QLabel(objectName="assessmentStatus")
        self.status.setWordWrap(True)
        self.notice = QLabel(objectName="assessmentNotice")
        self.notice.setWordWrap(True)
        self.message = QLabel(objectName="assessmentMessage")
        self.message.setWordWrap(True)
        self.message.hide()  # until there is a message
        # What stops a save, under the message in both tabs (the fields are marked too).
        self.problems = QLabel(objectName="problems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(f"color: {theme.colours().bad};")
        self.problems.hide()
        self.save_button = QPushButton("Save", objectName="saveAssessment")
        self.save_button.setToolTip("Save a new version (Ctrl+S)")
        self.save_button.clicked.connect(self.document.save)
        self.discard_button = QPushButton("Discard changes", objectName="discardAssessment")
        self.discard_button.clicked.connect(self.document.discard)
        shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.document.save)
        self.top = QHBoxLayout()
        self.top.addWidget(self.status, 1)
        self.top.addWidget(self.discard_button)
        self.top.addWidget(self.save_button)
        # The form scrolls vertically only: its widget follows the viewport's width, and the
        # forms are laid out (wrapping rows, flowing check boxes) to fit that width.
        self.form_scroll = QScrollArea(objectName="formScroll")
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.document.message.connect(self._show_message)
        self.document.changed.connect(self._document_changed)

    @staticmethod
    def form_widget() -> tuple[QWidget, QVBoxLayout]:
        """An empty form page for `self.form_scroll`: a column of boxes with room for the scroll
        bar on the right."""
        form = QWidget(objectName="assessmentForm")
        layout = QVBoxLayout(form)
        layout.setContentsMargins(0, 0, FORM_RIGHT_MARGIN, 0)
        layout.setSpacing(theme.SPACING)
        return form, layout

    def finish_layout(self, body: QWidget) -> None:
        """Status row and messages above `body` (the scroll area, or a splitter holding it)."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.MARGIN, theme.MARGIN, theme.MARGIN)
        layout.addLayout(self.top)
        layout.addWidget(self.notice)
        layout.addWidget(self.message)
        layout.addWidget(self.problems)
        layout.addWidget(body, 1)

    def refresh(self) -> None:
        raise NotImplementedError

    def _show_message(self, text: str, is_error: bool) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        colour = theme.colours().bad if is_error else theme.colours().ok
        self.message.setStyleSheet(f"color: {colour};")

    def _document_changed(self) -> None:
        self.loading = True
        try:
            self.status.setText(self.document.status_text())
            self.notice.setText(self.document.notice)
            self.notice.setVisible(bool(self.document.notice))
            self.discard_button.setEnabled(self.document.dirty)
            self.problems.setText(problems_text(self.document.problems))
            self.problems.setVisible(bool(self.document.problems))
            self.refresh()
        finally:
            self.loading = False

    def hideEvent(self, event: QHideEvent) -> None:
        self.document.flush_draft()
        super().hideEvent(event)
