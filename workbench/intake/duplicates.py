"""Duplicate requests: the same message (Message-ID) or the same target within 24 hours, and
the audited merge of a duplicate into the case that carries on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, select, update

from workbench.audit import PendingEvent, append_event
from workbench.errors import ValidationError
from workbench.intake.model import Target
from workbench.intake.writer import insert_evidence
from workbench.model import CaseStatus
from workbench.store.schema import cases, escalation_targets, escalations, evidence
from workbench.timeutil import utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class DuplicateHit:
    case_id: str
    reference: str
    title: str
    reason: str  # "message_id" or "targets"
    shared: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        if self.reason == "message_id":
            return f"{self.reference} has the same Message-ID"
        return f"{self.reference} names the same target(s) within 24 h: {', '.join(self.shared)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "reference": self.reference,
            "title": self.title,
            "reason": self.reason,
            "shared": list(self.shared),
            "description": self.describe(),
        }


def find_duplicates(
    conn: Connection,
    *,
    message_id: str,
    target_keys: list[str],
    received_at: datetime,
    exclude_case: str | None = None,
) -> list[DuplicateHit]:
    hits: dict[str, DuplicateHit] = {}
    if message_id:
        query = select(escalations.c.case_id, escalations.c.reference, escalations.c.title).where(
            escalations.c.message_id == message_id
        )
        for row in conn.execute(query):
            if row.case_id != exclude_case:
                hits[row.case_id] = DuplicateHit(
                    row.case_id, row.reference, row.title, "message_id"
                )
    if target_keys:
        rows = conn.execute(
            select(
                escalation_targets.c.case_id,
                escalation_targets.c.normalized,
                escalations.c.reference,
                escalations.c.title,
            )
            .join(escalations, escalations.c.case_id == escalation_targets.c.case_id)
            .where(
                and_(
                    escalation_targets.c.normalized.in_(sorted(set(target_keys))),
                    escalation_targets.c.received_at >= received_at - WINDOW,
                    escalation_targets.c.received_at <= received_at + WINDOW,
                    escalations.c.merged_into.is_(None),
                )
            )
        ).all()
        shared: dict[str, list[str]] = {}
        titles: dict[str, tuple[str, str]] = {}
        for hit in rows:
            if hit.case_id == exclude_case or hit.case_id in hits:
                continue
            shared.setdefault(hit.case_id, []).append(hit.normalized.partition(":")[2])
            titles[hit.case_id] = (hit.reference, hit.title)
        for case_id, values in shared.items():
            reference, title = titles[case_id]
            hits[case_id] = DuplicateHit(
                case_id, reference, title, "targets", tuple(dict.fromkeys(values))
            )
    return list(hits.values())


def duplicates_of(ws: Workspace, case_id: str) -> list[DuplicateHit]:
    """Possible duplicates of a stored case."""
    from workbench.intake.repository import EscalationRepository, target_key

    record = EscalationRepository(ws).get(case_id)
    keys = [target_key(t, t.normalized) for t in record.escalation.targets if t.normalized]
    with ws.read() as conn:
        return find_duplicates(
            conn,
            message_id=record.escalation.message_id,
            target_keys=keys,
            received_at=record.escalation.received_at,
            exclude_case=case_id,
        )


def merge(ws: Workspace, duplicate_id: str, into_id: str) -> None:
    """Fold `duplicate_id` into `into_id`: its evidence and targets join the surviving case,
    its narrative is appended, and it is closed as a duplicate. One transaction, audited on
    both cases."""
    from workbench.intake.repository import EscalationRepository

    if duplicate_id == into_id:
        raise ValidationError("A case cannot be merged into itself.")
    repo = EscalationRepository(ws)
    with ws.write() as conn:
        dup = repo.get_in(conn, duplicate_id)
        keep = repo.get_in(conn, into_id)
        for record in (dup, keep):
            if record.merged_into:
                raise ValidationError(
                    f"{record.reference} was already merged into another case; merge into "
                    "that case instead."
                )
        copied = []
        for row in conn.execute(select(evidence).where(evidence.c.case_id == duplicate_id)).all():
            new_id = insert_evidence(
                conn,
                ws.actor,
                into_id,
                row.sha256,
                row.size,
                row.filename,
                row.mime_type,
                f"From merged duplicate {dup.reference}: {row.description}".strip(),
                {
                    **dict(row.metadata or {}),
                    "merged_from_case": duplicate_id,
                    "original_evidence_id": row.id,
                },
                row.sensitivity,
            )
            copied.append(new_id)
        known = {(t.kind, t.normalized) for t in keep.escalation.targets}
        extra = [
            Target(t.kind, t.value, note=f"from {dup.reference}")
            for t in dup.escalation.targets
            if (t.kind, t.normalized) not in known
        ]
        narrative = keep.escalation.narrative
        if dup.escalation.narrative.strip() and dup.escalation.narrative not in narrative:
            narrative = (
                f"{narrative}\n\n--- merged from {dup.reference} ---\n{dup.escalation.narrative}"
            ).strip()
        merged = keep.escalation.with_changes(
            targets=keep.escalation.targets + tuple(extra), narrative=narrative
        )
        repo.write_in(
            conn,
            into_id,
            merged,
            action="escalation.merge",
            extra_audit={
                "merged_from": duplicate_id,
                "merged_reference": dup.reference,
                "evidence_copied": copied,
                "targets_added": [t.value for t in extra],
            },
        )
        tags = list(
            conn.execute(select(cases.c.tags).where(cases.c.id == duplicate_id)).scalar_one() or []
        )
        ws.cases.update_in(
            conn,
            duplicate_id,
            status=CaseStatus.CLOSED,
            tags=[*tags, "duplicate"],
        )
        conn.execute(
            update(escalations)
            .where(escalations.c.case_id == duplicate_id)
            .values(merged_into=into_id, updated_at=utcnow(), updated_by=ws.actor)
        )
        append_event(
            conn,
            ws.actor,
            PendingEvent(
                "escalation.merged_into",
                "escalation",
                duplicate_id,
                duplicate_id,
                {"into": into_id, "into_reference": keep.reference},
            ),
        )
