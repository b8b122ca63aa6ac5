"""File > Import > Back-end export (CSV / JSON lines)…: pick a file, check the detected
encoding and delimiter against a preview, map columns to entities and links (or load a
saved mapping), save the mapping, then check (dry run) or import in the background with
progress and cancel. The summary lists rejected rows with their line numbers."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs import messages
from ui.dialogs.tabular_mapping_editor import MappingEditor
from ui.icons import icon
from ui.workers import run_in_background
from workbench.errors import ValidationError
from workbench.store.workspace import Workspace
from workbench.tabular.importer import ImportCancelled, ImportReport, import_table
from workbench.tabular.mapping import TableMapping
from workbench.tabular.reader import Detected, detect
from workbench.tabular.store import MappingStore

AUTO = "auto"
ENCODINGS = (AUTO, "cp932", "shift_jis", "euc_jp", "latin-1", "cp1252", "utf-16")
DELIMITERS = (
    ("auto", None),
    ("comma ,", ","),
    ("semicolon ;", ";"),
    ("tab", "\t"),
    ("pipe |", "|"),
)
FILE_FILTER = "Exports (*.csv *.tsv *.txt *.jsonl *.ndjson *.json);;All files (*)"


class _Progress(QObject):
    """Worker thread -> GUI thread (queued): bytes read, total bytes, rows."""

    moved = Signal(int, int, int)


class TabularImportDialog(QDialog):
    imported = Signal(object)  # ImportReport of a real (not dry) import

    def __init__(self, ws: Workspace, case_id: str, case_title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.case_id = case_id
        self.store = MappingStore(ws)
        self.detected: Detected | None = None
        self.cancel_flag = threading.Event()
        self.running = False
        self.report: ImportReport | None = None
        self.setObjectName("tabularImportDialog")
        self.setWindowTitle(f"Import back-end export into {case_title}")
        self.resize(1200, 740)

        # -- file and format
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("CSV or JSON-lines export of a back-end system")
        self.path_edit.returnPressed.connect(self.reload)
        browse = QPushButton(icon("folder-open"), "Browse…")
        browse.clicked.connect(self.browse)
        self.encoding = QComboBox()
        self.encoding.setEditable(True)
        self.encoding.addItems(ENCODINGS)
        self.encoding.setToolTip(
            "Used when the file is neither UTF-8 nor marked by a byte-order mark "
            "(cp932 for Japanese Windows exports)"
        )
        self.delimiter = QComboBox()
        for text, value in DELIMITERS:
            self.delimiter.addItem(text, value)
        self.encoding.activated.connect(lambda _i: self.reload())
        self.delimiter.activated.connect(lambda _i: self.reload())
        self.detected_label = QLabel("Choose a file.")
        self.detected_label.setObjectName("detectedFormat")
        self.detected_label.setWordWrap(True)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(browse)
        format_row = QHBoxLayout()
        format_row.addWidget(QLabel("Encoding"))
        format_row.addWidget(self.encoding)
        format_row.addWidget(QLabel("Delimiter"))
        format_row.addWidget(self.delimiter)
        format_row.addWidget(self.detected_label, 1)
        self.preview = QTableWidget(0, 0)
        self.preview.setObjectName("tabularPreview")
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.verticalHeader().hide()
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.preview.setMinimumHeight(110)
        file_box = QGroupBox("1. File")
        file_layout = QVBoxLayout(file_box)
        file_layout.addLayout(file_row)
        file_layout.addLayout(format_row)
        file_layout.addWidget(self.preview)

        # -- mapping
        self.saved = QComboBox()
        self.saved.setObjectName("savedMappings")
        self.saved.setMinimumWidth(200)
        load = QPushButton("Load")
        load.clicked.connect(self.load_saved)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("name to save this mapping under, e.g. vpn-logins")
        save = QPushButton(icon("save"), "Save mapping")
        save.setObjectName("saveMapping")
        save.clicked.connect(self.save_mapping)
        saved_row = QHBoxLayout()
        saved_row.addWidget(QLabel("Saved mapping"))
        saved_row.addWidget(self.saved)
        saved_row.addWidget(load)
        saved_row.addSpacing(24)
        saved_row.addWidget(QLabel("Name"))
        saved_row.addWidget(self.name_edit, 1)
        saved_row.addWidget(save)
        self.editor = MappingEditor(ws.graph.vocabulary)
        map_box = QGroupBox("2. Columns to entities and links")
        map_layout = QVBoxLayout(map_box)
        map_layout.addLayout(saved_row)
        map_layout.addWidget(self.editor)

        # -- run
        self.rejects_edit = QLineEdit()
        self.rejects_edit.setPlaceholderText("optional: write every rejected row to this CSV")
        rejects_browse = QPushButton("…")
        rejects_browse.setToolTip("Choose the file for rejected rows")
        rejects_browse.clicked.connect(self.choose_rejects_file)
        self.progress = QProgressBar()
        self.progress.setObjectName("importProgress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.status = QLabel("")
        self.status.setObjectName("importStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.rejected = QTableWidget(0, 2)
        self.rejected.setObjectName("rejectedRows")
        self.rejected.setHorizontalHeaderLabels(("Line", "Why the row was rejected"))
        self.rejected.verticalHeader().hide()
        self.rejected.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rejected.horizontalHeader().setStretchLastSection(True)
        self.rejected.setMaximumHeight(112)
        self.rejected.hide()
        self.check_button = QPushButton(icon("circle-check"), "Check (dry run)")
        self.check_button.clicked.connect(lambda: self.start(dry_run=True))
        self.import_button = QPushButton(icon("download"), "Import")
        self.import_button.setObjectName("startImport")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(lambda: self.start(dry_run=False))
        self.cancel_button = QPushButton(icon("circle-stop"), "Cancel import")
        self.cancel_button.setObjectName("cancelImport")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        run_box = QGroupBox("3. Import")
        run_layout = QVBoxLayout(run_box)
        form = QFormLayout()
        rejects_row = QHBoxLayout()
        rejects_row.addWidget(self.rejects_edit, 1)
        rejects_row.addWidget(rejects_browse)
        form.addRow("Rejected rows file", rejects_row)
        run_layout.addLayout(form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        for button in (self.check_button, self.import_button, self.cancel_button, close):
            buttons.addWidget(button)
        run_layout.addLayout(buttons)
        run_layout.addWidget(self.status)
        run_layout.addWidget(self.rejected)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(file_box)
        splitter.addWidget(map_box)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([230, 380])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(run_box)
        self.bridge = _Progress()
        self.bridge.moved.connect(self._moved)
        self.refresh_saved()

    # ---- file --------------------------------------------------------------------------
    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Back-end export", "", FILE_FILTER)
        if path:
            self.open_file(Path(path))

    def open_file(self, path: Path) -> None:
        self.path_edit.setText(str(path))
        self.reload(guess=True)

    def _declared(self) -> str | None:
        text = self.encoding.currentText().strip()
        return None if text in ("", AUTO) else text

    def reload(self, guess: bool = False) -> None:
        text = self.path_edit.text().strip()
        if not text:
            return
        try:
            self.detected = detect(
                Path(text),
                encoding=self._declared(),
                delimiter=self.delimiter.currentData(),
                preview_rows=50,
            )
        except Exception as exc:
            self.detected = None
            self.detected_label.setText(f"<span style='color:#b91c1c'>{exc}</span>")
            self.preview.setRowCount(0)
            self.preview.setColumnCount(0)
            return
        found = self.detected
        note = found.describe()
        if found.sniffed_delimiter and found.delimiter != found.sniffed_delimiter:
            note += f" — the file looks {found.sniffed_delimiter!r}-separated"
        self.detected_label.setText(f"Detected: {note}")
        self.preview.setColumnCount(len(found.columns))
        self.preview.setHorizontalHeaderLabels(list(found.columns))
        self.preview.setRowCount(len(found.head))
        for row, values in enumerate(found.head):
            for column, value in enumerate(values[: len(found.columns)]):
                self.preview.setItem(row, column, QTableWidgetItem(value))
        self.preview.resizeColumnsToContents()
        self.editor.set_columns(found.columns)
        if guess and self.editor.entity_table.rowCount() == 0:
            self.editor.guess()

    # ---- mappings ----------------------------------------------------------------------
    def refresh_saved(self) -> None:
        self.saved.clear()
        with messages.reporting(self):
            for saved in self.store.list():
                self.saved.addItem(saved.mapping.name)
        self.saved.setEnabled(self.saved.count() > 0)

    def load_saved(self) -> None:
        name = self.saved.currentText()
        if not name:
            return
        with messages.reporting(self):
            self.apply_mapping(self.store.get(name))

    def apply_mapping(self, mapping: TableMapping) -> None:
        self.name_edit.setText(mapping.name)
        if mapping.encoding:
            self.encoding.setEditText(mapping.encoding)
        index = self.delimiter.findData(mapping.delimiter)
        self.delimiter.setCurrentIndex(max(0, index))
        self.reload()
        self.editor.load(mapping.entities, mapping.links)

    def mapping(self) -> TableMapping:
        found = self.detected
        return TableMapping(
            name=self.name_edit.text().strip() or (found.path.stem if found else "mapping"),
            entities=self.editor.entities(),
            links=self.editor.links(),
            format=found.format if found else "auto",
            delimiter=self.delimiter.currentData(),
            encoding=self._declared(),
        )

    def save_mapping(self) -> None:
        with messages.reporting(self):
            if not self.name_edit.text().strip():
                self.name_edit.setFocus()
                raise ValidationError("Give the mapping a name first (e.g. vpn-logins).")
            mapping = self.mapping()
            self.store.save(mapping)
            self.refresh_saved()
            self.saved.setCurrentText(mapping.name)
            self.status.setText(f"Mapping {mapping.name!r} saved in this workspace.")

    def choose_rejects_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Rejected rows", "rejected.csv", "CSV (*.csv)")
        if path:
            self.rejects_edit.setText(path)

    # ---- running -----------------------------------------------------------------------
    def start(self, dry_run: bool) -> None:
        if self.running:
            return
        with messages.reporting(self):
            if self.detected is None:
                self.reload()
            if self.detected is None:
                raise ValidationError("Choose a readable CSV or JSON-lines file first.")
            mapping = self.mapping()
            mapping.validate(self.ws.graph.vocabulary)
            path = self.detected.path
            rejects = self.rejects_edit.text().strip()
            rejects_out = Path(rejects) if rejects else None
            self.cancel_flag.clear()
            self._set_running(True, dry_run)
            bridge = self.bridge
            ws, case_id, flag = self.ws, self.case_id, self.cancel_flag

            def work() -> ImportReport:
                return import_table(
                    ws,
                    case_id,
                    path,
                    mapping,
                    encoding=mapping.encoding,
                    delimiter=mapping.delimiter,
                    dry_run=dry_run,
                    rejects_out=rejects_out,
                    progress=lambda done, total, rows: bridge.moved.emit(done, total, rows),
                    cancelled=flag.is_set,
                )

            run_in_background(self, work, self._finished, self._failed)

    def cancel(self) -> None:
        self.cancel_flag.set()
        self.status.setText("Cancelling… nothing will be written.")

    def _set_running(self, running: bool, dry_run: bool = False) -> None:
        self.running = running
        self.cancel_button.setEnabled(running)
        for widget in (self.check_button, self.import_button, self.editor, self.path_edit):
            widget.setEnabled(not running)
        if running:
            self.rejected.hide()
            self.progress.setValue(0)
            self.progress.setFormat("reading… %p%")
            self.status.setText("Checking the file…" if dry_run else "Importing…")

    def _moved(self, done: int, total: int, rows: int) -> None:
        self.progress.setValue(int(1000 * done / max(1, total)))
        self.progress.setFormat(f"{rows:,} rows · %p%")

    def _finished(self, report: ImportReport) -> None:
        self._set_running(False)
        self.report = report
        self.progress.setValue(1000)
        self.progress.setFormat(f"{report.rows_read:,} rows · done")
        text = report.summary() + f" ({report.rows_per_second:,.0f} rows/s)"
        self.status.setText(text)
        self.rejected.setRowCount(len(report.rejected))
        for row, rejected in enumerate(report.rejected):
            line = QTableWidgetItem(str(rejected.line))
            line.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.rejected.setItem(row, 0, line)
            self.rejected.setItem(row, 1, QTableWidgetItem(rejected.reason))
        self.rejected.resizeColumnToContents(0)
        self.rejected.setVisible(bool(report.rejected))
        if report.rows_rejected > len(report.rejected):
            more = report.rows_rejected - len(report.rejected)
            hint = "" if report.rejects_file else " Set a rejected rows file to list them all."
            self.status.setText(
                text + f"\nThe first {len(report.rejected)} rejected rows are "
                f"shown; {more:,} more.{hint}"
            )
        if not report.dry_run:
            self.imported.emit(report)

    def _failed(self, error: BaseException) -> None:
        self._set_running(False)
        self.progress.setValue(0)
        self.progress.setFormat("")
        if isinstance(error, ImportCancelled):
            self.status.setText(str(error))
            return
        self.status.setText(f"<span style='color:#b91c1c'>{error}</span>")
        messages.show_error(self, error, "Import failed")

    def reject(self) -> None:
        if self.running:
            self.cancel()
            return
        super().reject()
