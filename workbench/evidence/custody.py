"""The chain of custody: one append-only row per action on an item, each one mirrored by an
event of the hash-chained audit log written in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, insert, select

from workbench.audit import PendingEvent, append_event
from workbench.evidence.model import CustodyAction, CustodyEvent, Integrity
from workbench.store.schema import custody_events
from workbench.timeutil import utcnow


def record_custody(
    conn: Connection,
    actor: str,
    *,
    evidence_id: str,
    case_id: str,
    action: CustodyAction,
    purpose: str = "",
    hash_before: str | None = None,
    hash_after: str | None = None,
    integrity: Integrity | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one custody event and its audit twin inside the caller's transaction; returns
    the audit sequence number."""
    detail = dict(detail or {})
    summary: dict[str, Any] = dict(detail)
    summary.update(
        {
            "purpose": purpose,
            "hash_before": hash_before,
            "hash_after": hash_after,
            "integrity": integrity.value if integrity is not None else None,
        }
    )
    seq = append_event(
        conn,
        actor,
        PendingEvent(f"evidence.{action.value}", "evidence", evidence_id, case_id, summary),
    )
    conn.execute(
        insert(custody_events).values(
            evidence_id=evidence_id,
            case_id=case_id,
            at=utcnow(),
            actor=actor,
            action=action.value,
            purpose=purpose,
            hash_before=hash_before,
            hash_after=hash_after,
            integrity=integrity.value if integrity is not None else None,
            detail=detail,
            audit_seq=seq,
        )
    )
    return seq


def custody_of(conn: Connection, evidence_ids: Iterable[str]) -> list[CustodyEvent]:
    """The custody events of the given items, oldest first."""
    ids = list(evidence_ids)
    rows = conn.execute(
        select(custody_events)
        .where(custody_events.c.evidence_id.in_(ids))
        .order_by(custody_events.c.id)
    )
    return [
        CustodyEvent(
            id=row.id,
            evidence_id=row.evidence_id,
            case_id=row.case_id,
            at=row.at,
            actor=row.actor,
            action=CustodyAction(row.action),
            purpose=row.purpose,
            hash_before=row.hash_before,
            hash_after=row.hash_after,
            integrity=row.integrity,
            audit_seq=row.audit_seq,
            detail=dict(row.detail or {}),
        )
        for row in rows
    ]
