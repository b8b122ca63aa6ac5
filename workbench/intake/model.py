"""The escalation (emergency request) record of DOMAIN.md section 1, and its vocabulary.

Plain frozen dataclasses and enums, no I/O. The emergency nature is the case's category
(`workbench.model.Category`); data categories are the assessment module's, so a request and
its disclosure decision speak the same words.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from workbench.model import CaseStatus, Category, Priority


class Channel(enum.StrEnum):
    PORTAL = "portal"
    EMAIL = "email"
    PHONE = "phone"
    INTERNAL = "internal"
    PROACTIVE = "proactive"


CHANNEL_TEXT = {
    Channel.PORTAL: "Official portal",
    Channel.EMAIL: "E-mail",
    Channel.PHONE: "Phone",
    Channel.INTERNAL: "Internal escalation",
    Channel.PROACTIVE: "Proactive referral",
}


class TargetKind(enum.StrEnum):
    """How a target account was identified in the request, as given."""

    USERNAME = "username"
    USER_ID = "user_id"
    PROFILE_URL = "profile_url"
    PHONE = "phone"
    EMAIL = "email"
    CONTENT_URL = "content_url"


TARGET_ENTITY_TYPE = {
    TargetKind.USERNAME: "account",
    TargetKind.USER_ID: "account",
    TargetKind.PROFILE_URL: "url",
    TargetKind.PHONE: "phone",
    TargetKind.EMAIL: "email",
    TargetKind.CONTENT_URL: "url",
}


class DataCategory(enum.StrEnum):
    """Data a request asks for, narrowest first (same values as workbench.assess)."""

    BASIC_SUBSCRIBER_INFO = "basic_subscriber_info"
    IP_LOGIN_RECORDS = "ip_login_records"
    DEVICE = "device"
    LOCATION = "location"
    NON_CONTENT_METADATA = "non_content_metadata"
    CONTENT = "content"


DATA_CATEGORY_TEXT = {
    DataCategory.BASIC_SUBSCRIBER_INFO: "Basic subscriber info",
    DataCategory.IP_LOGIN_RECORDS: "IP / log-in records",
    DataCategory.DEVICE: "Device",
    DataCategory.LOCATION: "Location",
    DataCategory.NON_CONTENT_METADATA: "Non-content metadata",
    DataCategory.CONTENT: "Content",
}


class CheckResult(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    SKIPPED_FOR_URGENCY = "skipped_for_urgency"


CHECK_RESULT_TEXT = {
    CheckResult.PASS: "Pass",
    CheckResult.FAIL: "FAIL",
    CheckResult.NOT_APPLICABLE: "Not applicable",
    CheckResult.SKIPPED_FOR_URGENCY: "Skipped for urgency",
}


class OverallResult(enum.StrEnum):
    NOT_STARTED = "not_started"
    INCOMPLETE = "incomplete"
    VERIFIED = "verified"
    SKIPPED_FOR_URGENCY = "skipped_for_urgency"
    FAILED = "failed"


OVERALL_TEXT = {
    OverallResult.NOT_STARTED: "Not started",
    OverallResult.INCOMPLETE: "Incomplete: manual checks outstanding",
    OverallResult.VERIFIED: "Verified",
    OverallResult.SKIPPED_FOR_URGENCY: "Proceeding unverified (urgency)",
    OverallResult.FAILED: "FAILED: do not disclose until resolved",
}

AUTH_WARNING = (
    "Passing SPF, DKIM and DMARC only shows that the message left the sending domain's own "
    "mail system. It does not prove the request is genuine: hijacked real police mailboxes "
    "pass all three (the 2021-22 fake emergency requests did). Confirm by calling back on a "
    "number you found independently, never the one in the request."
)

# Lifecycle milestones in workflow order (DOMAIN.md section 1).
MILESTONES = (
    "received_at",
    "triaged_at",
    "verified_at",
    "assessed_at",
    "decided_at",
    "disclosed_at",
    "responded_at",
    "closed_at",
)
WORKFLOW = tuple(CaseStatus)


@dataclass(frozen=True)
class Target:
    """An account identifier as the requester gave it; `entity_id` once it is in the graph."""

    kind: TargetKind
    value: str
    normalized: str = ""
    entity_id: str | None = None
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "value": self.value,
            "normalized": self.normalized,
            "entity_id": self.entity_id,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Target:
        return cls(
            TargetKind(data["kind"]),
            str(data["value"]),
            str(data.get("normalized") or ""),
            data.get("entity_id"),
            str(data.get("note") or ""),
        )


@dataclass(frozen=True)
class Lifecycle:
    received_at: datetime
    triaged_at: datetime | None = None
    verified_at: datetime | None = None
    assessed_at: datetime | None = None
    decided_at: datetime | None = None
    disclosed_at: datetime | None = None
    responded_at: datetime | None = None
    closed_at: datetime | None = None

    def items(self) -> list[tuple[str, datetime | None]]:
        return [(name, getattr(self, name)) for name in MILESTONES]


@dataclass(frozen=True)
class ReportingTags:
    """Transparency-report categories (DOMAIN.md section 1)."""

    emergency: bool = True
    accounts_specified: bool = False
    data_produced: bool = False
    content_produced: bool = False


@dataclass(frozen=True)
class Escalation:
    """What the requester told us. Everything optional except channel and received-at: a
    missing field is itself a verification signal, which `rules.problems()` reports."""

    channel: Channel
    received_at: datetime
    # requester
    requester_name: str = ""
    requester_rank: str = ""
    requester_badge: str = ""
    agency: str = ""
    unit: str = ""
    country: str = ""
    requester_email: str = ""
    requester_phone: str = ""
    supervisor_name: str = ""
    supervisor_contact: str = ""
    # emergency (the nature is the case category)
    emergency_nature: Category | None = None
    at_risk: str = ""
    info_recency: str = ""
    why_urgent: str = ""
    how_data_helps: str = ""
    narrative: str = ""
    # targets and data
    targets: tuple[Target, ...] = ()
    data_categories: tuple[DataCategory, ...] = ()
    data_from: datetime | None = None
    data_to: datetime | None = None
    # legal
    legal_basis: str = ""
    jurisdiction_requester: str = ""
    jurisdiction_user: str = ""
    legal_process: str = ""
    legal_process_evidence_id: str | None = None
    confidentiality_requested: bool = False
    # provenance of the request
    portal_account_verified: bool | None = None
    message_id: str = ""
    source_evidence_id: str | None = None
    source_ref: str = ""

    def with_changes(self, **changes: Any) -> Escalation:
        return replace(self, **changes)


EDITABLE_FIELDS = tuple(
    f.name for f in fields(Escalation) if f.name not in ("source_evidence_id", "source_ref")
)


@dataclass(frozen=True)
class EscalationRecord:
    """A stored escalation with its case state, lifecycle and deadline."""

    case_id: str
    reference: str
    title: str
    status: CaseStatus
    priority: Priority
    assignee: str | None
    claimed_at: datetime | None
    escalation: Escalation
    lifecycle: Lifecycle
    deadline_at: datetime | None
    deadline_manual: bool
    reporting: ReportingTags
    verification_result: OverallResult
    merged_into: str | None
    updated_at: datetime
    updated_by: str

    def breached(self, now: datetime) -> bool:
        """The response deadline passed before the case was responded to or closed."""
        if self.deadline_at is None:
            return False
        stopped = self.lifecycle.responded_at or self.lifecycle.closed_at
        return (stopped or now) > self.deadline_at


@dataclass(frozen=True)
class FieldProblem:
    """A field that is missing or malformed; `severity` is "error" (blocks saving from the
    form), or "warning"."""

    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class CheckOutcome:
    """One verification check's result, as computed or recorded."""

    check_id: str
    label: str
    kind: str  # auto | manual
    result: CheckResult | None  # None: not done yet
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    evidence_id: str | None = None
    actor: str = ""
    at: datetime | None = None
    key: bool = False
