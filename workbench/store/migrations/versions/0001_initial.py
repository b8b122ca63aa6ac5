"""Initial workspace schema: cases, entities, links, provenance, evidence, audit events.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from workbench.store.schema import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspace_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False, unique=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("priority", sa.String(4), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("assignee", sa.String(200)),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "entities",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("normalized", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("properties", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("row_order", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_entities_case_order", "entities", ["case_id", "row_order"])
    op.create_index("ix_entities_case_type_norm", "entities", ["case_id", "type", "normalized"])
    op.create_table(
        "links",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("source_id", sa.String(36), sa.ForeignKey("entities.id"), nullable=False),
        sa.Column("target_id", sa.String(36), sa.ForeignKey("entities.id"), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("confidence", sa.String(12), nullable=False),
        sa.Column("reliability", sa.String(1)),
        sa.Column("credibility", sa.String(1)),
        sa.Column("properties", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("row_order", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_links_case_order", "links", ["case_id", "row_order"])
    op.create_index("ix_links_source", "links", ["source_id"])
    op.create_index("ix_links_target", "links", ["target_id"])
    op.create_table(
        "provenance",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("object_type", sa.String(12), nullable=False),
        sa.Column("object_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ref", sa.String(200)),
        sa.Column("note", sa.Text),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_provenance_object", "provenance", ["object_id"])
    op.create_table(
        "evidence",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("mime_type", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("source_url", sa.Text),
        sa.Column("sensitivity", sa.String(40)),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("collected_by", sa.String(200), nullable=False),
        sa.Column("collected_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_evidence_case", "evidence", ["case_id"])
    op.create_index("ix_evidence_sha256", "evidence", ["sha256"])
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("object_type", sa.String(30), nullable=False),
        sa.Column("object_id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36)),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_audit_case", "audit_events", ["case_id"])


def downgrade() -> None:
    for table in (
        "audit_events",
        "evidence",
        "provenance",
        "links",
        "entities",
        "cases",
        "workspace_meta",
    ):
        op.drop_table(table)
