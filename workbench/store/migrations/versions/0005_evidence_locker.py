"""Evidence locker: evidence metadata, custody log, evidence-entity links, derived copies.

Existing evidence rows get their details, text and custody entry when their case is next
listed or verified (`EvidenceRepository.register_untracked`). The custody log is
append-only: on SQLite two triggers refuse any UPDATE or DELETE of its rows.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from workbench.store.schema import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APPEND_ONLY_TRIGGERS = (
    "custody_events_no_update",
    "custody_events_no_delete",
)


def upgrade() -> None:
    op.create_table(
        "evidence_details",
        sa.Column("evidence_id", sa.String(36), sa.ForeignKey("evidence.id"), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("copy_type", sa.String(12), nullable=False),
        sa.Column("parent_id", sa.String(36), sa.ForeignKey("evidence.id")),
        sa.Column("derivation", sa.String(40)),
        sa.Column("integrity", sa.String(12), nullable=False),
        sa.Column("integrity_detail", sa.Text, nullable=False),
        sa.Column("checked_at", UTCDateTime),
        sa.Column("thumbnail_png", sa.LargeBinary),
    )
    op.create_index("ix_evidence_details_parent", "evidence_details", ["parent_id"])
    op.create_index(
        "ix_evidence_details_case_integrity", "evidence_details", ["case_id", "integrity"]
    )
    op.create_table(
        "custody_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("evidence_id", sa.String(36), sa.ForeignKey("evidence.id"), nullable=False),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("hash_before", sa.String(64)),
        sa.Column("hash_after", sa.String(64)),
        sa.Column("integrity", sa.String(12)),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("audit_seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_custody_events_evidence", "custody_events", ["evidence_id", "id"])
    op.create_table(
        "evidence_links",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("evidence_id", sa.String(36), sa.ForeignKey("evidence.id"), nullable=False),
        sa.Column("object_type", sa.String(12), nullable=False),
        sa.Column("object_id", sa.String(36), nullable=False),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_evidence_links_evidence", "evidence_links", ["evidence_id"])
    op.create_index("ix_evidence_links_object", "evidence_links", ["object_id"])
    op.create_index(
        "ix_evidence_links_unique",
        "evidence_links",
        ["evidence_id", "object_id", "relation"],
        unique=True,
    )
    op.create_table(
        "evidence_text",
        sa.Column("evidence_id", sa.String(36), sa.ForeignKey("evidence.id"), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        for name, verb in zip(APPEND_ONLY_TRIGGERS, ("UPDATE", "DELETE"), strict=True):
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {verb} ON custody_events BEGIN "
                "SELECT RAISE(ABORT, 'the custody log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in APPEND_ONLY_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("evidence_text")
    op.drop_index("ix_evidence_links_unique", "evidence_links")
    op.drop_index("ix_evidence_links_object", "evidence_links")
    op.drop_index("ix_evidence_links_evidence", "evidence_links")
    op.drop_table("evidence_links")
    op.drop_index("ix_custody_events_evidence", "custody_events")
    op.drop_table("custody_events")
    op.drop_index("ix_evidence_details_case_integrity", "evidence_details")
    op.drop_index("ix_evidence_details_parent", "evidence_details")
    op.drop_table("evidence_details")
