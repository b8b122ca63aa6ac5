"""Tables of a workspace, in SQLAlchemy Core with portable types only (SQLite now, PostgreSQL next).

The Alembic migrations in `workbench/store/migrations/versions` create exactly these tables;
`tests/store/test_migrations.py` checks that the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone, PostgreSQL would shift it."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use workbench.timeutil.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 36  # uuid4 text

workspace_meta = Table(
    "workspace_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("reference", String(32), nullable=False, unique=True),
    Column("title", String(500), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("status", String(20), nullable=False),
    Column("priority", String(4), nullable=False),
    Column("category", String(40), nullable=False),
    Column("assignee", String(200)),
    Column("tags", JSON, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

entities = Table(
    "entities",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("type", String(40), nullable=False),
    Column("value", Text, nullable=False),
    Column("normalized", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("properties", JSON, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("pos_x", Float),
    Column("pos_y", Float),
    Column("row_order", BigInteger, nullable=False),
    Index("ix_entities_case_order", "case_id", "row_order"),
    Index("ix_entities_case_type_norm", "case_id", "type", "normalized"),
)

links = Table(
    "links",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("source_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("target_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("type", String(40), nullable=False),
    Column("confidence", String(12), nullable=False),
    Column("reliability", String(1)),
    Column("credibility", String(1)),
    Column("properties", JSON, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("row_order", BigInteger, nullable=False),
    Index("ix_links_case_order", "case_id", "row_order"),
    Index("ix_links_source", "source_id"),
    Index("ix_links_target", "target_id"),
)

provenance = Table(
    "provenance",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("object_type", String(12), nullable=False),  # entity | link
    Column("object_id", String(ID), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("ref", String(200)),
    Column("note", Text),
    Column("actor", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_provenance_object", "object_id"),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("filename", String(500), nullable=False),
    Column("mime_type", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("source_url", Text),
    Column("sensitivity", String(40)),
    Column("metadata", JSON, nullable=False),
    Column("collected_by", String(200), nullable=False),
    Column("collected_at", UTCDateTime, nullable=False),
    Index("ix_evidence_case", "case_id"),
    Index("ix_evidence_sha256", "sha256"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("at", String(32), nullable=False),  # canonical ISO text: hashed byte for byte
    Column("actor", String(200), nullable=False),
    Column("action", String(60), nullable=False),
    Column("object_type", String(30), nullable=False),
    Column("object_id", String(ID), nullable=False),
    Column("case_id", String(ID)),
    Column("summary", Text, nullable=False),  # canonical JSON text: hashed byte for byte
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Index("ix_audit_case", "case_id"),
)

# ---- threat assessment and decision (workbench/assess) -------------------------------------
# One assessment per case; every save appends a full JSON snapshot to assessment_versions.
# The columns on `assessments` repeat what the queue filters on (tiers, re-assessment time,
# preservation expiry) so those queries need not read snapshots.

assessments = Table(
    "assessments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False, unique=True),
    Column("template_id", String(100), nullable=False),
    Column("template_version", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("suggested_tier", String(2), nullable=False),
    Column("final_tier", String(2), nullable=False),
    Column("decision_digest", String(64), nullable=False),
    Column("reassess_at", UTCDateTime),
    Column("preservation_expires_at", UTCDateTime),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_assessments_reassess_at", "reassess_at"),
)

assessment_versions = Table(
    "assessment_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("assessment_id", String(ID), ForeignKey("assessments.id"), nullable=False),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("saved_by", String(200), nullable=False),
    Column("saved_at", UTCDateTime, nullable=False),
    Column("summary", Text, nullable=False),
    Column("decision_digest", String(64), nullable=False),
    Column("snapshot", JSON, nullable=False),
    Column("snapshot_sha256", String(64), nullable=False),
    Index("ix_assessment_versions_assessment_version", "assessment_id", "version", unique=True),
)

assessment_approvals = Table(
    "assessment_approvals",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("assessment_id", String(ID), ForeignKey("assessments.id"), nullable=False),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("decision_digest", String(64), nullable=False),
    Column("approver", String(200), nullable=False),
    Column("approved_at", UTCDateTime, nullable=False),
    Column("comment", Text, nullable=False),
    Index(
        "ix_assessment_approvals_once",
        "assessment_id",
        "decision_digest",
        "approver",
        unique=True,
    ),
)

assessment_drafts = Table(
    "assessment_drafts",
    metadata,
    Column("case_id", String(ID), ForeignKey("cases.id"), primary_key=True),
    Column("actor", String(200), primary_key=True),
    Column("base_version", Integer, nullable=False),
    Column("saved_at", UTCDateTime, nullable=False),
    Column("body", JSON, nullable=False),
)
