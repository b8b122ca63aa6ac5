"""Reading a case for its report: one function per section, each returning plain JSON-ready
dicts (never ORM rows or domain objects), so that every format renders the same facts.

Sections read whatever the case holds. An empty section is reported as empty (the templates
print "none recorded"); a store error is raised, never swallowed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from email import policy
from email.parser import BytesParser
from typing import Any

from sqlalchemy import Connection, func, inspect, select

from workbench.audit import iter_events, verify_chain
from workbench.errors import NotFoundError
from workbench.store.schema import (
    custody_events,
    entities,
    evidence,
    evidence_details,
    links,
    provenance,
)
from workbench.store.workspace import Workspace
from workbench.timeutil import to_iso

AUDIT_EXCERPT = 60  # newest events of the case shown in the audit excerpt


def iso(value: datetime | None) -> str | None:
    return to_iso(value) if value is not None else None


# ---- cover ------------------------------------------------------------------------------------


def case_section(ws: Workspace, case_id: str) -> dict[str, Any]:
    case = ws.cases.get(case_id)
    return {
        "id": case.id,
        "reference": case.reference,
        "title": case.title,
        "description": case.description,
        "status": case.status.value,
        "priority": case.priority.value,
        "category": case.category.value,
        "assignee": case.assignee,
        "tags": list(case.tags),
        "created_at": iso(case.created_at),
        "created_by": case.created_by,
    }


# ---- escalation and verification ---------------------------------------------------------------


def escalation_section(ws: Workspace, case_id: str) -> dict[str, Any] | None:
    """The request as received, or None when nobody has filled it in."""
    from workbench.intake.model import CHANNEL_TEXT, DATA_CATEGORY_TEXT
    from workbench.intake.repository import EscalationRepository

    try:
        record = EscalationRepository(ws).get(case_id)
    except NotFoundError:
        return None
    esc = record.escalation
    filled = any((esc.requester_name, esc.agency, esc.requester_email, esc.targets, esc.narrative))
    if not filled:
        return None
    return {
        "channel": esc.channel.value,
        "channel_text": CHANNEL_TEXT[esc.channel],
        "received_at": iso(esc.received_at),
        "deadline_at": iso(record.deadline_at),
        "breached": record.breached(record.updated_at),
        "requester": {
            "name": esc.requester_name,
            "rank": esc.requester_rank,
            "badge": esc.requester_badge,
            "agency": esc.agency,
            "unit": esc.unit,
            "country": esc.country,
            "email": esc.requester_email,
            "phone": esc.requester_phone,
            "supervisor_name": esc.supervisor_name,
            "supervisor_contact": esc.supervisor_contact,
        },
        "targets": [
            {"kind": t.kind.value, "value": t.value, "entity_id": t.entity_id} for t in esc.targets
        ],
        "data_categories": [DATA_CATEGORY_TEXT[c] for c in esc.data_categories],
        "data_from": iso(esc.data_from),
        "data_to": iso(esc.data_to),
        "legal_basis_cited": esc.legal_basis,
        "jurisdiction_requester": esc.jurisdiction_requester,
        "jurisdiction_user": esc.jurisdiction_user,
        "confidentiality_requested": esc.confidentiality_requested,
        "message_id": esc.message_id,
        "source_evidence_id": esc.source_evidence_id,
        "texts": {
            "narrative": esc.narrative,
            "at_risk": esc.at_risk,
            "info_recency": esc.info_recency,
            "why_urgent": esc.why_urgent,
            "how_data_helps": esc.how_data_helps,
            "legal_process": esc.legal_process,
        },
        "lifecycle": {name: iso(value) for name, value in record.lifecycle.items()},
    }


def verification_section(ws: Workspace, case_id: str) -> dict[str, Any] | None:
    from workbench.intake.model import CHECK_RESULT_TEXT, OVERALL_TEXT
    from workbench.intake.verification import VerificationService

    try:
        status = VerificationService(ws).status(case_id)
    except NotFoundError:
        return None
    checks = [
        {
            "id": c.check_id,
            "label": c.label,
            "kind": c.kind,
            "key": c.key,
            "result": c.result.value if c.result else None,
            "result_text": CHECK_RESULT_TEXT[c.result] if c.result else "not done",
            "detail": c.detail,
            "actor": c.actor,
            "at": iso(c.at),
        }
        for c in status.checks
    ]
    return {
        "overall": status.overall.value,
        "overall_text": OVERALL_TEXT[status.overall],
        "warning": status.warning,
        "checks": checks,
        "done": sum(1 for c in checks if c["result"] is not None),
    }


# ---- graph ------------------------------------------------------------------------------------


def _provenance_by_object(conn: Connection, case_id: str) -> dict[str, list[dict[str, Any]]]:
    names = dict(
        conn.execute(
            select(evidence.c.id, evidence.c.filename).where(evidence.c.case_id == case_id)
        ).all()
    )
    result: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = conn.execute(
        select(provenance).where(provenance.c.case_id == case_id).order_by(provenance.c.id)
    )
    for row in rows:
        result[row.object_id].append(
            {
                "kind": row.kind,
                "actor": row.actor,
                "at": iso(row.at),
                "ref": row.ref,
                "evidence": names.get(row.ref) if row.ref else None,
                "note": row.note or "",
            }
        )
    return result


def graph_sections(
    ws: Workspace, case_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(entities, links) in insertion order, each with its provenance."""
    with ws.read() as conn:
        prov = _provenance_by_object(conn, case_id)
        entity_rows = [
            {
                "id": r.id,
                "type": r.type,
                "value": r.value,
                "label": r.label,
                "properties": dict(r.properties or {}),
                "created_by": r.created_by,
                "created_at": iso(r.created_at),
                "x": r.pos_x,
                "y": r.pos_y,
                "provenance": prov.get(r.id, []),
            }
            for r in conn.execute(
                select(entities).where(entities.c.case_id == case_id).order_by(entities.c.row_order)
            )
        ]
        link_rows = [
            {
                "id": r.id,
                "source_id": r.source_id,
                "target_id": r.target_id,
                "type": r.type,
                "confidence": r.confidence,
                "grading": f"{r.reliability or ''}{r.credibility or ''}",
                "properties": dict(r.properties or {}),
                "created_by": r.created_by,
                "created_at": iso(r.created_at),
                "provenance": prov.get(r.id, []),
            }
            for r in conn.execute(
                select(links).where(links.c.case_id == case_id).order_by(links.c.row_order)
            )
        ]
    return entity_rows, link_rows


