"""Threat assessments: current state per case, versioned snapshots, approvals, drafts.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from workbench.store.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("template_id", sa.String(100), nullable=False),
        sa.Column("template_version", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("suggested_tier", sa.String(2), nullable=False),
        sa.Column("final_tier", sa.String(2), nullable=False),
        sa.Column("decision_digest", sa.String(64), nullable=False),
        sa.Column("reassess_at", UTCDateTime),
        sa.Column("preservation_expires_at", UTCDateTime),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_assessments_reassess_at", "assessments", ["reassess_at"])
    op.create_table(
        "assessment_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("assessment_id", sa.String(36), sa.ForeignKey("assessments.id"), nullable=False),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("saved_by", sa.String(200), nullable=False),
        sa.Column("saved_at", UTCDateTime, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("decision_digest", sa.String(64), nullable=False),
        sa.Column("snapshot", sa.JSON, nullable=False),
        sa.Column("snapshot_sha256", sa.String(64), nullable=False),
    )
    op.create_index(
        "ix_assessment_versions_assessment_version",
        "assessment_versions",
        ["assessment_id", "version"],
        unique=True,
    )
    op.create_table(
        "assessment_approvals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("assessment_id", sa.String(36), sa.ForeignKey("assessments.id"), nullable=False),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("decision_digest", sa.String(64), nullable=False),
        sa.Column("approver", sa.String(200), nullable=False),
        sa.Column("approved_at", UTCDateTime, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_assessment_approvals_once",
        "assessment_approvals",
        ["assessment_id", "decision_digest", "approver"],
        unique=True,
    )
    op.create_table(
        "assessment_drafts",
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("actor", sa.String(200), primary_key=True),
        sa.Column("base_version", sa.Integer, nullable=False),
        sa.Column("saved_at", UTCDateTime, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("assessment_drafts")
    op.drop_index("ix_assessment_approvals_once", "assessment_approvals")
    op.drop_table("assessment_approvals")
    op.drop_index("ix_assessment_versions_assessment_version", "assessment_versions")
    op.drop_table("assessment_versions")
    op.drop_index("ix_assessments_reassess_at", "assessments")
    op.drop_table("assessments")
