"""What needs attention across open cases, for the queue: re-assessments that have come due
and data preservations running out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from workbench.assess.model import Tier
from workbench.model import CaseStatus
from workbench.store.schema import assessments, cases


@dataclass(frozen=True)
class DueItem:
    case_id: str
    reference: str
    title: str
    due_at: datetime
    final_tier: Tier
    assessed_by: str


def due_items(conn: Connection, column: Any, limit: datetime) -> list[DueItem]:
    """Open cases whose `column` (a time in `assessments`) is at or before `limit`, soonest
    first."""
    query = (
        select(
            cases.c.id,
            cases.c.reference,
            cases.c.title,
            column.label("due_at"),
            assessments.c.final_tier,
            assessments.c.updated_by,
        )
        .join(assessments, assessments.c.case_id == cases.c.id)
        .where(and_(column.is_not(None), column <= limit))
        .where(cases.c.status != CaseStatus.CLOSED.value)
        .order_by(column)
    )
    rows = conn.execute(query).all()
    return [
        DueItem(r.id, r.reference, r.title, r.due_at, Tier(r.final_tier), r.updated_by)
        for r in rows
    ]
