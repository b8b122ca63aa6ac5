"""An assessment as JSON (show, export) and as text for the terminal."""

from __future__ import annotations

from typing import Any

from workbench import __version__
from workbench.assess.approvals import Approval, ApprovalStatus, approval_status
from workbench.assess.decision import extended_expiry, preservation_expiry
from workbench.assess.model import UNANSWERED, record_to_json
from workbench.assess.repository import AssessmentRepository, SavedAssessment, snapshot_digest
from workbench.audit import iter_events
from workbench.errors import NotFoundError
from workbench.model import Case
from workbench.timeutil import to_iso, utcnow

EXPORT_FORMAT = "osint-workbench/assessment+json"
EXPORT_VERSION = 1


def _time(value: Any) -> str | None:
    return to_iso(value) if value is not None else None


def _approval_json(approval: Approval) -> dict[str, Any]:
    return {
        "approver": approval.approver,
        "approved_at": to_iso(approval.approved_at),
        "version": approval.version,
        "comment": approval.comment,
        "decision_digest": approval.decision_digest,
    }


def _status_json(status: ApprovalStatus) -> dict[str, Any]:
    return {
        "required": status.required,
        "reasons": list(status.reasons),
        "satisfied": status.satisfied,
        "summary": status.describe(),
        "approvals": [_approval_json(a) for a in status.approvals],
        "earlier_approvals": [_approval_json(a) for a in status.earlier],
    }


def _assessment_json(repo: AssessmentRepository, saved: SavedAssessment) -> dict[str, Any]:
    record = saved.record
    template = repo.templates.templates.get(record.template_id)
    policy = repo.policy_for(record)
    answers = []
    order = list(template.factors) if template else []
    for factor_id, answer in sorted(
        record.answers.items(),
        key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0]),
    ):
        factor = template.factors.get(factor_id) if template else None
        answers.append(
            {
                "factor": factor_id,
                "title": template.factor_title(factor_id) if template else factor_id,
                "value": answer.value,
                "value_label": factor.value_label(answer.value) if factor else answer.value,
                "recency": answer.recency.value if answer.recency else None,
                "notes": answer.notes,
                "evidence_ids": list(answer.evidence_ids),
                "entity_ids": list(answer.entity_ids),
            }
        )
    data = record_to_json(record)
    due = record.reassess_at is not None and record.reassess_at <= utcnow()
    return {
        "version": saved.version,
        "saved_by": saved.saved_by,
        "saved_at": to_iso(saved.saved_at),
        "created_by": saved.created_by,
        "created_at": to_iso(saved.created_at),
        "template": {
            "id": record.template_id,
            "version": record.template_version,
            "name": template.name if template else None,
        },
        "tracks": list(record.tracks),
        "assessor": record.context.assessor,
        "context": data["context"],
        "suggested_tier": saved.suggested.value,
        "final_tier": data["final_tier"],
        "override": record.final_tier is not None and record.final_tier is not saved.suggested,
        "tier_justification": record.tier_justification,
        "trace": list(saved.trace),
        "reassess_at": data["reassess_at"],
        "reassessment_due": due,
        "answers": answers,
        "decision": data["decision"],
        "preservation": {
            "started_at": _time(record.decision.preservation_started_at),
            "expires_at": _time(preservation_expiry(record.decision, policy)),
            "extension_would_expire_at": _time(extended_expiry(record.decision, policy)),
        },
        "approval": _status_json(approval_status(repo, saved.case_id)),
        "snapshot_sha256": saved.snapshot_sha256,
    }


def show_json(repo: AssessmentRepository, case: Case) -> dict[str, Any]:
    saved = repo.current(case.id)
    draft = repo.load_draft(case.id)
    return {
        "case": {"id": case.id, "reference": case.reference, "title": case.title},
        "assessment": _assessment_json(repo, saved) if saved else None,
        "versions": len(repo.history(case.id)),
        "draft": (
            {"saved_at": to_iso(draft.saved_at), "base_version": draft.base_version}
            if draft
            else None
        ),
    }


