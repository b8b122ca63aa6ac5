"""The assessment record being edited, shared by the Assessment and Decision tabs.

The document calls only core operations (`workbench.assess`): the rule engine for the
suggested tier and its trace, `save` for versions, `approve` for four-eyes. Unsaved edits are
kept as a draft in the workspace a moment after each change and when a tab is hidden, so
closing the window loses nothing; the draft is offered again on reopening.
"""

from __future__ import annotations

import weakref
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Signal

from ui import formatting as fmt
from workbench.assess.approvals import ApprovalStatus, approval_status, approve
from workbench.assess.errors import IncompleteAssessmentError
from workbench.assess.model import AssessmentRecord, Decision, FactorAnswer, Tier
from workbench.assess.repository import AssessmentRepository, SavedAssessment
from workbench.assess.rules import TierResult
from workbench.assess.templates import Template
from workbench.errors import WorkbenchError
from workbench.store.workspace import Workspace

DRAFT_DELAY_MS = 1000

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
                f"Not saved: {len(exc.problems)} field(s) need attention (listed below).",
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
