"""The report context: ONE plain, JSON-ready dict built from the case, redacted for its
profile, with a manifest hash over its canonical JSON. Every format renders this dict; none
reads the database itself, so what the JSON says is what the PDF shows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workbench import __version__
from workbench.audit import canonical_json
from workbench.errors import ValidationError
from workbench.report import sections as read
from workbench.report.graphsvg import picture
from workbench.report.redact import PROFILE_TEXT, PROFILES, RedactionPolicy, redact
from workbench.report.templates import LANGS, template_path
from workbench.store.workspace import Workspace
from workbench.timeutil import to_iso, utcnow

FORMAT = "osint-workbench/case-report+json"
FORMAT_VERSION = 1
DEFAULT_MARKING = "TLP:AMBER+STRICT"
SECTIONS = (
    "escalation",
    "verification",
    "timeline",
    "graph",
    "entities",
    "links",
    "evidence",
    "assessment",
    "decision",
    "communications",
    "audit",
)
MILESTONE_TEXT = {
    "received_at": "Request received",
    "triaged_at": "Triaged",
    "verified_at": "Requester verified",
    "assessed_at": "Assessment completed",
    "decided_at": "Decision taken",
    "disclosed_at": "Data disclosed",
    "responded_at": "Response sent",
    "closed_at": "Case closed",
}


@dataclass(frozen=True)
class ReportOptions:
    profile: str = "internal"
    lang: str = "en"
    sections: tuple[str, ...] = SECTIONS
    marking: str | None = None  # None: the case's TLP tag, else DEFAULT_MARKING
    zone: str | None = None  # IANA zone for "generated at"; None: this machine's zone
    now: datetime | None = field(default=None, compare=False)

    def checked(self) -> ReportOptions:
        if self.profile not in PROFILES:
            raise ValidationError(
                f"Unknown report profile {self.profile!r}; use one of {', '.join(PROFILES)}."
            )
        if self.lang not in LANGS:
            raise ValidationError(f"Unknown language {self.lang!r}; use one of {', '.join(LANGS)}.")
        unknown = [s for s in self.sections if s not in SECTIONS]
        if unknown:
            raise ValidationError(
                f"Unknown report section(s) {', '.join(unknown)}; valid: {', '.join(SECTIONS)}."
            )
        return self


def parse_sections(text: str | None) -> tuple[str, ...]:
    """`a,b,c` from the command line; empty or None means every section."""
    if not text:
        return SECTIONS
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _zone(name: str | None) -> Any:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"Unknown time zone {name!r}; give an IANA name such as Europe/London or Asia/Tokyo."
        ) from None


def _local_text(moment: datetime, zone_name: str | None) -> str:
    local = moment.astimezone(_zone(zone_name))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''} (UTC{offset[:3]}:{offset[3:]})".replace(
        "  ", " "
    )


def _marking(case: dict[str, Any], options: ReportOptions) -> str:
    if options.marking:
        return options.marking
    for tag in case["tags"]:
        if tag.upper().startswith("TLP:"):
            return str(tag.upper())
    return DEFAULT_MARKING


def _timeline(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    esc = data.get("escalation")
    if esc:
        for name, at in esc["lifecycle"].items():
            if at:
                rows.append({"at": at, "what": MILESTONE_TEXT[name], "actor": "", "detail": ""})
        if esc["deadline_at"]:
            rows.append(
                {
                    "at": esc["deadline_at"],
                    "what": "Response deadline",
                    "actor": "",
                    "detail": "breached" if esc["breached"] else "",
                }
            )
    for event in data["audit"]["key_events"]:
        rows.append(
            {
                "at": event["at"],
                "what": event["what"],
                "actor": event["actor"],
                "detail": event["detail"],
            }
        )
    rows.sort(key=lambda row: row["at"])
    return rows


def gather(ws: Workspace, case_id: str) -> dict[str, Any]:
    """Everything the case holds, before redaction."""
    case = read.case_section(ws, case_id)
    escalation = read.escalation_section(ws, case_id)
    entities, links = read.graph_sections(ws, case_id)
    return {
        "case": case,
        "escalation": escalation,
        "verification": read.verification_section(ws, case_id),
        "entities": entities,
        "links": links,
        "evidence": read.evidence_section(ws, case_id),
        "assessment": read.assessment_section(ws, case_id),
        "communications": read.communications_section(ws, case_id, escalation),
        "audit": read.audit_section(ws, case_id),
    }


def build_context(ws: Workspace, case_id: str, options: ReportOptions) -> dict[str, Any]:
    options = options.checked()
    data = gather(ws, case_id)
    policy = RedactionPolicy.load(template_path("report", "redaction.toml"))
    notes = redact(data, options.profile, ws.actor, policy)
    names = {e["id"]: e["label"] for e in data["entities"]}
    for link in data["links"]:
        link["source_label"] = names.get(link["source_id"], link["source_id"])
        link["target_label"] = names.get(link["target_id"], link["target_id"])
    now = options.now or utcnow()
    case = data["case"]
    assessment = data["assessment"]
    context: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "cover": {
            "case_id": case["id"],
            "reference": case["reference"],
            "title": case["title"],
            "status": case["status"],
            "priority": case["priority"],
            "category": case["category"],
            "marking": _marking(case, options),
            "profile": options.profile,
            "profile_text": PROFILE_TEXT[options.profile],
            "lang": options.lang,
            "generated_at": to_iso(now),
            "generated_at_local": _local_text(now, options.zone),
            "generated_by": ws.actor,
            "tool": f"OSINT Workbench {__version__}",
        },
        "case": case,
        "sections": list(options.sections),
        "redaction_notes": notes,
    }
    chosen = set(options.sections)
    if "escalation" in chosen:
        context["escalation"] = data["escalation"]
    if "verification" in chosen:
        context["verification"] = data["verification"]
    if "timeline" in chosen:
        context["timeline"] = _timeline(data)
    if "graph" in chosen:
        context["graph"] = picture(data["entities"], data["links"])
    if "entities" in chosen:
        context["entities"] = data["entities"]
    if "links" in chosen:
        context["links"] = data["links"]
    if "evidence" in chosen:
        context["evidence"] = data["evidence"]
    if "assessment" in chosen:
        context["assessment"] = (
            None if assessment is None or assessment.get("le_only") else assessment
        )
    if "decision" in chosen:
        context["decision"] = _decision(assessment)
    if "communications" in chosen:
        context["communications"] = data["communications"]
    if "audit" in chosen:
        context["audit"] = data["audit"]
    context["counts"] = {
        "entities": len(data["entities"]),
        "links": len(data["links"]),
        "evidence": len(data["evidence"]["items"]),
    }
    context["manifest"] = manifest(context)
    return context


def _decision(assessment: dict[str, Any] | None) -> dict[str, Any] | None:
    """The decision and its approvals, in the same shape for every profile."""
    if assessment is None:
        return None
    decision = assessment["decision"]
    approval = assessment["approval"]
    if assessment.get("le_only"):
        approvals = [
            {"approver": "", "approved_at": at, "comment": ""} for at in approval["approved_at"]
        ]
        summary = "Approved" if approval["satisfied"] and approvals else ""
    else:
        approvals = approval["approvals"]
        summary = approval["summary"]
    return {
        "options": decision["options"],
        "disclosure_scope": decision["disclosure_scope"],
        "jurisdiction": decision["jurisdiction"],
        "legal_bases": assessment["legal_bases"],
        "user_notice": decision.get("user_notice", ""),
        "user_notice_reason": decision.get("user_notice_reason", ""),
        "rationale": decision.get("rationale", ""),
        "escalate_to": decision.get("escalate_to", ""),
        "helpline_language": decision.get("helpline_language", ""),
        "preservation": assessment["preservation"],
        "approval_required": approval["required"],
        "approval_satisfied": approval["satisfied"],
        "approval_summary": summary,
        "approvals": approvals,
        "version": assessment["version"],
        "saved_at": assessment["saved_at"],
    }


def manifest(context: dict[str, Any]) -> dict[str, str]:
    """SHA-256 over the canonical JSON of the context without its manifest field."""
    body = {key: value for key, value in context.items() if key != "manifest"}
    digest = hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()
    return {
        "algorithm": "sha256",
        "covers": "canonical JSON (sorted keys, no spaces, UTF-8) of this report without "
        "its manifest field",
        "sha256": digest,
    }


def verify_manifest(context: dict[str, Any]) -> bool:
    """True when a report JSON still matches its manifest hash."""
    return bool(context.get("manifest", {}).get("sha256") == manifest(context)["sha256"])
