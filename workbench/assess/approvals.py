"""Four-eyes sign-off of a decision, enforced here rather than in the window.

The approver is the current user (`ws.actor`). An approval is refused, with the reason, when
that user is the assessor, saved the decision being approved, or already approved this same
decision. Approvals and refusals are both audited. An approval binds to the decision's
digest (final tier + decision): changing either leaves the old approval on record but no
longer valid, so the new content needs its own second look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select

from workbench.assess.decision import approval_reasons
from workbench.assess.errors import FourEyesError
from workbench.assess.repository import AssessmentRepository
from workbench.audit import PendingEvent, append_event
from workbench.errors import NotFoundError
from workbench.store.rows import new_id
from workbench.store.schema import assessment_approvals, assessment_versions, assessments
from workbench.timeutil import to_iso, utcnow


@dataclass(frozen=True)
class Approval:
    id: str
    version: int
    approver: str
    approved_at: datetime
    comment: str
    decision_digest: str


@dataclass(frozen=True)
class ApprovalStatus:
    reasons: tuple[str, ...]  # why a second approver is needed; empty = not needed
    approvals: tuple[Approval, ...]  # valid for the current decision
    earlier: tuple[Approval, ...]  # given for an earlier form of the decision

    @property
    def required(self) -> bool:
        return bool(self.reasons)

    @property
    def satisfied(self) -> bool:
        return not self.required or bool(self.approvals)

    def describe(self) -> str:
        approved = ", ".join(
            f"{a.approver} ({a.approved_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"
            for a in self.approvals
        )
        if self.required and not self.approvals:
            return "Needs a second approver: " + "; ".join(self.reasons)
        if self.approvals:
            return f"Approved by {approved}"
        return "No second approval needed"


def _approval(row: Any) -> Approval:
    return Approval(
        id=row.id,
        version=row.version,
        approver=row.approver,
        approved_at=row.approved_at,
        comment=row.comment,
        decision_digest=row.decision_digest,
    )


def approval_status(repo: AssessmentRepository, case_id: str) -> ApprovalStatus:
    saved = repo.current(case_id)
    if saved is None:
        return ApprovalStatus((), (), ())
    reasons = approval_reasons(saved.record, repo.policy_for(saved.record))
    with repo.ws.read() as conn:
        digest = conn.execute(
            select(assessments.c.decision_digest).where(assessments.c.case_id == case_id)
        ).scalar_one()
        rows = conn.execute(
            select(assessment_approvals)
            .where(assessment_approvals.c.case_id == case_id)
            .order_by(assessment_approvals.c.approved_at)
        ).all()
    approvals = [_approval(row) for row in rows]
    return ApprovalStatus(
        reasons,
        tuple(a for a in approvals if a.decision_digest == digest),
        tuple(a for a in approvals if a.decision_digest != digest),
    )


def _authors_of_decision(conn: Connection, assessment_id: str, digest: str) -> dict[str, int]:
    """Who saved versions holding the current decision content, newest run of them."""
    rows = conn.execute(
        select(
            assessment_versions.c.version,
            assessment_versions.c.saved_by,
            assessment_versions.c.decision_digest,
        )
        .where(assessment_versions.c.assessment_id == assessment_id)
        .order_by(assessment_versions.c.version.desc())
    ).all()
    authors: dict[str, int] = {}
    for row in rows:
        if row.decision_digest != digest:
            break
        authors.setdefault(row.saved_by, row.version)
    return authors


def approve(repo: AssessmentRepository, case_id: str, comment: str = "") -> Approval:
    """Record the current user's approval of the current decision, or refuse with a reason."""
    ws = repo.ws
    actor = ws.actor
    refusal: str | None = None
    approval: Approval | None = None
    with ws.write() as conn:
        row = conn.execute(select(assessments).where(assessments.c.case_id == case_id)).first()
        if row is None:
            raise NotFoundError("This case has no saved assessment to approve.")
        saved = repo.version_from_row(conn, row, row.version)
        record = saved.record
        digest = row.decision_digest
        authors = _authors_of_decision(conn, row.id, digest)
        previous = conn.execute(
            select(assessment_approvals).where(
                and_(
                    assessment_approvals.c.assessment_id == row.id,
                    assessment_approvals.c.decision_digest == digest,
                    assessment_approvals.c.approver == actor,
                )
            )
        ).first()
        if not record.decision.options:
            refusal = "There is no decision to approve yet: record the decision and save it first."
        elif actor == record.context.assessor:
            refusal = (
                f"{actor} is the assessor of this case and cannot approve their own decision: "
                "the four-eyes rule needs a second person."
            )
        elif actor in authors:
            refusal = (
                f"{actor} saved this decision (version {authors[actor]}) and cannot approve it: "
                "the four-eyes rule needs a second person who did not write it."
            )
        elif previous is not None:
            refusal = (
                f"{actor} already approved this decision at {to_iso(previous.approved_at)}; the "
                "same person cannot approve twice. Another reviewer must approve."
            )
        if refusal is not None:
            append_event(
                conn,
                actor,
                PendingEvent(
                    "assessment.approval_refused",
                    "assessment",
                    row.id,
                    case_id,
                    {"version": row.version, "decision_digest": digest, "reason": refusal},
                ),
            )
        else:
            approval = Approval(new_id(), row.version, actor, utcnow(), comment.strip(), digest)
            conn.execute(
                insert(assessment_approvals).values(
                    id=approval.id,
                    assessment_id=row.id,
                    case_id=case_id,
                    version=approval.version,
                    decision_digest=digest,
                    approver=actor,
                    approved_at=approval.approved_at,
                    comment=approval.comment,
                )
            )
            reasons = approval_reasons(record, repo.policy_for(record))
            append_event(
                conn,
                actor,
                PendingEvent(
                    "assessment.approve",
                    "assessment",
                    row.id,
                    case_id,
                    {
                        "version": row.version,
                        "decision_digest": digest,
                        "final_tier": record.final_tier.value if record.final_tier else None,
                        "required_because": list(reasons),
                        "comment": approval.comment,
                    },
                ),
            )
    if refusal is not None:
        raise FourEyesError(refusal)
    assert approval is not None
    return approval
