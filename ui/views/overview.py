"""Overview tab: what the case is, its state (editable, undoable), its counts and evidence."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui import formatting as fmt
from ui import theme
from ui.commands import UpdateCaseCommand, perform
from ui.models.records import Column, RecordTableModel
from ui.session import CaseSession
from ui.workers import run_in_background
from workbench.model import Case, CaseStatus, Category, Priority
from workbench.store.evidence import VerifyResult


def _verified_text(result: VerifyResult) -> str:
    return "Verified: hash matches" if result.ok else f"FAILED: {result.detail}"


EVIDENCE_COLUMNS: list[Column[VerifyResult]] = [
    Column("File", lambda r: r.evidence.filename, tooltip=lambda r: r.evidence.description),
    Column("Type", lambda r: r.evidence.mime_type),
    Column(
        "Size",
        lambda r: fmt.size_text(r.evidence.size),
        sort=lambda r: r.evidence.size,
        align_right=True,
    ),
    Column(
        "Collected",
        lambda r: fmt.time_text(r.evidence.collected_at),
        tooltip=lambda r: fmt.time_tooltip(r.evidence.collected_at),
    ),
    Column("By", lambda r: r.evidence.collected_by),
    Column("Integrity", _verified_text, tooltip=_verified_text),
    Column("SHA-256", lambda r: r.evidence.sha256, tooltip=lambda r: r.evidence.sha256),
]


class OverviewTab(QWidget):
    def __init__(self, session: CaseSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.title = QLabel(objectName="heading")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reference = QLabel(objectName="muted")
        self.reference.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.status = self._combo(CaseStatus, fmt.status_text, "status")
        self.priority = self._combo(Priority, fmt.priority_text, "priority")
        self.category = self._combo(Category, fmt.category_text, "category")
        self.assignee = QLabel()
        self.tags = QLabel()
        self.tags.setWordWrap(True)
        self.counts = QLabel()
        self.created = QLabel()
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        form = QFormLayout()
        form.setHorizontalSpacing(theme.MARGIN)
        form.setVerticalSpacing(theme.SPACING)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Status", self.status)
        form.addRow("Priority", self.priority)
        form.addRow("Category", self.category)
        form.addRow("Assignee", self.assignee)
        form.addRow("Tags", self.tags)
        form.addRow("Graph", self.counts)
        form.addRow("Opened", self.created)

        self.evidence_model = RecordTableModel(
            EVIDENCE_COLUMNS, key=lambda r: r.evidence.id, parent=self
        )
        self.evidence_table = QTableView(self)
        self.evidence_table.setModel(self.evidence_model)
        self.evidence_table.setObjectName("evidenceTable")
        self.evidence_table.verticalHeader().hide()
        self.evidence_table.setShowGrid(False)
        self.evidence_table.setAlternatingRowColors(True)
        self.evidence_table.setWordWrap(False)
        self.evidence_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.evidence_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.evidence_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((220, 120, 80, 140, 90, 170)):
            self.evidence_table.setColumnWidth(column, width)
        self.evidence_status = QLabel(objectName="muted")

        top = QHBoxLayout()
        top.setSpacing(theme.MARGIN * 2)
        top.addLayout(form, 0)
        description_box = QVBoxLayout()
        description_box.addWidget(QLabel("Description", objectName="subheading"))
        description_box.addWidget(self.description, 1)
        top.addLayout(description_box, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN * 2, theme.MARGIN, theme.MARGIN * 2, theme.MARGIN)
        layout.setSpacing(theme.SPACING)
        layout.addWidget(self.title)
        layout.addWidget(self.reference)
        layout.addLayout(top)
        evidence_header = QHBoxLayout()
        evidence_header.addWidget(QLabel("Evidence", objectName="subheading"))
        evidence_header.addStretch(1)
        evidence_header.addWidget(self.evidence_status)
        layout.addLayout(evidence_header)
        layout.addWidget(self.evidence_table, 1)

        session.caseUpdated.connect(self.show_case)
        session.changed.connect(self.refresh_counts)
        self.show_case(session.case)
        self.refresh_counts()
        self.verify_evidence()

    def _combo(self, enum_type: type, text: object, field: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(f"{field}Combo")
        for member in enum_type:  # type: ignore[attr-defined]
            combo.addItem(text(member), member.value)  # type: ignore[operator]
        combo.activated.connect(lambda _i, f=field, c=combo: self._changed(f, c))
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return combo

    def _changed(self, field: str, combo: QComboBox) -> None:
        old = getattr(self.session.case, field).value
        new = combo.currentData()
        if new == old:
            return
        labels = {"status": "status", "priority": "priority", "category": "category"}
        if not perform(self, UpdateCaseCommand(self.session, field, old, new, labels[field])):
            self.show_case(self.session.case)

    def show_case(self, case: Case) -> None:
        self.title.setText(case.title)
        self.reference.setText(f"{case.reference}  ·  created by {case.created_by}")
        for combo, value in (
            (self.status, case.status),
            (self.priority, case.priority),
            (self.category, case.category),
        ):
            combo.setCurrentIndex(combo.findData(value.value))
        self.assignee.setText(case.assignee or "Unassigned")
        self.tags.setText(", ".join(case.tags) or "—")
        self.created.setText(fmt.time_text(case.created_at))
        self.created.setToolTip(fmt.time_tooltip(case.created_at))
        self.description.setText(case.description or "No description.")

    def refresh_counts(self) -> None:
        graph = self.session.ws.graph
        entities = graph.count_entities(self.session.case_id)
        links = graph.count_links(self.session.case_id)
        self.counts.setText(f"{entities:,} entities, {links:,} links")

    def verify_evidence(self) -> None:
        """Hashing evidence reads every file: done off the GUI thread."""
        self.evidence_status.setText("Checking evidence integrity…")
        evidence = self.session.ws.evidence
        case_id = self.session.case_id
        run_in_background(
            self, lambda: evidence.verify_case(case_id), self._verified, self._verify_failed
        )

    def _verified(self, results: list[VerifyResult]) -> None:
        self.evidence_model.set_records(results)
        bad = sum(not r.ok for r in results)
        if not results:
            self.evidence_status.setText("No evidence collected yet.")
        elif bad:
            self.evidence_status.setText(f"{bad} of {len(results)} items FAILED verification.")
        else:
            self.evidence_status.setText(f"All {len(results)} items verified (SHA-256).")

    def _verify_failed(self, error: BaseException) -> None:
        self.evidence_status.setText(f"Could not verify evidence: {error}")
