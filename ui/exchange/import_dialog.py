"""File > Import > GraphML / GEXF / CSV / STIX 2.1: into the open case, checked first (a dry
run shows what would come in), then written in one transaction with progress and Cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QWidget

from ui.exchange.base import JobDialog, PathField, open_file
from workbench.exchange.model import ImportResult
from workbench.exchange.service import import_file
from workbench.store.workspace import Workspace

FORMATS = [
    ("graphml", "GraphML (.graphml)", "GraphML (*.graphml *.xml);;All files (*)"),
    ("gexf", "GEXF (.gexf)", "GEXF (*.gexf);;All files (*)"),
    ("csv", "CSV: entities.csv (+ links.csv beside it)", "CSV (*.csv);;All files (*)"),
    ("stix", "STIX 2.1 bundle (.json)", "STIX 2.1 bundle (*.json *.stix);;All files (*)"),
]
# Formats whose own mapping decides every entity type (the "unknown types" choice is unused).
TYPED_FORMATS = {"stix"}


class ImportDialog(JobDialog):
    imported = Signal(object)  # ImportResult

    def __init__(
        self, ws: Workspace, case_id: str, fmt: str = "graphml", parent: QWidget | None = None
    ):
        super().__init__("Import into case", parent)
        self.setObjectName("importGraphDialog")
        self.ws, self.case_id = ws, case_id
        case = ws.cases.get(case_id)
        self.format = QComboBox(self)
        self.format.setObjectName("importFormat")
        for key, label, _ in FORMATS:
            self.format.addItem(label, key)
        self.format.setCurrentIndex(next(i for i, f in enumerate(FORMATS) if f[0] == fmt))
        self.source = PathField(lambda current: self._chooser()(current), self)
        self.links = PathField(open_file(self, "Links CSV", "CSV (*.csv);;All files (*)"), self)
        self.links.edit.setPlaceholderText("links.csv beside the entities file, if any")
        self.default_type = QComboBox(self)
        for name, entity_type in sorted(ws.graph.vocabulary.entity_types.items()):
            self.default_type.addItem(entity_type.label, name)
        self.default_type.setCurrentIndex(self.default_type.findData("note"))
        self.default_type.setToolTip("Entity type for nodes whose type the workbench does not know")
        self.skip_loops = QCheckBox("Skip edges from a node to itself (self-loops)", self)
        from PySide6.QtWidgets import QLabel

        self.form.addRow("Into case", QLabel(f"{case.reference} · {case.title}", self))
        self.form.addRow("Format", self.format)
        self.form.addRow("File", self.source)
        self.form.addRow("Links CSV", self.links)
        self.form.addRow("Unknown types become", self.default_type)
        self.form.addRow("", self.skip_loops)
        self.format.currentIndexChanged.connect(self._format_changed)
        self._format_changed()
        self.check_button = self.add_button("Check", lambda: self.start(dry_run=True))
        self.import_button = self.add_button("Import", lambda: self.start(dry_run=False), True)
        self.result: ImportResult | None = None

    def _fmt(self) -> str:
        return str(self.format.currentData())

    def _chooser(self):  # type: ignore[no-untyped-def]
        filters = next(f for k, _, f in FORMATS if k == self._fmt())
        return open_file(self, "Import file", filters)

    def _format_changed(self) -> None:
        self.links.setEnabled(self._fmt() == "csv")
        self.default_type.setEnabled(self._fmt() not in TYPED_FORMATS)

    def start(self, *, dry_run: bool) -> None:
        source = self.source.path()
        if source is None:
            self.say("Choose the file to import.")
            return
        fmt = self._fmt()
        links: Path | None = self.links.path() if fmt == "csv" else None
        ws, case_id = self.ws, self.case_id
        default_type = str(self.default_type.currentData())
        loops = "skip" if self.skip_loops.isChecked() else "refuse"

        def work(progress, cancelled):  # type: ignore[no-untyped-def]
            return import_file(
                ws, case_id, source, fmt, links=links, default_type=default_type,
                self_loops=loops, dry_run=dry_run, progress=progress, cancelled=cancelled,
            )  # fmt: skip

        def done(result: ImportResult) -> None:
            self.result = result
            notes = "\n".join(result.notes)
            self.say(("✓ " if not dry_run else "") + result.describe()
                                + (f"\n{notes}" if notes else ""))  # fmt: skip
            if not dry_run:
                self.imported.emit(result)

        verb = "Checking" if dry_run else "Importing"
        self.run(f"{verb} {source.name}…", work, done)
