"""Versions of a case's assessment: who saved what when, and the changes between any two."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import formatting as fmt
from ui import theme
from workbench.assess.repository import AssessmentRepository

COLUMNS = ("Version", "Saved", "By", "Tier (suggested → final)", "What changed")


class HistoryDialog(QDialog):
    def __init__(self, repo: AssessmentRepository, case_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.repo = repo
        self.case_id = case_id
        self.setWindowTitle("Assessment history")
        self.resize(860, 560)
        self.versions = repo.history(case_id)

        self.table = QTableWidget(len(self.versions), len(COLUMNS), self)
        self.table.setObjectName("historyTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for row, info in enumerate(reversed(self.versions)):
            tiers = f"{info.suggested_tier} → {info.final_tier}"
            if not info.intact:
                tiers += "  (snapshot altered!)"
            cells = (
                f"v{info.version}",
                fmt.time_text(info.saved_at),
                info.saved_by,
                tiers,
                info.summary,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 1:
                    item.setToolTip(fmt.time_tooltip(info.saved_at))
                if column == 4:
                    item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.itemSelectionChanged.connect(self._row_selected)

        self.from_combo = QComboBox(objectName="fromVersion")
        self.to_combo = QComboBox(objectName="toVersion")
        self.from_combo.addItem("before creation", 0)
        for info in self.versions:
            label = f"v{info.version} · {info.saved_by}"
            self.from_combo.addItem(label, info.version)
            self.to_combo.addItem(label, info.version)
        if self.versions:
            self.to_combo.setCurrentIndex(len(self.versions) - 1)
            self.from_combo.setCurrentIndex(max(0, len(self.versions) - 1))
        self.from_combo.currentIndexChanged.connect(self.refresh_diff)
        self.to_combo.currentIndexChanged.connect(self.refresh_diff)
        self.changes = QListWidget(objectName="diffList")
        self.changes.setWordWrap(True)

        compare = QHBoxLayout()
        compare.addWidget(QLabel("Compare"))
        compare.addWidget(self.from_combo)
        compare.addWidget(QLabel("with"))
        compare.addWidget(self.to_combo)
        compare.addStretch(1)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addLayout(compare)
        lower_layout.addWidget(self.changes, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.MARGIN, theme.MARGIN, theme.MARGIN)
        if not self.versions:
            layout.addWidget(QLabel("No version saved yet."))
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.refresh_diff()

    def _row_selected(self) -> None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        if len(rows) != 1:
            return
        version = self.versions[len(self.versions) - 1 - rows.pop()].version
        self.to_combo.setCurrentIndex(self.to_combo.findData(version))
        self.from_combo.setCurrentIndex(self.from_combo.findData(version - 1))

    def compare(self, from_version: int, to_version: int) -> None:
        self.from_combo.setCurrentIndex(self.from_combo.findData(from_version))
        self.to_combo.setCurrentIndex(self.to_combo.findData(to_version))

    def refresh_diff(self) -> None:
        self.changes.clear()
        if not self.versions:
            return
        old, new = self.from_combo.currentData(), self.to_combo.currentData()
        if old is None or new is None:
            return
        changes = self.repo.diff(self.case_id, int(old), int(new))
        for change in changes:
            self.changes.addItem(change.text)
        if not changes:
            self.changes.addItem("No differences.")

    def change_texts(self) -> list[str]:
        return [self.changes.item(row).text() for row in range(self.changes.count())]
