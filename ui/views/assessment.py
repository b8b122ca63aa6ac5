"""The case's Assessment and Decision tabs: a form generated from the assessment template.

Both panels edit one shared `AssessmentDocument` per (workspace, case), so the two tabs never
overwrite each other. The document calls only core operations (`workbench.assess`): the rule
engine for the suggested tier and its trace, `save` for versions, `approve` for four-eyes.
Unsaved edits are kept as a draft in the workspace a moment after each change and when the
tab is hidden, so closing the window loses nothing; the draft is offered again on reopening.
"""

from __future__ import annotations

import weakref
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ui import formatting as fmt
from ui import theme
from workbench.assess.approvals import ApprovalStatus, approval_status, approve
from workbench.assess.decision import extended_expiry, preservation_expiry
from workbench.assess.errors import IncompleteAssessmentError
from workbench.assess.model import (
    UNANSWERED,
    UNKNOWN,
    AssessmentRecord,
    DataCategory,
    Decision,
    DecisionOption,
    FactorAnswer,
    FactorType,
    Recency,
    Tier,
    UserNotice,
)
from workbench.assess.repository import AssessmentRepository, SavedAssessment
from workbench.assess.rules import TierResult
from workbench.assess.templates import Factor, Template
from workbench.errors import WorkbenchError
from workbench.store.workspace import Workspace

DRAFT_DELAY_MS = 1000
VALUE_TEXT = {
    "yes": "Yes",
    "no": "No",
    "present": "Present",
    "absent": "Absent",
    UNKNOWN: "Unknown",
}

_DOCUMENTS: weakref.WeakValueDictionary[tuple[int, str], AssessmentDocument] = (
    weakref.WeakValueDictionary()
)


def document_for(ws: Workspace, case_id: str) -> AssessmentDocument:
    """The one document of a case, shared by the Assessment and Decision panels."""
    key = (id(ws), case_id)
    document = _DOCUMENTS.get(key)
    if document is None or document.ws is not ws:
        document = AssessmentDocument(ws, case_id)
        _DOCUMENTS[key] = document
    return document


