"""Response letter dialog: choose the kind, language and format of a letter to the requester,
read a live preview of the letter as it will be sent, then save it (audited). Building the
preview and writing the file run off the GUI thread. A letter the case record does not
support (no requester, disclosure before the four-eyes approval, preservation not recorded)
is refused by the core; the dialog shows why and keeps Save disabled."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.report.common import FORMATS, LANGUAGES, SUFFIX, ask_save_path, register_pdf_writer
from ui.workers import run_in_background
from workbench.errors import ValidationError, WorkbenchError
from workbench.report import build_letter, generate_letter, render_letter
from workbench.report.letters import KINDS, LETTER_FORMATS
from workbench.store.workspace import Workspace

KIND_TEXT = {
    "disclosure": "Emergency disclosure",
    "decline": "Decline",
    "more-info": "Need more information",
    "preservation": "Preservation confirmation",
}
KIND_TIP = {
    "disclosure": "The data disclosed and the legal basis; needs an approved (four-eyes) "
    "decision with an emergency disclosure",
    "decline": "The emergency request is declined, with the legal basis of the decision",
    "more-info": "Ask the requester for what is missing before a decision",
    "preservation": "Confirms that the data is preserved and until when; needs a "
    "preservation with a start date in the decision",
}
LETTER_FORMAT_ITEMS = [(text, value) for text, value in FORMATS if value in LETTER_FORMATS]


class LetterDialog(QDialog):
    def __init__(self, ws: Workspace, case_id: str, reference: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.case_id = case_id
        self.reference = reference
        self.letter: dict[str, Any] | None = None  # the letter of the current choices, if any
        self.refusal = ""
        self.saved_path: Path | None = None
        self.building = False
        self.saving = False
        self._generation = 0  # a preview built for older choices is dropped
        self.setWindowTitle(f"Response letter: {reference}")
        self.setObjectName("letterDialog")
        self.kind = QComboBox()
        self.kind.setObjectName("letterKind")
        for kind in KINDS:
            self.kind.addItem(KIND_TEXT[kind], kind)
            self.kind.setItemData(
                self.kind.count() - 1, KIND_TIP[kind], Qt.ItemDataRole.ToolTipRole
            )
        self.lang = QComboBox()
        self.lang.setObjectName("letterLanguage")
        for text, value in LANGUAGES:
            self.lang.addItem(text, value)
        self.format = QComboBox()
        self.format.setObjectName("letterFormat")
        for text, value in LETTER_FORMAT_ITEMS:
            self.format.addItem(text, value)
        form = QFormLayout()
        form.addRow("&Kind", self.kind)
        form.addRow("&Language", self.lang)
        form.addRow("&Format", self.format)
        self.recipient = QLabel("")
        self.recipient.setObjectName("letterRecipient")
        self.recipient.setTextFormat(Qt.TextFormat.RichText)
        self.recipient.setWordWrap(True)
        self.recipient.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.manifest = QLabel("")
        self.manifest.setObjectName("muted")
        self.manifest.setWordWrap(True)
        self.manifest.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        note = QLabel(
            "Only what the requester may read: no internal notes, no rule trace, no other "
            "team member's name. Saving records the letter in the audit log."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, theme.SPACING, 0)
        left.addLayout(form)
        left.addSpacing(theme.SPACING)
        left.addWidget(self.recipient)
        left.addSpacing(theme.SPACING)
        left.addWidget(self.manifest)
        left.addStretch(1)
        left.addWidget(note)
        side = QWidget()
        side.setLayout(left)
        side.setFixedWidth(280)
        self.refusal_label = QLabel("")
        self.refusal_label.setObjectName("letterRefusal")
        self.refusal_label.setWordWrap(True)
        self.refusal_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        c = theme.colours()
        self.refusal_label.setStyleSheet(
            f"QLabel#letterRefusal {{ background: {c.warn_bg}; color: {c.text}; "
            f"border-left: 4px solid {c.bad}; padding: 8px 10px; }}"
        )
        self.refusal_label.setVisible(False)
        self.browser = QTextBrowser()
        self.browser.setObjectName("letterPreview")
        self.browser.setOpenLinks(False)
        self.browser.setMinimumWidth(480)
        self.browser.document().setDocumentMargin(3 * theme.SPACING)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.refusal_label)
        right.addWidget(self.browser, 1)
        body = QHBoxLayout()
        body.addWidget(side)
        body.addLayout(right, 1)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumHeight(6)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        self.save_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Save…")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.kind.currentIndexChanged.connect(self.refresh)
        self.lang.currentIndexChanged.connect(self.refresh)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.resize(1000, 700)
        self.refresh()

    # ---- state -----------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.building or self.saving

    def choices(self) -> tuple[str, str, str]:
        """(kind, language, format) as chosen."""
        return (
            str(self.kind.currentData()),
            str(self.lang.currentData()),
            str(self.format.currentData()),
        )

    def suggested_name(self) -> str:
        kind, lang, fmt = self.choices()
        return f"{self.reference}-{kind}-{lang}.{SUFFIX[fmt]}"

    def _update(self, text: str, *, error: bool = False) -> None:
        self.progress.setVisible(self.busy)
        self.save_button.setEnabled(not self.busy and self.letter is not None)
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {theme.colours().bad};" if error else "")

    def _show_refusal(self, text: str) -> None:
        self.refusal = text
        self.refusal_label.setText(text)
        self.refusal_label.setVisible(bool(text))

    # ---- preview ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Rebuild the preview for the chosen kind and language (off the GUI thread)."""
        self._generation += 1
        generation = self._generation
        ws, case_id = self.ws, self.case_id
        kind, lang, _fmt = self.choices()
        self.letter = None
        self.building = True
        self._update("Building the letter…")

        def work() -> dict[str, Any]:
            letter = build_letter(ws, case_id, kind, lang)
            return {"letter": letter, "html": render_letter(letter, "html")}

        run_in_background(
            self,
            work,
            lambda result: self._show_preview(generation, result),
            lambda error: self._refused(generation, error),
        )

    def _show_preview(self, generation: int, result: dict[str, Any]) -> None:
        if generation != self._generation:
            return
        letter = result["letter"]
        self.building = False
        self.letter = letter
        self._show_refusal("")
        self.browser.setHtml(result["html"])
        recipient = letter["recipient"]
        lines = [
            recipient["name"],
            recipient["agency"],
            recipient["unit"],
            recipient["email"],
        ]
        to = "<br>".join(escape(line) for line in lines if line)
        theirs = letter["their_reference"]
        self.recipient.setText(
            f"<b>To</b><br>{to}"
            + (f"<br><br><b>Their reference</b><br>{escape(theirs)}" if theirs else "")
        )
        self._show_manifest(letter["manifest_sha256"])
        self._update(self._ready_text())

    def _show_manifest(self, digest: str) -> None:
        self.manifest.setText(f"Manifest SHA-256:\n{digest[:32]}\n{digest[32:]}")

    def _refused(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self.building = False
        self.letter = None
        if isinstance(error, WorkbenchError):
            text = f"This letter cannot be written yet. {error}"
        else:
            text = f"The letter could not be built: {error}"
        self._show_refusal(text)
        self._show_no_preview()
        self.recipient.setText("")
        self.manifest.setText("")
        self._update(
            f"No {self.kind.currentText().lower()} letter for {self.reference}: choose another "
            "kind, or complete the case record and open this dialog again.",
            error=True,
        )

    def _show_no_preview(self) -> None:
        self.browser.setHtml(
            f'<p style="color: {theme.colours().muted};">No preview: see the message above.</p>'
        )

    def _ready_text(self) -> str:
        return (
            f"{self.kind.currentText()} letter in {self.lang.currentText()}: "
            f"Save writes it as {self.format.currentText()}."
        )

    def _format_changed(self) -> None:
        if not self.busy and self.letter is not None:
            self._update(self._ready_text())

    # ---- save ------------------------------------------------------------------------------
    def save(self) -> None:
        if self.letter is None or self.busy:
            return
        _kind, _lang, fmt = self.choices()
        path = ask_save_path(self, "Save response letter", self.suggested_name(), fmt)
        if path is not None:
            self.save_to(path)

    def save_to(self, target: Path) -> None:
        kind, lang, fmt = self.choices()
        if fmt == "pdf":
            try:
                register_pdf_writer()  # on the GUI thread; a missing font is reported here
            except Exception as exc:
                self._update(f"Not saved: {exc}", error=True)
                return
        ws, case_id = self.ws, self.case_id
        self.saving = True
        self._update(f"Writing {target.name}…")
        run_in_background(
            self,
            lambda: generate_letter(ws, case_id, kind, lang, fmt, target),
            self._saved,
            self._save_failed,
        )

    def _saved(self, done: Any) -> None:
        self.saving = False
        self.saved_path = done.path
        self._show_manifest(done.manifest_sha256)  # of the letter as saved (dated now)
        self._update(f"Saved {done.path} (audited, manifest {done.manifest_sha256[:16]}…).")

    def _save_failed(self, error: BaseException) -> None:
        self.saving = False
        if isinstance(error, ValidationError):  # the record changed since the preview
            self.letter = None
            self._show_refusal(f"This letter cannot be written yet. {error}")
            self._show_no_preview()
        self._update(f"Not saved: {error}", error=True)
