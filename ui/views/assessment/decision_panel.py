"""The Decision tab: options, disclosure scope (narrowest first), legal basis, user notice,
preservation dates, rationale, and the four-eyes sign-off."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui import formatting as fmt
from ui import theme
from ui.views.assessment.flow_layout import ColumnFlowLayout
from ui.views.assessment.panel_base import FormPanel
from ui.views.assessment.widgets import (
    datetime_edit,
    from_qdatetime,
    in_sentence,
    mark,
    shrinkable,
    to_qdatetime,
    wrapping_list,
)
from workbench.assess.decision import extended_expiry, preservation_expiry
from workbench.assess.model import DataCategory, Decision, DecisionOption, Tier, UserNotice
from workbench.assess.templates import Template
from workbench.store.workspace import Workspace

LIST_CHARS = 40  # the legal-basis list wraps its lines at the form's width, down to this


def tier_summary(template: Template, final: Tier, suggested: Tier) -> str:
    """The final tier and what needs a second approver, e.g. "Final tier T2 High (suggested
    T2). A T1/T2 decision or disclosing content needs a second approver."""
    policy = template.policy
    needs = []
    if policy.approval_tiers:
        needs.append(f"a {'/'.join(t.value for t in policy.approval_tiers)} decision")
    needs += [f"disclosing {in_sentence(c.label)}" for c in policy.approval_categories]
    text = f"Final tier {template.tier_label(final)} (suggested {suggested.value})."
    if needs:
        sentence = " or ".join(needs)  # tier names keep their case: only the first letter
        text += f" {sentence[:1].upper()}{sentence[1:]} needs a second approver."
    return text


class DecisionPanel(FormPanel):
    """The Decision tab: options, disclosure scope (narrowest first), legal basis, user
    notice, preservation dates, rationale, and the four-eyes sign-off."""

    letterRequested = Signal()  # "Write the response letter…": the window opens the dialog

    def __init__(self, ws: Workspace, case_id: str, parent: QWidget | None = None):
        super().__init__(ws, case_id, parent)
        self.setObjectName("decisionPanel")
        form, form_layout = self.form_widget()
        self.tier_summary = QLabel(objectName="decisionTier")
        self.tier_summary.setWordWrap(True)
        form_layout.addWidget(self.tier_summary)
        form_layout.addWidget(self._options_box())
        form_layout.addWidget(self._disclosure_box())
        form_layout.addWidget(self._details_box())
        form_layout.addWidget(self._signoff_box())
        form_layout.addStretch(1)
        self.form_scroll.setWidget(form)
        self.finish_layout(self.form_scroll)
        self.document.approvalsChanged.connect(self.refresh_signoff)
        self._document_changed()

    @staticmethod
    def _form_layout() -> QFormLayout:
        """Labels beside their fields, or above them when the form is too narrow."""
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        return form

    def _options_box(self) -> QGroupBox:
        box = QGroupBox("Decision", objectName="optionsBox")
        flow = ColumnFlowLayout(box, max_columns=2)
        self.option_checks: dict[DecisionOption, QCheckBox] = {}
        for option in DecisionOption:
            check = QCheckBox(option.label, objectName=f"option:{option.value}")
            check.toggled.connect(self._decision_changed)
            self.option_checks[option] = check
            flow.addWidget(check)
        return box

    def _disclosure_box(self) -> QGroupBox:
        box = QGroupBox("Disclosure scope and legal basis", objectName="disclosureBox")
        layout = QVBoxLayout(box)
        hint = QLabel(
            "Narrowest first. Disclose the narrowest category that resolves the emergency.",
            objectName="muted",
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        scope_flow = ColumnFlowLayout()
        self.scope_checks: dict[DataCategory, QCheckBox] = {}
        for category in DataCategory:
            check = QCheckBox(category.label, objectName=f"scope:{category.value}")
            check.toggled.connect(self._decision_changed)
            self.scope_checks[category] = check
            scope_flow.addWidget(check)
        layout.addLayout(scope_flow)
        form = self._form_layout()
        self.jurisdiction = shrinkable(QComboBox(objectName="jurisdiction"), 20)
        self.jurisdiction.addItem("Choose…", "")
        for code, jurisdiction in self.document.repo.legal.jurisdictions.items():
            self.jurisdiction.addItem(f"{jurisdiction.label} ({code})", code)
        self.jurisdiction.currentIndexChanged.connect(self._decision_changed)
        self.bases = wrapping_list("legalBases")
        self.bases.setMinimumWidth(self.bases.fontMetrics().averageCharWidth() * LIST_CHARS)
        self.bases.setMinimumHeight(96)
        self.bases.setMaximumHeight(160)
        self.bases.itemChanged.connect(self._decision_changed)
        self.bases_label = QLabel("Legal basis")
        form.addRow("Jurisdiction", self.jurisdiction)
        form.addRow(self.bases_label, self.bases)
        layout.addLayout(form)
        return box

    def _details_box(self) -> QGroupBox:
        box = QGroupBox("Notice, preservation and follow-up", objectName="detailsBox")
        form = self._form_layout()
        box.setLayout(form)
        self.user_notice = QComboBox(objectName="userNotice")
        for notice in UserNotice:
            self.user_notice.addItem(notice.label, notice.value)
        self.user_notice.currentIndexChanged.connect(self._decision_changed)
        self.notice_reason = QLineEdit(objectName="userNoticeReason")
        self.notice_reason.setPlaceholderText("Why notice is delayed or not given")
        self.notice_reason.textEdited.connect(self._decision_changed)
        self.preserve_check = QCheckBox("Preservation started", objectName="preservationCheck")
        self.preserve_check.toggled.connect(self._decision_changed)
        self.preserve_start = datetime_edit("preservationStart")
        self.preserve_start.dateTimeChanged.connect(self._decision_changed)
        self.preserve_expiry = QLabel(objectName="preservationExpiry")
        self.preserve_expiry.setWordWrap(True)
        self.extend_button = QPushButton(objectName="extendPreservation")
        self.extend_button.clicked.connect(self.document.extend_preservation)
        expiry_row = QHBoxLayout()
        expiry_row.addWidget(self.preserve_expiry, 1)
        expiry_row.addWidget(self.extend_button)
        self.helpline = QLineEdit(objectName="helplineLanguage")
        self.helpline.setPlaceholderText("User's language for the helpline message, e.g. ja")
        self.helpline.textEdited.connect(self._decision_changed)
        self.escalate_to = QLineEdit(objectName="escalateTo")
        self.escalate_to.textEdited.connect(self._decision_changed)
        self.rationale = QPlainTextEdit(objectName="decisionRationale")
        self.rationale.setFixedHeight(90)
        self.rationale.setTabChangesFocus(True)
        self.rationale.textChanged.connect(self._decision_changed)
        self.labels = {
            "decision.user_notice": QLabel("User notice"),
            "decision.user_notice_reason": QLabel("Reason"),
            "decision.preservation_started_at": self.preserve_check,
            "decision.helpline_language": QLabel("Helpline language"),
            "decision.escalate_to": QLabel("Escalate to"),
            "decision.rationale": QLabel("Rationale *"),
        }
        form.addRow(self.labels["decision.user_notice"], self.user_notice)
        form.addRow(self.labels["decision.user_notice_reason"], self.notice_reason)
        form.addRow(self.preserve_check, self.preserve_start)
        form.addRow("", expiry_row)
        form.addRow(self.labels["decision.helpline_language"], self.helpline)
        form.addRow(self.labels["decision.escalate_to"], self.escalate_to)
        form.addRow(self.labels["decision.rationale"], self.rationale)
        return box

    def _signoff_box(self) -> QGroupBox:
        box = QGroupBox("Sign-off (four eyes)", objectName="signoffBox")
        layout = QVBoxLayout(box)
        self.requirement = QLabel(objectName="approvalRequirement")
        self.requirement.setWordWrap(True)
        self.approvals = QListWidget(objectName="approvalList")
        self.approvals.setMaximumHeight(90)
        self.approval_comment = QLineEdit(objectName="approvalComment")
        self.approval_comment.setPlaceholderText("Comment (optional)")
        self.approve_button = QPushButton(objectName="approveButton")
        self.approve_button.clicked.connect(self._approve)
        row = QHBoxLayout()
        row.addWidget(self.approval_comment, 1)
        row.addWidget(self.approve_button)
        self.letter_button = QPushButton("Write the response letter…", objectName="letterButton")
        self.letter_button.setToolTip(
            "The letter to the requester that this decision supports (Report > Response letter)"
        )
        self.letter_button.clicked.connect(self.letterRequested)
        layout.addWidget(self.requirement)
        layout.addWidget(self.approvals)
        layout.addLayout(row)
        layout.addWidget(self.letter_button, 0, Qt.AlignmentFlag.AlignRight)
        return box

    # ---- edits -------------------------------------------------------------------------------
    def _decision_changed(self, *_args: object) -> None:
        if self.loading:
            return
        options = tuple(o for o, check in self.option_checks.items() if check.isChecked())
        scope = tuple(c for c, check in self.scope_checks.items() if check.isChecked())
        bases = []
        for row in range(self.bases.count()):
            item = self.bases.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                bases.append(str(item.data(Qt.ItemDataRole.UserRole)))
        current = self.document.record.decision
        started = (
            from_qdatetime(self.preserve_start.dateTime())
            if self.preserve_check.isChecked()
            else None
        )
        decision = replace(
            current,
            options=options,
            disclosure_scope=scope,
            jurisdiction=str(self.jurisdiction.currentData() or ""),
            legal_basis_ids=tuple(bases),
            user_notice=UserNotice(self.user_notice.currentData()),
            user_notice_reason=self.notice_reason.text(),
            preservation_started_at=started,
            helpline_language=self.helpline.text(),
            escalate_to=self.escalate_to.text(),
            rationale=self.rationale.toPlainText(),
        )
        if (
            DecisionOption.PRESERVE_DATA in options
            and not current.has(DecisionOption.PRESERVE_DATA)
            and decision.preservation_started_at is None
        ):
            decision = replace(decision, preservation_started_at=datetime.now(UTC))
        self.document.set_decision(decision)

    def _approve(self) -> None:
        if self.document.approve(self.approval_comment.text()):
            self.approval_comment.clear()

    # ---- showing -----------------------------------------------------------------------------
    def refresh(self) -> None:
        document = self.document
        record = document.record
        decision = record.decision
        bad = document.problem_fields()
        suggested = document.evaluation.suggested
        final = record.final_tier or suggested
        self.tier_summary.setText(tier_summary(document.template, final, suggested))
        for option, check in self.option_checks.items():
            check.setChecked(option in decision.options)
        for category, check in self.scope_checks.items():
            check.setChecked(category in decision.disclosure_scope)
            check.setEnabled(decision.discloses)
        self.jurisdiction.setCurrentIndex(max(0, self.jurisdiction.findData(decision.jurisdiction)))
        self._fill_bases(decision)
        mark(self.bases_label, "decision.legal_basis_ids" in bad)
        self.user_notice.setCurrentIndex(self.user_notice.findData(decision.user_notice.value))
        if self.notice_reason.text() != decision.user_notice_reason:
            self.notice_reason.setText(decision.user_notice_reason)
        self.preserve_check.setChecked(decision.preservation_started_at is not None)
        self.preserve_start.setEnabled(decision.preservation_started_at is not None)
        self.preserve_start.setDateTime(
            to_qdatetime(decision.preservation_started_at or datetime.now(UTC))
        )
        self._show_preservation(decision)
        for text_edit, value in (
            (self.helpline, decision.helpline_language),
            (self.escalate_to, decision.escalate_to),
        ):
            if text_edit.text() != value:
                text_edit.setText(value)
        if self.rationale.toPlainText() != decision.rationale:
            self.rationale.setPlainText(decision.rationale)
        for field, label in self.labels.items():
            if isinstance(label, QLabel):
                mark(label, field in bad)
        self.refresh_signoff()

    def _fill_bases(self, decision: Decision) -> None:
        legal = self.document.repo.legal
        self.bases.blockSignals(True)
        self.bases.clear()
        jurisdiction = legal.jurisdictions.get(decision.jurisdiction)
        shown = list(jurisdiction.bases) if jurisdiction else []
        shown += [
            b
            for b in (legal.find(i) for i in decision.legal_basis_ids)
            if b is not None and b not in shown
        ]
        for basis in shown:
            covers = ", ".join(in_sentence(c.label) for c in basis.categories) or "no disclosure"
            item = QListWidgetItem(f"{basis.citation} — {basis.label}  [covers: {covers}]")
            item.setData(Qt.ItemDataRole.UserRole, basis.id)
            item.setToolTip(basis.note)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = basis.id in decision.legal_basis_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.bases.addItem(item)
        if not shown:
            placeholder = QListWidgetItem("Choose the requester's jurisdiction first.")
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.bases.addItem(placeholder)
        self.bases.blockSignals(False)

    def _show_preservation(self, decision: Decision) -> None:
        policy = self.document.template.policy
        expires = preservation_expiry(decision, policy)
        if expires is None:
            self.preserve_expiry.setText(
                f"Preservation lasts {policy.preservation_days} days, extendable by "
                f"{policy.extension_days}."
            )
            self.extend_button.setText(f"Extend +{policy.extension_days} days")
            self.extend_button.setEnabled(False)
            return
        extended = extended_expiry(decision, policy)
        text = f"Expires {fmt.time_text(expires)}"
        if decision.preservation_extensions:
            text += f" (extended {decision.preservation_extensions}×)"
        if extended is not None:
            text += f"; an extension would run to {fmt.time_text(extended)}"
        self.preserve_expiry.setText(text)
        self.preserve_expiry.setToolTip(fmt.time_tooltip(expires))
        self.extend_button.setText(f"Extend +{policy.extension_days} days")
        saved = self.document.saved_version
        can_extend = (
            extended is not None
            and not self.document.dirty
            and saved is not None
            and saved.record.decision.preservation_started_at is not None
        )
        self.extend_button.setEnabled(can_extend)
        self.extend_button.setToolTip(
            "Saves a new version with the extension"
            if can_extend
            else "Save the decision first; extensions are limited by the template policy"
        )

    def refresh_signoff(self) -> None:
        document = self.document
        status = document.approval_status()
        saved = document.saved_version
        if saved is None:
            self.requirement.setText("Save the assessment and decision before sign-off.")
        elif status.required and not status.approvals:
            self.requirement.setText(
                "Needs a second approver who is not the assessor: " + "; ".join(status.reasons)
            )
        else:
            self.requirement.setText(status.describe())
        colour = theme.colours().ok if status.satisfied else theme.colours().bad
        self.requirement.setStyleSheet(f"color: {colour};" if saved is not None else "")
        self.approvals.clear()
        for approval in status.approvals:
            text = f"Approved by {approval.approver}, {fmt.time_text(approval.approved_at)}"
            self.approvals.addItem(text + (f": {approval.comment}" if approval.comment else ""))
        for approval in status.earlier:
            self.approvals.addItem(
                f"(for an earlier decision, v{approval.version}) {approval.approver}, "
                f"{fmt.time_text(approval.approved_at)}"
            )
        actor = document.ws.actor
        self.approve_button.setText(f"Approve as {actor}")
        enabled = saved is not None and not document.dirty
        self.approve_button.setEnabled(enabled)
        self.approve_button.setToolTip(
            "Record your approval of the saved decision (refused if you are the assessor)"
            if enabled
            else "Save or discard the unsaved changes first: an approval covers a saved version"
        )
