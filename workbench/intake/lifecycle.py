"""The escalation row that follows every case: created with the case, kept in step with its
status, priority, title and assignee, lifecycle timestamps stamped on status changes.

Called by `CaseRepository` inside the case's own transaction, so the queue never disagrees
with the case and the stamps are covered by the same audit event.

Stamping rules (DOMAIN.md section 1 milestones; each is the first time, except `closed_at`,
which a reopen clears):
- any move out of `new` stamps `triaged_at` (the first human action on the request);
- leaving `verifying` forwards stamps `verified_at` (also stamped when the verification
  panel's overall result becomes "verified");
- leaving `assessing` forwards stamps `assessed_at`;
- entering `decided`, `responded`, `closed` stamps `decided_at`, `responded_at`, `closed_at`.
`disclosed_at` is stamped when a disclosure is recorded, not by a status.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from workbench.intake.deadlines import default_policy
from workbench.model import CaseStatus
from workbench.store.schema import escalation_texts, escalations
from workbench.timeutil import to_iso

MIRRORED = ("reference", "title", "status", "priority", "category", "assignee")
ORDER = {status: index for index, status in enumerate(CaseStatus)}
SEARCH_FIELDS = (
    "reference",
    "title",
    "assignee",
    "agency",
    "unit",
    "country",
    "requester_name",
    "requester_email",
    "requester_phone",
    "requester_badge",
)


def compose_search_text(values: dict[str, Any], target_values: Iterable[str] = ()) -> str:
    """What the queue's filter box searches: one lower-cased line per case."""
    parts = [str(values.get(name) or "") for name in SEARCH_FIELDS]
    parts.extend(target_values)
    return " ".join(part for part in parts if part).casefold()


def milestones_for(old: CaseStatus, new: CaseStatus) -> tuple[list[str], list[str]]:
    """(milestones to stamp if unset, milestones to clear) for a status change."""
    stamp: list[str] = []
    clear: list[str] = []
    if old == new:
        return stamp, clear
    if old == CaseStatus.NEW:
        stamp.append("triaged_at")
    forward = ORDER[new] > ORDER[old]
    if forward and old == CaseStatus.VERIFYING:
        stamp.append("verified_at")
    if forward and old == CaseStatus.ASSESSING:
        stamp.append("assessed_at")
    own = {
        CaseStatus.DECIDED: "decided_at",
        CaseStatus.RESPONDED: "responded_at",
        CaseStatus.CLOSED: "closed_at",
    }.get(new)
    if own:
        stamp.append(own)
    if old == CaseStatus.CLOSED:
        clear.append("closed_at")
    return stamp, clear


def default_row(case_values: dict[str, Any]) -> dict[str, Any]:
    """The escalation row of a case nobody has filled in yet."""
    received = case_values["created_at"]
    deadline = default_policy().deadline_for(case_values["priority"], received)
    return {
        "case_id": case_values["id"],
        **{name: case_values.get(name) for name in MIRRORED},
        "is_open": int(case_values["status"] != CaseStatus.CLOSED.value),
        "received_at": received,
        "deadline_at": deadline,
        "deadline_manual": 0,
        "targets": [],
        "data_categories": [],
        "confidentiality_requested": 0,
        "report_emergency": 1,
        "report_accounts_specified": 0,
        "report_data_produced": 0,
        "report_content_produced": 0,
        "verification_result": "not_started",
        "search_text": compose_search_text(case_values),
        "created_at": received,
        "updated_at": received,
        "updated_by": case_values["created_by"],
        "closed_at": received if case_values["status"] == CaseStatus.CLOSED.value else None,
    }


def on_case_created(conn: Connection, case_values: dict[str, Any]) -> None:
    conn.execute(insert(escalations).values(**default_row(case_values)))
    conn.execute(
        insert(escalation_texts).values(
            case_id=case_values["id"],
            narrative="",
            at_risk="",
            info_recency="",
            why_urgent="",
            how_data_helps="",
            legal_process="",
        )
    )


def on_case_updated(
    conn: Connection,
    case_id: str,
    old: dict[str, Any],
    changed: dict[str, Any],
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Mirror the change; returns what else changed, for the case.update audit event."""
    row = conn.execute(select(escalations).where(escalations.c.case_id == case_id)).first()
    if row is None:  # a case from before this table existed and missed the back-fill
        case_values = {**old, **changed, "id": case_id, "created_at": now, "created_by": actor}
        on_case_created(conn, case_values)
        row = conn.execute(select(escalations).where(escalations.c.case_id == case_id)).one()
    values: dict[str, Any] = {k: v for k, v in changed.items() if k in MIRRORED}
    extra: dict[str, Any] = {}
    if "status" in changed:
        old_status, new_status = CaseStatus(old["status"]), CaseStatus(changed["status"])
        values["is_open"] = int(new_status != CaseStatus.CLOSED)
        stamp, clear = milestones_for(old_status, new_status)
        stamped = {name: now for name in stamp if getattr(row, name) is None}
        cleared = {name: None for name in clear if getattr(row, name) is not None}
        values.update(stamped)
        values.update(cleared)
        if stamped or cleared:
            extra["lifecycle"] = {
                **{k: to_iso(v) for k, v in stamped.items()},
                **{k: None for k in cleared},
            }
    if "priority" in changed and not row.deadline_manual:
        deadline = default_policy().deadline_for(changed["priority"], row.received_at)
        if deadline != row.deadline_at:
            values["deadline_at"] = deadline
            extra["deadline_at"] = to_iso(deadline)
    if "assignee" in changed:
        values["claimed_at"] = now if changed["assignee"] else None
    if {"title", "assignee", "reference"} & set(changed):
        merged = {**row._mapping, **values}
        targets = [str(t.get("normalized") or t.get("value")) for t in (row.targets or [])]
        values["search_text"] = compose_search_text(merged, targets)
    if values:
        values["updated_at"] = now
        values["updated_by"] = actor
        conn.execute(update(escalations).where(escalations.c.case_id == case_id).values(**values))
    return extra
