"""The verification panel (DOMAIN.md section 3): automatic check results, manual checks
recorded with who, when and evidence, the overall result, and the plain warning that passing
e-mail authentication does not prove a request genuine."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import formatting as fmt
from ui import theme
from ui.icons import icon
from ui.workers import run_in_background
from workbench.errors import ValidationError
from workbench.intake.model import (
    AUTH_WARNING,
    CHECK_RESULT_TEXT,
    OVERALL_TEXT,
    CheckResult,
    OverallResult,
)
from workbench.intake.verification import VerificationService, VerificationStatus, check_defs
from workbench.store.workspace import Workspace

RESULT_SHAPE = {
    CheckResult.PASS: "✔",
    CheckResult.FAIL: "✖",
    CheckResult.NOT_APPLICABLE: "–",
    CheckResult.SKIPPED_FOR_URGENCY: "⚠",
}
OVERALL_SHAPE = {
    OverallResult.NOT_STARTED: "○",
    OverallResult.INCOMPLETE: "◐",
    OverallResult.VERIFIED: "✔",
    OverallResult.SKIPPED_FOR_URGENCY: "⚠",
    OverallResult.FAILED: "✖",
}
COLUMNS = ("Check", "Result", "Detail", "By", "When", "Evidence")


def result_text(result: CheckResult | None) -> str:
    if result is None:
        return "○ To do"
    return f"{RESULT_SHAPE[result]} {CHECK_RESULT_TEXT[result]}"


class VerificationPanel(QWidget):
    """Constructed with (workspace or case session, case id). `changed(case_id)` after a
    recording or a re-run (the queue shows the overall result)."""

    changed = Signal(str)
    errorOccurred = Signal(object)

    def __init__(
        self, ws_or_session: Any, case_id: str | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        session = None if isinstance(ws_or_session, Workspace) else ws_or_session
        self.ws: Workspace = ws_or_session if session is None else ws_or_session.ws
        self.case_id: str = case_id or session.case_id  # type: ignore[union-attr]
        self.service = VerificationService(self.ws)
        self.state: VerificationStatus | None = None

        self.overall = QLabel(objectName="overallLabel")
        self.overall.setAccessibleName("Overall verification result")
        font = self.overall.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.overall.setFont(font)
        self.warning = QLabel(f"⚠ {AUTH_WARNING}", objectName="authWarning")
        self.warning.setWordWrap(True)
        self.warning.setAccessibleName("Warning about e-mail authentication")
        self.warning.setStyleSheet(
            f"QLabel#authWarning {{ background: {theme.colours().warn_bg}; padding: 8px; "
            "border-radius: 4px; }"
        )

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("checksTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((260, 150, 300, 110, 140, 90)):
            self.table.setColumnWidth(column, width)

        self.rerun_button = QPushButton(icon("refresh-cw"), "Re-run automatic checks")
        self.rerun_button.setObjectName("rerunButton")
        self.rerun_button.clicked.connect(self.rerun)

        self.check_combo = QComboBox(objectName="manualCheckCombo")
        # long check names must not widen the window: the combo shows what fits, the list all
        self.check_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.check_combo.setMinimumContentsLength(24)
        for definition in check_defs():
            if definition.kind == "manual":
                self.check_combo.addItem(definition.label, definition.id)
        self.result_combo = QComboBox(objectName="manualResultCombo")
        for result in CheckResult:
            self.result_combo.addItem(result_text(result), result.value)
        self.note = QPlainTextEdit(objectName="manualNote")
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(80)
        self.note.setPlaceholderText(
            "What you did and with whom: e.g. called the force control room on the number "
            "from its public website (not the one in the request); duty inspector confirmed."
        )
        self.evidence_combo = QComboBox(objectName="manualEvidenceCombo")
        self.record_button = QPushButton(icon("shield-check"), "Record check")
        self.record_button.setObjectName("recordButton")
        self.record_button.clicked.connect(self.record)
        self.message = QLabel(objectName="muted")
        self.message.setWordWrap(True)
        manual = QGroupBox("Record a manual check")
        form = QFormLayout(manual)
        form.addRow("Check", self.check_combo)
        form.addRow("Result", self.result_combo)
        form.addRow("What was done", self.note)
        form.addRow("Evidence", self.evidence_combo)
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.record_button)
        form.addRow(row)

        top = QHBoxLayout()
        top.addWidget(self.overall, 1)
        top.addWidget(self.rerun_button)
        # below the result, one vertical scroll: at 1366x768 with the runs dock open the
        # checks table keeps a readable height instead of shrinking to one row
        self.table.setMinimumHeight(190)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.setSpacing(theme.SPACING)
        body_layout.addWidget(self.warning)
        body_layout.addWidget(self.table, 1)
        body_layout.addWidget(manual)
        scroll = QScrollArea(self)
        scroll.setObjectName("verificationScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.MARGIN, theme.MARGIN, theme.MARGIN)
        layout.setSpacing(theme.SPACING)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        self.refresh()

    # ---- showing -----------------------------------------------------------------------------
    def refresh(self) -> None:
        try:
            self.state = self.service.status(self.case_id)
            evidence = self.ws.evidence.list(self.case_id)
        except Exception as exc:
            self.errorOccurred.emit(exc)
            return
        self.show_state(self.state)
        current = self.evidence_combo.currentData()
        self.evidence_combo.clear()
        self.evidence_combo.addItem("(none)", None)
        for item in evidence:
            self.evidence_combo.addItem(f"{item.filename} · {item.sha256[:12]}", item.id)
        index = self.evidence_combo.findData(current)
        self.evidence_combo.setCurrentIndex(max(0, index))

    def show_state(self, state: VerificationStatus) -> None:
        self.state = state
        self.overall.setText(f"{OVERALL_SHAPE[state.overall]} {OVERALL_TEXT[state.overall]}")
        self.overall.setAccessibleDescription(state.overall.value)
        bad = state.overall == OverallResult.FAILED
        self.overall.setStyleSheet(f"color: {theme.colours().bad};" if bad else "")
        self.table.setRowCount(len(state.checks))
        for row, check in enumerate(state.checks):
            kind = "auto" if check.kind == "auto" else "manual"
            key = " (key)" if check.key else ""
            values = (
                f"{check.label}  [{kind}{key}]",
                result_text(check.result),
                check.detail,
                check.actor or "",
                fmt.time_text(check.at) if check.at else "",
                (check.evidence_id or "")[:8],
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value if column != 4 else fmt.time_tooltip(check.at))
                item.setData(Qt.ItemDataRole.UserRole, check.check_id)
                if column == 1 and check.result == CheckResult.FAIL:
                    item.setForeground(QColor(theme.colours().bad))
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()

    # ---- actions -------------------------------------------------------------------------------
    def record(self) -> bool:
        try:
            state = self.service.record_manual(
                self.case_id,
                str(self.check_combo.currentData()),
                str(self.result_combo.currentData()),
                self.note.toPlainText(),
                evidence_id=self.evidence_combo.currentData(),
            )
        except ValidationError as exc:
            self.message.setText(f"✖ {exc}")
            return False
        except Exception as exc:
            self.errorOccurred.emit(exc)
            return False
        self.note.clear()
        self.message.setText(f"Recorded by {self.ws.actor}.")
        self.show_state(state)
        self.changed.emit(self.case_id)
        return True

    def rerun(self) -> None:
        """Re-reads the original message and attachments (hash-checked): off the GUI thread."""
        self.rerun_button.setEnabled(False)
        self.message.setText("Re-running automatic checks…")
        service, case_id = self.service, self.case_id
        run_in_background(
            self, lambda: service.run_automatic(case_id), self._rerun_done, self._rerun_failed
        )

    def _rerun_done(self, state: VerificationStatus) -> None:
        self.rerun_button.setEnabled(True)
        self.message.setText("Automatic checks re-run.")
        self.show_state(state)
        self.changed.emit(self.case_id)

    def _rerun_failed(self, error: BaseException) -> None:
        self.rerun_button.setEnabled(True)
        self.message.setText(f"✖ Could not re-run: {error}")
        self.errorOccurred.emit(error)
