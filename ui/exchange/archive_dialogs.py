"""File > Export > Case archive… and File > Import > Case archive…: one file with the case,
its evidence and a SHA-256 manifest, optionally encrypted with a passphrase."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QWidget

from ui.exchange.base import JobDialog, PathField, open_file, save_file
from workbench.exchange.archive import (
    SUFFIX,
    ArchiveReport,
    OpenResult,
    create_archive,
    is_encrypted,
    open_archive,
    verify_archive,
)
from workbench.store.workspace import Workspace

FILTER = f"Case archives (*{SUFFIX});;All files (*)"


def _password(parent: QWidget, name: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class ArchiveCreateDialog(JobDialog):
    def __init__(self, ws: Workspace, case_id: str, parent: QWidget | None = None):
        super().__init__("Create case archive", parent)
        self.setObjectName("archiveCreateDialog")
        self.ws, self.case_id = ws, case_id
        self.case = ws.cases.get(case_id)
        count = ws.evidence.count(case_id)
        self.target = PathField(save_file(self, "Save case archive", FILTER), self)
        self.target.edit.setText(str(Path.home() / f"{self.case.reference}{SUFFIX}"))
        self.encrypt = QCheckBox("Encrypt with a passphrase (AES-256-GCM)", self)
        self.encrypt.setObjectName("archiveEncrypt")
        self.encrypt.setChecked(True)
        self.passphrase = _password(self, "archivePassphrase")
        self.repeat = _password(self, "archivePassphraseRepeat")
        self.form.addRow("Case", QLabel(f"{self.case.reference} · {self.case.title}", self))
        self.form.addRow("Contents", QLabel(
            f"case data, {ws.graph.count_entities(case_id):,} entities, "
            f"{ws.graph.count_links(case_id):,} links, {count:,} evidence items "
            "(originals, SHA-256 checked on the way)", self))  # fmt: skip
        self.form.addRow("Save as", self.target)
        self.form.addRow("", self.encrypt)
        self.form.addRow("Passphrase", self.passphrase)
        self.form.addRow("Repeat", self.repeat)
        self.encrypt.toggled.connect(self._toggle)
        self.create_button = self.add_button("Create archive", self.start, default=True)
        self.report: ArchiveReport | None = None

    def _toggle(self, on: bool) -> None:
        self.passphrase.setEnabled(on)
        self.repeat.setEnabled(on)

    def start(self) -> None:
        target = self.target.path()
        if target is None:
            self.say("Choose where to save the archive.")
            return
        passphrase: str | None = None
        if self.encrypt.isChecked():
            passphrase = self.passphrase.text()
            if not passphrase:
                self.say("Type a passphrase (or untick encryption).")
                return
            if passphrase != self.repeat.text():
                self.say("The two passphrases differ.")
                return
        ws, case_id = self.ws, self.case_id

        def work(progress, cancelled):  # type: ignore[no-untyped-def]
            return create_archive(
                ws, case_id, target, passphrase=passphrase, progress=progress, cancelled=cancelled
            )

        def done(report: ArchiveReport) -> None:
            self.report = report
            self.passphrase.clear()
            self.repeat.clear()
            self.say(f"✓ {report.describe()}")

        self.run(f"Writing {target.name}…", work, done, measured_in_bytes=True)


class ArchiveOpenDialog(JobDialog):
    opened = Signal(object)  # OpenResult

    def __init__(self, ws: Workspace, parent: QWidget | None = None):
        super().__init__("Open case archive", parent)
        self.setObjectName("archiveOpenDialog")
        self.ws = ws
        self.source = PathField(open_file(self, "Open case archive", FILTER), self)
        self.passphrase = _password(self, "archiveOpenPassphrase")
        self.kind = QLabel("", self)
        self.form.addRow("Archive", self.source)
        self.form.addRow("", self.kind)
        self.form.addRow("Passphrase", self.passphrase)
        self.source.edit.textChanged.connect(self._inspect)
        self._inspect()
        self.verify_button = self.add_button("Verify only", lambda: self.start(open_it=False))
        self.open_button = self.add_button("Open", lambda: self.start(open_it=True), True)
        self.result: OpenResult | None = None

    def _inspect(self) -> None:
        path = self.source.path()
        encrypted = bool(path and path.is_file() and is_encrypted(path))
        self.passphrase.setEnabled(encrypted)
        if path is None or not path.is_file():
            self.kind.setText("Every member is checked against the manifest's SHA-256.")
        else:
            self.kind.setText("Encrypted: type its passphrase." if encrypted else "Not encrypted.")

    def start(self, *, open_it: bool) -> None:
        path = self.source.path()
        if path is None:
            self.say("Choose the archive file.")
            return
        passphrase = self.passphrase.text() if self.passphrase.isEnabled() else None
        ws = self.ws

        def work(progress, cancelled):  # type: ignore[no-untyped-def]
            if open_it:
                return open_archive(ws, path, passphrase, progress=progress, cancelled=cancelled)
            return verify_archive(path, passphrase, progress=progress, cancelled=cancelled)

        def done(result: OpenResult | ArchiveReport) -> None:
            if isinstance(result, OpenResult):
                self.result = result
                self.say(f"✓ {result.describe()}")
                self.opened.emit(result)
            else:
                self.say(f"✓ {result.describe()}")

        verb = "Opening" if open_it else "Verifying"
        self.run(f"{verb} {path.name}…", work, done, measured_in_bytes=True)
