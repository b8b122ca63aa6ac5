"""Saved column mappings for tabular imports.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from workbench.store.schema import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_mappings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_import_mappings_name", "import_mappings", ["name"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_import_mappings_name", "import_mappings")
    op.drop_table("import_mappings")
