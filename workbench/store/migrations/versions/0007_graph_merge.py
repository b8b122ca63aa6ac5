"""Graph merges and same-as hypotheses.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from workbench.store.schema import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "graph_merges",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("keep_id", sa.String(36), nullable=False),
        sa.Column("duplicate_ids", sa.JSON, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("merged_by", sa.String(200), nullable=False),
        sa.Column("merged_at", UTCDateTime, nullable=False),
        sa.Column("unmerged_by", sa.String(200)),
        sa.Column("unmerged_at", UTCDateTime),
        sa.Column("snapshot", sa.JSON, nullable=False),
        sa.Column("snapshot_sha256", sa.String(64), nullable=False),
    )
    op.create_index("ix_graph_merges_case", "graph_merges", ["case_id", "merged_at"])
    op.create_index("ix_graph_merges_keep", "graph_merges", ["keep_id"])


def downgrade() -> None:
    op.drop_index("ix_graph_merges_keep", "graph_merges")
    op.drop_index("ix_graph_merges_case", "graph_merges")
    op.drop_table("graph_merges")
