"""Assessments in the workspace: save (every save a version), history, diff, drafts, queue.

One assessment per case. Each save validates the record, evaluates the tier rules, appends a
full JSON snapshot as a new version and writes one audit event carrying the snapshot's
SHA-256, all in one transaction. Saves name the version they started from, so a second
editor cannot silently overwrite the first (AssessmentConflictError).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from workbench.assess.attention import DueItem, due_items
from workbench.assess.case_links import item_namer, link_problems
from workbench.assess.decision import Problem, decision_digest, preservation_expiry
from workbench.assess.diff import Change, diff_snapshots
from workbench.assess.drafts import Draft, delete_draft, read_draft, write_draft
from workbench.assess.errors import AssessmentConflictError, IncompleteAssessmentError
from workbench.assess.legal import LegalBases, load_legal_bases
from workbench.assess.loader import TemplateRegistry
from workbench.assess.model import (
    NARROWEST_SCOPE,
    AssessmentRecord,
    DecisionOption,
    Tier,
    record_to_json,
)
from workbench.assess.rules import TierResult, suggest_tier
from workbench.assess.snapshots import (
    SNAPSHOT_FORMAT,
    SNAPSHOT_VERSION,
    SavedAssessment,
    VersionInfo,
    make_snapshot,
    read_history,
    read_version,
    snapshot_digest,
)
from workbench.assess.templates import DecisionPolicy, Template
from workbench.assess.validate import record_problems
from workbench.audit import PendingEvent, append_event
from workbench.errors import NotFoundError, ValidationError
from workbench.store.rows import new_id
from workbench.store.schema import assessment_versions, assessments
from workbench.timeutil import to_iso, utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

# The records, snapshots, drafts and queue items of this module live in their own modules
# (snapshots.py, drafts.py, attention.py); they are imported from here too.
__all__ = [
    "AUDIT_CHANGES",
    "SNAPSHOT_FORMAT",
    "SNAPSHOT_VERSION",
    "AssessmentRepository",
    "Draft",
    "DueItem",
    "SavedAssessment",
    "VersionInfo",
    "snapshot_digest",
]

AUDIT_CHANGES = 50  # changes listed in one audit event; the snapshot holds everything


def _default_reassessment(
    template: Template,
    record: AssessmentRecord,
    previous: AssessmentRecord | None,
    suggested: Tier,
    now: datetime,
) -> AssessmentRecord:
    """The tier's re-assessment interval fills an empty re-assessment time, replaces an
    unchanged one that has fallen due (saving is the re-assessment), and pulls an unchanged
    one earlier when the final tier changed to a tier that wants it sooner."""
    if record.decision.has(DecisionOption.CLOSE_NOT_CREDIBLE):
        return record
    level = template.levels.get(record.final_tier or suggested)
    if level is None or not level.reassess_after_hours:
        return record
    default_due = now + timedelta(hours=level.reassess_after_hours)
    if record.reassess_at is None:
        return replace(record, reassess_at=default_due)
    tier_changed = previous is not None and previous.final_tier != record.final_tier
    untouched = previous is not None and previous.reassess_at == record.reassess_at
    if untouched and record.reassess_at <= now:
        return replace(record, reassess_at=default_due)
    if tier_changed and untouched and default_due < record.reassess_at:
        return replace(record, reassess_at=default_due)
    return record


class AssessmentRepository:
    def __init__(
        self,
        workspace: Workspace,
        *,
        registry: TemplateRegistry | None = None,
        legal: LegalBases | None = None,
    ):
        self._ws = workspace
        self._registry = registry
        self._legal = legal

    @property
    def ws(self) -> Workspace:
        return self._ws

    @property
    def templates(self) -> TemplateRegistry:
        if self._registry is None:
            self._registry = TemplateRegistry.load()
        return self._registry

    @property
    def legal(self) -> LegalBases:
        if self._legal is None:
            self._legal = load_legal_bases()
        return self._legal

    def template_for(self, record: AssessmentRecord) -> Template:
        return self.templates.get(record.template_id)

    def policy_for(self, record: AssessmentRecord) -> DecisionPolicy:
        template = self.templates.templates.get(record.template_id)
        return template.policy if template else DecisionPolicy()

    # ---- reading ---------------------------------------------------------------------------
    def new_record(self, case_id: str, template_id: str | None = None) -> AssessmentRecord:
        """A blank record; the tracks start from the case category (the template maps them)."""
        case = self._ws.cases.get(case_id)
        template = self.templates.get(template_id) if template_id else self.templates.default()
        return template.blank_record(template.tracks_for_category(case.category.value))

    def current(self, case_id: str) -> SavedAssessment | None:
        with self._ws.read() as conn:
            return self._current(conn, case_id)

    def require_current(self, case_id: str) -> SavedAssessment:
        saved = self.current(case_id)
        if saved is None:
            reference = self._ws.cases.get(case_id).reference
            raise NotFoundError(f"Case {reference} has no saved assessment yet.")
        return saved

    def _current(self, conn: Connection, case_id: str) -> SavedAssessment | None:
        row = conn.execute(select(assessments).where(assessments.c.case_id == case_id)).first()
        if row is None:
            return None
        return self.version_from_row(conn, row, row.version)

    def version_from_row(self, conn: Connection, row: Any, number: int) -> SavedAssessment:
        return read_version(conn, row, number)

    def version(self, case_id: str, number: int) -> SavedAssessment:
        with self._ws.read() as conn:
            row = conn.execute(select(assessments).where(assessments.c.case_id == case_id)).first()
            if row is None:
                raise NotFoundError("This case has no saved assessment yet.")
            return self.version_from_row(conn, row, number)

    def history(self, case_id: str) -> list[VersionInfo]:
        """Every version, oldest first: who saved it, when, and what changed."""
        with self._ws.read() as conn:
            return read_history(conn, case_id)

    def diff(self, case_id: str, from_version: int, to_version: int) -> list[Change]:
        """Field-level changes between any two versions (either order; 0 = before creation)."""
        with self._ws.read() as conn:
            row = conn.execute(select(assessments).where(assessments.c.case_id == case_id)).first()
            if row is None:
                raise NotFoundError("This case has no saved assessment yet.")
            old = self.version_from_row(conn, row, from_version).snapshot if from_version else None
            new = self.version_from_row(conn, row, to_version).snapshot
            names = item_namer(conn, case_id)
            template = self.templates.templates.get(new["record"]["template_id"])
            # item_namer reads entity names through `conn`: diff while it is open.
            return diff_snapshots(
                old, new, template=template, names=names, legal_names=self._legal_name
            )

    def _legal_name(self, basis_id: str) -> str:
        basis = self.legal.find(basis_id)
        return basis.citation if basis else basis_id

    def evaluate(self, record: AssessmentRecord) -> TierResult:
        return suggest_tier(self.template_for(record), record)

    # ---- checking --------------------------------------------------------------------------
    def problems(self, case_id: str, record: AssessmentRecord) -> list[Problem]:
        """What would stop `save` (for the form to show before the user presses Save)."""
        template = self.template_for(record)
        result = suggest_tier(template, record)
        with self._ws.read() as conn:
            saved = self._current(conn, case_id)
            previous = saved.record.reassess_at if saved else None
            found = record_problems(
                template,
                record,
                self.legal,
                suggested=result.suggested,
                now=utcnow(),
                previous_reassess_at=previous,
            )
            return found + link_problems(conn, case_id, record, template)

    # ---- saving ----------------------------------------------------------------------------
    def save(self, case_id: str, record: AssessmentRecord, *, base_version: int) -> SavedAssessment:
        """Save a new version. `base_version` is the version the editor started from (0 for
        a new assessment); if someone saved since, nothing is written and the conflict is
        reported. Returns the current version (unchanged if nothing changed)."""
        case = self._ws.cases.get(case_id)
        template = self.template_for(record)
        actor = self._ws.actor
        record = replace(
            record,
            template_version=template.version,
            context=replace(record.context, assessor=record.context.assessor or actor),
            decision=replace(
                record.decision,
                disclosure_scope=tuple(
                    sorted(set(record.decision.disclosure_scope), key=lambda c: c.rank)
                )
                or NARROWEST_SCOPE,
            ),
        )
        result = suggest_tier(template, record)
        now = utcnow()
        with self._ws.write() as conn:
            row = conn.execute(select(assessments).where(assessments.c.case_id == case_id)).first()
            current_version = row.version if row is not None else 0
            if current_version != base_version:
                raise AssessmentConflictError(
                    f"The assessment of {case.reference} was saved as version {current_version} "
                    f"by {row.updated_by if row is not None else '?'} at "
                    f"{to_iso(row.updated_at) if row is not None else '?'} after you opened it "
                    f"(you started from version {base_version}). Nothing was saved: reload, "
                    "compare in History and apply your changes again."
                )
            previous = self.version_from_row(conn, row, row.version) if row is not None else None
            record = _default_reassessment(
                template, record, previous.record if previous else None, result.suggested, now
            )
            problems = record_problems(
                template,
                record,
                self.legal,
                suggested=result.suggested,
                now=now,
                previous_reassess_at=previous.record.reassess_at if previous else None,
            ) + link_problems(conn, case_id, record, template)
            if problems:
                raise IncompleteAssessmentError(problems)
            delete_draft(conn, case_id, actor)
            record_json = record_to_json(record)
            if previous is not None and previous.snapshot["record"] == record_json:
                return previous
            version = current_version + 1
            snapshot = make_snapshot(version, actor, now, record_json, result)
            sha = snapshot_digest(snapshot)
            changes = diff_snapshots(
                previous.snapshot if previous else None,
                snapshot,
                template=template,
                names=item_namer(conn, case_id),
                legal_names=self._legal_name,
            )
            summary = "; ".join(change.text for change in changes[:5])
            if len(changes) > 5:
                summary += f"; and {len(changes) - 5} more"
            digest = decision_digest(record)
            final_tier = record.final_tier or result.suggested
            expires = preservation_expiry(record.decision, template.policy)
            assessment_id = row.id if row is not None else new_id()
            values = {
                "template_id": template.id,
                "template_version": template.version,
                "version": version,
                "suggested_tier": result.suggested.value,
                "final_tier": final_tier.value,
                "decision_digest": digest,
                "reassess_at": record.reassess_at,
                "preservation_expires_at": expires,
                "updated_by": actor,
                "updated_at": now,
            }
            if row is None:
                conn.execute(
                    insert(assessments).values(
                        id=assessment_id,
                        case_id=case_id,
                        created_by=actor,
                        created_at=now,
                        **values,
                    )
                )
            else:
                conn.execute(
                    update(assessments).where(assessments.c.id == assessment_id).values(**values)
                )
            conn.execute(
                insert(assessment_versions).values(
                    assessment_id=assessment_id,
                    case_id=case_id,
                    version=version,
                    saved_by=actor,
                    saved_at=now,
                    summary=summary,
                    decision_digest=digest,
                    snapshot=snapshot,
                    snapshot_sha256=sha,
                )
            )
            audit: dict[str, Any] = {
                "version": version,
                "template": f"{template.id} {template.version}",
                "suggested_tier": result.suggested.value,
                "final_tier": final_tier.value,
                "rules": list(result.rule_ids),
                "decision_digest": digest,
                "snapshot_sha256": sha,
                "changes": [change.text for change in changes[:AUDIT_CHANGES]],
            }
            if final_tier is not result.suggested:
                audit["override"] = {
                    "suggested": result.suggested.value,
                    "final": final_tier.value,
                    "justification": record.tier_justification,
                }
            append_event(
                conn,
                actor,
                PendingEvent("assessment.save", "assessment", assessment_id, case_id, audit),
            )
        return self.require_current(case_id)

    def extend_preservation(self, case_id: str) -> SavedAssessment:
        """Extend the data preservation by the template's extension period (a new version)."""
        saved = self.require_current(case_id)
        decision = saved.record.decision
        policy = self.policy_for(saved.record)
        if (
            not decision.has(DecisionOption.PRESERVE_DATA)
            or decision.preservation_started_at is None
        ):
            raise ValidationError("There is no data preservation to extend in this decision.")
        if decision.preservation_extensions >= policy.max_extensions:
            raise ValidationError(
                f"The preservation was already extended {decision.preservation_extensions} "
                f"time(s); the policy allows {policy.max_extensions}. Ask for legal process."
            )
        record = replace(
            saved.record,
            decision=replace(
                decision, preservation_extensions=decision.preservation_extensions + 1
            ),
        )
        return self.save(case_id, record, base_version=saved.version)

    # ---- drafts ----------------------------------------------------------------------------
    def save_draft(self, case_id: str, record: AssessmentRecord, base_version: int) -> None:
        """Keep unsaved form content for this user. Drafts are private scratch, not part of the
        record, so they are not versioned or audited; a save deletes the draft."""
        with self._ws.write() as conn:
            write_draft(conn, case_id, self._ws.actor, record, base_version, utcnow())

    def load_draft(self, case_id: str) -> Draft | None:
        with self._ws.read() as conn:
            return read_draft(conn, case_id, self._ws.actor)

    def discard_draft(self, case_id: str) -> None:
        with self._ws.write() as conn:
            delete_draft(conn, case_id, self._ws.actor)

    # ---- the queue's attention -------------------------------------------------------------
    def due_reassessments(self, now: datetime | None = None) -> list[DueItem]:
        """Open cases whose re-assessment time has come, most overdue first."""
        return self._due(assessments.c.reassess_at, now or utcnow())

    def preservations_expiring(self, before: datetime) -> list[DueItem]:
        """Open cases whose data preservation expires before `before`, soonest first."""
        return self._due(assessments.c.preservation_expires_at, before)

    def _due(self, column: Any, limit: datetime) -> list[DueItem]:
        with self._ws.read() as conn:
            return due_items(conn, column, limit)
