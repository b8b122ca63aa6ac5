"""The Evidence tab: capture a URL from the address field, add files (button, File menu or
drag and drop), list the case's items lazily, and show the selected one in the detail pane.
Capturing, hashing, verifying and opening all run off the GUI thread; capture and import
show progress and can be cancelled."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QHideEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui import theme, wellness
from ui.dialogs.messages import show_error
from ui.session import ENTITY, LINK, CaseSession
from ui.views.evidence.detail import EvidenceDetail
from ui.views.evidence.jobs import Job, start_job
from ui.views.evidence.model import EvidenceTableModel
from ui.views.evidence.preview import Preview, load_preview
from ui.workers import run_in_background
from workbench.errors import IntegrityError
from workbench.evidence.model import CustodyAction
from workbench.sources.cancel import CancelToken
from workbench.sources.errors import RunCancelled


class EvidenceTab(QWidget):
    def __init__(self, session: CaseSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.ws = session.ws
        self.counter = wellness.session_counter()
        self.setAcceptDrops(True)
        self.address = QLineEdit()
        self.address.setObjectName("captureAddress")
        self.address.setPlaceholderText(
            "Address of a page to capture, e.g. https://example.org/post/1"
        )
        self.address.returnPressed.connect(self.capture)
        self.persona = QLineEdit()
        self.persona.setPlaceholderText("persona (optional)")
        self.persona.setToolTip("The persona or account label you are working as")
        self.persona.setMaximumWidth(180)
        self.capture_button = QPushButton("Capture")
        self.capture_button.setToolTip(
            "Save the page as a WARC file: every redirect, headers, server IP, hashes. The "
            "network settings of the data sources apply (offline mode, proxy)."
        )
        self.capture_button.clicked.connect(lambda: self.capture())
        self.add_button = QPushButton("Add evidence…")
        self.add_button.setToolTip("Add files (any type; hashed while copied). Or drop them here.")
        self.add_button.clicked.connect(self.add_files_dialog)
        top = QHBoxLayout()
        top.addWidget(self.address, 1)
        top.addWidget(self.persona)
        top.addWidget(self.capture_button)
        top.addWidget(self.add_button)
        self.progress_label = QLabel(objectName="muted")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(160)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_job)
        busy = QHBoxLayout()
        busy.addWidget(self.progress_label, 1)
        busy.addWidget(self.progress)
        busy.addWidget(self.cancel_button)
        self.busy = QWidget()
        self.busy.setLayout(busy)
        busy.setContentsMargins(0, 0, 0, 0)
        self.busy.hide()

        self.model = EvidenceTableModel(self.ws, session.case_id, self)
        self.table = QTableView()
        self.table.setObjectName("evidenceTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.detail = EvidenceDetail()
        self.detail.verifyRequested.connect(self.verify_selected)
        self.detail.stripRequested.connect(self.strip_selected)
        self.detail.exportRequested.connect(self.export_selected)
        self.detail.linkRequested.connect(self.link_selected)
        self.detail.goTo.connect(self._go)
        self.detail.viewer.revealRequested.connect(self.reveal_selected)
        splitter = QSplitter(Qt.Orientation.Vertical)  # the centre is narrow at 1366 px
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([170, 500])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.SPACING, theme.MARGIN, theme.SPACING)
        layout.addLayout(top)
        layout.addWidget(self.busy)
        layout.addWidget(splitter, 1)
        self.job: Job | None = None
        self._loaded = False
        self._pending_select = ""

    # ---- loading ---------------------------------------------------------------------------
    def activate(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.model.reload()
            run_in_background(
                self, lambda: self.ws.evidence.register_untracked(self.session.case_id),
                lambda count: self.reload() if count else None, self._error,
            )  # fmt: skip

    def reload(self, select: str = "") -> None:
        """Re-read the list in place; select `select` (a new item) if given."""
        current = self.current_id()
        self.model.refresh()
        if select and select != current:
            self.select_evidence(select)
        elif self.current_id():
            self._show_detail(self.current_id())
        elif current:
            self.select_evidence(current)

    def current_id(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row())[0].id if rows else ""

    def select_evidence(self, evidence_id: str) -> None:
        row = self.model.row_of(evidence_id)
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def _selection_changed(self, *_args: QItemSelection) -> None:
        self.counter.stop_viewing()
        evidence_id = self.current_id()
        if not evidence_id:
            self.detail.show_nothing()
            return
        self._show_detail(evidence_id)
        item = self.ws.evidence.get(evidence_id)
        self.detail.viewer.clear("Checking the hash, then showing the item…")

        def ready(preview: Preview) -> None:
            self._preview_ready(evidence_id, item.mime_type, item.sensitivity, preview)

        run_in_background(
            self, lambda: load_preview(self.ws, evidence_id), ready,
            lambda exc: self._preview_failed(evidence_id, exc),
        )  # fmt: skip

    def _show_detail(self, evidence_id: str) -> None:
        evidence = self.ws.evidence
        self.detail.show_item(
            evidence.get(evidence_id),
            evidence.details(evidence_id),
            evidence.custody(evidence_id),
            evidence.links_of(evidence_id),
        )

    def _preview_ready(
        self, evidence_id: str, mime: str, sensitivity: str | None, preview: Preview
    ) -> None:
        if evidence_id != self.current_id():
            return
        obscure = preview.kind == "image" and wellness.should_blur(mime, sensitivity)
        if preview.kind == "image" and mime == "application/warc":
            obscure = wellness.should_blur("image/", sensitivity)
        self.detail.viewer.show_preview(preview, obscure=obscure)
        self._show_detail(evidence_id)  # the "view" just logged
        if preview.kind == "image" and not obscure and sensitivity:
            self.counter.start_viewing()

    def _preview_failed(self, evidence_id: str, exc: BaseException) -> None:
        if isinstance(exc, IntegrityError) and evidence_id == self.current_id():
            self.reload(evidence_id)
            self.detail.viewer.clear(
                "NOT SHOWN: this item failed its integrity check (see the red banner)."
            )
            return
        self._error(exc)

    # ---- wellness --------------------------------------------------------------------------
    def reveal_selected(self) -> None:
        evidence_id = self.current_id()
        if not evidence_id:
            return
        self.ws.evidence.record_action(
            evidence_id, CustodyAction.REVEAL, "revealed in the safe viewer"
        )
        self.counter.reveal()
        self.detail.viewer.set_obscured(False)
        self._show_detail(evidence_id)

    def hideEvent(self, event: QHideEvent) -> None:
        self.counter.stop_viewing()
        super().hideEvent(event)

    # ---- jobs ------------------------------------------------------------------------------
    def _run(self, title: str, work: Callable[[CancelToken, Callable[[str], None]], Any],
             done: Callable[[Any], None]) -> None:  # fmt: skip
        if self.job is not None:
            QMessageBox.information(self, "Busy", "Wait for the current job or cancel it first.")
            return
        self.progress_label.setText(title)
        self.busy.show()
        self.cancel_button.setEnabled(True)
        for button in (self.capture_button, self.add_button):
            button.setEnabled(False)

        def finished(result: Any, error: BaseException | None) -> None:
            self.job = None
            self.busy.hide()
            for button in (self.capture_button, self.add_button):
                button.setEnabled(True)
            if isinstance(error, RunCancelled):
                self.progress_label.setText("")
                self.window().statusBar().showMessage(f"{error} Nothing was kept.", 8000)
            elif error is not None:
                self._error(error)
            else:
                done(result)

        self.job = start_job(self, work, self.progress_label.setText, finished)

    def cancel_job(self) -> None:
        if self.job is not None:
            self.job.cancel.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling…")

    def focus_address(self) -> None:
        self.address.setFocus()
        self.address.selectAll()

    def capture_for_entity(self, entity_id: str, url: str) -> None:
        """Capture the page a `url` entity names (a Wayback snapshot, a profile) and link the
        capture to that entity as supporting evidence."""
        self.address.setText(url)
        self.capture(link_to=entity_id)

    def capture(self, allow_hosts: tuple[str, ...] = (), link_to: str | None = None) -> None:
        from workbench.capture import CaptureOptions, capture_url, normalise_url
        from workbench.capture.fetch import CaptureEgressDenied

        try:
            url = normalise_url(self.address.text())
        except Exception as exc:
            self._error(exc)
            return
        options = CaptureOptions(persona=self.persona.text().strip(), allow_hosts=allow_hosts)
        case_id = self.session.case_id

        def work(cancel: CancelToken, say: Callable[[str], None]) -> Any:
            try:
                item = capture_url(self.ws, case_id, url, options, cancel=cancel, progress=say)
            except CaptureEgressDenied as exc:
                return exc
            if link_to is not None:
                self.ws.evidence.link(item.id, link_to, "supports")
            return item

        def done(result: Any) -> None:
            if isinstance(result, CaptureEgressDenied):
                answer = QMessageBox.question(
                    self, "Follow the redirect?",
                    f"{result}\n\nCapture again and follow it to {result.host}?",
                )  # fmt: skip
                if answer == QMessageBox.StandardButton.Yes:
                    self.capture((*allow_hosts, result.host), link_to)
                return
            self.address.clear()
            self._collected(result.id)

        self._run(f"Capturing {url}…", work, done)

    def add_files_dialog(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Add evidence files")
        if names:
            self.add_files([Path(n) for n in names])

    def add_files(self, paths: list[Path]) -> None:
        case_id = self.session.case_id

        def work(cancel: CancelToken, say: Callable[[str], None]) -> Any:
            added = []
            for number, path in enumerate(paths, 1):
                size = max(1, path.stat().st_size) if path.exists() else 1
                prefix = f"Hashing {path.name} ({number}/{len(paths)})"

                def report(done: int, prefix: str = prefix, size: int = size) -> None:
                    cancel.raise_if_cancelled()
                    say(f"{prefix}: {done / size:.0%}")

                added.append(self.ws.evidence.add_file(case_id, path, progress=report).id)
            return added

        def done(added: list[str]) -> None:
            if added:
                self._collected(added[-1])

        self._run("Adding evidence…", work, done)

    def verify_all(self) -> None:
        case_id = self.session.case_id

        def work(cancel: CancelToken, say: Callable[[str], None]) -> Any:
            def report(done: int, total: int) -> None:
                cancel.raise_if_cancelled()
                say(f"Re-hashing item {done} of {total}…")

            return self.ws.evidence.verify_case(case_id, progress=report)

        def done(results: list[Any]) -> None:
            self.reload()
            bad = [r for r in results if not r.ok]
            if bad:
                QMessageBox.critical(
                    self, "Integrity check FAILED",
                    f"{len(bad)} of {len(results)} item(s) no longer match the hash recorded "
                    "at collection; their export is blocked:\n\n"
                    + "\n".join(f"• {r.evidence.filename}: {r.detail}" for r in bad[:10]),
                )  # fmt: skip
            else:
                self.window().statusBar().showMessage(
                    f"Evidence verified: all {len(results)} item(s) match their hashes.", 8000
                )

        self._run("Verifying evidence…", work, done)

    def _collected(self, evidence_id: str) -> None:
        self.reload(select=evidence_id)
        self.session.changed.emit()

    # ---- item actions ------------------------------------------------------------------------
    def verify_selected(self) -> None:
        evidence_id = self.current_id()
        if evidence_id:
            run_in_background(
                self, lambda: self.ws.evidence.verify(evidence_id, "checked by hand"),
                lambda _result: self.reload(evidence_id), self._error,
            )  # fmt: skip

    def strip_selected(self) -> None:
        from workbench.evidence.derive import strip_metadata

        evidence_id = self.current_id()
        if evidence_id:
            run_in_background(
                self, lambda: strip_metadata(self.ws, evidence_id),
                lambda copy: self._collected(copy.id), self._error,
            )  # fmt: skip

    def export_selected(self) -> None:
        evidence_id = self.current_id()
        if not evidence_id:
            return
        folder = QFileDialog.getExistingDirectory(self, "Export the original to")
        if not folder:
            return
        purpose, ok = QInputDialog.getText(
            self, "Purpose", "Why does it leave the workspace (logged in its custody log)?"
        )
        if ok and purpose.strip():
            run_in_background(
                self, lambda: self.ws.evidence.export(evidence_id, Path(folder), purpose.strip()),
                lambda _path: self.reload(evidence_id), self._error,
            )  # fmt: skip

    def link_selected(self, relation: str) -> None:
        evidence_id = self.current_id()
        selection = self.session.selection
        if not evidence_id:
            return
        if selection.kind not in (ENTITY, LINK):
            QMessageBox.information(
                self, "Select an entity or link",
                "Select the entity or link this item speaks to in the Entities or Graph tab "
                "(or the inspector), then come back and press Link to selection.",
            )  # fmt: skip
            return
        try:
            self.ws.evidence.link(evidence_id, selection.object_id, relation)
        except Exception as exc:
            self._error(exc)
            return
        self._show_detail(evidence_id)
        self.session.changed.emit()
        inspector = getattr(self.window(), "inspector", None)
        if inspector is not None:  # its Evidence section lists the new link
            inspector.show_object(selection.kind, selection.object_id)

    def _go(self, kind: str, object_id: str) -> None:
        if kind in (ENTITY, LINK):
            self.session.selection.select(kind, object_id)

    # ---- drag and drop -------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and all(url.isLocalFile() for url in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_files(paths)

    def _error(self, exc: BaseException) -> None:
        show_error(self, exc)
