"""Fictional queue data at scale, for benchmarks and the queue's UI tests.

Writes cases and their escalation rows with the bulk path (one transaction and one audit
event per batch), because 100k single creates would spend minutes in fsync. Every name is
fictional; domains use the reserved `.example` TLD.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from workbench.audit import PendingEvent, append_event
from workbench.intake.deadlines import default_policy
from workbench.intake.lifecycle import compose_search_text, default_row
from workbench.model import CaseStatus, Category, Priority
from workbench.store.bulk import bulk_insert
from workbench.store.rows import new_id
from workbench.store.schema import cases, escalation_texts, escalations
from workbench.timeutil import utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

AGENCIES = [
    ("Harbour Police", "GB", "harbour-police.example"),
    ("Metro Police Department", "US", "metro-pd.example"),
    ("Polícia Civil do Estado", "BR", "policia-civil.example"),
    ("Policía Nacional", "ES", "policia-nacional.example"),
    ("県警察本部", "JP", "kenkei.example"),
    ("Gendarmerie régionale", "FR", "gendarmerie.example"),
]
ASSIGNEES = [None, None, "alice", "bob", "carol", "dmitri", "eiko"]
STATUSES = [s.value for s in CaseStatus if s != CaseStatus.CLOSED]
CATEGORIES = [c.value for c in Category]


def add_cases(
    ws: Workspace,
    count: int,
    *,
    closed_share: float = 0.0,
    seed: int = 7,
    batch: int = 10_000,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> int:
    """Add `count` fictional open (and `closed_share` closed) cases; returns how many."""
    rng = random.Random(seed)
    now = now or utcnow()
    policy = default_policy()
    done = 0
    year = now.year
    while done < count:
        size = min(batch, count - done)
        case_rows: list[dict[str, Any]] = []
        escalation_rows: list[dict[str, Any]] = []
        text_rows: list[dict[str, Any]] = []
        with ws.write() as conn:
            prefix = f"WB-{year}-"
            existing = conn.execute(
                select(func.count()).select_from(cases).where(cases.c.reference.like(prefix + "%"))
            ).scalar_one()
            for offset in range(size):
                index = done + offset
                agency, country, domain = AGENCIES[rng.randrange(len(AGENCIES))]
                priority = rng.choice(list(Priority)).value
                status = (
                    CaseStatus.CLOSED.value if rng.random() < closed_share else rng.choice(STATUSES)
                )
                received = now - timedelta(minutes=rng.randrange(0, 3 * 24 * 60))
                case_id = new_id()
                values: dict[str, Any] = {
                    "id": case_id,
                    "reference": f"{prefix}{existing + offset + 1:06d}",
                    "title": f"Request {index}: account user_{index} ({agency})",
                    "description": "Fictional benchmark case.",
                    "status": status,
                    "priority": priority,
                    "category": rng.choice(CATEGORIES),
                    "assignee": rng.choice(ASSIGNEES),
                    "tags": [],
                    "created_by": ws.actor,
                    "created_at": received,
                    "updated_at": received,
                }
                case_rows.append(values)
                row = default_row(values)
                officer = f"Officer {index}"
                email = f"officer{index}@{domain}"
                row.update(
                    channel="email",
                    requester_name=officer,
                    requester_email=email,
                    requester_domain=domain,
                    agency=agency,
                    country=country,
                    deadline_at=policy.deadline_for(priority, received),
                    targets=[{"kind": "username", "value": f"user_{index}"}],
                )
                row["search_text"] = compose_search_text(row, [f"account:user_{index}"])
                for name in (
                    "requester_rank",
                    "requester_badge",
                    "unit",
                    "requester_phone",
                    "supervisor_name",
                    "supervisor_contact",
                    "data_from",
                    "data_to",
                    "legal_basis",
                    "jurisdiction_requester",
                    "jurisdiction_user",
                    "legal_process_evidence_id",
                    "portal_account_verified",
                    "message_id",
                    "source_evidence_id",
                    "source_ref",
                    "claimed_at",
                    "triaged_at",
                    "verified_at",
                    "assessed_at",
                    "decided_at",
                    "disclosed_at",
                    "responded_at",
                    "merged_into",
                ):
                    row.setdefault(name, None)
                escalation_rows.append(row)
                text_rows.append(
                    {
                        "case_id": case_id,
                        "narrative": f"Fictional narrative {index}.",
                        "at_risk": "",
                        "info_recency": "",
                        "why_urgent": "",
                        "how_data_helps": "",
                        "legal_process": "",
                    }
                )
            bulk_insert(conn, cases, case_rows)
            bulk_insert(conn, escalations, escalation_rows)
            bulk_insert(conn, escalation_texts, text_rows)
            digest = hashlib.sha256(
                "\n".join(
                    f"{r['id']}\x1f{r['reference']}\x1f{r['title']}" for r in case_rows
                ).encode()
            ).hexdigest()
            append_event(
                conn,
                ws.actor,
                PendingEvent(
                    "case.bulk_create",
                    "case",
                    case_rows[0]["id"],
                    None,
                    {
                        "count": len(case_rows),
                        "first_id": case_rows[0]["id"],
                        "last_id": case_rows[-1]["id"],
                        "rows_sha256": digest,
                        "source": "synthetic",
                    },
                ),
            )
        done += size
        if progress is not None:
            progress(done)
    return done
