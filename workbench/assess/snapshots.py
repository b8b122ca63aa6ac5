"""Saved versions of an assessment: the snapshot format, its digest, and reading versions back.

Every save appends a full JSON snapshot (the record and the evaluation it was saved with) to
`assessment_versions`, with the SHA-256 of its canonical JSON, so an altered snapshot shows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from workbench.assess.model import AssessmentRecord, Tier, record_from_json
from workbench.assess.rules import TierResult
from workbench.audit import canonical_json
from workbench.errors import NotFoundError
from workbench.store.schema import assessment_versions
from workbench.timeutil import to_iso

SNAPSHOT_FORMAT = "osint-workbench/assessment-snapshot"
SNAPSHOT_VERSION = 1


@dataclass(frozen=True)
class SavedAssessment:
    assessment_id: str
    case_id: str
    version: int
    saved_by: str
    saved_at: datetime
    created_by: str
    created_at: datetime
    record: AssessmentRecord
    suggested: Tier
    trace: tuple[str, ...]
    snapshot: dict[str, Any]
    snapshot_sha256: str


@dataclass(frozen=True)
class VersionInfo:
    version: int
    saved_by: str
    saved_at: datetime
    summary: str
    suggested_tier: str
    final_tier: str
    snapshot_sha256: str
    intact: bool


def snapshot_digest(snapshot: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest()


def make_snapshot(
    version: int,
    actor: str,
    now: datetime,
    record_json: dict[str, Any],
    result: TierResult,
) -> dict[str, Any]:
    return {
        "format": SNAPSHOT_FORMAT,
        "format_version": SNAPSHOT_VERSION,
        "version": version,
        "saved_by": actor,
        "saved_at": to_iso(now),
        "record": record_json,
        "evaluation": result.to_json(),
    }


def read_version(conn: Connection, row: Any, number: int) -> SavedAssessment:
    """Version `number` of the assessment in `row` (a row of `assessments`)."""
    version_row = conn.execute(
        select(assessment_versions).where(
            and_(
                assessment_versions.c.assessment_id == row.id,
                assessment_versions.c.version == number,
            )
        )
    ).first()
    if version_row is None:
        raise NotFoundError(
            f"The assessment has no version {number}; versions 1..{row.version} exist."
        )
    snapshot = dict(version_row.snapshot)
    evaluation = snapshot.get("evaluation") or {}
    return SavedAssessment(
        assessment_id=row.id,
        case_id=row.case_id,
        version=number,
        saved_by=version_row.saved_by,
        saved_at=version_row.saved_at,
        created_by=row.created_by,
        created_at=row.created_at,
        record=record_from_json(snapshot["record"], f"assessment version {number}"),
        suggested=Tier(evaluation.get("suggested", Tier.T4.value)),
        trace=tuple(evaluation.get("trace") or ()),
        snapshot=snapshot,
        snapshot_sha256=version_row.snapshot_sha256,
    )


def read_history(conn: Connection, case_id: str) -> list[VersionInfo]:
    """Every version of a case's assessment, oldest first."""
    rows = conn.execute(
        select(assessment_versions)
        .where(assessment_versions.c.case_id == case_id)
        .order_by(assessment_versions.c.version)
    ).all()
    infos = []
    for row in rows:
        snapshot = dict(row.snapshot)
        evaluation = snapshot.get("evaluation") or {}
        infos.append(
            VersionInfo(
                version=row.version,
                saved_by=row.saved_by,
                saved_at=row.saved_at,
                summary=row.summary,
                suggested_tier=str(evaluation.get("suggested", "")),
                final_tier=str(snapshot["record"].get("final_tier") or ""),
                snapshot_sha256=row.snapshot_sha256,
                intact=snapshot_digest(snapshot) == row.snapshot_sha256,
            )
        )
    return infos
