"""Domain records of the core: plain dataclasses and enums, no I/O."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class CaseStatus(enum.StrEnum):
    NEW = "new"
    TRIAGE = "triage"
    VERIFYING = "verifying"
    ASSESSING = "assessing"
    DECIDED = "decided"
    RESPONDED = "responded"
    CLOSED = "closed"


class Priority(enum.StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Category(enum.StrEnum):
    SELF_HARM = "self_harm"
    THREAT_TO_OTHERS = "threat_to_others"
    CHILD_AT_RISK = "child_at_risk"
    KIDNAPPING_MISSING = "kidnapping_missing"
    TERRORISM = "terrorism"
    OTHER = "other"


class Confidence(enum.StrEnum):
    CONFIRMED = "confirmed"
    SUSPECTED = "suspected"
    REFUTED = "refuted"


class ProvenanceKind(enum.StrEnum):
    MANUAL = "manual"
    SOURCE_RUN = "source_run"
    EVIDENCE = "evidence"
    IMPORT = "import"


RELIABILITY_GRADES = ("A", "B", "C", "D", "E", "F")
CREDIBILITY_GRADES = ("1", "2", "3", "4", "5", "6")


@dataclass(frozen=True)
class Provenance:
    """Where a fact came from: typed by hand, found by a source run, read from evidence."""

    kind: ProvenanceKind
    actor: str
    at: datetime
    ref: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Case:
    id: str
    reference: str
    title: str
    status: CaseStatus
    priority: Priority
    category: Category
    assignee: str | None
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    created_by: str
    description: str = ""


@dataclass(frozen=True)
class Entity:
    id: str
    case_id: str
    type: str
    value: str
    normalized: str
    label: str
    properties: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    created_by: str
    provenance: tuple[Provenance, ...] = field(default=())
    pos_x: float | None = None
    pos_y: float | None = None


@dataclass(frozen=True)
class Link:
    id: str
    case_id: str
    source_id: str
    target_id: str
    type: str
    confidence: Confidence
    reliability: str | None
    credibility: str | None
    properties: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    created_by: str
    provenance: tuple[Provenance, ...] = field(default=())

    @property
    def grading(self) -> str:
        """Admiralty code such as 'B2', or '' when ungraded."""
        return f"{self.reliability or ''}{self.credibility or ''}"


@dataclass(frozen=True)
class Evidence:
    id: str
    case_id: str
    sha256: str
    size: int
    filename: str
    mime_type: str
    description: str
    collected_by: str
    collected_at: datetime
    source_url: str | None
    metadata: dict[str, Any]
    sensitivity: str | None = None


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    case_id: str | None
    summary: dict[str, Any]
    prev_hash: str
    hash: str
