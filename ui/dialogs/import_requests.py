"""Import requests from the window: choose files, preview (a dry run: what would be created,
rejected rows with their line numbers, duplicates, unmapped columns), then import. Both runs
happen off the GUI thread; the result arrives through `finished(report)`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.workers import run_in_background
from workbench.intake.importer import Importer, ImportReport
from workbench.store.workspace import Workspace

STATUS_TEXT = {
    "would_create": "✔ will create",
    "created": "✔ created",
    "rejected": "✖ rejected",
    "duplicate": "⧉ duplicate (skipped)",
}
FILE_FILTER = (
    "Requests (*.eml *.json *.jsonl *.csv);;E-mail (*.eml);;Portal exports (*.json *.jsonl *.csv)"
)


class ImportPreviewDialog(QDialog):
    """Shows an ImportReport; for a dry run, OK imports."""

    def __init__(self, report: ImportReport, parent: QWidget | None = None):
        super().__init__(parent)
        self.report = report
        self.setWindowTitle("Import preview" if report.dry_run else "Import result")
        self.resize(1000, 520)
        creating = report.count("would_create") if report.dry_run else report.count("created")
        summary = QLabel(
            f"{creating} case(s) {'will be' if report.dry_run else 'were'} created, "
            f"{report.count('rejected')} rejected, {report.count('duplicate')} duplicate(s)."
        )
        summary.setObjectName("importSummary")
        notes = [
            f"{Path(path).name}: columns not used: {', '.join(columns)}"
            for path, columns in report.unmapped_columns.items()
            if columns
        ]
        notes += [
            f"{Path(path).name}: {warning}"
            for path, warnings in report.file_warnings.items()
            for warning in warnings
        ]
        self.notes = QLabel("\n".join(notes))
        self.notes.setWordWrap(True)
        self.notes.setVisible(bool(notes))
        self.table = QTableWidget(len(report.items), 4, self)
        self.table.setObjectName("importTable")
        self.table.setHorizontalHeaderLabels(("Source", "Result", "Title", "Problems"))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for row, item in enumerate(report.items):
            problems = [*item.errors, *(d.describe() for d in item.duplicates), *item.warnings]
            cells = (
                Path(item.source.split(":")[0]).name + _line(item.source),
                STATUS_TEXT.get(item.status, item.status),
                item.title,
                " · ".join(problems),
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip("\n".join(problems) if column == 3 else text)
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()
        buttons = QDialogButtonBox(self)
        if report.dry_run:
            ok = buttons.addButton(
                f"Import {creating} case(s)", QDialogButtonBox.ButtonRole.AcceptRole
            )
            ok.setEnabled(creating > 0)
            buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        else:
            buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.notes)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)


def _line(source: str) -> str:
    head, sep, tail = source.rpartition(":")
    return f" (line {tail})" if sep and tail.isdigit() and head else ""


class ImportController(QObject):
    """`start(paths)` → preview (dry run) → import on OK → `finished(report)`."""

    finished = Signal(object)  # ImportReport
    failed = Signal(object)  # an exception

    def __init__(self, ws: Workspace, parent: QWidget | None = None, *, preview: bool = True):
        super().__init__(parent)
        self.ws = ws
        self.parent_widget = parent
        self.preview = preview
        self.last_dialog: ImportPreviewDialog | None = None

    def choose_and_start(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self.parent_widget, "Import requests", str(Path.home()), FILE_FILTER
        )
        if paths:
            self.start(paths)

    def start(self, paths: Sequence[str | Path]) -> None:
        files = [Path(p) for p in paths]
        ws = self.ws
        if not self.preview:
            self._run(files)
            return
        run_in_background(
            self,
            lambda: Importer(ws).import_paths(files, dry_run=True),
            lambda report: self._previewed(report, files),
            self.failed.emit,
        )

    def _previewed(self, report: ImportReport, files: list[Path]) -> None:
        dialog = ImportPreviewDialog(report, self.parent_widget)
        self.last_dialog = dialog
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._run(files)

    def _run(self, files: list[Path]) -> None:
        ws = self.ws
        run_in_background(
            self, lambda: Importer(ws).import_paths(files), self.finished.emit, self.failed.emit
        )