# ---- evidence and custody -----------------------------------------------------------------------


def _has_tables(conn: Connection, *names: str) -> bool:
    inspector = inspect(conn)
    return all(inspector.has_table(name) for name in names)


def evidence_section(ws: Workspace, case_id: str) -> dict[str, Any]:
    """The evidence index with the custody summary of every item. `custody_available` is
    False on a workspace whose schema predates the custody log (the report says so)."""
    with ws.read() as conn:
        custody_available = _has_tables(conn, "custody_events", "evidence_details")
        details: dict[str, Any] = {}
        custody: dict[str, dict[str, Any]] = {}
        if custody_available:
            for row in conn.execute(
                select(evidence_details).where(evidence_details.c.case_id == case_id)
            ):
                details[row.evidence_id] = row
            for row in conn.execute(
                select(
                    custody_events.c.evidence_id,
                    custody_events.c.action,
                    custody_events.c.actor,
                    custody_events.c.at,
                )
                .where(custody_events.c.case_id == case_id)
                .order_by(custody_events.c.id)
            ):
                entry = custody.setdefault(
                    row.evidence_id, {"events": 0, "actions": {}, "last_at": None, "actors": []}
                )
                entry["events"] += 1
                entry["actions"][row.action] = entry["actions"].get(row.action, 0) + 1
                entry["last_at"] = iso(row.at)
                if row.actor not in entry["actors"]:
                    entry["actors"].append(row.actor)
        items = []
        for row in conn.execute(
            select(evidence)
            .where(evidence.c.case_id == case_id)
            .order_by(evidence.c.collected_at, evidence.c.id)
        ):
            detail = details.get(row.id)
            items.append(
                {
                    "id": row.id,
                    "filename": row.filename,
                    "sha256": row.sha256,
                    "size": int(row.size),
                    "mime_type": row.mime_type,
                    "description": row.description,
                    "source_url": row.source_url,
                    "sensitivity": row.sensitivity,
                    "collected_by": row.collected_by,
                    "collected_at": iso(row.collected_at),
                    "copy_type": detail.copy_type if detail is not None else None,
                    "parent_id": detail.parent_id if detail is not None else None,
                    "integrity": detail.integrity if detail is not None else None,
                    "checked_at": iso(detail.checked_at) if detail is not None else None,
                    "custody": custody.get(row.id, {"events": 0, "actions": {}, "actors": []}),
                }
            )
    return {"custody_available": custody_available, "items": items}


# ---- assessment and decision ------------------------------------------------------------------


def assessment_section(ws: Workspace, case_id: str) -> dict[str, Any] | None:
    """The current assessment as `workbench.assess.report` exports it, plus the legal bases
    of the decision spelled out; None when no assessment was saved."""
    from workbench.assess.legal import load_legal_bases
    from workbench.assess.report import show_json
    from workbench.assess.repository import AssessmentRepository

    repo = AssessmentRepository(ws)
    data = show_json(repo, ws.cases.get(case_id))
    item = data["assessment"]
    if item is None:
        return None
    legal = load_legal_bases()
    bases = []
    for basis_id in item["decision"]["legal_basis_ids"]:
        basis = legal.find(basis_id)
        bases.append(
            {
                "id": basis_id,
                "citation": basis.citation if basis else basis_id,
                "label": basis.label if basis else "(not in the current legal-basis list)",
                "jurisdiction": basis.jurisdiction if basis else "",
            }
        )
    item["legal_bases"] = bases
    item["versions"] = data["versions"]
    return dict(item)


