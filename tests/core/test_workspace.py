from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from workbench.errors import (
    WorkspaceCorruptError,
    WorkspaceError,
    WorkspaceLockedError,
    WorkspaceTooNewError,
)
from workbench.store import migrations
from workbench.store.schema import metadata
from workbench.store.workspace import Workspace


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_workspace_is_wal_and_at_head(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws") as ws, ws.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert (
            conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            == migrations.HEAD_REVISION
        )


def test_known_revisions_match_migration_scripts() -> None:
    assert migrations.script_revisions() == list(migrations.KNOWN_REVISIONS)


# The FTS5 index of migration 0006 is a virtual table (and its shadow tables) that
# SQLAlchemy metadata cannot declare; its content table `search_docs` is declared and compared.
SEARCH_VIRTUAL_TABLES = ("search_fts",)


def _declared_or_not_virtual(name: str | None, type_: str, parent_names: object) -> bool:
    if type_ != "table" or name is None:
        return True
    return not any(name == v or name.startswith(f"{v}_") for v in SEARCH_VIRTUAL_TABLES)


def test_migrations_create_exactly_the_declared_schema(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    Workspace.open(tmp_path / "ws").close()
    engine = create_engine(f"sqlite:///{tmp_path / 'ws' / 'workspace.db'}")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _declared_or_not_virtual})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []


def test_older_workspace_is_backed_up_then_migrated(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    engine = create_engine(f"sqlite:///{root / 'workspace.db'}")
    with engine.connect() as conn:
        migrations.upgrade(conn, "0001")
        conn.commit()
    engine.dispose()
    conn0 = sqlite3.connect(root / "workspace.db")
    conn0.execute("INSERT INTO workspace_meta VALUES ('marker', 'from 0001')")
    conn0.commit()
    before = list(conn0.iterdump())
    conn0.close()
    with Workspace.open(root) as ws:
        case = ws.cases.create("After migration")
        entity = ws.graph.add_entity(case.id, "person", "Ann")
        ws.graph.set_positions(case.id, {entity.id: (1.0, 2.0)})
    backups = list((root / "backups").glob("workspace-schema0001-*.db"))
    assert len(backups) == 1
    backup = sqlite3.connect(backups[0])
    assert list(backup.iterdump()) == before
    backup.close()


def test_corrupt_file_is_refused_and_untouched(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    db = root / "workspace.db"
    db.write_bytes(b"this is not a database at all" * 100)
    before = _digest(db)
    with pytest.raises(WorkspaceCorruptError, match="not SQLite"):
        Workspace.open(root)
    assert _digest(db) == before


def test_damaged_sqlite_file_is_refused_and_untouched(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    Workspace.open(root).close()
    db = root / "workspace.db"
    data = bytearray(db.read_bytes())
    data[100:4096] = b"\x00\xff" * ((4096 - 100) // 2)
    db.write_bytes(bytes(data))
    for side in ("workspace.db-wal", "workspace.db-shm"):
        (root / side).unlink(missing_ok=True)
    before = _digest(db)
    with pytest.raises(WorkspaceCorruptError):
        Workspace.open(root)
    assert _digest(db) == before


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    conn = sqlite3.connect(root / "workspace.db")
    conn.execute("CREATE TABLE songs (title TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(WorkspaceCorruptError, match="not a workspace"):
        Workspace.open(root)


def test_newer_workspace_is_refused_and_untouched(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    Workspace.open(root).close()
    conn = sqlite3.connect(root / "workspace.db")
    conn.execute("UPDATE alembic_version SET version_num = '9001'")
    conn.commit()
    conn.close()
    before = _digest(root / "workspace.db")
    with pytest.raises(WorkspaceTooNewError, match="newer version"):
        Workspace.open(root)
    assert _digest(root / "workspace.db") == before
    assert not (root / "backups").exists()


def test_locked_workspace_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    Workspace.open(root).close()
    holder = sqlite3.connect(root / "workspace.db", isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(WorkspaceLockedError, match="locked by another program"):
            Workspace.open(root, lock_timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Workspace.open(root) as ws:
        assert ws.cases.list() == []


def test_write_while_locked_fails_cleanly_and_keeps_data(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    with Workspace.open(root, lock_timeout=0.2) as ws:
        case = ws.cases.create("Kept")
        holder = sqlite3.connect(root / "workspace.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(WorkspaceLockedError):
                ws.graph.add_entity(case.id, "person", "Lost?")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert ws.graph.count_entities(case.id) == 0
        ws.graph.add_entity(case.id, "person", "Saved")
        assert ws.graph.count_entities(case.id) == 1


def test_workspace_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(WorkspaceError, match="is a file"):
        Workspace.open(target)
    assert target.read_text() == "x"
