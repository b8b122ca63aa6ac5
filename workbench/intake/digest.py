"""Shift hand-off digest: what changed since a given time and what needs the next shift.

New cases, status changes and claims come from the cases and the audit log; deadlines at risk
and breached from the queue table; pending re-assessments from the assessment module when it
is installed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select

from workbench.intake.deadlines import DeadlinePolicy, default_policy
from workbench.intake.model import OverallResult
from workbench.intake.queue import CLOCK_RUNNING
from workbench.model import Priority
from workbench.store.schema import audit_events, escalations
from workbench.timeutil import to_iso, utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

E = escalations.c


@dataclass(frozen=True)
class DigestCase:
    case_id: str
    reference: str
    title: str
    priority: str
    status: str
    assignee: str | None
    agency: str
    deadline_at: datetime | None
    created_at: datetime
    verification: str

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "reference": self.reference,
            "title": self.title,
            "priority": self.priority,
            "status": self.status,
            "assignee": self.assignee,
            "agency": self.agency,
            "deadline_at": to_iso(self.deadline_at) if self.deadline_at else None,
            "created_at": to_iso(self.created_at),
            "verification": self.verification,
        }


@dataclass(frozen=True)
class Change:
    case_id: str
    reference: str
    at: datetime
    actor: str
    field: str  # status or assignee
    before: str | None
    after: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "reference": self.reference,
            "at": to_iso(self.at),
            "actor": self.actor,
            "field": self.field,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class Digest:
    since: datetime
    until: datetime
    new_cases: list[DigestCase] = field(default_factory=list)
    status_changes: list[Change] = field(default_factory=list)
    claims: list[Change] = field(default_factory=list)
    breached: list[DigestCase] = field(default_factory=list)
    at_risk: list[DigestCase] = field(default_factory=list)
    verification_failed: list[DigestCase] = field(default_factory=list)
    reassessments: list[dict[str, Any]] | None = None
    open_cases: int = 0
    unassigned: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "since": to_iso(self.since),
            "until": to_iso(self.until),
            "open_cases": self.open_cases,
            "unassigned": self.unassigned,
            "new_cases": [c.to_json() for c in self.new_cases],
            "status_changes": [c.to_json() for c in self.status_changes],
            "claims": [c.to_json() for c in self.claims],
            "deadlines_breached": [c.to_json() for c in self.breached],
            "deadlines_at_risk": [c.to_json() for c in self.at_risk],
            "verification_failed": [c.to_json() for c in self.verification_failed],
            "pending_reassessments": self.reassessments,
        }


def _case(row: Any) -> DigestCase:
    return DigestCase(
        row.case_id,
        row.reference,
        row.title,
        row.priority,
        row.status,
        row.assignee,
        row.agency or "",
        row.deadline_at,
        row.created_at,
        row.verification_result,
    )


def build_digest(
    ws: Workspace,
    since: datetime,
    *,
    now: datetime | None = None,
    policy: DeadlinePolicy | None = None,
) -> Digest:
    now = now or utcnow()
    policy = policy or default_policy()
    digest = Digest(since, now)
    columns = (
        E.case_id,
        E.reference,
        E.title,
        E.priority,
        E.status,
        E.assignee,
        E.agency,
        E.deadline_at,
        E.created_at,
        E.verification_result,
    )
    running = and_(E.is_open == 1, E.status.in_(CLOCK_RUNNING))
    risk_windows = or_(
        *[
            and_(E.priority == p.value, E.deadline_at < now + policy.at_risk_window(p))
            for p in Priority
        ]
    )
    with ws.read() as conn:
        digest.new_cases = [
            _case(r)
            for r in conn.execute(
                select(*columns).where(E.created_at >= since).order_by(E.created_at)
            )
        ]
        digest.breached = [
            _case(r)
            for r in conn.execute(
                select(*columns).where(running, E.deadline_at < now).order_by(E.deadline_at)
            )
        ]
        digest.at_risk = [
            _case(r)
            for r in conn.execute(
                select(*columns)
                .where(running, E.deadline_at >= now, risk_windows)
                .order_by(E.deadline_at)
            )
        ]
        digest.verification_failed = [
            _case(r)
            for r in conn.execute(
                select(*columns)
                .where(E.is_open == 1, E.verification_result == OverallResult.FAILED.value)
                .order_by(E.deadline_at)
            )
        ]
        digest.open_cases = len(conn.execute(select(E.case_id).where(E.is_open == 1)).all())
        digest.unassigned = len(
            conn.execute(select(E.case_id).where(E.is_open == 1, E.assignee.is_(None))).all()
        )
        references = {}
        events = conn.execute(
            select(audit_events)
            .where(audit_events.c.action == "case.update", audit_events.c.at >= to_iso(since))
            .order_by(audit_events.c.seq)
        ).all()
        wanted = {e.case_id for e in events if e.case_id}
        if wanted:
            references = dict(
                conn.execute(
                    select(E.case_id, E.reference).where(E.case_id.in_(sorted(wanted)))
                ).all()
            )
    from workbench.timeutil import from_iso

    for event in events:
        summary = json.loads(event.summary)
        before, after = summary.get("before", {}), summary.get("after", {})
        reference = references.get(event.case_id, event.case_id or "?")
        for name, target in (("status", digest.status_changes), ("assignee", digest.claims)):
            if name in after:
                target.append(
                    Change(
                        event.case_id,
                        reference,
                        from_iso(event.at),
                        event.actor,
                        name,
                        before.get(name),
                        after.get(name),
                    )
                )
    digest.reassessments = _reassessments(ws, now)
    return digest


def _reassessments(ws: Workspace, now: datetime) -> list[dict[str, Any]] | None:
    """Assessments whose re-assessment time has come (None when that module is absent)."""
    try:
        from workbench.assess.repository import AssessmentRepository
    except ImportError:
        return None
    try:
        items = AssessmentRepository(ws).due_reassessments(now)
    except Exception:  # the assessment tables may be missing in an older workspace
        return None
    return [
        {
            "case_id": item.case_id,
            "reference": item.reference,
            "title": item.title,
            "due_at": to_iso(item.due_at),
            "tier": str(getattr(item.final_tier, "value", item.final_tier)),
            "assessed_by": item.assessed_by,
        }
        for item in items
    ]


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def _left(deadline: datetime | None, now: datetime) -> str:
    if deadline is None:
        return "—"
    seconds = int((deadline - now).total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(digest: Digest) -> str:
    now = digest.until
    out = [
        f"# Shift hand-off: {_when(digest.since)} → {_when(digest.until)}",
        "",
        f"{digest.open_cases} open case(s), {digest.unassigned} unassigned; "
        f"{len(digest.new_cases)} new, {len(digest.status_changes)} status change(s), "
        f"{len(digest.breached)} deadline(s) breached, {len(digest.at_risk)} at risk.",
        "",
    ]

    def table(title: str, rows: list[DigestCase], empty: str) -> None:
        out.append(f"## {title}")
        out.append("")
        if not rows:
            out.extend([empty, ""])
            return
        out.append("| Case | Priority | Status | Time left | Assignee | Agency | Title |")
        out.append("|---|---|---|---|---|---|---|")
        for c in rows:
            out.append(
                f"| {c.reference} | {c.priority} | {c.status} | {_left(c.deadline_at, now)} | "
                f"{_md(c.assignee or 'unassigned')} | {_md(c.agency or '—')} | {_md(c.title)} |"
            )
        out.append("")

    table("Deadlines breached (overdue, clock running)", digest.breached, "None.")
    table("Deadlines at risk", digest.at_risk, "None.")
    table("New cases", digest.new_cases, "No new cases in this period.")
    out.append("## Status changes")
    out.append("")
    if digest.status_changes:
        for change in digest.status_changes:
            out.append(
                f"- {_when(change.at)} {change.reference}: {change.before} → {change.after} "
                f"({change.actor})"
            )
    else:
        out.append("None.")
    out.append("")
    out.append("## Claims and hand-overs")
    out.append("")
    if digest.claims:
        for change in digest.claims:
            out.append(
                f"- {_when(change.at)} {change.reference}: {change.before or 'unassigned'} → "
                f"{change.after or 'unassigned'} ({change.actor})"
            )
    else:
        out.append("None.")
    out.append("")
    table("Requester verification failed (open cases)", digest.verification_failed, "None.")
    out.append("## Pending re-assessments")
    out.append("")
    if digest.reassessments is None:
        out.append("The assessment module is not available in this installation.")
    elif not digest.reassessments:
        out.append("None due.")
    else:
        for item in digest.reassessments:
            out.append(
                f"- {item['reference']} ({item['tier']}), due {item['due_at']}: "
                f"{_md(item['title'])} (last assessed by {item['assessed_by']})"
            )
    out.append("")
    return "\n".join(out)