# ---- communications ---------------------------------------------------------------------------


def communications_section(
    ws: Workspace, case_id: str, escalation: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Messages of the case: the request as received (its original e-mail when kept) and the
    letters generated by the workbench (from the audit log)."""
    messages: list[dict[str, Any]] = []
    source_id = escalation.get("source_evidence_id") if escalation else None
    if source_id:
        item = ws.evidence.get(source_id)
        if item.mime_type == "message/rfc822":
            parsed = BytesParser(policy=policy.default).parsebytes(ws.evidence.read(source_id))
            body = parsed.get_body(preferencelist=("plain", "html"))
            messages.append(
                {
                    "direction": "in",
                    "at": escalation.get("received_at") if escalation else None,
                    "from": str(parsed.get("From", "")),
                    "to": str(parsed.get("To", "")),
                    "subject": str(parsed.get("Subject", "")),
                    "body": body.get_content().strip() if body is not None else "",
                    "evidence_id": source_id,
                }
            )
    with ws.read() as conn:
        for event in iter_events(conn, case_id):
            if event.action == "letter.generate":
                messages.append(
                    {
                        "direction": "out",
                        "at": to_iso(event.at),
                        "from": event.actor,
                        "to": str(event.summary.get("recipient", "")),
                        "subject": f"{event.summary.get('kind', '')} letter "
                        f"({event.summary.get('lang', '')})",
                        "body": "",
                        "manifest_sha256": event.summary.get("manifest_sha256"),
                    }
                )
    messages.sort(key=lambda m: m["at"] or "")
    return messages


# ---- audit ------------------------------------------------------------------------------------

KEY_ACTIONS = {
    "case.create": "Case created",
    "case.bulk_create": "Case created (import)",
    "case.update": "Case updated",
    "escalation.update": "Escalation record saved",
    "escalation.import": "Request imported",
    "escalation.deadline": "Deadline changed",
    "escalation.disclosed": "Disclosure recorded",
    "escalation.merged_into": "Merged into another case",
    "verification.auto": "Automatic verification run",
    "verification.manual": "Manual verification check recorded",
    "assessment.save": "Assessment saved",
    "assessment.approve": "Decision approved (second approver)",
    "assessment.approval_refused": "Approval refused",
    "evidence.collect": "Evidence collected",
    "evidence.disclose": "Evidence disclosed",
    "evidence.export": "Evidence exported",
    "report.generate": "Case report generated",
    "letter.generate": "Response letter generated",
}


def audit_section(ws: Workspace, case_id: str) -> dict[str, Any]:
    """Chain verification over the whole workspace, the case's event count, the newest
    events, and the key events for the timeline."""
    from workbench.store.schema import audit_events

    with ws.read() as conn:
        chain = verify_chain(conn)
        total = int(
            conn.execute(
                select(func.count())
                .select_from(audit_events)
                .where(audit_events.c.case_id == case_id)
            ).scalar_one()
        )
        excerpt: list[dict[str, Any]] = []
        key_events: list[dict[str, Any]] = []
        for event in iter_events(conn, case_id):
            if len(excerpt) < AUDIT_EXCERPT:
                excerpt.append(
                    {
                        "seq": event.seq,
                        "at": to_iso(event.at),
                        "actor": event.actor,
                        "action": event.action,
                        "object_type": event.object_type,
                        "object_id": event.object_id,
                        "hash": event.hash,
                    }
                )
            if event.action in KEY_ACTIONS:
                key_events.append(
                    {
                        "at": to_iso(event.at),
                        "actor": event.actor,
                        "action": event.action,
                        "what": KEY_ACTIONS[event.action],
                        "detail": _event_detail(event.action, event.summary),
                    }
                )
    key_events.reverse()
    return {
        "chain": {
            "ok": chain.ok,
            "checked": chain.checked,
            "first_bad_seq": chain.first_bad_seq,
            "text": chain.describe(),
        },
        "case_events": total,
        "excerpt": excerpt,
        "key_events": key_events,
    }


def _event_detail(action: str, summary: dict[str, Any]) -> str:
    """A short, non-personal detail line: status changes, counts, versions, profiles."""
    if action == "case.update":
        changes = summary.get("changes") or summary.get("after") or {}
        before = summary.get("before") or {}
        if isinstance(changes, dict) and "status" in changes:
            return f"status {before.get('status', '?')} -> {changes['status']}"
        return ""
    if action == "assessment.save":
        parts = [f"version {summary.get('version', '?')}"]
        if summary.get("final_tier"):
            parts.append(f"tier {summary['final_tier']}")
        return ", ".join(parts)
    if action in ("report.generate", "letter.generate"):
        return " ".join(
            str(summary[k]) for k in ("kind", "profile", "format", "lang") if summary.get(k)
        )
    if action.startswith("verification."):
        check = summary.get("check")
        return f"{check}: {summary.get('result')}" if check else str(summary.get("overall") or "")
    return ""
