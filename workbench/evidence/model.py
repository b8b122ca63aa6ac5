"""Records of the evidence locker (no I/O): details, custody events, links to the graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class CopyType(StrEnum):
    ORIGINAL = "original"
    WORKING = "working"
    PRODUCTION = "production"


class EvidenceKind(StrEnum):
    FILE = "file"
    WEB_CAPTURE = "web_capture"
    DERIVED = "derived"


class Integrity(StrEnum):
    UNVERIFIED = "unverified"
    OK = "ok"
    MISMATCH = "mismatch"
    MISSING = "missing"

    @property
    def blocks_export(self) -> bool:
        return self in (Integrity.MISMATCH, Integrity.MISSING)


class CustodyAction(StrEnum):
    """What can happen to an item (DOMAIN.md section 5)."""

    COLLECT = "collect"
    HASH = "hash"
    VIEW = "view"
    REVEAL = "reveal"
    COPY = "copy"
    EXPORT = "export"
    TRANSFER = "transfer"
    DISCLOSE = "disclose"
    SEAL = "seal"
    DELETE_REQUEST = "delete_request"
    VERIFY = "verify"


class EvidenceRelation(StrEnum):
    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"
    MENTIONS = "mentions"


@dataclass(frozen=True)
class EvidenceDetails:
    evidence_id: str
    case_id: str
    kind: EvidenceKind
    copy_type: CopyType
    parent_id: str | None
    derivation: str | None
    integrity: Integrity
    integrity_detail: str
    checked_at: datetime | None
    has_thumbnail: bool = False


@dataclass(frozen=True)
class CustodyEvent:
    id: int
    evidence_id: str
    case_id: str
    at: datetime
    actor: str
    action: CustodyAction
    purpose: str
    hash_before: str | None
    hash_after: str | None
    integrity: str | None
    audit_seq: int
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EvidenceLink:
    """Evidence `relation` an entity or a link; `label` names the graph element ("" if it
    was deleted since)."""

    id: str
    case_id: str
    evidence_id: str
    object_type: str  # entity | link
    object_id: str
    relation: EvidenceRelation
    note: str
    created_by: str
    created_at: datetime
    label: str = ""
    evidence_filename: str = ""