def show_text(repo: AssessmentRepository, case: Case) -> str:
    data = show_json(repo, case)
    lines = [f"{case.reference}  {case.title}"]
    item = data["assessment"]
    if item is None:
        lines.append("  No assessment saved yet.")
    else:
        saved = repo.require_current(case.id)
        template = repo.templates.templates.get(saved.record.template_id)
        tracks = ", ".join(
            template.tracks[t].label if template and t in template.tracks else t
            for t in item["tracks"]
        )
        lines += [
            f"  template:   {item['template']['id']} {item['template']['version']}   "
            f"tracks: {tracks}",
            f"  version:    {item['version']} saved {item['saved_at']} by {item['saved_by']}"
            f"   assessor: {item['assessor']}   ({data['versions']} versions)",
            f"  suggested:  {item['suggested_tier']}   final: {item['final_tier']}"
            + ("   (override)" if item["override"] else ""),
        ]
        if item["override"]:
            lines.append(f"  justification: {item['tier_justification']}")
        lines.append("  trace:")
        lines += [f"    - {line}" for line in item["trace"]]
        lines.append("  factors:")
        answered = [a for a in item["answers"] if a["value"] != UNANSWERED]
        for answer in answered:
            recency = f" ({answer['recency']})" if answer["recency"] else ""
            links = len(answer["evidence_ids"]) + len(answer["entity_ids"])
            linked = f" [{links} linked]" if links else ""
            lines.append(f"    {answer['title']}: {answer['value_label']}{recency}{linked}")
        if not answered:
            lines.append("    (none answered)")
        decision = item["decision"]
        lines.append(
            "  decision:   " + (", ".join(decision["options"]) if decision["options"] else "none")
        )
        if "emergency_disclosure" in decision["options"]:
            lines.append(
                f"  scope:      {', '.join(decision['disclosure_scope'])}   legal basis: "
                f"{', '.join(decision['legal_basis_ids']) or '-'}"
            )
        if item["preservation"]["started_at"]:
            lines.append(
                f"  preserved:  from {item['preservation']['started_at']} until "
                f"{item['preservation']['expires_at']}"
            )
        lines.append(f"  sign-off:   {item['approval']['summary']}")
        due = "  (DUE)" if item["reassessment_due"] else ""
        lines.append(f"  re-assess:  {item['reassess_at'] or '-'}{due}")
    if data["draft"]:
        lines.append(f"  unsaved draft of {repo.ws.actor} from {data['draft']['saved_at']}")
    return "\n".join(lines)


def export_json(repo: AssessmentRepository, case: Case) -> dict[str, Any]:
    """Everything a reviewer or court needs: current state, every version with its
    snapshot and changes, approvals and the assessment's audit events."""
    saved = repo.current(case.id)
    if saved is None:
        raise NotFoundError(f"Case {case.reference} has no saved assessment to export.")
    versions = []
    previous = 0
    for info in repo.history(case.id):
        snapshot = repo.version(case.id, info.version).snapshot
        versions.append(
            {
                "version": info.version,
                "saved_by": info.saved_by,
                "saved_at": to_iso(info.saved_at),
                "summary": info.summary,
                "changes": [c.text for c in repo.diff(case.id, previous, info.version)],
                "snapshot_sha256": info.snapshot_sha256,
                "intact": snapshot_digest(snapshot) == info.snapshot_sha256,
                "snapshot": snapshot,
            }
        )
        previous = info.version
    with repo.ws.read() as conn:
        events = [
            {
                "seq": event.seq,
                "at": to_iso(event.at),
                "actor": event.actor,
                "action": event.action,
                "summary": event.summary,
                "hash": event.hash,
            }
            for event in iter_events(conn, case.id)
            if event.object_type == "assessment"
        ]
    events.reverse()
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_VERSION,
        "generated_at": to_iso(utcnow()),
        "generated_by": repo.ws.actor,
        "tool": f"OSINT Workbench {__version__}",
        "case": {"id": case.id, "reference": case.reference, "title": case.title},
        "current": _assessment_json(repo, saved),
        "versions": versions,
        "audit": events,
    }
