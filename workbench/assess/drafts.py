"""Drafts: unsaved form content kept per case and user, so closing the window loses nothing.

Drafts are private scratch, not part of the record, so they are not versioned or audited; a
save deletes the saver's draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, delete, insert, select

from workbench.assess.model import AssessmentRecord, record_from_json, record_to_json
from workbench.store.schema import assessment_drafts


@dataclass(frozen=True)
class Draft:
    """Unsaved form content kept per case and user, so closing the window loses nothing."""

    record: AssessmentRecord
    base_version: int
    saved_at: datetime


def _mine(case_id: str, actor: str) -> ColumnElement[bool]:
    return and_(assessment_drafts.c.case_id == case_id, assessment_drafts.c.actor == actor)


def delete_draft(conn: Connection, case_id: str, actor: str) -> None:
    conn.execute(delete(assessment_drafts).where(_mine(case_id, actor)))


def write_draft(
    conn: Connection,
    case_id: str,
    actor: str,
    record: AssessmentRecord,
    base_version: int,
    now: datetime,
) -> None:
    """Replace the user's draft of the case."""
    delete_draft(conn, case_id, actor)
    conn.execute(
        insert(assessment_drafts).values(
            case_id=case_id,
            actor=actor,
            base_version=base_version,
            saved_at=now,
            body=record_to_json(record),
        )
    )


def read_draft(conn: Connection, case_id: str, actor: str) -> Draft | None:
    row = conn.execute(select(assessment_drafts).where(_mine(case_id, actor))).first()
    if row is None:
        return None
    return Draft(record_from_json(row.body, "draft"), row.base_version, row.saved_at)