class AssessmentDocument(QObject):
    """The record being edited, its evaluation and its save state."""

    changed = Signal()  # record, evaluation or problems changed
    saved = Signal(object)  # SavedAssessment
    approvalsChanged = Signal()
    message = Signal(str, bool)  # text, is_error

    def __init__(self, ws: Workspace, case_id: str, repo: AssessmentRepository | None = None):
        super().__init__()
        self.ws = ws
        self.case_id = case_id
        self.repo = repo or AssessmentRepository(ws)
        self.problems: list[tuple[str, str]] = []
        self.notice = ""
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.flush_draft)
        self.load()

    # ---- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        """The saved record (or a blank one), then this user's draft on top if there is one."""
        self.saved_version: SavedAssessment | None = self.repo.current(self.case_id)
        notices: list[str] = []
        if self.saved_version is not None:
            self.record = self.saved_version.record
            self.base_version = self.saved_version.version
        else:
            self.record = self.repo.new_record(self.case_id)
            self.base_version = 0
        self.dirty = False
        draft = self.repo.load_draft(self.case_id)
        if draft is not None:
            self.record = draft.record
            self.dirty = True
            notices.append(f"Unsaved changes from {fmt.time_text(draft.saved_at)} were restored.")
            if draft.base_version != self.base_version and self.saved_version is not None:
                notices.append(
                    f"Version {self.saved_version.version} was saved since by "
                    f"{self.saved_version.saved_by}: saving replaces it (compare in History)."
                )
        self.template: Template = self.repo.template_for(self.record)
        if self.record.template_version and self.record.template_version != self.template.version:
            notices.append(
                f"Assessed with template version {self.record.template_version}; the installed "
                f"version is {self.template.version}. Saving records the installed version."
            )
        notices += [
            f"Skipped a broken organisation template: {error}"
            for error in self.repo.templates.errors
        ]
        self.notice = " ".join(notices)
        self.problems = []
        self.evaluation: TierResult = self.repo.evaluate(self.record)
        self.follow_suggested = self.record.final_tier in (None, self.evaluation.suggested) and (
            not self.record.tier_justification.strip()
        )
        if self.follow_suggested and self.record.final_tier is None and self.saved_version is None:
            self.record = replace(self.record, final_tier=self.evaluation.suggested)
        self.changed.emit()

    # ---- editing ---------------------------------------------------------------------------
    def update(self, record: AssessmentRecord) -> None:
        """Every edit goes through here: re-evaluate, keep the final tier in step with the
        suggestion until the user overrides it, and schedule the draft."""
        evaluation = self.repo.evaluate(record)
        if self.follow_suggested and record.final_tier is not evaluation.suggested:
            record = replace(record, final_tier=evaluation.suggested)
        if record == self.record:
            return
        self.record = record
        self.evaluation = evaluation
        self.dirty = True
        if self.problems:
            self.problems = self.repo.problems(self.case_id, record)
        self._draft_timer.start()
        self.changed.emit()

    def set_answer(self, factor_id: str, answer: FactorAnswer) -> None:
        self.update(self.record.with_answer(factor_id, answer))

    def set_template(self, template_id: str) -> None:
        """Start over with another template (before the first save only): context and the
        answers to factors the new template also has are kept."""
        if self.saved_version is not None or template_id == self.template.id:
            return
        template = self.repo.templates.get(template_id)
        case = self.ws.cases.get(self.case_id)
        record = template.blank_record(template.tracks_for_category(case.category.value))
        answers = {k: v for k, v in self.record.answers.items() if k in template.factors}
        self.template = template
        self.record = replace(record, context=self.record.context, answers=answers)
        self.follow_suggested = True
        self.evaluation = self.repo.evaluate(self.record)
        self.update(replace(self.record, final_tier=self.evaluation.suggested))
        self.changed.emit()

    def set_final_tier(self, tier: Tier) -> None:
        self.follow_suggested = tier is self.evaluation.suggested
        self.update(replace(self.record, final_tier=tier))

    def set_decision(self, decision: Decision) -> None:
        self.update(replace(self.record, decision=decision))

    # ---- saving ----------------------------------------------------------------------------
    def save(self) -> bool:
        try:
            saved = self.repo.save(self.case_id, self.record, base_version=self.base_version)
        except IncompleteAssessmentError as exc:
            self.problems = exc.problems
            self.changed.emit()
            self.message.emit(
                f"Not saved: {len(exc.problems)} field(s) need attention (listed on the right).",
                True,
            )
            return False
        except WorkbenchError as exc:
            self.message.emit(str(exc), True)
            return False
        self._draft_timer.stop()
        self.saved_version = saved
        self.base_version = saved.version
        self.record = saved.record
        self.evaluation = self.repo.evaluate(saved.record)
        self.dirty = False
        self.problems = []
        self.notice = ""
        self.changed.emit()
        self.saved.emit(saved)
        self.approvalsChanged.emit()
        self.message.emit(f"Saved as version {saved.version}.", False)
        return True

    def discard(self) -> None:
        self._draft_timer.stop()
        self.repo.discard_draft(self.case_id)
        self.load()
        self.message.emit("Unsaved changes discarded.", False)

    def flush_draft(self) -> None:
        """Write the unsaved edits as this user's draft now (also on hide and close)."""
        self._draft_timer.stop()
        if not self.dirty:
            return
        try:
            self.repo.save_draft(self.case_id, self.record, self.base_version)
        except WorkbenchError as exc:
            self.message.emit(f"Could not keep the unsaved changes: {exc}", True)

    # ---- sign-off --------------------------------------------------------------------------
    def approval_status(self) -> ApprovalStatus:
        return approval_status(self.repo, self.case_id)

    def approve(self, comment: str) -> bool:
        try:
            approval = approve(self.repo, self.case_id, comment)
        except WorkbenchError as exc:
            self.message.emit(str(exc), True)
            self.approvalsChanged.emit()  # the refusal is in the audit log now
            return False
        self.message.emit(f"Approved by {approval.approver} (version {approval.version}).", False)
        self.approvalsChanged.emit()
        return True

    def extend_preservation(self) -> bool:
        try:
            saved = self.repo.extend_preservation(self.case_id)
        except WorkbenchError as exc:
            self.message.emit(str(exc), True)
            return False
        self.saved_version = saved
        self.base_version = saved.version
        self.record = saved.record
        self.dirty = False
        self.changed.emit()
        self.saved.emit(saved)
        self.approvalsChanged.emit()
        self.message.emit(f"Preservation extended (version {saved.version}).", False)
        return True

    def status_text(self) -> str:
        if self.saved_version is None:
            state = "Not saved yet"
        else:
            saved = self.saved_version
            state = (
                f"Version {saved.version} saved {fmt.time_text(saved.saved_at)} by {saved.saved_by}"
            )
        if self.dirty:
            state += " · unsaved changes (kept as a draft)"
        return state

    def problem_fields(self) -> set[str]:
        return {field for field, _message in self.problems}


