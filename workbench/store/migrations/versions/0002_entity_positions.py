"""Graph positions saved with the case: entities get pos_x / pos_y.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entities") as batch:
        batch.add_column(sa.Column("pos_x", sa.Float))
        batch.add_column(sa.Column("pos_y", sa.Float))


def downgrade() -> None:
    with op.batch_alter_table("entities") as batch:
        batch.drop_column("pos_y")
        batch.drop_column("pos_x")
