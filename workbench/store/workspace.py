"""Opening a workspace: a folder with `workspace.db` (SQLite, WAL) and a content-addressed `blobs/`.

Opening never damages what is on disk: a file that is not a database, is locked by another
process, or was written by a newer version is refused with a clear error and left untouched;
an older workspace is copied to `backups/` before it is migrated.
"""

from __future__ import annotations

import getpass
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool

from workbench.errors import (
    WorkspaceCorruptError,
    WorkspaceError,
    WorkspaceLockedError,
    WorkspaceTooNewError,
)
from workbench.store import migrations
from workbench.store.blobs import BlobStore
from workbench.timeutil import utcnow

DB_NAME = "workspace.db"
SQLITE_MAGIC = b"SQLite format 3\x00"
USER_ENV = "WORKBENCH_USER"


def current_actor() -> str:
    """Who is working: $WORKBENCH_USER (set by team deployments) or the OS login name."""
    return os.environ.get(USER_ENV) or getpass.getuser()


class Workspace:
    """An open workspace. Use `Workspace.open(path)`; close it (or use `with`) when done."""

    def __init__(self, root: Path, engine: Engine, actor: str):
        self.root = root
        self.engine = engine
        self.actor = actor
        self.blobs = BlobStore(root / "blobs")
        from workbench.store.cases import CaseRepository
        from workbench.store.evidence import EvidenceRepository
        from workbench.store.graph import GraphRepository

        self.cases = CaseRepository(self)
        self.graph = GraphRepository(self)
        self.evidence = EvidenceRepository(self)

    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @classmethod
    def open(
        cls,
        root: Path | str,
        *,
        actor: str | None = None,
        create: bool = True,
        lock_timeout: float = 5.0,
    ) -> Workspace:
        root = Path(root).expanduser()
        if root.exists() and not root.is_dir():
            raise WorkspaceError(
                f"{root} is a file, but a workspace is a folder. Choose a folder path instead."
            )
        db_path = root / DB_NAME
        if not db_path.exists():
            if not create:
                raise WorkspaceError(f"No workspace at {root} (no {DB_NAME}).")
            try:
                root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise WorkspaceError(f"Cannot create the workspace folder {root}: {exc}") from exc
        revision = _inspect_revision(db_path, lock_timeout)
        if revision is not None and revision not in migrations.KNOWN_REVISIONS:
            raise WorkspaceTooNewError(
                f"{db_path} was written by a newer version of OSINT Workbench (schema "
                f"{revision}; this version knows up to {migrations.HEAD_REVISION}). Update the "
                "application; the file has not been changed."
            )
        engine = _make_engine(db_path, lock_timeout)
        if revision != migrations.HEAD_REVISION:
            if revision is not None:
                _backup(db_path, root / "backups", revision)
            try:
                with engine.connect() as conn:
                    migrations.upgrade(conn)
                    conn.commit()
            except OperationalError as exc:
                engine.dispose()
                raise _translate(exc, db_path) from exc
        return cls(root, engine, actor or current_actor())

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One serialised write transaction (BEGIN IMMEDIATE): all or nothing."""
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(workbench_write=True)
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            raise _translate(exc, self.db_path) from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except OperationalError as exc:
            raise _translate(exc, self.db_path) from exc


def _inspect_revision(db_path: Path, lock_timeout: float) -> str | None:
    """The schema revision of an existing file, checked without writing anything to it."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    with db_path.open("rb") as handle:
        if handle.read(16) != SQLITE_MAGIC:
            raise WorkspaceCorruptError(
                f"{db_path} is not an OSINT Workbench database (not SQLite). It has not been "
                "changed; restore it from backups/ or choose another workspace."
            )
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=lock_timeout)
    except sqlite3.Error as exc:
        raise WorkspaceCorruptError(f"{db_path} cannot be opened: {exc}") from exc
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if "alembic_version" not in tables:
            if tables:
                raise WorkspaceCorruptError(
                    f"{db_path} is an SQLite database but not a workspace (tables: "
                    f"{', '.join(sorted(tables))[:200]}). It has not been changed."
                )
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            raise WorkspaceLockedError(
                f"{db_path} is locked by another program. Close the other OSINT Workbench "
                "window or process that uses it, then try again."
            ) from exc
        raise WorkspaceCorruptError(
            f"{db_path} is damaged ({exc}). It has not been changed; restore it from backups/."
        ) from exc
    except sqlite3.DatabaseError as exc:
        raise WorkspaceCorruptError(
            f"{db_path} is damaged ({exc}). It has not been changed; restore it from backups/."
        ) from exc
    finally:
        conn.close()


def _make_engine(db_path: Path, lock_timeout: float) -> Engine:
    engine = create_engine(
        f"sqlite:///{db_path}",
        poolclass=QueuePool,
        pool_size=4,
        connect_args={"timeout": lock_timeout, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk loads keep indexes in memory
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("workbench_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _backup(db_path: Path, backup_dir: Path, revision: str) -> Path:
    """A consistent copy (SQLite backup API) before a migration touches the file."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    target = backup_dir / f"workspace-schema{revision}-{stamp}.db"
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def _translate(exc: OperationalError, db_path: Path) -> WorkspaceError:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    if "locked" in text or "busy" in text:
        return WorkspaceLockedError(
            f"{db_path} is locked by another program and the change could not be saved. "
            "Close the other OSINT Workbench process that uses it, then try again."
        )
    if "malformed" in text or "not a database" in text:
        return WorkspaceCorruptError(f"{db_path} is damaged ({text}); restore it from backups/.")
    return WorkspaceError(f"Database error in {db_path}: {text}")