# ---- small helpers ---------------------------------------------------------------------------


def _to_qdatetime(moment: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp()))


def _from_qdatetime(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)


def _datetime_edit(name: str) -> QDateTimeEdit:
    edit = QDateTimeEdit(objectName=name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd HH:mm t")
    return edit


def _mark(label: QLabel, bad: bool) -> None:
    label.setStyleSheet(f"color: {theme.colours().bad}; font-weight: 600;" if bad else "")


def _ids_text(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


class _Panel(QWidget):
    """Shared frame of both panels: status line, Save / Discard, messages, draft on hide.
    Subclasses build their form and implement `refresh()` to show the document in it."""

    def __init__(self, ws: Workspace, case_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document_for(ws, case_id)
        self._loading = False
        self.status = QLabel(objectName="assessmentStatus")
        self.status.setWordWrap(True)
        self.notice = QLabel(objectName="assessmentNotice")
        self.notice.setWordWrap(True)
        self.message = QLabel(objectName="assessmentMessage")
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Save", objectName="saveAssessment")
        self.save_button.setToolTip("Save a new version (Ctrl+S)")
        self.save_button.clicked.connect(self.document.save)
        self.discard_button = QPushButton("Discard changes", objectName="discardAssessment")
        self.discard_button.clicked.connect(self.document.discard)
        shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.document.save)
        self.top = QHBoxLayout()
        self.top.addWidget(self.status, 1)
        self.top.addWidget(self.discard_button)
        self.top.addWidget(self.save_button)
        self.document.message.connect(self._show_message)
        self.document.changed.connect(self._document_changed)

    def _show_message(self, text: str, is_error: bool) -> None:
        self.message.setText(text)
        colour = theme.colours().bad if is_error else theme.colours().ok
        self.message.setStyleSheet(f"color: {colour};")

    def _document_changed(self) -> None:
        self._loading = True
        try:
            self.status.setText(self.document.status_text())
            self.notice.setText(self.document.notice)
            self.notice.setVisible(bool(self.document.notice))
            self.discard_button.setEnabled(self.document.dirty)
            self.refresh()  # type: ignore[attr-defined]
        finally:
            self._loading = False

    def hideEvent(self, event: QHideEvent) -> None:
        self.document.flush_draft()
        super().hideEvent(event)


# ---- Assessment tab ------------------------------------------------------------------------


class _FactorRow:
    """The widgets of one factor: value, recency, notes and linked evidence / entities."""

    def __init__(self, panel: AssessmentPanel, factor: Factor, grid: QGridLayout, row: int):
        self.panel = panel
        self.factor = factor
        title = factor.label + (" *" if factor.required else "")
        self.label = QLabel(title)
        self.label.setWordWrap(True)
        self.label.setToolTip(factor.help or factor.label)
        grid.addWidget(self.label, row, 0)
        self.buttons: dict[str, QRadioButton] = {}
        self.choice: QComboBox | None = None
        if factor.type is FactorType.CHOICE:
            self.choice = QComboBox(objectName=f"factor:{factor.id}:choice")
            self.choice.addItem("Not answered", UNANSWERED)
            for option in factor.options:
                self.choice.addItem(option.label, option.id)
            self.choice.addItem("Unknown", UNKNOWN)
            self.choice.currentIndexChanged.connect(self.changed)
            grid.addWidget(self.choice, row, 1)
        else:
            box = QWidget()
            box_layout = QHBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            self.group = QButtonGroup(box)
            for value in factor.values:
                button = QRadioButton(VALUE_TEXT.get(value, value), box)
                button.setObjectName(f"factor:{factor.id}:value:{value}")
                self.group.addButton(button)
                self.buttons[value] = button
                box_layout.addWidget(button)
            self.group.buttonToggled.connect(self._toggled)
            grid.addWidget(box, row, 1)
        self.recency: QComboBox | None = None
        if factor.recency:
            self.recency = QComboBox(objectName=f"factor:{factor.id}:recency")
            self.recency.addItem("Recency…", None)
            for recency in Recency:
                self.recency.addItem(recency.label, recency.value)
            self.recency.currentIndexChanged.connect(self.changed)
            grid.addWidget(self.recency, row, 2)
        self.notes = QLineEdit(objectName=f"factor:{factor.id}:notes")
        self.notes.setPlaceholderText("Notes")
        self.notes.textEdited.connect(self.changed)
        grid.addWidget(self.notes, row, 3)
        self.links = QPushButton(objectName=f"factor:{factor.id}:links")
        self.links.setToolTip("Link evidence items and graph entities that support this answer")
        self.links.clicked.connect(lambda: panel.pick_links(factor.id))
        grid.addWidget(self.links, row, 4)

    def _toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self.changed()

    def value(self) -> str:
        if self.choice is not None:
            return str(self.choice.currentData() or "")
        for value, button in self.buttons.items():
            if button.isChecked():
                return value
        return UNANSWERED

    def changed(self, *_args: object) -> None:
        if self.panel._loading:
            return
        current = self.panel.document.record.answer(self.factor.id)
        recency_value = self.recency.currentData() if self.recency is not None else None
        self.panel.document.set_answer(
            self.factor.id,
            replace(
                current,
                value=self.value(),
                recency=Recency(recency_value) if recency_value else None,
                notes=self.notes.text(),
            ),
        )

    def show(self, answer: FactorAnswer, bad: bool) -> None:
        if self.choice is not None:
            self.choice.setCurrentIndex(max(0, self.choice.findData(answer.value)))
        else:
            button = self.buttons.get(answer.value)
            if button is None:
                self.group.setExclusive(False)
                for other in self.buttons.values():
                    other.setChecked(False)
                self.group.setExclusive(True)
            else:
                button.setChecked(True)
        if self.recency is not None:
            index = self.recency.findData(answer.recency.value) if answer.recency else 0
            self.recency.setCurrentIndex(max(0, index))
        if self.notes.text() != answer.notes:
            self.notes.setText(answer.notes)
        count = len(answer.evidence_ids) + len(answer.entity_ids)
        self.links.setText(f"Links ({count})" if count else "Link…")
        _mark(self.label, bad)


class AssessmentPanel(_Panel):
    """The Assessment tab: tracks, context, factors by section, suggested tier and trace,
    final tier with justification, re-assessment time."""

    def __init__(self, ws: Workspace, case_id: str, parent: QWidget | None = None):
        super().__init__(ws, case_id, parent)
        self.setObjectName("assessmentPanel")
        document = self.document
        self.history_button = QPushButton("History…", objectName="historyButton")
        self.history_button.clicked.connect(self.show_history)
        self.top.insertWidget(1, self.history_button)
        self.template_combo = QComboBox(objectName="templateCombo")
        self.template_combo.setToolTip(
            "Assessment template (only before the first save: the record keeps its template)"
        )
        for template_id, option in sorted(document.repo.templates.templates.items()):
            self.template_combo.addItem(
                f"{option.name} ({template_id} {option.version})", template_id
            )
        self.template_combo.activated.connect(self._template_chosen)
        self.top.insertWidget(1, self.template_combo)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._built_for: Template | None = None
        self._build_form(document.template)
        scroll = self.scroll

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(scroll)
        splitter.addWidget(self._tier_box(document.template))
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.MARGIN, theme.MARGIN, theme.MARGIN)
        layout.addLayout(self.top)
        layout.addWidget(self.notice)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self._document_changed()

    # ---- building ----------------------------------------------------------------------------
    def _build_form(self, template: Template) -> None:
        """The form of a template: tracks, context, then each section's factor rows."""
        self._built_for = template
        form = QWidget()
        form_layout = QVBoxLayout(form)
        form_layout.setSpacing(theme.SPACING)
        self.template_label = QLabel(objectName="muted")
        self.template_label.setWordWrap(True)
        self.template_label.setText(f"Template {template.name} · {template.id} {template.version}")
        self.template_label.setToolTip(template.description)
        form_layout.addWidget(self.template_label)
        form_layout.addWidget(self._tracks_box(template))
        form_layout.addWidget(self._context_box(template))
        self.rows: dict[str, _FactorRow] = {}
        self.section_boxes: dict[str, QGroupBox] = {}
        for section in template.sections.values():
            box = QGroupBox(section.label, objectName=f"section:{section.id}")
            grid = QGridLayout(box)
            grid.setColumnStretch(0, 3)
            grid.setColumnStretch(3, 2)
            row = 0
            if section.description:
                hint = QLabel(section.description, objectName="muted")
                hint.setWordWrap(True)
                grid.addWidget(hint, row, 0, 1, 5)
                row += 1
            for factor in template.factors_in(section.id):
                self.rows[factor.id] = _FactorRow(self, factor, grid, row)
                row += 1
            self.section_boxes[section.id] = box
            form_layout.addWidget(box)
        form_layout.addStretch(1)
        old = self.scroll.takeWidget()
        self.scroll.setWidget(form)
        if old is not None:
            old.deleteLater()

    def _template_chosen(self) -> None:
        self.document.set_template(str(self.template_combo.currentData()))

    def _tracks_box(self, template: Template) -> QGroupBox:
        box = QGroupBox("Tracks", objectName="tracksBox")
        row = QHBoxLayout(box)
        self.track_checks: dict[str, QCheckBox] = {}
        for track in template.tracks.values():
            check = QCheckBox(track.label, objectName=f"track:{track.id}")
            check.setToolTip(track.description)
            check.toggled.connect(self._tracks_changed)
            self.track_checks[track.id] = check
            row.addWidget(check)
        row.addStretch(1)
        return box

    def _context_box(self, template: Template) -> QGroupBox:
        box = QGroupBox("Context", objectName="contextBox")
        form = QFormLayout(box)
        self.concern_source = QComboBox(objectName="concernSource")
        self.concern_source.addItem("Choose…", "")
        for option in template.concern_sources:
            self.concern_source.addItem(option.label, option.id)
        self.concern_source.currentIndexChanged.connect(self._context_changed)
        self.concern_detail = QLineEdit(objectName="concernDetail")
        self.concern_detail.setPlaceholderText("What raised the concern, in one line")
        self.concern_detail.textEdited.connect(self._context_changed)
        self.subjects_button = QPushButton(objectName="subjectsButton")
        self.subjects_button.clicked.connect(lambda: self.pick_context("subject_ids", "Subjects"))
        self.targets_button = QPushButton(objectName="targetsButton")
        self.targets_button.clicked.connect(
            lambda: self.pick_context("target_ids", "Potential targets")
        )
        self.targets_note = QLineEdit(objectName="targetsNote")
        self.targets_note.setPlaceholderText("Targets not (yet) identified, e.g. 'a school'")
        self.targets_note.textEdited.connect(self._context_changed)
        self.context_evidence = QPushButton(objectName="contextEvidence")
        self.context_evidence.clicked.connect(self.pick_context_evidence)
        self.assessor = QLabel(objectName="assessorLabel")
        self.concern_label = QLabel("Concern source *")
        form.addRow(self.concern_label, self.concern_source)
        form.addRow("Concern detail", self.concern_detail)
        form.addRow("Subjects", self.subjects_button)
        form.addRow("Potential targets", self.targets_button)
        form.addRow("", self.targets_note)
        form.addRow("Evidence", self.context_evidence)
        form.addRow("Assessor", self.assessor)
        return box

    def _tier_box(self, template: Template) -> QWidget:
        side = QWidget()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(theme.MARGIN, 0, 0, 0)
        layout.addWidget(QLabel("Suggested tier", objectName="subheading"))
        self.suggested = QLabel(objectName="suggestedTier")
        font = QFont(self.suggested.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.suggested.setFont(font)
        layout.addWidget(self.suggested)
        self.trace = QListWidget(objectName="tierTrace")
        self.trace.setWordWrap(True)
        self.trace.setSpacing(3)
        self.trace.setAlternatingRowColors(True)
        layout.addWidget(self.trace, 2)
        form = QFormLayout()
        self.final_tier = QComboBox(objectName="finalTier")
        for tier in Tier:
            self.final_tier.addItem(template.tier_label(tier), tier.value)
        self.final_tier.activated.connect(self._final_tier_chosen)
        self.justification_label = QLabel("Justification")
        self.justification = QPlainTextEdit(objectName="tierJustification")
        self.justification.setPlaceholderText(
            "Required when the final tier differs from the suggested tier"
        )
        self.justification.setFixedHeight(80)
        self.justification.setTabChangesFocus(True)
        self.justification.textChanged.connect(self._justification_changed)
        self.reassess_check = QCheckBox("Re-assess at", objectName="reassessCheck")
        self.reassess_check.toggled.connect(self._reassess_changed)
        self.reassess_at = _datetime_edit("reassessAt")
        self.reassess_at.dateTimeChanged.connect(self._reassess_changed)
        form.addRow("Final tier", self.final_tier)
        form.addRow(self.justification_label, self.justification)
        form.addRow(self.reassess_check, self.reassess_at)
        layout.addLayout(form)
        self.reassess_hint = QLabel(objectName="muted")
        self.reassess_hint.setWordWrap(True)
        layout.addWidget(self.reassess_hint)
        self.problems = QLabel(objectName="problems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(f"color: {theme.colours().bad};")
        layout.addWidget(self.problems, 1, Qt.AlignmentFlag.AlignTop)
        return side

    # ---- edits -------------------------------------------------------------------------------
    def _tracks_changed(self) -> None:
        if self._loading:
            return
        tracks = tuple(t for t, check in self.track_checks.items() if check.isChecked())
        self.document.update(replace(self.document.record, tracks=tracks))

    def _context_changed(self) -> None:
        if self._loading:
            return
        record = self.document.record
        context = replace(
            record.context,
            concern_source=str(self.concern_source.currentData() or ""),
            concern_detail=self.concern_detail.text(),
            targets_note=self.targets_note.text(),
        )
        self.document.update(replace(record, context=context))

    def _final_tier_chosen(self) -> None:
        self.document.set_final_tier(Tier(self.final_tier.currentData()))

    def set_template(self, template_id: str) -> None:
        """Start over with another template (before the first save only): context and the
        answers to factors the new template also has are kept."""
        if self.saved_version is not None or template_id == self.template.id:
            return
        template = self.repo.templates.get(template_id)
        case = self.ws.cases.get(self.case_id)
        record = template.blank_record(template.tracks_for_category(case.category.value))
        answers = {k: v for k, v in self.record.answers.items() if k in template.factors}
        self.template = template
        self.record = replace(record, context=self.record.context, answers=answers)
        self.follow_suggested = True
        self.evaluation = self.repo.evaluate(self.record)
        self.update(replace(self.record, final_tier=self.evaluation.suggested))
        self.changed.emit()

    def set_final_tier(self, tier: Tier) -> None:
        """What choosing in the Final tier box does (also for keyboard-free tests)."""
        self.final_tier.setCurrentIndex(self.final_tier.findData(tier.value))
        self._final_tier_chosen()

    def _justification_changed(self) -> None:
        if self._loading:
            return
        text = self.justification.toPlainText()
        self.document.update(replace(self.document.record, tier_justification=text))

    def _reassess_changed(self) -> None:
        if self._loading:
            return
        self.reassess_at.setEnabled(self.reassess_check.isChecked())
        moment = (
            _from_qdatetime(self.reassess_at.dateTime())
            if self.reassess_check.isChecked()
            else None
        )
        self.document.update(replace(self.document.record, reassess_at=moment))

    def pick_links(self, factor_id: str) -> None:
        from ui.dialogs.assessment_links import LinkPickerDialog

        answer = self.document.record.answer(factor_id)
        dialog = LinkPickerDialog(
            self.document.ws,
            self.document.case_id,
            title=f"Links: {self.document.template.factor_title(factor_id)}",
            evidence_ids=answer.evidence_ids,
            entity_ids=answer.entity_ids,
            parent=self,
        )
        if dialog.exec():
            self.document.set_answer(
                factor_id,
                replace(answer, evidence_ids=dialog.evidence_ids(), entity_ids=dialog.entity_ids()),
            )

    def pick_context(self, field: str, title: str) -> None:
        from ui.dialogs.assessment_links import LinkPickerDialog

        context = self.document.record.context
        dialog = LinkPickerDialog(
            self.document.ws,
            self.document.case_id,
            title=title,
            entity_ids=getattr(context, field),
            with_evidence=False,
            parent=self,
        )
        if dialog.exec():
            new_context = replace(context, **{field: dialog.entity_ids()})
            self.document.update(replace(self.document.record, context=new_context))

    def pick_context_evidence(self) -> None:
        from ui.dialogs.assessment_links import LinkPickerDialog

        context = self.document.record.context
        dialog = LinkPickerDialog(
            self.document.ws,
            self.document.case_id,
            title="Evidence for the concern",
            evidence_ids=context.evidence_ids,
            parent=self,
        )
        dialog.tabs.setCurrentIndex(0)
        if dialog.exec():
            new_context = replace(context, evidence_ids=dialog.evidence_ids())
            self.document.update(replace(self.document.record, context=new_context))

    def show_history(self) -> None:
        from ui.dialogs.assessment_history import HistoryDialog

        HistoryDialog(self.document.repo, self.document.case_id, self).exec()

    # ---- showing -----------------------------------------------------------------------------
    def refresh(self) -> None:
        document = self.document
        record = document.record
        template = document.template
        if template is not self._built_for:
            self._build_form(template)
        self.template_combo.setCurrentIndex(max(0, self.template_combo.findData(template.id)))
        self.template_combo.setVisible(self.template_combo.count() > 1)
        self.template_combo.setEnabled(document.saved_version is None)
        for index, tier in enumerate(Tier):
            self.final_tier.setItemText(index, template.tier_label(tier))
        bad = document.problem_fields()
        for track_id, check in self.track_checks.items():
            check.setChecked(track_id in record.tracks)
        for section_id, box in self.section_boxes.items():
            box.setVisible(template.sections[section_id].visible(record.tracks))
        context = record.context
        self.concern_source.setCurrentIndex(
            max(0, self.concern_source.findData(context.concern_source))
        )
        _mark(self.concern_label, "context.concern_source" in bad)
        if self.concern_detail.text() != context.concern_detail:
            self.concern_detail.setText(context.concern_detail)
        if self.targets_note.text() != context.targets_note:
            self.targets_note.setText(context.targets_note)
        self.subjects_button.setText(
            _ids_text(len(context.subject_ids), "entity", "entities") + "…"
        )
        self.targets_button.setText(_ids_text(len(context.target_ids), "entity", "entities") + "…")
        self.context_evidence.setText(
            _ids_text(len(context.evidence_ids), "evidence item", "evidence items") + "…"
        )
        self.assessor.setText(context.assessor or f"{document.ws.actor} (on first save)")
        for factor_id, row in self.rows.items():
            row.show(record.answer(factor_id), f"answers.{factor_id}" in bad)

        evaluation = document.evaluation
        self.suggested.setText(template.tier_label(evaluation.suggested))
        level = template.levels.get(evaluation.suggested)
        self.suggested.setToolTip(level.description if level else "")
        self.trace.clear()
        for line in evaluation.trace:
            self.trace.addItem(QListWidgetItem(line))
        final = record.final_tier or evaluation.suggested
        self.final_tier.setCurrentIndex(self.final_tier.findData(final.value))
        override = record.final_tier is not None and record.final_tier is not evaluation.suggested
        self.justification_label.setText("Justification *" if override else "Justification")
        _mark(
            self.justification_label,
            "tier_justification" in bad or (override and not record.tier_justification.strip()),
        )
        if self.justification.toPlainText() != record.tier_justification:
            self.justification.setPlainText(record.tier_justification)
        self.reassess_check.setChecked(record.reassess_at is not None)
        self.reassess_at.setEnabled(record.reassess_at is not None)
        if record.reassess_at is not None:
            self.reassess_at.setDateTime(_to_qdatetime(record.reassess_at))
        else:
            self.reassess_at.setDateTime(_to_qdatetime(datetime.now(UTC) + timedelta(hours=4)))
        level = template.levels.get(final)
        if record.reassess_at is None and level and level.reassess_after_hours:
            self.reassess_hint.setText(
                f"Empty: saving sets it {level.reassess_after_hours:g} h later ({final.value})."
            )
        else:
            self.reassess_hint.setText("")
        self.problems.setText("\n".join(f"• {message}" for _f, message in document.problems))

    # ---- convenience for keyboard users and tests ----------------------------------------------
    def answer(self, factor_id: str, value: str, recency: Recency | None = None) -> None:
        """Choose a value (and recency) in a factor's row as a click would."""
        row = self.rows[factor_id]
        if row.choice is not None:
            row.choice.setCurrentIndex(row.choice.findData(value))
        else:
            row.buttons[value].click()
        if recency is not None and row.recency is not None:
            row.recency.setCurrentIndex(row.recency.findData(recency.value))


# ---- Decision tab ----------------------------------------------------------------------------


class DecisionPanel(_Panel):
    """The Decision tab: options, disclosure scope (narrowest first), legal basis, user
    notice, preservation dates, rationale, and the four-eyes sign-off."""

    def __init__(self, ws: Workspace, case_id: str, parent: QWidget | None = None):
        super().__init__(ws, case_id, parent)
        self.setObjectName("decisionPanel")
        form = QWidget()
        form_layout = QVBoxLayout(form)
        form_layout.setSpacing(theme.SPACING)
        self.tier_summary = QLabel(objectName="decisionTier")
        self.tier_summary.setWordWrap(True)
        form_layout.addWidget(self.tier_summary)
        form_layout.addWidget(self._options_box())
        form_layout.addWidget(self._disclosure_box())
        form_layout.addWidget(self._details_box())
        form_layout.addWidget(self._signoff_box())
        form_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(form)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.MARGIN, theme.MARGIN, theme.MARGIN)
        layout.addLayout(self.top)
        layout.addWidget(self.notice)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        self.document.approvalsChanged.connect(self.refresh_signoff)
        self._document_changed()

    def _options_box(self) -> QGroupBox:
        box = QGroupBox("Decision", objectName="optionsBox")
        grid = QGridLayout(box)
        self.option_checks: dict[DecisionOption, QCheckBox] = {}
        for index, option in enumerate(DecisionOption):
            check = QCheckBox(option.label, objectName=f"option:{option.value}")
            check.toggled.connect(self._decision_changed)
            self.option_checks[option] = check
            grid.addWidget(check, index // 2, index % 2)
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
        scope_row = QHBoxLayout()
        self.scope_checks: dict[DataCategory, QCheckBox] = {}
        for category in DataCategory:
            check = QCheckBox(category.label, objectName=f"scope:{category.value}")
            check.toggled.connect(self._decision_changed)
            self.scope_checks[category] = check
            scope_row.addWidget(check)
        scope_row.addStretch(1)
        layout.addLayout(scope_row)
        form = QFormLayout()
        self.jurisdiction = QComboBox(objectName="jurisdiction")
        self.jurisdiction.addItem("Choose…", "")
        for code, jurisdiction in self.document.repo.legal.jurisdictions.items():
            self.jurisdiction.addItem(f"{jurisdiction.label} ({code})", code)
        self.jurisdiction.currentIndexChanged.connect(self._decision_changed)
        self.bases = QListWidget(objectName="legalBases")
        self.bases.setWordWrap(True)
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
        form = QFormLayout(box)
        self.user_notice = QComboBox(objectName="userNotice")
        for notice in UserNotice:
            self.user_notice.addItem(notice.label, notice.value)
        self.user_notice.currentIndexChanged.connect(self._decision_changed)
        self.notice_reason = QLineEdit(objectName="userNoticeReason")
        self.notice_reason.setPlaceholderText("Why notice is delayed or not given")
        self.notice_reason.textEdited.connect(self._decision_changed)
        self.preserve_check = QCheckBox("Preservation started", objectName="preservationCheck")
        self.preserve_check.toggled.connect(self._decision_changed)
        self.preserve_start = _datetime_edit("preservationStart")
        self.preserve_start.dateTimeChanged.connect(self._decision_changed)
        self.preserve_expiry = QLabel(objectName="preservationExpiry")
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
        layout.addWidget(self.requirement)
        layout.addWidget(self.approvals)
        layout.addLayout(row)
        return box

    # ---- edits -------------------------------------------------------------------------------
    def _decision_changed(self, *_args: object) -> None:
        if self._loading:
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
            _from_qdatetime(self.preserve_start.dateTime())
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
        template = document.template
        bad = document.problem_fields()
        final = record.final_tier or document.evaluation.suggested
        policy = template.policy
        needs = (
            [f"a {'/'.join(t.value for t in policy.approval_tiers)} decision"]
            if (policy.approval_tiers)
            else []
        )
        needs += [f"disclosing {c.label.lower()}" for c in policy.approval_categories]
        self.tier_summary.setText(
            f"Final tier {template.tier_label(final)} (suggested "
            f"{document.evaluation.suggested.value}). "
            + (f"{' or '.join(needs).capitalize()} needs a second approver." if needs else "")
        )
        for option, check in self.option_checks.items():
            check.setChecked(option in decision.options)
        for category, check in self.scope_checks.items():
            check.setChecked(category in decision.disclosure_scope)
            check.setEnabled(decision.discloses)
        self.jurisdiction.setCurrentIndex(max(0, self.jurisdiction.findData(decision.jurisdiction)))
        self._fill_bases(decision)
        _mark(self.bases_label, "decision.legal_basis_ids" in bad)
        self.user_notice.setCurrentIndex(self.user_notice.findData(decision.user_notice.value))
        if self.notice_reason.text() != decision.user_notice_reason:
            self.notice_reason.setText(decision.user_notice_reason)
        self.preserve_check.setChecked(decision.preservation_started_at is not None)
        self.preserve_start.setEnabled(decision.preservation_started_at is not None)
        self.preserve_start.setDateTime(
            _to_qdatetime(decision.preservation_started_at or datetime.now(UTC))
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
                _mark(label, field in bad)
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
            covers = ", ".join(c.label.lower() for c in basis.categories) or "no disclosure"
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


def make_panels(ws: Workspace, case_id: str) -> tuple[AssessmentPanel, DecisionPanel]:
    """Both tabs of a case, sharing one document."""
    return AssessmentPanel(ws, case_id), DecisionPanel(ws, case_id)
