"""Report dialog: choose format, redaction profile, language and sections, look at a preview
of exactly what will be written, then save. Building and writing run off the GUI thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.report.common import FORMATS, LANGUAGES, SUFFIX, ask_save_path, register_pdf_writer
from ui.workers import run_in_background
from workbench.report import ReportOptions, build_context, generate_report
from workbench.report.context import SECTIONS
from workbench.report.redact import PROFILE_TEXT
from workbench.report.render import GRAPH_IMAGE, graph_svg, render_html
from workbench.store.workspace import Workspace

SECTION_TEXT = {
    "escalation": "Escalation",
    "verification": "Verification",
    "timeline": "Timeline",
    "graph": "Graph picture",
    "entities": "Entities",
    "links": "Links",
    "evidence": "Evidence index",
    "assessment": "Assessment",
    "decision": "Decision",
    "communications": "Communications",
    "audit": "Audit excerpt",
}


class ReportDialog(QDialog):
    def __init__(self, ws: Workspace, case_id: str, reference: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.case_id = case_id
        self.reference = reference
        self.saved_path: Path | None = None
        self.busy = False
        self.setWindowTitle(f"Case report: {reference}")
        self.setObjectName("reportDialog")
        self.format = QComboBox()
        for text, value in FORMATS:
            self.format.addItem(text, value)
        self.profile = QComboBox()
        for value in ("internal", "le", "qa"):
            self.profile.addItem(PROFILE_TEXT[value], value)
        self.profile.setToolTip(
            "Law enforcement: only what the decision approved for disclosure. "
            "Quality review: the process without personal data."
        )
        self.lang = QComboBox()
        for text, value in LANGUAGES:
            self.lang.addItem(text, value)
        form = QFormLayout()
        form.addRow("&Format", self.format)
        form.addRow("&Profile", self.profile)
        form.addRow("&Language", self.lang)
        self.sections: dict[str, QCheckBox] = {}
        box = QGroupBox("Sections")
        grid = QGridLayout(box)
        for index, name in enumerate(SECTIONS):
            check = QCheckBox(SECTION_TEXT[name])
            check.setChecked(True)
            check.toggled.connect(self._options_changed)
            self.sections[name] = check
            grid.addWidget(check, index // 2, index % 2)
        for combo in (self.format, self.profile, self.lang):
            combo.currentIndexChanged.connect(self._options_changed)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(box)
        self.preview_button = QPushButton("&Preview")
        self.preview_button.clicked.connect(self.preview)
        left.addWidget(self.preview_button)
        self.manifest = QLabel("")
        self.manifest.setWordWrap(True)
        self.manifest.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        left.addWidget(self.manifest)
        left.addStretch(1)
        self.browser = QTextBrowser()
        self.browser.setObjectName("reportPreview")
        self.browser.setOpenLinks(False)
        self.browser.setMinimumWidth(560)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.status = QLabel("Choose the options, then Preview to see the report before saving.")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Save…")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        body = QHBoxLayout()
        side = QWidget()
        side.setLayout(left)
        side.setMaximumWidth(340)
        body.addWidget(side)
        body.addWidget(self.browser, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(1180, 760)

    # ---- options ---------------------------------------------------------------------------
    def options(self) -> ReportOptions:
        return ReportOptions(
            profile=str(self.profile.currentData()),
            lang=str(self.lang.currentData()),
            sections=tuple(name for name, check in self.sections.items() if check.isChecked()),
        )

    def _options_changed(self) -> None:
        self.manifest.setText("")
        if not self.busy:
            self.status.setText("Options changed: Preview shows the report as it will be saved.")

    def _set_busy(self, busy: bool, text: str) -> None:
        self.busy = busy
        self.progress.setVisible(busy)
        self.preview_button.setEnabled(not busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not busy)
        self.status.setText(text)

    # ---- preview ---------------------------------------------------------------------------
    def preview(self) -> None:
        ws, case_id, options = self.ws, self.case_id, self.options()
        self._set_busy(True, "Building the preview…")

        def work() -> dict[str, Any]:
            context = build_context(ws, case_id, options)
            return {"context": context, "html": render_html(context, for_pdf=True)}

        run_in_background(self, work, self._show_preview, self._failed)

    def _show_preview(self, result: dict[str, Any]) -> None:
        context = result["context"]
        document = self.browser.document()
        svg = graph_svg(context)
        if svg:
            from ui.report.pdf import _graph_image

            image = _graph_image(svg, 900)
            document.addResource(document.ResourceType.ImageResource, QUrl(GRAPH_IMAGE), image)
        self.browser.setHtml(result["html"])
        self.manifest.setText(_manifest_text(context["manifest"]["sha256"]))
        counts = context["counts"]
        self._set_busy(
            False,
            f"Preview of {self.reference} ({context['cover']['profile_text']}): "
            f"{counts['entities']} entities, {counts['links']} links, "
            f"{counts['evidence']} evidence items.",
        )

    # ---- save ------------------------------------------------------------------------------
    def save(self) -> None:
        fmt = str(self.format.currentData())
        name = f"{self.reference}-{self.profile.currentData()}.{SUFFIX[fmt]}"
        path = ask_save_path(self, "Save case report", name, fmt)
        if path is not None:
            self.save_to(path)

    def save_to(self, target: Path) -> None:
        fmt = str(self.format.currentData())
        if fmt == "pdf":
            try:
                register_pdf_writer()  # on the GUI thread; a missing font is reported here
            except Exception as exc:
                self._failed(exc)
                return
        ws, case_id, options = self.ws, self.case_id, self.options()
        self._set_busy(True, f"Writing {target.name}…")
        run_in_background(
            self,
            lambda: generate_report(ws, case_id, fmt, target, options),
            self._saved,
            self._failed,
        )

    def _saved(self, done: Any) -> None:
        self.saved_path = done.path
        self.manifest.setText(_manifest_text(done.manifest_sha256))
        self._set_busy(
            False, f"Saved {done.path} (audited, manifest {done.manifest_sha256[:16]}…)."
        )

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False, f"Not saved: {error}")
        self.status.setProperty("error", True)


def _manifest_text(digest: str) -> str:
    return f"Manifest SHA-256:\n{digest[:32]}\n{digest[32:]}"
