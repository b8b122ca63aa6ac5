"""Alembic migrations of the workspace database, run programmatically (no alembic.ini)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

MIGRATIONS_DIR = Path(__file__).resolve().parent
# Kept in step with versions/ by tests/store/test_migrations.py; lets a workspace at head open
# without importing Alembic at all (start-up time).
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008")
HEAD_REVISION = KNOWN_REVISIONS[-1]


def _config(connection: Connection) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_config(connection), revision)  # type: ignore[arg-type]


def script_revisions() -> list[str]:
    """Revisions found in versions/, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]
