"""Alembic environment: the caller hands us an open connection (see migrations/__init__.py)."""

from alembic import context

from workbench.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
