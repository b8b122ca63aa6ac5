"""File > Export: the open case as STIX 2.1, GraphML, GEXF or CSV.

The export is written under a temporary name by the worker; the dialog renames it into
place only if the user did not cancel, so Cancel leaves nothing behind."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from PySide6.QtWidgets import QComboBox, QFileDialog, QWidget

from ui.exchange.base import JobDialog, PathField
from workbench.exchange.service import Written, export_case
from workbench.store.workspace import Workspace

FORMATS = [
    ("stix", "STIX 2.1 bundle (.json)", ".stix.json"),
    ("graphml", "GraphML (.graphml), reads in Gephi, yEd, networkx, igraph", ".graphml"),
    ("gexf", "GEXF (.gexf), reads in Gephi, networkx", ".gexf"),
    ("csv", "CSV: a folder with entities.csv, links.csv, evidence.csv", ""),
]
TLP = [("amber", "TLP:AMBER"), ("red", "TLP:RED"), ("green", "TLP:GREEN"),
       ("clear", "TLP:CLEAR"), ("none", "no marking")]  # fmt: skip


class ExportDialog(JobDialog):
    def __init__(
        self, ws: Workspace, case_id: str, fmt: str = "stix", parent: QWidget | None = None
    ):
        super().__init__("Export case", parent)
        self.setObjectName("exportDialog")
        self.ws, self.case_id = ws, case_id
        self.case = ws.cases.get(case_id)
        self.format = QComboBox(self)
        self.format.setObjectName("exportFormat")
        for key, label, _ in FORMATS:
            self.format.addItem(label, key)
        self.tlp = QComboBox(self)
        for key, label in TLP:
            self.tlp.addItem(label, key)
        self.target = PathField(self._choose, self)
        self.form.addRow("Case", _label(self, f"{self.case.reference} · {self.case.title}"))
        self.form.addRow("Format", self.format)
        self.form.addRow("Marking (STIX)", self.tlp)
        self.form.addRow("Save as", self.target)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.format.setCurrentIndex(next(i for i, f in enumerate(FORMATS) if f[0] == fmt))
        self._format_changed()
        self.export_button = self.add_button("Export", self.start, default=True)
        self.written: Written | None = None

    def _fmt(self) -> str:
        return str(self.format.currentData())

    def _format_changed(self) -> None:
        fmt = self._fmt()
        self.tlp.setEnabled(fmt == "stix")
        suffix = next(s for k, _, s in FORMATS if k == fmt)
        base = Path.home() / f"{self.case.reference}{suffix or '-csv'}"
        current = self.target.path()
        folder = current.parent if current else Path.home()
        self.target.edit.setText(str(folder / base.name))

    def _choose(self, current: str) -> str:
        if self._fmt() == "csv":
            parent = QFileDialog.getExistingDirectory(self, "Folder for the CSV folder", current)
            return str(Path(parent) / f"{self.case.reference}-csv") if parent else ""
        return QFileDialog.getSaveFileName(self, "Export case", current)[0]

    def start(self) -> None:
        target = self.target.path()
        if target is None:
            self.say("Choose where to save the export.")
            return
        fmt, tlp = self._fmt(), str(self.tlp.currentData())
        if fmt == "csv" and target.exists():
            self.say(f"⚠ {target} already exists; choose a new folder name.")
            return
        temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.exporting")
        ws, case_id = self.ws, self.case_id

        def work(_progress: object, _cancelled: object) -> Written:
            return export_case(ws, case_id, fmt, temp, tlp=tlp)

        def done(written: Written) -> None:
            if self.job.cancelled:
                _remove(temp)
                self.say("Cancelled; nothing was written.")
                return
            try:
                os.replace(temp, target)
            except OSError as exc:
                _remove(temp)
                self.say(f"⚠ Cannot save {target}: {exc.strerror}.")
                return
            self.written = Written(written.format, target, written.counts)
            self.say(f"✓ {self.written.describe()}")

        self.run(f"Exporting {self.case.reference} as {fmt}…", work, done, determinate=False)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


def _label(parent: QWidget, text: str) -> QWidget:
    from PySide6.QtWidgets import QLabel

    label = QLabel(text, parent)
    label.setWordWrap(True)
    return label
